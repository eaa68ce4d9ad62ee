package dispatch

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"

	"citdesk"
)

// Prepared is a set of units made ready once for many recommendations, as
// the store's dispatch state in memory answers every recommendation of an
// agency from one snapshot (issue 12). Recommend scans every unit and
// compares status strings for each; Prepared decides once what part each
// unit can play (small integers, not strings), leaves out the units that
// can play none, and keeps the units with a position in a k-d tree, so a
// recommendation visits only the nearest units its lists still need and
// stops where no farther unit could enter any of them.
//
// Prepared.Recommend returns exactly what Recommend returns over the same
// units (TestPreparedMatchesRecommend), provided officer ids are unique.
// The walk of the tree applies to a call with a location and the default
// straight-line estimator; with a route on a road map (Options.Roads gives
// one toward the call), another estimator, or positions the tree cannot
// hold (out of range, not finite, or times with a monotonic clock
// reading), it scans its units as Recommend does. A Prepared is only read
// after Prepare, so it is safe for concurrent use.
type Prepared struct {
	units []Unit   // tree order: the positioned units first, then the rest
	meta  []unitAt // parallel to units[:len(meta)]: the positioned units
	nodes []kdNode // nodes[0] is the root; empty when no unit has a position
	// noPos are the units without a position, by workload then officer
	// id: the order in which the fallback lists take units with no ETA.
	noPos []int32
	// onCall lists, for each call, the CIT-certified units on it, who are
	// "already assigned to this call" when that call is the target.
	onCall map[int64][]int32
	// scanOnly is set when some unit defeats the tree (see the type's
	// doc).
	scanOnly bool
}

// unitAt is what the walk reads of a positioned unit: its place, its
// position's time in Unix nanoseconds and its kinds, packed together.
type unitAt struct {
	lat, lon float64
	posAt    int64
	callID   int64
	kinds    kind
}

// kind says what part a unit can play in a recommendation, decided once
// from its duty and CIT statuses.
type kind uint8

const (
	kCertAvail  kind = 1 << iota // CIT certified, available: recommended when fresh, unavailable when stale
	kPlainAvail                  // not certified, available: the fallback's nearest non-CIT when fresh
	kLapsed                      // certification lapsed: unavailable
	kDivertible                  // certified, on a non-emergency call or busy: divertible
	kEmergency                   // certified, on an emergency call: unavailable

	kCert = kCertAvail | kDivertible | kEmergency
)

// kindOf returns the parts u can play; zero means none (Recommend's
// "neither CIT-trained nor free", and every unit off duty).
func kindOf(u *Unit) kind {
	if !onDuty(u.Status) {
		return 0
	}
	avail := u.Status == citdesk.StatusAvailable
	var k kind
	switch {
	case u.CITStatus.Certified() && avail:
		k = kCertAvail
	case u.CITStatus.Certified() && u.CallEmergency:
		k = kEmergency
	case u.CITStatus.Certified():
		k = kDivertible
	case avail:
		k = kPlainAvail
	}
	if u.CITStatus == citdesk.CITLapsed {
		k |= kLapsed
	}
	return k
}

// kdNode is a box of the tree: the bounds of its units' positions, their
// place in Prepared.units, and what its units can be, so the walk skips a
// box no list wants.
type kdNode struct {
	latMin, latMax, lonMin, lonMax float64
	// availMin and availMax bound the position times of the box's
	// available units (Unix ns), to tell whether any is fresh or stale.
	availMin, availMax int64
	lo, hi             int32 // units[lo:hi]
	left, right        int32 // children; left < 0 for a leaf
	self               int32 // this node's index
	kinds              kind
}

// leafSize is the most units in a leaf of the tree.
const leafSize = 8

