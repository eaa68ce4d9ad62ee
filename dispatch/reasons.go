package dispatch

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"citdesk"
)

// formatter turns ranked candidates into the sentences a dispatcher reads.
//
// A result holds some 150 reasons. Rather than allocate each sentence, the
// pointers and the slice of reasons of every officer, the formatter writes
// the sentences that vary into one buffer made one string at the end (each
// reason a substring of it), takes every officer's reasons from one slab
// (with its capacity cut, so an append by the caller copies) and every
// estimate from one array: a recommendation allocates a handful of times,
// not hundreds, which keeps the collector out of its 99th percentile.
type formatter struct {
	units   []Unit // what the candidates' ui index
	now     time.Time
	tie     float64 // tie window, seconds
	located bool    // the call has a location
	metric  bool    // distances in km and m; otherwise mi and ft

	text  []byte   // the reasons that vary, end to end
	spans []span   // where each of them lies in text
	slab  []string // every reason, in order
	nums  []int    // ETAs and distances
	srcs  []ETASource

	scratch *scratch // where text and spans came from

	msg       span   // the message in text, when message wrote it there
	sealedMsg string // that message, once sealed
}

// span is a reason written to text[a:b], for slab[at].
type span struct{ at, a, b int }

// reserve sizes the formatter's arrays for n officers. An officer has five
// reasons at most, and the slab must not grow: seal writes into the array
// the reasons returned before share.
func (f *formatter) reserve(n int) {
	f.slab = make([]string, 0, 5*n)
	f.nums = make([]int, 0, 2*n)
	f.srcs = make([]ETASource, 0, n)
	f.scratch = scratches.Get().(*scratch)
	f.text, f.spans = f.scratch.text[:0], f.scratch.spans[:0]
}

// scratch is a formatter's working memory, which the result does not keep:
// pooled, so that only what the result holds is allocated.
type scratch struct {
	text  []byte
	spans []span
}

var scratches = sync.Pool{New: func() any { return &scratch{text: make([]byte, 0, 4096), spans: make([]span, 0, 128)} }}

// add adds reason r.
func (f *formatter) add(r string) { f.slab = append(f.slab, r) }

// wrote adds the reason written to text since from.
func (f *formatter) wrote(from int) {
	f.spans = append(f.spans, span{at: len(f.slab), a: from, b: len(f.text)})
	f.slab = append(f.slab, "")
}

// reasons returns the reasons added since from.
func (f *formatter) reasons(from int) []string {
	return f.slab[from:len(f.slab):len(f.slab)]
}

// seal makes the written reasons strings; the reasons returned before
// read them from then on.
func (f *formatter) seal() {
	all := string(f.text)
	for _, s := range f.spans {
		f.slab[s.at] = all[s.a:s.b]
	}
	f.sealedMsg = all[f.msg.a:f.msg.b]
	if f.scratch != nil {
		f.scratch.text, f.scratch.spans = f.text, f.spans
		scratches.Put(f.scratch)
		f.scratch, f.text, f.spans = nil, nil, nil
	}
}

// unit returns c's unit.
func (f *formatter) unit(c *cand) *Unit { return &f.units[c.ui] }

// base returns r's identity and estimates, without reasons.
func (f *formatter) base(c *cand) Recommendation {
	u := f.unit(c)
	r := Recommendation{OfficerID: u.OfficerID, Name: u.Name, CITStatus: u.CITStatus}
	if c.known {
		src := ETAStraightLine
		if c.road {
			src = ETARoad
		}
		// Growing these arrays would leave earlier pointers on the old
		// ones, which is harmless: their values never change.
		f.nums = append(f.nums, int(math.Round(c.eta)), int(math.Round(c.dist)))
		f.srcs = append(f.srcs, src)
		n := len(f.nums)
		r.ETASeconds, r.DistanceM, r.ETASource = &f.nums[n-2], &f.nums[n-1], &f.srcs[len(f.srcs)-1]
	}
	return r
}

