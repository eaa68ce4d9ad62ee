package store_test

import (
	"context"
	"testing"
	"time"

	"citdesk"
	"citdesk/outcomes"
	"citdesk/store"
	"citdesk/store/storetest"
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// cellIs checks a measure's count and denominator.
func cellIs(t *testing.T, r outcomes.Report, id string, count, den int) {
	t.Helper()
	m, ok := r.Measures[id]
	if !ok {
		t.Fatalf("no measure %s", id)
	}
	if m.Count != count || m.Denominator != den {
		t.Errorf("%s = %d of %d, want %d of %d (%s)", id, m.Count, m.Denominator, count, den, m.Sentence)
	}
}

// TestOutcomesFromStore follows one crisis call through dispatch, the
// contact report and its review, adds imported history, and checks what
// the outcome service makes of them: the figures, the drill-down, the
// public dashboard, the roles and the agency walls, and that the snapshot
// follows later changes.
func TestOutcomesFromStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		w := newDispatchWorld(t, eng)
		svc := w.db.OutcomeService()
		ou, officer := storetest.User(t, w.db, w.op, "ofc", citdesk.RoleOfficer)
		w.onDuty(t, *ou.OfficerID, false) // not CIT certified
		_, analyst := storetest.User(t, w.db, w.op, "analyst", citdesk.RoleAnalyst)
		_, coord := storetest.User(t, w.db, w.op, "coord", citdesk.RoleCoordinator)
		// report is the analyst's report for the range from–to.
		report := func(from, to citdesk.Date) outcomes.Report {
			t.Helper()
			rep, err := svc.Report(analyst, from, to)
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}

		// Empty agency: every figure is zero.
		rep := report(citdesk.Date{}, citdesk.Date{})
		var err error
		cellIs(t, rep, "encounters", 0, 0)

		// A CIT-requested call; no CIT officer on duty, so a non-CIT
		// officer goes: 2 minutes to dispatch, 9 more to arrive.
		c := w.call(t, "Man talking of ending his life", true)
		w.clock.Advance(2 * time.Minute)
		a := &citdesk.Assignment{CallID: c.ID, OfficerID: *ou.OfficerID, NoCITReason: citdesk.NoCITNoneOnDuty}
		if err := w.calls.CreateAssignment(w.disp, a); err != nil {
			t.Fatal(err)
		}
		for _, st := range []citdesk.AssignmentStatus{citdesk.AssignEnRoute, citdesk.AssignOnScene, citdesk.AssignCleared} {
			w.clock.Advance(4*time.Minute + 30*time.Second)
			if a, err = w.calls.MoveAssignment(officer, a.ID, a.Version, st); err != nil {
				t.Fatal(err)
			}
		}
		e := &citdesk.Encounter{AssignmentID: &a.ID}
		if err := w.db.EncounterService().StartEncounter(officer, e); err != nil {
			t.Fatal(err)
		}
		m := 40
		e.Address, e.ContactStart, e.PrimaryProblem = "1204 Boyd St", citdesk.StartDispatchedCrisis, citdesk.ProblemMentalIllness
		e.Force, e.InjuryPerson = citdesk.ForcePhysical, citdesk.InjuryMinor
		e.Dispositions, e.ArrestOffense = []citdesk.Disposition{citdesk.DispArrest}, "Trespass"
		e.OnSceneMinutes, e.Narrative = &m, "Refused to leave the store."
		if err := w.db.EncounterService().UpdateEncounter(officer, e); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(time.Hour)
		if e, err = w.db.EncounterService().SubmitEncounter(officer, e.ID, e.Version); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(2 * 24 * time.Hour)
		if _, err = w.db.EncounterService().ApproveEncounter(coord, e.ID, e.Version); err != nil {
			t.Fatal(err)
		}

		rep = report(citdesk.Date{}, citdesk.Date{})
		cellIs(t, rep, "encounters", 1, 0)
		cellIs(t, rep, "use_of_force", 1, 1)
		cellIs(t, rep, "person_injuries", 1, 1)
		cellIs(t, rep, "arrests", 1, 1)
		cellIs(t, rep, "diversions", 0, 1)
		cellIs(t, rep, "cit_officer", 0, 1)
		cellIs(t, rep, "cit_requested", 1, 1)
		cellIs(t, rep, "cit_dispatched", 0, 1)
		cellIs(t, rep, "cit_on_scene", 0, 1)
		cellIs(t, rep, "reports_submitted_24h", 1, 1)
		cellIs(t, rep, "reports_approved_7d", 1, 1)
		if got := rep.NoCITReasons; len(got) != 1 || got[0].Reason != "No CIT officer on duty" || got[0].Count != 1 {
			t.Errorf("no-CIT reasons %+v", got)
		}
		for id, want := range map[string]float64{"received_to_dispatched": 120, "dispatched_to_on_scene": 540, "received_to_on_scene": 660} {
			if d := rep.Durations[id]; d.Count != 1 || float64(d.MedianSeconds) != want {
				t.Errorf("%s = %+v, want one of %v s", id, d.DurationStats, want)
			}
		}
		if m := rep.Measures["arrests"]; m.NonCIT == nil || m.NonCIT.Count != 1 || m.CIT.Denominator != 0 {
			t.Errorf("arrests split %+v %+v", m.CIT, m.NonCIT)
		}

		// Imported history: one dated, one undated with a veteran, one
		// with a referral connected to care and a survey.
		hist := []citdesk.HistoricalEncounter{
			{ExternalID: "h1", OccurredAt: time.Date(2025, 6, 3, 15, 0, 0, 0, time.UTC), OfficerCIT: yes(), Force: citdesk.ForceNone,
				Dispositions: []citdesk.Disposition{citdesk.DispReferredToLiaison, citdesk.DispResourcesOffered}, Veteran: no(),
				CITRequested: yes(), CITDispatched: yes(), CITArrived: yes(), OfficerExternalID: "7702", PersonExternalID: "p1",
				Referral: &citdesk.HistoricalReferral{CreatedAt: time.Date(2025, 6, 3, 17, 0, 0, 0, time.UTC), FirstContactAt: time.Date(2025, 6, 4, 9, 0, 0, 0, time.UTC),
					Status: citdesk.ReferralClosed, Outcome: citdesk.ReferralConnected, ClosedAt: time.Date(2025, 6, 20, 9, 0, 0, 0, time.UTC),
					Survey: &citdesk.Survey{Respondent: "family", Respect: 5, Safety: 4, Help: 3}}},
			{ExternalID: "h2", ReportedAt: time.Date(2025, 6, 9, 0, 0, 0, 0, time.UTC), Veteran: yes(), Force: citdesk.ForcePhysical},
			{ExternalID: "h3", OccurredAt: time.Date(2025, 7, 1, 3, 0, 0, 0, time.UTC), OfficerCIT: no(), PersonExternalID: "p1",
				Dispositions: []citdesk.Disposition{citdesk.DispEmergencyDetention}},
		}
		hs := w.db.HistoryService()
		res, err := hs.ImportHistory(w.op, "test-rms", hist, nil)
		if err != nil || res.Created != 3 || res.Persons != 1 || len(res.Rejected) != 0 {
			t.Fatalf("import: %+v, %v", res, err)
		}
		rep = report(citdesk.Date{}, citdesk.Date{})
		cellIs(t, rep, "encounters", 4, 0)
		cellIs(t, rep, "veterans", 1, 2)
		cellIs(t, rep, "use_of_force", 2, 3)
		cellIs(t, rep, "emergency_detentions", 1, 3)
		cellIs(t, rep, "cit_officer", 1, 3)
		cellIs(t, rep, "repeat_contacts_90d", 1, 1)
		cellIs(t, rep, "referrals", 1, 0)
		cellIs(t, rep, "referrals_contacted_72h", 1, 1)
		cellIs(t, rep, "referrals_connected", 1, 1)
		cellIs(t, rep, "ending_in_care", 2, 3)
		// History's review times are unknown: not in the accountability measures.
		cellIs(t, rep, "reports_submitted_24h", 1, 1)
		cellIs(t, rep, "reports_approved_7d", 1, 1)
		if s := rep.Means["survey_help"]; s.Count != 1 || float64(s.Mean) != 3 {
			t.Errorf("survey_help %+v", s.MeanStats)
		}
		// A range leaves the undated record out.
		ranged := report(citdesk.NewDate(2025, 6, 1), citdesk.NewDate(2025, 7, 31))
		cellIs(t, ranged, "encounters", 2, 0)
		if got := len(ranged.Measures["encounters"].ByMonth); got != 2 {
			t.Errorf("June–July by month: %d months", got)
		}

		// Re-import: nothing new; a changed record is updated, and the
		// snapshot follows.
		if res, err = hs.ImportHistory(w.op, "test-rms", hist, nil); err != nil || res.Created != 0 || res.Unchanged != 3 {
			t.Fatalf("re-import: %+v, %v", res, err)
		}
		hist[1].Veteran = no()
		if res, err = hs.ImportHistory(w.op, "test-rms", hist, nil); err != nil || res.Created != 0 || res.Updated != 1 || res.Unchanged != 2 {
			t.Fatalf("import with a change: %+v, %v", res, err)
		}
		rep = report(citdesk.Date{}, citdesk.Date{})
		cellIs(t, rep, "veterans", 0, 2)

		// Reports filed after the bulk insert still get fresh ids.
		w.clock.Advance(time.Hour)
		later := &citdesk.Encounter{OccurredAt: w.clock.Now().Add(-time.Minute)}
		if err := w.db.EncounterService().StartEncounter(officer, later); err != nil {
			t.Fatalf("a report after the import: %v", err)
		}
		// A draft is not counted (issue 10): its answers, even its date,
		// are not final. Submitted, it is.
		rep = report(citdesk.Date{}, citdesk.Date{})
		cellIs(t, rep, "encounters", 4, 0)
		later.Address, later.ContactStart, later.PrimaryProblem = "9 Elm St", citdesk.StartDispatchedCrisis, citdesk.ProblemMentalIllness
		later.Dispositions, later.OnSceneMinutes, later.Narrative = []citdesk.Disposition{citdesk.DispResolvedOnScene}, &m, "Talked it through."
		if err := w.db.EncounterService().UpdateEncounter(officer, later); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.EncounterService().SubmitEncounter(officer, later.ID, later.Version); err != nil {
			t.Fatal(err)
		}
		rep = report(citdesk.Date{}, citdesk.Date{})
		cellIs(t, rep, "encounters", 5, 0)

		// Past the snapshot's age a full reload runs in the background;
		// figures stay right before, during and after it.
		w.clock.Advance(11 * time.Minute)
		for range 3 {
			rep, err = svc.Report(analyst, citdesk.Date{}, citdesk.Date{})
			if err != nil {
				t.Fatal(err)
			}
			cellIs(t, rep, "encounters", 5, 0)
		}

		// Drill-down: coordinators and admins, not analysts.
		if _, err := svc.Behind(analyst, citdesk.Date{}, citdesk.Date{}, "arrests", "", ""); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
			t.Errorf("analyst drill-down: %v", err)
		}
		rows, err := svc.Behind(coord, citdesk.Date{}, citdesk.Date{}, "use_of_force", outcomes.GroupAll, "")
		// The two with force, the import with none, and the report just
		// submitted with none.
		if err != nil || len(rows) != 4 {
			t.Fatalf("use_of_force rows %+v, %v", rows, err)
		}
		counted := 0
		for _, r := range rows {
			if r.Counted {
				counted++
			}
		}
		if counted != 2 {
			t.Errorf("%d counted, want 2", counted)
		}
		if _, err := svc.Behind(coord, citdesk.Date{}, citdesk.Date{}, "referrals", "", ""); citdesk.ErrorCode(err) != citdesk.EINVALID {
			t.Errorf("drill-down of referrals: %v", err)
		}
		if _, err := svc.Report(officer, citdesk.Date{}, citdesk.Date{}); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
			t.Errorf("officer report: %v", err)
		}

		// The public figures need nobody signed in, and show no count
		// from 1 to 10.
		agencyID := citdesk.ActorFromContext(w.op).AgencyID
		pub, err := svc.Public(context.Background(), agencyID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pub) != len(outcomes.MeasureIDs()) {
			t.Errorf("%d public measures, want %d", len(pub), len(outcomes.MeasureIDs()))
		}
		for _, pm := range pub {
			for _, c := range append(pm.Quarters, pm.Total) {
				for _, v := range []outcomes.Value{c.Count, c.Denominator} {
					if v.Status == outcomes.Shown && v.Count >= 1 && v.Count <= outcomes.SmallCellMax {
						t.Errorf("public %s %s shows %d", pm.ID, c.Period, v.Count)
					}
				}
			}
			if pm.ID == "encounters" && pm.Total.Count.Status != outcomes.Small {
				t.Errorf("public encounters total %+v, want fewer than 11", pm.Total.Count)
			}
		}

		// Another agency sees none of it.
		_, op2 := storetest.Agency(t, w.db, "other")
		_, analyst2 := storetest.User(t, w.db, op2, "analyst2", citdesk.RoleAnalyst)
		rep, err = svc.Report(analyst2, citdesk.Date{}, citdesk.Date{})
		if err != nil {
			t.Fatal(err)
		}
		cellIs(t, rep, "encounters", 0, 0)
	})
}

