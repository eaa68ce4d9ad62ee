package citdesk

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// TransferDestination is where a call answered by 988 / mobile crisis
// (Response988) was sent: a small fixed set, with a name for "other".
type TransferDestination string

// The destinations.
const (
	TransferTo988Lifeline  TransferDestination = "988_lifeline"  // the 988 Suicide & Crisis Lifeline centre
	TransferToMobileCrisis TransferDestination = "mobile_crisis" // the county's mobile crisis team
	TransferToOther        TransferDestination = "other"         // another crisis service, named in DestinationName
)

// TransferDestinations lists the destinations in the order a dispatcher
// picks from.
var TransferDestinations = []TransferDestination{TransferTo988Lifeline, TransferToMobileCrisis, TransferToOther}

// Label returns the destination in words.
func (d TransferDestination) Label() string {
	switch d {
	case TransferTo988Lifeline:
		return "988 Lifeline centre"
	case TransferToMobileCrisis:
		return "County mobile crisis team"
	case TransferToOther:
		return "Other crisis service"
	}
	return string(d)
}

// TransferConsent is whether the caller agreed to the transfer.
type TransferConsent string

// The consent answers.
const (
	ConsentYes      TransferConsent = "yes"
	ConsentNo       TransferConsent = "no"
	ConsentNotAsked TransferConsent = "not_asked"
)

// TransferConsents lists the consent answers in the order a dispatcher
// picks from.
var TransferConsents = []TransferConsent{ConsentYes, ConsentNo, ConsentNotAsked}

// Label returns the answer in words.
func (c TransferConsent) Label() string {
	switch c {
	case ConsentYes:
		return "Caller agreed"
	case ConsentNo:
		return "Caller did not agree"
	case ConsentNotAsked:
		return "Caller not asked"
	}
	return string(c)
}

// TransferOutcome is what the crisis line did with a transfer.
type TransferOutcome string

// The outcomes.
const (
	TransferAccepted TransferOutcome = "accepted" // the crisis line took the call
	TransferReturned TransferOutcome = "returned" // the crisis line sent it back to 911
)

// Transfer is the record of a call sent to 988 or mobile crisis (issue
// 16): when, to whom, the caller's consent, and whether the crisis line
// accepted it or returned it to 911 (when and why). Repeat911 says whether
// a 911 call about the same person followed within 24 hours of the
// transfer (RepeatWindow, SamePerson); it is worked out when read, never
// stored, since it depends on calls that come later.
type Transfer struct {
	CallID          int64               `json:"call_id"`
	TransferredAt   time.Time           `json:"transferred_at"`
	Destination     TransferDestination `json:"destination"`
	DestinationName string              `json:"destination_name"`
	Consent         TransferConsent     `json:"consent"`
	Outcome         TransferOutcome     `json:"outcome"`
	ReturnedAt      *time.Time          `json:"returned_at"`
	ReturnReason    string              `json:"return_reason"`
	RecordedBy      int64               `json:"recorded_by"`
	RecordedAt      time.Time           `json:"recorded_at"`
	ReturnedBy      *int64              `json:"returned_by"`
	// Repeat911 is true when a 911 call about the same person came in
	// within 24 hours after the transfer; RepeatCallID names the first.
	Repeat911    bool   `json:"repeat_911_within_24h"`
	RepeatCallID *int64 `json:"repeat_call_id"`
}

// TransferReturn is a crisis line sending a transferred call back to 911:
// when (zero for now), why, and the police response the call gets instead
// (with it, the call's response changes, so the board asks for a unit).
type TransferReturn struct {
	ReturnedAt time.Time
	Reason     string
	Response   Response
}

// Limits of a transfer's text, in characters.
const (
	maxDestinationName = 200
	maxReturnReason    = 500
)

// RepeatWindow is how soon after a transfer a 911 call about the same
// person counts as a repeat: up to and including 24 hours.
const RepeatWindow = 24 * time.Hour

