package citdesk

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Complaints and commendations (issue 16, item 6): what the community says
// about a crisis response, the promise of "a significant decrease in
// injuries, death and community dissent" made measurable. A member of the
// public files one on the public page (/cit) or staff enter one taken by
// phone, in person, by letter or by email; staff link it to the call and
// the contact report it is about, name the officers, review it and close
// it with a disposition.

// ComplaintKind says whether the community member complains or commends.
type ComplaintKind string

// The kinds.
const (
	KindComplaint    ComplaintKind = "complaint"
	KindCommendation ComplaintKind = "commendation"
)

// ComplaintSource is how a complaint or commendation reached the agency.
type ComplaintSource string

// The sources: the public form on /cit, or staff entering one received
// another way.
const (
	ComplaintPublicForm ComplaintSource = "public_form"
	ComplaintPhone      ComplaintSource = "phone"
	ComplaintInPerson   ComplaintSource = "in_person"
	ComplaintLetter     ComplaintSource = "letter"
	ComplaintEmail      ComplaintSource = "email"
)

// ComplaintStatus is where a complaint or commendation stands.
type ComplaintStatus string

// The statuses, in the order a record moves through them.
const (
	ComplaintReceived    ComplaintStatus = "received"
	ComplaintUnderReview ComplaintStatus = "under_review"
	ComplaintClosed      ComplaintStatus = "closed"
)

// ComplaintDisposition is how a closed complaint was decided (the
// findings police accountability bodies use), or `commendation` for a
// closed commendation. Empty while the record is open.
type ComplaintDisposition string

// The dispositions.
const (
	DispositionSustained    ComplaintDisposition = "sustained"     // the conduct happened and broke policy
	DispositionNotSustained ComplaintDisposition = "not_sustained" // the evidence can neither prove nor disprove it
	DispositionUnfounded    ComplaintDisposition = "unfounded"     // the conduct did not happen
	DispositionExonerated   ComplaintDisposition = "exonerated"    // it happened, and was lawful and within policy
	DispositionCommendation ComplaintDisposition = "commendation"  // a commendation, acknowledged
)

// ComplaintDispositions are the dispositions a complaint may close with.
var ComplaintDispositions = []ComplaintDisposition{DispositionSustained, DispositionNotSustained, DispositionUnfounded, DispositionExonerated}

// StaffComplaintSources are the sources staff may enter one under.
var StaffComplaintSources = []ComplaintSource{ComplaintPhone, ComplaintInPerson, ComplaintLetter, ComplaintEmail}

// Complaint is one complaint or commendation about a crisis response.
// ContactName, Contact and Text are sealed at rest and never logged.
type Complaint struct {
	ID         int64
	AgencyID   int64
	Kind       ComplaintKind
	ReceivedAt time.Time
	Source     ComplaintSource
	// ContactName and Contact (a phone number or an email address) are
	// how to reach the community member; both optional.
	ContactName string
	Contact     string
	// Text is what they said, in their words (or as staff took it down).
	Text string
	// CallID and EncounterID link the record to the call and the contact
	// report it is about, 0 until staff link them.
	CallID      int64
	EncounterID int64
	// OfficerIDs are the officers involved, when known.
	OfficerIDs  []int64
	Status      ComplaintStatus
	Disposition ComplaintDisposition // empty until closed
	// EnteredBy is the user who entered it (0 for the public form);
	// ClosedBy and ClosedAt who closed it and when.
	EnteredBy int64
	ClosedBy  int64
	ClosedAt  *time.Time
	UpdatedAt time.Time
	Version   int64
}

// ComplaintRoles may list, read, enter and decide complaints and
// commendations: the CIT coordinator, who answers for the program, and the
// admin. A supervisor is left out on purpose: a complaint often names the
// supervisor's own officers, and deciding it is not the sergeant's to do.
var ComplaintRoles = []Role{RoleCoordinator, RoleAdmin}

// Complaint field limits.
const (
	maxComplaintText    = 4000
	minComplaintText    = 10
	maxComplaintName    = 100
	maxComplaintContact = 200
	maxComplaintWhen    = 200
)

// PublicComplaint is what the public form on /cit takes: a complaint or a
// commendation, what happened, optionally when and where, and optionally
// how to reach the person.
type PublicComplaint struct {
	Kind      string
	What      string
	WhenWhere string
	Name      string
	Contact   string
}

