package geo

import (
	"math"
	"slices"
)

// segGrid is a flat grid over the map's bounding box whose cells list
// the segments that cross them, so snapping a point reads a few dozen
// segments near it. Cells are square in degrees, sized so there are about
// as many cells as segments (no smaller than 0.0005°, some 55 m).
type segGrid struct {
	lat0, lon0, deg float64
	w, h            int32
	start, segs     []int32 // CSR: the segments of cell y*w+x
}

func newSegGrid(r *Roads) segGrid {
	var g segGrid
	if len(r.lat) == 0 {
		return g
	}
	minLat, maxLat := slices.Min(r.lat), slices.Max(r.lat)
	minLon, maxLon := slices.Min(r.lon), slices.Max(r.lon)
	g.lat0, g.lon0 = float64(minLat)*1e-7, float64(minLon)*1e-7
	dLat, dLon := float64(maxLat-minLat)*1e-7, float64(maxLon-minLon)*1e-7
	g.deg = math.Max(0.0005, math.Sqrt(math.Max(dLat*dLon, 1e-9)/float64(max(1, len(r.segs)))))
	g.w, g.h = int32(dLon/g.deg)+1, int32(dLat/g.deg)+1
	count := make([]int32, int(g.w)*int(g.h)+1)
	each := func(f func(c int32, i int32)) {
		for i, s := range r.segs {
			x0, y0 := g.cellOf(float64(min(r.lat[s.A], r.lat[s.B]))*1e-7, float64(min(r.lon[s.A], r.lon[s.B]))*1e-7)
			x1, y1 := g.cellOf(float64(max(r.lat[s.A], r.lat[s.B]))*1e-7, float64(max(r.lon[s.A], r.lon[s.B]))*1e-7)
			for y := max(y0, 0); y <= min(y1, g.h-1); y++ {
				for x := max(x0, 0); x <= min(x1, g.w-1); x++ {
					f(y*g.w+x, int32(i))
				}
			}
		}
	}
	each(func(c, _ int32) { count[c+1]++ })
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	g.start = count
	g.segs = make([]int32, count[len(count)-1])
	fill := slices.Clone(count[:len(count)-1])
	each(func(c, i int32) {
		g.segs[fill[c]] = i
		fill[c]++
	})
	return g
}

// cellOf is the cell holding (lat, lon); it may lie outside the grid.
func (g *segGrid) cellOf(lat, lon float64) (x, y int32) {
	return int32(math.Floor((lon - g.lon0) / g.deg)), int32(math.Floor((lat - g.lat0) / g.deg))
}

// at lists the segments crossing cell (x, y): none outside the grid.
func (g *segGrid) at(x, y int32) []int32 {
	if x < 0 || y < 0 || x >= g.w || y >= g.h {
		return nil
	}
	c := y*g.w + x
	return g.segs[g.start[c]:g.start[c+1]]
}

// Snap is a point joined to the road: the segment, how far along it
// (0 at A, 1 at B), and the off-road leg from the point to it.
type Snap struct {
	Seg     int32
	T       float64
	OffRoad float64 // metres
}

// seed is a node a search starts from (or ends at) with its cost so far.
type seed struct {
	v      int32
	ms, dm uint32
}

