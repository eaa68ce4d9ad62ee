package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"citdesk"
)

// cachedCount returns how many statements the pool's one connection keeps.
func cachedCount(t testing.TB, pool *sql.DB) int {
	t.Helper()
	conn, err := pool.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := -1
	if err := conn.Raw(func(dc any) error {
		n = len(dc.(*stmtConn).stmts)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStatementCache runs statements through a caching SQLite connection:
// a statement run again is the compiled one, with the new arguments; the
// same query run while its rows are still open (a nested loop) gets a
// statement of its own, so neither loop disturbs the other; beyond the
// bound, statements still run, compiled each time.
func TestStatementCache(t *testing.T) {
	pool, err := openSQLite("file:"+filepath.Join(t.TempDir(), "c.db"), stmtCounts{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pool.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := pool.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, agency_id INTEGER NOT NULL, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 6; i++ {
		if _, err := pool.ExecContext(ctx, `INSERT INTO t (agency_id, v) VALUES (?, ?)`, i%2, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	count := func(agency int) int {
		var n int
		if err := pool.QueryRowContext(ctx, `SELECT COUNT(*) FROM t WHERE agency_id = ?`, agency).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The same text with 1, 0 and 1 again: each run sees its own argument.
	if a, b, c := count(1), count(0), count(1); a != 3 || b != 3 || c != 3 {
		t.Errorf("counts by agency: %d %d %d, want 3 each", a, b, c)
	}
	before := cachedCount(t, pool)

	// Nested, in one transaction (one connection): the same query run again
	// while the outer run's rows are open.
	const q = `SELECT id FROM t WHERE agency_id = ? ORDER BY id`
	rows, err := pool.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var outer, inner []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		outer = append(outer, id)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	r1, err := tx.QueryContext(ctx, q, 0)
	if err != nil {
		t.Fatal(err)
	}
	for r1.Next() {
		var id int
		r1.Scan(&id)
		if len(inner) == 0 {
			r2, err := tx.QueryContext(ctx, q, 1)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int
			for r2.Next() {
				var j int
				r2.Scan(&j)
				ids = append(ids, j)
			}
			if err := r2.Close(); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(ids) != "[1 3 5]" {
				t.Errorf("the nested run read %v, want [1 3 5]", ids)
			}
		}
		inner = append(inner, id)
	}
	if err := r1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(outer) != "[1 3 5]" || fmt.Sprint(inner) != "[2 4 6]" {
		t.Errorf("outer %v, inner %v; want [1 3 5] and [2 4 6]", outer, inner)
	}
	if after := cachedCount(t, pool); after != before+1 {
		t.Errorf("statements cached: %d before the nested runs, %d after; want one more (the nested run's own is not kept)", before, after)
	}

	// Past the bound, texts still run, and the cache stays at its bound.
	for i := range maxStatementsPerConn + 20 {
		var n int
		if err := pool.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) + %d FROM t`, i)).Scan(&n); err != nil || n != 6+i {
			t.Fatalf("statement %d: %d, %v", i, n, err)
		}
	}
	if n := cachedCount(t, pool); n != maxStatementsPerConn {
		t.Errorf("%d statements cached, want the bound %d", n, maxStatementsPerConn)
	}
}

// BenchmarkStatementCache measures what keeping compiled statements saves
// on small reads, the kind most requests make (issue 12): one officer by id,
// through the store as it runs (cached), and through the same store with its
// readers swapped for a plain pool of the same driver and file, which
// compiles every statement on every run as citdesk did before (compiled);
// each with a context that never ends and with one that can, as a
// request's (-request-context), which the plain pool's driver watches
// with a goroutine a statement.
//
//	go test ./store -run XXX -bench StatementCache -benchtime 2s
func BenchmarkStatementCache(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "citdesk.db")
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	res, err := db.write.ExecContext(ctx, `INSERT INTO agencies (slug, name, timezone, policy, created_at) VALUES ('bench', 'Bench PD', 'America/Chicago', '{}', 0)`)
	if err != nil {
		b.Fatal(err)
	}
	agencyID, _ := res.LastInsertId()
	var ids []int64
	for i := range 200 {
		res, err := db.write.ExecContext(ctx, `INSERT INTO officers (agency_id, badge, first_name, last_name, created_at, updated_at) VALUES (?, ?, 'Pat', ?, 0, 0)`,
			agencyID, fmt.Sprint(1000+i), fmt.Sprint("Officer", i))
		if err != nil {
			b.Fatal(err)
		}
		id, _ := res.LastInsertId()
		ids = append(ids, id)
	}
	actx := citdesk.NewContextWithActor(ctx, &citdesk.Actor{AgencyID: agencyID, Username: "disp", Roles: []citdesk.Role{citdesk.RoleDispatcher}, Remote: "bench"})
	plain, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(ON)&_pragma=busy_timeout(10000)&mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()
	plain.SetMaxOpenConns(sqliteReaders)
	plain.SetMaxIdleConns(sqliteReaders)
	cached := db.read
	// A request's context can end (its client goes away): the driver
	// would watch it, statement by statement (driverContext).
	rctx, cancel := context.WithCancel(actx)
	defer cancel()
	for _, c := range []struct {
		name string
		pool *sql.DB
		ctx  context.Context
	}{{"compiled", plain, actx}, {"cached", cached, actx}, {"compiled-request-context", plain, rctx}, {"cached-request-context", cached, rctx}} {
		b.Run(c.name, func(b *testing.B) {
			db.read = c.pool
			defer func() { db.read = cached }()
			svc := db.OfficerService()
			i := 0
			for b.Loop() {
				if _, err := svc.FindOfficerByID(c.ctx, ids[i%len(ids)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// TestStatementCacheSkipsBulk checks that a statement with more arguments
// than maxArgsKept (a bulk insert's) runs and is not kept, while a small
// one still is.
func TestStatementCacheSkipsBulk(t *testing.T) {
	pool, err := openSQLite("file:"+filepath.Join(t.TempDir(), "c.db"), stmtCounts{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pool.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := pool.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	before := cachedCount(t, pool)
	q := `INSERT INTO t (v) VALUES (?)` + strings.Repeat(`, (?)`, maxArgsKept)
	args := make([]any, maxArgsKept+1)
	for i := range args {
		args[i] = i
	}
	if _, err := pool.ExecContext(ctx, q, args...); err != nil {
		t.Fatal(err)
	}
	if n := cachedCount(t, pool); n != before {
		t.Errorf("after a bulk insert of %d arguments the connection keeps %d statements, want %d", len(args), n, before)
	}
	var n int
	if err := pool.QueryRowContext(ctx, `SELECT COUNT(*) FROM t WHERE v >= ?`, 0).Scan(&n); err != nil || n != len(args) {
		t.Fatalf("count: %d, %v; want %d", n, err, len(args))
	}
	if got := cachedCount(t, pool); got != before+1 {
		t.Errorf("after a small query the connection keeps %d statements, want %d", got, before+1)
	}
}

// TestStatementContext checks how a statement treats its context: one
// already ended does not run; one that can end but has not runs; one with
// a deadline still ends the statement.
func TestStatementContext(t *testing.T) {
	pool, err := openSQLite("file:"+filepath.Join(t.TempDir(), "c.db"), stmtCounts{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pool.SetMaxOpenConns(1)
	if _, err := pool.ExecContext(context.Background(), `CREATE TABLE t (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	live, cancel := context.WithCancel(context.Background())
	var n int
	if err := pool.QueryRowContext(live, `SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
		t.Fatalf("a statement with a live request context: %v", err)
	}
	if _, err := pool.ExecContext(live, `INSERT INTO t DEFAULT VALUES`); err != nil {
		t.Fatalf("a write with a live request context: %v", err)
	}
	cancel()
	if _, err := pool.ExecContext(live, `INSERT INTO t DEFAULT VALUES`); !errors.Is(err, context.Canceled) {
		t.Errorf("a write with an ended context: %v, want context.Canceled", err)
	}
	if err := pool.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 1 {
		t.Errorf("rows after the refused write = %d (%v), want 1", n, err)
	}
	// A deadline reaches the driver: a long statement is interrupted.
	short, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	err = pool.QueryRowContext(short, `WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT COUNT(*) FROM r`).Scan(&n)
	if !errors.Is(err, context.DeadlineExceeded) && (err == nil || !strings.Contains(err.Error(), "interrupt")) {
		t.Errorf("an endless statement past its deadline: %v, want it interrupted", err)
	}
}

// TestReadTxContext checks that a read transaction's statements still
// heed the request's context after quietContext: once it has ended, the
// next statement is refused.
func TestReadTxContext(t *testing.T) {
	db := openInternal(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := db.readTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM agencies`).Scan(&n); err != nil {
			t.Fatalf("a statement with a live context: %v", err)
		}
		cancel()
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM agencies`).Scan(&n)
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("a statement after the context ended: %v, want context.Canceled", err)
	}
}
