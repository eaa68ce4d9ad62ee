package store_test

import (
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// TestReferralWork follows a referral from a report to closure with a
// survey, and shows that a liaison sees only their own caseload.
func TestReferralWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		r.addSecondLiaison(t)
		p := r.person(t, r.officer, "Carl", "Moe", citdesk.Date{}, "")
		e := r.draft(t, r.officer)
		complete(e)
		e.PersonID = &p.ID
		must(t, r.encounters.UpdateEncounter(r.officer, e))

		// An explicit referral from the officer, to a named liaison.
		wantCode(t, r.referrals.CreateReferral(r.other, &citdesk.Referral{EncounterID: e.ID}), citdesk.EINVALID)
		wantCode(t, r.referrals.CreateReferral(r.officer, &citdesk.Referral{EncounterID: e.ID, LiaisonUserID: &r.otherUser.ID}), citdesk.EINVALID)
		ref := &citdesk.Referral{EncounterID: e.ID, LiaisonUserID: &r.liaisonUser.ID, Reason: "Asked for help with housing", FollowUpDue: citdesk.NewDate(2026, 3, 13)}
		must(t, r.referrals.CreateReferral(r.officer, ref))
		if ref.Status != citdesk.ReferralOpen || ref.PersonID != p.ID || ref.PersonName != "Carl Moe" || ref.Liaison != "liaison" {
			t.Fatalf("referral = %+v", ref)
		}
		wantCode(t, r.referrals.CreateReferral(r.officer, &citdesk.Referral{EncounterID: e.ID}), citdesk.ECONFLICT)

		// Caseloads.
		mine, err := r.referrals.ListReferrals(r.liaison, citdesk.ReferralFilter{})
		must(t, err)
		theirs, err := r.referrals.ListReferrals(r.liaison2, citdesk.ReferralFilter{})
		must(t, err)
		if len(mine) != 1 || len(theirs) != 0 {
			t.Fatalf("caseloads: %d and %d", len(mine), len(theirs))
		}
		_, err = r.referrals.FindReferralByID(r.liaison2, ref.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = r.referrals.MoveReferral(r.liaison2, ref.ID, citdesk.ReferralMove{Status: citdesk.ReferralContacted, Version: ref.Version})
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = r.referrals.ListReferrals(r.officer, citdesk.ReferralFilter{})
		wantCode(t, err, citdesk.EFORBIDDEN)

		// Illegal moves are conflicts.
		_, err = r.referrals.MoveReferral(r.liaison, ref.ID, citdesk.ReferralMove{Status: citdesk.ReferralConnected, Version: ref.Version})
		wantCode(t, err, citdesk.ECONFLICT)
		_, err = r.referrals.MoveReferral(r.liaison, ref.ID, citdesk.ReferralMove{Status: citdesk.ReferralClosed, Version: ref.Version})
		wantCode(t, err, citdesk.ECONFLICT)

		follow := citdesk.NewDate(2026, 3, 20)
		ref, err = r.referrals.MoveReferral(r.liaison, ref.ID, citdesk.ReferralMove{Status: citdesk.ReferralContacted, Version: ref.Version, Note: "Spoke by phone.", FollowUpDue: &follow})
		must(t, err)
		if ref.FollowUpDue != follow {
			t.Errorf("follow-up = %s", ref.FollowUpDue)
		}
		_, err = r.referrals.MoveReferral(r.liaison, ref.ID, citdesk.ReferralMove{Status: citdesk.ReferralConnected, Version: ref.Version - 1})
		wantCode(t, err, citdesk.EPRECONDITION)
		ref, err = r.referrals.AddReferralNote(r.liaison, ref.ID, "Intake booked at Comtrea.", nil)
		must(t, err)
		ref, err = r.referrals.MoveReferral(r.liaison, ref.ID, citdesk.ReferralMove{Status: citdesk.ReferralConnected, Version: ref.Version})
		must(t, err)
		_, err = r.referrals.MoveReferral(r.liaison, ref.ID, citdesk.ReferralMove{Status: citdesk.ReferralClosed, Version: ref.Version, Survey: &citdesk.Survey{Respondent: "family", Respect: 9, Safety: 5, Help: 5}})
		wantCode(t, err, citdesk.EINVALID)
		ref, err = r.referrals.MoveReferral(r.liaison, ref.ID, citdesk.ReferralMove{Status: citdesk.ReferralClosed, Version: ref.Version,
			Survey: &citdesk.Survey{Respondent: "family", Respect: 5, Safety: 4, Help: 5, Comment: "They listened."}})
		must(t, err)
		if ref.Status != citdesk.ReferralClosed || ref.Outcome != citdesk.ReferralConnected || ref.ClosedAt == nil || ref.Survey == nil {
			t.Fatalf("closed referral = %+v", ref)
		}
		got, err := r.referrals.FindReferralByID(r.coord, ref.ID)
		must(t, err)
		if got.Survey == nil || got.Survey.Respect != 5 || got.Survey.Comment != "They listened." || got.Outcome != citdesk.ReferralConnected {
			t.Fatalf("stored survey = %+v", got.Survey)
		}
		notes, err := r.referrals.ListReferralNotes(r.liaison, ref.ID)
		must(t, err)
		if len(notes) != 4 || notes[0].StatusTo != citdesk.ReferralContacted || notes[1].Text != "Intake booked at Comtrea." {
			t.Fatalf("notes = %d", len(notes))
		}
		_, err = r.referrals.AddReferralNote(r.liaison, ref.ID, "late", nil)
		wantCode(t, err, citdesk.ECONFLICT)
		_, err = r.referrals.AssignReferral(r.coord, ref.ID, r.otherUser.ID)
		wantCode(t, err, citdesk.EINVALID)
	})
}
