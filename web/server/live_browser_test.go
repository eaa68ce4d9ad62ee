package server_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"citdesk/store/storetest"
)

// TestBrowserBoardLiveAfterRefusal: a refused new call comes back to its
// form (the server retargets the answer away from the call panel the form
// names). The panel must go on following the event stream: the page had
// counted the form as on its way to the panel for good, and dropped every
// refresh of it after.
func TestBrowserBoardLiveAfterRefusal(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	c := d.newCall(t, false)
	board := newChrome(t)
	d.chromeLogin(t, board, "disp")
	if err := chromedp.Do(board, chromedp.Navigate(fmt.Sprintf("%s/board?call=%d", d.Server.URL, c.ID)),
		waitJS(`document.querySelector("[data-live-status]").classList.contains("live")`),
		waitJS(`document.querySelector("#board-panel")?.dataset.callId === "`+fmt.Sprint(c.ID)+`" && document.getElementById("new-call")?.["htmx-internal-data"]`),
	); err != nil {
		t.Fatalf("open the board on the call: %v", err)
	}
	// A latitude out of range: the form comes back with the reason.
	if err := chromedp.Do(board, waitJS(`(() => {
		if (document.querySelector(".htmx-request, .htmx-settling, .htmx-swapping")) return false;
		const f = document.getElementById("new-call");
		f.querySelector("[name=nature]").value = "Welfare check";
		f.querySelector("[name=lat]").value = "95";
		f.querySelector("[name=lon]").value = "-90.6";
		f.requestSubmit();
		return true; })()`),
		waitJS(`document.getElementById("new-call-error")?.textContent.includes("Latitude")`),
	); err != nil {
		t.Fatalf("the refused new call: %v", err)
	}
	// Another dispatcher adds a note to the call on the panel.
	path := fmt.Sprintf("/api/v1/calls/%d", c.ID)
	got := d.as(t, "disp", "GET", "/calls/{id}", path, nil)
	if res := d.as(t, "disp", "PATCH", "/calls/{id}", path, map[string]any{"notes": "Caller called back: he is calmer."}, "If-Match", got.Header.Get("ETag")); res.StatusCode != http.StatusOK {
		t.Fatalf("edit the call: %d %s", res.StatusCode, res.Body)
	}
	if err := chromedp.Do(board, waitJS(`document.querySelector("#board-panel")?.textContent.includes("he is calmer")`)); err != nil {
		t.Fatalf("the call panel stopped following the event stream after a refused new call: %v", err)
	}
}
