package server_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// reportJS waits up to 15 s for a JavaScript expression to be truthy.
func reportJS(expr string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Poll[bool](`!!(`+expr+`)`, chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))(ctx, t)
		return chromedp.Void{}, err
	}
}

// settled waits until the report form has no autosave in flight or pending.
func settled(t *testing.T, ctx context.Context) {
	t.Helper()
	time.Sleep(3500 * time.Millisecond) // the "input delay:3s" autosave fires
	if err := chromedp.Do(ctx, reportJS(`!document.querySelector("#report-form").classList.contains("htmx-request")`)); err != nil {
		t.Fatalf("autosave did not settle: %v", err)
	}
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// clickAndLoad clicks sel and waits for the page it loads.
//
// sel may sit in a live region that the event stream redraws (the
// assignment on My shift reloads on each of the three events a clear
// sends). A redraw between the press and the release of the click leaves
// no click at all, and no page loads. So the element is marked before the
// click: when no page has loaded within clickLoadWait and the element now
// in the page is a new one (no mark), the click is tried again on it. A
// click on the same element that loads nothing still fails the test.
func clickAndLoad(t *testing.T, ctx context.Context, sel, what string) {
	t.Helper()
	q := strconv.Quote(sel)
	for try := 1; ; try++ {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+q+`); if (e) e.dataset.clickProbe = "1"; return !!e })()`)); err != nil {
			t.Fatalf("%s (%s): %v", what, sel, err)
		}
		actx, cancel := context.WithTimeout(ctx, clickLoadWait)
		_, err := chromedp.RunResponse(actx, liveClick(sel))
		cancel()
		if err == nil {
			return
		}
		if try < 3 && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			redrawn, rerr := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+q+`); return !!e && !e.dataset.clickProbe })()`))
			if rerr == nil && redrawn {
				t.Logf("%s: no page loaded within %s and %s was redrawn meanwhile; clicking again", what, clickLoadWait, sel)
				continue
			}
		}
		// Say what the page showed, for the next person reading a CI log.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		state, _ := chromedp.Run(sctx, chromedp.Evaluate[string](`location.href + " " + (document.querySelector(`+q+`)?.outerHTML ?? "(no such element)").slice(0, 300)`))
		cancel()
		t.Fatalf("%s (%s), try %d: %v; the page: %s", what, sel, try, err, state)
	}
}

// clickLoadWait is how long clickAndLoad waits for a page before it looks
// whether the element it clicked was redrawn.
const clickLoadWait = 20 * time.Second

// liveClick clicks sel, which may sit in a live region (the dispatch board,
// the assignment on My shift) that the event stream swaps between finding
// the element and clicking it. Chromium then reports the node gone before
// any input reaches the page, so the click is tried again on the new
// element, a few times at most.
func liveClick(sel string) chromedp.Action[chromedp.Void] {
	return retryGone(chromedp.Click(chromedp.CSS(sel)))
}

// liveTap is liveClick with a touch, for the phone.
func liveTap(sel string) chromedp.Action[chromedp.Void] {
	return retryGone(chromedp.Tap(chromedp.CSS(sel)))
}

