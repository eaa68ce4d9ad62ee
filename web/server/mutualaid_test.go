package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"citdesk"
	"citdesk/outcomes"
	"citdesk/store"
	"citdesk/store/storetest"
	"citdesk/web"
)

// lendableOfficer puts a new officer of the agency of operator context op
// on duty, available at (lat, lon) with a CIT certification, and returns
// their id.
func lendableOfficer(t *testing.T, db *store.DB, op context.Context, last, callSign string, lat, lon float64) int64 {
	t.Helper()
	o := &citdesk.Officer{Badge: "B-" + last, FirstName: "Lent", LastName: last, CallSign: callSign, Active: true}
	if err := db.OfficerService().CreateOfficer(op, o); err != nil {
		t.Fatal(err)
	}
	if err := db.OfficerService().AddTraining(op, &citdesk.TrainingRecord{OfficerID: o.ID, Kind: citdesk.CourseCITBasic, Completed: citdesk.NewDate(2025, 6, 1), Hours: 40}); err != nil {
		t.Fatal(err)
	}
	if err := db.OfficerService().SetStatus(op, &citdesk.StatusChange{OfficerID: o.ID, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// mutualAidWorld gives e's agency a partner, "ally", sharing both ways,
// each with an available CIT officer, and two open requests: incoming (ally
// asks for e's officer on a call of ally's) and outgoing (e's call callID
// asks for ally's officer). It returns the two requests' ids.
func mutualAidWorld(t *testing.T, e *env, callID int64) (incoming, outgoing int64) {
	t.Helper()
	aid := store.NewMutualAidService(e.DB)
	_, opAlly := storetest.Agency(t, e.DB, "ally")
	if _, err := aid.SetSharing(e.Op, []citdesk.PartnerShare{{Slug: "ally"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := aid.SetSharing(opAlly, []citdesk.PartnerShare{{Slug: e.Agency.Slug}}); err != nil {
		t.Fatal(err)
	}
	mine := lendableOfficer(t, e.DB, e.Op, "Mine", "7M1", siteLat, siteLon)
	theirs := lendableOfficer(t, e.DB, opAlly, "Theirs", "9A1", siteLat, siteLon)
	c := &citdesk.Call{Nature: "Person in crisis", Address: "5 River Rd", CITRequested: true}
	if err := e.DB.CallService().CreateCall(opAlly, c); err != nil {
		t.Fatal(err)
	}
	in, err := aid.Request(opAlly, c.ID, e.Agency.Slug, mine)
	if err != nil {
		t.Fatal(err)
	}
	out, err := aid.Request(e.Op, callID, "ally", theirs)
	if err != nil {
		t.Fatal(err)
	}
	return in.ID, out.ID
}

// aidEnv is two agencies on one server: De Soto (the borrower, e.Agency)
// and Hillsboro (the lender), each with a dispatcher and an admin, and a
// CIT officer of Hillsboro's, available near De Soto's call site.
type aidEnv struct {
	*dispatchEnv
	hbOfficer int64
	opHB      context.Context
}

func newAidEnv(t *testing.T, eng storetest.Engine) *aidEnv {
	t.Helper()
	env := newEnv(t, eng, web.Config{})
	d := &dispatchEnv{env: env, tok: map[string]string{"anon": ""}}
	env.user("disp", citdesk.RoleDispatcher)
	env.user("admin", citdesk.RoleAdmin)
	env.user("coord", citdesk.RoleCoordinator)
	_, opHB := storetest.Agency(t, env.DB, "hillsboro")
	storetest.User(t, env.DB, opHB, "hb-disp", citdesk.RoleDispatcher)
	storetest.User(t, env.DB, opHB, "hb-admin", citdesk.RoleAdmin)
	u, _ := storetest.User(t, env.DB, opHB, "hb-ofc", citdesk.RoleOfficer)
	a := &aidEnv{dispatchEnv: d, opHB: opHB, hbOfficer: *u.OfficerID}
	for _, name := range []string{"disp", "admin", "coord", "hb-disp", "hb-admin", "hb-ofc"} {
		d.tok[name] = env.token(name)
	}
	lat, lon := siteLat+0.01, siteLon
	if err := env.DB.OfficerService().AddTraining(opHB, &citdesk.TrainingRecord{OfficerID: a.hbOfficer, Kind: citdesk.CourseCITBasic, Completed: citdesk.NewDate(2025, 6, 1), Hours: 40}); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.OfficerService().SetStatus(opHB, &citdesk.StatusChange{OfficerID: a.hbOfficer, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
		t.Fatal(err)
	}
	return a
}

type partnerBody struct {
	AgencySlug string   `json:"agency_slug"`
	AgencyName string   `json:"agency_name"`
	OfficerID  int64    `json:"officer_id"`
	Label      string   `json:"label"`
	DutyStatus string   `json:"duty_status"`
	CITStatus  string   `json:"cit_status"`
	DistanceM  *int     `json:"distance_m"`
	Lat        *float64 `json:"lat"`
}

type aidBody struct {
	ID            int64           `json:"id"`
	Status        string          `json:"status"`
	Direction     string          `json:"direction"`
	CallID        *int64          `json:"call_id"`
	LenderCallID  *int64          `json:"lender_call_id"`
	AssignmentID  *int64          `json:"assignment_id"`
	DeclineReason string          `json:"decline_reason"`
	Call          *map[string]any `json:"call"`
}

// recommendation returns the partners of call id's recommendation.
func (a *aidEnv) partners(t *testing.T, who string, callID int64) []partnerBody {
	t.Helper()
	res := a.as(t, who, "GET", "/calls/{id}/recommendations", fmt.Sprintf("/api/v1/calls/%d/recommendations", callID), nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("recommendations: %d %s", res.StatusCode, res.Body)
	}
	var body struct {
		Officers []any         `json:"officers"`
		Partners []partnerBody `json:"partners"`
	}
	res.JSON(t, &body)
	return body.Partners
}

// outcomes returns measure id's count and denominator for who's agency.
func (a *aidEnv) measure(t *testing.T, who, id string) (int, int) {
	t.Helper()
	res := a.as(t, who, "GET", "/outcomes", "/api/v1/outcomes", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("outcomes: %d %s", res.StatusCode, res.Body)
	}
	var body struct {
		Measures map[string]struct {
			Count       int `json:"count"`
			Denominator int `json:"denominator"`
		} `json:"measures"`
	}
	res.JSON(t, &body)
	m, ok := body.Measures[id]
	if !ok {
		t.Fatalf("no measure %s in %s", id, res.Body)
	}
	return m.Count, m.Denominator
}

// TestMutualAidFlow: the whole county mutual-aid flow between two agencies
// through the API, on both engines: no partners before sharing; the lender
// opts in; the borrower with no CIT officer sees the lender's available
// CIT officer, marked with the agency; asks; the lender sees the request
// with the crossed call details and declines one, accepts another; the
// assignment, the lender's call and the report belong to the lender; the
// borrower's call closes without a no-CIT reason; and the measures agree
// with counts made here.
func TestMutualAidFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		a := newAidEnv(t, eng)
		first := a.newCall(t, true)
		if p := a.partners(t, "disp", first.ID); len(p) != 0 {
			t.Fatalf("partners before any sharing: %+v", p)
		}
		ask := func(who string, callID, officerID int64) response {
			return a.as(t, who, "POST", "/calls/{id}/mutual-aid", fmt.Sprintf("/api/v1/calls/%d/mutual-aid", callID), map[string]any{"lender": "hillsboro", "officer_id": officerID})
		}
		wantProblem(t, ask("disp", first.ID, a.hbOfficer), 422, "lender")

		// Hillsboro's admin shares with De Soto; only that direction.
		res := a.as(t, "hb-admin", "PUT", "/agency/partners", "/api/v1/agency/partners", map[string]any{"partners": []map[string]any{{"slug": "desoto", "show_names": false}}})
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"shares_with":[{"slug":"desoto"`) {
			t.Fatalf("share: %d %s", res.StatusCode, res.Body)
		}
		wantProblem(t, a.as(t, "hb-admin", "PUT", "/agency/partners", "/api/v1/agency/partners", map[string]any{"partners": []map[string]any{{"slug": "nowhere"}}}), 422, "partners[0].slug")
		wantProblem(t, a.as(t, "hb-disp", "PUT", "/agency/partners", "/api/v1/agency/partners", map[string]any{"partners": []any{}}), 403, "")
		res = a.as(t, "disp", "GET", "/agency/partners", "/api/v1/agency/partners", nil)
		if !strings.Contains(res.Body, `"shared_with_us":[{"slug":"hillsboro"`) || !strings.Contains(res.Body, `"shares_with":[]`) {
			t.Fatalf("De Soto's partners: %s", res.Body)
		}
		if n := a.auditCountOf(t, a.opHB, "mutual_aid.sharing"); n != 1 {
			t.Errorf("%d sharing audit events, want 1", n)
		}

		// De Soto has no CIT officer: Hillsboro's appears, marked, with
		// only what crosses.
		p := a.partners(t, "disp", first.ID)
		if len(p) != 1 || p[0].AgencySlug != "hillsboro" || p[0].OfficerID != a.hbOfficer || p[0].DutyStatus != "available" || p[0].CITStatus != "certified" ||
			p[0].DistanceM == nil || p[0].Lat == nil || strings.Contains(p[0].Label, "hb-ofc") {
			t.Fatalf("partners: %+v", p)
		}

		// A request, declined with a reason.
		res = ask("disp", first.ID, a.hbOfficer)
		var req aidBody
		res.JSON(t, &req)
		if res.StatusCode != http.StatusCreated || req.Status != "requested" || req.Direction != "outgoing" || req.CallID == nil || *req.CallID != first.ID || req.Call != nil {
			t.Fatalf("request: %d %s", res.StatusCode, res.Body)
		}
		wantProblem(t, ask("disp", first.ID, a.hbOfficer), 409, "")
		res = a.as(t, "hb-disp", "GET", "/mutual-aid", "/api/v1/mutual-aid", nil)
		if !strings.Contains(res.Body, `"direction":"incoming"`) || !strings.Contains(res.Body, `"address":"100 Main St"`) || !strings.Contains(res.Body, `"weapons":"yes"`) ||
			strings.Contains(res.Body, "Jo Caller") || strings.Contains(res.Body, "knife") || strings.Contains(res.Body, `"call_id"`) {
			t.Fatalf("the lender's list: %s", res.Body)
		}
		// That read of the call is audited on both sides: the lender's
		// reader, naming the request; the borrower's call, read by the
		// partner agency.
		partnerViews := func() int {
			evs, err := a.DB.AuditService().ListAudit(a.Op, citdesk.AuditFilter{Action: "call.view", Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, ev := range evs {
				if ev.Actor == "partner:hillsboro" && ev.ObjectID == fmt.Sprint(first.ID) {
					n++
				}
			}
			return n
		}
		if n, m := a.auditCountOf(t, a.opHB, "mutual_aid.call_view"), partnerViews(); n != 1 || m != 1 {
			t.Errorf("audited reads of the request's call: %d in Hillsboro, %d in De Soto; want 1, 1", n, m)
		}
		decide := func(who string, id int64, what string, body any) response {
			return a.as(t, who, "POST", "/mutual-aid/{id}/"+what, fmt.Sprintf("/api/v1/mutual-aid/%d/%s", id, what), body)
		}
		wantProblem(t, decide("disp", req.ID, "accept", nil), 403, "")
		wantProblem(t, decide("hb-disp", req.ID, "decline", map[string]any{"reason": ""}), 422, "reason")
		res = decide("hb-disp", req.ID, "decline", map[string]any{"reason": "Our CIT officer is needed here."})
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"status":"declined"`) {
			t.Fatalf("decline: %d %s", res.StatusCode, res.Body)
		}
		res = a.as(t, "disp", "GET", "/mutual-aid", "/api/v1/mutual-aid", nil)
		if !strings.Contains(res.Body, `"decline_reason":"Our CIT officer is needed here."`) || strings.Contains(res.Body, "lender_call_id") {
			t.Fatalf("the borrower's list after the decline: %s", res.Body)
		}
		wantProblem(t, decide("hb-disp", req.ID, "accept", nil), 409, "")
		// A declined request shows the lender none of the borrower's call.
		res = a.as(t, "hb-disp", "GET", "/mutual-aid", "/api/v1/mutual-aid", nil)
		if !strings.Contains(res.Body, `"status":"declined"`) || strings.Contains(res.Body, "100 Main St") || strings.Contains(res.Body, `"call":`) {
			t.Errorf("the lender's list after the decline: %s", res.Body)
		}
		if n := partnerViews(); n != 1 {
			t.Errorf("De Soto's call read by the partner %d times, want 1 (a declined request shows nothing)", n)
		}

		// A CAD's service token with calls:write may not decide: a person
		// does.
		_, cad := a.serviceAccount(a.tok["admin"], "cad", string(citdesk.ScopeCallsWrite))
		a.tok["cad"] = cad
		_, hbCAD := a.serviceAccount(a.tok["hb-admin"], "hb-cad", string(citdesk.ScopeCallsWrite))
		a.tok["hb-cad"] = hbCAD
		if err := a.DB.WebhookService().CreateWebhook(a.Op, &citdesk.Webhook{URL: "http://127.0.0.1:9/", Events: []string{citdesk.HookCallUpdated}}, "a secret of sixteen+"); err != nil {
			t.Fatal(err)
		}

		// Asked again, and accepted: the lender's call and assignment.
		res = ask("disp", first.ID, a.hbOfficer)
		res.JSON(t, &req)
		wantProblem(t, decide("hb-cad", req.ID, "accept", nil), 403, "")
		wantProblem(t, decide("hb-cad", req.ID, "decline", map[string]any{"reason": "busy"}), 403, "")
		wantProblem(t, decide("cad", req.ID, "cancel", nil), 403, "")
		updatesBefore := a.auditCountOf(t, a.Op, "call.update")
		hooksBefore := a.hookCount(t, a.Op, citdesk.HookCallUpdated)
		res = decide("hb-disp", req.ID, "accept", nil)
		var acc aidBody
		res.JSON(t, &acc)
		if res.StatusCode != http.StatusOK || acc.Status != "accepted" || acc.LenderCallID == nil || acc.AssignmentID == nil {
			t.Fatalf("accept: %d %s", res.StatusCode, res.Body)
		}
		res = a.as(t, "hb-disp", "GET", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", *acc.LenderCallID), nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"address":"100 Main St"`) || strings.Contains(res.Body, "Jo Caller") {
			t.Fatalf("the lender's call: %d %s", res.StatusCode, res.Body)
		}
		wantProblem(t, a.as(t, "disp", "GET", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", *acc.LenderCallID), nil), 404, "")
		wantProblem(t, a.as(t, "disp", "GET", "/assignments/{id}", fmt.Sprintf("/api/v1/assignments/%d", *acc.AssignmentID), nil), 404, "")
		// The borrower's call shows someone is coming.
		res = a.as(t, "disp", "GET", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", first.ID), nil)
		var bc callBody
		res.JSON(t, &bc)
		if bc.Status != "dispatched" {
			t.Errorf("the borrower's call is %s, want dispatched", bc.Status)
		}
		// That change is in De Soto's audit trail, naming the request, and
		// De Soto's CAD hears call.updated.
		if n := a.auditCountOf(t, a.Op, "call.update"); n != updatesBefore+1 {
			t.Errorf("De Soto's call.update events: %d, want %d", n, updatesBefore+1)
		}
		if n := a.hookCount(t, a.Op, citdesk.HookCallUpdated); n != hooksBefore+1 {
			t.Errorf("De Soto's call.updated webhook events: %d, want %d", n, hooksBefore+1)
		}
		// The accepted request still shows the lender the call.
		if res := a.as(t, "hb-disp", "GET", "/mutual-aid", "/api/v1/mutual-aid", nil); !strings.Contains(res.Body, "100 Main St") {
			t.Errorf("the lender's list after the accept: %s", res.Body)
		}

		// The lent officer goes, and files the report in Hillsboro.
		for _, st := range []string{"en_route", "on_scene", "cleared"} {
			var cur assignmentBody
			a.as(t, "hb-ofc", "GET", "/assignments/{id}", fmt.Sprintf("/api/v1/assignments/%d", *acc.AssignmentID), nil).JSON(t, &cur)
			res = a.as(t, "hb-ofc", "PATCH", "/assignments/{id}", fmt.Sprintf("/api/v1/assignments/%d", *acc.AssignmentID), map[string]any{"status": st},
				"If-Match", fmt.Sprintf(`"%d"`, cur.Version))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("move to %s: %d %s", st, res.StatusCode, res.Body)
			}
		}
		res = a.as(t, "hb-ofc", "POST", "/encounters", "/api/v1/encounters", map[string]any{"assignment_id": *acc.AssignmentID})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("the lent officer's report: %d %s", res.StatusCode, res.Body)
		}
		var enc struct {
			ID         int64  `json:"id"`
			Version    int64  `json:"version"`
			OccurredAt string `json:"occurred_at"`
		}
		res.JSON(t, &enc)
		encPath := fmt.Sprintf("/api/v1/encounters/%d", enc.ID)
		// De Soto's figures, read before the report is in, so the one
		// after reads only what changed (the change stamp sees the
		// partner's report).
		if k, _ := a.measure(t, "admin", "encounters"); k != 0 {
			t.Errorf("De Soto's encounters before the report = %d, want 0", k)
		}
		res = a.as(t, "hb-ofc", "PUT", "/encounters/{id}", encPath, map[string]any{"version": enc.Version, "address": "100 Main St",
			"contact_start": "welfare_check", "primary_problem": "mental_illness", "dispositions": []string{"resolved_on_scene"}, "force": "none",
			"on_scene_minutes": 35, "narrative": "He calmed down and stayed with his sister.", "occurred_at": enc.OccurredAt})
		res.JSON(t, &enc)
		if res := a.as(t, "hb-ofc", "POST", "/encounters/{id}/submit", encPath+"/submit", map[string]any{"version": enc.Version}); res.StatusCode != http.StatusOK {
			t.Fatalf("submit the lent officer's report: %d %s", res.StatusCode, res.Body)
		}
		wantProblem(t, a.as(t, "disp", "GET", "/encounters/{id}", encPath, nil), 404, "")
		res = a.as(t, "disp", "GET", "/encounters", "/api/v1/encounters", nil)
		if strings.Contains(res.Body, `"id"`) {
			t.Errorf("the borrower lists the lender's report: %s", res.Body)
		}

		// The borrower closes its call: the lent CIT officer reached it.
		close := func(c callBody) response {
			var cur callBody
			a.as(t, "disp", "GET", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", c.ID), nil).JSON(t, &cur)
			return a.as(t, "disp", "PATCH", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", c.ID), map[string]any{"status": "closed"}, "If-Match", fmt.Sprintf(`"%d"`, cur.Version))
		}
		if res := close(first); res.StatusCode != http.StatusOK {
			t.Fatalf("close the borrower's call: %d %s", res.StatusCode, res.Body)
		}

		// A second call: asked, then cancelled, then closed with a reason;
		// a third asked of nobody.
		second := a.newCall(t, true)
		res = ask("disp", second.ID, a.hbOfficer)
		if res.StatusCode != http.StatusCreated {
			// The lent officer is cleared and available again.
			t.Fatalf("second request: %d %s", res.StatusCode, res.Body)
		}
		res.JSON(t, &req)
		wantProblem(t, decide("hb-disp", req.ID, "cancel", nil), 403, "")
		if res := decide("disp", req.ID, "cancel", nil); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"status":"cancelled"`) {
			t.Fatalf("cancel: %d %s", res.StatusCode, res.Body)
		}
		var cur callBody
		a.as(t, "disp", "GET", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", second.ID), nil).JSON(t, &cur)
		res = a.as(t, "disp", "PATCH", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", second.ID), map[string]any{"status": "closed", "no_cit_reason": citdesk.NoCITNoneOnDuty},
			"If-Match", fmt.Sprintf(`"%d"`, cur.Version))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("close the second call: %d %s", res.StatusCode, res.Body)
		}
		third := a.newCall(t, true)
		a.as(t, "disp", "GET", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", third.ID), nil).JSON(t, &cur)
		a.as(t, "disp", "PATCH", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", third.ID), map[string]any{"status": "closed", "no_cit_reason": citdesk.NoCITNoneOnDuty},
			"If-Match", fmt.Sprintf(`"%d"`, cur.Version))

		// The measures, against counts made here: De Soto's calls that
		// asked a partner (first, second) = 2; filled (first) = 1 of 2; a
		// CIT officer dispatched to a CIT-requested call: first only, by
		// the lent officer = 1 of 3.
		if k, _ := a.measure(t, "admin", "mutual_aid_requested"); k != 2 {
			t.Errorf("mutual_aid_requested = %d, want 2", k)
		}
		if k, n := a.measure(t, "admin", "mutual_aid_filled"); k != 1 || n != 2 {
			t.Errorf("mutual_aid_filled = %d of %d, want 1 of 2", k, n)
		}
		if k, n := a.measure(t, "admin", "cit_dispatched"); k != 1 || n != 3 {
			t.Errorf("De Soto's cit_dispatched = %d of %d, want 1 of 3", k, n)
		}
		// The pages show them: the dashboard, the monthly report, the
		// public page (with small numbers suppressed).
		b := a.browser()
		b.login("admin")
		for _, path := range []string{"/outcomes", "/outcomes/monthly"} {
			res := b.get(path)
			if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Mutual-aid requests filled") || !strings.Contains(res.Body, "Calls that asked a partner agency for a CIT officer") {
				t.Errorf("%s: %d, no mutual-aid measures", path, res.StatusCode)
			}
		}
		if res := b.get("/a/desoto/outcomes"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Mutual-aid requests filled") {
			t.Errorf("the public page: %d, no mutual-aid measures", res.StatusCode)
		}

		// Hillsboro asked nobody.
		if k, _ := a.measure(t, "hb-admin", "mutual_aid_requested"); k != 0 {
			t.Errorf("Hillsboro's mutual_aid_requested = %d, want 0", k)
		}
		// The lent officer's report is the lender's: one encounter in
		// Hillsboro's figures, resolved on scene (a diversion, no arrest),
		// by a CIT officer; none in De Soto's, whose figures count the call
		// only from its own request and the lent assignment (above).
		want := map[string]int{"admin": 0, "hb-admin": 1}
		for _, who := range []string{"admin", "hb-admin"} {
			if k, _ := a.measure(t, who, "encounters"); k != want[who] {
				t.Errorf("%s's encounters = %d, want %d", who, k, want[who])
			}
			if k, n := a.measure(t, who, "diversions"); k != want[who] || n != want[who] {
				t.Errorf("%s's diversions = %d of %d, want %d of %d", who, k, n, want[who], want[who])
			}
			if k, n := a.measure(t, who, "arrests"); k != 0 || n != want[who] {
				t.Errorf("%s's arrests = %d of %d, want 0 of %d", who, k, n, want[who])
			}
			if k, n := a.measure(t, who, "cit_officer"); k != want[who] || n != want[who] {
				t.Errorf("%s's cit_officer = %d of %d, want %d of %d", who, k, n, want[who], want[who])
			}
		}
		// De Soto's drill-downs list none of the lender's report, and its
		// audit trail names none.
		for _, m := range []string{"diversions", "cit_officer", "cit_dispatched"} {
			var d struct {
				Encounters []outcomes.DrillRow
			}
			res := a.as(t, "coord", "GET", "/outcomes/encounters", "/api/v1/outcomes/encounters?measure="+m, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("drill-down %s: %d %s", m, res.StatusCode, res.Body)
			}
			res.JSON(t, &d)
			for _, row := range d.Encounters {
				if row.ID != 0 {
					t.Errorf("De Soto's %s drill-down lists report %d (the lender's is %d)", m, row.ID, enc.ID)
				}
			}
		}
		drills, err := a.DB.AuditService().ListAudit(a.Op, citdesk.AuditFilter{Action: "outcomes.drilldown", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range drills {
			if ev.ObjectType == "encounter" {
				t.Errorf("De Soto's audit trail names encounter %s", ev.ObjectID)
			}
		}
	})
}

// hookCount counts the webhook deliveries of event enqueued for the agency
// of operator context op.
func (e *env) hookCount(t *testing.T, op context.Context, event string) int {
	t.Helper()
	ds, err := e.DB.WebhookService().ListDeliveries(op, false, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range ds {
		if d.Event == event {
			n++
		}
	}
	return n
}

// auditCountOf counts the audit events with action of the agency of
// operator context op.
func (e *env) auditCountOf(t *testing.T, op context.Context, action string) int {
	t.Helper()
	events, err := e.DB.AuditService().ListAudit(op, citdesk.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(events)
}

// TestMutualAidTenancy: what an agency sees of another through every
// mutual-aid route, the routes of records and the board, on both engines.
// Hillsboro shares with De Soto; De Soto shares with nobody; Festus with
// nobody and nobody with Festus. Festus sees nothing of either; Hillsboro
// sees nothing of De Soto's officers (that direction is not shared), only
// the request De Soto made of it, with the crossed call details; and
// nobody reaches another's calls, officers or reports.
func TestMutualAidTenancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		a := newAidEnv(t, eng)
		_, opF := storetest.Agency(t, a.DB, "festus")
		storetest.User(t, a.DB, opF, "fe-disp", citdesk.RoleDispatcher, citdesk.RoleAdmin)
		a.tok["fe-disp"] = a.token("fe-disp")
		feOfficer := lendableOfficer(t, a.DB, opF, "Festus", "F1", siteLat, siteLon)
		mine := lendableOfficer(t, a.DB, a.Op, "Desoto", "D1", siteLat+0.002, siteLon)
		a.as(t, "hb-admin", "PUT", "/agency/partners", "/api/v1/agency/partners", map[string]any{"partners": []map[string]any{{"slug": "desoto"}}})

		// De Soto has a CIT officer of its own: no partners offered.
		first := a.newCall(t, true)
		if p := a.partners(t, "disp", first.ID); len(p) != 0 {
			t.Fatalf("partners beside an available CIT officer of our own: %+v", p)
		}
		busy := func(op context.Context, id int64) {
			if err := a.DB.OfficerService().SetStatus(op, &citdesk.StatusChange{OfficerID: id, Status: citdesk.StatusBusy}); err != nil {
				t.Fatal(err)
			}
		}
		busy(a.Op, mine)
		if p := a.partners(t, "disp", first.ID); len(p) != 1 || p[0].OfficerID != a.hbOfficer {
			t.Fatalf("De Soto's partners: %+v", p)
		}
		a.onDutyAvailable(t, a.Op, mine)

		// Hillsboro, with no CIT officer free, is offered none of De
		// Soto's, and cannot ask for one.
		hbCall := &citdesk.Call{Nature: "Welfare check", Address: "9 Hill St", CITRequested: true, Lat: new(siteLat), Lon: new(siteLon)}
		if err := a.DB.CallService().CreateCall(a.opHB, hbCall); err != nil {
			t.Fatal(err)
		}
		busy(a.opHB, a.hbOfficer)
		if p := a.partners(t, "hb-disp", hbCall.ID); len(p) != 0 {
			t.Fatalf("Hillsboro sees partners though nobody shares with it: %+v", p)
		}
		wantProblem(t, a.as(t, "hb-disp", "POST", "/calls/{id}/mutual-aid", fmt.Sprintf("/api/v1/calls/%d/mutual-aid", hbCall.ID), map[string]any{"lender": "desoto", "officer_id": mine}), 422, "lender")
		// De Soto cannot tell Hillsboro's busy officer from an id
		// Hillsboro does not have: the same answer for both.
		probe := func(id int64) response {
			return a.as(t, "disp", "POST", "/calls/{id}/mutual-aid", fmt.Sprintf("/api/v1/calls/%d/mutual-aid", first.ID), map[string]any{"lender": "hillsboro", "officer_id": id})
		}
		busyAns, noneAns := probe(a.hbOfficer), probe(a.hbOfficer+100000)
		if busyAns.StatusCode != http.StatusConflict || noneAns.StatusCode != busyAns.StatusCode || noneAns.Body != busyAns.Body {
			t.Errorf("probing Hillsboro's roster: busy officer %d %s; unknown id %d %s", busyAns.StatusCode, busyAns.Body, noneAns.StatusCode, noneAns.Body)
		}
		a.onDutyAvailable(t, a.opHB, a.hbOfficer)

		// De Soto asks Hillsboro: Hillsboro's board is told, Festus's not.
		busy(a.Op, mine)
		ctx := context.Background()
		subs := map[string]citdesk.Subscription{}
		for slug, op := range map[string]context.Context{"hillsboro": a.opHB, "festus": opF} {
			subs[slug] = a.Bus.Subscribe(ctx, citdesk.ActorFromContext(op).AgencyID)
			defer subs[slug].Close()
		}
		res := a.as(t, "disp", "POST", "/calls/{id}/mutual-aid", fmt.Sprintf("/api/v1/calls/%d/mutual-aid", first.ID), map[string]any{"lender": "hillsboro", "officer_id": a.hbOfficer})
		var req aidBody
		res.JSON(t, &req)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("request: %d %s", res.StatusCode, res.Body)
		}
		select {
		case ev := <-subs["hillsboro"].C():
			if ev.Type != citdesk.EventMutualAid || strings.Contains(string(ev.Payload), "Main") {
				t.Errorf("Hillsboro's event: %s %s", ev.Type, ev.Payload)
			}
		default:
			t.Errorf("Hillsboro's board was not told of the request")
		}
		select {
		case ev := <-subs["festus"].C():
			t.Errorf("Festus was told: %s %s", ev.Type, ev.Payload)
		default:
		}

		// Festus: nothing, through every route.
		feCall := &citdesk.Call{Nature: "Welfare check", Address: "1 Festus Rd", CITRequested: true}
		if err := a.DB.CallService().CreateCall(opF, feCall); err != nil {
			t.Fatal(err)
		}
		busy(opF, feOfficer)
		if p := a.partners(t, "fe-disp", feCall.ID); len(p) != 0 {
			t.Errorf("Festus sees partners: %+v", p)
		}
		res = a.as(t, "fe-disp", "GET", "/agency/partners", "/api/v1/agency/partners", nil)
		if res.Body != `{"shares_with":[],"shared_with_us":[]}`+"\n" && res.Body != `{"shares_with":[],"shared_with_us":[]}` {
			t.Errorf("Festus's partners: %s", res.Body)
		}
		res = a.as(t, "fe-disp", "GET", "/mutual-aid", "/api/v1/mutual-aid", nil)
		if !strings.Contains(res.Body, `"requests":[]`) {
			t.Errorf("Festus lists requests: %s", res.Body)
		}
		for _, what := range []string{"accept", "cancel"} {
			wantProblem(t, a.as(t, "fe-disp", "POST", "/mutual-aid/{id}/"+what, fmt.Sprintf("/api/v1/mutual-aid/%d/%s", req.ID, what), nil), 404, "")
		}
		wantProblem(t, a.as(t, "fe-disp", "POST", "/mutual-aid/{id}/decline", fmt.Sprintf("/api/v1/mutual-aid/%d/decline", req.ID), map[string]any{"reason": "no"}), 404, "")
		for _, lender := range []string{"hillsboro", "desoto", "nowhere"} {
			wantProblem(t, a.as(t, "fe-disp", "POST", "/calls/{id}/mutual-aid", fmt.Sprintf("/api/v1/calls/%d/mutual-aid", feCall.ID), map[string]any{"lender": lender, "officer_id": a.hbOfficer}), 422, "lender")
		}
		// A request in another agency's name for its call: not found.
		wantProblem(t, a.as(t, "fe-disp", "POST", "/calls/{id}/mutual-aid", fmt.Sprintf("/api/v1/calls/%d/mutual-aid", first.ID), map[string]any{"lender": "hillsboro", "officer_id": a.hbOfficer}), 404, "")

		// Records stay home: calls, officers.
		for _, c := range []struct {
			who, tmpl, path string
		}{
			{"hb-disp", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", first.ID)},
			{"hb-disp", "/officers/{id}", fmt.Sprintf("/api/v1/officers/%d", mine)},
			{"disp", "/calls/{id}", fmt.Sprintf("/api/v1/calls/%d", hbCall.ID)},
			{"disp", "/officers/{id}", fmt.Sprintf("/api/v1/officers/%d", a.hbOfficer)},
			{"fe-disp", "/officers/{id}", fmt.Sprintf("/api/v1/officers/%d", a.hbOfficer)},
		} {
			wantProblem(t, a.as(t, c.who, "GET", c.tmpl, c.path, nil), 404, "")
		}
		res = a.as(t, "disp", "GET", "/officers", "/api/v1/officers", nil)
		if strings.Contains(res.Body, "hb-ofc") {
			t.Errorf("De Soto's roster lists Hillsboro's officer: %s", res.Body)
		}

		// The boards. Festus: none of it. Hillsboro: the request with the
		// crossed details only. De Soto: Hillsboro's officer in the panel.
		board := func(name, path string) string {
			b := a.browser()
			b.login(name)
			res := b.get(path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %d", name, path, res.StatusCode)
			}
			return res.Body
		}
		for _, path := range []string{"/board", fmt.Sprintf("/board?call=%d", feCall.ID), "/board/mutual-aid"} {
			body := board("fe-disp", path)
			for _, leak := range []string{"hillsboro", "desoto", "100 Main St", "hb-ofc", "Lent Desoto", "Desoto, Lent"} {
				if strings.Contains(body, leak) {
					t.Errorf("Festus's %s shows %q", path, leak)
				}
			}
		}
		body := board("hb-disp", "/board/mutual-aid")
		if !strings.Contains(body, "Test PD desoto") || !strings.Contains(body, "100 Main St") || strings.Contains(body, "Jo Caller") || strings.Contains(body, "knife") {
			t.Errorf("Hillsboro's mutual-aid list: %s", body)
		}
		body = board("hb-disp", fmt.Sprintf("/board?call=%d", hbCall.ID))
		if strings.Contains(body, "data-partner-officer-id") || strings.Contains(body, "Test PD desoto") {
			t.Errorf("Hillsboro's panel offers De Soto's officers")
		}
		// De Soto's request is waiting, so its own officer stays busy and
		// the panel offers Hillsboro's.
		body = board("disp", fmt.Sprintf("/board?call=%d", first.ID))
		if !strings.Contains(body, fmt.Sprintf(`data-partner-officer-id="%d"`, a.hbOfficer)) || !strings.Contains(body, "Test PD hillsboro") {
			t.Errorf("De Soto's panel does not offer Hillsboro's officer")
		}
	})
}

// onDutyAvailable makes officer id available again.
func (a *aidEnv) onDutyAvailable(t *testing.T, op context.Context, id int64) {
	t.Helper()
	lat, lon := siteLat+0.01, siteLon
	if err := a.DB.OfficerService().SetStatus(op, &citdesk.StatusChange{OfficerID: id, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
		t.Fatal(err)
	}
}

// TestMutualAidAdminPage: the admin shares on /admin/mutual-aid, with or
// without names, audited; the partner then sees the officer's name.
func TestMutualAidAdminPage(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		_, opHB := storetest.Agency(t, e.DB, "hillsboro")
		storetest.User(t, e.DB, opHB, "hb-admin", citdesk.RoleAdmin)
		e.user("disp", citdesk.RoleDispatcher)
		officer := lendableOfficer(t, e.DB, opHB, "Quinn", "4H2", siteLat, siteLon)
		b := e.browser()
		b.login("hb-admin")
		res := b.get("/admin/mutual-aid")
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `name="share" value="desoto"`) || strings.Contains(res.Body, `value="hillsboro"`) {
			t.Fatalf("the page: %d %s", res.StatusCode, res.Body)
		}
		res = b.form("/admin/mutual-aid", url.Values{"share": {"desoto"}, "show_names": {"desoto"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d %s", res.StatusCode, res.Body)
		}
		res = b.get("/admin/mutual-aid")
		if !strings.Contains(res.Body, `name="share" value="desoto" checked`) || !strings.Contains(res.Body, `name="show_names" value="desoto" checked`) {
			t.Errorf("after saving: %s", res.Body)
		}
		if n := e.auditCountOf(t, opHB, "mutual_aid.sharing"); n != 1 {
			t.Errorf("%d sharing events, want 1", n)
		}
		c := &citdesk.Call{Nature: "Welfare check", Address: "1 Main St", Lat: new(siteLat), Lon: new(siteLon), CITRequested: true}
		if err := e.DB.CallService().CreateCall(e.Op, c); err != nil {
			t.Fatal(err)
		}
		tok := e.token("disp")
		res = e.do("GET", fmt.Sprintf("/api/v1/calls/%d/recommendations", c.ID), tok, nil)
		if !strings.Contains(res.Body, fmt.Sprintf(`"officer_id":%d,"label":"`, officer)) || !strings.Contains(res.Body, "Quinn") {
			t.Errorf("the partner's officer without a name: %s", res.Body)
		}
		// Sharing stopped: nothing crosses.
		if res := b.form("/admin/mutual-aid", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("stop sharing: %d", res.StatusCode)
		}
		res = e.do("GET", fmt.Sprintf("/api/v1/calls/%d/recommendations", c.ID), tok, nil)
		if !strings.Contains(res.Body, `"partners":[]`) {
			t.Errorf("partners after sharing stopped: %s", res.Body)
		}
	})
}