// Validate trims t's text and reports the first thing wrong with a
// transfer about to be recorded on call c at now: the call must be
// answered by 988 / mobile crisis, the destination and consent known,
// "other" named, and the time neither before the call came in nor in the
// future. A zero TransferredAt means now.
func (t *Transfer) Validate(c *Call, now time.Time) error {
	t.DestinationName = strings.TrimSpace(t.DestinationName)
	if t.TransferredAt.IsZero() {
		t.TransferredAt = now
	}
	switch {
	case c.Response != Response988:
		return FieldErrorf("response", "Only a call answered by %s can be transferred; this call's response is %q.", Response988.Label(), c.Response)
	case !validDestination(t.Destination):
		return FieldErrorf("destination", "The destination must be 988_lifeline, mobile_crisis or other.")
	case t.Destination == TransferToOther && t.DestinationName == "":
		return FieldErrorf("destination_name", "Name the crisis service the call went to.")
	case utf8.RuneCountInString(t.DestinationName) > maxDestinationName:
		return FieldErrorf("destination_name", "The name must be at most %d characters.", maxDestinationName)
	case t.Consent != ConsentYes && t.Consent != ConsentNo && t.Consent != ConsentNotAsked:
		return FieldErrorf("consent", "Consent must be yes, no or not_asked.")
	case t.TransferredAt.After(now):
		return FieldErrorf("transferred_at", "The transfer cannot be in the future.")
	case t.TransferredAt.Before(c.ReceivedAt):
		return FieldErrorf("transferred_at", "The transfer cannot be before the call came in.")
	}
	if err := CheckTextFields(t); err != nil {
		return err
	}
	return nil
}

func validDestination(d TransferDestination) bool {
	for _, k := range TransferDestinations {
		if d == k {
			return true
		}
	}
	return false
}

// Validate trims r's reason and reports the first thing wrong with
// returning transfer t at now: it must not be returned already, the reason
// is required, the time falls between the transfer and now (zero means
// now), and the new response sends police, since a call the crisis line
// gives back needs a unit.
func (r *TransferReturn) Validate(t *Transfer, now time.Time) error {
	r.Reason = strings.TrimSpace(r.Reason)
	if r.ReturnedAt.IsZero() {
		r.ReturnedAt = now
	}
	switch {
	case t.Outcome == TransferReturned:
		return Errorf(ECONFLICT, "This transfer was already returned to 911.")
	case r.Reason == "":
		return FieldErrorf("reason", "Say why the crisis line returned the call.")
	case utf8.RuneCountInString(r.Reason) > maxReturnReason:
		return FieldErrorf("reason", "The reason must be at most %d characters.", maxReturnReason)
	case !r.Response.Police():
		return FieldErrorf("response", "A returned call needs a police response: cit, co_response or patrol.")
	case r.ReturnedAt.After(now):
		return FieldErrorf("returned_at", "The return cannot be in the future.")
	case r.ReturnedAt.Before(t.TransferredAt):
		return FieldErrorf("returned_at", "The return cannot be before the transfer.")
	}
	return CheckTextFields(r)
}

// CallSubject is what tells whom a call is about, for finding a repeat:
// whether its contact reports name a person, and its address.
type CallSubject struct {
	// Linked: a contact report on the call names a person.
	Linked  bool
	Address string
}

// SamePerson reports whether two calls are about the same person: when
// both calls' contact reports name a person, whether they name one in
// common (shared); otherwise (a call just in has no report yet) whether
// their addresses agree once normalised (AddressKey), an empty address
// matching nothing.
func SamePerson(a, b CallSubject, shared bool) bool {
	if a.Linked && b.Linked {
		return shared
	}
	ka := AddressKey(a.Address)
	return ka != "" && ka == AddressKey(b.Address)
}

// IsRepeat reports whether a call received at received, a 911 call other
// than the transferred one, follows a transfer made at transferred closely
// enough to be a repeat: after it, and no more than RepeatWindow later.
func IsRepeat(transferred, received time.Time) bool {
	return received.After(transferred) && !received.After(transferred.Add(RepeatWindow))
}

// TransferService records 988 / mobile crisis transfers (dispatchers and
// admins). Each change is one transaction, bumps the call's version and is
// audited on the call; nothing the caller said goes in the audit detail.
type TransferService interface {
	// RecordTransfer records (or, while not returned, corrects) the
	// transfer of call t.CallID at version (the call's, EPRECONDITION when
	// stale) and returns the call as saved, with its transfer.
	RecordTransfer(ctx context.Context, t *Transfer, version int64) (*Call, error)
	// ReturnTransfer records that the crisis line returned call callID's
	// transfer to 911, and sets the call's response to r.Response with the
	// return's reason; it returns the call as saved, with its transfer.
	ReturnTransfer(ctx context.Context, callID, version int64, r TransferReturn) (*Call, error)
}
