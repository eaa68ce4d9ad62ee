package outcomes

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"citdesk"
)

func chicago(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at returns 2025-month-day hh:mm in loc.
func at(loc *time.Location, month time.Month, day, hh, mm int) time.Time {
	return time.Date(2025, month, day, hh, mm, 0, 0, loc)
}

// known returns an encounter with every field recorded and nothing
// remarkable: no force, no injuries, resolved on scene, not a veteran, no
// CIT request, report submitted an hour later and approved a day after.
func known(id, person int64, occurred time.Time, cit bool) Encounter {
	e := Encounter{
		ID: id, PersonKey: person, Occurred: occurred,
		OfficerCIT: TriOf(cit), Force: ForceNone,
		PersonInjury: InjuryNone, OfficerInjury: InjuryNone,
		Dispositions: DispositionsOf(ResolvedOnScene),
		Veteran:      No, CITRequested: No, CITDispatched: No, CITArrived: No,
		HandoverMinutes: -1,
	}
	if !occurred.IsZero() {
		e.Submitted = occurred.Add(time.Hour)
		e.Approved = e.Submitted.Add(24 * time.Hour)
	}
	return e
}

// fixture is the hand-worked history of TestComputeHandWorked: eight
// encounters in January and February 2025 in Chicago, one undated, and
// three referrals.
func fixture(loc *time.Location) ([]Encounter, []Referral) {
	e1 := known(1, 1, at(loc, time.January, 5, 10, 0), true)
	e1.Dispositions = DispositionsOf(ResolvedOnScene, ResourcesOffered)
	e1.Veteran = Yes
	e1.CITRequested, e1.CITDispatched, e1.CITArrived = Yes, Yes, Yes
	e1.CallReceived, e1.Dispatched, e1.OnScene = at(loc, time.January, 5, 9, 40), at(loc, time.January, 5, 9, 42), at(loc, time.January, 5, 9, 50)

	e2 := known(2, 2, at(loc, time.January, 10, 22, 0), false)
	e2.Force, e2.PersonInjury = ForcePhysical, InjuryMinor
	e2.Dispositions = DispositionsOf(Arrest)
	e2.CITRequested, e2.CITDispatched, e2.CITArrived = Yes, No, No
	e2.NoCITReason = "No CIT officer on duty"
	e2.CallReceived, e2.Dispatched, e2.OnScene = at(loc, time.January, 10, 21, 30), at(loc, time.January, 10, 21, 31), at(loc, time.January, 10, 21, 45)
	e2.Submitted = e2.Occurred.Add(30 * time.Hour) // late
	e2.Approved = e2.Submitted.Add(24 * time.Hour)

	e3 := known(3, 1, at(loc, time.January, 20, 3, 0), true)
	e3.Force = ForceVerbal
	e3.Dispositions = DispositionsOf(VoluntaryTransport)
	e3.HandoverMinutes = 45
	e3.CITRequested, e3.CITDispatched, e3.CITArrived = Yes, Yes, No
	e3.CallReceived, e3.Dispatched, e3.OnScene = at(loc, time.January, 20, 2, 40), at(loc, time.January, 20, 2, 45), at(loc, time.January, 20, 2, 55)
	e3.Approved = e3.Submitted.Add(8 * 24 * time.Hour) // late

	// 23:30 on 31 January in Chicago is 05:30 on 1 February in UTC: the
	// agency's zone puts it in January.
	e4 := known(4, 3, at(loc, time.January, 31, 23, 30), false)
	e4.Dispositions = DispositionsOf(EmergencyDetention)
	e4.HandoverMinutes = 120
	e4.OfficerInjury = InjuryMinor

	e5 := known(5, 1, at(loc, time.February, 14, 12, 0), false)
	e5.Force, e5.PersonInjury, e5.OfficerInjury = ForceLessLethal, InjurySerious, InjuryMinor
	e5.Dispositions = DispositionsOf(Citation, ResourcesDeclined)
	e5.CITRequested, e5.CITDispatched, e5.CITArrived = Unknown, Unknown, Unknown
	e5.Dispatched, e5.OnScene = at(loc, time.February, 14, 11, 50), at(loc, time.February, 14, 11, 40) // wrong order
	e5.Approved = time.Time{}                                                                          // never approved

	e6 := known(6, 2, at(loc, time.February, 20, 9, 0), true)
	e6.Dispositions = DispositionsOf(ReferredToLiaison)
	e6.ReferralConnected = true
	e6.CITRequested, e6.CITDispatched, e6.CITArrived = Yes, Yes, Yes
	e6.OnlineRequest = true
	e6.CallReceived, e6.Dispatched, e6.OnScene = at(loc, time.February, 20, 8, 30), at(loc, time.February, 20, 8, 30).Add(30*time.Second), at(loc, time.February, 20, 8, 50)

	// e7: imported-style, almost nothing known.
	e7 := Encounter{ID: 7, Occurred: at(loc, time.February, 28, 18, 0), HandoverMinutes: -1,
		CITRequested: Yes, CITDispatched: No, CITArrived: No}

	e8 := known(8, 4, time.Time{}, false) // undated
	e8.Dispositions = DispositionsOf(NoActionPossible)

	refs := []Referral{
		{Created: at(loc, time.January, 5, 12, 0), FirstContact: at(loc, time.January, 6, 12, 0), Connected: true, OfficerCIT: Yes, Survey: &Survey{5, 4, 3}},
		{Created: at(loc, time.February, 20, 10, 0), FirstContact: at(loc, time.February, 25, 10, 0), OfficerCIT: Yes, Survey: &Survey{3, 0, 5}},
		{Created: at(loc, time.February, 27, 10, 0), OfficerCIT: No},
	}
	return []Encounter{e1, e2, e3, e4, e5, e6, e7, e8}, refs
}

// responseCalls are call records (citdesk's own calls) with the response
// chosen, for the response-path measures; none has a CIT request recorded,
// so the CIT measures do not change:
//
//	c1 Jan 6  988         mental-health yes
//	c2 Jan 12 cit         yes
//	c3 Feb 3  ems         no
//	c4 Feb 10 co_response ?  the liaison on scene
//	c5 Feb 15 ?           yes
//	c6 Jan 25 patrol      yes
func responseCalls(loc *time.Location) []Encounter {
	call := func(id int64, m time.Month, d int, r Response, mh Tri) Encounter {
		return Encounter{ID: -id, Occurred: at(loc, m, d, 12, 0), CallOnly: true, HandoverMinutes: -1, Response: r, MentalHealth: mh}
	}
	calls := []Encounter{call(101, time.January, 6, Response988, Yes), call(102, time.January, 12, ResponseCIT, Yes), call(103, time.February, 3, ResponseEMS, No),
		coResponded(call(104, time.February, 10, ResponseCoResponse, Unknown)), call(105, time.February, 15, ResponseUnknown, Yes), call(106, time.January, 25, ResponsePatrol, Yes)}
	// Transfers: c1 went to 988, was accepted and a 911 call about the
	// same person followed within 24 hours; c6 went to 988 and came back
	// (hence patrol).
	calls[0].Transfer = Transferred | TransferRepeat24h
	calls[5].Transfer = Transferred | TransferReturned
	return calls
}

// coResponded marks call record e as reached by the liaison.
func coResponded(e Encounter) Encounter {
	e.LiaisonOnScene = true
	return e
}

// wantCell is an expected count over denominator; den -1 is a count measure.
type wantCell struct{ k, n int }

func checkCell(t *testing.T, what string, got Cell, want wantCell) {
	t.Helper()
	if got.Count != want.k || got.Denominator != max(want.n, 0) {
		t.Errorf("%s = %d of %d, want %d of %d", what, got.Count, got.Denominator, want.k, max(want.n, 0))
		return
	}
	if want.n <= 0 {
		if got.Rate.Defined() || got.CILow.Defined() || got.CIHigh.Defined() {
			t.Errorf("%s: rate %v (%v–%v) defined with no denominator", what, got.Rate, got.CILow, got.CIHigh)
		}
		return
	}
	lo, hi := Wilson(want.k, want.n, Z95)
	if float64(got.Rate) != float64(want.k)/float64(want.n) || float64(got.CILow) != lo || float64(got.CIHigh) != hi {
		t.Errorf("%s: rate %v (%v–%v), want %v (%v–%v)", what, got.Rate, got.CILow, got.CIHigh, float64(want.k)/float64(want.n), lo, hi)
	}
}

// TestComputeHandWorked checks every measure against arithmetic done by
// hand on the fixture. The fixture, one line per encounter (CIT = the
// officer was certified; "?" = unknown):
//
//	e1 Jan 5  p1 CIT    force none      injuries none/none   {resolved, resources offered} veteran  CIT req/disp/arr Y/Y/Y
//	e2 Jan 10 p2 nonCIT force physical  person minor         {arrest}                               CIT Y/N/N "No CIT officer on duty"; report 30 h late
//	e3 Jan 20 p1 CIT    force verbal    none/none            {voluntary transport} hand-over 45 min CIT Y/Y/N; approved after 8 days
//	e4 Jan 31 p3 nonCIT force none      officer minor        {emergency detention} hand-over 120    CIT N; 23:30 local = Feb 1 UTC
//	e5 Feb 14 p1 nonCIT less-lethal     serious/minor        {citation, resources declined}         CIT ?; never approved
//	e6 Feb 20 p2 CIT    force none      none/none            {referred} referral connected; online  CIT Y/Y/Y
//	e7 Feb 28 p? ?      ?               ?/?                  ?                                      CIT Y/N/N reason blank; never submitted
//	e8 undated p4 nonCIT force none     none/none            {no action possible}                  CIT N; not submitted
//
// Now is 1 June 2025, after every deadline.
func TestComputeHandWorked(t *testing.T) {
	loc := chicago(t)
	encs, refs := fixture(loc)
	encs = append(encs, responseCalls(loc)...)
	// Complaints and commendations: k1 (sustained) and k2 on e2, k3 a
	// commendation of e1, k4 not linked to any report.
	e1, e2 := encs[0], encs[1]
	comps := []Complaint{
		{Received: at(loc, time.February, 1, 12, 0), Sustained: true, Encounter: e2.ID, Occurred: e2.Occurred, OfficerCIT: e2.OfficerCIT},
		{Received: at(loc, time.February, 2, 12, 0), Encounter: e2.ID, Occurred: e2.Occurred, OfficerCIT: e2.OfficerCIT},
		{Received: at(loc, time.January, 6, 12, 0), Commendation: true, Encounter: e1.ID, Occurred: e1.Occurred, OfficerCIT: e1.OfficerCIT},
		{Received: at(loc, time.February, 10, 12, 0)},
	}
	r := ComputeAll(encs, refs, comps, Params{Location: loc, Now: time.Date(2025, time.June, 1, 0, 0, 0, 0, loc)})

	type want struct {
		total, cit, non wantCell
		jan, feb        wantCell
	}
	tests := map[string]want{
		// 8 encounters; CIT e1 e3 e6 = 3; non-CIT e2 e4 e5 e8 = 4 (e7 in
		// neither); January e1–e4 = 4, February e5–e7 = 3; e8 undated.
		"encounters": {wantCell{8, -1}, wantCell{3, -1}, wantCell{4, -1}, wantCell{4, -1}, wantCell{3, -1}},
		// Force recorded on all but e7: 7. Physical or above: e2, e5 = 2.
		// CIT 0 of 3; non-CIT e2, e5 of e2 e4 e5 e8 = 2 of 4.
		// January 1 (e2) of 4; February 1 (e5) of 2 (e5, e6).
		"use_of_force": {wantCell{2, 7}, wantCell{0, 3}, wantCell{2, 4}, wantCell{1, 4}, wantCell{1, 2}},
		// Person injured: e2 minor, e5 serious = 2 of 7.
		"person_injuries": {wantCell{2, 7}, wantCell{0, 3}, wantCell{2, 4}, wantCell{1, 4}, wantCell{1, 2}},
		// Officer injured: e4, e5 = 2 of 7; January e4, February e5.
		"officer_injuries": {wantCell{2, 7}, wantCell{0, 3}, wantCell{2, 4}, wantCell{1, 4}, wantCell{1, 2}},
		// No deaths; denominator: both injury fields known = 7.
		"deaths": {wantCell{0, 7}, wantCell{0, 3}, wantCell{0, 4}, wantCell{0, 4}, wantCell{0, 2}},
		// Dispositions recorded on all but e7: 7. Arrest: e2.
		"arrests": {wantCell{1, 7}, wantCell{0, 3}, wantCell{1, 4}, wantCell{1, 4}, wantCell{0, 2}},
		// Emergency detention: e4 (January, non-CIT).
		"emergency_detentions": {wantCell{1, 7}, wantCell{0, 3}, wantCell{1, 4}, wantCell{1, 4}, wantCell{0, 2}},
		// Diversion: e1 (resolved, resources offered), e3 (voluntary
		// transport), e6 (referred) = 3 of 7. Not: e2 arrest, e4 detention,
		// e5 citation (resources declined is not diversion), e8 no action.
		// CIT: e1 e3 e6 = 3 of 3. January e1 e3 = 2 of 4; February e6 = 1 of 2.
		"diversions": {wantCell{3, 7}, wantCell{3, 3}, wantCell{0, 4}, wantCell{2, 4}, wantCell{1, 2}},
		// In care: e3 transport, e4 detention, e6 connected referral = 3 of 7.
		// CIT e3 e6 = 2 of 3; non-CIT e4 = 1 of 4.
		"ending_in_care": {wantCell{3, 7}, wantCell{2, 3}, wantCell{1, 4}, wantCell{2, 4}, wantCell{1, 2}},
		// Veteran status known on all but e7: 7; veteran: e1.
		"veterans": {wantCell{1, 7}, wantCell{1, 3}, wantCell{0, 4}, wantCell{1, 4}, wantCell{0, 2}},
		// Request recorded on all but e5: 7. Requested: e1 e2 e3 e6 e7 = 5.
		// CIT: e1 e3 e6 = 3 of 3; non-CIT: e2 of e2 e4 e8 = 1 of 3.
		// January e1 e2 e3 of e1–e4 = 3 of 4; February e6 e7 of e6 e7 = 2 of 2.
		"cit_requested": {wantCell{5, 7}, wantCell{3, 3}, wantCell{1, 3}, wantCell{3, 4}, wantCell{2, 2}},
		// Of the 5 requested, dispatched: e1 e3 e6 = 3 (e2, e7 not).
		// January e1 e3 of e1 e2 e3 = 2 of 3; February e6 of e6 e7 = 1 of 2.
		"cit_dispatched": {wantCell{3, 5}, wantCell{3, 3}, wantCell{0, 1}, wantCell{2, 3}, wantCell{1, 2}},
		// Of the 5 requested, on scene: e1 e6 = 2 (e3 dispatched, did not arrive).
		"cit_on_scene": {wantCell{2, 5}, wantCell{2, 3}, wantCell{0, 1}, wantCell{1, 3}, wantCell{1, 2}},
		// Online: e6, of all 8.
		"online_requests": {wantCell{1, 8}, wantCell{1, 3}, wantCell{0, 4}, wantCell{0, 4}, wantCell{1, 3}},
		// Due: e1–e7 (e8 has no date and no deadline) = 7. On time: e1 e3
		// e4 e5 e6 = 5 (e2 at 30 h; e7 never). Non-CIT e2 e4 e5: 2 of 3.
		"reports_submitted_24h": {wantCell{5, 7}, wantCell{3, 3}, wantCell{2, 3}, wantCell{3, 4}, wantCell{2, 3}},
		// Submitted: e1–e6 = 6. Approved in 7 days: e1 e2 e4 e6 = 4 (e3
		// after 8 days; e5 never, and 7 days have passed by June).
		// January e1 e2 e4 of e1–e4 = 3 of 4; February e6 of e5 e6 = 1 of 2.
		"reports_approved_7d": {wantCell{4, 6}, wantCell{2, 3}, wantCell{2, 3}, wantCell{3, 4}, wantCell{1, 2}},
		// People with dated encounters: p1 (Jan 5, Jan 20, Feb 14: gaps 15
		// and 25 days), p2 (Jan 10, Feb 20: 41 days), p3 (Jan 31) = 3. (e7
		// has no person; p4 only the undated e8.)
		// 30 days: p1 = 1 of 3. CIT: people met by CIT officers p1 (e1, e3),
		// p2 (e6): p1's e1 is followed in 15 days = 1 of 2. Non-CIT: p2
		// (e2), p3 (e4), p1 (e5): e2 → 41 days, e4 and e5 have no next =
		// 0 of 3. January: p1 p2 p3 met; p1's e1 → 15 days = 1 of 3.
		// February: p1 (e5), p2 (e6), neither followed = 0 of 2.
		"repeat_contacts_30d": {wantCell{1, 3}, wantCell{1, 2}, wantCell{0, 3}, wantCell{1, 3}, wantCell{0, 2}},
		// 90 days: p1 and p2 (41 ≤ 90) = 2 of 3. CIT: p1 only (e6 has no
		// next) = 1 of 2. Non-CIT: p2 via e2 = 1 of 3. January: p1, p2 = 2 of 3.
		"repeat_contacts_90d":  {wantCell{2, 3}, wantCell{1, 2}, wantCell{1, 3}, wantCell{2, 3}, wantCell{0, 2}},
		"repeat_contacts_365d": {wantCell{2, 3}, wantCell{1, 2}, wantCell{1, 3}, wantCell{2, 3}, wantCell{0, 2}},
		// Referrals: r1 (Jan, CIT), r2 (Feb, CIT), r3 (Feb, non-CIT) = 3.
		"referrals": {wantCell{3, -1}, wantCell{2, -1}, wantCell{1, -1}, wantCell{1, -1}, wantCell{2, -1}},
		// Contacted in 72 h: r1 (24 h) = 1 of 3 (r2 after 5 days, r3 never
		// and its 72 hours have passed).
		"referrals_contacted_72h": {wantCell{1, 3}, wantCell{1, 2}, wantCell{0, 1}, wantCell{1, 1}, wantCell{0, 2}},
		// Connected: r1 = 1 of 3.
		"referrals_connected": {wantCell{1, 3}, wantCell{1, 2}, wantCell{0, 1}, wantCell{1, 1}, wantCell{0, 2}},
		// Surveys: r1, r2 = 2 of 3.
		"survey_responses": {wantCell{2, 3}, wantCell{2, 2}, wantCell{0, 1}, wantCell{1, 1}, wantCell{1, 2}},
		// Response paths (responseCalls): a response recorded on c1 c2 c3
		// c4 c6 = 5 (c5 none); January c1 c2 c6 = 3, February c3 c4 = 2.
		// Calls have no officer, so both sides of the split are empty.
		"response_cit":         {wantCell{1, 5}, wantCell{0, 0}, wantCell{0, 0}, wantCell{1, 3}, wantCell{0, 2}},
		"response_co_response": {wantCell{1, 5}, wantCell{0, 0}, wantCell{0, 0}, wantCell{0, 3}, wantCell{1, 2}},
		"response_988":         {wantCell{1, 5}, wantCell{0, 0}, wantCell{0, 0}, wantCell{1, 3}, wantCell{0, 2}},
		"response_patrol":      {wantCell{1, 5}, wantCell{0, 0}, wantCell{0, 0}, wantCell{1, 3}, wantCell{0, 2}},
		"response_ems":         {wantCell{1, 5}, wantCell{0, 0}, wantCell{0, 0}, wantCell{0, 3}, wantCell{1, 2}},
		// Mental-health calls with a response: c1 c2 c6 (c3 is not one, c4
		// not known, c5 has no response) = 3, all January; without police:
		// c1 (988) = 1 of 3. c3 went to EMS but is not a mental-health call.
		"response_without_police": {wantCell{1, 3}, wantCell{0, 0}, wantCell{0, 0}, wantCell{1, 3}, wantCell{0, 0}},
		// Transfers: c1 and c6, both January; c6 returned = 1 of 2; the one
		// accepted, c1, followed by a repeat = 1 of 1.
		"transfers_988":            {wantCell{2, -1}, wantCell{0, -1}, wantCell{0, -1}, wantCell{2, -1}, wantCell{0, -1}},
		"transfers_988_returned":   {wantCell{1, 2}, wantCell{0, 0}, wantCell{0, 0}, wantCell{1, 2}, wantCell{0, 0}},
		"transfers_988_repeat_24h": {wantCell{1, 1}, wantCell{0, 0}, wantCell{0, 0}, wantCell{1, 1}, wantCell{0, 0}},
		// Complaints: every one of the 8 encounters is in the denominator
		// (CIT 3, non-CIT 4, January 4, February 3). e2 (January,
		// non-CIT) drew two complaints and counts once; one of them was
		// sustained. e1 (January, CIT) drew the commendation.
		"complaints":           {wantCell{1, 8}, wantCell{0, 3}, wantCell{1, 4}, wantCell{1, 4}, wantCell{0, 3}},
		"complaints_sustained": {wantCell{1, 8}, wantCell{0, 3}, wantCell{1, 4}, wantCell{1, 4}, wantCell{0, 3}},
		"commendations":        {wantCell{1, 8}, wantCell{1, 3}, wantCell{0, 4}, wantCell{1, 4}, wantCell{0, 3}},
		// Received: k1, k2 (non-CIT, by e2) and k4 (no side) in February;
		// k3 (CIT) in January.
		"complaints_received":    {wantCell{3, -1}, wantCell{0, -1}, wantCell{2, -1}, wantCell{0, -1}, wantCell{3, -1}},
		"commendations_received": {wantCell{1, -1}, wantCell{1, -1}, wantCell{0, -1}, wantCell{1, -1}, wantCell{0, -1}},
		// The liaison reached c4 (February). No call record has a CIT
		// request, so the gap counting co-response has no denominator
		// here (TestCoResponseGap works it).
		"co_responses":             {wantCell{1, -1}, wantCell{0, -1}, wantCell{0, -1}, wantCell{0, -1}, wantCell{1, -1}},
		"cit_met_with_co_response": {wantCell{0, 0}, wantCell{0, 0}, wantCell{0, 0}, wantCell{0, 0}, wantCell{0, 0}},
	}
	for id, w := range tests {
		m, ok := r.Measures[id]
		if !ok {
			t.Errorf("no measure %s", id)
			continue
		}
		checkCell(t, id, m.Cell, w.total)
		if id == "cit_officer" {
			continue
		}
		if m.CIT == nil || m.NonCIT == nil {
			t.Errorf("%s: no CIT split", id)
			continue
		}
		checkCell(t, id+" CIT", *m.CIT, w.cit)
		checkCell(t, id+" non-CIT", *m.NonCIT, w.non)
		if len(m.ByMonth) != 2 || m.ByMonth[0].Period != "2025-01" || m.ByMonth[1].Period != "2025-02" {
			t.Errorf("%s: months %+v, want 2025-01 and 2025-02", id, m.ByMonth)
			continue
		}
		checkCell(t, id+" 2025-01", m.ByMonth[0].Cell, w.jan)
		checkCell(t, id+" 2025-02", m.ByMonth[1].Cell, w.feb)
	}
	// cit_officer: certification known on all but e7 = 7; CIT e1 e3 e6 = 3.
	// It is the split, so it has none.
	co := r.Measures["cit_officer"]
	checkCell(t, "cit_officer", co.Cell, wantCell{3, 7})
	checkCell(t, "cit_officer 2025-01", co.ByMonth[0].Cell, wantCell{2, 4})
	checkCell(t, "cit_officer 2025-02", co.ByMonth[1].Cell, wantCell{1, 2})
	if co.CIT != nil || co.NonCIT != nil {
		t.Errorf("cit_officer has a CIT split")
	}
	if len(r.Measures)-1 != len(tests) {
		t.Errorf("%d measures, %d tested: add the new ones to the test", len(r.Measures), len(tests)+1)
	}

	// The "if available" gap: e2 gave a reason, e7 none.
	wantReasons := []ReasonCount{{"No CIT officer on duty", 1}, {"not recorded", 1}}
	if !reflect.DeepEqual(r.NoCITReasons, wantReasons) {
		t.Errorf("NoCITReasons = %+v, want %+v", r.NoCITReasons, wantReasons)
	}

	// Durations, in seconds. Received → dispatched: e1 120, e2 60, e3 300,
	// e6 30; sorted 30 60 120 300. Median: h = 0.5·3 = 1.5 → 60 + 0.5·60
	// = 90. P90: h = 0.9·3 = 2.7 → 120 + 0.7·180 = 246. CIT e1 e3 e6:
	// 30 120 300, median 120, p90 h = 1.8 → 120 + 0.8·180 = 264. Non-CIT
	// e2: 60. January e1 e2 e3: 60 120 300 → 120 and 264; February e6: 30.
	// Dispatched → on scene: e1 480, e2 840, e3 600, e6 1170 (e5 on scene
	// before dispatch: invalid); sorted 480 600 840 1170, median 720,
	// p90 840 + 0.7·330 = 1071. Received → on scene: e1 600, e2 900, e3 900,
	// e6 1200: median 900, p90 900 + 0.7·300 = 1110. Hand-over: e3 45 min
	// = 2700 s, e4 120 min = 7200 s: median 4950, p90 h = 0.9 → 2700 +
	// 0.9·4500 = 6750.
	type wantDur struct {
		n, invalid  int
		median, p90 float64
		cit, non    [3]float64 // n, median, p90
		jan, feb    [3]float64
	}
	durTests := map[string]wantDur{
		"received_to_dispatched": {4, 0, 90, 246, [3]float64{3, 120, 264}, [3]float64{1, 60, 60}, [3]float64{3, 120, 264}, [3]float64{1, 30, 30}},
		"dispatched_to_on_scene": {4, 1, 720, 1071, [3]float64{3, 600, 1056}, [3]float64{1, 840, 840}, [3]float64{3, 600, 600 + 0.8*240}, [3]float64{1, 1170, 1170}},
		"received_to_on_scene":   {4, 0, 900, 1110, [3]float64{3, 900, 900 + 0.8*300}, [3]float64{1, 900, 900}, [3]float64{3, 900, 900}, [3]float64{1, 1200, 1200}},
		"handover":               {2, 0, 4950, 6750, [3]float64{1, 2700, 2700}, [3]float64{1, 7200, 7200}, [3]float64{2, 4950, 6750}, [3]float64{0, math.NaN(), math.NaN()}},
	}
	// dispatched_to_on_scene CIT: e1 480, e3 600, e6 1170 → median 600,
	// p90 h = 1.8 → 600 + 0.8·570 = 1056. January e1 480, e2 840, e3 600 →
	// sorted 480 600 840: median 600, p90 600 + 0.8·240 = 792.
	// received_to_on_scene CIT: e1 600, e3 900, e6 1200: median 900, p90
	// 900 + 0.8·300 = 1140. January: 600 900 900 → 900, 900.
	near := func(a, b float64) bool {
		return math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) < 1e-9
	}
	checkStats := func(what string, got DurationStats, want [3]float64) {
		t.Helper()
		if got.Count != int(want[0]) || !near(float64(got.MedianSeconds), want[1]) || !near(float64(got.P90Seconds), want[2]) {
			t.Errorf("%s = %d, %v, %v; want %v", what, got.Count, got.MedianSeconds, got.P90Seconds, want)
		}
	}
	for id, w := range durTests {
		d := r.Durations[id]
		checkStats(id, d.DurationStats, [3]float64{float64(w.n), w.median, w.p90})
		if d.Invalid != w.invalid {
			t.Errorf("%s: %d invalid, want %d", id, d.Invalid, w.invalid)
		}
		checkStats(id+" CIT", *d.CIT, w.cit)
		checkStats(id+" non-CIT", *d.NonCIT, w.non)
		checkStats(id+" 2025-01", d.ByMonth[0].DurationStats, w.jan)
		checkStats(id+" 2025-02", d.ByMonth[1].DurationStats, w.feb)
	}

	// Survey means: respect (5 + 3) / 2 = 4; safety 4 (r2 left it blank,
	// so 1 answer); help (3 + 5) / 2 = 4. All from CIT referrals.
	for id, w := range map[string]MeanStats{"survey_respect": {2, 4}, "survey_safety": {1, 4}, "survey_help": {2, 4}} {
		m := r.Means[id]
		if m.MeanStats != w || *m.CIT != w || m.NonCIT.Count != 0 || m.NonCIT.Mean.Defined() {
			t.Errorf("%s = %+v (CIT %+v, non-CIT %+v), want %+v", id, m.MeanStats, *m.CIT, *m.NonCIT, w)
		}
	}

	// Sentences.
	for id, want := range map[string]string{
		"cit_on_scene": "2 of 5 CIT-requested calls got a CIT officer on scene, 40%, 95% CI 12–77%.",
		"use_of_force": "2 of 7 encounters with force recorded involved physical force or more, 29 per 100, 95% CI 8.2–64.",
		"encounters":   "8 encounters.",
		"referrals":    "3 referrals.",
	} {
		if got := r.Measures[id].Sentence; got != want {
			t.Errorf("%s sentence = %q, want %q", id, got, want)
		}
	}
	if got, want := r.Durations["received_to_dispatched"].Sentence, "Median 1.5 minutes from call received to dispatch (90th percentile 4.1 minutes), over 4 encounters."; got != want {
		t.Errorf("duration sentence = %q, want %q", got, want)
	}
}

