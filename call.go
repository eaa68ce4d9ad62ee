package citdesk

import (
	"context"
	"time"
)

// CallSource is how a call came in.
type CallSource string

// Call sources.
const (
	Source911              CallSource = "911"
	SourceNonEmergency     CallSource = "non_emergency"
	SourceOnlineRequest    CallSource = "online_request"
	SourceOfficerInitiated CallSource = "officer_initiated"
	Source988Transfer      CallSource = "988_transfer"
)

// CallStatus is where a call is in its life.
type CallStatus string

// Call statuses.
const (
	CallPending    CallStatus = "pending"
	CallDispatched CallStatus = "dispatched"
	CallOnScene    CallStatus = "on_scene"
	CallClosed     CallStatus = "closed"
)

// Risk is a yes/no/unknown answer from risk screening.
type Risk string

// Risk answers.
const (
	RiskUnknown Risk = "unknown"
	RiskYes     Risk = "yes"
	RiskNo      Risk = "no"
)

// RiskScreen is the call-taker's risk screening.
type RiskScreen struct {
	Weapons     Risk `json:"weapons"`
	Violence    Risk `json:"violence"`
	SuicideRisk Risk `json:"suicide_risk"`
	Substances  Risk `json:"substances"`
	Medical     Risk `json:"medical"`
}

// Call is a call for service that is, or may be, a mental-health crisis.
type Call struct {
	ID                 int64      `json:"id"`
	AgencyID           int64      `json:"agency_id"`
	ReceivedAt         time.Time  `json:"received_at"`
	Source             CallSource `json:"source"`
	Emergency          bool       `json:"emergency"`
	Nature             string     `json:"nature"`
	Address            string     `json:"address"`
	Lat                *float64   `json:"lat"`
	Lon                *float64   `json:"lon"`
	CallerName         string     `json:"caller_name"`
	CallerPhone        string     `json:"caller_phone"`
	CallerRelationship string     `json:"caller_relationship"`
	SubjectDescription string     `json:"subject_description"`
	Risk               RiskScreen `json:"risk"`
	CITRequested       bool       `json:"cit_requested"`
	Notes              string     `json:"notes"`
	Status             CallStatus `json:"status"`
	MentalHealth       *bool      `json:"mental_health"`
	ClosedAt           *time.Time `json:"closed_at"`
	CreatedBy          int64      `json:"created_by"`
	Version            int64      `json:"version"`
}

// AssignmentStatus is where an assignment is.
type AssignmentStatus string

// Assignment statuses.
const (
	AssignDispatched AssignmentStatus = "dispatched"
	AssignEnRoute    AssignmentStatus = "en_route"
	AssignOnScene    AssignmentStatus = "on_scene"
	AssignCleared    AssignmentStatus = "cleared"
)

// Reasons a CIT-requested call got a non-CIT officer first.
const (
	NoCITNoneAvailable = "none_available"
	NoCITNoneOnDuty    = "none_on_duty"
	NoCITTooFar        = "too_far"
	NoCITOther         = "other"
)

// Assignment is an officer sent to a call.
type Assignment struct {
	ID           int64            `json:"id"`
	AgencyID     int64            `json:"agency_id"`
	CallID       int64            `json:"call_id"`
	OfficerID    int64            `json:"officer_id"`
	Status       AssignmentStatus `json:"status"`
	DispatchedAt time.Time        `json:"dispatched_at"`
	EnRouteAt    *time.Time       `json:"en_route_at"`
	OnSceneAt    *time.Time       `json:"on_scene_at"`
	ClearedAt    *time.Time       `json:"cleared_at"`
	CITCertified bool             `json:"cit_certified"` // snapshot at dispatch
	NoCITReason  string           `json:"no_cit_reason,omitempty"`
	NoCITText    string           `json:"no_cit_text,omitempty"`
	DispatchedBy int64            `json:"dispatched_by"`
	Version      int64            `json:"version"`
}

// CallFilter selects calls.
type CallFilter struct {
	Open   bool // pending, dispatched or on scene
	Status CallStatus
	Limit  int
}

// CallService manages calls and assignments.
type CallService interface {
	CreateCall(ctx context.Context, c *Call) error
	FindCallByID(ctx context.Context, id int64) (*Call, error)
	ListCalls(ctx context.Context, f CallFilter) ([]*Call, error)
	UpdateCall(ctx context.Context, c *Call) error

	// CreateAssignment sends an officer to a call; ECONFLICT when the
	// officer already holds an active assignment.
	CreateAssignment(ctx context.Context, a *Assignment) error
	FindAssignmentByID(ctx context.Context, id int64) (*Assignment, error)
	ListAssignments(ctx context.Context, callID int64) ([]*Assignment, error)
	// MoveAssignment moves an assignment to status when version is current.
	MoveAssignment(ctx context.Context, id int64, version int64, status AssignmentStatus) (*Assignment, error)
}
