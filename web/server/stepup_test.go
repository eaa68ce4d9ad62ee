package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/web"
)

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
