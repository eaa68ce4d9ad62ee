package citdesk

import (
	"context"
	"time"
)

// The Mental Health Liaison as a resource (issue 16, item 2): a co-response
// sends a CIT officer and the liaison together, so the board needs to know,
// as it knows of officers, whether a liaison can go now, where they are and
// how long they would take. A liaison is a user with RoleLiaison; they set
// their availability on their caseload page (or through the API), with
// their phone's position when they share it.

// LiaisonStatus is whether a liaison can be sent to a call now.
type LiaisonStatus string

// The liaison statuses.
const (
	LiaisonAvailable LiaisonStatus = "available" // can go to a call now
	LiaisonBusy      LiaisonStatus = "busy"      // on duty, with a call or a client
	LiaisonOffDuty   LiaisonStatus = "off_duty"  // not working (and no status set yet)
)

// LiaisonStatuses lists the statuses in the order a liaison chooses from.
var LiaisonStatuses = []LiaisonStatus{LiaisonAvailable, LiaisonBusy, LiaisonOffDuty}

// Valid reports whether s is a known status.
func (s LiaisonStatus) Valid() bool {
	return s == LiaisonAvailable || s == LiaisonBusy || s == LiaisonOffDuty
}

// Label returns the status in words.
func (s LiaisonStatus) Label() string {
	switch s {
	case LiaisonAvailable:
		return "Available"
	case LiaisonBusy:
		return "Busy"
	case LiaisonOffDuty:
		return "Off duty"
	}
	return string(s)
}

// LiaisonDuty is one liaison's availability and last known position.
type LiaisonDuty struct {
	UserID int64         `json:"user_id"`
	Name   string        `json:"name"`
	Status LiaisonStatus `json:"status"`
	// Lat and Lon are where the liaison last said they were (their phone),
	// taken at PositionAt; nil when they have shared no position.
	Lat        *float64   `json:"lat"`
	Lon        *float64   `json:"lon"`
	PositionAt *time.Time `json:"position_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	// CallID is the call the liaison is on, 0 for none.
	CallID int64 `json:"call_id,omitempty"`
}

// LiaisonCallStatus is where a liaison sent to a call is.
type LiaisonCallStatus string

// The statuses of a liaison on a call, in order.
const (
	LiaisonAssigned LiaisonCallStatus = "assigned"
	LiaisonEnRoute  LiaisonCallStatus = "en_route"
	LiaisonOnScene  LiaisonCallStatus = "on_scene"
	LiaisonCleared  LiaisonCallStatus = "cleared"
)

// Label returns the status in words.
func (s LiaisonCallStatus) Label() string {
	switch s {
	case LiaisonAssigned:
		return "Assigned"
	case LiaisonEnRoute:
		return "En route"
	case LiaisonOnScene:
		return "On scene"
	case LiaisonCleared:
		return "Cleared"
	}
	return string(s)
}

// Next lists the statuses a liaison on a call may move to from s: forward
// only, skipping allowed (a liaison who walks in is on scene at once), as
// an officer's assignment moves.
func (s LiaisonCallStatus) Next() []LiaisonCallStatus {
	switch s {
	case LiaisonAssigned:
		return []LiaisonCallStatus{LiaisonEnRoute, LiaisonOnScene, LiaisonCleared}
	case LiaisonEnRoute:
		return []LiaisonCallStatus{LiaisonOnScene, LiaisonCleared}
	case LiaisonOnScene:
		return []LiaisonCallStatus{LiaisonCleared}
	}
	return nil
}

// CanMoveTo reports whether a liaison on a call at s may move to next.
func (s LiaisonCallStatus) CanMoveTo(next LiaisonCallStatus) bool {
	for _, n := range s.Next() {
		if n == next {
			return true
		}
	}
	return false
}

// CallLiaison is a liaison sent to a call (the liaison half of a
// co-response), with the times of each step.
type CallLiaison struct {
	ID         int64             `json:"id"`
	CallID     int64             `json:"call_id"`
	UserID     int64             `json:"user_id"`
	Name       string            `json:"name"`
	Status     LiaisonCallStatus `json:"status"`
	AssignedAt time.Time         `json:"assigned_at"`
	EnRouteAt  *time.Time        `json:"en_route_at"`
	OnSceneAt  *time.Time        `json:"on_scene_at"`
	ClearedAt  *time.Time        `json:"cleared_at"`
	AssignedBy int64             `json:"assigned_by"`
	Version    int64             `json:"version"`
	// CallNature and CallAddress say where the liaison is going, for their
	// caseload page; they are about the incident, not the caller.
	CallNature  string `json:"call_nature"`
	CallAddress string `json:"call_address"`
}

// LiaisonService keeps the liaisons' availability and sends them to calls.
type LiaisonService interface {
	// SetLiaisonStatus sets liaison userID's status and, when lat and lon
	// are given, their position: the liaison themselves or a dispatcher
	// (SetLiaisonStatus's permission).
	SetLiaisonStatus(ctx context.Context, userID int64, status LiaisonStatus, lat, lon *float64) (*LiaisonDuty, error)
	// FindLiaisonDuty returns liaison userID's status (off duty when they
	// never set one) and, in CallLiaison, the call they are on.
	FindLiaisonDuty(ctx context.Context, userID int64) (*LiaisonDuty, *CallLiaison, error)
	// AssignLiaison sends liaison a.UserID to call a.CallID as a
	// co-response, in one transaction with the call's response set to
	// co_response (reason is required when the triage recommended another,
	// as for any response). ECONFLICT when the liaison is not available or
	// the call is closed.
	AssignLiaison(ctx context.Context, a *CallLiaison, reason string) error
	// MoveLiaison moves the liaison on call callID to status when version
	// is current: the liaison themselves or a dispatcher. Clearing makes
	// the liaison available again.
	MoveLiaison(ctx context.Context, callID, version int64, status LiaisonCallStatus) (*CallLiaison, error)
	// ListCallLiaisons lists the liaisons sent to call callID, oldest first.
	ListCallLiaisons(ctx context.Context, callID int64) ([]*CallLiaison, error)
}
