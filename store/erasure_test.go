package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
)

// TestPersonErase: a person's record is erased where policy allows: not
// while a report they are on is inside its retention period (or kept for
// ever), not under a legal hold; then in one transaction the person, their
// plans with photos and referrals with notes go, their reports stay
// de-identified with the coded fields the outcomes count, one audit event
// records the erasure in counts without the erased content, and the audit
// chain verifies. A held person's plan also outlives the purge.
func TestPersonErase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		ctx := context.Background()
		r := newReportEnv(t, eng)
		db, ret := r.db, r.db.Retention()
		agency, err := db.AgencyService().FindAgencyBySlug(ctx, "desoto")
		must(t, err)
		raw := storetest.Raw(t, rawDSN(t, eng, db))
		today := citdesk.DateOf(r.clock.Now(), time.UTC).AddDate(0, 0, -1) // the agency is in Chicago

		// Carl: a report with a referral and a note, a crisis plan with a photo.
		carl := r.person(t, r.officer, "Carl", "Moe", citdesk.Date{}, "3 Elm St")
		e := r.draft(t, r.officer)
		complete(e)
		e.PersonID = &carl.ID
		e.Narrative = "Carl said his sister's dog died"
		must(t, r.encounters.UpdateEncounter(r.officer, e))
		ref := &citdesk.Referral{EncounterID: e.ID, LiaisonUserID: &r.liaisonUser.ID, Reason: "housing"}
		must(t, r.referrals.CreateReferral(r.officer, ref))
		plan := &citdesk.CrisisPlan{PersonID: carl.ID, WhatHelps: "a quiet voice", ConsentDate: today, ConsentedBy: "self"}
		must(t, r.plans.CreateCrisisPlan(r.coord, plan))
		if _, err := raw.Exec(fmt.Sprintf(`INSERT INTO crisis_plan_photos (plan_id, agency_id, data, created_by, created_at) VALUES (%d, %d, 'jpeg', 1, 0)`, plan.ID, agency.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(fmt.Sprintf(`INSERT INTO referral_notes (agency_id, referral_id, by_user_id, by_name, at, text) VALUES (%d, %d, 1, 'liaison', 0, 'called Carl at home')`, agency.ID, ref.ID)); err != nil {
			t.Fatal(err)
		}
		// Pat: only a crisis plan.
		pat := r.person(t, r.coord, "Pat", "Plan", citdesk.Date{}, "9 Oak Ave")
		patPlan := &citdesk.CrisisPlan{PersonID: pat.ID, WhatHelps: "music", ConsentDate: today, ConsentedBy: "self", ExpiresOn: today.AddDate(0, 0, 10)}
		must(t, r.plans.CreateCrisisPlan(r.coord, patPlan))

		// Reports kept for ever (no schedule): Carl cannot be erased.
		_, err = ret.ErasePerson(r.op, agency.ID, carl.ID)
		wantCode(t, err, citdesk.ECONFLICT)
		if !strings.Contains(citdesk.ErrorMessage(err), "keeps for ever") {
			t.Errorf("refusal without a reports schedule: %v", err)
		}
		// Reports kept a year: not before the report is a year old.
		rule, err := citdesk.ParseRetentionRule("reports", "1y")
		must(t, err)
		must(t, ret.SetSchedule(r.op, agency.ID, rule))
		_, err = ret.ErasePerson(r.op, agency.ID, carl.ID)
		wantCode(t, err, citdesk.ECONFLICT)
		if msg := citdesk.ErrorMessage(err); !strings.Contains(msg, "inside its retention period (1y)") || !strings.Contains(msg, "can be erased from 2027-03-") {
			t.Errorf("refusal inside the retention period: %s", msg)
		}
		if n := tableCount(t, eng, db, "persons"); n != 2 {
			t.Fatalf("a refused erasure changed persons: %d", n)
		}
		// (Taken off while the purge below runs, so it keeps the report.)
		must(t, ret.RemoveSchedule(r.op, agency.ID, citdesk.KindReports))

		// A legal hold refuses the erasure of Pat, and keeps Pat's plan
		// through the purge; released, Pat is erased.
		wantCode(t, ret.SetLegalHold(r.op, agency.ID, pat.ID, " "), citdesk.EINVALID)
		must(t, ret.SetLegalHold(r.op, agency.ID, pat.ID, "subpoena 2026-114"))
		_, err = ret.ErasePerson(r.op, agency.ID, pat.ID)
		wantCode(t, err, citdesk.ECONFLICT)
		if !strings.Contains(citdesk.ErrorMessage(err), "legal hold (subpoena 2026-114)") {
			t.Errorf("refusal under a legal hold: %v", err)
		}
		planRule, err := citdesk.ParseRetentionRule("crisis_plans", "1d")
		must(t, err)
		must(t, ret.SetSchedule(r.op, agency.ID, planRule))
		r.clock.Advance(2 * 365 * 24 * time.Hour)
		_, err = ret.Purge(ctx, false)
		must(t, err)
		var held int
		must(t, raw.QueryRow(fmt.Sprintf(`SELECT COUNT(*) FROM crisis_plans WHERE id = %d`, patPlan.ID)).Scan(&held))
		if held != 1 {
			t.Errorf("the purge deleted a held person's crisis plan")
		}
		must(t, ret.ReleaseLegalHold(r.op, agency.ID, pat.ID))
		wantCode(t, ret.ReleaseLegalHold(r.op, agency.ID, pat.ID), citdesk.ENOTFOUND)
		res, err := ret.ErasePerson(r.op, agency.ID, pat.ID)
		must(t, err)
		if res.Deleted["persons"] != 1 || res.Deleted["crisis_plans"] != 1 || res.Detached != 0 {
			t.Errorf("erase Pat: %+v", res)
		}

		// Two years on, Carl's report is past its year (no purge of
		// reports has run yet). Carl is erased; the report stays without him.
		must(t, ret.SetSchedule(r.op, agency.ID, rule))
		// (The purge above deleted Carl's expired plan and, with it, the
		// photo: put them back to see the erasure take them.)
		plan2 := &citdesk.CrisisPlan{PersonID: carl.ID, WhatHelps: "a quiet voice", ConsentDate: citdesk.DateOf(r.clock.Now(), time.UTC).AddDate(0, 0, -1), ConsentedBy: "self"}
		must(t, r.plans.CreateCrisisPlan(r.coord, plan2))
		if _, err := raw.Exec(fmt.Sprintf(`INSERT INTO crisis_plan_photos (plan_id, agency_id, data, created_by, created_at) VALUES (%d, %d, 'jpeg', 1, 0)`, plan2.ID, agency.ID)); err != nil {
			t.Fatal(err)
		}
		res, err = ret.ErasePerson(r.op, agency.ID, carl.ID)
		must(t, err)
		want := map[string]int64{"persons": 1, "crisis_plans": 1, "crisis_plan_photos": 1, "referrals": 1, "referral_notes": 1}
		if !mapsEqual(res.Deleted, want) || res.Detached != 1 {
			t.Errorf("erase Carl: %+v, want %v and 1 report de-identified", res, want)
		}
		for _, tb := range []string{"persons", "crisis_plans", "crisis_plan_photos", "referrals", "referral_notes"} {
			if n := tableCount(t, eng, db, tb); n != 0 {
				t.Errorf("%s: %d rows left after both erasures", tb, n)
			}
		}
		var personID any
		var narrative, address, dispositions, problem string
		must(t, raw.QueryRow(fmt.Sprintf(`SELECT person_id, narrative, address, dispositions, primary_problem FROM encounters WHERE id = %d`, e.ID)).Scan(&personID, &narrative, &address, &dispositions, &problem))
		if personID != nil || narrative != "" || address != "" {
			t.Errorf("report after the erasure: person %v, narrative %q, address %q", personID, narrative, address)
		}
		if !strings.Contains(dispositions, string(citdesk.DispResolvedOnScene)) || problem != string(citdesk.ProblemMentalIllness) {
			t.Errorf("the report lost its coded fields: %s %s", dispositions, problem)
		}

		// One event, in counts; nothing erased is in the trail's details.
		if n := auditCount(t, db, r.op, "person.erase", "person", carl.ID, ""); n != 1 {
			t.Errorf("%d person.erase events for Carl", n)
		}
		var details []string
		rows, err := raw.Query(`SELECT detail FROM audit_events`)
		must(t, err)
		for rows.Next() {
			var d string
			must(t, rows.Scan(&d))
			details = append(details, d)
		}
		must(t, rows.Err())
		rows.Close()
		all := strings.Join(details, "\n")
		for _, secret := range []string{"Carl", "Moe", "3 Elm St", "sister's dog", "quiet voice", "called Carl"} {
			if strings.Contains(all, secret) {
				t.Errorf("the audit trail holds erased content %q", secret)
			}
		}
		if !strings.Contains(all, "records request: erased persons=1 crisis_plans=1 crisis_plan_photos=1 referrals=1 referral_notes=1 reports_deidentified=1") {
			t.Errorf("no erasure event with counts in:\n%s", all)
		}
		if br, _, err := db.AuditService().VerifyAudit(ctx); err != nil || br != nil {
			t.Errorf("audit chain after the erasure: %+v, %v", br, err)
		}

		_, err = ret.ErasePerson(r.op, agency.ID, carl.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		other, _ := storetest.Agency(t, db, "other")
		p3 := r.person(t, r.coord, "Ann", "Other", citdesk.Date{}, "")
		_, err = ret.ErasePerson(r.op, other.ID, p3.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
	})
}
