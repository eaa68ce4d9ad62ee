package citdesk

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ReferralStatus is where a referral to the Mental Health Liaison is.
type ReferralStatus string

// Referral statuses: open → contacted → connected to care or declined;
// open → unable to contact; each outcome → closed.
const (
	ReferralOpen            ReferralStatus = "open"
	ReferralContacted       ReferralStatus = "contacted"
	ReferralConnected       ReferralStatus = "connected_to_care"
	ReferralDeclined        ReferralStatus = "declined"
	ReferralUnableToContact ReferralStatus = "unable_to_contact"
	ReferralClosed          ReferralStatus = "closed"
)

// ReferralStatuses lists the statuses in order.
var ReferralStatuses = []ReferralStatus{ReferralOpen, ReferralContacted, ReferralConnected, ReferralDeclined, ReferralUnableToContact, ReferralClosed}

// Valid reports whether s is a known status.
func (s ReferralStatus) Valid() bool { return slices.Contains(ReferralStatuses, s) }

// Next lists the statuses a referral may move to from s.
func (s ReferralStatus) Next() []ReferralStatus {
	switch s {
	case ReferralOpen:
		return []ReferralStatus{ReferralContacted, ReferralUnableToContact}
	case ReferralContacted:
		return []ReferralStatus{ReferralConnected, ReferralDeclined, ReferralUnableToContact}
	case ReferralConnected, ReferralDeclined, ReferralUnableToContact:
		return []ReferralStatus{ReferralClosed}
	}
	return nil
}

// CanMoveTo reports whether a referral may move from s to t.
func (s ReferralStatus) CanMoveTo(t ReferralStatus) bool { return slices.Contains(s.Next(), t) }

// Outcome reports whether s is one of the ways a referral ends.
func (s ReferralStatus) Outcome() bool {
	return s == ReferralConnected || s == ReferralDeclined || s == ReferralUnableToContact
}

// Label returns the status in words.
func (s ReferralStatus) Label() string {
	switch s {
	case ReferralOpen:
		return "Open"
	case ReferralContacted:
		return "Contacted"
	case ReferralConnected:
		return "Connected to care"
	case ReferralDeclined:
		return "Declined"
	case ReferralUnableToContact:
		return "Unable to contact"
	case ReferralClosed:
		return "Closed"
	}
	return string(s)
}

// Survey is the satisfaction survey of the person or family, recorded
// when a referral closes. Scores are 1 (not at all) to 5 (completely).
type Survey struct {
	Respondent string    `json:"respondent"` // person, family, other
	Respect    int       `json:"respect"`    // treated with respect
	Safety     int       `json:"safety"`     // felt safe
	Help       int       `json:"help"`       // got the help needed
	Comment    string    `json:"comment"`
	At         time.Time `json:"at"`
	ByUserID   int64     `json:"by_user_id"`
}

// SurveyRespondents lists who may answer the survey.
var SurveyRespondents = []string{"person", "family", "other"}

// Validate trims the comment and reports the first thing wrong.
func (s *Survey) Validate() error {
	s.Comment = strings.TrimSpace(s.Comment)
	for _, f := range []struct {
		name string
		v    int
	}{{"respect", s.Respect}, {"safety", s.Safety}, {"help", s.Help}} {
		if f.v < 1 || f.v > 5 {
			return FieldErrorf(f.name, "Scores are 1 to 5.")
		}
	}
	switch {
	case !slices.Contains(SurveyRespondents, s.Respondent):
		return FieldErrorf("respondent", "respondent must be one of person, family, other.")
	case utf8.RuneCountInString(s.Comment) > encMaxComment:
		return FieldErrorf("comment", "The comment must be at most %d characters.", encMaxComment)
	}
	return nil
}

