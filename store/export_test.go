package store

import (
	"context"
	"errors"

	"citdesk"
)

// MigrateTo applies only the first k embedded migrations to the database
// at dsn, as a citdesk of that schema version would have, for the upgrade
// tests.
func MigrateTo(ctx context.Context, dsn string, k int) error {
	db, err := connect(ctx, dsn, openOptions{})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.migrate(ctx, k)
}

// TestDSN returns the database's data source name, for tests that look
// past the store.
func (db *DB) TestDSN() string { return db.dsn }

// CreateCallThenFail creates a call and writes its call.created delivery
// in one transaction, as CallService.CreateCall does, and then, when fail
// is set, fails that transaction: the outbox rollback test's change.
func (db *DB) CreateCallThenFail(ctx context.Context, fail bool) error {
	actor := citdesk.ActorFromContext(ctx)
	return db.writeTx(ctx, func(tx *Tx) error {
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
