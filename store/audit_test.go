package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

func TestAuditChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		dsn := storetest.DSN(t, e)
		db := openDSN(t, dsn)
		_, op := storetest.Agency(t, db, "desoto")
		storetest.User(t, db, op, "dana", citdesk.RoleDispatcher)
		ctx := context.Background()
		db.UserService().Authenticate(ctx, "dana", "wrong password!", citdesk.SessionCookie)
		db.UserService().Authenticate(ctx, "dana", storetest.TestPassword, citdesk.SessionCookie)

		// Concurrent writers still make one unbroken chain.
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := db.AuditService().Record(op, &citdesk.AuditEvent{Action: "test.concurrent", ObjectType: "test", ObjectID: "x"}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		br, n, err := db.AuditService().VerifyAudit(ctx)
		if err != nil || br != nil {
			t.Fatalf("intact chain: break %+v, err %v", br, err)
		}
		if n != 24 { // agency, user, two sign-ins, 20 records
			t.Fatalf("checked %d events, want 24", n)
		}

		// Sign-in attempts are recorded, success and failure, without the password.
		events, err := db.AuditService().ListAudit(op, citdesk.AuditFilter{Action: "signin"})
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[string]int{}
		for _, ev := range events {
			outcomes[ev.Outcome]++
			if strings.Contains(ev.Detail, storetest.TestPassword) || strings.Contains(ev.Detail, "wrong password!") {
				t.Fatalf("audit detail holds a password: %+v", ev)
			}
		}
		if outcomes[citdesk.OutcomeSuccess] != 1 || outcomes[citdesk.OutcomeFailure] != 1 {
			t.Fatalf("sign-in outcomes = %v", outcomes)
		}

		// The table refuses changes through SQL.
		raw := storetest.Raw(t, dsn)
		if _, err := raw.Exec(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 3`); err == nil {
			t.Fatal("update of an audit event was allowed")
		}

		// Someone who drops the guard and edits a row is caught at that row.
		storetest.DropAuditGuard(t, raw, e)
		if _, err := raw.Exec(`UPDATE audit_events SET outcome = 'success' WHERE seq = 3`); err != nil {
			t.Fatal(err)
		}
		br, _, err = db.AuditService().VerifyAudit(ctx)
		if err != nil || br == nil || br.Seq != 3 || !strings.Contains(br.Reason, "altered") {
			t.Fatalf("edited row: break %+v, err %v", br, err)
		}
	})
}

func TestAuditDeleteMiddle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		dsn := storetest.DSN(t, e)
		db := openDSN(t, dsn)
		_, op := storetest.Agency(t, db, "desoto")
		for i := 0; i < 10; i++ {
			db.AuditService().Record(op, &citdesk.AuditEvent{Action: "test", ObjectType: "test", ObjectID: "x"})
		}
		raw := storetest.Raw(t, dsn)
		storetest.DropAuditGuard(t, raw, e)
		if _, err := raw.Exec(`DELETE FROM audit_events WHERE seq = 7`); err != nil {
			t.Fatal(err)
		}
		br, _, err := db.AuditService().VerifyAudit(context.Background())
		if err != nil || br == nil || br.Seq != 7 || !strings.Contains(br.Reason, "missing") {
			t.Fatalf("deleted row 7: break %+v, err %v", br, err)
		}
	})
}

func TestAuditDeleteNewest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		dsn := storetest.DSN(t, e)
		db := openDSN(t, dsn)
		_, op := storetest.Agency(t, db, "desoto")
		storetest.User(t, db, op, "dana", citdesk.RoleDispatcher)
		raw := storetest.Raw(t, dsn)
		storetest.DropAuditGuard(t, raw, e)
		var last int64
		raw.QueryRow(`SELECT MAX(seq) FROM audit_events`).Scan(&last)
		if _, err := raw.Exec(`DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)`); err != nil {
			t.Fatal(err)
		}
		br, _, err := db.AuditService().VerifyAudit(context.Background())
		if err != nil || br == nil || br.Seq != last {
			t.Fatalf("deleted newest row %d: break %+v, err %v", last, br, err)
		}
	})
}

// TestAuditChainWithOtherHandles: on SQLite the writer keeps the chain's
// head from its last commit for the next one, unless another process has
// committed since. Here a second handle on the same file (the command line
// beside a running server) appends events between the server's commits,
// and the server's next events still follow them: one unbroken chain.
func TestAuditChainWithOtherHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "citdesk.db")
	server := openDSN(t, path)
	_, op := storetest.Agency(t, server, "desoto")
	cli := openDSN(t, path)
	record := func(db *store.DB, what string) {
		t.Helper()
		if err := db.AuditService().Record(op, &citdesk.AuditEvent{Action: "test." + what, ObjectType: "test", ObjectID: what}); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	for i := range 3 {
		record(server, fmt.Sprint("server", i))
		record(server, fmt.Sprint("server", i, "b"))
		record(cli, fmt.Sprint("cli", i))
	}
	record(server, "server-last")
	for _, db := range []*store.DB{server, cli} {
		br, n, err := db.AuditService().VerifyAudit(context.Background())
		if err != nil || br != nil {
			t.Fatalf("chain after both handles wrote: break %+v, err %v", br, err)
		}
		if n != 11 { // the agency's, then ten records
			t.Errorf("checked %d events, want 11", n)
		}
	}
}

// TestAuditHeadLockTakenLast: on PostgreSQL, a write transaction still
// busy after its first audit event does not hold the audit chain's head,
// so another audited write commits meanwhile; the chain through both
// verifies, the second's event first. Before, the head's row lock was
// taken at a transaction's first event and held to its commit, so every
// audited write queued behind the rest of another's statements (about 50
// of 85 busy backends waited for it in the write loop).
func TestAuditHeadLockTakenLast(t *testing.T) {
	db, _ := storetest.Open(t, storetest.Postgres) // skips without CITDESK_TEST_POSTGRES
	agency, _ := storetest.Agency(t, db, "desoto")
	ctx := context.Background()
	event := func(action string) *citdesk.AuditEvent {
		return &citdesk.AuditEvent{AgencyID: agency.ID, Actor: "test", Remote: "test", Action: action, ObjectType: "test", ObjectID: "1"}
	}
	held, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() { first <- db.TestAuditThenHold(ctx, event("test.held"), agency.ID, held, release) }()
	<-held
	second := make(chan error, 1)
	go func() { second <- db.AuditService().Record(ctx, event("test.meanwhile")) }()
	select {
	case err := <-second:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		close(release)
		<-first
		t.Fatal("an audited write waited 10 s for a transaction that had only appended its event")
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	var order []string
	if _, err := db.AuditService().ExportAudit(ctx, 0, func(e *citdesk.AuditEvent) error {
		if strings.HasPrefix(e.Action, "test.") {
			order = append(order, e.Action)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"test.meanwhile", "test.held"}; fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("events in the chain: %v, want %v", order, want)
	}
	if br, _, err := db.AuditService().VerifyAudit(ctx); err != nil || br != nil {
		t.Fatalf("the chain through both: %+v, %v", br, err)
	}
}
