package citdesk

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CITBenchmark is CIT International's recommendation: at least 20% of an
// agency's sworn patrol officers CIT trained.
const CITBenchmark = 0.20

// DefaultCoverageDays is the default coverage range: the last four whole
// weeks before today, so every hour of the week is counted four times.
const DefaultCoverageDays = 28

// MaxCoverageDays bounds one coverage request.
const MaxCoverageDays = 366

// CoverageReport is CIT coverage over a range of local dates: the share
// of hours when at least one CIT-certified officer was on duty.
type CoverageReport struct {
	From, To Date // inclusive, in the agency's time zone
	Loc      *time.Location
	// Start and End are the instants counted, [Start, End).
	Start, End time.Time
	Cov        Coverage
	// UpToNow says the range reaches today or later, so it was counted
	// only up to now: hours still to come are neither covered nor not.
	UpToNow bool
}

// ParseCoverageDates reads the dates of a coverage request as typed
// (YYYY-MM-DD; blank gives a zero Date, for the default).
func ParseCoverageDates(fromStr, toStr string) (from, to Date, err error) {
	if v := strings.TrimSpace(fromStr); v != "" {
		if from, err = ParseDate(v); err != nil {
			return Date{}, Date{}, FieldErrorf("from", "The start date must be written YYYY-MM-DD.")
		}
	}
	if v := strings.TrimSpace(toStr); v != "" {
		if to, err = ParseDate(v); err != nil {
			return Date{}, Date{}, FieldErrorf("to", "The end date must be written YYYY-MM-DD.")
		}
	}
	return from, to, nil
}

// NewCoverageReport checks the range from–to (a zero from is
// DefaultCoverageDays before today, a zero to is yesterday, in loc) and
// returns the report to count, with the window clipped at now. Count fills
// it in.
func NewCoverageReport(from, to Date, now time.Time, loc *time.Location) (*CoverageReport, error) {
	today := DateOf(now, loc)
	rep := &CoverageReport{Loc: loc, From: from, To: to}
	if rep.From.IsZero() {
		rep.From = today.AddDate(0, 0, -DefaultCoverageDays)
	}
	if rep.To.IsZero() {
		rep.To = today.AddDate(0, 0, -1)
	}
	switch {
	case rep.To.Before(rep.From):
		return nil, FieldErrorf("to", "The end date must be on or after the start date.")
	case rep.From.DaysUntil(rep.To) >= MaxCoverageDays:
		return nil, FieldErrorf("to", "Choose a range of at most %d days.", MaxCoverageDays)
	}
	rep.Start, rep.End = rep.From.Time(loc), rep.To.AddDate(0, 0, 1).Time(loc)
	if rep.End.After(now) {
		rep.End, rep.UpToNow = now, true
	}
	if !rep.Start.Before(rep.End) {
		rep.End = rep.Start
	}
	rep.Cov = Coverage{From: rep.Start, To: rep.Start}
	return rep, nil
}

// Empty reports whether no hour of the range has passed yet, so there is
// nothing to read or count.
func (rep *CoverageReport) Empty() bool { return !rep.Start.Before(rep.End) }

// Count works out the coverage from every officer's status changes in the
// window (with each one's last change before it) and the agency's training
// records, deriving each officer's CIT status day by day under policy.
func (rep *CoverageReport) Count(changes []*StatusChange, training []*TrainingRecord, policy Policy) {
	if rep.Empty() {
		return
	}
	byOfficer := make(map[int64][]*TrainingRecord)
	for _, t := range training {
		byOfficer[t.OfficerID] = append(byOfficer[t.OfficerID], t)
	}
	certified := func(officerID int64, day Date) bool {
		return DeriveCITStatus(byOfficer[officerID], policy, day).Status.Certified()
	}
	rep.Cov = ComputeCoverage(changes, certified, rep.Start, rep.End, rep.Loc)
}

// Sentence says the coverage in words.
func (rep *CoverageReport) Sentence() string {
	span := fmt.Sprintf("from %s to %s", longDate(rep.From), longDate(rep.To))
	if rep.UpToNow {
		span += ", counted up to now"
	}
	if rep.Cov.Total <= 0 {
		return fmt.Sprintf("No hours %s have passed yet, so there is no coverage to show.", span)
	}
	return fmt.Sprintf("A CIT officer was on duty %s of hours %s (%s of %s hours).",
		SharePercent(rep.Cov.Share()), span, WholeHours(rep.Cov.Covered), WholeHours(rep.Cov.Total))
}

