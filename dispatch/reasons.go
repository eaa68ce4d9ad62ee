package dispatch

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"citdesk"
)

// formatter turns ranked candidates into the sentences a dispatcher reads.
type formatter struct {
	now     time.Time
	tie     float64 // tie window, seconds
	located bool    // the call has a location
	metric  bool    // distances in km and m; otherwise mi and ft
}

// base returns r's identity and estimates, without reasons.
func (f *formatter) base(c *cand) Recommendation {
	r := Recommendation{OfficerID: c.u.OfficerID, Name: c.u.Name, CITStatus: c.u.CITStatus}
	if c.known {
		eta, dist := int(math.Round(c.eta)), int(math.Round(c.dist))
		src := ETAStraightLine
		if c.road {
			src = ETARoad
		}
		r.ETASeconds, r.DistanceM, r.ETASource = &eta, &dist, &src
	}
	return r
}

// recommendation explains eligible candidate c, ranked just above next
// (nil for the last one shown).
func (f *formatter) recommendation(c, next *cand) Recommendation {
	r := f.base(c)
	r.Reasons = make([]string, 0, 5)
	r.Reasons = append(r.Reasons, citPhrase(c.u), f.travel(c, false))
	if c.prior {
		r.Reasons = append(r.Reasons, "met this person before (no force, no arrest)")
	}
	r.Reasons = append(r.Reasons, workload(c.u.AssignmentsToday))
	if next != nil {
		r.Reasons = append(r.Reasons, "ranked above "+next.u.Name+": "+f.above(c, next))
	}
	return r
}

// plain explains the available non-CIT officers of the fallback.
func (f *formatter) plain(cs []cand) []Recommendation {
	out := make([]Recommendation, len(cs))
	for i := range cs {
		c := &cs[i]
		out[i] = f.base(c)
		out[i].Reasons = []string{citPhrase(c.u), "available", f.travel(c, false), workload(c.u.AssignmentsToday)}
	}
	return out
}

// alternatives explains CIT-trained officers who are divertible (why is
// whyNone) or cannot go.
func (f *formatter) alternatives(cs []cand) []Alternative {
	out := make([]Alternative, len(cs))
	for i := range cs {
		c := &cs[i]
		u := c.u
		a := Alternative{Recommendation: f.base(c), DutyStatus: u.Status, CallID: u.CallID, CallNature: u.CallNature}
		rs := make([]string, 0, 5)
		rs = append(rs, citPhrase(u), statusPhrase(u))
		stale := false
		switch c.why {
		case whyNone:
			if u.CallID == 0 {
				rs = append(rs, "could be diverted: not on a call")
			} else {
				rs = append(rs, "could be diverted: the call is not an emergency")
			}
		case whyThisCall:
			rs = append(rs, "already assigned to this call")
		case whyStale:
			rs = append(rs, "position "+age(f.now.Sub(u.PositionAt))+" old")
			stale = true
		case whyEmergency:
			rs = append(rs, "on an emergency call, so not divertible")
		}
		rs = append(rs, f.travel(c, stale || u.Status != citdesk.StatusAvailable), workload(u.AssignmentsToday))
		a.Reasons = rs
		out[i] = a
	}
	return out
}

// travel says how far c is, or why that is unknown. fromLast marks an
// estimate made from a position the officer may have left.
func (f *formatter) travel(c *cand, fromLast bool) string {
	switch {
	case c.known:
		from := ""
		if fromLast {
			from = " from last position"
		}
		if c.road {
			return etaPhrase(c.eta) + " by road" + from + " (" + distance(c.dist, f.metric) + ")"
		}
		return etaPhrase(c.eta) + " away" + from + " (" + distance(c.dist, f.metric) + ")"
	case c.noRoute:
		return "no route to the call"
	case c.u.PositionAt.IsZero():
		return "no position reported"
	}
	return "ETA unknown: the call has no location"
}

// above says why a is ranked just above b.
func (f *formatter) above(a, b *cand) string {
	within := ""
	if f.located {
		if f.tie > 0 {
			within = "; ETAs within " + strconv.FormatFloat(f.tie, 'f', -1, 64) + " s"
		} else {
			within = "; same ETA"
		}
	}
	switch {
	case a.group != b.group:
		return "nearer" + gap(a.eta, b.eta)
	case a.prior != b.prior:
		return "met this person before" + within
	case a.u.AssignmentsToday != b.u.AssignmentsToday:
		return fmt.Sprintf("fewer calls today (%d vs %d)%s", a.u.AssignmentsToday, b.u.AssignmentsToday, within)
	case a.eta != b.eta:
		return "slightly nearer" + gap(a.eta, b.eta)
	case f.located:
		return "same ETA and workload: either will do"
	}
	return "same workload: either will do"
}

// message sums up the result in a sentence or a few.
func (f *formatter) message(ranked, near, div []cand, l *Liaison) string {
	if len(ranked) > 0 {
		c := &ranked[0]
		return "Recommended CIT officer: " + c.u.Name + ", " + f.short(c) + "."
	}
	var b strings.Builder
	b.WriteString("No CIT officer is available.")
	switch {
	case len(near) > 0 && f.located:
		b.WriteString(" Nearest available officer: " + near[0].u.Name + ", " + f.short(&near[0]) + ".")
	case len(near) > 0:
		b.WriteString(" Available officer: " + near[0].u.Name + " (the call has no location, so no ETA).")
	default:
		b.WriteString(" No other officer is available with a current position.")
	}
	if len(div) > 0 {
		c := &div[0]
		b.WriteString(" CIT officer who could be diverted: " + c.u.Name + ", " + statusPhrase(c.u) + ", " + f.short(c) + ".")
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
	if u.CallID == 0 {
		return strings.ToLower(u.Status.Label()) + ", not on a call"
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
	s := verb + " " + kind + " call #" + strconv.FormatInt(u.CallID, 10)
	if u.CallNature != "" {
		s += " (" + u.CallNature + ")"
	}
	return s
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
func etaPhrase(seconds float64) string {
	if seconds < 60 {
		return "under 1 min"
	}
	return "about " + strconv.Itoa(max(1, int(math.Round(seconds/60)))) + " min"
}

// distance formats meters in the agency's units: "850 m" or "3.2 km"
// (metric), "300 ft" or "2.0 mi" (imperial: feet under a tenth of a mile,
// to the nearest 50).
func distance(m float64, metric bool) string {
	if !metric {
		if ft := m / 0.3048; ft < 528 {
			return strconv.Itoa(max(50, int(math.Round(ft/50))*50)) + " ft"
		}
		return strconv.FormatFloat(m/1609.344, 'f', 1, 64) + " mi"
	}
	if m < 995 {
		return strconv.Itoa(int(math.Round(m/10))*10) + " m"
	}
	return strconv.FormatFloat(m/1000, 'f', 1, 64) + " km"
}

// gap explains how much nearer an ETA of a seconds is than one of b.
func gap(a, b float64) string {
	if pa, pb := etaPhrase(a), etaPhrase(b); pa != pb {
		return " (" + pa + " vs " + pb + ")"
	}
	return " (by " + strconv.Itoa(int(math.Round(b-a))) + " s)"
}

// age formats how old a position is: "45 s", "5 min 30 s", "12 min", "3 h".
func age(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + " s"
	case d < 10*time.Minute && d%time.Minute != 0:
		return strconv.Itoa(int(d/time.Minute)) + " min " + strconv.Itoa(int(d%time.Minute/time.Second)) + " s"
	case d < 2*time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	}
	return strconv.Itoa(int(d/time.Hour)) + " h"
}
