package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"citdesk"
	"citdesk/dispatch"
	"citdesk/store"
	"citdesk/store/storetest"
)

// countTx returns what fn did to db: transactions and audit events.
func countTx(t *testing.T, db *store.DB, fn func()) store.TxStats {
	t.Helper()
	before := db.TxStats()
	fn()
	return db.TxStats().Sub(before)
}

// legacyDispatchState reads the state as the web layer did before
// dispatch.Service: one service call (and one transaction) per part.
func legacyDispatchState(t *testing.T, db *store.DB, ctx context.Context, now time.Time) *dispatch.State {
	t.Helper()
	actor := citdesk.ActorFromContext(ctx)
	agency, err := db.AgencyService().FindAgencyByID(ctx, actor.AgencyID)
	must(t, err)
	st := dispatch.NewState(agency, now)
	st.Officers, err = db.OfficerService().ListOfficers(ctx, citdesk.OfficerFilter{OnDuty: true})
	must(t, err)
	st.Open, err = db.CallService().ListCalls(ctx, citdesk.CallFilter{Open: true, Limit: 1000})
	must(t, err)
	for _, c := range st.Open {
		st.Calls[c.ID] = c
	}
	active, err := db.CallService().ListAssignments(ctx, citdesk.AssignmentFilter{Active: true})
	must(t, err)
	for _, a := range active {
		st.Active[a.OfficerID] = a
		if _, ok := st.Calls[a.CallID]; !ok {
			c, err := db.CallService().FindCallByID(ctx, a.CallID)
			must(t, err)
			st.Calls[c.ID] = c
		}
	}
	loc := agency.Location()
	today, err := db.CallService().ListAssignments(ctx, citdesk.AssignmentFilter{Since: citdesk.DateOf(now, loc).Time(loc)})
	must(t, err)
	for _, a := range today {
		st.Today[a.OfficerID]++
	}
	return st
}

