package citdesk

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// County mutual aid (issue 16, item 4). An agency may share its CIT
// officers' availability with named partner agencies; sharing is
// one-directional and opt-in by the lending agency. When a borrowing
// agency has no CIT officer to send, its dispatcher sees the partners'
// available CIT officers and asks for one; the lender's dispatcher accepts
// (sending the officer on a call of the lender's own, whose assignment and
// report belong to the lender) or declines with a reason.
//
// What crosses, and nothing else:
//   - lender to borrower, before a request: of each on-duty, available,
//     CIT-certified officer, the duty status, the last position with its
//     time, the CIT standing, and a label (the call sign, or the display
//     name when the lender chose to show names); see PartnerOfficer.
//   - borrower to lender, with a request: of the borrower's call, the
//     address and its point, the nature, emergency or not, and the risk
//     flags; see MutualAidCall. Never the caller, the person, the notes.
//   - lender to borrower, after the decision: accepted or declined, when,
//     and the decline's reason. Never the lender's call, its report, or
//     who decided.

// EventMutualAid is published to both agencies of a request whenever it
// is made or decided, so both boards redraw their mutual-aid lists.
const EventMutualAid = "mutual_aid"

// MutualAidStatus is where a mutual-aid request stands.
type MutualAidStatus string

// The statuses of a request: it starts requested and is decided once.
const (
	AidRequested MutualAidStatus = "requested"
	AidAccepted  MutualAidStatus = "accepted"
	AidDeclined  MutualAidStatus = "declined"
	AidCancelled MutualAidStatus = "cancelled" // withdrawn by the borrower before a decision
)

// Label returns the status in words.
func (s MutualAidStatus) Label() string {
	switch s {
	case AidRequested:
		return "Requested"
	case AidAccepted:
		return "Accepted"
	case AidDeclined:
		return "Declined"
	case AidCancelled:
		return "Cancelled"
	}
	return string(s)
}

// Partner is another agency as a sharing agreement names it.
type Partner struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	// ShowNames says the lender shows its officers' display names to this
	// partner; otherwise only their call signs (or "Unit N") cross.
	ShowNames bool `json:"show_names"`
}

// PartnerSharing is an agency's sharing agreements both ways.
type PartnerSharing struct {
	// SharesWith are the agencies this one lends to: they see its CIT
	// officers' availability.
	SharesWith []Partner `json:"shares_with"`
	// SharedWithUs are the agencies that lend to this one.
	SharedWithUs []Partner `json:"shared_with_us"`
}

// PartnerShare is one agreement as the admin sets it.
type PartnerShare struct {
	Slug      string `json:"slug"`
	ShowNames bool   `json:"show_names"`
}

// PartnerOfficer is a partner agency's CIT officer as the borrower sees
// them: the projection that holds everything that crosses, and nothing
// more. It has no phone, badge, shift, call or workload.
type PartnerOfficer struct {
	AgencySlug string     `json:"agency_slug"`
	AgencyName string     `json:"agency_name"`
	OfficerID  int64      `json:"officer_id"` // the lender's id, to name in a request
	Label      string     `json:"label"`      // call sign, or display name when the lender shows names
	DutyStatus DutyStatus `json:"duty_status"`
	CITStatus  CITStatus  `json:"cit_status"`
	Lat        *float64   `json:"lat"`
	Lon        *float64   `json:"lon"`
	PositionAt *time.Time `json:"position_at"`
	// DistanceM is the straight line from the borrower's call to the
	// officer's last position; null when either is unknown.
	DistanceM *int `json:"distance_m"`
}

// PartnerOfficerFrom projects officer o of lender (on the agreement
// share) to what crosses to the partner.
func PartnerOfficerFrom(lender *Agency, share Partner, o *Officer) PartnerOfficer {
	p := PartnerOfficer{AgencySlug: lender.Slug, AgencyName: lender.Name, OfficerID: o.ID, Label: o.CallSign, DutyStatus: StatusOffDuty, CITStatus: CITNotTrained}
	if share.ShowNames {
		p.Label = strings.TrimSpace(o.Name() + " " + o.CallSign)
	}
	if p.Label == "" {
		p.Label = "Unit " + strconv.FormatInt(o.ID, 10)
	}
	if o.CIT != nil {
		p.CITStatus = o.CIT.Status
	}
	if d := o.Duty; d != nil {
		p.DutyStatus = d.Status
		if d.Lat != nil && d.Lon != nil && d.PositionAt != nil {
			lat, lon, at := *d.Lat, *d.Lon, *d.PositionAt
			p.Lat, p.Lon, p.PositionAt = &lat, &lon, &at
		}
	}
	return p
}

