package geo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const osmDir = "../../shared/data/osm/"

var (
	mapsOnce sync.Once
	maps     = map[string]*Map{}
	mapsErr  error
)

// testMap imports one of the shared extracts once per test binary.
func testMap(tb testing.TB, name string) *Map {
	tb.Helper()
	mapsOnce.Do(func() {
		for _, n := range []string{"monaco", "baltimore", "liechtenstein"} {
			m, _, err := ImportOSM(context.Background(), osmDir+n+".osm.pbf", nil)
			if err != nil {
				mapsErr = err
				return
			}
			maps[n] = m
		}
	})
	if mapsErr != nil {
		tb.Fatal(mapsErr)
	}
	return maps[name]
}

// randomRoadPoints returns n points near the map's roads: a node's
// position moved up to 30 m, so snapping lands mid-segment too.
func randomRoadPoints(r *Roads, rng *rand.Rand, n int) [][2]float64 {
	out := make([][2]float64, n)
	for i := range out {
		p := r.point(int32(rng.IntN(r.NodeCount())))
		out[i] = [2]float64{p.lat + (rng.Float64()-0.5)*0.0005, p.lon + (rng.Float64()-0.5)*0.0005}
	}
	return out
}

// TestRoadsMatchDijkstra checks the hierarchy against plain Dijkstra on
// random trips in every shared extract: the same milliseconds, exactly,
// and the same answer where there is no route.
func TestRoadsMatchDijkstra(t *testing.T) {
	for _, name := range []string{"monaco", "baltimore", "liechtenstein"} {
		t.Run(name, func(t *testing.T) {
			r := testMap(t, name).Roads
			rng := rand.New(rand.NewPCG(1, uint64(len(name))))
			trips, routed := 0, 0
			for range 40 {
				to := randomRoadPoints(r, rng, 1)[0]
				ts, ok := r.Snap(to[0], to[1])
				if !ok {
					t.Fatalf("a point 30 m from a road node did not snap: %v", to)
				}
				var srcs []Snap
				for _, p := range randomRoadPoints(r, rng, 50) {
					s, ok := r.Snap(p[0], p[1])
					if !ok {
						t.Fatalf("a point 30 m from a road node did not snap: %v", p)
					}
					srcs = append(srcs, s)
				}
				want := r.DijkstraToMany(ts, srcs)
				bounded := r.DijkstraToManyBounded(ts, srcs)
				target := r.Toward(to[0], to[1])
				for i, s := range srcs {
					ms, dm, ok := target.FromSnap(s)
					got := Trip{ms, dm, ok}
					trips++
					if got.OK != want[i].OK || got.OK && got.MS != want[i].MS {
						t.Fatalf("trip %d: hierarchy %+v, Dijkstra %+v", i, got, want[i])
					}
					if bounded[i].OK != want[i].OK || got.OK && bounded[i].MS != want[i].MS {
						t.Fatalf("trip %d: bounded Dijkstra %+v, Dijkstra %+v", i, bounded[i], want[i])
					}
					if got.OK {
						routed++
						if got.DM == 0 && got.MS > 0 {
							t.Fatalf("trip %d: %d ms but no distance", i, got.MS)
						}
					}
				}
				target.Close()
			}
			// Most random trips in a city have a route; if none had, the
			// comparison above would prove little.
			if routed < trips*3/4 {
				t.Fatalf("only %d of %d trips had a route", routed, trips)
			}
		})
	}
}

