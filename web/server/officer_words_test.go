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

// TestOfficerWords (issue 15, finding 6): messages name choices in plain
// words, never codes; on the officer's own phone they speak to the
// officer; while dispatched the primary button is the assignment's next
// status, not "Available"; the risk flags come before the crisis plan.
func TestOfficerWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		e := newEnv(t, eng, web.Config{})
		e.user("disp", citdesk.RoleDispatcher)
		officer := e.user("ofc", citdesk.RoleOfficer)
		if err := e.DB.OfficerService().SetStatus(e.Op, &citdesk.StatusChange{OfficerID: *officer.OfficerID, Status: citdesk.StatusAvailable}); err != nil {
			t.Fatal(err)
		}
		disp := e.token("disp")
		var call citdesk.Call
		e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Suicide threat", "address": "9 Pine Ave", "cit_requested": true,
			"risk": map[string]any{"weapons": "yes"}}).JSON(t, &call)
		assign := fmt.Sprintf("/api/v1/calls/%d/assignments", call.ID)

		// A non-CIT officer to a CIT-requested call: the reason is asked
		// for in the words the dispatcher chooses from.
		res := e.do("POST", assign, disp, map[string]any{"officer_id": *officer.OfficerID})
		checkOpenAPI(t, "POST", assign, res)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "No CIT officer available") || strings.Contains(res.Body, "none_available") {
			t.Fatalf("assign without a reason: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("POST", assign, disp, map[string]any{"officer_id": *officer.OfficerID, "no_cit_reason": "bogus"})
		if res.StatusCode != http.StatusUnprocessableEntity || strings.Contains(res.Body, "none_on_duty") || !strings.Contains(res.Body, "CIT officer too far away") {
			t.Fatalf("assign with an unknown reason: %d %s", res.StatusCode, res.Body)
		}
		if r := e.do("POST", assign, disp, map[string]any{"officer_id": *officer.OfficerID, "no_cit_reason": "none_available"}); r.StatusCode != http.StatusCreated {
			t.Fatalf("assign: %d %s", r.StatusCode, r.Body)
		}

		phone := e.browser()
		phone.login("ofc")
		me := phone.get("/me")
		if strings.Contains(me.Body, `value="available" class="primary"`) || strings.Contains(me.Body, `name="status" value="available"`) {
			t.Error(`"Available" is offered on the phone while dispatched`)
		}
		if !strings.Contains(me.Body, "Your status follows your assignment") {
			t.Error("the phone does not say the status follows the assignment")
		}
		card := phone.get("/me/assignment")
		if !strings.Contains(card.Body, `value="en_route" class="big primary"`) {
			t.Errorf("en route is not the primary button: %s", card.Body)
		}
		if strings.Count(card.Body, " primary\"") != 1 {
			t.Errorf("more than one primary button on the card")
		}
		if i := strings.Index(card.Body, "Risk screening"); i < 0 || strings.Index(card.Body, "assignment-address") < i {
			t.Error("no risk flags near the top of the card")
		}

		// Setting "available" by hand while assigned: refused, in the
		// second person on the officer's own phone.
		res = phone.form("/me/status", url.Values{"status": {"available"}})
		if res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, fmt.Sprintf("You are assigned to call #%d", call.ID)) || strings.Contains(res.Body, "This officer is assigned") {
			t.Errorf("available while assigned: %d %s", res.StatusCode, res.Body)
		}
	})
}
