package citdesk

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// RecordKind names a kind of record a retention schedule applies to.
type RecordKind string

// The kinds of record an agency keeps for a set time.
const (
	// KindCalls are closed calls (with their assignments), by when they
	// were closed.
	KindCalls RecordKind = "calls"
	// KindReports are contact reports (with their review history,
	// corrections and referrals), by when the contact happened.
	KindReports RecordKind = "reports"
	// KindPersons are persons with no contact (no report, crisis plan or
	// referral) for the time kept, by their last contact or change.
	KindPersons RecordKind = "persons"
	// KindCrisisPlans are crisis plans (and their photos), by their expiry.
	KindCrisisPlans RecordKind = "crisis_plans"
	// KindComplaints are closed complaints and commendations, by when
	// they were closed; open ones are kept whatever their age.
	KindComplaints RecordKind = "complaints"
	// KindSessions are ended or expired sign-in sessions and tokens.
	KindSessions RecordKind = "sessions"
	// KindAudit is the audit trail, by the time of each event; at least a
	// year is kept.
	KindAudit RecordKind = "audit"
)

// RecordKinds lists every kind, in the order purges run.
var RecordKinds = []RecordKind{KindSessions, KindCrisisPlans, KindComplaints, KindReports, KindCalls, KindPersons, KindAudit}

// RetentionRule is how long an agency keeps one kind of record: Years and
// Days after the record's date (calendar years, so leap days are kept).
type RetentionRule struct {
	Kind  RecordKind `json:"kind"`
	Years int        `json:"years"`
	Days  int        `json:"days"`
}

// ParseRetentionRule reads a kind and a period such as "7y", "90d" or
// "1y30d", checking both.
func ParseRetentionRule(kind, keep string) (RetentionRule, error) {
	r := RetentionRule{Kind: RecordKind(strings.TrimSpace(kind))}
	s := strings.ToLower(strings.TrimSpace(keep))
	if s == "" {
		return r, FieldErrorf("keep", "give how long to keep %s, e.g. 7y, 90d or 1y30d", kind)
	}
	seen := false
	for s != "" {
		i := strings.IndexFunc(s, func(c rune) bool { return c < '0' || c > '9' })
		if i <= 0 || i > 5 {
			return r, FieldErrorf("keep", "%q is not a period: write years and days as 7y, 90d or 1y30d", keep)
		}
		n, _ := strconv.Atoi(s[:i])
		switch s[i] {
		case 'y':
			r.Years += n
		case 'd':
			r.Days += n
		default:
			return r, FieldErrorf("keep", "%q is not a period: write years and days as 7y, 90d or 1y30d", keep)
		}
		s, seen = s[i+1:], true
	}
	if !seen {
		return r, FieldErrorf("keep", "%q is not a period", keep)
	}
	return r, r.Validate()
}

// Validate checks the rule: a known kind, a period of at least a day, and
// at least a year for the audit trail.
func (r RetentionRule) Validate() error {
	known := false
	for _, k := range RecordKinds {
		known = known || k == r.Kind
	}
	if !known {
		names := make([]string, len(RecordKinds))
		for i, k := range RecordKinds {
			names[i] = string(k)
		}
		return FieldErrorf("kind", "%q is not a kind of record; the kinds are %s", r.Kind, strings.Join(names, ", "))
	}
	if r.Years < 0 || r.Days < 0 || r.Years+r.Days == 0 || r.Years > 200 || r.Days > 100000 {
		return FieldErrorf("keep", "keep %s for at least one day (and at most 200 years)", r.Kind)
	}
	if r.Kind == KindAudit && r.Years < 1 && r.Days < 366 {
		return FieldErrorf("keep", "the audit trail is kept at least one year")
	}
	return nil
}

// Cutoff is the time before which records of the kind are due for purging
// at now.
func (r RetentionRule) Cutoff(now time.Time) time.Time {
	return now.UTC().AddDate(-r.Years, 0, -r.Days)
}

// Period returns the rule's period as it is written: "7y", "90d", "1y30d".
func (r RetentionRule) Period() string {
	var b strings.Builder
	if r.Years > 0 {
		b.WriteString(strconv.Itoa(r.Years) + "y")
	}
	if r.Days > 0 {
		b.WriteString(strconv.Itoa(r.Days) + "d")
	}
	return b.String()
}

// PurgeResult is what one purge of one kind did for one agency (or, for
// the audit trail, for the whole citdesk: it is one chain).
type PurgeResult struct {
	Agency  string           `json:"agency"` // slug; "" for the audit trail
	Kind    RecordKind       `json:"kind"`
	Cutoff  time.Time        `json:"cutoff"`
	Deleted map[string]int64 `json:"deleted"` // rows deleted, by table
	// Detached counts reports kept while their purged person's link was
	// removed from them.
	Detached int64 `json:"detached,omitempty"`
}

// Total is the number of rows deleted.
func (p *PurgeResult) Total() int64 {
	var n int64
	for _, v := range p.Deleted {
		n += v
	}
	return n
}

// ErasureCheck is what decides whether a person's record may be erased at
// a records request: the legal hold on it, if any, and the reports the
// person is on, against the agency's schedule for reports. Reports are the
// agency's records, kept for their retention period whoever asks; a
// person's record is erased only once nothing kept still needs it.
type ErasureCheck struct {
	// Hold is the reason of the legal hold on the person; "" when none.
	Hold string
	// ReportsRule is the agency's schedule for reports; nil when reports
	// are kept for ever.
	ReportsRule *RetentionRule
	// Reports are the dates of the reports the person is on.
	Reports []time.Time
}

// Check reports why the person may not be erased at now (ECONFLICT, saying
// what to do), or nil: the person may be erased.
func (c ErasureCheck) Check(now time.Time) error {
	if c.Hold != "" {
		return Errorf(ECONFLICT, "The person is under a legal hold (%s): release it first (citdesk person release).", c.Hold)
	}
	if len(c.Reports) == 0 {
		return nil
	}
	if c.ReportsRule == nil {
		return Errorf(ECONFLICT, "The person is on %d %s, which the agency keeps for ever (no retention schedule for reports): they cannot be erased.", len(c.Reports), plural(len(c.Reports), "report", "reports"))
	}
	cutoff := c.ReportsRule.Cutoff(now)
	var kept int
	var newest time.Time
	for _, at := range c.Reports {
		if !at.Before(cutoff) {
			kept++
		}
		if at.After(newest) {
			newest = at
		}
	}
	if kept > 0 {
		until := newest.UTC().AddDate(c.ReportsRule.Years, 0, c.ReportsRule.Days)
		return Errorf(ECONFLICT, "The person is on %d %s still inside its retention period (%s): they can be erased from %s.", kept, plural(kept, "report", "reports"), c.ReportsRule.Period(), until.Format(time.DateOnly))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ErasureResult is what erasing one person's record did: rows deleted by
// table, and the reports kept without the person (de-identified: the link,
// narrative, place and correction history blanked, the coded fields kept
// for the outcome figures).
type ErasureResult struct {
	PersonID int64            `json:"person_id"`
	Deleted  map[string]int64 `json:"deleted"`
	Detached int64            `json:"reports_deidentified"`
}

// ErasureService erases a person's record of the actor's agency at a
// records request, where policy allows (ErasureCheck), in one transaction
// with one audit event that records the counts, never the content.
type ErasureService interface {
	ErasePerson(ctx context.Context, personID int64) (*ErasureResult, error)
}
