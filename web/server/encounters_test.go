package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// reportAPI is a server with an officer, a second officer, a coordinator,
// a liaison, a dispatcher and an analyst, signed in through the API.
type reportAPI struct {
	*env
	tok map[string]string
}

func newReportAPI(t *testing.T, eng storetest.Engine) *reportAPI {
	t.Helper()
	e := newEnv(t, eng, web.Config{})
	r := &reportAPI{env: e, tok: map[string]string{"anon": ""}}
	for name, roles := range map[string][]citdesk.Role{
		"ofc": {citdesk.RoleOfficer}, "ofc2": {citdesk.RoleOfficer}, "coord": {citdesk.RoleCoordinator},
		"liaison": {citdesk.RoleLiaison}, "disp": {citdesk.RoleDispatcher}, "analyst": {citdesk.RoleAnalyst},
	} {
		e.user(name, roles...)
		r.tok[name] = e.token(name)
	}
	return r
}

// call sends a request as username and checks the answer against the
// OpenAPI document, failing unless the status is want.
func (r *reportAPI) call(t *testing.T, who, method, path string, body any, want int) response {
	t.Helper()
	res := r.do(method, path, r.tok[who], body)
	checkOpenAPI(t, method, path, res)
	if res.StatusCode != want {
		t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, who, res.StatusCode, want, res.Body)
	}
	return res
}

func TestEncounterAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportAPI(t, eng)
		r.call(t, "anon", "POST", "/api/v1/encounters", map[string]any{}, http.StatusUnauthorized)
		r.call(t, "coord", "POST", "/api/v1/encounters", map[string]any{}, http.StatusForbidden)
		r.call(t, "ofc", "POST", "/api/v1/encounters", map[string]any{"force": "nuclear"}, http.StatusUnprocessableEntity)
		r.call(t, "ofc", "POST", "/api/v1/encounters", map[string]any{"nonsense": 1}, http.StatusUnprocessableEntity)

		var e citdesk.Encounter
		r.call(t, "ofc", "POST", "/api/v1/encounters", map[string]any{"address": "1204 Boyd St"}, http.StatusCreated).JSON(t, &e)
		path := "/api/v1/encounters/" + strconv.FormatInt(e.ID, 10)
		r.call(t, "ofc2", "GET", path, nil, http.StatusNotFound)
		r.call(t, "disp", "GET", path, nil, http.StatusNotFound)
		r.call(t, "coord", "GET", path, nil, http.StatusOK)

		// A person, matched and linked.
		var p citdesk.Person
		r.call(t, "ofc", "POST", "/api/v1/persons", map[string]any{"first_name": "Dana", "last_name": "Whitley", "dob": "1979-02-03", "address": "1204 Boyd St"}, http.StatusCreated).JSON(t, &p)
		var m struct{ Matches []citdesk.PersonMatch }
		r.call(t, "ofc", "POST", "/api/v1/persons/match", map[string]any{"first_name": "Danna", "last_name": "Whitely", "dob": "1979-02-03"}, http.StatusOK).JSON(t, &m)
		if len(m.Matches) != 1 || m.Matches[0].Person.ID != p.ID {
			t.Fatalf("matches = %+v", m.Matches)
		}
		r.call(t, "liaison", "POST", "/api/v1/persons/match", map[string]any{"last_name": "Whitley"}, http.StatusForbidden)

		upd := map[string]any{"version": e.Version, "person_id": p.ID, "address": "1204 Boyd St", "contact_start": "welfare_check", "primary_problem": "mental_illness",
			"dispositions": []string{"resolved_on_scene", "referred_to_liaison"}, "on_scene_minutes": 35, "narrative": "Spoke with her; she accepted a referral.",
			"occurred_at": e.OccurredAt}
		r.call(t, "ofc2", "PUT", path, upd, http.StatusNotFound)
		r.call(t, "ofc", "PUT", path, map[string]any{"address": "x"}, http.StatusUnprocessableEntity) // no version
		r.call(t, "ofc", "PUT", path, upd, http.StatusOK).JSON(t, &e)
		r.call(t, "ofc", "PUT", path, upd, http.StatusPreconditionFailed) // stale version

		// Review: illegal moves are 409.
		r.call(t, "coord", "POST", path+"/approve", map[string]any{"version": e.Version}, http.StatusConflict)
		r.call(t, "ofc", "POST", path+"/submit", map[string]any{"version": e.Version}, http.StatusOK).JSON(t, &e)
		r.call(t, "ofc", "POST", path+"/submit", map[string]any{"version": e.Version}, http.StatusConflict)
		r.call(t, "ofc", "PUT", path, map[string]any{"version": e.Version}, http.StatusConflict)
		r.call(t, "ofc", "POST", path+"/approve", map[string]any{"version": e.Version}, http.StatusForbidden)
		r.call(t, "coord", "POST", path+"/return", map[string]any{"version": e.Version}, http.StatusUnprocessableEntity)
		r.call(t, "coord", "POST", path+"/return", map[string]any{"version": e.Version, "comment": "Which de-escalation?"}, http.StatusOK).JSON(t, &e)
		if e.Status != citdesk.EncounterReturned || e.ReturnComment != "Which de-escalation?" {
			t.Fatalf("returned = %s %q", e.Status, e.ReturnComment)
		}
		upd["version"], upd["deescalation"] = e.Version, []string{"active_listening"}
		r.call(t, "ofc", "PUT", path, upd, http.StatusOK).JSON(t, &e)
		r.call(t, "ofc", "POST", path+"/submit", map[string]any{"version": e.Version}, http.StatusOK).JSON(t, &e)
		r.call(t, "coord", "POST", path+"/approve", map[string]any{"version": e.Version}, http.StatusOK).JSON(t, &e)
		r.call(t, "coord", "POST", path+"/return", map[string]any{"version": e.Version, "comment": "late"}, http.StatusConflict)
		upd["version"], upd["on_scene_minutes"], upd["reason"] = e.Version, 50, "CAD shows 50 minutes."
		r.call(t, "ofc", "POST", path+"/corrections", upd, http.StatusForbidden)
		r.call(t, "coord", "POST", path+"/corrections", upd, http.StatusOK).JSON(t, &e)
		if e.Revision != 2 {
			t.Errorf("revision after correction = %d", e.Revision)
		}
		var h struct {
			Versions []citdesk.EncounterVersion
			Reviews  []citdesk.ReviewEvent
		}
		r.call(t, "ofc", "GET", path+"/history", nil, http.StatusOK).JSON(t, &h)
		if len(h.Versions) != 1 || len(h.Reviews) != 5 {
			t.Fatalf("history: %d versions, %d reviews", len(h.Versions), len(h.Reviews))
		}
		r.call(t, "coord", "GET", "/api/v1/encounters?status=approved", nil, http.StatusOK)
		// Analysts get aggregates only, never person-level reports (issue 10).
		r.call(t, "analyst", "GET", "/api/v1/encounters", nil, http.StatusForbidden)
		r.call(t, "disp", "GET", "/api/v1/encounters", nil, http.StatusForbidden)
		r.call(t, "coord", "GET", "/api/v1/encounters?status=bogus", nil, http.StatusUnprocessableEntity)

		// The submission opened a referral to the only liaison.
		var refs struct{ Referrals []citdesk.Referral }
		r.call(t, "liaison", "GET", "/api/v1/referrals", nil, http.StatusOK).JSON(t, &refs)
		if len(refs.Referrals) != 1 || refs.Referrals[0].PersonID != p.ID {
			t.Fatalf("caseload = %+v", refs.Referrals)
		}
		ref := refs.Referrals[0]
		rpath := "/api/v1/referrals/" + strconv.FormatInt(ref.ID, 10)
		r.call(t, "ofc", "GET", "/api/v1/referrals", nil, http.StatusForbidden)
		r.call(t, "liaison", "GET", rpath, nil, http.StatusOK)
		r.call(t, "liaison", "POST", rpath+"/status", map[string]any{"status": "closed", "version": ref.Version}, http.StatusConflict)
		r.call(t, "liaison", "POST", rpath+"/status", map[string]any{"status": "contacted", "version": ref.Version, "note": "Called her.", "follow_up_due": "2026-03-20"}, http.StatusOK).JSON(t, &ref)
		r.call(t, "liaison", "POST", rpath+"/notes", map[string]any{"note": "Intake Friday."}, http.StatusOK).JSON(t, &ref)
		r.call(t, "liaison", "POST", rpath+"/status", map[string]any{"status": "connected_to_care", "version": ref.Version}, http.StatusOK).JSON(t, &ref)
		r.call(t, "liaison", "POST", rpath+"/status", map[string]any{"status": "closed", "version": ref.Version,
			"survey": map[string]any{"respondent": "person", "respect": 5, "safety": 5, "help": 4, "comment": "Kind."}}, http.StatusOK).JSON(t, &ref)
		if ref.Outcome != citdesk.ReferralConnected || ref.Survey == nil {
			t.Fatalf("closed = %+v", ref)
		}
		r.call(t, "coord", "POST", rpath+"/assign", map[string]any{"liaison_user_id": 999}, http.StatusUnprocessableEntity)
		r.call(t, "coord", "POST", "/api/v1/referrals", map[string]any{"encounter_id": e.ID}, http.StatusConflict)

		// The person file: the liaison now has a reason, the other officer not.
		ppath := "/api/v1/persons/" + strconv.FormatInt(p.ID, 10)
		var file citdesk.PersonFile
		r.call(t, "liaison", "GET", ppath, nil, http.StatusOK).JSON(t, &file)
		if len(file.Contacts) != 1 || file.PlanStatus != "none" {
			t.Fatalf("file = %+v", file)
		}
		r.call(t, "ofc2", "GET", ppath, nil, http.StatusNotFound)
		r.call(t, "disp", "GET", ppath, nil, http.StatusNotFound)
		r.call(t, "coord", "PUT", ppath, map[string]any{"first_name": "Dana", "last_name": "Whitley", "version": p.Version, "housing": "unhoused", "veteran": true}, http.StatusOK)
		r.call(t, "coord", "GET", "/api/v1/repeat-contacts?min=1", nil, http.StatusUnprocessableEntity)
		r.call(t, "coord", "GET", "/api/v1/repeat-contacts", nil, http.StatusOK)
		r.call(t, "ofc", "GET", "/api/v1/repeat-contacts", nil, http.StatusForbidden)
		if n := auditEvents(t, r.env, "person.view", p.ID); n < 3 {
			t.Errorf("person.view events = %d, want at least 3", n)
		}
	})
}

