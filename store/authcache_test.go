package store_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// signIn opens a session of kind for username and returns its secret.
func signIn(t *testing.T, db *store.DB, username, kind string) string {
	t.Helper()
	_, _, secret, err := db.UserService().Authenticate(context.Background(), username, storetest.TestPassword, kind)
	if err != nil {
		t.Fatalf("sign in %s: %v", username, err)
	}
	return secret
}

// mustFind asks who secret is and fails unless it is username, returning
// the user and how many answers came from memory on the way.
func mustFind(t *testing.T, db *store.DB, secret, username string) (*citdesk.User, int64) {
	t.Helper()
	before := db.AuthCacheHits()
	u, _, err := db.UserService().FindSession(context.Background(), secret)
	if err != nil {
		t.Fatalf("find session of %s: %v", username, err)
	}
	if u.Username != username {
		t.Fatalf("session of %s answered as %s", username, u.Username)
	}
	return u, db.AuthCacheHits() - before
}

func mustRefuse(t *testing.T, db *store.DB, secret, what string) {
	t.Helper()
	if _, _, err := db.UserService().FindSession(context.Background(), secret); citdesk.ErrorCode(err) != citdesk.EUNAUTHORIZED {
		t.Fatalf("%s: FindSession returned %v, want refused (unauthorized)", what, err)
	}
}

// TestSessionCacheRefusesAtOnce: sessions and tokens are answered from
// memory (issue 12), and sign-out, a token ended from the sessions page, a
// disabled user and a role change each take effect on the very next
// request, on both engines.
func TestSessionCacheRefusesAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db, _ := storetest.Open(t, e)
		newQuietBus(t, db) // on PostgreSQL, the cache is on while a bus listens
		_, op := storetest.Agency(t, db, "cache")
		storetest.User(t, db, op, "ann", citdesk.RoleDispatcher)
		bob, _ := storetest.User(t, db, op, "bob", citdesk.RoleDispatcher)
		storetest.User(t, db, op, "cy", citdesk.RoleDispatcher)
		admin, _ := storetest.User(t, db, op, "root", citdesk.RoleAdmin)
		adminCtx := citdesk.NewContextWithActor(context.Background(), citdesk.ActorFor(admin, "192.0.2.1"))

		// Sign-out.
		ann := signIn(t, db, "ann", citdesk.SessionCookie)
		mustFind(t, db, ann, "ann")
		if _, hits := mustFind(t, db, ann, "ann"); hits != 1 {
			t.Fatalf("a session read a moment ago was not answered from memory (%d hits)", hits)
		}
		if err := db.UserService().EndSession(context.Background(), ann); err != nil {
			t.Fatal(err)
		}
		mustRefuse(t, db, ann, "signed out")

		// A token ended by its owner (the sessions page's revoke).
		tok := signIn(t, db, "cy", citdesk.SessionToken)
		u, _ := mustFind(t, db, tok, "cy")
		mustFind(t, db, tok, "cy")
		_, sess, _ := db.UserService().FindSession(context.Background(), tok)
		owner := citdesk.NewContextWithActor(context.Background(), citdesk.ActorFor(u, "192.0.2.1"))
		if err := db.SessionService().EndSessionByID(owner, sess.ID); err != nil {
			t.Fatal(err)
		}
		mustRefuse(t, db, tok, "revoked token")

		// A role change is seen at once; disabling the user refuses it.
		bobTok := signIn(t, db, "bob", citdesk.SessionToken)
		mustFind(t, db, bobTok, "bob")
		if _, err := db.UserService().SetUserRoles(adminCtx, bob.ID, []citdesk.Role{citdesk.RoleAnalyst}); err != nil {
			t.Fatal(err)
		}
		if u, _ := mustFind(t, db, bobTok, "bob"); !u.HasRole(citdesk.RoleAnalyst) || u.HasRole(citdesk.RoleDispatcher) {
			t.Fatalf("after the role change bob's session says roles %v", u.Roles)
		}
		if err := db.UserService().SetUserDisabled(adminCtx, bob.ID, true); err != nil {
			t.Fatal(err)
		}
		mustRefuse(t, db, bobTok, "disabled user")
	})
}

