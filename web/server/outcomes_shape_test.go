package server_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/importer"
	"citdesk/outcomes"
	"citdesk/web"
)

// Issue 15, finding 9: the outcome pages over imported history that is
// mostly in one year, with empty quarters, a month under way and a call
// nobody was sent to.

// yearHeavyHistory is history shaped like a city's imported public data:
// 1,200 encounters in 2016, 30 in the third quarter of 2017, nothing from
// then until 60 recent ones in the two months before the test clock's
// date (11 March 2026). Nothing in 2017-Q1 and Q2, or from 2017-Q4 to
// 2025-Q4.
func yearHeavyHistory() []citdesk.HistoricalEncounter {
	var recs []citdesk.HistoricalEncounter
	add := func(prefix string, n int, first time.Time, days float64) {
		for i, r := range outcomeHistory(n, first) {
			r.ExternalID = prefix + r.ExternalID
			r.OccurredAt = first.Add(time.Duration(float64(i) * days / float64(n) * float64(24*time.Hour)))
			recs = append(recs, r)
		}
	}
	add("y2016-", 1200, time.Date(2016, 1, 3, 15, 0, 0, 0, time.UTC), 360)
	add("y2017-", 30, time.Date(2017, 7, 3, 15, 0, 0, 0, time.UTC), 85)
	add("now-", 60, time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC), 64)
	return recs
}

// outcomesChartData reads the page's chart data block.
func outcomesChartData(t *testing.T, page string) map[string]struct {
	Months  []string   `json:"months"`
	Total   []*float64 `json:"total"`
	CIT     []*float64 `json:"cit"`
	Partial []bool     `json:"partial"`
} {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="outcomes-data">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no chart data on the page")
	}
	var data struct {
		Charts []struct {
			ID      string     `json:"id"`
			Months  []string   `json:"months"`
			Total   []*float64 `json:"total"`
			CIT     []*float64 `json:"cit"`
			Partial []bool     `json:"partial"`
		} `json:"charts"`
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("chart data: %v\n%s", err, m[1])
	}
	out := map[string]struct {
		Months  []string   `json:"months"`
		Total   []*float64 `json:"total"`
		CIT     []*float64 `json:"cit"`
		Partial []bool     `json:"partial"`
	}{}
	for _, c := range data.Charts {
		out[c.ID] = struct {
			Months  []string   `json:"months"`
			Total   []*float64 `json:"total"`
			CIT     []*float64 `json:"cit"`
			Partial []bool     `json:"partial"`
		}{c.Months, c.Total, c.CIT, c.Partial}
	}
	return out
}

// article returns the measure's article on the dashboard.
func article(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<article class="measure[^"]*" id="m-` + id + `">(.*?)</article>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no article for %s", id)
	}
	return m[1]
}

// closeCallWithoutCIT takes a CIT-requested call and closes it with nobody
// sent: no report will ever be filed on it.
func closeCallWithoutCIT(t *testing.T, e *env, disp string) int64 {
	t.Helper()
	res := e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Welfare check", "address": "100 Main St", "lat": 38.1395, "lon": -90.5551, "cit_requested": true})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create call: %d %s", res.StatusCode, res.Body)
	}
	var c struct {
		ID      int64 `json:"id"`
		Version int   `json:"version"`
	}
	res.JSON(t, &c)
	res = e.do("PATCH", fmt.Sprintf("/api/v1/calls/%d", c.ID), disp, map[string]any{"status": "closed", "no_cit_reason": "none_available"}, "If-Match", fmt.Sprintf(`"%d"`, c.Version))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("close call: %d %s", res.StatusCode, res.Body)
	}
	return c.ID
}