// Snap joins (lat, lon) to the nearest drivable segment within
// MaxSnapMeters; ok is false when there is none. It searches the grid in
// rings of cells around the point and stops as soon as no cell farther
// out can hold a nearer segment.
func (r *Roads) Snap(lat, lon float64) (s Snap, ok bool) {
	if len(r.segs) == 0 {
		return s, false
	}
	cosLat := math.Cos(lat * math.Pi / 180)
	g := &r.grid
	cx, cy := g.cellOf(lat, lon)
	// How far the point is from the nearest side of its own cell, in
	// metres: every cell of ring k+1 is at least that plus k cells away.
	fx, fy := (lon-g.lon0)/g.deg-float64(cx), (lat-g.lat0)/g.deg-float64(cy)
	edge := math.Min(math.Min(fx, 1-fx)*cosLat, math.Min(fy, 1-fy)) * g.deg * metersPerDegree
	cellM := g.deg * metersPerDegree * cosLat
	best := math.Inf(1) // squared, in degrees of latitude
	for ring := int32(0); ; ring++ {
		for y := cy - ring; y <= cy+ring; y++ {
			for x := cx - ring; x <= cx+ring; x++ {
				if ring > 0 && x != cx-ring && x != cx+ring && y != cy-ring && y != cy+ring {
					x = cx + ring - 1 // inside: searched at a smaller ring; jump to the right side
					continue
				}
				for _, i := range g.at(x, y) {
					t, d2 := r.project(i, lat, lon, cosLat)
					if d2 < best || d2 == best && i < s.Seg {
						best, s = d2, Snap{Seg: i, T: t}
					}
				}
			}
		}
		reach := edge + float64(ring)*cellM
		bestM := math.Sqrt(best) * metersPerDegree
		if bestM <= reach || reach > r.maxSnapM {
			break
		}
	}
	s.OffRoad = math.Sqrt(best) * metersPerDegree
	if s.OffRoad > r.maxSnapM {
		return Snap{}, false
	}
	return s, true
}

// project returns where (lat, lon) falls on segment i (0 to 1 from A) and
// the square of its distance from there, in degrees of latitude, on a
// local flat map.
func (r *Roads) project(i int32, lat, lon, cosLat float64) (t, d2 float64) {
	s := &r.segs[i]
	ax, ay := (float64(r.lon[s.A])*1e-7-lon)*cosLat, float64(r.lat[s.A])*1e-7-lat
	bx, by := (float64(r.lon[s.B])*1e-7-lon)*cosLat, float64(r.lat[s.B])*1e-7-lat
	dx, dy := bx-ax, by-ay
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l))
	}
	x, y := ax+t*dx, ay+t*dy
	return t, x*x + y*y
}

func part(v uint32, f float64) uint32 { return uint32(math.Round(float64(v) * f)) }

// offRoad is the off-road leg's time and length.
func (r *Roads) offRoad(s Snap) (ms, dm uint32) {
	return uint32(math.Round(s.OffRoad / r.offRoadMPS * 1000)), uint32(math.Round(s.OffRoad * 10))
}

// seeds are the (at most three) nodes a trip starts from or ends at, in
// an array so a query allocates nothing for them.
type seeds struct {
	s [3]seed
	n int
}

func (ss *seeds) add(x seed) { ss.s[ss.n] = x; ss.n++ }

// fromSeeds are the nodes a trip from s can reach first: the node it
// stands at, if it is at one end of its segment, then along its segment
// to B, or back to A, where cars may go that way.
func (r *Roads) fromSeeds(s Snap) seeds {
	g := &r.segs[s.Seg]
	om, od := r.offRoad(s)
	out := atNode(g, s, om, od)
	if g.AB != NoWay {
		out.add(seed{g.B, om + part(g.AB, 1-s.T), od + part(g.Dm, 1-s.T)})
	}
	if g.BA != NoWay {
		out.add(seed{g.A, om + part(g.BA, s.T), od + part(g.Dm, s.T)})
	}
	return out
}

// atNode is the node a point snapped onto one end of its segment stands
// at, whichever ways the segment may be driven.
func atNode(g *Segment, s Snap, om, od uint32) seeds {
	var out seeds
	switch s.T {
	case 0:
		out.add(seed{g.A, om, od})
	case 1:
		out.add(seed{g.B, om, od})
	}
	return out
}

// toSeeds are the nodes a trip to s arrives from: the node it stands at,
// A then along to the point, or B then back.
func (r *Roads) toSeeds(s Snap) seeds {
	g := &r.segs[s.Seg]
	om, od := r.offRoad(s)
	out := atNode(g, s, om, od)
	if g.AB != NoWay {
		out.add(seed{g.A, om + part(g.AB, s.T), od + part(g.Dm, s.T)})
	}
	if g.BA != NoWay {
		out.add(seed{g.B, om + part(g.BA, 1-s.T), od + part(g.Dm, 1-s.T)})
	}
	return out
}

