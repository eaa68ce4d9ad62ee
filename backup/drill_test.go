package backup_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"citdesk"
	"citdesk/backup"
	"citdesk/store"
	"citdesk/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func newKey(t *testing.T) (*backup.Key, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.key")
	k, err := backup.MakeKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return k, path
}

// TestRestoreDrill is the restore drill: writers keep writing (calls,
// persons, audited reads) while a backup is taken; the backup is
// restored into an empty directory; every row of every table of the
// restored database equals the source's at the backup point, and the
// restored audit trail verifies.
//
// The backup point is read off the copy itself. SQLite has one writer, so
// transactions commit one after another and auto-numbered ids and audit
// seqs grow in commit order: the copy of a consistent snapshot holds, of
// each table the writers insert into, exactly the source's rows up to its
// highest id, and of the audit trail exactly events 1 to its head. The
// writers only insert, so those rows are unchanged in the source
// afterwards; every other table must equal the source's whole.
func TestRestoreDrill(t *testing.T) {
	ctx := context.Background()
	db, _ := storetest.Open(t, storetest.SQLite)
	_, op := storetest.Agency(t, db, "desoto")
	_, disp := storetest.User(t, db, op, "disp", citdesk.RoleDispatcher)
	_, coord := storetest.User(t, db, op, "coord", citdesk.RoleCoordinator)

	var (
		stop    atomic.Bool
		writes  atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		werr    error
	)
	fail := func(err error) { errOnce.Do(func() { werr = err }) }
	for w := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				var err error
				switch (w + i) % 3 {
				case 0:
					c := &citdesk.Call{Nature: fmt.Sprintf("welfare check %d/%d", w, i), Address: "100 Main St", CallerName: "Jo Caller", CITRequested: i%2 == 0}
					if err = db.CallService().CreateCall(disp, c); err == nil {
						_, err = db.CallService().FindCallByID(disp, c.ID) // an audited read
					}
				case 1:
					err = db.PersonService().CreatePerson(coord, &citdesk.Person{FirstName: "Pat", LastName: "Drill" + strconv.Itoa(w*100000+i), Address: "1 Elm St"})
				case 2:
					_, err = db.CallService().ListCalls(disp, citdesk.CallFilter{})
				}
				if err != nil {
					fail(err)
					return
				}
				writes.Add(1)
			}
		})
	}
	waitFor := func(n int64) {
		for writes.Load() < n && werr == nil {
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(150)
	key, _ := newKey(t)
	file := filepath.Join(t.TempDir(), "drill.cdbk")
	before := writes.Load()
	m, err := backup.Create(ctx, db, file, key, backup.Options{Version: "drill", TempDir: t.TempDir()})
	during := writes.Load() - before
	waitFor(writes.Load() + 100)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if werr != nil {
		t.Fatal(werr)
	}
	t.Logf("%d writes before the backup, %d while it ran, %d in all; backup at audit event %d", before, during, writes.Load(), m.AuditSeq)

	dataDir := filepath.Join(t.TempDir(), "restored")
	auditKey := storetest.AuditKeyFile(t)
	res, err := backup.Restore(ctx, file, dataDir, key, auditKey, storetest.FieldKey())
	if err != nil {
		t.Fatal(err)
	}
	if res.AuditEvents != m.AuditSeq {
		t.Errorf("restore verified %d audit events, the backup holds %d", res.AuditEvents, m.AuditSeq)
	}

	src := storetest.Raw(t, dbPathOf(t, db))
	dst := storetest.Raw(t, filepath.Join(dataDir, "citdesk.db"))
	tables := tableNames(t, src)
	if got := tableNames(t, dst); !slices.Equal(got, tables) {
		t.Fatalf("restored tables %v, source %v", got, tables)
	}
	var laterRows int
	for _, table := range tables {
		cols := columnNames(t, src, table)
		switch {
		case table == "audit_head":
			// The restore appended its own event after the backup point.
			var seq int64
			var hash string
			mustScan(t, dst.QueryRow(`SELECT seq, hash FROM audit_head`), &seq, &hash)
			if seq != m.AuditSeq+1 {
				t.Errorf("restored audit head %d, want the backup's %d and the restore's event", seq, m.AuditSeq)
			}
		case table == "audit_events":
			want := rows(t, src, table, cols, `WHERE seq <= ?`, m.AuditSeq)
			got := rows(t, dst, table, cols, `WHERE seq <= ?`, m.AuditSeq)
			compare(t, table, got, want)
			laterRows += count(t, src, `SELECT COUNT(*) FROM audit_events WHERE seq > ?`, m.AuditSeq)
			var action string
			mustScan(t, dst.QueryRow(`SELECT action FROM audit_events WHERE seq = ?`, m.AuditSeq+1), &action)
			if action != "backup.restore" || count(t, dst, `SELECT COUNT(*) FROM audit_events WHERE seq > ?`, m.AuditSeq+1) != 0 {
				t.Errorf("after the backup point the restored trail has %q and more", action)
			}
		case slices.Contains(cols, "id"):
			maxID := count(t, dst, `SELECT COALESCE(MAX(id), 0) FROM "`+table+`"`)
			compare(t, table, rows(t, dst, table, cols, ``), rows(t, src, table, cols, `WHERE id <= ?`, maxID))
			laterRows += count(t, src, `SELECT COUNT(*) FROM "`+table+`" WHERE id > ?`, maxID)
		default:
			compare(t, table, rows(t, dst, table, cols, ``), rows(t, src, table, cols, ``))
		}
	}
	if m.Tables["calls"] == 0 || m.Tables["persons"] == 0 || laterRows == 0 {
		t.Errorf("the backup was not taken under load: %d calls and %d persons in it, %d rows written after it", m.Tables["calls"], m.Tables["persons"], laterRows)
	}
	// Across tables, the copy is one moment: each call in it has its
	// creation event in it, and each creation event in it has its call.
	callIDs := count(t, dst, `SELECT COUNT(*) FROM calls`)
	created := count(t, dst, `SELECT COUNT(*) FROM audit_events WHERE action = 'call.create' AND seq <= ?`, m.AuditSeq)
	if callIDs != created {
		t.Errorf("restored %d calls but %d call.create events", callIDs, created)
	}

	rdb, err := store.Open(ctx, filepath.Join(dataDir, "citdesk.db"), storetest.KeyOption())
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	if br, n, err := rdb.AuditService().VerifyAudit(ctx); err != nil || br != nil || n != m.AuditSeq+1 {
		t.Errorf("restored trail: break %+v after %d events, %v", br, n, err)
	}
}

func dbPathOf(t *testing.T, db *store.DB) string {
	t.Helper()
	p := db.Path()
	if p == "" {
		t.Fatal("no SQLite path")
	}
	return p
}

func tableNames(t *testing.T, raw *sql.DB) []string {
	t.Helper()
	var names []string
	r, err := raw.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var n string
		mustScan(t, r, &n)
		names = append(names, n)
	}
	return names
}

