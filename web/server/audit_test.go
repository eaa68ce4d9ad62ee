package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"citdesk"
	"citdesk/web"
)

// TestAuditPage: an auditor (admin) sees who viewed a person's record,
// filters by user and action, pages back, and checks the chain; nobody
// else opens the page.
func TestAuditPage(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("boss", citdesk.RoleAdmin)
		e.user("coord", citdesk.RoleCoordinator)
		coord := e.token("coord")
		var p citdesk.Person
		res := e.do("POST", "/api/v1/persons", coord, map[string]any{"first_name": "Lee", "last_name": "Viewed"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create person: %d %s", res.StatusCode, res.Body)
		}
		res.JSON(t, &p)
		if r := e.do("GET", fmt.Sprintf("/api/v1/persons/%d", p.ID), coord, nil); r.StatusCode != http.StatusOK {
			t.Fatalf("view person: %d", r.StatusCode)
		}

		admin := e.browser()
		admin.login("boss")
		page := admin.get("/audit?action=person.view")
		if page.StatusCode != http.StatusOK {
			t.Fatalf("audit page: %d", page.StatusCode)
		}
		if !strings.Contains(page.Body, ">coord<") || !strings.Contains(page.Body, fmt.Sprintf("person %d", p.ID)) || strings.Contains(page.Body, ">signin<") {
			t.Fatalf("person.view filter: %s", page.Body[strings.Index(page.Body, "<table"):])
		}
		if !strings.Contains(admin.get("/audit?actor=coord").Body, "person.create") {
			t.Error("filter by user misses person.create")
		}
		if v := admin.get("/audit?verify=1"); !strings.Contains(v.Body, "Chain intact") {
			t.Error("chain check not shown")
		}
		if v := admin.get("/audit?before=x"); v.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("bad before: %d", v.StatusCode)
		}
		// The API takes the same filters.
		boss := e.token("boss")
		api := e.do("GET", "/api/v1/audit?actor=coord&action=person.view", boss, nil)
		checkOpenAPI(t, "GET", "/audit", api)
		var list struct{ Events []citdesk.AuditEvent }
		api.JSON(t, &list)
		if len(list.Events) != 1 || list.Events[0].Actor != "coord" {
			t.Fatalf("API filter: %+v", list.Events)
		}

		other := e.browser()
		other.login("coord")
		if r := other.get("/audit"); r.StatusCode != http.StatusForbidden {
			t.Fatalf("coordinator opens the audit page: %d", r.StatusCode)
		}
	})
}

// TestAuditWhoSawPerson: one search on the audit page answers "who saw
// this person, when, from where": the person's single view and the list
// reads that showed them (a match search, a listing of reports) are each
// an event on that person, shown in the agency's time zone with the
// address; the search itself is recorded on the person.
func TestAuditWhoSawPerson(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("boss", citdesk.RoleAdmin)
		e.user("coord", citdesk.RoleCoordinator)
		coord := e.token("coord")
		var seen, other citdesk.Person
		e.do("POST", "/api/v1/persons", coord, map[string]any{"first_name": "Lee", "last_name": "Seen"}).JSON(t, &seen)
		e.do("POST", "/api/v1/persons", coord, map[string]any{"first_name": "Kim", "last_name": "Other"}).JSON(t, &other)
		if seen.ID == 0 || other.ID == 0 {
			t.Fatal("persons not created")
		}
		if r := e.do("GET", fmt.Sprintf("/api/v1/persons/%d", seen.ID), coord, nil); r.StatusCode != http.StatusOK {
			t.Fatalf("view person: %d", r.StatusCode)
		}
		if r := e.do("POST", "/api/v1/persons/match", coord, map[string]any{"last_name": "Seen"}); r.StatusCode != http.StatusOK {
			t.Fatalf("match: %d %s", r.StatusCode, r.Body)
		}

		admin := e.browser()
		admin.login("boss")
		page := admin.get(fmt.Sprintf("/audit?person=%d", seen.ID))
		if page.StatusCode != http.StatusOK {
			t.Fatalf("who saw person: %d", page.StatusCode)
		}
		table := page.Body[strings.Index(page.Body, "<table"):]
		for _, want := range []string{
			">person.view<", ">person.match<", ">person.create<", // the single view, the list read, the creation
			">coord<", ">127.0.0.1<", // who, from where
			"When (America/Chicago)", "2026-03-10 19:30:00 CDT", // when, in the agency's zone
			fmt.Sprintf("person %d", seen.ID),
		} {
			if !strings.Contains(table, want) {
				t.Errorf("who saw person %d: page lacks %q:\n%s", seen.ID, want, table)
			}
		}
		if strings.Contains(table, fmt.Sprintf("person %d<", other.ID)) {
			t.Errorf("who saw person %d shows person %d", seen.ID, other.ID)
		}
		if r := admin.get("/audit?person=x"); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("person=x: %d, want 422", r.StatusCode)
		}

		// The search is itself on the person's record: the next search shows it.
		if again := admin.get(fmt.Sprintf("/audit?person=%d", seen.ID)); !strings.Contains(again.Body, ">audit.list<") || !strings.Contains(again.Body, ">boss<") {
			t.Error("the audit search on the person is not in the person's history")
		}
		// From where: the address filter.
		if byAddr := admin.get("/audit?remote=127.0.0.1&action=person.match"); !strings.Contains(byAddr.Body, ">person.match<") {
			t.Error("filter by address misses the match")
		}
	})
}
