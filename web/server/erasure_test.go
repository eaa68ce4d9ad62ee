package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// TestEraseThroughTheAPI: DELETE /api/v1/persons/{id} erases a person's
// record for an admin who has just proved password and second factor
// (signing in counts), answers 409 with the reason where policy refuses
// (a legal hold), 403 step_up_required to an admin who signed in longer
// ago, 403 to a coordinator, and 404 once the person is gone.
func TestEraseThroughTheAPI(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		e.user("coord", citdesk.RoleCoordinator)
		_, coord := storetest.User(t, e.DB, e.Op, "coord2", citdesk.RoleCoordinator)
		p := &citdesk.Person{FirstName: "Carl", LastName: "Moe", Address: "3 Elm St"}
		if err := e.DB.PersonService().CreatePerson(coord, p); err != nil {
			t.Fatal(err)
		}
		today := citdesk.DateOf(e.Clock.Now(), time.UTC).AddDate(0, 0, -1)
		if err := e.DB.CrisisPlanService().CreateCrisisPlan(coord, &citdesk.CrisisPlan{PersonID: p.ID, WhatHelps: "a quiet voice", ConsentDate: today, ConsentedBy: "self"}); err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/api/v1/persons/%d", p.ID)

		if res := e.do("DELETE", path, e.token("coord"), nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("coordinator erases: %d %s, want 403", res.StatusCode, res.Body)
		}
		late := e.token("admin")
		e.Clock.Advance(6 * time.Minute)
		res := e.do("DELETE", path, late, nil)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, `"step_up_required"`) {
			t.Errorf("erase six minutes after sign-in: %d %s, want 403 step_up_required", res.StatusCode, res.Body)
		}

		admin := e.token("admin")
		if err := e.DB.Retention().SetLegalHold(e.Op, e.Agency.ID, p.ID, "subpoena 2026-114"); err != nil {
			t.Fatal(err)
		}
		res = e.do("DELETE", path, admin, nil)
		if p := wantProblem(t, res, http.StatusConflict, ""); p.Code != citdesk.ECONFLICT || !strings.Contains(p.Detail, "legal hold (subpoena 2026-114)") {
			t.Errorf("erase under a legal hold: %d %s", res.StatusCode, res.Body)
		}
		checkOpenAPI(t, "DELETE", "/persons/{id}", res)
		if err := e.DB.Retention().ReleaseLegalHold(e.Op, e.Agency.ID, p.ID); err != nil {
			t.Fatal(err)
		}

		res = e.do("DELETE", path, admin, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("erase: %d %s", res.StatusCode, res.Body)
		}
		checkOpenAPI(t, "DELETE", "/persons/{id}", res)
		var out citdesk.ErasureResult
		res.JSON(t, &out)
		if out.PersonID != p.ID || out.Deleted["persons"] != 1 || out.Deleted["crisis_plans"] != 1 || out.Detached != 0 {
			t.Errorf("erasure result %+v", out)
		}
		if _, err := e.DB.PersonService().FindPersonByID(coord, p.ID); citdesk.ErrorCode(err) != citdesk.ENOTFOUND {
			t.Errorf("the person after the erasure: %v", err)
		}
		if res := e.do("DELETE", path, admin, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("erase again: %d, want 404", res.StatusCode)
		}
		events, err := e.DB.AuditService().ListAudit(e.Op, citdesk.AuditFilter{Action: "person.erase", Limit: 10})
		if err != nil || len(events) != 1 || events[0].Actor != "admin" || strings.Contains(events[0].Detail, "Carl") {
			t.Errorf("person.erase events: %+v, %v", events, err)
		}
	})
}
