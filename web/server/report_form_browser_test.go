package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// TestBrowserReportFormPhone (issue 15, finding 5): on a phone the report
// form's follow-up questions take no room until they apply, and a
// submission with answers missing shows every problem at its field, the
// fields marked invalid, with the focus on the first.
func TestBrowserReportFormPhone(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	u := e.user("ofc", citdesk.RoleOfficer)
	ctx := citdesk.NewContextWithActor(context.Background(), citdesk.ActorFor(u, "192.0.2.9"))
	enc := &citdesk.Encounter{}
	if err := e.DB.EncounterService().StartEncounter(ctx, enc); err != nil {
		t.Fatal(err)
	}
	phone := newPhone(t)
	e.chromeLogin(t, phone, "ofc")
	if err := chromedp.Do(phone, chromedp.Navigate(fmt.Sprintf("%s/reports/%d/edit", e.Server.URL, enc.ID)), chromedp.WaitVisible(chromedp.ID("narrative"))); err != nil {
		t.Fatal(err)
	}
	// Every follow-up is hidden and, hidden, takes no room (a [hidden]
	// that loses to display:flex still would).
	shown, err := chromedp.Run(phone, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-show-if]")].filter(el => el.hidden !== true || el.getBoundingClientRect().height > 0).map(el => el.getAttribute("data-show-if"))`))
	if err != nil || len(shown) > 0 {
		t.Errorf("follow-ups shown before they apply: %v %v", shown, err)
	}
	before, err := chromedp.Run(phone, chromedp.Evaluate[float64](`document.getElementById("report-form").getBoundingClientRect().height`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report form on a phone: %.0f px tall", before)
	if before >= 4000 {
		t.Errorf("the report form is %.0f px tall on a phone with no follow-up shown", before)
	}
	screenshot(t, phone, "report-form-phone")
	// An arrest asks for the offense, at once.
	if err := chromedp.Do(phone, chromedp.Click(chromedp.CSS(`input[name=dispositions][value=arrest]`)),
		reportJS(`document.getElementById("arrest_offense").getBoundingClientRect().height > 0`)); err != nil {
		t.Errorf("the arrest offense is not asked after ticking arrest: %v", err)
	}
	after, _ := chromedp.Run(phone, chromedp.Evaluate[float64](`document.getElementById("report-form").getBoundingClientRect().height`))
	if after <= before {
		t.Errorf("the form did not grow when a follow-up applied: %.0f → %.0f", before, after)
	}

	// Submit with most answers missing: one answer, every problem.
	settled(t, phone)
	clickAndLoad(t, phone, `button[name=action][value=submit]`, "submit")
	if err := chromedp.Do(phone, chromedp.WaitVisible(chromedp.ID("form-error"))); err != nil {
		t.Fatalf("no error summary: %v", err)
	}
	type mark struct {
		Field, Invalid, Described string
		Visible                   bool
	}
	marks, err := chromedp.Run(phone, chromedp.Evaluate[[]mark](`[...document.querySelectorAll("#report-form [data-error-for]")].map(m => {
		const f = m.getAttribute("data-error-for");
		const el = document.querySelector('#report-form [name="' + f + '"]:not([type=hidden])');
		return {Field: f, Invalid: el ? el.getAttribute("aria-invalid") || "" : "missing", Described: el ? el.getAttribute("aria-describedby") || "" : "",
			Visible: m.getBoundingClientRect().height > 0};
	})`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]mark{}
	for _, m := range marks {
		got[m.Field] = m
	}
	for _, f := range []string{"address", "primary_problem", "arrest_offense", "on_scene_minutes", "narrative"} {
		m, ok := got[f]
		switch {
		case !ok:
			t.Errorf("no message at %s (messages at %v)", f, marks)
		case m.Invalid != "true" || m.Described != f+"-error" || !m.Visible:
			t.Errorf("%s: aria-invalid %q, described by %q, message visible %v", f, m.Invalid, m.Described, m.Visible)
		}
	}
	// The focus is on the first field marked invalid in the form.
	focus, err := chromedp.Run(phone, chromedp.Evaluate[bool](`(() => { const first = document.querySelector('#report-form [aria-invalid="true"]'); return !!first && document.activeElement === first; })()`))
	if err != nil || !focus {
		active, _ := chromedp.Run(phone, chromedp.Evaluate[string](`document.activeElement.outerHTML.slice(0, 120)`))
		t.Errorf("the focus is not on the first wrong field: %s %v", active, err)
	}
	screenshot(t, phone, "report-form-errors")
}
