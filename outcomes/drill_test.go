package outcomes

import (
	"fmt"
	"testing"
	"time"

	"citdesk"
)

// TestBehindMatchesCompute checks the drill-down against Compute: for every
// drillable measure, CIT group, month and range, the rows Behind lists are
// the figure's denominator and the counted ones its count.
func TestBehindMatchesCompute(t *testing.T) {
	loc := chicago(t)
	encs := Synthesize(3000, 7, time.Date(2024, time.November, 1, 0, 0, 0, 0, loc), loc)
	// Imported history: some undated, some with fields unknown.
	for i := 0; i < len(encs); i += 37 {
		encs[i].Occurred = time.Time{}
	}
	for i := 5; i < len(encs); i += 23 {
		encs[i].Force, encs[i].Dispositions, encs[i].OfficerCIT, encs[i].Veteran = ForceUnknown, 0, Unknown, Unknown
	}
	now := time.Date(2025, time.January, 20, 12, 0, 0, 0, loc)
	ranges := []Params{
		{Location: loc, Now: now},
		{Location: loc, Now: now, From: citdesk.NewDate(2024, time.December, 3), To: citdesk.NewDate(2025, time.January, 9)},
		{Location: loc, Now: now, From: citdesk.NewDate(2024, time.December, 20)},
	}
	behindMatches(t, encs, ranges)
	for _, bad := range [][2]string{{"repeat_contacts_90d", ""}, {"referrals", ""}, {"nonsense", ""}, {"arrests", "maybe"}} {
		if _, ok := Behind(encs, ranges[0], bad[0], bad[1], ""); ok {
			t.Errorf("Behind(%q, group %q) ok, want not drillable", bad[0], bad[1])
		}
	}
}

// behindMatches checks that Behind lists, for every drillable measure,
// group and month of Compute's report over each range, the rows of the
// figure's denominator with its count marked Counted.
func behindMatches(t *testing.T, encs []Encounter, ranges []Params) {
	t.Helper()
	count := func(rows []DrillRow) (counted int) {
		for _, r := range rows {
			if r.Counted {
				counted++
			}
		}
		return counted
	}
	for ri, p := range ranges {
		rep := Compute(encs, nil, p)
		for _, id := range DrillableIDs() {
			meas := rep.Measures[id]
			check := func(what string, want Cell, rows []DrillRow) {
				t.Helper()
				den := want.Denominator
				if meas.Unit == UnitCount {
					den = want.Count
				}
				if got := count(rows); got != want.Count || len(rows) != den {
					t.Errorf("range %d %s %s: drill-down %d of %d, Compute %d of %d", ri, id, what, got, len(rows), want.Count, den)
				}
			}
			rows, ok := Behind(encs, p, id, GroupAll, "")
			if !ok {
				t.Fatalf("%s not drillable", id)
			}
			check("total", meas.Cell, rows)
			if meas.CIT != nil {
				rows, _ = Behind(encs, p, id, GroupCIT, "")
				check("cit", *meas.CIT, rows)
				rows, _ = Behind(encs, p, id, GroupNonCIT, "")
				check("non_cit", *meas.NonCIT, rows)
			}
			for _, pc := range meas.ByMonth {
				rows, _ = Behind(encs, p, id, GroupAll, pc.Period)
				check("month "+pc.Period, pc.Cell, rows)
				for _, r := range rows {
					if r.Month != pc.Period || r.Date == "" {
						t.Fatalf("%s month %s: row %+v", id, pc.Period, r)
					}
				}
			}
		}
	}
}

func ExampleBehind() {
	loc := time.UTC
	encs := []Encounter{
		{ID: 1, Occurred: time.Date(2025, 3, 4, 10, 0, 0, 0, loc), OfficerCIT: Yes, Dispositions: DispositionsOf(Arrest)},
		{ID: 2, Occurred: time.Date(2025, 3, 9, 22, 0, 0, 0, loc), OfficerCIT: No, Dispositions: DispositionsOf(ResolvedOnScene)},
		{ID: 3, Occurred: time.Date(2025, 4, 1, 8, 0, 0, 0, loc), OfficerCIT: No},
	}
	rows, _ := Behind(encs, Params{Location: loc}, "arrests", GroupAll, "2025-03")
	for _, r := range rows {
		fmt.Println(r.ID, r.Date, r.Dispositions, r.Counted)
	}
	// Output:
	// 1 2025-03-04 [arrest] true
	// 2 2025-03-09 [resolved_on_scene] false
}