// TestDispositionMap saves, reads and replaces an agency's mapping.
func TestDispositionMap(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		_, op := storetest.Agency(t, db, "desoto")
		_, analyst := storetest.User(t, db, op, "analyst", citdesk.RoleAnalyst)
		hs := db.HistoryService()
		if _, ok, err := hs.DispositionMap(op, "seattle-crisis"); err != nil || ok {
			t.Fatalf("empty map: %v %v", ok, err)
		}
		if err := hs.SaveDispositionMap(op, "seattle-crisis", map[string]string{"Subject Arrested": "arrest", "Chronic Complaint": "", " Crisis Clinic ": "Referred_To_Liaison"}); err != nil {
			t.Fatal(err)
		}
		m, ok, err := hs.DispositionMap(op, "seattle-crisis")
		if err != nil || !ok || len(m) != 3 || m["Crisis Clinic"] != "referred_to_liaison" || m["Chronic Complaint"] != "" {
			t.Fatalf("map %v %v %v", m, ok, err)
		}
		if err := hs.SaveDispositionMap(op, "seattle-crisis", map[string]string{"Jail": "prison"}); citdesk.ErrorCode(err) != citdesk.EINVALID {
			t.Errorf("bad disposition: %v", err)
		}
		if err := hs.SaveDispositionMap(analyst, "seattle-crisis", map[string]string{"A": "arrest"}); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
			t.Errorf("analyst saves a mapping: %v", err)
		}
		if err := hs.SaveDispositionMap(op, "citdesk", map[string]string{"A": "arrest"}); citdesk.ErrorCode(err) != citdesk.EINVALID {
			t.Errorf("source citdesk: %v", err)
		}
		if err := hs.SaveDispositionMap(op, "seattle-crisis", map[string]string{"Subject Arrested": "arrest"}); err != nil {
			t.Fatal(err)
		}
		if m, _, _ := hs.DispositionMap(op, "seattle-crisis"); len(m) != 1 {
			t.Errorf("replaced map %v", m)
		}
	})
}

