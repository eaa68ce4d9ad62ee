package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
)

// triageReady: the triage fragment is drawn and htmx has taken it over, so
// a change posts it.
const triageReady = `(() => { const f = document.getElementById("triage");
	return !!(f && f["htmx-internal-data"] && !f.querySelector(".triage-loading") && !document.querySelector(".htmx-settling, .htmx-swapping, .htmx-request")); })()`

// answerTriage clicks answer value of question q on the board's new-call
// form and waits until the fragment comes back with it answered.
func answerTriage(q, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(waitJS(triageReady), liveClick(`#triage_`+q+`-`+value),
		waitJS(`!!document.querySelector('#triage [data-question="`+q+`"]:not(.current) input[value="`+value+`"]:checked')`), waitJS(triageReady))
}

// TestBrowserBoardTriage takes a call through the triage protocol on the
// board: the form asks the questions one after another, shows the
// recommended response, and the dispatcher chooses another with a reason;
// the panel shows the recommendation beside the officer ranking, and the
// dispatcher changes the response back from there.
func TestBrowserBoardTriage(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	board := newChrome(t)
	d.chromeLogin(t, board, "disp")
	if err := chromedp.Do(board, chromedp.Navigate(d.Server.URL+"/board"), chromedp.WaitVisible(chromedp.ID("nc-nature")),
		waitJS(`!!document.querySelector('#triage .triage-q.current[data-question="weapon"]')`)); err != nil {
		t.Fatalf("open the board: %v", err)
	}
	// The form's first submit button (the one Enter presses) is still
	// Create call: the fragment brings none of its own.
	if err := chromedp.Do(board, waitJS(triageReady), waitJS(`document.querySelector("#new-call button[type=submit]").textContent.includes("Create call")`)); err != nil {
		t.Errorf("Enter would not create the call: %v", err)
	}
	// One question at a time: only the first is asked yet.
	if n, err := chromedp.Run(board, chromedp.Evaluate[int](`document.querySelectorAll("#triage .triage-q").length`)); err != nil || n != 1 {
		t.Errorf("questions shown before any answer: %d (%v)", n, err)
	}
	if err := chromedp.Do(board, chromedp.SendKeys(chromedp.ID("nc-nature"), "Person in crisis"),
		answerTriage("weapon", "no"), answerTriage("violence", "no"), answerTriage("suicide", "no"), answerTriage("medical", "no"),
		answerTriage("substances", "no"), answerTriage("caller", "family"), answerTriage("location", "safe"),
		waitJS(`document.querySelector("#triage .recommended-response")?.dataset.response === "988"`)); err != nil {
		t.Fatalf("the triage did not lead to 988: %v", err)
	}
	screenshot(t, board, "triage-recommended")
	if v, err := chromedp.Run(board, chromedp.Evaluate[string](`document.getElementById("nc-response").value`)); err != nil || v != "988" {
		t.Errorf("response preselected %q (%v), want the recommended 988", v, err)
	}
	// Another response asks why.
	if err := chromedp.Do(board, waitJS(`(() => { const s = document.getElementById("nc-response"); s.value = "cit"; s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`),
		waitJS(`!!document.getElementById("nc-response-reason")`), waitJS(triageReady),
		chromedp.SendKeys(chromedp.ID("nc-response-reason"), "The caller asked for an officer"),
		liveClick(`#new-call button[type="submit"]`),
		waitJS(`document.querySelector("#board-panel .chosen-response")?.textContent === "CIT officer"`),
		waitJS(`document.querySelectorAll("#board-panel ol.recs > li.rec").length >= 1`)); err != nil {
		t.Fatalf("create the call with another response: %v", err)
	}
	screenshot(t, board, "triage-panel")
	// The form is ready for the next call: the triage starts again.
	if err := chromedp.Do(board, waitJS(`document.querySelectorAll("#triage .triage-q").length === 1 && !!document.querySelector('#triage .triage-q.current[data-question="weapon"]') && !document.querySelector("#triage input:checked") && !document.getElementById("nc-response")`)); err != nil {
		html, _ := chromedp.Run(board, chromedp.Evaluate[string](`document.getElementById("triage")?.outerHTML ?? "none"`))
		t.Errorf("the triage did not start again for the next call: %v\n%s", err, html)
	}
	// Read in one go: the event stream may swap the panel at any moment.
	text, err := chromedp.Run(board, chromedp.Evaluate[string](`document.querySelector("#board-panel .response-box")?.textContent ?? ""`))
	if err != nil || !strings.Contains(text, "recommends Transfer to 988 / mobile crisis (no police)") || !strings.Contains(text, "The caller asked for an officer") || !strings.Contains(text, "protocol version 1") {
		t.Errorf("panel response: %q (%v)", text, err)
	}
	calls, err := d.DB.CallService().ListCalls(d.Op, citdesk.CallFilter{})
	if err != nil || len(calls) != 1 {
		t.Fatalf("calls: %v, %v", calls, err)
	}
	c := calls[0]
	if c.RecommendedResponse != citdesk.Response988 || c.Response != citdesk.ResponseCIT || c.ResponseReason != "The caller asked for an officer" || c.TriageVersion == nil || len(c.TriageAnswers) != 7 ||
		c.Risk.Weapons != citdesk.RiskNo || c.Risk.SuicideRisk != citdesk.RiskNo {
		t.Errorf("stored call: %+v", c)
	}
	// From the panel, back to the recommendation: no police.
	// Chosen and sent in one step: the event stream may swap the panel
	// between a change and a click.
	if err := chromedp.Do(board, waitJS(`(() => {
			if (document.querySelector(".htmx-settling, .htmx-swapping, .htmx-request")) return false;
			const f = document.querySelector("#board-panel form.response-choice");
			if (!f?.["htmx-internal-data"]) return false;
			f.querySelector("select").value = "988";
			f.requestSubmit(f.querySelector("button"));
			return true; })()`),
		waitJS(`document.querySelector("#board-panel .chosen-response")?.textContent.startsWith("Transfer to 988")`),
		waitJS(`!!document.querySelector("#board-panel .no-police")`)); err != nil {
		t.Fatalf("change the response from the panel: %v", err)
	}
	if got, _ := d.DB.CallService().FindCallByID(d.Op, c.ID); got.Response != citdesk.Response988 || got.ResponseReason != "" {
		t.Errorf("after the change: %+v", got)
	}
	screenshot(t, board, "triage-no-police")
}
