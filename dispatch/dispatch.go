// Package dispatch recommends CIT officers for a call: who is eligible, in
// what order, and why, with a fallback for when no CIT officer can go.
//
// It is pure code over plain values — no database, no HTTP, no clock of its
// own — so the web layer can answer a dispatcher from the in-memory Index in
// well under a millisecond, and tests need nothing but values. A Result is
// advice: citdesk never assigns an officer by itself.
//
// # Eligibility
//
// A unit is recommended when it is on duty with status available, its CIT
// status is certified or expiring, and it has a position no older than the
// agency's Policy.StalePosition (a position exactly that old still counts,
// as in citdesk.PositionStale).
//
// # Ranking and ETA ties
//
// Eligible units are ranked by ETA, but an ETA is an estimate, so ETAs close
// together are treated as a tie and the tie is settled by continuity of care
// (the officer met this call's person before and it ended without force or
// arrest), then by fewer assignments today, then by the exact ETA, then by
// officer id so the order is stable.
//
// Ties are judged in groups anchored on the nearest officer: sorted by ETA,
// the first unit opens a group, every unit within Options.TieWindow (default
// 60 s, inclusive) of that first unit joins it, and the first unit beyond
// opens the next group. Groups are ranked nearest first. So no officer is
// ever ranked above one who is more than TieWindow nearer, and within a
// window of the nearest officer, continuity and workload decide. (A pairwise
// "within 60 s" rule would not be transitive and so could not be sorted.)
package dispatch

import (
	"math"
	"slices"
	"time"

	"citdesk"
)

// Defaults for Options fields left zero.
const (
	DefaultLimit         = 10
	DefaultFallbackLimit = 3
	DefaultTieWindow     = 60 * time.Second
)

// Unit is one officer as the recommender sees them: who, how certified,
// doing what, where, and how busy today. It holds values only, so a Unit is
// safe to copy and to keep in an Index. (The fields a recommendation reads
// for every unit come first, so a scan over thousands touches less memory.)
type Unit struct {
	OfficerID int64
	Status    citdesk.DutyStatus
	CITStatus citdesk.CITStatus

	// Lat and Lon are the last known position, taken at PositionAt. A zero
	// PositionAt means no position has been reported; Lat and Lon are then
	// ignored.
	Lat, Lon   float64
	PositionAt time.Time

	// The call the officer is on, if any: zero CallID for none.
	CallID        int64
	CallEmergency bool

	// PriorContact reports that the officer met this call's person before
	// and the encounter ended without force or arrest. It depends on the
	// call, so units kept in an Index leave it false and the call's
	// Target.PriorContact lists the officers instead.
	PriorContact bool

	// AssignmentsToday counts the calls the officer was sent to today.
	AssignmentsToday int

	Name       string // display name, e.g. "Ofc. Dana Smith"
	CallNature string // what the current call is, e.g. "welfare check"
	// CITUntil is the last day the certification holds (for an expiring
	// officer) or the day it lapsed (for a lapsed one); zero when unknown.
	CITUntil citdesk.Date
}

// NewUnit returns the Unit for officer o from its CIT standing and duty
// state as the store fills them; the call, workload and prior-contact fields
// are left for the caller. An officer with no standing counts as not trained
// and one with no duty state as off duty.
func NewUnit(o *citdesk.Officer) Unit {
	u := Unit{OfficerID: o.ID, Name: o.Name(), CITStatus: citdesk.CITNotTrained, Status: citdesk.StatusOffDuty}
	if o.CIT != nil {
		u.CITStatus, u.CITUntil = o.CIT.Status, o.CIT.Until
	}
	if d := o.Duty; d != nil {
		u.Status = d.Status
		if d.Lat != nil && d.Lon != nil && d.PositionAt != nil {
			u.Lat, u.Lon, u.PositionAt = *d.Lat, *d.Lon, *d.PositionAt
		}
	}
	return u
}