func columnNames(t *testing.T, raw *sql.DB, table string) []string {
	t.Helper()
	r, err := raw.Query(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var cols []string
	for r.Next() {
		var c string
		mustScan(t, r, &c)
		cols = append(cols, c)
	}
	return cols
}

// rows returns every row of table (where applies), each as its columns'
// values printed, sorted.
func rows(t *testing.T, raw *sql.DB, table string, cols []string, where string, args ...any) []string {
	t.Helper()
	r, err := raw.Query(`SELECT "`+strings.Join(cols, `", "`)+`" FROM "`+table+`" `+where, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for r.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		mustScan(t, r, ptrs...)
		var b strings.Builder
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			fmt.Fprintf(&b, "%s=%#v ", cols[i], v)
		}
		out = append(out, b.String())
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func compare(t *testing.T, table string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	t.Errorf("table %s: restored %d rows, the source had %d at the backup point", table, len(got), len(want))
	for i := 0; i < max(len(got), len(want)) && i < 3; i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("  restored %s\n  source   %s", g, w)
		}
	}
}

func count(t *testing.T, raw *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	mustScan(t, raw.QueryRow(q, args...), &n)
	return n
}

type scanner interface{ Scan(...any) error }

func mustScan(t *testing.T, s scanner, dest ...any) {
	t.Helper()
	if err := s.Scan(dest...); err != nil {
		t.Fatal(err)
	}
}

