package store_test

import (
	"context"
	"encoding/json"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// dispatchWorld is an agency with a dispatcher, ready for calls.
type dispatchWorld struct {
	db    *store.DB
	clock *citdesk.FakeClock
	op    context.Context
	disp  context.Context
	calls citdesk.CallService
}

func newDispatchWorld(t *testing.T, e storetest.Engine) *dispatchWorld {
	t.Helper()
	db, clock := storetest.Open(t, e)
	_, op := storetest.Agency(t, db, "desoto")
	_, disp := storetest.User(t, db, op, "dispatch", citdesk.RoleDispatcher)
	return &dispatchWorld{db: db, clock: clock, op: op, disp: disp, calls: db.CallService()}
}

// officer adds an officer on duty and available at a fresh position,
// CIT certified (the 40-hour course a year ago) when cit is true.
func (w *dispatchWorld) officer(t *testing.T, badge string, cit bool) *citdesk.Officer {
	t.Helper()
	o := &citdesk.Officer{Badge: badge, FirstName: "Pat", LastName: "Officer" + badge, Rank: "Ofc.", Active: true}
	if err := w.db.OfficerService().CreateOfficer(w.op, o); err != nil {
		t.Fatal(err)
	}
	w.onDuty(t, o.ID, cit)
	return o
}

func (w *dispatchWorld) onDuty(t *testing.T, officerID int64, cit bool) {
	t.Helper()
	if cit {
		if err := w.db.OfficerService().AddTraining(w.op, &citdesk.TrainingRecord{OfficerID: officerID, Kind: citdesk.CourseCITBasic, Completed: citdesk.NewDate(2025, 3, 1), Hours: 40}); err != nil {
			t.Fatal(err)
		}
	}
	lat, lon := 38.14, -90.55
	if err := w.db.OfficerService().SetStatus(w.op, &citdesk.StatusChange{OfficerID: officerID, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
		t.Fatal(err)
	}
}

func (w *dispatchWorld) call(t *testing.T, nature string, citRequested bool) *citdesk.Call {
	t.Helper()
	lat, lon := 38.1395, -90.5551
	c := &citdesk.Call{Nature: nature, Address: "100 Main St", Lat: &lat, Lon: &lon, CallerName: "Jo Caller", CallerPhone: "636-555-0000",
		CITRequested: citRequested, Emergency: true, Notes: "Brother says he has stopped his medication."}
	if err := w.calls.CreateCall(w.disp, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (w *dispatchWorld) duty(t *testing.T, officerID int64) citdesk.DutyStatus {
	t.Helper()
	o, err := w.db.OfficerService().FindOfficerByID(w.op, officerID)
	if err != nil {
		t.Fatal(err)
	}
	return o.Duty.Status
}

// assign sends officer o to call c.
func (w *dispatchWorld) assign(t *testing.T, c *citdesk.Call, o *citdesk.Officer) *citdesk.Assignment {
	t.Helper()
	a := &citdesk.Assignment{CallID: c.ID, OfficerID: o.ID}
	if err := w.calls.CreateAssignment(w.disp, a); err != nil {
		t.Fatal(err)
	}
	return a
}

func (w *dispatchWorld) findCall(t *testing.T, id int64) *citdesk.Call {
	t.Helper()
	c, err := w.calls.FindCallByID(w.op, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateAndListCalls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		c := w.call(t, "Suicide threat", true)
		if c.ID == 0 || c.Status != citdesk.CallPending || c.Version != 1 || c.Source != citdesk.Source911 || !c.ReceivedAt.Equal(storetest.Epoch) {
			t.Fatalf("created %+v", c)
		}
		if c.Risk.Weapons != citdesk.RiskUnknown || c.Risk.Medical != citdesk.RiskUnknown {
			t.Fatalf("risk defaults = %+v", c.Risk)
		}
		got := w.findCall(t, c.ID)
		if got.Nature != "Suicide threat" || got.CallerName != "Jo Caller" || !got.CITRequested || got.Lat == nil || *got.Lat != 38.1395 || got.MentalHealth != nil {
			t.Fatalf("read back %+v", got)
		}

		t.Run("validation", func(t *testing.T) {
			for _, tc := range []struct {
				c     citdesk.Call
				field string
			}{
				{citdesk.Call{}, "nature"},
				{citdesk.Call{Nature: "x", Source: "fax"}, "source"},
				{citdesk.Call{Nature: "x", Lat: new(float64)}, "lat"},
				{citdesk.Call{Nature: "x", Risk: citdesk.RiskScreen{Weapons: "maybe"}}, "risk.weapons"},
				{citdesk.Call{Nature: "x", ReceivedAt: storetest.Epoch.Add(time.Hour)}, "received_at"},
				{citdesk.Call{Nature: strings.Repeat("x", 201)}, "nature"},
			} {
				err := w.calls.CreateCall(w.disp, &tc.c)
				wantCode(t, err, citdesk.EINVALID)
				if f := citdesk.ErrorField(err); f != tc.field {
					t.Errorf("field = %q, want %q (%v)", f, tc.field, err)
				}
			}
		})

		t.Run("open calls oldest first", func(t *testing.T) {
			w.clock.Advance(time.Minute)
			c2 := w.call(t, "Welfare check", false)
			open, err := w.calls.ListCalls(w.disp, citdesk.CallFilter{Open: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(open) != 2 || open[0].ID != c.ID || open[1].ID != c2.ID {
				t.Fatalf("open calls = %v", ids(open))
			}
			closed, err := w.calls.ListCalls(w.disp, citdesk.CallFilter{Status: citdesk.CallClosed})
			if err != nil || len(closed) != 0 {
				t.Fatalf("closed = %v, %v", closed, err)
			}
		})

		t.Run("roles", func(t *testing.T) {
			_, officer := storetest.User(t, w.db, w.op, "ofc", citdesk.RoleOfficer)
			_, analyst := storetest.User(t, w.db, w.op, "ana", citdesk.RoleAnalyst)
			wantCode(t, w.calls.CreateCall(officer, &citdesk.Call{Nature: "x"}), citdesk.EFORBIDDEN)
			_, err := w.calls.FindCallByID(officer, c.ID)
			wantCode(t, err, citdesk.EFORBIDDEN)
			_, err = w.calls.ListCalls(analyst, citdesk.CallFilter{})
			wantCode(t, err, citdesk.EFORBIDDEN)
			_, err = w.calls.ListAssignments(officer, citdesk.AssignmentFilter{})
			wantCode(t, err, citdesk.EFORBIDDEN)
		})
	})
}

func ids(calls []*citdesk.Call) []int64 {
	var out []int64
	for _, c := range calls {
		out = append(out, c.ID)
	}
	return out
}

// TestConcurrentAssignmentsOfOneOfficer sends one officer to 50 calls at
// once: the unique index over active assignments lets exactly one through.
func TestConcurrentAssignmentsOfOneOfficer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		o := w.officer(t, "101", true)
		const n = 50
		calls := make([]*citdesk.Call, n)
		for i := range calls {
			calls[i] = w.call(t, "Welfare check", false)
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = w.calls.CreateAssignment(w.disp, &citdesk.Assignment{CallID: calls[i].ID, OfficerID: o.ID})
			}()
		}
		close(start)
		wg.Wait()
		var ok, conflict int
		for _, err := range errs {
			switch citdesk.ErrorCode(err) {
			case "":
				ok++
			case citdesk.ECONFLICT:
				conflict++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 1 || conflict != n-1 {
			t.Fatalf("%d successes and %d conflicts, want 1 and %d", ok, conflict, n-1)
		}
		active, err := w.calls.ListAssignments(w.disp, citdesk.AssignmentFilter{OfficerID: o.ID})
		if err != nil || len(active) != 1 {
			t.Fatalf("assignments of the officer = %d, %v", len(active), err)
		}
		dispatched, err := w.calls.ListCalls(w.disp, citdesk.CallFilter{Status: citdesk.CallDispatched})
		if err != nil || len(dispatched) != 1 || dispatched[0].ID != active[0].CallID {
			t.Fatalf("dispatched calls = %v, %v", ids(dispatched), err)
		}
		if d := w.duty(t, o.ID); d != citdesk.StatusDispatched {
			t.Fatalf("officer status = %s", d)
		}
	})
}

func TestAssignmentMoves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		ou, officerCtx := storetest.User(t, w.db, w.op, "ofc", citdesk.RoleOfficer)
		w.onDuty(t, *ou.OfficerID, true)
		_, otherCtx := storetest.User(t, w.db, w.op, "other", citdesk.RoleOfficer)
		c := w.call(t, "Psychosis", true)

		a := &citdesk.Assignment{CallID: c.ID, OfficerID: *ou.OfficerID}
		if err := w.calls.CreateAssignment(w.disp, a); err != nil {
			t.Fatal(err)
		}
		if a.Status != citdesk.AssignDispatched || a.Version != 1 || !a.DispatchedAt.Equal(storetest.Epoch) || !a.CITCertified || a.CITStatus != citdesk.CITCertified || a.OfficerName != "Test ofc" {
			t.Fatalf("assignment %+v", a)
		}
		if got := w.findCall(t, c.ID); got.Status != citdesk.CallDispatched || got.Version != 2 {
			t.Fatalf("call after dispatch: %s v%d", got.Status, got.Version)
		}

		// The officer may read the call they were sent to.
		if got, err := w.calls.FindCallByID(officerCtx, c.ID); err != nil || got.Notes == "" {
			t.Fatalf("officer reads own call: %v", err)
		}
		if mine, err := w.calls.ListAssignments(officerCtx, citdesk.AssignmentFilter{OfficerID: *ou.OfficerID, Active: true}); err != nil || len(mine) != 1 {
			t.Fatalf("officer's active assignments = %v, %v", mine, err)
		}
		_, err := w.calls.MoveAssignment(otherCtx, a.ID, a.Version, citdesk.AssignEnRoute)
		wantCode(t, err, citdesk.EFORBIDDEN)

		steps := []struct {
			status citdesk.AssignmentStatus
			duty   citdesk.DutyStatus
			call   citdesk.CallStatus
		}{
			{citdesk.AssignEnRoute, citdesk.StatusEnRoute, citdesk.CallDispatched},
			{citdesk.AssignOnScene, citdesk.StatusOnScene, citdesk.CallOnScene},
			{citdesk.AssignCleared, citdesk.StatusAvailable, citdesk.CallCleared},
		}
		for i, st := range steps {
			w.clock.Advance(3 * time.Minute)
			moved, err := w.calls.MoveAssignment(officerCtx, a.ID, a.Version, st.status)
			if err != nil {
				t.Fatalf("move to %s: %v", st.status, err)
			}
			if moved.Status != st.status || moved.Version != int64(i+2) {
				t.Fatalf("moved %+v", moved)
			}
			if d := w.duty(t, *ou.OfficerID); d != st.duty {
				t.Fatalf("after %s officer is %s, want %s", st.status, d, st.duty)
			}
			if got := w.findCall(t, c.ID); got.Status != st.call {
				t.Fatalf("after %s call is %s, want %s", st.status, got.Status, st.call)
			}
			a = moved
		}
		at := func(p *time.Time) time.Duration { return p.Sub(storetest.Epoch) }
		if at(a.EnRouteAt) != 3*time.Minute || at(a.OnSceneAt) != 6*time.Minute || at(a.ClearedAt) != 9*time.Minute {
			t.Fatalf("timestamps %v %v %v", a.EnRouteAt, a.OnSceneAt, a.ClearedAt)
		}

		t.Run("illegal moves", func(t *testing.T) {
			_, err := w.calls.MoveAssignment(w.disp, a.ID, a.Version, citdesk.AssignEnRoute)
			wantCode(t, err, citdesk.ECONFLICT)
			_, err = w.calls.MoveAssignment(w.disp, a.ID, a.Version, citdesk.AssignCleared)
			wantCode(t, err, citdesk.ECONFLICT)
			_, err = w.calls.MoveAssignment(w.disp, a.ID, a.Version, "parked")
			wantCode(t, err, citdesk.EINVALID)
			_, err = w.calls.MoveAssignment(w.disp, 999999, 1, citdesk.AssignOnScene)
			wantCode(t, err, citdesk.ENOTFOUND)

			// Backwards is refused too.
			c2 := w.call(t, "Welfare check", false)
			b := &citdesk.Assignment{CallID: c2.ID, OfficerID: *ou.OfficerID}
			if err := w.calls.CreateAssignment(w.disp, b); err != nil {
				t.Fatal(err)
			}
			b, err = w.calls.MoveAssignment(w.disp, b.ID, b.Version, citdesk.AssignOnScene)
			if err != nil {
				t.Fatal(err)
			}
			_, err = w.calls.MoveAssignment(w.disp, b.ID, b.Version, citdesk.AssignEnRoute)
			wantCode(t, err, citdesk.ECONFLICT)
			if _, err := w.calls.MoveAssignment(w.disp, b.ID, b.Version, citdesk.AssignCleared); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("clearing before arrival puts the call back to waiting", func(t *testing.T) {
			c3 := w.call(t, "Welfare check", false)
			b := &citdesk.Assignment{CallID: c3.ID, OfficerID: *ou.OfficerID}
			if err := w.calls.CreateAssignment(w.disp, b); err != nil {
				t.Fatal(err)
			}
			if _, err := w.calls.MoveAssignment(w.disp, b.ID, b.Version, citdesk.AssignCleared); err != nil {
				t.Fatal(err)
			}
			if got := w.findCall(t, c3.ID); got.Status != citdesk.CallPending {
				t.Fatalf("call is %s", got.Status)
			}
			if d := w.duty(t, *ou.OfficerID); d != citdesk.StatusAvailable {
				t.Fatalf("officer is %s", d)
			}
		})

		t.Run("every change is audited", func(t *testing.T) {
			_, admin := storetest.User(t, w.db, w.op, "adm", citdesk.RoleAdmin)
			events, err := w.db.AuditService().ListAudit(admin, citdesk.AuditFilter{ObjectType: "assignment", Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			var creates, moves int
			for _, ev := range events {
				switch ev.Action {
				case "assignment.create":
					creates++
				case "assignment.move":
					moves++
				}
				if strings.Contains(ev.Detail, "Jo Caller") {
					t.Fatalf("audit detail holds the caller's name: %q", ev.Detail)
				}
			}
			if creates != 3 || moves != 6 {
				t.Fatalf("%d creates and %d moves audited", creates, moves)
			}
		})
	})
}

func TestStaleVersionChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		o := w.officer(t, "101", true)
		c := w.call(t, "Welfare check", false)
		a := w.assign(t, c, o)
		moved, err := w.calls.MoveAssignment(w.disp, a.ID, a.Version, citdesk.AssignEnRoute)
		if err != nil {
			t.Fatal(err)
		}
		callBefore := w.findCall(t, c.ID)

		// A second screen still holds version 1.
		_, err = w.calls.MoveAssignment(w.disp, a.ID, 1, citdesk.AssignOnScene)
		wantCode(t, err, citdesk.EPRECONDITION)
		got, err := w.calls.FindAssignmentByID(w.disp, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != citdesk.AssignEnRoute || got.Version != moved.Version || got.OnSceneAt != nil {
			t.Fatalf("after a stale move: %+v", got)
		}
		if d := w.duty(t, o.ID); d != citdesk.StatusEnRoute {
			t.Fatalf("officer is %s", d)
		}
		if after := w.findCall(t, c.ID); after.Status != callBefore.Status || after.Version != callBefore.Version {
			t.Fatalf("call changed: %s v%d → %s v%d", callBefore.Status, callBefore.Version, after.Status, after.Version)
		}

		t.Run("calls too", func(t *testing.T) {
			stale := *callBefore
			stale.Version--
			stale.Notes = "overwritten"
			wantCode(t, w.calls.UpdateCall(w.disp, &stale), citdesk.EPRECONDITION)
			if after := w.findCall(t, c.ID); after.Notes != callBefore.Notes || after.Version != callBefore.Version {
				t.Fatalf("call changed by a stale update: %+v", after)
			}
		})
	})
}

func TestCloseCall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		o := w.officer(t, "101", false)
		c := w.call(t, "Disturbance", false)
		a := w.assign(t, c, o)
		c = w.findCall(t, c.ID)
		closing := *c
		closing.Status = citdesk.CallClosed
		wantCode(t, w.calls.UpdateCall(w.disp, &closing), citdesk.ECONFLICT)

		if _, err := w.calls.MoveAssignment(w.disp, a.ID, a.Version, citdesk.AssignCleared); err != nil {
			t.Fatal(err)
		}
		c = w.findCall(t, c.ID)
		closing = *c
		closing.Status = citdesk.CallClosed
		yes := true
		closing.MentalHealth = &yes
		w.clock.Advance(time.Hour)
		if err := w.calls.UpdateCall(w.disp, &closing); err != nil {
			t.Fatal(err)
		}
		got := w.findCall(t, c.ID)
		if got.Status != citdesk.CallClosed || got.MentalHealth == nil || !*got.MentalHealth || got.ClosedAt == nil || !got.ClosedAt.Equal(storetest.Epoch.Add(time.Hour)) || got.Version != c.Version+1 {
			t.Fatalf("closed call %+v", got)
		}
		reopen := *got
		reopen.Status = citdesk.CallPending
		wantCode(t, w.calls.UpdateCall(w.disp, &reopen), citdesk.ECONFLICT)
		wantCode(t, w.calls.CreateAssignment(w.disp, &citdesk.Assignment{CallID: c.ID, OfficerID: o.ID}), citdesk.ECONFLICT)
		open, err := w.calls.ListCalls(w.disp, citdesk.CallFilter{Open: true})
		if err != nil || len(open) != 0 {
			t.Fatalf("open calls after close: %v %v", ids(open), err)
		}
	})
}

func TestCITRequestedReasonRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		plain := w.officer(t, "201", false)
		plain2 := w.officer(t, "202", false)
		cit := w.officer(t, "203", true)

		t.Run("first non-CIT officer needs a reason", func(t *testing.T) {
			c := w.call(t, "Suicide threat", true)
			err := w.calls.CreateAssignment(w.disp, &citdesk.Assignment{CallID: c.ID, OfficerID: plain.ID})
			wantCode(t, err, citdesk.EINVALID)
			if citdesk.ErrorField(err) != "no_cit_reason" {
				t.Fatalf("field = %q", citdesk.ErrorField(err))
			}
			err = w.calls.CreateAssignment(w.disp, &citdesk.Assignment{CallID: c.ID, OfficerID: plain.ID, NoCITReason: "lunch"})
			wantCode(t, err, citdesk.EINVALID)
			err = w.calls.CreateAssignment(w.disp, &citdesk.Assignment{CallID: c.ID, OfficerID: plain.ID, NoCITReason: citdesk.NoCITOther})
			if citdesk.ErrorField(err) != "no_cit_text" {
				t.Fatalf("other without words: %v", err)
			}
			// Nothing was written by the refusals.
			if d := w.duty(t, plain.ID); d != citdesk.StatusAvailable {
				t.Fatalf("officer is %s", d)
			}
			a := &citdesk.Assignment{CallID: c.ID, OfficerID: plain.ID, NoCITReason: citdesk.NoCITTooFar, NoCITText: "ignored"}
			if err := w.calls.CreateAssignment(w.disp, a); err != nil {
				t.Fatal(err)
			}
			got, err := w.calls.FindAssignmentByID(w.disp, a.ID)
			if err != nil || got.NoCITReason != citdesk.NoCITTooFar || got.NoCITText != "" || got.CITCertified || got.CITStatus != citdesk.CITNotTrained {
				t.Fatalf("stored %+v, %v", got, err)
			}

			t.Run("a second officer needs none", func(t *testing.T) {
				b := &citdesk.Assignment{CallID: c.ID, OfficerID: plain2.ID}
				if err := w.calls.CreateAssignment(w.disp, b); err != nil {
					t.Fatal(err)
				}
				if b.NoCITReason != "" {
					t.Fatalf("reason stored on the second assignment: %q", b.NoCITReason)
				}
			})
		})

		t.Run("other with words is stored", func(t *testing.T) {
			w.clearAll(t)
			c := w.call(t, "Psychosis", true)
			a := &citdesk.Assignment{CallID: c.ID, OfficerID: plain.ID, NoCITReason: citdesk.NoCITOther, NoCITText: "CIT officer injured"}
			if err := w.calls.CreateAssignment(w.disp, a); err != nil {
				t.Fatal(err)
			}
			got, _ := w.calls.FindAssignmentByID(w.disp, a.ID)
			if got.NoCITReason != citdesk.NoCITOther || got.NoCITText != "CIT officer injured" {
				t.Fatalf("stored %+v", got)
			}
		})

		t.Run("a CIT officer needs no reason", func(t *testing.T) {
			c := w.call(t, "Psychosis", true)
			a := &citdesk.Assignment{CallID: c.ID, OfficerID: cit.ID, NoCITReason: citdesk.NoCITTooFar}
			if err := w.calls.CreateAssignment(w.disp, a); err != nil {
				t.Fatal(err)
			}
			if !a.CITCertified || a.NoCITReason != "" {
				t.Fatalf("assignment %+v", a)
			}
		})

		t.Run("no request, no reason", func(t *testing.T) {
			c := w.call(t, "Welfare check", false)
			if err := w.calls.CreateAssignment(w.disp, &citdesk.Assignment{CallID: c.ID, OfficerID: plain2.ID}); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// clearAll clears every active assignment.
func (w *dispatchWorld) clearAll(t *testing.T) {
	t.Helper()
	active, err := w.calls.ListAssignments(w.disp, citdesk.AssignmentFilter{Active: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range active {
		if _, err := w.calls.MoveAssignment(w.disp, a.ID, a.Version, citdesk.AssignCleared); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAssignmentRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		c := w.call(t, "Welfare check", false)
		off := &citdesk.Officer{Badge: "301", FirstName: "Off", LastName: "Duty", Active: true}
		if err := w.db.OfficerService().CreateOfficer(w.op, off); err != nil {
			t.Fatal(err)
		}
		wantCode(t, w.calls.CreateAssignment(w.disp, &citdesk.Assignment{CallID: c.ID, OfficerID: off.ID}), citdesk.ECONFLICT)
		err := w.calls.CreateAssignment(w.disp, &citdesk.Assignment{CallID: c.ID, OfficerID: 987654})
		if citdesk.ErrorField(err) != "officer_id" {
			t.Fatalf("unknown officer: %v", err)
		}
		wantCode(t, w.calls.CreateAssignment(w.disp, &citdesk.Assignment{CallID: 987654, OfficerID: off.ID}), citdesk.ENOTFOUND)
		_, officerCtx := storetest.User(t, w.db, w.op, "ofc", citdesk.RoleOfficer)
		wantCode(t, w.calls.CreateAssignment(officerCtx, &citdesk.Assignment{CallID: c.ID, OfficerID: off.ID}), citdesk.EFORBIDDEN)
	})
}

func TestCallTenancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		_, opB := storetest.Agency(t, w.db, "hillsboro")
		_, dispB := storetest.User(t, w.db, opB, "dispatch-b", citdesk.RoleDispatcher, citdesk.RoleAdmin)
		o := w.officer(t, "101", true)
		c := w.call(t, "Suicide threat", true)
		a := w.assign(t, c, o)
		calls := w.calls
		_, err := calls.FindCallByID(dispB, c.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		list, err := calls.ListCalls(dispB, citdesk.CallFilter{})
		if err != nil || len(list) != 0 {
			t.Fatalf("B lists %v, %v", ids(list), err)
		}
		stolen := *c
		stolen.Notes = "B was here"
		wantCode(t, calls.UpdateCall(dispB, &stolen), citdesk.ENOTFOUND)
		_, err = calls.FindAssignmentByID(dispB, a.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		as, err := calls.ListAssignments(dispB, citdesk.AssignmentFilter{})
		if err != nil || len(as) != 0 {
			t.Fatalf("B lists assignments %v, %v", as, err)
		}
		_, err = calls.MoveAssignment(dispB, a.ID, a.Version, citdesk.AssignOnScene)
		wantCode(t, err, citdesk.ENOTFOUND)
		// B's call cannot take A's officer, and A's call is not B's to staff.
		cb := &citdesk.Call{Nature: "Welfare check"}
		if err := calls.CreateCall(dispB, cb); err != nil {
			t.Fatal(err)
		}
		if err := calls.CreateAssignment(dispB, &citdesk.Assignment{CallID: cb.ID, OfficerID: o.ID}); citdesk.ErrorField(err) != "officer_id" {
			t.Fatalf("B assigns A's officer: %v", err)
		}
		wantCode(t, calls.CreateAssignment(dispB, &citdesk.Assignment{CallID: c.ID, OfficerID: o.ID}), citdesk.ENOTFOUND)
		if got := w.findCall(t, c.ID); got.Notes == "B was here" {
			t.Fatal("B changed A's call")
		}
	})
}

// TestCallEvents checks that changes are published after commit, and that
// call events carry no caller details.
func TestCallEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		bus := newQuietBus(t, w.db)
		o := w.officer(t, "101", true)
		w.db.Events = bus
		sub := bus.Subscribe(context.Background(), w.findAgencyID(t))
		defer sub.Close()

		c := w.call(t, "Suicide threat", true)
		a := w.assign(t, c, o)
		if _, err := w.calls.MoveAssignment(w.disp, a.ID, a.Version, citdesk.AssignOnScene); err != nil {
			t.Fatal(err)
		}
		want := []string{
			citdesk.EventCallCreated,
			citdesk.EventAssignment, citdesk.EventOfficerStatus, citdesk.EventCallUpdated,
			citdesk.EventAssignment, citdesk.EventOfficerStatus, citdesk.EventCallUpdated,
		}
		for i, typ := range want {
			select {
			case ev := <-sub.C():
				if ev.Type != typ {
					t.Fatalf("event %d is %s, want %s", i, ev.Type, typ)
				}
				if strings.Contains(string(ev.Payload), "Jo Caller") || strings.Contains(string(ev.Payload), "medication") {
					t.Fatalf("event %s carries caller details: %s", ev.Type, ev.Payload)
				}
				if ev.Type == citdesk.EventAssignment {
					var got citdesk.Assignment
					if err := json.Unmarshal(ev.Payload, &got); err != nil || got.OfficerID != o.ID || got.CallID != c.ID {
						t.Fatalf("assignment payload %s: %v", ev.Payload, err)
					}
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("no event %d (%s)", i, typ)
			}
		}
	})
}

