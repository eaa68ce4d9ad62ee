package store_test

import (
	"context"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// TestPostgresKeepsStatements shows that on PostgreSQL each connection
// keeps the statements it has run, as SQLite's do (stmtcache.go): the store
// opens PostgreSQL through pgx's database/sql driver, whose default mode
// (QueryExecModeCacheStatement) prepares each text once per connection and
// runs it by name after. Read twice on one connection, the officer list is
// among the connection's prepared statements, prepared once.
func TestPostgresKeepsStatements(t *testing.T) {
	db, _ := storetest.Open(t, storetest.Postgres)
	_, ctx := storetest.Agency(t, db, "pg")
	pool := db.TestReadPool()
	pool.SetMaxOpenConns(1)
	for range 3 {
		if _, err := db.OfficerService().ListOfficers(ctx, citdesk.OfficerFilter{OnDuty: true}); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := pool.QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM officers o%' AND statement NOT LIKE '%pg_prepared_statements%' AND NOT from_sql`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("the officer list is prepared %d times on the connection after three reads, want once and kept", n)
	}
}