// Target is the call officers are recommended for.
type Target struct {
	CallID int64
	// Lat and Lon locate the call; nil when it has no location, in which
	// case no ETA can be estimated and eligible units are ranked by
	// continuity, workload and id alone.
	Lat, Lon *float64
	// PriorContact lists officers who met this call's person before in an
	// encounter that ended without force or arrest. It adds to
	// Unit.PriorContact.
	PriorContact []int64
}

// TargetFromCall returns the Target for call c; the caller adds
// PriorContact when the call's person is known.
func TargetFromCall(c *citdesk.Call) Target {
	return Target{CallID: c.ID, Lat: c.Lat, Lon: c.Lon}
}

// Liaison is the Mental Health Liaison on call, offered in the fallback.
type Liaison struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// Options tunes a recommendation. The zero value gives the defaults.
type Options struct {
	// Limit is the most officers returned in Result.Officers and in each of
	// the fallback's CIT lists; DefaultLimit when zero or negative.
	Limit int
	// FallbackLimit is the most non-CIT officers offered in the fallback;
	// DefaultFallbackLimit when zero or negative.
	FallbackLimit int
	// TieWindow is how close ETAs must be to count as a tie (see the
	// package doc); DefaultTieWindow when zero, exact ties only when negative.
	TieWindow time.Duration
	// ETA estimates travel; nil means StraightLine with the policy's road
	// factor and speed.
	ETA ETAEstimator
	// Roads, when set, estimates travel on the agency's road map first;
	// an officer it has no answer for is estimated by ETA. Each estimate
	// says which it came from (Recommendation.ETASource).
	Roads RouteEstimator
	// Liaison is the liaison on call, if there is one.
	Liaison *Liaison
}

// Recommendation is one officer in a result, with the sentences that explain
// its place. ETASeconds and DistanceM are null when they cannot be estimated
// (no position, no call location, no route); ETASource says what they are
// based on (the road map, or the straight line) and is null with them.
type Recommendation struct {
	OfficerID  int64             `json:"officer_id"`
	Name       string            `json:"name"`
	CITStatus  citdesk.CITStatus `json:"cit_status"`
	ETASeconds *int              `json:"eta_seconds"`
	DistanceM  *int              `json:"distance_m"`
	ETASource  *ETASource        `json:"eta_source"`
	Reasons    []string          `json:"reasons"`
}

// Alternative is a CIT-trained officer who is not recommended outright: one
// who could be diverted from what they are on, or one who cannot go and why.
// Its ETA is from the last known position, however old.
type Alternative struct {
	Recommendation
	DutyStatus citdesk.DutyStatus `json:"duty_status"`
	CallID     int64              `json:"call_id,omitempty"`
	CallNature string             `json:"call_nature,omitempty"`
}

// Fallback is what the dispatcher can do when no CIT officer is eligible.
// It is computed every time; the UI leads with it when Result.Officers is
// empty.
type Fallback struct {
	// NearestNonCIT lists available officers without a current CIT
	// certification, nearest first.
	NearestNonCIT []Recommendation `json:"nearest_non_cit"`
	// DivertibleCIT lists CIT-certified officers on a non-emergency call,
	// or busy on no call, who could be diverted, nearest first.
	DivertibleCIT []Alternative `json:"divertible_cit"`
	// UnavailableCIT lists the other on-duty, CIT-trained officers who
	// were not recommended (emergency call, stale or no position, lapsed
	// certification, already on this call), nearest first, with why.
	UnavailableCIT []Alternative `json:"unavailable_cit"`
	Liaison        *Liaison      `json:"liaison"`
	// Message sums up the situation in a sentence or three.
	Message string `json:"message"`
}

// Result is a recommendation for one call: the eligible CIT officers in
// rank order, and the fallback.
type Result struct {
	Officers []Recommendation `json:"officers"`
	Fallback Fallback         `json:"fallback"`
	// Responses lists each response path as a resource (State.Responses);
	// left out by Recommend alone, which knows no call's triage.
	Responses []ResponseOption `json:"responses,omitempty"`
}

