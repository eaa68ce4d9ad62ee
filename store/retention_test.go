package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

func tableCount(t *testing.T, e storetest.Engine, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := storetest.Raw(t, rawDSN(t, e, db)).QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRetentionPurge: with each kind's schedule set, the purge deletes
// what is due and nothing else, one transaction and one audit event (with
// counts) per kind; a dry run counts the same and changes nothing; a
// person with a referral is kept, a person whose reports are kept loses
// only the link; the audit trail's purged prefix is sealed, so the chain
// still verifies (and a forged seal is caught).
func TestRetentionPurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		ctx := context.Background()
		r := newReportEnv(t, eng)
		db, ret := r.db, r.db.Retention()
		agency, err := db.AgencyService().FindAgencyBySlug(ctx, "desoto")
		must(t, err)

		// 2026: a closed call, a person with a report and a referral, a
		// person with only an old report, a person with a crisis plan, a
		// token that expires within the hour.
		oldCall := &citdesk.Call{Nature: "welfare check", Address: "1 Main St", CallerName: "Jo Caller", Response: citdesk.Response988}
		must(t, db.CallService().CreateCall(r.dispatch, oldCall))
		// It was transferred to mobile crisis: the transfer goes with it.
		_, err = store.NewTransferService(db).RecordTransfer(r.dispatch, &citdesk.Transfer{CallID: oldCall.ID, Destination: citdesk.TransferToMobileCrisis, Consent: citdesk.ConsentYes}, oldCall.Version)
		must(t, err)
		closing, err := db.CallService().FindCallByID(r.dispatch, oldCall.ID)
		must(t, err)
		closing.Status = citdesk.CallClosed
		must(t, db.CallService().UpdateCall(r.dispatch, closing))
		// It came from the county CAD as an EIDO incident.
		raw := storetest.Raw(t, rawDSN(t, eng, db))
		if _, err := raw.Exec(fmt.Sprintf(`INSERT INTO cad_incidents (agency_id, incident_id, call_id, first_received_at, last_received_at)
			VALUES (%d, 'urn:emergency:uid:incidentid:cad1:desoto', %d, 0, 0)`, agency.ID, oldCall.ID)); err != nil {
			t.Fatal(err)
		}
		// Two deliveries of it went to the CAD's webhook: one delivered, one
		// still pending (kept, as it has yet to go out, however old).
		old := r.clock.Now().UnixMicro()
		for _, q := range []string{
			fmt.Sprintf(`INSERT INTO webhooks (id, agency_id, url, events, secret, created_at, created_by) VALUES (900, %d, 'https://cad.invalid/hook', 'call.created', 'sealed', %d, 1)`, agency.ID, old),
			fmt.Sprintf(`INSERT INTO webhook_deliveries (agency_id, webhook_id, event, idempotency_key, body, created_at, delivered_at) VALUES (%d, 900, 'call.created', 'k-delivered', '{"caller":"Jo Caller"}', %d, %d)`, agency.ID, old, old),
			fmt.Sprintf(`INSERT INTO webhook_deliveries (agency_id, webhook_id, event, idempotency_key, body, created_at) VALUES (%d, 900, 'call.created', 'k-pending', '{}', %d)`, agency.ID, old),
		} {
			if _, err := raw.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		referred := r.person(t, r.officer, "Carl", "Moe", citdesk.Date{}, "")
		e1 := r.draft(t, r.officer)
		complete(e1)
		e1.PersonID = &referred.ID
		must(t, r.encounters.UpdateEncounter(r.officer, e1))
		must(t, r.referrals.CreateReferral(r.officer, &citdesk.Referral{EncounterID: e1.ID, LiaisonUserID: &r.liaisonUser.ID, Reason: "housing"}))
		detached := r.person(t, r.officer, "Dee", "Tached", citdesk.Date{}, "")
		e2 := r.draft(t, r.officer)
		complete(e2)
		e2.PersonID = &detached.ID
		must(t, r.encounters.UpdateEncounter(r.officer, e2))
		planned := r.person(t, r.coord, "Pat", "Plan", citdesk.Date{}, "9 Oak Ave")
		today := citdesk.DateOf(r.clock.Now(), time.UTC).AddDate(0, 0, -1) // the agency is in Chicago
		must(t, r.plans.CreateCrisisPlan(r.coord, &citdesk.CrisisPlan{PersonID: planned.ID, WhatHelps: "quiet", ConsentDate: today, ConsentedBy: "self"}))
		_, _, err = db.SessionService().IssueToken(r.op, "disp", time.Hour)
		must(t, err)
		cp, err := db.AuditService().CheckpointAudit(ctx, "")
		must(t, err)

		// Eight years on, new records that every schedule keeps.
		r.clock.Advance(8 * 365 * 24 * time.Hour)
		newCall := &citdesk.Call{Nature: "new call", Address: "2 Main St"}
		must(t, db.CallService().CreateCall(r.dispatch, newCall))
		fresh := r.person(t, r.officer, "New", "Person", citdesk.Date{}, "")
		_, _, err = db.SessionService().IssueToken(r.op, "disp", time.Hour)
		must(t, err)

		for _, s := range []struct{ kind, keep string }{{"calls", "7y"}, {"reports", "10y"}, {"persons", "5y"}, {"crisis_plans", "30d"}, {"sessions", "90d"}} {
			rule, err := citdesk.ParseRetentionRule(s.kind, s.keep)
			must(t, err)
			must(t, ret.SetSchedule(r.op, agency.ID, rule))
		}
		rules, err := ret.Schedules(ctx, agency.ID)
		must(t, err)
		if len(rules) != 5 || rules[0].Kind != citdesk.KindCrisisPlans && rules[0].Kind != citdesk.KindSessions {
			t.Fatalf("schedules %+v", rules)
		}

		counts := func() map[string]int {
			m := map[string]int{}
			for _, tb := range []string{"calls", "assignments", "persons", "encounters", "referrals", "referral_notes", "crisis_plans", "sessions", "audit_events"} {
				m[tb] = tableCount(t, eng, db, tb)
			}
			return m
		}
		before := counts()
		dry, err := ret.Purge(ctx, true)
		must(t, err)
		if after := counts(); !mapsEqual(after, before) {
			t.Fatalf("a dry run changed the database: %v, then %v", before, after)
		}
		got, err := ret.Purge(ctx, false)
		must(t, err)
		if len(dry) != len(got) {
			t.Fatalf("dry run %d results, purge %d", len(dry), len(got))
		}
		byKind := map[citdesk.RecordKind]*citdesk.PurgeResult{}
		for i, res := range got {
			if !mapsEqual(res.Deleted, dry[i].Deleted) || res.Detached != dry[i].Detached {
				t.Errorf("%s: dry run said %v (+%d detached), purge did %v (+%d)", res.Kind, dry[i].Deleted, dry[i].Detached, res.Deleted, res.Detached)
			}
			byKind[res.Kind] = res
		}
		want := map[citdesk.RecordKind]map[string]int64{
			citdesk.KindCalls:       {"calls": 1, "call_transfers": 1, "cad_incidents": 1, "webhook_deliveries": 1},
			citdesk.KindReports:     {},
			citdesk.KindPersons:     {"persons": 2}, // detached and planned; referred has a referral
			citdesk.KindCrisisPlans: {"crisis_plans": 1},
			citdesk.KindSessions:    {"sessions": 1},
		}
		for kind, w := range want {
			res := byKind[kind]
			if res == nil || !mapsEqual(res.Deleted, w) {
				t.Errorf("%s purged %+v, want %v", kind, res, w)
			}
		}
		if byKind[citdesk.KindPersons].Detached != 1 {
			t.Errorf("reports detached from purged persons: %d, want 1", byKind[citdesk.KindPersons].Detached)
		}
		if _, ok := byKind[citdesk.KindAudit]; ok {
			t.Error("the audit trail was purged with no audit schedule")
		}
		after := counts()
		if after["calls"] != before["calls"]-1 || after["persons"] != before["persons"]-2 || after["encounters"] != before["encounters"] || after["sessions"] != before["sessions"]-1 {
			t.Errorf("counts before %v, after %v", before, after)
		}
		// What stays: the new call and person, the referred person, the report kept without its person.
		_, err = db.CallService().FindCallByID(r.dispatch, newCall.ID)
		must(t, err)
		_, err = db.PersonService().FindPersonByID(r.op, fresh.ID)
		must(t, err)
		_, err = db.PersonService().FindPersonByID(r.op, referred.ID)
		must(t, err)
		_, err = db.PersonService().FindPersonByID(r.op, detached.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		kept, err := r.encounters.FindEncounterByID(r.op, e2.ID)
		must(t, err)
		if kept.PersonID != nil || kept.Narrative == "" {
			t.Errorf("report of a purged person: person %v, narrative %q", kept.PersonID, kept.Narrative)
		}
		events, err := db.AuditService().ListAudit(r.op, citdesk.AuditFilter{Action: "retention.purge", Limit: 100})
		must(t, err)
		if len(events) != 4 { // calls, persons, crisis plans, sessions; nothing of reports was due
			t.Errorf("%d retention.purge events, want one per kind that purged something", len(events))
		}
		for _, ev := range events {
			if !strings.Contains(ev.Detail, "deleted") || !strings.Contains(ev.Detail, "=") {
				t.Errorf("purge event without counts: %q", ev.Detail)
			}
		}

		// The audit trail: at least a year, and a prefix sealed before it goes.
		_, err = citdesk.ParseRetentionRule("audit", "200d")
		wantCode(t, err, citdesk.EINVALID)
		rule, err := citdesk.ParseRetentionRule("audit", "6y")
		must(t, err)
		must(t, ret.SetSchedule(r.op, agency.ID, rule))
		var headBefore int64
		must(t, storetest.Raw(t, rawDSN(t, eng, db)).QueryRow(`SELECT seq FROM audit_head`).Scan(&headBefore))
		res, err := ret.Purge(ctx, false)
		must(t, err)
		last := res[len(res)-1]
		if last.Kind != citdesk.KindAudit || last.Deleted["audit_events"] < 20 {
			t.Fatalf("audit purge: %+v", last)
		}
		br, n, err := db.AuditService().VerifyAudit(ctx)
		if err != nil || br != nil {
			t.Fatalf("verify after the audit purge: %+v, %v", br, err)
		}
		if remaining := int64(tableCount(t, eng, db, "audit_events")); n != remaining || n+last.Deleted["audit_events"] < headBefore {
			t.Errorf("verified %d events, %d remain, %d purged, head was %d", n, remaining, last.Deleted["audit_events"], headBefore)
		}
		if br, _, err := db.AuditService().VerifyAuditCheckpoint(ctx, cp); err != nil || br != nil {
			t.Errorf("a checkpoint inside the purged prefix: %+v, %v", br, err)
		}
		if again, err := ret.Purge(ctx, false); err != nil || again[len(again)-1].Deleted["audit_events"] != 0 {
			t.Errorf("a second purge: %+v, %v", again, err)
		}

		// The trail stays append-only past the seal, and a forged seal is caught.
		raw = storetest.Raw(t, rawDSN(t, eng, db))
		if _, err := raw.Exec(`DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)`); err == nil {
			t.Error("deleting an unsealed audit event succeeded")
		}
		if _, err := raw.Exec(rebind(eng, `INSERT INTO audit_seals (seq, hash, at, sig, purged) VALUES (?, 'x', 0, 'forged', 1)`), headBefore+100); err != nil {
			t.Fatal(err)
		}
		if br, _, err := db.AuditService().VerifyAudit(ctx); err != nil || br == nil || !strings.Contains(br.Reason, "forged") {
			t.Errorf("verify with a forged seal: %+v, %v", br, err)
		}
	})
}

