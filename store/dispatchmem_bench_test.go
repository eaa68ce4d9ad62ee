package store

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/dispatch"
	"citdesk/geo"
)

// BenchmarkRecommendation measures one recommendation at county scale
// (10,000 officers on duty, two in three CIT certified, 20 open calls)
// answered from the dispatch state in memory (dispatch.Prepared), beside
// its peers in the same run: the same recommendation read from the
// database (one read transaction per recommendation, as before issue 12),
// and, when CITDESK_TEST_POSTGRES is set, one PostgreSQL nearest-neighbour
// query per recommendation over the same 10,000 officers: the ten nearest
// available CIT officers by a GiST index on the built-in point type
// (ORDER BY pos <-> point LIMIT 10) and, when the server has PostGIS, by a
// GiST index on geography. Each reports its p50 and p99 per operation from
// timings of every operation, and each peer its p50 as a multiple of
// memory's (×memory-p50); the paired runs then alternate memory and each
// nearest-neighbour peer call by call, for a ratio the machine's load
// moves less.
//
//	CITDESK_TEST_POSTGRES=postgres://… go test ./store -run XXX -bench Recommendation -benchtime 10s
func BenchmarkRecommendation(b *testing.B) {
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "citdesk.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.Maps = geo.NewMaps() // as citdesk serve has, with no map for this agency: straight-line ETAs
	ctx, calls := countyScale(b, db, 10000, 20)
	actor := citdesk.ActorFromContext(ctx)
	snap, err := db.dispatchSnapshot(ctx, actor)
	if err != nil {
		b.Fatal(err)
	}
	var at [][2]float64 // each call's lat, lon
	for _, id := range calls {
		c := snap.st.Calls[id]
		at = append(at, [2]float64{*c.Lat, *c.Lon})
	}
	type peer struct {
		name string
		fn   func(i int) error
	}
	peers := []peer{
		{"memory", func(i int) error {
			_, res, ok, err := db.recommendFromMemory(ctx, actor, calls[i])
			if err == nil && (!ok || len(res.Officers) == 0) {
				err = fmt.Errorf("call %d: not in memory (%v) or no one recommended", calls[i], ok)
			}
			return err
		}},
		{"sql", func(i int) error { _, _, err := db.recommendFromSQL(ctx, actor, calls[i]); return err }},
	}
	if base := os.Getenv("CITDESK_TEST_POSTGRES"); base != "" {
		pg := knnPeer(b, base, recommendable(snap.st))
		peers = append(peers, peer{"postgres-knn-point", func(i int) error {
			return pg.nearest(ctx, `SELECT officer_id, pos <-> point($1, $2) FROM bench_units
				WHERE status = 'available' AND cit IN ('certified', 'expiring')
				ORDER BY pos <-> point($1, $2) LIMIT 10`, at[i][1], at[i][0])
		}})
		if pg.postgis {
			peers = append(peers, peer{"postgis-knn-geography", func(i int) error {
				return pg.nearest(ctx, `SELECT officer_id, ST_Distance(geog, ST_MakePoint($1, $2)::geography) FROM bench_units
					WHERE status = 'available' AND cit IN ('certified', 'expiring')
					ORDER BY geog <-> ST_MakePoint($1, $2)::geography LIMIT 10`, at[i][1], at[i][0])
			}})
		}
	}
	memory := peers[0].fn
	var memoryP50 float64
	for _, c := range peers {
		b.Run(c.name, func(b *testing.B) {
			if err := c.fn(0); err != nil { // the memory's first read is not a recommendation's cost
				b.Fatal(err)
			}
			b.ReportAllocs()
			lat := make([]time.Duration, 0, 1<<20)
			i := 0
			for b.Loop() {
				t0 := time.Now()
				if err := c.fn(i % len(calls)); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				i++
			}
			slices.Sort(lat)
			p50 := float64(lat[len(lat)/2].Nanoseconds()) / 1e3
			b.ReportMetric(p50, "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
			if c.name == "memory" {
				memoryP50 = p50
			} else if memoryP50 > 0 {
				b.ReportMetric(p50/memoryP50, "×memory-p50")
			}
		})
	}
	// Paired: each iteration answers one call from memory and asks a
	// nearest-neighbour peer about the same call, timing each, so both
	// meet the same load on a shared machine and their ratio does not
	// drift with it as the ratio of two runs one after the other does.
	for _, c := range peers[2:] {
		b.Run("paired/"+c.name, func(b *testing.B) {
			var mem, peer []time.Duration
			i := 0
			for b.Loop() {
				t0 := time.Now()
				if err := memory(i % len(calls)); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := c.fn(i % len(calls)); err != nil {
					b.Fatal(err)
				}
				mem, peer = append(mem, t1.Sub(t0)), append(peer, time.Since(t1))
				i++
			}
			reportPaired(b, "memory", mem, "peer", peer)
		})
	}
}

// BenchmarkRecommendationAfterMove measures, at county scale (10,000
// officers on duty), the recommendation that follows an officer's
// position report from the AVL feed: each iteration reports one officer's
// new position and then asks for a recommendation, alternating two ways
// of answering it in the same run. "move" is citdesk's: the snapshot in
// memory takes the move (withMoves). "reload" is what every position
// report did before, as any other change still does: the whole dispatch
// state read again. Only the recommendation is timed; each reports its
// p50 and p99, and reload's p50 as a multiple of move's.
//
//	go test ./store -run XXX -bench RecommendationAfterMove -benchtime 200x
func BenchmarkRecommendationAfterMove(b *testing.B) {
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "citdesk.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.Maps = geo.NewMaps()
	ctx, calls := countyScale(b, db, 10000, 20)
	actor := citdesk.ActorFromContext(ctx)
	op := citdesk.NewContextWithActor(context.Background(), citdesk.OperatorActor(actor.AgencyID))
	rnd := rand.New(rand.NewPCG(3, 4))
	recommend := func(i int, reload bool) time.Duration {
		res, err := db.PositionService().ReportPositions(op, []citdesk.PositionReport{{
			Badge: fmt.Sprint(10000 + rnd.IntN(10000)), Lat: 37.6 + rnd.Float64(), Lon: -91.1 + rnd.Float64(), At: time.Now()}})
		if err != nil || res[0].Status != citdesk.ReportApplied {
			b.Fatalf("position report: %+v, %v", res, err)
		}
		if reload {
			db.dispatch.changed(actor.AgencyID)
		}
		t0 := time.Now()
		_, rec, ok, err := db.recommendFromMemory(ctx, actor, calls[i%len(calls)])
		if err != nil || !ok || len(rec.Officers) == 0 {
			b.Fatalf("recommendation: %v, in memory %v, %d officers", err, ok, len(rec.Officers))
		}
		return time.Since(t0)
	}
	recommend(0, true) // the first read of the state is not a recommendation's cost
	var move, reload []time.Duration
	i := 0
	for b.Loop() {
		move = append(move, recommend(i, false))
		reload = append(reload, recommend(i, true))
		i++
	}
	reportPaired(b, "move", move, "reload", reload)
}

// reportPaired reports the p50 and p99 of two ways timed in turns, in
// microseconds, and the second's p50 as a multiple of the first's.
func reportPaired(b *testing.B, first string, a []time.Duration, second string, c []time.Duration) {
	slices.Sort(a)
	slices.Sort(c)
	q := func(lat []time.Duration, p int) float64 { return float64(lat[len(lat)*p/100].Nanoseconds()) / 1e3 }
	b.ReportMetric(q(a, 50), first+"-p50-µs")
	b.ReportMetric(q(a, 99), first+"-p99-µs")
	b.ReportMetric(q(c, 50), second+"-p50-µs")
	b.ReportMetric(q(c, 99), second+"-p99-µs")
	b.ReportMetric(q(c, 50)/q(a, 50), "×"+first+"-p50")
}

// knnDB is a PostgreSQL database holding the benchmark's officers for the
// nearest-neighbour peers.
type knnDB struct {
	pool    *sql.DB
	postgis bool
}

// knnPeer makes a throwaway database on the server of base, dropped when
// the benchmark ends, with units as rows (officer id, duty status, CIT
// status, position as a point and, when PostGIS installs, as geography),
// each position under a GiST index.
func knnPeer(b *testing.B, base string, units []dispatch.Unit) *knnDB {
	b.Helper()
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	var suffix [6]byte
	crand.Read(suffix[:])
	name := "citdesk_knn_" + hex.EncodeToString(suffix[:])
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if admin, err := sql.Open("pgx", base); err == nil {
			admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			admin.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	pool, err := sql.Open("pgx", u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pool.Close() })
	pool.SetMaxOpenConns(1)
	k := &knnDB{pool: pool}
	_, err = pool.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS postgis`)
	k.postgis = err == nil
	if !k.postgis {
		b.Logf("no PostGIS on the server (%v): the built-in point type only", err)
	}
	var ids []int64
	var statuses, cits []string
	var lats, lons []float64
	for _, u := range units {
		if u.PositionAt.IsZero() {
			continue
		}
		ids, statuses, cits = append(ids, u.OfficerID), append(statuses, string(u.Status)), append(cits, string(u.CITStatus))
		lats, lons = append(lats, u.Lat), append(lons, u.Lon)
	}
	stmts := []string{
		`CREATE TABLE bench_units (officer_id bigint PRIMARY KEY, status text NOT NULL, cit text NOT NULL, pos point NOT NULL)`,
		`INSERT INTO bench_units SELECT id, st, cit, point(lon, lat) FROM unnest($1::bigint[], $2::text[], $3::text[], $4::float8[], $5::float8[]) AS t(id, st, cit, lat, lon)`,
		`CREATE INDEX bench_units_pos ON bench_units USING gist (pos)`,
	}
	if k.postgis {
		stmts = append(stmts, `ALTER TABLE bench_units ADD COLUMN geog geography(Point, 4326)`,
			`UPDATE bench_units SET geog = ST_MakePoint(pos[0], pos[1])::geography`,
			`CREATE INDEX bench_units_geog ON bench_units USING gist (geog)`)
	}
	stmts = append(stmts, `ANALYZE bench_units`)
	for _, q := range stmts {
		var args []any
		if strings.HasPrefix(q, "INSERT") {
			args = []any{ids, statuses, cits, lats, lons}
		}
		if _, err := pool.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	return k
}

// nearest runs knn query q for the point (lon, lat) and reads its rows,
// failing unless it finds ten officers.
func (k *knnDB) nearest(ctx context.Context, q string, lon, lat float64) error {
	rows, err := k.pool.QueryContext(ctx, q, lon, lat)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		var d float64
		if err := rows.Scan(&id, &d); err != nil {
			return err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n != 10 {
		return fmt.Errorf("knn found %d officers, not 10", n)
	}
	return nil
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
