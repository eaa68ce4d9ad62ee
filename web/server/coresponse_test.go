package server_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
)

// responseOptionBody is one response path of GET
// /api/v1/calls/{id}/recommendations.
type responseOptionBody struct {
	Response      string `json:"response"`
	Available     bool   `json:"available"`
	Police        bool   `json:"police"`
	Recommended   bool   `json:"recommended"`
	ETASeconds    *int   `json:"eta_seconds"`
	OfficerOnCall bool   `json:"officer_on_call"`
	Officer       *struct {
		OfficerID int64 `json:"officer_id"`
	} `json:"officer"`
	Liaison *struct {
		UserID     int64  `json:"user_id"`
		Status     string `json:"status"`
		OnCallID   int64  `json:"on_call_id"`
		ETASeconds *int   `json:"eta_seconds"`
		ETASource  string `json:"eta_source"`
	} `json:"liaison"`
	Note string `json:"note"`
}

type callLiaisonBody struct {
	ID        int64   `json:"id"`
	CallID    int64   `json:"call_id"`
	UserID    int64   `json:"user_id"`
	Status    string  `json:"status"`
	Version   int64   `json:"version"`
	OnSceneAt *string `json:"on_scene_at"`
	ClearedAt *string `json:"cleared_at"`
}

// TestResponsePathsEndToEnd takes a call through the triage protocol by
// the API into each response path — CIT officer, co-response, 988,
// patrol, EMS, and a co-response with a patrol officer on a CIT-requested
// call — checks what the recommendations offer for it and what each path
// records, and then what the outcome figures count, on both engines.
func TestResponsePathsEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		d := newDispatchEnv(t, eng)
		liz := d.user("liz", citdesk.RoleLiaison)
		d.tok["liz"] = d.token("liz")
		lizPath := "/api/v1/liaisons/" + strconv.FormatInt(liz.ID, 10) + "/status"
		// The liaison starts her shift a few blocks from the call site,
		// from her phone.
		res := d.as(t, "liz", "PUT", "/liaisons/{id}/status", lizPath, map[string]any{"status": "available", "lat": siteLat + 0.01, "lon": siteLon})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("liaison available: %d %s", res.StatusCode, res.Body)
		}
		// Nobody else sets her status: another liaison may not.
		d.user("lee", citdesk.RoleLiaison)
		d.tok["lee"] = d.token("lee")
		if res := d.as(t, "lee", "PUT", "/liaisons/{id}/status", lizPath, map[string]any{"status": "off_duty"}); res.StatusCode != http.StatusForbidden {
			t.Errorf("another liaison sets her status: %d %s", res.StatusCode, res.Body)
		}

		takeCall := func(t *testing.T, path citdesk.Response, citRequested bool) (callBody, map[string]responseOptionBody) {
			t.Helper()
			res := d.as(t, "disp", "POST", "/calls", "/api/v1/calls", map[string]any{"nature": "Person in crisis", "address": "100 Main St", "lat": siteLat, "lon": siteLon,
				"cit_requested": citRequested, "triage_answers": triageAnswers[path]})
			var c struct {
				callBody
				RecommendedResponse string `json:"recommended_response"`
				Response            string `json:"response"`
			}
			res.JSON(t, &c)
			if res.StatusCode != http.StatusCreated || c.RecommendedResponse != string(path) || c.Response != string(path) {
				t.Fatalf("%s: call %d %s", path, res.StatusCode, res.Body)
			}
			res = d.as(t, "disp", "GET", "/calls/{id}/recommendations", fmt.Sprintf("/api/v1/calls/%d/recommendations", c.ID), nil)
			var recs struct {
				Responses []responseOptionBody `json:"responses"`
			}
			res.JSON(t, &recs)
			paths := map[string]responseOptionBody{}
			var order []string
			for _, o := range recs.Responses {
				paths[o.Response] = o
				order = append(order, o.Response)
			}
			if fmt.Sprint(order) != "[cit co_response 988 patrol ems]" {
				t.Fatalf("%s: response paths %v: %s", path, order, res.Body)
			}
			for name, o := range paths {
				if o.Recommended != (name == string(path)) {
					t.Errorf("%s: path %s recommended=%v", path, name, o.Recommended)
				}
			}
			return c.callBody, paths
		}
		assign := func(t *testing.T, callID, officerID int64, extra map[string]any) assignmentBody {
			t.Helper()
			body := map[string]any{"officer_id": officerID}
			for k, v := range extra {
				body[k] = v
			}
			res := d.as(t, "disp", "POST", "/calls/{id}/assignments", fmt.Sprintf("/api/v1/calls/%d/assignments", callID), body)
			var a assignmentBody
			res.JSON(t, &a)
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("assign %d: %d %s", officerID, res.StatusCode, res.Body)
			}
			return a
		}
		// clear moves an officer through to cleared and makes them
		// available again where they were, for the next path.
		clear := func(t *testing.T, a assignmentBody) {
			t.Helper()
			for _, st := range []string{"on_scene", "cleared"} {
				res := d.as(t, "disp", "PATCH", "/assignments/{id}", fmt.Sprintf("/api/v1/assignments/%d", a.ID), map[string]any{"status": st}, "If-Match", fmt.Sprintf(`"%d"`, a.Version))
				res.JSON(t, &a)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("assignment %s: %d %s", st, res.StatusCode, res.Body)
				}
			}
			lat := map[int64]float64{d.near: siteLat + 0.005, d.far: siteLat + 0.05, d.plain: siteLat + 0.001}[a.OfficerID]
			res := d.as(t, "disp", "PUT", "/officers/{id}/status", fmt.Sprintf("/api/v1/officers/%d/status", a.OfficerID), map[string]any{"status": "available", "lat": lat, "lon": siteLon})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("officer available: %d %s", res.StatusCode, res.Body)
			}
		}
		// coRespond sends the liaison and walks her through the call as
		// she does from her phone.
		coRespond := func(t *testing.T, c callBody, o responseOptionBody) callLiaisonBody {
			t.Helper()
			if o.Liaison == nil || o.Liaison.UserID != liz.ID || o.Liaison.Status != "available" || o.Liaison.ETASeconds == nil || o.Liaison.ETASource != "straight_line" {
				t.Fatalf("co-response liaison: %+v", o.Liaison)
			}
			callPath := fmt.Sprintf("/api/v1/calls/%d/liaison", c.ID)
			res := d.as(t, "disp", "POST", "/calls/{id}/liaison", callPath, map[string]any{"user_id": liz.ID})
			var l callLiaisonBody
			res.JSON(t, &l)
			if res.StatusCode != http.StatusCreated || l.Status != "assigned" || l.UserID != liz.ID {
				t.Fatalf("send the liaison: %d %s", res.StatusCode, res.Body)
			}
			// Busy now: a second co-response cannot have her.
			if res := d.as(t, "disp", "POST", "/calls/{id}/liaison", callPath, map[string]any{"user_id": liz.ID}); res.StatusCode != http.StatusConflict {
				t.Errorf("send her twice: %d %s", res.StatusCode, res.Body)
			}
			// The board now shows her on this call, the path no longer
			// available to send again.
			var recs struct{ Responses []responseOptionBody }
			d.as(t, "disp", "GET", "/calls/{id}/recommendations", fmt.Sprintf("/api/v1/calls/%d/recommendations", c.ID), nil).JSON(t, &recs)
			if co := recs.Responses[1]; co.Available || co.Liaison == nil || co.Liaison.OnCallID != c.ID || co.Liaison.Status != "busy" {
				t.Errorf("co-response with the liaison sent: %+v", co)
			}
			var mine struct {
				Status struct{ Status string } `json:"status"`
				Call   *callLiaisonBody        `json:"call"`
			}
			d.as(t, "liz", "GET", "/liaisons/{id}/status", lizPath, nil).JSON(t, &mine)
			if mine.Status.Status != "busy" || mine.Call == nil || mine.Call.CallID != c.ID {
				t.Errorf("the liaison's own view: %+v", mine)
			}
			// Another liaison cannot move her steps.
			if res := d.as(t, "lee", "PATCH", "/calls/{id}/liaison", callPath, map[string]any{"status": "en_route"}, "If-Match", fmt.Sprintf(`"%d"`, l.Version)); res.StatusCode != http.StatusNotFound {
				t.Errorf("another liaison moves her: %d %s", res.StatusCode, res.Body)
			}
			for _, st := range []string{"en_route", "on_scene", "cleared"} {
				res := d.as(t, "liz", "PATCH", "/calls/{id}/liaison", callPath, map[string]any{"status": st}, "If-Match", fmt.Sprintf(`"%d"`, l.Version))
				res.JSON(t, &l)
				if res.StatusCode != http.StatusOK || l.Status != st {
					t.Fatalf("liaison %s: %d %s", st, res.StatusCode, res.Body)
				}
			}
			d.as(t, "liz", "GET", "/liaisons/{id}/status", lizPath, nil).JSON(t, &mine)
			if mine.Status.Status != "available" || mine.Call != nil {
				t.Errorf("cleared, the liaison is %+v", mine)
			}
			return l
		}

		type outcome struct {
			assignments []assignmentBody
			liaisons    []callLiaisonBody
		}
		for _, tc := range []struct {
			name         string
			path         citdesk.Response
			citRequested bool
			// offered checks the path's line of the recommendations.
			offered func(t *testing.T, o responseOptionBody, all map[string]responseOptionBody)
			// take sends what the path sends.
			take func(t *testing.T, c callBody, o responseOptionBody) outcome
			// recorded checks what the path left on the call.
			recorded func(t *testing.T, out outcome)
		}{{
			name: "cit", path: citdesk.ResponseCIT,
			offered: func(t *testing.T, o responseOptionBody, _ map[string]responseOptionBody) {
				if !o.Available || !o.Police || o.Officer == nil || o.Officer.OfficerID != d.near || o.ETASeconds == nil {
					t.Errorf("cit path: %+v", o)
				}
			},
			take: func(t *testing.T, c callBody, o responseOptionBody) outcome {
				return outcome{assignments: []assignmentBody{assign(t, c.ID, o.Officer.OfficerID, nil)}}
			},
			recorded: func(t *testing.T, out outcome) {
				if len(out.assignments) != 1 || !out.assignments[0].CITCertified || len(out.liaisons) != 0 {
					t.Errorf("cit recorded %+v", out)
				}
			},
		}, {
			name: "co_response", path: citdesk.ResponseCoResponse,
			offered: func(t *testing.T, o responseOptionBody, _ map[string]responseOptionBody) {
				if !o.Available || !o.Police || o.Officer == nil || o.Officer.OfficerID != d.near || o.ETASeconds == nil || *o.ETASeconds < *o.Liaison.ETASeconds {
					t.Errorf("co_response path: %+v", o)
				}
			},
			take: func(t *testing.T, c callBody, o responseOptionBody) outcome {
				a := assign(t, c.ID, o.Officer.OfficerID, nil)
				// With the officer on the call, the path needs only the
				// liaison, and says so.
				var recs struct{ Responses []responseOptionBody }
				d.as(t, "disp", "GET", "/calls/{id}/recommendations", fmt.Sprintf("/api/v1/calls/%d/recommendations", c.ID), nil).JSON(t, &recs)
				if co := recs.Responses[1]; !co.OfficerOnCall || co.Officer.OfficerID != d.near || !co.Available {
					t.Errorf("co-response with the officer on the call: %+v", co)
				}
				return outcome{assignments: []assignmentBody{a}, liaisons: []callLiaisonBody{coRespond(t, c, o)}}
			},
			recorded: func(t *testing.T, out outcome) {
				if len(out.assignments) != 1 || !out.assignments[0].CITCertified || len(out.liaisons) != 1 || out.liaisons[0].OnSceneAt == nil || out.liaisons[0].ClearedAt == nil {
					t.Errorf("co_response recorded %+v", out)
				}
			},
		}, {
			name: "988", path: citdesk.Response988,
			offered: func(t *testing.T, o responseOptionBody, _ map[string]responseOptionBody) {
				if !o.Available || o.Police || o.Officer != nil || o.Liaison != nil {
					t.Errorf("988 path: %+v", o)
				}
			},
			take: func(t *testing.T, c callBody, o responseOptionBody) outcome { return outcome{} },
			recorded: func(t *testing.T, out outcome) {
				if len(out.assignments)+len(out.liaisons) != 0 {
					t.Errorf("988 sent someone: %+v", out)
				}
			},
		}, {
			name: "patrol", path: citdesk.ResponsePatrol,
			offered: func(t *testing.T, o responseOptionBody, _ map[string]responseOptionBody) {
				if !o.Available || !o.Police || o.Officer == nil || o.Officer.OfficerID != d.plain {
					t.Errorf("patrol path: %+v", o)
				}
			},
			take: func(t *testing.T, c callBody, o responseOptionBody) outcome {
				return outcome{assignments: []assignmentBody{assign(t, c.ID, o.Officer.OfficerID, nil)}}
			},
			recorded: func(t *testing.T, out outcome) {
				if len(out.assignments) != 1 || out.assignments[0].CITCertified || out.assignments[0].OfficerID != d.plain {
					t.Errorf("patrol recorded %+v", out)
				}
			},
		}, {
			name: "ems", path: citdesk.ResponseEMS,
			offered: func(t *testing.T, o responseOptionBody, _ map[string]responseOptionBody) {
				if !o.Available || o.Police || o.Officer != nil {
					t.Errorf("ems path: %+v", o)
				}
			},
			take: func(t *testing.T, c callBody, o responseOptionBody) outcome { return outcome{} },
			recorded: func(t *testing.T, out outcome) {
				if len(out.assignments)+len(out.liaisons) != 0 {
					t.Errorf("ems sent someone: %+v", out)
				}
			},
		}, {
			// The caller asked for CIT; no CIT officer is free, so the
			// dispatcher sends patrol with the liaison: the request is not
			// met by cit_dispatched, but is by cit_met_with_co_response.
			name: "co_response with patrol", path: citdesk.ResponseCoResponse, citRequested: true,
			offered: func(t *testing.T, o responseOptionBody, all map[string]responseOptionBody) {
				if !o.Available || all["patrol"].Officer == nil {
					t.Errorf("co_response path: %+v", o)
				}
			},
			take: func(t *testing.T, c callBody, o responseOptionBody) outcome {
				a := assign(t, c.ID, d.plain, map[string]any{"no_cit_reason": "none_available"})
				return outcome{assignments: []assignmentBody{a}, liaisons: []callLiaisonBody{coRespond(t, c, o)}}
			},
			recorded: func(t *testing.T, out outcome) {
				if len(out.assignments) != 1 || out.assignments[0].CITCertified || len(out.liaisons) != 1 || out.liaisons[0].OnSceneAt == nil {
					t.Errorf("co_response with patrol recorded %+v", out)
				}
			},
		}} {
			t.Run(tc.name, func(t *testing.T) {
				c, paths := takeCall(t, tc.path, tc.citRequested)
				o := paths[string(tc.path)]
				tc.offered(t, o, paths)
				out := tc.take(t, c, o)
				// What the call records: the response, and the people sent.
				var got struct {
					Response string `json:"response"`
					Version  int64  `json:"version"`
				}
				d.as(t, "disp", "GET", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", c.ID), nil).JSON(t, &got)
				if got.Response != string(tc.path) {
					t.Errorf("call response %q, want %s", got.Response, tc.path)
				}
				var as struct{ Assignments []assignmentBody }
				d.as(t, "disp", "GET", "/calls/{id}/assignments", fmt.Sprintf("/api/v1/calls/%d/assignments", c.ID), nil).JSON(t, &as)
				var ls struct{ Liaisons []callLiaisonBody }
				d.as(t, "disp", "GET", "/calls/{id}/liaisons", fmt.Sprintf("/api/v1/calls/%d/liaisons", c.ID), nil).JSON(t, &ls)
				tc.recorded(t, outcome{assignments: as.Assignments, liaisons: ls.Liaisons})
				for _, a := range out.assignments {
					clear(t, a)
				}
				// Closed as a mental-health call, so the figures count it.
				d.as(t, "disp", "GET", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", c.ID), nil).JSON(t, &got)
				body := map[string]any{"status": "closed", "mental_health": true}
				if tc.citRequested {
					body["no_cit_reason"] = "none_available"
				}
				res := d.as(t, "disp", "PATCH", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", c.ID), body, "If-Match", fmt.Sprintf(`"%d"`, got.Version))
				if res.StatusCode != http.StatusOK {
					t.Fatalf("close: %d %s", res.StatusCode, res.Body)
				}
			})
		}

		// The figures: six calls, one per path and a second co-response.
		res = d.as(t, "analyst", "GET", "/outcomes", "/api/v1/outcomes", nil)
		var figs struct {
			Measures map[string]struct {
				Count       int `json:"count"`
				Denominator int `json:"denominator"`
			} `json:"measures"`
		}
		res.JSON(t, &figs)
		for id, want := range map[string][2]int{
			"response_cit": {1, 6}, "response_co_response": {2, 6}, "response_988": {1, 6}, "response_patrol": {1, 6}, "response_ems": {1, 6},
			"response_without_police": {2, 6}, "co_responses": {2, 0},
			// One CIT-requested call, answered by patrol with the liaison.
			"cit_dispatched": {0, 1}, "cit_met_with_co_response": {1, 1},
		} {
			if m := figs.Measures[id]; m.Count != want[0] || m.Denominator != want[1] {
				t.Errorf("%s = %d of %d, want %d of %d", id, m.Count, m.Denominator, want[0], want[1])
			}
		}
	})
}