// direct is a trip from a to b along the one segment they share, without
// leaving it; ok is false when they are on different segments or the
// segment may not be driven that way.
func (r *Roads) direct(a, b Snap) (ms, dm uint32, ok bool) {
	if a.Seg != b.Seg {
		return 0, 0, false
	}
	g := &r.segs[a.Seg]
	oa, da := r.offRoad(a)
	ob, db := r.offRoad(b)
	f := math.Abs(b.T - a.T)
	switch {
	case b.T >= a.T && g.AB != NoWay:
		return oa + ob + part(g.AB, f), da + db + part(g.Dm, f), true
	case b.T <= a.T && g.BA != NoWay:
		return oa + ob + part(g.BA, f), da + db + part(g.Dm, f), true
	}
	return 0, 0, false
}

// search is the scratch space of one query: distances stamped with the
// search they belong to, so nothing is cleared between queries.
type search struct {
	fd, fm, fs []uint32 // forward: ms, dm, stamp
	bd, bm, bs []uint32 // backward
	fcur, bcur uint32
	h          distHeap
}

func (r *Roads) getSearch() *search {
	select {
	case s := <-r.pool:
		return s
	default:
	}
	n := len(r.lat)
	return &search{fd: make([]uint32, n), fm: make([]uint32, n), fs: make([]uint32, n),
		bd: make([]uint32, n), bm: make([]uint32, n), bs: make([]uint32, n)}
}

func (r *Roads) putSearch(s *search) {
	select {
	case r.pool <- s:
	default:
	}
}

// Target is a destination fixed for many trips to it: its backward
// search in the hierarchy is done once, and each trip costs one small
// forward search. A Target is for one goroutine; Close returns its
// scratch space.
type Target struct {
	r    *Roads
	s    *search
	snap Snap
	ok   bool
}

// Toward fixes the destination (lat, lon). A destination that snaps to no
// road gives a Target whose trips all report no route.
func (r *Roads) Toward(lat, lon float64) *Target {
	t := &Target{r: r}
	t.snap, t.ok = r.Snap(lat, lon)
	if !t.ok {
		return t
	}
	t.s = r.getSearch()
	s := t.s
	s.bcur++
	if s.bcur == 0 { // wrapped: clear the stamps once in four billion
		clear(s.bs)
		s.bcur = 1
	}
	s.h = s.h[:0]
	ss := r.toSeeds(t.snap)
	for _, sd := range ss.s[:ss.n] {
		if s.bs[sd.v] != s.bcur || sd.ms < s.bd[sd.v] {
			s.bd[sd.v], s.bm[sd.v], s.bs[sd.v] = sd.ms, sd.dm, s.bcur
			s.h.push(distItem{sd.v, sd.ms})
		}
	}
	// The whole upward search space: it is small (a few hundred nodes)
	// and every forward search meets it.
	for len(s.h) > 0 {
		it := s.h.pop()
		if it.d != s.bd[it.v] {
			continue
		}
		for _, a := range r.downEdges[r.downStart[it.v]:r.downStart[it.v+1]] {
			nd := it.d + a.ms
			if s.bs[a.to] != s.bcur || nd < s.bd[a.to] {
				s.bd[a.to], s.bm[a.to], s.bs[a.to] = nd, s.bm[it.v]+a.dm, s.bcur
				s.h.push(distItem{a.to, nd})
			}
		}
	}
	return t
}

// Close gives the Target's scratch space back; the Target is not used
// after.
func (t *Target) Close() {
	if t.s != nil {
		t.r.putSearch(t.s)
		t.s = nil
	}
}

