package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// TestImportCSVDryRun: --dry-run shows how the first rows map and which
// rows would be rejected, and imports nothing: a real import afterwards
// still finds every row new.
func TestImportCSVDryRun(t *testing.T) {
	c := newCLI(t, storetest.SQLite)
	c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--city", "De Soto", "--timezone", "America/Chicago")
	generic := filepath.Join("..", "..", "importer", "testdata", "generic-rms.csv")
	mapping := filepath.Join("..", "..", "importer", "testdata", "generic-rms.mapping.json")
	out := c.ok("", "import", "--agency", "desoto", "--format", "csv", "--mapping", mapping, "--dry-run", generic)
	for _, want := range []string{"Dry run: nothing was imported. 6 row(s) would be read", "row R-1001: {", "would reject: line 9:", "would reject: line 12:", `disposition not in the mapping: "Moved along" (1)`, "… and 1 more."} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	out = c.ok("", "import", "--agency", "desoto", "--format", "csv", "--mapping", mapping, generic)
	if got := summaryOf(t, out); got[1] != "6" {
		t.Errorf("the import after a dry run: %v, want 6 new\n%s", got, out)
	}
	if _, _, err := c.run("", "import", "--agency", "desoto", "--format", "roster", "--dry-run", generic); err == nil {
		t.Error("--dry-run accepted for a roster")
	}
}

// TestImportOpenDataCSV: an open-data file with the time split over
// Year/Month/Day/Time columns and one yes/no column per outcome imports,
// and its dry run shows the built times and the flags' dispositions.
func TestImportOpenDataCSV(t *testing.T) {
	c := newCLI(t, storetest.SQLite)
	c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--city", "De Soto", "--timezone", "America/Chicago")
	file := filepath.Join("..", "..", "importer", "testdata", "open-data.csv")
	mapping := filepath.Join("..", "..", "importer", "testdata", "open-data.mapping.json")
	out := c.ok("", "import", "--agency", "desoto", "--format", "csv", "--mapping", mapping, "--dry-run", file)
	for _, want := range []string{"3 row(s) would be read", "row OD-1: {", `2023-01-01T00:00:00-06:00`, `2023-02-14T13:05:00-06:00`, `"emergency_detention"`, `"arrest"`,
		// Per row, the precision of the time and the known negatives.
		"row OD-1: time known to the month (left out of the figures by day); yes: emergency_detention; no (known negative): arrest; any other disposition unknown\n",
		"row OD-2: time known to the minute; yes: arrest; no (known negative): emergency_detention; any other disposition unknown\n",
		"row OD-3: time known to the month (left out of the figures by day); yes: none; no (known negative): none; any other disposition unknown\n",
		`"OccurredPrecision":"month"`, `"DispositionsNo":["arrest"]`} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	out = c.ok("", "import", "--agency", "desoto", "--format", "csv", "--mapping", mapping, file)
	if got := summaryOf(t, out); got[1] != "3" {
		t.Errorf("import: %v, want 3 new\n%s", got, out)
	}

	// Stored: each record's precision and its known negatives.
	raw := storetest.Raw(t, c.dsn)
	rows, err := raw.Query(`SELECT external_id, occurred_precision, dispositions, COALESCE(dispositions_no, 'NULL') FROM encounters WHERE source = 'open-data-crisis' ORDER BY external_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, prec, yes, no string
		if err := rows.Scan(&id, &prec, &yes, &no); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{id, prec, yes, no}, " "))
	}
	want := []string{`OD-1 month ["emergency_detention"] ["arrest"]`, `OD-2 minute ["arrest"] ["emergency_detention"]`, `OD-3 month [] []`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stored:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The figures: OD-3 answers neither outcome, so it is in neither
	// denominator; each "no" is.
	op := citdesk.NewContextWithActor(context.Background(), citdesk.OperatorActor(1))
	db := c.open()
	_, analyst := storetest.User(t, db, op, "analyst", citdesk.RoleAnalyst)
	rep, err := db.OutcomeService().Report(analyst, citdesk.Date{}, citdesk.Date{})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string][2]int{"encounters": {3, 0}, "arrests": {1, 2}, "emergency_detentions": {1, 2}} {
		if m := rep.Measures[id]; m.Count != want[0] || m.Denominator != want[1] {
			t.Errorf("%s = %d of %d, want %d of %d", id, m.Count, m.Denominator, want[0], want[1])
		}
	}
}
