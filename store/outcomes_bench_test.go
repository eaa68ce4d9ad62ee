package store_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"citdesk"
	"citdesk/demo"
	"citdesk/outcomes"
	"citdesk/store/storetest"
)

// bareEncounterColumns reads the encounters' columns the measures use
// into one slice per column, as a program with no snapshot would: the
// cold request's peer.
func bareEncounterColumns(b *testing.B, db *sql.DB, agencyID int64) int {
	rows, err := db.Query(`SELECT id, person_id, occurred_at, officer_cit_certified, force_level, injury_person, injury_officer,
		dispositions, veteran, cit_requested, cit_dispatched, cit_arrived, handover_minutes, status, due_at, submitted_at, reviewed_at
		FROM encounters WHERE agency_id = ?`, agencyID)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var (
		ids, occurred, due                      []int64
		persons, handover, submitted, reviewed  []sql.NullInt64
		cit                                     []bool
		force, injP, injO, disps, status        []string
		veteran, requested, dispatched, arrived []sql.NullBool
		id, occ, dueAt                          int64
		person, hand, sub, rev                  sql.NullInt64
		c                                       bool
		f, ip, io, d, st                        string
		vet, req, disp, arr                     sql.NullBool
	)
	for rows.Next() {
		if err := rows.Scan(&id, &person, &occ, &c, &f, &ip, &io, &d, &vet, &req, &disp, &arr, &hand, &st, &dueAt, &sub, &rev); err != nil {
			b.Fatal(err)
		}
		ids, persons, occurred, cit = append(ids, id), append(persons, person), append(occurred, occ), append(cit, c)
		force, injP, injO, disps = append(force, f), append(injP, ip), append(injO, io), append(disps, d)
		veteran, requested, dispatched, arrived = append(veteran, vet), append(requested, req), append(dispatched, disp), append(arrived, arr)
		handover, status, due, submitted, reviewed = append(handover, hand), append(status, st), append(due, dueAt), append(submitted, sub), append(reviewed, rev)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	// Kept, as the snapshot keeps its columns, so no read is optimised away.
	bareColumnsSink = []any{ids, persons, occurred, cit, force, injP, injO, disps, veteran, requested, dispatched, arrived, handover, status, due, submitted, reviewed}
	return len(ids)
}

// bareColumnsSink holds the bare peer's last columns.
var bareColumnsSink []any

// BenchmarkOutcomesFromStore measures the outcome dashboard's figures
// (every measure by month with the CIT split, all time) over n synthetic
// encounters stored in SQLite (go test ./store -run - -bench OutcomesFromStore):
//
//   - cold: a new service, so each Report reads every encounter and
//     referral out of the database into the snapshot, then computes;
//   - warm: the snapshot is current, so each Report only asks the database
//     whether anything changed (the change stamp) and computes;
//   - changed: one report is written before each Report, so the snapshot
//     re-reads the rows changed in the last windowMargin, then computes;
//   - cold from file: a new service with the snapshot's file in place (a
//     restart), so each Report reads the file, catches up from the rows
//     changed since its marks, then computes;
//   - peer: bare SQLite, the same driver on the same file, reading the
//     encounters' columns the measures use into one slice per column,
//     nothing computed (DuckDB, the peer, is not available here).
//
// The bulk insert of the history is timed and logged once per size. A
// million encounters are left to outcomes.BenchmarkCompute (the pure pass);
// loading them here would take minutes of set-up.
func BenchmarkOutcomesFromStore(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			db, clock := storetest.Open(b, storetest.SQLite)
			agency, op := storetest.Agency(b, db, "bench")
			_, analyst := storetest.User(b, db, op, "analyst", citdesk.RoleAnalyst)
			start := time.Now()
			res, err := demo.History(op, db.HistoryService(), db.OfficerService(), agency.Location(), n, 1, clock.Now(), nil)
			if err != nil || res.Created != n {
				b.Fatalf("insert: %+v, %v", res, err)
			}
			b.Logf("bulk insert of %d encounters (%d persons): %v", n, res.Persons, time.Since(start).Round(time.Millisecond))

			b.Run("cold", func(b *testing.B) {
				for b.Loop() {
					if _, err := db.OutcomeService().Report(analyst, citdesk.Date{}, citdesk.Date{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			// Later changes: the window has moved past the bulk insert.
			clock.Advance(5 * time.Minute)
			svc := db.OutcomeService()
			if _, err := svc.Report(analyst, citdesk.Date{}, citdesk.Date{}); err != nil {
				b.Fatal(err)
			}
			b.Run("warm", func(b *testing.B) {
				for b.Loop() {
					if _, err := svc.Report(analyst, citdesk.Date{}, citdesk.Date{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("cold from file", func(b *testing.B) {
				db.OutcomeDir = b.TempDir()
				defer func() { db.OutcomeDir = "" }()
				if _, err := db.OutcomeService().Report(analyst, citdesk.Date{}, citdesk.Date{}); err != nil {
					b.Fatal(err)
				}
				for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
					if _, err := outcomes.ReadSnapshotFile(db.OutcomeDir, agency.ID); err == nil {
						break
					} else if time.Since(start) > time.Minute {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				for b.Loop() {
					if _, err := db.OutcomeService().Report(analyst, citdesk.Date{}, citdesk.Date{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("peer bare SQLite columns", func(b *testing.B) {
				plain, err := sql.Open("sqlite", "file:"+db.Path()+"?mode=ro&_pragma=busy_timeout(10000)")
				if err != nil {
					b.Fatal(err)
				}
				defer plain.Close()
				for b.Loop() {
					if got := bareEncounterColumns(b, plain, agency.ID); got < n {
						b.Fatalf("read %d encounters, want %d", got, n)
					}
				}
			})
			b.Run("changed", func(b *testing.B) {
				i := 0
				for b.Loop() {
					b.StopTimer()
					i++
					clock.Advance(time.Second)
					rec := []citdesk.HistoricalEncounter{{ExternalID: fmt.Sprintf("extra-%d", i), OccurredAt: clock.Now().Add(-time.Hour)}}
					if _, err := db.HistoryService().ImportHistory(op, "bench-extra", rec, nil); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					if _, err := svc.Report(analyst, citdesk.Date{}, citdesk.Date{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkOutcomesMillionFromFile compares, on a data directory made with
// "citdesk demo --encounters 1000000" and one run of "citdesk serve" (so
// DIR/outcomes holds the agency's snapshot file), the cold request's work
// from the file (read, then compute every measure) with bare SQLite
// reading the encounters' columns into slices, in the same run:
//
//	CITDESK_BENCH_DATA=/tmp/colsnap/data go test ./store -run - -bench OutcomesMillionFromFile -benchtime 3x
//
// It is skipped without CITDESK_BENCH_DATA (agency 1 is read).
func BenchmarkOutcomesMillionFromFile(b *testing.B) {
	dir := os.Getenv("CITDESK_BENCH_DATA")
	if dir == "" {
		b.Skip("CITDESK_BENCH_DATA names no data directory")
	}
	b.Run("file read and compute", func(b *testing.B) {
		for b.Loop() {
			c, err := outcomes.ReadSnapshotFile(filepath.Join(dir, "outcomes"), 1)
			if err != nil {
				b.Fatal(err)
			}
			outcomes.ComputeColumns(c, outcomes.Params{Location: time.UTC, Now: time.Now()})
		}
	})
	b.Run("peer bare SQLite columns", func(b *testing.B) {
		plain, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "citdesk.db")+"?mode=ro&_pragma=busy_timeout(10000)")
		if err != nil {
			b.Fatal(err)
		}
		defer plain.Close()
		for b.Loop() {
			bareEncounterColumns(b, plain, 1)
		}
	})
}
