package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// sessionList is GET /api/v1/me/sessions.
type sessionList struct {
	Sessions []struct {
		ID      int64
		Kind    string
		Current bool
	}
}

// TestTokensAndPages: a bearer token answered pages (GET /board with
// Authorization: Bearer gave the board) and ignored the idle timeout. Now
// pages refuse it and an idle token ends.
func TestTokensAndPages(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("root", citdesk.RoleAdmin, citdesk.RoleDispatcher)
		tok := e.token("root")
		for _, path := range []string{"/", "/board", "/account", "/admin/users", "/audit", "/cit"} {
			if res := e.do("GET", path, tok, nil); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET %s with a bearer token: %d, want 401", path, res.StatusCode)
			}
		}
		if res := e.do("GET", "/api/v1/me", tok, nil); res.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/me: %d", res.StatusCode)
		}
		e.Clock.Advance(31 * time.Minute)
		res := e.do("GET", "/api/v1/me", tok, nil)
		wantProblem(t, res, http.StatusUnauthorized, "")
	})
}

func TestChangeOwnPassword(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("amy", citdesk.RoleDispatcher)
		tok, other := e.token("amy"), e.token("amy")
		change := func(current, new string) response {
			res := e.do("POST", "/api/v1/me/password", tok, map[string]string{"current": current, "new": new})
			checkOpenAPI(t, "POST", "/me/password", res)
			return res
		}
		wantProblem(t, change("not my password", "a new long password"), http.StatusUnprocessableEntity, "current")
		// Each was accepted before; the agency here is "Test PD desoto".
		for _, weak := range []string{"        ", "\t\t\t\t\t\t\t\t", "aaaaaaaaa", "a long\npassword", "Test PD desoto", "desoto2026"} {
			wantProblem(t, change(storetest.TestPassword, weak), http.StatusUnprocessableEntity, "new")
		}
		if res := change(storetest.TestPassword, "a new long password"); res.StatusCode != http.StatusNoContent {
			t.Fatalf("change: %d %s", res.StatusCode, res.Body)
		}
		if res := e.do("GET", "/api/v1/me", tok, nil); res.StatusCode != http.StatusOK {
			t.Errorf("the token that changed it: %d, want 200", res.StatusCode)
		}
		wantProblem(t, e.do("GET", "/api/v1/me", other, nil), http.StatusUnauthorized, "")
		wantProblem(t, e.do("POST", "/api/v1/tokens", "", tokenBody("amy", storetest.TestPassword)), http.StatusUnauthorized, "")
		if res := e.do("POST", "/api/v1/tokens", "", tokenBody("amy", "a new long password")); res.StatusCode != http.StatusCreated {
			t.Errorf("new password: %d", res.StatusCode)
		}

		// The page.
		b := e.browser()
		if res := b.form("/login", url.Values{"username": {"amy"}, "password": {"a new long password"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in with the new password: %d", res.StatusCode)
		}
		if res := b.get("/account"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Change password") {
			t.Fatalf("GET /account: %d", res.StatusCode)
		}
		if res := b.form("/account/password", url.Values{"current": {"a new long password"}, "new": {"zzzzzzzzzz"}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("weak password on the page: %d", res.StatusCode)
		}
		if res := b.form("/account/password", url.Values{"current": {"a new long password"}, "new": {"another long password"}}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("change on the page: %d %s", res.StatusCode, res.Body)
		}
		if res := b.get("/account"); res.StatusCode != http.StatusOK {
			t.Errorf("the browser that changed it: %d, want 200", res.StatusCode)
		}
	})
}

func TestSessionsListedAndRevoked(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("amy", citdesk.RoleDispatcher)
		e.user("dan", citdesk.RoleDispatcher)
		b := e.browser()
		b.login("amy")
		tok := e.token("amy")
		res := e.do("GET", "/api/v1/me/sessions", tok, nil)
		checkOpenAPI(t, "GET", "/me/sessions", res)
		var list sessionList
		res.JSON(t, &list)
		if len(list.Sessions) != 2 || !list.Sessions[0].Current || list.Sessions[0].Kind != "token" || list.Sessions[1].Kind != "cookie" {
			t.Fatalf("sessions: %s", res.Body)
		}
		if strings.Contains(res.Body, tok) {
			t.Fatal("the session list shows a secret")
		}
		cookieID := list.Sessions[1].ID
		// Another user's session is not found.
		res = e.do("DELETE", fmt.Sprintf("/api/v1/me/sessions/%d", cookieID), e.token("dan"), nil)
		wantProblem(t, res, http.StatusNotFound, "")
		checkOpenAPI(t, "DELETE", "/me/sessions/{id}", res)
		if res := b.get("/board"); res.StatusCode != http.StatusOK {
			t.Fatalf("board before revoking: %d", res.StatusCode)
		}
		res = e.do("DELETE", fmt.Sprintf("/api/v1/me/sessions/%d", cookieID), tok, nil)
		checkOpenAPI(t, "DELETE", "/me/sessions/{id}", res)
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", res.StatusCode, res.Body)
		}
		if res := b.get("/board"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("revoked cookie: %d, want a redirect to sign in", res.StatusCode)
		}
	})
}

