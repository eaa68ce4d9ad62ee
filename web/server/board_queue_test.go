package server_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestBoardQueue checks the open-call queue of issue 15 over HTTP: an
// emergency sorts above an older non-emergency call, the queue comes
// before the new-call form, calls alert in words past the agency's
// threshold, and distances are in the agency's units.
func TestBoardQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		d := newDispatchEnv(t, e)
		older := d.apiCall(t, "Welfare check", false, false)
		d.Clock.Advance(10 * time.Minute)
		emergency := d.apiCall(t, "Suicide threat", true, true)
		d.Clock.Advance(30 * time.Second)

		b := d.browser()
		b.login("disp")
		res := b.get("/board")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("board: %d", res.StatusCode)
		}
		order := func(body string) (int, int) {
			return strings.Index(body, fmt.Sprintf(`data-call-id="%d"`, emergency)), strings.Index(body, fmt.Sprintf(`data-call-id="%d"`, older))
		}
		if em, old := order(res.Body); em < 0 || old < 0 || em > old {
			t.Errorf("the emergency (at %d) does not come before the older non-emergency (at %d)", em, old)
		}
		if q, f := strings.Index(res.Body, `id="board-calls"`), strings.Index(res.Body, `id="new-call"`); q < 0 || f < 0 || q > f {
			t.Errorf("the open-call queue (at %d) does not come before the new-call form (at %d)", q, f)
		}
		if !strings.Contains(res.Body, fmt.Sprintf(`data-received="%s"`, d.Clock.Now().Add(-30*time.Second).UTC().Format(time.RFC3339))) {
			t.Errorf("the emergency does not carry its received time for the live waiting time")
		}
		if !strings.Contains(res.Body, `data-alert-after="60"`) {
			t.Errorf("the board does not carry the default 60 s emergency threshold")
		}
		// Within 60 s only the missing CIT officer alerts.
		banner := func(body string) string {
			i := strings.Index(body, `<div id="board-alert"`)
			if i < 0 {
				t.Fatalf("no alert banner")
			}
			j := strings.Index(body[i:], "</div>")
			return body[i : i+j]
		}
		if bn := banner(res.Body); strings.Contains(bn, " hidden") || !strings.Contains(bn, "1 call needs you now") ||
			!strings.Contains(bn, fmt.Sprintf("#%d Suicide threat: CIT requested, no CIT officer on it", emergency)) || strings.Contains(bn, "no officer sent") {
			t.Errorf("banner within the threshold: %s", bn)
		}
		d.Clock.Advance(31 * time.Second)
		res = b.get("/board")
		if bn := banner(res.Body); !strings.Contains(bn, "emergency waiting with no officer sent; CIT requested, no CIT officer on it") || strings.Contains(bn, "Welfare check") {
			t.Errorf("banner past the threshold: %s", bn)
		}

		// htmx's refresh of the list keeps the order.
		req, _ := http.NewRequest("GET", d.Server.URL+"/board/calls", nil)
		req.Header.Set("HX-Request", "true")
		res = b.send(req)
		if em, old := order(res.Body); res.StatusCode != 200 || em < 0 || old < 0 || em > old {
			t.Errorf("/board/calls: %d, emergency at %d, older at %d", res.StatusCode, em, old)
		}

		// A CIT officer sent: no alert left.
		if res := b.form(fmt.Sprintf("/board/calls/%d/assign", emergency), map[string][]string{"officer_id": {fmt.Sprint(d.near)}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("assign: %d %s", res.StatusCode, res.Body)
		}
		if bn := banner(b.get("/board").Body); !strings.Contains(bn, " hidden") {
			t.Errorf("banner after a CIT officer was sent: %s", bn)
		}

		// Distances: miles and feet by default, meters and kilometers when
		// the agency chooses metric.
		// Both the distance beside each officer and the one in the reasons.
		distance := regexp.MustCompile(`(?:class="rec-eta">[^<]*· |away[a-z ]* \()[0-9.]+ (mi|ft|km|m)[<)]`)
		units := func() map[string]bool {
			got := map[string]bool{}
			for _, m := range distance.FindAllStringSubmatch(b.get(fmt.Sprintf("/board?call=%d", older)).Body, -1) {
				got[m[1]] = true
			}
			return got
		}
		if u := units(); !u["mi"] && !u["ft"] || u["km"] || u["m"] {
			t.Errorf("default units %v, want miles and feet", u)
		}
		p := d.Agency.Policy
		p.Units = citdesk.UnitsMetric
		if err := d.DB.AgencyService().UpdatePolicy(d.Op, d.Agency.ID, p); err != nil {
			t.Fatal(err)
		}
		if u := units(); !u["km"] && !u["m"] || u["mi"] || u["ft"] {
			t.Errorf("metric units %v, want kilometers and meters", u)
		}
	})
}