// recommendation explains eligible candidate c, ranked just above next
// (nil for the last one shown).
func (f *formatter) recommendation(c, next *cand) Recommendation {
	r := f.base(c)
	from := len(f.slab)
	f.cit(f.unit(c))
	f.travel(c, false)
	if c.prior {
		f.add("met this person before (no force, no arrest)")
	}
	f.workload(c.assign)
	if next != nil {
		at := len(f.text)
		f.text = append(f.text, "ranked above "...)
		f.text = append(f.text, f.unit(next).Name...)
		f.text = append(f.text, ": "...)
		f.text = f.above(f.text, c, next)
		f.wrote(at)
	}
	r.Reasons = f.reasons(from)
	return r
}

// plain explains the available non-CIT officers of the fallback.
func (f *formatter) plain(cs []cand) []Recommendation {
	out := make([]Recommendation, len(cs))
	for i := range cs {
		c := &cs[i]
		out[i] = f.base(c)
		from := len(f.slab)
		f.cit(f.unit(c))
		f.add("available")
		f.travel(c, false)
		f.workload(c.assign)
		out[i].Reasons = f.reasons(from)
	}
	return out
}

// alternatives explains CIT-trained officers who are divertible (why is
// whyNone) or cannot go.
func (f *formatter) alternatives(cs []cand) []Alternative {
	out := make([]Alternative, len(cs))
	for i := range cs {
		c := &cs[i]
		u := f.unit(c)
		a := Alternative{Recommendation: f.base(c), DutyStatus: u.Status, CallID: u.CallID, CallNature: u.CallNature}
		from := len(f.slab)
		f.cit(u)
		f.status(u)
		stale := false
		switch c.why {
		case whyNone:
			if u.CallID == 0 {
				f.add("could be diverted: not on a call")
			} else {
				f.add("could be diverted: the call is not an emergency")
			}
		case whyThisCall:
			f.add("already assigned to this call")
		case whyStale:
			at := len(f.text)
			f.text = append(f.text, "position "...)
			f.text = appendAge(f.text, f.now.Sub(u.PositionAt))
			f.text = append(f.text, " old"...)
			f.wrote(at)
			stale = true
		case whyEmergency:
			f.add("on an emergency call, so not divertible")
		}
		f.travel(c, stale || u.Status != citdesk.StatusAvailable)
		f.workload(u.AssignmentsToday)
		a.Reasons = f.reasons(from)
		out[i] = a
	}
	return out
}

// cit adds u's CIT certification (citPhrase).
func (f *formatter) cit(u *Unit) {
	if u.CITUntil.IsZero() || u.CITStatus != citdesk.CITExpiring && u.CITStatus != citdesk.CITLapsed {
		f.add(citPhrase(u))
		return
	}
	at := len(f.text)
	if u.CITStatus == citdesk.CITExpiring {
		f.text = append(f.text, "CIT certification expiring "...)
	} else {
		f.text = append(f.text, "CIT certification lapsed "...)
	}
	f.text = append(f.text, u.CITUntil.String()...)
	f.wrote(at)
}

// status adds what u is doing (statusPhrase).
func (f *formatter) status(u *Unit) {
	at := len(f.text)
	f.text = appendStatus(f.text, u)
	f.wrote(at)
}

// workload adds how many calls the officer has had today.
func (f *formatter) workload(n int) {
	switch n {
	case 0:
		f.add("no calls today")
	case 1:
		f.add("1 call today")
	default:
		at := len(f.text)
		f.text = strconv.AppendInt(f.text, int64(n), 10)
		f.text = append(f.text, " calls today"...)
		f.wrote(at)
	}
}

// travel adds how far c is, or why that is unknown. fromLast marks an
// estimate made from a position the officer may have left.
func (f *formatter) travel(c *cand, fromLast bool) {
	switch {
	case c.known:
		at := len(f.text)
		f.text = appendETA(f.text, c.eta)
		if c.road {
			f.text = append(f.text, " by road"...)
		} else {
			f.text = append(f.text, " away"...)
		}
		if fromLast {
			f.text = append(f.text, " from last position"...)
		}
		f.text = append(f.text, " ("...)
		f.text = appendDistance(f.text, c.dist, f.metric)
		f.text = append(f.text, ')')
		f.wrote(at)
	case c.noRoute:
		f.add("no route to the call")
	case f.unit(c).PositionAt.IsZero():
		f.add("no position reported")
	default:
		f.add("ETA unknown: the call has no location")
	}
}

