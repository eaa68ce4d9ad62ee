package outcomes

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"citdesk"
)

// stepLoader is a Loader over encounters in memory whose whole read
// (LoadAll) can be held between reading and returning, so a test can run
// a change and a delta in that gap. put is a change the stamp counts,
// uncount one that takes a record out of the counted ones (a report
// returned to its author), set one the stamp misses.
type stepLoader struct {
	mu        sync.Mutex
	encs      map[int64]Encounter
	version   int64
	changedAt map[int64]int64 // encounter id → the version that changed it
	uncounted map[int64]bool
	removals  int64
	hold      func() // when set, LoadAll calls it after reading
}

func newStepLoader() *stepLoader {
	return &stepLoader{encs: map[int64]Encounter{}, changedAt: map[int64]int64{}, uncounted: map[int64]bool{}}
}

func (l *stepLoader) set(e Encounter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.encs[e.ID] = e
}

func (l *stepLoader) put(e Encounter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.version++
	l.encs[e.ID], l.changedAt[e.ID] = e, l.version
	delete(l.uncounted, e.ID)
}

func (l *stepLoader) uncount(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.version++
	l.changedAt[id], l.uncounted[id] = l.version, true
}

// remove deletes encounter id, as an erasure or a purge does: no change
// count moves, the removals do.
func (l *stepLoader) remove(id int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.encs, id)
	delete(l.changedAt, id)
	l.removals++
}

func (l *stepLoader) stamp() ChangeStamp {
	st := ChangeStamp{Removals: l.removals}
	st.Changed[0].Versions = l.version
	return st
}

func (l *stepLoader) LoadAll(ctx context.Context, agency int64) (*Records, error) {
	l.mu.Lock()
	recs := &Records{Stamp: l.stamp()}
	for id, e := range l.encs {
		if !l.uncounted[id] {
			recs.Encounters, recs.EncounterIDs = append(recs.Encounters, e), append(recs.EncounterIDs, id)
		}
	}
	hold := l.hold
	l.mu.Unlock()
	if hold != nil {
		hold()
	}
	return recs, nil
}

func (l *stepLoader) LoadChangedSince(ctx context.Context, agency int64, stamp ChangeStamp) (*Records, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	recs := &Records{Stamp: l.stamp()}
	if recs.Stamp == stamp {
		return recs, false, nil
	}
	if recs.Stamp.Removals != stamp.Removals {
		recs.Removed = true
		return recs, true, nil
	}
	for id, v := range l.changedAt {
		switch {
		case v <= stamp.Changed[0].Versions:
		case l.uncounted[id]:
			recs.UncountedEncounterIDs = append(recs.UncountedEncounterIDs, id)
		default:
			recs.Encounters, recs.EncounterIDs = append(recs.Encounters, l.encs[id]), append(recs.EncounterIDs, id)
		}
	}
	return recs, true, nil
}

func (l *stepLoader) AgencyLocation(context.Context, int64) (*time.Location, error) {
	return time.UTC, nil
}

func (l *stepLoader) RecordDrilldown(context.Context, *citdesk.Actor, string, []int64) error {
	return nil
}

func (l *stepLoader) LoadCallPoints(context.Context, int64, time.Time, time.Time) ([]Point, int, error) {
	return nil, 0, nil
}

// TestReconcileKeepsNewerDeltas checks the comparison with the rows
// against the deltas that run while it reads: an encounter added and one
// taken out by a delta after the comparison read stay as the delta left
// them, the snapshot keeps the delta's stamp, and the comparison still
// puts right the change the stamp missed. (A comparison that installed
// its older read dropped the added encounter and set the stamp back, so a
// report computed just after a delta could miss what the delta read.)
func TestReconcileKeepsNewerDeltas(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	enc := func(id int64, force ForceLevel) Encounter {
		return Encounter{ID: id, Occurred: day, Force: force, HandoverMinutes: -1}
	}
	l := newStepLoader()
	l.put(enc(1, ForceNone))
	l.put(enc(2, ForceNone))
	s := NewCachedService(l, citdesk.NewFakeClock(day), 10*time.Minute).(*cachedService)
	snap, err := s.snapshotFor(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}

	l.set(enc(1, ForceLethal)) // unseen by the stamp: the comparison's to find
	read, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	l.hold = func() { close(read); <-release }
	go func() {
		defer close(done)
		s.reconcile(ctx, snap)
	}()
	<-read
	l.hold = nil
	l.put(enc(3, ForceNone)) // after the comparison's read
	l.uncount(2)
	if _, err := s.snapshotFor(ctx, 1); err != nil {
		t.Fatal(err)
	}
	close(release)
	<-done

	snap.mu.RLock()
	defer snap.mu.RUnlock()
	var ids []int64
	force := map[int64]ForceLevel{}
	var e Encounter
	for i := range snap.cols.Encounters() {
		snap.cols.Encounter(i, &e)
		ids = append(ids, snap.cols.EncounterID(i))
		force[snap.cols.EncounterID(i)] = e.Force
	}
	slices.Sort(ids)
	if want := []int64{1, 3}; !slices.Equal(ids, want) {
		t.Errorf("encounters after the comparison = %v, want %v (3 added and 2 taken out by the delta)", ids, want)
	}
	if force[1] != ForceLethal {
		t.Errorf("encounter 1's force = %v, want the comparison's correction %v", force[1], ForceLethal)
	}
	if snap.stamp != l.stamp() {
		t.Errorf("stamp after the comparison = %+v, want the delta's %+v", snap.stamp, l.stamp())
	}
}

// TestRemovalOutrunsComparison: records deleted (an erasure, a purge)
// while a comparison with the rows is reading are gone from the next
// request on, and the comparison, whose read still had them, does not
// bring them back when it ends.
func TestRemovalOutrunsComparison(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	enc := func(id int64) Encounter { return Encounter{ID: id, Occurred: day, HandoverMinutes: -1} }
	l := newStepLoader()
	l.put(enc(1))
	l.put(enc(2))
	s := NewCachedService(l, citdesk.NewFakeClock(day), 10*time.Minute).(*cachedService)
	old, err := s.snapshotFor(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(snap *snapshot) []int64 {
		snap.mu.RLock()
		defer snap.mu.RUnlock()
		var ids []int64
		for i := range snap.cols.Encounters() {
			ids = append(ids, snap.cols.EncounterID(i))
		}
		slices.Sort(ids)
		return ids
	}

	read, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	l.hold = func() { close(read); <-release }
	go func() {
		defer close(done)
		s.reconcile(ctx, old)
	}()
	<-read // the comparison has read encounters 1 and 2
	l.hold = nil
	l.remove(2)
	snap, err := s.snapshotFor(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(snap); !slices.Equal(got, []int64{1}) {
		t.Errorf("encounters at the request after the removal = %v, want [1]", got)
	}
	close(release)
	<-done
	snap, err = s.snapshotFor(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(snap); !slices.Equal(got, []int64{1}) {
		t.Errorf("encounters after the comparison ended = %v, want [1]", got)
	}
	if snap == old {
		t.Error("the snapshot from before the removal is still served")
	}
}