// Lendable reports whether partner officer p may be offered to a
// borrower: available, with a current CIT certification.
func (p PartnerOfficer) Lendable() bool {
	return p.DutyStatus == StatusAvailable && p.CITStatus.Certified()
}

// MutualAidCall is what of the borrower's call crosses to the lender: the
// least the lent officer needs to go.
type MutualAidCall struct {
	Nature    string     `json:"nature"`
	Address   string     `json:"address"`
	Lat       *float64   `json:"lat"`
	Lon       *float64   `json:"lon"`
	Emergency bool       `json:"emergency"`
	Risk      RiskScreen `json:"risk"`
}

// MutualAidCallOf returns what of call c crosses to a lender.
func MutualAidCallOf(c *Call) MutualAidCall {
	return MutualAidCall{Nature: c.Nature, Address: c.Address, Lat: c.Lat, Lon: c.Lon, Emergency: c.Emergency, Risk: c.Risk}
}

// MutualAidRequest is one request for a partner's officer, as either
// agency sees it. The borrower sees CallID (its own call) and never
// LenderCallID; the lender sees Call (only while the request is requested
// or accepted) and LenderCallID and never CallID.
type MutualAidRequest struct {
	ID     int64           `json:"id"`
	Status MutualAidStatus `json:"status"`
	// Direction is "outgoing" for the borrower, "incoming" for the lender.
	Direction     string         `json:"direction"`
	BorrowerSlug  string         `json:"borrower_slug"`
	BorrowerName  string         `json:"borrower_name"`
	LenderSlug    string         `json:"lender_slug"`
	LenderName    string         `json:"lender_name"`
	OfficerID     int64          `json:"officer_id"`
	OfficerLabel  string         `json:"officer_label"`
	RequestedAt   time.Time      `json:"requested_at"`
	DecidedAt     *time.Time     `json:"decided_at"`
	DeclineReason string         `json:"decline_reason"`
	CallID        *int64         `json:"call_id,omitempty"`
	Call          *MutualAidCall `json:"call,omitempty"`
	LenderCallID  *int64         `json:"lender_call_id,omitempty"`
	AssignmentID  *int64         `json:"assignment_id,omitempty"`
}

// Open reports whether the request still waits for a decision.
func (r *MutualAidRequest) Open() bool { return r.Status == AidRequested }

// ValidateDeclineReason checks a decline's reason: required, one line,
// at most 200 characters (it crosses to the borrower, so it is about the
// lender's capacity, never about a person).
func ValidateDeclineReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", FieldErrorf("reason", "Say why the request is declined.")
	}
	if len([]rune(reason)) > 200 || strings.ContainsAny(reason, "\r\n") {
		return "", FieldErrorf("reason", "Keep the reason to one line of at most 200 characters.")
	}
	return reason, nil
}

// MutualAidService keeps sharing agreements and mutual-aid requests. Every
// method works for the actor's agency only; a partner's records are
// reached only through an agreement, and only as the projections above.
type MutualAidService interface {
	// Sharing returns the agency's agreements both ways (ManageAgency or
	// DispatchCalls).
	Sharing(ctx context.Context) (*PartnerSharing, error)
	// Candidates lists the other agencies of this citdesk, by slug and
	// name (as their public pages show them), to choose partners from
	// (ManageAgency).
	Candidates(ctx context.Context) ([]Partner, error)
	// SetSharing replaces the agencies this agency lends to (ManageAgency),
	// audited with what was added and removed.
	SetSharing(ctx context.Context, shares []PartnerShare) (*PartnerSharing, error)
	// PartnerOfficers lists the available CIT officers of every agency
	// that shares with the actor's, nearest to the actor's call callID
	// first (DispatchCalls).
	PartnerOfficers(ctx context.Context, callID int64) ([]PartnerOfficer, error)
	// Request asks lender (a slug) for its officer officerID on the
	// actor's open call callID; ECONFLICT while another request for the
	// call is open.
	Request(ctx context.Context, callID int64, lender string, officerID int64) (*MutualAidRequest, error)
	// List lists the requests the agency made or received, open ones
	// first, then the most recent.
	List(ctx context.Context) ([]*MutualAidRequest, error)
	// Accept sends the requested officer on a new call of the lender's
	// (the crossed call details), in one transaction: the lender's call,
	// its assignment, and the request's decision (lender's DispatchCalls).
	Accept(ctx context.Context, id int64) (*MutualAidRequest, error)
	// Decline declines a request with a reason (lender's DispatchCalls).
	Decline(ctx context.Context, id int64, reason string) (*MutualAidRequest, error)
	// Cancel withdraws an open request (borrower's DispatchCalls).
	Cancel(ctx context.Context, id int64) (*MutualAidRequest, error)
}
