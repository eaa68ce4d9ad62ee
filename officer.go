package citdesk

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Officer is a sworn member of the agency. CIT officers are officers with
// CIT training; whether one is CIT certified is derived from training
// records (see DeriveCITStatus), never typed in.
type Officer struct {
	ID        int64  `json:"id"`
	AgencyID  int64  `json:"agency_id"`
	Badge     string `json:"badge"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Rank      string `json:"rank"`
	CallSign  string `json:"call_sign"`
	Shift     string `json:"shift"` // team or shift, e.g. "A days"
	Phone     string `json:"phone"`
	Active    bool   `json:"active"`
	// SupervisorUserID is the user (with the supervisor role) who reviews
	// this officer's reports; null when none, and coordinators review them.
	SupervisorUserID *int64    `json:"supervisor_user_id"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	Version          int64     `json:"version"`

	// Filled by the store when read.
	CIT        *CITStanding `json:"cit,omitempty"`
	Duty       *DutyState   `json:"duty,omitempty"`
	MHAwarness bool         `json:"mh_awareness"` // completed the shorter awareness course
}

// Name returns the officer's display name, "Rank Last, First" style kept short.
func (o *Officer) Name() string {
	n := strings.TrimSpace(o.FirstName + " " + o.LastName)
	if o.Rank != "" {
		return o.Rank + " " + n
	}
	return n
}

// Validate reports the first thing wrong with o.
func (o *Officer) Validate() error {
	o.Badge = strings.TrimSpace(o.Badge)
	o.FirstName = strings.TrimSpace(o.FirstName)
	o.LastName = strings.TrimSpace(o.LastName)
	if err := CheckTextFields(o); err != nil {
		return err
	}
	switch {
	case o.Badge == "":
		return FieldErrorf("badge", "Badge number is required.")
	case len(o.Badge) > 20:
		return FieldErrorf("badge", "Badge number must be at most 20 characters.")
	case o.LastName == "":
		return FieldErrorf("last_name", "Last name is required.")
	case o.FirstName == "":
		return FieldErrorf("first_name", "First name is required.")
	case len(o.FirstName) > 80 || len(o.LastName) > 80:
		return FieldErrorf("last_name", "Names must be at most 80 characters.")
	case len(o.Rank) > 40, len(o.CallSign) > 20, len(o.Shift) > 40, len(o.Phone) > 30:
		return FieldErrorf("rank", "Rank, call sign, shift or phone is too long.")
	}
	return nil
}

// CourseKind is the kind of a training course.
type CourseKind string

// Course kinds.
const (
	CourseCITBasic     CourseKind = "cit_basic"     // the 40-hour CIT course
	CourseMHAwareness  CourseKind = "mh_awareness"  // the shorter mental-health awareness course
	CourseCITInService CourseKind = "cit_inservice" // CIT refresher (in-service) hours
	CourseOther        CourseKind = "other"
)

// Valid reports whether k is a known course kind.
func (k CourseKind) Valid() bool {
	switch k {
	case CourseCITBasic, CourseMHAwareness, CourseCITInService, CourseOther:
		return true
	}
	return false
}

// TrainingRecord is one course an officer completed.
type TrainingRecord struct {
	ID          int64      `json:"id"`
	AgencyID    int64      `json:"agency_id"`
	OfficerID   int64      `json:"officer_id"`
	Kind        CourseKind `json:"kind"`
	Title       string     `json:"title"`
	Completed   Date       `json:"completed"`
	Hours       float64    `json:"hours"`
	Provider    string     `json:"provider"`
	Certificate string     `json:"certificate"`
	CreatedAt   time.Time  `json:"created_at"`
}

// Validate reports the first thing wrong with r, given today's date.
func (r *TrainingRecord) Validate(today Date) error {
	if err := CheckTextFields(r); err != nil {
		return err
	}
	if !r.Completed.IsZero() && r.Completed.Before(EarliestDate) {
		// The future is refused below, more strictly than CheckEventDate.
		return CheckEventDate("completed", r.Completed, today)
	}
	switch {
	case !r.Kind.Valid():
		return FieldErrorf("kind", "Kind must be one of cit_basic, mh_awareness, cit_inservice, other.")
	case r.Completed.IsZero():
		return FieldErrorf("completed", "Completion date is required (YYYY-MM-DD).")
	case r.Completed.After(today):
		return FieldErrorf("completed", "Completion date cannot be in the future.")
	case r.Hours <= 0 || r.Hours > 200:
		return FieldErrorf("hours", "Hours must be more than 0 and at most 200.")
	case r.Kind == CourseCITBasic && r.Hours < 40:
		return FieldErrorf("hours", "The CIT basic course is 40 hours; record %.1f hours as in-service or other training.", r.Hours)
	case len(r.Title) > 200 || len(r.Provider) > 200 || len(r.Certificate) > 100:
		return FieldErrorf("title", "Title, provider or certificate number is too long.")
	}
	return nil
}

// DutyStatus is an officer's duty status.
type DutyStatus string

// Duty statuses, with one colour each everywhere they are shown.
const (
	StatusOffDuty    DutyStatus = "off_duty"   // grey
	StatusAvailable  DutyStatus = "available"  // green
	StatusDispatched DutyStatus = "dispatched" // amber
	StatusEnRoute    DutyStatus = "en_route"   // amber
	StatusOnScene    DutyStatus = "on_scene"   // red
	StatusBusy       DutyStatus = "busy"       // purple
)

