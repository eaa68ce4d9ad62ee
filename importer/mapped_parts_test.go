package importer

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"citdesk"
)

func TestParseMappedTimeParts(t *testing.T) {
	m, err := LoadColumnMapping(strings.NewReader(`{"source": "open-data", "time_zone": "UTC",
		"columns": {"external_id": "ID", "occurred_at": {"year": "Year", "month": "Month", "day": "Day", "hour": "Time"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	csv := "ID,Year,Month,Day,Time\n" +
		"a,2023,7,14,13:05\n" +
		"b,2023,Feb,,\n" +
		"c,2023,september,,\n" +
		"d,,,,\n" +
		"e,2023,Smarch,,\n" +
		"f,2023,2,30,\n" +
		"g,20x3,,,\n" +
		"h,2023,1,1,25\n"
	recs, rowErrs, _, err := ParseMapped(strings.NewReader(csv), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{
		"a": time.Date(2023, 7, 14, 13, 5, 0, 0, time.UTC),
		"b": time.Date(2023, 2, 1, 0, 0, 0, 0, time.UTC),
		"c": time.Date(2023, 9, 1, 0, 0, 0, 0, time.UTC),
		"d": {},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d: %v", len(recs), len(want), rowErrs)
	}
	for _, r := range recs {
		if !r.OccurredAt.Equal(want[r.ExternalID]) {
			t.Errorf("%s: occurred %v, want %v", r.ExternalID, r.OccurredAt, want[r.ExternalID])
		}
	}
	for i, tc := range []struct {
		line   int
		column string
	}{{6, "Month"}, {7, "Day"}, {8, "Year"}, {9, "Time"}} {
		if i >= len(rowErrs) || rowErrs[i].Line != tc.line || rowErrs[i].Column != tc.column {
			t.Errorf("rejection %d: %+v, want line %d column %s", i, rowErrAt(rowErrs, i), tc.line, tc.column)
		}
	}
	for _, bad := range []string{
		`{"source": "x", "columns": {"external_id": "ID", "occurred_at": {"month": "M"}}}`,
		`{"source": "x", "columns": {"external_id": "ID", "occurred_at": {"year": "Y", "week": "W"}}}`,
		`{"source": "x", "columns": {"external_id": "ID", "officer": {"year": "Y"}}}`,
	} {
		if _, err := LoadColumnMapping(strings.NewReader(bad)); err == nil {
			t.Errorf("mapping %s accepted", bad)
		}
	}
}

func rowErrAt(errs []RowError, i int) any {
	if i < len(errs) {
		return errs[i]
	}
	return nil
}

func TestParseMappedFlags(t *testing.T) {
	m, err := LoadColumnMapping(strings.NewReader(`{"source": "open-data",
		"columns": {"external_id": "ID"}, "flags": {"emergency_detention": "Apprehension", "arrest": "Arrested"}}`))
	if err != nil {
		t.Fatal(err)
	}
	csv := "ID,Apprehension,Arrested\n" +
		"a,Yes,n\n" +
		"b,FALSE,1\n" +
		"c,,\n" +
		"d,maybe,no\n" +
		"e,y,perhaps\n"
	recs, rowErrs, _, err := ParseMapped(strings.NewReader(csv), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "[emergency_detention]", "b": "[arrest]", "c": "[]"}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d: %v", len(recs), len(want), rowErrs)
	}
	for _, r := range recs {
		if got := fmt.Sprint(r.Dispositions); got != want[r.ExternalID] {
			t.Errorf("%s: dispositions %s, want %s", r.ExternalID, got, want[r.ExternalID])
		}
	}
	for i, tc := range []struct {
		line   int
		column string
	}{{5, "Apprehension"}, {6, "Arrested"}} {
		if i >= len(rowErrs) || rowErrs[i].Line != tc.line || rowErrs[i].Column != tc.column {
			t.Errorf("rejection %d: %+v, want line %d column %s", i, rowErrAt(rowErrs, i), tc.line, tc.column)
		}
	}
	if _, err := LoadColumnMapping(strings.NewReader(`{"source": "x", "columns": {"external_id": "ID"}, "flags": {"jailed": "J"}}`)); err == nil {
		t.Error("a flag naming no disposition was accepted")
	}
}

func TestOpenDataExample(t *testing.T) {
	mf, err := os.Open("testdata/open-data.mapping.json")
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	m, err := LoadColumnMapping(mf)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/open-data.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, rowErrs, _, err := ParseMapped(f, m, time.UTC)
	if err != nil || len(rowErrs) != 0 || len(recs) != 3 {
		t.Fatalf("records %v rejections %v err %v", recs, rowErrs, err)
	}
	if !recs[0].OccurredAt.Equal(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)) || fmt.Sprint(recs[1].Dispositions) != "[arrest]" {
		t.Errorf("OD-1 %v, OD-2 %v", recs[0].OccurredAt, recs[1].Dispositions)
	}
}

// TestParseMappedPrecision: each record keeps how much of its time the
// file gave: the finest part given, down to the first blank, or what the
// layout of a single time column holds.
func TestParseMappedPrecision(t *testing.T) {
	m, err := LoadColumnMapping(strings.NewReader(`{"source": "open-data", "time_zone": "UTC",
		"columns": {"external_id": "ID", "occurred_at": {"year": "Year", "month": "Month", "day": "Day", "hour": "Time"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	csv := "ID,Year,Month,Day,Time\n" +
		"a,2023,7,14,13:05\n" +
		"b,2023,7,14,1305\n" +
		"c,2023,7,14,13\n" +
		"d,2023,7,14,\n" +
		"e,2023,Jul,,\n" +
		"f,2023,,,\n" +
		"g,2023,,14,13\n" + // a day or hour without the month says nothing
		"h,,,,\n"
	recs, rowErrs, _, err := ParseMapped(strings.NewReader(csv), m, nil)
	if err != nil || len(rowErrs) != 0 {
		t.Fatal(rowErrs, err)
	}
	want := map[string]citdesk.TimePrecision{"a": "minute", "b": "minute", "c": "hour", "d": "day", "e": "month", "f": "year", "g": "year", "h": ""}
	for _, r := range recs {
		if r.OccurredPrecision != want[r.ExternalID] {
			t.Errorf("%s: precision %q, want %q", r.ExternalID, r.OccurredPrecision, want[r.ExternalID])
		}
	}

	for layout, prec := range map[string]citdesk.TimePrecision{"2006-01-02": "day", "01/02/2006 15:04": "minute", "2006-01-02 15:04:05": "full", "January 2006": "month"} {
		m, err := LoadColumnMapping(strings.NewReader(`{"source": "rms", "time_zone": "UTC", "time_layouts": ["` + layout + `"], "columns": {"external_id": "ID", "occurred_at": "When"}}`))
		if err != nil {
			t.Fatal(err)
		}
		when := time.Date(2023, 7, 14, 13, 5, 6, 0, time.UTC).Format(layout)
		recs, rowErrs, _, err := ParseMapped(strings.NewReader("ID,When\na,"+when+"\n"), m, nil)
		if err != nil || len(rowErrs) != 0 || len(recs) != 1 || recs[0].OccurredPrecision != prec {
			t.Errorf("layout %q: %+v %v %v, want precision %q", layout, recs, rowErrs, err, prec)
		}
	}
}

// TestParseMappedNegatives: a flag column's "no" is a known negative, a
// blank unknown; with a list of dispositions in the row, the list is the
// whole answer and the flags only add to it; rows of one record merge.
func TestParseMappedNegatives(t *testing.T) {
	m, err := LoadColumnMapping(strings.NewReader(`{"source": "open-data",
		"columns": {"external_id": "ID", "dispositions": "Outcome"}, "dispositions": {"Handled": "resolved_on_scene"},
		"flags": {"emergency_detention": "Apprehension", "arrest": "Arrested"}}`))
	if err != nil {
		t.Fatal(err)
	}
	csv := "ID,Outcome,Apprehension,Arrested\n" +
		"a,,yes,no\n" +
		"b,,no,no\n" +
		"c,,,\n" +
		"d,,yes,\n" +
		"e,Handled,no,yes\n" +
		"f,,no,\n" +
		"f,,,yes\n" + // the same record: arrest answered on its second row
		"g,,no,no\n" +
		"g,,yes,\n" // detention yes on one row, no on the other: yes wins
	recs, rowErrs, _, err := ParseMapped(strings.NewReader(csv), m, nil)
	if err != nil || len(rowErrs) != 0 {
		t.Fatal(rowErrs, err)
	}
	want := map[string]string{
		"a": "partial yes [emergency_detention] no [arrest]",
		"b": "partial yes [] no [emergency_detention arrest]",
		"c": "partial yes [] no []",
		"d": "partial yes [emergency_detention] no []",
		"e": "whole yes [resolved_on_scene arrest] no []",
		"f": "partial yes [arrest] no [emergency_detention]",
		"g": "partial yes [emergency_detention] no [arrest]",
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for _, r := range recs {
		kind := "whole"
		if r.DispositionsPartial {
			kind = "partial"
		}
		got := fmt.Sprintf("%s yes %v no %v", kind, r.Dispositions, r.DispositionsNo)
		if got != want[r.ExternalID] {
			t.Errorf("%s: %s, want %s", r.ExternalID, got, want[r.ExternalID])
		}
	}
}