func (w *dispatchWorld) findAgencyID(t *testing.T) int64 {
	t.Helper()
	return citdesk.ActorFromContext(w.op).AgencyID
}

// TestPatchCall: PATCH /api/v1/calls/{id} reads, audits, changes and saves
// a call in one transaction (issue 12). A stale version or a change the
// rules refuse leaves the call as it was and no view in the audit trail
// (nothing was shown); a patch that saves records the view and the change
// together; an officer is refused as before, on both engines.
func TestPatchCall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		_, admin := storetest.User(t, w.db, w.op, "adm", citdesk.RoleAdmin)
		c := w.call(t, "Man talking about ending his life", true)
		objectID := strconv.FormatInt(c.ID, 10)
		audited := func() map[string]int {
			t.Helper()
			events, err := w.db.AuditService().ListAudit(admin, citdesk.AuditFilter{ObjectType: "call", ObjectID: objectID, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			n := map[string]int{}
			for _, ev := range events {
				if !strings.HasPrefix(ev.Action, "audit.") { // reading the trail is audited too
					n[ev.Action+" "+ev.Outcome]++
				}
			}
			return n
		}
		before := audited()

		if _, err := w.calls.PatchCall(w.disp, c.ID, c.Version+1, func(c *citdesk.Call) { c.Notes = "stale" }); citdesk.ErrorCode(err) != citdesk.EPRECONDITION {
			t.Fatalf("stale version: %v", err)
		}
		if _, err := w.calls.PatchCall(w.disp, c.ID, c.Version, func(c *citdesk.Call) { c.Nature = "" }); citdesk.ErrorCode(err) != citdesk.EINVALID {
			t.Fatalf("a call without a nature: %v", err)
		}
		if _, err := w.calls.PatchCall(w.disp, c.ID, c.Version, func(c *citdesk.Call) { c.Status = citdesk.CallOnScene }); citdesk.ErrorCode(err) != citdesk.EINVALID {
			t.Fatalf("status set by hand: %v", err)
		}
		if got := audited(); !maps.Equal(got, before) {
			t.Fatalf("refused patches left audit events: %v, then %v", before, got)
		}
		if got := w.findCall(t, c.ID); got.Version != c.Version || got.Notes != c.Notes || got.Nature != c.Nature {
			t.Fatalf("a refused patch changed the call: %+v", got)
		}
		before = audited()

		saved, err := w.calls.PatchCall(w.disp, c.ID, c.Version, func(c *citdesk.Call) { c.Notes = "Caller now outside, waiting." })
		if err != nil {
			t.Fatal(err)
		}
		if saved.Version != c.Version+1 || saved.Notes != "Caller now outside, waiting." || saved.CallerName != "Jo Caller" || saved.ReceivedAt.IsZero() {
			t.Fatalf("saved %+v", saved)
		}
		after := audited()
		if after["call.view success"] != before["call.view success"]+1 || after["call.update success"] != before["call.update success"]+1 {
			t.Fatalf("a patch must audit one view and one change: %v, then %v", before, after)
		}
		if got := w.findCall(t, c.ID); got.Version != saved.Version || got.Notes != saved.Notes {
			t.Fatalf("stored %+v", got)
		}

		_, officer := storetest.User(t, w.db, w.op, "ofc77", citdesk.RoleOfficer)
		if _, err := w.calls.PatchCall(officer, c.ID, saved.Version, func(c *citdesk.Call) { c.Notes = "x" }); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
			t.Fatalf("an officer patched a call: %v", err)
		}
	})
}
