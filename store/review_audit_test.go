package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// TestReviewListEncountersAudited: listing contact reports reads
// person-level records (who was met, where, how it ended), so every
// listing leaves one audit event per report listed, naming the reader and
// the report, as listing referrals and repeat contacts do.
func TestReviewListEncountersAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		_, analyst := storetest.User(t, r.db, r.op, "analyst", citdesk.RoleAnalyst)
		r.draft(t, r.officer)
		r.draft(t, r.other)
		for _, tc := range []struct {
			who  string
			ctx  context.Context
			want int // reports listed
		}{
			{"ofc", r.officer, 1},
			{"coord", r.coord, 2},
		} {
			t.Run(tc.who, func(t *testing.T) {
				list, err := r.encounters.ListEncounters(tc.ctx, citdesk.EncounterFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if len(list) != tc.want {
					t.Fatalf("listed %d reports, want %d", len(list), tc.want)
				}
				events, err := r.db.AuditService().ListAudit(r.op, citdesk.AuditFilter{Action: "encounter.list", Actor: tc.who, ObjectType: "encounter"})
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]bool{}
				for _, e := range events {
					got[e.ObjectID] = true
				}
				if len(events) != len(list) || len(got) != len(list) {
					t.Errorf("%d encounter.list events by %s on %d reports, want one per report listed (%d)", len(events), tc.who, len(got), len(list))
				}
				for _, e := range list {
					if !got[strconv.FormatInt(e.ID, 10)] {
						t.Errorf("report %d listed to %s has no audit event", e.ID, tc.who)
					}
				}
			})
		}
		// A refused listing reads nothing and records nothing. Analysts
		// get aggregates (the outcome figures), never the reports.
		if _, err := r.encounters.ListEncounters(r.dispatch, citdesk.EncounterFilter{}); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
			t.Errorf("dispatcher lists reports: %v, want forbidden", err)
		}
		if _, err := r.encounters.ListEncounters(analyst, citdesk.EncounterFilter{}); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
			t.Errorf("analyst lists reports: %v, want forbidden", err)
		}
		events, err := r.db.AuditService().ListAudit(r.op, citdesk.AuditFilter{Action: "encounter.list", Actor: "disp"})
		if err != nil || len(events) != 0 {
			t.Errorf("refused listing recorded %d encounter.list events (%v)", len(events), err)
		}
	})
}

// TestReviewCorruptRowErrorsCarryNoPersonData: a row that cannot be read
// becomes an internal error, which the web layer writes to the log; the
// error says which row, never the person's date of birth or aliases.
func TestReviewCorruptRowErrorsCarryNoPersonData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		dsn := storetest.DSN(t, eng)
		db := openDSN(t, dsn)
		_, op := storetest.Agency(t, db, "desoto")
		_, coord := storetest.User(t, db, op, "coord", citdesk.RoleCoordinator)
		p := &citdesk.Person{FirstName: "Jonathan", LastName: "Kowalczyk", Aliases: []string{"Johnny K"}}
		if err := db.PersonService().CreatePerson(coord, p); err != nil {
			t.Fatal(err)
		}
		raw := storetest.Raw(t, dsn)
		for _, tc := range []struct {
			name, set, secret string
		}{
			{"date of birth", `dob = '1983-02-31'`, "1983-02-31"},
			{"aliases", `dob = '', aliases = '["Johnny K"'`, "Johnny K"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				q := `UPDATE persons SET ` + tc.set + ` WHERE id = 1`
				if _, err := raw.Exec(q); err != nil {
					t.Fatal(err)
				}
				_, err := db.PersonService().FindPersonByID(coord, p.ID)
				if err == nil || citdesk.ErrorCode(err) != citdesk.EINTERNAL {
					t.Fatalf("reading a corrupt person: %v, want an internal error", err)
				}
				if strings.Contains(err.Error(), tc.secret) {
					t.Errorf("the error (logged by the web layer) holds %q: %v", tc.secret, err)
				}
			})
		}
	})
}