// TestComputeRange checks the range: dates are the agency's, both ends
// inclusive, undated records left out, and a closed range lists every
// month in it.
func TestComputeRange(t *testing.T) {
	loc := chicago(t)
	encs, refs := fixture(loc)

	// February in Chicago: e5, e6, e7. e4 (Feb 1 in UTC) is January there;
	// e8 is undated and cannot be placed. Only p1 (e5) and p2 (e6) are met,
	// neither again within the range.
	feb := Params{From: citdesk.NewDate(2025, time.February, 1), To: citdesk.NewDate(2025, time.February, 28), Location: loc}
	r := Compute(encs, refs, feb)
	checkCell(t, "February encounters", r.Measures["encounters"].Cell, wantCell{3, -1})
	checkCell(t, "February repeat 90d", r.Measures["repeat_contacts_90d"].Cell, wantCell{0, 2})
	checkCell(t, "February referrals", r.Measures["referrals"].Cell, wantCell{2, -1})
	if m := r.Measures["encounters"].ByMonth; len(m) != 1 || m[0].Period != "2025-02" {
		t.Errorf("February months = %+v", m)
	}

	// The same range in UTC takes e4 (05:30 on 1 February UTC) and loses
	// e7 (18:00 on 28 February in Chicago is 00:00 on 1 March UTC).
	feb.Location = time.UTC
	r = Compute(encs, refs, feb)
	checkCell(t, "February encounters in UTC", r.Measures["encounters"].Cell, wantCell{3, -1})
	if r.Measures["emergency_detentions"].Count != 1 || r.Measures["cit_requested"].Denominator != 2 { // e4 and e6 (e5 unknown)
		t.Errorf("UTC February should hold e4 (detention) and not e7: %+v", r.Measures["emergency_detentions"].Cell)
	}

	// One end open: from 20 January on (e3 and later, e8 left out).
	r = Compute(encs, refs, Params{From: citdesk.NewDate(2025, time.January, 20), Location: loc})
	checkCell(t, "from 20 January", r.Measures["encounters"].Cell, wantCell{5, -1})

	// December to March: four months, the outer two empty.
	r = Compute(encs, refs, Params{From: citdesk.NewDate(2024, time.December, 1), To: citdesk.NewDate(2025, time.March, 31), Location: loc})
	var got []string
	for _, m := range r.Measures["arrests"].ByMonth {
		got = append(got, m.Period+":"+strings.TrimSpace(strings.Repeat("x", m.Count)))
	}
	if want := []string{"2024-12:", "2025-01:x", "2025-02:", "2025-03:"}; !reflect.DeepEqual(got, want) {
		t.Errorf("months = %v, want %v", got, want)
	}
	if m := r.Measures["arrests"].ByMonth[0]; m.Rate.Defined() {
		t.Errorf("empty month has rate %v", m.Rate)
	}

	// Quarterly: everything dated is in 2025-Q1.
	r = Compute(encs, refs, Params{Location: loc, Quarterly: true})
	q := r.Measures["encounters"]
	if len(q.ByMonth) != 0 || len(q.ByQuarter) != 1 || q.ByQuarter[0].Period != "2025-Q1" || q.ByQuarter[0].Count != 7 {
		t.Errorf("quarters = %+v (months %d)", q.ByQuarter, len(q.ByMonth))
	}
	if d := r.Durations["handover"].ByQuarter; len(d) != 1 || d[0].Count != 2 {
		t.Errorf("handover quarters = %+v", d)
	}
}

