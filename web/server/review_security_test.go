package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// browserURL is what a browser makes of a Location header: the URL
// standard strips every tab and newline before parsing.
func browserURL(loc string) string {
	return strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(loc)
}

// offSite reports whether a browser following loc would leave the site.
func offSite(loc string) bool {
	u := browserURL(loc)
	return !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") || strings.HasPrefix(u, "/\\")
}

// roundTrip sends req once, following nothing.
func roundTrip(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// TestReviewLoginNextStaysOnSite: the page to return to after sign-in is
// always on this site, however next is written — including with a tab or
// newline a browser drops ("/\t/evil.example" is "//evil.example").
func TestReviewLoginNextStaysOnSite(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("amy", citdesk.RoleDispatcher)
		for _, tc := range []struct {
			name, next, want string
		}{
			{"plain path", "/board?call=3", "/board?call=3"},
			{"scheme-relative", "//evil.example/x", "/"},
			{"backslash", "/\\evil.example", "/"},
			{"tab", "/\t/evil.example", "/"},
			{"tab then backslash", "/\t\\evil.example", "/"},
			{"newline", "/\n/evil.example", "/"},
			{"carriage return", "/\r/evil.example", "/"},
			{"absolute", "https://evil.example/", "/"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				// Go's client refuses to follow a Location holding a tab,
				// so the exchange is read at the transport, as sent.
				form := url.Values{"username": {"amy"}, "password": {storetest.TestPassword}, "next": {tc.next}}
				req, _ := http.NewRequest("POST", e.Server.URL+"/login", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", e.Server.URL)
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				res := roundTrip(t, req)
				loc := res.Header.Get("Location")
				if res.StatusCode != http.StatusSeeOther || offSite(loc) || browserURL(loc) != tc.want {
					t.Errorf("POST /login next=%q: %d Location %q, want 303 to %q", tc.next, res.StatusCode, loc, tc.want)
				}
				// Signed in already, GET /login?next= redirects at once.
				req, _ = http.NewRequest("GET", e.Server.URL+"/login?next="+url.QueryEscape(tc.next), nil)
				for _, c := range res.Cookies() {
					req.AddCookie(c)
				}
				res = roundTrip(t, req)
				loc = res.Header.Get("Location")
				if res.StatusCode != http.StatusSeeOther || offSite(loc) || browserURL(loc) != tc.want {
					t.Errorf("GET /login?next=%q signed in: %d Location %q, want 303 to %q", tc.next, res.StatusCode, loc, tc.want)
				}
			})
		}
	})
}

// TestReviewLinkPersonCreatesNothingOnRefusal: "create a new person and
// link it" on a report the user may not change leaves no person record
// behind — the create and the link succeed or fail together.
func TestReviewLinkPersonCreatesNothingOnRefusal(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("ofc", citdesk.RoleOfficer)
		e.user("coord", citdesk.RoleCoordinator)
		_, ofcCtx := storetest.User(t, e.DB, e.Op, "ofc9", citdesk.RoleOfficer)
		_, coordCtx := storetest.User(t, e.DB, e.Op, "coord9", citdesk.RoleCoordinator)
		encounters := e.DB.EncounterService()

		draft := func(t *testing.T, ctx context.Context) *citdesk.Encounter {
			t.Helper()
			d := &citdesk.Encounter{OccurredAt: e.Clock.Now().Add(-time.Hour)}
			if err := encounters.StartEncounter(ctx, d); err != nil {
				t.Fatal(err)
			}
			return d
		}
		// A report of ofc9's that is already submitted: no longer editable.
		submitted := draft(t, ofcCtx)
		m := 30
		submitted.Address, submitted.ContactStart, submitted.PrimaryProblem = "12 Example Way", citdesk.StartWelfareCheck, citdesk.ProblemMentalIllness
		submitted.Dispositions, submitted.OnSceneMinutes, submitted.Narrative = []citdesk.Disposition{citdesk.DispResolvedOnScene}, &m, "Resolved."
		if err := encounters.UpdateEncounter(ofcCtx, submitted); err != nil {
			t.Fatal(err)
		}
		if _, err := encounters.SubmitEncounter(ofcCtx, submitted.ID, submitted.Version); err != nil {
			t.Fatal(err)
		}
		otherDraft := draft(t, ofcCtx)

		for _, tc := range []struct {
			name, who string
			report    int64
			last      string
		}{
			{"officer on own submitted report", "ofc9", submitted.ID, "Quennevillea"},
			{"coordinator on an officer's draft", "coord9", otherDraft.ID, "Quennevilleb"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := e.browser()
				b.login(tc.who)
				res := b.form("/reports/"+strconv.FormatInt(tc.report, 10)+"/person",
					url.Values{"action": {"create"}, "first_name": {"Ottoline"}, "last_name": {tc.last}})
				if res.StatusCode == http.StatusSeeOther {
					t.Fatalf("link refused report: %d, want an error", res.StatusCode)
				}
				matches, err := e.DB.PersonService().MatchPersons(coordCtx, citdesk.PersonQuery{FirstName: "Ottoline", LastName: tc.last})
				if err != nil {
					t.Fatal(err)
				}
				if len(matches) != 0 {
					t.Errorf("a refused link left person %d %q behind", matches[0].Person.ID, matches[0].Person.Name())
				}
			})
		}
	})
}

