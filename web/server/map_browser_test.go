package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"citdesk"
	"citdesk/geo"
	"citdesk/store/storetest"
)

// TestBrowserRoadETAs: with the Monaco map imported, a dispatcher types
// the call's address ("6 quai antoine"), takes the match with Enter,
// creates the call, and the ranked officers on the board show drive times
// "by road", nearest by road first.
func TestBrowserRoadETAs(t *testing.T) {
	m := monaco(t)
	d := newDispatchEnv(t, storetest.SQLite)
	d.DB.Maps = geo.NewMaps()
	d.DB.Maps.Set(d.Agency.ID, m)
	for id, p := range map[int64][2]float64{d.near: {condamineLat, condamLon}, d.far: {larvottoLat, larvottoLon}} {
		lat, lon := p[0], p[1]
		if err := d.DB.OfficerService().SetStatus(d.Op, &citdesk.StatusChange{OfficerID: id, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
			t.Fatal(err)
		}
	}
	board := newChrome(t)
	if err := chromedp.Do(board, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	d.chromeLogin(t, board, "disp")
	if err := chromedp.Do(board, chromedp.Navigate(d.Server.URL+"/board"), chromedp.WaitVisible(chromedp.ID("nc-nature")),
		waitJS(`document.getElementById("nc-address").getAttribute("role") === "combobox"`)); err != nil {
		t.Fatalf("open the board: %v", err)
	}
	addr := chromedp.ID("nc-address")
	if err := chromedp.Do(board, chromedp.SendKeys(chromedp.ID("nc-nature"), "Welfare check"+kb.Tab), chromedp.SendKeys(addr, "6 quai antoine"),
		waitJS(`[...document.querySelectorAll("#nc-address-list [role=option]")].some(o => o.textContent === "6 Quai Antoine 1er, Monaco")`),
		chromedp.SendKeys(addr, kb.ArrowDown+kb.Enter),
		waitJS(`document.getElementById("nc-address").value === "6 Quai Antoine 1er, Monaco" && document.querySelector("input[name=lat]").value !== ""`)); err != nil {
		t.Fatalf("look up 6 Quai Antoine 1er: %v", err)
	}
	if err := chromedp.Do(board, chromedp.Click(chromedp.CSS(`#new-call button[type=submit]`)),
		waitJS(`document.querySelectorAll("#board-panel ol.recs > li.rec").length >= 2`)); err != nil {
		t.Fatalf("the ranked list did not appear: %v", err)
	}
	etas, err := chromedp.Run(board, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#board-panel ol.recs > li.rec .rec-eta")].map(e => e.textContent.trim())`))
	if err != nil || len(etas) < 2 {
		t.Fatalf("ETAs %q (%v)", etas, err)
	}
	for _, e := range etas[:2] {
		if !strings.Contains(e, " by road · ") {
			t.Errorf("ETA %q does not say by road", e)
		}
	}
	first, _ := chromedp.Run(board, chromedp.Evaluate[string](`document.querySelector("#board-panel ol.recs > li.rec").dataset.officerId`))
	if first != strconv.FormatInt(d.near, 10) {
		t.Errorf("first officer %s, want the one in La Condamine (%d)", first, d.near)
	}
	// The panel may be drawn again as the call's events arrive (a node read
	// while it is swapped out has no text), so wait for the reasons.
	if err := chromedp.Do(board, waitJSWithin(`(document.querySelector("#board-panel ol.recs > li.rec")?.innerText ?? "").includes("by road (")`, 5*time.Second)); err != nil {
		reasons, _ := chromedp.Run(board, chromedp.Evaluate[string](`document.querySelector("#board-panel ol.recs > li.rec")?.innerText ?? ""`))
		t.Errorf("the first officer's reasons %q do not say by road (%v)", reasons, err)
	}
	screenshot(t, board, "road-etas")
}
