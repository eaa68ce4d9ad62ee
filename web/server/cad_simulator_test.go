package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/web"
)

// TestCADSimulator drives a whole call from a simulated county CAD and AVL
// feed, with no person typing: the CAD's service account puts the officer
// on duty, the AVL feed places them, the CAD sends the incident as an
// EIDO (CIT requested in its notes), asks for recommendations, assigns,
// moves the assignment to cleared and closes the call; its webhook
// receiver on loopback gets every event, signed; the call reads back as
// an EIDO whose unit is available again.
func TestCADSimulator(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		ofc := e.user("ofc", citdesk.RoleOfficer)
		_, cad := e.serviceAccount(e.token("admin"), "county-cad", "calls:write", "calls:read", "positions:write", "webhooks:admin")
		rcv := newReceiver(t, hookSecret)
		must := func(res response, want int) response {
			t.Helper()
			if res.StatusCode != want {
				t.Fatalf("%d, want %d: %s", res.StatusCode, want, res.Body)
			}
			return res
		}
		must(e.do("POST", "/api/v1/webhooks", cad, map[string]any{"url": rcv.URL, "events": citdesk.WebhookEvents, "secret": hookSecret}), http.StatusCreated)

		// The AVL feed: on duty, and where.
		must(e.do("PUT", fmt.Sprintf("/api/v1/officers/%d/status", *ofc.OfficerID), cad, map[string]any{"status": "available"}), http.StatusOK)
		must(e.do("POST", "/api/v1/positions", cad, map[string]any{"positions": []map[string]any{
			{"badge": "B-ofc", "lat": 39.7392, "lon": -75.5398, "at": e.Clock.Now().UTC().Format(time.RFC3339)}}}), http.StatusOK)

		// The incident, with a geodetic location and CIT asked for.
		doc := strings.Replace(eidoSample(t), `<civicAddress xmlns=\"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr\">`,
			`<gml:Point xmlns:gml=\"http://www.opengis.net/gml\" srsName=\"urn:ogc:def:crs:EPSG::4326\"><gml:pos>39.7391 -75.5397</gml:pos></gml:Point><civicAddress xmlns=\"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr\">`, 1)
		doc = strings.Replace(doc, "This is an example text.", "Caller says her brother is suicidal and asks for a CIT officer.", 1)
		var call citdesk.Call
		must(e.do("POST", "/api/v1/eido", cad, doc), http.StatusCreated).JSON(t, &call)
		if !call.CITRequested || call.MentalHealth == nil || !*call.MentalHealth || call.Lat == nil || *call.Lat != 39.7391 {
			t.Fatalf("the incident's call: %+v", call)
		}

		must(e.do("GET", fmt.Sprintf("/api/v1/calls/%d/recommendations", call.ID), cad, nil), http.StatusOK)
		var a citdesk.Assignment
		must(e.do("POST", fmt.Sprintf("/api/v1/calls/%d/assignments", call.ID), cad, map[string]any{"officer_id": *ofc.OfficerID, "no_cit_reason": "none_available"}), http.StatusCreated).JSON(t, &a)
		for _, st := range []string{"en_route", "on_scene", "cleared"} {
			must(e.do("PATCH", fmt.Sprintf("/api/v1/assignments/%d", a.ID), cad, map[string]any{"status": st}, "If-Match", fmt.Sprintf(`"%d"`, a.Version)), http.StatusOK).JSON(t, &a)
		}
		var cur citdesk.Call
		must(e.do("GET", fmt.Sprintf("/api/v1/calls/%d", call.ID), cad, nil), http.StatusOK).JSON(t, &cur)
		must(e.do("PATCH", fmt.Sprintf("/api/v1/calls/%d", call.ID), cad, map[string]any{"status": "closed"}, "If-Match", fmt.Sprintf(`"%d"`, cur.Version)), http.StatusOK)

		res := must(e.do("GET", fmt.Sprintf("/api/v1/calls/%d/eido", call.ID), cad, nil), http.StatusOK)
		if !strings.Contains(res.Body, `"primaryUnitStatusRegistryText":"Available"`) || !strings.Contains(res.Body, `"closed"`) {
			t.Errorf("the closed call's EIDO: %s", res.Body)
		}

		e.drain(e.sender(citdesk.DefaultWebhookRetry))
		counts := map[string]int{}
		for _, d := range rcv.deliveries() {
			if !d.SignatureOK {
				t.Errorf("%s: bad signature", d.Event)
			}
			counts[d.Event]++
			if d.Event == "assignment.updated" {
				var body struct{ Data citdesk.Assignment }
				json.Unmarshal(d.Body, &body)
				if body.Data.ID != a.ID {
					t.Errorf("assignment.updated for %d", body.Data.ID)
				}
			}
		}
		want := map[string]int{"call.created": 1, "recommendation.made": 1, "assignment.created": 1, "assignment.updated": 3}
		for ev, n := range want {
			if counts[ev] != n {
				t.Errorf("%s delivered %d times, want %d (all: %v)", ev, counts[ev], n, counts)
			}
		}
		if counts["call.updated"] < 2 { // dispatched, on scene, cleared, closed
			t.Errorf("call.updated delivered %d times: %v", counts["call.updated"], counts)
		}
	})
}
