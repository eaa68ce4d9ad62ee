package store_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"citdesk/backup"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestRestoreFromEveryOlderSchema: a backup made by a citdesk of every
// earlier schema version (the database buildAt makes for the upgrade
// test, with that version's rows and audit trail, written to a backup file
// as that citdesk's backup would have) restores: the restore applies the
// missing migrations, says which, and the restored database holds every
// row, the same audit events, a chain that verifies, and takes new
// writes.
func TestRestoreFromEveryOlderSchema(t *testing.T) {
	ctx := context.Background()
	all := store.Migrations("sqlite")
	keyPath := filepath.Join(t.TempDir(), "backup.key")
	key, err := backup.MakeKeyFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	auditKey := storetest.AuditKeyFile(t)
	for k := 1; k < len(all); k++ {
		t.Run(strings.TrimSuffix(filepath.Base(all[k-1]), ".sql"), func(t *testing.T) {
			dsn := storetest.EmptyDSN(t, storetest.SQLite)
			rows, events := buildAt(t, storetest.SQLite, dsn, k)
			// Everything into the main file, as a backup's snapshot is.
			mustExecRaw(t, storetest.Raw(t, dsn), `PRAGMA wal_checkpoint(TRUNCATE)`)
			inv, err := store.InspectFile(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if inv.Schema() != all[k-1] {
				t.Fatalf("built at %s, want %s", inv.Schema(), all[k-1])
			}
			file := filepath.Join(t.TempDir(), "older.cdbk")
			f, err := os.Create(file)
			if err != nil {
				t.Fatal(err)
			}
			m := &backup.Manifest{CitdeskVersion: "older", Engine: "sqlite", Schema: inv.Schema(), Migrations: inv.Migrations,
				CreatedAt: time.UnixMicro(fixtureT).UTC(), AuditSeq: inv.AuditSeq, Tables: inv.Tables}
			if err := backup.Write(f, key, m, dsn); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}

			dir := filepath.Join(t.TempDir(), "data")
			res, err := backup.Restore(ctx, file, dir, key, auditKey, storetest.FieldKey())
			if err != nil {
				t.Fatalf("restore a backup of schema %s: %v", all[k-1], err)
			}
			if !slices.Equal(res.Migrated, all[k:]) {
				t.Errorf("restore applied %v, want %v", res.Migrated, all[k:])
			}
			restored := filepath.Join(dir, "citdesk.db")
			if pending, err := store.PendingMigrations(ctx, restored); err != nil || len(pending) != 0 {
				t.Errorf("after the restore, pending %v, %v", pending, err)
			}
			db := openDSN(t, restored)
			raw := storetest.Raw(t, restored)
			for _, f := range rows {
				if n := countMatching(t, storetest.SQLite, raw, db, f); n != 1 {
					t.Errorf("%s row %v written at %s: %d rows match after the restore", f.table, f.vals[:2], f.since, n)
				}
			}
			for _, ev := range events {
				var hash, chain string
				if err := raw.QueryRow(`SELECT hash, chain FROM audit_events WHERE seq = ?`, ev.Seq).Scan(&hash, &chain); err != nil || hash != ev.Hash || chain != ev.Chain {
					t.Errorf("audit event %d after the restore: %s %s, %v", ev.Seq, chain, hash, err)
				}
			}
			if br, n, err := db.AuditService().VerifyAudit(ctx); err != nil || br != nil || n < int64(len(events)) {
				t.Fatalf("audit chain after restoring %s: break %+v after %d events, %v", all[k-1], br, n, err)
			}
			if err := db.Ready(ctx); err != nil {
				t.Errorf("the restored database does not take writes: %v", err)
			}
		})
	}
}
