package main

import (
	"context"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// TestServiceAccountCLI: "service-account add" prints one token, once; it
// signs in as the account with its scopes; "rotate" replaces it and
// "revoke" ends the account; bad scopes are refused naming the known ones.
func TestServiceAccountCLI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--city", "De Soto", "--timezone", "America/Chicago")
		if _, _, err := c.run("", "service-account", "add", "--agency", "desoto", "--name", "cad", "--scopes", "calls:write,everything"); err == nil || !strings.Contains(err.Error(), "calls:read") {
			t.Errorf("an unknown scope: %v, want refused naming the scopes", err)
		}
		out := c.ok("", "service-account", "add", "--agency", "desoto", "--name", "cad", "--scopes", "calls:write,calls:read")
		token := strings.TrimSpace(out)
		if !strings.HasPrefix(token, citdesk.ServiceTokenPrefix) || strings.ContainsAny(token, " \n") {
			t.Fatalf("service-account add printed %q, want one token", out)
		}
		db := c.open()
		sa, _, _, err := db.ServiceAccountService().UseServiceToken(context.Background(), token, "GET /api/v1/calls")
		if err != nil || sa.Name != "cad" || citdesk.JoinScopes(sa.Scopes) != "calls:write,calls:read" {
			t.Fatalf("the printed token: %+v %v", sa, err)
		}
		db.Close()
		if list := c.ok("", "service-account", "list", "--agency", "desoto"); strings.Contains(list, token) || !strings.Contains(list, "cad\tcalls:write,calls:read\tactive\t1 live token(s)") {
			t.Errorf("list = %q", list)
		}
		rotated := strings.TrimSpace(c.ok("", "service-account", "rotate", "--agency", "desoto", "--name", "cad"))
		db = c.open()
		if _, _, _, err := db.ServiceAccountService().UseServiceToken(context.Background(), token, "x"); citdesk.ErrorCode(err) != citdesk.EUNAUTHORIZED {
			t.Errorf("the old token after rotate: %v, want unauthorized", err)
		}
		if _, _, _, err := db.ServiceAccountService().UseServiceToken(context.Background(), rotated, "x"); err != nil {
			t.Errorf("the rotated token: %v", err)
		}
		db.Close()
		c.ok("", "service-account", "revoke", "--agency", "desoto", "--name", "cad")
		db = c.open()
		if _, _, _, err := db.ServiceAccountService().UseServiceToken(context.Background(), rotated, "x"); citdesk.ErrorCode(err) != citdesk.EUNAUTHORIZED {
			t.Errorf("a revoked account's token: %v, want unauthorized", err)
		}
	})
}