// TestOneSessionAndLifetime: a second sign-in ends the first browser
// session unless the policy allows more; a session ends 12 h after sign-in
// however busy.
func TestOneSessionAndLifetime(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("amy", citdesk.RoleDispatcher)
		first, second := e.browser(), e.browser()
		first.login("amy")
		second.login("amy")
		if res := first.get("/board"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("older session after a new sign-in: %d, want a redirect", res.StatusCode)
		}
		if res := second.get("/board"); res.StatusCode != http.StatusOK {
			t.Fatalf("newer session: %d", res.StatusCode)
		}
		p := e.Agency.Policy
		p.MaxSessions = 2
		if err := e.DB.AgencyService().UpdatePolicy(e.Op, e.Agency.ID, p); err != nil {
			t.Fatal(err)
		}
		first.login("amy")
		if res := second.get("/board"); res.StatusCode != http.StatusOK {
			t.Errorf("with max_sessions 2: %d, want 200", res.StatusCode)
		}
		for range 12*3 - 1 {
			e.Clock.Advance(20 * time.Minute)
			if res := second.get("/board"); res.StatusCode != http.StatusOK {
				t.Fatalf("busy session at %v: %d", e.Clock.Now(), res.StatusCode)
			}
		}
		e.Clock.Advance(20 * time.Minute)
		if res := second.get("/board"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("session after 12 h: %d, want a redirect to sign in", res.StatusCode)
		}
	})
}

// TestAdminDisablesAndResets: disabling ends a user's sessions and tokens
// at once; a reset password ends them too; the refusal to sign in a
// disabled user looks like any other.
func TestAdminDisablesAndResets(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		root := e.user("root", citdesk.RoleAdmin)
		amy := e.user("amy", citdesk.RoleDispatcher)
		e.user("dan", citdesk.RoleDispatcher)
		admin, amyTok, dan := e.token("root"), e.token("amy"), e.token("dan")
		b := e.browser()
		b.login("amy")
		path := func(id int64, what string) string { return fmt.Sprintf("/api/v1/users/%d/%s", id, what) }

		res := e.do("POST", path(amy.ID, "disable"), dan, nil)
		wantProblem(t, res, http.StatusForbidden, "")
		checkOpenAPI(t, "POST", "/users/{id}/disable", res)
		res = e.do("POST", path(root.ID, "disable"), admin, nil)
		wantProblem(t, res, http.StatusConflict, "")
		checkOpenAPI(t, "POST", "/users/{id}/disable", res)
		res = e.do("POST", path(amy.ID, "disable"), admin, nil)
		checkOpenAPI(t, "POST", "/users/{id}/disable", res)
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("disable: %d %s", res.StatusCode, res.Body)
		}
		wantProblem(t, e.do("GET", "/api/v1/me", amyTok, nil), http.StatusUnauthorized, "")
		if res := b.get("/board"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("disabled user's browser: %d, want a redirect", res.StatusCode)
		}
		refused := e.do("POST", "/api/v1/tokens", "", tokenBody("amy", storetest.TestPassword))
		unknown := e.do("POST", "/api/v1/tokens", "", tokenBody("nobody", storetest.TestPassword))
		if refused.StatusCode != http.StatusUnauthorized || refused.Body != unknown.Body {
			t.Errorf("disabled user signing in: %d %s; unknown user: %s", refused.StatusCode, refused.Body, unknown.Body)
		}
		res = e.do("POST", path(amy.ID, "enable"), admin, nil)
		checkOpenAPI(t, "POST", "/users/{id}/enable", res)
		amyTok = e.token("amy")

		res = e.do("POST", path(amy.ID, "password"), admin, map[string]string{"password": "aaaaaaaaaaaa"})
		wantProblem(t, res, http.StatusUnprocessableEntity, "password")
		checkOpenAPI(t, "POST", "/users/{id}/password", res)
		res = e.do("POST", path(amy.ID, "password"), dan, map[string]string{"password": "a reset long password"})
		wantProblem(t, res, http.StatusForbidden, "")
		res = e.do("POST", path(amy.ID, "password"), admin, map[string]string{"password": "a reset long password"})
		checkOpenAPI(t, "POST", "/users/{id}/password", res)
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("reset: %d %s", res.StatusCode, res.Body)
		}
		wantProblem(t, e.do("GET", "/api/v1/me", amyTok, nil), http.StatusUnauthorized, "")
		if res := e.do("POST", "/api/v1/tokens", "", tokenBody("amy", "a reset long password")); res.StatusCode != http.StatusCreated {
			t.Errorf("sign in with the reset password: %d", res.StatusCode)
		}

		// The pages.
		ab := e.browser()
		ab.login("root")
		if res := ab.get("/admin/users"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "amy") {
			t.Fatalf("GET /admin/users: %d", res.StatusCode)
		}
		if res := ab.form(fmt.Sprintf("/admin/users/%d/disable", amy.ID), nil); res.StatusCode != http.StatusSeeOther {
			t.Errorf("disable on the page: %d", res.StatusCode)
		}
		if res := ab.form(fmt.Sprintf("/admin/users/%d/enable", amy.ID), nil); res.StatusCode != http.StatusSeeOther {
			t.Errorf("enable on the page: %d", res.StatusCode)
		}
		if res := ab.form(fmt.Sprintf("/admin/users/%d/password", amy.ID), url.Values{"password": {"        "}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("blank reset on the page: %d", res.StatusCode)
		}
		db := e.browser()
		db.login("dan")
		if res := db.get("/admin/users"); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET /admin/users as a dispatcher: %d, want 403", res.StatusCode)
		}
	})
}

