package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// serviceAccount creates a service account through the API as the admin
// whose token is admin, and returns it with its token.
func (e *env) serviceAccount(admin, name string, scopes ...string) (*citdesk.ServiceAccount, string) {
	e.t.Helper()
	res := e.do("POST", "/api/v1/service-accounts", admin, map[string]any{"name": name, "scopes": scopes})
	if res.StatusCode != http.StatusCreated {
		e.t.Fatalf("create service account %s: %d %s", name, res.StatusCode, res.Body)
	}
	checkOpenAPI(e.t, "POST", "/service-accounts", res)
	var out struct {
		ServiceAccount citdesk.ServiceAccount `json:"service_account"`
		Token          string
	}
	res.JSON(e.t, &out)
	return &out.ServiceAccount, out.Token
}

// auditCount counts the agency's audit events of action.
func (e *env) auditCount(action string) int {
	e.t.Helper()
	events, err := e.DB.AuditService().ListAudit(e.Op, citdesk.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(events)
}

// TestServiceAccountScopes: a service account may take exactly the actions
// whose scope it holds; a missing scope is a 403 problem naming it; it is
// refused by every page; every request it makes is audited.
func TestServiceAccountScopes(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		admin := e.token("admin")
		_, reader := e.serviceAccount(admin, "cad-reader", "calls:read")
		_, writer := e.serviceAccount(admin, "cad", "calls:write", "calls:read")
		_, metrics := e.serviceAccount(admin, "prometheus", "metrics")

		// Refusals name the missing scope.
		res := e.do("POST", "/api/v1/calls", reader, map[string]any{"nature": "Welfare check", "address": "12 Elm St"})
		if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, `\"calls:write\"`) {
			t.Errorf("create a call with calls:read only: %d %s, want 403 naming calls:write", res.StatusCode, res.Body)
		}
		checkOpenAPI(t, "POST", "/calls", res)
		if res := e.do("GET", "/api/v1/calls", metrics, nil); res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "calls:read") {
			t.Errorf("list calls with metrics only: %d %s, want 403 naming calls:read", res.StatusCode, res.Body)
		}
		if res := e.do("GET", "/api/v1/me", writer, nil); res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "no scope allows it") {
			t.Errorf("a person's own account for a service account: %d %s, want 403", res.StatusCode, res.Body)
		}
		if res := e.do("GET", "/api/v1/service-accounts", writer, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("a service account listing service accounts: %d, want 403", res.StatusCode)
		}

		// What the scopes allow.
		res = e.do("POST", "/api/v1/calls", writer, map[string]any{"nature": "Welfare check", "address": "12 Elm St"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create a call with calls:write: %d %s", res.StatusCode, res.Body)
		}
		var call citdesk.Call
		res.JSON(t, &call)
		if res := e.do("GET", fmt.Sprintf("/api/v1/calls/%d", call.ID), reader, nil); res.StatusCode != http.StatusOK {
			t.Errorf("read a call with calls:read: %d %s", res.StatusCode, res.Body)
		}
		if res := e.do("GET", "/metrics", metrics, nil); res.StatusCode != http.StatusOK {
			t.Errorf("/metrics with the metrics scope: %d", res.StatusCode)
		}
		if res := e.do("GET", "/metrics", reader, nil); res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, `\"metrics\"`) {
			t.Errorf("/metrics without the metrics scope: %d %s", res.StatusCode, res.Body)
		}

		// Every use is audited, with what it was for; refused or not.
		before := e.auditCount("service_token.use")
		e.do("GET", "/api/v1/calls", reader, nil)
		e.do("POST", "/api/v1/calls", reader, map[string]any{"nature": "x", "address": "y"})
		if got := e.auditCount("service_token.use") - before; got != 2 {
			t.Errorf("two requests left %d service_token.use events, want 2", got)
		}
		events, _ := e.DB.AuditService().ListAudit(e.Op, citdesk.AuditFilter{Action: "service_token.use", Limit: 1})
		if len(events) != 1 || !strings.HasSuffix(events[0].Detail, "POST /api/v1/calls") || events[0].Actor != "svc.desoto.cad-reader" || strings.Contains(events[0].Detail, reader) {
			t.Errorf("last use event: %+v", events)
		}

		// Never a page: not as a bearer token, not as a cookie.
		for _, path := range []string{"/board", "/admin/service-accounts", "/"} {
			res := e.do("GET", path, writer, nil)
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET %s with a service token: %d, want 401", path, res.StatusCode)
			}
			req, _ := http.NewRequest("GET", e.Server.URL+path, nil)
			req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: writer})
			if res := e.browser().send(req); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
				t.Errorf("GET %s with a service token as the cookie: %d %q, want sent to sign in", path, res.StatusCode, res.Header.Get("Location"))
			}
		}
		// Nor a password: its user has none, and an admin cannot set one.
		if res := e.do("POST", "/api/v1/tokens", "", map[string]string{"username": "svc.desoto.cad", "password": "any password at all"}); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("password sign-in as a service account: %d", res.StatusCode)
		}
	})
}

