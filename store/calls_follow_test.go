package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/outcomes"
	"citdesk/store/storetest"
)

// TestCallFollowsItsOfficers: the last officer to clear leaves the call
// cleared, waiting to be closed, not on scene (issue 15, finding 4); a new
// officer sent to a cleared call makes it dispatched again.
func TestCallFollowsItsOfficers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		o1, o2 := w.officer(t, "101", true), w.officer(t, "102", false)
		c := w.call(t, "Suicide threat", false)
		a1 := &citdesk.Assignment{CallID: c.ID, OfficerID: o1.ID}
		a2 := &citdesk.Assignment{CallID: c.ID, OfficerID: o2.ID}
		for _, a := range []*citdesk.Assignment{a1, a2} {
			if err := w.calls.CreateAssignment(w.disp, a); err != nil {
				t.Fatal(err)
			}
		}
		move := func(a *citdesk.Assignment, st citdesk.AssignmentStatus, want citdesk.CallStatus) *citdesk.Assignment {
			t.Helper()
			moved, err := w.calls.MoveAssignment(w.disp, a.ID, a.Version, st)
			if err != nil {
				t.Fatal(err)
			}
			if got := w.findCall(t, c.ID); got.Status != want {
				t.Fatalf("after %s → %s the call is %s, want %s", moved.OfficerName, st, got.Status, want)
			}
			return moved
		}
		a1 = move(a1, citdesk.AssignOnScene, citdesk.CallOnScene)
		move(a1, citdesk.AssignCleared, citdesk.CallOnScene) // one officer is still on it
		move(a2, citdesk.AssignCleared, citdesk.CallCleared)

		open, err := w.calls.ListCalls(w.disp, citdesk.CallFilter{Open: true})
		if err != nil || len(open) != 1 || open[0].Status != citdesk.CallCleared {
			t.Fatalf("a cleared call is still open, waiting to be closed: %v %v", ids(open), err)
		}
		b := &citdesk.Assignment{CallID: c.ID, OfficerID: o2.ID}
		if err := w.calls.CreateAssignment(w.disp, b); err != nil {
			t.Fatal(err)
		}
		if got := w.findCall(t, c.ID); got.Status != citdesk.CallDispatched {
			t.Fatalf("an officer sent back to a cleared call: call is %s", got.Status)
		}
		move(b, citdesk.AssignCleared, citdesk.CallCleared) // someone reached it before
	})
}

// TestCloseNeedsNoCITReason: a CIT-requested call that no CIT officer
// reached is closed only with the reason none did, which is kept on the
// call; one a CIT officer reached keeps none.
func TestCloseNeedsNoCITReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		closeCall := func(c *citdesk.Call, reason, text string) (*citdesk.Call, error) {
			t.Helper()
			closing := *w.findCall(t, c.ID)
			closing.Status, closing.NoCITReason, closing.NoCITText = citdesk.CallClosed, reason, text
			return &closing, w.calls.UpdateCall(w.disp, &closing)
		}

		// Nobody was sent at all.
		c := w.call(t, "Suicide threat", true)
		_, err := closeCall(c, "", "")
		wantCode(t, err, citdesk.EINVALID)
		if f := err.(*citdesk.Error).Field; f != "no_cit_reason" {
			t.Fatalf("field %q", f)
		}
		_, err = closeCall(c, citdesk.NoCITOther, " ")
		wantCode(t, err, citdesk.EINVALID)
		_, err = closeCall(c, "asleep", "")
		wantCode(t, err, citdesk.EINVALID)
		if got := w.findCall(t, c.ID); got.Status != citdesk.CallPending || got.NoCITReason != "" {
			t.Fatalf("a refused close changed the call: %s %q", got.Status, got.NoCITReason)
		}
		if _, err := closeCall(c, citdesk.NoCITNoneAvailable, "ignored without other"); err != nil {
			t.Fatal(err)
		}
		if got := w.findCall(t, c.ID); got.Status != citdesk.CallClosed || got.NoCITReason != citdesk.NoCITNoneAvailable || got.NoCITText != "" {
			t.Fatalf("closed call: %s %q %q", got.Status, got.NoCITReason, got.NoCITText)
		}

		// A non-CIT officer was sent with a reason: that reason is kept.
		o := w.officer(t, "201", false)
		c2 := w.call(t, "Welfare check", true)
		a := &citdesk.Assignment{CallID: c2.ID, OfficerID: o.ID, NoCITReason: citdesk.NoCITOther, NoCITText: "CIT officers at a fire"}
		if err := w.calls.CreateAssignment(w.disp, a); err != nil {
			t.Fatal(err)
		}
		if _, err := w.calls.MoveAssignment(w.disp, a.ID, a.Version, citdesk.AssignCleared); err != nil {
			t.Fatal(err)
		}
		if _, err := closeCall(c2, "", ""); err != nil {
			t.Fatal(err)
		}
		if got := w.findCall(t, c2.ID); got.NoCITReason != citdesk.NoCITOther || got.NoCITText != "CIT officers at a fire" {
			t.Fatalf("kept reason %q %q", got.NoCITReason, got.NoCITText)
		}

		// A CIT officer reached the scene: no reason asked, none kept.
		cit := w.officer(t, "301", true)
		c3 := w.call(t, "Psychosis", true)
		b := &citdesk.Assignment{CallID: c3.ID, OfficerID: cit.ID}
		if err := w.calls.CreateAssignment(w.disp, b); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Minute)
		if b, err = w.calls.MoveAssignment(w.disp, b.ID, b.Version, citdesk.AssignOnScene); err != nil {
			t.Fatal(err)
		}
		if _, err = w.calls.MoveAssignment(w.disp, b.ID, b.Version, citdesk.AssignCleared); err != nil {
			t.Fatal(err)
		}
		if _, err := closeCall(c3, citdesk.NoCITTooFar, ""); err != nil {
			t.Fatal(err)
		}
		if got := w.findCall(t, c3.ID); got.Status != citdesk.CallClosed || got.NoCITReason != "" {
			t.Fatalf("a call CIT reached keeps no reason: %q", got.NoCITReason)
		}
	})
}

