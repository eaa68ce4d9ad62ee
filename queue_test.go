package citdesk_test

import (
	"testing"
	"time"

	"citdesk"
)

func TestSortQueue(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)
	call := func(id int64, emergency bool, receivedMin int) *citdesk.Call {
		return &citdesk.Call{ID: id, Emergency: emergency, ReceivedAt: t0.Add(time.Duration(receivedMin) * time.Minute)}
	}
	calls := []*citdesk.Call{
		call(1, false, 0),  // oldest, not an emergency
		call(2, true, 20),  // newest emergency
		call(3, true, 5),   // older emergency
		call(4, false, 10), // newer non-emergency
		call(5, true, 5),   // same time as 3: by id
	}
	citdesk.SortQueue(calls)
	var got []int64
	for _, c := range calls {
		got = append(got, c.ID)
	}
	want := []int64{3, 5, 2, 1, 4}
	if len(got) != len(want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v (emergencies first, then longest waiting)", got, want)
		}
	}
	citdesk.SortQueue(nil) // no calls: no panic
}

func TestQueueAlert(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)
	p := citdesk.DefaultPolicy()
	if p.EmergencyAlert != 60*time.Second || p.EmergencyAlertAfter() != 60*time.Second {
		t.Fatalf("default emergency alert %v, want 60 s (NFPA 1225)", p.EmergencyAlert)
	}
	if (citdesk.Policy{}).EmergencyAlertAfter() != 60*time.Second {
		t.Errorf("an unset threshold is not the 60 s default")
	}
	cit := &citdesk.Assignment{Status: citdesk.AssignDispatched, CITCertified: true}
	plain := &citdesk.Assignment{Status: citdesk.AssignEnRoute}
	cleared := &citdesk.Assignment{Status: citdesk.AssignCleared, CITCertified: true}
	for _, tc := range []struct {
		name      string
		c         citdesk.Call
		active    []*citdesk.Assignment
		wait      time.Duration
		emergency bool
		noCIT     bool
		// crisisLine: the crisis line holds the call (an accepted transfer).
		crisisLine bool
	}{
		{"emergency within policy", citdesk.Call{Emergency: true, Status: citdesk.CallPending}, nil, 60 * time.Second, false, false, false},
		{"emergency past policy", citdesk.Call{Emergency: true, Status: citdesk.CallPending}, nil, 61 * time.Second, true, false, false},
		{"non-emergency waiting long", citdesk.Call{Status: citdesk.CallPending}, nil, time.Hour, false, false, false},
		{"emergency with an officer sent", citdesk.Call{Emergency: true, Status: citdesk.CallDispatched}, []*citdesk.Assignment{plain}, time.Hour, false, false, false},
		{"emergency whose only officer cleared", citdesk.Call{Emergency: true, Status: citdesk.CallDispatched}, []*citdesk.Assignment{cleared}, time.Hour, true, false, false},
		{"CIT requested, nobody sent", citdesk.Call{CITRequested: true, Status: citdesk.CallPending}, nil, 0, false, true, false},
		{"CIT requested, non-CIT officer sent", citdesk.Call{CITRequested: true, Status: citdesk.CallDispatched}, []*citdesk.Assignment{plain}, 0, false, true, false},
		{"CIT requested, CIT officer sent", citdesk.Call{CITRequested: true, Status: citdesk.CallDispatched}, []*citdesk.Assignment{plain, cit}, 0, false, false, false},
		{"cleared call", citdesk.Call{Emergency: true, CITRequested: true, Status: citdesk.CallCleared}, nil, time.Hour, false, false, false},
		{"closed call", citdesk.Call{Emergency: true, CITRequested: true, Status: citdesk.CallClosed}, nil, time.Hour, false, false, false},
		{"CIT requested, held by the crisis line", citdesk.Call{Emergency: true, CITRequested: true, Status: citdesk.CallPending, Response: citdesk.Response988}, nil, time.Hour, false, false, true},
		{"CIT requested, 988 chosen, no transfer recorded", citdesk.Call{Emergency: true, CITRequested: true, Status: citdesk.CallPending, Response: citdesk.Response988}, nil, time.Hour, true, true, false},
	} {
		c := tc.c
		c.ReceivedAt = t0
		a := citdesk.QueueAlert(&c, tc.active, tc.crisisLine, t0.Add(tc.wait), p)
		if a.EmergencyWaiting != tc.emergency || a.NoCIT != tc.noCIT || a.Any() != (tc.emergency || tc.noCIT) {
			t.Errorf("%s: %+v, want emergency %v, no CIT %v", tc.name, a, tc.emergency, tc.noCIT)
		}
	}
	short := p
	short.EmergencyAlert = 5 * time.Second
	if a := citdesk.QueueAlert(&citdesk.Call{Emergency: true, Status: citdesk.CallPending, ReceivedAt: t0}, nil, false, t0.Add(6*time.Second), short); !a.EmergencyWaiting {
		t.Errorf("the agency's shorter threshold is not used")
	}
}

func TestPolicyUnits(t *testing.T) {
	if p := citdesk.DefaultPolicy(); p.Units != citdesk.UnitsImperial || p.Metric() {
		t.Errorf("default units %q, want imperial for a US agency", p.Units)
	}
	if (citdesk.Policy{}).Metric() {
		t.Errorf("a policy stored before units existed reads as metric")
	}
	if !(citdesk.Policy{Units: citdesk.UnitsMetric}).Metric() {
		t.Errorf("metric policy is not metric")
	}
}
