package outcomes

import (
	"reflect"
	"testing"
	"time"
)

func TestSynthesize(t *testing.T) {
	loc := chicago(t)
	start := time.Date(2022, time.January, 1, 0, 0, 0, 0, loc)
	encs := Synthesize(20_000, 42, start, loc)
	if len(encs) != 20_000 {
		t.Fatalf("%d encounters", len(encs))
	}
	if again := Synthesize(20_000, 42, start, loc); !reflect.DeepEqual(encs, again) {
		t.Fatal("same seed, different encounters")
	}
	if other := Synthesize(20_000, 43, start, loc); reflect.DeepEqual(encs, other) {
		t.Fatal("different seeds, same encounters")
	}

	var byMonth [12]int
	var byHour [24]int
	people := map[int64]int{}
	for i, e := range encs {
		if e.ID != int64(i+1) || e.Occurred.Before(start) || i > 0 && e.Occurred.Before(encs[i-1].Occurred) {
			t.Fatalf("encounter %d out of order or numbering: %+v", i, e)
		}
		byMonth[e.Occurred.In(loc).Month()-1]++
		byHour[e.Occurred.In(loc).Hour()]++
		if e.PersonKey != 0 {
			people[e.PersonKey]++
		}
		if !e.CallReceived.IsZero() && (e.Dispatched.Before(e.CallReceived) || e.OnScene.Before(e.Dispatched)) {
			t.Fatalf("times out of order: %+v", e)
		}
	}
	// 20,000 encounters span 400 days: 13 months, so every month is seen.
	if byMonth[time.July-1] <= byMonth[time.February-1] {
		t.Errorf("July %d not busier than February %d", byMonth[time.July-1], byMonth[time.February-1])
	}
	if byHour[20] < 2*byHour[4] {
		t.Errorf("20:00 (%d) not much busier than 04:00 (%d)", byHour[20], byHour[4])
	}
	repeat := 0
	for _, n := range people {
		if n >= 3 {
			repeat++
		}
	}
	if repeat < 100 {
		t.Errorf("only %d people met three times or more", repeat)
	}

	// CIT officers: less force, fewer arrests, more diversion.
	r := Compute(encs, SynthesizeReferrals(encs, 42), Params{Location: loc})
	for _, c := range []struct {
		id   string
		less bool // CIT should be lower
	}{{"use_of_force", true}, {"arrests", true}, {"diversions", false}} {
		m := r.Measures[c.id]
		if (m.CIT.Rate < m.NonCIT.Rate) != c.less {
			t.Errorf("%s: CIT %.3f, non-CIT %.3f", c.id, m.CIT.Rate, m.NonCIT.Rate)
		}
	}
	if m := r.Measures["cit_on_scene"]; m.Rate < 0.6 || m.Rate > 0.85 {
		t.Errorf("cit_on_scene %.2f", m.Rate)
	}
	if r.Measures["referrals"].Count == 0 || r.Means["survey_respect"].Count == 0 {
		t.Error("no referrals or surveys")
	}
	if Synthesize(0, 1, start, loc) != nil {
		t.Error("Synthesize(0) not nil")
	}
}
