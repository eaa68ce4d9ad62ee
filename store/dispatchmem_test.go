package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// dispatchScene is an agency with officers and open calls to change at
// random.
type dispatchScene struct {
	db       *store.DB
	op, disp context.Context
	officers []*citdesk.Officer
	calls    []*citdesk.Call
	rnd      *rand.Rand
}

func newDispatchScene(t *testing.T, db *store.DB, slug string, seed uint64) *dispatchScene {
	t.Helper()
	_, op := storetest.Agency(t, db, slug)
	_, disp := storetest.User(t, db, op, slug+"-disp", citdesk.RoleDispatcher)
	s := &dispatchScene{db: db, op: op, disp: disp, rnd: rand.New(rand.NewPCG(seed, 12))}
	for i := range 10 {
		o := &citdesk.Officer{Badge: fmt.Sprint(slug, 100+i), FirstName: "Pat", LastName: fmt.Sprint("Officer", i), Rank: "Ofc.", Active: true}
		must(t, db.OfficerService().CreateOfficer(op, o))
		if i%3 != 2 { // two in three CIT certified
			must(t, db.OfficerService().AddTraining(op, &citdesk.TrainingRecord{OfficerID: o.ID, Kind: citdesk.CourseCITBasic, Completed: citdesk.NewDate(2025, 3, 1), Hours: 40}))
		}
		s.officers = append(s.officers, o)
		s.status(t, o, citdesk.StatusAvailable)
	}
	for i := range 3 {
		lat, lon := 38.13+0.01*float64(i), -90.56+0.01*float64(i)
		c := &citdesk.Call{Nature: fmt.Sprint("Welfare check ", i), Address: fmt.Sprint(100+i, " Main St"), Lat: &lat, Lon: &lon, CITRequested: true, Emergency: i == 0}
		must(t, db.CallService().CreateCall(disp, c))
		s.calls = append(s.calls, c)
	}
	return s
}

// status sets o's duty status at a random position near De Soto.
func (s *dispatchScene) status(t *testing.T, o *citdesk.Officer, st citdesk.DutyStatus) {
	t.Helper()
	lat, lon := 38.10+s.rnd.Float64()*0.08, -90.60+s.rnd.Float64()*0.08
	if err := s.db.OfficerService().SetStatus(s.op, &citdesk.StatusChange{OfficerID: o.ID, Status: st, Lat: &lat, Lon: &lon}); err != nil &&
		citdesk.ErrorCode(err) != citdesk.ECONFLICT && citdesk.ErrorCode(err) != citdesk.EINVALID {
		t.Fatal(err)
	}
}

// step makes one random change: a duty status, a position from the AVL
// feed, an assignment, an assignment moved on.
func (s *dispatchScene) step(t *testing.T) string {
	t.Helper()
	o := s.officers[s.rnd.IntN(len(s.officers))]
	switch s.rnd.IntN(4) {
	case 0:
		st := []citdesk.DutyStatus{citdesk.StatusAvailable, citdesk.StatusBusy, citdesk.StatusOffDuty, citdesk.StatusAvailable}[s.rnd.IntN(4)]
		s.status(t, o, st)
		return "status " + string(st)
	case 1:
		_, err := s.db.PositionService().ReportPositions(s.op, []citdesk.PositionReport{{Badge: o.Badge, Lat: 38.10 + s.rnd.Float64()*0.08, Lon: -90.60 + s.rnd.Float64()*0.08, At: s.db.Clock.Now()}})
		if err != nil {
			t.Fatal(err)
		}
		return "position"
	case 2:
		c := s.calls[s.rnd.IntN(len(s.calls))]
		err := s.db.CallService().CreateAssignment(s.disp, &citdesk.Assignment{CallID: c.ID, OfficerID: o.ID, NoCITReason: "none_available"})
		if err != nil && citdesk.ErrorCode(err) != citdesk.ECONFLICT && citdesk.ErrorCode(err) != citdesk.EINVALID {
			t.Fatal(err)
		}
		return "assign"
	default:
		active, err := s.db.CallService().ListAssignments(s.disp, citdesk.AssignmentFilter{Active: true})
		must(t, err)
		if len(active) == 0 {
			return "nothing to move"
		}
		a := active[s.rnd.IntN(len(active))]
		next := map[citdesk.AssignmentStatus]citdesk.AssignmentStatus{citdesk.AssignDispatched: citdesk.AssignEnRoute, citdesk.AssignEnRoute: citdesk.AssignOnScene, citdesk.AssignOnScene: citdesk.AssignCleared}[a.Status]
		if _, err := s.db.CallService().MoveAssignment(s.disp, a.ID, a.Version, next); err != nil && citdesk.ErrorCode(err) != citdesk.ECONFLICT {
			t.Fatal(err)
		}
		return "move to " + string(next)
	}
}

