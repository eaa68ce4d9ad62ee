package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"citdesk"
	"citdesk/web"
)

// TestBoardRecommendationWebhook: the board showing a new call's
// recommendation sends recommendation.made with the API's payload, once
// per call for each subscription, however often the board shows it
// (reloads, htmx refreshes of the panel, a second dispatcher's board,
// an officer's position changing the ranking); a second call gets its
// own; the API still sends one per request.
func TestBoardRecommendationWebhook(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		e.user("disp", citdesk.RoleDispatcher)
		e.user("disp2", citdesk.RoleDispatcher)
		ofc := e.user("ofc", citdesk.RoleOfficer)
		admin := e.token("admin")
		rcv, other := newReceiver(t, hookSecret), newReceiver(t, hookSecret)
		for _, r := range []*receiver{rcv, other} {
			if res := e.do("POST", "/api/v1/webhooks", admin, map[string]any{"url": r.URL, "events": []string{"recommendation.made"}, "secret": hookSecret}); res.StatusCode != http.StatusCreated {
				t.Fatalf("subscribe: %d %s", res.StatusCode, res.Body)
			}
		}
		e.do("PUT", fmt.Sprintf("/api/v1/officers/%d/status", *ofc.OfficerID), e.token("ofc"), map[string]any{"status": "available"})

		b := e.browser()
		b.login("disp")
		res := b.form("/board/calls", url.Values{"nature": {"Welfare check"}, "address": {"12 Elm St"}, "source": {"911"}, "lat": {"38.1397"}, "lon": {"-90.5551"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("new call on the board: %d %s", res.StatusCode, res.Body)
		}
		var list struct{ Calls []citdesk.Call }
		e.do("GET", "/api/v1/calls", e.token("disp"), nil).JSON(t, &list)
		if len(list.Calls) != 1 {
			t.Fatalf("%d calls", len(list.Calls))
		}
		id := list.Calls[0].ID
		panel := func(b *browser) {
			t.Helper()
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/board/calls/%d", e.Server.URL, id), nil)
			req.Header.Set("HX-Request", "true")
			if res := b.send(req); res.StatusCode != http.StatusOK {
				t.Fatalf("panel: %d %s", res.StatusCode, res.Body)
			}
		}
		// The board after creating the call shows its recommendation.
		if res := b.get(res.Header.Get("Location")); res.StatusCode != http.StatusOK {
			t.Fatalf("board: %d", res.StatusCode)
		}
		for range 5 {
			panel(b)
			b.get(fmt.Sprintf("/board?call=%d", id))
		}
		// The officer moves (a new position re-ranks), a second dispatcher looks.
		e.do("POST", "/api/v1/positions", e.token("ofc"), map[string]any{"positions": []map[string]any{{"badge": "B-ofc", "lat": 38.14, "lon": -90.55}}})
		b2 := e.browser()
		b2.login("disp2")
		panel(b2)
		panel(b)

		e.drain(e.sender(citdesk.DefaultWebhookRetry))
		payload := func(d received) (callID int64, rec json.RawMessage) {
			var body struct {
				Data struct {
					CallID         int64           `json:"call_id"`
					Recommendation json.RawMessage `json:"recommendation"`
				} `json:"data"`
			}
			if err := json.Unmarshal(d.Body, &body); err != nil {
				t.Fatal(err)
			}
			return body.Data.CallID, body.Data.Recommendation
		}
		for name, r := range map[string]*receiver{"first": rcv, "second": other} {
			got := r.deliveries()
			if len(got) != 1 || got[0].Event != "recommendation.made" || !got[0].SignatureOK || len(got[0].Key) != 32 {
				t.Fatalf("%s subscription: %d deliveries %+v, want one recommendation.made", name, len(got), got)
			}
			if callID, rec := payload(got[0]); callID != id || len(rec) < 10 {
				t.Errorf("%s subscription: call %d, recommendation %s", name, callID, rec)
			}
		}
		// The same shape as the API's.
		var fromBoard, fromAPI map[string]any
		_, rec := payload(rcv.deliveries()[0])
		json.Unmarshal(rec, &fromBoard)
		e.do("GET", fmt.Sprintf("/api/v1/calls/%d/recommendations", id), e.token("disp"), nil).JSON(t, &fromAPI)
		// The API's answer adds the partner agencies' officers (county
		// mutual aid), which the webhook does not carry to the CAD.
		if _, ok := fromAPI["partners"]; !ok {
			t.Errorf("the API's recommendation has no partners: %v", fromAPI)
		}
		delete(fromAPI, "partners")
		for k := range fromAPI {
			if _, ok := fromBoard[k]; !ok {
				t.Errorf("the board's payload lacks %q, which the API's has", k)
			}
		}
		if len(fromBoard) != len(fromAPI) {
			t.Errorf("the board's recommendation has %d fields, the API's %d", len(fromBoard), len(fromAPI))
		}

		// A second call: one more; the API's request: one more.
		var c2 citdesk.Call
		e.do("POST", "/api/v1/calls", e.token("disp"), map[string]any{"nature": "Suicide threat", "address": "100 Main St"}).JSON(t, &c2)
		b.get(fmt.Sprintf("/board?call=%d", c2.ID))
		b.get(fmt.Sprintf("/board?call=%d", c2.ID))
		e.drain(e.sender(citdesk.DefaultWebhookRetry))
		got := rcv.deliveries()
		if len(got) != 3 {
			t.Fatalf("%d deliveries after a second call and an API request, want 3", len(got))
		}
		if callID, _ := payload(got[1]); callID != id {
			t.Errorf("the API's request: call %d", callID)
		}
		if callID, _ := payload(got[2]); callID != c2.ID {
			t.Errorf("the second call's: call %d", callID)
		}
	})
}