// TestSessionCacheAcrossReplicas runs two replicas (two store handles, each
// with its event bus) on one PostgreSQL database: a token signed out or
// revoked on one is refused by the other, which had it in memory, as soon
// as the notification arrives.
func TestSessionCacheAcrossReplicas(t *testing.T) {
	dsn := storetest.DSN(t, storetest.Postgres)
	one, two := openDSN(t, dsn), openDSN(t, dsn)
	two.Clock = one.Clock
	newQuietBus(t, one)
	newQuietBus(t, two)
	_, op := storetest.Agency(t, one, "replicas")
	storetest.User(t, one, op, "ann", citdesk.RoleDispatcher)
	dee, _ := storetest.User(t, one, op, "dee", citdesk.RoleDispatcher)
	admin, _ := storetest.User(t, one, op, "root", citdesk.RoleAdmin)
	adminCtx := citdesk.NewContextWithActor(context.Background(), citdesk.ActorFor(admin, "192.0.2.1"))

	refusedWithin := func(secret, what string) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for {
			_, _, err := two.UserService().FindSession(context.Background(), secret)
			if citdesk.ErrorCode(err) == citdesk.EUNAUTHORIZED {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s on replica one: replica two still answers %v after 3 s", what, err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	for _, c := range []struct {
		name, user string
		end        func(secret string) error
	}{
		{"sign-out", "ann", func(secret string) error { return one.UserService().EndSession(context.Background(), secret) }},
		{"user disabled", "dee", func(string) error { return one.UserService().SetUserDisabled(adminCtx, dee.ID, true) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			secret := signIn(t, one, c.user, citdesk.SessionToken)
			// The sign-in's own notification may empty replica two's
			// memory a moment later; read until it answers from memory.
			for deadline := time.Now().Add(3 * time.Second); ; {
				if _, hits := mustFind(t, two, secret, c.user); hits == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("replica two never answered from memory")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := c.end(secret); err != nil {
				t.Fatal(err)
			}
			mustRefuse(t, one, secret, c.name+" on its own replica")
			refusedWithin(secret, c.name)
		})
	}
}

// TestSessionLastSeenOncePerMinute: a session used every few seconds has
// its last-seen time written at most once a minute.
func TestSessionLastSeenOncePerMinute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db, clock := storetest.Open(t, e)
		newQuietBus(t, db)
		_, op := storetest.Agency(t, db, "touch")
		storetest.User(t, db, op, "ann", citdesk.RoleDispatcher)
		secret := signIn(t, db, "ann", citdesk.SessionToken)
		u, _ := mustFind(t, db, secret, "ann")
		actor := citdesk.NewContextWithActor(context.Background(), citdesk.ActorFor(u, "192.0.2.1"))
		lastSeen := func() time.Time {
			t.Helper()
			list, err := db.SessionService().ListSessions(actor)
			if err != nil || len(list) != 1 {
				t.Fatalf("list sessions: %v, %v", list, err)
			}
			return list[0].LastSeen
		}
		start := lastSeen()
		writes := db.TxStats().Writes
		for range 11 { // 55 s of requests, one every 5 s
			clock.Advance(5 * time.Second)
			mustFind(t, db, secret, "ann")
		}
		if got := lastSeen(); !got.Equal(start) || db.TxStats().Writes != writes {
			t.Errorf("within the first minute last seen moved from %v to %v, with %d writes", start, got, db.TxStats().Writes-writes)
		}
		clock.Advance(10 * time.Second)
		mustFind(t, db, secret, "ann")
		mustFind(t, db, secret, "ann")
		if got := lastSeen(); !got.Equal(storetest.Epoch.Add(65*time.Second)) || db.TxStats().Writes != writes+1 {
			t.Errorf("after a minute last seen is %v with %d writes, want %v with one", got, db.TxStats().Writes-writes, storetest.Epoch.Add(65*time.Second))
		}
	})
}