// same fails unless db's recommendations for every call of s, from memory,
// equal those read from the database (truth, which may be another handle
// on the same database).
func (s *dispatchScene) same(t *testing.T, db, truth *store.DB, what string) bool {
	t.Helper()
	for _, c := range s.calls {
		_, mem, err := db.DispatchService().RecommendForCall(s.disp, c.ID)
		must(t, err)
		_, want, err := truth.TestRecommendFromSQL(s.disp, c.ID)
		must(t, err)
		if !reflect.DeepEqual(mem, want) {
			if what != "" {
				t.Errorf("after %s, call %d: from memory\n%+v\nfrom the database\n%+v", what, c.ID, mem, want)
			}
			return false
		}
	}
	return true
}

// TestDispatchMemoryMatchesSQL changes officers' statuses, positions and
// assignments at random, with time passing, and after each change checks
// that every recommendation answered from memory equals the one read from
// the database; between changes, recommendations read no SQL (issue 12).
func TestDispatchMemoryMatchesSQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db, clock := storetest.Open(t, e)
		newQuietBus(t, db) // on PostgreSQL, state is kept while a bus listens
		s := newDispatchScene(t, db, "mem", 1)
		for i := range 60 {
			what := s.step(t)
			clock.Advance(time.Duration(s.rnd.IntN(150)) * time.Second)
			if !s.same(t, db, db, fmt.Sprintf("step %d (%s)", i, what)) {
				return
			}
			before := db.TxStats()
			for _, c := range s.calls {
				if _, _, err := db.DispatchService().RecommendForCall(s.disp, c.ID); err != nil {
					t.Fatal(err)
				}
			}
			if d := db.TxStats().Sub(before); d.Reads+d.Writes != 0 {
				t.Fatalf("step %d: recommendations with nothing changed took %+v, want no transaction", i, d)
			}
		}
		loads, _ := db.TestDispatchCounts()
		caughtUp := db.TestDispatchCaughtUp()
		t.Logf("%d snapshots read, %d brought up to date with moves", loads, caughtUp)
		if loads+caughtUp < 30 {
			t.Errorf("%d snapshots read and %d brought up to date over 60 changes: the changes did not all reach the memory", loads, caughtUp)
		}
		if e == storetest.SQLite && caughtUp == 0 {
			t.Error("no snapshot took an officer's move: every position report read the state again")
		}
	})
}

// TestDispatchMemoryTakesMoves: on SQLite, an officer's position report
// that keeps their status (the AVL feed, or a status report with the same
// status) reaches the recommendation from memory without reading the
// dispatch state again, and without a read transaction; a status change
// still reads it again. On PostgreSQL, where other replicas must hear of
// it, a position report is a change like any other.
func TestDispatchMemoryTakesMoves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db, clock := storetest.Open(t, e)
		newQuietBus(t, db)
		s := newDispatchScene(t, db, "moves", 2)
		call := s.calls[0]
		_, before, err := db.DispatchService().RecommendForCall(s.disp, call.ID)
		must(t, err)
		if len(before.Officers) < 2 {
			t.Fatalf("%d officers recommended, want at least 2", len(before.Officers))
		}
		// The last one recommended drives to the call's door.
		o := before.Officers[len(before.Officers)-1]
		var badge string
		for _, x := range s.officers {
			if x.ID == o.OfficerID {
				badge = x.Badge
			}
		}
		clock.Advance(10 * time.Second)
		loads, _ := db.TestDispatchCounts()
		caughtUp := db.TestDispatchCaughtUp()
		res, err := db.PositionService().ReportPositions(s.op, []citdesk.PositionReport{{Badge: badge, Lat: *call.Lat, Lon: *call.Lon, At: db.Clock.Now()}})
		if err != nil || res[0].Status != citdesk.ReportApplied {
			t.Fatalf("position report: %+v, %v", res, err)
		}
		tx := db.TxStats()
		_, after, err := db.DispatchService().RecommendForCall(s.disp, call.ID)
		must(t, err)
		d := db.TxStats().Sub(tx)
		newLoads, _ := db.TestDispatchCounts()
		if reflect.DeepEqual(after, before) {
			t.Fatalf("officer %d reported a position at the call, and the recommendation did not change", o.OfficerID)
		}
		if !s.same(t, db, db, "the position report") {
			return
		}
		if e == storetest.SQLite {
			if newLoads != loads || d.Reads != 0 || db.TestDispatchCaughtUp() != caughtUp+1 {
				t.Errorf("after a position report: %d snapshots read (want 0), %d read transactions (want 0), %d brought up to date (want 1)",
					newLoads-loads, d.Reads, db.TestDispatchCaughtUp()-caughtUp)
			}
		} else if newLoads != loads+1 {
			t.Errorf("after a position report on PostgreSQL: %d snapshots read, want 1", newLoads-loads)
		}
		// A status change is not a move: the state is read again.
		loads, _ = db.TestDispatchCounts()
		s.status(t, s.officers[0], citdesk.StatusBusy)
		if !s.same(t, db, db, "a status change") {
			return
		}
		if n, _ := db.TestDispatchCounts(); n != loads+1 {
			t.Errorf("after a status change: %d snapshots read, want 1", n-loads)
		}
	})
}

