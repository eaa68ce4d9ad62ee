package ui

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"citdesk"
)

// citBenchmark is CIT International's recommendation: at least 20% of an
// agency's sworn patrol officers CIT trained.
const citBenchmark = 0.20

// defaultCoverageDays is the default coverage range: the last four whole
// weeks before today, so every hour of the week is counted four times.
const defaultCoverageDays = 28

// maxCoverageDays bounds one coverage request.
const maxCoverageDays = 366

// coverageReport is CIT coverage over a range of local dates.
type coverageReport struct {
	From, To citdesk.Date // inclusive, in the agency's time zone
	Loc      *time.Location
	Cov      citdesk.Coverage
	// UpToNow says the range reaches today or later, so it was counted
	// only up to now: hours still to come are neither covered nor not.
	UpToNow bool
}

// coverage measures CIT coverage for the dates from and to (YYYY-MM-DD,
// inclusive, in the agency's time zone; blank for the last four weeks),
// from the status history and, day by day, each officer's CIT status on
// that day as derived from their training records.
func (s *handler) coverage(r *http.Request, fromStr, toStr string) (*coverageReport, error) {
	ctx := r.Context()
	if _, err := citdesk.RequireActor(ctx); err != nil {
		return nil, err
	}
	agency, err := s.AgencyOf(ctx)
	if err != nil {
		return nil, err
	}
	loc := agency.Location()
	now := s.Now()
	today := citdesk.DateOf(now, loc)
	rep := &coverageReport{Loc: loc, From: today.AddDate(0, 0, -defaultCoverageDays), To: today.AddDate(0, 0, -1)}
	if v := strings.TrimSpace(fromStr); v != "" {
		if rep.From, err = citdesk.ParseDate(v); err != nil {
			return nil, citdesk.FieldErrorf("from", "The start date must be written YYYY-MM-DD.")
		}
	}
	if v := strings.TrimSpace(toStr); v != "" {
		if rep.To, err = citdesk.ParseDate(v); err != nil {
			return nil, citdesk.FieldErrorf("to", "The end date must be written YYYY-MM-DD.")
		}
	}
	switch {
	case rep.To.Before(rep.From):
		return nil, citdesk.FieldErrorf("to", "The end date must be on or after the start date.")
	case rep.From.DaysUntil(rep.To) >= maxCoverageDays:
		return nil, citdesk.FieldErrorf("to", "Choose a range of at most %d days.", maxCoverageDays)
	}
	start, end := rep.From.Time(loc), rep.To.AddDate(0, 0, 1).Time(loc)
	if end.After(now) {
		end, rep.UpToNow = now, true
	}
	if !start.Before(end) {
		rep.Cov = citdesk.Coverage{From: start, To: start}
		return rep, nil
	}
	changes, err := s.Svc.Officers.AgencyStatusHistory(ctx, start, end)
	if err != nil {
		return nil, err
	}
	training, err := s.Svc.Officers.ListAgencyTraining(ctx)
	if err != nil {
		return nil, err
	}
	byOfficer := make(map[int64][]*citdesk.TrainingRecord)
	for _, t := range training {
		byOfficer[t.OfficerID] = append(byOfficer[t.OfficerID], t)
	}
	certified := func(officerID int64, day citdesk.Date) bool {
		return citdesk.DeriveCITStatus(byOfficer[officerID], agency.Policy, day).Status.Certified()
	}
	rep.Cov = citdesk.ComputeCoverage(changes, certified, start, end, loc)
	return rep, nil
}

// longDate writes a date as "Tue 10 Mar 2026".
func longDate(d citdesk.Date) string { return d.Time(time.UTC).Format("Mon 2 Jan 2006") }

