package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// reportEnv is one agency with an officer, a CIT coordinator (who is not an
// officer), two liaisons and a dispatcher.
type reportEnv struct {
	db                     *store.DB
	clock                  *citdesk.FakeClock
	op                     context.Context
	officer, other         context.Context
	officerUser, otherUser *citdesk.User
	coord, dispatch        context.Context
	liaison, liaison2      context.Context
	liaisonUser, liaison2U *citdesk.User
	encounters             citdesk.EncounterService
	persons                citdesk.PersonService
	plans                  citdesk.CrisisPlanService
	referrals              citdesk.ReferralService
}

func newReportEnv(t *testing.T, e storetest.Engine) *reportEnv {
	t.Helper()
	db, clock := storetest.Open(t, e)
	return newReportEnvOn(t, db, clock)
}

// newReportEnvOn is newReportEnv on a database already open.
func newReportEnvOn(t *testing.T, db *store.DB, clock *citdesk.FakeClock) *reportEnv {
	t.Helper()
	_, op := storetest.Agency(t, db, "desoto")
	r := &reportEnv{db: db, clock: clock, op: op,
		encounters: db.EncounterService(), persons: db.PersonService(), plans: db.CrisisPlanService(), referrals: db.ReferralService()}
	r.officerUser, r.officer = storetest.User(t, db, op, "ofc", citdesk.RoleOfficer)
	r.otherUser, r.other = storetest.User(t, db, op, "ofc2", citdesk.RoleOfficer)
	_, r.coord = storetest.User(t, db, op, "coord", citdesk.RoleCoordinator)
	_, r.dispatch = storetest.User(t, db, op, "disp", citdesk.RoleDispatcher)
	r.liaisonUser, r.liaison = storetest.User(t, db, op, "liaison", citdesk.RoleLiaison)
	return r
}

// addSecondLiaison makes the agency have two liaisons, so referrals are
// no longer assigned automatically.
func (r *reportEnv) addSecondLiaison(t *testing.T) {
	r.liaison2U, r.liaison2 = storetest.User(t, r.db, r.op, "liaison2", citdesk.RoleLiaison)
}

func (r *reportEnv) person(t *testing.T, ctx context.Context, first, last string, dob citdesk.Date, address string) *citdesk.Person {
	t.Helper()
	p := &citdesk.Person{FirstName: first, LastName: last, DOB: dob, Address: address}
	if err := r.persons.CreatePerson(ctx, p); err != nil {
		t.Fatalf("create person: %v", err)
	}
	return p
}

// complete fills a draft so that it passes Validate.
func complete(e *citdesk.Encounter) {
	m := 40
	e.Address, e.ContactStart, e.PrimaryProblem = "1204 Boyd St", citdesk.StartWelfareCheck, citdesk.ProblemMentalIllness
	e.Dispositions = []citdesk.Disposition{citdesk.DispResolvedOnScene}
	e.OnSceneMinutes, e.Narrative = &m, "Calm conversation; resolved."
}

func (r *reportEnv) draft(t *testing.T, ctx context.Context) *citdesk.Encounter {
	t.Helper()
	e := &citdesk.Encounter{OccurredAt: r.clock.Now().Add(-time.Hour)}
	if err := r.encounters.StartEncounter(ctx, e); err != nil {
		t.Fatalf("start encounter: %v", err)
	}
	return e
}

