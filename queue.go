package citdesk

import (
	"cmp"
	"slices"
	"time"
)

// The dispatcher's queue: which open call comes first, and which call
// must alert the dispatcher. The store orders the board's open calls with
// SortQueue and the board asks QueueAlert about each, so the order and
// the alerts are decided here once.

// SortQueue orders open calls as the dispatcher works them: emergencies
// first, then the longest waiting (earliest received) first, then by id so
// the order is stable.
func SortQueue(calls []*Call) {
	slices.SortStableFunc(calls, func(a, b *Call) int {
		if a.Emergency != b.Emergency {
			if a.Emergency {
				return -1
			}
			return 1
		}
		if c := a.ReceivedAt.Compare(b.ReceivedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// Alert says why an open call needs the dispatcher now.
type Alert struct {
	// EmergencyWaiting: an emergency call has waited longer than the
	// agency's policy (Policy.EmergencyAlertAfter) with no officer sent.
	EmergencyWaiting bool
	// NoCIT: the caller asked for a CIT officer and no CIT officer is on
	// the call.
	NoCIT bool
}

// Any reports whether the call alerts at all.
func (a Alert) Any() bool { return a.EmergencyWaiting || a.NoCIT }

// QueueAlert says whether open call c alerts the dispatcher at now, given
// its active assignments and the agency's policy. A cleared or closed call
// never alerts: the work on it is done. Nor does a call the crisis line
// holds (crisisLine: its transfer to 988 or mobile crisis is recorded and
// accepted, not returned): no officer is to be sent, CIT or not, and an
// alarm that stays on while the crisis line works the call teaches the
// dispatcher to ignore the alarm. A call whose response is 988 with no
// transfer recorded yet still alerts, since nobody has taken it on; so
// does one the crisis line sent back.
func QueueAlert(c *Call, active []*Assignment, crisisLine bool, now time.Time, p Policy) Alert {
	if c.Status != CallPending && c.Status != CallDispatched && c.Status != CallOnScene || crisisLine {
		return Alert{}
	}
	sent, cit := false, false
	for _, a := range active {
		if !a.Status.Active() {
			continue
		}
		sent = true
		if a.CITCertified {
			cit = true
		}
	}
	return Alert{
		EmergencyWaiting: c.Emergency && !sent && now.Sub(c.ReceivedAt) > p.EmergencyAlertAfter(),
		NoCIT:            c.CITRequested && !cit,
	}
}
