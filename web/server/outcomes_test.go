package server_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/importer"
	"citdesk/outcomes"
	"citdesk/store/storetest"
	"citdesk/web"
)

func ptr(b bool) *bool { return &b }

// outcomeHistory is a small history for the dashboard tests: n encounters
// over the months before the test clock's date, a third of them by CIT
// officers, with arrests, force, veterans and CIT requests in known
// proportions.
func outcomeHistory(n int, start time.Time) []citdesk.HistoricalEncounter {
	recs := make([]citdesk.HistoricalEncounter, n)
	for i := range recs {
		r := &recs[i]
		r.ExternalID = fmt.Sprintf("t-%d", i)
		r.OccurredAt = start.Add(time.Duration(i) * 23 * time.Hour)
		r.OfficerCIT = ptr(i%3 == 0)
		r.Force = citdesk.ForceNone
		if i%5 == 0 {
			r.Force = citdesk.ForcePhysical
		}
		r.Dispositions = []citdesk.Disposition{citdesk.DispResolvedOnScene}
		if i%4 == 0 {
			r.Dispositions = []citdesk.Disposition{citdesk.DispArrest}
		}
		r.Veteran = ptr(i%7 == 0)
		r.CITRequested = ptr(i%2 == 0)
		if i%2 == 0 {
			r.CITDispatched, r.CITArrived = ptr(i%6 != 0), ptr(i%6 != 0)
		}
		r.PersonExternalID = fmt.Sprintf("p-%d", i%9)
	}
	return recs
}

func (e *env) importHistory(t *testing.T, source string, recs []citdesk.HistoricalEncounter) citdesk.HistoryResult {
	t.Helper()
	res, err := e.DB.HistoryService().ImportHistory(e.Op, source, recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestOutcomesAPI checks GET /api/v1/outcomes and the drill-down: roles,
// dates, the document, CSV.
func TestOutcomesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportAPI(t, eng)
		r.tok["admin"] = func() string { r.user("admin", citdesk.RoleAdmin); return r.token("admin") }()
		start := r.Clock.Now().AddDate(0, -3, 0)
		r.importHistory(t, "test", outcomeHistory(60, start))

		r.call(t, "anon", "GET", "/api/v1/outcomes", nil, http.StatusUnauthorized)
		for _, who := range []string{"ofc", "disp", "liaison"} {
			r.call(t, who, "GET", "/api/v1/outcomes", nil, http.StatusForbidden)
		}
		var rep outcomes.Report
		for _, who := range []string{"analyst", "coord", "admin"} {
			r.call(t, who, "GET", "/api/v1/outcomes", nil, http.StatusOK).JSON(t, &rep)
		}
		if m := rep.Measures["encounters"]; m.Count != 60 {
			t.Errorf("encounters %d, want 60", m.Count)
		}
		if m := rep.Measures["arrests"]; m.Count != 15 || m.Denominator != 60 || m.CIT == nil || m.CIT.Count+m.NonCIT.Count != 15 {
			t.Errorf("arrests %+v", m)
		}
		from := r.Clock.Now().AddDate(0, -2, 0).Format(time.DateOnly)
		to := r.Clock.Now().Format(time.DateOnly)
		r.call(t, "analyst", "GET", "/api/v1/outcomes?from="+from+"&to="+to, nil, http.StatusOK).JSON(t, &rep)
		if n := rep.Measures["encounters"].Count; n == 0 || n >= 60 {
			t.Errorf("last two months: %d encounters", n)
		}
		for _, c := range []struct{ query, field string }{
			{"from=2025-13-01", "from"}, {"to=yesterday", "to"}, {"from=2025-03-02&to=2025-03-01", "to"},
		} {
			res := r.call(t, "analyst", "GET", "/api/v1/outcomes?"+c.query, nil, http.StatusUnprocessableEntity)
			var p web.Problem
			res.JSON(t, &p)
			if p.Field != c.field {
				t.Errorf("%s: problem names %q, want %q", c.query, p.Field, c.field)
			}
		}

		// CSV of every table.
		for _, table := range []string{"measures", "durations", "means", "no_cit_reasons"} {
			res := r.call(t, "analyst", "GET", "/api/v1/outcomes?format=csv&table="+table, nil, http.StatusOK)
			rows, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
			if err != nil || len(rows) < 2 && table != "no_cit_reasons" {
				t.Errorf("%s CSV: %d rows, %v", table, len(rows), err)
			}
		}
		res := r.call(t, "analyst", "GET", "/api/v1/outcomes?format=csv&measure=arrests", nil, http.StatusOK)
		if !strings.Contains(res.Body, "arrests,Arrests per 100 encounters,per_100,total,all,15,60,0.25,") {
			t.Errorf("arrests CSV:\n%s", res.Body)
		}

		// Drill-down: coordinator and admin, not the analyst.
		r.call(t, "analyst", "GET", "/api/v1/outcomes/encounters?measure=arrests", nil, http.StatusForbidden)
		var d struct {
			Count, Denominator int
			Encounters         []outcomes.DrillRow
		}
		r.call(t, "coord", "GET", "/api/v1/outcomes/encounters?measure=arrests", nil, http.StatusOK).JSON(t, &d)
		if d.Count != 15 || d.Denominator != 60 || len(d.Encounters) != 60 {
			t.Errorf("drill-down %d of %d (%d rows)", d.Count, d.Denominator, len(d.Encounters))
		}
		month := d.Encounters[0].Month
		r.call(t, "admin", "GET", "/api/v1/outcomes/encounters?measure=arrests&group=cit&month="+month, nil, http.StatusOK).JSON(t, &d)
		for _, row := range d.Encounters {
			if row.OfficerCIT != "yes" || row.Month != month {
				t.Errorf("cit %s row %+v", month, row)
			}
		}
		for _, q := range []string{"", "measure=referrals", "measure=arrests&group=both", "measure=arrests&month=2025-3"} {
			r.call(t, "coord", "GET", "/api/v1/outcomes/encounters?"+q, nil, http.StatusUnprocessableEntity)
		}
		res = r.call(t, "coord", "GET", "/api/v1/outcomes/encounters?measure=use_of_force&format=csv", nil, http.StatusOK)
		if lines := strings.Count(res.Body, "\n"); lines != 61 {
			t.Errorf("drill-down CSV has %d lines, want 61", lines)
		}
	})
}

