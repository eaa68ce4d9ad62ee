package store_test

import (
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestListLiaisons: a coordinator (not an admin) can list the liaisons to
// assign a referral to — and nothing else about users.
func TestListLiaisons(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		_, op := storetest.Agency(t, db, "desoto")
		_, opB := storetest.Agency(t, db, "hillsboro")
		l1, _ := storetest.User(t, db, op, "liaison1", citdesk.RoleLiaison)
		l2, _ := storetest.User(t, db, op, "liaison2", citdesk.RoleLiaison, citdesk.RoleAnalyst)
		storetest.User(t, db, opB, "liaison-b", citdesk.RoleLiaison)
		_, coord := storetest.User(t, db, op, "coord", citdesk.RoleCoordinator)
		_, disp := storetest.User(t, db, op, "disp", citdesk.RoleDispatcher)

		got, err := db.UserService().ListLiaisons(coord)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != l1.ID || got[1].ID != l2.ID {
			t.Fatalf("liaisons = %+v", got)
		}
		for _, u := range got {
			if u.PasswordHash != "" || len(u.Roles) != 1 || u.Roles[0] != citdesk.RoleLiaison {
				t.Fatalf("liaison carries more than it should: %+v", u)
			}
		}
		_, err = db.UserService().ListLiaisons(disp)
		wantCode(t, err, citdesk.EFORBIDDEN)
	})
}
