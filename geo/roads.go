package geo

import (
	"math"
	"slices"
	"sync"
)

// Roads is a road graph for cars with a contraction hierarchy over it, so
// one call's travel time from a hundred officers costs well under a
// millisecond. It is built once (BuildRoads or ReadMap) and then only
// read; queries take their scratch space from a pool, so any number of
// goroutines may ask at once.
//
// Nodes are the OpenStreetMap nodes that drivable ways pass through, each
// kept, so every segment is straight and a point snaps onto the nearest
// one exactly. Travel times are whole milliseconds and distances whole
// decimetres, so sums are exact and the hierarchy's answer is the plain
// Dijkstra answer to the millisecond (TestRoadsMatchDijkstra).
type Roads struct {
	lat, lon []int32   // node positions, 1e-7 degrees (OSM's own precision)
	segs     []Segment // the straight pieces of the drivable ways

	// out is the original graph in CSR form, for Dijkstra (the exactness
	// tests and the benchmark beside the hierarchy).
	outStart []int32
	outEdges []arc

	// The contraction hierarchy: rank orders nodes by importance; up[v]
	// holds the arcs v→w with rank(w) > rank(v) and down[v] the arcs w→v
	// with rank(w) > rank(v), each in CSR form. A query searches only
	// upwards from both ends.
	rank                 []int32
	upStart, downStart   []int32
	upEdges, downEdges   []arc
	grid                 segGrid // segments by the cells they cross
	pool                 chan *search
	inOnce               sync.Once
	in                   graph
	maxSnapM, offRoadMPS float64
}

// Segment is one straight piece of road between two nodes: its travel
// time each way (NoWay where cars may not go that way) and its length.
type Segment struct {
	A, B   int32
	AB, BA uint32 // milliseconds
	Dm     uint32 // decimetres
}

// NoWay marks a direction of a segment that cars may not drive.
const NoWay = math.MaxUint32

// arc is one directed edge of a graph: to where, how long, how far.
type arc struct {
	to int32
	ms uint32 // milliseconds
	dm uint32 // decimetres
}

// Off-road legs. A call or officer is joined to the nearest drivable
// segment if one is within MaxSnapMeters; the leg from the point to the
// road counts at OffRoadKMH (a walk from the kerb to the door, or a car
// crossing a car park at walking pace). Farther from any road, the point
// has no road ETA and the recommender falls back to the straight line.
const (
	MaxSnapMeters = 500
	OffRoadKMH    = 5
)

// NodeCount is the number of nodes in the graph.
func (r *Roads) NodeCount() int { return len(r.lat) }

// SegmentCount is the number of road segments.
func (r *Roads) SegmentCount() int { return len(r.segs) }

// ShortcutCount is the number of arcs the hierarchy added to the graph.
func (r *Roads) ShortcutCount() int {
	orig := 0
	for _, s := range r.segs {
		if s.AB != NoWay {
			orig++
		}
		if s.BA != NoWay {
			orig++
		}
	}
	return len(r.upEdges) + len(r.downEdges) - orig
}

// BuildRoads builds the graph and its hierarchy over nodes at (lat, lon)
// (1e-7 degrees) joined by segs. It takes ownership of the slices.
func BuildRoads(lat, lon []int32, segs []Segment) *Roads {
	return buildRoads(lat, lon, segs, nil)
}

// buildRoads is BuildRoads telling progress how many nodes are
// contracted, about every percent.
func buildRoads(lat, lon []int32, segs []Segment, progress func(done, total int64)) *Roads {
	r := &Roads{lat: lat, lon: lon, segs: segs}
	r.buildOut()
	r.contract(progress)
	r.finish()
	return r
}

// finish builds what is derived at load: the snapping grid and the pool.
func (r *Roads) finish() {
	r.maxSnapM, r.offRoadMPS = MaxSnapMeters, OffRoadKMH/3.6
	r.grid = newSegGrid(r)
	r.pool = make(chan *search, 8) // each holds 24 bytes a node: keep a few
}

type latLon struct{ lat, lon float64 }

func (r *Roads) point(n int32) latLon {
	return latLon{float64(r.lat[n]) * 1e-7, float64(r.lon[n]) * 1e-7}
}

// buildOut lays the segments out as the directed graph in CSR form,
// keeping the quickest of parallel arcs.
func (r *Roads) buildOut() {
	n := len(r.lat)
	adj := make([][]arc, n)
	add := func(a, b int32, ms, dm uint32) {
		if ms == NoWay || a == b {
			return
		}
		for i := range adj[a] {
			if adj[a][i].to == b {
				if ms < adj[a][i].ms {
					adj[a][i] = arc{b, ms, dm}
				}
				return
			}
		}
		adj[a] = append(adj[a], arc{b, ms, dm})
	}
	for _, s := range r.segs {
		add(s.A, s.B, s.AB, s.Dm)
		add(s.B, s.A, s.BA, s.Dm)
	}
	r.outStart, r.outEdges = csr(adj)
}

