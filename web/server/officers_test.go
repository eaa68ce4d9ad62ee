package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// rosterEnv is a server with one agency's roster people signed in through
// the API, two officers with accounts, and a second agency with its own
// coordinator and dispatcher.
type rosterEnv struct {
	*env
	tok          map[string]string // username → bearer token; "" is anonymous
	annID, bobID int64
}

func newRosterEnv(t *testing.T, e storetest.Engine) *rosterEnv {
	t.Helper()
	env := newEnv(t, e, web.Config{})
	r := &rosterEnv{env: env, tok: map[string]string{"anon": ""}}
	for name, roles := range map[string][]citdesk.Role{
		"coord": {citdesk.RoleCoordinator}, "admin": {citdesk.RoleAdmin}, "disp": {citdesk.RoleDispatcher},
		"analyst": {citdesk.RoleAnalyst}, "liaison": {citdesk.RoleLiaison},
	} {
		env.user(name, roles...)
	}
	r.annID = *env.user("ann", citdesk.RoleOfficer).OfficerID
	r.bobID = *env.user("bob", citdesk.RoleOfficer).OfficerID
	_, opB := storetest.Agency(t, env.DB, "hillsboro")
	storetest.User(t, env.DB, opB, "hb-coord", citdesk.RoleCoordinator, citdesk.RoleAdmin)
	storetest.User(t, env.DB, opB, "hb-disp", citdesk.RoleDispatcher)
	for _, name := range []string{"coord", "admin", "disp", "analyst", "liaison", "ann", "bob", "hb-coord", "hb-disp"} {
		r.tok[name] = env.token(name)
	}
	return r
}

// path fills {ann} and {bob} with the officers' ids.
func (r *rosterEnv) path(p string) string {
	return strings.NewReplacer("{ann}", fmt.Sprint(r.annID), "{bob}", fmt.Sprint(r.bobID)).Replace(p)
}

// as sends a request as username and checks the answer against the
// OpenAPI document under the documented path template.
func (r *rosterEnv) as(t *testing.T, username, method, tmpl string, body any, headers ...string) response {
	t.Helper()
	tok, ok := r.tok[username]
	if !ok {
		t.Fatalf("no user %q", username)
	}
	res := r.do(method, r.path(tmpl), tok, body, headers...)
	checkOpenAPI(t, method, tmpl, res)
	return res
}

// officerBody is an officer as the API sends it.
type officerBody struct {
	ID        int64  `json:"id"`
	Badge     string `json:"badge"`
	LastName  string `json:"last_name"`
	Version   int64  `json:"version"`
	Active    bool   `json:"active"`
	CITStatus string `json:"cit_status"`
	CIT       struct {
		Status string `json:"status"`
		Until  string `json:"until"`
		Reason string `json:"reason"`
	} `json:"cit"`
	Duty struct {
		Status string  `json:"status"`
		Stale  bool    `json:"position_stale"`
		Lat    float64 `json:"lat"`
	} `json:"duty"`
	MHAwareness bool `json:"mh_awareness"`
}

var badgeSeq atomic.Int64

// newOfficerJSON is a POST /officers body with a badge not used before.
func newOfficerJSON() map[string]any {
	return map[string]any{"badge": fmt.Sprintf("N%d", badgeSeq.Add(1)), "first_name": "New", "last_name": "Hire"}
}

func TestOfficerAPIPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		r := newRosterEnv(t, e)
		training := func() any {
			return map[string]any{"kind": "cit_inservice", "completed": fmt.Sprintf("2026-0%d-0%d", 1+badgeSeq.Add(1)%2, 1+badgeSeq.Add(1)%9), "hours": 1 + float64(badgeSeq.Add(1)%7)}
		}
		status := func(st string) func() any { return func() any { return map[string]any{"status": st} } }
		create := func() any { return newOfficerJSON() }
		patch := func() any { return map[string]any{"rank": "Ofc."} }
		tests := []struct {
			method, path string
			body         func() any
			want         map[string]int // username → status
		}{
			// Analysts get figures, not officers' phones and live positions (issue 10).
			{"GET", "/api/v1/officers", nil, map[string]int{"anon": 401, "coord": 200, "admin": 200, "disp": 200, "analyst": 403, "ann": 403, "liaison": 403}},
			{"POST", "/api/v1/officers", create, map[string]int{"anon": 401, "coord": 201, "admin": 201, "disp": 403, "analyst": 403, "ann": 403}},
			{"GET", "/api/v1/officers/{ann}", nil, map[string]int{"anon": 401, "ann": 200, "bob": 403, "disp": 200, "coord": 200, "analyst": 403, "liaison": 403, "hb-coord": 404}},
			{"PATCH", "/api/v1/officers/{ann}", patch, map[string]int{"anon": 401, "ann": 403, "disp": 403, "analyst": 403, "hb-coord": 404}},
			{"GET", "/api/v1/officers/{ann}/training", nil, map[string]int{"anon": 401, "ann": 200, "bob": 403, "coord": 200, "admin": 200, "disp": 403, "analyst": 403, "hb-coord": 404}},
			{"POST", "/api/v1/officers/{ann}/training", training, map[string]int{"anon": 401, "coord": 201, "admin": 201, "ann": 403, "disp": 403, "analyst": 403, "hb-coord": 404}},
			{"PUT", "/api/v1/officers/{ann}/status", status("available"), map[string]int{"anon": 401, "ann": 200, "bob": 403, "disp": 200, "admin": 200, "coord": 403, "analyst": 403, "hb-disp": 404}},
			{"GET", "/api/v1/officers/{ann}/status-history", nil, map[string]int{"anon": 401, "ann": 200, "bob": 403, "disp": 200, "coord": 200, "liaison": 403, "hb-coord": 404}},
			{"GET", "/api/v1/coverage", nil, map[string]int{"anon": 401, "coord": 200, "admin": 200, "analyst": 200, "disp": 403, "ann": 403}},
			{"GET", "/api/v1/roster/summary", nil, map[string]int{"anon": 401, "coord": 200, "analyst": 200, "disp": 403, "ann": 403, "liaison": 403}},
		}
		for _, tc := range tests {
			for user, want := range tc.want {
				t.Run(tc.method+" "+tc.path+" as "+user, func(t *testing.T) {
					var body any
					if tc.body != nil {
						body = tc.body()
					}
					res := r.as(t, user, tc.method, tc.path, body, "If-Match", `"1"`)
					if res.StatusCode != want {
						t.Errorf("%s %s as %s: %d, want %d: %s", tc.method, tc.path, user, res.StatusCode, want, res.Body)
					}
				})
			}
		}

		t.Run("another agency sees nothing", func(t *testing.T) {
			var list struct{ Officers []officerBody }
			r.as(t, "hb-coord", "GET", "/api/v1/officers", nil).JSON(t, &list)
			for _, o := range list.Officers {
				if o.ID == r.annID || o.ID == r.bobID {
					t.Errorf("hillsboro's coordinator lists De Soto's officer %+v", o)
				}
			}
			var sum struct {
				SwornActive int `json:"sworn_active"`
			}
			r.as(t, "hb-coord", "GET", "/api/v1/roster/summary", nil).JSON(t, &sum)
			if sum.SwornActive != 0 {
				t.Errorf("hillsboro's summary counts %d officers, want 0", sum.SwornActive)
			}
		})
	})
}

func TestOfficerAPIGetAndPatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		r := newRosterEnv(t, e)
		res := r.as(t, "coord", "POST", "/api/v1/officers/{ann}/training", map[string]any{
			"kind": "cit_basic", "completed": "2024-05-01", "hours": 40, "provider": "St. Louis County CIT", "certificate": "C-118"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("add training: %d %s", res.StatusCode, res.Body)
		}

		res = r.as(t, "ann", "GET", "/api/v1/officers/{ann}", nil)
		var o officerBody
		res.JSON(t, &o)
		// Basic course 2024-05-01: grace through 2026-04-30, 51 days after
		// 2026-03-10, so within the 60-day warning window.
		if o.CITStatus != "expiring" || o.CIT.Status != "expiring" || o.CIT.Until != "2026-04-30" || !strings.Contains(o.CIT.Reason, "grace period") {
			t.Errorf("standing: cit_status %q cit %+v", o.CITStatus, o.CIT)
		}
		if o.Duty.Status != "off_duty" || !o.Duty.Stale {
			t.Errorf("duty %+v", o.Duty)
		}
		if etag := res.Header.Get("ETag"); etag != fmt.Sprintf(`"%d"`, o.Version) {
			t.Errorf("ETag %q for version %d", etag, o.Version)
		}

		t.Run("If-Match", func(t *testing.T) {
			res := r.as(t, "coord", "PATCH", "/api/v1/officers/{ann}", map[string]any{"rank": "Cpl."})
			if res.StatusCode != http.StatusPreconditionRequired {
				t.Errorf("PATCH without If-Match: %d %s", res.StatusCode, res.Body)
			}
			res = r.as(t, "coord", "PATCH", "/api/v1/officers/{ann}", map[string]any{"rank": "Cpl.", "shift": "B days"}, "If-Match", `"1"`)
			if res.StatusCode != http.StatusOK || res.Header.Get("ETag") != `"2"` {
				t.Fatalf("PATCH with the current ETag: %d ETag %q %s", res.StatusCode, res.Header.Get("ETag"), res.Body)
			}
			// A second client still holding version 1 is refused.
			res = r.as(t, "admin", "PATCH", "/api/v1/officers/{ann}", map[string]any{"rank": "Sgt."}, "If-Match", `"1"`)
			wantRosterProblem(t, res, http.StatusPreconditionFailed, "")
			res = r.as(t, "admin", "PATCH", "/api/v1/officers/{ann}", map[string]any{"last_name": "  "}, "If-Match", `W/"2"`)
			wantRosterProblem(t, res, http.StatusUnprocessableEntity, "last_name")
			res = r.as(t, "admin", "PATCH", "/api/v1/officers/{ann}", map[string]any{"nickname": "A"}, "If-Match", `"2"`)
			wantRosterProblem(t, res, http.StatusUnprocessableEntity, "nickname")
			res = r.as(t, "admin", "PATCH", "/api/v1/officers/{ann}", map[string]any{"active": "yes"}, "If-Match", `"2"`)
			wantRosterProblem(t, res, http.StatusUnprocessableEntity, "active")
			var got officerBody
			r.as(t, "coord", "GET", "/api/v1/officers/{ann}", nil).JSON(t, &got)
			if got.Version != 2 {
				t.Errorf("version after refused changes = %d, want 2", got.Version)
			}
		})

		t.Run("create", func(t *testing.T) {
			res := r.as(t, "coord", "POST", "/api/v1/officers", map[string]any{"badge": "3301", "first_name": "Lee", "last_name": "Park", "call_sign": "2C31"})
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("create: %d %s", res.StatusCode, res.Body)
			}
			var o officerBody
			res.JSON(t, &o)
			if !o.Active || o.CITStatus != "not_trained" || res.Header.Get("Location") != fmt.Sprintf("/api/v1/officers/%d", o.ID) {
				t.Errorf("created %+v, Location %q", o, res.Header.Get("Location"))
			}
			wantRosterProblem(t, r.as(t, "coord", "POST", "/api/v1/officers", map[string]any{"badge": "3301", "first_name": "X", "last_name": "Y"}), 422, "badge")
			wantRosterProblem(t, r.as(t, "coord", "POST", "/api/v1/officers", map[string]any{"badge": "3302", "last_name": "Y"}), 422, "first_name")
		})

		t.Run("filters", func(t *testing.T) {
			ids := func(query string) []int64 {
				t.Helper()
				res := r.as(t, "disp", "GET", "/api/v1/officers"+query, nil)
				if res.StatusCode != 200 {
					t.Fatalf("GET %s: %d %s", query, res.StatusCode, res.Body)
				}
				var list struct{ Officers []officerBody }
				res.JSON(t, &list)
				var out []int64
				for _, o := range list.Officers {
					out = append(out, o.ID)
				}
				return out
			}
			if got := ids("?cit_status=expiring"); len(got) != 1 || got[0] != r.annID {
				t.Errorf("cit_status=expiring: %v", got)
			}
			if got := ids("?q=2C31"); len(got) != 1 {
				t.Errorf("q=2C31: %v", got)
			}
			r.as(t, "bob", "PUT", "/api/v1/officers/{bob}/status", map[string]any{"status": "busy"})
			if got := ids("?on_duty=true&active=true"); len(got) != 1 || got[0] != r.bobID {
				t.Errorf("on_duty=true: %v", got)
			}
			for q, field := range map[string]string{"?cit_status=gold": "cit_status", "?active=maybe": "active", "?on_duty=2": "on_duty", "?q=" + strings.Repeat("x", 101): "q"} {
				wantRosterProblem(t, r.as(t, "disp", "GET", "/api/v1/officers"+q, nil), 422, field)
			}
		})
	})
}

func TestTrainingAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		r := newRosterEnv(t, e)
		add := func(body map[string]any) response {
			t.Helper()
			return r.as(t, "coord", "POST", "/api/v1/officers/{ann}/training", body)
		}
		for _, tc := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"bad kind", map[string]any{"kind": "yoga", "completed": "2026-01-01", "hours": 2}, "kind"},
			{"no date", map[string]any{"kind": "cit_inservice", "hours": 2}, "completed"},
			{"bad date", map[string]any{"kind": "cit_inservice", "completed": "01/02/2026", "hours": 2}, "completed"},
			{"future date", map[string]any{"kind": "cit_inservice", "completed": "2026-03-11", "hours": 2}, "completed"},
			{"zero hours", map[string]any{"kind": "cit_inservice", "completed": "2026-01-01", "hours": 0}, "hours"},
			{"short basic course", map[string]any{"kind": "cit_basic", "completed": "2026-01-01", "hours": 16}, "hours"},
			{"hours as text", map[string]any{"kind": "cit_inservice", "completed": "2026-01-01", "hours": "two"}, "hours"},
		} {
			t.Run(tc.name, func(t *testing.T) { wantRosterProblem(t, add(tc.body), 422, tc.field) })
		}
		body := map[string]any{"kind": "cit_basic", "completed": "2025-09-15", "hours": 40, "title": "CIT basic, Jefferson County"}
		if res := add(body); res.StatusCode != http.StatusCreated {
			t.Fatalf("add: %d %s", res.StatusCode, res.Body)
		}
		wantRosterProblem(t, add(body), http.StatusConflict, "")
		if res := add(map[string]any{"kind": "mh_awareness", "completed": "2023-02-01", "hours": 8}); res.StatusCode != http.StatusCreated {
			t.Fatalf("add awareness: %d %s", res.StatusCode, res.Body)
		}
		res := r.as(t, "ann", "GET", "/api/v1/officers/{ann}/training", nil)
		var list struct {
			CITStatus string `json:"cit_status"`
			Training  []struct {
				Kind, Title, Completed string
			}
		}
		res.JSON(t, &list)
		if list.CITStatus != "certified" || len(list.Training) != 2 || list.Training[0].Completed != "2025-09-15" || list.Training[0].Title != "CIT basic, Jefferson County" {
			t.Errorf("officer's own training: %+v", list)
		}
		var o officerBody
		r.as(t, "coord", "GET", "/api/v1/officers/{ann}", nil).JSON(t, &o)
		if !o.MHAwareness || o.CITStatus != "certified" {
			t.Errorf("after training: %+v", o)
		}
	})
}

func TestStatusAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		r := newRosterEnv(t, e)
		sub := r.Bus.Subscribe(r.Op, r.Agency.ID)
		defer sub.Close()

		res := r.as(t, "ann", "PUT", "/api/v1/officers/{ann}/status", map[string]any{"status": "available", "lat": 38.14, "lon": -90.55})
		if res.StatusCode != 200 {
			t.Fatalf("officer sets own status: %d %s", res.StatusCode, res.Body)
		}
		var o officerBody
		res.JSON(t, &o)
		if o.Duty.Status != "available" || o.Duty.Stale || o.Duty.Lat != 38.14 {
			t.Errorf("after setting status: %+v", o.Duty)
		}
		select {
		case ev := <-sub.C():
			if ev.Type != citdesk.EventOfficerStatus || ev.ObjectID != r.annID {
				t.Errorf("event %+v", ev)
			}
		case <-time.After(5 * time.Second):
			t.Error("no officer.status event")
		}

		wantRosterProblem(t, r.as(t, "ann", "PUT", "/api/v1/officers/{bob}/status", map[string]any{"status": "available"}), 403, "")
		if res := r.as(t, "disp", "PUT", "/api/v1/officers/{bob}/status", map[string]any{"status": "en_route"}); res.StatusCode != 200 {
			t.Errorf("dispatcher sets Bob en route: %d %s", res.StatusCode, res.Body)
		}
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"status": "lunch"}, "status"},
			{map[string]any{}, "status"},
			{map[string]any{"status": "busy", "lat": 38.1}, "lat"},
			{map[string]any{"status": "busy", "lat": 38.1, "lon": 200}, "lon"},
			{map[string]any{"status": "busy", "lat": "north", "lon": 1}, "lat"},
		} {
			wantRosterProblem(t, r.as(t, "ann", "PUT", "/api/v1/officers/{ann}/status", tc.body), 422, tc.field)
		}

		r.Clock.Advance(5*time.Minute + time.Second)
		r.as(t, "ann", "GET", "/api/v1/officers/{ann}", nil).JSON(t, &o)
		if !o.Duty.Stale {
			t.Error("a position 5 min 1 s old is not marked stale")
		}
		r.as(t, "ann", "PUT", "/api/v1/officers/{ann}/status", map[string]any{"status": "busy"})
		var hist struct {
			Changes []struct{ Status string }
		}
		res = r.as(t, "ann", "GET", "/api/v1/officers/{ann}/status-history", nil)
		res.JSON(t, &hist)
		if len(hist.Changes) != 2 || hist.Changes[0].Status != "available" || hist.Changes[1].Status != "busy" {
			t.Errorf("history %s", res.Body)
		}
		res = r.as(t, "disp", "GET", "/api/v1/officers/{ann}/status-history?from=2026-03-11&to=2026-03-12", nil)
		res.JSON(t, &hist)
		if len(hist.Changes) != 0 {
			t.Errorf("history of 2026-03-11 (local): %s", res.Body)
		}
		wantRosterProblem(t, r.as(t, "disp", "GET", "/api/v1/officers/{ann}/status-history?from=yesterday", nil), 422, "from")
		wantRosterProblem(t, r.as(t, "disp", "GET", "/api/v1/officers/{ann}/status-history?from=2026-03-02&to=2026-03-01", nil), 422, "from")
	})
}

