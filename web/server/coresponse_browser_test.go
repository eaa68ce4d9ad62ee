package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestBrowserBoardCoResponse takes a call through the triage questions on
// the board to co-response: the panel lists every response path with its
// availability beside the officer ranking, co-response recommended with
// the nearest CIT officer and the liaison; "Send co-response" sends both.
// The liaison, who said she was available on her caseload page on her
// phone, sees the call arrive there without reloading, marks herself en
// route, and the board shows it.
func TestBrowserBoardCoResponse(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	liz := d.user("liz", citdesk.RoleLiaison)
	board := newChrome(t)
	phone := newTab(t, board)
	if err := chromedp.Do(phone, chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
		t.Fatalf("emulate phone: %v", err)
	}
	d.chromeLogin(t, phone, "liz")
	if err := chromedp.Do(phone, chromedp.Navigate(d.Server.URL+"/caseload"), waitJS(`document.querySelector("[data-liaison-duty]")?.dataset.liaisonDuty === "off_duty"`)); err != nil {
		t.Fatalf("the liaison's caseload: %v", err)
	}
	submitPlain(t, phone, `#liaison-duty button[value="available"]`)
	if err := chromedp.Do(phone, waitJS(`document.querySelector("[data-liaison-duty]")?.dataset.liaisonDuty === "available"`)); err != nil {
		t.Fatalf("the liaison goes available: %v", err)
	}
	screenshot(t, phone, "coresponse-liaison-available")

	d.chromeLogin(t, board, "disp")
	if err := chromedp.Do(board, chromedp.Navigate(d.Server.URL+"/board"), chromedp.WaitVisible(chromedp.ID("nc-nature")),
		waitJS(`!!document.querySelector('#triage .triage-q.current[data-question="weapon"]')`),
		chromedp.SendKeys(chromedp.ID("nc-nature"), "Suicidal man"), chromedp.SendKeys(chromedp.ID("nc-address"), "100 Main St"),
		answerTriage("weapon", "no"), answerTriage("violence", "no"), answerTriage("suicide", "yes"),
		waitJS(`document.querySelector("#triage .recommended-response")?.dataset.response === "co_response"`)); err != nil {
		t.Fatalf("the triage did not lead to co-response: %v", err)
	}
	// The call has no position from its address here: give it the site's,
	// as the address lookup would, so officers are ranked by distance.
	if _, err := chromedp.Run(board, chromedp.Evaluate[bool](`(() => { const f = document.getElementById("new-call");
		for (const [k, v] of [["lat", "`+strconv.FormatFloat(siteLat, 'f', -1, 64)+`"], ["lon", "`+strconv.FormatFloat(siteLon, 'f', -1, 64)+`"]]) { const i = f.querySelector('[name="' + k + '"]'); if (i) i.value = v; }
		return true; })()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(board, waitJS(triageReady), liveClick(`#new-call button[type="submit"]`),
		waitJS(`document.querySelector('#board-panel li.path[data-path="co_response"]')?.dataset.available === "true"`)); err != nil {
		t.Fatalf("create the call: %v", err)
	}
	// Read in one go: the event stream may swap the panel at any moment.
	paths, err := chromedp.Run(board, chromedp.Evaluate[string](`[...document.querySelectorAll("#board-panel li.path")].map(li =>
		li.dataset.path + ":" + li.dataset.available + (li.classList.contains("path-recommended") ? ":recommended" : "") + ":" + li.textContent.replace(/\s+/g, " ")).join("\n")`))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(paths, "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "cit:true:") || !strings.HasPrefix(lines[1], "co_response:true:recommended:") ||
		!strings.HasPrefix(lines[2], "988:true:") || !strings.HasPrefix(lines[3], "patrol:true:") || !strings.HasPrefix(lines[4], "ems:true:") ||
		!strings.Contains(lines[1], "Test near") || !strings.Contains(lines[1], "Liaison: liz") || !strings.Contains(lines[2], "No police") ||
		!strings.Contains(lines[3], "Test plain") {
		t.Errorf("the Responses list:\n%s", paths)
	}
	screenshot(t, board, "coresponse-paths")

	if err := chromedp.Do(board, waitJS(`!document.querySelector(".htmx-settling, .htmx-swapping, .htmx-request")`),
		liveClick(`#board-panel li.path[data-path="co_response"] button.path-choose`),
		waitJS(`document.querySelector("#board-panel .call-liaisons")?.textContent.includes("liz")`),
		waitJS(`[...document.querySelectorAll("#board-panel ul.assignments li")].some(li => li.textContent.includes("Test near"))`)); err != nil {
		html, _ := chromedp.Run(board, chromedp.Evaluate[string](`document.getElementById("board-panel")?.outerHTML ?? "none"`))
		t.Fatalf("send the co-response: %v\n%s", err, html)
	}
	screenshot(t, board, "coresponse-sent")
	calls, err := d.DB.CallService().ListCalls(d.Op, citdesk.CallFilter{})
	if err != nil || len(calls) != 1 || calls[0].Response != citdesk.ResponseCoResponse || calls[0].RecommendedResponse != citdesk.ResponseCoResponse {
		t.Fatalf("the call: %+v %v", calls, err)
	}
	as, err := d.DB.CallService().ListAssignments(d.Op, citdesk.AssignmentFilter{CallID: calls[0].ID})
	if err != nil || len(as) != 1 || as[0].OfficerID != d.near || !as[0].CITCertified {
		t.Errorf("the officer sent: %+v %v", as, err)
	}
	ls, err := store.NewLiaisonService(d.DB).ListCallLiaisons(d.Op, calls[0].ID)
	if err != nil || len(ls) != 1 || ls[0].UserID != liz.ID || ls[0].Status != citdesk.LiaisonAssigned {
		t.Errorf("the liaison sent: %+v %v", ls, err)
	}

	// Her phone shows the call without a reload; she goes en route, and
	// the board follows.
	if err := chromedp.Do(phone, waitJS(`document.querySelector("[data-liaison-call]")?.textContent.includes("Suicidal man")`),
		waitJS(`document.querySelector("[data-liaison-duty]")?.dataset.liaisonDuty === "busy"`)); err != nil {
		t.Fatalf("the call did not reach the liaison's page live: %v", err)
	}
	screenshot(t, phone, "coresponse-liaison-call")
	submitPlain(t, phone, `#liaison-call button[value="en_route"]`)
	if err := chromedp.Do(phone, waitJS(`document.querySelector("[data-liaison-call]")?.dataset.liaisonStatus === "en_route"`)); err != nil {
		t.Fatalf("the liaison goes en route: %v", err)
	}
	if err := chromedp.Do(board, waitJS(`!!document.querySelector("#board-panel .call-liaisons .ls-en_route")`)); err != nil {
		t.Errorf("the board did not show the liaison en route: %v", err)
	}
}

// submitPlain presses the button sel of a plain form (no htmx) and waits
// for the page the post leads to.
func submitPlain(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("press %s: %v", sel, err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("the page after %s: %v", sel, err)
	}
}
