package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// pageCost is what one request cost the database: transactions beyond the
// one that authenticates it, and audit events written.
type pageCost struct {
	Transactions, Audits int64
}

// costOf runs do and counts its transactions and audit events. A signed-in
// request first reads its session (one read transaction, which also brings
// the agency) unless it was read a moment ago; that read is not the page's
// and is taken off.
func costOf(t *testing.T, db *store.DB, do func() response) (response, pageCost) {
	t.Helper()
	before := db.TxStats()
	res := do()
	d := db.TxStats().Sub(before)
	// Authentication's read of the session, when it was not answered from
	// memory, is not the page's.
	return res, pageCost{Transactions: d.Reads + d.Writes - d.Sessions, Audits: d.Audits}
}

// TestOneTransactionPerPage shows that the pages a review found stitched
// together from many transactions now read (or write) in one: a report's
// file, an autosave of the report form, and the dispatch board, each with
// one audit event per record read or changed.
func TestOneTransactionPerPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportAPI(t, eng)
		e := r.env
		e.user("disp2", citdesk.RoleDispatcher)

		// A report with a person, submitted, so the liaison has a referral.
		var enc citdesk.Encounter
		r.call(t, "ofc", "POST", "/api/v1/encounters", map[string]any{"address": "1204 Boyd St"}, http.StatusCreated).JSON(t, &enc)
		var p citdesk.Person
		r.call(t, "ofc", "POST", "/api/v1/persons", map[string]any{"first_name": "Dana", "last_name": "Whitley", "dob": "1979-02-03", "address": "1204 Boyd St"}, http.StatusCreated).JSON(t, &p)
		path := "/api/v1/encounters/" + strconv.FormatInt(enc.ID, 10)
		upd := map[string]any{"version": enc.Version, "person_id": p.ID, "address": "1204 Boyd St", "contact_start": "welfare_check", "primary_problem": "mental_illness",
			"dispositions": []string{"resolved_on_scene", "referred_to_liaison"}, "on_scene_minutes": 35, "narrative": "She accepted a referral.",
			"occurred_at": enc.OccurredAt}
		r.call(t, "ofc", "PUT", path, upd, http.StatusOK).JSON(t, &enc)
		r.call(t, "ofc", "POST", path+"/submit", map[string]any{"version": enc.Version}, http.StatusOK).JSON(t, &enc)

		id := strconv.FormatInt(enc.ID, 10)
		coord := e.browser()
		coord.login("coord")
		last, err := e.DB.AuditService().ListAudit(e.Op, citdesk.AuditFilter{Limit: 1})
		if err != nil || len(last) != 1 {
			t.Fatalf("newest audit event before the page: %v, %d events", err, len(last))
		}
		res, cost := costOf(t, e.DB, func() response { return coord.get("/reports/" + id) })
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Whitley") || !strings.Contains(res.Body, "Approve") {
			t.Fatalf("report page: %d", res.StatusCode)
		}
		// The report, its person and its referral: three records, three events.
		if want := (pageCost{Transactions: 1, Audits: 3}); cost != want {
			t.Errorf("GET /reports/{id} as the coordinator: %+v, want %+v", cost, want)
		}
		// Only the events the page wrote: everything after the newest one
		// before it, by anyone, but for this test's own reading of the
		// trail (which is audited too).
		events, err := e.DB.AuditService().ListAudit(e.Op, citdesk.AuditFilter{AfterSeq: last[0].Seq, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		events = slices.DeleteFunc(events, func(ev *citdesk.AuditEvent) bool {
			return ev.Actor == "operator" && ev.Action == "audit.list"
		})
		seen := map[string]int{}
		for _, ev := range events {
			if ev.Actor != "coord" {
				t.Errorf("the report page wrote an audit event as %q: %+v", ev.Actor, ev)
			}
			seen[ev.ObjectType]++
		}
		if len(events) != 3 || seen["encounter"] != 1 || seen["person"] != 1 || seen["referral"] != 1 {
			t.Errorf("the report page's audit events are %v, want one each for the encounter, person and referral", seen)
		}

		// The officer's autosave of a fresh draft: one write, one event.
		ofc := e.browser()
		ofc.login("ofc")
		start := ofc.form("/reports", url.Values{})
		draft := strings.TrimSuffix(strings.TrimPrefix(start.Header.Get("Location"), "/reports/"), "/edit")
		res, cost = costOf(t, e.DB, func() response {
			return ofc.form("/reports/"+draft+"/autosave", url.Values{"version": {"1"}, "address": {"9 Elm St"}, "weapons": {"none"}, "force": {"none"},
				"injury_person": {"none"}, "injury_officer": {"none"}, "injury_other": {"none"}, "occurred_at": {"2026-03-10T18:00"}})
		})
		if !strings.Contains(res.Body, "Draft saved") {
			t.Fatalf("autosave: %d %s", res.StatusCode, res.Body)
		}
		if want := (pageCost{Transactions: 1, Audits: 1}); cost != want {
			t.Errorf("POST /reports/{id}/autosave: %+v, want %+v", cost, want)
		}

		// The dispatcher's board with no calls: one read, nothing audited.
		disp := e.browser()
		disp.login("disp2")
		res, cost = costOf(t, e.DB, func() response { return disp.get("/board") })
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Dispatch board") {
			t.Fatalf("board: %d", res.StatusCode)
		}
		if want := (pageCost{Transactions: 1, Audits: 0}); cost != want {
			t.Errorf("GET /board with no calls: %+v, want %+v", cost, want)
		}
	})
}

// TestRecommendationReadsNoSQL: GET /api/v1/calls/{id}/recommendations is
// answered from the dispatch state and the session kept in memory (issue
// 12): once they are read, a recommendation takes no transaction at all,
// until a change (here a new call) makes the state be read again, once.
func TestRecommendationReadsNoSQL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportAPI(t, eng)
		var call citdesk.Call
		r.call(t, "disp", "POST", "/api/v1/calls", map[string]any{"nature": "Welfare check", "address": "1204 Boyd St", "lat": 38.14, "lon": -90.55, "cit_requested": true}, http.StatusCreated).JSON(t, &call)
		path := "/api/v1/calls/" + strconv.FormatInt(call.ID, 10) + "/recommendations"
		r.call(t, "disp", "GET", path, nil, http.StatusOK)
		for i := range 3 {
			before := r.env.DB.TxStats()
			r.call(t, "disp", "GET", path, nil, http.StatusOK)
			if d := r.env.DB.TxStats().Sub(before); d.Reads+d.Writes != 0 {
				t.Errorf("recommendation %d took %+v, want no transaction", i, d)
			}
		}
		r.call(t, "disp", "POST", "/api/v1/calls", map[string]any{"nature": "Second call", "address": "9 Elm St"}, http.StatusCreated)
		before := r.env.DB.TxStats()
		r.call(t, "disp", "GET", path, nil, http.StatusOK)
		// On SQLite any commit may come from another process, so the
		// session is read again too (at most once); beyond it, one read.
		d := r.env.DB.TxStats().Sub(before)
		if d.Reads-d.Sessions != 1 || d.Sessions > 1 || (eng == storetest.Postgres && d.Sessions != 0) || d.Writes != 0 {
			t.Errorf("the recommendation after a new call took %+v, want the one read of the state beyond authentication", d)
		}
	})
}
