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
}
