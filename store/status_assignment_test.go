package store_test

import (
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// TestStatusFollowsAssignment shows that an officer on a call cannot set
// themself available (or busy, or off duty) by hand: the status follows the
// assignment until it is cleared. Position updates with the same status pass.
func TestStatusFollowsAssignment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		o := w.officer(t, "301", true)
		c := w.call(t, "Welfare check", false)
		a := w.assign(t, c, o)
		for _, st := range []citdesk.DutyStatus{citdesk.StatusAvailable, citdesk.StatusBusy, citdesk.StatusOffDuty, citdesk.StatusOnScene} {
			err := w.db.OfficerService().SetStatus(w.disp, &citdesk.StatusChange{OfficerID: o.ID, Status: st})
			wantCode(t, err, citdesk.ECONFLICT)
		}
		lat, lon := 38.15, -90.56
		if err := w.db.OfficerService().SetStatus(w.disp, &citdesk.StatusChange{OfficerID: o.ID, Status: citdesk.StatusDispatched, Lat: &lat, Lon: &lon}); err != nil {
			t.Fatalf("position update with the assignment's status: %v", err)
		}
		if _, err := w.calls.MoveAssignment(w.disp, a.ID, a.Version, citdesk.AssignCleared); err != nil {
			t.Fatal(err)
		}
		if got := w.duty(t, o.ID); got != citdesk.StatusAvailable {
			t.Fatalf("after clearing: %s, want available", got)
		}
		if err := w.db.OfficerService().SetStatus(w.disp, &citdesk.StatusChange{OfficerID: o.ID, Status: citdesk.StatusBusy}); err != nil {
			t.Fatalf("busy after clearing: %v", err)
		}
	})
}
