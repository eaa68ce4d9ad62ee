package server_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
)

// panelSubmit fills and sends the panel's form sel in one step, once
// htmx has it (the event stream may swap the panel between a change and a
// click); fill is JavaScript run with the form as f. The form then says it
// was typed in, as a person's choices do: the board holds the panel's
// refreshes for a while after that (dispatch.js, busy), where a refresh
// the event stream asked for would otherwise wipe the form's answer — the
// refusal this test reads.
func panelSubmit(sel, fill string) chromedp.Action[chromedp.Void] {
	return waitJS(`(() => {
		if (document.querySelector(".htmx-settling, .htmx-swapping, .htmx-request")) return false;
		const f = document.querySelector("#board-panel ` + sel + `");
		if (!f?.["htmx-internal-data"]) return false;
		` + fill + `
		f.dispatchEvent(new Event("input", {bubbles: true}));
		f.requestSubmit(f.querySelector("button[type=submit]"));
		return true; })()`)
}

// TestBrowserBoardTransfer takes a call through the triage to 988 on the
// board, records its transfer from the call's panel (where it went, the
// caller's consent), then the crisis line's return with the police
// response to send, which the panel then shows.
func TestBrowserBoardTransfer(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	board := newChrome(t)
	d.chromeLogin(t, board, "disp")
	if err := chromedp.Do(board, chromedp.Navigate(d.Server.URL+"/board"), chromedp.WaitVisible(chromedp.ID("nc-nature")),
		chromedp.SendKeys(chromedp.ID("nc-nature"), "Person in crisis"),
		answerTriage("weapon", "no"), answerTriage("violence", "no"), answerTriage("suicide", "no"), answerTriage("medical", "no"),
		answerTriage("substances", "no"), answerTriage("caller", "self"), answerTriage("location", "safe"),
		waitJS(`document.querySelector("#triage .recommended-response")?.dataset.response === "988"`),
		liveClick(`#new-call button[type="submit"]`),
		waitJS(`!!document.querySelector("#board-panel .no-police")`),
		waitJS(`!!document.querySelector("#board-panel form.transfer-record")`)); err != nil {
		t.Fatalf("take the call to 988: %v", err)
	}
	screenshot(t, board, "transfer-ask")
	// "Other" without a name is refused, naming the field; the choices stay.
	if err := chromedp.Do(board, panelSubmit("form.transfer-record", `f.querySelector("select[name=destination]").value = "other"; f.querySelector("input[name=consent][value=yes]").checked = true;`),
		waitJS(`(document.querySelector("#board-panel")?.textContent ?? "").includes("Name the crisis service")`),
		waitJS(`document.querySelector("#board-panel form.transfer-record select[name=destination]")?.value === "other"`)); err != nil {
		t.Fatalf("a refused transfer: %v", err)
	}
	if err := chromedp.Do(board, panelSubmit("form.transfer-record", `f.querySelector("select[name=destination]").value = "mobile_crisis"; f.querySelector("input[name=consent][value=yes]").checked = true;`),
		waitJS(`document.querySelector("#board-panel [data-transfer]")?.dataset.transfer === "accepted"`),
		waitJS(`document.querySelector("#board-panel .transfer-to")?.textContent === "County mobile crisis team"`),
		waitJS(`!!document.querySelector("#board-panel form.transfer-return")`)); err != nil {
		t.Fatalf("record the transfer: %v", err)
	}
	screenshot(t, board, "transfer-accepted")
	calls, err := d.DB.CallService().ListCalls(d.Op, citdesk.CallFilter{})
	if err != nil || len(calls) != 1 {
		t.Fatalf("calls: %v, %v", calls, err)
	}
	if c, _ := d.DB.CallService().FindCallByID(d.Op, calls[0].ID); c.Transfer == nil || c.Transfer.Destination != citdesk.TransferToMobileCrisis || c.Transfer.Consent != citdesk.ConsentYes || c.Transfer.Outcome != citdesk.TransferAccepted {
		t.Fatalf("stored transfer: %+v", c.Transfer)
	}
	// The crisis line sends it back: the call needs police again.
	if err := chromedp.Do(board, panelSubmit("form.transfer-return", `f.querySelector("input[name=reason]").value = "Team out of county"; f.querySelector("select[name=response]").value = "cit";`),
		waitJS(`document.querySelector("#board-panel [data-transfer]")?.dataset.transfer === "returned"`),
		waitJS(`document.querySelector("#board-panel .chosen-response")?.textContent === "CIT officer"`),
		waitJS(`!document.querySelector("#board-panel .no-police") && !document.querySelector("#board-panel form.transfer-return")`)); err != nil {
		t.Fatalf("record the return: %v", err)
	}
	screenshot(t, board, "transfer-returned")
	if c, _ := d.DB.CallService().FindCallByID(d.Op, calls[0].ID); c.Response != citdesk.ResponseCIT || c.ResponseReason != "Team out of county" || c.Transfer.Outcome != citdesk.TransferReturned {
		t.Errorf("after the return: %+v %+v", c, c.Transfer)
	}
}
