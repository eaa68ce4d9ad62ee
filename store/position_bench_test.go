package store_test

import (
	"fmt"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
)

// BenchmarkReportPositions measures the AVL feed on SQLite: batches of
// 1,000 positions for 200 officers, each newer than the last. The issue
// asks for at least 5,000 positions a second.
func BenchmarkReportPositions(b *testing.B) {
	db, clock := storetest.Open(b, storetest.SQLite)
	_, op := storetest.Agency(b, db, "desoto")
	const officers, batch = 200, 1000
	for i := range officers {
		if err := db.OfficerService().CreateOfficer(op, &citdesk.Officer{Badge: fmt.Sprintf("B%03d", i), FirstName: "A", LastName: "B", Active: true}); err != nil {
			b.Fatal(err)
		}
	}
	svc := db.PositionService()
	base := clock.Now().Add(-time.Hour)
	reports := make([]citdesk.PositionReport, batch)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i := range reports {
			seq := n*batch + i
			reports[i] = citdesk.PositionReport{Badge: fmt.Sprintf("B%03d", i%officers), Lat: 38.1 + float64(i%100)/1000, Lon: -90.5, At: base.Add(time.Duration(seq) * time.Millisecond)}
		}
		res, err := svc.ReportPositions(op, reports)
		if err != nil {
			b.Fatal(err)
		}
		if res[batch-1].Status != citdesk.ReportApplied {
			b.Fatalf("last report: %+v", res[batch-1])
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "positions/s")
}
