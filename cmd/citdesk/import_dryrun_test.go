package main

import (
	"path/filepath"
	"strings"
	"testing"

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
	for _, want := range []string{"3 row(s) would be read", "row OD-1: {", `2023-01-01T00:00:00-06:00`, `2023-02-14T13:05:00-06:00`, `"emergency_detention"`, `"arrest"`} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	out = c.ok("", "import", "--agency", "desoto", "--format", "csv", "--mapping", mapping, file)
	if got := summaryOf(t, out); got[1] != "3" {
		t.Errorf("import: %v, want 3 new\n%s", got, out)
	}
}