// auditEvents counts the events of action on the object id whose type
// the action names ("crisis_plan.view": a crisis_plan), not the person
// events the same read writes beside them.
func auditEvents(t *testing.T, e *env, action string, id int64) int {
	t.Helper()
	objectType, _, _ := strings.Cut(action, ".")
	events, err := e.DB.AuditService().ListAudit(e.Op, citdesk.AuditFilter{Action: action, ObjectType: objectType, ObjectID: strconv.FormatInt(id, 10), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(events)
}

func TestCrisisPlanAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportAPI(t, eng)
		var p citdesk.Person
		r.call(t, "coord", "POST", "/api/v1/persons", map[string]any{"first_name": "Eli", "last_name": "Stone", "address": "5 Vine St"}, http.StatusCreated).JSON(t, &p)
		ppath := fmt.Sprintf("/api/v1/persons/%d/crisis-plans", p.ID)
		today := citdesk.DateOf(r.Clock.Now(), r.Agency.Location())
		r.call(t, "ofc", "POST", ppath, map[string]any{"what_helps": "x", "consent_date": today.String(), "consented_by": "Self"}, http.StatusForbidden)
		r.call(t, "coord", "POST", ppath, map[string]any{"what_helps": "x", "consented_by": "Self"}, http.StatusUnprocessableEntity)
		var c citdesk.CrisisPlan
		r.call(t, "coord", "POST", ppath, map[string]any{"what_helps": "Let him pace.", "what_to_avoid": "Touching", "consent_date": today.String(), "consented_by": "Self"}, http.StatusCreated).JSON(t, &c)
		cpath := fmt.Sprintf("/api/v1/crisis-plans/%d", c.ID)
		r.call(t, "coord", "GET", cpath, nil, http.StatusOK)
		r.call(t, "coord", "GET", ppath, nil, http.StatusOK)
		r.call(t, "disp", "GET", cpath, nil, http.StatusNotFound)
		r.call(t, "liaison", "GET", cpath, nil, http.StatusNotFound)
		r.call(t, "coord", "PUT", cpath, map[string]any{"what_helps": "Let him pace; offer water.", "consent_date": today.String(), "consented_by": "Self", "version": c.Version}, http.StatusOK).JSON(t, &c)
		r.call(t, "coord", "POST", cpath+"/renew", map[string]any{"version": c.Version, "consent_date": today.String(), "consented_by": "Self"}, http.StatusOK)
		r.call(t, "coord", "GET", "/api/v1/crisis-plans/revalidate", nil, http.StatusOK)
		r.call(t, "disp", "GET", "/api/v1/crisis-plans/revalidate", nil, http.StatusForbidden)
		if n := auditEvents(t, r.env, "crisis_plan.view", c.ID); n != 4 { // two coordinator reads plus two denied
			t.Errorf("crisis_plan.view events = %d, want 4", n)
		}
		if r.Services().Calls == nil {
			return
		}
		call := &citdesk.Call{Nature: "Welfare check", Address: "5 Vine Street"}
		if err := r.DB.CallService().CreateCall(citdesk.NewContextWithActor(r.Op, citdesk.OperatorActor(r.Agency.ID)), call); err != nil {
			t.Fatal(err)
		}
		var got struct{ Plans []citdesk.CrisisPlan }
		r.call(t, "disp", "GET", fmt.Sprintf("/api/v1/calls/%d/crisis-plans", call.ID), nil, http.StatusOK).JSON(t, &got)
		if len(got.Plans) != 1 || got.Plans[0].ID != c.ID {
			t.Fatalf("plans for call = %+v", got.Plans)
		}
		r.call(t, "ofc", "GET", fmt.Sprintf("/api/v1/calls/%d/crisis-plans", call.ID), nil, http.StatusForbidden)
		r.call(t, "disp", "GET", "/api/v1/calls/99999/crisis-plans", nil, http.StatusNotFound)
	})
}