// TestImportHistoryRejects checks the records the store refuses.
func TestImportHistoryRejects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		db, clock := storetest.Open(t, eng)
		_, op := storetest.Agency(t, db, "desoto")
		recs := []citdesk.HistoricalEncounter{
			{ExternalID: "a", Line: 2},
			{ExternalID: "", Line: 3},
			{ExternalID: "a", Line: 4},
			{ExternalID: "b", Line: 5, OccurredAt: clock.Now().Add(time.Hour)},
			{ExternalID: "c", Line: 6, Force: "enormous"},
			{ExternalID: "d", Line: 7, Dispositions: []citdesk.Disposition{"arrest", "arrest"}},
			{ExternalID: "e", Line: 8, Referral: &citdesk.HistoricalReferral{CreatedAt: clock.Now(), Status: citdesk.ReferralOpen}},
			{ExternalID: "f", Line: 9, OfficerID: 987654},
		}
		res, err := db.HistoryService().ImportHistory(op, "x-rms", recs, nil)
		if err != nil {
			t.Fatal(err)
		}
		var lines []int
		for _, r := range res.Rejected {
			lines = append(lines, r.Line)
		}
		if res.Created != 1 || len(lines) != 7 {
			t.Errorf("created %d, rejected lines %v: %+v", res.Created, lines, res.Rejected)
		}
		if _, err := db.HistoryService().ImportHistory(op, "citdesk", recs[:1], nil); citdesk.ErrorCode(err) != citdesk.EINVALID {
			t.Errorf("source citdesk: %v", err)
		}
	})
}

