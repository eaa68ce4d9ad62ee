package importer

import (
	"encoding/csv"
	"io"
	"maps"
	"slices"
	"strings"
)

// A spreadsheet reads a cell that starts with =, +, -, @, a tab or a
// carriage return as a formula, so a disposition an agency typed as
// "=HYPERLINK(…)" would run when a clerk opens an exported file. Text cells
// citdesk writes for spreadsheets therefore start with a quote in that
// case (OWASP's CSV-injection advice), and the readers here take the quote
// off again, so a file round-trips unchanged.
const formulaStarts = "=+-@\t\r"

// spreadsheetCell guards a text cell for a spreadsheet.
func spreadsheetCell(s string) string {
	if s != "" && strings.ContainsRune(formulaStarts, rune(s[0])) {
		return "'" + s
	}
	return s
}

// fromSpreadsheetCell undoes spreadsheetCell: a quote followed by a
// formula start is dropped; any other quote is the text's own.
func fromSpreadsheetCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune(formulaStarts, rune(s[1])) {
		return s[1:]
	}
	return s
}

// WriteDispositionMap writes a disposition mapping as the CSV file
// LoadDispositionMap reads back: a header, then the agency's dispositions
// in order, each with its citdesk disposition (blank for none).
func WriteDispositionMap(w io.Writer, m map[string]string) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"agency disposition", "citdesk disposition"})
	for _, k := range slices.Sorted(maps.Keys(m)) {
		cw.Write([]string{spreadsheetCell(k), m[k]})
	}
	cw.Flush()
	return cw.Error()
}