// TestPersonExport: a person's record, for a records request: the person,
// their reports with the narrative, referrals with notes, crisis plans and
// who saw them; the export is audited; another agency's id is not found.
func TestPersonExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		ctx := context.Background()
		r := newReportEnv(t, eng)
		db := r.db
		agency, err := db.AgencyService().FindAgencyBySlug(ctx, "desoto")
		must(t, err)
		p := r.person(t, r.officer, "Carl", "Moe", citdesk.Date{}, "3 Elm St")
		e := r.draft(t, r.officer)
		complete(e)
		e.PersonID = &p.ID
		must(t, r.encounters.UpdateEncounter(r.officer, e))
		must(t, r.referrals.CreateReferral(r.officer, &citdesk.Referral{EncounterID: e.ID, LiaisonUserID: &r.liaisonUser.ID, Reason: "housing"}))
		today := citdesk.DateOf(r.clock.Now(), time.UTC).AddDate(0, 0, -1) // the agency is in Chicago
		must(t, r.plans.CreateCrisisPlan(r.coord, &citdesk.CrisisPlan{PersonID: p.ID, WhatHelps: "a quiet voice", ConsentDate: today, ConsentedBy: "self"}))
		_, err = db.PersonService().FindPersonByID(r.coord, p.ID)
		must(t, err)

		rec, err := db.Retention().ExportPerson(r.op, agency.ID, p.ID)
		must(t, err)
		if rec.Person["first_name"] != "Carl" || rec.Person["address"] != "3 Elm St" || rec.Agency != "desoto" {
			t.Errorf("person %v", rec.Person)
		}
		if len(rec.Reports) != 1 || rec.Reports[0]["narrative"] != e.Narrative || len(rec.Referrals) != 1 || rec.Referrals[0]["reason"] != "housing" ||
			len(rec.CrisisPlans) != 1 || rec.CrisisPlans[0]["what_helps"] != "a quiet voice" {
			t.Errorf("export: %d reports, %d referrals, %d plans", len(rec.Reports), len(rec.Referrals), len(rec.CrisisPlans))
		}
		if len(rec.AccessLog) < 2 {
			t.Errorf("access log: %v", rec.AccessLog)
		}
		if at, ok := rec.Person["created_at"].(string); !ok || !strings.HasPrefix(at, "2026-") {
			t.Errorf("times are not RFC 3339: %v", rec.Person["created_at"])
		}
		if n := auditCount(t, db, r.op, "person.export", "person", p.ID, ""); n != 1 {
			t.Errorf("%d person.export events", n)
		}
		other, _ := storetest.Agency(t, db, "other")
		_, err = db.Retention().ExportPerson(r.op, other.ID, p.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
	})
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func rawDSN(t *testing.T, _ storetest.Engine, db *store.DB) string {
	t.Helper()
	return db.TestDSN()
}

