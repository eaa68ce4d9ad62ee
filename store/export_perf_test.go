package store

import (
	"context"
	"database/sql"

	"citdesk"
	"citdesk/dispatch"
)

// TestReadPool returns the pool reads go through, for tests that look at
// its connections.
func (db *DB) TestReadPool() *sql.DB { return db.read }

// TestRecommendFromSQL is RecommendForCall read from the database, past
// the dispatch state kept in memory.
func (db *DB) TestRecommendFromSQL(ctx context.Context, callID int64) (*citdesk.Call, dispatch.Result, error) {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return nil, dispatch.Result{}, err
	}
	return db.recommendFromSQL(ctx, actor, callID)
}

// TestDropDispatchNotifications makes db's event bus lose the next n
// dispatch notifications from other replicas (0: none from now on).
func (db *DB) TestDropDispatchNotifications(n int) { db.testDropDispatch.Store(int32(n)) }

// TestDispatchCounts returns how many dispatch snapshots db has read and
// how many notifications it found missing.
func (db *DB) TestDispatchCounts() (loads, gaps int64) {
	return db.dispatch.loads.Load(), db.dispatch.gaps.Load()
}

// TestDispatchCaughtUp returns how many times db brought a dispatch
// snapshot up to date with officers' moves instead of reading it again.
func (db *DB) TestDispatchCaughtUp() int64 { return db.dispatch.caughtUp.Load() }

// TestHoldArgon2Slots takes every argon2id slot, as hashes running for
// other sign-ins would, until release is called. The slots are the
// process's, not db's; it is a method so that its name may start with
// Test outside a test's signature.
func (db *DB) TestHoldArgon2Slots() (release func()) {
	for range cap(argon2Slots) {
		argon2Slots <- struct{}{}
	}
	return func() {
		for range cap(argon2Slots) {
			<-argon2Slots
		}
	}
}
