package citdesk

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
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

// CallSources lists the sources in the order a call-taker picks from.
var CallSources = []CallSource{Source911, SourceNonEmergency, Source988Transfer, SourceOfficerInitiated, SourceOnlineRequest}

// Valid reports whether s is a known source.
func (s CallSource) Valid() bool {
	for _, k := range CallSources {
		if s == k {
			return true
		}
	}
	return false
}

// Label returns the source in words.
func (s CallSource) Label() string {
	switch s {
	case Source911:
		return "911"
	case SourceNonEmergency:
		return "Non-emergency line"
	case SourceOnlineRequest:
		return "Online request"
	case SourceOfficerInitiated:
		return "Officer-initiated"
	case Source988Transfer:
		return "988 transfer"
	}
	return string(s)
}

// CallStatus is where a call is in its life.
type CallStatus string

// Call statuses.
const (
	CallPending    CallStatus = "pending"
	CallDispatched CallStatus = "dispatched"
	CallOnScene    CallStatus = "on_scene"
	// CallCleared is a call whose every officer has cleared after someone
	// reached the scene: it waits for the dispatcher to close it.
	CallCleared CallStatus = "cleared"
	CallClosed  CallStatus = "closed"
)

// CallStatuses lists the statuses in the order a call moves through them.
var CallStatuses = []CallStatus{CallPending, CallDispatched, CallOnScene, CallCleared, CallClosed}

// Valid reports whether s is a known call status.
func (s CallStatus) Valid() bool {
	switch s {
	case CallPending, CallDispatched, CallOnScene, CallCleared, CallClosed:
		return true
	}
	return false
}

// Open reports whether a call with status s still needs the dispatcher; a
// cleared call does, to be closed.
func (s CallStatus) Open() bool {
	return s == CallPending || s == CallDispatched || s == CallOnScene || s == CallCleared
}

// Settled reports whether a call at s is done with its officers (cleared
// or closed), so whether a CIT officer was sent and reached it is known:
// the outcome figures count such calls.
func (s CallStatus) Settled() bool { return s == CallCleared || s == CallClosed }

// AfterMove returns the status a call at s takes when one of its
// assignments moves to moved (AssignDispatched for a new one), given how
// many of its assignments are still active afterwards and whether any of
// its officers ever reached the scene. The call follows its officers:
// the first arrival puts it on scene; the last officer to clear leaves it
// cleared, waiting to be closed, or waiting again (pending) when nobody
// reached it; a new officer sent to a pending or cleared call makes it
// dispatched. A closed call never moves.
func (s CallStatus) AfterMove(moved AssignmentStatus, active int, reached bool) CallStatus {
	if s == CallClosed {
		return s
	}
	switch moved {
	case AssignDispatched:
		if s == CallPending || s == CallCleared {
			return CallDispatched
		}
	case AssignOnScene:
		if s == CallPending || s == CallDispatched || s == CallCleared {
			return CallOnScene
		}
	case AssignCleared:
		switch {
		case active > 0:
		case reached:
			return CallCleared
		default:
			return CallPending
		}
	}
	return s
}

// Label returns the status in words.
func (s CallStatus) Label() string {
	switch s {
	case CallPending:
		return "Waiting"
	case CallDispatched:
		return "Dispatched"
	case CallOnScene:
		return "On scene"
	case CallCleared:
		return "Cleared, to close"
	case CallClosed:
		return "Closed"
	}
	return string(s)
}

// Risk is a yes/no/unknown answer from risk screening.
type Risk string

// Risk answers.
const (
	RiskUnknown Risk = "unknown"
	RiskYes     Risk = "yes"
	RiskNo      Risk = "no"
)

// Valid reports whether r is a known answer.
func (r Risk) Valid() bool { return r == RiskUnknown || r == RiskYes || r == RiskNo }

// RiskScreen is the call-taker's risk screening.
type RiskScreen struct {
	Weapons     Risk `json:"weapons"`
	Violence    Risk `json:"violence"`
	SuicideRisk Risk `json:"suicide_risk"`
	Substances  Risk `json:"substances"`
	Medical     Risk `json:"medical"`
}

// RiskFlag is one risk screening question and its answer, for display.
type RiskFlag struct {
	Field  string // JSON name, e.g. "suicide_risk"
	Label  string // words, e.g. "Suicide risk"
	Answer Risk
}

// Flags lists the screening answers in display order.
func (r RiskScreen) Flags() []RiskFlag {
	return []RiskFlag{
		{"weapons", "Weapons", r.Weapons},
		{"violence", "Violence", r.Violence},
		{"suicide_risk", "Suicide risk", r.SuicideRisk},
		{"substances", "Substances", r.Substances},
		{"medical", "Medical need", r.Medical},
	}
}

