package server_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"citdesk"
	"citdesk/web"
)

// TestAVLPositions: the AVL feed's batch moves officers by badge or unit;
// an older position than the one held is ignored; unknown units and bad
// reports are answered per item; recommendations use the new position.
func TestAVLPositions(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		_, avl := e.serviceAccount(e.token("admin"), "avl", "positions:write")
		ofc := e.user("ofc", citdesk.RoleOfficer)
		unit := &citdesk.Officer{Badge: "B-77", FirstName: "Lee", LastName: "Cruz", CallSign: "2A14", Active: true}
		if err := e.DB.OfficerService().CreateOfficer(e.Op, unit); err != nil {
			t.Fatal(err)
		}
		now := e.Clock.Now().UTC()
		at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339Nano) }
		batch := []map[string]any{
			{"badge": "B-ofc", "lat": 38.14, "lon": -90.55, "at": at(-30 * time.Second), "speed": 40.5, "heading": 90},
			{"unit": "2a14", "lat": 38.15, "lon": -90.56, "at": at(-20 * time.Second)},
			{"badge": "B-ofc", "lat": 1, "lon": 1, "at": at(-40 * time.Second)}, // older than the first
			{"unit": "9Z99", "lat": 38.1, "lon": -90.5, "at": at(0)},
			{"badge": "B-ofc", "lat": 91, "lon": 0, "at": at(0)},
		}
		res := e.do("POST", "/api/v1/positions", avl, map[string]any{"positions": batch})
		checkOpenAPI(t, "POST", "/positions", res)
		var out struct {
			Results []citdesk.PositionResult
			Counts  map[string]int
		}
		res.JSON(t, &out)
		want := []string{"applied", "applied", "stale", "unknown", "invalid"}
		if res.StatusCode != http.StatusOK || len(out.Results) != len(want) {
			t.Fatalf("batch: %d %s", res.StatusCode, res.Body)
		}
		for i, w := range want {
			if out.Results[i].Status != w || out.Results[i].Index != i {
				t.Errorf("report %d: %+v, want %s", i, out.Results[i], w)
			}
		}
		if out.Counts["applied"] != 2 || out.Results[1].OfficerID != unit.ID {
			t.Errorf("counts %v, unit result %+v", out.Counts, out.Results[1])
		}
		o, err := e.DB.OfficerService().FindOfficerByID(e.Op, *ofc.OfficerID)
		if err != nil {
			t.Fatal(err)
		}
		if o.Duty == nil || o.Duty.Lat == nil || *o.Duty.Lat != 38.14 || o.Duty.PositionAt == nil || !o.Duty.PositionAt.Equal(now.Add(-30*time.Second).Truncate(time.Microsecond)) {
			t.Errorf("the officer's position: %+v", o.Duty)
		}
		// The same (or an older) position again changes nothing.
		res = e.do("POST", "/api/v1/positions", avl, map[string]any{"positions": batch[:1]})
		res.JSON(t, &out)
		if out.Results[0].Status != "stale" {
			t.Errorf("the same position again: %+v", out.Results[0])
		}
		// Recommendations rank by it: the officer is nearest a call there.
		e.user("disp", citdesk.RoleDispatcher)
		disp := e.token("disp")
		e.do("PUT", fmt.Sprintf("/api/v1/officers/%d/status", *ofc.OfficerID), disp, map[string]any{"status": "available"})
		var call citdesk.Call
		e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Welfare check", "address": "x", "lat": 38.14, "lon": -90.55}).JSON(t, &call)
		res = e.do("GET", fmt.Sprintf("/api/v1/calls/%d/recommendations", call.ID), disp, nil)
		// (The officer is not CIT trained: the fallback's nearest, 0 m away.)
		var rec struct {
			Fallback struct {
				Nearest []struct {
					OfficerID int64    `json:"officer_id"`
					DistanceM *float64 `json:"distance_m"`
				} `json:"nearest_non_cit"`
			} `json:"fallback"`
		}
		res.JSON(t, &rec)
		if n := rec.Fallback.Nearest; len(n) == 0 || n[0].OfficerID != *ofc.OfficerID || n[0].DistanceM == nil || *n[0].DistanceM != 0 {
			t.Errorf("recommendations do not use the AVL position: %s", res.Body)
		}
		if res := e.do("POST", "/api/v1/positions", e.token("admin"), map[string]any{"positions": []any{}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("an empty batch: %d", res.StatusCode)
		}
		_, reader := e.serviceAccount(e.token("admin"), "reader", "calls:read")
		if res := e.do("POST", "/api/v1/positions", reader, map[string]any{"positions": batch}); res.StatusCode != http.StatusForbidden {
			t.Errorf("positions without positions:write: %d", res.StatusCode)
		}
	})
}