// why says why a CIT-trained unit is not recommended.
type why uint8

const (
	whyNone why = iota
	whyLapsed
	whyThisCall
	whyNoPosition
	whyStale
	whyNoRoute
	whyEmergency
)

// cand is a unit under consideration with its travel estimate: ui is its
// place in the units recommended from, which must not change during the
// call. It holds no pointer (the ordering fields are copied from the
// unit), so the heaps and sorts that move candidates about cost the
// garbage collector nothing.
type cand struct {
	id      int64 // Unit.OfficerID
	assign  int   // Unit.AssignmentsToday
	ui      int32
	eta     float64 // seconds; 0 when !known
	dist    float64 // metres
	group   int32   // ETA tie group, eligible units only
	known   bool    // eta and dist were estimated
	road    bool    // on the road map, not the straight line
	noRoute bool    // the estimator gave no usable answer
	prior   bool    // continuity of care, eligible units only
	why     why
}

// settings are Options and Policy with the defaults filled in.
type settings struct {
	limit, fallbackLimit int
	tie                  float64 // seconds
	stale                time.Duration
	est                  ETAEstimator
	roads                RouteEstimator
	metric               bool // reasons give distances in km and m, not mi and ft
}

func resolve(p citdesk.Policy, o Options) settings {
	d := citdesk.DefaultPolicy()
	s := settings{limit: o.Limit, fallbackLimit: o.FallbackLimit, stale: p.StalePosition, est: o.ETA, roads: o.Roads, metric: p.Metric()}
	if s.limit <= 0 {
		s.limit = DefaultLimit
	}
	if s.fallbackLimit <= 0 {
		s.fallbackLimit = DefaultFallbackLimit
	}
	switch {
	case o.TieWindow == 0:
		s.tie = DefaultTieWindow.Seconds()
	case o.TieWindow > 0:
		s.tie = o.TieWindow.Seconds()
	}
	if s.stale <= 0 {
		s.stale = d.StalePosition
	}
	if s.est == nil {
		sl := StraightLine{RoadFactor: p.RoadFactor, SpeedKMH: p.SpeedKMH}
		if sl.RoadFactor <= 0 {
			sl.RoadFactor = d.RoadFactor
		}
		if sl.SpeedKMH <= 0 {
			sl.SpeedKMH = d.SpeedKMH
		}
		s.est = sl
	}
	return s
}

// Recommend ranks the CIT officers among units who can take call t at now,
// nearest first with ties settled by continuity of care, workload and id,
// says why each was placed where it is, and builds the fallback. Units off
// duty are ignored. Zero dispatch fields of policy (StalePosition,
// RoadFactor, SpeedKMH) take citdesk.DefaultPolicy's values. units is only
// read.
func Recommend(t Target, units []Unit, now time.Time, policy citdesk.Policy, opt Options) Result {
	return recommend(t, units, now, resolve(policy, opt), opt.Liaison)
}

func recommend(t Target, units []Unit, now time.Time, s settings, liaison *Liaison) Result {
	var route Route // the road map, fixed on the call once for every unit
	if s.roads != nil && t.Lat != nil && t.Lon != nil {
		if route = s.roads.Toward(*t.Lat, *t.Lon); route != nil {
			defer route.Close()
		}
	}
	return scan(t, units, now, s, liaison, route)
}

