package outcomes

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"citdesk"
)

// Issue 15, finding 9: how the figures are shaped for the charts and the
// public page (partial periods, the span of the data, splits that mean
// something, empty quarters), and the drill-down of the CIT measures,
// which count calls.

// TestPartialPeriods checks that a period the range or today cuts short
// is marked partial, so a chart draws it as "so far" rather than as a drop.
func TestPartialPeriods(t *testing.T) {
	loc := chicago(t)
	var encs []Encounter
	for d := 0; d < 50; d++ { // 15 January to 5 March
		encs = append(encs, known(int64(d+1), int64(d%5+1), at(loc, time.January, 15, 10, 0).AddDate(0, 0, d), d%2 == 0))
	}
	now := at(loc, time.March, 10, 12, 0)
	p := Params{Location: loc, Now: now, From: citdesk.NewDate(2025, time.January, 15), To: citdesk.NewDate(2025, time.March, 31)}
	rep := Compute(encs, nil, p)
	want := map[string]bool{"2025-01": true, "2025-02": false, "2025-03": true}
	for _, id := range []string{"encounters", "diversions", "cit_requested"} {
		m := rep.Measures[id]
		if len(m.ByMonth) != 3 {
			t.Fatalf("%s: %d months, want 3", id, len(m.ByMonth))
		}
		for _, pc := range m.ByMonth {
			if pc.Partial != want[pc.Period] {
				t.Errorf("%s %s: partial %v, want %v", id, pc.Period, pc.Partial, want[pc.Period])
			}
		}
	}
	for _, pc := range rep.Durations["received_to_on_scene"].ByMonth {
		if pc.Partial != want[pc.Period] {
			t.Errorf("durations %s: partial %v, want %v", pc.Period, pc.Partial, want[pc.Period])
		}
	}
	split := SplitByMonth(encs, p)["arrests"]
	for _, side := range [][]PeriodCell{split.CIT, split.NonCIT} {
		for _, pc := range side {
			if pc.Partial != want[pc.Period] {
				t.Errorf("split %s: partial %v, want %v", pc.Period, pc.Partial, want[pc.Period])
			}
		}
	}

	// All time, seen on 10 March: only March is partial (the range has no
	// start, so January is whole as far as it goes).
	rep = Compute(encs, nil, Params{Location: loc, Now: now})
	for _, pc := range rep.Measures["encounters"].ByMonth {
		if pc.Partial != (pc.Period == "2025-03") {
			t.Errorf("all time %s: partial %v", pc.Period, pc.Partial)
		}
	}
	// By quarter (the public page): the quarter of today is partial.
	p = Params{Location: loc, Now: now, Quarterly: true}
	rep = Compute(encs, nil, p)
	if q := rep.Measures["encounters"].ByQuarter; len(q) != 1 || !q[0].Partial {
		t.Errorf("quarters %+v, want 2025-Q1 partial", q)
	}
	for _, pm := range ComputePublic(encs, nil, p) {
		if len(pm.Quarters) != 1 || !pm.Quarters[0].Partial {
			t.Errorf("public %s quarters %+v, want 2025-Q1 partial", pm.ID, pm.Quarters)
		}
	}
	b, _ := json.Marshal(Compute(encs, nil, Params{Location: loc, Now: now}).Measures["encounters"].ByMonth)
	if !strings.Contains(string(b), `"period":"2025-03","partial":true`) || strings.Count(string(b), "partial") != 1 {
		t.Errorf("by_month JSON %s: want partial only on 2025-03", b)
	}
}