func csr(adj [][]arc) ([]int32, []arc) {
	start := make([]int32, len(adj)+1)
	total := 0
	for v, a := range adj {
		start[v] = int32(total)
		total += len(a)
	}
	start[len(adj)] = int32(total)
	edges := make([]arc, 0, total)
	for _, a := range adj {
		edges = append(edges, a...)
	}
	return start, edges
}

// Contraction. Nodes are contracted least important first (edge
// difference plus contracted neighbours, updated lazily); contracting v
// adds a shortcut u→w for each pair of its arcs u→v→w unless a witness
// search finds a path from u to w no longer than it without v. The witness
// search is bounded (witnessSettle nodes): when it gives up, the shortcut
// is added anyway, which costs a little query time and never exactness.
const (
	witnessSettle      = 400 // contracting
	witnessSettleGuess = 40  // estimating a priority: a cheaper, rougher count
)

type contractor struct {
	out, in    [][]arc
	done       []bool
	deleted    []int32 // contracted neighbours, for the priority
	ws         *witness
	shortcuts  []arc // scratch for one contraction
	shortFrom  []int32
	up, down   [][]arc
	rank       []int32
	contracted int32
}

func (r *Roads) contract(progress func(done, total int64)) {
	n := len(r.lat)
	step := int32(max(1, n/100))
	c := &contractor{out: make([][]arc, n), in: make([][]arc, n), done: make([]bool, n), deleted: make([]int32, n),
		ws: newWitness(n), up: make([][]arc, n), down: make([][]arc, n), rank: make([]int32, n)}
	for v := 0; v < n; v++ {
		for _, a := range r.outEdges[r.outStart[v]:r.outStart[v+1]] {
			c.out[v] = append(c.out[v], a)
			c.in[a.to] = append(c.in[a.to], arc{int32(v), a.ms, a.dm})
		}
	}
	h := &prioHeap{}
	prio := make([]int32, n) // each node's current priority; older heap entries are skipped
	for v := 0; v < n; v++ {
		prio[v] = c.priority(int32(v))
		h.push(prioItem{int32(v), prio[v]})
	}
	for h.len() > 0 {
		it := h.pop()
		if c.done[it.v] || it.p != prio[it.v] {
			continue
		}
		// Lazy update: the priority may have grown since it was pushed
		// (its neighbours' contractions); if it is no longer the least,
		// put it back.
		if p := c.priority(it.v); h.len() > 0 && p > h.min().p {
			prio[it.v] = p
			h.push(prioItem{it.v, p})
			continue
		}
		nbrs := c.contractNode(it.v)
		if progress != nil && c.contracted%step == 0 {
			progress(int64(c.contracted), int64(n))
		}
		for _, w := range nbrs {
			c.deleted[w]++
			prio[w] = c.priority(w)
			h.push(prioItem{w, prio[w]})
		}
	}
	r.rank = c.rank
	r.upStart, r.upEdges = csr(c.up)
	r.downStart, r.downEdges = csr(c.down)
}

// priority is the edge difference of contracting v, plus its contracted
// neighbours (which spreads contraction evenly over the map).
func (c *contractor) priority(v int32) int32 {
	added := c.shortcutsFor(v, false)
	removed := 0
	for _, a := range c.out[v] {
		if !c.done[a.to] {
			removed++
		}
	}
	for _, a := range c.in[v] {
		if !c.done[a.to] {
			removed++
		}
	}
	return int32(added-removed) + c.deleted[v]
}

// shortcutsFor counts (and when keep, collects in c.shortFrom/c.shortcuts)
// the shortcuts contracting v needs.
func (c *contractor) shortcutsFor(v int32, keep bool) int {
	c.shortcuts, c.shortFrom = c.shortcuts[:0], c.shortFrom[:0]
	var maxOut uint32
	for _, o := range c.out[v] {
		if !c.done[o.to] && o.ms > maxOut {
			maxOut = o.ms
		}
	}
	count := 0
	for _, i := range c.in[v] {
		u := i.to
		if c.done[u] {
			continue
		}
		limit := witnessSettleGuess
		if keep {
			limit = witnessSettle
		}
		c.ws.run(c, u, v, i.ms+maxOut, limit)
		for _, o := range c.out[v] {
			w := o.to
			if c.done[w] || w == u {
				continue
			}
			via := i.ms + o.ms
			if d, ok := c.ws.dist(w); ok && d <= via {
				continue
			}
			count++
			if keep {
				c.shortFrom = append(c.shortFrom, u)
				c.shortcuts = append(c.shortcuts, arc{w, via, i.dm + o.dm})
			}
		}
	}
	return count
}

