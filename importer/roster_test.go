package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"citdesk"
)

// wantRowError is an expected RowError; reason is a fragment of Reason.
type wantRowError struct {
	line   int
	column string
	reason string
}

// rosterTests are the table for TestParseRoster and the seed corpus of
// FuzzParseRoster.
var rosterTests = []struct {
	name    string
	in      string
	rows    []RosterRow
	errs    []wantRowError
	fileErr string // fragment of err; "" when the file is readable
}{
	{
		name: "canonical names",
		in: "badge,first_name,last_name,rank,call_sign,shift,phone,active\n" +
			"1104,Dana,Whitfield,Lt.,2L1,A days,636-555-0101,yes\n",
		rows: []RosterRow{{Line: 2, Officer: citdesk.Officer{
			Badge: "1104", FirstName: "Dana", LastName: "Whitfield", Rank: "Lt.", CallSign: "2L1",
			Shift: "A days", Phone: "636-555-0101", Active: true,
		}}},
	},
	{
		name: "title case headers and aliases, values trimmed",
		in: "Badge Number, First Name ,Surname,RANK,Unit,Team,Mobile,Status,Notes\n" +
			"  1187 ,  Marcus ,Ebberly,Sgt.,2S1,B days,636-555-0102,Inactive,transferred from Festus\n" +
			"1215,Renee,Castellano,Cpl.,2A11,A days,636-555-0103,,\n",
		rows: []RosterRow{
			{Line: 2, Officer: citdesk.Officer{
				Badge: "1187", FirstName: "Marcus", LastName: "Ebberly", Rank: "Sgt.", CallSign: "2S1",
				Shift: "B days", Phone: "636-555-0102", Active: false,
			}},
			{Line: 3, Officer: citdesk.Officer{
				Badge: "1215", FirstName: "Renee", LastName: "Castellano", Rank: "Cpl.", CallSign: "2A11",
				Shift: "A days", Phone: "636-555-0103", Active: true,
			}},
		},
	},
	{
		name: "more aliases",
		in: "Badge No.,First,Last,Call_Sign,Phone Number,badge_num_ignored\n" +
			"1242,Tobias,Hartline,2A12,636-555-0104,x\n",
		rows: []RosterRow{{Line: 2, Officer: citdesk.Officer{
			Badge: "1242", FirstName: "Tobias", LastName: "Hartline", CallSign: "2A12", Phone: "636-555-0104", Active: true,
		}}},
	},
	{
		name: "active words",
		in: "badge,first,last,active\n" +
			"1,A,B,yes\n2,A,B,No\n3,A,B,TRUE\n4,A,B,false\n5,A,B,1\n6,A,B,0\n7,A,B,active\n8,A,B,inactive\n9,A,B,\n10,A,B,maybe\n",
		rows: []RosterRow{
			{Line: 2, Officer: officer("1", true)},
			{Line: 3, Officer: officer("2", false)},
			{Line: 4, Officer: officer("3", true)},
			{Line: 5, Officer: officer("4", false)},
			{Line: 6, Officer: officer("5", true)},
			{Line: 7, Officer: officer("6", false)},
			{Line: 8, Officer: officer("7", true)},
			{Line: 9, Officer: officer("8", false)},
			{Line: 10, Officer: officer("9", true)},
		},
		errs: []wantRowError{{11, "active", "must be yes or no"}},
	},
	{
		name: "BOM and CRLF",
		in:   "\uFEFFBadge,First,Last\r\n1,A,B\r\n2,A,B\r\n",
		rows: []RosterRow{{Line: 2, Officer: officer("1", true)}, {Line: 3, Officer: officer("2", true)}},
	},
	{
		name: "BOM before a quoted header, no final newline",
		in:   "\uFEFF\"Badge\",\"First\",\"Last\"\r\n\"1\",\"A\",\"B\"",
		rows: []RosterRow{{Line: 2, Officer: officer("1", true)}},
	},
	{
		name: "blank lines and blank rows are skipped",
		in:   "badge,first,last\n\n1,A,B\n,,\n , , \n2,A,B\n",
		rows: []RosterRow{{Line: 3, Officer: officer("1", true)}, {Line: 6, Officer: officer("2", true)}},
	},
	{
		name: "space before a quoted field",
		in:   "badge,first,last,rank\n1, \"A\", \"B\", \"Sgt., acting\"\n",
		rows: []RosterRow{{Line: 2, Officer: citdesk.Officer{Badge: "1", FirstName: "A", LastName: "B", Rank: "Sgt., acting", Active: true}}},
	},
	{
		name: "each bad row reason",
		in: "badge,first,last,rank,unit,cit_basic_date\n" +
			",A,B,,,\n" + // 2
			"3,,B,,,\n" + // 3
			"4,A,,,,\n" + // 4
			"5,A,B,,,2024-02-30\n" + // 5
			"6,A,B\n" + // 6
			"7,A,B,,,,extra,fields\n" + // 7 good
			"123456789012345678901,A,B,,,\n" + // 8
			"9,A,B,,2A11-2A11-2A11-2A11-2A11,\n" + // 9
			"10," + strings.Repeat("a", 81) + ",B,,,\n" + // 10
			"11,A,B,,,24-01-05\n" + // 11
			"12,A,B,,,1/5/24\n" + // 12
			"13,A,B,,,1/5/2024\n", // 13 good
		rows: []RosterRow{
			{Line: 7, Officer: officer("7", true)},
			{Line: 13, Officer: officer("13", true), Training: []citdesk.TrainingRecord{citBasic(2024, time.January, 5)}},
		},
		errs: []wantRowError{
			{2, "badge", "Badge number is required"},
			{3, "first_name", "First name is required"},
			{4, "last_name", "Last name is required"},
			{5, "cit_basic_date", `"2024-02-30" is not a date`},
			{6, "", "3 fields but the header has 6"},
			{8, "badge", "at most 20"},
			{9, "call_sign", "too long"},
			{10, "first_name", "at most 80"},
			{11, "cit_basic_date", "YYYY-MM-DD or M/D/YYYY"},
			{12, "cit_basic_date", "YYYY-MM-DD or M/D/YYYY"},
		},
	},
	{
		name: "line numbers after quoted fields with newlines",
		in: "badge,first,last,notes\n" +
			"1,A,B,\"two\nlines\"\n" + // 2-3
			",A,B,\n" + // 4
			"\"3\",A,B,\"three\r\nlines\r\nhere\"\r\n" + // 5-7
			"4,A,,\n" + // 8
			"5,\"A\nB\",C,\n" + // 9-10: a line break inside a name
			"6,A,\"B\"x,\n" + // 11: not CSV
			"7,A,B,\n", // 12
		rows: []RosterRow{
			{Line: 2, Officer: officer("1", true)},
			{Line: 5, Officer: officer("3", true)},
			{Line: 12, Officer: officer("7", true)},
		},
		errs: []wantRowError{
			{4, "badge", "required"},
			{8, "last_name", "required"},
			{9, "first_name", "line break"},
			{11, "", "Not valid CSV"},
		},
	},
	{
		name: "unterminated quote reports its line",
		in:   "badge,first,last\n1,A,B\n2,\"A,B\n3,A,B\n",
		rows: []RosterRow{{Line: 2, Officer: officer("1", true)}},
		errs: []wantRowError{{3, "", "Not valid CSV"}},
	},
	{
		name: "duplicate badge",
		in: "badge,first,last,cit_basic_date\n" +
			"100,A,B,\n" + // 2
			"200,A,B,bad\n" + // 3: bad, but its badge still counts
			"100,C,D,\n" + // 4
			"200,C,D,\n" + // 5
			" 300 ,A,B,\n" + // 6
			"\"30\n0\",A,B,\n" + // 7-8: a different badge with a line break
			"300,C,D,\n" + // 9
			"x1,A,B,\n" + // 10
			"X1,C,D,\n", // 11: badges compare ignoring case
		rows: []RosterRow{
			{Line: 2, Officer: officer("100", true)},
			{Line: 6, Officer: officer("300", true)},
			{Line: 10, Officer: officer("x1", true)},
		},
		errs: []wantRowError{
			{3, "cit_basic_date", "not a date"},
			{4, "badge", "Badge 100 is already on line 2"},
			{5, "badge", "Badge 200 is already on line 3"},
			{7, "badge", "line break"},
			{9, "badge", "Badge 300 is already on line 6"},
			{11, "badge", "Badge X1 is already on line 10"},
		},
	},
	{
		name: "text that is not UTF-8",
		in:   "badge,first,last\n1,Ren\xe9e,B\n2,A,B\n",
		rows: []RosterRow{{Line: 3, Officer: officer("2", true)}},
		errs: []wantRowError{{2, "first_name", "not UTF-8"}},
	},
	{
		name: "training columns",
		in: "badge,first,last,cit_basic_date,mh_awareness_date,mh_awareness_hours,cit_inservice_hours,cit_inservice_date\n" +
			"1,A,B,2021-03-19,2019-06-14,,8,2026-04-10\n" + // 2: all three
			"2,A,B,,3/5/2020,4,,\n" + // 3: awareness with its own hours
			"3,A,B,,,,,\n" + // 4: none
			"4,A,B,,,,4.5,\n" + // 5: hours without a date
			"5,A,B,,,,,2026-04-10\n" + // 6: date without hours
			"6,A,B,,,,eight,2026-04-10\n" + // 7
			"7,A,B,,,,NaN,2026-04-10\n" + // 8
			"8,A,B,,,,0,2026-04-10\n" + // 9
			"9,A,B,,,,500,2026-04-10\n" + // 10
			"10,A,B,,,4,,\n" + // 11: awareness hours without a date
			"11,A,B,1949-12-31,,,,\n" + // 12
			"12,A,B,,2019-06-14,-2,,\n", // 13
		rows: []RosterRow{
			{Line: 2, Officer: officer("1", true), Training: []citdesk.TrainingRecord{
				citBasic(2021, time.March, 19),
				{Kind: citdesk.CourseMHAwareness, Title: "Mental health awareness course", Completed: citdesk.NewDate(2019, time.June, 14), Hours: DefaultMHAwarenessHours},
				{Kind: citdesk.CourseCITInService, Title: "CIT in-service training", Completed: citdesk.NewDate(2026, time.April, 10), Hours: 8},
			}},
			{Line: 3, Officer: officer("2", true), Training: []citdesk.TrainingRecord{
				{Kind: citdesk.CourseMHAwareness, Title: "Mental health awareness course", Completed: citdesk.NewDate(2020, time.March, 5), Hours: 4},
			}},
			{Line: 4, Officer: officer("3", true)},
		},
		errs: []wantRowError{
			{5, "cit_inservice_date", "required with cit_inservice_hours"},
			{6, "cit_inservice_hours", "required with cit_inservice_date"},
			{7, "cit_inservice_hours", `"eight" is not a number`},
			{8, "cit_inservice_hours", `"NaN" is not a number`},
			{9, "cit_inservice_hours", "more than 0"},
			{10, "cit_inservice_hours", "at most 200"},
			{11, "mh_awareness_date", "required with mh_awareness_hours"},
			{12, "cit_basic_date", "not a date"},
			{13, "mh_awareness_hours", "more than 0"},
		},
	},
	{
		name: "header only",
		in:   "badge,first_name,last_name\n",
	},
	{
		name:    "empty file",
		in:      "",
		fileErr: "empty",
	},
	{
		name:    "only a BOM and blank lines",
		in:      "\uFEFF\r\n\r\n",
		fileErr: "empty",
	},
	{
		name:    "missing required columns",
		in:      "badge,name,rank\n1,A B,Ofc.\n",
		fileErr: "missing first_name, last_name",
	},
	{
		name:    "no header row",
		in:      "1104,Dana,Whitfield\n1187,Marcus,Ebberly\n",
		fileErr: "missing badge, first_name, last_name",
	},
	{
		name:    "semicolons",
		in:      "badge;first;last\n1;A;B\n",
		fileErr: "semicolons",
	},
	{
		name:    "two columns for one field",
		in:      "badge,first,last,phone,mobile\n1,A,B,1,2\n",
		fileErr: `"phone" and "mobile" both mean phone`,
	},
	{
		name:    "header not CSV",
		in:      "badge,\"first\"x,last\n1,A,B\n",
		fileErr: "not a readable CSV file: line 1",
	},
}