// Prepare returns units prepared for many recommendations. units is only
// read; Prepared keeps its own copy.
func Prepare(units []Unit) *Prepared {
	p := &Prepared{onCall: map[int64][]int32{}}
	placed := make([]Unit, 0, len(units))
	var rest []Unit
	for i := range units {
		u := &units[i]
		k := kindOf(u)
		switch {
		case k == 0:
			continue // no part in any list, whatever the call
		case u.PositionAt.IsZero():
			rest = append(rest, *u)
		default:
			if !treeable(u) {
				p.scanOnly = true
			}
			placed = append(placed, *u)
		}
	}
	if p.scanOnly {
		p.units = append(placed, rest...)
		return p
	}
	p.meta = make([]unitAt, len(placed))
	for i := range placed {
		u := &placed[i]
		p.meta[i] = unitAt{lat: u.Lat, lon: u.Lon, posAt: u.PositionAt.UnixNano(), callID: u.CallID, kinds: kindOf(u)}
	}
	order := make([]int32, len(placed))
	for i := range order {
		order[i] = int32(i)
	}
	if len(order) > 0 {
		p.nodes = make([]kdNode, 0, 2*len(order)/leafSize*2+1)
		p.build(order, make([]float64, len(order)), 0, int32(len(order)))
	}
	p.units = make([]Unit, 0, len(placed)+len(rest))
	meta := make([]unitAt, len(order))
	for i, j := range order {
		p.units = append(p.units, placed[j])
		meta[i] = p.meta[j]
	}
	p.meta = meta
	slices.SortFunc(rest, func(a, b Unit) int {
		return cmp.Or(cmp.Compare(a.AssignmentsToday, b.AssignmentsToday), cmp.Compare(a.OfficerID, b.OfficerID))
	})
	for _, u := range rest {
		p.noPos = append(p.noPos, int32(len(p.units)))
		p.units = append(p.units, u)
	}
	for i := range p.units {
		u := &p.units[i]
		if u.CallID != 0 && u.CITStatus.Certified() {
			p.onCall[u.CallID] = append(p.onCall[u.CallID], int32(i))
		}
	}
	return p
}

// Position is where a unit was, and when.
type Position struct {
	Lat, Lon float64
	At       time.Time
}

// Moved returns a copy of p with units moved (by officer id; a unit p does
// not hold takes no part in any recommendation and is left out): its
// Recommend returns what Recommend returns over the moved units. A moved
// unit keeps its place in the tree and the boxes on the way to it grow to
// take its new position and time, which keeps the walk exact and costs a
// copy of p, not a new tree (pruning a little less until the next
// Prepare). A unit that had no position, or one the tree cannot hold,
// means preparing again. p is not changed, and is returned when none of
// its units moved.
func (p *Prepared) Moved(moves map[int64]Position) *Prepared {
	var moved []int32
	for i := range p.units {
		if _, ok := moves[p.units[i].OfficerID]; ok {
			moved = append(moved, int32(i))
		}
	}
	if len(moved) == 0 {
		return p
	}
	n := *p
	n.units = slices.Clone(p.units)
	for _, i := range moved {
		u := &n.units[i]
		mv := moves[u.OfficerID]
		u.Lat, u.Lon, u.PositionAt = mv.Lat, mv.Lon, mv.At
	}
	for _, i := range moved {
		if p.scanOnly || int(i) >= len(p.meta) || !treeable(&n.units[i]) {
			return Prepare(n.units)
		}
	}
	n.meta, n.nodes = slices.Clone(p.meta), slices.Clone(p.nodes)
	for _, i := range moved {
		u, m := &n.units[i], &n.meta[i]
		m.lat, m.lon, m.posAt = u.Lat, u.Lon, u.PositionAt.UnixNano()
		for at := int32(0); ; {
			nd := &n.nodes[at]
			nd.latMin, nd.latMax = min(nd.latMin, m.lat), max(nd.latMax, m.lat)
			nd.lonMin, nd.lonMax = min(nd.lonMin, m.lon), max(nd.lonMax, m.lon)
			if m.kinds&(kCertAvail|kPlainAvail) != 0 {
				nd.availMin, nd.availMax = min(nd.availMin, m.posAt), max(nd.availMax, m.posAt)
			}
			if nd.left < 0 {
				break
			}
			if i < n.nodes[nd.left].hi {
				at = nd.left
			} else {
				at = nd.right
			}
		}
	}
	return &n
}

// treeable reports whether positioned unit u can live in the tree: a
// position on the globe, and a time whose order Unix nanoseconds keep (no
// monotonic reading, within the years 1678–2262).
func treeable(u *Unit) bool {
	return u.Lat >= -90 && u.Lat <= 90 && u.Lon >= -180 && u.Lon <= 180 && plainTime(u.PositionAt)
}

// plainTime reports whether t compares as its Unix nanoseconds do.
func plainTime(t time.Time) bool {
	return t == t.Round(0) && time.Unix(0, t.UnixNano()).Equal(t)
}

