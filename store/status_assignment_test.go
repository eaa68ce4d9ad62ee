package store_test

import (
	"testing"
	"time"

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

// TestPositionUpdatesAreNotAudited shows that a position report keeping the
// officer's status (a car's location feed, the demo's refresher) goes into
// the status history but writes no audit event, while every change of
// status is still audited.
func TestPositionUpdatesAreNotAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		o := w.officer(t, "302", false) // available, audited once
		audited := func() int {
			t.Helper()
			evs, err := w.db.AuditService().ListAudit(w.op, citdesk.AuditFilter{Action: "officer.status", Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return len(evs)
		}
		if got := audited(); got != 1 {
			t.Fatalf("after going on duty: %d officer.status events, want 1", got)
		}
		for i := range 6 {
			w.clock.Advance(10 * time.Second)
			lat, lon := 38.14+float64(i)*0.001, -90.55
			if err := w.db.OfficerService().SetStatus(w.op, &citdesk.StatusChange{OfficerID: o.ID, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
				t.Fatal(err)
			}
		}
		if got := audited(); got != 1 {
			t.Errorf("after six position updates: %d officer.status events, want 1", got)
		}
		hist, err := w.db.OfficerService().StatusHistory(w.op, o.ID, time.Time{}, w.clock.Now().Add(time.Hour))
		if err != nil || len(hist) != 7 {
			t.Errorf("status history = %d rows, %v; want 7 (the positions are kept)", len(hist), err)
		}
		if err := w.db.OfficerService().SetStatus(w.op, &citdesk.StatusChange{OfficerID: o.ID, Status: citdesk.StatusBusy}); err != nil {
			t.Fatal(err)
		}
		if got := audited(); got != 2 {
			t.Errorf("after a change to busy: %d officer.status events, want 2", got)
		}
	})
}

// TestImportStatusHistory shows that past status changes are added to the
// history without moving the officer's current status, with one audit event
// for the batch, and that a change in the future or of another agency's
// officer is refused.
func TestImportStatusHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		o := w.officer(t, "303", true) // available now
		now := w.clock.Now()
		past := []citdesk.StatusChange{
			{OfficerID: o.ID, Status: citdesk.StatusAvailable, At: now.Add(-30 * time.Hour)},
			{OfficerID: o.ID, Status: citdesk.StatusOffDuty, At: now.Add(-22 * time.Hour)},
		}
		n, err := w.db.HistoryService().ImportStatusHistory(w.op, past)
		if err != nil || n != 2 {
			t.Fatalf("import = %d, %v", n, err)
		}
		if got := w.duty(t, o.ID); got != citdesk.StatusAvailable {
			t.Errorf("current status after the import: %s, want available", got)
		}
		hist, err := w.db.OfficerService().StatusHistory(w.op, o.ID, now.Add(-48*time.Hour), now.Add(time.Hour))
		if err != nil || len(hist) != 3 {
			t.Errorf("status history = %d rows, %v; want 3", len(hist), err)
		}
		evs, err := w.db.AuditService().ListAudit(w.op, citdesk.AuditFilter{Action: "officer.status.import", Limit: 10})
		if err != nil || len(evs) != 1 {
			t.Errorf("officer.status.import events = %d, %v; want 1", len(evs), err)
		}
		_, err = w.db.HistoryService().ImportStatusHistory(w.op, []citdesk.StatusChange{{OfficerID: o.ID, Status: citdesk.StatusAvailable, At: now.Add(time.Minute)}})
		wantCode(t, err, citdesk.EINVALID)
		_, other := storetest.Agency(t, w.db, "hillsboro")
		_, err = w.db.HistoryService().ImportStatusHistory(other, past)
		wantCode(t, err, citdesk.EINVALID)
		_, err = w.db.HistoryService().ImportStatusHistory(w.disp, past)
		wantCode(t, err, citdesk.EFORBIDDEN)
	})
}
