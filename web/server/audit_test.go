package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// TestAuditPage: an auditor (admin) sees who viewed a person's record,
// filters by user and action, pages back, and checks the chain; nobody
// else opens the page.
func TestAuditPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		e := newEnv(t, eng, web.Config{})
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