// build makes the node for order[lo:hi], splitting the wider side at the
// median, and returns its index; keys is scratch space as long as order.
func (p *Prepared) build(order []int32, keys []float64, lo, hi int32) int32 {
	n := kdNode{latMin: math.Inf(1), latMax: math.Inf(-1), lonMin: math.Inf(1), lonMax: math.Inf(-1),
		availMin: math.MaxInt64, availMax: math.MinInt64, lo: lo, hi: hi, left: -1, right: -1}
	for _, j := range order[lo:hi] {
		m := &p.meta[j]
		n.latMin, n.latMax = min(n.latMin, m.lat), max(n.latMax, m.lat)
		n.lonMin, n.lonMax = min(n.lonMin, m.lon), max(n.lonMax, m.lon)
		n.kinds |= m.kinds
		if m.kinds&(kCertAvail|kPlainAvail) != 0 {
			n.availMin, n.availMax = min(n.availMin, m.posAt), max(n.availMax, m.posAt)
		}
	}
	at := int32(len(p.nodes))
	n.self = at
	p.nodes = append(p.nodes, n)
	if hi-lo <= leafSize {
		return at
	}
	byLat := n.latMax-n.latMin >= (n.lonMax-n.lonMin)*math.Cos((n.latMin+n.latMax)/2*math.Pi/180)
	key := keys[lo:hi] // the coordinate split on, beside order[lo:hi]
	for i, j := range order[lo:hi] {
		if byLat {
			key[i] = p.meta[j].lat
		} else {
			key[i] = p.meta[j].lon
		}
	}
	mid := lo + (hi-lo)/2
	selectNth(order[lo:hi], key, int(mid-lo))
	left := p.build(order, keys, lo, mid)
	right := p.build(order, keys, mid, hi)
	p.nodes[at].left, p.nodes[at].right = left, right
	return at
}

// selectNth reorders part and key together so that part[nth] has the
// nth smallest key, none before it a greater one and none after it a
// smaller one (quickselect): the median split of a box without sorting it.
func selectNth(part []int32, key []float64, nth int) {
	lo, hi := 0, len(part)-1
	for lo < hi {
		pivot := key[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for key[i] < pivot {
				i++
			}
			for key[j] > pivot {
				j--
			}
			if i <= j {
				part[i], part[j] = part[j], part[i]
				key[i], key[j] = key[j], key[i]
				i++
				j--
			}
		}
		switch {
		case nth <= j:
			hi = j
		case nth >= i:
			lo = i
		default:
			return
		}
	}
}

// Len returns the number of units that can take part in a recommendation.
func (p *Prepared) Len() int { return len(p.units) }

// Recommend is the package's Recommend over the prepared units.
func (p *Prepared) Recommend(t Target, now time.Time, policy citdesk.Policy, opt Options) Result {
	s := resolve(policy, opt)
	// A road map with a route to the call means road ETAs, which the
	// straight line's bound cannot prune: scan. With no map for the
	// agency (Toward returns nil), the straight line applies and so does
	// the walk.
	if s.roads != nil && t.Lat != nil && t.Lon != nil {
		if route := s.roads.Toward(*t.Lat, *t.Lon); route != nil {
			defer route.Close()
			return scan(t, p.units, now, s, opt.Liaison, route)
		}
	}
	w := p.start(t, now, s)
	if w == nil {
		return scan(t, p.units, now, s, opt.Liaison, nil)
	}
	defer walks.Put(w)
	p.collect(w, t, s)
	return finish(t, p.units, now, s, opt.Liaison, true, &w.eligible, &w.nonCIT, &w.divertible, &w.unavailable)
}

// start returns a walk ready for target t at now, or nil when the walk
// does not apply and the units must be scanned.
func (p *Prepared) start(t Target, now time.Time, s settings) *walk {
	sl, line := s.est.(StraightLine)
	if p.scanOnly || !line || t.Lat == nil || t.Lon == nil || !(sl.SpeedKMH > 0) {
		return nil
	}
	tlat, tlon := *t.Lat, *t.Lon
	// The units' times carry no monotonic reading, so the scan compares
	// them with now's wall clock; so does Unix time.
	oldest := now.Round(0).Add(-s.stale)
	if !(tlat >= -90 && tlat <= 90 && tlon >= -180 && tlon <= 180) || !plainTime(oldest) {
		return nil
	}
	w := walks.Get().(*walk)
	w.reset(s)
	w.line = newStraightTo(sl, tlat, tlon)
	w.cosLat = max(0, w.line.cosLat)
	w.secPerRad = earthRadiusM * (1 - 1e-9) * w.line.factor / w.line.mps
	w.oldest = oldest.UnixNano()
	w.lat, w.lon = tlat, tlon
	return w
}