// TestCoverageAPI checks a small case worked out by hand: on Monday
// 2 March 2026 Ann (CIT certified since 2025) is on duty 08:00–12:00 and Bob
// 10:00–14:00, but Bob's 40-hour course is only on 5 March, so his hours
// count only from then: on Friday 6 March he is on duty 10:00–11:00.
// 5 of the 120 hours from 2 to 6 March had a CIT officer on duty.
func TestCoverageAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		r := newRosterEnv(t, e)
		chicago, _ := time.LoadLocation("America/Chicago")
		at := func(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, chicago) }
		set := func(who string, id int64, st string, when time.Time) {
			t.Helper()
			r.Clock.Set(when)
			res := r.do("PUT", fmt.Sprintf("/api/v1/officers/%d/status", id), r.tok[who], map[string]any{"status": st})
			if res.StatusCode != 200 {
				t.Fatalf("status %s: %d %s", st, res.StatusCode, res.Body)
			}
		}
		r.as(t, "coord", "POST", "/api/v1/officers/{ann}/training", map[string]any{"kind": "cit_basic", "completed": "2025-06-01", "hours": 40})
		set("ann", r.annID, "available", at(2, 8))
		set("bob", r.bobID, "available", at(2, 10))
		set("ann", r.annID, "off_duty", at(2, 12))
		set("bob", r.bobID, "off_duty", at(2, 14))
		set("bob", r.bobID, "busy", at(6, 10))
		set("bob", r.bobID, "off_duty", at(6, 11))
		r.Clock.Set(storetest.Epoch)
		r.as(t, "coord", "POST", "/api/v1/officers/{bob}/training", map[string]any{"kind": "cit_basic", "completed": "2026-03-05", "hours": 40})

		res := r.as(t, "analyst", "GET", "/api/v1/coverage?from=2026-03-02&to=2026-03-06", nil)
		if res.StatusCode != 200 {
			t.Fatalf("coverage: %d %s", res.StatusCode, res.Body)
		}
		var cov struct {
			From, To     string
			Share        *float64
			CoveredHours float64 `json:"covered_hours"`
			TotalHours   float64 `json:"total_hours"`
			Cells        [7][24]struct {
				CoveredHours float64 `json:"covered_hours"`
				TotalHours   float64 `json:"total_hours"`
				Share        *float64
			}
			Sentence string
		}
		res.JSON(t, &cov)
		if cov.CoveredHours != 5 || cov.TotalHours != 120 || cov.Share == nil || *cov.Share != 5.0/120 {
			t.Errorf("covered %v of %v hours, share %v; want 5 of 120", cov.CoveredHours, cov.TotalHours, cov.Share)
		}
		want := func(wd time.Weekday, hour int, share float64) {
			t.Helper()
			c := cov.Cells[wd][hour]
			if c.Share == nil || *c.Share != share {
				t.Errorf("%s %02d:00: share %v, want %v (%+v)", wd, hour, c.Share, share, c)
			}
		}
		for h := 8; h < 12; h++ {
			want(time.Monday, h, 1)
		}
		want(time.Monday, 12, 0) // only Bob, not yet certified
		want(time.Monday, 7, 0)
		want(time.Friday, 10, 1)
		want(time.Friday, 11, 0)
		if c := cov.Cells[time.Sunday][3]; c.Share != nil || c.TotalHours != 0 {
			t.Errorf("Sunday is outside the range but has %+v", c)
		}
		if !strings.HasPrefix(cov.Sentence, "A CIT officer was on duty 4% of hours from Mon Mar 2, 2026 to Fri Mar 6, 2026") {
			t.Errorf("sentence %q", cov.Sentence)
		}

		// The default is the four weeks before today (10 March).
		res = r.as(t, "coord", "GET", "/api/v1/coverage", nil)
		res.JSON(t, &cov)
		if cov.From != "2026-02-10" || cov.To != "2026-03-09" || cov.TotalHours != 28*24-1 || cov.CoveredHours != 5 {
			t.Errorf("default range %s to %s: %v of %v hours (the 8 March DST change makes it 671)", cov.From, cov.To, cov.CoveredHours, cov.TotalHours)
		}
		for q, field := range map[string]string{
			"?from=March": "from", "?to=2026-13-01": "to", "?from=2026-03-05&to=2026-03-04": "to", "?from=2024-01-01&to=2026-01-01": "to",
		} {
			wantRosterProblem(t, r.as(t, "coord", "GET", "/api/v1/coverage"+q, nil), 422, field)
		}
	})
}

func TestRosterSummaryAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		r := newRosterEnv(t, e)
		// Ann: basic course 2024-05-01, grace through 2026-04-30 (expiring).
		// Bob: awareness course only. One more: certified in 2025. One
		// inactive and certified, which does not count.
		r.as(t, "coord", "POST", "/api/v1/officers/{ann}/training", map[string]any{"kind": "cit_basic", "completed": "2024-05-01", "hours": 40})
		r.as(t, "coord", "POST", "/api/v1/officers/{bob}/training", map[string]any{"kind": "mh_awareness", "completed": "2024-05-01", "hours": 8})
		var c, gone officerBody
		r.as(t, "coord", "POST", "/api/v1/officers", map[string]any{"badge": "C1", "first_name": "Cy", "last_name": "Cole"}).JSON(t, &c)
		r.as(t, "coord", "POST", "/api/v1/officers", map[string]any{"badge": "G1", "first_name": "Gil", "last_name": "Gone", "active": false}).JSON(t, &gone)
		for _, id := range []int64{c.ID, gone.ID} {
			r.do("POST", fmt.Sprintf("/api/v1/officers/%d/training", id), r.tok["coord"], map[string]any{"kind": "cit_basic", "completed": "2025-01-10", "hours": 40})
		}
		var sum struct {
			SwornActive  int            `json:"sworn_active"`
			CITCertified int            `json:"cit_certified"`
			Share        *float64       `json:"cit_certified_share"`
			MHAwareness  int            `json:"mh_awareness"`
			Meets        bool           `json:"meets_benchmark"`
			ByStatus     map[string]int `json:"by_status"`
			Expiring     []struct {
				OfficerID int64 `json:"officer_id"`
				Until     string
				DaysLeft  int `json:"days_left"`
			}
			Sentence string
		}
		r.as(t, "coord", "GET", "/api/v1/roster/summary", nil).JSON(t, &sum)
		if sum.SwornActive != 3 || sum.CITCertified != 2 || sum.MHAwareness != 1 || !sum.Meets || sum.ByStatus["expiring"] != 1 || sum.ByStatus["not_trained"] != 1 {
			t.Errorf("summary %+v", sum)
		}
		if len(sum.Expiring) != 1 || sum.Expiring[0].OfficerID != r.annID || sum.Expiring[0].Until != "2026-04-30" || sum.Expiring[0].DaysLeft != 51 {
			t.Errorf("expiring %+v", sum.Expiring)
		}
		if sum.Sentence != "2 of 3 sworn officers (67%) are CIT certified; CIT International recommends at least 20%." {
			t.Errorf("sentence %q", sum.Sentence)
		}
	})
}

// wantRosterProblem checks that res is a problem with status and, when
// field is not "", that it names field.
func wantRosterProblem(t *testing.T, res response, status int, field string) {
	t.Helper()
	var p web.Problem
	if res.StatusCode != status || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("status %d (%s), want a %d problem; body %s", res.StatusCode, res.Header.Get("Content-Type"), status, res.Body)
		return
	}
	if err := json.Unmarshal([]byte(res.Body), &p); err != nil || p.Detail == "" {
		t.Errorf("problem body %q: %v", res.Body, err)
	}
	if field != "" && p.Field != field {
		t.Errorf("problem field %q, want %q (detail %q)", p.Field, field, p.Detail)
	}
}

// multipartForm posts a file upload as a same-origin browser would.
func (b *browser) multipartForm(path, field, filename, content string) response {
	b.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile(field, filename)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", b.e.Server.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.e.Server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.send(req)
}

func TestRosterImportPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		r := newRosterEnv(t, e)
		b := r.browser()
		b.login("coord")
		csv := "badge,first_name,last_name,cit_basic_date\n" +
			"501,Amy,Adams,2024-05-01\n" +
			",Ben,Brown,\n" +
			"503,Cat,Clark,2030-01-01\n"
		res := b.multipartForm("/roster/import", "file", "roster.csv", csv)
		if res.StatusCode != 200 {
			t.Fatalf("import: %d %s", res.StatusCode, res.Body)
		}
		for _, want := range []string{
			// Line 4 is rejected whole: no officer 503 (issue 10).
			"1 officer added, 0 updated, 1 training record added, 2 rows rejected.",
			"line 3</th><td>badge</td><td>Badge number is required.",
			"line 4</th><td>completed</td><td>Completion date cannot be in the future.",
		} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("import page lacks %q:\n%s", want, res.Body)
			}
		}
		res = b.multipartForm("/roster/import", "file", "roster.csv", csv)
		if !strings.Contains(res.Body, "0 officers added, 1 updated, 0 training records added, 2 rows rejected.") {
			t.Errorf("re-import:\n%s", res.Body)
		}
		var list struct{ Officers []officerBody }
		r.as(t, "coord", "GET", "/api/v1/officers?q=50", nil).JSON(t, &list)
		if len(list.Officers) != 1 || list.Officers[0].Badge != "501" || list.Officers[0].CITStatus != "expiring" {
			t.Errorf("after two imports: %+v", list.Officers)
		}

		res = b.multipartForm("/roster/import", "file", "roster.csv", "name;badge\nx;1\n")
		if res.StatusCode != 422 || !strings.Contains(res.Body, "semicolons") {
			t.Errorf("a file without the columns: %d", res.StatusCode)
		}
		res = b.form("/roster/import", url.Values{})
		if res.StatusCode != 422 || !strings.Contains(res.Body, "Choose a roster CSV file") {
			t.Errorf("no file: %d", res.StatusCode)
		}
		d := r.browser()
		d.login("disp")
		if res := d.multipartForm("/roster/import", "file", "roster.csv", csv); res.StatusCode != 403 {
			t.Errorf("dispatcher imports: %d", res.StatusCode)
		}
	})
}

func TestRosterPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		r := newRosterEnv(t, e)
		r.as(t, "coord", "POST", "/api/v1/officers/{ann}/training", map[string]any{"kind": "cit_basic", "completed": "2025-06-01", "hours": 40})
		r.as(t, "ann", "PUT", "/api/v1/officers/{ann}/status", map[string]any{"status": "available"})
		b := r.browser()
		b.login("coord")

		res := b.get("/roster")
		for _, want := range []string{
			`<span class="badge cit-certified"`, ">CIT certified</span>",
			`<span class="badge st-available">Available</span>`, ">Not CIT trained</span>",
			"1 of 2 sworn officers (50%) are CIT certified; CIT International recommends at least 20%.",
			"Expiring within 60 days",
		} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("/roster lacks %q", want)
			}
		}
		if res := b.get("/roster?cit_status=not_trained&active=true"); !strings.Contains(res.Body, "1 officer shown") || !strings.Contains(res.Body, "bob") {
			t.Errorf("/roster filtered to not trained:\n%s", res.Body)
		}
		if res := b.get("/roster?cit_status=gold"); res.StatusCode != 422 || !strings.Contains(res.Body, "cit_status must be one of") {
			t.Errorf("bad filter: %d", res.StatusCode)
		}

		t.Run("add officer", func(t *testing.T) {
			res := b.form("/roster/officers", url.Values{"badge": {"4401"}, "first_name": {"Dee"}, "last_name": {""}})
			if res.StatusCode != 422 || !strings.Contains(res.Body, `id="add-last_name-error">Last name is required.`) {
				t.Errorf("add without last name: %d %s", res.StatusCode, res.Body)
			}
			res = b.form("/roster/officers", url.Values{"badge": {"4401"}, "first_name": {"Dee"}, "last_name": {"Evans"}})
			if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/roster/officers/") {
				t.Fatalf("add: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			if page := b.get(res.Header.Get("Location")); !strings.Contains(page.Body, "The officer was added to the roster.") {
				t.Errorf("no notice after adding")
			}
		})

		officer := r.path("/roster/officers/{bob}")
		t.Run("add training", func(t *testing.T) {
			res := b.form(officer+"/training", url.Values{"kind": {"cit_inservice"}, "completed": {"2026-01-15"}, "hours": {"lots"}})
			if res.StatusCode != 422 || !strings.Contains(res.Body, `id="t-hours-error">Hours must be a number`) || !strings.Contains(res.Body, `value="2026-01-15"`) {
				t.Errorf("bad hours: %d %s", res.StatusCode, res.Body)
			}
			res = b.form(officer+"/training", url.Values{"kind": {"cit_basic"}, "completed": {"2026-01-15"}, "hours": {"40"}, "provider": {"MO CIT Council"}})
			if res.StatusCode != 303 || res.Header.Get("Location") != officer+"?notice=training#training" {
				t.Fatalf("add training: %d %q", res.StatusCode, res.Header.Get("Location"))
			}
			page := b.get(officer + "?notice=training")
			for _, want := range []string{"The training was recorded", "MO CIT Council", ">CIT certified</span>", "In grace period"} {
				if !strings.Contains(page.Body, want) {
					t.Errorf("officer page lacks %q", want)
				}
			}
		})

		t.Run("edit with a stale version", func(t *testing.T) {
			page := b.get(officer)
			if !strings.Contains(page.Body, `name="version" value="1"`) {
				t.Fatalf("edit form lacks the version:\n%s", page.Body)
			}
			form := url.Values{"version": {"1"}, "badge": {"B-bob"}, "first_name": {"Test"}, "last_name": {"bob"}, "shift": {"C nights"}, "active": {"on"}}
			if res := b.form(officer, form); res.StatusCode != 303 {
				t.Fatalf("edit: %d %s", res.StatusCode, res.Body)
			}
			res := b.form(officer, form) // version 1 again: someone saved since
			if res.StatusCode != 412 || !strings.Contains(res.Body, "Someone else changed this officer") {
				t.Errorf("stale edit: %d", res.StatusCode)
			}
		})

		t.Run("coverage page", func(t *testing.T) {
			res := b.get("/roster/coverage?from=2026-03-09&to=2026-03-10")
			for _, want := range []string{"A CIT officer was on duty", `<th scope="row">Tuesday</th>`, `<th scope="col"><abbr title="23:00 to the next hour">23</abbr></th>`, `class="heat-10"`, `class="heat-none"`, ", counted up to now ("} {
				if !strings.Contains(res.Body, want) {
					t.Errorf("coverage page lacks %q", want)
				}
			}
			if res := b.get("/roster/coverage?from=2026-03-09&to=2026-03-01"); res.StatusCode != 422 || !strings.Contains(res.Body, `id="c-to-error"`) {
				t.Errorf("bad range: %d", res.StatusCode)
			}
		})

		t.Run("others may not", func(t *testing.T) {
			d := r.browser()
			d.login("disp")
			for _, p := range []string{"/roster", officer, "/roster/coverage", "/roster/import"} {
				if res := d.get(p); res.StatusCode != 403 {
					t.Errorf("dispatcher GET %s: %d", p, res.StatusCode)
				}
			}
			if res := d.form(officer+"/training", url.Values{"kind": {"other"}, "completed": {"2026-01-01"}, "hours": {"1"}}); res.StatusCode != 403 {
				t.Errorf("dispatcher adds training: %d", res.StatusCode)
			}
			h := r.browser()
			h.login("hb-coord")
			if res := h.get(officer); res.StatusCode != 404 {
				t.Errorf("another agency's coordinator opens %s: %d", officer, res.StatusCode)
			}
			if res := r.browser().get("/roster"); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
				t.Errorf("anonymous /roster: %d", res.StatusCode)
			}
		})
	})
}

func TestMePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		r := newRosterEnv(t, e)
		r.as(t, "coord", "POST", "/api/v1/officers/{ann}/training", map[string]any{"kind": "cit_basic", "completed": "2025-06-01", "hours": 40, "provider": "MO CIT Council"})
		b := r.browser()
		b.login("ann")
		res := b.get("/me")
		for _, want := range []string{
			`<section id="assignment" aria-live="polite" hx-get="/me/assignment" hx-trigger="load" hx-swap="innerHTML"></section>`,
			`data-status="off_duty">Off duty</span>`, `name="status" value="available" class="primary">Go on duty (available)</button>`,
			"MO CIT Council", ">CIT certified</span>", `data-geo="lat"`,
		} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("/me lacks %q", want)
			}
		}

		res = b.form("/me/status", url.Values{"status": {"available"}, "lat": {"38.14"}, "lon": {"-90.55"}})
		if res.StatusCode != 303 || res.Header.Get("Location") != "/me" {
			t.Fatalf("go on duty: %d %s", res.StatusCode, res.Body)
		}
		o, err := r.DB.OfficerService().FindOfficerByID(r.Op, r.annID)
		if err != nil || o.Duty.Status != citdesk.StatusAvailable || o.Duty.Lat == nil || *o.Duty.Lat != 38.14 {
			t.Fatalf("stored duty %+v, %v", o.Duty, err)
		}

		// htmx: just the status part comes back, to swap in.
		req, _ := http.NewRequest("POST", r.Server.URL+"/me/status", strings.NewReader("status=busy&lat=&lon="))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res = b.send(req)
		if res.StatusCode != 200 || !strings.HasPrefix(strings.TrimSpace(res.Body), `<section id="duty"`) || !strings.Contains(res.Body, `data-status="busy">Busy</span>`) || strings.Contains(res.Body, "<html") {
			t.Errorf("htmx status change: %d %s", res.StatusCode, res.Body)
		}
		req, _ = http.NewRequest("POST", r.Server.URL+"/me/status", strings.NewReader("status=on_scene"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if res := b.send(req); !strings.Contains(res.Body, `role="alert">Choose Available, Busy or Go off duty.`) {
			t.Errorf("htmx refused status: %d %s", res.StatusCode, res.Body)
		}
		if res := b.form("/me/status", url.Values{"status": {"busy"}, "lat": {"x"}, "lon": {"1"}}); res.StatusCode != 422 || !strings.Contains(res.Body, "lat must be a number") {
			t.Errorf("bad lat: %d", res.StatusCode)
		}

		d := r.browser()
		d.login("disp")
		res = d.get("/me")
		if res.StatusCode != 404 || !strings.Contains(res.Body, "your account is not linked to one") {
			t.Errorf("dispatcher /me: %d %s", res.StatusCode, res.Body)
		}
		if res := d.form("/me/status", url.Values{"status": {"available"}}); res.StatusCode != 404 {
			t.Errorf("dispatcher POST /me/status: %d", res.StatusCode)
		}
	})
}
