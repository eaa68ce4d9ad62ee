package store_test

import (
	"context"
	"database/sql"
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// openDSN opens a citdesk database at dsn with a fake clock and cheap hashing.
func openDSN(t *testing.T, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, storetest.KeyOption())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Clock = citdesk.NewFakeClock(storetest.Epoch)
	db.Argon2 = store.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	return db
}

// rawDB opens the same database with plain SQL, as an intruder would.
func rawDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	driver, name := "sqlite", dsn
	if store.IsPostgres(dsn) {
		driver = "pgx"
	}
	raw, err := sql.Open(driver, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}