// above appends to b why a is ranked just above c.
func (f *formatter) above(b []byte, a, c *cand) []byte {
	within := func(b []byte) []byte {
		if !f.located {
			return b
		}
		if f.tie > 0 {
			b = append(b, "; ETAs within "...)
			b = strconv.AppendFloat(b, f.tie, 'f', -1, 64)
			return append(b, " s"...)
		}
		return append(b, "; same ETA"...)
	}
	switch {
	case a.group != c.group:
		return appendGap(append(b, "nearer"...), a.eta, c.eta)
	case a.prior != c.prior:
		return within(append(b, "met this person before"...))
	case a.assign != c.assign:
		b = append(b, "fewer calls today ("...)
		b = strconv.AppendInt(b, int64(a.assign), 10)
		b = append(b, " vs "...)
		b = strconv.AppendInt(b, int64(c.assign), 10)
		return within(append(b, ')'))
	case a.eta != c.eta:
		return appendGap(append(b, "slightly nearer"...), a.eta, c.eta)
	case f.located:
		return append(b, "same ETA and workload: either will do"...)
	}
	return append(b, "same workload: either will do"...)
}

// message sums up the result in a sentence or a few.
//
// The usual message, naming the first officer recommended, is written to
// text before seal; message then returns "" and sealed returns it.
func (f *formatter) message(ranked, near, div []cand, l *Liaison) string {
	if len(ranked) > 0 {
		c := &ranked[0]
		at := len(f.text)
		f.text = append(f.text, "Recommended CIT officer: "...)
		f.text = append(f.text, f.unit(c).Name...)
		f.text = append(f.text, ", "...)
		if c.known {
			f.text = appendETA(f.text, c.eta)
		} else {
			f.text = append(f.text, "ETA unknown"...)
		}
		f.text = append(f.text, '.')
		f.msg = span{a: at, b: len(f.text)}
		return ""
	}
	var b strings.Builder
	b.WriteString("No CIT officer is available.")
	switch {
	case len(near) > 0 && f.located:
		b.WriteString(" Nearest available officer: " + f.unit(&near[0]).Name + ", " + f.short(&near[0]) + ".")
	case len(near) > 0:
		b.WriteString(" Available officer: " + f.unit(&near[0]).Name + " (the call has no location, so no ETA).")
	default:
		b.WriteString(" No other officer is available with a current position.")
	}
	if len(div) > 0 {
		c := &div[0]
		b.WriteString(" CIT officer who could be diverted: " + f.unit(c).Name + ", " + statusPhrase(f.unit(c)) + ", " + f.short(c) + ".")
	}
	if l != nil && l.Name != "" {
		b.WriteString(" Liaison on call: " + l.Name)
		if l.Phone != "" {
			b.WriteString(", " + l.Phone)
		}
		b.WriteString(".")
	}
	return b.String()
}

// short is the ETA for a message: "about 6 min", or "ETA unknown".
func (f *formatter) short(c *cand) string {
	if !c.known {
		return "ETA unknown"
	}
	return etaPhrase(c.eta)
}

// citPhrase states u's CIT certification.
func citPhrase(u *Unit) string {
	switch u.CITStatus {
	case citdesk.CITCertified:
		return "CIT certified"
	case citdesk.CITExpiring:
		if u.CITUntil.IsZero() {
			return "CIT certification expiring soon"
		}
		return "CIT certification expiring " + u.CITUntil.String()
	case citdesk.CITLapsed:
		if u.CITUntil.IsZero() {
			return "CIT certification lapsed"
		}
		return "CIT certification lapsed " + u.CITUntil.String()
	}
	return "not CIT trained"
}

// statusPhrase states what u is doing, and on which call.
func statusPhrase(u *Unit) string {
	if u.Status == citdesk.StatusAvailable {
		return "available"
	}
	return string(appendStatus(nil, u))
}