// Validate checks every field and returns a message per wrong field (by
// form field name), so the form can show them all at once.
func (f *PublicComplaint) Validate() map[string]string {
	f.Kind, f.What, f.WhenWhere = strings.TrimSpace(f.Kind), strings.TrimSpace(f.What), strings.TrimSpace(f.WhenWhere)
	f.Name, f.Contact = strings.TrimSpace(f.Name), strings.TrimSpace(f.Contact)
	errs := map[string]string{}
	if k := ComplaintKind(f.Kind); k != KindComplaint && k != KindCommendation {
		errs["kind"] = "Choose a compliment or a complaint."
	}
	// Control characters are refused before the form gets here (the
	// middleware's input check).
	check := func(field, value, label string, max int) {
		if utf8.RuneCountInString(value) > max {
			errs[field] = label + " is too long (at most " + strconv.Itoa(max) + " characters)."
		}
	}
	check("what", f.What, "What happened", maxComplaintText)
	check("when_where", f.WhenWhere, "When and where", maxComplaintWhen)
	check("name", f.Name, "Your name", maxComplaintName)
	check("contact", f.Contact, "How to reach you", maxComplaintContact)
	if _, bad := errs["what"]; !bad && utf8.RuneCountInString(f.What) < minComplaintText {
		errs["what"] = "Tell us a little more about what happened (at least 10 characters)."
	}
	return errs
}

// Complaint returns the record a valid form becomes: received now, from
// the public form, open.
func (f *PublicComplaint) Complaint() *Complaint {
	text := f.What
	if f.WhenWhere != "" {
		text = "When and where: " + f.WhenWhere + "\n\n" + text
	}
	return &Complaint{Kind: ComplaintKind(f.Kind), Source: ComplaintPublicForm, ContactName: f.Name, Contact: f.Contact, Text: text, Status: ComplaintReceived}
}

// ValidateNew checks a complaint or commendation staff enter: its kind, a
// staff source (the public form is the public's), the text, the contact
// and a receipt time not in the future. It trims the text fields.
func (c *Complaint) ValidateNew(now time.Time) error {
	c.Text, c.ContactName, c.Contact = strings.TrimSpace(c.Text), strings.TrimSpace(c.ContactName), strings.TrimSpace(c.Contact)
	switch {
	case c.Kind != KindComplaint && c.Kind != KindCommendation:
		return FieldErrorf("kind", "kind must be complaint or commendation.")
	case !slices.Contains(StaffComplaintSources, c.Source):
		return FieldErrorf("source", "source must be one of phone, in_person, letter, email.")
	case utf8.RuneCountInString(c.Text) < minComplaintText:
		return FieldErrorf("text", "text must say what happened (at least %d characters).", minComplaintText)
	case utf8.RuneCountInString(c.Text) > maxComplaintText:
		return FieldErrorf("text", "text may be at most %d characters.", maxComplaintText)
	case utf8.RuneCountInString(c.ContactName) > maxComplaintName:
		return FieldErrorf("contact_name", "contact_name may be at most %d characters.", maxComplaintName)
	case utf8.RuneCountInString(c.Contact) > maxComplaintContact:
		return FieldErrorf("contact", "contact may be at most %d characters.", maxComplaintContact)
	case !c.ReceivedAt.IsZero() && c.ReceivedAt.After(now.Add(time.Minute)):
		return FieldErrorf("received_at", "received_at cannot be in the future.")
	}
	return nil
}

// ComplaintErasedText replaces the text of a complaint or commendation
// linked to a report whose person was erased: the text may describe the
// person, so it goes with their record, while the kind, dates,
// disposition and officers stay for the measures.
const ComplaintErasedText = "(erased with the person's record)"

// ComplaintChange is a change staff make to a complaint or commendation:
// each field is left as it is when nil. Closing sets Status closed with a
// Disposition.
type ComplaintChange struct {
	Status      *ComplaintStatus
	Disposition *ComplaintDisposition
	CallID      *int64 // 0 unlinks
	EncounterID *int64 // 0 unlinks
	OfficerIDs  *[]int64
	// Version is the record's version the change was made against (its
	// ETag; the page's hidden field). It is required: a change to any
	// other version is refused (EPRECONDITION), so two staff closing the
	// same complaint at once cannot both succeed.
	Version int64
}

