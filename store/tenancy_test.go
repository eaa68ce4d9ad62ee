package store_test

import (
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestAgencyIsolation shows that a user of one agency can neither read nor
// change another agency's records, even knowing their ids.
func TestAgencyIsolation(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		_, opA := storetest.Agency(t, db, "desoto")
		agencyB, opB := storetest.Agency(t, db, "hillsboro")
		_, adminA := storetest.User(t, db, opA, "admin-a", citdesk.RoleAdmin, citdesk.RoleCoordinator, citdesk.RoleDispatcher)
		userB, _ := storetest.User(t, db, opB, "admin-b", citdesk.RoleAdmin)
		officerB := &citdesk.Officer{Badge: "900", FirstName: "Bea", LastName: "Other", Active: true}
		if err := db.OfficerService().CreateOfficer(opB, officerB); err != nil {
			t.Fatal(err)
		}
		officers := db.OfficerService()

		_, err := officers.FindOfficerByID(adminA, officerB.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = officers.FindOfficerByBadge(adminA, "900")
		wantCode(t, err, citdesk.ENOTFOUND)
		list, err := officers.ListOfficers(adminA, citdesk.OfficerFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range list {
			if o.AgencyID != list[0].AgencyID || o.ID == officerB.ID {
				t.Fatalf("agency A's list holds %+v", o)
			}
		}
		change := *officerB
		change.LastName = "Changed"
		wantCode(t, officers.UpdateOfficer(adminA, &change), citdesk.ENOTFOUND)
		wantCode(t, officers.AddTraining(adminA, &citdesk.TrainingRecord{OfficerID: officerB.ID, Kind: citdesk.CourseCITBasic, Completed: citdesk.NewDate(2025, 1, 1), Hours: 40}), citdesk.ENOTFOUND)
		wantCode(t, officers.SetStatus(adminA, &citdesk.StatusChange{OfficerID: officerB.ID, Status: citdesk.StatusAvailable}), citdesk.ENOTFOUND)
		_, err = db.UserService().FindUserByID(adminA, userB.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		wantCode(t, db.UserService().UnlockUser(adminA, userB.ID), citdesk.ENOTFOUND)
		wantCode(t, db.UserService().SetPassword(adminA, userB.ID, "a brand new passphrase"), citdesk.ENOTFOUND)
		_, err = db.AgencyService().FindAgencyByID(adminA, agencyB.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		events, err := db.AuditService().ListAudit(adminA, citdesk.AuditFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range events {
			if ev.AgencyID == agencyB.ID {
				t.Fatalf("agency A sees agency B's audit event %+v", ev)
			}
		}
		// B's officer is untouched.
		got, err := officers.FindOfficerByID(opB, officerB.ID)
		if err != nil || got.LastName != "Other" || got.Version != 1 {
			t.Fatalf("B's officer = %+v, %v", got, err)
		}
	})
}