// Referral sends a person from an encounter to the Mental Health Liaison.
type Referral struct {
	ID            int64          `json:"id"`
	AgencyID      int64          `json:"agency_id"`
	EncounterID   int64          `json:"encounter_id"`
	PersonID      int64          `json:"person_id"`
	LiaisonUserID *int64         `json:"liaison_user_id"` // null until assigned
	Status        ReferralStatus `json:"status"`
	Outcome       ReferralStatus `json:"outcome"` // the outcome it closed with; "" while open
	Reason        string         `json:"reason"`
	FollowUpDue   Date           `json:"follow_up_due"`
	CreatedBy     int64          `json:"created_by"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	ClosedAt      *time.Time     `json:"closed_at"`
	Survey        *Survey        `json:"survey"`
	Version       int64          `json:"version"`

	// Filled when read.
	PersonName string `json:"person_name"`
	Liaison    string `json:"liaison"`
	// Contact is how the liaison reaches the person, filled when one
	// referral is read (FindReferralByID) and the agency's policy allows
	// (Policy.ReferralContact); absent from lists.
	Contact *ReferralContact `json:"contact,omitempty"`
}

// ReferralContact is how to reach a referral's person: their phone and
// last known address and, when the report says the caller was family,
// the caller's contact from the call. Every view of it is audited.
type ReferralContact struct {
	Phone   string         `json:"phone"`
	Address string         `json:"address"`
	Caller  *CallerContact `json:"caller"` // null unless the caller was family
}

// CallerContact is a call's caller as the call recorded them.
type CallerContact struct {
	Name         string `json:"name"`
	Phone        string `json:"phone"`
	Relationship string `json:"relationship"`
}

// PersonRead names what c discloses of the person, for the audit trail
// ("phone, address"); "" when nothing.
func (c *ReferralContact) PersonRead() string {
	return namesOfSet(map[string]string{"phone": c.Phone, "address": c.Address}, "phone", "address")
}

// CallerRead names what c discloses of the caller ("caller name, caller
// phone, relationship"); "" when nothing.
func (c *ReferralContact) CallerRead() string {
	if c.Caller == nil {
		return ""
	}
	return namesOfSet(map[string]string{"caller name": c.Caller.Name, "caller phone": c.Caller.Phone, "relationship": c.Caller.Relationship},
		"caller name", "caller phone", "relationship")
}

// namesOfSet joins the names, in order, whose values are not empty.
func namesOfSet(values map[string]string, order ...string) string {
	var out []string
	for _, n := range order {
		if values[n] != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

// NewReferralContact is what a referral shows of how to reach its person
// under policy p: nothing when the policy hides it; the person's phone and
// address; the caller's contact only when the report says the caller was
// family (callerFamily) and the caller left a name or phone. It returns
// nil when there is nothing to show.
func NewReferralContact(p Policy, phone, address string, callerFamily bool, caller CallerContact) *ReferralContact {
	if !p.ReferralContact {
		return nil
	}
	c := &ReferralContact{Phone: phone, Address: address}
	if callerFamily && (caller.Name != "" || caller.Phone != "") {
		c.Caller = &caller
	}
	if c.PersonRead() == "" && c.Caller == nil {
		return nil
	}
	return c
}

// FollowUpOverdue reports whether the follow-up date has passed on an
// unclosed referral.
func (r *Referral) FollowUpOverdue(today Date) bool {
	return r.Status != ReferralClosed && !r.FollowUpDue.IsZero() && r.FollowUpDue.Before(today)
}

// ReferralNote is a dated note on a referral, with the status move it
// came with, if any.
type ReferralNote struct {
	ID         int64          `json:"id"`
	ReferralID int64          `json:"referral_id"`
	ByUserID   int64          `json:"by_user_id"`
	By         string         `json:"by"`
	At         time.Time      `json:"at"`
	StatusFrom ReferralStatus `json:"status_from,omitempty"`
	StatusTo   ReferralStatus `json:"status_to,omitempty"`
	Text       string         `json:"text"` // never logged
}

// ReferralMove is a status change with its note, the next follow-up date,
// and, when closing, the survey.
type ReferralMove struct {
	Status      ReferralStatus `json:"status"`
	Version     int64          `json:"version"`
	Note        string         `json:"note"`
	FollowUpDue *Date          `json:"follow_up_due"`
	Survey      *Survey        `json:"survey"`
}

// ReferralFilter selects referrals.
type ReferralFilter struct {
	Status     ReferralStatus
	Open       bool // not closed
	Unassigned bool
	PersonID   *int64
}

// ReferralService works referrals. A liaison sees only the referrals
// assigned to them; the coordinator sees and assigns all.
type ReferralService interface {
	// CreateReferral refers the person of an encounter to the liaison.
	CreateReferral(ctx context.Context, r *Referral) error
	FindReferralByID(ctx context.Context, id int64) (*Referral, error)
	ListReferrals(ctx context.Context, f ReferralFilter) ([]*Referral, error)
	ListReferralNotes(ctx context.Context, id int64) ([]*ReferralNote, error)
	// MoveReferral changes the status, with a note; closing may record the survey.
	MoveReferral(ctx context.Context, id int64, m ReferralMove) (*Referral, error)
	AddReferralNote(ctx context.Context, id int64, text string, followUpDue *Date) (*Referral, error)
	AssignReferral(ctx context.Context, id int64, liaisonUserID int64) (*Referral, error)
}
