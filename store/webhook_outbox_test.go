package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"citdesk"
)

// TestOutboxRollsBackWithTheChange: a delivery is written in the change's
// transaction, so when the transaction rolls back after the change and its
// delivery were written, neither remains; when it commits, both do.
// (SQLite here, inside the package, to fail a transaction half-way; the
// web/server tests cover both engines through the API.)
func TestOutboxRollsBackWithTheChange(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "citdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	agency := &citdesk.Agency{Slug: "desoto", Name: "De Soto PD", TimeZone: "America/Chicago"}
	if err := db.AgencyService().CreateAgency(ctx, agency); err != nil {
		t.Fatal(err)
	}
	op := citdesk.NewContextWithActor(ctx, citdesk.OperatorActor(agency.ID))
	if err := db.WebhookService().CreateWebhook(op, &citdesk.Webhook{URL: "http://127.0.0.1:9/", Events: []string{citdesk.HookCallCreated}}, "sixteen characters"); err != nil {
		t.Fatal(err)
	}
	actor := citdesk.OperatorActor(agency.ID)
	change := func(fail bool) error {
		return db.writeTx(op, func(tx *Tx) error {
			c := &citdesk.Call{Nature: "Welfare check", Address: "12 Elm St", Source: citdesk.Source911}
			if err := c.Validate(tx.now); err != nil {
				return err
			}
			if err := insertCall(ctx, tx, actor, c); err != nil {
				return err
			}
			if err := enqueueCallEvent(ctx, tx, citdesk.HookCallCreated, c); err != nil {
				return err
			}
			if fail {
				return errors.New("the change failed after its delivery was written")
			}
			return nil
		})
	}
	rows := func() (calls, deliveries int) {
		db.write.QueryRow(`SELECT COUNT(*) FROM calls`).Scan(&calls)
		db.write.QueryRow(`SELECT COUNT(*) FROM webhook_deliveries`).Scan(&deliveries)
		return
	}
	if err := change(true); err == nil {
		t.Fatal("the failing change succeeded")
	}
	if c, d := rows(); c != 0 || d != 0 {
		t.Errorf("after a rolled-back change: %d calls, %d deliveries; want none", c, d)
	}
	if err := change(false); err != nil {
		t.Fatal(err)
	}
	if c, d := rows(); c != 1 || d != 1 {
		t.Errorf("after a committed change: %d calls, %d deliveries; want 1 and 1", c, d)
	}
}