// From returns the quickest drive from (lat, lon) to the target, in
// milliseconds and decimetres, off-road legs included; ok is false when
// either end is farther than MaxSnapMeters from a road or no road leads
// from one to the other.
func (t *Target) From(lat, lon float64) (ms, dm uint32, ok bool) {
	if !t.ok {
		return 0, 0, false
	}
	src, ok := t.r.Snap(lat, lon)
	if !ok {
		return 0, 0, false
	}
	return t.FromSnap(src)
}

// FromSnap is From for a point already snapped.
func (t *Target) FromSnap(src Snap) (ms, dm uint32, ok bool) {
	if !t.ok {
		return 0, 0, false
	}
	r, s := t.r, t.s
	best, bestM := uint32(NoWay), uint32(0)
	if d, m, ok := r.direct(src, t.snap); ok {
		best, bestM = d, m
	}
	s.fcur++
	if s.fcur == 0 {
		clear(s.fs)
		s.fcur = 1
	}
	s.h = s.h[:0]
	ss := r.fromSeeds(src)
	for _, sd := range ss.s[:ss.n] {
		if s.fs[sd.v] != s.fcur || sd.ms < s.fd[sd.v] {
			s.fd[sd.v], s.fm[sd.v], s.fs[sd.v] = sd.ms, sd.dm, s.fcur
			s.h.push(distItem{sd.v, sd.ms})
		}
	}
	for len(s.h) > 0 {
		it := s.h.pop()
		if it.d != s.fd[it.v] {
			continue
		}
		if it.d >= best {
			break
		}
		v := it.v
		// Stall on demand: when a higher node already reached reaches v
		// quicker by one of its arcs down, v's upward distance is not a
		// shortest one, and no shortest path meets the backward search at
		// v or continues up from it.
		stalled := false
		for _, a := range r.downEdges[r.downStart[v]:r.downStart[v+1]] {
			if s.fs[a.to] == s.fcur && s.fd[a.to]+a.ms < it.d {
				stalled = true
				break
			}
		}
		if stalled {
			continue
		}
		if s.bs[v] == s.bcur {
			if d := it.d + s.bd[v]; d < best {
				best, bestM = d, s.fm[v]+s.bm[v]
			}
		}
		for _, a := range r.upEdges[r.upStart[v]:r.upStart[v+1]] {
			nd := it.d + a.ms
			if s.fs[a.to] != s.fcur || nd < s.fd[a.to] {
				s.fd[a.to], s.fm[a.to], s.fs[a.to] = nd, s.fm[v]+a.dm, s.fcur
				s.h.push(distItem{a.to, nd})
			}
		}
	}
	if best == NoWay {
		return 0, 0, false
	}
	return best, bestM, true
}

// Trip is one answer of DijkstraToMany.
type Trip struct {
	MS, DM uint32
	OK     bool
}

// DijkstraToMany answers what Toward and From answer, for every source at
// once, by one plain Dijkstra search backwards from the target over the
// whole graph until every source is settled. It is the reference the
// hierarchy is tested and measured against.
func (r *Roads) DijkstraToMany(target Snap, sources []Snap) []Trip {
	out := make([]Trip, len(sources))
	n := len(r.lat)
	in := r.inGraph()
	d := make([]uint32, n)
	m := make([]uint32, n)
	for i := range d {
		d[i] = NoWay
	}
	var h distHeap
	ss := r.toSeeds(target)
	for _, sd := range ss.s[:ss.n] {
		if sd.ms < d[sd.v] {
			d[sd.v], m[sd.v] = sd.ms, sd.dm
			h.push(distItem{sd.v, sd.ms})
		}
	}
	// Settle everything: the sources' nodes may be anywhere.
	for len(h) > 0 {
		it := h.pop()
		if it.d != d[it.v] {
			continue
		}
		for _, a := range in.edges[in.start[it.v]:in.start[it.v+1]] {
			if nd := it.d + a.ms; nd < d[a.to] {
				d[a.to], m[a.to] = nd, m[it.v]+a.dm
				h.push(distItem{a.to, nd})
			}
		}
	}
	for i, src := range sources {
		best, bestM := uint32(NoWay), uint32(0)
		if dd, mm, ok := r.direct(src, target); ok {
			best, bestM = dd, mm
		}
		ss := r.fromSeeds(src)
		for _, sd := range ss.s[:ss.n] {
			if d[sd.v] != NoWay && sd.ms+d[sd.v] < best {
				best, bestM = sd.ms+d[sd.v], sd.dm+m[sd.v]
			}
		}
		out[i] = Trip{best, bestM, best != NoWay}
	}
	return out
}