// TestCrisisPlanPurgeLocalMidnight: a crisis plan's expiry is a date in
// the agency's time zone, so "30 days after expiry" ends at midnight
// there, not at midnight UTC: the purge keeps a plan at 23:30 in Chicago
// on the last day, though it is already the next day in UTC, and takes it
// at 00:30. The five days span the change to daylight saving time (8
// March), so they are counted on the agency's calendar, not as 120 hours.
func TestCrisisPlanPurgeLocalMidnight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		ctx := context.Background()
		r := newReportEnv(t, eng)
		db, ret := r.db, r.db.Retention()
		agency, err := db.AgencyService().FindAgencyBySlug(ctx, "desoto")
		must(t, err)
		p := r.person(t, r.coord, "Pat", "Plan", citdesk.Date{}, "")
		plan := &citdesk.CrisisPlan{PersonID: p.ID, WhatHelps: "quiet", ConsentDate: citdesk.NewDate(2026, 3, 1), ExpiresOn: citdesk.NewDate(2026, 3, 5), ConsentedBy: "self"}
		must(t, r.plans.CreateCrisisPlan(r.coord, plan))
		rule, err := citdesk.ParseRetentionRule("crisis_plans", "5d")
		must(t, err)
		must(t, ret.SetSchedule(r.op, agency.ID, rule))

		// 2026-03-10 23:30 in Chicago (CDT, UTC-5) is 2026-03-11 04:30 UTC:
		// five days after the plan's last day are not over yet.
		r.clock.Set(time.Date(2026, 3, 11, 4, 30, 0, 0, time.UTC))
		_, err = ret.Purge(ctx, false)
		must(t, err)
		if n := tableCount(t, eng, db, "crisis_plans"); n != 1 {
			t.Fatalf("at 23:30 local on the last day: %d crisis plans, want 1 (purged by the UTC date)", n)
		}
		// An hour later it is the next day in Chicago too.
		r.clock.Set(time.Date(2026, 3, 11, 5, 30, 0, 0, time.UTC))
		_, err = ret.Purge(ctx, false)
		must(t, err)
		if n := tableCount(t, eng, db, "crisis_plans"); n != 0 {
			t.Errorf("at 00:30 local the day after: %d crisis plans, want 0", n)
		}
	})
}
