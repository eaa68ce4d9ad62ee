package outcomes

import (
	"math/rand/v2"
	"testing"
)

// TestIDIndexFollowsColumns puts, replaces and removes records at random
// through the snapshot's index, as a refresh and the background comparison
// do, and checks after each step that every id is found where the columns
// hold it and that removed ids are not found: the sorted positions, the
// records added since, and a re-sort when those grow many.
func TestIDIndexFollowsColumns(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	snap := &snapshot{cols: NewColumns()}
	// Ids as the store gives them: encounters counting up, calls as
	// negative ids counting down, not in order.
	for i := range 3000 {
		id := int64(i + 1)
		if i%3 == 0 {
			id = -id
		}
		snap.cols.AppendEncounter(id, &Encounter{HandoverMinutes: int32(i)})
	}
	want := map[int64]int32{}
	for i := range snap.cols.Encounters() {
		want[snap.cols.EncounterID(i)] = snap.cols.enc.handover[i]
	}
	next := int64(10_000)
	check := func(step int) {
		t.Helper()
		if snap.cols.Encounters() != len(want) {
			t.Fatalf("step %d: %d encounters held, want %d", step, snap.cols.Encounters(), len(want))
		}
		for id, h := range want {
			at, ok := snap.encAt.get(id)
			if !ok || snap.cols.EncounterID(int(at)) != id || snap.cols.enc.handover[at] != h {
				t.Fatalf("step %d: id %d found at %d (%v), want the record with handover %d", step, id, at, ok, h)
			}
		}
	}
	ids := func() []int64 {
		out := make([]int64, 0, len(want))
		for id := range want {
			out = append(out, id)
		}
		return out
	}
	for step := range 4000 {
		switch op := r.IntN(10); {
		case op < 4: // a new record (a new report, or a call)
			next++
			id := next
			if op == 0 {
				id = -next
			}
			h := int32(r.IntN(1000))
			snap.putEncounter(id, &Encounter{HandoverMinutes: h})
			want[id] = h
		case op < 7: // a record changed
			all := ids()
			id := all[r.IntN(len(all))]
			h := int32(r.IntN(1000))
			snap.putEncounter(id, &Encounter{HandoverMinutes: h})
			want[id] = h
		default: // a record removed (returned to draft), or one never held
			if op == 9 {
				snap.dropEncounter(1 << 40)
				break
			}
			all := ids()
			id := all[r.IntN(len(all))]
			snap.dropEncounter(id)
			delete(want, id)
		}
		if step%97 == 0 {
			check(step)
		}
	}
	check(4000)
	if _, ok := snap.encAt.get(1 << 40); ok {
		t.Error("an id never held is found")
	}
}
