package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"citdesk"
	"citdesk/outcomes"
	"citdesk/store"
	"citdesk/store/storetest"
)

// outcomeDir gives db a directory for its outcome snapshot files, removed
// once db is closed. The outcome service writes its files in the
// background: a directory made with t.TempDir after db was opened is
// removed first (cleanups run last in, first out), while a write may still
// land in it ("directory not empty", seen in CI). Close waits for those
// writes, and closing db again later is harmless.
func outcomeDir(t *testing.T, db *store.DB) {
	t.Helper()
	dir, err := os.MkdirTemp("", "citdesk-outcomes-")
	if err != nil {
		t.Fatal(err)
	}
	db.OutcomeDir = dir
	t.Cleanup(func() {
		db.Close()
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove the outcome directory: %v", err)
		}
	})
}

// TestOutcomeSnapshotFile checks the outcome snapshot's file on both
// engines: written after the first read, read by a new service (a
// restart) and caught up with a report written since, and, when a person
// is erased, removed at once and written again without the person: no
// encounter keyed to them, none of their referrals.
func TestOutcomeSnapshotFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		ctx := context.Background()
		r := newReportEnv(t, eng)
		db, ret := r.db, r.db.Retention()
		outcomeDir(t, db)
		agency, err := db.AgencyService().FindAgencyBySlug(ctx, "desoto")
		must(t, err)
		_, analyst := storetest.User(t, db, r.op, "analyst", citdesk.RoleAnalyst)
		file := outcomes.SnapshotFileName(db.OutcomeDir, agency.ID)
		figures := func(svc outcomes.Service, encounters, referrals int) {
			t.Helper()
			rep, err := svc.Report(analyst, citdesk.Date{}, citdesk.Date{})
			must(t, err)
			cellIs(t, rep, "encounters", encounters, 0)
			if got := rep.Measures["referrals"].Count; got != referrals {
				t.Errorf("referrals = %d, want %d", got, referrals)
			}
		}
		// fileHolds waits for the file and says whether it holds an
		// encounter keyed to person, and how many referrals.
		fileHolds := func(person int64) (bool, int) {
			t.Helper()
			var cols *outcomes.Columns
			for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
				if cols, err = outcomes.ReadSnapshotFile(db.OutcomeDir, agency.ID); err == nil {
					break
				}
				if time.Since(start) > 10*time.Second {
					t.Fatalf("no snapshot file: %v", err)
				}
			}
			for i := range cols.Encounters() {
				var e outcomes.Encounter
				cols.Encounter(i, &e)
				if e.PersonKey == person {
					return true, cols.Referrals()
				}
			}
			return false, cols.Referrals()
		}

		carl := r.person(t, r.officer, "Carl", "Moe", citdesk.Date{}, "3 Elm St")
		e := r.submittedAbout(t, r.officer, carl)
		must(t, r.referrals.CreateReferral(r.officer, &citdesk.Referral{EncounterID: e.ID, LiaisonUserID: &r.liaisonUser.ID, Reason: "housing"}))
		figures(db.OutcomeService(), 1, 1)
		if held, refs := fileHolds(carl.ID); !held || refs != 1 {
			t.Fatalf("the first file: Carl's report %v, %d referrals", held, refs)
		}

		// A restart: a new service reads the file and catches up with a
		// report written since.
		r.clock.Advance(time.Minute)
		r.submittedAbout(t, r.officer, nil)
		svc := db.OutcomeService()
		figures(svc, 2, 1)

		// Carl is erased (his report past its year): the file goes at
		// once, and the next one holds nothing of him.
		rule, err := citdesk.ParseRetentionRule("reports", "1y")
		must(t, err)
		must(t, ret.SetSchedule(r.op, agency.ID, rule))
		r.clock.Advance(2 * 365 * 24 * time.Hour)
		figures(svc, 2, 1)
		_, err = ret.ErasePerson(r.op, agency.ID, carl.ID)
		must(t, err)
		if _, err := os.Stat(file); !os.IsNotExist(err) {
			t.Errorf("the snapshot file is still there after the erasure: %v", err)
		}
		figures(svc, 2, 0)
		if held, refs := fileHolds(carl.ID); held || refs != 0 {
			t.Errorf("the file after the erasure: Carl's report %v, %d referrals", held, refs)
		}
	})
}

