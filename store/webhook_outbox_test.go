package store_test

import (
	"testing"

	"citdesk"
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
