package geo

import (
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"

	"citdesk"
)

// The car profile: how fast a car goes on each class of road where no
// maxspeed is tagged, in km/h. A maxspeed tag, where one parses, is taken
// as the speed instead. Classes not listed (footways, tracks, paths,
// steps, cycleways, construction) are not driven.
var carSpeedKMH = map[string]float64{
	"motorway": 100, "motorway_link": 60, "trunk": 80, "trunk_link": 50,
	"primary": 65, "primary_link": 45, "secondary": 55, "secondary_link": 40,
	"tertiary": 45, "tertiary_link": 35, "unclassified": 40, "residential": 30,
	"living_street": 10, "service": 15, "road": 30,
}

// deniedAccess are the access values that shut a road to cars. The most
// specific tag present decides: motorcar, then motor_vehicle, then
// vehicle, then access.
var deniedAccess = map[string]bool{"no": true, "private": true, "agricultural": true, "forestry": true}

// carWay reports whether cars may drive way tags t, and if so at what
// speed and in which directions (1 forward only, -1 backward only, 0
// both).
func carWay(t osm.Tags) (kmh float64, oneway int, ok bool) {
	hw := t.Find("highway")
	kmh, ok = carSpeedKMH[hw]
	if !ok || t.Find("area") == "yes" {
		return 0, 0, false
	}
	for _, k := range []string{"motorcar", "motor_vehicle", "vehicle", "access"} {
		if v := t.Find(k); v != "" {
			if deniedAccess[v] {
				return 0, 0, false
			}
			break
		}
	}
	if v, ok := parseMaxspeed(t.Find("maxspeed")); ok {
		kmh = v
	}
	switch t.Find("oneway") {
	case "yes", "true", "1":
		oneway = 1
	case "-1", "reverse":
		oneway = -1
	case "no", "false", "0":
	default:
		if hw == "motorway" || hw == "motorway_link" {
			oneway = 1
		}
		if j := t.Find("junction"); j == "roundabout" || j == "circular" {
			oneway = 1
		}
	}
	return kmh, oneway, true
}

// parseMaxspeed reads an OSM maxspeed: "50", "50 km/h", "30 mph". Other
// forms ("none", "signals", "FR:urban") are not a number, and the class's
// speed stands.
func parseMaxspeed(v string) (float64, bool) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	mph := false
	switch {
	case strings.HasSuffix(v, "mph"):
		mph, v = true, strings.TrimSpace(strings.TrimSuffix(v, "mph"))
	case strings.HasSuffix(v, "km/h"):
		v = strings.TrimSpace(strings.TrimSuffix(v, "km/h"))
	case strings.HasSuffix(v, "kmh"):
		v = strings.TrimSpace(strings.TrimSuffix(v, "kmh"))
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 5 || f > 200 {
		return 0, false
	}
	if mph {
		f *= 1.609344
	}
	return f, true
}

// placeKinds are the place=* values named in the address index.
var placeKinds = map[string]bool{"city": true, "town": true, "village": true, "hamlet": true, "suburb": true,
	"quarter": true, "neighbourhood": true, "locality": true, "isolated_dwelling": true}

// ImportProgress is told how far an import is: pass 1 or 2 reading the
// file (the bytes read in this pass and the file's size), or pass 3
// building the hierarchy (the road nodes contracted and their number).
type ImportProgress func(pass int, done, total int64)

// ImportStats counts what an import found.
type ImportStats struct {
	Ways, RoadWays, Nodes, Segments, Addresses, Streets, Places, Dropped int
}

