package citdesk_test

import (
	"testing"
	"time"

	"citdesk"
)

func TestParseCoverageDates(t *testing.T) {
	for _, tt := range []struct{ from, to, field, msg string }{
		{"2026-13-01", "", "from", "The start date must be written YYYY-MM-DD."},
		{"", "soon", "to", "The end date must be written YYYY-MM-DD."},
	} {
		_, _, err := citdesk.ParseCoverageDates(tt.from, tt.to)
		if citdesk.ErrorField(err) != tt.field || citdesk.ErrorMessage(err) != tt.msg {
			t.Errorf("ParseCoverageDates(%q, %q) = %v (field %q)", tt.from, tt.to, err, citdesk.ErrorField(err))
		}
	}
	from, to, err := citdesk.ParseCoverageDates(" 2026-03-01 ", "")
	if err != nil || from != citdesk.NewDate(2026, 3, 1) || !to.IsZero() {
		t.Errorf("ParseCoverageDates = %s, %s, %v", from, to, err)
	}
}

func TestNewCoverageReport(t *testing.T) {
	loc := time.UTC
	now := time.Date(2026, 3, 11, 12, 0, 0, 0, loc)
	rep, err := citdesk.NewCoverageReport(citdesk.NewDate(2026, 3, 10), citdesk.NewDate(2026, 3, 11), now, loc)
	if err != nil || !rep.UpToNow || !rep.End.Equal(now) || rep.Empty() {
		t.Fatalf("report = %+v, %v", rep, err)
	}
	rep.Count(nil, nil, citdesk.DefaultPolicy())
	if rep.Cov.Total != 36*time.Hour || rep.Sentence() != "A CIT officer was on duty 0% of hours from Tue Mar 10, 2026 to Wed Mar 11, 2026, counted up to now (0 of 36 hours)." {
		t.Errorf("coverage %+v: %s", rep.Cov, rep.Sentence())
	}
	rep, err = citdesk.NewCoverageReport(citdesk.NewDate(2026, 3, 12), citdesk.NewDate(2026, 3, 12), now, loc)
	if err != nil || !rep.Empty() || rep.Sentence() != "No hours from Thu Mar 12, 2026 to Thu Mar 12, 2026, counted up to now have passed yet, so there is no coverage to show." {
		t.Errorf("future report = %+v, %v: %s", rep, err, rep.Sentence())
	}
}

func TestSummarizeRoster(t *testing.T) {
	today := citdesk.NewDate(2026, 3, 11)
	if sum := citdesk.SummarizeRoster(nil, today, citdesk.DefaultPolicy()); sum.CITCertifiedShare != nil || sum.MeetsBenchmark ||
		sum.Sentence != "No active sworn officers are on the roster yet; CIT International recommends at least 20% be CIT certified." {
		t.Errorf("empty roster: %+v", sum)
	}
	officer := func(id int64, last string, s citdesk.CITStatus, until citdesk.Date) *citdesk.Officer {
		return &citdesk.Officer{ID: id, FirstName: "Pat", LastName: last, CIT: &citdesk.CITStanding{Status: s, Until: until}}
	}
	sum := citdesk.SummarizeRoster([]*citdesk.Officer{
		officer(1, "Late", citdesk.CITExpiring, today.AddDate(0, 0, 20)),
		officer(2, "Soon", citdesk.CITExpiring, today.AddDate(0, 0, 5)),
		officer(3, "None", citdesk.CITNotTrained, citdesk.Date{}),
		officer(4, "Old", citdesk.CITLapsed, citdesk.Date{}),
		officer(5, "Five", citdesk.CITNotTrained, citdesk.Date{}),
	}, today, citdesk.DefaultPolicy())
	if sum.CITCertified != 2 || len(sum.Expiring) != 2 || sum.Expiring[0].OfficerID != 2 || sum.Expiring[0].DaysLeft != 5 || !sum.MeetsBenchmark {
		t.Errorf("summary = %+v", sum)
	}
	if sum.ByStatus[citdesk.CITNotTrained] != 2 || sum.ByStatus[citdesk.CITLapsed] != 1 || sum.ByStatus[citdesk.CITCertified] != 0 {
		t.Errorf("by status = %v", sum.ByStatus)
	}
}
