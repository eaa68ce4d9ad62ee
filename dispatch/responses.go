package dispatch

import (
	"cmp"
	"math"
	"slices"

	"citdesk"
)

// The responses as resources (issue 16, item 2): beside the officer
// ranking, the board lists each way of answering a call with whether it can
// go now and how soon. It is read off a Result already made, plus the
// liaisons, so the officer ranking itself is untouched: the CIT path is the
// first recommended officer, patrol the nearest available non-CIT officer
// of the fallback, co-response the CIT officer with the nearest available
// liaison.

// ResponseOption is one response path as a resource: whether it can be
// sent now, who would go and how soon. ETASeconds is the path's arrival:
// for a co-response the later of the officer and the liaison, since the
// team is complete only then; null when it cannot be estimated or the path
// sends no one (988, EMS, whose times citdesk does not know).
type ResponseOption struct {
	Response    citdesk.Response `json:"response"`
	Label       string           `json:"label"`
	Available   bool             `json:"available"`
	Police      bool             `json:"police"`
	Recommended bool             `json:"recommended"`
	ETASeconds  *int             `json:"eta_seconds"`
	Officer     *Recommendation  `json:"officer"`
	// OfficerOnCall: Officer is a CIT officer already sent to the call,
	// so a co-response needs only the liaison.
	OfficerOnCall bool           `json:"officer_on_call"`
	Liaison       *LiaisonOption `json:"liaison"`
	// Note says in a sentence why the path is or is not available.
	Note string `json:"note"`
}

// LiaisonOption is the liaison a co-response would send, with their
// availability and estimated travel, estimated as an officer's is (the road
// map when the agency has one, else the straight line) from the position
// they last shared; null estimates when they shared none or the call has
// no location.
type LiaisonOption struct {
	UserID     int64                 `json:"user_id"`
	Name       string                `json:"name"`
	Status     citdesk.LiaisonStatus `json:"status"`
	OnCallID   int64                 `json:"on_call_id,omitempty"`
	ETASeconds *int                  `json:"eta_seconds"`
	DistanceM  *int                  `json:"distance_m"`
	ETASource  *ETASource            `json:"eta_source"`
}

// Responses lists every response path for call c from res, the officers
// ranked for it, and the state's liaisons, in citdesk.Responses order, the
// one c's triage recommends marked.
func (st *State) Responses(c *citdesk.Call, res Result) []ResponseOption {
	out := make([]ResponseOption, 0, len(citdesk.Responses))
	liaison := st.bestLiaison(c)
	sent := st.citOnCall(c.ID)
	for _, r := range citdesk.Responses {
		o := ResponseOption{Response: r, Label: r.Label(), Police: r.Police(), Recommended: r == c.RecommendedResponse}
		switch r {
		case citdesk.ResponseCIT:
			if len(res.Officers) > 0 {
				o.Officer = &res.Officers[0]
				o.Available, o.ETASeconds = true, o.Officer.ETASeconds
				o.Note = o.Officer.Name + " is the nearest available CIT officer."
			} else {
				o.Note = "No CIT officer is available; see the fallback."
			}
		case citdesk.ResponseCoResponse:
			if sent != nil {
				o.Officer, o.OfficerOnCall = sent, true
			} else if len(res.Officers) > 0 {
				o.Officer = &res.Officers[0]
			}
			o.Liaison = liaison
			switch {
			case liaison == nil:
				o.Note = "No liaison is on duty."
			case liaison.OnCallID == c.ID:
				o.Note = liaison.Name + " is already on this call."
			case liaison.Status != citdesk.LiaisonAvailable || liaison.OnCallID != 0:
				o.Note = "The liaison is " + liaisonState(liaison) + "."
			case o.Officer == nil:
				o.Note = "The liaison is available but no CIT officer is."
			case o.OfficerOnCall:
				o.Available, o.ETASeconds = true, liaison.ETASeconds
				o.Note = o.Officer.Name + " is on the call; send " + liaison.Name + " to join them."
			default:
				o.Available = true
				o.ETASeconds = later(o.Officer.ETASeconds, liaison.ETASeconds)
				o.Note = o.Officer.Name + " with " + liaison.Name + "."
			}
		case citdesk.Response988:
			o.Available = true
			o.Note = "Transfer the caller to 988 or mobile crisis; no police are sent."
		case citdesk.ResponsePatrol:
			if len(res.Fallback.NearestNonCIT) > 0 {
				o.Officer = &res.Fallback.NearestNonCIT[0]
				o.Available, o.ETASeconds = true, o.Officer.ETASeconds
				o.Note = o.Officer.Name + " is the nearest available patrol officer."
			} else {
				o.Note = "No other officer is available with a current position."
			}
		case citdesk.ResponseEMS:
			o.Available = true
			o.Note = "Hand the call to EMS; no police are sent."
		}
		out = append(out, o)
	}
	return out
}