// TestComputeDeaths: a death counts when either party died, even if the
// other's injuries are unknown; otherwise both must be known.
func TestComputeDeaths(t *testing.T) {
	day := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	encs := []Encounter{
		{ID: 1, Occurred: day, PersonInjury: InjuryFatal, HandoverMinutes: -1},                             // death, officer unknown: 1 of 1
		{ID: 2, Occurred: day, PersonInjury: InjuryNone, OfficerInjury: InjuryNone, HandoverMinutes: -1},   // known, no death: den
		{ID: 3, Occurred: day, PersonInjury: InjuryNone, HandoverMinutes: -1},                              // officer unknown: out
		{ID: 4, Occurred: day, OfficerInjury: InjuryFatal, PersonInjury: InjuryMinor, HandoverMinutes: -1}, // officer died: 1
	}
	r := Compute(encs, nil, Params{})
	// Deaths: e1 (person) and e4 (officer) over e1, e2, e4 (e3's officer
	// unknown and nobody died) = 2 of 3. Person injuries, all four known:
	// e1 fatal, e4 minor = 2 of 4. Officer injuries, known on e2 and e4:
	// e4 = 1 of 2.
	checkCell(t, "deaths", r.Measures["deaths"].Cell, wantCell{2, 3})
	checkCell(t, "person_injuries", r.Measures["person_injuries"].Cell, wantCell{2, 4})
	checkCell(t, "officer_injuries", r.Measures["officer_injuries"].Cell, wantCell{1, 2})
}