func retryGone(a chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		var err error
		for try := 0; try < 5; try++ {
			if _, err = a(ctx, t); err == nil || !strings.Contains(err.Error(), "Could not find node") {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		return chromedp.Void{}, err
	}
}

// TestBrowserContactReport: an officer files a report on a phone from an
// assignment; the coordinator returns it with a comment; the officer fixes
// and resubmits it; the coordinator approves it; the liaison works the
// referral to connected_to_care and records the survey.
func TestBrowserContactReport(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	ofcUser := e.user("ofc", citdesk.RoleOfficer)
	e.user("coord", citdesk.RoleCoordinator)
	e.user("liaison", citdesk.RoleLiaison)
	_, disp := storetest.User(t, e.DB, e.Op, "disp", citdesk.RoleDispatcher)
	officerID := *ofcUser.OfficerID
	ofcCtx := citdesk.NewContextWithActor(context.Background(), citdesk.ActorFor(ofcUser, "192.0.2.9"))

	// Dispatch: a CIT-requested call, the officer sent and on scene.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.DB.OfficerService().SetStatus(ofcCtx, &citdesk.StatusChange{OfficerID: officerID, Status: citdesk.StatusAvailable}))
	call := &citdesk.Call{Nature: "Suicide threat", Address: "12 Elm St", CITRequested: true}
	must(e.DB.CallService().CreateCall(disp, call))
	a := &citdesk.Assignment{CallID: call.ID, OfficerID: officerID, NoCITReason: citdesk.NoCITNoneAvailable}
	must(e.DB.CallService().CreateAssignment(disp, a))
	_, err := e.DB.CallService().MoveAssignment(ofcCtx, a.ID, a.Version, citdesk.AssignOnScene)
	must(err)

	// The officer, on a phone.
	phone := newPhone(t)
	e.chromeLogin(t, phone, "ofc")
	if err := chromedp.Do(phone, chromedp.Navigate(fmt.Sprintf("%s/reports/new?assignment_id=%d", e.Server.URL, a.ID)), chromedp.WaitVisible(chromedp.ID("start-report"))); err != nil {
		t.Fatal(err)
	}
	clickAndLoad(t, phone, "#start-report", "start the report")
	if loc := chromeLocation(t, phone); !strings.HasSuffix(loc.Path, "/edit") {
		t.Fatalf("after starting, the phone shows %s", loc)
	}
	reportPath := strings.TrimSuffix(chromeLocation(t, phone).Path, "/edit")
	addr, err := chromedp.Run(phone, chromedp.Evaluate[string](`document.getElementById("address").value`))
	if err != nil || addr != "12 Elm St" {
		t.Errorf("place not filled from the call: %q %v", addr, err)
	}
	wide, err := chromedp.Run(phone, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || wide {
		t.Errorf("the report form scrolls sideways on a phone (%v)", err)
	}
	hidden, err := chromedp.Run(phone, chromedp.Evaluate[bool](`document.getElementById("arrest_offense").closest("[data-show-if]").hidden`))
	if err != nil || !hidden {
		t.Errorf("the arrest offence is asked although there was no arrest (%v)", err)
	}
	screenshot(t, phone, "report-new")

	// The person: search, no match, create.
	if err := chromedp.Do(phone,
		chromedp.SendKeys(chromedp.ID("p_first"), "Nora"), chromedp.SendKeys(chromedp.ID("p_last"), "Quill"),
		chromedp.Click(chromedp.CSS(`form.person-search button[type=submit]`)),
		reportJS(`[...document.querySelectorAll("#person-panel button")].some(b => b.textContent.includes("Create a new person record"))`),
	); err != nil {
		t.Fatalf("person search: %v", err)
	}
	clickAndLoad(t, phone, `#person-panel form input[name=action][value=create] ~ button`, "create the person")
	if got := textOf(t, phone, ".linked-person strong"); got != "Nora Quill" {
		t.Fatalf("linked person %q", got)
	}

	// The form: answers, autosaved as the officer goes.
	if err := chromedp.Do(phone,
		chromedp.SetValue(chromedp.ID("primary_problem"), "mental_illness"),
		chromedp.Click(chromedp.CSS(`input[name=behaviors][value=suicidal_statements]`)),
		chromedp.Click(chromedp.CSS(`input[name=dispositions][value=resolved_on_scene]`)),
		chromedp.Click(chromedp.CSS(`input[name=dispositions][value=referred_to_liaison]`)),
		chromedp.SendKeys(chromedp.ID("on_scene_minutes"), "45"),
		chromedp.SendKeys(chromedp.ID("narrative"), "Talked with her on the porch for 40 minutes; she agreed to a liaison visit."),
		reportJS(`document.querySelector("#save-state").textContent.includes("Draft saved")`),
	); err != nil {
		t.Fatalf("fill the form: %v", err)
	}
	settled(t, phone)
	screenshot(t, phone, "report-filled")
	clickAndLoad(t, phone, `button[name=action][value=submit]`, "submit")
	if got := textOf(t, phone, "#report-status"); got != "Awaiting review" {
		t.Fatalf("after submitting the report reads %q", got)
	}

	// The coordinator returns it with a comment.
	coord := newTab(t, phone)
	e.chromeLogin(t, coord, "coord")
	if err := chromedp.Do(coord, chromedp.Navigate(e.Server.URL+"/review"), chromedp.WaitVisible(chromedp.CSS(`a[href="`+reportPath+`"]`))); err != nil {
		t.Fatalf("review queue: %v", err)
	}
	clickAndLoad(t, coord, `a[href="`+reportPath+`"]`, "open the report")
	if err := chromedp.Do(coord, chromedp.SendKeys(chromedp.ID("comment"), "Please add the de-escalation you used.")); err != nil {
		t.Fatal(err)
	}
	clickAndLoad(t, coord, `button[name=action][value=return]`, "return")
	if got := textOf(t, coord, "#report-status"); got != "Returned" {
		t.Fatalf("after returning the report reads %q", got)
	}

	// The officer sees the comment, fixes the report and resubmits.
	if err := chromedp.Do(phone, chromedp.Navigate(e.Server.URL+reportPath+"/edit"), chromedp.WaitVisible(chromedp.CSS(".return-comment"))); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, phone, ".return-comment"); !strings.Contains(got, "Please add the de-escalation you used.") {
		t.Errorf("return comment reads %q", got)
	}
	if err := chromedp.Do(phone,
		chromedp.Click(chromedp.CSS(`input[name=deescalation][value=active_listening]`)),
		chromedp.Click(chromedp.CSS(`input[name=deescalation][value=calm_voice]`)),
		reportJS(`document.querySelector("#save-state").textContent.includes("Draft saved")`),
	); err != nil {
		t.Fatal(err)
	}
	settled(t, phone)
	clickAndLoad(t, phone, `button[name=action][value=submit]`, "resubmit")
	if got := textOf(t, phone, "#report-status"); got != "Awaiting review" {
		t.Fatalf("after resubmitting the report reads %q", got)
	}

	// The coordinator approves.
	if err := chromedp.Do(coord, chromedp.Navigate(e.Server.URL+reportPath), chromedp.WaitVisible(chromedp.CSS(`button[name=action][value=approve]`))); err != nil {
		t.Fatal(err)
	}
	clickAndLoad(t, coord, `button[name=action][value=approve]`, "approve")
	if got := textOf(t, coord, "#report-status"); got != "Approved" {
		t.Fatalf("after approval the report reads %q", got)
	}
	screenshot(t, coord, "report-approved")

	// The liaison works the referral to connected_to_care and records the survey.
	liaison := newTab(t, phone)
	e.chromeLogin(t, liaison, "liaison")
	if err := chromedp.Do(liaison, chromedp.Navigate(e.Server.URL+"/caseload"), chromedp.WaitVisible(chromedp.CSS("table.caseload a"))); err != nil {
		t.Fatalf("caseload: %v", err)
	}
	clickAndLoad(t, liaison, "table.caseload a", "open the referral")
	for _, step := range []struct{ status, label string }{{"contacted", "Contacted"}, {"connected_to_care", "Connected to care"}} {
		if err := chromedp.Do(liaison, chromedp.SendKeys(chromedp.ID("note"), "Step: "+step.label)); err != nil {
			t.Fatal(err)
		}
		clickAndLoad(t, liaison, `form.status-form button[value=`+step.status+`]`, step.label)
		if got := textOf(t, liaison, "#referral-status"); got != step.label {
			t.Fatalf("referral reads %q, want %q", got, step.label)
		}
	}
	if err := chromedp.Do(liaison,
		chromedp.SetValue(chromedp.ID("respondent"), "family"),
		chromedp.Click(chromedp.CSS(`input[name=respect][value="5"]`)),
		chromedp.Click(chromedp.CSS(`input[name=safety][value="4"]`)),
		chromedp.Click(chromedp.CSS(`input[name=help][value="5"]`)),
		chromedp.SendKeys(chromedp.ID("comment"), "They were patient with her."),
	); err != nil {
		t.Fatal(err)
	}
	screenshot(t, liaison, "survey")
	clickAndLoad(t, liaison, `form.survey-form button[type=submit]`, "close with survey")
	if got := textOf(t, liaison, "#referral-status"); got != "Closed" {
		t.Fatalf("referral reads %q after closing", got)
	}

	refs, err := e.DB.ReferralService().ListReferrals(e.Op, citdesk.ReferralFilter{})
	if err != nil || len(refs) != 1 {
		t.Fatalf("referrals %v %v", refs, err)
	}
	r := refs[0]
	if r.Outcome != citdesk.ReferralConnected || r.Survey == nil || r.Survey.Respondent != "family" || r.Survey.Respect != 5 || r.Survey.Safety != 4 || r.Survey.Help != 5 {
		t.Errorf("stored referral: outcome %s, survey %+v", r.Outcome, r.Survey)
	}
	enc, err := e.DB.EncounterService().FindEncounterByID(e.Op, r.EncounterID)
	if err != nil || enc.Status != citdesk.EncounterApproved || enc.CallID == nil || *enc.CallID != call.ID || enc.CITRequested == nil || !*enc.CITRequested ||
		!enc.UsedTechnique(citdesk.TechActiveListening) || *enc.OnSceneMinutes != 45 {
		t.Errorf("stored report: %+v, %v", enc, err)
	}
}