// officer returns a valid officer with only the badge and Active set apart
// from the names "A B".
func officer(badge string, active bool) citdesk.Officer {
	return citdesk.Officer{Badge: badge, FirstName: "A", LastName: "B", Active: active}
}

// citBasic returns the record a roster's cit_basic_date makes.
func citBasic(y int, m time.Month, d int) citdesk.TrainingRecord {
	return citdesk.TrainingRecord{Kind: citdesk.CourseCITBasic, Title: "CIT basic course (40 hours)", Completed: citdesk.NewDate(y, m, d), Hours: CITBasicHours}
}

func TestParseRoster(t *testing.T) {
	for _, tc := range rosterTests {
		t.Run(tc.name, func(t *testing.T) {
			rows, errs, err := ParseRoster(strings.NewReader(tc.in))
			if tc.fileErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.fileErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.fileErr)
				}
				if code := citdesk.ErrorCode(err); code != citdesk.EINVALID {
					t.Errorf("error code = %q, want %q", code, citdesk.EINVALID)
				}
				if rows != nil || errs != nil {
					t.Errorf("got %d rows and %d row errors with a file error", len(rows), len(errs))
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			checkRows(t, rows, tc.rows)
			checkRowErrors(t, errs, tc.errs)
		})
	}
}

func checkRows(t *testing.T, got, want []RosterRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d rows, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	for i := len(want); i < len(got); i++ {
		t.Errorf("unexpected row %+v", got[i])
	}
}