// TestComputeDeadlines: a deadline not yet passed at Now leaves the record
// out of the denominator; an explicit ReportDue overrides Occurred + 24 h.
func TestComputeDeadlines(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	now := t0.Add(30 * time.Hour)
	encs := []Encounter{
		{ID: 1, Occurred: t0, HandoverMinutes: -1},                                                                       // due t0+24h, passed, not submitted: late
		{ID: 2, Occurred: t0, ReportDue: t0.Add(48 * time.Hour), HandoverMinutes: -1},                                    // due later than now: out
		{ID: 3, Occurred: t0, ReportDue: t0.Add(48 * time.Hour), Submitted: t0.Add(40 * time.Hour), HandoverMinutes: -1}, // on time by its own deadline
		{ID: 4, Occurred: t0, Submitted: t0.Add(2 * time.Hour), HandoverMinutes: -1},                                     // on time; approval window open: out of approved
		{ID: 5, Occurred: t0, Submitted: t0.Add(-8 * 24 * time.Hour), HandoverMinutes: -1},                               // submitted 8 days before now, never approved: late
	}
	r := Compute(encs, []Referral{
		{Created: t0},                                  // contact due t0+72h, after now: out
		{Created: t0.Add(-4 * 24 * time.Hour)},         // due passed, never contacted: late
		{Created: t0, FirstContact: t0.Add(time.Hour)}, // contacted: on time
	}, Params{Now: now})
	// Submitted in 24 h: e1 late, e3 e4 e5 on time, e2 out = 3 of 4.
	checkCell(t, "reports_submitted_24h", r.Measures["reports_submitted_24h"].Cell, wantCell{3, 4})
	// Approved in 7 days: e3 e4 windows open (out), e5 window closed = 0 of 1.
	checkCell(t, "reports_approved_7d", r.Measures["reports_approved_7d"].Cell, wantCell{0, 1})
	checkCell(t, "referrals_contacted_72h", r.Measures["referrals_contacted_72h"].Cell, wantCell{1, 2})

	// With Now zero every deadline has passed.
	r = Compute(encs, nil, Params{})
	checkCell(t, "reports_submitted_24h, Now zero", r.Measures["reports_submitted_24h"].Cell, wantCell{3, 5})
	checkCell(t, "reports_approved_7d, Now zero", r.Measures["reports_approved_7d"].Cell, wantCell{0, 3})
}