// TestLiaisonEvents: the event stream tells a liaison of their own status
// and calls only (the caseload page redraws on it), a dispatcher of every
// liaison's, and an officer of none.
func TestLiaisonEvents(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	liz := d.user("liz", citdesk.RoleLiaison)
	d.user("lee", citdesk.RoleLiaison)
	d.tok["liz"], d.tok["lee"] = d.token("liz"), d.token("lee")
	disp, mine, other, ofc := openEvents(t, d.Server.URL, d.tok["disp"]), openEvents(t, d.Server.URL, d.tok["liz"]),
		openEvents(t, d.Server.URL, d.tok["lee"]), openEvents(t, d.Server.URL, d.tok["near"])

	res := d.as(t, "liz", "PUT", "/liaisons/{id}/status", "/api/v1/liaisons/"+strconv.FormatInt(liz.ID, 10)+"/status", map[string]any{"status": "available"})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status: %d %s", res.StatusCode, res.Body)
	}
	for who, c := range map[string]*sseClient{"dispatcher": disp, "the liaison": mine} {
		m := c.next(t)
		if id, p := m.payload(t); m.Type != citdesk.EventLiaison || id != liz.ID || p["status"] != "available" {
			t.Errorf("%s: %s %s", who, m.Type, m.Data)
		}
	}
	other.none(t, 300*time.Millisecond)
	ofc.none(t, 100*time.Millisecond)
}