// TestOutcomesShape checks the dashboard, the drill-down and the public
// page over year-heavy history, on both engines.
func TestOutcomesShape(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("analyst", citdesk.RoleAnalyst)
		e.user("coord", citdesk.RoleCoordinator)
		e.user("disp", citdesk.RoleDispatcher)
		e.importHistory(t, "city", yearHeavyHistory())
		callID := closeCallWithoutCIT(t, e, e.token("disp"))
		b := e.browser()
		b.login("analyst")

		t.Run("a six-year range spans the months with records, and says so", func(t *testing.T) {
			res := b.get("/outcomes?from=2015-01-01&to=2020-12-31")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET /outcomes: %d", res.StatusCode)
			}
			charts := outcomesChartData(t, res.Body)
			enc := charts["encounters"]
			if len(enc.Months) == 0 || enc.Months[0] != "2016-01" || enc.Months[len(enc.Months)-1] != "2017-09" {
				t.Errorf("the encounters chart spans %v, want 2016-01 to 2017-09", enc.Months)
			}
			for _, never := range []string{"<th scope=\"row\">2015-", "<th scope=\"row\">2020-12", "<th scope=\"row\">2018-01", `"2018-01"`} {
				if strings.Contains(res.Body, never) {
					t.Errorf("the page shows %q, outside the months with records", never)
				}
			}
			if !strings.Contains(html.UnescapeString(res.Body), "run from January 2016 to September 2017, the months with records in this range") {
				t.Error("the page does not say the charts span the months with records")
			}
			res = b.get("/outcomes?from=2015-01-01&to=2016-12-31")
			if enc := outcomesChartData(t, res.Body)["encounters"]; len(enc.Months) != 12 || enc.Months[0] != "2016-01" {
				t.Errorf("2015–2016 draws %v, want the 12 months of 2016", enc.Months)
			}
		})

		t.Run("the month under way is drawn so far, not as a drop", func(t *testing.T) {
			res := b.get("/outcomes")
			charts := outcomesChartData(t, res.Body)
			for _, id := range []string{"encounters", "diversions", "arrests", "received_to_on_scene"} {
				c := charts[id]
				if len(c.Months) == 0 {
					continue // received_to_on_scene has no times in this history
				}
				last := len(c.Months) - 1
				if c.Months[last] != "2026-03" || len(c.Partial) != len(c.Months) || !c.Partial[last] || c.Partial[last-1] {
					t.Errorf("%s: months %v partial %v, want March 2026 alone partial", id, c.Months, c.Partial)
				}
			}
			if !regexp.MustCompile(`2026-03(</a>)? <span class="so-far">\(so far\)</span>`).MatchString(article(t, res.Body, "diversions")) {
				t.Error("the diversion table does not mark March 2026 as so far")
			}
			// A range cut inside months says where, not "so far".
			res = b.get("/outcomes?from=2016-03-15&to=2016-06-20")
			a := article(t, res.Body, "arrests")
			for _, want := range []string{`2016-03 <span class="so-far">(from Mar 15)</span>`, `2016-06 <span class="so-far">(to Jun 20)</span>`} {
				if !strings.Contains(a, want) {
					t.Errorf("the arrests table lacks %s", want)
				}
			}
			if strings.Contains(a, "so far") || strings.Contains(a, "2016-04 <span") {
				t.Error("a past range is marked so far, or a whole month partial")
			}
			if c := outcomesChartData(t, res.Body)["arrests"]; len(c.Partial) != 4 || !c.Partial[0] || c.Partial[1] || c.Partial[2] || !c.Partial[3] {
				t.Errorf("partial months %v, want the first and last", c.Partial)
			}
			res = b.get("/outcomes")
			charts = outcomesChartData(t, res.Body)
			// The default range starts on 12 March 2025: that month is cut
			// short too, but nothing was recorded in it, so it is not drawn.
			if c := charts["encounters"]; c.Months[0] != "2026-01" {
				t.Errorf("the last twelve months draw from %s, want 2026-01 (the first month with records)", c.Months[0])
			}
		})

		t.Run("a measure with nothing recorded is one line", func(t *testing.T) {
			res := b.get("/outcomes?from=2015-01-01&to=2020-12-31")
			charts := outcomesChartData(t, res.Body)
			for id, sentence := range map[string]string{
				"referrals":        "No referrals recorded in this period.",
				"person_injuries":  "No encounters with the person&#39;s injuries recorded in this period.",
				"survey_responses": "No referrals recorded in this period.",
			} {
				a := article(t, res.Body, id)
				if !strings.Contains(a, sentence) || strings.Contains(a, "data-chart") || strings.Contains(a, "<table") || strings.Contains(a, "CSV") {
					t.Errorf("%s: want only %q, got\n%s", id, sentence, a)
				}
				if _, ok := charts[id]; ok {
					t.Errorf("%s: chart data for a measure with nothing recorded", id)
				}
			}
			// No call asked for a CIT officer in 2010: the gap section
			// claims nothing about them.
			if none := b.get("/outcomes?from=2010-01-01&to=2010-12-31"); strings.Contains(none.Body, "Every call that asked for a CIT officer got one") ||
				!strings.Contains(none.Body, "Nothing was recorded in this range.") {
				t.Error("a range with no calls says every CIT-requested call got a CIT officer, or does not say it is empty")
			}
			if a := article(t, res.Body, "arrests"); !strings.Contains(a, "data-chart") {
				t.Error("the arrests measure lost its chart")
			}
		})

		t.Run("thousands separators", func(t *testing.T) {
			res := b.get("/outcomes?from=2015-01-01&to=2020-12-31")
			if !strings.Contains(res.Body, ": 1,230 encounters.") {
				t.Errorf("the range sentence lacks 1,230 encounters: %s", regexp.MustCompile(`(?s)id="outcomes-range-words">.*?</p>`).FindString(res.Body))
			}
			if a := article(t, res.Body, "encounters"); !strings.Contains(a, "<td>1,200</td>") && !strings.Contains(a, "1,230 encounters") {
				t.Errorf("encounters article without separators:\n%s", a)
			}
			// The previous period (2009–2014) had none: the change is +1,230.
			res = b.get("/outcomes?from=2016-01-01&to=2016-12-31")
			if a := html.UnescapeString(article(t, res.Body, "encounters")); !strings.Contains(a, "change +1,200") {
				t.Errorf("the change in encounters is not written +1,200:\n%s", a)
			}
			if bad := regexp.MustCompile(`[^0-9,.][0-9]{4,}[^0-9]`).FindAllString(regexp.MustCompile(`(?s)<script.*?</script>|href="[^"]*"|id="[^"]*"|20[0-9]{2}`).ReplaceAllString(res.Body, ""), -1); len(bad) > 0 {
				t.Errorf("numbers of four or more digits without separators: %q", bad)
			}
		})

		t.Run("the CIT split only where it means something", func(t *testing.T) {
			res := b.get("/outcomes?from=2015-01-01&to=2020-12-31")
			for _, id := range []string{"cit_requested", "cit_dispatched", "cit_on_scene", "cit_officer"} {
				if a := article(t, res.Body, id); strings.Contains(a, "CIT-certified officer:") || strings.Contains(a, "group=cit") {
					t.Errorf("%s shows a CIT split:\n%s", id, a)
				}
			}
			for _, id := range []string{"arrests", "use_of_force", "diversions"} {
				if a := article(t, res.Body, id); !strings.Contains(a, "CIT-certified officer:") {
					t.Errorf("%s lost its CIT split", id)
				}
			}
			if c := outcomesChartData(t, res.Body)["cit_on_scene"]; c.CIT != nil {
				t.Error("the cit_on_scene chart draws a CIT split")
			}
			month := b.get("/outcomes/monthly?month=2016-05")
			if strings.Count(month.Body, "CIT-certified officer</td>") == 0 {
				t.Error("the monthly report shows no split at all")
			}
			if cur := b.get("/outcomes/monthly?month=2026-03"); !strings.Contains(cur.Body, "March 2026 (so far)") {
				t.Error("the monthly report of the month under way does not say so far")
			}
			if past := b.get("/outcomes/monthly?month=2026-02"); strings.Contains(past.Body, "so far") {
				t.Error("the monthly report of a past month says so far")
			}
			if m := regexp.MustCompile(`(?s)CIT officer on scene when requested</th>.*?</tr>\s*(<tr class="split-row">)?`).FindStringSubmatch(month.Body); m == nil || m[1] != "" {
				t.Errorf("the monthly report splits cit_on_scene: %v", m)
			}
		})

		t.Run("the CIT measures' drill-down lists the calls they count", func(t *testing.T) {
			coord := e.token("coord")
			var rep outcomes.Report
			e.do("GET", "/api/v1/outcomes?from=2026-01-01&to=2026-03-31", coord, nil).JSON(t, &rep)
			for _, id := range []string{"cit_requested", "cit_dispatched", "cit_on_scene"} {
				res := e.do("GET", "/api/v1/outcomes/encounters?measure="+id+"&from=2026-01-01&to=2026-03-31", coord, nil)
				checkOpenAPI(t, "GET", "/outcomes/encounters", res)
				var d web.DrillResponse
				res.JSON(t, &d)
				m := rep.Measures[id]
				if d.Count != m.Count || d.Denominator != m.Denominator {
					t.Errorf("%s: drill-down %d of %d, figure %d of %d", id, d.Count, d.Denominator, m.Count, m.Denominator)
				}
				found := false
				for _, row := range d.Encounters {
					if row.CallID == callID {
						found = row.ID == 0 && row.Counted == (id == "cit_requested")
					}
				}
				if !found {
					t.Errorf("%s: the call nobody was sent to (#%d) is not listed as a call", id, callID)
				}
			}
			// Listing the call is in the audit trail, as a call.
			events, err := e.DB.AuditService().ListAudit(e.Op, citdesk.AuditFilter{Action: "outcomes.drilldown", ObjectType: "call", ObjectID: strconv.FormatInt(callID, 10), Limit: 100})
			if err != nil || len(events) != 3 {
				t.Errorf("audit events of the call's drill-downs: %d, %v; want 3", len(events), err)
			}
			res := e.do("GET", "/api/v1/outcomes/encounters?measure=cit_dispatched&format=csv", coord, nil)
			// (call_id, then a call's empty dispositions_no and precision.)
			if !strings.Contains(res.Body, fmt.Sprintf(",false,%d,,\n", callID)) && !strings.Contains(res.Body, fmt.Sprintf(",false,%d,,\r\n", callID)) {
				t.Errorf("the CSV lacks the call:\n%s", res.Body)
			}
			cb := e.browser()
			cb.login("coord")
			page := cb.get("/outcomes/encounters?measure=cit_dispatched")
			if want := fmt.Sprintf(`<a href="/api/v1/calls/%d">call #%d</a>`, callID, callID); !strings.Contains(page.Body, want) {
				t.Errorf("the drill-down page does not link the call: want %s", want)
			}
			if !strings.Contains(page.Body, "Calls behind a figure") {
				t.Error("the drill-down page of a call measure speaks of encounters")
			}
			// The encounter measures still list reports only.
			var d web.DrillResponse
			e.do("GET", "/api/v1/outcomes/encounters?measure=encounters", coord, nil).JSON(t, &d)
			for _, row := range d.Encounters {
				if row.CallID != 0 {
					t.Fatalf("the encounters drill-down lists call %d", row.CallID)
				}
			}
		})

		t.Run("the public page says empty quarters are empty and draws charts", func(t *testing.T) {
			res := e.browser().get("/public/outcomes")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET /public/outcomes: %d", res.StatusCode)
			}
			if bad := shownSmallCounts(res.Body); len(bad) > 0 {
				t.Errorf("the public page shows counts from 1 to 10: %v", bad)
			}
			rows := regexp.MustCompile(`(?s)<tr>\s*<th scope="row">[^<]*(?:<span[^>]*>[^<]*</span>)?</th><td>([^<]*)</td><td>([^<]*)</td>`).FindAllStringSubmatch(res.Body, -1)
			if len(rows) == 0 {
				t.Fatal("no quarter rows")
			}
			for _, r := range rows {
				if strings.TrimSpace(r[2]) == "0" {
					t.Errorf("a quarter reads %q out of 0", r[1])
				}
			}
			for _, want := range []string{
				`<th scope="row">2017-Q1 to 2017-Q2</th><td colspan="1">No encounters</td>`,
				`<th scope="row">2017-Q4 to 2025-Q4</th><td colspan="3">No encounters</td>`,
				`2026-Q1 <span class="so-far">(so far)</span>`,
				`id="outcomes-data"`, `data-chart="arrests"`,
			} {
				if !strings.Contains(res.Body, want) {
					t.Errorf("the public page lacks %s", want)
				}
			}
			if n := strings.Count(regexp.MustCompile(`(?s)<script.*?</script>`).ReplaceAllString(res.Body, ""), "2019-Q"); n > 0 {
				t.Errorf("the public page lists 2019's empty quarters one by one (%d)", n)
			}
			charts := outcomesChartData(t, res.Body)
			arrests := charts["arrests"]
			// 2017-Q3 and 2026-Q1 are suppressed: the chart spans the
			// quarters it can draw, 2016's.
			if strings.Join(arrests.Months, " ") != "2016-Q1 2016-Q2 2016-Q3 2016-Q4" {
				t.Errorf("public arrests chart spans %v, want 2016's quarters", arrests.Months)
			}
			enc := charts["encounters"]
			if n := len(enc.Months); n == 0 || enc.Months[0] != "2016-Q1" || enc.Months[n-1] != "2026-Q1" || !enc.Partial[n-1] || enc.Partial[n-2] {
				t.Errorf("public encounters chart: %v partial %v, want 2016-Q1 to 2026-Q1 so far", enc.Months, enc.Partial)
			}
			for id, c := range charts {
				for i, v := range c.Total {
					if v != nil && c.Months != nil && id == "encounters" && *v >= 1 && *v <= outcomes.SmallCellMax {
						t.Errorf("the public chart plots a small count: %s %s = %v", id, c.Months[i], *v)
					}
				}
			}
		})
	})
}