// ImportOSM reads the OpenStreetMap extract at path (.osm.pbf, .osm or
// .osm.bz2) in three passes, relations (unreported: quick), ways, then
// nodes, and builds the map: the car road graph with its hierarchy, the
// address index's entries and the basemap. An
// error names what is wrong with the file.
func ImportOSM(ctx context.Context, path string, progress ImportProgress) (*Map, ImportStats, error) {
	var st ImportStats
	if progress == nil {
		progress = func(int, int64, int64) {}
	}
	b := &osmBuilder{streets: map[string]*streetNodes{}, relWays: map[int64][]int64{}}
	// Pass 0: the multipolygons and boundaries the basemap draws, so pass
	// 1 keeps their member ways (in a file, relations follow the ways).
	if err := scanOSM(ctx, path, 0, func(int, int64, int64) {}, b.relation); err != nil {
		return nil, st, err
	}
	if err := scanOSM(ctx, path, 1, progress, b.way); err != nil {
		return nil, st, err
	}
	b.need = slices.Compact(slices.Sorted(slices.Values(b.need)))
	b.lat, b.lon = make([]int32, len(b.need)), make([]int32, len(b.need))
	b.have = make([]bool, len(b.need))
	if err := scanOSM(ctx, path, 2, progress, b.node); err != nil {
		return nil, st, err
	}
	if b.ways == 0 && b.nodes == 0 {
		return nil, st, errors.New("the file holds no OpenStreetMap nodes or ways")
	}
	progress(3, 0, 1)
	m := b.build(&st, func(done, total int64) { progress(3, done, total) })
	m.Source, m.ImportedAt = filepath.Base(path), time.Now().UTC().Truncate(time.Second)
	progress(3, 1, 1)
	return m, st, nil
}