// TestUsernameInAnotherAgency: "Username "amy" is taken" told an admin of
// one agency that another agency hosted here has an amy. The answer is now
// the same whichever agency holds the name.
func TestUsernameInAnotherAgency(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("root", citdesk.RoleAdmin)
		e.user("dan", citdesk.RoleDispatcher)
		_, otherOp := storetest.Agency(t, e.DB, "elsewhere")
		storetest.User(t, e.DB, otherOp, "amy", citdesk.RoleDispatcher)
		admin := e.token("root")
		create := func(name string) web.Problem {
			res := e.do("POST", "/api/v1/users", admin, map[string]any{"username": name, "roles": []string{"analyst"}, "password": "a long enough password"})
			return wantProblem(t, res, http.StatusUnprocessableEntity, "username")
		}
		here, there := create("dan"), create("amy")
		if here.Detail != there.Detail || strings.Contains(there.Detail, "elsewhere") {
			t.Errorf("name in this agency: %q; in another: %q", here.Detail, there.Detail)
		}
	})
}

// TestStepUpAtTheDoor shows that every action the permission table marks
// for step-up asks for it, through the API and the pages alike: an admin
// signed in six minutes ago must confirm password and second factor again
// before disabling a user, and is sent to /step-up, not refused, on a page.
func TestStepUpAtTheDoor(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		target := e.user("target", citdesk.RoleAnalyst)
		tok := e.token("admin")
		b := e.browser()
		b.login("admin")
		e.Clock.Advance(6 * time.Minute)

		res := e.do("POST", fmt.Sprintf("/api/v1/users/%d/disable", target.ID), tok, map[string]any{})
		if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, `"step_up_required"`) {
			t.Fatalf("disable without step-up: %d %s", res.StatusCode, res.Body)
		}
		req, _ := http.NewRequest("POST", e.Server.URL+fmt.Sprintf("/admin/users/%d/disable", target.ID), strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", e.Server.URL)
		req.Header.Set("Referer", e.Server.URL+"/admin/users")
		res = b.send(req)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/step-up?next="+url.QueryEscape("/admin/users") {
			t.Fatalf("disable page without step-up: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if u, err := e.DB.UserService().FindUserByID(e.Op, target.ID); err != nil || u.Disabled {
			t.Fatalf("the user was disabled without a step-up: %+v %v", u, err)
		}
		// Nor may whoever holds the session for a moment swap in a second
		// factor of their own.
		if res := e.do("POST", "/api/v1/me/mfa/totp", tok, map[string]any{}); res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, `"step_up_required"`) {
			t.Errorf("replace the authenticator without step-up: %d %s", res.StatusCode, res.Body)
		}
		// Listing users is not sensitive: no step-up.
		if res := e.do("GET", "/api/v1/users", tok, nil); res.StatusCode != http.StatusOK {
			t.Errorf("list users: %d", res.StatusCode)
		}
	})
}