// TestDataSpan checks that a report says which periods hold records, so a
// chart of a six-year range over one year of history spans that year.
func TestDataSpan(t *testing.T) {
	loc := chicago(t)
	var encs []Encounter
	for d := 0; d < 200; d++ {
		encs = append(encs, known(int64(d+1), 0, time.Date(2016, time.March, 3, 12, 0, 0, 0, loc).AddDate(0, 0, d), true))
	}
	refs := []Referral{{Created: time.Date(2016, time.December, 2, 9, 0, 0, 0, loc)}}
	p := Params{Location: loc, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, loc), From: citdesk.NewDate(2015, 1, 1), To: citdesk.NewDate(2020, 12, 31)}
	rep := Compute(encs, refs, p)
	if rep.DataFirst != "2016-03" || rep.DataLast != "2016-12" {
		t.Errorf("data span %q to %q, want 2016-03 to 2016-12 (the referral)", rep.DataFirst, rep.DataLast)
	}
	if n := len(rep.Measures["encounters"].ByMonth); n != 72 {
		t.Errorf("by_month has %d months, want every month of the range (72)", n)
	}
	p.Quarterly = true
	if rep = Compute(encs, refs, p); rep.DataFirst != "2016-Q1" || rep.DataLast != "2016-Q4" {
		t.Errorf("quarterly span %q to %q", rep.DataFirst, rep.DataLast)
	}
	if rep = Compute(nil, nil, Params{From: citdesk.NewDate(2015, 1, 1), To: citdesk.NewDate(2020, 12, 31)}); rep.DataFirst != "" || rep.DataLast != "" {
		t.Errorf("no records: span %q to %q, want none", rep.DataFirst, rep.DataLast)
	}
	// A call record is data too (the CIT measures count calls).
	call := Encounter{ID: -1, Occurred: time.Date(2019, 5, 5, 0, 0, 0, 0, loc), CallOnly: true, CITRequested: Yes, CITDispatched: No, CITArrived: No, HandoverMinutes: -1}
	if rep = Compute(append(encs, call), nil, Params{Location: loc}); rep.DataLast != "2019-05" {
		t.Errorf("with a call in May 2019 the span ends %q", rep.DataLast)
	}
}

// TestSplitMeaningful checks the one decision of where the CIT split
// means something: not for the measures that are themselves about CIT
// officers being requested, sent or there (each side is then 100% or 0%
// by construction, or a measure of who asked, not of how officers did).
func TestSplitMeaningful(t *testing.T) {
	for _, id := range []string{"cit_officer", "cit_requested", "cit_dispatched", "cit_on_scene"} {
		if SplitMeaningful(id) {
			t.Errorf("%s: split said to mean something", id)
		}
	}
	for _, id := range []string{"encounters", "use_of_force", "arrests", "diversions", "person_injuries", "officer_injuries", "repeat_contacts_90d", "referrals_connected", "reports_submitted_24h"} {
		if !SplitMeaningful(id) {
			t.Errorf("%s: split said to mean nothing", id)
		}
	}
	if SplitMeaningful("no_such_measure") {
		t.Error("an unknown measure has a meaningful split")
	}
	// The report never offers a split that is not meaningful.
	loc := chicago(t)
	encs, refs := fixture(loc)
	for id, m := range Compute(encs, refs, Params{Location: loc}).Measures {
		if m.SplitMeaningful != SplitMeaningful(id) {
			t.Errorf("%s: measure says split_meaningful %v", id, m.SplitMeaningful)
		}
	}
}

