package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/triage"
	"citdesk/web"
)

// TestAdminTriagePage: the admin previews the protocol, walks the test
// bench, previews an edit (refused with the node named when it is not a
// tree; tested without being saved when it is), and saves it as the next
// version, audited.
func TestAdminTriagePage(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("root", citdesk.RoleAdmin)
		e.user("amy", citdesk.RoleDispatcher)
		b := e.browser()
		b.login("root")
		res := b.get("/admin/triage")
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "version 1</strong>") || !strings.Contains(res.Body, "Does the person have a weapon") || !strings.Contains(res.Body, "Test bench") {
			t.Fatalf("page: %d %s", res.StatusCode, res.Body)
		}
		res = b.get("/admin/triage?bench_weapon=no&bench_violence=no&bench_suicide=yes")
		if !strings.Contains(res.Body, `class="bench-response" data-response="co_response"`) {
			t.Errorf("bench: %s", res.Body)
		}
		res = b.get("/admin/triage?bench_weapon=no")
		if !strings.Contains(res.Body, `class="bench-next">Is the person violent`) {
			t.Errorf("bench, incomplete: %s", res.Body)
		}

		edit := func(p triage.Protocol) string {
			buf, _ := json.Marshal(p)
			return string(buf)
		}
		cyc := triage.Default()
		cyc.Questions[len(cyc.Questions)-1].Answers[0] = triage.Answer{Value: "safe", Label: "Safe", Next: "weapon"}
		res = b.form("/admin/triage", url.Values{"version": {"1"}, "action": {"save"}, "protocol": {edit(cyc)}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Question location:") || !strings.Contains(res.Body, "a cycle") {
			t.Errorf("a cycle: %d %s", res.StatusCode, res.Body)
		}
		res = b.form("/admin/triage", url.Values{"version": {"1"}, "action": {"save"}, "protocol": {`{"start": "a", "questions": [}`}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "not JSON") {
			t.Errorf("bad JSON: %d %s", res.StatusCode, res.Body)
		}
		p := triage.Default()
		p.Questions[len(p.Questions)-1].Answers[0].Response = citdesk.ResponseCoResponse
		safe := url.Values{"version": {"1"}, "action": {"preview"}, "protocol": {edit(p)}, "bench_weapon": {"no"}, "bench_violence": {"no"}, "bench_suicide": {"no"},
			"bench_medical": {"no"}, "bench_substances": {"no"}, "bench_caller": {"self"}, "bench_location": {"safe"}}
		res = b.form("/admin/triage", safe)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Preview only") || !strings.Contains(res.Body, `class="bench-response" data-response="co_response"`) {
			t.Errorf("preview: %d %s", res.StatusCode, res.Body)
		}
		if events := e.auditDetails(t, "triage.replace"); len(events) != 0 {
			t.Errorf("a preview saved: %v", events)
		}
		if amy := e.browser(); true {
			amy.login("amy")
			if res := amy.get("/admin/triage"); res.StatusCode != http.StatusForbidden {
				t.Errorf("dispatcher: %d", res.StatusCode)
			}
		}
		safe.Set("action", "save")
		res = b.form("/admin/triage", safe)
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "notice=") {
			t.Fatalf("save: %d %s", res.StatusCode, res.Body)
		}
		res = b.get(res.Header.Get("Location"))
		if !strings.Contains(res.Body, "Triage protocol saved as version 2.") || !strings.Contains(res.Body, "version 2</strong>") {
			t.Errorf("after save: %s", res.Body)
		}
		if events := e.auditDetails(t, "triage.replace"); len(events) != 1 || !strings.HasPrefix(events[0], "root: version=2") {
			t.Errorf("audit: %v", events)
		}
		// Saving from the old version again is refused.
		if res := b.form("/admin/triage", safe); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "version 2, not 1") {
			t.Errorf("stale save: %d %s", res.StatusCode, res.Body)
		}
	})
}

// TestBrowserAdminTriageBench: the admin answers the test bench in a
// browser and sees the recommendation; previewing an edit shows it in the
// tree without saving.
func TestBrowserAdminTriageBench(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	e.user("root", citdesk.RoleAdmin)
	ctx := newChrome(t)
	e.chromeLogin(t, ctx, "root")
	if err := chromedp.Do(ctx, chromedp.Navigate(e.Server.URL+"/admin/triage"), chromedp.WaitVisible(chromedp.ID("bench-weapon")),
		chromedp.SetValue(chromedp.ID("bench-weapon"), "yes"), chromedp.SetValue(chromedp.ID("bench-violence_armed"), "no"),
		chromedp.Click(chromedp.CSS(".triage-bench button")),
		chromedp.WaitVisible(chromedp.CSS(`.bench-response[data-response="cit"]`))); err != nil {
		t.Fatalf("bench: %v", err)
	}
	screenshot(t, ctx, "bench")
	// An edit: an unsafe place goes to patrol; preview it.
	if err := chromedp.Do(ctx, waitJS(`(() => { const ta = document.getElementById("protocol"); const p = JSON.parse(ta.value);
			p.questions.find(q => q.id === "location").answers.find(a => a.value === "unsafe").response = "patrol"; ta.value = JSON.stringify(p, null, 2); return true; })()`),
		chromedp.Click(chromedp.CSS(`button[name="action"][value="preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#node-location [data-response="patrol"]`)),
		waitJS(`document.body.textContent.includes("Preview only")`)); err != nil {
		t.Fatalf("preview an edit: %v", err)
	}
	screenshot(t, ctx, "preview")
	if v, err := e.DB.TriageService().Current(e.Op); err != nil || v.Version != 1 {
		t.Errorf("a preview saved: %+v, %v", v, err)
	}
}
