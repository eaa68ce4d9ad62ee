package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/web"
)

// TestCrisisPlanOnDispatch shows a current crisis plan reaching the people
// with a reason to see it: the dispatcher's board flags the call ("crisis
// plan on file") without reading the plan, the assigned officer's card shows
// the plan itself and the view is audited, and an expired plan shows nowhere.
func TestCrisisPlanOnDispatch(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("disp", citdesk.RoleDispatcher)
		officer := e.user("ofc", citdesk.RoleOfficer)
		coord := e.user("coord", citdesk.RoleCoordinator)
		coordCtx := citdesk.NewContextWithActor(e.Op, citdesk.ActorFor(coord, "192.0.2.9"))

		p := &citdesk.Person{FirstName: "Robin", LastName: "Planholder", Address: "14 Elm St, De Soto"}
		if err := e.DB.PersonService().CreatePerson(coordCtx, p); err != nil {
			t.Fatal(err)
		}
		today := citdesk.DateOf(e.Clock.Now(), e.Agency.Location())
		plan := &citdesk.CrisisPlan{PersonID: p.ID, Address: "14 Elm St, De Soto", WhatHelps: "Speak slowly; let him sit outside.",
			WhatToAvoid: "Raised voices", ConsentDate: today.AddDate(0, -1, 0), ConsentedBy: "Mother"}
		if err := e.DB.CrisisPlanService().CreateCrisisPlan(coordCtx, plan); err != nil {
			t.Fatal(err)
		}
		lat, lon := 38.14, -90.55
		if err := e.DB.OfficerService().SetStatus(e.Op, &citdesk.StatusChange{OfficerID: *officer.OfficerID, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
			t.Fatal(err)
		}
		disp := e.token("disp")
		var matching, other citdesk.Call
		e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Welfare check", "address": "14 Elm St, De Soto", "lat": lat, "lon": lon}).JSON(t, &matching)
		e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Suicide threat", "address": "9 Pine Ave"}).JSON(t, &other)

		board := e.browser()
		board.login("disp")
		res := board.get("/board/calls")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("board: %d", res.StatusCode)
		}
		rowOf := func(id int64) string {
			i := strings.Index(res.Body, fmt.Sprintf(`data-call-id="%d"`, id))
			if i < 0 {
				t.Fatalf("call %d not on the board", id)
			}
			j := strings.Index(res.Body[i:], "</li>")
			return res.Body[i : i+j]
		}
		if !strings.Contains(rowOf(matching.ID), "Crisis plan on file") {
			t.Error("matching call not flagged")
		}
		if strings.Contains(rowOf(other.ID), "Crisis plan on file") {
			t.Error("other call flagged")
		}
		if strings.Contains(res.Body, "Speak slowly") {
			t.Error("the board shows the plan itself")
		}

		// Assign the officer; their card shows the plan, and the view is audited.
		if r := e.do("POST", fmt.Sprintf("/api/v1/calls/%d/assignments", matching.ID), disp, map[string]any{"officer_id": *officer.OfficerID}); r.StatusCode != http.StatusCreated {
			t.Fatalf("assign: %d %s", r.StatusCode, r.Body)
		}
		phone := e.browser()
		phone.login("ofc")
		card := phone.get("/me/assignment")
		for _, want := range []string{"Crisis plan: Robin Planholder", "Speak slowly", "Raised voices", "Start the contact report"} {
			if !strings.Contains(card.Body, want) {
				t.Errorf("card lacks %q", want)
			}
		}
		// Issue 15 (finding 6) puts the call's risk flags first, then the
		// plan: this asserted the old order, plan first.
		if strings.Index(card.Body, "Risk screening") > strings.Index(card.Body, "Crisis plan") {
			t.Error("the risk flags are not shown before the plan")
		}
		admin := e.user("boss", citdesk.RoleAdmin)
		events, err := e.DB.AuditService().ListAudit(citdesk.NewContextWithActor(e.Op, citdesk.ActorFor(admin, "x")), citdesk.AuditFilter{Action: "crisis_plan.view"})
		if err != nil {
			t.Fatal(err)
		}
		seen := false
		for _, ev := range events {
			seen = seen || ev.UserID == officer.ID
		}
		if !seen {
			t.Fatalf("no crisis_plan.view event by the officer: %+v", events)
		}

		// Seven months later the plan has expired: no flag, no plan. (Sign
		// in again: the old sessions have long been idle.)
		e.Clock.Advance(7 * 31 * 24 * time.Hour)
		board.login("disp")
		phone.login("ofc")
		res = board.get("/board/calls")
		if res.StatusCode != http.StatusOK || strings.Contains(rowOf(matching.ID), "Crisis plan on file") {
			t.Errorf("expired plan still flagged (status %d)", res.StatusCode)
		}
		card = phone.get("/me/assignment")
		if card.StatusCode != http.StatusOK || !strings.Contains(card.Body, "Welfare check") || strings.Contains(card.Body, "Speak slowly") {
			t.Errorf("expired plan still shown, or card missing (status %d)", card.StatusCode)
		}
	})
}
