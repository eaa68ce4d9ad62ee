package store_test

import (
	"context"
	"slices"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// TestPriorContactOfficers: the recommender prefers an officer who met the
// person before in an encounter that ended without force or arrest. The
// person is recognised by the call's address (their last known address).
func TestPriorContactOfficers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		thirdUser, third := storetest.User(t, r.db, r.op, "ofc3", citdesk.RoleOfficer)
		fourthUser, fourth := storetest.User(t, r.db, r.op, "ofc4", citdesk.RoleOfficer)
		sam := r.person(t, r.coord, "Sam", "Rivers", citdesk.NewDate(1990, 4, 2), "220 Main St, De Soto")
		kim := r.person(t, r.coord, "Kim", "Other", citdesk.NewDate(1985, 1, 1), "9 Pine Ave, De Soto")

		encounter := func(ctx context.Context, p *citdesk.Person, force citdesk.ForceLevel, disp citdesk.Disposition) {
			t.Helper()
			e := r.draft(t, ctx)
			complete(e)
			e.PersonID, e.Force, e.Dispositions = &p.ID, force, []citdesk.Disposition{disp}
			if disp == citdesk.DispArrest {
				e.ArrestOffense = "Assault 4th degree"
			}
			if err := r.encounters.UpdateEncounter(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		encounter(r.officer, sam, citdesk.ForceVerbal, citdesk.DispResolvedOnScene) // counts
		encounter(r.other, sam, citdesk.ForcePhysical, citdesk.DispResolvedOnScene) // force: no
		encounter(third, sam, citdesk.ForceNone, citdesk.DispArrest)                // arrest: no
		encounter(fourth, kim, citdesk.ForceNone, citdesk.DispResolvedOnScene)      // another person

		call := &citdesk.Call{Nature: "Welfare check", Address: "220 Main Street, De Soto"}
		if err := r.db.CallService().CreateCall(r.dispatch, call); err != nil {
			t.Fatal(err)
		}
		got, err := r.encounters.PriorContactOfficers(r.dispatch, call.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{*r.officerUser.OfficerID}; !slices.Equal(got, want) {
			t.Fatalf("prior contacts = %v, want %v (not %d, %d)", got, want, *thirdUser.OfficerID, *fourthUser.OfficerID)
		}

		// A call with no address, or at an unknown one, has none.
		unknown := &citdesk.Call{Nature: "Psychosis", Address: "1 Nowhere Rd"}
		if err := r.db.CallService().CreateCall(r.dispatch, unknown); err != nil {
			t.Fatal(err)
		}
		if got, err := r.encounters.PriorContactOfficers(r.dispatch, unknown.ID); err != nil || len(got) != 0 {
			t.Fatalf("unknown address: %v, %v", got, err)
		}
		// Only dispatchers (and admins) ask.
		_, err = r.encounters.PriorContactOfficers(r.officer, call.ID)
		wantCode(t, err, citdesk.EFORBIDDEN)
	})
}
