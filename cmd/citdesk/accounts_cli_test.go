package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
)

// TestTokenIssue: an operator on the server prints one token for a user;
// it works, lasts --ttl, and the issue is in the audit trail (without the
// token).
func TestTokenIssue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--city", "De Soto", "--timezone", "America/Chicago")
		c.ok("a long test password\n", "user", "add", "--agency", "desoto", "--username", "cad", "--role", "dispatcher")
		if _, _, err := c.run("De Soto\n", "user", "add", "--agency", "desoto", "--username", "weak", "--role", "dispatcher"); err == nil {
			t.Error("user add accepted the agency's city as a password")
		}
		if _, _, err := c.run("", "token", "issue", "--agency", "desoto", "--username", "cad", "--ttl", "48h"); err == nil {
			t.Error("token issue accepted a ttl past the agency's token lifetime")
		}
		if _, _, err := c.run("", "token", "issue", "--agency", "desoto", "--username", "nobody"); err == nil {
			t.Error("token issue for an unknown user succeeded")
		}
		out := c.ok("", "token", "issue", "--agency", "desoto", "--username", "cad", "--ttl", "30m")
		token := strings.TrimSpace(out)
		if len(token) < 20 || strings.Contains(token, " ") {
			t.Fatalf("token issue printed %q, want one token", out)
		}
		db := c.open()
		u, sess, err := db.UserService().FindSession(context.Background(), token)
		if err != nil || u.Username != "cad" || sess.Kind != citdesk.SessionToken {
			t.Fatalf("issued token: %v %v", u, err)
		}
		if d := sess.ExpiresAt.Sub(sess.CreatedAt); d != 30*time.Minute {
			t.Errorf("token lasts %v, want 30m", d)
		}
		events, err := db.AuditService().ListAudit(citdesk.NewContextWithActor(context.Background(), citdesk.OperatorActor(u.AgencyID)), citdesk.AuditFilter{Action: "token.issue"})
		if err != nil || len(events) != 1 || strings.Contains(events[0].Detail, token) {
			t.Errorf("audit of token issue: %v %v", events, err)
		}
	})
}

// TestMetricsListener: /metrics answers without sign-in only on
// --metrics-addr; the main address wants a metrics-role token.
func TestMetricsListener(t *testing.T) {
	c := newCLI(t, storetest.SQLite)
	metrics := freeAddr(t)
	s := startServe(t, append([]string{"--metrics-addr", metrics}, c.data...)...)
	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Get("http://" + metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /metrics on --metrics-addr: %d, want 200", res.StatusCode)
	}
	res, err = client.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous GET /metrics on the main address: %d, want 401", res.StatusCode)
	}
	// Go's profiles only when asked (--pprof), and only there.
	for _, where := range []string{"http://" + metrics, s.base} {
		res, err = client.Get(where + "/debug/pprof/heap")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Errorf("GET %s/debug/pprof/heap without --pprof: 200", where)
		}
	}
}

// TestPprofListener: serve --pprof serves Go's heap profile on the
// metrics listener, never on the main address.
func TestPprofListener(t *testing.T) {
	c := newCLI(t, storetest.SQLite)
	metrics := freeAddr(t)
	s := startServe(t, append([]string{"--metrics-addr", metrics, "--pprof"}, c.data...)...)
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Get("http://" + metrics + "/debug/pprof/heap")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /debug/pprof/heap on --metrics-addr with --pprof: %d, want 200", res.StatusCode)
	}
	res, err = client.Get(s.base + "/debug/pprof/heap")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK {
		t.Error("GET /debug/pprof/heap on the main address: 200")
	}
}

// TestUserPassword: an operator on the server resets a lost password from
// the command line (the new one on stdin), under the same rules as every
// password; the old password stops working, the user's sessions end, and
// the reset is in the audit trail.
func TestUserPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--city", "De Soto", "--timezone", "America/Chicago", "--mfa", "optional")
		c.ok("a long test password\n", "user", "add", "--agency", "desoto", "--username", "jdoe", "--role", "dispatcher")
		db := c.open()
		ctx := context.Background()
		_, _, secret, err := db.UserService().Authenticate(ctx, "jdoe", "a long test password", citdesk.SessionToken)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.run("De Soto\n", "user", "password", "--agency", "desoto", "--username", "jdoe"); err == nil {
			t.Error("user password accepted the agency's city as a password")
		}
		if _, _, err := c.run("", "user", "password", "--agency", "desoto", "--username", "jdoe"); err == nil {
			t.Error("user password accepted no password")
		}
		if _, _, err := c.run("another long password\n", "user", "password", "--agency", "desoto", "--username", "nobody"); err == nil {
			t.Error("user password for an unknown user succeeded")
		}
		if _, _, err := db.UserService().FindSession(ctx, secret); err != nil {
			t.Fatalf("a refused reset ended the session: %v", err)
		}
		out := c.ok("another long password\n", "user", "password", "--agency", "desoto", "--username", "JDoe")
		if !strings.Contains(out, "jdoe") {
			t.Errorf("user password printed %q", out)
		}
		if _, _, err := db.UserService().FindSession(ctx, secret); err == nil {
			t.Error("the user's token still works after the reset")
		}
		if _, _, _, err := db.UserService().Authenticate(ctx, "jdoe", "a long test password", citdesk.SessionToken); err == nil {
			t.Error("the old password still signs in")
		}
		u, _, _, err := db.UserService().Authenticate(ctx, "jdoe", "another long password", citdesk.SessionToken)
		if err != nil {
			t.Fatalf("the new password does not sign in: %v", err)
		}
		events, err := db.AuditService().ListAudit(citdesk.NewContextWithActor(ctx, citdesk.OperatorActor(u.AgencyID)), citdesk.AuditFilter{Action: "user.password"})
		if err != nil || len(events) != 1 || events[0].Actor != "operator" || strings.Contains(events[0].Detail, "another") {
			t.Errorf("audit of the reset: %+v %v", events, err)
		}
	})
}
