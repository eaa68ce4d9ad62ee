package importer_test

import (
	"strings"
	"testing"

	"citdesk"
	"citdesk/importer"
	"citdesk/store"
	"citdesk/store/storetest"
)

func TestMain(m *testing.M) {
	storetest.Main(m)
}

// TestImportRoster saves a roster through the real store: good rows are
// kept, bad ones reported by line, and a second import changes nothing.
func TestImportRoster(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		_, op := storetest.Agency(t, db, "desoto")
		_, coord := storetest.User(t, db, op, "coord", citdesk.RoleCoordinator)
		_, disp := storetest.User(t, db, op, "disp", citdesk.RoleDispatcher)
		const roster = "badge,first_name,last_name,cit_basic_date,mh_awareness_date,cit_inservice_date,cit_inservice_hours\n" +
			"101,Ada,Ames,2024-05-01,2023-01-10,,\n" +
			"102,Bo,Bell,,2023-01-10,,\n" +
			"103,Cy,,,,,\n" + // line 4: no last name
			// line 5: two good courses and one in the future: rejected whole,
			// no officer and no training (issue 10).
			"104,Di,Dorn,2024-05-01,2023-01-10,2099-01-01,8\n"

		res, err := importer.ImportRoster(coord, db.OfficerService(), strings.NewReader(roster))
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 2 || res.Updated != 0 || res.TrainingAdded != 3 || len(res.Rejected) != 2 {
			t.Fatalf("first import: %+v", res)
		}
		if r := res.Rejected[0]; r.Line != 4 || r.Column != "last_name" {
			t.Errorf("first rejection %+v, want line 4 last_name", r)
		}
		if r := res.Rejected[1]; r.Line != 5 || r.Column != "completed" || !strings.Contains(r.Reason, "future") {
			t.Errorf("second rejection %+v, want line 5 completed in the future", r)
		}

		res, err = importer.ImportRoster(coord, db.OfficerService(), strings.NewReader(roster))
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 0 || res.Updated != 2 || res.TrainingAdded != 0 || len(res.Rejected) != 2 {
			t.Errorf("second import: %+v", res)
		}
		list, err := db.OfficerService().ListOfficers(coord, citdesk.OfficerFilter{})
		if err != nil || len(list) != 2 {
			t.Fatalf("roster after two imports: %d officers, %v", len(list), err)
		}
		if list[0].Badge != "101" || list[0].CIT.Status != citdesk.CITExpiring || !list[0].MHAwarness {
			t.Errorf("Ada after import: %+v standing %+v", list[0], list[0].CIT)
		}

		// Someone who may not change the roster gets an error, not a list of
		// rejected rows.
		if _, err := importer.ImportRoster(disp, db.OfficerService(), strings.NewReader(roster)); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
			t.Errorf("dispatcher's import: %v, want forbidden", err)
		}
		if _, err := importer.ImportRoster(coord, db.OfficerService(), strings.NewReader("")); citdesk.ErrorCode(err) != citdesk.EINVALID {
			t.Errorf("empty file: %v, want invalid", err)
		}
		if _, err := db.OfficerService().FindOfficerByBadge(coord, "104"); citdesk.ErrorCode(err) != citdesk.ENOTFOUND {
			t.Errorf("the rejected row's officer: %v, want not found", err)
		}
		training, err := db.OfficerService().ListAgencyTraining(coord)
		if err != nil || len(training) != 3 {
			t.Errorf("training after the imports: %d records, %v; want Ada's two and Bo's one", len(training), err)
		}
	})
}

// TestImportRosterLineEndings: a roster saved with CR line endings (an
// old Mac) imports like one with LF or CRLF, instead of 0 rows; an
// unreadable or header-only file writes nothing.
func TestImportRosterLineEndings(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		_, op := storetest.Agency(t, db, "desoto")
		_, coord := storetest.User(t, db, op, "coord", citdesk.RoleCoordinator)
		lines := []string{"badge,first_name,last_name,cit_basic_date", "201,Ada,Ames,2024-05-01", "202,Bo,,", "203,Cy,Cole,"}
		for i, eol := range []string{"\r", "\r\n", "\n"} {
			res, err := importer.ImportRoster(coord, db.OfficerService(), strings.NewReader(strings.Join(lines, eol)+eol))
			if err != nil {
				t.Fatalf("%q: %v", eol, err)
			}
			created := 2
			if i > 0 {
				created = 0
			}
			if res.Created != created || res.Updated != 2-created || len(res.Rejected) != 1 || res.Rejected[0].Line != 3 {
				t.Errorf("line ending %q: %+v, want %d created, line 3 rejected", eol, res, created)
			}
		}
		for name, file := range map[string]string{
			"header only":  "badge,first_name,last_name\r",
			"not CSV":      "badge,first_name,last_name\n\"301,Ed,Eng\n",
			"binary":       "\x89PNG\r\n\x1a\n\x00\x00",
			"empty":        "",
			"only a blank": "\r\n",
		} {
			before, err := db.OfficerService().ListOfficers(coord, citdesk.OfficerFilter{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := importer.ImportRoster(coord, db.OfficerService(), strings.NewReader(file))
			after, lerr := db.OfficerService().ListOfficers(coord, citdesk.OfficerFilter{})
			if lerr != nil {
				t.Fatal(lerr)
			}
			if len(after) != len(before) || res.Created != 0 || res.TrainingAdded != 0 {
				t.Errorf("%s: %+v, %v; %d officers before, %d after", name, res, err, len(before), len(after))
			}
		}
	})
}
