package store_test

import (
	"context"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// setSupervisor makes sup the supervisor of officer id (nil: none), as a
// coordinator does on the roster, and returns the error.
func (r *reportEnv) setSupervisor(ctx context.Context, id int64, sup *int64) error {
	o, err := r.db.OfficerService().FindOfficerByID(ctx, id)
	if err != nil {
		return err
	}
	o.SupervisorUserID = sup
	return r.db.OfficerService().UpdateOfficer(ctx, o)
}

// submitted is a complete report by the officer of ctx, submitted.
func (r *reportEnv) submitted(t *testing.T, ctx context.Context) *citdesk.Encounter {
	t.Helper()
	return r.submittedAbout(t, ctx, nil)
}

// submittedAbout is submitted, about person (none when nil).
func (r *reportEnv) submittedAbout(t *testing.T, ctx context.Context, person *citdesk.Person) *citdesk.Encounter {
	t.Helper()
	e := r.draft(t, ctx)
	complete(e)
	if person != nil {
		e.PersonID = &person.ID
	}
	if err := r.encounters.UpdateEncounter(ctx, e); err != nil {
		t.Fatal(err)
	}
	got, err := r.encounters.SubmitEncounter(ctx, e.ID, e.Version)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestSupervisorReviewsOnlyTheirOfficers: a coordinator names an
// officer's supervisor; that supervisor lists, reads, returns and approves
// the officer's reports, and another supervisor's officer's reports are
// "not found" to them, whatever they try. Coordinators still review all.
func TestSupervisorReviewsOnlyTheirOfficers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		sup1U, sup1 := storetest.User(t, r.db, r.op, "sgt1", citdesk.RoleSupervisor)
		sup2U, sup2 := storetest.User(t, r.db, r.op, "sgt2", citdesk.RoleSupervisor)
		ofc, ofc2 := *r.officerUser.OfficerID, *r.otherUser.OfficerID

		// Only a supervisor of the agency can be named, and only by the roster's keepers.
		wantCode(t, r.setSupervisor(r.coord, ofc, &r.liaisonUser.ID), citdesk.EINVALID)
		if err := r.setSupervisor(r.coord, ofc, &r.liaisonUser.ID); citdesk.ErrorField(err) != "supervisor_user_id" {
			t.Errorf("a liaison as supervisor: field %q (%v), want supervisor_user_id", citdesk.ErrorField(err), err)
		}
		_, otherOp := storetest.Agency(t, r.db, "festus")
		stranger, _ := storetest.User(t, r.db, otherOp, "sgt-festus", citdesk.RoleSupervisor)
		wantCode(t, r.setSupervisor(r.coord, ofc, &stranger.ID), citdesk.EINVALID)
		wantCode(t, r.setSupervisor(r.officer, ofc, &sup1U.ID), citdesk.EFORBIDDEN)
		if err := r.setSupervisor(r.coord, ofc, &sup1U.ID); err != nil {
			t.Fatal(err)
		}
		if err := r.setSupervisor(r.coord, ofc2, &sup2U.ID); err != nil {
			t.Fatal(err)
		}
		if o, err := r.db.OfficerService().FindOfficerByID(r.coord, ofc); err != nil || o.SupervisorUserID == nil || *o.SupervisorUserID != sup1U.ID {
			t.Fatalf("officer's supervisor = %v (%v), want %d", o, err, sup1U.ID)
		}

		mine, theirs := r.submitted(t, r.officer), r.submitted(t, r.other)

		// The queue: each supervisor sees only their officers' reports.
		for _, c := range []struct {
			name string
			ctx  context.Context
			want int64
		}{{"sgt1", sup1, mine.ID}, {"sgt2", sup2, theirs.ID}} {
			list, err := r.encounters.ListEncounters(c.ctx, citdesk.EncounterFilter{Status: citdesk.EncounterSubmitted})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].ID != c.want {
				t.Errorf("%s's queue: %d reports, want only #%d", c.name, len(list), c.want)
			}
			all, err := r.encounters.ListEncounters(c.ctx, citdesk.EncounterFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 1 {
				t.Errorf("%s lists %d reports, want 1", c.name, len(all))
			}
		}

		// Another supervisor's officer's report does not exist for sgt1.
		_, err := r.encounters.FindEncounterByID(sup1, theirs.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = r.encounters.FindReportFile(sup1, theirs.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = r.encounters.ListReviewEvents(sup1, theirs.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = r.encounters.ApproveEncounter(sup1, theirs.ID, theirs.Version)
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = r.encounters.ReturnEncounter(sup1, theirs.ID, theirs.Version, "Fix it.")
		wantCode(t, err, citdesk.ENOTFOUND)
		if got, err := r.encounters.FindEncounterByID(r.coord, theirs.ID); err != nil || got.Status != citdesk.EncounterSubmitted {
			t.Fatalf("after sgt1's tries, the report is %v (%v), want still submitted", got, err)
		}
		if n := auditCount(t, r.db, r.op, "encounter.view", "encounter", theirs.ID, "denied"); n < 1 {
			t.Errorf("sgt1's refused view left %d denied events", n)
		}

		// Their own officer's: read with the person's name, returned, then approved.
		f, err := r.encounters.FindReportFile(sup1, mine.ID)
		if err != nil {
			t.Fatal(err)
		}
		if f.Encounter.SupervisorUserID != sup1U.ID || !citdesk.CanReviewEncounter(citdesk.ActorFromContext(sup1), f.Encounter) {
			t.Errorf("sgt1 may not review their officer's report: supervisor %d", f.Encounter.SupervisorUserID)
		}
		returned, err := r.encounters.ReturnEncounter(sup1, mine.ID, mine.Version, "Add the time on scene.")
		if err != nil {
			t.Fatal(err)
		}
		again, err := r.encounters.SubmitEncounter(r.officer, returned.ID, returned.Version)
		if err != nil {
			t.Fatal(err)
		}
		approved, err := r.encounters.ApproveEncounter(sup1, again.ID, again.Version)
		if err != nil {
			t.Fatal(err)
		}
		if approved.Status != citdesk.EncounterApproved || approved.ReviewedBy == nil || *approved.ReviewedBy != sup1U.ID {
			t.Errorf("approved = %s by %v", approved.Status, approved.ReviewedBy)
		}
		// Corrections stay with coordinators.
		fix := *approved
		wantCode(t, r.encounters.CorrectEncounter(sup1, &fix, "typo"), citdesk.EFORBIDDEN)

		// Coordinators keep reviewing everything.
		if _, err := r.encounters.ReturnEncounter(r.coord, theirs.ID, theirs.Version, "Say what helped."); err != nil {
			t.Fatal(err)
		}

		// Moving the officer to another supervisor moves the reports with them.
		if err := r.setSupervisor(r.coord, ofc, &sup2U.ID); err != nil {
			t.Fatal(err)
		}
		_, err = r.encounters.FindEncounterByID(sup1, mine.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		if _, err := r.encounters.FindEncounterByID(sup2, mine.ID); err != nil {
			t.Fatal(err)
		}
		// And clearing it leaves the officer with none.
		if err := r.setSupervisor(r.coord, ofc, nil); err != nil {
			t.Fatal(err)
		}
		_, err = r.encounters.FindEncounterByID(sup2, mine.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
	})
}