// TestOutcomePages checks who may open the dashboard pages, and that they
// show what they should.
func TestOutcomePages(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	for name, roles := range map[string][]citdesk.Role{
		"analyst": {citdesk.RoleAnalyst}, "coord": {citdesk.RoleCoordinator}, "admin": {citdesk.RoleAdmin},
		"ofc": {citdesk.RoleOfficer}, "disp": {citdesk.RoleDispatcher}, "liaison": {citdesk.RoleLiaison},
	} {
		e.user(name, roles...)
	}
	e.importHistory(t, "test", outcomeHistory(60, e.Clock.Now().AddDate(0, -3, 0)))
	month := e.Clock.Now().AddDate(0, -1, 0).Format("2006-01")
	for _, c := range []struct {
		who, path string
		want      int
		has       []string
	}{
		{"analyst", "/outcomes", 200, []string{"Diversion instead of arrest", `id="outcomes-data"`, `data-chart="arrests"`, "Arrests per 100 encounters", "Previous period", "/outcomes.csv?table=measures"}},
		{"coord", "/outcomes", 200, []string{`href="/outcomes/encounters?measure=arrests`}},
		{"admin", "/outcomes?range=all", 200, []string{"all time"}},
		{"ofc", "/outcomes", 403, nil},
		{"disp", "/outcomes", 403, nil},
		{"liaison", "/outcomes", 403, nil},
		{"analyst", "/outcomes?from=nope", 422, []string{"The start date must be written YYYY-MM-DD."}},
		{"analyst", "/outcomes/encounters?measure=arrests", 403, nil},
		{"coord", "/outcomes/encounters?measure=arrests", 200, []string{"Arrests per 100 encounters", `href="/reports/`}},
		{"admin", "/outcomes/encounters?measure=arrests&group=non_cit", 200, []string{"officers not CIT certified"}},
		{"analyst", "/outcomes/monthly?month=" + month, 200, []string{"monthly report", "Diversion instead of arrest", "Change"}},
		{"ofc", "/outcomes/monthly", 403, nil},
		{"analyst", "/outcomes/monthly?month=2025-13", 422, nil},
		{"analyst", "/outcomes.csv?table=durations", 200, []string{"median_seconds"}},
	} {
		b := e.browser()
		b.login(c.who)
		res := b.get(c.path)
		if res.StatusCode != c.want {
			t.Errorf("%s GET %s = %d, want %d", c.who, c.path, res.StatusCode, c.want)
			continue
		}
		for _, s := range c.has {
			if !strings.Contains(res.Body, s) {
				t.Errorf("%s GET %s lacks %q", c.who, c.path, s)
			}
		}
	}
	// Analysts see no drill-down links on the dashboard.
	b := e.browser()
	b.login("analyst")
	if res := b.get("/outcomes"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Arrests per 100 encounters") {
		t.Errorf("the analyst's dashboard: %d", res.StatusCode)
	} else if strings.Contains(res.Body, "/outcomes/encounters") {
		t.Error("the analyst's dashboard links to encounters")
	}
	// The navigation offers the dashboard to the roles that may see it.
	if res := b.get("/"); !strings.Contains(res.Body, `href="/outcomes"`) {
		t.Error("no Outcomes in the analyst's navigation")
	}
	b = e.browser()
	b.login("ofc")
	if res := b.get("/reports"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `href="/reports"`) {
		t.Errorf("the officer's reports page: %d", res.StatusCode)
	} else if strings.Contains(res.Body, `href="/outcomes"`) {
		t.Error("Outcomes in an officer's navigation")
	}

	// An htmx request gets the results only.
	b = e.browser()
	b.login("analyst")
	req, _ := http.NewRequest("GET", e.Server.URL+"/outcomes?range=all", nil)
	req.Header.Set("HX-Request", "true")
	res := b.send(req)
	if res.StatusCode != 200 || !strings.HasPrefix(strings.TrimSpace(res.Body), `<div id="outcomes-results"`) || strings.Contains(res.Body, "<html") {
		t.Errorf("htmx results: %d %.200s", res.StatusCode, res.Body)
	}

	// The page's CSV and drill-down links work as written.
	b = e.browser()
	b.login("coord")
	page := b.get("/outcomes").Body
	for _, pattern := range []string{`href="(/outcomes\.csv\?table=measures[^"]*)"`, `href="(/outcomes/encounters\?measure=arrests[^"]*group=cit)"`} {
		m := regexp.MustCompile(pattern).FindStringSubmatch(page)
		if m == nil {
			t.Errorf("no link like %s", pattern)
			continue
		}
		link := strings.ReplaceAll(m[1], "&amp;", "&")
		res := b.get(link)
		if res.StatusCode != 200 || !strings.Contains(res.Body, "rrest") {
			t.Errorf("GET %s = %d %.200s", link, res.StatusCode, res.Body)
		}
		if strings.Contains(link, "encounters") {
			csvLink := regexp.MustCompile(`href="(/api/v1/outcomes/encounters\?[^"]*)"`).FindStringSubmatch(res.Body)
			if csvLink == nil {
				t.Error("the drill-down page has no CSV link")
			} else if r := b.get(strings.ReplaceAll(csvLink[1], "&amp;", "&")); r.StatusCode != 200 || !strings.HasPrefix(r.Body, "id,date,month,officer_cit,dispositions,counted") {
				t.Errorf("drill-down CSV %s: %d %.100s", csvLink[1], r.StatusCode, r.Body)
			}
		}
	}

	// The PDF.
	res = b.get("/outcomes/monthly.pdf?month=" + month)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Body, "%PDF-") || len(res.Body) < 2000 {
		t.Errorf("monthly PDF: %d %s, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(res.Body))
	}
	if dir := os.Getenv("CITDESK_SCREENSHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "monthly-report.pdf"), []byte(res.Body), 0o644)
	}
}

