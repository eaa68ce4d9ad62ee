package store_test

import (
	"context"
	"io"
	"log/slog"
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

// newQuietBus starts an event bus on db that logs nothing; it is closed
// when the test ends. It does not become db.Events: the test says when.
func newQuietBus(t *testing.T, db *store.DB) *store.EventBus {
	t.Helper()
	bus, err := store.NewEventBus(context.Background(), db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	return bus
}
