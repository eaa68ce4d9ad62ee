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
