package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/importer"
	"citdesk/outcomes"
	"citdesk/store/storetest"
)

// openDataRow is one row of the open-data file in TestOutcomesPrecisionAndNegatives:
// the time in parts (blank parts unknown), the two yes/no flag columns
// ("" blank: unknown) and the person.
type openDataRow struct {
	id                    string
	year, month, day, hr  string
	detention, arrest     string
	person                string
	wantPrecision         citdesk.TimePrecision
	wantMonth             string // "" when the record belongs to no month
	wantDate              string // local date the record is stored on
	wantNo, wantPrecDrill string
}

var openDataRows = []openDataRow{
	{"A1", "2024", "Jan", "5", "10:00", "yes", "no", "P1", citdesk.PrecisionMinute, "2024-01", "2024-01-05", "arrest", ""},
	{"A2", "2024", "January", "20", "14", "no", "no", "P1", citdesk.PrecisionHour, "2024-01", "2024-01-20", "emergency_detention,arrest", ""},
	{"A3", "2024", "1", "", "", "no", "yes", "P2", citdesk.PrecisionMonth, "2024-01", "2024-01-01", "emergency_detention", "month"},
	{"A4", "2024", "Feb", "", "", "", "", "P2", citdesk.PrecisionMonth, "2024-02", "2024-02-01", "", "month"},
	{"A5", "2024", "Feb", "3", "", "yes", "", "P3", citdesk.PrecisionDay, "2024-02", "2024-02-03", "", "day"},
	{"A6", "2024", "March", "10", "0930", "", "No", "P3", citdesk.PrecisionMinute, "2024-03", "2024-03-10", "arrest", ""},
	{"A7", "2024", "", "", "", "N", "N", "", citdesk.PrecisionYear, "", "2024-01-01", "emergency_detention,arrest", "year"},
	{"A8", "2024", "Mar", "", "", "no", "", "P1", citdesk.PrecisionMonth, "2024-03", "2024-03-01", "emergency_detention", "month"},
}

// openDataCSV writes rows as the open-data file.
func openDataCSV(rows []openDataRow) string {
	var b strings.Builder
	b.WriteString("Incident,Year,Month,Day,Time,Apprehension,Arrested,Subject\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,%s,%s\n", r.id, r.year, r.month, r.day, r.hr, r.detention, r.arrest, r.person)
	}
	return b.String()
}

const openDataMapping = `{
  "source": "open-data-test",
  "time_zone": "America/Chicago",
  "columns": {"external_id": "Incident", "person": "Subject",
    "occurred_at": {"year": "Year", "month": "Month", "day": "Day", "hour": "Time"}},
  "flags": {"emergency_detention": "Apprehension", "arrest": "Arrested"}
}`

// flagCount counts, independently of the code under test, the rows whose
// flag (picked by col) is known (the denominator: yes or no) and yes (the
// numerator), among the rows keep accepts.
func flagCount(rows []openDataRow, col func(openDataRow) string, keep func(openDataRow) bool) (num, den int) {
	for _, r := range rows {
		if !keep(r) {
			continue
		}
		switch strings.ToLower(col(r)) {
		case "yes", "y":
			num++
			den++
		case "no", "n":
			den++
		}
	}
	return num, den
}

// repeatCount counts people with two encounters no more than window days
// apart, over the people met, using only the rows dated to the day.
func repeatCount(rows []openDataRow, window int) (num, den int) {
	days := map[string][]time.Time{}
	for _, r := range rows {
		if r.person == "" || r.day == "" || r.month == "" {
			continue
		}
		d, _ := time.Parse("2006-01-02", r.wantDate)
		days[r.person] = append(days[r.person], d)
	}
	for _, ds := range days {
		den++
		slices.SortFunc(ds, func(a, b time.Time) int { return a.Compare(b) })
		for i := 1; i < len(ds); i++ {
			if ds[i].Sub(ds[i-1]) <= time.Duration(window)*24*time.Hour {
				num++
				break
			}
		}
	}
	return num, den
}