// TestBackupRefusesPostgres: on PostgreSQL, backup points to pg_dump.
func TestBackupRefusesPostgres(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		if e != storetest.Postgres {
			return
		}
		db, _ := storetest.Open(t, e)
		key, _ := newKey(t)
		_, err := backup.Create(context.Background(), db, filepath.Join(t.TempDir(), "x.cdbk"), key, backup.Options{TempDir: t.TempDir()})
		if !errors.Is(err, store.ErrBackupPostgres) || !strings.Contains(err.Error(), "pg_dump") {
			t.Errorf("backup on PostgreSQL: %v", err)
		}
	})
}

// TestRestoreRefusals: a wrong key, an altered byte, a cut file and a
// directory that already holds a database are refused, and the directory
// is left as it was.
func TestRestoreRefusals(t *testing.T) {
	ctx := context.Background()
	db, _ := storetest.Open(t, storetest.SQLite)
	_, op := storetest.Agency(t, db, "desoto")
	storetest.User(t, db, op, "disp", citdesk.RoleDispatcher)
	key, _ := newKey(t)
	file := filepath.Join(t.TempDir(), "b.cdbk")
	if _, err := backup.Create(ctx, db, file, key, backup.Options{TempDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Create(ctx, db, file, key, backup.Options{TempDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a second backup over the first: %v", err)
	}
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	auditKey := storetest.AuditKeyFile(t)
	other, _ := newKey(t)
	variant := func(name string, b []byte) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 1
	for _, tc := range []struct {
		name, file string
		key        *backup.Key
		want       error
		msg        string
	}{
		{"wrong key", file, other, backup.ErrWrongKey, "give the backup key it was made with"},
		{"altered", variant("altered", flipped), key, backup.ErrDamaged, "does not authenticate"},
		{"truncated", variant("cut", good[:len(good)-(64<<10)-16]), key, backup.ErrTruncated, "not its last"},
		{"cut inside", variant("cut2", good[:len(good)-5]), key, backup.ErrTruncated, "inside chunk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			_, err := backup.Restore(ctx, tc.file, dir, tc.key, auditKey, storetest.FieldKey())
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("restore: %v, want %v saying %q", err, tc.want, tc.msg)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a refused restore left %d entries in the directory", len(entries))
			}
		})
	}
	t.Run("not empty", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "citdesk.db"), []byte("old"), 0o600)
		if _, err := backup.Restore(ctx, file, dir, key, auditKey, storetest.FieldKey()); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("restore over a database: %v", err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "citdesk.db")); string(b) != "old" {
			t.Error("the old database was touched")
		}
	})
	t.Run("wrong audit key", func(t *testing.T) {
		wrong := filepath.Join(t.TempDir(), "audit.key")
		os.WriteFile(wrong, []byte(strings.Repeat("k", 32)), 0o600)
		dir := filepath.Join(t.TempDir(), "data")
		if _, err := backup.Restore(ctx, file, dir, key, wrong, storetest.FieldKey()); err == nil || !strings.Contains(err.Error(), "audit key") {
			t.Errorf("restore with another audit key: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "citdesk.db")); !os.IsNotExist(err) {
			t.Error("a refused restore left a database")
		}
	})
	t.Run("wrong field key", func(t *testing.T) {
		wrong, err := store.NewFieldKey([]byte(strings.Repeat("f", 32)))
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "data")
		if _, err := backup.Restore(ctx, file, dir, key, auditKey, wrong); !errors.Is(err, store.ErrWrongFieldKey) || !strings.Contains(err.Error(), "field key") {
			t.Errorf("restore with another field key: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "citdesk.db")); !os.IsNotExist(err) {
			t.Error("a refused restore left a database")
		}
		if _, err := backup.Restore(ctx, file, dir, key, auditKey, nil); err == nil || !strings.Contains(err.Error(), "never holds it") {
			t.Errorf("restore without a field key: %v", err)
		}
	})
	t.Run("no audit key", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		if _, err := backup.Restore(ctx, file, dir, key, filepath.Join(dir, "audit.key"), storetest.FieldKey()); err == nil || !strings.Contains(err.Error(), "audit.key you keep apart") {
			t.Errorf("restore without the audit key: %v", err)
		}
	})
}
