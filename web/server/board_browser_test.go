package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"citdesk"
	"citdesk/store/storetest"
)

// TestBrowserBoardQueue is issue 15's dispatcher at a 1366×900 screen: the
// open-call queue is the first thing on the board, an emergency above an
// older non-emergency call, waiting times tick, an emergency left
// unassigned past the agency's threshold (shortened here to 3 s) raises a
// banner in words, the alert sound can be muted and stays muted after a
// reload, and map points are labelled and reachable by keyboard.
func TestBrowserBoardQueue(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	board := newChrome(t)
	if err := chromedp.Do(board, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	p := d.Agency.Policy
	p.EmergencyAlert = 3 * time.Second
	if err := d.DB.AgencyService().UpdatePolicy(d.Op, d.Agency.ID, p); err != nil {
		t.Fatal(err)
	}
	// The browser counts waiting time by its own clock: the server's
	// clock is set to the real time so the two agree.
	d.Clock.Set(time.Now().Add(-28 * time.Minute))
	_, disp := storetest.User(t, d.DB, d.Op, "disp2", citdesk.RoleDispatcher)
	lat, lon := siteLat, siteLon
	older := &citdesk.Call{Source: citdesk.SourceNonEmergency, Nature: "Welfare check", Address: "12 Elm St"}
	if err := d.DB.CallService().CreateCall(disp, older); err != nil {
		t.Fatal(err)
	}
	for i := range 6 { // a busy night: more calls than fit on a screen
		if err := d.DB.CallService().CreateCall(disp, &citdesk.Call{Source: citdesk.SourceNonEmergency, Nature: fmt.Sprintf("Disturbance %d", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	d.Clock.Set(time.Now())
	emergency := &citdesk.Call{Source: citdesk.Source911, Emergency: true, CITRequested: true, Nature: "Suicide threat", Address: "100 Main St", Lat: &lat, Lon: &lon}
	if err := d.DB.CallService().CreateCall(disp, emergency); err != nil {
		t.Fatal(err)
	}

	d.chromeLogin(t, board, "disp2")
	if err := chromedp.Do(board, chromedp.Navigate(d.Server.URL+"/board"), chromedp.WaitVisible(chromedp.CSS("#board-calls li.call"))); err != nil {
		t.Fatalf("open the board: %v", err)
	}
	screenshot(t, board, "queue-1366x900")

	// The first open call is the emergency, on the first screen.
	first, err := chromedp.Run(board, chromedp.Evaluate[string](`(() => {
		const li = document.querySelector("#board-calls li.call"), r = li.getBoundingClientRect();
		return li.dataset.callId + " " + (r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth) + " " + Math.round(r.top) + " " + scrollY;
	})()`))
	if err != nil || !strings.HasPrefix(first, fmt.Sprint(emergency.ID)+" true ") {
		t.Errorf("first open call: %q (%v), want call %d within the 1366×900 viewport", first, err, emergency.ID)
	}
	ids, err := chromedp.Run(board, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#board-calls li.call")].map(li => li.dataset.callId)`))
	if err != nil || len(ids) != 8 || ids[0] != fmt.Sprint(emergency.ID) || ids[1] != fmt.Sprint(older.ID) {
		t.Errorf("queue order %v (%v): want the emergency %d, then the longest waiting %d", ids, err, emergency.ID, older.ID)
	}

	// Waiting time is live.
	waiting := `document.querySelector("#board-calls li.call[data-call-id='` + fmt.Sprint(older.ID) + `'] .waiting").textContent`
	before, err := chromedp.Run(board, chromedp.Evaluate[string](waiting))
	if err != nil || !strings.HasPrefix(before, "waiting 28 min") {
		t.Errorf("older call's waiting time %q (%v), want about 28 min", before, err)
	}
	if err := chromedp.Do(board, waitJS(waiting+` !== `+fmt.Sprintf("%q", before))); err != nil {
		t.Errorf("the waiting time %q does not tick: %v", before, err)
	}

	// The alerts, in words: the missing CIT officer at once, the emergency
	// once it has waited past the threshold.
	bannerVisible := `(() => { const b = document.getElementById("board-alert"); return !b.hidden && b.offsetHeight > 0 ? b.textContent : ""; })()`
	if err := chromedp.Do(board, waitJS(bannerVisible+`.includes("#`+fmt.Sprint(emergency.ID)+` Suicide threat: emergency waiting")`),
		waitJS(bannerVisible+`.includes("with no officer sent; CIT requested, no CIT officer on it")`),
		waitJS(`document.querySelector("#board-calls li.call[data-call-id='`+fmt.Sprint(emergency.ID)+`'] .call-alert:not([hidden])")?.textContent.includes("no officer sent")`)); err != nil {
		text, _ := chromedp.Run(board, chromedp.Evaluate[string](bannerVisible))
		t.Fatalf("the alert did not appear (banner %q): %v", text, err)
	}
	if text, _ := chromedp.Run(board, chromedp.Evaluate[string](bannerVisible)); strings.Contains(text, "Welfare check") {
		t.Errorf("a non-emergency call alerts: %q", text)
	}
	screenshot(t, board, "queue-alert")
	// Unmuted, a new alert beeps (the board counts each beep it plays).
	if err := chromedp.Do(board, waitJS(`Number(document.getElementById("board").dataset.beeps) >= 1`)); err != nil {
		t.Errorf("the alert did not beep: %v", err)
	}

	// The sound can be muted, and stays muted after a reload.
	sound := chromedp.CSS("#alert-sound")
	if err := chromedp.Do(board, chromedp.WaitVisible(sound), waitJS(`document.getElementById("alert-sound").getAttribute("aria-pressed") === "false"`),
		chromedp.Click(sound), waitJS(`document.getElementById("alert-sound").getAttribute("aria-pressed") === "true"`)); err != nil {
		t.Fatalf("mute: %v", err)
	}
	if err := chromedp.Do(board, chromedp.Reload(), chromedp.WaitVisible(sound),
		waitJS(`document.getElementById("alert-sound").getAttribute("aria-pressed") === "true" && document.getElementById("alert-sound").textContent.includes("muted")`),
		waitJS(bannerVisible+`.includes("no officer sent")`)); err != nil {
		t.Fatalf("the mute was not remembered: %v", err)
	}
	time.Sleep(1500 * time.Millisecond)
	if beeps, err := chromedp.Run(board, chromedp.Evaluate[string](`document.getElementById("board").dataset.beeps || "0"`)); err != nil || beeps != "0" {
		t.Errorf("muted, the board still beeped %s times (%v)", beeps, err)
	}

	// The map says what a click does; its points are labelled and reached
	// with the keyboard, and Enter on a call opens it.
	hint, err := chromedp.Run(board, chromedp.Text(chromedp.ID("map-hint")))
	if err != nil || !strings.Contains(hint, "Click the map to set the new call's location") {
		t.Errorf("map hint %q (%v)", hint, err)
	}
	marker := fmt.Sprintf(`.leaflet-marker-icon.pt-call[tabindex="0"][title^="Call #%d Suicide threat, 100 Main St"]`, emergency.ID)
	if err := chromedp.Do(board, waitJS(`document.querySelector('`+marker+`')`),
		waitJS(`document.querySelectorAll('.leaflet-marker-icon.pt-cit[tabindex="0"][title*="CIT officer"]').length === 2`)); err != nil {
		t.Fatalf("map points are not labelled and focusable: %v", err)
	}
	if err := chromedp.Do(board, chromedp.SendKeys(chromedp.CSS(marker), kb.Enter),
		waitJS(`document.querySelector("#board-panel")?.dataset.callId === "`+fmt.Sprint(emergency.ID)+`"`)); err != nil {
		t.Fatalf("Enter on the call's map point does not open it: %v", err)
	}
	screenshot(t, board, "queue-map-keyboard")
}
