package outcomes

import (
	"strings"
	"testing"
	"time"

	"citdesk"
)

// coarsen makes encs look like an open-data import: some times known only
// to the day, the month or the year (stored at the first of the period),
// and some records answering only arrest and emergency detention, one
// yes/no column each, with some answers blank.
func coarsen(encs []Encounter, loc *time.Location, years bool) {
	flags := DispositionsOf(Arrest, EmergencyDetention)
	for i := range encs {
		e := &encs[i]
		if e.CallOnly || e.Occurred.IsZero() {
			continue
		}
		l := e.Occurred.In(loc)
		switch {
		case years && i%11 == 0:
			e.Occurred, e.Precision = time.Date(l.Year(), 1, 1, 0, 0, 0, 0, loc), PrecisionYear
		case i%7 == 0:
			e.Occurred, e.Precision = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc), PrecisionMonth
		case i%5 == 0:
			e.Occurred, e.Precision = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc), PrecisionDay
		case i%13 == 0:
			e.Precision = PrecisionHour
		}
		if i%3 == 0 {
			e.Dispositions &= flags
			answered := [...]Dispositions{0, DispositionsOf(Arrest), DispositionsOf(EmergencyDetention), flags}[i/3%4]
			e.DispositionsKnown = e.Dispositions | answered
		}
	}
}

// TestBehindMatchesComputeCoarse: with coarse times and partial answers,
// the drill-down still lists exactly what each figure counts, over ranges
// that cut months and ranges that do not.
func TestBehindMatchesComputeCoarse(t *testing.T) {
	loc := chicago(t)
	encs := Synthesize(3000, 11, time.Date(2024, time.November, 1, 0, 0, 0, 0, loc), loc)
	coarsen(encs, loc, true)
	now := time.Date(2025, time.January, 20, 12, 0, 0, 0, loc)
	behindMatches(t, encs, []Params{
		{Location: loc, Now: now},
		{Location: loc, Now: now, From: citdesk.NewDate(2024, time.December, 3), To: citdesk.NewDate(2025, time.January, 9)},
		{Location: loc, Now: now, From: citdesk.NewDate(2024, time.December, 1), To: citdesk.NewDate(2025, time.January, 31)},
		{Location: loc, Now: now, From: citdesk.NewDate(2024, time.January, 1), To: citdesk.NewDate(2025, time.December, 31)},
		// Ends cutting December, and the year.
		{Location: loc, Now: now, From: citdesk.NewDate(2024, time.November, 1), To: citdesk.NewDate(2024, time.December, 15)},
		{Location: loc, Now: now, From: citdesk.NewDate(2024, time.January, 1), To: citdesk.NewDate(2024, time.December, 15)},
	})
}

// TestSplitByMonthCoarse: the monthly CIT split of records known to the
// month adds up to Compute's split over a range of whole months.
func TestSplitByMonthCoarse(t *testing.T) {
	loc := chicago(t)
	encs := Synthesize(3000, 12, time.Date(2024, time.October, 1, 0, 0, 0, 0, loc), loc)
	coarsen(encs, loc, false)
	p := Params{Location: loc, Now: time.Date(2025, time.March, 1, 0, 0, 0, 0, loc),
		From: citdesk.NewDate(2024, time.November, 1), To: citdesk.NewDate(2025, time.January, 31)}
	rep := Compute(encs, nil, p)
	split := SplitByMonth(encs, p)
	for id, s := range split {
		meas := rep.Measures[id]
		num, den, imprecise := 0, 0, 0
		for _, c := range s.CIT {
			num, den, imprecise = num+c.Count, den+c.Denominator, imprecise+c.Imprecise
		}
		if num != meas.CIT.Count || den != meas.CIT.Denominator || imprecise != meas.CIT.Imprecise {
			t.Errorf("%s cit: months add up to %d of %d (%d imprecise), Compute %d of %d (%d)", id, num, den, imprecise, meas.CIT.Count, meas.CIT.Denominator, meas.CIT.Imprecise)
		}
		if id == "reports_submitted_24h" && imprecise == 0 {
			t.Error("no report left out of the 24-hour deadline for precision: the test data has none")
		}
	}
}