// TestOutcomeSnapshotForgottenAcrossReplicas: on PostgreSQL, a person's
// erasure on one replica makes the other replica forget its own snapshot
// of the agency's outcomes and remove its file too (a notification sent in
// the erasing transaction), so no replica keeps the erased person's
// referral in memory or on disk.
func TestOutcomeSnapshotForgottenAcrossReplicas(t *testing.T) {
	dsn := storetest.DSN(t, storetest.Postgres) // skips without CITDESK_TEST_POSTGRES
	one, two := openDSN(t, dsn), openDSN(t, dsn)
	clock := one.Clock.(*citdesk.FakeClock)
	two.Clock = clock
	newQuietBus(t, one)
	newQuietBus(t, two)
	outcomeDir(t, one)
	outcomeDir(t, two)
	r := newReportEnvOn(t, one, clock)
	ctx := context.Background()
	agency, err := one.AgencyService().FindAgencyBySlug(ctx, "desoto")
	must(t, err)
	_, analyst := storetest.User(t, one, r.op, "analyst", citdesk.RoleAnalyst)

	carl := r.person(t, r.officer, "Carl", "Moe", citdesk.Date{}, "3 Elm St")
	e := r.draft(t, r.officer)
	complete(e)
	e.PersonID = &carl.ID
	must(t, r.encounters.UpdateEncounter(r.officer, e))
	e, err = r.encounters.SubmitEncounter(r.officer, e.ID, e.Version)
	must(t, err)
	must(t, r.referrals.CreateReferral(r.officer, &citdesk.Referral{EncounterID: e.ID, LiaisonUserID: &r.liaisonUser.ID, Reason: "housing"}))

	// Carl's report is past the agency's year for reports, so he may be
	// erased; the clock stands still from here, so replica two has no
	// reason of its own to read the rows again.
	rule, err := citdesk.ParseRetentionRule("reports", "1y")
	must(t, err)
	must(t, one.Retention().SetSchedule(r.op, agency.ID, rule))
	clock.Advance(2 * 365 * 24 * time.Hour)

	referrals := func(svc outcomes.Service) int {
		t.Helper()
		rep, err := svc.Report(analyst, citdesk.Date{}, citdesk.Date{})
		must(t, err)
		return rep.Measures["referrals"].Count
	}
	onTwo := two.OutcomeService()
	if got := referrals(onTwo); got != 1 {
		t.Fatalf("replica two counts %d referrals, want 1", got)
	}
	fileTwo := outcomes.SnapshotFileName(two.OutcomeDir, agency.ID)
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(fileTwo); err == nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("replica two wrote no snapshot file")
		}
	}

	_, err = one.Retention().ErasePerson(r.op, agency.ID, carl.ID)
	must(t, err)
	// Nothing else was written, so no change stamp moved: only the
	// notification can make replica two read the rows again.
	for start := time.Now(); referrals(onTwo) != 0; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("replica two still counts the erased person's referral 5 s after the erasure")
		}
	}
	if cols, err := outcomes.ReadSnapshotFile(two.OutcomeDir, agency.ID); err == nil && cols.Referrals() != 0 {
		t.Errorf("replica two's snapshot file still holds %d referrals", cols.Referrals())
	}
}