// TestOutcomesLeaveOutDrafts: a report counts once it is submitted and
// stops counting when it is returned to its author; a draft never reaches
// the figures, public ones included; a date before 1900 cannot be stored;
// a request spans at most 20 years (issue 10: a draft dated 0001-01-02 made
// /public/outcomes 14 MB).
func TestOutcomesLeaveOutDrafts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		w := newDispatchWorld(t, eng)
		svc, encs := w.db.OutcomeService(), w.db.EncounterService()
		ou, officer := storetest.User(t, w.db, w.op, "ofc", citdesk.RoleOfficer)
		w.onDuty(t, *ou.OfficerID, false)
		_, analyst := storetest.User(t, w.db, w.op, "analyst", citdesk.RoleAnalyst)
		_, coord := storetest.User(t, w.db, w.op, "coord", citdesk.RoleCoordinator)
		agencyID := citdesk.ActorFromContext(w.op).AgencyID
		counts := func(want int) {
			t.Helper()
			rep, err := svc.Report(analyst, citdesk.Date{}, citdesk.Date{})
			if err != nil {
				t.Fatal(err)
			}
			cellIs(t, rep, "encounters", want, 0)
			pub, err := svc.Public(context.Background(), agencyID)
			if err != nil {
				t.Fatal(err)
			}
			for _, pm := range pub {
				if pm.ID == "encounters" && len(pm.Quarters) != want {
					t.Errorf("public encounters has %d quarters, want %d", len(pm.Quarters), want)
				}
			}
		}

		// A date before 1900 is refused, and nothing is stored.
		old := &citdesk.Encounter{OccurredAt: time.Date(1, 1, 2, 12, 0, 0, 0, time.UTC)}
		if err := encs.StartEncounter(officer, old); citdesk.ErrorField(err) != "occurred_at" {
			t.Fatalf("a draft dated 0001-01-02: %v, want invalid occurred_at", err)
		}
		if list, err := encs.ListEncounters(coord, citdesk.EncounterFilter{}); err != nil || len(list) != 0 {
			t.Fatalf("after the refusal: %d reports, %v", len(list), err)
		}

		e := &citdesk.Encounter{OccurredAt: w.clock.Now().Add(-time.Hour)}
		if err := encs.StartEncounter(officer, e); err != nil {
			t.Fatal(err)
		}
		counts(0)
		m := 20
		e.Address, e.ContactStart, e.PrimaryProblem = "9 Elm St", citdesk.StartDispatchedCrisis, citdesk.ProblemMentalIllness
		e.Dispositions, e.OnSceneMinutes, e.Narrative = []citdesk.Disposition{citdesk.DispResolvedOnScene}, &m, "Talked it through."
		if err := encs.UpdateEncounter(officer, e); err != nil {
			t.Fatal(err)
		}
		counts(0)
		w.clock.Advance(time.Second)
		e, err := encs.SubmitEncounter(officer, e.ID, e.Version)
		if err != nil {
			t.Fatal(err)
		}
		counts(1)
		w.clock.Advance(time.Second)
		if _, err = encs.ReturnEncounter(coord, e.ID, e.Version, "Say more about the hand-over."); err != nil {
			t.Fatal(err)
		}
		counts(0)
		// A full reload agrees with the delta.
		w.clock.Advance(11 * time.Minute)
		counts(0)
		counts(0)

		// At most 20 years per request, naming the end that is wrong.
		for _, tc := range []struct {
			from, to citdesk.Date
			field    string
		}{
			{citdesk.NewDate(2000, 1, 1), citdesk.NewDate(2020, 1, 1), ""},
			{citdesk.NewDate(2000, 1, 1), citdesk.NewDate(2020, 1, 2), "to"},
			{citdesk.NewDate(1, 1, 2), citdesk.NewDate(2020, 1, 1), "from"},
			{citdesk.NewDate(1, 1, 2), citdesk.Date{}, "from"},
			{citdesk.NewDate(1990, 1, 1), citdesk.Date{}, "from"},
			{citdesk.Date{}, citdesk.NewDate(1, 1, 2), "to"},
		} {
			_, err := svc.Report(analyst, tc.from, tc.to)
			if citdesk.ErrorField(err) != tc.field || (tc.field == "") != (err == nil) {
				t.Errorf("Report(%s, %s): %v, want field %q", tc.from, tc.to, err, tc.field)
			}
			_, err = svc.Dashboard(analyst, tc.from, tc.to)
			if citdesk.ErrorField(err) != tc.field || (tc.field == "") != (err == nil) {
				t.Errorf("Dashboard(%s, %s): %v, want field %q", tc.from, tc.to, err, tc.field)
			}
		}
	})
}