// TestDispatchMemoryAcrossReplicas runs two replicas on one PostgreSQL
// database: changes made on one reach the other's memory by notification;
// and a replica that lost a notification notices the gap in their numbers
// at the next one (here about another agency) and reads everything again.
func TestDispatchMemoryAcrossReplicas(t *testing.T) {
	dsn := storetest.DSN(t, storetest.Postgres)
	one, two := openDSN(t, dsn), openDSN(t, dsn)
	two.Clock = one.Clock
	newQuietBus(t, one)
	newQuietBus(t, two)
	a := newDispatchScene(t, one, "alpha", 2)
	b := newDispatchScene(t, one, "bravo", 3)
	eventually := func(s *dispatchScene, what string) {
		t.Helper()
		for deadline := time.Now().Add(3 * time.Second); !s.same(t, two, one, ""); {
			if time.Now().After(deadline) {
				s.same(t, two, one, what) // says how they differ
				t.Fatalf("%s: replica two still differs after 3 s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for i := range 15 {
		eventually(a, fmt.Sprintf("step %d (%s) on replica one", i, a.step(t)))
	}

	// Replica two loses the notifications of changes to alpha; it cannot
	// tell until the next notification, about bravo, arrives out of turn.
	eventually(a, "before the lost notification")
	eventually(b, "before the lost notification")
	two.TestDropDispatchNotifications(1000)
	for _, o := range a.officers { // a change that shows: every alpha officer off duty
		a.status(t, o, citdesk.StatusOffDuty)
	}
	time.Sleep(300 * time.Millisecond) // the notifications are lost by now
	two.TestDropDispatchNotifications(0)
	if a.same(t, two, one, "") {
		t.Fatal("replica two answers the change whose notification it lost: the test shows nothing")
	}
	_, gapsBefore := two.TestDispatchCounts()
	b.status(t, b.officers[0], citdesk.StatusBusy)
	eventually(a, "a change to bravo after alpha's lost notification")
	if _, gaps := two.TestDispatchCounts(); gaps <= gapsBefore {
		t.Errorf("replica two caught up without noticing a missing notification (%d gaps)", gaps)
	}
}

// TestDispatchMemoryNewDay: with nothing written, the state kept in memory
// is read again when the agency's day changes (today's assignment counts
// start again from zero) and once it is a minute old (positions age).
func TestDispatchMemoryNewDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db, clock := storetest.Open(t, e)
		newQuietBus(t, db)
		s := newDispatchScene(t, db, "day", 4)
		must(t, db.CallService().CreateAssignment(s.disp, &citdesk.Assignment{CallID: s.calls[1].ID, OfficerID: s.officers[0].ID}))
		s.same(t, db, db, "an assignment")
		// Epoch is 19:30 in De Soto: read at 23:59:30, then 40 s later,
		// the next day, well within a minute of that read.
		clock.Advance(4*time.Hour + 29*time.Minute + 30*time.Second)
		s.same(t, db, db, "23:59:30")
		loads, _ := db.TestDispatchCounts()
		clock.Advance(40 * time.Second)
		s.same(t, db, db, "midnight")
		if after, _ := db.TestDispatchCounts(); after != loads+1 {
			t.Errorf("%d reads of the state across midnight, want one", after-loads)
		}
		clock.Advance(30 * time.Second)
		s.same(t, db, db, "30 s later")
		if after, _ := db.TestDispatchCounts(); after != loads+1 {
			t.Errorf("the state was read again 30 s after midnight with nothing changed")
		}
		clock.Advance(31 * time.Second)
		s.same(t, db, db, "a minute later")
		if after, _ := db.TestDispatchCounts(); after != loads+2 {
			t.Errorf("the state was not read again after a minute")
		}
	})
}