// TestOutcomeSnapshotSeesRemovalsElsewhere: records deleted by another
// process (the command line beside a server on SQLite, a replica whose
// notification never came on PostgreSQL: here nothing listens) leave no
// figure behind at the server's next request, nor in its file. The
// deletions move no change count; the agency's removals
// (outcome_removals) do. Before them, the server counted an erased
// person's referral, and purged reports, until its comparison with the
// rows ten minutes later.
func TestOutcomeSnapshotSeesRemovalsElsewhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		ctx := context.Background()
		dsn := storetest.DSN(t, eng)
		cli, server := openDSN(t, dsn), openDSN(t, dsn)
		clock := cli.Clock.(*citdesk.FakeClock)
		server.Clock = clock
		outcomeDir(t, server)
		r := newReportEnvOn(t, cli, clock)
		agency, err := cli.AgencyService().FindAgencyBySlug(ctx, "desoto")
		must(t, err)
		_, analyst := storetest.User(t, cli, r.op, "analyst", citdesk.RoleAnalyst)
		svc := server.OutcomeService()
		figures := func(when string, encounters, referrals, complaints int) {
			t.Helper()
			rep, err := svc.Report(analyst, citdesk.Date{}, citdesk.Date{})
			must(t, err)
			if got := rep.Measures["encounters"].Count; got != encounters {
				t.Errorf("%s: the server counts %d encounters, want %d", when, got, encounters)
			}
			if got := rep.Measures["referrals"].Count; got != referrals {
				t.Errorf("%s: the server counts %d referrals, want %d", when, got, referrals)
			}
			if got := rep.Measures["complaints_received"].Count; got != complaints {
				t.Errorf("%s: the server counts %d complaints, want %d", when, got, complaints)
			}
		}
		// fileReferrals waits for the server's file to be written from
		// a snapshot of that many encounters and returns its referrals.
		fileReferrals := func(encounters int) int {
			t.Helper()
			for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
				cols, err := outcomes.ReadSnapshotFile(server.OutcomeDir, agency.ID)
				if err == nil && cols.Encounters() == encounters {
					return cols.Referrals()
				}
				if time.Since(start) > 10*time.Second {
					t.Fatalf("no snapshot file of %d encounters: %v", encounters, err)
				}
			}
		}

		carl := r.person(t, r.officer, "Carl", "Moe", citdesk.Date{}, "3 Elm St")
		e := r.submittedAbout(t, r.officer, carl)
		must(t, r.referrals.CreateReferral(r.officer, &citdesk.Referral{EncounterID: e.ID, LiaisonUserID: &r.liaisonUser.ID, Reason: "housing"}))
		r.submittedAbout(t, r.officer, nil)
		complaints := store.NewComplaintService(cli)
		letter := &citdesk.Complaint{Kind: citdesk.KindComplaint, Source: citdesk.ComplaintLetter, ContactName: "Ida Letter", Text: "A letter about the response on Oak St."}
		must(t, complaints.CreateComplaint(r.coord, letter))
		_, err = complaints.UpdateComplaint(r.coord, letter.ID, citdesk.ComplaintChange{Status: ptr(citdesk.ComplaintClosed), Disposition: ptr(citdesk.DispositionNotSustained), Version: letter.Version})
		must(t, err)
		figures("before", 2, 1, 1)
		if got := fileReferrals(2); got != 1 {
			t.Fatalf("the first file holds %d referrals, want 1", got)
		}

		schedule := func(kind string) {
			t.Helper()
			rule, err := citdesk.ParseRetentionRule(kind, "1y")
			must(t, err)
			must(t, cli.Retention().SetSchedule(r.op, agency.ID, rule))
		}
		purge := func(table string, want int64) {
			t.Helper()
			res, err := cli.Retention().Purge(ctx, false)
			must(t, err)
			if n := purgedOf(res, table); n != want {
				t.Fatalf("the purge deleted %d %s, want %d: %+v", n, table, want, res)
			}
		}

		// The closed complaint is past the agency's year for complaints:
		// the other process purges it, and nothing else.
		schedule("complaints")
		clock.Advance(2 * 365 * 24 * time.Hour)
		figures("before the complaint's purge", 2, 1, 1)
		purge("complaints", 1)
		figures("after the complaint's purge", 2, 1, 0)

		// Carl is erased by the other process: his referral is deleted
		// and his report kept without him.
		schedule("reports")
		_, err = cli.Retention().ErasePerson(r.op, agency.ID, carl.ID)
		must(t, err)
		figures("after the erasure", 2, 0, 0)
		if got := fileReferrals(2); got != 0 {
			t.Errorf("the server's file after the erasure holds %d referrals, want 0", got)
		}

		// Both reports are past their year; the other process purges them.
		purge("encounters", 2)
		figures("after the reports' purge", 0, 0, 0)
	})
}

// purgedOf counts the rows of table the purge results deleted.
func purgedOf(res []*citdesk.PurgeResult, table string) int64 {
	var n int64
	for _, p := range res {
		n += p.Deleted[table]
	}
	return n
}