// TestMigration0010KeepsCalls: SQLite's rebuild of the calls table keeps
// every call and the assignments that point at them.
func TestMigration0010KeepsCalls(t *testing.T) {
	dsn := storetest.DSN(t, storetest.SQLite)
	db := openDSN(t, dsn)
	_, op := storetest.Agency(t, db, "desoto")
	_, disp := storetest.User(t, db, op, "dispatch", citdesk.RoleDispatcher)
	w := &dispatchWorld{db: db, op: op, disp: disp, calls: db.CallService()}
	o := w.officer(t, "101", true)
	c := w.call(t, "Suicide threat", true)
	a := &citdesk.Assignment{CallID: c.ID, OfficerID: o.ID}
	if err := w.calls.CreateAssignment(disp, a); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw := storetest.Raw(t, dsn)
	if _, err := raw.Exec(`DELETE FROM schema_migrations WHERE name LIKE '0010_%'`); err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	db = openDSN(t, dsn) // applies 0010 again over the data
	got, err := db.CallService().FindCallByID(op, c.ID)
	if err != nil || got.Nature != "Suicide threat" || got.Status != citdesk.CallDispatched {
		t.Fatalf("call after rebuild: %+v %v", got, err)
	}
	as, err := db.CallService().ListAssignments(op, citdesk.AssignmentFilter{CallID: c.ID})
	if err != nil || len(as) != 1 {
		t.Fatalf("assignments after rebuild: %v %v", as, err)
	}
	raw = storetest.Raw(t, dsn)
	rows, err := raw.QueryContext(context.Background(), `PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if rows.Next() {
		t.Fatal("foreign keys broken after the rebuild")
	}
}

// TestReportsDue: a cleared assignment stays due until its report is
// filed (submitted); a draft or a returned report is still due (issue 15,
// finding 1).
func TestReportsDue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		officerID := *r.officerUser.OfficerID
		must(t, r.db.OfficerService().SetStatus(r.officer, &citdesk.StatusChange{OfficerID: officerID, Status: citdesk.StatusAvailable}))
		calls := r.db.CallService()
		due := func(ctx context.Context) []*citdesk.ReportDue {
			t.Helper()
			d, err := calls.ReportsDue(ctx)
			must(t, err)
			return d
		}
		call := &citdesk.Call{Nature: "Suicide threat", Address: "77 Main St"}
		must(t, calls.CreateCall(r.dispatch, call))
		a := &citdesk.Assignment{CallID: call.ID, OfficerID: officerID}
		must(t, calls.CreateAssignment(r.dispatch, a))
		a, err := calls.MoveAssignment(r.officer, a.ID, a.Version, citdesk.AssignOnScene)
		must(t, err)
		if d := due(r.officer); len(d) != 0 {
			t.Fatalf("due while still on scene: %+v", d)
		}
		r.clock.Advance(30 * time.Minute)
		_, err = calls.MoveAssignment(r.officer, a.ID, a.Version, citdesk.AssignCleared)
		must(t, err)
		d := due(r.officer)
		if len(d) != 1 || d[0].AssignmentID != a.ID || d[0].CallID != call.ID || d[0].Nature != "Suicide threat" || d[0].EncounterID != nil || !d[0].ClearedAt.Equal(r.clock.Now()) {
			t.Fatalf("due after clearing: %+v", d)
		}
		if d := due(r.other); len(d) != 0 {
			t.Fatalf("another officer sees %+v", d)
		}
		if d := due(r.dispatch); len(d) != 0 {
			t.Fatalf("a dispatcher (no officer) sees %+v", d)
		}

		e := &citdesk.Encounter{AssignmentID: &a.ID}
		must(t, r.encounters.StartEncounter(r.officer, e))
		if d := due(r.officer); len(d) != 1 || d[0].EncounterID == nil || *d[0].EncounterID != e.ID || d[0].ReportStatus != citdesk.EncounterDraft {
			t.Fatalf("due with a draft: %+v", d)
		}
		complete(e)
		must(t, r.encounters.UpdateEncounter(r.officer, e))
		if _, err := r.encounters.SubmitEncounter(r.officer, e.ID, e.Version); err != nil {
			t.Fatal(err)
		}
		if d := due(r.officer); len(d) != 0 {
			t.Fatalf("due after submitting: %+v", d)
		}
	})
}

// TestCITMeasuresCountCalls reproduces issue 15, finding 2: a
// CIT-requested call closed with nobody sent counts as a call that got no
// CIT officer, with its reason, although no report exists; a report on a
// call does not count the call twice; and the outcome cache follows calls
// as they are closed, or sent an officer again after clearing.
func TestCITMeasuresCountCalls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		svc := w.db.OutcomeService()
		_, analyst := storetest.User(t, w.db, w.op, "analyst", citdesk.RoleAnalyst)
		report := func() outcomes.Report {
			t.Helper()
			rep, err := svc.Report(analyst, citdesk.Date{}, citdesk.Date{})
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		closeCall := func(id int64, reason string) {
			t.Helper()
			c := w.findCall(t, id)
			c.Status, c.NoCITReason = citdesk.CallClosed, reason
			if err := w.calls.UpdateCall(w.disp, c); err != nil {
				t.Fatal(err)
			}
		}
		cellIs(t, report(), "cit_requested", 0, 0)

		// Nobody was sent; no report exists.
		nobody := w.call(t, "Suicide threat", true)
		closeCall(nobody.ID, citdesk.NoCITNoneAvailable)
		rep := report()
		cellIs(t, rep, "cit_requested", 1, 1)
		cellIs(t, rep, "cit_dispatched", 0, 1)
		cellIs(t, rep, "cit_on_scene", 0, 1)
		if s := rep.Measures["cit_dispatched"].Sentence; !strings.Contains(s, "0 of 1 CIT-requested calls got a CIT officer dispatched") {
			t.Errorf("sentence %q", s)
		}
		if got := rep.NoCITReasons; len(got) != 1 || got[0].Reason != citdesk.NoCITReasonLabel(citdesk.NoCITNoneAvailable) || got[0].Count != 1 {
			t.Errorf("no-CIT reasons %+v", got)
		}

		// A CIT officer goes to the next call and files a report on it:
		// the call counts once.
		ou, officer := storetest.User(t, w.db, w.op, "ofc", citdesk.RoleOfficer)
		w.onDuty(t, *ou.OfficerID, true)
		sent := w.call(t, "Psychosis", true)
		a := &citdesk.Assignment{CallID: sent.ID, OfficerID: *ou.OfficerID}
		must(t, w.calls.CreateAssignment(w.disp, a))
		a, err := w.calls.MoveAssignment(officer, a.ID, a.Version, citdesk.AssignOnScene)
		must(t, err)
		_, err = w.calls.MoveAssignment(officer, a.ID, a.Version, citdesk.AssignCleared)
		must(t, err)
		enc := &citdesk.Encounter{AssignmentID: &a.ID}
		must(t, w.db.EncounterService().StartEncounter(officer, enc))
		complete(enc)
		must(t, w.db.EncounterService().UpdateEncounter(officer, enc))
		_, err = w.db.EncounterService().SubmitEncounter(officer, enc.ID, enc.Version)
		must(t, err)
		rep = report()
		cellIs(t, rep, "encounters", 1, 0)
		cellIs(t, rep, "cit_requested", 2, 2)
		cellIs(t, rep, "cit_dispatched", 1, 2)
		cellIs(t, rep, "cit_on_scene", 1, 2)

		// Sent again after clearing, the call is not settled and leaves the
		// count until its officer clears again.
		b := &citdesk.Assignment{CallID: sent.ID, OfficerID: *ou.OfficerID}
		must(t, w.calls.CreateAssignment(w.disp, b))
		cellIs(t, report(), "cit_requested", 1, 1)
		_, err = w.calls.MoveAssignment(officer, b.ID, b.Version, citdesk.AssignCleared)
		must(t, err)
		cellIs(t, report(), "cit_dispatched", 1, 2)
	})
}