// numberCell matches a table cell that is a plain count.
var numberCell = regexp.MustCompile(`<t[dh][^>]*>\s*([0-9][0-9,]*)\s*</t[dh]>`)

// shownSmallCounts returns the table cells of page that are counts from 1
// to 10.
func shownSmallCounts(page string) []string {
	var bad []string
	for _, m := range numberCell.FindAllStringSubmatch(page, -1) {
		n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		if err == nil && n >= 1 && n <= outcomes.SmallCellMax {
			bad = append(bad, m[0])
		}
	}
	return bad
}

// TestPublicOutcomes checks the public dashboard on a history built to have
// small cells: no sign-in, no cell from 1 to 10, no dates finer than a
// quarter, no drill-down.
func TestPublicOutcomes(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		// Three quarters: 40, 14 and 6 encounters, so most measures have
		// cells from 1 to 10 in some quarter.
		var recs []citdesk.HistoricalEncounter
		for q, n := range []int{40, 14, 6} {
			for _, r := range outcomeHistory(n, time.Date(2025, time.Month(1+3*q), 2, 12, 0, 0, 0, time.UTC)) {
				r.ExternalID = fmt.Sprintf("q%d-%s", q, r.ExternalID)
				r.OccurredAt = time.Date(2025, time.Month(1+3*q), 2+int(r.OccurredAt.Sub(time.Date(2025, time.Month(1+3*q), 2, 12, 0, 0, 0, time.UTC))/(24*time.Hour))%80, 12, 0, 0, 0, time.UTC)
				recs = append(recs, r)
			}
		}
		e.importHistory(t, "small", recs)

		res := e.browser().get("/public/outcomes")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /public/outcomes = %d", res.StatusCode)
		}
		if bad := shownSmallCounts(res.Body); len(bad) > 0 {
			t.Errorf("the public page shows counts from 1 to 10: %v", bad)
		}
		if !regexp.MustCompile(`<td>\s*fewer than 11\s*</td>`).MatchString(res.Body) {
			t.Error("no cell reads fewer than 11: the data set has no small cells to hide")
		}
		for _, want := range []string{"2025-Q1", "2025-Q3", "Arrests per 100 encounters", `href="/cit"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("public page lacks %q", want)
			}
		}
		if !regexp.MustCompile(`<td>\s*40\s*</td>`).MatchString(res.Body) {
			t.Error("the public page hides the quarter of 40 encounters")
		}
		for _, never := range []string{"/outcomes/encounters", "2025-01-", "2025-04-", "Sign out"} {
			if strings.Contains(res.Body, never) {
				t.Errorf("public page shows %q", never)
			}
		}
		if cit := e.browser().get("/cit"); !strings.Contains(cit.Body, `href="/public/outcomes"`) {
			t.Error("/cit does not link to the public figures")
		}
	})
}

// repoRoot returns the module's root directory (where go.mod is).
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// seattleFile returns the path of the Seattle crisis data in ../shared/data
// (relative to the repository root), or skips the test without it.
func seattleFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(repoRoot(t), "..", "shared", "data", "seattle-crisis", "spd_crisis_data20201114.csv")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("the Seattle crisis data is not at %s (see DESIGN.md's reference data); skipping", p)
	}
	return p
}

// seattleTally is what the dashboard should say about the Seattle file,
// counted independently of citdesk's code.
type seattleTally struct {
	reports                       int
	force, forceKnown             int
	veterans, veteransKnown       int
	requested, requestedKnown     int
	arrived, arrivedKnown         int // among reports with a CIT officer requested
	forceByCIT, forceKnownByCIT   int // reports whose rows all say the officer was CIT certified
	forceByNon, forceKnownByNonCI int // … all say not
}

// countSeattle counts the Seattle file with encoding/csv and nothing of
// citdesk: a report is a distinct template_id, whatever its number of rows
// (one per disposition); its answers are those of its first row (the file
// repeats them on every row of a report); "Y" and "N" are answers, "-" is
// missing and counts in no denominator. CIT arrived is counted among the
// reports with a CIT officer requested, as the dashboard's cit_on_scene is
// ("of calls with CIT requested, share with a CIT officer on scene").
func countSeattle(t *testing.T, path string) seattleTally {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	header, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	first := map[string][]string{}
	certified := map[string]map[string]bool{}
	var order []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		id := strings.TrimSpace(rec[col["template_id"]])
		if _, ok := first[id]; !ok {
			first[id] = rec
			order = append(order, id)
			certified[id] = map[string]bool{}
		}
		certified[id][rec[col["cit_certified_indicator"]]] = true
	}
	var c seattleTally
	yn := func(rec []string, name string) (yes, known bool) {
		v := strings.TrimSpace(rec[col[name]])
		return v == "Y", v == "Y" || v == "N"
	}
	add := func(n, d *int, yes, known bool) {
		if known {
			*d++
			if yes {
				*n++
			}
		}
	}
	for _, id := range order {
		rec := first[id]
		c.reports++
		fy, fk := yn(rec, "use_of_force_indicator")
		add(&c.force, &c.forceKnown, fy, fk)
		vy, vk := yn(rec, "subject_veteran_indicator")
		add(&c.veterans, &c.veteransKnown, vy, vk)
		ry, rk := yn(rec, "cit_officer_requested")
		add(&c.requested, &c.requestedKnown, ry, rk)
		if ry {
			ay, ak := yn(rec, "cit_officer_arrived")
			add(&c.arrived, &c.arrivedKnown, ay, ak)
		}
		switch cert := certified[id]; {
		case len(cert) == 1 && cert["Y"]:
			add(&c.forceByCIT, &c.forceKnownByCIT, fy, fk)
		case len(cert) == 1 && cert["N"]:
			add(&c.forceByNon, &c.forceKnownByNonCI, fy, fk)
		}
	}
	return c
}

// TestSeattleImportDashboard imports the Seattle crisis data and checks
// the dashboard's figures, through the API, against countSeattle; then
// imports it again and finds nothing new.
func TestSeattleImportDashboard(t *testing.T) {
	path := seattleFile(t)
	want := countSeattle(t, path)
	if want.reports != 982 {
		t.Fatalf("the independent count finds %d reports, want 982", want.reports)
	}
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("analyst", citdesk.RoleAnalyst)
		tok := e.token("analyst")
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		res, err := importer.ImportSeattle(e.Op, e.DB.HistoryService(), f, nil, nil)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 982 || res.Reports != 982 || len(res.Rejected) != 0 || !res.SeededMapping {
			t.Fatalf("import: %d created of %d reports, %d rejected, seeded %v", res.Created, res.Reports, len(res.Rejected), res.SeededMapping)
		}
		if len(res.ParseRejected) != 0 {
			t.Logf("rows the reader refused: %v", res.ParseRejected)
		}

		got := e.do("GET", "/api/v1/outcomes", tok, nil)
		checkOpenAPI(t, "GET", "/api/v1/outcomes", got)
		var rep outcomes.Report
		got.JSON(t, &rep)
		for _, c := range []struct {
			id         string
			count, den int
		}{
			{"encounters", 982, 0},
			{"use_of_force", want.force, want.forceKnown},
			{"veterans", want.veterans, want.veteransKnown},
			{"cit_requested", want.requested, want.requestedKnown},
			{"cit_on_scene", want.arrived, want.arrivedKnown},
		} {
			m := rep.Measures[c.id]
			if m.Count != c.count || m.Denominator != c.den {
				t.Errorf("%s: dashboard %d of %d, independent count %d of %d", c.id, m.Count, m.Denominator, c.count, c.den)
			}
		}
		if m := rep.Measures["use_of_force"]; m.CIT.Count != want.forceByCIT || m.CIT.Denominator != want.forceKnownByCIT ||
			m.NonCIT.Count != want.forceByNon || m.NonCIT.Denominator != want.forceKnownByNonCI {
			t.Errorf("use_of_force split: CIT %d of %d, non-CIT %d of %d; independent %d of %d, %d of %d",
				m.CIT.Count, m.CIT.Denominator, m.NonCIT.Count, m.NonCIT.Denominator, want.forceByCIT, want.forceKnownByCIT, want.forceByNon, want.forceKnownByNonCI)
		}
		t.Logf("Seattle: force %d/%d, veterans %d/%d, CIT requested %d/%d, arrived %d/%d",
			want.force, want.forceKnown, want.veterans, want.veteransKnown, want.requested, want.requestedKnown, want.arrived, want.arrivedKnown)

		// Again: nothing new, nothing changed.
		f, _ = os.Open(path)
		again, err := importer.ImportSeattle(e.Op, e.DB.HistoryService(), f, nil, nil)
		f.Close()
		if err != nil || again.Created != 0 || again.Updated != 0 || again.Unchanged != 982 || again.SeededMapping {
			t.Errorf("re-import: %+v, %v", again.HistoryResult, err)
		}
		var after outcomes.Report
		e.do("GET", "/api/v1/outcomes", tok, nil).JSON(t, &after)
		if n := after.Measures["encounters"].Count; n != 982 {
			t.Errorf("after re-import %d encounters", n)
		}
		if b, _ := json.Marshal(after.Measures["use_of_force"].Cell); string(b) != func() string { b, _ := json.Marshal(rep.Measures["use_of_force"].Cell); return string(b) }() {
			t.Errorf("use_of_force changed on re-import: %s", b)
		}
	})
}
