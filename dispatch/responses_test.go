package dispatch_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/dispatch"
)

// TestResponses: every response path as a resource, read off the officer
// ranking and the liaisons: who each would send, whether it can go, and the
// path the triage recommends marked.
func TestResponses(t *testing.T) {
	now := time.Date(2026, 3, 11, 0, 30, 0, 0, time.UTC)
	agency := &citdesk.Agency{ID: 1, TimeZone: "America/Chicago", Policy: citdesk.DefaultPolicy()}
	lat, lon := 38.14, -90.55
	fresh := now.Add(-time.Minute)
	officer := func(id int64, cit citdesk.CITStatus, dLat float64) *citdesk.Officer {
		olat := lat + dLat
		return &citdesk.Officer{ID: id, FirstName: "Pat", LastName: string(rune('A' + id)), Rank: "Ofc.", CIT: &citdesk.CITStanding{Status: cit},
			Duty: &citdesk.DutyState{Status: citdesk.StatusAvailable, Lat: &olat, Lon: &lon, PositionAt: &fresh}}
	}
	liaison := func(id int64, name string, status citdesk.LiaisonStatus, dLat float64, callID int64) *citdesk.LiaisonDuty {
		l := &citdesk.LiaisonDuty{UserID: id, Name: name, Status: status, CallID: callID}
		if !math.IsNaN(dLat) {
			llat := lat + dLat
			l.Lat, l.Lon = &llat, &lon
		}
		return l
	}
	call := &citdesk.Call{ID: 11, Lat: &lat, Lon: &lon, RecommendedResponse: citdesk.ResponseCoResponse}
	state := func(liaisons ...*citdesk.LiaisonDuty) *dispatch.State {
		st := dispatch.NewState(agency, now)
		st.Officers = []*citdesk.Officer{officer(1, citdesk.CITCertified, 0.01), officer(2, citdesk.CITNotTrained, 0.002)}
		st.Liaisons = liaisons
		return st
	}
	byPath := func(res dispatch.Result) map[citdesk.Response]dispatch.ResponseOption {
		t.Helper()
		if len(res.Responses) != 5 {
			t.Fatalf("responses %+v", res.Responses)
		}
		out := map[citdesk.Response]dispatch.ResponseOption{}
		for i, o := range res.Responses {
			if o.Response != citdesk.Responses[i] {
				t.Errorf("path %d is %s, want %s", i, o.Response, citdesk.Responses[i])
			}
			if o.Recommended != (o.Response == citdesk.ResponseCoResponse) || o.Police != o.Response.Police() {
				t.Errorf("%s: recommended %v, police %v", o.Response, o.Recommended, o.Police)
			}
			out[o.Response] = o
		}
		return out
	}

	// The nearest available liaison goes, not a nearer busy one nor one
	// on a call; without a position, last.
	res := state(liaison(7, "Busy Bea", citdesk.LiaisonBusy, 0.001, 0), liaison(8, "On-call Oz", citdesk.LiaisonAvailable, 0.001, 99),
		liaison(9, "Far Flo", citdesk.LiaisonAvailable, 0.05, 0), liaison(10, "Near Ned", citdesk.LiaisonAvailable, 0.02, 0),
		liaison(11, "Nowhere Nan", citdesk.LiaisonAvailable, math.NaN(), 0)).Recommend(call, nil)
	p := byPath(res)
	if o := p[citdesk.ResponseCIT]; !o.Available || o.Officer == nil || o.Officer.OfficerID != 1 || o.ETASeconds == nil {
		t.Errorf("cit: %+v", o)
	}
	co := p[citdesk.ResponseCoResponse]
	if !co.Available || co.Officer == nil || co.Officer.OfficerID != 1 || co.Liaison == nil || co.Liaison.UserID != 10 || co.Liaison.ETASeconds == nil ||
		co.Liaison.ETASource == nil || *co.Liaison.ETASource != dispatch.ETAStraightLine {
		t.Fatalf("co_response: %+v (liaison %+v)", co, co.Liaison)
	}
	// The team is complete when the later of the two arrives: Ned, 2 km
	// off, after the officer 1 km off.
	if *co.ETASeconds != *co.Liaison.ETASeconds || *co.ETASeconds <= *co.Officer.ETASeconds {
		t.Errorf("co_response ETA %d, officer %d, liaison %d", *co.ETASeconds, *co.Officer.ETASeconds, *co.Liaison.ETASeconds)
	}
	if o := p[citdesk.ResponsePatrol]; !o.Available || o.Officer == nil || o.Officer.OfficerID != 2 {
		t.Errorf("patrol: %+v", o)
	}
	for _, r := range []citdesk.Response{citdesk.Response988, citdesk.ResponseEMS} {
		if o := p[r]; !o.Available || o.Officer != nil || o.Liaison != nil || o.ETASeconds != nil {
			t.Errorf("%s: %+v", r, o)
		}
	}

	// No liaison free: co-response cannot go, and says why.
	for _, tc := range []struct {
		liaisons []*citdesk.LiaisonDuty
		note     string
	}{
		{nil, "No liaison is on duty."},
		{[]*citdesk.LiaisonDuty{liaison(7, "Off Otto", citdesk.LiaisonOffDuty, 0, 0)}, "No liaison is on duty."},
		{[]*citdesk.LiaisonDuty{liaison(7, "Busy Bea", citdesk.LiaisonBusy, 0, 0), liaison(8, "Off Otto", citdesk.LiaisonOffDuty, 0, 0)}, "The liaison is busy."},
		{[]*citdesk.LiaisonDuty{liaison(8, "On-call Oz", citdesk.LiaisonAvailable, 0, 99)}, "The liaison is on another call."},
		{[]*citdesk.LiaisonDuty{liaison(8, "On-call Oz", citdesk.LiaisonAvailable, 0, call.ID)}, "On-call Oz is already on this call."},
	} {
		co := byPath(state(tc.liaisons...).Recommend(call, nil))[citdesk.ResponseCoResponse]
		if co.Available || co.Note != tc.note {
			t.Errorf("%d liaisons: available %v, note %q, want %q", len(tc.liaisons), co.Available, co.Note, tc.note)
		}
	}

	// A CIT officer already on the call: the co-response sends the
	// liaison to join them, arriving when she does.
	st := state(liaison(10, "Near Ned", citdesk.LiaisonAvailable, 0.02, 0))
	st.Active[1] = &citdesk.Assignment{ID: 3, CallID: call.ID, OfficerID: 1, OfficerName: "Ofc. Pat B", CITCertified: true, CITStatus: citdesk.CITCertified}
	co = byPath(st.Recommend(call, nil))[citdesk.ResponseCoResponse]
	if !co.Available || !co.OfficerOnCall || co.Officer.OfficerID != 1 || co.ETASeconds == nil || *co.ETASeconds != *co.Liaison.ETASeconds || !strings.Contains(co.Note, "is on the call") {
		t.Errorf("co_response with the officer on the call: %+v", co)
	}

	// No CIT officer: neither the CIT path nor co-response can go.
	st = state(liaison(10, "Near Ned", citdesk.LiaisonAvailable, 0.02, 0))
	st.Officers = st.Officers[1:]
	p = byPath(st.Recommend(call, nil))
	if p[citdesk.ResponseCIT].Available || p[citdesk.ResponseCoResponse].Available || !p[citdesk.ResponsePatrol].Available {
		t.Errorf("without a CIT officer: %+v", p)
	}
}
