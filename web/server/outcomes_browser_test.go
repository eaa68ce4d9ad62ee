package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// TestBrowserOutcomes signs an analyst in, opens the dashboard, changes the
// date range and checks that the charts are drawn again for the new range
// without the page being loaded again; then opens the public figures with
// nobody signed in and finds no count from 1 to 10.
func TestBrowserOutcomes(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	e.user("analyst", citdesk.RoleAnalyst)
	// About 19 months of history up to the test clock's date.
	e.importHistory(t, "browser", outcomeHistory(600, e.Clock.Now().AddDate(0, -19, 0)))
	// Today's crisis calls in four areas, 15, 12, 3 and 2 of them; the
	// public map may show only the first two.
	_, disp := storetest.User(t, e.DB, e.Op, "disp", citdesk.RoleDispatcher)
	for n, lon := range map[int]float64{15: -90.555, 12: -90.520, 3: -90.590, 2: -90.625} {
		for range n {
			lat := 38.1395
			if err := e.DB.CallService().CreateCall(disp, &citdesk.Call{Nature: "Suicide threat", Address: "1 Main St", Lat: &lat, Lon: &lon, CITRequested: true}); err != nil {
				t.Fatal(err)
			}
		}
	}

	browser := newChrome(t)
	ctx := newTab(t, browser)
	e.chromeLogin(t, ctx, "analyst")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.Server.URL+"/outcomes"),
		chromedp.WaitVisible(chromedp.CSS(`#outcomes-results[data-drawn] .chart[data-chart="arrests"] canvas`)),
	); err != nil {
		t.Fatalf("open the dashboard and draw its charts: %v", err)
	}
	before, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("outcomes-results").dataset.drawn + " " + document.querySelector('.chart[data-chart="arrests"]').dataset.points`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(before, " 13") {
		t.Errorf("the default range draws %q, want the last twelve months (13 calendar months)", before)
	}
	legend, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.chart[data-chart="arrests"] .u-legend`)))
	if !strings.Contains(legend, "CIT-certified") || !strings.Contains(legend, "Not CIT certified") {
		t.Errorf("the arrests chart's legend %q lacks the CIT split", legend)
	}
	screenshot(t, ctx, "dashboard")
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.ID("places-map")), waitJS(`document.getElementById("places-map").dataset.drawn`)); err != nil {
		t.Fatalf("the map of crisis calls: %v", err)
	}
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelectorAll("#places-map path.place-cell").length + " " + Array.from(document.querySelectorAll("#places-table td")).map(c => c.textContent).join(",")`))
	if err != nil || cells != "4 15,12,3,2" {
		t.Errorf("staff map: cells and table %q (%v), want 4 areas, 15,12,3,2", cells, err)
	}
	screenshot(t, ctx, "dashboard-places")

	// A mark on the window: a page load would wipe it.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.citdeskTestMark = true`)); err != nil {
		t.Fatal(err)
	}
	from := e.Clock.Now().AddDate(0, -6, 0)
	from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 3, -1)
	want := from.Format(time.DateOnly) + ".." + to.Format(time.DateOnly)
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("o-from"), from.Format(time.DateOnly)),
		chromedp.SetValue(chromedp.ID("o-to"), to.Format(time.DateOnly)),
		chromedp.Click(chromedp.CSS(`#outcomes-range button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#outcomes-results[data-drawn="`+want+`"] .chart[data-chart="arrests"] canvas`)),
	); err != nil {
		t.Fatalf("change the range and redraw: %v", err)
	}
	after, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.chart[data-chart="arrests"]').dataset.points + " " + String(window.citdeskTestMark) + " " + window.citdeskOutcomeDraws`))
	if err != nil {
		t.Fatal(err)
	}
	if after != "3 true 2" {
		t.Errorf("after the range change: points, mark, draws = %q, want \"3 true 2\" (redrawn in place, once more)", after)
	}
	if loc := chromeLocation(t, ctx); loc.Query().Get("from") != from.Format(time.DateOnly) {
		t.Errorf("the address bar shows %s, want the new range", loc)
	}
	words, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("outcomes-range-words")))
	if !strings.Contains(words, "previous period") {
		t.Errorf("range sentence %q does not compare with the previous period", words)
	}
	screenshot(t, ctx, "dashboard-range")

	// The public figures, in a browser context with nobody signed in.
	pub := newTab(t, browser)
	if err := chromedp.Do(pub, chromedp.Navigate(e.Server.URL+"/public/outcomes"), chromedp.WaitVisible(chromedp.CSS("table.public-table"))); err != nil {
		t.Fatalf("open the public figures: %v", err)
	}
	small, err := chromedp.Run(pub, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.public-table td, table.public-table th"))
		.map(c => c.textContent.trim()).filter(s => /^[0-9][0-9,]*$/.test(s) && +s.replace(/,/g, "") >= 1 && +s.replace(/,/g, "") <= 10)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(small) > 0 {
		t.Errorf("the public page shows counts from 1 to 10: %v", small)
	}
	hidden, _ := chromedp.Run(pub, chromedp.Evaluate[int](`Array.from(document.querySelectorAll("table.public-table td")).filter(c => c.textContent.trim() === "fewer than 11").length`))
	if hidden == 0 {
		t.Error("no cell reads fewer than 11: the data set has no small cells")
	}
	if loc := chromeLocation(t, pub); loc.Path != "/public/outcomes" {
		t.Errorf("the public page sent the browser to %s", loc)
	}
	if err := chromedp.Do(pub, chromedp.ScrollIntoView(chromedp.ID("places-map")), waitJS(`document.getElementById("places-map").dataset.drawn`)); err != nil {
		t.Fatalf("the public map: %v", err)
	}
	pubCells, err := chromedp.Run(pub, chromedp.Evaluate[string](`document.querySelectorAll("#places-map path.place-cell").length + " " + Array.from(document.querySelectorAll("#places-table td")).map(c => c.textContent).join(",")`))
	if err != nil || pubCells != "2 15,12" {
		t.Errorf("public map: cells and table %q (%v), want the two areas of 11 or more", pubCells, err)
	}
	screenshot(t, pub, "public")
}
