package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// TestBrowserOutcomesShape opens the dashboard and the public page in
// Chromium over year-heavy imported history (issue 15, finding 9): a
// 2015–2020 range draws only 2016 to 2017-09 and says so; the month under
// way is a hollow, dashed "so far" series; a measure with nothing recorded
// is one line, no chart; the CIT request measures draw no split; the
// public page draws charts and says where quarters are empty.
func TestBrowserOutcomesShape(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	e.user("analyst", citdesk.RoleAnalyst)
	e.user("disp", citdesk.RoleDispatcher)
	e.importHistory(t, "city", yearHeavyHistory())
	closeCallWithoutCIT(t, e, e.token("disp"))

	browser := newChrome(t)
	ctx := newTab(t, browser)
	e.chromeLogin(t, ctx, "analyst")
	drawn := `#outcomes-results[data-drawn] .chart[data-chart="arrests"] canvas`
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.Server.URL+"/outcomes?from=2015-01-01&to=2020-12-31"),
		chromedp.WaitVisible(chromedp.CSS(drawn)),
	); err != nil {
		t.Fatalf("open the 2015–2020 dashboard: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[
		document.querySelector('.chart[data-chart="encounters"]').dataset.points,
		document.getElementById("outcomes-span").textContent.trim(),
		document.querySelector("#m-referrals .chart") === null,
		document.querySelector("#m-referrals").textContent.replace(/\s+/g, " ").trim(),
		document.querySelector("#m-cit_on_scene .chart") ? document.querySelector('#m-cit_on_scene .chart .u-legend').textContent : "no chart",
		document.getElementById("outcomes-range-words").textContent.replace(/\s+/g, " ").trim(),
	].join(" | ")`))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(got, " | ")
	if parts[0] != "21" {
		t.Errorf("the encounters chart draws %s months, want 21 (January 2016 to September 2017)", parts[0])
	}
	if !strings.Contains(parts[1], "January 2016 to September 2017") {
		t.Errorf("the span note reads %q", parts[1])
	}
	if parts[2] != "true" || parts[3] != "Referrals to the Mental Health Liaison No referrals recorded in this period." {
		t.Errorf("referrals: no chart %s, text %q; want one line", parts[2], parts[3])
	}
	if strings.Contains(parts[4], "CIT-certified") {
		t.Errorf("the cit_on_scene chart draws the CIT split: %q", parts[4])
	}
	if !strings.Contains(parts[5], "1,231 encounters") && !strings.Contains(parts[5], "1,230 encounters") {
		t.Errorf("range sentence %q lacks a thousands separator", parts[5])
	}
	screenshot(t, ctx, "six-years")

	// The last twelve months: March 2026 is under way.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.Server.URL+"/outcomes"),
		chromedp.WaitVisible(chromedp.CSS(drawn)),
		waitJS(`(document.getElementById("m-diversions").scrollIntoView(), true)`),
	); err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	got, err = chromedp.Run(ctx, chromedp.Evaluate[string](`[
		document.querySelector('.chart[data-chart="diversions"]').dataset.partial,
		document.querySelector('.chart[data-chart="diversions"] .u-legend').textContent,
		document.querySelector('.chart[data-chart="encounters"]').dataset.points,
	].join(" | ")`))
	if err != nil {
		t.Fatal(err)
	}
	parts = strings.Split(got, " | ")
	if parts[0] != "1" || !strings.Contains(parts[1], "All, so far") || parts[2] != "3" {
		t.Errorf("partial %s, legend %q, points %s: want March 2026 as one 'so far' point of three months", parts[0], parts[1], parts[2])
	}
	screenshot(t, ctx, "so-far")

	// The public page, nobody signed in.
	pub := newTab(t, browser)
	if err := chromedp.Do(pub,
		chromedp.Navigate(e.Server.URL+"/public/outcomes"),
		chromedp.WaitVisible(chromedp.CSS(`#outcomes-results[data-drawn] .chart[data-chart="arrests"] canvas`)),
		waitJS(`(document.querySelector('.chart[data-chart="arrests"]').scrollIntoView(), true)`),
	); err != nil {
		t.Fatalf("open the public figures and draw their charts: %v", err)
	}
	got, err = chromedp.Run(pub, chromedp.Evaluate[string](`[
		Array.from(document.querySelectorAll("table.public-table tr.empty-quarters")).map(r => r.textContent.replace(/\s+/g, " ").trim()).filter(s => s.includes("2017-Q4 to 2025-Q4")).length,
		Array.from(document.querySelectorAll("table.public-table tr")).filter(r => /suppressed|fewer than 11/.test(r.textContent) && /(^|\s)0(\s|$)/.test(r.cells[2] ? r.cells[2].textContent.trim() : "")).length,
		document.querySelector('.chart[data-chart="encounters"]').dataset.partial,
		document.querySelector('.chart[data-chart="encounters"] .u-legend').textContent,
	].join(" | ")`))
	if err != nil {
		t.Fatal(err)
	}
	parts = strings.Split(got, " | ")
	if parts[0] == "0" {
		t.Error("no row says 2017-Q4 to 2025-Q4 had no encounters")
	}
	if parts[1] != "0" {
		t.Errorf("%s rows read suppressed out of 0", parts[1])
	}
	if parts[2] != "1" || !strings.Contains(parts[3], "so far") {
		t.Errorf("public encounters chart: partial %s, legend %q", parts[2], parts[3])
	}
	screenshot(t, pub, "public")
}
