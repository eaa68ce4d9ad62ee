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

// TestControlCharactersRefused: NUL and the other C0 control characters
// (and tabs and line breaks outside multi-line fields, and invalid UTF-8)
// are refused with 422 naming the field, in JSON bodies, forms and query
// strings, signed in and anonymous, and nothing is stored (issue 10: a NUL
// gave 500 on PostgreSQL, SQLite stored it).
func TestControlCharactersRefused(t *testing.T) {
	eachEnv(t, web.Config{PublicRequestsPerHour: 100}, func(t *testing.T, e *env) {
		e.user("amy", citdesk.RoleDispatcher)
		e.user("coord", citdesk.RoleCoordinator)
		e.user("ofc", citdesk.RoleOfficer)
		disp, coord, officer := e.token("amy"), e.token("coord"), e.token("ofc")
		b := e.browser()
		b.login("amy")
		cb := e.browser()
		cb.login("coord")
		anon := e.browser()

		counts := func() [3]int {
			t.Helper()
			calls, err := e.DB.CallService().ListCalls(e.Op, citdesk.CallFilter{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			officers, err := e.DB.OfficerService().ListOfficers(e.Op, citdesk.OfficerFilter{})
			if err != nil {
				t.Fatal(err)
			}
			encs, err := e.DB.EncounterService().ListEncounters(e.Op, citdesk.EncounterFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return [3]int{len(calls), len(officers), len(encs)}
		}
		occurred := e.Clock.Now().Add(-time.Hour).Format(time.RFC3339)

		type request struct {
			name        string
			send        func() response
			status      int
			field       string // for problem+json; "" for a page
			pageMessage string // for a page
		}
		for _, tc := range []request{
			// JSON bodies.
			{"sign-in NUL", func() response {
				return e.do("POST", "/api/v1/tokens", "", map[string]string{"username": "amy\x00", "password": storetest.TestPassword})
			}, 422, "username", ""},
			{"sign-in password NUL", func() response {
				return e.do("POST", "/api/v1/tokens", "", map[string]string{"username": "amy", "password": storetest.TestPassword + "\x00"})
			}, 422, "password", ""},
			{"call nature NUL", func() response {
				return e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Welfare\x00check", "address": "1 Main St"})
			}, 422, "nature", ""},
			{"call nature newline", func() response {
				return e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Welfare\ncheck", "address": "1 Main St"})
			}, 422, "nature", ""},
			{"call address tab", func() response {
				return e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Welfare check", "address": "1\tMain St"})
			}, 422, "address", ""},
			{"call notes NUL", func() response {
				return e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Welfare check", "notes": "a\x00b"})
			}, 422, "notes", ""},
			{"call risk escape", func() response {
				return e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Welfare check", "caller_name": "A\x1b[31mB"})
			}, 422, "caller_name", ""},
			{"officer badge NUL", func() response {
				return e.do("POST", "/api/v1/officers", coord, map[string]any{"badge": "44\x00", "first_name": "Dee", "last_name": "Lane"})
			}, 422, "badge", ""},
			{"encounter address NUL", func() response {
				return e.do("POST", "/api/v1/encounters", officer, map[string]any{"occurred_at": occurred, "address": "x\x00"})
			}, 422, "address", ""},
			{"encounter narrative NUL", func() response {
				return e.do("POST", "/api/v1/encounters", officer, map[string]any{"occurred_at": occurred, "address": "x", "narrative": "a\x00"})
			}, 422, "narrative", ""},
			{"person last name control", func() response {
				return e.do("POST", "/api/v1/persons", coord, map[string]any{"first_name": "A", "last_name": "B\x01"})
			}, 422, "last_name", ""},
			{"persons match NUL", func() response {
				return e.do("POST", "/api/v1/persons/match", officer, map[string]any{"last_name": "B\x00"})
			}, 422, "last_name", ""},
			// Query strings.
			{"API query NUL", func() response { return e.do("GET", "/api/v1/officers?q=a%00", coord, nil) }, 422, "q", ""},
			{"API query newline", func() response { return e.do("GET", "/api/v1/calls?status=%0A", disp, nil) }, 422, "status", ""},
			{"API query invalid UTF-8", func() response { return e.do("GET", "/api/v1/officers?q=%FF", coord, nil) }, 422, "q", ""},
			{"anonymous API query", func() response { return e.do("GET", "/api/v1/openapi.json?x=%00", "", nil) }, 422, "x", ""},
			{"page query", func() response { return cb.get("/roster?q=a%00") }, 422, "", "NUL"},
			// Forms.
			{"sign-in form NUL", func() response {
				return anon.form("/login", url.Values{"username": {"amy\x00"}, "password": {storetest.TestPassword}})
			}, 422, "", "NUL"},
			{"public request NUL", func() response {
				return anon.form("/cit", publicForm("Ann\x00", "636-555-0199", "12 Oak St", "Help please."))
			}, 422, "", "NUL"},
			{"board call NUL", func() response {
				return b.form("/board/calls", url.Values{"nature": {"Psychosis\x00"}, "source": {"911"}})
			}, 422, "", "NUL"},
			{"board call notes control", func() response {
				return b.form("/board/calls", url.Values{"nature": {"Psychosis"}, "source": {"911"}, "notes": {"a\x07b"}})
			}, 422, "", "control character"},
			{"roster officer tab", func() response {
				return cb.form("/roster/officers", url.Values{"badge": {"44\t01"}, "first_name": {"Dee"}, "last_name": {"Lane"}})
			}, 422, "", "single line"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := counts()
				res := tc.send()
				if tc.field != "" {
					wantProblem(t, res, tc.status, tc.field)
				} else {
					if res.StatusCode != tc.status || !strings.Contains(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(res.Body, tc.pageMessage) {
						t.Errorf("status %d %q, want %d and a page saying %q; body %.300s", res.StatusCode, res.Header.Get("Content-Type"), tc.status, tc.pageMessage, res.Body)
					}
					if c := setCookieFor(res, web.SessionCookie); c != nil && c.Value != "" {
						t.Errorf("a session cookie was set")
					}
				}
				if after := counts(); after != before {
					t.Errorf("calls, officers, reports: %v before, %v after", before, after)
				}
			})
		}

		// Multi-line fields keep their line breaks and tabs.
		res := e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Welfare check", "notes": "line one\r\n\tline two"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("notes with line breaks: %d %s", res.StatusCode, res.Body)
		}
		var call citdesk.Call
		res.JSON(t, &call)
		if call.Notes != "line one\r\n\tline two" {
			t.Errorf("notes %q", call.Notes)
		}
		res = b.form("/board/calls", url.Values{"nature": {"Psychosis"}, "source": {"911"}, "notes": {"one\r\ntwo"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("board call with multi-line notes: %d", res.StatusCode)
		}
	})
}

// TestOldDatesRefused: a contact, a call or a course before 1900 is
// refused naming the field, on both engines, and outcomes requests span at
// most 20 years (issue 10).
func TestOldDatesRefused(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("amy", citdesk.RoleDispatcher)
		e.user("coord", citdesk.RoleCoordinator)
		e.user("ofc", citdesk.RoleOfficer)
		e.user("analyst", citdesk.RoleAnalyst)
		disp, coord, officer, analyst := e.token("amy"), e.token("coord"), e.token("ofc"), e.token("analyst")
		wantProblem(t, e.do("POST", "/api/v1/encounters", officer, map[string]any{"occurred_at": "0001-01-02T12:00:00Z", "address": "x"}), 422, "occurred_at")
		wantProblem(t, e.do("POST", "/api/v1/encounters", officer, map[string]any{"occurred_at": "1899-12-31T12:00:00Z", "address": "x"}), 422, "occurred_at")
		wantProblem(t, e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "x", "received_at": "0001-01-02T12:00:00Z"}), 422, "received_at")
		var o citdesk.Officer
		res := e.do("POST", "/api/v1/officers", coord, map[string]any{"badge": "4401", "first_name": "Dee", "last_name": "Lane"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("officer: %d %s", res.StatusCode, res.Body)
		}
		res.JSON(t, &o)
		path := fmt.Sprintf("/api/v1/officers/%d/training", o.ID)
		wantProblem(t, e.do("POST", path, coord, map[string]any{"kind": "other", "completed": "0001-01-02", "hours": 8}), 422, "completed")
		encs, err := e.DB.EncounterService().ListEncounters(e.Op, citdesk.EncounterFilter{})
		if err != nil || len(encs) != 0 {
			t.Errorf("reports stored: %d, %v", len(encs), err)
		}

		wantProblem(t, e.do("GET", "/api/v1/outcomes?from=0001-01-02&to=2025-01-01", analyst, nil), 422, "from")
		wantProblem(t, e.do("GET", "/api/v1/outcomes?from=2000-01-01&to=2025-01-01", analyst, nil), 422, "to")
		if res := e.do("GET", "/api/v1/outcomes?from=2005-01-01&to=2025-01-01", analyst, nil); res.StatusCode != http.StatusOK {
			t.Errorf("20 years: %d %s", res.StatusCode, res.Body)
		}
		b := e.browser()
		b.login("analyst")
		if res := b.get("/outcomes?from=0001-01-02&to=2025-01-01"); res.StatusCode != 422 {
			t.Errorf("dashboard over 2,000 years: %d", res.StatusCode)
		}
		if res := b.get("/outcomes.csv?from=0001-01-02&to=2025-01-01"); res.StatusCode != 422 {
			t.Errorf("CSV over 2,000 years: %d", res.StatusCode)
		}
		if res := b.get("/outcomes/monthly?month=0001-01"); res.StatusCode != 422 {
			t.Errorf("monthly report for 0001-01: %d", res.StatusCode)
		}
	})
}
