package main

import (
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"citdesk"
	"citdesk/importer"
	"citdesk/store/storetest"
)

// notCarried are the outcome measures the Seattle crisis layout cannot
// carry, so an export imported back cannot give the same figure:
var notCarried = map[string]string{
	"person_injuries":         "the layout has no injury columns",
	"officer_injuries":        "the layout has no injury columns",
	"deaths":                  "the layout has no injury columns (a death is a fatal injury)",
	"repeat_contacts_30d":     "no person in a de-identified file, so repeat contacts cannot be told",
	"repeat_contacts_90d":     "no person in a de-identified file",
	"repeat_contacts_365d":    "no person in a de-identified file",
	"referrals":               "the layout has no referrals, only a disposition naming one",
	"referrals_connected":     "the layout has no referrals",
	"referrals_contacted_72h": "the layout has no referrals",
	"survey_responses":        "the layout has no referrals, hence no surveys",
	"ending_in_care":          "counts referrals connected to care, which the layout does not carry",
	"reports_submitted_24h":   "the layout has the report date but no due time, and imported history has no review history",
	"reports_approved_7d":     "the layout has no approval time; imported history has no review history",
	"online_requests":         "the layout's call_type is written \"-\": citdesk's call source has no Seattle word yet",
}

// TestExportSeattleRoundTrip: demo encounters exported with
// "export --format seattle-crisis" and imported into a fresh agency with
// the seattle-crisis importer give the same outcome figures, for every
// measure the layout carries.
func TestExportSeattleRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--timezone", "America/Chicago")
		c.ok("", "agency", "add", "copy", "--name", "Copy PD", "--timezone", "America/Chicago")
		c.ok("", "demo", "--agency", "desoto", "--encounters", "400", "--seed", "7")
		// Approve what the demo left submitted: the export is of approved
		// reports, the figures count submitted ones too.
		db := c.open()
		op, _, err := operator(t.Context(), db, "desoto")
		if err != nil {
			t.Fatal(err)
		}
		pending, err := db.EncounterService().ListEncounters(op, citdesk.EncounterFilter{Status: citdesk.EncounterSubmitted})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range pending {
			if _, err := db.EncounterService().ApproveEncounter(op, e.ID, e.Version); err != nil {
				t.Fatalf("approve %d: %v", e.ID, err)
			}
		}
		// Seattle's words for the citdesk dispositions the default mapping
		// has none for, saved as the agency's mapping and used to import.
		mapFile := filepath.Join(t.TempDir(), "map.csv")
		var mb strings.Builder
		mb.WriteString("seattle,citdesk\n")
		full := maps.Clone(importer.DefaultSeattleDispositions)
		full["Resolved on Scene"], full["Resources Offered"], full["Citation Issued"] = "resolved_on_scene", "resources_offered", "citation"
		for k, v := range full {
			mb.WriteString(k + "," + v + "\n")
		}
		os.WriteFile(mapFile, []byte(mb.String()), 0o644)
		if err := db.HistoryService().SaveDispositionMap(op, importer.SeattleSource, full); err != nil {
			t.Fatal(err)
		}
		db.Close()
		out := filepath.Join(t.TempDir(), "crisis.csv")
		_, stderr, err := c.run("", "export", "--format", "seattle-crisis", "--agency", "desoto", "--from", "2000-01-01", "--to", "2099-12-31", "--out", out)
		if err != nil {
			t.Fatalf("export: %v\n%s", err, stderr)
		}
		c.ok("", "import", "--agency", "copy", "--format", "seattle-crisis", "--dispositions", mapFile, out)

		db = c.open()
		defer db.Close()
		report := func(slug string) map[string]string {
			op, _, err := operator(t.Context(), db, slug)
			if err != nil {
				t.Fatal(err)
			}
			r, err := db.OutcomeService().Report(op, citdesk.Date{}, citdesk.Date{})
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]string{}
			for id, ms := range r.Measures {
				s := cellString(ms.Count, ms.Denominator)
				if ms.CIT != nil {
					s += " cit " + cellString(ms.CIT.Count, ms.CIT.Denominator)
				}
				if ms.NonCIT != nil {
					s += " non-cit " + cellString(ms.NonCIT.Count, ms.NonCIT.Denominator)
				}
				m[id] = s
			}
			return m
		}
		orig, back := report("desoto"), report("copy")
		if len(orig) == 0 {
			t.Fatal("no measures")
		}
		carried := 0
		for id, want := range orig {
			if _, ok := notCarried[id]; ok {
				continue
			}
			carried++
			if got := back[id]; got != want {
				t.Errorf("%s: export imported back gives %s, the agency has %s", id, got, want)
			}
		}
		for id := range notCarried {
			if _, ok := orig[id]; !ok {
				t.Errorf("notCarried lists %q, which is not a measure", id)
			}
		}
		if carried < 5 {
			t.Errorf("only %d measures compared", carried)
		}
	})
}

func cellString(k, n int) string { return strconv.Itoa(k) + "/" + strconv.Itoa(n) }