// ApplyComplaintChange checks ch against c and applies it: the status moves
// forward only (received → under review → closed, received → closed), a
// closed record does not change again, and closing needs the disposition
// of its kind (one of ComplaintDispositions for a complaint, commendation
// for a commendation), which is given only when closing. The links and
// officers are checked against the agency's records by the store.
func ApplyComplaintChange(c *Complaint, ch ComplaintChange) error {
	if c.Status == ComplaintClosed {
		return Errorf(ECONFLICT, "This %s is closed; it cannot be changed.", c.Kind)
	}
	next := c.Status
	if ch.Status != nil {
		next = *ch.Status
		order := map[ComplaintStatus]int{ComplaintReceived: 0, ComplaintUnderReview: 1, ComplaintClosed: 2}
		to, ok := order[next]
		switch {
		case !ok:
			return FieldErrorf("status", "status must be received, under_review or closed.")
		case to < order[c.Status]:
			return FieldErrorf("status", "status moves forward only: received, under_review, closed.")
		}
	}
	if ch.Disposition != nil && next != ComplaintClosed {
		return FieldErrorf("disposition", "A disposition is given when closing: set status to closed with it.")
	}
	if next == ComplaintClosed {
		if ch.Disposition == nil {
			return FieldErrorf("disposition", "Closing needs a disposition.")
		}
		d := *ch.Disposition
		switch {
		case c.Kind == KindCommendation && d != DispositionCommendation:
			return FieldErrorf("disposition", "A commendation closes with the disposition commendation.")
		case c.Kind == KindComplaint && !slices.Contains(ComplaintDispositions, d):
			return FieldErrorf("disposition", "A complaint closes as sustained, not_sustained, unfounded or exonerated.")
		}
		c.Disposition = d
	}
	for _, p := range []struct {
		field string
		id    *int64
	}{{"call_id", ch.CallID}, {"encounter_id", ch.EncounterID}} {
		if p.id != nil && *p.id < 0 {
			return FieldErrorf(p.field, "%s must be a record id, or 0 to unlink.", p.field)
		}
	}
	if ch.OfficerIDs != nil {
		if len(*ch.OfficerIDs) > 20 {
			return FieldErrorf("officer_ids", "officer_ids may name at most 20 officers.")
		}
		for _, id := range *ch.OfficerIDs {
			if id <= 0 {
				return FieldErrorf("officer_ids", "officer_ids must be officer ids.")
			}
		}
		ids := slices.Clone(*ch.OfficerIDs)
		slices.Sort(ids)
		c.OfficerIDs = slices.Compact(ids)
	}
	if ch.CallID != nil {
		c.CallID = *ch.CallID
	}
	if ch.EncounterID != nil {
		c.EncounterID = *ch.EncounterID
	}
	c.Status = next
	return nil
}

// ComplaintFilter narrows a list of complaints and commendations.
type ComplaintFilter struct {
	Status ComplaintStatus // "" for every status
	Kind   ComplaintKind   // "" for both kinds
	Limit  int             // at most this many, newest first; 0 means 200
}

// ComplaintService keeps complaints and commendations. Every read is
// audited, one event per record (lists too), and every change is an audit
// event; the contact and the text are sealed at rest.
type ComplaintService interface {
	// CreatePublicComplaint records what the public form took, for
	// agency agencyID, with no sign-in. It returns nothing the public
	// could read back: the caller learns only that it was taken.
	CreatePublicComplaint(ctx context.Context, agencyID int64, f *PublicComplaint) error
	// CreateComplaint records one staff entered (ManageComplaints).
	CreateComplaint(ctx context.Context, c *Complaint) error
	// ListComplaints lists the agency's records, newest first
	// (ReadComplaints).
	ListComplaints(ctx context.Context, f ComplaintFilter) ([]*Complaint, error)
	// FindComplaint returns one (ReadComplaints); ENOTFOUND when there is
	// no such record in the agency.
	FindComplaint(ctx context.Context, id int64) (*Complaint, error)
	// UpdateComplaint applies ch (ManageComplaints; see
	// ApplyComplaintChange) in one transaction: a linked report or call
	// must be the agency's, and linking a report links its call and,
	// when no officer is named yet, its officer.
	UpdateComplaint(ctx context.Context, id int64, ch ComplaintChange) (*Complaint, error)
}
