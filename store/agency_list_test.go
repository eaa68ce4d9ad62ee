package store_test

import (
	"context"
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestListAgencies: an operator (or the anonymous public pages) sees every
// agency; a signed-in user only their own.
func TestListAgencies(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		_, opA := storetest.Agency(t, db, "desoto")
		b, _ := storetest.Agency(t, db, "hillsboro")
		_, userA := storetest.User(t, db, opA, "ann", citdesk.RoleAnalyst)

		all, err := db.AgencyService().ListAgencies(context.Background())
		if err != nil || len(all) != 2 || all[0].Slug != "desoto" || all[1].Slug != "hillsboro" || all[1].ID != b.ID {
			t.Fatalf("operator list = %v, %v", all, err)
		}
		if all[0].Policy.RepeatContactMin != 3 || all[0].TimeZone != "America/Chicago" {
			t.Fatalf("agency read incompletely: %+v", all[0])
		}
		own, err := db.AgencyService().ListAgencies(userA)
		if err != nil || len(own) != 1 || own[0].Slug != "desoto" {
			t.Fatalf("user list = %v, %v", own, err)
		}
	})
}