// scan is recommend with the road map's route to the call already fixed
// (nil for none): it looks at every unit.
func scan(t Target, units []Unit, now time.Time, s settings, liaison *Liaison, route Route) Result {
	located := t.Lat != nil && t.Lon != nil
	var tlat, tlon float64
	if located {
		tlat, tlon = *t.Lat, *t.Lon
	}
	nonCIT := newTopK(s.fallbackLimit, cmpNear)
	divertible := newTopK(s.limit, cmpNear)
	unavailable := newTopK(s.limit, cmpNear)
	eligible := newContenders(s.limit, s.tie)
	var line *straightTo // the default estimator's fast path
	if sl, ok := s.est.(StraightLine); ok && located {
		p := newStraightTo(sl, tlat, tlon)
		line = &p
	}
	oldest := now.Add(-s.stale) // a position before this is stale, as in citdesk.PositionStale

	for i := range units {
		u := &units[i]
		if !onDuty(u.Status) {
			continue
		}
		cert := u.CITStatus.Certified()
		avail := u.Status == citdesk.StatusAvailable
		lapsed := u.CITStatus == citdesk.CITLapsed
		if !cert && !avail && !lapsed {
			continue // neither CIT-trained nor free: no part in any list
		}
		hasPos := !u.PositionAt.IsZero()
		fresh := hasPos && !u.PositionAt.Before(oldest)

		// Decide the list or lists the unit belongs in before estimating,
		// so units that cannot make a full fallback list skip the estimate.
		var to, also *topK
		c := newCand(units, i)
		elig := false
		switch {
		case !cert:
			if avail && fresh {
				to = nonCIT
			}
			if lapsed {
				also, c.why = unavailable, whyLapsed
			}
		case t.CallID != 0 && u.CallID == t.CallID:
			to, c.why = unavailable, whyThisCall
		case avail && !hasPos:
			to, c.why = unavailable, whyNoPosition
		case avail && !fresh:
			to, c.why = unavailable, whyStale
		case avail:
			elig = true
		case u.CallEmergency:
			to, c.why = unavailable, whyEmergency
		default:
			to = divertible
		}
		if !elig && to == nil && also == nil {
			continue
		}

		if hasPos && located {
			var onRoad bool
			if route != nil {
				c.eta, c.dist, onRoad = route.From(u.Lat, u.Lon)
			}
			switch {
			case onRoad:
				// A drive on the map can beat the straight line's
				// average speed, so the straight line's lower bound
				// cannot prune it.
				c.road = true
			case line != nil:
				lb := line.lowerBound(u.Lat)
				if elig && !eligible.admits(lb) {
					continue
				}
				if !elig {
					if to != nil && !to.admits(lb) {
						to = nil
					}
					if also != nil && !also.admits(lb) {
						also = nil
					}
					if to == nil && also == nil {
						continue
					}
				}
				c.eta, c.dist = line.eta(u.Lat, u.Lon)
			default:
				c.eta, c.dist = s.est.ETA(u.Lat, u.Lon, tlat, tlon)
			}
			c.known = usable(c.eta) && usable(c.dist)
			if !c.known {
				c.eta, c.dist, c.noRoute = 0, 0, true
				if elig {
					elig, to, c.why = false, unavailable, whyNoRoute
				} else if to == nonCIT {
					to = nil
				}
			}
		}
		if elig {
			eligible.add(c)
		}
		if to != nil {
			to.push(c)
		}
		if also != nil {
			also.push(c)
		}
	}

	return finish(t, units, now, s, liaison, located, eligible, nonCIT, divertible, unavailable)
}

// newCand returns the candidate for units[i].
func newCand(units []Unit, i int) cand {
	return cand{id: units[i].OfficerID, assign: units[i].AssignmentsToday, ui: int32(i)}
}

// finish ranks the eligible candidates collected, sorts the fallback lists
// and explains them: the part of a recommendation that does not depend on
// how the candidates were found (a scan of every unit here, a walk of the
// nearest in Prepared).
func finish(t Target, units []Unit, now time.Time, s settings, liaison *Liaison, located bool, eligible *contenders, nonCIT, divertible, unavailable *topK) Result {
	ranked := rank(eligible, t, s, units)

	near, div, unav := nonCIT.sorted(), divertible.sorted(), unavailable.sorted()
	f := &formatter{units: units, now: now, tie: s.tie, located: located, metric: s.metric}
	f.reserve(len(ranked) + len(near) + len(div) + len(unav))
	res := Result{
		Officers: make([]Recommendation, len(ranked)),
		Fallback: Fallback{
			NearestNonCIT:  f.plain(near),
			DivertibleCIT:  f.alternatives(div),
			UnavailableCIT: f.alternatives(unav),
			Liaison:        liaison,
		},
	}
	for i := range ranked {
		var next *cand
		if i+1 < len(ranked) {
			next = &ranked[i+1]
		}
		res.Officers[i] = f.recommendation(&ranked[i], next)
	}
	res.Fallback.Message = f.message(ranked, near, div, liaison)
	f.seal()
	if res.Fallback.Message == "" {
		res.Fallback.Message = f.sealedMsg
	}
	return res
}