// TestOutcomesPrecisionAndNegatives imports an open-data file whose time is
// split over Year/Month/Day/Time columns (some rows give only the month or
// the year) and whose outcomes are yes/no columns with blanks, and checks
// the figures against counts made here from the rows: a "no" counts in the
// denominator and a blank does not; the month-only rows count by month
// and are left out of repeat contacts (which count days), with the
// number left out reported; the year-only row counts in the year's total
// but in no month; a range cutting a month leaves that month's month-only
// rows out. The drill-down lists the rows each figure counts, with their
// precision and known negatives.
func TestOutcomesPrecisionAndNegatives(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		db, _ := storetest.Open(t, eng)
		a, op := storetest.Agency(t, db, "desoto")
		_, analyst := storetest.User(t, db, op, "analyst", citdesk.RoleAnalyst)
		_, coord := storetest.User(t, db, op, "coord", citdesk.RoleCoordinator)
		m, err := importer.LoadColumnMapping(strings.NewReader(openDataMapping))
		if err != nil {
			t.Fatal(err)
		}
		res, err := importer.ImportMapped(op, db.HistoryService(), strings.NewReader(openDataCSV(openDataRows)), m, a.Location(), nil)
		if err != nil || res.Created != len(openDataRows) || len(res.ParseRejected)+len(res.Rejected) != 0 {
			t.Fatalf("import: %+v, %v", res, err)
		}
		svc := db.OutcomeService()
		report := func(from, to citdesk.Date) outcomes.Report {
			t.Helper()
			rep, err := svc.Report(analyst, from, to)
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		all := func(openDataRow) bool { return true }
		detention := func(r openDataRow) string { return r.detention }
		arrest := func(r openDataRow) string { return r.arrest }

		rep := report(citdesk.Date{}, citdesk.Date{})
		cellIs(t, rep, "encounters", len(openDataRows), 0)
		num, den := flagCount(openDataRows, arrest, all)
		cellIs(t, rep, "arrests", num, den)
		num, den = flagCount(openDataRows, detention, all)
		cellIs(t, rep, "emergency_detentions", num, den)
		// Only detention and arrest are answered: a diversion is known only
		// where one of them is yes (then it is not one); ending in care only
		// where detention is yes.
		_, den = flagCount(openDataRows, func(r openDataRow) string {
			if strings.HasPrefix(strings.ToLower(r.detention), "y") || strings.HasPrefix(strings.ToLower(r.arrest), "y") {
				return "yes"
			}
			return ""
		}, all)
		cellIs(t, rep, "diversions", 0, den)
		num, _ = flagCount(openDataRows, detention, all)
		cellIs(t, rep, "ending_in_care", num, num)

		// By month: each month's rows, the year-only row in none.
		months := rep.Measures["arrests"].ByMonth
		var labels []string
		for _, pc := range months {
			labels = append(labels, pc.Period)
			num, den := flagCount(openDataRows, arrest, func(r openDataRow) bool { return r.wantMonth == pc.Period })
			if pc.Count != num || pc.Denominator != den {
				t.Errorf("arrests in %s: %d of %d, want %d of %d", pc.Period, pc.Count, pc.Denominator, num, den)
			}
		}
		if !slices.Equal(labels, []string{"2024-01", "2024-02", "2024-03"}) {
			t.Errorf("months %v", labels)
		}
		byMonth := 0
		for _, pc := range rep.Measures["encounters"].ByMonth {
			byMonth += pc.Count
		}
		if byMonth != len(openDataRows)-1 {
			t.Errorf("encounters by month add up to %d, want %d (all but the year-only row)", byMonth, len(openDataRows)-1)
		}

		// Repeat contacts count days: the rows without a day are left out,
		// and the figure says how many.
		imprecise := 0
		for _, r := range openDataRows {
			if r.person != "" && (r.day == "" || r.month == "") {
				imprecise++
			}
		}
		for _, w := range []int{30, 90, 365} {
			id := fmt.Sprintf("repeat_contacts_%dd", w)
			num, den := repeatCount(openDataRows, w)
			cellIs(t, rep, id, num, den)
			if got := rep.Measures[id].Imprecise; got != imprecise {
				t.Errorf("%s left out %d for precision, want %d", id, got, imprecise)
			}
			if !strings.Contains(rep.Measures[id].Sentence, fmt.Sprintf("%d encounters left out: their dates are known only to the month or year.", imprecise)) {
				t.Errorf("%s sentence: %s", id, rep.Measures[id].Sentence)
			}
		}
		if got := rep.Measures["arrests"].Imprecise; got != 0 {
			t.Errorf("arrests left out %d for precision: a month is precise enough", got)
		}

		// A range from 10 January: January's month-only row and the
		// year-only row may lie outside it, so they are left out; February
		// and March are whole.
		from, to := citdesk.NewDate(2024, 1, 10), citdesk.NewDate(2024, 3, 31)
		inRange := func(r openDataRow) bool {
			switch r.wantPrecision {
			case citdesk.PrecisionYear:
				return false
			case citdesk.PrecisionMonth:
				return r.wantMonth >= "2024-02"
			}
			return r.wantDate >= "2024-01-10"
		}
		ranged := report(from, to)
		n := 0
		for _, r := range openDataRows {
			if inRange(r) {
				n++
			}
		}
		cellIs(t, ranged, "encounters", n, 0)
		num, den = flagCount(openDataRows, arrest, inRange)
		cellIs(t, ranged, "arrests", num, den)
		// The whole year: the year-only row counts in the total.
		cellIs(t, report(citdesk.NewDate(2024, 1, 1), citdesk.NewDate(2024, 12, 31)), "encounters", len(openDataRows), 0)

		// The drill-down lists what the figure counts, with each record's
		// precision and known negatives.
		rows, err := svc.Behind(coord, citdesk.Date{}, citdesk.Date{}, "arrests", outcomes.GroupAll, "")
		if err != nil {
			t.Fatal(err)
		}
		num, den = flagCount(openDataRows, arrest, all)
		counted := 0
		for _, dr := range rows {
			counted += map[bool]int{true: 1}[dr.Counted]
		}
		if len(rows) != den || counted != num {
			t.Errorf("arrests drill-down: %d rows, %d counted; want %d, %d", len(rows), counted, den, num)
		}
		byDate := map[string]outcomes.DrillRow{}
		all2, err := svc.Behind(coord, citdesk.Date{}, citdesk.Date{}, "encounters", outcomes.GroupAll, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, dr := range all2 {
			byDate[dr.Date+"|"+dr.Month] = dr
		}
		for _, r := range openDataRows {
			dr, ok := byDate[r.wantDate+"|"+r.wantMonth]
			if !ok {
				t.Errorf("%s: no drill-down row dated %s in month %q: %+v", r.id, r.wantDate, r.wantMonth, all2)
				continue
			}
			if dr.Precision != r.wantPrecDrill || strings.Join(dr.DispositionsNo, ",") != r.wantNo {
				t.Errorf("%s: drill-down precision %q, no %v; want %q, %q", r.id, dr.Precision, dr.DispositionsNo, r.wantPrecDrill, r.wantNo)
			}
		}

		// Re-importing the same file changes nothing.
		res, err = importer.ImportMapped(op, db.HistoryService(), strings.NewReader(openDataCSV(openDataRows)), m, a.Location(), nil)
		if err != nil || res.Unchanged != len(openDataRows) {
			t.Fatalf("re-import: %+v, %v", res, err)
		}
	})
}