// normalize turns unanswered questions into "unknown" and reports the
// first answer that is not yes, no or unknown.
func (r *RiskScreen) normalize() error {
	for _, p := range []struct {
		field string
		v     *Risk
	}{{"weapons", &r.Weapons}, {"violence", &r.Violence}, {"suicide_risk", &r.SuicideRisk}, {"substances", &r.Substances}, {"medical", &r.Medical}} {
		*p.v = Risk(strings.TrimSpace(string(*p.v)))
		if *p.v == "" {
			*p.v = RiskUnknown
		}
		if !p.v.Valid() {
			return FieldErrorf("risk."+p.field, "Risk answers are yes, no or unknown.")
		}
	}
	return nil
}

// Call is a call for service that is, or may be, a mental-health crisis.
// Caller name and phone, the subject description and the notes are
// person-level data: they are never logged or sent in events.
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
	// MentalHealth is set when the call is judged a mental-health call,
	// usually at close; null until someone says.
	MentalHealth *bool `json:"mental_health"`
	// NoCITReason and NoCITText say, when a CIT-requested call is closed
	// without a CIT officer having reached it, why none did; empty
	// otherwise (see PrepareClose).
	NoCITReason string `json:"no_cit_reason,omitempty"`
	NoCITText   string `json:"no_cit_text,omitempty"`
	// TriageVersion is the version of the agency's triage protocol the
	// answers were evaluated against, TriageAnswers the answers on the
	// path taken (question id → answer value), RecommendedResponse where
	// they led; all empty for a call not triaged. Response is the response
	// chosen and ResponseReason why, when it is not the recommended one
	// (CheckResponse).
	TriageVersion       *int              `json:"triage_version"`
	TriageAnswers       map[string]string `json:"triage_answers"`
	RecommendedResponse Response          `json:"recommended_response"`
	Response            Response          `json:"response"`
	ResponseReason      string            `json:"response_reason"`
	// Transfer is the call's transfer to 988 or mobile crisis, when one was
	// recorded; it is read with a single call (not in lists).
	Transfer  *Transfer  `json:"transfer,omitempty"`
	ClosedAt  *time.Time `json:"closed_at"`
	CreatedBy int64      `json:"created_by"`
	UpdatedAt time.Time  `json:"updated_at"`
	Version   int64      `json:"version"`
}

// Text field limits, in characters.
const (
	maxNature      = 200
	maxAddress     = 300
	maxCallerName  = 200
	maxCallerPhone = 40
	maxRelation    = 100
	maxSubject     = 2000
	maxNotes       = 10000
	maxNoCITText   = 500
)

// Validate trims c's text, fills the defaults of a new call (source 911,
// unknown risk answers) and reports the first thing wrong, given the time
// now (a call cannot be received in the future).
func (c *Call) Validate(now time.Time) error {
	for _, s := range []*string{&c.Nature, &c.Address, &c.CallerName, &c.CallerPhone, &c.CallerRelationship, &c.SubjectDescription, &c.Notes} {
		*s = strings.TrimSpace(*s)
	}
	if c.Source == "" {
		c.Source = Source911
	}
	if err := c.Risk.normalize(); err != nil {
		return err
	}
	c.Response = Response(strings.TrimSpace(string(c.Response)))
	if c.Response != "" && !c.Response.Valid() {
		return FieldErrorf("response", "The response must be one of %s.", ResponseChoices())
	}
	if err := CheckTextFields(c); err != nil {
		return err
	}
	if !c.ReceivedAt.IsZero() && c.ReceivedAt.Before(EarliestDate.Time(time.UTC)) {
		// The future is refused below, more strictly than CheckEventTime.
		return CheckEventTime("received_at", c.ReceivedAt, now)
	}
	switch {
	case !c.Source.Valid():
		return FieldErrorf("source", "Source must be one of 911, non_emergency, online_request, officer_initiated, 988_transfer.")
	case c.Nature == "":
		return FieldErrorf("nature", "Say what the call is about (for example: suicide threat, welfare check).")
	case utf8.RuneCountInString(c.Nature) > maxNature:
		return FieldErrorf("nature", "Nature must be at most %d characters.", maxNature)
	case utf8.RuneCountInString(c.Address) > maxAddress:
		return FieldErrorf("address", "Address must be at most %d characters.", maxAddress)
	case (c.Lat == nil) != (c.Lon == nil):
		return FieldErrorf("lat", "Give both lat and lon, or neither.")
	case c.Lat != nil && (*c.Lat < -90 || *c.Lat > 90):
		return FieldErrorf("lat", "Latitude must be between -90 and 90.")
	case c.Lon != nil && (*c.Lon < -180 || *c.Lon > 180):
		return FieldErrorf("lon", "Longitude must be between -180 and 180.")
	case utf8.RuneCountInString(c.CallerName) > maxCallerName:
		return FieldErrorf("caller_name", "Caller name must be at most %d characters.", maxCallerName)
	case utf8.RuneCountInString(c.CallerPhone) > maxCallerPhone:
		return FieldErrorf("caller_phone", "Caller phone must be at most %d characters.", maxCallerPhone)
	case utf8.RuneCountInString(c.CallerRelationship) > maxRelation:
		return FieldErrorf("caller_relationship", "Relationship must be at most %d characters.", maxRelation)
	case utf8.RuneCountInString(c.SubjectDescription) > maxSubject:
		return FieldErrorf("subject_description", "Subject description must be at most %d characters.", maxSubject)
	case utf8.RuneCountInString(c.Notes) > maxNotes:
		return FieldErrorf("notes", "Notes must be at most %d characters.", maxNotes)
	case !c.ReceivedAt.IsZero() && c.ReceivedAt.After(now.Add(5*time.Minute)):
		return FieldErrorf("received_at", "A call cannot be received in the future.")
	}
	return nil
}