// onDuty is citdesk.DutyStatus.OnDuty as a switch: that one scans a slice
// of statuses, which shows in a loop over ten thousand units.
func onDuty(s citdesk.DutyStatus) bool {
	switch s {
	case citdesk.StatusAvailable, citdesk.StatusDispatched, citdesk.StatusEnRoute, citdesk.StatusOnScene, citdesk.StatusBusy:
		return true
	}
	return false
}

// usable reports whether an estimate can be used: finite and not negative.
func usable(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }

// contenders collects the eligible candidates that can still reach the top
// limit, so ten thousand units need not all be kept: a heap of the limit
// nearest so far, and every candidate within the tie window of the
// farthest of those. The final N-th nearest ETA is never more than the
// heap's root at any moment, and the last tie group rank keeps starts no
// later than it, so a candidate beyond root + tie can never be needed.
type contenders struct {
	near  *topK
	tie   float64
	kept  []cand
	prune int // len(kept) at which to drop what can no longer be needed
}

func newContenders(limit int, tie float64) *contenders {
	return &contenders{near: newTopK(limit, cmpETA), tie: tie, prune: 4*limit + 64}
}

// admits reports whether a candidate whose ETA is at least lb could still
// be needed.
func (e *contenders) admits(lb float64) bool {
	return len(e.near.h) < e.near.k || lb <= e.near.h[0].eta+e.tie
}

func (e *contenders) add(c cand) {
	e.near.push(c)
	if !e.admits(c.eta) {
		return
	}
	e.kept = append(e.kept, c)
	if len(e.kept) < e.prune {
		return
	}
	n := 0
	for _, k := range e.kept {
		if e.admits(k.eta) {
			e.kept[n] = k
			n++
		}
	}
	e.kept = e.kept[:n]
	e.prune = max(e.prune, 2*n)
}

// rank orders the eligible units e kept as the package doc describes and
// returns at most s.limit of them. It reorders e.kept in place.
//
// Only the units that can reach the top s.limit are fully ordered: the
// s.limit nearest, which e's bounded heap holds (every one of them is
// among e.kept), fix the anchor of the last tie group that can
// contribute; every unit within the tie window of that anchor (it may be
// more than s.limit) is then grouped and sorted.
func rank(e *contenders, t Target, s settings, units []Unit) []cand {
	el := e.kept
	if len(el) == 0 {
		return el
	}
	if len(el) > s.limit {
		top := e.near.sorted()
		anchor := top[0].eta
		for _, c := range top {
			if c.eta > anchor+s.tie {
				anchor = c.eta
			}
		}
		cut := anchor + s.tie
		n := 0
		for _, c := range el {
			if c.eta <= cut {
				el[n] = c
				n++
			}
		}
		el = el[:n]
	}
	sortCands(el, cmpETA)
	group, anchor := int32(0), el[0].eta
	for i := range el {
		c := &el[i]
		if c.eta > anchor+s.tie {
			group, anchor = group+1, c.eta
		}
		c.group = group
		c.prior = units[c.ui].PriorContact || slices.Contains(t.PriorContact, c.id)
	}
	sortCands(el, cmpRank)
	return el[:min(len(el), s.limit)]
}

// cmpETA orders by ETA, then officer id.
func cmpETA(a, b *cand) int {
	switch {
	case a.eta < b.eta:
		return -1
	case a.eta > b.eta:
		return 1
	}
	return cmpInt(a.id, b.id)
}