// TestComputeDesignSentence reproduces the design's example figure.
func TestComputeDesignSentence(t *testing.T) {
	var encs []Encounter
	for i := range 51 {
		e := Encounter{ID: int64(i + 1), Occurred: time.Date(2025, 4, 1+i%28, 10, 0, 0, 0, time.UTC), HandoverMinutes: -1,
			CITRequested: Yes, CITDispatched: Yes, CITArrived: TriOf(i < 38)}
		encs = append(encs, e)
	}
	r := Compute(encs, nil, Params{})
	want := "38 of 51 CIT-requested calls got a CIT officer on scene, 75%, 95% CI 61–84%."
	if got := r.Measures["cit_on_scene"].Sentence; got != want {
		t.Errorf("sentence = %q, want %q", got, want)
	}
	if got := r.Measures["arrests"].Sentence; got != "No encounters with a disposition recorded in this period." {
		t.Errorf("empty sentence = %q", got)
	}
}

// TestComputeJSON checks the API's shape: measures by id, each with count,
// denominator, rate, ci_low, ci_high, by_month, cit and non_cit; undefined
// rates as null.
func TestComputeJSON(t *testing.T) {
	loc := chicago(t)
	encs, refs := fixture(loc)
	b, err := json.Marshal(Compute(encs, refs, Params{Location: loc}))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Measures map[string]map[string]json.RawMessage `json:"measures"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"encounters", "use_of_force", "arrests", "emergency_detentions", "diversions",
		"person_injuries", "officer_injuries", "veterans", "cit_requested", "cit_dispatched", "cit_on_scene",
		"repeat_contacts_90d", "referrals_connected"} {
		m, ok := doc.Measures[id]
		if !ok {
			t.Errorf("no measure %q in %s", id, b)
			continue
		}
		for _, k := range []string{"count", "denominator", "rate", "ci_low", "ci_high", "by_month", "cit", "non_cit", "sentence"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s has no %q", id, k)
			}
		}
	}
	if got := string(doc.Measures["encounters"]["rate"]); got != "null" {
		t.Errorf("encounters rate = %s, want null", got)
	}
	if got := string(doc.Measures["arrests"]["count"]); got != "1" {
		t.Errorf("arrests count = %s, want 1", got)
	}
}

// TestComputeEmpty: nothing in, every measure present and undefined.
func TestComputeEmpty(t *testing.T) {
	r := Compute(nil, nil, Params{})
	if len(r.Measures) != numMeasures || len(r.Durations) != numDurations || len(r.Means) != numSurveyQuestions {
		t.Fatalf("%d measures, %d durations, %d means", len(r.Measures), len(r.Durations), len(r.Means))
	}
	for id, m := range r.Measures {
		if m.Count != 0 || m.Denominator != 0 || m.Rate.Defined() || len(m.ByMonth) != 0 {
			t.Errorf("%s = %+v", id, m)
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("marshal: %v", err)
	}
}

// TestComputeMatchesNaive compares Compute on synthetic data with a slow,
// obvious implementation of a few measures, including repeat contacts and
// percentiles over groups big enough to take the histogram path.
func TestComputeMatchesNaive(t *testing.T) {
	loc := chicago(t)
	encs := Synthesize(30_000, 11, time.Date(2023, 1, 1, 0, 0, 0, 0, loc), loc)
	// Shuffle a copy: Compute must not depend on order.
	shuffled := append([]Encounter(nil), encs...)
	for i := range shuffled {
		j := (i * 7919) % len(shuffled)
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	from, to := citdesk.NewDate(2023, 3, 15), citdesk.NewDate(2023, 9, 30)
	r := Compute(shuffled, nil, Params{From: from, To: to, Location: loc})

	in := func(e *Encounter) bool {
		d := citdesk.DateOf(e.Occurred, loc)
		return !e.Occurred.IsZero() && !d.Before(from) && !d.After(to)
	}
	var n, arrests, dispKnown int
	var waits []float64
	days := map[int64][]int{} // person → local days
	for i := range encs {
		e := &encs[i]
		if !in(e) {
			continue
		}
		n++
		if e.Dispositions != 0 {
			dispKnown++
			if e.Dispositions.Has(Arrest) {
				arrests++
			}
		}
		if !e.CallReceived.IsZero() && !e.Dispatched.IsZero() {
			waits = append(waits, e.Dispatched.Sub(e.CallReceived).Seconds())
		}
		if e.PersonKey != 0 {
			y, m, d := e.Occurred.In(loc).Date()
			days[e.PersonKey] = append(days[e.PersonKey], int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()/86400))
		}
	}
	checkCell(t, "encounters", r.Measures["encounters"].Cell, wantCell{n, -1})
	checkCell(t, "arrests", r.Measures["arrests"].Cell, wantCell{arrests, dispKnown})

	repeat := 0
	for _, ds := range days {
		slices.Sort(ds)
		for i := 1; i < len(ds); i++ {
			if ds[i]-ds[i-1] <= 90 {
				repeat++
				break
			}
		}
	}
	checkCell(t, "repeat_contacts_90d", r.Measures["repeat_contacts_90d"].Cell, wantCell{repeat, len(days)})

	slices.Sort(waits)
	q := func(p float64) float64 {
		h := p * float64(len(waits)-1)
		k := int(h)
		if k+1 < len(waits) {
			return waits[k] + (h-float64(k))*(waits[k+1]-waits[k])
		}
		return waits[k]
	}
	d := r.Durations["received_to_dispatched"]
	if d.Count != len(waits) || math.Abs(float64(d.MedianSeconds)-q(0.5)) > 1e-9 || math.Abs(float64(d.P90Seconds)-q(0.9)) > 1e-9 {
		t.Errorf("received_to_dispatched = %d, %v, %v; want %d, %v, %v", d.Count, d.MedianSeconds, d.P90Seconds, len(waits), q(0.5), q(0.9))
	}
}

// TestComputeAbsurdDates: a date no agency has (year 200000) is read as
// unknown rather than making a month for every month until then.
func TestComputeAbsurdDates(t *testing.T) {
	encs := []Encounter{
		{ID: 1, Occurred: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC), HandoverMinutes: -1},
		{ID: 2, Occurred: time.Date(200000, 1, 1, 12, 0, 0, 0, time.UTC), HandoverMinutes: 5, PersonKey: 9},
		{ID: 3, Occurred: time.Date(-5000, 1, 1, 12, 0, 0, 0, time.UTC), HandoverMinutes: -1, PersonKey: 9},
	}
	r := Compute(encs, []Referral{{Created: time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)}}, Params{})
	m := r.Measures["encounters"]
	if m.Count != 3 || len(m.ByMonth) != 1 || m.ByMonth[0].Count != 1 {
		t.Errorf("encounters %d, months %+v", m.Count, m.ByMonth)
	}
	if r.Measures["referrals"].Count != 1 || r.Durations["handover"].Count != 1 {
		t.Errorf("referrals %d, hand-overs %d", r.Measures["referrals"].Count, r.Durations["handover"].Count)
	}
}

// TestComputeParallel: the split pass gives exactly what one pass gives.
func TestComputeParallel(t *testing.T) {
	loc := chicago(t)
	encs := Synthesize(120_000, 5, time.Date(2020, 1, 1, 0, 0, 0, 0, loc), loc)
	refs := SynthesizeReferrals(encs, 5)
	p := Params{Location: loc, Now: time.Date(2030, 1, 1, 0, 0, 0, 0, loc)}
	split := Compute(encs, refs, p)
	defer func(n int) { parallelFrom = n }(parallelFrom)
	parallelFrom = len(encs) + 1
	one := Compute(encs, refs, p)
	a, _ := json.Marshal(split)
	b, _ := json.Marshal(one)
	if string(a) != string(b) {
		t.Error("split and single pass differ")
	}
}

// TestCoResponseGap: the "if available" gap with co-response counted as
// meeting a CIT request, on call records worked by hand.
//
//	k1 CIT requested, CIT officer dispatched
//	k2 CIT requested, no CIT officer, the liaison on scene (a co-response with patrol)
//	k3 CIT requested, no CIT officer, no liaison
//	k4 not requested, the liaison on scene
//	k5 a report saying the liaison co-responded: not a call record, not counted
func TestCoResponseGap(t *testing.T) {
	loc := time.UTC
	call := func(id int64, requested, dispatched Tri, liaison bool) Encounter {
		return Encounter{ID: -id, Occurred: at(loc, time.March, int(id), 12, 0), CallOnly: true, HandoverMinutes: -1,
			CITRequested: requested, CITDispatched: dispatched, CITArrived: dispatched, LiaisonOnScene: liaison}
	}
	encs := []Encounter{call(1, Yes, Yes, false), call(2, Yes, No, true), call(3, Yes, No, false), call(4, No, No, true),
		{ID: 5, Occurred: at(loc, time.March, 5, 12, 0), HandoverMinutes: -1, LiaisonOnScene: true}}
	r := Compute(encs, nil, Params{Location: loc, Now: time.Date(2025, time.June, 1, 0, 0, 0, 0, loc)})
	checkCell(t, "cit_dispatched", r.Measures["cit_dispatched"].Cell, wantCell{1, 3})
	checkCell(t, "cit_met_with_co_response", r.Measures["cit_met_with_co_response"].Cell, wantCell{2, 3})
	checkCell(t, "co_responses", r.Measures["co_responses"].Cell, wantCell{2, -1})
	rows, _ := Behind(encs, Params{Location: loc, Now: time.Date(2025, time.June, 1, 0, 0, 0, 0, loc)}, "cit_met_with_co_response", GroupAll, "")
	if len(rows) != 3 || !rows[0].Counted && !rows[1].Counted {
		t.Errorf("drill-down of cit_met_with_co_response: %+v", rows)
	}
}
