package importer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"citdesk/importer"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestImportSeattleWritesNothingForAnEmptyFile: an empty, header-only or
// unreadable crisis data file leaves no disposition mapping and no record
// behind, whether the mapping is the default or the caller's (issue 10:
// an empty Seattle file saved its mapping).
func TestImportSeattleWritesNothingForAnEmptyFile(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		_, op := storetest.Agency(t, db, "desoto")
		hs := db.HistoryService()
		for name, file := range map[string]string{
			"empty":       "",
			"header only": "template_id,disposition,occured_date_time,reported_date,reported_time\r\n",
			"not CSV":     "template_id,disposition\n\"1,x\n",
			"binary":      "\x89PNG\r\n\x1a\n\x00\x00",
		} {
			for _, mapping := range []map[string]string{nil, {"Crisis Clinic": "referred_to_liaison"}} {
				res, err := importer.ImportSeattle(op, hs, strings.NewReader(file), mapping, nil)
				if res.Created != 0 || res.SavedMapping {
					t.Errorf("%s (mapping %v): %+v, %v", name, mapping, res, err)
				}
				if _, ok, err := hs.DispositionMap(op, importer.SeattleSource); err != nil || ok {
					t.Errorf("%s (mapping %v): a mapping was saved (%v)", name, mapping, err)
				}
			}
		}
	})
}

// TestImportLineEndings: Seattle and mapped files saved with CR line
// endings (an old Mac) import like the same files with LF.
func TestImportLineEndings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		seattle, err := os.ReadFile(filepath.Join("testdata", "seattle-first30.csv"))
		if err != nil {
			t.Fatal(err)
		}
		generic, err := os.ReadFile(filepath.Join("testdata", "generic-rms.csv"))
		if err != nil {
			t.Fatal(err)
		}
		mf, err := os.Open(filepath.Join("testdata", "generic-rms.mapping.json"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := importer.LoadColumnMapping(mf)
		mf.Close()
		if err != nil {
			t.Fatal(err)
		}
		cr := func(b []byte) string {
			return strings.ReplaceAll(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n", "\r")
		}
		var want [2]importer.HistoryImport
		for i, file := range []func([]byte) string{func(b []byte) string { return string(b) }, cr} {
			db, _ := storetest.Open(t, e)
			_, op := storetest.Agency(t, db, "desoto")
			hs := db.HistoryService()
			s, err := importer.ImportSeattle(op, hs, strings.NewReader(file(seattle)), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			g, err := importer.ImportMapped(op, hs, strings.NewReader(file(generic)), m, time.UTC, nil)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				want = [2]importer.HistoryImport{s, g}
				if s.Created == 0 || g.Created == 0 {
					t.Fatalf("LF files: Seattle %+v, mapped %+v", s, g)
				}
				continue
			}
			if s.Reports != want[0].Reports || s.Created != want[0].Created || len(s.ParseRejected) != len(want[0].ParseRejected) {
				t.Errorf("Seattle with CR line endings: %d reports, %d created, %d rejected; with LF %d, %d, %d",
					s.Reports, s.Created, len(s.ParseRejected), want[0].Reports, want[0].Created, len(want[0].ParseRejected))
			}
			if g.Reports != want[1].Reports || g.Created != want[1].Created || len(g.ParseRejected) != len(want[1].ParseRejected) {
				t.Errorf("mapped with CR line endings: %d records, %d created, %d rejected; with LF %d, %d, %d",
					g.Reports, g.Created, len(g.ParseRejected), want[1].Reports, want[1].Created, len(want[1].ParseRejected))
			}
			for j := range min(len(g.ParseRejected), len(want[1].ParseRejected)) {
				if g.ParseRejected[j].Line != want[1].ParseRejected[j].Line {
					t.Errorf("mapped rejection %d on line %d, with LF on line %d", j, g.ParseRejected[j].Line, want[1].ParseRejected[j].Line)
				}
			}
		}
	})
}