// cmpRank orders eligible units: tie group, continuity of care, fewer
// assignments today, ETA, officer id.
func cmpRank(a, b *cand) int {
	if a.group != b.group {
		return cmpInt(a.group, b.group)
	}
	if a.prior != b.prior {
		if a.prior {
			return -1
		}
		return 1
	}
	if a.assign != b.assign {
		return cmpInt(a.assign, b.assign)
	}
	return cmpETA(a, b)
}

// cmpNear orders fallback lists: units with an ETA first, then ETA, fewer
// assignments today, officer id.
func cmpNear(a, b *cand) int {
	if a.known != b.known {
		if a.known {
			return -1
		}
		return 1
	}
	if a.eta != b.eta {
		return cmpETA(a, b)
	}
	if a.assign != b.assign {
		return cmpInt(a.assign, b.assign)
	}
	return cmpInt(a.id, b.id)
}

// sortCands sorts cs by cmp, comparing candidates in place rather than
// copying each into the comparison: short lists (every list a
// recommendation returns) by insertion, longer ones by heapsort. cmp is a
// total order (officer ids are unique), so the order is the one order.
func sortCands(cs []cand, cmp func(a, b *cand) int) {
	if len(cs) > 24 {
		sift := func(i, n int) {
			for {
				m, l, r := i, 2*i+1, 2*i+2
				if l < n && cmp(&cs[l], &cs[m]) > 0 {
					m = l
				}
				if r < n && cmp(&cs[r], &cs[m]) > 0 {
					m = r
				}
				if m == i {
					return
				}
				cs[i], cs[m] = cs[m], cs[i]
				i = m
			}
		}
		for i := len(cs)/2 - 1; i >= 0; i-- {
			sift(i, len(cs))
		}
		for end := len(cs) - 1; end > 0; end-- {
			cs[0], cs[end] = cs[end], cs[0]
			sift(0, end)
		}
		return
	}
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cmp(&cs[j], &cs[j-1]) < 0; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

func cmpInt[T int | int32 | int64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// topK keeps the k best candidates under cmp seen so far, in a heap whose
// root is the worst kept, so a large list costs O(n log k), not a full sort.
type topK struct {
	k     int
	cmp   func(a, b *cand) int
	h     []cand
	probe cand
}

func newTopK(k int, cmp func(a, b *cand) int) *topK {
	return &topK{k: k, cmp: cmp}
}

func (t *topK) push(c cand) {
	if len(t.h) < t.k {
		if t.h == nil {
			t.h = make([]cand, 0, t.k)
		}
		t.h = append(t.h, c)
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if t.cmp(&t.h[i], &t.h[p]) <= 0 {
				break
			}
			t.h[i], t.h[p] = t.h[p], t.h[i]
			i = p
		}
		return
	}
	if t.k == 0 {
		return
	}
	// Both orders put the larger ETA after among units alike in having
	// one, which rejects most units without calling cmp.
	w := &t.h[0]
	if c.known == w.known && c.eta > w.eta {
		return
	}
	// cmp is called on a copy kept in t: the address of c itself, passed
	// to a function value, would move c to the heap on every push.
	t.probe = c
	if t.cmp(&t.probe, w) >= 0 {
		return
	}
	t.h[0] = c
	for i, n := 0, len(t.h); ; {
		w, l, r := i, 2*i+1, 2*i+2
		if l < n && t.cmp(&t.h[l], &t.h[w]) > 0 {
			w = l
		}
		if r < n && t.cmp(&t.h[r], &t.h[w]) > 0 {
			w = r
		}
		if w == i {
			return
		}
		t.h[i], t.h[w] = t.h[w], t.h[i]
		i = w
	}
}

// admits reports whether a unit whose ETA is at least lb seconds could
// still enter the list, in either order.
func (t *topK) admits(lb float64) bool {
	return len(t.h) < t.k || !t.h[0].known || lb <= t.h[0].eta
}

// sorted returns the kept candidates best first; push must not be called
// after it.
func (t *topK) sorted() []cand {
	sortCands(t.h, t.cmp)
	return t.h
}
