package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"citdesk/store/storetest"
)

// TestOpenCallsListInQueueOrder: GET /api/v1/calls?status=open lists the
// open calls as the board's queue does (citdesk.SortQueue): emergencies
// first, then the longest waiting (issue 15).
func TestOpenCallsListInQueueOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		d := newDispatchEnv(t, e)
		now := d.Clock.Now()
		mk := func(nature string, emergency bool, ago time.Duration) int64 {
			res := d.as(t, "disp", "POST", "/calls", "/api/v1/calls", map[string]any{
				"nature": nature, "emergency": emergency, "source": "non_emergency", "received_at": now.Add(-ago).UTC().Format(time.RFC3339)})
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("create %s: %d %s", nature, res.StatusCode, res.Body)
			}
			var c callBody
			res.JSON(t, &c)
			return c.ID
		}
		oldRoutine := mk("Welfare check", false, 40*time.Minute)
		newEmergency := mk("Suicide threat", true, 2*time.Minute)
		oldEmergency := mk("Overdose", true, 9*time.Minute)
		newRoutine := mk("Disturbance", false, 5*time.Minute)
		want := []int64{oldEmergency, newEmergency, oldRoutine, newRoutine}
		for _, q := range []string{"status=open", "status=pending"} {
			var list struct{ Calls []callBody }
			d.as(t, "disp", "GET", "/calls", "/api/v1/calls?"+q, nil).JSON(t, &list)
			var got []int64
			for _, c := range list.Calls {
				got = append(got, c.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: calls %v, want the queue order %v (emergencies first, then longest waiting)", q, got, want)
			}
		}
	})
}

// TestBoardCloseKeepsReasonAfter422: a close the server refuses (the
// reason "Other" without its details) comes back with the chosen no-CIT
// reason and the mental-health answer still selected (issue 15).
func TestBoardCloseKeepsReasonAfter422(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		d := newDispatchEnv(t, e)
		c := d.newCall(t, true)
		b := d.browser()
		b.login("disp")
		for _, htmx := range []bool{false, true} {
			req, _ := http.NewRequest("POST", d.Server.URL+fmt.Sprintf("/board/calls/%d/close", c.ID), strings.NewReader(url.Values{
				"version": {fmt.Sprint(c.Version)}, "mental_health": {"no"}, "no_cit_reason": {"other"}, "no_cit_text": {""}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", d.Server.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if htmx {
				req.Header.Set("HX-Request", "true")
			}
			res := b.send(req)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("htmx %v: close with Other and no details: %d", htmx, res.StatusCode)
			}
			if !regexp.MustCompile(`<option value="other" selected>`).MatchString(res.Body) {
				t.Errorf("htmx %v: the chosen reason Other is no longer selected after the 422:\n%s", htmx, closeFormOf(res.Body))
			}
			if !regexp.MustCompile(`name="mental_health" value="no" checked`).MatchString(res.Body) {
				t.Errorf("htmx %v: the mental-health answer is lost after the 422:\n%s", htmx, closeFormOf(res.Body))
			}
		}
	})
}

// closeFormOf cuts the close form out of a page, for a failure message.
func closeFormOf(body string) string {
	i := strings.Index(body, `class="close-call"`)
	if i < 0 {
		return "(no close form)"
	}
	j := strings.Index(body[i:], "</form>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}