// apiCall takes a call over the API and returns its id.
func (d *dispatchEnv) apiCall(t *testing.T, nature string, emergency, citRequested bool) int64 {
	t.Helper()
	res := d.as(t, "disp", "POST", "/calls", "/api/v1/calls", map[string]any{
		"nature": nature, "address": "100 Main St", "lat": siteLat, "lon": siteLon, "emergency": emergency, "cit_requested": citRequested,
	})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create call: %d %s", res.StatusCode, res.Body)
	}
	var c callBody
	res.JSON(t, &c)
	return c.ID
}

// TestBoardNoAlertWhileCrisisLineHolds: a CIT-requested emergency taken to
// 988 stops alerting on the board once the crisis line has accepted it
// (the transfer recorded), neither for the missing CIT officer
// (server-side) nor as an emergency waiting (the page's own clock,
// data-unsent). Before, it alerted, and beeped, for as long as the
// crisis line held it. Choosing 988 alone is not enough (the response may
// be triage's recommendation, with nobody having taken the call on), and
// a call the crisis line sends back alerts again.
func TestBoardNoAlertWhileCrisisLineHolds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		d := newDispatchEnv(t, e)
		id := d.apiCall(t, "Person in crisis", true, true)
		calls, transfers := d.DB.CallService(), store.NewTransferService(d.DB)
		_, disp := d.userCtx(t, "disp")
		version := func() int64 {
			t.Helper()
			c, err := calls.FindCallByID(d.Op, id)
			if err != nil {
				t.Fatal(err)
			}
			return c.Version
		}
		if _, err := calls.PatchCall(d.Op, id, version(), func(c *citdesk.Call) {
			c.Response, c.ResponseReason = citdesk.Response988, "Caller agreed to talk to the crisis line"
		}); err != nil {
			t.Fatal(err)
		}
		d.Clock.Advance(5 * time.Minute)

		b := d.browser()
		b.login("disp")
		alerting := func(when string, want bool) {
			t.Helper()
			body := b.get("/board").Body
			i := strings.Index(body, fmt.Sprintf(`data-call-id="%d"`, id))
			j := strings.Index(body, `<div id="board-alert"`)
			if i < 0 || j < 0 {
				t.Fatalf("%s: no call %d or no alert banner on the board", when, id)
			}
			start := strings.LastIndex(body[:i], "<li")
			li := body[start : i+strings.Index(body[i:], ">")]
			banner := body[j : j+strings.Index(body[j:], "</div>")]
			got := []bool{strings.Contains(li, "alerting"), strings.Contains(li, "data-no-cit"), strings.Contains(li, "data-unsent"), !strings.Contains(banner, " hidden")}
			for k, what := range []string{"the call alerts", "no CIT officer", "no officer sent", "the banner shows"} {
				if got[k] != want {
					t.Errorf("%s: %s = %v, want %v", when, what, got[k], want)
				}
			}
		}
		alerting("988 chosen, no transfer recorded", true)

		if _, err := transfers.RecordTransfer(disp, &citdesk.Transfer{CallID: id, Destination: citdesk.TransferToMobileCrisis, Consent: citdesk.ConsentYes}, version()); err != nil {
			t.Fatalf("record the transfer: %v", err)
		}
		alerting("the crisis line holds it", false)

		if _, err := transfers.ReturnTransfer(disp, id, version(), citdesk.TransferReturn{Reason: "Team out of county", Response: citdesk.ResponseCIT}); err != nil {
			t.Fatalf("return the transfer: %v", err)
		}
		alerting("sent back for a CIT officer", true)
	})
}