// longDate writes a date as "Tue 10 Mar 2026".
func longDate(d Date) string { return d.Time(time.UTC).Format("Mon Jan 2, 2006") }

// SharePercent writes a share as a whole percentage, "78%".
func SharePercent(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// WholeHours writes a duration as whole hours, or with one decimal when short.
func WholeHours(d time.Duration) string {
	h := d.Hours()
	if h == float64(int64(h)) || h >= 100 {
		return fmt.Sprintf("%.0f", h)
	}
	return fmt.Sprintf("%.1f", h)
}

// RosterSummary is how much of the sworn roster is CIT certified and has
// the awareness course, against CIT International's benchmark, and whose
// certification ends soon. Its JSON is the body of GET /roster/summary.
type RosterSummary struct {
	AsOf              Date              `json:"as_of"`
	SwornActive       int               `json:"sworn_active"`
	CITCertified      int               `json:"cit_certified"`
	CITCertifiedShare *float64          `json:"cit_certified_share"`
	MHAwareness       int               `json:"mh_awareness"`
	MHAwarenessShare  *float64          `json:"mh_awareness_share"`
	BenchmarkShare    float64           `json:"benchmark_share"`
	MeetsBenchmark    bool              `json:"meets_benchmark"`
	ByStatus          map[CITStatus]int `json:"by_status"`
	ExpiringDays      int               `json:"expiring_days"`
	Expiring          []ExpiringOfficer `json:"expiring"`
	Sentence          string            `json:"sentence"`
	AwarenessSentence string            `json:"awareness_sentence"`
}

// ExpiringOfficer is an officer whose CIT certification ends soon.
type ExpiringOfficer struct {
	OfficerID int64  `json:"officer_id"`
	Badge     string `json:"badge"`
	Name      string `json:"name"`
	Until     Date   `json:"until"`
	DaysLeft  int    `json:"days_left"`
	Reason    string `json:"reason"`
}

// SummarizeRoster works out the summary over the active officers (with
// their CIT standing derived) on day today, under policy. Those expiring
// soonest come first.
func SummarizeRoster(officers []*Officer, today Date, policy Policy) *RosterSummary {
	sum := &RosterSummary{
		AsOf: today, SwornActive: len(officers), BenchmarkShare: CITBenchmark, ExpiringDays: policy.ExpiringDays,
		ByStatus: map[CITStatus]int{CITCertified: 0, CITExpiring: 0, CITLapsed: 0, CITNotTrained: 0},
		Expiring: []ExpiringOfficer{},
	}
	for _, o := range officers {
		standing := CITStanding{Status: CITNotTrained}
		if o.CIT != nil {
			standing = *o.CIT
		}
		sum.ByStatus[standing.Status]++
		if standing.Status.Certified() {
			sum.CITCertified++
		}
		if o.MHAwarness {
			sum.MHAwareness++
		}
		if standing.Status == CITExpiring {
			sum.Expiring = append(sum.Expiring, ExpiringOfficer{OfficerID: o.ID, Badge: o.Badge, Name: o.Name(),
				Until: standing.Until, DaysLeft: today.DaysUntil(standing.Until), Reason: standing.Reason})
		}
	}
	slices.SortFunc(sum.Expiring, func(x, y ExpiringOfficer) int {
		return cmp.Or(cmp.Compare(x.DaysLeft, y.DaysLeft), strings.Compare(x.Name, y.Name))
	})
	if n := sum.SwornActive; n > 0 {
		cit, mh := float64(sum.CITCertified)/float64(n), float64(sum.MHAwareness)/float64(n)
		sum.CITCertifiedShare, sum.MHAwarenessShare = &cit, &mh
		sum.MeetsBenchmark = cit >= CITBenchmark
		sum.Sentence = fmt.Sprintf("%d of %d sworn officers (%s) are CIT certified; CIT International recommends at least %s.",
			sum.CITCertified, n, SharePercent(cit), SharePercent(CITBenchmark))
		sum.AwarenessSentence = fmt.Sprintf("%d of %d (%s) have completed the mental-health awareness course.", sum.MHAwareness, n, SharePercent(mh))
	} else {
		sum.Sentence = fmt.Sprintf("No active sworn officers are on the roster yet; CIT International recommends at least %s be CIT certified.", SharePercent(CITBenchmark))
	}
	return sum
}