// TestSeattleOutcomesShape imports the Seattle crisis data (most of it in
// May and June 2015, a few reports as late as 2018) and opens a 2015–2020
// dashboard: the charts span the months with records, not six years, and
// the public page reads no quarter as suppressed out of 0.
func TestSeattleOutcomesShape(t *testing.T) {
	path := seattleFile(t)
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("analyst", citdesk.RoleAnalyst)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = importer.ImportSeattle(e.Op, e.DB.HistoryService(), f, nil, nil)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var rep outcomes.Report
		e.do("GET", "/api/v1/outcomes?from=2015-01-01&to=2020-12-31", e.token("analyst"), nil).JSON(t, &rep)
		if rep.DataFirst != "2015-05" || rep.DataLast >= "2020-01" {
			t.Fatalf("Seattle's records span %s to %s", rep.DataFirst, rep.DataLast)
		}
		b := e.browser()
		b.login("analyst")
		res := b.get("/outcomes?from=2015-01-01&to=2020-12-31")
		enc := outcomesChartData(t, res.Body)["encounters"]
		if len(enc.Months) == 0 || enc.Months[0] != rep.DataFirst || enc.Months[len(enc.Months)-1] != rep.DataLast {
			t.Errorf("the encounters chart spans %v, want %s to %s", enc.Months, rep.DataFirst, rep.DataLast)
		}
		if !strings.Contains(res.Body, `id="outcomes-span"`) {
			t.Error("the page does not say the charts span the months with records")
		}
		pub := e.browser().get("/public/outcomes")
		for _, r := range regexp.MustCompile(`(?s)<tr>\s*<th scope="row">[^<]*(?:<span[^>]*>[^<]*</span>)?</th><td>([^<]*)</td><td>([^<]*)</td>`).FindAllStringSubmatch(pub.Body, -1) {
			if strings.TrimSpace(r[2]) == "0" {
				t.Errorf("a public quarter reads %q out of 0", r[1])
			}
		}
		if !strings.Contains(pub.Body, "No encounters") {
			t.Error("the public page never says a quarter had no encounters")
		}
		if bad := shownSmallCounts(pub.Body); len(bad) > 0 {
			t.Errorf("the public page shows counts from 1 to 10: %v", bad)
		}
	})
}