func TestDispatchState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		_, coord := storetest.User(t, w.db, w.op, "coord", citdesk.RoleCoordinator)
		_, admin := storetest.User(t, w.db, w.op, "admin", citdesk.RoleAdmin)
		officerUser, officer := storetest.User(t, w.db, w.op, "ofc", citdesk.RoleOfficer)
		svc := w.db.DispatchService()

		ann := w.officer(t, "101", true)
		bob := w.officer(t, "102", false)
		cal := w.officer(t, "103", true)
		w.onDuty(t, *officerUser.OfficerID, false)
		first := w.call(t, "Person in crisis", true)
		w.clock.Advance(time.Minute)
		second := w.call(t, "Welfare check", true)
		w.clock.Advance(time.Minute)
		// The second call's address has a current crisis plan.
		p := &citdesk.Person{FirstName: "Ann", LastName: "Doe", Address: "12 Elm Street, De Soto"}
		must(t, w.db.PersonService().CreatePerson(coord, p))
		today := citdesk.DateOf(w.clock.Now(), time.UTC).AddDate(0, 0, -1)
		must(t, w.db.CrisisPlanService().CreateCrisisPlan(coord, &citdesk.CrisisPlan{PersonID: p.ID, WhatHelps: "Quiet voice", ConsentDate: today.AddDate(0, 0, -10), ConsentedBy: "Ann (self)"}))
		plain := &citdesk.Call{Nature: "Welfare check", Address: "12 Elm Street, De Soto", CITRequested: true}
		must(t, w.calls.CreateCall(w.disp, plain))
		must(t, w.calls.CreateAssignment(w.disp, &citdesk.Assignment{CallID: first.ID, OfficerID: ann.ID}))

		var st *dispatch.State
		var err error
		n := countTx(t, w.db, func() { st, err = svc.State(w.disp) })
		must(t, err)
		if n != (store.TxStats{Reads: 1}) {
			t.Errorf("State took %+v, want one read transaction and no audit event", n)
		}
		if len(st.Officers) != 4 || len(st.Open) != 3 || st.Open[0].ID != first.ID || st.Open[1].ID != second.ID || st.Active[ann.ID] == nil || st.Active[ann.ID].CallID != first.ID {
			t.Fatalf("state: %d officers, %d open, active %v", len(st.Officers), len(st.Open), st.Active)
		}
		if st.Today[ann.ID] != 1 || st.Today[bob.ID] != 0 {
			t.Errorf("today = %v", st.Today)
		}
		if !st.PlanOnFile[plain.ID] || st.PlanOnFile[first.ID] {
			t.Errorf("plan flags = %v, want call %d only", st.PlanOnFile, plain.ID)
		}
		// The board's state carries no caller details (see withoutCaller):
		// its call list is not a person-level read.
		for _, c := range st.Calls {
			if c.CallerName != "" || c.CallerPhone != "" || c.CallerRelationship != "" || c.SubjectDescription != "" || c.Notes != "" {
				t.Errorf("State holds caller details of call %d", c.ID)
			}
		}
		legacy := legacyDispatchState(t, w.db, w.disp, st.Now)
		legacy.PlanOnFile = st.PlanOnFile
		for _, c := range legacy.Calls {
			c.CallerName, c.CallerPhone, c.CallerRelationship, c.SubjectDescription, c.Notes = "", "", "", "", ""
		}
		if !reflect.DeepEqual(st, legacy) {
			t.Errorf("State differs from the state read part by part:\n%+v\n%+v", st, legacy)
		}
		for _, u := range st.Units() {
			if u.OfficerID == ann.ID && (u.CallID != first.ID || u.AssignmentsToday != 1 || u.CallNature != first.Nature) {
				t.Errorf("ann's unit = %+v", u)
			}
		}
		if byCall := st.ActiveByCall(); len(byCall[first.ID]) != 1 {
			t.Errorf("active by call = %v", byCall)
		}

		// The selected call's panel comes from the same snapshot.
		var panel *dispatch.CallPanel
		n = countTx(t, w.db, func() { st, panel, err = svc.StateForCall(w.disp, plain.ID) })
		must(t, err)
		// One transaction, a write one: the panel shows the selected
		// call's caller details, so its read is one audit event.
		if n != (store.TxStats{Writes: 1, Audits: 1}) {
			t.Errorf("StateForCall took %+v, want one write transaction and one audit event", n)
		}
		if panel.Call.ID != plain.ID || !panel.PlanOnFile || !panel.NeedReason || len(panel.Assignments) != 0 {
			t.Fatalf("panel = %+v", panel)
		}
		if len(panel.Result.Officers) != 1 || panel.Result.Officers[0].OfficerID != cal.ID {
			t.Errorf("recommended %+v, want cal, the one free CIT officer", panel.Result.Officers)
		}
		_, panel, err = svc.StateForCall(w.disp, first.ID)
		must(t, err)
		if panel.NeedReason || len(panel.Assignments) != 1 || panel.PlanOnFile {
			t.Errorf("first call's panel = %+v", panel)
		}
		st, panel, err = svc.StateForCall(w.disp, 999999)
		wantCode(t, err, citdesk.ENOTFOUND)
		if st == nil || panel != nil {
			t.Errorf("a missing call: state %v, panel %v; want the state alone", st, panel)
		}

		// RecommendForCall: the same answer, one transaction.
		var c *citdesk.Call
		var res dispatch.Result
		n = countTx(t, w.db, func() { c, res, err = svc.RecommendForCall(w.disp, plain.ID) })
		must(t, err)
		if n != (store.TxStats{Reads: 1}) {
			t.Errorf("RecommendForCall took %+v, want one read transaction", n)
		}
		prior, err := w.db.EncounterService().PriorContactOfficers(w.disp, plain.ID)
		must(t, err)
		legacy = legacyDispatchState(t, w.db, w.disp, st.Now)
		if want := legacy.Recommend(c, prior); c.ID != plain.ID || !reflect.DeepEqual(res, want) {
			t.Errorf("RecommendForCall = %+v, want %+v", res, want)
		}
		_, _, err = svc.RecommendForCall(w.disp, 999999)
		wantCode(t, err, citdesk.ENOTFOUND)

		// Who may ask: the state for those who read calls; the
		// recommendation for those who send officers.
		if _, err := svc.State(coord); err != nil {
			t.Errorf("coordinator's state: %v", err)
		}
		if st, err := svc.State(admin); err != nil || len(st.PlanOnFile) != 0 {
			t.Errorf("admin's state: %v, plan flags %v (admins see no plan flags)", err, st.PlanOnFile)
		}
		_, err = svc.State(officer)
		wantCode(t, err, citdesk.EFORBIDDEN)
		_, _, err = svc.StateForCall(coord, plain.ID)
		wantCode(t, err, citdesk.EFORBIDDEN)
		_, _, err = svc.RecommendForCall(coord, plain.ID)
		wantCode(t, err, citdesk.EFORBIDDEN)
		_, _, err = svc.RecommendForCall(admin, plain.ID)
		must(t, err)
	})
}