// CallSummary is what live pages show of a call: no caller, subject or
// notes, so it may travel in events to every screen of the agency.
type CallSummary struct {
	ID           int64      `json:"id"`
	ReceivedAt   time.Time  `json:"received_at"`
	Source       CallSource `json:"source"`
	Emergency    bool       `json:"emergency"`
	Nature       string     `json:"nature"`
	Address      string     `json:"address"`
	Lat          *float64   `json:"lat"`
	Lon          *float64   `json:"lon"`
	Risk         RiskScreen `json:"risk"`
	CITRequested bool       `json:"cit_requested"`
	Status       CallStatus `json:"status"`
	Version      int64      `json:"version"`
}

// Summary returns the board's view of c.
func (c *Call) Summary() CallSummary {
	return CallSummary{ID: c.ID, ReceivedAt: c.ReceivedAt, Source: c.Source, Emergency: c.Emergency, Nature: c.Nature, Address: c.Address,
		Lat: c.Lat, Lon: c.Lon, Risk: c.Risk, CITRequested: c.CITRequested, Status: c.Status, Version: c.Version}
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

// Valid reports whether s is a known assignment status.
func (s AssignmentStatus) Valid() bool {
	switch s {
	case AssignDispatched, AssignEnRoute, AssignOnScene, AssignCleared:
		return true
	}
	return false
}

// Active reports whether the officer is still on the assignment.
func (s AssignmentStatus) Active() bool { return s.Valid() && s != AssignCleared }

// Label returns the status in words.
func (s AssignmentStatus) Label() string {
	switch s {
	case AssignDispatched:
		return "Dispatched"
	case AssignEnRoute:
		return "En route"
	case AssignOnScene:
		return "On scene"
	case AssignCleared:
		return "Cleared"
	}
	return string(s)
}

// order places statuses along the one way an assignment moves.
func (s AssignmentStatus) order() int {
	switch s {
	case AssignDispatched:
		return 1
	case AssignEnRoute:
		return 2
	case AssignOnScene:
		return 3
	case AssignCleared:
		return 4
	}
	return 0
}

// CanMoveTo reports whether an assignment at s may move to next: only
// forward (dispatched → en route → on scene → cleared), steps may be
// skipped, and a cleared assignment never moves again.
func (s AssignmentStatus) CanMoveTo(next AssignmentStatus) bool {
	return s.Active() && next.Valid() && next.order() > s.order()
}

// DutyStatus returns the officer's duty status while on an assignment at s;
// a cleared assignment leaves the officer available.
func (s AssignmentStatus) DutyStatus() DutyStatus {
	switch s {
	case AssignDispatched:
		return StatusDispatched
	case AssignEnRoute:
		return StatusEnRoute
	case AssignOnScene:
		return StatusOnScene
	}
	return StatusAvailable
}

// Reasons a CIT-requested call got a non-CIT officer first.
const (
	NoCITNoneAvailable = "none_available"
	NoCITNoneOnDuty    = "none_on_duty"
	NoCITTooFar        = "too_far"
	NoCITOther         = "other"
)

// NoCITReasons lists the reasons with the words a dispatcher chooses
// from, in display order. A recorded reason is shown with
// NoCITReasonLabel, not with these words: "Other (say why)" asks for the
// text, it does not describe what was recorded.
var NoCITReasons = []struct{ Code, Label string }{
	{NoCITNoneAvailable, "No CIT officer available"},
	{NoCITNoneOnDuty, "No CIT officer on duty"},
	{NoCITTooFar, "CIT officer too far away"},
	{NoCITOther, "Other (say why)"},
}

// NoCITReasonLabel returns the words for a recorded no-CIT reason code,
// as the board, the outcome figures and the reports show it: the choice's
// words, except "Other" for NoCITOther (the dispatcher's own text, when
// shown, follows it). It is the one place the labels are read, so the
// board and the figures cannot name a reason differently. An unknown code
// (imported history) is returned as it is; "" stays "" (not recorded).
func NoCITReasonLabel(code string) string {
	if code == NoCITOther {
		return "Other"
	}
	for _, r := range NoCITReasons {
		if r.Code == code {
			return r.Label
		}
	}
	return code
}

// noCITChoices names the no-CIT reasons in the words people choose from,
// never the codes: "No CIT officer available, …, or other".
func noCITChoices() string {
	words := make([]string, len(NoCITReasons))
	for i, r := range NoCITReasons {
		words[i] = NoCITReasonLabel(r.Code)
	}
	words[len(words)-1] = "or " + strings.ToLower(words[len(words)-1])
	return strings.Join(words, ", ")
}

// ValidateNoCITReason checks the reason given for sending a non-CIT officer
// to a CIT-requested call: one of the codes, and words when it is "other".
func ValidateNoCITReason(reason, text string) error {
	switch reason {
	case "":
		return FieldErrorf("no_cit_reason", "The caller asked for a CIT officer and this officer is not CIT certified: choose why no CIT officer is sent (%s).", noCITChoices())
	case NoCITNoneAvailable, NoCITNoneOnDuty, NoCITTooFar:
	case NoCITOther:
		if strings.TrimSpace(text) == "" {
			return FieldErrorf("no_cit_text", "Say why no CIT officer was sent.")
		}
	default:
		return FieldErrorf("no_cit_reason", "Choose one of the reasons: %s.", noCITChoices())
	}
	if utf8.RuneCountInString(text) > maxNoCITText {
		return FieldErrorf("no_cit_text", "The reason must be at most %d characters.", maxNoCITText)
	}
	return nil
}

// CITReached reports whether a CIT-certified officer (at dispatch) reached
// the scene of the call the assignments belong to.
func CITReached(assignments []*Assignment) bool {
	for _, a := range assignments {
		if a.CITCertified && a.OnSceneAt != nil {
			return true
		}
	}
	return false
}

// PrepareClose checks that call c, with its assignments, may be closed
// and settles its no-CIT reason: no officer may still be on it
// (ECONFLICT); a CIT-requested call that no CIT officer reached needs the
// reason none did, taken from the request or else from the reason given
// when a non-CIT officer was sent (EINVALID naming no_cit_reason when
// there is none). A call that needs no reason keeps none.
func PrepareClose(c *Call, assignments []*Assignment) error {
	active := 0
	for _, a := range assignments {
		if a.Status.Active() {
			active++
		}
	}
	if active > 0 {
		return Errorf(ECONFLICT, "%d officer(s) are still on this call; clear them before closing it.", active)
	}
	c.NoCITReason, c.NoCITText = strings.TrimSpace(c.NoCITReason), strings.TrimSpace(c.NoCITText)
	if !c.CITRequested || CITReached(assignments) {
		c.NoCITReason, c.NoCITText = "", ""
		return nil
	}
	if c.NoCITReason == "" {
		for _, a := range assignments {
			if a.NoCITReason != "" {
				c.NoCITReason, c.NoCITText = a.NoCITReason, a.NoCITText
				break
			}
		}
	}
	if c.NoCITReason == "" {
		return FieldErrorf("no_cit_reason", "The caller asked for a CIT officer and none reached this call: say why before closing it.")
	}
	if c.NoCITReason != NoCITOther {
		c.NoCITText = ""
	}
	return ValidateNoCITReason(c.NoCITReason, c.NoCITText)
}

// Assignment is an officer sent to a call.
type Assignment struct {
	ID          int64            `json:"id"`
	AgencyID    int64            `json:"agency_id"`
	CallID      int64            `json:"call_id"`
	OfficerID   int64            `json:"officer_id"`
	OfficerName string           `json:"officer_name"` // filled by the store when read
	Status      AssignmentStatus `json:"status"`
	// DispatchedAt, EnRouteAt, OnSceneAt and ClearedAt time each step; a
	// skipped step stays null.
	DispatchedAt time.Time  `json:"dispatched_at"`
	EnRouteAt    *time.Time `json:"en_route_at"`
	OnSceneAt    *time.Time `json:"on_scene_at"`
	ClearedAt    *time.Time `json:"cleared_at"`
	// CITStatus and CITCertified snapshot the officer's CIT standing at
	// dispatch: later training or lapses do not rewrite history.
	CITStatus    CITStatus `json:"cit_status"`
	CITCertified bool      `json:"cit_certified"`
	// NoCITReason and NoCITText say why a CIT-requested call got a non-CIT
	// officer first; empty otherwise.
	NoCITReason  string `json:"no_cit_reason,omitempty"`
	NoCITText    string `json:"no_cit_text,omitempty"`
	DispatchedBy int64  `json:"dispatched_by"`
	Version      int64  `json:"version"`
}

// CallFilter selects calls.
type CallFilter struct {
	Open   bool // pending, dispatched, on scene or cleared
	Status CallStatus
	Limit  int // at most 1000; 200 when zero
}

// AssignmentFilter selects assignments. Zero fields select everything.
type AssignmentFilter struct {
	CallID    int64
	OfficerID int64
	Active    bool      // not cleared
	Since     time.Time // dispatched at or after
}

// CallService manages calls and assignments. Dispatchers create and change
// calls and assign officers; an assigned officer reads their call and moves
// their own assignment.
type CallService interface {
	// CreateCall records a new pending call.
	CreateCall(ctx context.Context, c *Call) error
	// CreatePublicRequest records a request from the public web form as a
	// pending non-emergency call with source online_request, without a
	// signed-in user.
	CreatePublicRequest(ctx context.Context, agencyID int64, r *PublicRequest) (*Call, error)
	FindCallByID(ctx context.Context, id int64) (*Call, error)
	// ListCalls lists calls: open ones oldest first (longest waiting on
	// top), others newest first.
	ListCalls(ctx context.Context, f CallFilter) ([]*Call, error)
	// UpdateCall saves c when c.Version is current (EPRECONDITION
	// otherwise). Status may only move to closed, which needs every
	// officer cleared first and, on a CIT-requested call no CIT officer
	// reached, the no-CIT reason (PrepareClose).
	UpdateCall(ctx context.Context, c *Call) error
	// PatchCall is FindCallByID then UpdateCall in one transaction: it
	// reads the call (audited as a view), refuses it with EPRECONDITION
	// unless its version is version, applies change to it and saves it
	// under UpdateCall's rules, returning the call as saved.
	PatchCall(ctx context.Context, id, version int64, change func(*Call)) (*Call, error)

	// CreateAssignment sends an officer to a call; ECONFLICT when the
	// officer already holds an active assignment. When the call has
	// cit_requested, this is its first assignment and the officer is not
	// CIT certified, a.NoCITReason is required.
	CreateAssignment(ctx context.Context, a *Assignment) error
	FindAssignmentByID(ctx context.Context, id int64) (*Assignment, error)
	// ListAssignments lists assignments, oldest dispatch first.
	ListAssignments(ctx context.Context, f AssignmentFilter) ([]*Assignment, error)
	// MoveAssignment moves an assignment to status when version is
	// current, moving the officer's duty status and the call's status with
	// it.
	MoveAssignment(ctx context.Context, id int64, version int64, status AssignmentStatus) (*Assignment, error)
	// ReportsDue lists the signed-in officer's cleared assignments whose
	// contact report is not filed yet (ReportFiled), most recently cleared
	// first; none for a user who is not an officer.
	ReportsDue(ctx context.Context) ([]*ReportDue, error)
}

// ReportDue is a cleared assignment whose contact report is not filed
// yet: it stays on the officer's My shift page until it is.
type ReportDue struct {
	AssignmentID int64     `json:"assignment_id"`
	CallID       int64     `json:"call_id"`
	Nature       string    `json:"nature"`
	ClearedAt    time.Time `json:"cleared_at"`
	// EncounterID and ReportStatus are the report begun for it, if any.
	EncounterID  *int64          `json:"encounter_id"`
	ReportStatus EncounterStatus `json:"report_status,omitempty"`
}

// ReportFiled reports whether a report at status s is filed: submitted for
// review or approved. A draft, or one returned for changes, is still due.
func ReportFiled(s EncounterStatus) bool { return s == EncounterSubmitted || s == EncounterApproved }