// collect fills w's lists for target t: the units on the call, the units
// without a position, and the walk of the tree.
func (p *Prepared) collect(w *walk, t Target, s settings) {
	// The units on this call first: they are "already assigned" wherever
	// they are, and the walk and the pass below skip them.
	if t.CallID != 0 {
		for _, i := range p.onCall[t.CallID] {
			u := &p.units[i]
			c := newCand(p.units, int(i))
			c.why = whyThisCall
			if !u.PositionAt.IsZero() {
				c.eta, c.dist = w.line.eta(u.Lat, u.Lon)
				c.known = true
			}
			w.unavailable.push(c)
		}
	}

	// The units without a position come after every unit with an ETA in
	// the fallback lists, by workload then id, which is their order here:
	// once a list has taken as many as it keeps, no later one can enter.
	var divs, unavs int
	for _, i := range p.noPos {
		if divs >= s.limit && unavs >= s.limit {
			break
		}
		u := &p.units[i]
		k := kindOf(u)
		if k&kCert != 0 && t.CallID != 0 && u.CallID == t.CallID {
			continue
		}
		c := newCand(p.units, int(i))
		switch {
		case k&kCertAvail != 0:
			c.why = whyNoPosition
		case k&kDivertible != 0:
			w.divertible.push(c)
			divs++
			continue
		case k&kEmergency != 0:
			c.why = whyEmergency
		case k&kLapsed != 0:
			c.why = whyLapsed
		default:
			continue // not certified: the non-CIT list wants a fresh position
		}
		w.unavailable.push(c)
		unavs++
	}

	if len(p.nodes) > 0 {
		p.walkTree(w, t.CallID)
	}
}

// walkTree visits the tree's boxes nearest first: it takes the box of
// least lower bound on ETA from a queue and goes down its nearer children
// to a leaf, queueing each farther child. It skips every box whose lower
// bound no list its units could enter still admits. A list's admission
// only tightens as units are added, so a box skipped once would be skipped
// at the end too: what the walk leaves out, Recommend's scan would have
// dropped. Nearest first, the lists fill with the nearest units early and
// the rest of the tree is skipped.
func (p *Prepared) walkTree(w *walk, callID int64) {
	w.queue = append(w.queue[:0], visit{0, w.bound(&p.nodes[0])})
	for len(w.queue) > 0 {
		v := w.pop()
		n := &p.nodes[v.node]
		if !w.wants(n, v.lb) {
			continue
		}
		for n.left >= 0 {
			l, r := &p.nodes[n.left], &p.nodes[n.right]
			lb, rb := w.bound(l), w.bound(r)
			if rb < lb {
				l, r, lb, rb = r, l, rb, lb
			}
			if w.wants(r, rb) {
				w.push(visit{int32(r.self), rb})
			}
			if !w.wants(l, lb) {
				n = nil
				break
			}
			n = l
		}
		if n == nil {
			continue
		}
		w.visited += int(n.hi - n.lo)
		for i := n.lo; i < n.hi; i++ {
			m := &p.meta[i]
			if m.kinds&kCert != 0 && callID != 0 && m.callID == callID {
				continue // taken first
			}
			c := newCand(p.units, int(i))
			c.known = true
			c.eta, c.dist = w.line.eta(m.lat, m.lon)
			fresh := m.posAt >= w.oldest
			// Each list is asked first whether it admits the ETA at all,
			// which turns most units away without a call.
			switch k := m.kinds; {
			case k&kCertAvail != 0:
				if !fresh {
					c.why = whyStale
					w.unavailable.offer(c)
				} else if w.eligible.admits(c.eta) {
					w.eligible.add(c)
				}
			case k&kDivertible != 0:
				w.divertible.offer(c)
			case k&kEmergency != 0:
				c.why = whyEmergency
				w.unavailable.offer(c)
			default:
				if k&kLapsed != 0 {
					c.why = whyLapsed
					w.unavailable.offer(c)
				}
				if k&kPlainAvail != 0 && fresh {
					w.nonCIT.offer(c)
				}
			}
		}
	}
}