// sharePercent writes a share as a whole percentage, "78%".
func sharePercent(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// wholeHours writes a duration as whole hours, or with one decimal when short.
func wholeHours(d time.Duration) string {
	h := d.Hours()
	if h == float64(int64(h)) || h >= 100 {
		return fmt.Sprintf("%.0f", h)
	}
	return fmt.Sprintf("%.1f", h)
}

// sentence says the coverage in words.
func (rep *coverageReport) sentence() string {
	span := fmt.Sprintf("from %s to %s", longDate(rep.From), longDate(rep.To))
	if rep.UpToNow {
		span += ", counted up to now"
	}
	if rep.Cov.Total <= 0 {
		return fmt.Sprintf("No hours %s have passed yet, so there is no coverage to show.", span)
	}
	return fmt.Sprintf("A CIT officer was on duty %s of hours %s (%s of %s hours).",
		sharePercent(rep.Cov.Share()), span, wholeHours(rep.Cov.Covered), wholeHours(rep.Cov.Total))
}

// rosterSummaryJSON is the body of GET /roster/summary: how much of the
// sworn roster is CIT certified and has the awareness course, against
// CIT International's benchmark, and whose certification ends soon.
type rosterSummaryJSON struct {
	AsOf              citdesk.Date              `json:"as_of"`
	SwornActive       int                       `json:"sworn_active"`
	CITCertified      int                       `json:"cit_certified"`
	CITCertifiedShare *float64                  `json:"cit_certified_share"`
	MHAwareness       int                       `json:"mh_awareness"`
	MHAwarenessShare  *float64                  `json:"mh_awareness_share"`
	BenchmarkShare    float64                   `json:"benchmark_share"`
	MeetsBenchmark    bool                      `json:"meets_benchmark"`
	ByStatus          map[citdesk.CITStatus]int `json:"by_status"`
	ExpiringDays      int                       `json:"expiring_days"`
	Expiring          []expiringJSON            `json:"expiring"`
	Sentence          string                    `json:"sentence"`
	AwarenessSentence string                    `json:"awareness_sentence"`
}

// expiringJSON is an officer whose CIT certification ends soon.
type expiringJSON struct {
	OfficerID int64        `json:"officer_id"`
	Badge     string       `json:"badge"`
	Name      string       `json:"name"`
	Until     citdesk.Date `json:"until"`
	DaysLeft  int          `json:"days_left"`
	Reason    string       `json:"reason"`
}

// rosterSummary works out the summary over the agency's active officers.
func (s *handler) rosterSummary(r *http.Request) (*rosterSummaryJSON, error) {
	ctx := r.Context()
	if _, err := citdesk.RequireActor(ctx); err != nil {
		return nil, err
	}
	agency, err := s.AgencyOf(ctx)
	if err != nil {
		return nil, err
	}
	active := true
	officers, err := s.Svc.Officers.ListOfficers(ctx, citdesk.OfficerFilter{Active: &active})
	if err != nil {
		return nil, err
	}
	today := citdesk.DateOf(s.Now(), agency.Location())
	sum := &rosterSummaryJSON{
		AsOf: today, SwornActive: len(officers), BenchmarkShare: citBenchmark, ExpiringDays: agency.Policy.ExpiringDays,
		ByStatus: map[citdesk.CITStatus]int{citdesk.CITCertified: 0, citdesk.CITExpiring: 0, citdesk.CITLapsed: 0, citdesk.CITNotTrained: 0},
		Expiring: []expiringJSON{},
	}
	for _, o := range officers {
		sum.ByStatus[o.CIT.Status]++
		if o.CIT.Status.Certified() {
			sum.CITCertified++
		}
		if o.MHAwarness {
			sum.MHAwareness++
		}
		if o.CIT.Status == citdesk.CITExpiring {
			sum.Expiring = append(sum.Expiring, expiringJSON{OfficerID: o.ID, Badge: o.Badge, Name: o.Name(),
				Until: o.CIT.Until, DaysLeft: today.DaysUntil(o.CIT.Until), Reason: o.CIT.Reason})
		}
	}
	slices.SortFunc(sum.Expiring, func(x, y expiringJSON) int {
		return cmp.Or(cmp.Compare(x.DaysLeft, y.DaysLeft), strings.Compare(x.Name, y.Name))
	})
	if n := sum.SwornActive; n > 0 {
		cit, mh := float64(sum.CITCertified)/float64(n), float64(sum.MHAwareness)/float64(n)
		sum.CITCertifiedShare, sum.MHAwarenessShare = &cit, &mh
		sum.MeetsBenchmark = cit >= citBenchmark
		sum.Sentence = fmt.Sprintf("%d of %d sworn officers (%s) are CIT certified; CIT International recommends at least %s.",
			sum.CITCertified, n, sharePercent(cit), sharePercent(citBenchmark))
		sum.AwarenessSentence = fmt.Sprintf("%d of %d (%s) have completed the mental-health awareness course.", sum.MHAwareness, n, sharePercent(mh))
	} else {
		sum.Sentence = fmt.Sprintf("No active sworn officers are on the roster yet; CIT International recommends at least %s be CIT certified.", sharePercent(citBenchmark))
	}
	return sum, nil
}