// scanOSM reads every object of the file, passing it to each.
func scanOSM(ctx context.Context, path string, pass int, progress ImportProgress, each func(osm.Object)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	cr := &countingReader{r: f, total: fi.Size(), pass: pass, progress: progress}
	var r io.Reader = cr
	name := strings.ToLower(path)
	type scanner interface {
		Scan() bool
		Object() osm.Object
		Err() error
		Close() error
	}
	var sc scanner
	switch {
	case strings.HasSuffix(name, ".pbf"):
		s := osmpbf.New(ctx, r, max(1, runtime.GOMAXPROCS(0)))
		// Pass 0 reads only the relations, passes 1 and 2 the ways, then the nodes.
		s.SkipRelations = pass != 0
		s.SkipNodes, s.SkipWays = pass != 2, pass != 1
		sc = s
	case strings.HasSuffix(name, ".osm.bz2"):
		sc = osmxml.New(ctx, bzip2.NewReader(r))
	case strings.HasSuffix(name, ".osm"):
		sc = osmxml.New(ctx, r)
	default:
		return fmt.Errorf("%s: the file must be OpenStreetMap PBF (.osm.pbf) or XML (.osm, .osm.bz2)", filepath.Base(path))
	}
	defer sc.Close()
	for sc.Scan() {
		each(sc.Object())
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s is not a readable OpenStreetMap file (truncated or damaged?): %w", filepath.Base(path), err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	progress(pass, cr.total, cr.total)
	return nil
}

type countingReader struct {
	r           io.Reader
	done, total int64
	pass        int
	progress    ImportProgress
	last        time.Time
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.done += int64(n)
	if now := time.Now(); now.Sub(c.last) > 100*time.Millisecond {
		c.last = now
		c.progress(c.pass, c.done, c.total)
	}
	return n, err
}

// osmBuilder gathers what the two passes find.
type osmBuilder struct {
	ways, nodes int
	roads       []roadWay
	addrWays    []addrWay
	streets     map[string]*streetNodes
	need        []int64 // node ids whose positions are needed, sorted after pass 1
	lat, lon    []int32
	have        []bool
	addrs       []citdesk.Address
	places      []Place
	drawWays    []drawWay
	rels        []drawRelation
	relWays     map[int64][]int64 // member ways of rels: their nodes, once pass 1 has read them
}

// drawRelation is a multipolygon (water, a park) or a boundary the
// basemap draws, by its member ways.
type drawRelation struct {
	class        DrawClass
	outer, inner []int64
}

// relation notes a multipolygon of water or parkland, or an
// administrative boundary down to the county (admin_level 6).
func (b *osmBuilder) relation(o osm.Object) {
	r, ok := o.(*osm.Relation)
	if !ok {
		return
	}
	var class DrawClass
	switch r.Tags.Find("type") {
	case "multipolygon":
		c, ok := drawClassOf(r.Tags, true)
		if !ok || !c.IsArea() {
			return
		}
		class = c
	case "boundary":
		if r.Tags.Find("boundary") != "administrative" {
			return
		}
		if l, err := strconv.Atoi(r.Tags.Find("admin_level")); err != nil || l > 6 {
			return
		}
		class = DrawBoundary
	default:
		return
	}
	dr := drawRelation{class: class}
	for _, m := range r.Members {
		if m.Type != osm.TypeWay {
			continue
		}
		if m.Role == "inner" && class.IsArea() {
			dr.inner = append(dr.inner, m.Ref)
		} else {
			dr.outer = append(dr.outer, m.Ref)
		}
		b.relWays[m.Ref] = nil
	}
	if len(dr.outer) > 0 {
		b.rels = append(b.rels, dr)
	}
}

// drawWay is a way the basemap draws.
type drawWay struct {
	class DrawClass
	nodes []int64
}

type roadWay struct {
	nodes  []int64
	kmh    float64
	oneway int8
}

type addrWay struct {
	addr  citdesk.Address
	nodes []int64
}

type streetNodes struct {
	name  string
	nodes []int64
}

func (b *osmBuilder) way(o osm.Object) {
	w, ok := o.(*osm.Way)
	if !ok {
		return
	}
	b.ways++
	ids := make([]int64, len(w.Nodes))
	for i, n := range w.Nodes {
		ids[i] = int64(n.ID)
	}
	if kmh, oneway, ok := carWay(w.Tags); ok && len(ids) > 1 {
		b.roads = append(b.roads, roadWay{ids, kmh, int8(oneway)})
		b.need = append(b.need, ids...)
	}
	if _, ok := b.relWays[int64(w.ID)]; ok && len(ids) > 1 {
		b.relWays[int64(w.ID)] = ids
		b.need = append(b.need, ids...)
	}
	if c, ok := drawClassOf(w.Tags, len(ids) > 3 && ids[0] == ids[len(ids)-1]); ok && len(ids) > 1 {
		b.drawWays = append(b.drawWays, drawWay{c, ids})
		b.need = append(b.need, ids...)
	}
	if name := w.Tags.Find("name"); name != "" && w.Tags.Find("highway") != "" {
		s := b.streets[name]
		if s == nil {
			s = &streetNodes{name: name}
			b.streets[name] = s
		}
		s.nodes = append(s.nodes, ids...)
		b.need = append(b.need, ids...)
	}
	if a, ok := tagAddress(w.Tags); ok && len(ids) > 0 {
		b.addrWays = append(b.addrWays, addrWay{a, ids})
		b.need = append(b.need, ids...)
	}
}

func (b *osmBuilder) node(o osm.Object) {
	n, ok := o.(*osm.Node)
	if !ok {
		return
	}
	b.nodes++
	if i, ok := slices.BinarySearch(b.need, int64(n.ID)); ok {
		b.lat[i], b.lon[i], b.have[i] = toE7(n.Lat), toE7(n.Lon), true
	}
	if len(n.Tags) == 0 {
		return
	}
	if a, ok := tagAddress(n.Tags); ok {
		a.Lat, a.Lon = n.Lat, n.Lon
		b.addrs = append(b.addrs, a)
	}
	if name := n.Tags.Find("name"); name != "" && placeKinds[n.Tags.Find("place")] {
		b.places = append(b.places, Place{Name: name, Lat: n.Lat, Lon: n.Lon})
	}
}

// tagAddress reads addr:* tags: a house number on a street (or on a
// named place, addr:place, where there is no street) in a city.
func tagAddress(t osm.Tags) (citdesk.Address, bool) {
	num := t.Find("addr:housenumber")
	if num == "" {
		return citdesk.Address{}, false
	}
	street := t.Find("addr:street")
	if street == "" {
		street = t.Find("addr:place")
	}
	if street == "" {
		return citdesk.Address{}, false
	}
	city := t.Find("addr:city")
	if city == "" {
		city = t.Find("addr:suburb")
	}
	return citdesk.Address{HouseNumber: num, Street: street, Place: city}, true
}

func (b *osmBuilder) pos(id int64) (lat, lon float64, ok bool) {
	i, found := slices.BinarySearch(b.need, id)
	if !found || !b.have[i] {
		return 0, 0, false
	}
	return float64(b.lat[i]) * 1e-7, float64(b.lon[i]) * 1e-7, true
}

func (b *osmBuilder) build(st *ImportStats, progress func(done, total int64)) *Map {
	st.Ways, st.Nodes, st.RoadWays = b.ways, b.nodes, len(b.roads)
	// The graph's nodes: every node a road passes through whose position
	// the file holds (an extract cut at its border lacks some).
	gi := make([]int32, len(b.need))
	for i := range gi {
		gi[i] = -1
	}
	var lat, lon []int32
	var segs []Segment
	node := func(id int64) int32 {
		i, ok := slices.BinarySearch(b.need, id)
		if !ok || !b.have[i] {
			return -1
		}
		if gi[i] < 0 {
			gi[i] = int32(len(lat))
			lat, lon = append(lat, b.lat[i]), append(lon, b.lon[i])
		}
		return gi[i]
	}
	for _, w := range b.roads {
		mps := w.kmh / 3.6
		prev := int32(-1)
		for _, id := range w.nodes {
			v := node(id)
			if v < 0 {
				prev = -1
				continue
			}
			if prev >= 0 && prev != v {
				d := Distance(float64(lat[prev])*1e-7, float64(lon[prev])*1e-7, float64(lat[v])*1e-7, float64(lon[v])*1e-7)
				ms := uint32(math.Round(d / mps * 1000))
				s := Segment{A: prev, B: v, AB: ms, BA: ms, Dm: uint32(math.Round(d * 10))}
				switch w.oneway {
				case 1:
					s.BA = NoWay
				case -1:
					s.AB = NoWay
				}
				segs = append(segs, s)
			}
			prev = v
		}
	}
	st.Segments = len(segs)
	roads := buildRoads(lat, lon, segs, progress)

	addrs := b.addrs
	for _, w := range b.addrWays {
		var sl, so float64
		n := 0
		for k, id := range w.nodes {
			if k > 0 && k == len(w.nodes)-1 && id == w.nodes[0] {
				break // a closed way repeats its first node
			}
			if la, lo, ok := b.pos(id); ok {
				sl, so, n = sl+la, so+lo, n+1
			}
		}
		if n > 0 {
			w.addr.Lat, w.addr.Lon = sl/float64(n), so/float64(n)
			addrs = append(addrs, w.addr)
		}
	}
	// Streets with no address on them still answer a lookup, at their
	// middle: the node nearest the mean of their nodes.
	onList := map[string]bool{}
	for _, a := range addrs {
		onList[strings.Join(Tokens(a.Street), " ")] = true
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range b.streets {
			if !yield(k) {
				return
			}
		}
	})
	for _, name := range names {
		if onList[strings.Join(Tokens(name), " ")] {
			continue
		}
		s := b.streets[name]
		var sl, so float64
		n := 0
		for _, id := range s.nodes {
			if la, lo, ok := b.pos(id); ok {
				sl, so, n = sl+la, so+lo, n+1
			}
		}
		if n == 0 {
			continue
		}
		ml, mo := sl/float64(n), so/float64(n)
		best, bl, bo := math.Inf(1), 0.0, 0.0
		for _, id := range s.nodes {
			if la, lo, ok := b.pos(id); ok {
				if d := planeDistance(ml, mo, la, lo); d < best {
					best, bl, bo = d, la, lo
				}
			}
		}
		addrs = append(addrs, citdesk.Address{Street: name, Lat: bl, Lon: bo})
		st.Streets++
	}
	valid := addrs[:0]
	for _, a := range addrs {
		if a.Validate() == nil {
			valid = append(valid, a)
		} else {
			st.Dropped++
		}
	}
	st.Addresses = len(valid) - st.Streets
	st.Places = len(b.places)
	return &Map{Roads: roads, Addresses: valid, Places: b.places, Basemap: b.basemap()}
}