// DijkstraToManyBounded is DijkstraToMany stopping as soon as every
// source's nodes are settled: the fair plain-Dijkstra time for one call
// against its officers.
func (r *Roads) DijkstraToManyBounded(target Snap, sources []Snap) []Trip {
	out := make([]Trip, len(sources))
	in := r.inGraph()
	s := r.getSearch()
	defer r.putSearch(s)
	s.bcur++
	if s.bcur == 0 {
		clear(s.bs)
		s.bcur = 1
	}
	// The forward arrays mark the nodes still to settle (stamp fcur,
	// value 1), so the loop needs no map.
	s.fcur++
	if s.fcur == 0 {
		clear(s.fs)
		s.fcur = 1
	}
	left := 0
	for _, src := range sources {
		ss := r.fromSeeds(src)
		for _, sd := range ss.s[:ss.n] {
			if s.fs[sd.v] != s.fcur {
				s.fs[sd.v], s.fd[sd.v] = s.fcur, 1
				left++
			}
		}
	}
	s.h = s.h[:0]
	ss := r.toSeeds(target)
	for _, sd := range ss.s[:ss.n] {
		if s.bs[sd.v] != s.bcur || sd.ms < s.bd[sd.v] {
			s.bd[sd.v], s.bm[sd.v], s.bs[sd.v] = sd.ms, sd.dm, s.bcur
			s.h.push(distItem{sd.v, sd.ms})
		}
	}
	for len(s.h) > 0 && left > 0 {
		it := s.h.pop()
		if it.d != s.bd[it.v] {
			continue
		}
		if s.fs[it.v] == s.fcur && s.fd[it.v] == 1 {
			s.fd[it.v] = 0
			left--
		}
		for _, a := range in.edges[in.start[it.v]:in.start[it.v+1]] {
			if nd := it.d + a.ms; s.bs[a.to] != s.bcur || nd < s.bd[a.to] {
				s.bd[a.to], s.bm[a.to], s.bs[a.to] = nd, s.bm[it.v]+a.dm, s.bcur
				s.h.push(distItem{a.to, nd})
			}
		}
	}
	for i, src := range sources {
		best, bestM := uint32(NoWay), uint32(0)
		if dd, mm, ok := r.direct(src, target); ok {
			best, bestM = dd, mm
		}
		ss := r.fromSeeds(src)
		for _, sd := range ss.s[:ss.n] {
			if s.bs[sd.v] == s.bcur && sd.ms+s.bd[sd.v] < best {
				best, bestM = sd.ms+s.bd[sd.v], sd.dm+s.bm[sd.v]
			}
		}
		out[i] = Trip{best, bestM, best != NoWay}
	}
	return out
}

type graph struct {
	start []int32
	edges []arc
}

// inGraph is the graph reversed: for each node, the arcs into it (to
// names where they come from). Built on first use.
func (r *Roads) inGraph() *graph {
	r.inOnce.Do(func() {
		adj := make([][]arc, len(r.lat))
		for v := range adj {
			for _, a := range r.outEdges[r.outStart[v]:r.outStart[v+1]] {
				adj[a.to] = append(adj[a.to], arc{int32(v), a.ms, a.dm})
			}
		}
		r.in.start, r.in.edges = csr(adj)
	})
	return &r.in
}
