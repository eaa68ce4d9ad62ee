package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"citdesk"
)

// BenchmarkRecommendation measures one recommendation at county scale
// (10,000 officers on duty, two in three CIT certified, 20 open calls)
// answered from the dispatch state in memory, beside its peer in the same
// run: the same recommendation read from the database (one read
// transaction per recommendation, as before issue 12). Each reports its
// p50 and p99.
//
//	go test ./store -run XXX -bench Recommendation -benchtime 2s
func BenchmarkRecommendation(b *testing.B) {
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "citdesk.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx, calls := countyScale(b, db, 10000, 20)
	actor := citdesk.ActorFromContext(ctx)
	for _, c := range []struct {
		name string
		fn   func(callID int64) error
	}{
		{"memory", func(id int64) error {
			_, _, ok, err := db.recommendFromMemory(ctx, actor, id)
			if err == nil && !ok {
				err = fmt.Errorf("call %d not in memory", id)
			}
			return err
		}},
		{"sql", func(id int64) error { _, _, err := db.recommendFromSQL(ctx, actor, id); return err }},
	} {
		b.Run(c.name, func(b *testing.B) {
			if err := c.fn(calls[0]); err != nil { // the memory's first read is not a recommendation's cost
				b.Fatal(err)
			}
			var lat []time.Duration
			i := 0
			for b.Loop() {
				t0 := time.Now()
				if err := c.fn(calls[i%len(calls)]); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				i++
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// countyScale fills db with one agency of n officers on duty around De
// Soto (two in three CIT certified, most available, positions fresh) and
// open calls, and returns a dispatcher's context and the calls' ids.
func countyScale(tb testing.TB, db *DB, n, open int) (context.Context, []int64) {
	tb.Helper()
	ctx := context.Background()
	now := micros(db.now())
	res, err := db.write.ExecContext(ctx, `INSERT INTO agencies (slug, name, timezone, lat, lon, policy, created_at) VALUES ('county', 'County PD', 'America/Chicago', 38.14, -90.55, '{}', 0)`)
	if err != nil {
		tb.Fatal(err)
	}
	agencyID, _ := res.LastInsertId()
	rnd := rand.New(rand.NewPCG(1, 2))
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	statuses := []string{"available", "available", "available", "busy", "on_scene"}
	for i := range n {
		res, err := tx.ExecContext(ctx, `INSERT INTO officers (agency_id, badge, first_name, last_name, created_at, updated_at) VALUES (?, ?, 'Pat', ?, 0, 0)`,
			agencyID, fmt.Sprint(10000+i), fmt.Sprint("Officer", i))
		if err != nil {
			tb.Fatal(err)
		}
		id, _ := res.LastInsertId()
		if _, err := tx.ExecContext(ctx, `INSERT INTO officer_duty (officer_id, agency_id, status, since, lat, lon, position_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, agencyID, statuses[rnd.IntN(len(statuses))], now, 37.6+rnd.Float64(), -91.1+rnd.Float64(), now); err != nil {
			tb.Fatal(err)
		}
		if i%3 != 2 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO training_records (agency_id, officer_id, kind, title, completed, hours, created_at) VALUES (?, ?, ?, 'CIT', '2025-03-01', 40, 0)`,
				agencyID, id, citdesk.CourseCITBasic); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	actx := citdesk.NewContextWithActor(ctx, &citdesk.Actor{AgencyID: agencyID, Username: "disp", Roles: []citdesk.Role{citdesk.RoleDispatcher}, Remote: "bench"})
	var ids []int64
	for i := range open {
		lat, lon := 37.6+rnd.Float64(), -91.1+rnd.Float64()
		c := &citdesk.Call{Nature: "Welfare check", Address: fmt.Sprint(100+i, " Main St"), Lat: &lat, Lon: &lon, CITRequested: true}
		if err := db.CallService().CreateCall(actx, c); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	return actx, ids
}
