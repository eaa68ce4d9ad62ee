package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

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