func checkRowErrors(t *testing.T, got []RowError, want []wantRowError) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d row errors, want %d: %v", len(got), len(want), got)
	}
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if g.Line != w.line || g.Column != w.column || !strings.Contains(g.Reason, w.reason) {
			t.Errorf("row error %d = %q, want line %d, column %q, reason containing %q", i, g.Error(), w.line, w.column, w.reason)
		}
	}
}

func TestRowErrorString(t *testing.T) {
	for _, tc := range []struct {
		e    RowError
		want string
	}{
		{RowError{Line: 7, Column: "badge", Reason: "Badge number is required."}, "line 7: badge: Badge number is required."},
		{RowError{Line: 3, Reason: "The row has 2 fields but the header has 3."}, "line 3: The row has 2 fields but the header has 3."},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestParseRosterTestdata(t *testing.T) {
	t.Run("desoto", func(t *testing.T) {
		rows, errs, err := ParseRoster(openTestdata(t, "roster-desoto.csv"))
		if err != nil || len(errs) > 0 {
			t.Fatalf("err = %v, row errors = %v", err, errs)
		}
		if len(rows) != 16 {
			t.Fatalf("got %d rows, want 16", len(rows))
		}
		kinds := map[citdesk.CourseKind]int{}
		inactive := 0
		for _, r := range rows {
			if !r.Officer.Active {
				inactive++
			}
			for _, tr := range r.Training {
				kinds[tr.Kind]++
				if err := tr.Validate(citdesk.NewDate(2026, time.November, 28)); err != nil {
					t.Errorf("line %d: %s: %v", r.Line, tr.Kind, err)
				}
			}
		}
		want := map[citdesk.CourseKind]int{citdesk.CourseCITBasic: 9, citdesk.CourseCITInService: 8, citdesk.CourseMHAwareness: 14}
		if !reflect.DeepEqual(kinds, want) || inactive != 1 {
			t.Errorf("training = %v, inactive = %d; want %v, 1", kinds, inactive, want)
		}
	})
	t.Run("bad", func(t *testing.T) {
		rows, errs, err := ParseRoster(openTestdata(t, "roster-bad.csv"))
		if err != nil {
			t.Fatal(err)
		}
		checkRows(t, rows, []RosterRow{
			{Line: 2, Officer: citdesk.Officer{Badge: "2001", FirstName: "Avery", LastName: "Kestrel", Rank: "Ofc.", CallSign: "2A21",
				Shift: "A days", Phone: "636-555-0121", Active: true}, Training: []citdesk.TrainingRecord{citBasic(2024, time.February, 9)}},
			{Line: 9, Officer: citdesk.Officer{Badge: "2008", FirstName: "Skyler", LastName: "Ramsay", Rank: "Cpl.", CallSign: "2D21",
				Shift: "D nights", Phone: "636-555-0128", Active: false}, Training: []citdesk.TrainingRecord{citBasic(2022, time.March, 14)}},
		})
		checkRowErrors(t, errs, []wantRowError{
			{3, "badge", "required"},
			{4, "last_name", "required"},
			{5, "active", "yes or no"},
			{6, "cit_basic_date", "not a date"},
			{7, "badge", "already on line 2"},
			{8, "", "3 fields"},
		})
	})
}

func openTestdata(t *testing.T, name string) io.Reader {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestParseRosterLimits(t *testing.T) {
	roster := func(n int) string {
		var b strings.Builder
		b.WriteString("badge,first,last\n")
		for i := range n {
			fmt.Fprintf(&b, "%d,A,B\n", i)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name    string
		in      string
		lim     rosterLimits
		rows    int
		wantErr string
	}{
		{"rows at the limit", roster(5), rosterLimits{rows: 5, bytes: 1 << 20}, 5, ""},
		{"rows over the limit", roster(6), rosterLimits{rows: 5, bytes: 1 << 20}, 0, "more than 5 rows"},
		{"blank rows count", roster(5) + ",,\n", rosterLimits{rows: 5, bytes: 1 << 20}, 0, "more than 5 rows"},
		{"bytes at the limit", roster(5), rosterLimits{rows: 10, bytes: int64(len(roster(5)))}, 5, ""},
		{"bytes over the limit", roster(5), rosterLimits{rows: 10, bytes: int64(len(roster(5)) - 1)}, 0, "larger than"},
		{"header over the limit", "badge,first,last," + strings.Repeat("x", 100), rosterLimits{rows: 10, bytes: 50}, 0, "larger than 50 bytes"},
		{"one huge quoted field", "badge,first,last\n1,A,\"" + strings.Repeat("x", 1000), rosterLimits{rows: 10, bytes: 500}, 0, "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, errs, err := parseRoster(strings.NewReader(tc.in), tc.lim)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || citdesk.ErrorCode(err) != citdesk.ETOOLARGE {
					t.Fatalf("err = %v, want a %s error containing %q", err, citdesk.ETOOLARGE, tc.wantErr)
				}
				return
			}
			if err != nil || len(errs) > 0 || len(rows) != tc.rows {
				t.Fatalf("got %d rows, row errors %v, err %v; want %d rows", len(rows), errs, err, tc.rows)
			}
		})
	}

	t.Run("MaxRosterRows", func(t *testing.T) {
		if testing.Short() {
			t.Skip("builds a roster of 100,001 rows")
		}
		_, _, err := ParseRoster(strings.NewReader(roster(MaxRosterRows + 1)))
		if citdesk.ErrorCode(err) != citdesk.ETOOLARGE {
			t.Fatalf("err = %v, want %s", err, citdesk.ETOOLARGE)
		}
	})
}

func TestParseRosterReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, in := range []io.Reader{
		iotest.ErrReader(boom),
		io.MultiReader(strings.NewReader("badge,first,last\n1,A,B\n"), iotest.ErrReader(boom)),
	} {
		_, _, err := ParseRoster(in)
		if !errors.Is(err, boom) {
			t.Errorf("err = %v, want it to wrap %v", err, boom)
		}
	}
}

