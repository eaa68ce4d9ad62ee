package store_test

import (
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// TestAssignmentPlannedBeforeChange shows that CreateAssignment, whose
// reads and checks run before its write transaction, still refuses an
// assignment when the officer goes off duty, or the call is closed, between
// those reads and its write: the write transaction sees that what its plan
// rested on moved, and plans again (issue 12: a short writer). SQLite only:
// the change is slipped in while the assignment waits for the one writer.
func TestAssignmentPlannedBeforeChange(t *testing.T) {
	for _, c := range []struct {
		name  string
		query string
		code  string
	}{
		{"officer goes off duty", `UPDATE officer_duty SET status = 'off_duty' WHERE officer_id = ?`, citdesk.ECONFLICT},
		{"officer leaves the roster", `UPDATE officers SET active = ?, version = version + 1 WHERE id = ?`, citdesk.EINVALID},
		{"call is closed", `UPDATE calls SET status = 'closed', closed_at = updated_at, version = version + 1 WHERE id = ?`, citdesk.ECONFLICT},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newDispatchWorld(t, storetest.SQLite)
			o := w.officer(t, "301", true)
			call := w.call(t, "Welfare check", false)
			var args []any
			switch c.name {
			case "officer goes off duty":
				args = []any{o.ID}
			case "officer leaves the roster":
				args = []any{false, o.ID}
			default:
				args = []any{call.ID}
			}
			started, result := w.db.ChangeWhileQueued(w.op, c.query, args...)
			<-started
			err := w.calls.CreateAssignment(w.disp, &citdesk.Assignment{CallID: call.ID, OfficerID: o.ID})
			if err := <-result; err != nil {
				t.Fatal(err)
			}
			if citdesk.ErrorCode(err) != c.code {
				t.Fatalf("assignment after the change: %v, want %s", err, c.code)
			}
			list, err := w.calls.ListAssignments(w.disp, citdesk.AssignmentFilter{CallID: call.ID})
			if err != nil || len(list) != 0 {
				t.Fatalf("assignments on the call: %d, %v; want none", len(list), err)
			}
		})
	}
	// With nothing changed meanwhile, the plan stands: the same queueing
	// with a change elsewhere still assigns.
	w := newDispatchWorld(t, storetest.SQLite)
	o := w.officer(t, "302", true)
	call := w.call(t, "Welfare check", false)
	started, result := w.db.ChangeWhileQueued(w.op, `UPDATE calls SET nature = nature WHERE id = ?`, -1)
	<-started
	a := &citdesk.Assignment{CallID: call.ID, OfficerID: o.ID}
	if err := w.calls.CreateAssignment(w.disp, a); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || a.CITStatus == "" || !a.CITCertified {
		t.Fatalf("assignment: %+v", a)
	}
}