// TestSessionCacheSeesOtherHandles: on SQLite a second handle on the same
// file (what the command line is beside a running server) signs a session
// out and disables a user with no notification; the first handle, which
// had both in memory, refuses them at its next request. Between commits
// it keeps answering from memory.
func TestSessionCacheSeesOtherHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "citdesk.db")
	server, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	_, op := storetest.Agency(t, server, "watch")
	storetest.User(t, server, op, "ann", citdesk.RoleDispatcher)
	bob, _ := storetest.User(t, server, op, "bob", citdesk.RoleDispatcher)
	admin, _ := storetest.User(t, server, op, "root", citdesk.RoleAdmin)
	ann := signIn(t, server, "ann", citdesk.SessionCookie)
	bobTok := signIn(t, server, "bob", citdesk.SessionToken)
	for range 2 {
		mustFind(t, server, ann, "ann")
		mustFind(t, server, bobTok, "bob")
	}
	var hits int64
	for range 5 {
		_, h1 := mustFind(t, server, ann, "ann")
		_, h2 := mustFind(t, server, bobTok, "bob")
		hits += h1 + h2
	}
	if hits != 10 {
		t.Fatalf("with no commit in between, %d of 10 answers came from memory", hits)
	}

	// The server's own commits (none touching sessions, users or
	// agencies) leave the answers in memory.
	hits = 0
	for i := range 5 {
		ownCommit(t, server, op, "S"+strconv.Itoa(i))
		_, h1 := mustFind(t, server, ann, "ann")
		_, h2 := mustFind(t, server, bobTok, "bob")
		hits += h1 + h2
	}
	if hits != 10 {
		t.Fatalf("between the server's own commits, %d of 10 answers came from memory", hits)
	}

	cli, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := cli.UserService().EndSession(context.Background(), ann); err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, server, ann, "signed out by another handle")
	mustFind(t, server, bobTok, "bob")
	// Another process's commit between two of the server's, none of them
	// followed by a request, is still seen.
	ownCommit(t, server, op, "S5")
	adminCtx := citdesk.NewContextWithActor(context.Background(), citdesk.ActorFor(admin, "192.0.2.1"))
	if err := cli.UserService().SetUserDisabled(adminCtx, bob.ID, true); err != nil {
		t.Fatal(err)
	}
	ownCommit(t, server, op, "S6")
	mustRefuse(t, server, bobTok, "disabled by another handle")
}

// TestSessionCacheAfterWriterReopened: serve closes SQLite's writer
// connection once start-up is done (ShrinkSQLite), and the next write
// opens a new one. A sign-out by another process made just before, with
// no request until the server's next commit, is still refused.
func TestSessionCacheAfterWriterReopened(t *testing.T) {
	path := filepath.Join(t.TempDir(), "citdesk.db")
	server, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	_, op := storetest.Agency(t, server, "reopen")
	storetest.User(t, server, op, "ann", citdesk.RoleDispatcher)
	ann := signIn(t, server, "ann", citdesk.SessionToken)
	ownCommit(t, server, op, "R0")
	mustFind(t, server, ann, "ann")
	if _, hits := mustFind(t, server, ann, "ann"); hits != 1 {
		t.Fatal("not answered from memory")
	}
	cli, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := cli.UserService().EndSession(context.Background(), ann); err != nil {
		t.Fatal(err)
	}
	if err := store.ShrinkSQLite(context.Background(), server); err != nil {
		t.Fatal(err)
	}
	ownCommit(t, server, op, "R1")
	mustRefuse(t, server, ann, "signed out by another handle before the writer was reopened")
}

// ownCommit commits a change that touches no session, user or agency: an
// officer with badge added to the roster through db.
func ownCommit(t *testing.T, db *store.DB, op context.Context, badge string) {
	t.Helper()
	if err := db.OfficerService().CreateOfficer(op, &citdesk.Officer{Badge: badge, FirstName: "Pat", LastName: "Officer", Active: true}); err != nil {
		t.Fatal(err)
	}
}