// TestSplitByMonth checks the monthly CIT split against Compute: each
// side's months add up to Compute's total for that side (the range is
// closed, so no record is undated), and each month's sides add up to no
// more than Compute's month (encounters of unknown certification are in
// neither side).
func TestSplitByMonth(t *testing.T) {
	loc := chicago(t)
	encs := Synthesize(4000, 9, time.Date(2024, time.October, 1, 0, 0, 0, 0, loc), loc)
	for i := 3; i < len(encs); i += 29 {
		encs[i].OfficerCIT = Unknown
	}
	p := Params{Location: loc, Now: time.Date(2025, time.March, 1, 0, 0, 0, 0, loc),
		From: citdesk.NewDate(2024, time.October, 15), To: citdesk.NewDate(2025, time.January, 31)}
	rep := Compute(encs, nil, p)
	split := SplitByMonth(encs, p)
	for _, id := range DrillableIDs() {
		meas := rep.Measures[id]
		s, ok := split[id]
		if meas.CIT == nil {
			if ok {
				t.Errorf("%s has no CIT split but SplitByMonth gives one", id)
			}
			continue
		}
		if len(s.CIT) != len(meas.ByMonth) || len(s.NonCIT) != len(meas.ByMonth) {
			t.Fatalf("%s: %d/%d split months, %d months", id, len(s.CIT), len(s.NonCIT), len(meas.ByMonth))
		}
		for side, want := range map[string]*Cell{"cit": meas.CIT, "non_cit": meas.NonCIT} {
			cells := s.CIT
			if side == "non_cit" {
				cells = s.NonCIT
			}
			num, den := 0, 0
			for i, c := range cells {
				if c.Period != meas.ByMonth[i].Period {
					t.Fatalf("%s month %d is %s, Compute's %s", id, i, c.Period, meas.ByMonth[i].Period)
				}
				num, den = num+c.Count, den+c.Denominator
			}
			if num != want.Count || den != want.Denominator {
				t.Errorf("%s %s: months add up to %d of %d, Compute %d of %d", id, side, num, den, want.Count, want.Denominator)
			}
		}
		for i, mc := range meas.ByMonth {
			if s.CIT[i].Count+s.NonCIT[i].Count > mc.Count {
				t.Errorf("%s %s: sides %d + %d over the month's %d", id, mc.Period, s.CIT[i].Count, s.NonCIT[i].Count, mc.Count)
			}
		}
	}
}

// BenchmarkSplitByMonth is the dashboard's second pass (the monthly CIT
// split), over all time.
func BenchmarkSplitByMonth(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			encs, _, loc := benchHistory(b, n)
			p := Params{Location: loc, Now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
			for b.Loop() {
				SplitByMonth(encs, p)
			}
		})
	}
}

func TestPreviousPeriod(t *testing.T) {
	for _, c := range []struct{ from, to, pf, pt string }{
		{"2025-03-01", "2025-03-31", "2025-01-29", "2025-02-28"},
		{"2025-01-01", "2025-12-31", "2024-01-02", "2024-12-31"}, // 365 days before; 2024 had 366
		{"2025-06-10", "2025-06-10", "2025-06-09", "2025-06-09"},
	} {
		from, _ := citdesk.ParseDate(c.from)
		to, _ := citdesk.ParseDate(c.to)
		pf, pt := PreviousPeriod(from, to)
		if pf.String() != c.pf || pt.String() != c.pt {
			t.Errorf("PreviousPeriod(%s, %s) = %s, %s; want %s, %s", c.from, c.to, pf, pt, c.pf, c.pt)
		}
	}
	if pf, pt := PreviousPeriod(citdesk.Date{}, citdesk.NewDate(2025, 1, 1)); !pf.IsZero() || !pt.IsZero() {
		t.Errorf("open range has a previous period %s–%s", pf, pt)
	}
}

// BenchmarkDashboard is what the dashboard page computes: Compute, the
// monthly CIT split and, for a closed range, Compute over the previous
// period of equal length; over all time (no previous period), and over
// the last year of the history with the year before.
func BenchmarkDashboard(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		encs, refs, loc := benchHistory(b, n)
		last := encs[len(encs)-1].Occurred.In(loc)
		to := citdesk.DateOf(last, loc)
		for _, rng := range []struct {
			name     string
			from, to citdesk.Date
		}{{"all", citdesk.Date{}, citdesk.Date{}}, {"year", to.AddDate(-1, 0, 1), to}} {
			b.Run(fmt.Sprintf("n=%d/%s", n, rng.name), func(b *testing.B) {
				p := Params{Location: loc, Now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), From: rng.from, To: rng.to}
				for b.Loop() {
					Compute(encs, refs, p)
					SplitByMonth(encs, p)
					if pf, pt := PreviousPeriod(rng.from, rng.to); !pf.IsZero() {
						pp := p
						pp.From, pp.To = pf, pt
						Compute(encs, refs, pp)
					}
				}
			})
		}
	}
}