// Services says which services the test server has.
func (e *env) Services() struct{ Calls citdesk.CallService } {
	return struct{ Calls citdesk.CallService }{callService(e.DB)}
}

// TestReportPages drives the report form, review and caseload pages
// without JavaScript: forms post and redirect.
func TestReportPages(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	e.user("ofc", citdesk.RoleOfficer)
	e.user("coord", citdesk.RoleCoordinator)
	e.user("liaison", citdesk.RoleLiaison)
	ofc, coord, liaison := e.browser(), e.browser(), e.browser()
	ofc.login("ofc")
	coord.login("coord")
	liaison.login("liaison")

	res := ofc.form("/reports", url.Values{})
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "/edit") {
		t.Fatalf("start report: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	edit := res.Header.Get("Location")
	id := strings.TrimSuffix(strings.TrimPrefix(edit, "/reports/"), "/edit")
	page := ofc.get(edit)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `name="narrative"`) {
		t.Fatalf("edit page: %d", page.StatusCode)
	}
	// Person: search, then create.
	res = ofc.form("/reports/"+id+"/person/search", url.Values{"first_name": {"Gil"}, "last_name": {"Marsh"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Create a new person record") {
		t.Fatalf("person search: %d", res.StatusCode)
	}
	res = ofc.form("/reports/"+id+"/person", url.Values{"action": {"create"}, "first_name": {"Gil"}, "last_name": {"Marsh"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create person: %d %s", res.StatusCode, res.Body)
	}
	// Autosave answers with the new version.
	res = ofc.form("/reports/"+id+"/autosave", url.Values{"version": {"2"}, "address": {"9 Elm St"}, "weapons": {"none"}, "force": {"none"},
		"injury_person": {"none"}, "injury_officer": {"none"}, "injury_other": {"none"}, "occurred_at": {"2026-03-10T18:00"}})
	if !strings.Contains(res.Body, `value="3"`) || !strings.Contains(res.Body, "Draft saved") {
		t.Fatalf("autosave: %d %s", res.StatusCode, res.Body)
	}
	form := url.Values{"version": {"3"}, "address": {"9 Elm St"}, "occurred_at": {"2026-03-10T18:00"}, "contact_start": {"welfare_check"},
		"primary_problem": {"mental_illness"}, "weapons": {"none"}, "force": {"none"}, "injury_person": {"none"}, "injury_officer": {"none"}, "injury_other": {"none"},
		"dispositions": {"resolved_on_scene", "referred_to_liaison"}, "on_scene_minutes": {"30"}, "action": {"submit"}}
	res = ofc.form("/reports/"+id, form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Write the narrative") {
		t.Fatalf("submit without narrative: %d", res.StatusCode)
	}
	form.Set("version", "4")
	form.Set("narrative", "He was calm; accepted a referral.")
	if res = ofc.form("/reports/"+id, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", res.StatusCode, res.Body)
	}
	// The coordinator's queue and review.
	if q := coord.get("/review"); !strings.Contains(q.Body, "/reports/"+id+`"`) {
		t.Fatalf("queue lacks the report: %s", q.Body)
	}
	res = coord.form("/reports/"+id+"/review", url.Values{"version": {"6"}, "action": {"approve"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", res.StatusCode, res.Body)
	}
	if p := coord.get("/reports/" + id); !strings.Contains(p.Body, "Approved") {
		t.Fatal("report page does not say approved")
	}
	// The liaison's caseload has the referral; the person page is theirs to see.
	cl := liaison.get("/caseload")
	if !strings.Contains(cl.Body, "Gil Marsh") {
		t.Fatalf("caseload: %s", cl.Body)
	}
	for _, p := range []string{"/persons/repeat", "/caseload", "/reports", "/plans/revalidate"} {
		if res := coord.get(p); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s as coordinator: %d", p, res.StatusCode)
		}
	}
	// Corrections and crisis plans through their forms: errors re-show the form.
	rid, _ := strconv.ParseInt(id, 10, 64)
	stored, err := e.DB.EncounterService().FindEncounterByID(e.Op, rid)
	if err != nil {
		t.Fatal(err)
	}
	if res := coord.get("/reports/" + id + "/correct"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `name="reason"`) {
		t.Fatalf("correction form: %d", res.StatusCode)
	}
	form.Set("version", strconv.FormatInt(stored.Version, 10))
	form.Set("on_scene_minutes", "35")
	if res := coord.form("/reports/"+id+"/correct", form); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "why the report is corrected") {
		t.Fatalf("correction without a reason: %d", res.StatusCode)
	}
	form.Set("reason", "CAD time on scene.")
	if res := coord.form("/reports/"+id+"/correct", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("correction: %d %s", res.StatusCode, res.Body)
	}
	if p := coord.get("/reports/" + id); !strings.Contains(p.Body, "Revision 1") || !strings.Contains(p.Body, "CAD time on scene.") {
		t.Error("the report page does not keep the earlier version")
	}
	plans := fmt.Sprintf("/persons/%d/plans", *stored.PersonID)
	if res := coord.form(plans, url.Values{"what_helps": {"Quiet"}, "consent_date": {"2026-03-01"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("plan without consent: %d", res.StatusCode)
	}
	res = coord.form(plans, url.Values{"what_helps": {"Quiet"}, "consent_date": {"2026-03-01"}, "consented_by": {"Self"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("plan: %d %s", res.StatusCode, res.Body)
	}
	if p := liaison.get(res.Header.Get("Location")); p.StatusCode != http.StatusOK || !strings.Contains(p.Body, "Quiet") {
		t.Errorf("the liaison of a referred person reads the plan: %d", p.StatusCode)
	}
	if p := ofc.get(res.Header.Get("Location")); p.StatusCode != http.StatusNotFound {
		t.Errorf("an officer with no open call reads the plan: %d", p.StatusCode)
	}
	if res := liaison.get("/review"); res.StatusCode != http.StatusForbidden {
		t.Errorf("liaison on the review queue: %d", res.StatusCode)
	}
}

// TestReportErrorsAllAtOnce (issue 15, finding 5): a report submitted with
// several answers missing is refused once, naming every wrong field. The
// API keeps field (the first) and adds errors, the whole list; the form
// shows each message beside its field.
func TestReportErrorsAllAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportAPI(t, eng)
		var e citdesk.Encounter
		r.call(t, "ofc", "POST", "/api/v1/encounters", map[string]any{}, http.StatusCreated).JSON(t, &e)
		path := "/api/v1/encounters/" + strconv.FormatInt(e.ID, 10)
		var p struct {
			Field  string
			Detail string
			Errors []citdesk.FieldProblem
		}
		r.call(t, "ofc", "POST", path+"/submit", map[string]any{"version": e.Version}, http.StatusUnprocessableEntity).JSON(t, &p)
		want := []string{"address", "primary_problem", "dispositions", "on_scene_minutes", "narrative"}
		got := map[string]string{}
		for _, fp := range p.Errors {
			got[fp.Field] = fp.Message
		}
		for _, f := range want {
			if got[f] == "" {
				t.Errorf("errors lacks %s: %+v", f, p.Errors)
			}
		}
		if len(p.Errors) == 0 || p.Field != p.Errors[0].Field || p.Detail != p.Errors[0].Message {
			t.Errorf("field %q detail %q are not the first of errors %+v", p.Field, p.Detail, p.Errors)
		}
		// A single-problem refusal keeps its old shape: field, no list.
		res := r.call(t, "ofc", "POST", "/api/v1/encounters", map[string]any{"force": "nuclear"}, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, `"field":"force"`) {
			t.Errorf("force refusal: %s", res.Body)
		}
	})
}

// TestReportFormErrorsAtFields: the page answers a submission missing
// several answers with each message beside its field and a summary that
// links to them, in US English.
func TestReportFormErrorsAtFields(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	e.user("ofc", citdesk.RoleOfficer)
	ofc := e.browser()
	ofc.login("ofc")
	res := ofc.form("/reports", url.Values{})
	id := strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/reports/"), "/edit")
	res = ofc.form("/reports/"+id, url.Values{"version": {"1"}, "weapons": {"none"}, "force": {"none"}, "injury_person": {"none"}, "injury_officer": {"none"}, "injury_other": {"none"},
		"dispositions": {"arrest", "voluntary_transport"}, "action": {"submit"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("submit an empty report: %d", res.StatusCode)
	}
	for _, f := range []string{"address", "contact_start", "primary_problem", "facility", "facility_kind", "handover_minutes", "arrest_offense", "on_scene_minutes", "narrative"} {
		if !strings.Contains(res.Body, `id="`+f+`-error" data-error-for="`+f+`"`) {
			t.Errorf("no message beside %s", f)
		}
		if !strings.Contains(res.Body, `href="#`+f+`-error"`) {
			t.Errorf("the summary does not link to %s", f)
		}
	}
	for _, us := range []string{"An arrest needs the offense.", "Say which hospital or crisis center", "Arrest offense", "Observed behaviors"} {
		if !strings.Contains(res.Body, us) {
			t.Errorf("the form lacks %q", us)
		}
	}
	for _, uk := range []string{"offence", "centre", "behaviour"} {
		if strings.Contains(strings.ToLower(res.Body), uk) {
			t.Errorf("the form still says %q", uk)
		}
	}
}
