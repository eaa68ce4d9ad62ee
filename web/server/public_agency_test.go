package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// TestPublicAgencyPages (issue 15, finding 8): the public page speaks for
// the department, with its non-emergency number and address from the
// agency's settings and tap-to-call links; with several agencies each has
// its own /a/{slug}/cit and /a/{slug}/outcomes while the single-agency
// paths stay.
func TestPublicAgencyPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		e := newEnv(t, eng, web.Config{PublicRequestsPerHour: 10})
		anon := e.browser()
		// Nothing set yet: no number is invented.
		res := anon.get("/cit")
		if res.StatusCode != http.StatusOK || strings.Contains(res.Body, "Non-emergency:") || !strings.Contains(res.Body, `class="brand" href="/cit">`+e.Agency.Name) {
			t.Fatalf("/cit before settings: %d", res.StatusCode)
		}
		if _, err := e.DB.AgencyService().UpdateSettings(e.Op, e.Agency.ID, citdesk.AgencySettings{NonEmergencyPhone: "call us"}); citdesk.ErrorField(err) != "non_emergency_phone" {
			t.Fatalf("a number without digits: %v", err)
		}
		a, err := e.DB.AgencyService().UpdateSettings(e.Op, e.Agency.ID, citdesk.AgencySettings{NonEmergencyPhone: "(636) 586-3326", Address: "17 Boyd St, De Soto, MO 63020"})
		if err != nil || a.Name != e.Agency.Name {
			t.Fatalf("settings: %v %+v", err, a)
		}
		res = anon.get("/cit")
		for _, want := range []string{`<a href="tel:911">911</a>`, `<a href="tel:988">988</a>`, `href="tel:6365863326">(636) 586-3326</a>`, "17 Boyd St, De Soto, MO 63020", "<title>Crisis Intervention Team · " + e.Agency.Name + "</title>"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("/cit lacks %s", want)
			}
		}
		if strings.Contains(res.Body, `class="brand" href="/">citdesk`) {
			t.Error("/cit is headed citdesk, not the department")
		}
		// The admin reads the settings back through the API's agency.
		if got := e.do("GET", "/api/v1/openapi.json", "", nil); got.StatusCode != http.StatusOK || !strings.Contains(got.Body, "non_emergency_phone") {
			t.Error("openapi.json does not document the agency's non-emergency number")
		}

		// A second agency: the single-agency paths cannot choose, the
		// per-agency paths serve each.
		other := &citdesk.Agency{Slug: "hillsboro", Name: "Hillsboro Police Department", City: "Hillsboro", TimeZone: "America/Chicago", NonEmergencyPhone: "636-797-5555", Address: "101 Main St, Hillsboro, MO"}
		if err := e.DB.AgencyService().CreateAgency(context.Background(), other); err != nil {
			t.Fatal(err)
		}
		for _, ag := range []*citdesk.Agency{e.Agency, other} {
			cit := anon.get("/a/" + ag.Slug + "/cit")
			if cit.StatusCode != http.StatusOK || !strings.Contains(cit.Body, ag.Name) || !strings.Contains(cit.Body, `action="/a/`+ag.Slug+`/cit"`) || !strings.Contains(cit.Body, `href="/a/`+ag.Slug+`/outcomes"`) {
				t.Errorf("/a/%s/cit: %d", ag.Slug, cit.StatusCode)
			}
			out := anon.get("/a/" + ag.Slug + "/outcomes")
			if out.StatusCode != http.StatusOK || !strings.Contains(out.Body, ag.Name) || !strings.Contains(out.Body, `href="/a/`+ag.Slug+`/cit"`) {
				t.Errorf("/a/%s/outcomes: %d", ag.Slug, out.StatusCode)
			}
		}
		if !strings.Contains(anon.get("/a/hillsboro/cit").Body, `href="tel:6367975555"`) {
			t.Error("the second agency's page lacks its own number")
		}
		if r := anon.get("/a/nowhere/cit"); r.StatusCode != http.StatusNotFound {
			t.Errorf("/a/nowhere/cit: %d", r.StatusCode)
		}
		// A request on the second agency's page goes to that agency.
		r := anon.form("/a/hillsboro/cit", publicForm("Jo Park", "636-555-0142", "5 Oak St", "My brother has not slept for days."))
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/a/hillsboro/cit/thanks" {
			t.Fatalf("request to hillsboro: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		if thanks := anon.get("/a/hillsboro/cit/thanks"); thanks.StatusCode != http.StatusOK || !strings.Contains(thanks.Body, "Hillsboro Police Department") {
			t.Errorf("thanks: %d", thanks.StatusCode)
		}
		e.user("disp", citdesk.RoleDispatcher)
		var list struct{ Calls []citdesk.Call }
		e.do("GET", "/api/v1/calls?status=open", e.token("disp"), nil).JSON(t, &list)
		for _, c := range list.Calls {
			if strings.Contains(c.Notes, "not slept") {
				t.Error("the second agency's request reached the first agency's board")
			}
		}
		// Invalid fields are marked at the field.
		bad := anon.form("/a/hillsboro/cit", publicForm("", "12", "5 Oak St", "help"))
		if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `aria-invalid="true" aria-describedby="phone-error"`) || !strings.Contains(bad.Body, `id="phone-error" data-error-for="phone"`) {
			t.Errorf("invalid request: %d", bad.StatusCode)
		}
	})
}
