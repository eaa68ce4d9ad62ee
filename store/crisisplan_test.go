package store_test

import (
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
)

// TestCrisisPlanVisibility shows that a plan is shown only while current,
// and only to those with a reason: the coordinator, the dispatcher and the
// assigned officer of a matching open call, the liaison the person is
// referred to. Every view is audited.
func TestCrisisPlanVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		today := citdesk.DateOf(r.clock.Now(), time.UTC).AddDate(0, 0, -1) // the agency is in Chicago: yesterday in UTC is safe
		p := r.person(t, r.coord, "Ann", "Doe", citdesk.Date{}, "12 Elm Street, De Soto")
		q := r.person(t, r.coord, "Old", "Plan", citdesk.Date{}, "90 Oak Ave")
		plan := &citdesk.CrisisPlan{PersonID: p.ID, WhatHelps: "Quiet voice; let her sit.", WhatToAvoid: "Sirens", Contacts: "Sister 636-555-0100", ConsentDate: today.AddDate(0, 0, -10), ConsentedBy: "Ann (self)"}
		wantCode(t, r.plans.CreateCrisisPlan(r.officer, plan), citdesk.EFORBIDDEN)
		must(t, r.plans.CreateCrisisPlan(r.coord, plan))
		if plan.Address != p.Address || plan.ExpiresOn != plan.ConsentDate.AddMonthsClamped(6) {
			t.Fatalf("plan defaults: %q, expires %s", plan.Address, plan.ExpiresOn)
		}
		old := &citdesk.CrisisPlan{PersonID: q.ID, WhatHelps: "x", ConsentDate: today.AddDate(0, -8, 0), ConsentedBy: "Mother", ExpiresOn: today.AddDate(0, -2, 0)}
		// An already-expired plan can be recorded (from paper), but is never shown to responders.
		must(t, r.plans.CreateCrisisPlan(r.coord, old))

		views := func() int {
			return auditCount(t, r.db, r.op, "crisis_plan.view", "crisis_plan", plan.ID, citdesk.OutcomeSuccess)
		}
		if _, err := r.plans.FindCrisisPlanByID(r.coord, plan.ID); err != nil || views() != 1 {
			t.Fatalf("coordinator view: %v, %d audited", err, views())
		}
		// No call yet: the dispatcher and officers have no reason.
		_, err := r.plans.FindCrisisPlanByID(r.dispatch, plan.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = r.plans.FindCrisisPlanByID(r.officer, plan.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		if n := auditCount(t, r.db, r.op, "crisis_plan.view", "crisis_plan", plan.ID, citdesk.OutcomeDenied); n != 2 {
			t.Errorf("denied views audited %d times, want 2", n)
		}

		// A call at the same address (written differently).
		calls := r.db.CallService()
		call := &citdesk.Call{Nature: "Welfare check", Address: "12 elm st"}
		must(t, calls.CreateCall(r.dispatch, call))
		other := &citdesk.Call{Nature: "Welfare check", Address: "90 Oak Avenue"}
		must(t, calls.CreateCall(r.dispatch, other))
		flags, err := r.plans.CallsWithPlans(r.dispatch, []int64{call.ID, other.ID})
		must(t, err)
		if !flags[call.ID] || flags[other.ID] {
			t.Fatalf("on-file flags = %v: want the current plan's call only", flags)
		}
		got, err := r.plans.PlansForCall(r.dispatch, call.ID)
		must(t, err)
		if len(got) != 1 || got[0].ID != plan.ID || got[0].MatchedBy != "address" || got[0].PersonName != "Ann Doe" {
			t.Fatalf("plans for call = %+v", got)
		}
		if views() != 2 {
			t.Errorf("dispatcher's view not audited: %d", views())
		}
		if got, err := r.plans.PlansForCall(r.dispatch, other.ID); err != nil || len(got) != 0 {
			t.Fatalf("expired plan shown for a call: %v %v", got, err)
		}
		if _, err := r.plans.FindCrisisPlanByID(r.dispatch, plan.ID); err != nil {
			t.Errorf("dispatcher with a matching open call: %v", err)
		}
		_, err = r.plans.FindCrisisPlanByID(r.dispatch, old.ID)
		wantCode(t, err, citdesk.ENOTFOUND)

		// The officer sees it only once assigned, and not after clearing.
		_, err = r.plans.PlansForCall(r.officer, call.ID)
		wantCode(t, err, citdesk.EFORBIDDEN)
		officerID := *r.officerUser.OfficerID
		must(t, r.db.OfficerService().SetStatus(r.officer, &citdesk.StatusChange{OfficerID: officerID, Status: citdesk.StatusAvailable}))
		a := &citdesk.Assignment{CallID: call.ID, OfficerID: officerID}
		must(t, calls.CreateAssignment(r.dispatch, a))
		got, err = r.plans.PlansForCall(r.officer, call.ID)
		if err != nil || len(got) != 1 {
			t.Fatalf("assigned officer: %v %v", got, err)
		}
		_, err = r.plans.PlansForCall(r.other, call.ID)
		wantCode(t, err, citdesk.EFORBIDDEN)
		_, err = r.plans.FindCrisisPlanByID(r.other, plan.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = calls.MoveAssignment(r.officer, a.ID, a.Version, citdesk.AssignCleared)
		must(t, err)
		_, err = r.plans.PlansForCall(r.officer, call.ID)
		wantCode(t, err, citdesk.EFORBIDDEN)

		// The liaison sees it only for a person referred to them.
		_, err = r.plans.CurrentPlanForPerson(r.liaison, p.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		call2 := &citdesk.Call{Nature: "Disturbance", Address: "Walmart, 12 Main St"}
		must(t, calls.CreateCall(r.dispatch, call2))
		if got, err := r.plans.PlansForCall(r.dispatch, call2.ID); err != nil || len(got) != 0 {
			t.Fatalf("unmatched call shows %d plans (%v)", len(got), err)
		}
		// A report names a call only if its officer was sent to it.
		e := &citdesk.Encounter{CallID: &call2.ID, OccurredAt: r.clock.Now()}
		wantCode(t, r.encounters.StartEncounter(r.officer, e), citdesk.EINVALID)
		must(t, r.db.OfficerService().SetStatus(r.officer, &citdesk.StatusChange{OfficerID: officerID, Status: citdesk.StatusAvailable}))
		must(t, calls.CreateAssignment(r.dispatch, &citdesk.Assignment{CallID: call2.ID, OfficerID: officerID}))
		e = &citdesk.Encounter{CallID: &call2.ID, OccurredAt: r.clock.Now()}
		must(t, r.encounters.StartEncounter(r.officer, e))
		complete(e)
		e.PersonID = &p.ID
		e.Dispositions = append(e.Dispositions, citdesk.DispReferredToLiaison)
		must(t, r.encounters.UpdateEncounter(r.officer, e))
		_, err = r.encounters.SubmitEncounter(r.officer, e.ID, e.Version) // the only liaison gets it
		must(t, err)
		if c, err := r.plans.CurrentPlanForPerson(r.liaison, p.ID); err != nil || c.ID != plan.ID {
			t.Fatalf("liaison's current plan: %v %v", c, err)
		}
		// A report not yet reviewed names whoever its officer typed in: it
		// attaches no person, and no plan, to the call.
		if got, err := r.plans.PlansForCall(r.dispatch, call2.ID); err != nil || len(got) != 0 {
			t.Fatalf("plans for the call named on an unreviewed report: %+v %v", got, err)
		}
		// Once reviewed, the person named on a report of a call matches the
		// call too.
		cur, err := r.encounters.FindEncounterByID(r.coord, e.ID)
		must(t, err)
		_, err = r.encounters.ApproveEncounter(r.coord, e.ID, cur.Version)
		must(t, err)
		if got, err := r.plans.PlansForCall(r.dispatch, call2.ID); err != nil || len(got) != 1 || got[0].MatchedBy != "person" {
			t.Fatalf("plans for the call naming Ann: %+v %v", got, err)
		}

		// The coordinator is told to revalidate the expired plan.
		list, err := r.plans.PlansToRevalidate(r.coord)
		must(t, err)
		if len(list) != 1 || list[0].ID != old.ID || list[0].PersonName != "Old Plan" {
			t.Fatalf("to revalidate = %+v", list)
		}
		renewed, err := r.plans.RenewCrisisPlan(r.coord, old.ID, old.Version, today, "Mother")
		must(t, err)
		if !renewed.Current(today) {
			t.Fatalf("renewed plan not current: %s–%s", renewed.ConsentDate, renewed.ExpiresOn)
		}
		if list, err := r.plans.PlansToRevalidate(r.coord); err != nil || len(list) != 0 {
			t.Errorf("renewed plan still listed (%v)", err)
		}

		// Past its expiry a plan disappears from calls.
		r.clock.Set(plan.ExpiresOn.Time(time.UTC).Add(48 * time.Hour))
		got, err = r.plans.PlansForCall(r.dispatch, call.ID)
		if err != nil || len(got) != 0 {
			t.Fatalf("expired plan still shown: %v %v", got, err)
		}
		flags, err = r.plans.CallsWithPlans(r.dispatch, []int64{call.ID})
		must(t, err)
		if flags[call.ID] {
			t.Error("expired plan still flagged on file")
		}
		_, err = r.plans.CurrentPlanForPerson(r.liaison, p.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
	})
}
