package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/importer"
	"citdesk/outcomes"
	"citdesk/store/storetest"
	"citdesk/web"
)

// precisionCSV is an open-data file: the time in parts, some rows known
// only to the month, and yes/no outcome columns with blanks.
const precisionCSV = `Incident,Year,Month,Day,Time,Apprehension,Arrested,Subject
W1,2024,Jan,5,10:00,yes,no,P1
W2,2024,Jan,20,14:00,no,,P1
W3,2024,Feb,,,no,yes,P1
W4,2024,Feb,,,,,P2
`

const precisionMapping = `{"source": "open-data-web", "time_zone": "America/Chicago",
  "columns": {"external_id": "Incident", "person": "Subject", "occurred_at": {"year": "Year", "month": "Month", "day": "Day", "hour": "Time"}},
  "flags": {"emergency_detention": "Apprehension", "arrest": "Arrested"}}`

// TestOutcomesPrecisionAPI: GET /api/v1/outcomes says on each measure how
// many records it left out because their time is too coarse, and the
// drill-down (JSON, CSV and page) shows each record's precision and known
// negatives; every answer matches the OpenAPI document.
func TestOutcomesPrecisionAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportAPI(t, eng)
		m, err := importer.LoadColumnMapping(strings.NewReader(precisionMapping))
		if err != nil {
			t.Fatal(err)
		}
		if res, err := importer.ImportMapped(r.Op, r.DB.HistoryService(), strings.NewReader(precisionCSV), m, nil, nil); err != nil || res.Created != 4 {
			t.Fatalf("import: %+v, %v", res, err)
		}
		var rep outcomes.Report
		r.call(t, "analyst", "GET", "/api/v1/outcomes", nil, http.StatusOK).JSON(t, &rep)
		// Arrest: W1 no, W3 yes; W2 and W4 blank. Detention: W1 yes, W2
		// and W3 no; W4 blank.
		for id, want := range map[string][3]int{"arrests": {1, 2, 0}, "emergency_detentions": {1, 3, 0}, "repeat_contacts_30d": {1, 1, 2}} {
			if m := rep.Measures[id]; m.Count != want[0] || m.Denominator != want[1] || m.Imprecise != want[2] {
				t.Errorf("%s = %d of %d, %d imprecise; want %d of %d, %d", id, m.Count, m.Denominator, m.Imprecise, want[0], want[1], want[2])
			}
		}
		if s := rep.Measures["repeat_contacts_30d"].Sentence; !strings.Contains(s, "2 encounters left out: their dates are known only to the month or year.") {
			t.Errorf("repeat_contacts_30d sentence: %s", s)
		}

		var d struct {
			Count, Denominator int
			Encounters         []outcomes.DrillRow
		}
		r.call(t, "coord", "GET", "/api/v1/outcomes/encounters?measure=arrests", nil, http.StatusOK).JSON(t, &d)
		var got []string
		for _, row := range d.Encounters {
			got = append(got, row.Date+" "+row.Precision+" no:"+strings.Join(row.DispositionsNo, ";"))
		}
		if want := "2024-01-05  no:arrest|2024-02-01 month no:emergency_detention"; strings.Join(got, "|") != want {
			t.Errorf("arrests drill-down: %q, want %q", strings.Join(got, "|"), want)
		}
		res := r.call(t, "coord", "GET", "/api/v1/outcomes/encounters?measure=arrests&format=csv", nil, http.StatusOK)
		if !strings.HasPrefix(res.Body, "id,date,month,officer_cit,dispositions,counted,call_id,dispositions_no,precision\n") ||
			!strings.Contains(res.Body, ",2024-02-01,2024-02,unknown,arrest,true,,emergency_detention,month\n") {
			t.Errorf("drill-down CSV:\n%s", res.Body)
		}

		b := r.browser()
		b.login("coord")
		if dash := b.get("/outcomes?range=all"); dash.StatusCode != http.StatusOK || !strings.Contains(dash.Body, "2 encounters left out: their dates are known only to the month or year.") {
			t.Errorf("the dashboard (%d) does not say what repeat contacts left out", dash.StatusCode)
		}
		page := b.get("/outcomes/encounters?measure=arrests")
		for _, want := range []string{`2024-02-01 <span class="muted">(month only)</span>`, `<span class="muted"> · not: arrest; others unknown</span>`} {
			if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, want) {
				t.Errorf("drill-down page (%d) lacks %q", page.StatusCode, want)
			}
		}
	})
}

// TestBrowserOutcomesPrecision: in a browser, the dashboard says how many
// records a figure left out for precision, and the drill-down shows a
// month-only date and the known negatives.
func TestBrowserOutcomesPrecision(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	e.user("coord", citdesk.RoleCoordinator)
	m, err := importer.LoadColumnMapping(strings.NewReader(precisionMapping))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := importer.ImportMapped(e.Op, e.DB.HistoryService(), strings.NewReader(precisionCSV), m, nil, nil); err != nil || res.Created != 4 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	browser := newChrome(t)
	ctx := newTab(t, browser)
	e.chromeLogin(t, ctx, "coord")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.Server.URL+"/outcomes?range=all"),
		chromedp.WaitVisible(chromedp.CSS(`#outcomes-results`)),
	); err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	sentences, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("p.sentence")).map(p => p.textContent).join("\n")`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sentences, "2 encounters left out: their dates are known only to the month or year.") {
		t.Errorf("the dashboard's sentences do not say what repeat contacts left out:\n%s", sentences)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.Server.URL+"/outcomes/encounters?measure=arrests"),
		chromedp.WaitVisible(chromedp.CSS(`table.drill tbody tr`)),
	); err != nil {
		t.Fatalf("open the drill-down: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("table.drill tbody tr")).map(r => Array.from(r.cells).slice(1, 4).map(c => c.textContent.trim()).join(" | ")).join("\n")`))
	if err != nil {
		t.Fatal(err)
	}
	want := "2024-01-05 | unknown | emergency_detention · not: arrest; others unknown\n2024-02-01 (month only) | unknown | arrest · not: emergency_detention; others unknown"
	if rows != want {
		t.Errorf("drill-down rows:\n%s\nwant:\n%s", rows, want)
	}
	screenshot(t, ctx, "outcomes-precision-drilldown")
}
