package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// TestBrowserRoster signs a coordinator in and opens the roster: each
// officer's CIT status is a badge with a word and a colour, and the filter
// form narrows the table without any script.
func TestBrowserRoster(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	e.user("coord", citdesk.RoleCoordinator)
	ann := e.user("ann", citdesk.RoleOfficer)
	bob := e.user("bob", citdesk.RoleOfficer)
	officers := e.DB.OfficerService()
	if err := officers.AddTraining(e.Op, &citdesk.TrainingRecord{OfficerID: *ann.OfficerID, Kind: citdesk.CourseCITBasic, Completed: citdesk.NewDate(2025, 6, 1), Hours: 40}); err != nil {
		t.Fatal(err)
	}
	if err := officers.SetStatus(e.Op, &citdesk.StatusChange{OfficerID: *ann.OfficerID, Status: citdesk.StatusAvailable}); err != nil {
		t.Fatal(err)
	}
	ctx := newChrome(t)
	e.chromeLogin(t, ctx, "coord")
	if err := chromedp.Do(ctx, chromedp.Navigate(e.Server.URL+"/roster"), chromedp.WaitVisible(chromedp.CSS("table.roster"))); err != nil {
		t.Fatalf("open /roster: %v", err)
	}
	screenshot(t, ctx, "roster")

	row := func(id int64) string { return fmt.Sprintf(`table.roster tr:has(a[href="/roster/officers/%d"])`, id) }
	for _, tc := range []struct {
		sel, word, colour string
	}{
		{row(*ann.OfficerID) + " .badge.cit-certified", "CIT certified", "rgb(20, 108, 46)"},
		{row(*bob.OfficerID) + " .badge.cit-not_trained", "Not CIT trained", "rgb(95, 99, 104)"},
		{row(*ann.OfficerID) + " .badge.st-available", "Available", "rgb(20, 108, 46)"},
		{row(*bob.OfficerID) + " .badge.st-off_duty", "Off duty", "rgb(95, 99, 104)"},
	} {
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(tc.sel)))
		if err != nil {
			t.Errorf("badge %s: %v", tc.sel, err)
			continue
		}
		if strings.TrimSpace(text) != tc.word {
			t.Errorf("badge %s reads %q, want %q", tc.sel, text, tc.word)
		}
		colour, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`getComputedStyle(document.querySelector(%q)).color`, tc.sel)))
		if err != nil || colour != tc.colour {
			t.Errorf("badge %s colour %q (%v), want %q", tc.sel, colour, err, tc.colour)
		}
	}
	sentence, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".summary-sentence")))
	if err != nil || !strings.Contains(sentence, "1 of 2 sworn officers (50%) are CIT certified; CIT International recommends at least 20%.") {
		t.Errorf("summary sentence %q, %v", sentence, err)
	}

	// Filter to officers not trained: a plain GET form.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("f-cit"), "not_trained")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`))); err != nil {
		t.Fatalf("submit filters: %v", err)
	}
	if loc := chromeLocation(t, ctx); loc.Query().Get("cit_status") != "not_trained" {
		t.Errorf("after filtering the browser shows %s", loc)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.roster tbody tr").length`))
	if err != nil || n != 1 {
		t.Errorf("filtered table has %d rows (%v), want 1", n, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row(*bob.OfficerID)))); err != nil {
		t.Errorf("Bob is not in the filtered table: %v", err)
	}
	screenshot(t, ctx, "roster-filtered")

	// The officer's record and the coverage heat map render in a browser.
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/roster/officers/%d", e.Server.URL, *ann.OfficerID)), chromedp.WaitVisible(chromedp.ID("t-completed"))); err != nil {
		t.Fatalf("open the officer page: %v", err)
	}
	screenshot(t, ctx, "officer")
	if err := chromedp.Do(ctx, chromedp.Navigate(e.Server.URL+"/roster/coverage?from=2026-03-04&to=2026-03-10"), chromedp.WaitVisible(chromedp.CSS("table.heat"))); err != nil {
		t.Fatalf("open the coverage page: %v", err)
	}
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.heat tbody td").length`))
	if err != nil || cells != 7*24 {
		t.Errorf("heat map has %d cells (%v), want 168", cells, err)
	}
	screenshot(t, ctx, "coverage")
}

// TestBrowserOfficerDuty has an officer go on duty from a phone: one tap on
// "Go on duty" shows "Available" without a full page load (htmx swaps the
// status part), and the status is stored.
func TestBrowserOfficerDuty(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	ann := e.user("ann", citdesk.RoleOfficer)
	ctx := newPhone(t)
	e.chromeLogin(t, ctx, "ann")
	if loc := chromeLocation(t, ctx); loc.Path != "/me" {
		t.Fatalf("an officer lands on %s, want /me", loc)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#duty [data-status="off_duty"]`))); err != nil {
		t.Fatalf("status on /me: %v", err)
	}
	screenshot(t, ctx, "off-duty")

	// A mark on the window survives an htmx swap but not a page load.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.citdeskMark = 7`)); err != nil {
		t.Fatal(err)
	}
	goOn := chromedp.CSS(`#duty button[value="available"]`)
	label, err := chromedp.Run(ctx, chromedp.Text(goOn))
	if err != nil || strings.TrimSpace(label) != "Go on duty (available)" {
		t.Fatalf("button reads %q, %v", label, err)
	}
	height, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('#duty button[value="available"]').getBoundingClientRect().height`))
	if err != nil || height < 48 {
		t.Errorf("the button is %v px tall (%v); touch targets should be at least 48", height, err)
	}
	if err := chromedp.Do(ctx, chromedp.Tap(goOn), chromedp.WaitVisible(chromedp.CSS(`#duty [data-status="available"]`))); err != nil {
		t.Fatalf("tap Go on duty: %v", err)
	}
	word, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#duty .duty-now`)))
	if err != nil || strings.TrimSpace(word) != "Available" {
		t.Errorf("status reads %q (%v), want Available", word, err)
	}
	mark, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.citdeskMark || 0`))
	if err != nil || mark != 7 {
		t.Errorf("the page was reloaded (mark %d, %v); htmx should have swapped the status in place", mark, err)
	}
	if loc := chromeLocation(t, ctx); loc.Path != "/me" {
		t.Errorf("after the tap the browser shows %s", loc)
	}
	o, err := e.DB.OfficerService().FindOfficerByID(e.Op, *ann.OfficerID)
	if err != nil || o.Duty.Status != citdesk.StatusAvailable {
		t.Fatalf("stored status %+v, %v", o.Duty, err)
	}
	screenshot(t, ctx, "available")

	// One column: nothing wider than the phone.
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || width > 390 {
		t.Errorf("page is %d px wide on a 390 px phone (%v)", width, err)
	}

	if err := chromedp.Do(ctx, chromedp.Tap(chromedp.CSS(`#duty button[value="off_duty"]`)), chromedp.WaitVisible(chromedp.CSS(`#duty [data-status="off_duty"]`))); err != nil {
		t.Fatalf("tap Go off duty: %v", err)
	}
	o, err = e.DB.OfficerService().FindOfficerByID(e.Op, *ann.OfficerID)
	if err != nil || o.Duty.Status != citdesk.StatusOffDuty {
		t.Fatalf("stored status after going off duty %+v, %v", o.Duty, err)
	}
	hist, err := e.DB.OfficerService().StatusHistory(e.Op, *ann.OfficerID, storetest.Epoch, storetest.Epoch.Add(time.Second))
	if err != nil || len(hist) != 2 {
		t.Errorf("history has %d changes (%v), want 2", len(hist), err)
	}
}
