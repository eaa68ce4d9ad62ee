package server_test

import (
	"fmt"
	"strings"
	"testing"

	"citdesk/store/storetest"
)

// TestCallsFollowAssignmentsAPI: the call is cleared once its last officer
// clears (issue 15, finding 4), and closing a CIT-requested call that no
// CIT officer reached needs the no-CIT reason (finding 2): 422 naming
// no_cit_reason without it, and the reason is kept on the call.
func TestCallsFollowAssignmentsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		d := newDispatchEnv(t, e)

		t.Run("the last officer to clear leaves the call cleared", func(t *testing.T) {
			c := d.newCall(t, true)
			cpath := fmt.Sprintf("/api/v1/calls/%d", c.ID)
			res := d.as(t, "disp", "POST", "/calls/{id}/assignments", cpath+"/assignments", map[string]any{"officer_id": d.near})
			var a assignmentBody
			res.JSON(t, &a)
			apath := fmt.Sprintf("/api/v1/assignments/%d", a.ID)
			for i, st := range []string{"on_scene", "cleared"} {
				res := d.as(t, "near", "PATCH", "/assignments/{id}", apath, map[string]string{"status": st}, "If-Match", fmt.Sprintf(`"%d"`, i+1))
				if res.StatusCode != 200 {
					t.Fatalf("%s: %d %s", st, res.StatusCode, res.Body)
				}
			}
			var got callBody
			cur := d.as(t, "disp", "GET", "/calls/{id}", cpath, nil)
			cur.JSON(t, &got)
			if got.Status != "cleared" {
				t.Fatalf("call after its only officer cleared: %s", got.Status)
			}
			res = d.as(t, "disp", "GET", "/calls", "/api/v1/calls?status=cleared", nil)
			var list struct{ Calls []callBody }
			res.JSON(t, &list)
			if len(list.Calls) != 1 || list.Calls[0].ID != c.ID {
				t.Fatalf("calls waiting to be closed: %+v", list.Calls)
			}
			// The report is due on the officer's side (finding 1).
			var me struct {
				ReportsDue []struct {
					AssignmentID int64  `json:"assignment_id"`
					CallID       int64  `json:"call_id"`
					EncounterID  *int64 `json:"encounter_id"`
				} `json:"reports_due"`
			}
			d.as(t, "near", "GET", "/me", "/api/v1/me", nil).JSON(t, &me)
			if len(me.ReportsDue) != 1 || me.ReportsDue[0].AssignmentID != a.ID || me.ReportsDue[0].CallID != c.ID || me.ReportsDue[0].EncounterID != nil {
				t.Fatalf("reports due: %+v", me.ReportsDue)
			}
			res = d.as(t, "disp", "GET", "/me", "/api/v1/me", nil)
			if !strings.Contains(res.Body, `"reports_due":[]`) {
				t.Fatalf("a dispatcher's reports due: %s", res.Body)
			}
			// A CIT officer reached it: closed without a reason.
			res = d.as(t, "disp", "PATCH", "/calls/{id}", cpath, map[string]any{"status": "closed"}, "If-Match", cur.Header.Get("ETag"))
			if res.StatusCode != 200 {
				t.Fatalf("close: %d %s", res.StatusCode, res.Body)
			}
		})

		t.Run("closing a CIT-requested call nobody reached needs the reason", func(t *testing.T) {
			c := d.newCall(t, true)
			cpath := fmt.Sprintf("/api/v1/calls/%d", c.ID)
			etag := fmt.Sprintf(`"%d"`, c.Version)
			p := wantProblem(t, d.as(t, "disp", "PATCH", "/calls/{id}", cpath, map[string]any{"status": "closed"}, "If-Match", etag), 422, "no_cit_reason")
			if p.Detail == "" {
				t.Fatal("no detail")
			}
			wantProblem(t, d.as(t, "disp", "PATCH", "/calls/{id}", cpath, map[string]any{"status": "closed", "no_cit_reason": "other"}, "If-Match", etag), 422, "no_cit_text")
			wantProblem(t, d.as(t, "disp", "PATCH", "/calls/{id}", cpath, map[string]any{"status": "closed", "no_cit_reason": "asleep"}, "If-Match", etag), 422, "no_cit_reason")
			res := d.as(t, "disp", "PATCH", "/calls/{id}", cpath, map[string]any{"status": "closed", "no_cit_reason": "none_available"}, "If-Match", etag)
			var closed struct {
				callBody
				NoCITReason string `json:"no_cit_reason"`
			}
			res.JSON(t, &closed)
			if res.StatusCode != 200 || closed.Status != "closed" || closed.NoCITReason != "none_available" {
				t.Fatalf("close with the reason: %d %s", res.StatusCode, res.Body)
			}
			res = d.as(t, "disp", "GET", "/calls/{id}", cpath, nil)
			res.JSON(t, &closed)
			if closed.NoCITReason != "none_available" {
				t.Fatalf("reason not kept: %s", res.Body)
			}
		})
	})
}
