package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"citdesk"
	"citdesk/store/storetest"
)

// TestBrowserDispatch is the moment citdesk is for: a dispatcher takes a
// call asking for a CIT officer, sees the ranked list, sends the first
// officer, and the board updates without a reload; meanwhile the officer's
// phone, open on My shift, shows the assignment without a reload and moves
// it to on scene, which the board shows too.
func TestBrowserDispatch(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	board := newChrome(t)
	phone := newTab(t, board)
	if err := chromedp.Do(phone, chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
		t.Fatalf("phone viewport: %v", err)
	}

	// The officer's phone is open on My shift before anything happens.
	d.chromeLogin(t, phone, "near")
	if err := chromedp.Do(phone, chromedp.Navigate(d.Server.URL+"/me"), waitJS(`document.querySelector("#assignment h2")?.textContent.includes("No assignment")`)); err != nil {
		t.Fatalf("My shift: %v", err)
	}
	mark(t, phone)

	// The dispatcher opens the board and takes the call with the keyboard.
	d.chromeLogin(t, board, "disp")
	if err := chromedp.Do(board, chromedp.Navigate(d.Server.URL+"/board"), chromedp.WaitVisible(chromedp.ID("nc-nature")),
		waitJS(`document.querySelector("[data-live-status]").classList.contains("live")`)); err != nil {
		t.Fatalf("open the board: %v", err)
	}
	mark(t, board)
	screenshot(t, board, "empty-board")
	if err := chromedp.Do(board,
		chromedp.SendKeys(chromedp.ID("nc-nature"), "Suicide threat"+kb.Tab+"100 Main St"+kb.Tab+fmt.Sprint(siteLat)+kb.Tab+fmt.Sprint(siteLon)+kb.Tab+" "),
		// The risk screen is the triage's questions: suicide risk, with
		// no weapon and no violence.
		answerTriage("weapon", "no"), answerTriage("violence", "no"), answerTriage("suicide", "yes"),
		chromedp.SendKeys(chromedp.CSS(`input[name="lon"]`), kb.Enter),
	); err != nil {
		t.Fatalf("fill the new call: %v", err)
	}
	if err := chromedp.Do(board, waitJS(`document.querySelectorAll("#board-panel ol.recs > li.rec").length >= 2`)); err != nil {
		t.Fatalf("the ranked list did not appear: %v", err)
	}
	cit, err := chromedp.Run(board, chromedp.Evaluate[bool](`document.querySelector("#board-panel .flag-cit") !== null`))
	if err != nil || !cit {
		t.Errorf("the new call does not show CIT requested (%v)", err)
	}
	first, err := chromedp.Run(board, chromedp.Evaluate[string](`document.querySelector("#board-panel ol.recs > li.rec").dataset.officerId`))
	if err != nil || first != fmt.Sprint(d.near) {
		t.Fatalf("first recommended officer %q (%v), want the nearest CIT officer %d", first, err, d.near)
	}
	if err := chromedp.Do(board, waitJS(`document.querySelectorAll("#board-calls li.call").length === 1`)); err != nil {
		t.Fatalf("the open calls list did not show the call: %v", err)
	}
	screenshot(t, board, "recommendation")

	// Send the first officer, once htmx has taken over the panel's forms
	// (it does so just after the swap settles; a click before that is a
	// plain form post, which reloads the page).
	if err := chromedp.Do(board, waitJS(`document.querySelector("#board-panel ol.recs > li.rec:first-child form.assign")?.["htmx-internal-data"] && !document.querySelector(".htmx-settling, .htmx-swapping")`)); err != nil {
		t.Fatalf("htmx did not take over the panel: %v", err)
	}
	if err := chromedp.Do(board, liveClick(`#board-panel ol.recs > li.rec:first-child form.assign button`),
		waitJS(`document.querySelector("#board-panel .assignments")?.textContent.includes("Test near")`),
		waitJS(`document.querySelector("#board-calls .call-units")?.textContent.includes("Test near")`),
		waitJS(`[...document.querySelectorAll("#board-officers li.officer")].some(li => li.dataset.officerId === "`+fmt.Sprint(d.near)+`" && li.querySelector(".st-dispatched"))`),
	); err != nil {
		t.Fatalf("the board did not show the assignment: %v", err)
	}
	checkMark(t, board, "board")
	screenshot(t, board, "assigned")

	// The phone shows it without a reload, risk flags and notes first.
	if err := chromedp.Do(phone, waitJS(`document.querySelector("#assignment .assignment-nature")?.textContent.includes("Suicide threat")`)); err != nil {
		t.Fatalf("the phone did not show the assignment: %v", err)
	}
	checkMark(t, phone, "phone")
	text, err := chromedp.Run(phone, chromedp.Text(chromedp.CSS("#assignment")))
	if err != nil || !strings.Contains(text, "Suicide risk: yes") || !strings.Contains(text, "100 Main St") {
		t.Errorf("the assignment reads %q (%v)", text, err)
	}
	screenshot(t, phone, "assignment")
	if err := chromedp.Do(phone, liveTap(`#assignment button[value="on_scene"]`),
		chromedp.WaitVisible(chromedp.CSS(`#assignment [data-assignment-status="on_scene"]`))); err != nil {
		t.Fatalf("tap On scene: %v", err)
	}
	checkMark(t, phone, "phone")
	screenshot(t, phone, "on-scene")

	// The board follows.
	if err := chromedp.Do(board, waitJS(`document.querySelector("#board-calls li.call .cs-on_scene") !== null`)); err != nil {
		t.Fatalf("the board did not show the officer on scene: %v", err)
	}
	checkMark(t, board, "board")
	screenshot(t, board, "board-on-scene")

	as, err := d.DB.CallService().ListAssignments(d.Op, citdesk.AssignmentFilter{OfficerID: d.near})
	if err != nil || len(as) != 1 || as[0].Status != citdesk.AssignOnScene || !as[0].CITCertified {
		t.Fatalf("stored assignments %+v, %v", as, err)
	}

	// The officer clears: the report stays due on the phone, and the call
	// is cleared, waiting to be closed, on the board (issue 15).
	if err := chromedp.Do(phone, liveTap(`#assignment button[value="cleared"]`),
		waitJS(`document.querySelector("#assignment .report-due a")?.getAttribute("href") === "/reports/new?assignment_id=`+fmt.Sprint(as[0].ID)+`"`)); err != nil {
		t.Fatalf("the phone does not show the report due after clearing: %v", err)
	}
	checkMark(t, phone, "phone")
	screenshot(t, phone, "report-due")
	if err := chromedp.Do(board, waitJS(`document.querySelector("#board-calls li.call .cs-cleared") !== null`),
		waitJS(`document.querySelector("#board-panel .waiting-close") !== null`)); err != nil {
		t.Fatalf("the board does not show the call waiting to be closed: %v", err)
	}
	checkMark(t, board, "board")
	screenshot(t, board, "board-cleared")
	closeForm := `#board-panel form.close-call`
	htmxReady := waitJS(`document.querySelector("` + closeForm + `")?.["htmx-internal-data"] && !document.querySelector(".htmx-settling, .htmx-swapping")`)
	// A CIT officer reached it: the close form asks no reason.
	if n, err := chromedp.Run(board, chromedp.Evaluate[int](`document.querySelectorAll("`+closeForm+` select[name=no_cit_reason]").length`)); err != nil || n != 0 {
		t.Errorf("the close form asks a no-CIT reason on a call a CIT officer reached (%d, %v)", n, err)
	}
	if err := chromedp.Do(board, htmxReady, chromedp.Click(chromedp.CSS(closeForm+` button[type=submit]`)),
		waitJS(`document.querySelector("#board-panel .notice")?.textContent.includes("This call is closed")`),
		waitJS(`document.querySelectorAll("#board-calls li.call").length === 0`)); err != nil {
		t.Fatalf("close the cleared call: %v", err)
	}
	checkMark(t, board, "board")

	// A CIT-requested call nobody was sent to: closing asks why.
	c := d.newCall(t, true)
	if err := chromedp.Do(board, chromedp.Navigate(fmt.Sprintf("%s/board?call=%d", d.Server.URL, c.ID)), htmxReady,
		chromedp.WaitVisible(chromedp.CSS(closeForm+` select[name=no_cit_reason]`))); err != nil {
		t.Fatalf("the close form does not ask why no CIT officer went: %v", err)
	}
	screenshot(t, board, "close-asks-reason")
	if err := chromedp.Do(board, chromedp.SetValue(chromedp.CSS(closeForm+` select[name=no_cit_reason]`), citdesk.NoCITNoneOnDuty),
		chromedp.Click(chromedp.CSS(closeForm+` button[type=submit]`)),
		waitJS(`document.querySelector("#board-panel .notice")?.textContent.includes("no CIT officer: `+citdesk.NoCITReasonLabel(citdesk.NoCITNoneOnDuty)+`")`)); err != nil {
		t.Fatalf("close with the reason: %v", err)
	}
	got, err := d.DB.CallService().FindCallByID(d.Op, c.ID)
	if err != nil || got.Status != citdesk.CallClosed || got.NoCITReason != citdesk.NoCITNoneOnDuty {
		t.Fatalf("stored call %+v, %v", got, err)
	}
}

// waitJS waits up to 15 s for a JavaScript expression to be truthy.
func waitJS(expr string) chromedp.Action[chromedp.Void] { return waitJSWithin(expr, 15*time.Second) }

// waitJSWithin is waitJS with its own time limit.
func waitJSWithin(expr string, limit time.Duration) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[bool](`!!(`+expr+`)`, chromedp.WithPollingTimeout(limit), chromedp.WithPollingInterval(50*time.Millisecond))(ctx, t)
		return chromedp.Void{}, err
	}
}

// mark sets a value on the window: it survives htmx swaps, not a reload.
func mark(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.citdeskMark = 42`)); err != nil {
		t.Fatal(err)
	}
}

func checkMark(t *testing.T, ctx context.Context, who string) {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.citdeskMark || 0`))
	if err != nil || v != 42 {
		t.Errorf("the %s page was reloaded (mark %d, %v); it should update in place", who, v, err)
	}
}