// citOnCall returns the CIT-certified officer already sent to call callID
// (the first by assignment id), or nil.
func (st *State) citOnCall(callID int64) *Recommendation {
	var first *citdesk.Assignment
	for _, a := range st.Active {
		if a.CallID == callID && a.CITCertified && (first == nil || a.ID < first.ID) {
			first = a
		}
	}
	if first == nil {
		return nil
	}
	return &Recommendation{OfficerID: first.OfficerID, Name: first.OfficerName, CITStatus: first.CITStatus, Reasons: []string{"Already on this call."}}
}

// liaisonState says what a liaison who cannot go is doing.
func liaisonState(l *LiaisonOption) string {
	if l.OnCallID != 0 {
		return "on another call"
	}
	if l.Status == citdesk.LiaisonOffDuty {
		return "off duty"
	}
	return "busy"
}

// later returns the later of two arrivals; unknown when either is.
func later(a, b *int) *int {
	if a == nil || b == nil {
		return nil
	}
	v := max(*a, *b)
	return &v
}

// bestLiaison returns the liaison a co-response to c would send: the
// nearest available one not on a call (one with no estimate after those
// with one, then by name); when none is available, the first on duty, to
// say why not; nil when no liaison has a status at all or all are off duty.
func (st *State) bestLiaison(c *citdesk.Call) *LiaisonOption {
	if len(st.Liaisons) == 0 {
		return nil
	}
	var route Route
	located := c.Lat != nil && c.Lon != nil
	if st.Roads != nil && located {
		if route = st.Roads.Toward(*c.Lat, *c.Lon); route != nil {
			defer route.Close()
		}
	}
	p, d := st.Agency.Policy, citdesk.DefaultPolicy()
	line := StraightLine{RoadFactor: cmp.Or(p.RoadFactor, d.RoadFactor), SpeedKMH: cmp.Or(p.SpeedKMH, d.SpeedKMH)}
	opts := make([]LiaisonOption, 0, len(st.Liaisons))
	for _, l := range st.Liaisons {
		o := LiaisonOption{UserID: l.UserID, Name: l.Name, Status: l.Status, OnCallID: l.CallID}
		if located && l.Lat != nil && l.Lon != nil {
			sec, m, src := 0.0, 0.0, ETAStraightLine
			ok := false
			if route != nil {
				if sec, m, ok = route.From(*l.Lat, *l.Lon); ok {
					src = ETARoad
				}
			}
			if !ok {
				sec, m = line.ETA(*l.Lat, *l.Lon, *c.Lat, *c.Lon)
			}
			if !math.IsNaN(sec) && !math.IsInf(sec, 0) && sec >= 0 {
				eta, dist := int(math.Round(sec)), int(math.Round(m))
				o.ETASeconds, o.DistanceM, o.ETASource = &eta, &dist, &src
			}
		}
		opts = append(opts, o)
	}
	rank := func(o *LiaisonOption) int {
		switch {
		case o.Status == citdesk.LiaisonAvailable && o.OnCallID == 0:
			return 0
		case o.Status != citdesk.LiaisonOffDuty:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(opts, func(a, b LiaisonOption) int {
		if c := cmp.Compare(rank(&a), rank(&b)); c != 0 {
			return c
		}
		if (a.ETASeconds == nil) != (b.ETASeconds == nil) {
			if a.ETASeconds == nil {
				return 1
			}
			return -1
		}
		if a.ETASeconds != nil {
			if c := cmp.Compare(*a.ETASeconds, *b.ETASeconds); c != 0 {
				return c
			}
		}
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.UserID, b.UserID))
	})
	if rank(&opts[0]) == 2 {
		return nil
	}
	return &opts[0]
}
