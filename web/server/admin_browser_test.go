package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// submit clicks the submit button of the form matching sel and waits for
// the page that answers.
func submit(t *testing.T, ctx context.Context, form string) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(form+` button[type=submit]`))); err != nil {
		t.Fatalf("submit %s: %v", form, err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("page after %s: %v", form, err)
	}
}

// TestBrowserAdmin is issue 15's admin in a real browser: from the nav's
// Admin section they add a dispatcher (with a generated password, shown
// once), set the non-emergency number (the public page shows it) and
// shorten the emergency alert threshold, which the new dispatcher's board
// then alerts on.
func TestBrowserAdmin(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	// The board counts waiting time by the browser's clock: the server's
	// is set to the real time so the two agree.
	e.Clock.Set(time.Now())
	e.user("root", citdesk.RoleAdmin)
	admin := newChrome(t)
	e.chromeLogin(t, admin, "root")

	// The nav's Admin section leads to the users.
	if err := chromedp.Do(admin, chromedp.WaitVisible(chromedp.CSS(`nav .nav-group[aria-labelledby="nav-admin"] a[href="/admin/users"]`))); err != nil {
		t.Fatalf("no Admin section in the nav: %v", err)
	}
	if _, err := chromedp.RunResponse(admin, chromedp.Click(chromedp.CSS(`nav .nav-group a[href="/admin/users"]`))); err != nil {
		t.Fatalf("open Users: %v", err)
	}
	if err := chromedp.Do(admin,
		chromedp.WaitVisible(chromedp.ID("new-username")),
		chromedp.SendKeys(chromedp.ID("new-username"), "dana"),
		chromedp.SendKeys(chromedp.ID("new-display_name"), "Dana Ruiz"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users"] input[name=roles][value=dispatcher]`)),
	); err != nil {
		t.Fatalf("fill the new user: %v", err)
	}
	submit(t, admin, `form[action="/admin/users"]`)
	password, err := chromedp.Run(admin, chromedp.Text(chromedp.CSS("#generated-password code.password")))
	if err != nil || len(password) != 19 {
		t.Fatalf("generated password %q: %v", password, err)
	}
	roles, err := chromedp.Run(admin, chromedp.Evaluate[[]string](`[...document.querySelectorAll('tr[data-username="dana"] .roles-form input:checked')].map(i => i.value)`))
	if err != nil || strings.Join(roles, ",") != "dispatcher" {
		t.Errorf("dana's roles on the list: %v (%v)", roles, err)
	}
	screenshot(t, admin, "user-created")

	// The agency's non-emergency number, then the public page.
	if err := chromedp.Do(admin, chromedp.Navigate(e.Server.URL+"/admin/agency"), chromedp.WaitVisible(chromedp.ID("non_emergency_phone")),
		chromedp.SendKeys(chromedp.ID("non_emergency_phone"), "(636) 586-3326")); err != nil {
		t.Fatalf("agency settings: %v", err)
	}
	submit(t, admin, `form[action="/admin/agency"]`)
	if notice, err := chromedp.Run(admin, chromedp.Text(chromedp.CSS(".notice"))); err != nil || !strings.Contains(notice, "Agency settings saved.") {
		t.Errorf("after saving the settings: %q (%v)", notice, err)
	}
	if err := chromedp.Do(admin, chromedp.Navigate(e.Server.URL+"/cit"), waitJS(`document.querySelector('a[href="tel:6365863326"]')`)); err != nil {
		t.Errorf("the public page does not offer the new number: %v", err)
	}

	// An emergency has waited 15 seconds: under the 60-second default
	// the new dispatcher's board does not alert about it yet.
	_, disp := e.userCtx(t, "dana")
	e.Clock.Set(time.Now().Add(-15 * time.Second))
	call := &citdesk.Call{Source: citdesk.Source911, Emergency: true, Nature: "Suicide threat", Address: "100 Main St"}
	if err := e.DB.CallService().CreateCall(disp, call); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(time.Now())
	board := newTab(t, admin)
	if err := chromedp.Do(board, chromedp.Navigate(e.Server.URL+"/login"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "dana"), chromedp.SendKeys(chromedp.ID("password"), password)); err != nil {
		t.Fatalf("dana's sign-in: %v", err)
	}
	submit(t, board, `form[action="/login"]`)
	banner := `(() => { const b = document.getElementById("board-alert"); return b && !b.hidden && b.offsetHeight > 0 ? b.textContent : ""; })()`
	if err := chromedp.Do(board, chromedp.Navigate(e.Server.URL+"/board"), chromedp.WaitVisible(chromedp.CSS("#board-calls li.call"))); err != nil {
		t.Fatalf("dana's board: %v", err)
	}
	if text, _ := chromedp.Run(board, chromedp.Evaluate[string](banner)); strings.Contains(text, "emergency waiting") {
		t.Errorf("the board alerts before the 60 s threshold: %q", text)
	}

	// The admin shortens the threshold to 10 seconds.
	if err := chromedp.Do(admin, chromedp.Navigate(e.Server.URL+"/admin/policy"), chromedp.WaitVisible(chromedp.ID("emergency_alert")),
		chromedp.SetValue(chromedp.ID("emergency_alert"), "10")); err != nil {
		t.Fatalf("policy page: %v", err)
	}
	submit(t, admin, `form[action="/admin/policy"]`)
	if notice, err := chromedp.Run(admin, chromedp.Text(chromedp.CSS(".notice"))); err != nil || !strings.Contains(notice, "Policy saved.") {
		t.Errorf("after saving the policy: %q (%v)", notice, err)
	}
	screenshot(t, admin, "policy-saved")

	// The board, reloaded, alerts in words.
	if err := chromedp.Do(board, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#board-calls li.call")),
		waitJS(`document.getElementById("board").dataset.alertAfter === "10"`),
		waitJS(banner+`.includes("Suicide threat: emergency waiting") && `+banner+`.includes("with no officer sent")`)); err != nil {
		text, _ := chromedp.Run(board, chromedp.Evaluate[string](banner))
		t.Errorf("the board does not alert at the new threshold (banner %q): %v", text, err)
	}
	screenshot(t, board, "board-alert")
}
