package importer_test

import (
	"os"
	"strings"
	"testing"

	"citdesk"
	"citdesk/importer"
	"citdesk/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.DropTemplate()
	os.Exit(code)
}

// TestImportRoster saves a roster through the real store: good rows are
// kept, bad ones reported by line, and a second import changes nothing.
func TestImportRoster(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db, _ := storetest.Open(t, e)
		_, op := storetest.Agency(t, db, "desoto")
		_, coord := storetest.User(t, db, op, "coord", citdesk.RoleCoordinator)
		_, disp := storetest.User(t, db, op, "disp", citdesk.RoleDispatcher)
		const roster = "badge,first_name,last_name,cit_basic_date,mh_awareness_date\n" +
			"101,Ada,Ames,2024-05-01,2023-01-10\n" +
			"102,Bo,Bell,,2023-01-10\n" +
			"103,Cy,,,\n" + // line 4: no last name
			"104,Di,Dorn,2027-01-01,\n" // line 5: the course date is in the future

		res, err := importer.ImportRoster(coord, db.OfficerService(), strings.NewReader(roster))
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 3 || res.Updated != 0 || res.TrainingAdded != 3 || len(res.Rejected) != 2 {
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
		if res.Created != 0 || res.Updated != 3 || res.TrainingAdded != 0 || len(res.Rejected) != 2 {
			t.Errorf("second import: %+v", res)
		}
		list, err := db.OfficerService().ListOfficers(coord, citdesk.OfficerFilter{})
		if err != nil || len(list) != 3 {
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
	})
}
