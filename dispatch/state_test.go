package dispatch_test

import (
	"testing"
	"time"

	"citdesk"
	"citdesk/dispatch"
)

func TestStateUnitsAndRecommend(t *testing.T) {
	now := time.Date(2026, 3, 11, 0, 30, 0, 0, time.UTC)
	agency := &citdesk.Agency{ID: 1, TimeZone: "America/Chicago", Policy: citdesk.DefaultPolicy()}
	agency.Policy.LiaisonProgram = "Community Mental Health Liaison"
	lat, lon := 38.14, -90.55
	fresh := now.Add(-time.Minute)
	officer := func(id int64, cit citdesk.CITStatus, status citdesk.DutyStatus) *citdesk.Officer {
		return &citdesk.Officer{ID: id, FirstName: "Pat", LastName: "Officer", Rank: "Ofc.", CIT: &citdesk.CITStanding{Status: cit},
			Duty: &citdesk.DutyState{Status: status, Lat: &lat, Lon: &lon, PositionAt: &fresh}}
	}
	busyCall := &citdesk.Call{ID: 10, Nature: "Overdose", Emergency: true}
	st := dispatch.NewState(agency, now)
	st.Officers = []*citdesk.Officer{officer(1, citdesk.CITCertified, citdesk.StatusAvailable), officer(2, citdesk.CITCertified, citdesk.StatusOnScene)}
	st.Open = []*citdesk.Call{busyCall}
	st.Calls[busyCall.ID] = busyCall
	st.Active[2] = &citdesk.Assignment{ID: 5, CallID: busyCall.ID, OfficerID: 2}
	st.Today[2] = 3

	units := st.Units()
	if len(units) != 2 || units[1].CallID != busyCall.ID || units[1].CallNature != "Overdose" || !units[1].CallEmergency || units[1].AssignmentsToday != 3 {
		t.Fatalf("units = %+v", units)
	}
	if units[0].CallID != 0 || units[0].AssignmentsToday != 0 {
		t.Errorf("free officer's unit = %+v", units[0])
	}
	if by := st.ActiveByCall(); len(by[busyCall.ID]) != 1 || len(by) != 1 {
		t.Errorf("ActiveByCall = %v", by)
	}

	target := &citdesk.Call{ID: 11, Lat: &lat, Lon: &lon}
	res := st.Recommend(target, []int64{1})
	if len(res.Officers) != 1 || res.Officers[0].OfficerID != 1 {
		t.Fatalf("recommended %+v, want officer 1 alone", res.Officers)
	}
	if want := dispatch.Recommend(dispatch.Target{CallID: 11, Lat: &lat, Lon: &lon, PriorContact: []int64{1}}, units, now, agency.Policy,
		dispatch.Options{Liaison: &dispatch.Liaison{Name: agency.Policy.LiaisonProgram}}); len(want.Officers) != 1 || want.Officers[0].Reasons[0] != res.Officers[0].Reasons[0] {
		t.Errorf("State.Recommend differs from Recommend: %+v vs %+v", res, want)
	}

	// No one to recommend: an empty list, never null.
	empty := dispatch.NewState(agency, now)
	if res := empty.Recommend(target, nil); res.Officers == nil || len(res.Officers) != 0 || res.Fallback.Liaison == nil {
		t.Errorf("empty state: %+v", res)
	}
}
