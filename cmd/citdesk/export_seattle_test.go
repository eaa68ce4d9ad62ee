package main

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestExportSeattleDeidentified: the Seattle-layout export carries no
// person's name or date of birth, no narrative, no street address and no
// citdesk officer id, and the export is one audit event with its count.
func TestExportSeattleDeidentified(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--timezone", "America/Chicago")
		c.ok("", "demo", "--agency", "desoto", "--encounters", "200", "--seed", "3")
		// The demo writes no addresses or narratives: give two reports
		// both, as a correction.
		{
			db := c.open()
			op, _, err := operator(t.Context(), db, "desoto")
			if err != nil {
				t.Fatal(err)
			}
			encs, err := db.EncounterService().ListEncounters(op, citdesk.EncounterFilter{Status: citdesk.EncounterApproved})
			if err != nil || len(encs) < 2 {
				t.Fatalf("%d approved encounters: %v", len(encs), err)
			}
			corrected, last := 0, error(nil)
			for _, enc := range encs {
				if corrected == 2 {
					break
				}
				enc.Address = []string{"1234 Boyd St", "77 Cherry Lane Apt 4"}[corrected]
				enc.PrimaryProblem, enc.ContactStart, enc.ConfirmInjuryWithoutForce = "unknown", citdesk.StartWelfareCheck, true
				if enc.OnSceneMinutes == nil {
					mins := 30
					enc.OnSceneMinutes = &mins
				}
				enc.Narrative = "Subject was pacing on the porch and said the neighbors were listening."
				// Demo reports that lack other answers are not corrected.
				if last = db.EncounterService().CorrectEncounter(op, enc, "add the place and narrative"); last == nil {
					corrected++
				}
			}
			// And a person a date of birth.
			for _, enc := range encs {
				if enc.PersonID == nil {
					continue
				}
				p, err := db.PersonService().FindPersonByID(op, *enc.PersonID)
				if err != nil {
					t.Fatal(err)
				}
				p.DOB = citdesk.NewDate(1984, time.March, 7)
				if err := db.PersonService().UpdatePerson(op, p); err != nil {
					t.Fatalf("update person %d: %v", p.ID, err)
				}
				break
			}
			if corrected < 2 {
				t.Fatalf("%d reports corrected: %v", corrected, last)
			}
			db.Close()
		}
		stdout, stderr, err := c.run("", "export", "--format", "seattle-crisis", "--agency", "desoto", "--from", "2000-01-01", "--to", "2099-12-31")
		if err != nil {
			t.Fatalf("export: %v\n%s", err, stderr)
		}
		// The default mapping has no Seattle word for resolved_on_scene:
		// said, not silently dropped.
		if !strings.Contains(stderr, "resolved_on_scene, which the agency's Seattle disposition mapping has no word for") {
			t.Errorf("no warning about dispositions without a Seattle word:\n%s", stderr)
		}
		rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 100 || rows[0][0] != "template_id" || rows[0][13] != "officer_id" {
			t.Fatalf("%d rows, header %v", len(rows), rows[0])
		}
		// Every cell, whole: a forbidden value must not be a cell, nor
		// inside one.
		cells := map[string]bool{}
		for _, r := range rows {
			for _, v := range r {
				cells[v] = true
			}
		}
		contains := func(s string) bool {
			if cells[s] {
				return true
			}
			return strings.Contains(stdout, s)
		}

		db := c.open()
		defer db.Close()
		op, _, err := operator(t.Context(), db, "desoto")
		if err != nil {
			t.Fatal(err)
		}
		encs, err := db.EncounterService().ListEncounters(op, citdesk.EncounterFilter{Status: citdesk.EncounterApproved})
		if err != nil {
			t.Fatal(err)
		}
		var names, dobs, narratives, addresses, officers int
		seenPerson := map[int64]bool{}
		for _, enc := range encs {
			if enc.Address != "" {
				addresses++
				if contains(enc.Address) {
					t.Errorf("encounter %d's address %q is in the export", enc.ID, enc.Address)
				}
			}
			if n := strings.TrimSpace(enc.Narrative); len(n) >= 12 {
				narratives++
				if contains(n[:12]) {
					t.Errorf("encounter %d's narrative is in the export", enc.ID)
				}
			}
			officers++
			if cells[strconv.FormatInt(enc.OfficerID, 10)] {
				t.Errorf("officer id %d is a cell of the export", enc.OfficerID)
			}
			// Stand-ins are keyed: hashing what anyone can guess (the
			// agency's slug and a small id) must not give them back.
			id := strconv.FormatInt(enc.OfficerID, 10)
			guess := sha256.Sum256([]byte("citdesk open data\x00desoto\x00" + id))
			if plain := sha256.Sum256([]byte("desoto" + id)); contains(hex.EncodeToString(guess[:5])) || contains(hex.EncodeToString(plain[:5])) {
				t.Errorf("officer %d's pseudonym is an unkeyed hash of its id", enc.OfficerID)
			}
			if cells["desoto-"+strconv.FormatInt(enc.ID, 10)] {
				t.Errorf("report %d's id is in the export's template_id", enc.ID)
			}
			if enc.PersonID == nil || seenPerson[*enc.PersonID] {
				continue
			}
			seenPerson[*enc.PersonID] = true
			p, err := db.PersonService().FindPersonByID(op, *enc.PersonID)
			if err != nil {
				t.Fatal(err)
			}
			if p.LastName != "" {
				names++
				if contains(p.LastName) || (p.FirstName != "" && contains(p.FirstName)) {
					t.Errorf("person %d's name %q is in the export", p.ID, p.Name())
				}
			}
			if p.Address != "" {
				addresses++
				if contains(p.Address) {
					t.Errorf("person %d's address %q is in the export", p.ID, p.Address)
				}
			}
			if !p.DOB.IsZero() {
				dobs++
				if contains(p.DOB.String()) {
					t.Errorf("person %d's date of birth %s is in the export", p.ID, p.DOB)
				}
			}
		}
		for _, s := range []string{"pacing on the porch", "Boyd St", "1234", "Cherry Lane", "1984-03-07", "03/07/1984"} {
			if strings.Contains(stdout, s) {
				t.Errorf("%q is in the export", s)
			}
		}
		if names == 0 || addresses == 0 || officers == 0 || dobs == 0 {
			t.Fatalf("the demo gave %d names, %d addresses, %d officers to look for: the test proves nothing", names, addresses, officers)
		}
		t.Logf("checked %d names, %d dates of birth, %d narratives, %d addresses", names, dobs, narratives, addresses)

		out := c.ok("", "audit", "export", "--format", "jsonl", "--since", "1")
		n := strings.Count(out, `"encounter.export_open_data"`)
		if n != 1 || !strings.Contains(out, "encounter(s), seattle-crisis") {
			t.Errorf("%d audit events for the export, want 1 with its count", n)
		}
	})
}
