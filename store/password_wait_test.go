package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
)

// TestSignInLeavesTheQueue: a sign-in whose caller gives up while every
// argon2id slot is taken (a flood of sign-ins) leaves the queue at once
// with a rate-limit error, instead of hashing later for no one. Nothing
// was checked, so nothing is counted or audited: the account's next
// sign-in succeeds and the trail holds no refusal.
func TestSignInLeavesTheQueue(t *testing.T) {
	db, _ := storetest.Open(t, storetest.SQLite)
	_, op := storetest.Agency(t, db, "argon")
	storetest.User(t, db, op, "ann", citdesk.RoleDispatcher)
	before, err := db.AuditService().ListAudit(op, citdesk.AuditFilter{Action: "signin"})
	must(t, err)

	release := db.TestHoldArgon2Slots()
	ctx, cancel := context.WithTimeout(op, 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, _, err := db.UserService().Authenticate(ctx, "ann", "a wrong password", citdesk.SessionCookie)
		done <- err
	}()
	select {
	case err := <-done:
		release()
		if citdesk.ErrorCode(err) != citdesk.ERATELIMIT || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("sign-in that gave up waiting: %v (code %s), want rate_limited wrapping the deadline", err, citdesk.ErrorCode(err))
		}
	case <-time.After(5 * time.Second):
		release()
		t.Fatal("a sign-in whose caller gave up still waited for an argon2 slot")
	}

	after, err := db.AuditService().ListAudit(op, citdesk.AuditFilter{Action: "signin"})
	must(t, err)
	if len(after) != len(before) {
		t.Errorf("%d sign-in events after a sign-in that made no attempt, want %d", len(after), len(before))
	}
	if _, _, _, err := db.UserService().Authenticate(op, "ann", storetest.TestPassword, citdesk.SessionCookie); err != nil {
		t.Fatalf("sign-in once the slots are free: %v", err)
	}
}
