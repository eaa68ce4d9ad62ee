package server_test

import (
	"fmt"
	"net/http"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// TestOfficerCannotForgeAccess replays the review's findings over HTTP:
// an officer who names a person, or a call, on a draft of their own gains
// nothing by it.
func TestOfficerCannotForgeAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportAPI(t, eng)
		var p citdesk.Person
		r.call(t, "coord", "POST", "/api/v1/persons", map[string]any{"first_name": "Dana", "last_name": "Whitley", "dob": "1979-02-03", "address": "12 Elm St"}, http.StatusCreated).JSON(t, &p)
		var plan citdesk.CrisisPlan
		today := citdesk.DateOf(r.Clock.Now(), r.Agency.Location())
		r.call(t, "coord", "POST", fmt.Sprintf("/api/v1/persons/%d/crisis-plans", p.ID), map[string]any{"address": "12 Elm St", "what_helps": "Quiet voice.",
			"consent_date": today.String(), "consented_by": "Dana Whitley"}, http.StatusCreated).JSON(t, &plan)
		ppath := fmt.Sprintf("/api/v1/persons/%d", p.ID)

		// The person: 404 before, and still 404 after naming them on a draft.
		r.call(t, "ofc", "GET", ppath, nil, http.StatusNotFound)
		var e citdesk.Encounter
		r.call(t, "ofc", "POST", "/api/v1/encounters", map[string]any{"person_id": p.ID, "address": "x"}, http.StatusCreated).JSON(t, &e)
		r.call(t, "ofc", "GET", ppath, nil, http.StatusNotFound)
		r.call(t, "ofc", "PUT", ppath, map[string]any{"first_name": "Dana", "last_name": "Whitley", "version": p.Version}, http.StatusNotFound)
		r.call(t, "ofc", "GET", fmt.Sprintf("/api/v1/crisis-plans/%d", plan.ID), nil, http.StatusNotFound)

		// A call the officer was not sent to cannot be named on a report,
		// so the dispatcher's view of that call's plans is not changed by
		// an officer's draft.
		var call citdesk.Call
		r.call(t, "disp", "POST", "/api/v1/calls", map[string]any{"nature": "Disturbance", "address": "90 Oak Ave"}, http.StatusCreated).JSON(t, &call)
		r.call(t, "ofc", "POST", "/api/v1/encounters", map[string]any{"call_id": call.ID, "person_id": p.ID, "address": "90 Oak Ave"}, http.StatusUnprocessableEntity)
		var plans struct{ Plans []citdesk.CrisisPlan }
		r.call(t, "disp", "GET", fmt.Sprintf("/api/v1/calls/%d/crisis-plans", call.ID), nil, http.StatusOK).JSON(t, &plans)
		if len(plans.Plans) != 0 {
			t.Errorf("a call no report names shows %d crisis plans", len(plans.Plans))
		}

		// Matching shows an officer names, not records.
		var m struct {
			Matches []map[string]any
		}
		r.call(t, "ofc", "POST", "/api/v1/persons/match", map[string]any{"first_name": "Dana", "last_name": "Whitley"}, http.StatusOK).JSON(t, &m)
		if len(m.Matches) != 1 {
			t.Fatalf("matches = %+v", m.Matches)
		}
		person, _ := m.Matches[0]["person"].(map[string]any)
		if _, ok := person["dob"]; ok || person["address"] != nil || m.Matches[0]["encounters"] != nil {
			t.Errorf("an officer's match shows more than the name: %v", m.Matches[0])
		}

		// Analysts get figures, not reports or officers.
		r.call(t, "analyst", "GET", "/api/v1/encounters", nil, http.StatusForbidden)
		r.call(t, "analyst", "GET", "/api/v1/officers", nil, http.StatusForbidden)
		r.call(t, "analyst", "GET", "/api/v1/outcomes", nil, http.StatusOK)
	})
}
