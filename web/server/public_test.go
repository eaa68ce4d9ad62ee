package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

func publicForm(name, phone, address, what string) url.Values {
	return url.Values{"name": {name}, "phone": {phone}, "address": {address}, "best_time": {"after 5pm"}, "what": {what}}
}

func TestPublicRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		e := newEnv(t, eng, web.Config{PublicRequestsPerHour: 3})
		e.user("disp", citdesk.RoleDispatcher)
		disp := e.token("disp")
		countCalls := func() int {
			var list struct{ Calls []citdesk.Call }
			e.do("GET", "/api/v1/calls?status=open", disp, nil).JSON(t, &list)
			return len(list.Calls)
		}
		anon := e.browser()

		t.Run("page says emergency first", func(t *testing.T) {
			res := anon.get("/cit")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET /cit = %d", res.StatusCode)
			}
			main := res.Body[strings.Index(res.Body, `<main`):]
			// Issue 15 made the numbers tap-to-call links; this looked for
			// the plain text "Emergency: call 911".
			i911 := strings.Index(main, `Emergency: call <a href="tel:911">911</a>`)
			i988 := strings.Index(main, `Crisis line: <a href="tel:988">988</a>`)
			iForm := strings.Index(main, "<form")
			if i911 < 0 || i988 < 0 || i911 > iForm || i988 > iForm || i911 > strings.Index(main, "<h1") {
				t.Fatalf("911/988 not shown first: %d %d form %d", i911, i988, iForm)
			}
			if !strings.Contains(anon.get("/login").Body, `href="/cit"`) {
				t.Fatal("sign-in page does not link to /cit")
			}
		})

		t.Run("bad input gets a message per field and stores nothing", func(t *testing.T) {
			before := countCalls()
			res := anon.form("/cit", url.Values{"name": {""}, "phone": {"call me"}, "address": {""}, "what": {"help"}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", res.StatusCode)
			}
			for _, want := range []string{`id="name-error"`, `id="phone-error"`, `id="address-error"`, `id="what-error"`, "Your name is required.", "The address is required.", "at least 10 characters"} {
				if !strings.Contains(res.Body, want) {
					t.Errorf("missing %q", want)
				}
			}
			if strings.Contains(res.Body, `id="best_time-error"`) {
				t.Error("optional best time flagged")
			}
			if countCalls() != before {
				t.Fatal("a bad request was stored")
			}
		})

		t.Run("a good request becomes a pending online request", func(t *testing.T) {
			res := anon.form("/cit", publicForm("Ann Example", "636-555-0199", "12 Oak St, De Soto", "My brother has not slept for days and is talking about voices."))
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/cit/thanks" {
				t.Fatalf("status %d location %q", res.StatusCode, res.Header.Get("Location"))
			}
			thanks := anon.get("/cit/thanks")
			if strings.Contains(thanks.Body, "Ann Example") || strings.Contains(thanks.Body, "Oak St") {
				t.Fatal("thanks page echoes the request")
			}
			var list struct{ Calls []citdesk.Call }
			e.do("GET", "/api/v1/calls?status=open", disp, nil).JSON(t, &list)
			var found *citdesk.Call
			for i := range list.Calls {
				if list.Calls[i].Address == "12 Oak St, De Soto" {
					found = &list.Calls[i]
				}
			}
			if found == nil {
				t.Fatal("request not stored as a call")
			}
			if found.Source != citdesk.SourceOnlineRequest || found.Emergency || found.Status != citdesk.CallPending || !found.CITRequested {
				t.Fatalf("call = %+v", found)
			}
		})

		t.Run("the hidden field catches bots", func(t *testing.T) {
			before := countCalls()
			f := publicForm("Bot", "555-555-5555", "1 Spam Rd", "Buy cheap things now at our site")
			f.Set("website", "http://spam.example")
			if res := anon.form("/cit", f); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d", res.StatusCode)
			}
			if countCalls() != before {
				t.Fatal("bot request stored")
			}
		})

		t.Run("rate limited per address", func(t *testing.T) {
			// One good request so far; the limit is 3 an hour.
			for i := 0; i < 2; i++ {
				if res := anon.form("/cit", publicForm("Ann Example", "636-555-0199", "12 Oak St", "Still worried about my brother tonight.")); res.StatusCode != http.StatusSeeOther {
					t.Fatalf("request %d: %d", i, res.StatusCode)
				}
			}
			before := countCalls()
			res := anon.form("/cit", publicForm("Ann Example", "636-555-0199", "12 Oak St", "Still worried about my brother tonight."))
			if res.StatusCode != http.StatusTooManyRequests || countCalls() != before {
				t.Fatalf("4th request: %d, calls %d → %d", res.StatusCode, before, countCalls())
			}
		})

		t.Run("cross-origin posts are refused", func(t *testing.T) {
			res := e.do("POST", "/cit", "", "name=x", "Content-Type", "application/x-www-form-urlencoded", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d", res.StatusCode)
			}
		})
	})
}