// basemap lays out the ways to draw. A line is cut where the extract
// lacks a node's position; an area missing any is left out, since its
// outline would be wrong.
func (b *osmBuilder) basemap() *Basemap {
	bm := &Basemap{}
	var lat, lon []int32
	for _, w := range b.drawWays {
		lat, lon = lat[:0], lon[:0]
		whole := true
		flush := func() {
			if len(lat) > 1 {
				bm.add(w.class, lat, lon)
			}
			lat, lon = lat[:0], lon[:0]
		}
		for _, id := range w.nodes {
			i, ok := slices.BinarySearch(b.need, id)
			if !ok || !b.have[i] {
				whole = false
				if !w.class.IsArea() {
					flush()
				}
				continue
			}
			lat, lon = append(lat, b.lat[i]), append(lon, b.lon[i])
		}
		if whole || !w.class.IsArea() {
			flush()
		}
	}
	b.relationsTo(bm)
	bm.finish()
	return bm
}

// relationsTo adds the relations to the basemap: a boundary's ways as
// lines, each way once however many boundaries share it; a
// multipolygon's rings, joined from its ways end to end, the inner ones
// as holes. A ring the extract cuts open is left out.
func (b *osmBuilder) relationsTo(bm *Basemap) {
	drawn := map[int64]bool{}
	for _, r := range b.rels {
		if r.class == DrawBoundary {
			for _, id := range r.outer {
				if drawn[id] {
					continue
				}
				drawn[id] = true
				b.addLine(bm, DrawBoundary, b.relWays[id])
			}
			continue
		}
		for _, ring := range joinRings(b.relWays, r.outer) {
			b.addRing(bm, r.class, ring)
		}
		for _, ring := range joinRings(b.relWays, r.inner) {
			b.addRing(bm, r.class.hole(), ring)
		}
	}
}

