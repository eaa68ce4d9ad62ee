package demo_test

import (
	"context"
	"testing"

	"citdesk"
	"citdesk/demo"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestSeedEncounters seeds the demo and checks that every page of issue 5
// has something to show: reports in every review state, referrals in
// every state, repeat contacts, one current and one expired crisis plan.
func TestSeedEncounters(t *testing.T) {
	db, clock := storetest.Open(t, storetest.SQLite)
	ctx := context.Background()
	res, err := demo.Seed(ctx, demo.Services{Agencies: db.AgencyService(), Users: db.UserService(), Officers: db.OfficerService(), Calls: db.CallService(),
		Encounters: db.EncounterService(), Persons: db.PersonService(), Plans: db.CrisisPlanService(), Referrals: db.ReferralService(),
		Addresses: db.AddressService(), Complaints: store.NewComplaintService(db), Liaisons: store.NewLiaisonService(db)}, "demo password 123", clock)
	if err != nil {
		t.Fatal(err)
	}
	op := citdesk.NewContextWithActor(ctx, citdesk.OperatorActor(res.AgencyID))
	// The liaison is on duty, so the board offers a co-response.
	if st, err := db.DispatchService().State(op); err != nil || len(st.Liaisons) != 1 || st.Liaisons[0].Status != citdesk.LiaisonAvailable || st.Liaisons[0].Lat == nil {
		t.Errorf("demo liaison: %+v %v", st, err)
	}
	// Complaints and commendations: one of each status, three linked.
	complaints, err := store.NewComplaintService(db).ListComplaints(op, citdesk.ComplaintFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byStatus, linked := map[citdesk.ComplaintStatus]int{}, 0
	for _, c := range complaints {
		byStatus[c.Status]++
		if c.EncounterID != 0 {
			linked++
		}
	}
	if len(complaints) != 4 || linked != 3 || byStatus[citdesk.ComplaintClosed] != 2 || byStatus[citdesk.ComplaintUnderReview] != 1 || byStatus[citdesk.ComplaintReceived] != 1 {
		t.Errorf("demo complaints: %d, %d linked, by status %v", len(complaints), linked, byStatus)
	}
	// The board's address lookup has the invented address list.
	if ms, err := db.Geocoder().Search(op, res.AgencyID, "12 main st", 5); err != nil || len(ms) < 2 || ms[0].Label != "12 N Main St, De Soto" {
		t.Errorf("the demo's address lookup: %+v, %v", ms, err)
	}
	reports, err := db.EncounterService().ListEncounters(op, citdesk.EncounterFilter{})
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[citdesk.EncounterStatus]int{}
	cit := map[bool]int{}
	for _, e := range reports {
		statuses[e.Status]++
		cit[e.OfficerCITCertified]++
	}
	for _, s := range []citdesk.EncounterStatus{citdesk.EncounterDraft, citdesk.EncounterSubmitted, citdesk.EncounterReturned, citdesk.EncounterApproved} {
		if statuses[s] == 0 {
			t.Errorf("no %s reports", s)
		}
	}
	if cit[true] == 0 || cit[false] == 0 {
		t.Errorf("reports by CIT / non-CIT officers: %v", cit)
	}
	refs, err := db.ReferralService().ListReferrals(op, citdesk.ReferralFilter{})
	if err != nil {
		t.Fatal(err)
	}
	states := map[citdesk.ReferralStatus]bool{}
	for _, r := range refs {
		states[r.Status] = true
	}
	for _, s := range citdesk.ReferralStatuses {
		if !states[s] {
			t.Errorf("no referral %s", s)
		}
	}
	repeat, err := db.PersonService().RepeatContacts(op, citdesk.RepeatContactFilter{})
	if err != nil || len(repeat) < 2 {
		t.Errorf("repeat contacts = %d, %v", len(repeat), err)
	}
	stale, err := db.CrisisPlanService().PlansToRevalidate(op)
	if err != nil || len(stale) != 1 {
		t.Errorf("plans to revalidate = %d, %v", len(stale), err)
	}
	calls, err := db.CallService().ListCalls(op, citdesk.CallFilter{Open: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, c := range calls {
		ids = append(ids, c.ID)
	}
	flags, err := db.CrisisPlanService().CallsWithPlans(op, ids)
	if err != nil || len(flags) != 1 {
		t.Errorf("open calls with a crisis plan on file = %v, %v", flags, err)
	}
}

// TestSeedSergeant: the demo has a sergeant who supervises the A-days
// officers and finds their submitted reports, and nobody else's, in the
// review queue.
func TestSeedSergeant(t *testing.T) {
	db, clock := storetest.Open(t, storetest.SQLite)
	ctx := context.Background()
	res, err := demo.Seed(ctx, demo.Services{Agencies: db.AgencyService(), Users: db.UserService(), Officers: db.OfficerService(), Calls: db.CallService(),
		Encounters: db.EncounterService(), Persons: db.PersonService(), Plans: db.CrisisPlanService(), Referrals: db.ReferralService()}, "demo password 123", clock)
	if err != nil {
		t.Fatal(err)
	}
	op := citdesk.NewContextWithActor(ctx, citdesk.OperatorActor(res.AgencyID))
	users, err := db.UserService().ListUsers(op)
	if err != nil {
		t.Fatal(err)
	}
	var sgt *citdesk.User
	for _, u := range users {
		if u.HasRole(citdesk.RoleSupervisor) {
			sgt = u
		}
	}
	if sgt == nil {
		t.Fatal("the demo has no supervisor")
	}
	officers, err := db.OfficerService().ListOfficers(op, citdesk.OfficerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	supervised := map[int64]bool{}
	for _, o := range officers {
		if o.SupervisorUserID != nil && *o.SupervisorUserID == sgt.ID {
			supervised[o.ID] = true
		}
	}
	if len(supervised) < 3 || len(supervised) == len(officers) {
		t.Errorf("the sergeant supervises %d of %d officers, want a few", len(supervised), len(officers))
	}
	queue, err := db.EncounterService().ListEncounters(citdesk.NewContextWithActor(ctx, citdesk.ActorFor(sgt, "192.0.2.1")), citdesk.EncounterFilter{Status: citdesk.EncounterSubmitted})
	if err != nil {
		t.Fatal(err)
	}
	if len(queue) == 0 {
		t.Errorf("the sergeant's review queue is empty")
	}
	for _, e := range queue {
		if !supervised[e.OfficerID] {
			t.Errorf("the sergeant's queue holds report #%d by officer %d, whom they do not supervise", e.ID, e.OfficerID)
		}
	}
}