// appendStatus appends statusPhrase(u) to b.
func appendStatus(b []byte, u *Unit) []byte {
	if u.Status == citdesk.StatusAvailable {
		return append(b, "available"...)
	}
	if u.CallID == 0 {
		return append(appendLower(b, u.Status.Label()), ", not on a call"...)
	}
	var verb string
	switch u.Status {
	case citdesk.StatusDispatched:
		verb = "dispatched to"
	case citdesk.StatusEnRoute:
		verb = "en route to"
	case citdesk.StatusOnScene:
		verb = "on scene at"
	default:
		verb = "busy on"
	}
	kind := "non-emergency"
	if u.CallEmergency {
		kind = "emergency"
	}
	b = append(b, verb...)
	b = append(b, ' ')
	b = append(b, kind...)
	b = append(b, " call #"...)
	b = strconv.AppendInt(b, u.CallID, 10)
	if u.CallNature != "" {
		b = append(b, " ("...)
		b = append(b, u.CallNature...)
		b = append(b, ')')
	}
	return b
}

// appendLower appends strings.ToLower(s) to b, without allocating when s
// is ASCII.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(b, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// workload states how many calls an officer has had today.
func workload(n int) string {
	switch n {
	case 0:
		return "no calls today"
	case 1:
		return "1 call today"
	}
	return strconv.Itoa(n) + " calls today"
}

// etaPhrase rounds an ETA to what a dispatcher says: "about 4 min".
func etaPhrase(seconds float64) string { return string(appendETA(nil, seconds)) }

// appendETA appends etaPhrase(seconds) to b.
func appendETA(b []byte, seconds float64) []byte {
	m := etaMinutes(seconds)
	if m < 0 {
		return append(b, "under 1 min"...)
	}
	b = strconv.AppendInt(append(b, "about "...), int64(m), 10)
	return append(b, " min"...)
}

// etaMinutes is the minutes etaPhrase says, -1 for "under 1 min": two
// ETAs read the same exactly when their etaMinutes are equal.
func etaMinutes(seconds float64) int {
	if seconds < 60 {
		return -1
	}
	return max(1, int(math.Round(seconds/60)))
}

// distance formats meters in the agency's units: "850 m" or "3.2 km"
// (metric), "300 ft" or "2.0 mi" (imperial: feet under a tenth of a mile,
// to the nearest 50).
func distance(m float64, metric bool) string { return string(appendDistance(nil, m, metric)) }

// appendDistance appends distance(m, metric) to b.
func appendDistance(b []byte, m float64, metric bool) []byte {
	if !metric {
		if ft := m / 0.3048; ft < 528 {
			return append(strconv.AppendInt(b, int64(max(50, int(math.Round(ft/50))*50)), 10), " ft"...)
		}
		return append(strconv.AppendFloat(b, m/1609.344, 'f', 1, 64), " mi"...)
	}
	if m < 995 {
		return append(strconv.AppendInt(b, int64(int(math.Round(m/10))*10), 10), " m"...)
	}
	return append(strconv.AppendFloat(b, m/1000, 'f', 1, 64), " km"...)
}

// gap explains how much nearer an ETA of a seconds is than one of b.
func gap(a, b float64) string { return string(appendGap(nil, a, b)) }

// appendGap appends gap(a, c) to b.
func appendGap(b []byte, a, c float64) []byte {
	if etaMinutes(a) != etaMinutes(c) {
		b = appendETA(append(b, " ("...), a)
		b = appendETA(append(b, " vs "...), c)
		return append(b, ')')
	}
	b = strconv.AppendInt(append(b, " (by "...), int64(int(math.Round(c-a))), 10)
	return append(b, " s)"...)
}

// age formats how old a position is: "45 s", "5 min 30 s", "12 min", "3 h".
func age(d time.Duration) string { return string(appendAge(nil, d)) }

// appendAge appends age(d) to b.
func appendAge(b []byte, d time.Duration) []byte {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return append(strconv.AppendInt(b, int64(int(d.Seconds())), 10), " s"...)
	case d < 10*time.Minute && d%time.Minute != 0:
		b = append(strconv.AppendInt(b, int64(int(d/time.Minute)), 10), " min "...)
		return append(strconv.AppendInt(b, int64(int(d%time.Minute/time.Second)), 10), " s"...)
	case d < 2*time.Hour:
		return append(strconv.AppendInt(b, int64(int(d/time.Minute)), 10), " min"...)
	}
	return append(strconv.AppendInt(b, int64(int(d/time.Hour)), 10), " h"...)
}