// addLine adds a line through nodes, cut where a position is missing.
func (b *osmBuilder) addLine(bm *Basemap, c DrawClass, nodes []int64) {
	var lat, lon []int32
	for _, id := range nodes {
		i, ok := slices.BinarySearch(b.need, id)
		if !ok || !b.have[i] {
			if len(lat) > 1 {
				bm.add(c, lat, lon)
			}
			lat, lon = lat[:0], lon[:0]
			continue
		}
		lat, lon = append(lat, b.lat[i]), append(lon, b.lon[i])
	}
	if len(lat) > 1 {
		bm.add(c, lat, lon)
	}
}

// addRing adds a closed ring whose every position the extract holds.
func (b *osmBuilder) addRing(bm *Basemap, c DrawClass, nodes []int64) {
	lat, lon := make([]int32, 0, len(nodes)), make([]int32, 0, len(nodes))
	for _, id := range nodes {
		i, ok := slices.BinarySearch(b.need, id)
		if !ok || !b.have[i] {
			return
		}
		lat, lon = append(lat, b.lat[i]), append(lon, b.lon[i])
	}
	if len(lat) > 3 {
		bm.add(c, lat, lon)
	}
}

// joinRings joins ways (their node lists in nodes) into closed rings by
// their ends, either way round; what does not close is dropped.
func joinRings(nodes map[int64][]int64, ways []int64) [][]int64 {
	var open [][]int64
	var rings [][]int64
	for _, id := range ways {
		if n := nodes[id]; len(n) > 1 {
			open = append(open, n)
		}
	}
	used := make([]bool, len(open))
	for i := range open {
		if used[i] {
			continue
		}
		used[i] = true
		ring := slices.Clone(open[i])
		for ring[0] != ring[len(ring)-1] {
			grown := false
			for j := range open {
				if used[j] {
					continue
				}
				w, end := open[j], ring[len(ring)-1]
				switch {
				case w[0] == end:
					ring = append(ring, w[1:]...)
				case w[len(w)-1] == end:
					r := slices.Clone(w)
					slices.Reverse(r)
					ring = append(ring, r[1:]...)
				default:
					continue
				}
				used[j], grown = true, true
				break
			}
			if !grown {
				break
			}
		}
		if ring[0] == ring[len(ring)-1] && len(ring) > 3 {
			rings = append(rings, ring)
		}
	}
	return rings
}