// TestReviewReportPageReadsNoStrayReferrals: a report with no person
// linked has no referral to show, so opening it neither reads the whole
// caseload nor writes a "referral.list" event to the audit trail.
func TestReviewReportPageReadsNoStrayReferrals(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("coord", citdesk.RoleCoordinator)
		_, ofcCtx := storetest.User(t, e.DB, e.Op, "ofc", citdesk.RoleOfficer)
		d := &citdesk.Encounter{OccurredAt: e.Clock.Now().Add(-time.Hour)}
		if err := e.DB.EncounterService().StartEncounter(ofcCtx, d); err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		b.login("coord")
		if res := b.get("/reports/" + strconv.FormatInt(d.ID, 10)); res.StatusCode != http.StatusOK {
			t.Fatalf("GET report: %d", res.StatusCode)
		}
		events, err := e.DB.AuditService().ListAudit(e.Op, citdesk.AuditFilter{Action: "referral.list"})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 0 {
			t.Errorf("opening a report with no person listed referrals: %d referral.list event(s), detail %q", len(events), events[0].Detail)
		}
	})
}

// TestReviewForwardedForNotForgeable: behind a load balancer the client's
// address is the one the balancer appends to X-Forwarded-For, the last;
// the entries before it are whatever the client sent. The audit trail and
// the public form's per-address limit must use the real one.
func TestReviewForwardedForNotForgeable(t *testing.T) {
	eachEnv(t, web.Config{TrustProxy: true, PublicRequestsPerHour: 1}, func(t *testing.T, e *env) {
		e.user("amy", citdesk.RoleDispatcher)
		const real = "198.51.100.7"

		res := e.do("POST", "/api/v1/tokens", "", map[string]string{"username": "amy", "password": storetest.TestPassword},
			"X-Forwarded-For", "203.0.113.66, "+real)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("token: %d %s", res.StatusCode, res.Body)
		}
		events, err := e.DB.AuditService().ListAudit(e.Op, citdesk.AuditFilter{Action: "signin", Actor: "amy"})
		if err != nil || len(events) != 1 {
			t.Fatalf("sign-in events: %v %d", err, len(events))
		}
		if events[0].Remote != real {
			t.Errorf("sign-in audited from %q, want %q (the address the balancer saw)", events[0].Remote, real)
		}

		for i, forged := range []string{"203.0.113.1", "203.0.113.2"} {
			form := publicForm("Pat Example", "636-555-0100", "1 Example Way", "My brother is not sleeping and talks of hurting himself.").Encode()
			res := e.do("POST", "/cit", "", form, "Content-Type", "application/x-www-form-urlencoded", "X-Forwarded-For", forged+", "+real)
			want := http.StatusOK // the thanks page, after the redirect
			if i > 0 {
				want = http.StatusTooManyRequests // one per hour from the real address
			}
			if res.StatusCode != want {
				t.Errorf("public request %d with X-Forwarded-For %q: %d, want %d", i+1, forged+", "+real, res.StatusCode, want)
			}
		}
	})
}
