package store_test

import (
	"fmt"
	"testing"
	"time"

	"citdesk"
	"citdesk/demo"
	"citdesk/store/storetest"
)

// BenchmarkOutcomesFromStore measures the outcome dashboard's figures
// (every measure by month with the CIT split, all time) over n synthetic
// encounters stored in SQLite (go test ./store -run - -bench OutcomesFromStore):
//
//   - cold: a new service, so each Report reads every encounter and
//     referral out of the database into the snapshot, then computes;
//   - warm: the snapshot is current, so each Report only asks the database
//     whether anything changed (the change stamp) and computes;
//   - changed: one report is written before each Report, so the snapshot
//     re-reads the rows changed in the last windowMargin, then computes.
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