func auditCount(t *testing.T, db *store.DB, op context.Context, action, objectType string, id int64, outcome string) int {
	t.Helper()
	events, err := db.AuditService().ListAudit(op, citdesk.AuditFilter{Action: action, ObjectType: objectType, ObjectID: strconv.FormatInt(id, 10), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if outcome == "" || e.Outcome == outcome {
			n++
		}
	}
	return n
}

func TestEncounterReview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		e := r.draft(t, r.officer)
		if e.Status != citdesk.EncounterDraft || e.Version != 1 || e.OfficerCITCertified || e.ContactStart != citdesk.StartSelfInitiated {
			t.Fatalf("new draft = %+v", e)
		}
		if !e.DueAt.Equal(e.OccurredAt.Add(24 * time.Hour)) {
			t.Errorf("due %v, want 24 h after %v", e.DueAt, e.OccurredAt)
		}

		// Only officers start reports, and only their own.
		wantCode(t, r.encounters.StartEncounter(r.coord, &citdesk.Encounter{}), citdesk.EFORBIDDEN)
		// Others cannot read it; the coordinator can.
		_, err := r.encounters.FindEncounterByID(r.other, e.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = r.encounters.FindEncounterByID(r.liaison, e.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		if _, err := r.encounters.FindEncounterByID(r.coord, e.ID); err != nil {
			t.Fatal(err)
		}

		// An incomplete draft cannot be submitted; the coordinator cannot edit it.
		_, err = r.encounters.SubmitEncounter(r.officer, e.ID, e.Version)
		wantCode(t, err, citdesk.EINVALID)
		complete(e)
		edit := *e
		wantCode(t, r.encounters.UpdateEncounter(r.coord, &edit), citdesk.EFORBIDDEN)
		wantCode(t, r.encounters.UpdateEncounter(r.other, &edit), citdesk.ENOTFOUND)
		if err := r.encounters.UpdateEncounter(r.officer, e); err != nil {
			t.Fatal(err)
		}
		stale := *e
		stale.Version--
		wantCode(t, r.encounters.UpdateEncounter(r.officer, &stale), citdesk.EPRECONDITION)

		// Review moves that are not allowed from a draft.
		_, err = r.encounters.ApproveEncounter(r.coord, e.ID, e.Version)
		wantCode(t, err, citdesk.ECONFLICT)
		_, err = r.encounters.ReturnEncounter(r.coord, e.ID, e.Version, "why")
		wantCode(t, err, citdesk.ECONFLICT)

		e, err = r.encounters.SubmitEncounter(r.officer, e.ID, e.Version)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != citdesk.EncounterSubmitted || e.SubmittedAt == nil {
			t.Fatalf("after submit: %+v", e)
		}
		queue, err := r.encounters.ListEncounters(r.coord, citdesk.EncounterFilter{Status: citdesk.EncounterSubmitted})
		if err != nil || len(queue) != 1 || queue[0].ID != e.ID || queue[0].Narrative != "" {
			t.Fatalf("review queue = %v, %v", queue, err)
		}
		// Submitted: no edits, no second submission, officers do not review.
		edit = *e
		wantCode(t, r.encounters.UpdateEncounter(r.officer, &edit), citdesk.ECONFLICT)
		_, err = r.encounters.SubmitEncounter(r.officer, e.ID, e.Version)
		wantCode(t, err, citdesk.ECONFLICT)
		_, err = r.encounters.ApproveEncounter(r.officer, e.ID, e.Version)
		wantCode(t, err, citdesk.EFORBIDDEN)
		_, err = r.encounters.ReturnEncounter(r.coord, e.ID, e.Version, "  ")
		wantCode(t, err, citdesk.EINVALID)

		e, err = r.encounters.ReturnEncounter(r.coord, e.ID, e.Version, "Add the de-escalation you used.")
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != citdesk.EncounterReturned || e.ReturnComment != "Add the de-escalation you used." {
			t.Fatalf("after return: %+v", e)
		}
		_, err = r.encounters.ApproveEncounter(r.coord, e.ID, e.Version)
		wantCode(t, err, citdesk.ECONFLICT)
		e.DeEscalation = []citdesk.Technique{citdesk.TechActiveListening, citdesk.TechCalmVoice}
		if err := r.encounters.UpdateEncounter(r.officer, e); err != nil {
			t.Fatal(err)
		}
		if e, err = r.encounters.SubmitEncounter(r.officer, e.ID, e.Version); err != nil {
			t.Fatal(err)
		}
		if e.ReturnComment != "" {
			t.Errorf("comment kept after resubmission: %q", e.ReturnComment)
		}
		if e, err = r.encounters.ApproveEncounter(r.coord, e.ID, e.Version); err != nil {
			t.Fatal(err)
		}
		if e.Status != citdesk.EncounterApproved || e.ReviewedAt == nil {
			t.Fatalf("after approve: %+v", e)
		}
		// Approved is read-only.
		edit = *e
		wantCode(t, r.encounters.UpdateEncounter(r.officer, &edit), citdesk.ECONFLICT)
		for _, move := range []func() error{
			func() error { _, err := r.encounters.SubmitEncounter(r.officer, e.ID, e.Version); return err },
			func() error { _, err := r.encounters.ApproveEncounter(r.coord, e.ID, e.Version); return err },
			func() error { _, err := r.encounters.ReturnEncounter(r.coord, e.ID, e.Version, "late"); return err },
		} {
			wantCode(t, move(), citdesk.ECONFLICT)
		}
		history, err := r.encounters.ListReviewEvents(r.officer, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, h := range history {
			actions = append(actions, string(h.Action))
		}
		if got := joinStrings(actions); got != "submit return submit approve" {
			t.Errorf("review history = %s", got)
		}
	})
}

func joinStrings(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}

func TestEncounterCorrection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		e := r.draft(t, r.officer)
		complete(e)
		must(t, r.encounters.UpdateEncounter(r.officer, e))
		e, err := r.encounters.SubmitEncounter(r.officer, e.ID, e.Version)
		must(t, err)
		fix := *e
		wantCode(t, r.encounters.CorrectEncounter(r.coord, &fix, "typo"), citdesk.ECONFLICT) // not approved yet
		e, err = r.encounters.ApproveEncounter(r.coord, e.ID, e.Version)
		must(t, err)

		fix = *e
		fix.OnSceneMinutes = ptrInt(55)
		wantCode(t, r.encounters.CorrectEncounter(r.coord, &fix, ""), citdesk.EINVALID)
		wantCode(t, r.encounters.CorrectEncounter(r.officer, &fix, "typo"), citdesk.EFORBIDDEN)
		must(t, r.encounters.CorrectEncounter(r.coord, &fix, "Officer's time on scene was 55 minutes, per CAD."))
		got, err := r.encounters.FindEncounterByID(r.coord, e.ID)
		must(t, err)
		if got.Revision != 2 || *got.OnSceneMinutes != 55 || got.Status != citdesk.EncounterApproved {
			t.Fatalf("corrected = rev %d, %d min, %s", got.Revision, *got.OnSceneMinutes, got.Status)
		}
		versions, err := r.encounters.ListEncounterVersions(r.officer, e.ID)
		must(t, err)
		if len(versions) != 1 || versions[0].Revision != 1 || *versions[0].Old.OnSceneMinutes != 40 || versions[0].By != "coord" || versions[0].Reason == "" {
			t.Fatalf("versions = %+v", versions[0])
		}
		// A second correction keeps both old states.
		fix = *got
		fix.Narrative += " Family present."
		must(t, r.encounters.CorrectEncounter(r.coord, &fix, "Added family."))
		versions, _ = r.encounters.ListEncounterVersions(r.coord, e.ID)
		if len(versions) != 2 || versions[1].Revision != 2 || *versions[1].Old.OnSceneMinutes != 55 {
			t.Fatalf("versions after second correction: %d", len(versions))
		}
		stale := *got
		wantCode(t, r.encounters.CorrectEncounter(r.coord, &stale, "stale"), citdesk.EPRECONDITION)
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptrInt(i int) *int { return &i }

func TestEncounterFromAssignment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		// The officer holds the CIT course, so the snapshot says certified.
		officerID := *r.officerUser.OfficerID
		must(t, r.db.OfficerService().AddTraining(r.op, &citdesk.TrainingRecord{OfficerID: officerID, Kind: citdesk.CourseCITBasic, Completed: citdesk.NewDate(2025, 6, 1), Hours: 40}))
		must(t, r.db.OfficerService().SetStatus(r.officer, &citdesk.StatusChange{OfficerID: officerID, Status: citdesk.StatusAvailable}))
		calls := r.db.CallService()
		call := &citdesk.Call{Nature: "Suicide threat", Address: "77 Main St", CITRequested: true}
		must(t, calls.CreateCall(r.dispatch, call))
		a := &citdesk.Assignment{CallID: call.ID, OfficerID: officerID}
		must(t, calls.CreateAssignment(r.dispatch, a))
		r.clock.Advance(6 * time.Minute)
		a, err := calls.MoveAssignment(r.officer, a.ID, a.Version, citdesk.AssignOnScene)
		must(t, err)
		r.clock.Advance(50 * time.Minute)
		a, err = calls.MoveAssignment(r.officer, a.ID, a.Version, citdesk.AssignCleared)
		must(t, err)

		// Another officer cannot file this assignment's report.
		wantCode(t, r.encounters.StartEncounter(r.other, &citdesk.Encounter{AssignmentID: &a.ID}), citdesk.EFORBIDDEN)
		e := &citdesk.Encounter{AssignmentID: &a.ID}
		must(t, r.encounters.StartEncounter(r.officer, e))
		if e.CallID == nil || *e.CallID != call.ID || e.Address != "77 Main St" || e.ContactStart != citdesk.StartDispatchedCrisis {
			t.Fatalf("prefill = call %v, %q, %s", e.CallID, e.Address, e.ContactStart)
		}
		if !e.OccurredAt.Equal(*a.OnSceneAt) || e.OnSceneMinutes == nil || *e.OnSceneMinutes != 50 {
			t.Errorf("time = %v (on scene %v), %v min", e.OccurredAt, a.OnSceneAt, e.OnSceneMinutes)
		}
		if e.CITRequested == nil || !*e.CITRequested || !*e.CITDispatched || !*e.CITArrived || !e.OfficerCITCertified {
			t.Errorf("CIT flags = %v %v %v certified %v", e.CITRequested, e.CITDispatched, e.CITArrived, e.OfficerCITCertified)
		}
		if !e.DueAt.Equal(call.ReceivedAt.Add(24 * time.Hour)) {
			t.Errorf("due %v, want 24 h after the call (%v)", e.DueAt, call.ReceivedAt)
		}
		again := &citdesk.Encounter{AssignmentID: &a.ID}
		must(t, r.encounters.StartEncounter(r.officer, again))
		if again.ID != e.ID {
			t.Errorf("second start made report %d, want the draft %d", again.ID, e.ID)
		}
		// 24 hours after the call the draft is overdue.
		r.clock.Set(call.ReceivedAt.Add(24*time.Hour + time.Second))
		overdue, err := r.encounters.ListEncounters(r.coord, citdesk.EncounterFilter{Overdue: true})
		must(t, err)
		if len(overdue) != 1 || !overdue[0].Overdue {
			t.Fatalf("overdue = %v", overdue)
		}
	})
}