// TestCorrectImportedKeepsPrecision: a supervisor's correction of an
// imported record that leaves its time and dispositions alone keeps what
// the import knew of them (the precision, the known negatives); a new
// time is a whole timestamp, and a new list of dispositions the whole
// answer.
func TestCorrectImportedKeepsPrecision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		m, err := importer.LoadColumnMapping(strings.NewReader(openDataMapping))
		if err != nil {
			t.Fatal(err)
		}
		file := "Incident,Year,Month,Day,Time,Apprehension,Arrested,Subject\nC1,2024,Feb,,,yes,no,\n"
		if res, err := importer.ImportMapped(r.op, r.db.HistoryService(), strings.NewReader(file), m, nil, nil); err != nil || res.Created != 1 {
			t.Fatalf("import: %+v, %v", res, err)
		}
		svc := r.db.OutcomeService()
		// state is the record as the figures see it.
		state := func() string {
			t.Helper()
			rows, err := svc.Behind(r.coord, citdesk.Date{}, citdesk.Date{}, "encounters", outcomes.GroupAll, "")
			if err != nil || len(rows) != 1 {
				t.Fatalf("drill-down: %+v, %v", rows, err)
			}
			return fmt.Sprintf("%s %s yes %v no %v", rows[0].Date, rows[0].Precision, rows[0].Dispositions, rows[0].DispositionsNo)
		}
		if got, want := state(), "2024-02-01 month yes [emergency_detention] no [arrest]"; got != want {
			t.Fatalf("imported: %s, want %s", got, want)
		}
		rows, _ := svc.Behind(r.coord, citdesk.Date{}, citdesk.Date{}, "encounters", outcomes.GroupAll, "")
		e, err := r.encounters.FindEncounterByID(r.coord, rows[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		correct := func(change func(*citdesk.Encounter), want string) {
			t.Helper()
			fix := *e
			change(&fix)
			if err := r.encounters.CorrectEncounter(r.coord, &fix, "filled in from the paper file"); err != nil {
				t.Fatal(err)
			}
			if e, err = r.encounters.FindEncounterByID(r.coord, e.ID); err != nil {
				t.Fatal(err)
			}
			if got := state(); got != want {
				t.Errorf("after the correction: %s, want %s", got, want)
			}
		}
		// The narrative and the rest filled in; time and dispositions as imported.
		correct(func(f *citdesk.Encounter) {
			disps := f.Dispositions
			complete(f)
			f.Dispositions, f.FacilityKind, f.Facility = disps, citdesk.FacilityHospital, "Mercy Hospital Jefferson"
			handover := 35
			f.HandoverMinutes = &handover
		}, "2024-02-01 month yes [emergency_detention] no [arrest]")
		// The day and hour found: a whole timestamp.
		correct(func(f *citdesk.Encounter) { f.OccurredAt = f.OccurredAt.Add(9*24*time.Hour + 15*time.Hour) },
			"2024-02-10  yes [emergency_detention] no [arrest]")
		// The dispositions rewritten: the list is the whole answer.
		correct(func(f *citdesk.Encounter) {
			f.Dispositions = []citdesk.Disposition{citdesk.DispEmergencyDetention, citdesk.DispResourcesOffered}
		}, "2024-02-10  yes [resources_offered emergency_detention] no []")
	})
}
