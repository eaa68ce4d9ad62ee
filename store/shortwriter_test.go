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

// TestCallPatchPlannedBeforeChange shows that PatchCall, whose reads and
// checks run on a reader before its write transaction on SQLite, still
// refuses to close a call when an officer is back on it, or the call
// changed, between those reads and its write: the write transaction sees
// that what the plan rested on moved (callPatchFingerprint), and reads and
// checks again inside (issue 12: a short writer).
func TestCallPatchPlannedBeforeChange(t *testing.T) {
	closeCall := func(c *citdesk.Call) {
		c.Status = citdesk.CallClosed
		no := false
		c.MentalHealth = &no
	}
	for _, c := range []struct {
		name  string
		query string
		code  string
	}{
		{"an officer is back on the call", `UPDATE assignments SET status = 'on_scene', cleared_at = NULL, version = version + 1 WHERE id = ?`, citdesk.ECONFLICT},
		{"the call changed", `UPDATE calls SET nature = 'Check on neighbour', version = version + 1 WHERE id = ?`, citdesk.EPRECONDITION},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newDispatchWorld(t, storetest.SQLite)
			o := w.officer(t, "311", true)
			call := w.call(t, "Welfare check", false)
			a := w.assign(t, call, o)
			if _, err := w.calls.MoveAssignment(w.disp, a.ID, a.Version, citdesk.AssignCleared); err != nil {
				t.Fatal(err)
			}
			arg := a.ID
			if c.code == citdesk.EPRECONDITION {
				arg = call.ID
			}
			version := w.findCall(t, call.ID).Version
			started, result := w.db.ChangeWhileQueued(w.op, c.query, arg)
			<-started
			_, err := w.calls.PatchCall(w.disp, call.ID, version, closeCall)
			if err := <-result; err != nil {
				t.Fatal(err)
			}
			if citdesk.ErrorCode(err) != c.code {
				t.Fatalf("close after the change: %v, want %s", err, c.code)
			}
			if got := w.findCall(t, call.ID); got.Status == citdesk.CallClosed || got.ClosedAt != nil {
				t.Fatalf("call after a refused close: %s, closed at %v", got.Status, got.ClosedAt)
			}
		})
	}
	// With nothing changed meanwhile, the plan stands: the write
	// transaction reads its fingerprint and writes, the read of the call
	// and its change audited as before, closed at the write's time.
	w := newDispatchWorld(t, storetest.SQLite)
	o := w.officer(t, "312", true)
	call := w.call(t, "Welfare check", false)
	a := w.assign(t, call, o)
	if _, err := w.calls.MoveAssignment(w.disp, a.ID, a.Version, citdesk.AssignCleared); err != nil {
		t.Fatal(err)
	}
	version := w.findCall(t, call.ID).Version
	started, result := w.db.ChangeWhileQueued(w.op, `UPDATE calls SET nature = nature WHERE id = ?`, -1)
	<-started
	before, counts := w.db.TxStats(), w.db.SQLiteCounts()
	closed, err := w.calls.PatchCall(w.disp, call.ID, version, closeCall)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	d := w.db.TxStats().Sub(before)
	// The queued change ran one statement on the writer; the close ran
	// its fingerprint, the two audit events (the read, the change) with
	// the chain's head, the update, and its savepoint's two. Read and
	// checked again inside, it would have run four more reads there.
	writer := w.db.SQLiteCounts().WriterStatements - counts.WriterStatements - 1
	if writer > 7 || d.Audits != 2 {
		t.Errorf("the close ran %d statements on the writer and appended %d audit events, want at most 7 and 2", writer, d.Audits)
	}
	stored := w.findCall(t, call.ID)
	if closed.Status != citdesk.CallClosed || stored.Status != citdesk.CallClosed || stored.Version != closed.Version || closed.ClosedAt == nil || !stored.ClosedAt.Equal(*closed.ClosedAt) {
		t.Fatalf("closed: %s v%d at %v; stored: %s v%d at %v", closed.Status, closed.Version, closed.ClosedAt, stored.Status, stored.Version, stored.ClosedAt)
	}
}
