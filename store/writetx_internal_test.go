package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestSubscribersReadOnceAWrite shows that a write transaction reads the
// agency's webhook subscriptions once for all the events it reports, and
// reads them again once it has written webhooks itself.
func TestSubscribersReadOnceAWrite(t *testing.T) {
	ctx := context.Background()
	db := openInternal(t)
	if _, err := db.write.ExecContext(ctx, `INSERT INTO agencies (id, slug, name, timezone, policy, created_at) VALUES (7, 'subs', 'Subs', 'UTC', '{}', 0)`); err != nil {
		t.Fatal(err)
	}
	hook := func(tx *Tx, id int64, events string) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (id, agency_id, url, events, secret, created_at, created_by) VALUES (?, 7, 'https://cad.invalid/hook', ?, '', 0, 1)`, id, events)
		return err
	}
	err := db.writeTx(ctx, func(tx *Tx) error {
		if err := hook(tx, 1, "call.created,call.updated"); err != nil {
			return err
		}
		before := db.SQLiteCounts().Statements
		created, err := subscribers(ctx, tx, 7, "call.created")
		if err != nil {
			return err
		}
		updated, err := subscribers(ctx, tx, 7, "call.updated")
		if err != nil {
			return err
		}
		if n := db.SQLiteCounts().Statements - before; n != 1 {
			t.Errorf("two events' subscribers took %d statements, want 1", n)
		}
		if fmt.Sprint(created, updated) != "[1] [1]" {
			t.Errorf("subscribers %v %v, want [1] [1]", created, updated)
		}
		if err := hook(tx, 2, "call.updated"); err != nil {
			return err
		}
		updated, err = subscribers(ctx, tx, 7, "call.updated")
		if err != nil {
			return err
		}
		if fmt.Sprint(updated) != "[1 2]" {
			t.Errorf("after a webhook was added in the transaction, subscribers %v, want [1 2]", updated)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// openInternal opens a fresh SQLite database for a test inside the
// package, closed when the test ends.
func openInternal(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "citdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
