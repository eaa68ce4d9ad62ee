package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"citdesk"
)

// reprepares returns how many times SQLite has re-prepared the statements
// kept by the pool's one connection, by their texts (SQLite's own counter,
// SQLITE_STMTSTATUS_REPREPARE). The driver keeps its handles unexported,
// so the test reads them by reflection.
func reprepares(t testing.TB, pool *sql.DB) map[stmtKey]int {
	t.Helper()
	conn, err := pool.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	out := map[stmtKey]int{}
	if err := conn.Raw(func(dc any) error {
		for q, s := range dc.(*stmtConn).stmts {
			v := reflect.ValueOf(s.stmt).Elem()
			pstmt := uintptr(v.FieldByName("pstmt").Uint())
			c := v.FieldByName("c").Elem()
			tls := (*libc.TLS)(unsafe.Pointer(c.FieldByName("tls").Pointer()))
			out[q] = int(sqlite3.Xsqlite3_stmt_status(tls, pstmt, sqlite3.SQLITE_STMTSTATUS_REPREPARE, 0))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// benchAgencies makes n agencies (ids 1…n in a new database), each with
// officers on duty, and returns a dispatcher's context for each.
func benchAgencies(tb testing.TB, db *DB, n, officers int) []context.Context {
	tb.Helper()
	ctx := context.Background()
	var out []context.Context
	for a := range n {
		res, err := db.write.ExecContext(ctx, `INSERT INTO agencies (slug, name, timezone, policy, created_at) VALUES (?, 'Bench PD', 'America/Chicago', '{}', 0)`, fmt.Sprint("a", a))
		if err != nil {
			tb.Fatal(err)
		}
		id, _ := res.LastInsertId()
		for i := range officers {
			res, err := db.write.ExecContext(ctx, `INSERT INTO officers (agency_id, badge, first_name, last_name, created_at, updated_at) VALUES (?, ?, 'Pat', 'Officer', 0, 0)`,
				id, fmt.Sprint(1000+i))
			if err != nil {
				tb.Fatal(err)
			}
			oid, _ := res.LastInsertId()
			if _, err := db.write.ExecContext(ctx, `INSERT INTO officer_duty (officer_id, agency_id, status, since, lat, lon, position_at) VALUES (?, ?, 'available', 0, 38.14, -90.55, 0)`, oid, id); err != nil {
				tb.Fatal(err)
			}
		}
		out = append(out, citdesk.NewContextWithActor(ctx, &citdesk.Actor{AgencyID: id, Username: "disp", Roles: []citdesk.Role{citdesk.RoleDispatcher}, Remote: "bench"}))
	}
	return out
}

// TestAgencyOneNotReprepared reads the dispatch state, a dozen statements
// comparing agency_id, for agency 1, then agencies 1 and 2 in turn. SQLite
// re-prepares a statement whose plan looked at a bound value when that
// value moves into or out of -1…1 (issue 12: every single-agency install is
// agency 1): kept statements must not be re-prepared by either pattern.
func TestAgencyOneNotReprepared(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "citdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.read.SetMaxOpenConns(1) // one connection, so every statement is counted
	agencies := benchAgencies(t, db, 2, 3)
	svc := db.DispatchService()
	for _, pattern := range []struct {
		name  string
		order []int
	}{{"agency 1 only", []int{0, 0, 0, 0}}, {"agencies 1 and 2 in turn", []int{0, 1, 0, 1, 0, 1}}} {
		t.Run(pattern.name, func(t *testing.T) {
			if _, err := svc.State(agencies[pattern.order[0]]); err != nil { // compile, first binding
				t.Fatal(err)
			}
			before := reprepares(t, db.read)
			for _, a := range pattern.order {
				if _, err := svc.State(agencies[a]); err != nil {
					t.Fatal(err)
				}
			}
			for q, n := range reprepares(t, db.read) {
				if n > before[q] {
					t.Errorf("re-prepared %d times in %d reads: %.90s…", n-before[q], len(pattern.order), q.query)
				}
			}
		})
	}
}

// BenchmarkAgencyBinding reads the dispatch state (a dozen statements
// comparing agency_id) for agency 1, for agency 2, and for agencies 1 and 2
// in turn, on one reader: the three should cost the same now that no
// statement is re-prepared for the value 1 (issue 12).
//
//	go test ./store -run XXX -bench AgencyBinding -benchtime 2s
func BenchmarkAgencyBinding(b *testing.B) {
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "citdesk.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	agencies := benchAgencies(b, db, 2, 50)
	svc := db.DispatchService()
	for _, c := range []struct {
		name  string
		order []int
	}{{"agency2", []int{1}}, {"agency1", []int{0}}, {"alternating", []int{0, 1}}} {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := svc.State(agencies[c.order[i%len(c.order)]]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