// osmXML writes a small OpenStreetMap XML file: nodes by id at (lat,
// lon), and ways by node ids with tags.
func osmXML(t *testing.T, nodes map[int][2]float64, ways [][]string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<osm version="0.6" generator="test">` + "\n")
	for _, id := range slices.Sorted(func(y func(int) bool) {
		for k := range nodes {
			if !y(k) {
				return
			}
		}
	}) {
		p := nodes[id]
		fmt.Fprintf(&b, ` <node id="%d" lat="%.7f" lon="%.7f" version="1"/>`+"\n", id, p[0], p[1])
	}
	for i, w := range ways {
		fmt.Fprintf(&b, ` <way id="%d" version="1">`+"\n", 100+i)
		for _, f := range w {
			if k, v, ok := strings.Cut(f, "="); ok {
				fmt.Fprintf(&b, `  <tag k="%s" v="%s"/>`+"\n", k, v)
			} else {
				fmt.Fprintf(&b, `  <nd ref="%s"/>`+"\n", f)
			}
		}
		b.WriteString(" </way>\n")
	}
	b.WriteString("</osm>\n")
	path := filepath.Join(t.TempDir(), "test.osm")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRoadsHandDrawn checks small graphs against times worked out by
// hand: 0.001° along the equator or a meridian is 111.195 m (haversine,
// mean radius), which takes 13,343 ms at 30 km/h (residential) and
// 6,672 ms at 60 km/h.
func TestRoadsHandDrawn(t *testing.T) {
	const side = 111.19508 // metres
	leg := func(kmh float64) uint32 { return uint32(math.Round(side / (kmh / 3.6) * 1000)) }
	if leg(30) != 13343 || leg(60) != 6672 {
		t.Fatalf("hand figures: %d, %d", leg(30), leg(60))
	}
	// A square: 1 (0,0) → 2 (0,0.001) → 3 (0.001,0.001) → 4 (0.001,0) → 1.
	square := map[int][2]float64{1: {0, 0}, 2: {0, 0.001}, 3: {0.001, 0.001}, 4: {0.001, 0}}
	rest := []string{"2", "3", "4", "1", "highway=residential"}
	for _, tc := range []struct {
		name   string
		edge12 []string // the way from 1 to 2, with its tags
		to12   uint32   // 1 → 2
		to21   uint32   // 2 → 1
	}{
		{"two-way", []string{"1", "2", "highway=residential"}, leg(30), leg(30)},
		{"maxspeed", []string{"1", "2", "highway=residential", "maxspeed=60"}, leg(60), leg(60)},
		{"maxspeed mph", []string{"1", "2", "highway=residential", "maxspeed=15 mph"}, uint32(math.Round(side / (15 * 1.609344 / 3.6) * 1000)), uint32(math.Round(side / (15 * 1.609344 / 3.6) * 1000))},
		{"one-way", []string{"1", "2", "highway=residential", "oneway=yes"}, leg(30), 3 * leg(30)},
		{"one-way reversed", []string{"1", "2", "highway=residential", "oneway=-1"}, 3 * leg(30), leg(30)},
		{"roundabout", []string{"1", "2", "highway=residential", "junction=roundabout"}, leg(30), 3 * leg(30)},
		{"motorway one-way by default", []string{"1", "2", "highway=motorway", "maxspeed=30"}, leg(30), 3 * leg(30)},
		{"private", []string{"1", "2", "highway=residential", "access=private"}, 3 * leg(30), 3 * leg(30)},
		{"access no", []string{"1", "2", "highway=residential", "access=no"}, 3 * leg(30), 3 * leg(30)},
		{"no motor vehicles", []string{"1", "2", "highway=residential", "motor_vehicle=no"}, 3 * leg(30), 3 * leg(30)},
		{"cars allowed on a closed road", []string{"1", "2", "highway=residential", "access=no", "motor_vehicle=yes"}, leg(30), leg(30)},
		{"footway", []string{"1", "2", "highway=footway"}, 3 * leg(30), 3 * leg(30)},
		{"service road", []string{"1", "2", "highway=service"}, 2 * leg(30), 2 * leg(30)}, // 15 km/h: twice as long as at 30
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := osmXML(t, square, [][]string{tc.edge12, rest})
			m, _, err := ImportOSM(context.Background(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := m.Roads
			for _, c := range []struct {
				from, to int
				want     uint32
			}{{1, 2, tc.to12}, {2, 1, tc.to21}} {
				f, to := square[c.from], square[c.to]
				target := r.Toward(to[0], to[1])
				ms, _, ok := target.From(f[0], f[1])
				target.Close()
				// The three sides of the long way round are rounded one
				// by one, so allow a millisecond each.
				if !ok || diff(ms, c.want) > 2 {
					t.Errorf("%d → %d: %d ms (route %v), want %d", c.from, c.to, ms, ok, c.want)
				}
				ts, _ := r.Snap(to[0], to[1])
				fs, _ := r.Snap(f[0], f[1])
				if d := r.DijkstraToMany(ts, []Snap{fs})[0]; d.MS != ms {
					t.Errorf("%d → %d: Dijkstra %d ms, hierarchy %d", c.from, c.to, d.MS, ms)
				}
			}
		})
	}
	t.Run("off-road leg and mid-segment", func(t *testing.T) {
		path := osmXML(t, square, [][]string{{"1", "2", "highway=residential"}, rest})
		r := mustImport(t, path).Roads
		// From 10 m south of the middle of 1–2 to node 2: 10 m at
		// 5 km/h (7,200 ms), then half a side at 30 km/h.
		lat := -10 / metersPerDegree
		target := r.Toward(0, 0.001)
		ms, dm, ok := target.From(lat, 0.0005)
		target.Close()
		want := uint32(7200 + math.Round(float64(leg(30))/2))
		if !ok || diff(ms, want) > 2 || diff(dm, uint32(math.Round(100+side*10/2))) > 2 {
			t.Errorf("got %d ms, %d dm (route %v); want %d ms, %d dm", ms, dm, ok, want, uint32(math.Round(100+side*10/2)))
		}
		// 1 km from any road: no road ETA.
		target = r.Toward(0.01, 0.01)
		if _, _, ok := target.From(0, 0); ok {
			t.Error("a call 1 km from any road got a road ETA")
		}
		target.Close()
	})
	t.Run("no route between parts", func(t *testing.T) {
		nodes := map[int][2]float64{1: {0, 0}, 2: {0, 0.001}, 5: {0.003, 0}, 6: {0.003, 0.001}}
		r := mustImport(t, osmXML(t, nodes, [][]string{{"1", "2", "highway=residential"}, {"5", "6", "highway=residential"}})).Roads
		target := r.Toward(0.003, 0.001)
		defer target.Close()
		if ms, _, ok := target.From(0, 0); ok {
			t.Errorf("a route of %d ms between unconnected roads", ms)
		}
	})
}

func diff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func mustImport(t *testing.T, path string) *Map {
	t.Helper()
	m, _, err := ImportOSM(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMapFile writes a map and reads it back, and refuses truncated and
// damaged files, leaving the map already in place untouched.
func TestMapFile(t *testing.T) {
	m := testMap(t, "monaco")
	dir := t.TempDir()
	path := filepath.Join(dir, "monaco.citmap")
	if err := WriteMapFile(path, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadMapFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Roads.NodeCount() != m.Roads.NodeCount() || len(got.Addresses) != len(m.Addresses) || len(got.Places) != len(m.Places) || got.Source != "monaco.osm.pbf" {
		t.Fatalf("read back %d nodes, %d addresses, %d places, %q", got.Roads.NodeCount(), len(got.Addresses), len(got.Places), got.Source)
	}
	if !slices.Equal(got.Addresses, m.Addresses) {
		// Coordinates go through 1e-7 degrees; compare within that.
		for i := range m.Addresses {
			a, b := m.Addresses[i], got.Addresses[i]
			if a.Street != b.Street || a.HouseNumber != b.HouseNumber || math.Abs(a.Lat-b.Lat) > 1e-7 || math.Abs(a.Lon-b.Lon) > 1e-7 {
				t.Fatalf("address %d: wrote %+v, read %+v", i, a, b)
			}
		}
	}
	// Trips on the read map equal those on the built one.
	rng := rand.New(rand.NewPCG(7, 7))
	for _, to := range randomRoadPoints(m.Roads, rng, 5) {
		a, b := m.Roads.Toward(to[0], to[1]), got.Roads.Toward(to[0], to[1])
		for _, p := range randomRoadPoints(m.Roads, rng, 20) {
			x1, y1, ok1 := a.From(p[0], p[1])
			x2, y2, ok2 := b.From(p[0], p[1])
			if x1 != x2 || y1 != y2 || ok1 != ok2 {
				t.Fatalf("built map %d ms %d dm %v, read map %d ms %d dm %v", x1, y1, ok1, x2, y2, ok2)
			}
		}
		a.Close()
		b.Close()
	}
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"truncated", whole[:len(whole)/2]},
		{"last byte missing", whole[:len(whole)-1]},
		{"one byte flipped", flip(whole, len(whole)/3)},
		{"empty", nil},
		{"not a map", []byte("<osm></osm>")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ReadMap(tc.data); !errors.Is(err, ErrBadMap) {
				t.Fatalf("got %v, want ErrBadMap", err)
			}
		})
	}
	// A failed write (here: the directory is gone from under it) leaves
	// the map in place as it was.
	before, _ := os.ReadFile(path)
	if err := WriteMapFile(filepath.Join(dir, "missing", "x", string([]byte{0}), "m.citmap"), m); err == nil {
		t.Fatal("a write to an impossible path succeeded")
	}
	after, _ := os.ReadFile(path)
	if !slices.Equal(before, after) {
		t.Fatal("the map in place changed")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func flip(b []byte, i int) []byte {
	c := slices.Clone(b)
	c[i] ^= 0x40
	return c
}

// TestImportBadFiles: a truncated or foreign file is refused with an
// error that says so.
func TestImportBadFiles(t *testing.T) {
	whole, err := os.ReadFile(osmDir + "monaco.osm.pbf")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"truncated pbf", "cut.osm.pbf", whole[:len(whole)/2], "truncated or damaged"},
		{"not pbf", "text.osm.pbf", []byte("hello, this is not a map"), "not a readable OpenStreetMap file"},
		{"broken xml", "bad.osm", []byte("<osm><node id='1' lat='x'"), "not a readable OpenStreetMap file"},
		{"not bzip2", "bad.osm.bz2", []byte("plain text"), "not a readable OpenStreetMap file"},
		{"unknown kind", "map.geojson", []byte("{}"), "must be OpenStreetMap PBF"},
		{"empty xml", "empty.osm", []byte(`<osm version="0.6"></osm>`), "holds no OpenStreetMap nodes or ways"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.file)
			if err := os.WriteFile(p, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := ImportOSM(context.Background(), p, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// BenchmarkCallETAs is one call against 100 on-duty officers: the
// hierarchy (Toward, then From for each officer, snapping included) and
// plain Dijkstra (one search backwards from the call until every
// officer's road is settled) on each shared extract. The p99 metric is
// the 99th percentile of one call's time, p99-cpu the same in CPU time
// (without the waits for a core on a shared machine).
func BenchmarkCallETAs(b *testing.B) {
	for _, name := range []string{"monaco", "baltimore", "liechtenstein"} {
		r := testMap(b, name).Roads
		rng := rand.New(rand.NewPCG(3, 3))
		const calls = 200
		targets := randomRoadPoints(r, rng, calls)
		officers := make([][][2]float64, calls)
		for i := range officers {
			officers[i] = randomRoadPoints(r, rng, 100)
		}
		b.Run(name+"/hierarchy", func(b *testing.B) {
			defer lockThread()()
			var times, cpu []time.Duration
			i := 0
			for b.Loop() {
				start, c0 := time.Now(), threadCPU()
				to := targets[i%calls]
				t := r.Toward(to[0], to[1])
				for _, p := range officers[i%calls] {
					t.From(p[0], p[1])
				}
				t.Close()
				times, cpu = append(times, time.Since(start)), append(cpu, threadCPU()-c0)
				i++
			}
			b.ReportMetric(p99(times), "p99-µs")
			b.ReportMetric(p99(cpu), "p99-cpu-µs")
		})
		b.Run(name+"/dijkstra", func(b *testing.B) {
			defer lockThread()()
			var times, cpu []time.Duration
			i := 0
			for b.Loop() {
				start, c0 := time.Now(), threadCPU()
				to := targets[i%calls]
				ts, _ := r.Snap(to[0], to[1])
				srcs := make([]Snap, 0, 100)
				for _, p := range officers[i%calls] {
					s, _ := r.Snap(p[0], p[1])
					srcs = append(srcs, s)
				}
				r.DijkstraToManyBounded(ts, srcs)
				times, cpu = append(times, time.Since(start)), append(cpu, threadCPU()-c0)
				i++
			}
			b.ReportMetric(p99(times), "p99-µs")
			b.ReportMetric(p99(cpu), "p99-cpu-µs")
		})
	}
}

func p99(ts []time.Duration) float64 {
	if len(ts) == 0 {
		return 0
	}
	slices.Sort(ts)
	return float64(ts[min(len(ts)-1, len(ts)*99/100)].Microseconds())
}

// BenchmarkImport imports each shared extract: time, and bytes allocated
// per OSM node read (-benchmem's B/op over the nodes in the file).
func BenchmarkImport(b *testing.B) {
	for _, name := range []string{"monaco", "baltimore", "liechtenstein"} {
		b.Run(name, func(b *testing.B) {
			var st ImportStats
			for b.Loop() {
				var err error
				_, st, err = ImportOSM(context.Background(), osmDir+name+".osm.pbf", nil)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(st.Nodes), "ns/osm-node")
			b.ReportMetric(float64(st.Nodes), "osm-nodes")
		})
	}
}

// BenchmarkTiledRoads builds the hierarchy over k×k tiles of the
// Liechtenstein graph (tileRoads; up to a million road nodes, a large
// county's worth) and runs one call against 100 officers on it: how build
// time, memory (B/op over the nodes) and query time grow with the map.
func BenchmarkTiledRoads(b *testing.B) {
	base := testMap(b, "liechtenstein").Roads
	for _, k := range []int{1, 3, 8} {
		var r *Roads
		nodes := base.NodeCount() * k * k
		b.Run(fmt.Sprintf("build/%dk-nodes", nodes/1000), func(b *testing.B) {
			for b.Loop() {
				lat, lon, segs := tileRoads(base, k)
				r = BuildRoads(lat, lon, segs)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(nodes), "ns/node")
			b.ReportMetric(float64(r.ShortcutCount())/float64(nodes), "shortcuts/node")
		})
		b.Run(fmt.Sprintf("query/%dk-nodes", nodes/1000), func(b *testing.B) {
			defer lockThread()()
			rng := rand.New(rand.NewPCG(9, 9))
			var cpu, wall []time.Duration
			for b.Loop() {
				start, c0 := time.Now(), threadCPU()
				to := randomRoadPoints(r, rng, 1)[0]
				t := r.Toward(to[0], to[1])
				for _, p := range randomRoadPoints(r, rng, 100) {
					t.From(p[0], p[1])
				}
				t.Close()
				cpu, wall = append(cpu, threadCPU()-c0), append(wall, time.Since(start))
			}
			b.ReportMetric(p99(wall), "p99-µs")
			b.ReportMetric(p99(cpu), "p99-cpu-µs")
		})
	}
}

// tileRoads lays k×k copies of a real road graph side by side, each
// joined to its right and upper neighbours by a few fast roads: a region
// k² times the size with the local structure of real streets.
func tileRoads(base *Roads, k int) (lat, lon []int32, segs []Segment) {
	n := int32(base.NodeCount())
	minLat, maxLat := slices.Min(base.lat), slices.Max(base.lat)
	minLon, maxLon := slices.Min(base.lon), slices.Max(base.lon)
	dLat, dLon := maxLat-minLat, maxLon-minLon
	rng := rand.New(rand.NewPCG(11, uint64(k)))
	for ty := range k {
		for tx := range k {
			off := int32(ty*k+tx) * n
			for v := range n {
				lat = append(lat, base.lat[v]+int32(ty)*dLat)
				lon = append(lon, base.lon[v]+int32(tx)*dLon)
			}
			for _, s := range base.segs {
				s.A, s.B = s.A+off, s.B+off
				segs = append(segs, s)
			}
		}
	}
	join := func(a, b int32) {
		d := Distance(float64(lat[a])*1e-7, float64(lon[a])*1e-7, float64(lat[b])*1e-7, float64(lon[b])*1e-7)
		ms := uint32(math.Round(d / (100 / 3.6) * 1000))
		segs = append(segs, Segment{A: a, B: b, AB: ms, BA: ms, Dm: uint32(math.Round(d * 10))})
	}
	for ty := range k {
		for tx := range k {
			off := int32(ty*k+tx) * n
			for range 5 {
				if tx+1 < k {
					join(off+rng.Int32N(n), off+n+rng.Int32N(n))
				}
				if ty+1 < k {
					join(off+rng.Int32N(n), off+int32(k)*n+rng.Int32N(n))
				}
			}
		}
	}
	return lat, lon, segs
}

// BenchmarkLoadMap reads each extract's map file as citdesk serve does at
// start-up; B/op is about what the map holds in memory.
func BenchmarkLoadMap(b *testing.B) {
	for _, name := range []string{"monaco", "baltimore", "liechtenstein"} {
		path := filepath.Join(b.TempDir(), name+".citmap")
		if err := WriteMapFile(path, testMap(b, name)); err != nil {
			b.Fatal(err)
		}
		fi, _ := os.Stat(path)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ReadMapFile(path); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(fi.Size()), "file-bytes")
		})
	}
}

// TestRoadsConcurrent: goroutines asking at once get the answers one
// goroutine gets (run with -race).
func TestRoadsConcurrent(t *testing.T) {
	r := testMap(t, "monaco").Roads
	rng := rand.New(rand.NewPCG(4, 4))
	targets, sources := randomRoadPoints(r, rng, 8), randomRoadPoints(r, rng, 30)
	want := make([][]Trip, len(targets))
	for i, to := range targets {
		tg := r.Toward(to[0], to[1])
		for _, p := range sources {
			ms, dm, ok := tg.From(p[0], p[1])
			want[i] = append(want[i], Trip{ms, dm, ok})
		}
		tg.Close()
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 3 * len(targets) {
				i := (g + k) % len(targets)
				tg := r.Toward(targets[i][0], targets[i][1])
				for j, p := range sources {
					if ms, dm, ok := tg.From(p[0], p[1]); (Trip{ms, dm, ok}) != want[i][j] {
						select {
						case errs <- fmt.Sprintf("target %d source %d: %d ms %d dm %v, want %+v", i, j, ms, dm, ok, want[i][j]):
						default: // enough reported
						}
					}
				}
				tg.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