// DutyStatuses lists the statuses in display order.
var DutyStatuses = []DutyStatus{StatusOffDuty, StatusAvailable, StatusDispatched, StatusEnRoute, StatusOnScene, StatusBusy}

// Valid reports whether s is a known status.
func (s DutyStatus) Valid() bool {
	for _, d := range DutyStatuses {
		if s == d {
			return true
		}
	}
	return false
}

// OnDuty reports whether the status counts as on duty.
func (s DutyStatus) OnDuty() bool { return s.Valid() && s != StatusOffDuty }

// Label returns the status in words.
func (s DutyStatus) Label() string {
	switch s {
	case StatusOffDuty:
		return "Off duty"
	case StatusAvailable:
		return "Available"
	case StatusDispatched:
		return "Dispatched"
	case StatusEnRoute:
		return "En route"
	case StatusOnScene:
		return "On scene"
	case StatusBusy:
		return "Busy"
	}
	return string(s)
}

// StatusChange is one entry of an officer's status history.
type StatusChange struct {
	ID        int64      `json:"id"`
	AgencyID  int64      `json:"agency_id"`
	OfficerID int64      `json:"officer_id"`
	Status    DutyStatus `json:"status"`
	Lat       *float64   `json:"lat,omitempty"`
	Lon       *float64   `json:"lon,omitempty"`
	At        time.Time  `json:"at"`
	ByUserID  int64      `json:"by_user_id"`
}

// DutyState is an officer's current status and last known position.
type DutyState struct {
	Status     DutyStatus `json:"status"`
	Since      time.Time  `json:"since,omitzero"` // zero (omitted) when never on duty
	Lat        *float64   `json:"lat,omitempty"`
	Lon        *float64   `json:"lon,omitempty"`
	PositionAt *time.Time `json:"position_at,omitempty"`
	Stale      bool       `json:"position_stale"` // no position, or older than the agency's threshold
}

// PositionStale reports whether a position taken at t is too old to trust at now.
func PositionStale(t *time.Time, now time.Time, limit time.Duration) bool {
	return t == nil || now.Sub(*t) > limit
}

// OfficerFilter selects officers.
type OfficerFilter struct {
	Active    *bool
	CITStatus CITStatus // "" for any
	OnDuty    bool
	Query     string // matches badge, names, call sign
}

// OfficerService manages the roster, training and duty status.
type OfficerService interface {
	CreateOfficer(ctx context.Context, o *Officer) error
	FindOfficerByID(ctx context.Context, id int64) (*Officer, error)
	FindOfficerByBadge(ctx context.Context, badge string) (*Officer, error)
	ListOfficers(ctx context.Context, f OfficerFilter) ([]*Officer, error)
	// UpdateOfficer saves o when o.Version is current, or fails EPRECONDITION.
	UpdateOfficer(ctx context.Context, o *Officer) error
	// UpsertOfficerByBadge creates or updates the officer with o.Badge and
	// adds the training records not already on record (same kind, date and
	// hours), all in one transaction: when any part is refused nothing is
	// saved, so an import row is whole or absent. It reports whether the
	// officer was created and how many records were added.
	UpsertOfficerByBadge(ctx context.Context, o *Officer, training []TrainingRecord) (created bool, added int, err error)

	AddTraining(ctx context.Context, r *TrainingRecord) error
	ListTraining(ctx context.Context, officerID int64) ([]*TrainingRecord, error)
	// ListAgencyTraining returns the training of every officer of the
	// agency, for measures such as coverage that derive CIT status day by day.
	ListAgencyTraining(ctx context.Context) ([]*TrainingRecord, error)

	SetStatus(ctx context.Context, c *StatusChange) error
	StatusHistory(ctx context.Context, officerID int64, from, to time.Time) ([]*StatusChange, error)
	// AgencyStatusHistory returns every officer's changes in [from, to),
	// plus each officer's last change before from, for coverage.
	AgencyStatusHistory(ctx context.Context, from, to time.Time) ([]*StatusChange, error)

	// Coverage measures CIT coverage over the local dates from to to,
	// inclusive (zero dates: the last DefaultCoverageDays whole days),
	// reading the agency, status history and training in one read
	// transaction. MeasureRoles only.
	Coverage(ctx context.Context, from, to Date) (*CoverageReport, error)
	// RosterSummary summarises the active roster's CIT certification and
	// awareness training against CITBenchmark, from one read transaction.
	// MeasureRoles only.
	RosterSummary(ctx context.Context) (*RosterSummary, error)
}

// AssignedStatusMessage says why a duty status set by hand is refused while
// officer officerID holds an assignment to call callID: to the officer on
// their own phone in the second person, to a dispatcher about the officer.
func AssignedStatusMessage(a *Actor, officerID, callID int64) string {
	if a != nil && a.IsOfficer(officerID) {
		return fmt.Sprintf("You are assigned to call #%d, so your status follows the assignment: use its buttons (en route, on scene, cleared) instead.", callID)
	}
	return fmt.Sprintf("This officer is assigned to call #%d; move or clear the assignment instead of setting the status by hand.", callID)
}
