package store_test

import (
	"errors"
	"reflect"
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

func TestFindReportFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		p := r.person(t, r.officer, "Carl", "Moe", citdesk.NewDate(1980, 5, 1), "12 Elm St")
		e := r.draft(t, r.officer)
		complete(e)
		e.PersonID, e.Dispositions = &p.ID, []citdesk.Disposition{citdesk.DispReferredToLiaison}
		must(t, r.encounters.UpdateEncounter(r.officer, e))
		e, err := r.encounters.SubmitEncounter(r.officer, e.ID, e.Version)
		must(t, err)
		e, err = r.encounters.ApproveEncounter(r.coord, e.ID, e.Version)
		must(t, err)
		e.Narrative = "Calm conversation; resolved. Sister present."
		must(t, r.encounters.CorrectEncounter(r.coord, e, "Sister was there"))

		var f *citdesk.ReportFile
		n := countTx(t, r.db, func() { f, err = r.encounters.FindReportFile(r.coord, e.ID) })
		must(t, err)
		if n != (store.TxStats{Writes: 1, Audits: 3}) {
			t.Errorf("coordinator's report file took %+v, want one transaction and three audit events (report, person, referral)", n)
		}
		if f.Person == nil || f.Person.ID != p.ID || f.Referral == nil || f.Referral.EncounterID != e.ID || f.Agency == nil || f.OfficerName == "" {
			t.Fatalf("file = %+v", f)
		}
		if len(f.Reviews) != 3 || len(f.Versions) != 1 {
			t.Errorf("%d reviews, %d versions; want submit, approve, correct and one earlier version", len(f.Reviews), len(f.Versions))
		}
		// The same as the parts read one by one.
		want, err := r.encounters.FindEncounterByID(r.coord, e.ID)
		must(t, err)
		reviews, err := r.encounters.ListReviewEvents(r.coord, e.ID)
		must(t, err)
		versions, err := r.encounters.ListEncounterVersions(r.coord, e.ID)
		must(t, err)
		if !reflect.DeepEqual(f.Encounter, want) || !reflect.DeepEqual(f.Reviews, reviews) || !reflect.DeepEqual(f.Versions, versions) {
			t.Errorf("file differs from its parts:\n%+v\n%+v", f.Encounter, want)
		}
		for _, obj := range []struct {
			action, typ string
			id          int64
		}{{"encounter.view", "encounter", e.ID}, {"person.view", "person", p.ID}, {"referral.view", "referral", f.Referral.ID}} {
			if auditCount(t, r.db, r.op, obj.action, obj.typ, obj.id, citdesk.OutcomeSuccess) == 0 {
				t.Errorf("no %s event for %s %d", obj.action, obj.typ, obj.id)
			}
		}

		// The reporting officer: the report and the person, no referral.
		n = countTx(t, r.db, func() { f, err = r.encounters.FindReportFile(r.officer, e.ID) })
		must(t, err)
		if n != (store.TxStats{Writes: 1, Audits: 2}) || f.Person == nil || f.Referral != nil {
			t.Errorf("officer's file: %+v, person %v, referral %v", n, f.Person, f.Referral)
		}
		// The liaison the referral went to sees all three.
		n = countTx(t, r.db, func() { f, err = r.encounters.FindReportFile(r.liaison, e.ID) })
		must(t, err)
		if n != (store.TxStats{Writes: 1, Audits: 3}) || f.Person == nil || f.Referral == nil {
			t.Errorf("liaison's file: %+v, person %v, referral %v", n, f.Person, f.Referral)
		}
		// Anyone else: not found, and the refusal audited once.
		n = countTx(t, r.db, func() { _, err = r.encounters.FindReportFile(r.other, e.ID) })
		wantCode(t, err, citdesk.ENOTFOUND)
		if n != (store.TxStats{Writes: 1, Audits: 1}) {
			t.Errorf("refused file took %+v, want one transaction and the denial audited", n)
		}
		_, err = r.encounters.FindReportFile(r.dispatch, e.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = r.encounters.FindReportFile(r.coord, 999999)
		wantCode(t, err, citdesk.ENOTFOUND)
	})
}

func TestEditEncounter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		e := r.draft(t, r.officer)

		// Today's autosave reads the report (one audit event) and then
		// updates it (another); EditEncounter does both with one.
		n := countTx(t, r.db, func() {
			cur, err := r.encounters.FindEncounterByID(r.officer, e.ID)
			must(t, err)
			cur.Narrative = "first"
			must(t, r.encounters.UpdateEncounter(r.officer, cur))
		})
		if n.Audits != 2 {
			t.Errorf("find then update wrote %d audit events; the test's premise is two", n.Audits)
		}
		var saved *citdesk.Encounter
		var err error
		n = countTx(t, r.db, func() {
			saved, err = r.encounters.EditEncounter(r.officer, e.ID, func(e *citdesk.Encounter, agency *citdesk.Agency) error {
				if agency == nil || agency.ID != e.AgencyID {
					t.Errorf("edit got agency %v", agency)
				}
				e.Narrative = "second"
				return nil
			})
		})
		must(t, err)
		if n != (store.TxStats{Writes: 1, Audits: 1}) {
			t.Errorf("EditEncounter took %+v, want one write transaction and one audit event", n)
		}
		got, err := r.encounters.FindEncounterByID(r.officer, e.ID)
		must(t, err)
		if got.Narrative != "second" || saved.Version != got.Version || got.Version != e.Version+2 {
			t.Errorf("saved %q v%d (returned v%d), from v%d", got.Narrative, got.Version, saved.Version, e.Version)
		}

		// A stale version, a refused edit and an edit's own error change nothing.
		_, err = r.encounters.EditEncounter(r.officer, e.ID, func(e *citdesk.Encounter, _ *citdesk.Agency) error {
			e.Version--
			e.Narrative = "stale"
			return nil
		})
		wantCode(t, err, citdesk.EPRECONDITION)
		bad := citdesk.FieldErrorf("occurred_at", "Give the date and time of the contact.")
		_, err = r.encounters.EditEncounter(r.officer, e.ID, func(e *citdesk.Encounter, _ *citdesk.Agency) error {
			e.Narrative = "half-read form"
			return bad
		})
		if !errors.Is(err, bad) {
			t.Errorf("edit's error = %v, want it returned as is", err)
		}
		noop := func(*citdesk.Encounter, *citdesk.Agency) error { return nil }
		_, err = r.encounters.EditEncounter(r.other, e.ID, noop)
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = r.encounters.EditEncounter(r.coord, e.ID, noop)
		wantCode(t, err, citdesk.EFORBIDDEN)
		if got, err := r.encounters.FindEncounterByID(r.officer, e.ID); err != nil || got.Narrative != "second" {
			t.Errorf("after refused edits: %q, %v", got.Narrative, err)
		}
	})
}
