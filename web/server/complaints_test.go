package server_test

import (
	"fmt"
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

func feedbackForm(kind, what string) url.Values {
	return url.Values{"kind": {kind}, "what": {what}, "when_where": {"Friday, Main St"}, "name": {"Wilhelmina Oakes"}, "contact": {"wo@example.org"}}
}

// TestComplaintsHTTP takes complaints through the public form and the API
// on each engine: the form's defences (bad input marked, the hidden field,
// the per-address limit, cross-origin posts), nothing read back to the
// public, who may use the API, its 422s and 409, every answer checked
// against openapi.json, and the figures in GET /api/v1/outcomes and on the
// public page.
func TestComplaintsHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		e := newEnv(t, eng, web.Config{PublicRequestsPerHour: 2})
		e.user("coord", citdesk.RoleCoordinator)
		e.user("analyst", citdesk.RoleAnalyst)
		e.user("sgt", citdesk.RoleSupervisor)
		coord, analyst, sgt := e.token("coord"), e.token("analyst"), e.token("sgt")
		count := func() int {
			t.Helper()
			res := e.do("GET", "/api/v1/complaints", coord, nil)
			checkOpenAPI(t, "GET", "/complaints", res)
			var list struct{ Complaints []map[string]any }
			res.JSON(t, &list)
			return len(list.Complaints)
		}
		anon := e.browser()
		// Read the figures once first, so the ones at the end come from the
		// cache brought up to date by what changed (the complaints' change
		// stamp), not from a first full load.
		if res := e.do("GET", "/api/v1/outcomes", analyst, nil); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"complaints_received"`) {
			t.Fatalf("outcomes before: %d", res.StatusCode)
		}

		// Public: a bad form is marked and nothing is stored.
		res := anon.form("/cit/feedback", url.Values{"kind": {"praise"}, "what": {"short"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="fb-kind-error"`) || !strings.Contains(res.Body, `id="fb-what-error"`) {
			t.Fatalf("bad form: %d", res.StatusCode)
		}
		// The hidden field: thanked, not stored.
		bot := feedbackForm("complaint", "Buy cheap things now at our site, friend.")
		bot.Set("website", "http://spam.example")
		if res := anon.form("/cit/feedback", bot); res.StatusCode != http.StatusSeeOther || count() != 0 {
			t.Fatalf("bot: %d, %d stored", res.StatusCode, count())
		}
		// A good one, and the answer shows nothing of it.
		res = anon.form("/cit/feedback", feedbackForm("complaint", "The officer mocked my cousin Evander during his crisis."))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/cit/feedback/thanks" {
			t.Fatalf("good form: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		thanks := anon.get("/cit/feedback/thanks")
		if thanks.StatusCode != http.StatusOK || !strings.Contains(thanks.Body, "What happens next") || strings.Contains(thanks.Body, "Evander") || strings.Contains(thanks.Body, "Wilhelmina") {
			t.Fatalf("thanks page: %d", thanks.StatusCode)
		}
		// The per-agency path takes one too; then the address is over its limit.
		if res := anon.form("/a/"+e.Agency.Slug+"/cit/feedback", feedbackForm("commendation", "Officer Reyes was calm and kind to my father.")); res.StatusCode != http.StatusSeeOther ||
			res.Header.Get("Location") != "/a/"+e.Agency.Slug+"/cit/feedback/thanks" {
			t.Fatalf("per-agency form: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res := anon.form("/cit/feedback", feedbackForm("complaint", "A third message from the same address.")); res.StatusCode != http.StatusTooManyRequests || count() != 2 {
			t.Fatalf("third from one address: %d, %d stored", res.StatusCode, count())
		}
		if res := e.do("POST", "/cit/feedback", "", "kind=complaint", "Content-Type", "application/x-www-form-urlencoded", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-origin: %d", res.StatusCode)
		}

		// The API: who may, and the answers' shape.
		for _, tok := range []string{analyst, sgt} {
			if res := e.do("GET", "/api/v1/complaints", tok, nil); res.StatusCode != http.StatusForbidden {
				t.Errorf("list as analyst or supervisor: %d", res.StatusCode)
			}
		}
		res = e.do("POST", "/api/v1/complaints", coord, map[string]any{"kind": "complaint", "source": "letter", "text": "Short"})
		checkOpenAPI(t, "POST", "/complaints", res)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"text"`) {
			t.Fatalf("short text: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("POST", "/api/v1/complaints", coord, map[string]any{"kind": "complaint", "source": "letter", "text": "A letter about the response on Elm St.", "contact_name": "Ida Letter"})
		checkOpenAPI(t, "POST", "/complaints", res)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", res.StatusCode, res.Body)
		}
		var k struct {
			ID     int64
			Status string
		}
		res.JSON(t, &k)
		path := fmt.Sprintf("/api/v1/complaints/%d", k.ID)
		res = e.do("GET", path, coord, nil)
		checkOpenAPI(t, "GET", "/complaints/{id}", res)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Ida Letter") {
			t.Fatalf("get: %d %s", res.StatusCode, res.Body)
		}
		for body, field := range map[string]string{`{"status": "closed"}`: "disposition", `{"disposition": "unfounded"}`: "disposition",
			`{"encounter_id": 424242}`: "encounter_id", `{"officer_ids": [0]}`: "officer_ids", `{"status": "reopened"}`: "status"} {
			res := e.do("PATCH", path, coord, body, "If-Match", `"1"`)
			checkOpenAPI(t, "PATCH", "/complaints/{id}", res)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"`+field+`"`) {
				t.Errorf("PATCH %s: %d %s, want 422 naming %s", body, res.StatusCode, res.Body, field)
			}
		}
		// A change names the version it changes: 428 without If-Match,
		// 412 for a stale one, and the new ETag with the answer.
		res = e.do("PATCH", path, coord, `{"status": "closed", "disposition": "unfounded"}`)
		checkOpenAPI(t, "PATCH", "/complaints/{id}", res)
		if res.StatusCode != http.StatusPreconditionRequired {
			t.Errorf("PATCH without If-Match: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("PATCH", path, coord, `{"status": "under_review"}`, "If-Match", `"1"`)
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") != `"2"` {
			t.Fatalf("under review: %d %q %s", res.StatusCode, res.Header.Get("ETag"), res.Body)
		}
		res = e.do("PATCH", path, coord, `{"status": "closed", "disposition": "unfounded"}`, "If-Match", `"1"`)
		checkOpenAPI(t, "PATCH", "/complaints/{id}", res)
		if res.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("PATCH at a stale version: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("PATCH", path, coord, `{"status": "closed", "disposition": "unfounded"}`, "If-Match", `"2"`)
		checkOpenAPI(t, "PATCH", "/complaints/{id}", res)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"disposition":"unfounded"`) || res.Header.Get("ETag") != `"3"` {
			t.Fatalf("close: %d %q %s", res.StatusCode, res.Header.Get("ETag"), res.Body)
		}
		res = e.do("PATCH", path, coord, `{"status": "under_review"}`, "If-Match", `"3"`)
		checkOpenAPI(t, "PATCH", "/complaints/{id}", res)
		if res.StatusCode != http.StatusConflict {
			t.Errorf("changing a closed one: %d", res.StatusCode)
		}
		if res := e.do("GET", "/api/v1/complaints/999999", coord, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("a complaint that is not there: %d", res.StatusCode)
		}

		// The figures: three complaints and a commendation received, none
		// linked, so no rate counts one.
		res = e.do("GET", "/api/v1/outcomes", analyst, nil)
		var out struct {
			Measures map[string]struct{ Count, Denominator int }
		}
		res.JSON(t, &out)
		for id, want := range map[string]int{"complaints_received": 2, "commendations_received": 1, "complaints": 0, "commendations": 0} {
			if got := out.Measures[id].Count; got != want {
				t.Errorf("%s = %d, want %d", id, got, want)
			}
		}
		pub := anon.get("/public/outcomes")
		if pub.StatusCode != http.StatusOK || !strings.Contains(pub.Body, "Less community dissent") || !strings.Contains(pub.Body, "Complaints received") {
			t.Errorf("public page: %d, without the complaint figures", pub.StatusCode)
		}
	})
}

// TestComplaintPageSendsChanges posts the staff record page's form as a
// browser would, on each engine: it carries the version it was loaded at
// and sends only what the staff member changed, so linking a report
// alone names the report's officer (the store fills it in only when no
// officers are sent), an unchanged empty call field unlinks nothing, and
// a form from a stale version is refused with 412.
func TestComplaintPageSendsChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		e := newEnv(t, eng, web.Config{})
		ofcUser, ofc := storetest.User(t, e.DB, e.Op, "ofc", citdesk.RoleOfficer)
		e.user("coord", citdesk.RoleCoordinator)
		encs := e.DB.EncounterService()
		rep := &citdesk.Encounter{OccurredAt: e.Clock.Now().Add(-time.Hour)}
		if err := encs.StartEncounter(ofc, rep); err != nil {
			t.Fatal(err)
		}
		minutes := 30
		rep.Address, rep.ContactStart, rep.PrimaryProblem = "12 Elm St", citdesk.StartWelfareCheck, citdesk.ProblemMentalIllness
		rep.Dispositions, rep.OnSceneMinutes, rep.Narrative = []citdesk.Disposition{citdesk.DispResolvedOnScene}, &minutes, "Talked it through."
		if err := encs.UpdateEncounter(ofc, rep); err != nil {
			t.Fatal(err)
		}
		if _, err := encs.SubmitEncounter(ofc, rep.ID, rep.Version); err != nil {
			t.Fatal(err)
		}
		coord := e.token("coord")
		res := e.do("POST", "/api/v1/complaints", coord, map[string]any{"kind": "complaint", "source": "letter", "text": "A letter about the response on Elm St."})
		var k struct{ ID int64 }
		res.JSON(t, &k)
		page := fmt.Sprintf("/complaints/%d", k.ID)
		b := e.browser()
		b.login("coord")
		if got := b.get(page); got.StatusCode != http.StatusOK || !strings.Contains(got.Body, `name="version" value="1"`) {
			t.Fatalf("the record page: %d, without its version field", got.StatusCode)
		}
		// Linking the report only: the other fields come back as loaded.
		form := url.Values{"version": {"1"}, "encounter_id": {strconv.FormatInt(rep.ID, 10)}, "call_id": {""}, "status": {"received"}}
		if res := b.form(page, form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("link the report: %d %s", res.StatusCode, res.Body)
		}
		read := func() (c struct {
			EncounterID int64   `json:"encounter_id"`
			CallID      int64   `json:"call_id"`
			OfficerIDs  []int64 `json:"officer_ids"`
			Status      string
		}) {
			t.Helper()
			e.do("GET", fmt.Sprintf("/api/v1/complaints/%d", k.ID), coord, nil).JSON(t, &c)
			return c
		}
		if c := read(); c.EncounterID != rep.ID || len(c.OfficerIDs) != 1 || c.OfficerIDs[0] != *ofcUser.OfficerID {
			t.Errorf("after linking the report: %+v, want report %d and its officer %d", c, rep.ID, *ofcUser.OfficerID)
		}
		// The same form again, from the page as first loaded: refused.
		if res := b.form(page, form); res.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("a form from a stale version: %d", res.StatusCode)
		}
		// Moving the status only, from the current version, keeps the links.
		if res := b.form(page, url.Values{"version": {"2"}, "encounter_id": {strconv.FormatInt(rep.ID, 10)}, "call_id": {""}, "status": {"under_review"},
			"officer_ids": {strconv.FormatInt(*ofcUser.OfficerID, 10)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("status only: %d %s", res.StatusCode, res.Body)
		}
		if c := read(); c.Status != "under_review" || c.EncounterID != rep.ID || len(c.OfficerIDs) != 1 {
			t.Errorf("after moving the status: %+v", c)
		}
	})
}