// FuzzParseRoster checks that no input makes ParseRoster panic, return an
// officer that fails Validate, point at the header or beyond the file, or
// report more rows than the file has records.
func FuzzParseRoster(f *testing.F) {
	for _, tc := range rosterTests {
		f.Add(tc.in)
	}
	for _, name := range []string{"roster-desoto.csv", "roster-bad.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, in string) {
		rows, errs, err := ParseRoster(strings.NewReader(in))
		if err != nil {
			if rows != nil || errs != nil {
				t.Fatalf("rows and row errors returned with err %v", err)
			}
			return
		}
		// A line ends with LF, CRLF or a lone CR (an old Mac's files).
		lf := strings.ReplaceAll(in, "\r\n", "\n")
		lines := strings.Count(lf, "\n") + strings.Count(lf, "\r") + 1
		prev := 1
		for _, r := range rows {
			if r.Officer.Badge == "" {
				t.Errorf("line %d: empty badge", r.Line)
			}
			o := r.Officer
			if err := o.Validate(); err != nil {
				t.Errorf("line %d: officer fails Validate: %v", r.Line, err)
			}
			for _, tr := range r.Training {
				if tr.Title == "" {
					t.Errorf("line %d: %s record has no title", r.Line, tr.Kind)
				}
				if err := tr.Validate(citdesk.NewDate(9999, time.December, 31)); err != nil {
					t.Errorf("line %d: %s record fails Validate: %v", r.Line, tr.Kind, err)
				}
			}
			if r.Line <= prev || r.Line > lines {
				t.Errorf("row line %d after line %d, in a file of %d lines", r.Line, prev, lines)
			}
			prev = r.Line
		}
		prev = 1
		for _, e := range errs {
			if e.Line <= prev || e.Line > lines {
				t.Errorf("row error line %d after line %d, in a file of %d lines: %v", e.Line, prev, lines, e)
			}
			if e.Reason == "" {
				t.Errorf("row error without a reason: %v", e)
			}
			prev = e.Line
		}
		if n := countDataRecords(in); len(rows)+len(errs) > n {
			t.Errorf("%d rows and %d row errors from %d data records", len(rows), len(errs), n)
		}
	})
}

// countDataRecords counts the records after the header the way ParseRoster's
// CSV reader sees them, counting a record that is not valid CSV as one.
func countDataRecords(in string) int {
	cr := csv.NewReader(newCRReader(strings.NewReader(strings.TrimPrefix(in, utf8BOM))))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	n := 0
	for {
		if _, err := cr.Read(); err == io.EOF {
			break
		}
		n++
	}
	return n - 1 // the header
}
