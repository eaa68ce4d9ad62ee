package store_test

import (
	"context"
	"sync"
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestOutboxRollsBackWithTheChange: a delivery is written in the change's
// transaction, so when the transaction rolls back after the change and its
// delivery were written, neither remains; when it commits, both do. On
// both engines: the change fails half-way inside the store
// (DB.CreateCallThenFail, export_test.go), after both rows are written.
func TestOutboxRollsBackWithTheChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db, _ := storetest.Open(t, e)
		_, op := storetest.Agency(t, db, "desoto")
		if err := db.WebhookService().CreateWebhook(op, &citdesk.Webhook{URL: "http://127.0.0.1:9/", Events: []string{citdesk.HookCallCreated}}, "sixteen characters"); err != nil {
			t.Fatal(err)
		}
		raw := storetest.Raw(t, db.TestDSN())
		rows := func() (calls, deliveries int) {
			t.Helper()
			if err := raw.QueryRow(`SELECT COUNT(*) FROM calls`).Scan(&calls); err != nil {
				t.Fatal(err)
			}
			if err := raw.QueryRow(`SELECT COUNT(*) FROM webhook_deliveries`).Scan(&deliveries); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := db.CreateCallThenFail(op, true); err == nil {
			t.Fatal("the failing change succeeded")
		}
		if c, d := rows(); c != 0 || d != 0 {
			t.Errorf("after a rolled-back change: %d calls, %d deliveries; want none", c, d)
		}
		if err := db.CreateCallThenFail(op, false); err != nil {
			t.Fatal(err)
		}
		if c, d := rows(); c != 1 || d != 1 {
			t.Errorf("after a committed change: %d calls, %d deliveries; want 1 and 1", c, d)
		}
	})
}

// TestNotifyOnceAcrossReplicas: an occurrence reported many times, from
// two replicas (two DBs on one database) at once, leaves one delivery per
// subscription; another occurrence gets its own; a subscription to other
// events gets none.
func TestNotifyOnceAcrossReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db, _ := storetest.Open(t, e)
		_, op := storetest.Agency(t, db, "desoto")
		for _, events := range [][]string{{citdesk.HookRecommendationMade}, {citdesk.HookCallCreated, citdesk.HookRecommendationMade}, {citdesk.HookCallCreated}} {
			if err := db.WebhookService().CreateWebhook(op, &citdesk.Webhook{URL: "http://127.0.0.1:9/", Events: events}, "sixteen characters"); err != nil {
				t.Fatal(err)
			}
		}
		replica, err := store.Open(context.Background(), db.TestDSN(), storetest.KeyOption())
		if err != nil {
			t.Fatal(err)
		}
		defer replica.Close()
		var wg sync.WaitGroup
		for i := range 8 {
			svc := db.WebhookService()
			if i%2 == 1 {
				svc = replica.WebhookService()
			}
			wg.Go(func() {
				if err := svc.NotifyOnce(op, citdesk.HookRecommendationMade, "board call 7", map[string]any{"call_id": 7}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if err := db.WebhookService().NotifyOnce(op, citdesk.HookRecommendationMade, "board call 8", map[string]any{"call_id": 8}); err != nil {
			t.Fatal(err)
		}
		raw := storetest.Raw(t, db.TestDSN())
		var n7, n8, keys int
		raw.QueryRow(`SELECT COUNT(*) FROM webhook_deliveries WHERE body LIKE '%"call_id":7%'`).Scan(&n7)
		raw.QueryRow(`SELECT COUNT(*) FROM webhook_deliveries WHERE body LIKE '%"call_id":8%'`).Scan(&n8)
		raw.QueryRow(`SELECT COUNT(DISTINCT idempotency_key) FROM webhook_deliveries`).Scan(&keys)
		if n7 != 2 || n8 != 2 || keys != 4 {
			t.Errorf("deliveries: call 7 %d, call 8 %d, distinct keys %d; want 2, 2, 4", n7, n8, keys)
		}
	})
}