// TestServiceAccountTokens: tokens are listed (never their secrets),
// rotated (the old one stops at once) and revoked, by the API and the page.
func TestServiceAccountTokens(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		admin := e.token("admin")
		sa, first := e.serviceAccount(admin, "cad", "calls:read")
		if res := e.do("POST", "/api/v1/service-accounts", admin, map[string]any{"name": "cad", "scopes": []string{"calls:read"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"name"`) {
			t.Errorf("a second account of the same name: %d %s", res.StatusCode, res.Body)
		}
		if res := e.do("POST", "/api/v1/service-accounts", admin, map[string]any{"name": "avl", "scopes": []string{"positions:write", "root"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"scopes"`) {
			t.Errorf("an unknown scope: %d %s", res.StatusCode, res.Body)
		}
		if res := e.do("POST", fmt.Sprintf("/api/v1/users/%d/password", sa.ID), admin, map[string]any{"password": "a long new password"}); res.StatusCode != http.StatusConflict {
			t.Errorf("an admin setting a service account's password: %d %s, want 409", res.StatusCode, res.Body)
		}

		res := e.do("GET", "/api/v1/service-accounts", admin, nil)
		checkOpenAPI(t, "GET", "/service-accounts", res)
		if strings.Contains(res.Body, first) || !strings.Contains(res.Body, first[:9]) {
			t.Errorf("the list shows the secret, or not its hint: %s", res.Body)
		}

		res = e.do("POST", fmt.Sprintf("/api/v1/service-accounts/%d/tokens", sa.ID), admin, nil)
		checkOpenAPI(t, "POST", "/service-accounts/{id}/tokens", res)
		var rotated struct {
			ServiceToken citdesk.ServiceToken `json:"service_token"`
			Token        string
		}
		res.JSON(t, &rotated)
		if res := e.do("GET", "/api/v1/calls", first, nil); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("the token before rotation: %d, want 401", res.StatusCode)
		}
		if res := e.do("GET", "/api/v1/calls", rotated.Token, nil); res.StatusCode != http.StatusOK {
			t.Errorf("the rotated token: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("DELETE", fmt.Sprintf("/api/v1/service-accounts/%d/tokens/%d", sa.ID, rotated.ServiceToken.ID), admin, nil)
		checkOpenAPI(t, "DELETE", "/service-accounts/{id}/tokens/{tokenid}", res)
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("revoke token: %d %s", res.StatusCode, res.Body)
		}
		if res := e.do("GET", "/api/v1/calls", rotated.Token, nil); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a revoked token: %d, want 401", res.StatusCode)
		}

		// The page: add one, see its token once, revoke the account.
		b := e.browser()
		b.login("admin")
		res = b.form("/admin/service-accounts", url.Values{"name": {"avl"}, "scope": {"positions:write"}})
		if res.StatusCode != http.StatusCreated || !strings.Contains(res.Body, citdesk.ServiceTokenPrefix) || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("add on the page: %d %s", res.StatusCode, res.Body)
		}
		if res := b.get("/admin/service-accounts"); res.StatusCode != http.StatusOK || strings.Contains(res.Body, "New token for") || !strings.Contains(res.Body, "positions:write") {
			t.Errorf("the list after adding: %d", res.StatusCode)
		}
		if res := b.form("/admin/service-accounts", url.Values{"name": {"x"}, "scope": {"calls:read"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Name must be") {
			t.Errorf("a bad name on the page: %d", res.StatusCode)
		}
		if res := b.form(fmt.Sprintf("/admin/service-accounts/%d/revoke", sa.ID), nil); res.StatusCode != http.StatusSeeOther {
			t.Errorf("revoke on the page: %d %s", res.StatusCode, res.Body)
		}
		if res := e.do("DELETE", fmt.Sprintf("/api/v1/service-accounts/%d", sa.ID), admin, nil); res.StatusCode != http.StatusConflict {
			t.Errorf("revoking a revoked account: %d", res.StatusCode)
		}
	})
}

// TestServiceAccountTenancy: a service account reaches its own agency's
// records only, and one agency's admin cannot see or touch another's
// service accounts.
func TestServiceAccountTenancy(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		admin := e.token("admin")
		sa, token := e.serviceAccount(admin, "cad", "calls:read", "calls:write")

		_, otherOp := storetest.Agency(t, e.DB, "other")
		storetest.User(t, e.DB, otherOp, "other-admin", citdesk.RoleAdmin)
		otherAdmin := e.token("other-admin")
		_, otherToken := e.serviceAccount(otherAdmin, "cad", "calls:write")
		res := e.do("POST", "/api/v1/calls", otherToken, map[string]any{"nature": "Welfare check", "address": "1 Main St"})
		var otherCall citdesk.Call
		res.JSON(t, &otherCall)

		if res := e.do("GET", fmt.Sprintf("/api/v1/calls/%d", otherCall.ID), token, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("another agency's call: %d, want 404", res.StatusCode)
		}
		var list struct{ Calls []citdesk.Call }
		e.do("GET", "/api/v1/calls", token, nil).JSON(t, &list)
		if len(list.Calls) != 0 {
			t.Errorf("another agency's calls listed: %+v", list.Calls)
		}
		var accounts struct {
			ServiceAccounts []citdesk.ServiceAccount `json:"service_accounts"`
		}
		e.do("GET", "/api/v1/service-accounts", otherAdmin, nil).JSON(t, &accounts)
		if len(accounts.ServiceAccounts) != 1 || accounts.ServiceAccounts[0].Username != "svc.other.cad" {
			t.Errorf("the other agency's list: %+v", accounts.ServiceAccounts)
		}
		for _, req := range [][2]string{
			{"POST", fmt.Sprintf("/api/v1/service-accounts/%d/tokens", sa.ID)},
			{"DELETE", fmt.Sprintf("/api/v1/service-accounts/%d/tokens/%d", sa.ID, sa.Tokens[0].ID)},
			{"DELETE", fmt.Sprintf("/api/v1/service-accounts/%d", sa.ID)},
		} {
			if res := e.do(req[0], req[1], otherAdmin, nil); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s by another agency's admin: %d, want 404", req[0], req[1], res.StatusCode)
			}
		}
		if res := e.do("GET", "/api/v1/calls", token, nil); res.StatusCode != http.StatusOK {
			t.Errorf("the token after the other admin's attempts: %d", res.StatusCode)
		}
	})
}
