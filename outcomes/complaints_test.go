package outcomes

import (
	"math/rand/v2"
	"testing"
	"time"

	"citdesk"
)

// TestComplaintMeasures checks the complaint and commendation measures
// against counts made here, record by record, over random encounters and
// complaints: the rates count distinct linked encounters in the range over
// every encounter in it, split by the encounter's officer; the counts are
// every one received in the range.
func TestComplaintMeasures(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 6))
	base := time.Date(2026, time.January, 1, 12, 0, 0, 0, time.UTC)
	var encs []Encounter
	for i := range 400 {
		e := Encounter{ID: int64(i + 1), Occurred: base.Add(time.Duration(rng.IntN(365*24)) * time.Hour), OfficerCIT: Tri(rng.IntN(3)), HandoverMinutes: -1}
		encs = append(encs, e)
	}
	// A call record is in no complaint denominator.
	encs = append(encs, Encounter{ID: -7, Occurred: base.Add(48 * time.Hour), CallOnly: true, CITRequested: Yes})
	var comps []Complaint
	for range 250 {
		k := Complaint{Received: base.Add(time.Duration(rng.IntN(400*24)) * time.Hour), Commendation: rng.IntN(4) == 0}
		k.Sustained = !k.Commendation && rng.IntN(3) == 0
		if rng.IntN(5) > 0 { // most are linked
			e := encs[rng.IntN(60)] // to few encounters, so many share one
			k.Encounter, k.Occurred, k.OfficerCIT = e.ID, e.Occurred, e.OfficerCIT
		}
		comps = append(comps, k)
	}
	from, to := citdesk.NewDate(2026, time.March, 1), citdesk.NewDate(2026, time.September, 30)
	p := Params{From: from, To: to, Location: time.UTC}
	rep := ComputeAll(encs, nil, comps, p)

	in := func(at time.Time) bool {
		d := citdesk.DateOf(at, time.UTC)
		return !d.Before(from) && !to.Before(d)
	}
	type side struct{ num, den int }
	want := map[string][3]side{} // total, CIT, non-CIT
	add := func(id string, cit Tri, num, den int) {
		w := want[id]
		w[0].num, w[0].den = w[0].num+num, w[0].den+den
		switch cit {
		case Yes:
			w[1].num, w[1].den = w[1].num+num, w[1].den+den
		case No:
			w[2].num, w[2].den = w[2].num+num, w[2].den+den
		}
		want[id] = w
	}
	for _, e := range encs {
		if e.CallOnly || !in(e.Occurred) {
			continue
		}
		var complaint, sustained, commendation bool
		for _, k := range comps {
			if k.Encounter == e.ID {
				complaint = complaint || !k.Commendation
				sustained = sustained || k.Sustained
				commendation = commendation || k.Commendation
			}
		}
		add("complaints", e.OfficerCIT, b(complaint), 1)
		add("complaints_sustained", e.OfficerCIT, b(sustained), 1)
		add("commendations", e.OfficerCIT, b(commendation), 1)
	}
	for _, k := range comps {
		if !in(k.Received) {
			continue
		}
		if k.Commendation {
			add("commendations_received", k.OfficerCIT, 1, 0)
		} else {
			add("complaints_received", k.OfficerCIT, 1, 0)
		}
	}
	for id, w := range want {
		m := rep.Measures[id]
		cells := [3]Cell{m.Cell, *m.CIT, *m.NonCIT}
		for g, c := range cells {
			den := w[g].den
			if m.Unit == UnitCount {
				den = 0
			}
			if c.Count != w[g].num || c.Denominator != den {
				t.Errorf("%s group %d = %d of %d, counted %d of %d", id, g, c.Count, c.Denominator, w[g].num, den)
			}
		}
	}
	if want["complaints"][0].num == 0 || want["complaints_received"][0].num == 0 || want["commendations"][0].num == 0 {
		t.Fatalf("the random data left a measure empty: %+v", want)
	}
	// Months add up to the total.
	sum := 0
	for _, pc := range rep.Measures["complaints"].ByMonth {
		sum += pc.Count
	}
	if sum != rep.Measures["complaints"].Count {
		t.Errorf("complaints by month sum to %d, total %d", sum, rep.Measures["complaints"].Count)
	}
	// Without complaints the rates are 0 of every encounter, not missing.
	if c := Compute(encs, nil, p).Measures["complaints"]; c.Count != 0 || c.Denominator != want["complaints"][0].den {
		t.Errorf("Compute without complaints: complaints %d of %d", c.Count, c.Denominator)
	}
}

func b(v bool) int {
	if v {
		return 1
	}
	return 0
}

// TestComplaintMeasuresPublic checks the public figures suppress a small
// count of complaints, as every other measure's.
func TestComplaintMeasuresPublic(t *testing.T) {
	base := time.Date(2026, time.February, 3, 12, 0, 0, 0, time.UTC)
	var encs []Encounter
	for i := range 60 {
		encs = append(encs, Encounter{ID: int64(i + 1), Occurred: base.Add(time.Duration(i) * time.Hour), OfficerCIT: Yes, HandoverMinutes: -1})
	}
	comps := []Complaint{{Received: base, Encounter: 1, Occurred: base, OfficerCIT: Yes}, {Received: base, Encounter: 2, Occurred: base, OfficerCIT: Yes}}
	for _, pm := range ComputePublicAll(encs, nil, comps, Params{Location: time.UTC, Now: base.Add(24 * time.Hour)}) {
		if pm.ID != "complaints" && pm.ID != "complaints_received" {
			continue
		}
		if pm.Total.Count.Status == Shown {
			t.Errorf("%s: 2 complaints published as %+v, want suppressed", pm.ID, pm.Total.Count)
		}
	}
}
