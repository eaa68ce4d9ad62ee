package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

var historySummary = regexp.MustCompile(`(\d+) records read; (\d+) new, (\d+) updated, (\d+) unchanged; (\d+) persons added; (\d+) rejected`)

// summaryOf returns the numbers of an import's summary line.
func summaryOf(t *testing.T, out string) []string {
	t.Helper()
	m := historySummary.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary in:\n%s", out)
	}
	return m[1:]
}

func TestImportHistoryCommands(t *testing.T) {
	seattle := filepath.Join("..", "..", "..", "shared", "data", "seattle-crisis", "spd_crisis_data20201114.csv")
	generic := filepath.Join("..", "..", "importer", "testdata", "generic-rms.csv")
	mapping := filepath.Join("..", "..", "importer", "testdata", "generic-rms.mapping.json")
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--timezone", "America/Chicago")

		t.Run("seattle", func(t *testing.T) {
			if _, err := os.Stat(seattle); err != nil {
				t.Skipf("the Seattle crisis data is not at %s; skipping", seattle)
			}
			out := c.ok("", "import", "--agency", "desoto", "--format", "seattle-crisis", seattle)
			if got := summaryOf(t, out); got[0] != "982" || got[1] != "982" || got[5] != "0" || !strings.Contains(out, "the default one, saved") {
				t.Errorf("first import: %v\n%s", got, out)
			}
			out = c.ok("", "import", "--agency", "desoto", "--format", "seattle-crisis", seattle)
			if got := summaryOf(t, out); got[1] != "0" || got[2] != "0" || got[3] != "982" {
				t.Errorf("re-import: %v, want 0 new, 0 updated, 982 unchanged", got)
			}
			// Without a file, the mapping saved for the agency is used, and said so.
			if !strings.Contains(out, "the one saved for desoto (edit it at /admin/dispositions") {
				t.Errorf("re-import does not name the saved mapping:\n%s", out)
			}

			// An edited mapping that drops "Subject Arrested": the reports
			// with it change (they lose the arrest) and it is reported.
			edited := filepath.Join(t.TempDir(), "map.csv")
			os.WriteFile(edited, []byte("seattle,citdesk\nEmergent Detention / ITA,emergency_detention\nVoluntary Committal,voluntary_transport\n"), 0o644)
			out = c.ok("", "import", "--agency", "desoto", "--format", "seattle-crisis", "--dispositions", edited, seattle)
			if got := summaryOf(t, out); got[1] != "0" || got[2] == "0" || !strings.Contains(out, `"Subject Arrested"`) || !strings.Contains(out, "saved from") {
				t.Errorf("import with an edited mapping: %v\n%s", got, out)
			}
			db := c.open()
			op, _, err := operator(t.Context(), db, "desoto")
			if err != nil {
				t.Fatal(err)
			}
			m, _, err := db.HistoryService().DispositionMap(op, "seattle-crisis")
			if err != nil || len(m) != 2 {
				t.Errorf("saved mapping %v, %v", m, err)
			}
			bad := filepath.Join(t.TempDir(), "bad.csv")
			os.WriteFile(bad, []byte("seattle,citdesk\nSubject Arrested,jail\n"), 0o644)
			if _, _, err := c.run("", "import", "--agency", "desoto", "--format", "seattle-crisis", "--dispositions", bad, seattle); err == nil || !strings.Contains(err.Error(), "jail") {
				t.Errorf("a mapping to an unknown disposition: %v", err)
			}
		})

		t.Run("csv", func(t *testing.T) {
			out := c.ok("", "import", "--agency", "desoto", "--format", "csv", "--mapping", mapping, generic)
			if got := summaryOf(t, out); got[0] != "6" || got[1] != "6" || got[4] != "4" || got[5] != "4" {
				t.Errorf("generic import: %v\n%s", got, out)
			}
			for _, line := range []string{"rejected: line 9:", "rejected: line 10:", "rejected: line 11:", "rejected: line 12:", `"Moved along" (1)`} {
				if !strings.Contains(out, line) {
					t.Errorf("output lacks %q:\n%s", line, out)
				}
			}
			out = c.ok("", "import", "--agency", "desoto", "--format", "csv", "--mapping", mapping, generic)
			if got := summaryOf(t, out); got[1] != "0" || got[3] != "6" {
				t.Errorf("generic re-import: %v", got)
			}
			if _, _, err := c.run("", "import", "--agency", "desoto", "--format", "csv", generic); err == nil || !strings.Contains(err.Error(), "--mapping") {
				t.Errorf("csv without a mapping: %v", err)
			}
		})

		t.Run("demo", func(t *testing.T) {
			out := c.ok("", "demo", "--agency", "desoto", "--encounters", "400", "--seed", "3")
			if !strings.Contains(out, "400 encounters new") {
				t.Errorf("demo: %s", out)
			}
			out = c.ok("", "demo", "--agency", "desoto", "--encounters", "400", "--seed", "3")
			if !strings.Contains(out, "0 encounters new, 400 already there") {
				t.Errorf("demo again: %s", out)
			}
			if _, _, err := c.run("", "demo", "--agency", "nowhere", "--encounters", "10"); err == nil {
				t.Error("demo for an unknown agency succeeded")
			}
			db := c.open()
			op, _, err := operator(t.Context(), db, "desoto")
			if err != nil {
				t.Fatal(err)
			}
			rep, err := db.OutcomeService().Report(op, citdesk.Date{}, citdesk.Date{})
			if err != nil {
				t.Fatal(err)
			}
			if d := rep.Durations["received_to_on_scene"]; d.Count < 200 {
				t.Errorf("demo history has %d response times, want most of 400", d.Count)
			}
			if m := rep.Measures["referrals"]; m.Count == 0 {
				t.Error("demo history has no referrals")
			}
		})
	})
}
