package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// eidoWithNotes is NENA's sample as a new incident (id) whose note is
// notes.
func eidoWithNotes(t *testing.T, id, notes string) string {
	t.Helper()
	return strings.Replace(strings.Replace(eidoSample(t), "a56e556d871", id, 1), `"callComponent": [{`, `"notesComponent": [{"$id": "note-1", "lastUpdateTimeStamp": "2021-04-30T14:49:00-04:00",
		"updatedByAgencyReference": {"$ref": "state.pa.us"}, "notesActionComments": "`+notes+`"}],
		"callComponent": [{`, 1)
}

// TestAdminEIDORulesAPI: GET /api/v1/agency shows the EIDO reading rules
// in force (the defaults); PATCH changes one list, keeping the others,
// refuses empty, oversized and duplicate words and unknown lists at policy.eido.<list>
// with nothing written, audits the change word by word, and the next
// EIDO is read by the new words.
func TestAdminEIDORulesAPI(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		cad := cadEnv(t, e)
		admin := e.token("admin")
		res := e.do("GET", "/api/v1/agency", admin, nil)
		checkOpenAPI(t, "GET", "/agency", res)
		var a citdesk.Agency
		res.JSON(t, &a)
		if a.Policy.EIDO == nil || strings.Join(a.Policy.EIDO.CITPhrases, "|") != strings.Join(citdesk.DefaultEIDORules().CITPhrases, "|") {
			t.Fatalf("GET shows the rules %+v, want the defaults", a.Policy.EIDO)
		}
		patch := func(rules map[string]any) response {
			res := e.do("PATCH", "/api/v1/agency", admin, map[string]any{"policy": map[string]any{"eido": rules}})
			checkOpenAPI(t, "PATCH", "/agency", res)
			return res
		}
		for _, tc := range []struct {
			rules map[string]any
			field string
		}{
			{map[string]any{"cit_phrases": []string{}}, "policy.eido.cit_phrases"},
			{map[string]any{"cit_phrases": []string{"CIT please", " "}}, "policy.eido.cit_phrases"},
			{map[string]any{"mental_health_types": []string{"psych", "PSYCH"}}, "policy.eido.mental_health_types"},
			{map[string]any{"cit_types": []string{strings.Repeat("x", 81)}}, "policy.eido.cit_types"},
			{map[string]any{"cit_types": "CIT"}, "policy.eido.cit_types"},
			{map[string]any{"cit_wording": []string{"CIT"}}, "policy.eido.cit_wording"},
		} {
			wantProblem(t, patch(tc.rules), http.StatusUnprocessableEntity, tc.field)
		}
		if got := e.auditDetails(t, "agency.policy"); len(got) != 0 {
			t.Errorf("refused changes were written: %v", got)
		}

		res = patch(map[string]any{"mental_health_phrases": []string{"on a 96 hour hold", "danger to himself"}})
		var after citdesk.Agency
		res.JSON(t, &after)
		if res.StatusCode != http.StatusOK || strings.Join(after.Policy.EIDO.MentalHealthPhrases, "|") != "on a 96 hour hold|danger to himself" ||
			strings.Join(after.Policy.EIDO.CITPhrases, "|") != strings.Join(citdesk.DefaultEIDORules().CITPhrases, "|") {
			t.Fatalf("PATCH: %d %s", res.StatusCode, res.Body)
		}
		if got := e.auditDetails(t, "agency.policy"); len(got) != 1 || !strings.HasPrefix(got[0], `admin: eido.mental_health_phrases +"on a 96 hour hold" +"danger to himself" −"mental health"`) {
			t.Errorf("agency.policy events: %v", got)
		}
		var c citdesk.Call
		e.do("POST", "/api/v1/eido", cad, eidoWithNotes(t, "r1", "He was on a 96 hour hold last spring.")).JSON(t, &c)
		if c.MentalHealth == nil || !*c.MentalHealth || c.CITRequested {
			t.Errorf("a note with a new phrase: mental health %v, CIT %v", c.MentalHealth, c.CITRequested)
		}
		e.do("POST", "/api/v1/eido", cad, eidoWithNotes(t, "r2", "Caller says he is psychotic.")).JSON(t, &c)
		if c.MentalHealth != nil {
			t.Errorf("a phrase the agency removed still reads as mental health")
		}
	})
}