// TestBehindListsCalls checks that the drill-down of a CIT measure lists
// exactly what the figure counts: citdesk's own calls (with or without a
// report) and imported reports, each call by its call id.
func TestBehindListsCalls(t *testing.T) {
	loc := chicago(t)
	jan := func(d int) time.Time { return at(loc, time.January, d, 12, 0) }
	encs := []Encounter{
		// Imported history: a report that carries its CIT answers.
		func() Encounter {
			e := known(1, 1, jan(3), true)
			e.CITRequested, e.CITDispatched, e.CITArrived = Yes, Yes, Yes
			return e
		}(),
		// A citdesk report on its own call: its CIT fields are unknown,
		// the call (−7) counts.
		func() Encounter {
			e := known(2, 2, jan(4), false)
			e.CITRequested, e.CITDispatched, e.CITArrived = Unknown, Unknown, Unknown
			return e
		}(),
		{ID: -7, Occurred: jan(4), CallOnly: true, CITRequested: Yes, CITDispatched: Yes, CITArrived: No, HandoverMinutes: -1},
		// A call nobody was sent to, with no report at all.
		{ID: -8, Occurred: jan(5), CallOnly: true, CITRequested: Yes, CITDispatched: No, CITArrived: No, NoCITReason: "No CIT officer on duty", HandoverMinutes: -1},
		// A call without a CIT request.
		{ID: -9, Occurred: jan(6), CallOnly: true, CITRequested: No, CITDispatched: No, CITArrived: No, HandoverMinutes: -1},
	}
	p := Params{Location: loc}
	rep := Compute(encs, nil, p)
	for id, want := range map[string][]string{
		"cit_requested":  {"report 1 counted", "call 7 counted", "call 8 counted", "call 9"},
		"cit_dispatched": {"report 1 counted", "call 7 counted", "call 8"},
		"cit_on_scene":   {"report 1 counted", "call 7", "call 8"},
		"encounters":     {"report 1 counted", "report 2 counted"},
		"arrests":        {"report 1", "report 2"},
	} {
		rows, ok := Behind(encs, p, id, GroupAll, "")
		if !ok {
			t.Fatalf("%s not drillable", id)
		}
		var got []string
		counted := 0
		for _, r := range rows {
			s := ""
			switch {
			case r.CallID != 0 && r.ID == 0:
				s = "call " + itoa(r.CallID)
			case r.CallID == 0 && r.ID > 0:
				s = "report " + itoa(r.ID)
			default:
				t.Errorf("%s: row %+v is neither a report nor a call", id, r)
			}
			if r.Counted {
				s += " counted"
				counted++
			}
			got = append(got, s)
		}
		if strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("%s lists %v, want %v", id, got, want)
		}
		m := rep.Measures[id]
		den := m.Denominator
		if m.Unit == UnitCount {
			den = m.Count
		}
		if counted != m.Count || len(rows) != den {
			t.Errorf("%s: drill-down %d of %d, figure %d of %d", id, counted, len(rows), m.Count, den)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestPublicEmptyQuarters checks that a quarter with no records is said
// to be empty, with its zeros shown, not "suppressed … out of 0", and that
// suppression still hides every small non-zero count.
func TestPublicEmptyQuarters(t *testing.T) {
	loc := chicago(t)
	var encs []Encounter
	// 2016-Q1: 60 encounters; 2016-Q2 to 2017-Q2: nothing; 2017-Q3: 4.
	for i := range 60 {
		e := known(int64(i+1), int64(i%7+1), time.Date(2016, time.January, 2+i, 12, 0, 0, 0, loc), i%3 == 0)
		if i%4 == 0 {
			e.Dispositions = DispositionsOf(Arrest)
		}
		encs = append(encs, e)
	}
	for i := range 4 {
		encs = append(encs, known(int64(100+i), 1, time.Date(2017, time.August, 2+i, 12, 0, 0, 0, loc), false))
	}
	p := Params{Location: loc, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, loc), Quarterly: true}
	rep := Compute(encs, nil, p)
	pub := ComputePublic(encs, nil, p)
	seenEmpty := false
	for _, pm := range pub {
		for i, q := range pm.Quarters {
			c := rep.Measures[pm.ID].ByQuarter[i]
			empty := c.Denominator == 0
			if pm.Unit == UnitCount {
				empty = c.Count == 0
			}
			if q.Empty != empty {
				t.Errorf("%s %s: empty %v, want %v (%d of %d)", pm.ID, q.Period, q.Empty, empty, c.Count, c.Denominator)
			}
			if q.Empty {
				seenEmpty = true
				if q.Count.Status != Shown || q.Count.Count != 0 || q.Denominator.Status != Shown || q.Denominator.Count != 0 {
					t.Errorf("%s %s: empty quarter published as %v out of %v", pm.ID, q.Period, q.Count, q.Denominator)
				}
			}
			if pm.Unit != UnitCount && q.Denominator.Status == Shown && q.Denominator.Count == 0 && q.Count.Status != Shown {
				t.Errorf("%s %s: %v out of 0", pm.ID, q.Period, q.Count)
			}
			for _, v := range []Value{q.Count, q.Denominator} {
				if v.Status == Shown && v.Count >= 1 && v.Count <= SmallCellMax {
					t.Errorf("%s %s: small count %d shown", pm.ID, q.Period, v.Count)
				}
			}
		}
	}
	if !seenEmpty {
		t.Error("no quarter is marked empty")
	}
	enc := pub[0]
	if enc.ID != "encounters" || len(enc.Quarters) != 7 || enc.Quarters[0].Count.Status != Complementary || !enc.Quarters[1].Empty || enc.Quarters[6].Count.Status != Small {
		t.Errorf("encounters %+v", enc)
	}
}

// TestEmptySentences checks the one line a measure with nothing recorded
// is shown as.
func TestEmptySentences(t *testing.T) {
	rep := Compute(nil, nil, Params{})
	for id, want := range map[string]string{
		"encounters":     "No encounters recorded in this period.",
		"cit_dispatched": "No CIT-requested calls recorded in this period.",
		"use_of_force":   "No encounters with force recorded in this period.",
		"referrals":      "No referrals recorded in this period.",
	} {
		if got := rep.Measures[id].Sentence; got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
}

// TestBehindMatchesComputeWithCalls is TestBehindMatchesCompute with
// citdesk's own calls among the records: a third of the reports are on
// citdesk calls (their CIT answers unknown, the call counting instead),
// and some calls have no report. For every drillable measure, group,
// month and range, the drill-down lists the figure's denominator.
func TestBehindMatchesComputeWithCalls(t *testing.T) {
	loc := chicago(t)
	encs := Synthesize(2000, 11, time.Date(2024, time.November, 1, 0, 0, 0, 0, loc), loc)
	n := len(encs)
	for i := 0; i < n; i += 3 {
		e := &encs[i]
		call := Encounter{ID: -int64(i + 1), Occurred: e.CallReceived, CallOnly: true, HandoverMinutes: -1,
			CITRequested: e.CITRequested, CITDispatched: e.CITDispatched, CITArrived: e.CITArrived, NoCITReason: e.NoCITReason,
			Response: Response((i / 3) % 6), MentalHealth: Tri((i / 3) % 5 % 3), // every response (and none), mental health yes, no and unknown
			Transfer:       [...]TransferMark{0, Transferred, Transferred | TransferReturned, Transferred | TransferRepeat24h, Transferred | TransferReturned | TransferRepeat24h, 0, 0}[(i/3)%7],
			LiaisonOnScene: (i/3)%4 == 1}
		if call.Occurred.IsZero() {
			call.Occurred = e.Occurred
		}
		encs = append(encs, call)
		e.CITRequested, e.CITDispatched, e.CITArrived, e.NoCITReason = Unknown, Unknown, Unknown, ""
		if i%9 == 0 {
			encs = append(encs, Encounter{ID: -int64(100000 + i), Occurred: e.Occurred.Add(time.Hour), CallOnly: true, HandoverMinutes: -1,
				CITRequested: Yes, CITDispatched: No, CITArrived: No, NoCITReason: "No CIT officer on duty"})
		}
	}
	now := time.Date(2025, time.January, 20, 12, 0, 0, 0, loc)
	for ri, p := range []Params{
		{Location: loc, Now: now},
		{Location: loc, Now: now, From: citdesk.NewDate(2024, time.December, 3), To: citdesk.NewDate(2025, time.January, 9)},
	} {
		rep := Compute(encs, nil, p)
		for _, id := range DrillableIDs() {
			meas := rep.Measures[id]
			check := func(what string, want Cell, rows []DrillRow) {
				t.Helper()
				den := want.Denominator
				if meas.Unit == UnitCount {
					den = want.Count
				}
				counted, calls := 0, 0
				for _, r := range rows {
					if r.Counted {
						counted++
					}
					if r.CallID != 0 {
						calls++
					}
				}
				if counted != want.Count || len(rows) != den {
					t.Errorf("range %d %s %s: drill-down %d of %d, Compute %d of %d", ri, id, what, counted, len(rows), want.Count, den)
				}
				if CountsCalls(id) != (calls > 0) && what == "total" {
					t.Errorf("range %d %s: %d call rows", ri, id, calls)
				}
			}
			rows, _ := Behind(encs, p, id, GroupAll, "")
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
			}
		}
	}
}