// contractNode contracts v: records its arcs to the nodes still in the
// graph in the hierarchy, adds its shortcuts, and returns its neighbours.
func (c *contractor) contractNode(v int32) []int32 {
	c.shortcutsFor(v, true)
	var nbrs []int32
	for _, o := range c.out[v] {
		if !c.done[o.to] {
			c.up[v] = appendMin(c.up[v], o)
			nbrs = append(nbrs, o.to)
		}
	}
	for _, i := range c.in[v] {
		if !c.done[i.to] {
			c.down[v] = appendMin(c.down[v], i)
			nbrs = append(nbrs, i.to)
		}
	}
	for k, u := range c.shortFrom {
		s := c.shortcuts[k]
		c.out[u] = appendMin(c.out[u], s)
		c.in[s.to] = appendMin(c.in[s.to], arc{u, s.ms, s.dm})
	}
	c.done[v] = true
	c.rank[v] = c.contracted
	c.contracted++
	// Drop v from its neighbours' lists, so later witness searches and
	// priorities skip it without looking.
	for _, o := range c.out[v] {
		c.in[o.to] = slices.DeleteFunc(c.in[o.to], func(a arc) bool { return a.to == v })
	}
	for _, i := range c.in[v] {
		c.out[i.to] = slices.DeleteFunc(c.out[i.to], func(a arc) bool { return a.to == v })
	}
	c.out[v], c.in[v] = nil, nil
	slices.Sort(nbrs)
	return slices.Compact(nbrs)
}

func appendMin(list []arc, a arc) []arc {
	for i := range list {
		if list[i].to == a.to {
			if a.ms < list[i].ms {
				list[i] = a
			}
			return list
		}
	}
	return append(list, a)
}

// witness is a bounded Dijkstra over the uncontracted graph, skipping the
// node being contracted.
type witness struct {
	d     []uint32
	stamp []uint32
	cur   uint32
	h     distHeap
}

func newWitness(n int) *witness {
	return &witness{d: make([]uint32, n), stamp: make([]uint32, n)}
}

func (w *witness) dist(v int32) (uint32, bool) {
	if w.stamp[v] != w.cur {
		return 0, false
	}
	return w.d[v], true
}

func (w *witness) run(c *contractor, from, skip int32, limit uint32, settle int) {
	w.cur++
	w.h = w.h[:0]
	w.d[from], w.stamp[from] = 0, w.cur
	w.h.push(distItem{from, 0})
	settled := 0
	for len(w.h) > 0 {
		it := w.h.pop()
		if it.d != w.d[it.v] {
			continue
		}
		if it.d > limit || settled > settle {
			return
		}
		settled++
		for _, a := range c.out[it.v] {
			if a.to == skip || c.done[a.to] {
				continue
			}
			nd := it.d + a.ms
			if w.stamp[a.to] != w.cur || nd < w.d[a.to] {
				w.d[a.to], w.stamp[a.to] = nd, w.cur
				w.h.push(distItem{a.to, nd})
			}
		}
	}
}

// Heaps: a plain binary heap of (node, distance), with lazy deletion.
type distItem struct {
	v int32
	d uint32
}

type distHeap []distItem

func (h *distHeap) push(it distItem) {
	*h = append(*h, it)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p].d <= s[i].d {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h *distHeap) pop() distItem {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		m, l, r := i, 2*i+1, 2*i+2
		if l < len(s) && s[l].d < s[m].d {
			m = l
		}
		if r < len(s) && s[r].d < s[m].d {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

type prioItem struct {
	v int32
	p int32
}

type prioHeap struct{ s []prioItem }

func (h *prioHeap) len() int      { return len(h.s) }
func (h *prioHeap) min() prioItem { return h.s[0] }
func (h *prioHeap) less(i, j int) bool {
	if h.s[i].p != h.s[j].p {
		return h.s[i].p < h.s[j].p
	}
	return h.s[i].v < h.s[j].v
}

func (h *prioHeap) push(it prioItem) {
	h.s = append(h.s, it)
	for i := len(h.s) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.s[p], h.s[i] = h.s[i], h.s[p]
		i = p
	}
}

func (h *prioHeap) pop() prioItem {
	top := h.s[0]
	last := len(h.s) - 1
	h.s[0] = h.s[last]
	h.s = h.s[:last]
	for i := 0; ; {
		m, l, r := i, 2*i+1, 2*i+2
		if l < len(h.s) && h.less(l, m) {
			m = l
		}
		if r < len(h.s) && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		h.s[i], h.s[m] = h.s[m], h.s[i]
		i = m
	}
	return top
}