// TestBrowserEIDORules: an admin sees the EIDO word lists on the policy
// page with their defaults, is told at the field when a word is listed
// twice, saves new words, and the CAD's next EIDO with those words in
// its notes is read as CIT requested and a mental-health call.
func TestBrowserEIDORules(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	e.user("root", citdesk.RoleAdmin)
	_, cad := e.serviceAccount(e.token("root"), "cad", "calls:write", "calls:read")
	admin := newChrome(t)
	e.chromeLogin(t, admin, "root")

	cit := `textarea[name="eido.cit_phrases"]`
	mh := `textarea[name="eido.mental_health_phrases"]`
	if err := chromedp.Do(admin, chromedp.Navigate(e.Server.URL+"/admin/policy"), chromedp.WaitVisible(chromedp.CSS(cit))); err != nil {
		t.Fatalf("policy page: %v", err)
	}
	shown, err := chromedp.Run(admin, chromedp.Value(chromedp.CSS(cit)))
	if err != nil || !strings.HasPrefix(shown, "CIT requested\n") {
		t.Errorf("the CIT phrases shown: %q (%v)", shown, err)
	}
	if help, err := chromedp.Run(admin, chromedp.Text(chromedp.CSS(`[id="eido.cit_phrases-help"]`))); err != nil || !strings.Contains(help, "Default: CIT requested, CIT request,") {
		t.Errorf("the defaults are not shown: %q (%v)", help, err)
	}

	// A word twice: refused at its field, nothing saved.
	if err := chromedp.Do(admin, chromedp.SetValue(chromedp.CSS(cit), "send the crisis team\nSend the Crisis Team")); err != nil {
		t.Fatal(err)
	}
	submit(t, admin, `form[action="/admin/policy"]`)
	if msg, err := chromedp.Run(admin, chromedp.Text(chromedp.CSS(`[id="eido.cit_phrases-error"]`))); err != nil || !strings.Contains(msg, `"Send the Crisis Team" is listed twice`) {
		t.Errorf("a duplicate word: %q (%v)", msg, err)
	}
	if got := e.auditDetails(t, "agency.policy"); len(got) != 0 {
		t.Errorf("a refused change was written: %v", got)
	}

	if err := chromedp.Do(admin, chromedp.SetValue(chromedp.CSS(cit), "send the crisis team\nCIT please\n"),
		chromedp.SetValue(chromedp.CSS(mh), "talking to the walls\n\npsychotic")); err != nil {
		t.Fatal(err)
	}
	submit(t, admin, `form[action="/admin/policy"]`)
	if notice, err := chromedp.Run(admin, chromedp.Text(chromedp.CSS(".notice"))); err != nil || !strings.Contains(notice, "Policy saved.") {
		t.Fatalf("after saving the policy: %q (%v)", notice, err)
	}
	if shown, err := chromedp.Run(admin, chromedp.Value(chromedp.CSS(mh))); err != nil || shown != "talking to the walls\npsychotic" {
		t.Errorf("the saved words shown: %q (%v)", shown, err)
	}
	if err := chromedp.Do(admin, chromedp.ScrollIntoView(chromedp.CSS(cit))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, admin, "eido-rules-saved")
	if got := e.auditDetails(t, "agency.policy"); len(got) != 1 || !strings.Contains(got[0], `eido.cit_phrases +"send the crisis team" +"CIT please"`) {
		t.Errorf("agency.policy events: %v", got)
	}

	res := e.do("POST", "/api/v1/eido", cad, eidoWithNotes(t, "b1", "Mother asks us to send the crisis team; son is talking to the walls."))
	var c citdesk.Call
	res.JSON(t, &c)
	if res.StatusCode != http.StatusCreated || !c.CITRequested || c.MentalHealth == nil || !*c.MentalHealth {
		t.Errorf("the CAD's call with the new words: %d cit %v mental health %v", res.StatusCode, c.CITRequested, c.MentalHealth)
	}
	res = e.do("POST", "/api/v1/eido", cad, eidoWithNotes(t, "b2", "Caller requested CIT officer; mental illness."))
	res.JSON(t, &c)
	if res.StatusCode != http.StatusCreated || c.CITRequested || c.MentalHealth != nil {
		t.Errorf("the CAD's call with only the replaced words: %d cit %v mental health %v", res.StatusCode, c.CITRequested, c.MentalHealth)
	}
}
