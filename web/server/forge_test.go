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

// TestOfficerCannotForgeAccess replays the review's findings over HTTP:
// an officer who names a person, or a call, on a draft of their own gains
// nothing by it.
func TestOfficerCannotForgeAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportAPI(t, eng)
		var p citdesk.Person
		r.call(t, "coord", "POST", "/api/v1/persons", map[string]any{"first_name": "Dana", "last_name": "Whitley", "dob": "1979-02-03", "address": "12 Elm St"}, http.StatusCreated).JSON(t, &p)
		var plan citdesk.CrisisPlan
		today := citdesk.DateOf(r.Clock.Now(), r.Agency.Location())
		r.call(t, "coord", "POST", fmt.Sprintf("/api/v1/persons/%d/crisis-plans", p.ID), map[string]any{"address": "12 Elm St", "what_helps": "Quiet voice.",
			"consent_date": today.String(), "consented_by": "Dana Whitley"}, http.StatusCreated).JSON(t, &plan)
		ppath := fmt.Sprintf("/api/v1/persons/%d", p.ID)

		// The person: 404 before, and still 404 after naming them on a draft.
		r.call(t, "ofc", "GET", ppath, nil, http.StatusNotFound)
		var e citdesk.Encounter
		r.call(t, "ofc", "POST", "/api/v1/encounters", map[string]any{"person_id": p.ID, "address": "x"}, http.StatusCreated).JSON(t, &e)
		r.call(t, "ofc", "GET", ppath, nil, http.StatusNotFound)
		r.call(t, "ofc", "PUT", ppath, map[string]any{"first_name": "Dana", "last_name": "Whitley", "version": p.Version}, http.StatusNotFound)
		r.call(t, "ofc", "GET", fmt.Sprintf("/api/v1/crisis-plans/%d", plan.ID), nil, http.StatusNotFound)

		// A call the officer was not sent to cannot be named on a report,
		// so the dispatcher's view of that call's plans is not changed by
		// an officer's draft.
		var call citdesk.Call
		r.call(t, "disp", "POST", "/api/v1/calls", map[string]any{"nature": "Disturbance", "address": "90 Oak Ave"}, http.StatusCreated).JSON(t, &call)
		r.call(t, "ofc", "POST", "/api/v1/encounters", map[string]any{"call_id": call.ID, "person_id": p.ID, "address": "90 Oak Ave"}, http.StatusUnprocessableEntity)
		var plans struct{ Plans []citdesk.CrisisPlan }
		r.call(t, "disp", "GET", fmt.Sprintf("/api/v1/calls/%d/crisis-plans", call.ID), nil, http.StatusOK).JSON(t, &plans)
		if len(plans.Plans) != 0 {
			t.Errorf("a call no report names shows %d crisis plans", len(plans.Plans))
		}

		// Matching shows an officer names, not records.
		var m struct {
			Matches []map[string]any
		}
		r.call(t, "ofc", "POST", "/api/v1/persons/match", map[string]any{"first_name": "Dana", "last_name": "Whitley"}, http.StatusOK).JSON(t, &m)
		if len(m.Matches) != 1 {
			t.Fatalf("matches = %+v", m.Matches)
		}
		person, _ := m.Matches[0]["person"].(map[string]any)
		if _, ok := person["dob"]; ok || person["address"] != nil || m.Matches[0]["encounters"] != nil {
			t.Errorf("an officer's match shows more than the name: %v", m.Matches[0])
		}

		// Analysts get figures, not reports or officers.
		r.call(t, "analyst", "GET", "/api/v1/encounters", nil, http.StatusForbidden)
		r.call(t, "analyst", "GET", "/api/v1/officers", nil, http.StatusForbidden)
		r.call(t, "analyst", "GET", "/api/v1/outcomes", nil, http.StatusOK)
	})
}

// TestTokenIsNotACookie shows that a bearer token put in the session
// cookie opens no page, and that a browser session's secret is not a
// token: each credential works only where it was issued for.
func TestTokenIsNotACookie(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		tok := e.token("admin")
		req, _ := http.NewRequest("GET", e.Server.URL+"/admin/users", nil)
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: tok})
		res := e.browser().send(req)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("a token in the cookie: %d %q, want sent to sign in", res.StatusCode, res.Header.Get("Location"))
		}
		b := e.browser()
		b.login("admin")
		u, _ := url.Parse(e.Server.URL)
		var secret string
		for _, c := range b.client.Jar.Cookies(u) {
			if c.Name == web.SessionCookie {
				secret = c.Value
			}
		}
		if secret == "" {
			t.Fatal("no session cookie after sign-in")
		}
		if res := e.do("GET", "/api/v1/me", secret, nil); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a browser session's secret as a bearer token: %d, want 401", res.StatusCode)
		}
		if res := e.do("GET", "/api/v1/me", tok, nil); res.StatusCode != http.StatusOK {
			t.Errorf("the token itself: %d", res.StatusCode)
		}
	})
}
