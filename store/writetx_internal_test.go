package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"citdesk"
	"citdesk/outcomes"
)

// TestSubscribersReadOnceAWrite shows that a write transaction reads the
// agency's webhook subscriptions once for all the events it reports, and
// reads them again once it has written webhooks itself; that the next
// transaction starts from them; and that it reads them again after
// another process committed or a transaction rolled back.
func TestSubscribersReadOnceAWrite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "citdesk.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.write.ExecContext(ctx, `INSERT INTO agencies (id, slug, name, timezone, policy, created_at) VALUES (7, 'subs', 'Subs', 'UTC', '{}', 0)`); err != nil {
		t.Fatal(err)
	}
	hook := func(tx *Tx, id int64, events string) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (id, agency_id, url, events, secret, created_at, created_by) VALUES (?, 7, 'https://cad.invalid/hook', ?, '', 0, 1)`, id, events)
		return err
	}
	err = db.writeTx(ctx, func(tx *Tx) error {
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

	// The next transactions start from what the last commit read, until
	// another process commits or a transaction rolls back.
	want := func(what, ids string, statements int64) {
		t.Helper()
		err := db.writeTx(ctx, func(tx *Tx) error {
			before := db.SQLiteCounts().Statements
			got, err := subscribers(ctx, tx, 7, "call.updated")
			if err != nil {
				return err
			}
			if fmt.Sprint(got) != ids {
				t.Errorf("%s: subscribers %v, want %s", what, got, ids)
			}
			if n := db.SQLiteCounts().Statements - before; n != statements {
				t.Errorf("%s: subscribers took %d statements, want %d", what, n, statements)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	want("the next transaction", "[1 2]", 0)
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.writeTx(ctx, func(tx *Tx) error { return hook(tx, 3, "call.updated") }); err != nil {
		t.Fatal(err)
	}
	want("after another handle added a webhook", "[1 2 3]", 1)
	failed := errors.New("refused")
	err = db.writeTx(ctx, func(tx *Tx) error {
		if err := hook(tx, 4, "call.updated"); err != nil {
			return err
		}
		if _, err := subscribers(ctx, tx, 7, "call.updated"); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("the rolled-back transaction: %v", err)
	}
	want("after a transaction that added a webhook rolled back", "[1 2 3]", 1)
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

// TestStreamAllStopsWhenUnwanted: a whole read of an agency's records for
// the outcome cache stops within 4,096 rows once its context ends (the
// cache is being closed), though SQLite's statements no longer watch the
// context themselves (quietContext).
func TestStreamAllStopsWhenUnwanted(t *testing.T) {
	db := openInternal(t)
	bg := context.Background()
	if _, err := db.write.ExecContext(bg, `INSERT INTO agencies (id, slug, name, timezone, policy, created_at) VALUES (7, 'stream', 'Stream', 'UTC', '{}', 0)`); err != nil {
		t.Fatal(err)
	}
	op := citdesk.NewContextWithActor(bg, &citdesk.Actor{AgencyID: 7, Username: "operator", Remote: "cli"})
	const total = 10000
	hist := make([]citdesk.HistoricalEncounter, total)
	for i := range hist {
		hist[i] = citdesk.HistoricalEncounter{ExternalID: fmt.Sprint("h", i), OccurredAt: time.Date(2025, 6, 3, 15, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute), Force: citdesk.ForceNone}
	}
	if res, err := db.HistoryService().ImportHistory(op, "test-rms", hist, nil); err != nil || res.Created != total {
		t.Fatalf("import: %+v, %v", res, err)
	}
	ctx, cancel := context.WithCancel(bg)
	seen := 0
	_, _, err := outcomeLoader{db}.StreamAll(ctx, 7, func(int64, *outcomes.Encounter) {
		seen++
		if seen == 1 {
			cancel()
		}
	}, func(int64, *outcomes.Referral) {})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("a read whose context ended: %v, want context.Canceled", err)
	}
	if seen >= total {
		t.Errorf("the read went on through all %d rows after its context ended", seen)
	}
	// With its context alive, the same read sees them all.
	seen = 0
	if _, _, err := (outcomeLoader{db}).StreamAll(bg, 7, func(int64, *outcomes.Encounter) { seen++ }, func(int64, *outcomes.Referral) {}); err != nil || seen != total {
		t.Errorf("a whole read: %d of %d encounters, %v", seen, total, err)
	}
}

// TestOwnCommitRace: the writer reads the WAL index header after its
// commit, when the write lock is already gone; another process that
// commits in that moment must not pass for the writer's own commit, or
// the writer's next transaction would start from an audit head and a
// session cache that missed it (a UNIQUE failure on audit_events.seq
// under TestFieldKeyRotationUnderWrites).
func TestOwnCommitRace(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	other, err := Open(ctx, db.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	w := db.auth.watch
	commit := func(foreignBetween bool) {
		t.Helper()
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.writeBegan()
		if _, err := tx.ExecContext(ctx, `INSERT INTO agencies (slug, name, timezone, policy, created_at) VALUES (?, 'Race', 'UTC', '{}', 0)`, fmt.Sprint("race-", time.Now().UnixNano())); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if foreignBetween {
			if _, err := other.write.ExecContext(ctx, `INSERT INTO agencies (slug, name, timezone, policy, created_at) VALUES (?, 'Other', 'UTC', '{}', 0)`, fmt.Sprint("other-", time.Now().UnixNano())); err != nil {
				t.Fatal(err)
			}
		}
		w.ownCommitted(func() {})
	}
	begins := func() bool {
		t.Helper()
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		return w.writeBegan()
	}
	commit(false)
	commit(false)
	if !begins() {
		t.Fatal("after two commits of its own, the writer does not know the database as it left it")
	}
	commit(true)
	if begins() {
		t.Error("another process committed just after the writer's commit, and the writer took the database as its own")
	}
}
