package store_test

import (
	"context"
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestCADLinked: only a service account that may write calls, and is not
// revoked, counts as a CAD linked (citdesk serve then compiles the EIDO
// schema at start-up).
func TestCADLinked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		ctx := context.Background()
		db, _ := storetest.Open(t, e)
		_, op := storetest.Agency(t, db, "desoto")
		linked := func(want bool, when string) {
			t.Helper()
			got, err := store.CADLinked(ctx, db)
			if err != nil || got != want {
				t.Errorf("%s: CADLinked = %v, %v; want %v", when, got, err, want)
			}
		}
		linked(false, "no service account")
		svc := db.ServiceAccountService()
		if _, _, err := svc.CreateServiceAccount(op, "avl", []citdesk.Scope{citdesk.ScopeCallsRead, citdesk.ScopePositionsWrite}); err != nil {
			t.Fatal(err)
		}
		linked(false, "an account that reads calls and writes positions")
		cad, _, err := svc.CreateServiceAccount(op, "cad", []citdesk.Scope{citdesk.ScopeCallsRead, citdesk.ScopeCallsWrite})
		if err != nil {
			t.Fatal(err)
		}
		linked(true, "an account that writes calls")
		if err := svc.RevokeServiceAccount(op, cad.ID); err != nil {
			t.Fatal(err)
		}
		linked(false, "that account revoked")
	})
}
