package importer

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/outcomes"
)

// seattleFile is the whole public file the project's reference data holds
// (see ../shared/data/README.md); the tests that need it skip without it.
const seattleFile = "../../shared/data/seattle-crisis/spd_crisis_data20201114.csv"

func openSeattle(t *testing.T) *os.File {
	t.Helper()
	f, err := os.Open(seattleFile)
	if os.IsNotExist(err) {
		t.Skipf("%s not present", seattleFile)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestParseSeattleRealFile imports the whole 2020-11-14 file and checks its
// figures against counts made without ParseSeattle.
//
// The independent count: encoding/csv reads every row of the raw file;
// each column is found by its exact snake_case header name; for each
// indicator the set of distinct template_id values (trimmed) that have a
// row whose value, trimmed, is "Y" is collected, and its size is the
// expected number of reports with that indicator Yes. (In this file the
// rows of one template_id agree on these indicators, so "has a Y row" and
// "is Y" are the same; a file where they disagreed would have its
// conflicting rows rejected and show up in the row errors, which must be
// none here.) The same way: distinct template_ids (982, the README's
// figure), those whose occurred date starts "1900-" (unknown), and those
// with both a Y and an N certification row (merged as unknown).
func TestParseSeattleRealFile(t *testing.T) {
	f := openSeattle(t)
	reports, rowErrs, err := ParseSeattle(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rowErrs) != 0 {
		t.Errorf("%d rows rejected, first: %v", len(rowErrs), rowErrs[0])
	}
	if len(reports) != 982 {
		t.Errorf("%d reports, want 982", len(reports))
	}

	// The independent count.
	raw, err := os.ReadFile(seattleFile)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	ids := map[string]bool{}
	yes := map[string]map[string]bool{}
	certY, certN := map[string]bool{}, map[string]bool{}
	occurredUnknown := map[string]bool{}
	indicators := []string{"use_of_force_indicator", "subject_veteran_indicator", "cit_officer_requested", "cit_officer_dispatched", "cit_officer_arrived"}
	for _, row := range rows[1:] {
		id := strings.TrimSpace(row[col["template_id"]])
		ids[id] = true
		for _, ind := range indicators {
			if strings.TrimSpace(row[col[ind]]) == "Y" {
				if yes[ind] == nil {
					yes[ind] = map[string]bool{}
				}
				yes[ind][id] = true
			}
		}
		switch strings.TrimSpace(row[col["cit_certified_indicator"]]) {
		case "Y":
			certY[id] = true
		case "N":
			certN[id] = true
		}
		if strings.HasPrefix(row[col["occured_date_time"]], "1900-") {
			occurredUnknown[id] = true
		}
	}
	certBoth := 0
	for id := range certY {
		if certN[id] {
			certBoth++
		}
	}

	// ParseSeattle's figures.
	got := map[string]int{}
	var certUnknown, occUnknown int
	for _, r := range reports {
		for ind, v := range map[string]outcomes.Tri{
			"use_of_force_indicator":    r.UseOfForce,
			"subject_veteran_indicator": r.Veteran,
			"cit_officer_requested":     r.CITRequested,
			"cit_officer_dispatched":    r.CITDispatched,
			"cit_officer_arrived":       r.CITArrived,
		} {
			if v == outcomes.Yes {
				got[ind]++
			}
		}
		if r.CITCertified == outcomes.Unknown {
			certUnknown++
		}
		if r.Occurred.IsZero() {
			occUnknown++
		}
		if len(r.Unmapped) > 0 {
			t.Errorf("template %s: unmapped dispositions %q", r.TemplateID, r.Unmapped)
		}
		if r.OfficerID != strings.TrimSpace(r.OfficerID) || r.Beat != strings.TrimSpace(r.Beat) {
			t.Errorf("template %s: untrimmed officer %q or beat %q", r.TemplateID, r.OfficerID, r.Beat)
		}
	}
	if len(reports) != len(ids) {
		t.Errorf("%d reports, %d distinct template_ids", len(reports), len(ids))
	}
	for _, ind := range indicators {
		if got[ind] != len(yes[ind]) {
			t.Errorf("%s: %d reports Yes, independent count %d", ind, got[ind], len(yes[ind]))
		}
	}
	// The figures the issue names, written out so a change is seen.
	want := map[string]int{"use_of_force_indicator": 20, "subject_veteran_indicator": 30, "cit_officer_requested": 369, "cit_officer_arrived": 690}
	for ind, n := range want {
		if got[ind] != n {
			t.Errorf("%s: %d reports Yes, want %d", ind, got[ind], n)
		}
	}
	if certUnknown != certBoth || certBoth != 18 {
		t.Errorf("%d reports with certification unknown, %d with both Y and N rows, want 18", certUnknown, certBoth)
	}
	if occUnknown != len(occurredUnknown) {
		t.Errorf("%d reports of unknown date, %d with the 1900 placeholder", occUnknown, len(occurredUnknown))
	}
}

// TestParseSeattleTitleCase: the portal export's Title Case headers read
// the same as the API's snake_case ones.
func TestParseSeattleTitleCase(t *testing.T) {
	parse := func(name string) []SeattleReport {
		f, err := os.Open(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		reports, rowErrs, err := ParseSeattle(f, nil)
		if err != nil || len(rowErrs) != 0 {
			t.Fatalf("%s: %v, %v", name, rowErrs, err)
		}
		return reports
	}
	snake, title := parse("seattle-first30.csv"), parse("seattle-first30-titlecase.csv")
	if len(snake) != 30 {
		t.Errorf("%d reports from 30 rows of distinct template_ids", len(snake))
	}
	if !reflect.DeepEqual(snake, title) {
		for i := range min(len(snake), len(title)) {
			if !reflect.DeepEqual(snake[i], title[i]) {
				t.Fatalf("report %d differs:\nsnake %+v\ntitle %+v", i, snake[i], title[i])
			}
		}
		t.Fatalf("%d snake_case reports, %d Title Case", len(snake), len(title))
	}
}

// TestParseSeattleDirt reads testdata/seattle-dirt.csv: real rows showing
// the file's dirt, and edited rows for what the real file lacks (see
// testdata/README.md for which is which).
func TestParseSeattleDirt(t *testing.T) {
	f, err := os.Open("testdata/seattle-dirt.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	reports, rowErrs, err := ParseSeattle(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	la, _ := time.LoadLocation("America/Los_Angeles")
	want := []SeattleReport{
		{
			// 1900 occurred date = unknown; "-" = blank; the reported date
			// with reported_time's clock (its date is the save date);
			// trailing spaces trimmed.
			TemplateID: "64522", Line: 2, Lines: []int{2},
			Reported:            time.Date(2015, 7, 19, 2, 21, 0, 0, la),
			Dispositions:        []string{"referred_to_liaison"},
			SeattleDispositions: []string{"Mobile Crisis Team"},
			UseOfForce:          outcomes.No, Veteran: outcomes.No, CITRequested: outcomes.No, CITDispatched: outcomes.No, CITArrived: outcomes.No, CITCertified: outcomes.No,
			OfficerID: "7702",
		},
		{
			// 1900 reported date = unknown; two dispositions on lines 3 and
			// 6 merged (line 9 conflicts and is left out).
			TemplateID: "78352", Line: 3, Lines: []int{3, 6},
			Occurred:            time.Date(2015, 9, 1, 15, 25, 9, 0, la),
			CallType:            "911",
			InitialCallType:     "PERSON IN BEHAVIORAL/EMOTIONAL CRISIS",
			FinalCallType:       "--CRISIS COMPLAINT - GENERAL",
			Dispositions:        []string{"referred_to_liaison", "voluntary_transport"},
			SeattleDispositions: []string{"Voluntary Committal", "Mobile Crisis Team"},
			UseOfForce:          outcomes.No, Veteran: outcomes.No, CITRequested: outcomes.No, CITDispatched: outcomes.No, CITArrived: outcomes.Yes, CITCertified: outcomes.No,
			OfficerID: "7497", Precinct: "North", Sector: "UNION", Beat: "U2",
		},
		{
			// An N and a Y certification row: unknown.
			TemplateID: "227195", Line: 4, Lines: []int{4, 7},
			Reported:            time.Date(2017, 1, 4, 7, 45, 0, 0, la),
			Dispositions:        []string{"referred_to_liaison"},
			SeattleDispositions: []string{"Mobile Crisis Team"},
			UseOfForce:          outcomes.No, Veteran: outcomes.No, CITRequested: outcomes.No, CITDispatched: outcomes.No, CITArrived: outcomes.Yes, CITCertified: outcomes.Unknown,
			OfficerID: "6902", Precinct: "West", Sector: "DAVID", Beat: "D1",
		},
		{
			// Rows 5 and 10, not adjacent, grouped.
			TemplateID: "270275", Line: 5, Lines: []int{5, 10},
			Reported:            time.Date(2017, 5, 29, 16, 13, 0, 0, la),
			Dispositions:        []string{"resources_declined"},
			SeattleDispositions: []string{"Resources Declined"},
			UseOfForce:          outcomes.No, Veteran: outcomes.No, CITRequested: outcomes.Yes, CITDispatched: outcomes.Yes, CITArrived: outcomes.Yes, CITCertified: outcomes.Unknown,
			OfficerID: "7632",
		},
	}
	// The edited rows 12–14 share the rest of line 8's real row.
	edited := func(id string, line int, occurred, reported time.Time, seattle []string, mapped []string, unmapped []string) SeattleReport {
		return SeattleReport{
			TemplateID: id, Line: line, Lines: []int{line},
			Occurred: occurred, Reported: reported,
			CallType: "911", InitialCallType: "DISTURBANCE, MISCELLANEOUS/OTHER", FinalCallType: "--CRISIS COMPLAINT - GENERAL",
			Dispositions: mapped, SeattleDispositions: seattle, Unmapped: unmapped,
			UseOfForce: outcomes.No, Veteran: outcomes.No, CITRequested: outcomes.No, CITDispatched: outcomes.No, CITArrived: outcomes.No, CITCertified: outcomes.No,
			OfficerID: "7770", Precinct: "East", Sector: "CHARLIE", Beat: "C2",
		}
	}
	occ := time.Date(2017, 10, 7, 1, 28, 33, 0, la)
	want = append(want,
		// A disposition the mapping lacks: kept, reported, not mapped.
		edited("999002", 12, occ, time.Time{}, []string{"Referred to Narnia"}, nil, []string{"Referred to Narnia"}),
		// Disposition "-": none.
		edited("999003", 13, occ, time.Time{}, nil, nil, nil),
		// The portal export's US dates.
		edited("999004", 14, time.Date(2015, 9, 1, 15, 25, 9, 0, la), time.Date(2015, 9, 1, 16, 13, 0, 0, la),
			[]string{"No Action Possible / Necessary"}, []string{"no_action_possible"}, nil),
	)
	if len(reports) != len(want) {
		t.Errorf("%d reports, want %d", len(reports), len(want))
	}
	for i := range min(len(reports), len(want)) {
		if !reflect.DeepEqual(reports[i], want[i]) {
			t.Errorf("report %d:\n got %+v\nwant %+v", i, reports[i], want[i])
		}
	}

	wantErrs := []wantRowError{
		{8, "template_id", "missing"},
		{9, "occured_date_time", "already on line 3"},
		{11, "use_of_force_indicator", `"X" is not Y or N`},
		{15, "", "3 fields but the header has 26"},
	}
	if len(rowErrs) != len(wantErrs) {
		t.Errorf("row errors %v, want %d", rowErrs, len(wantErrs))
	}
	for i := range min(len(rowErrs), len(wantErrs)) {
		got, w := rowErrs[i], wantErrs[i]
		if got.Line != w.line || got.Column != w.column || !strings.Contains(got.Reason, w.reason) {
			t.Errorf("row error %d = %v, want line %d, column %q, reason with %q", i, got, w.line, w.column, w.reason)
		}
	}
}

func TestParseSeattleMapping(t *testing.T) {
	in := ",template_id,disposition\n" +
		"0,1,Mobile Crisis Team\n" +
		"1,1,  chronic   COMPLAINT \n" + // case and spaces do not matter
		"2,2,Crisis Clinic\n"
	m := map[string]string{"Mobile Crisis Team": "referred_to_liaison", "Chronic Complaint": ""}
	reports, rowErrs, err := ParseSeattle(strings.NewReader(in), m)
	if err != nil || len(rowErrs) != 0 {
		t.Fatal(rowErrs, err)
	}
	if got := reports[0].Dispositions; !reflect.DeepEqual(got, []string{"referred_to_liaison"}) || reports[0].Unmapped != nil {
		t.Errorf("report 1: %v, unmapped %v (a blank mapping means no citdesk disposition, and is not unmapped)", got, reports[0].Unmapped)
	}
	if got := reports[1].Unmapped; !reflect.DeepEqual(got, []string{"Crisis Clinic"}) || reports[1].Dispositions != nil {
		t.Errorf("report 2: unmapped %v, dispositions %v", got, reports[1].Dispositions)
	}
	// Every value of the default mapping is a citdesk disposition.
	for from, to := range DefaultSeattleDispositions {
		if _, ok := outcomes.ParseDisposition(to); !ok && to != "" {
			t.Errorf("%q maps to %q, not a citdesk disposition", from, to)
		}
	}
}

func TestLoadDispositionMap(t *testing.T) {
	m, err := LoadDispositionMap(strings.NewReader("agency,citdesk\n" +
		"Taken to ER, Voluntary_Transport\n" +
		"\n" +
		"\"Jail, booked\",arrest\n" +
		"Gone on arrival,\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Taken to ER": "voluntary_transport", "Jail, booked": "arrest", "Gone on arrival": ""}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got %v, want %v", m, want)
	}
	for _, tc := range []struct{ in, err string }{
		{"", "empty"},
		{"a,b\nX,jail\n", `line 2 of the disposition mapping: "jail" is not a citdesk disposition`},
		{"a,b\nX,arrest\nx ,citation\n", "maps \"x\" again (first on line 2)"},
		{"a,b\n,arrest\n", "no disposition"},
		{"a,b\nonly\n", "two columns"},
		{"a,b\n\"open\n", "not a readable CSV"},
	} {
		_, err := LoadDispositionMap(strings.NewReader(tc.in))
		if err == nil || citdesk.ErrorCode(err) != citdesk.EINVALID || !strings.Contains(strings.ToLower(citdesk.ErrorMessage(err)), strings.ToLower(tc.err)) {
			t.Errorf("LoadDispositionMap(%q) = %v, want an invalid error with %q", tc.in, err, tc.err)
		}
	}
}

func TestParseSeattleFileErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, code, msg string }{
		{"empty", "", citdesk.EINVALID, "empty"},
		{"no template_id", "badge,first_name\n1,A\n", citdesk.EINVALID, "template_id"},
		{"not CSV", "template_id,\"disp\n", citdesk.EINVALID, "not a readable CSV"},
		{"duplicate column", "template_id,Template ID\n1,1\n", citdesk.EINVALID, "both mean template_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reports, rowErrs, err := ParseSeattle(strings.NewReader(tc.in), nil)
			if citdesk.ErrorCode(err) != tc.code || !strings.Contains(citdesk.ErrorMessage(err), tc.msg) || reports != nil || rowErrs != nil {
				t.Errorf("got %v, %v, %v", reports, rowErrs, err)
			}
		})
	}
	// Limits, made small.
	in := "template_id\n1\n2\n3\n"
	if _, _, err := parseSeattle(strings.NewReader(in), nil, 2, 1<<20); citdesk.ErrorCode(err) != citdesk.ETOOLARGE {
		t.Errorf("3 rows over a 2-row limit: %v", err)
	}
	if _, _, err := parseSeattle(strings.NewReader(in), nil, 10, 8); citdesk.ErrorCode(err) != citdesk.ETOOLARGE {
		t.Errorf("over the byte limit: %v", err)
	}
	if r, _, err := parseSeattle(strings.NewReader(in), nil, 3, int64(len(in))); err != nil || len(r) != 3 {
		t.Errorf("exactly at the limits: %v, %v", r, err)
	}
	// A byte order mark and a blank last row are fine.
	r, errs, err := ParseSeattle(strings.NewReader(utf8BOM+"Template ID,Disposition\n7,Subject Arrested\n,\n"), nil)
	if err != nil || len(errs) != 0 || len(r) != 1 || !slices.Equal(r[0].Dispositions, []string{"arrest"}) {
		t.Errorf("BOM: %v, %v, %v", r, errs, err)
	}
}

func FuzzParseSeattle(f *testing.F) {
	for _, name := range []string{"seattle-first30.csv", "seattle-first30-titlecase.csv", "seattle-dirt.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("template_id,disposition,occured_date_time,reported_date,reported_time\n1,x,1900-01-01 00:00:00,01/02/2015,3:04:05 PM\n")
	f.Fuzz(func(t *testing.T, in string) {
		reports, rowErrs, err := ParseSeattle(strings.NewReader(in), nil)
		if err != nil {
			if reports != nil || rowErrs != nil {
				t.Fatalf("reports and row errors returned with err %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range reports {
			if r.TemplateID == "" || seen[r.TemplateID] {
				t.Errorf("template_id %q empty or repeated", r.TemplateID)
			}
			seen[r.TemplateID] = true
			if r.Line < 2 || len(r.Lines) == 0 || r.Lines[0] != r.Line || !slices.IsSorted(r.Lines) {
				t.Errorf("template %s: line %d, lines %v", r.TemplateID, r.Line, r.Lines)
			}
			for _, d := range r.Dispositions {
				if _, ok := outcomes.ParseDisposition(d); !ok {
					t.Errorf("template %s: disposition %q", r.TemplateID, d)
				}
			}
			if !r.Occurred.IsZero() && r.Occurred.Year() <= 1900 || !r.Reported.IsZero() && r.Reported.Year() <= 1900 {
				t.Errorf("template %s: placeholder date kept: %v, %v", r.TemplateID, r.Occurred, r.Reported)
			}
			if len(r.SeattleDispositions) < len(r.Dispositions) {
				t.Errorf("template %s: more citdesk dispositions than Seattle ones", r.TemplateID)
			}
		}
		for _, e := range rowErrs {
			if e.Line < 2 || e.Reason == "" {
				t.Errorf("row error %+v", e)
			}
		}
	})
}
