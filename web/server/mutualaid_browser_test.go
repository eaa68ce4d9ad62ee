package server_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"citdesk/store/storetest"
)

// TestBrowserMutualAid: two boards, two agencies. De Soto's dispatcher,
// with no CIT officer of De Soto's free, opens a CIT-requested call and
// asks Hillsboro for its officer from the panel; Hillsboro's board shows
// the request live, with the call's address, and its dispatcher accepts;
// De Soto's mutual-aid list turns to accepted without a reload.
func TestBrowserMutualAid(t *testing.T) {
	a := newAidEnv(t, storetest.SQLite)
	a.as(t, "hb-admin", "PUT", "/agency/partners", "/api/v1/agency/partners", map[string]any{"partners": []map[string]any{{"slug": "desoto"}}})
	call := a.newCall(t, true)

	borrower := newChrome(t)
	lender := newTab(t, borrower)
	a.chromeLogin(t, borrower, "disp")
	a.chromeLogin(t, lender, "hb-disp")
	if err := chromedp.Do(lender, chromedp.Navigate(a.Server.URL+"/board"), chromedp.WaitVisible(chromedp.CSS("#board-aid h2")),
		waitJS(`/Live: the board/.test(document.querySelector("[data-live-status]").textContent)`)); err != nil {
		t.Fatalf("Hillsboro's board: %v", err)
	}
	if err := chromedp.Do(borrower, chromedp.Navigate(fmt.Sprintf("%s/board?call=%d", a.Server.URL, call.ID)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`li[data-partner-officer-id="%d"]`, a.hbOfficer)))); err != nil {
		t.Fatalf("De Soto's panel offers no partner: %v", err)
	}
	screenshot(t, borrower, "mutual-aid-partners")

	// Ask.
	if err := chromedp.Do(borrower, liveClick(fmt.Sprintf(`li[data-partner-officer-id="%d"] button`, a.hbOfficer))); err != nil {
		t.Fatalf("ask: %v", err)
	}
	if err := chromedp.Do(borrower, waitJS(`/Asked Test PD hillsboro/.test(document.querySelector("#board-panel").textContent)`),
		waitJS(`document.querySelector("#board-aid .aid-requested")`)); err != nil {
		t.Fatalf("the request on De Soto's board: %v", err)
	}

	// Hillsboro's board shows it without a reload, and its dispatcher accepts.
	if err := chromedp.Do(lender, waitJS(`document.querySelector("#board-aid .aid-accept") && /100 Main St/.test(document.querySelector("#board-aid").textContent)`)); err != nil {
		t.Fatalf("the request on Hillsboro's board: %v", err)
	}
	screenshot(t, lender, "mutual-aid-incoming")
	if err := chromedp.Do(lender, liveClick("#board-aid .aid-accept")); err != nil {
		t.Fatalf("accept: %v", err)
	}
	if err := chromedp.Do(lender, waitJS(`/is sent to/.test(document.querySelector("#board-aid").textContent)`)); err != nil {
		t.Fatalf("accepted on Hillsboro's board: %v", err)
	}

	// De Soto sees the answer live.
	if err := chromedp.Do(borrower, waitJS(`document.querySelector("#board-aid .aid-accepted") && /is sending/.test(document.querySelector("#board-aid").textContent)`)); err != nil {
		t.Fatalf("the answer on De Soto's board: %v", err)
	}
	screenshot(t, borrower, "mutual-aid-accepted")
}