// TestDispositionAnswers: a disposition measure's denominator holds the
// records whose answer for it is known, yes or no; a record that answers
// only some dispositions (known negatives) counts where it answered and
// nowhere else; citdesk's own reports, which answer every disposition,
// count as they always did.
func TestDispositionAnswers(t *testing.T) {
	day := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	encs := []Encounter{
		// citdesk's own reports: the list is the whole answer.
		{ID: 1, Occurred: day, Dispositions: DispositionsOf(Arrest)},
		{ID: 2, Occurred: day, Dispositions: DispositionsOf(ResolvedOnScene)},
		{ID: 3, Occurred: day, Dispositions: DispositionsOf(EmergencyDetention, VoluntaryTransport)},
		{ID: 4, Occurred: day}, // none recorded: unknown
		// Open data, answering arrest and detention only.
		{ID: 5, Occurred: day, DispositionsKnown: DispositionsOf(Arrest, EmergencyDetention)},                                           // no, no
		{ID: 6, Occurred: day, Dispositions: DispositionsOf(EmergencyDetention), DispositionsKnown: DispositionsOf(EmergencyDetention)}, // yes, arrest blank
		{ID: 7, Occurred: day, DispositionsKnown: DispositionsOf(Arrest)},                                                               // arrest no, detention blank
		// A connected referral is care whatever the dispositions say.
		{ID: 8, Occurred: day, ReferralConnected: true},
	}
	rep := Compute(encs, nil, Params{})
	for _, c := range []struct {
		id       string
		num, den int
	}{
		{"arrests", 1, 5},              // 1, 2, 3, 5, 7
		{"emergency_detentions", 2, 5}, // 1, 2, 3 (yes), 5, 6 (yes)
		// Diversion: 1 and 3 are not (arrest, detention), 2 is; 6 is not
		// (detention); 5 and 7 answered none of the diversion endings.
		{"diversions", 1, 4},
		// Care: 3 and 6 (detention) and 8 (referral) are; 1 and 2 are
		// known not to be; 5 and 7 never answered voluntary transport.
		{"ending_in_care", 3, 5},
	} {
		m := rep.Measures[c.id]
		if m.Count != c.num || m.Denominator != c.den {
			t.Errorf("%s = %d of %d, want %d of %d", c.id, m.Count, m.Denominator, c.num, c.den)
		}
	}
	rows, _ := Behind(encs, Params{}, "arrests", GroupAll, "")
	for _, r := range rows {
		if want := map[int64]string{5: "emergency_detention,arrest", 7: "arrest"}[r.ID]; strings.Join(r.DispositionsNo, ",") != want {
			t.Errorf("drill-down row %d: dispositions_no %v, want %q", r.ID, r.DispositionsNo, want)
		}
	}
}

// TestPrecisionFigures: the 24-hour report deadline needs the hour, repeat
// contacts the day, and a month or year is in a range only when all of it
// is; each figure says how many records it left out for precision.
func TestPrecisionFigures(t *testing.T) {
	loc := time.UTC
	at := func(m time.Month, d, h int) time.Time { return time.Date(2025, m, d, h, 0, 0, 0, loc) }
	encs := []Encounter{
		// Submitted 20 hours after contact: on time, if the hour is known.
		{ID: 1, PersonKey: 7, Occurred: at(3, 4, 10), Submitted: at(3, 5, 6), Precision: PrecisionHour},
		{ID: 2, PersonKey: 7, Occurred: at(3, 10, 0), Submitted: at(3, 10, 20), Precision: PrecisionDay},
		{ID: 3, PersonKey: 7, Occurred: at(3, 1, 0), Submitted: at(3, 1, 20), Precision: PrecisionMonth},
		{ID: 4, PersonKey: 8, Occurred: at(1, 1, 0), Precision: PrecisionYear},
	}
	rep := Compute(encs, nil, Params{Location: loc, Now: at(6, 1, 0)})
	sub := rep.Measures["reports_submitted_24h"]
	if sub.Count != 1 || sub.Denominator != 1 || sub.Imprecise != 3 || !strings.Contains(sub.Sentence, "3 encounters left out: their dates are known only to the day, month or year.") {
		t.Errorf("reports_submitted_24h: %+v", sub)
	}
	rp := rep.Measures["repeat_contacts_30d"]
	if rp.Count != 1 || rp.Denominator != 1 || rp.Imprecise != 2 {
		t.Errorf("repeat_contacts_30d = %d of %d, %d imprecise; want 1 of 1 (person 7 on the 4th and 10th), 2 imprecise", rp.Count, rp.Denominator, rp.Imprecise)
	}
	enc := rep.Measures["encounters"]
	if enc.Count != 4 || len(enc.ByMonth) != 1 || enc.ByMonth[0].Period != "2025-03" || enc.ByMonth[0].Count != 3 {
		t.Errorf("encounters: %d, by month %+v; want 4, the year-only one in no month", enc.Count, enc.ByMonth)
	}
	for _, c := range []struct {
		from, to citdesk.Date
		want     int
	}{
		{citdesk.NewDate(2025, 3, 1), citdesk.NewDate(2025, 3, 31), 3},
		{citdesk.NewDate(2025, 3, 2), citdesk.NewDate(2025, 3, 31), 2},  // the month-only record may be on the 1st
		{citdesk.NewDate(2025, 1, 1), citdesk.NewDate(2025, 3, 30), 2},  // or the 31st; the year-only one in December
		{citdesk.NewDate(2025, 1, 1), citdesk.NewDate(2025, 12, 31), 4}, // the whole year
	} {
		p := Params{Location: loc, Now: at(6, 1, 0), From: c.from, To: c.to}
		if got := Compute(encs, nil, p).Measures["encounters"].Count; got != c.want {
			t.Errorf("%s–%s: %d encounters, want %d", c.from, c.to, got, c.want)
		}
		if rows, _ := Behind(encs, p, "encounters", GroupAll, ""); len(rows) != c.want {
			t.Errorf("%s–%s: drill-down lists %d, want %d", c.from, c.to, len(rows), c.want)
		}
	}
}