// offer pushes known candidate c when the list admits its ETA; one it
// does not admit, push would turn away too.
func (t *topK) offer(c cand) {
	if t.admits(c.eta) {
		t.push(c)
	}
}

// walk is one recommendation's working memory, pooled so a request
// allocates little beyond its Result.
type walk struct {
	eligible                        contenders
	near                            topK // eligible's heap of the nearest
	nonCIT, divertible, unavailable topK
	queue                           []visit // a min-heap on lb

	line      straightTo
	lat, lon  float64 // the call
	cosLat    float64
	secPerRad float64 // seconds per radian of great circle, shaved
	oldest    int64   // Unix ns: a position before this is stale
	visited   int     // units whose ETA the walk computed
}

// visit is a box waiting on the walk's stack with its lower bound.
type visit struct {
	node int32
	lb   float64
}

var walks = sync.Pool{New: func() any { return new(walk) }}

// push adds v to the queue.
func (w *walk) push(v visit) {
	q := append(w.queue, v)
	for i := len(q) - 1; i > 0; {
		up := (i - 1) / 2
		if q[up].lb <= q[i].lb {
			break
		}
		q[i], q[up] = q[up], q[i]
		i = up
	}
	w.queue = q
}

// pop removes and returns the visit of least lb.
func (w *walk) pop() visit {
	q := w.queue
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		m, l, r := i, 2*i+1, 2*i+2
		if l < last && q[l].lb < q[m].lb {
			m = l
		}
		if r < last && q[r].lb < q[m].lb {
			m = r
		}
		if m == i {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	w.queue = q
	return top
}

// reset readies w for a recommendation with settings s, keeping its
// buffers.
func (w *walk) reset(s settings) {
	w.visited = 0
	w.near = topK{k: s.limit, cmp: cmpETA, h: w.near.h[:0]}
	w.eligible = contenders{near: &w.near, tie: s.tie, kept: w.eligible.kept[:0], prune: 4*s.limit + 64}
	w.nonCIT = topK{k: s.fallbackLimit, cmp: cmpNear, h: w.nonCIT.h[:0]}
	w.divertible = topK{k: s.limit, cmp: cmpNear, h: w.divertible.h[:0]}
	w.unavailable = topK{k: s.limit, cmp: cmpNear, h: w.unavailable.h[:0]}
}

// bound returns a time no unit in box n beats to the call: the great
// circle is at least as long as the difference in latitude, and at least
// as long as the way to the meridian the box lies beyond (sin d = cos φ0 ·
// sin Δλ, with sin x ≥ x − x³/6 and asin x ≥ x), shaved by a part in a
// billion so rounding in the ETA cannot cross it.
func (w *walk) bound(n *kdNode) float64 {
	const rad = math.Pi / 180
	var dlat, dlon float64
	switch {
	case w.lat < n.latMin:
		dlat = n.latMin - w.lat
	case w.lat > n.latMax:
		dlat = w.lat - n.latMax
	}
	if w.lon < n.lonMin || w.lon > n.lonMax {
		east, west := n.lonMin-w.lon, w.lon-n.lonMax
		if east < 0 {
			east += 360
		}
		if west < 0 {
			west += 360
		}
		dlon = min(east, west, 90) * rad
	}
	return max(dlat*rad, w.cosLat*dlon*(1-dlon*dlon/6)) * w.secPerRad
}

// wants reports whether any list the units of box n could enter still
// admits an ETA of lb.
func (w *walk) wants(n *kdNode, lb float64) bool {
	k := n.kinds
	if k&kCertAvail != 0 {
		if n.availMax >= w.oldest && w.eligible.admits(lb) {
			return true
		}
		if n.availMin < w.oldest && w.unavailable.admits(lb) {
			return true
		}
	}
	if k&kPlainAvail != 0 && n.availMax >= w.oldest && w.nonCIT.admits(lb) {
		return true
	}
	if k&(kLapsed|kEmergency) != 0 && w.unavailable.admits(lb) {
		return true
	}
	return k&kDivertible != 0 && w.divertible.admits(lb)
}
