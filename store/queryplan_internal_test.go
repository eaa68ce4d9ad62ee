package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"citdesk"
)

// SQLite plans without statistics (nothing runs ANALYZE), and for a few
// queries its guess walked an agency's whole table where an index leads
// straight to the rows. With the demo's 18,000 encounters each such query
// took tens of milliseconds, run once per open call on the board and on
// every read of the dispatch state. These tests pin the plans that matter.

// queryPlan returns SQLite's plan for query, one step a line.
func queryPlan(t *testing.T, db *DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.read.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// TestPriorContactsPlan: the prior-contact query, run for every open call
// each time the dispatch state is read (dispatchmem.go), walked the
// agency's whole encounters index in officer order (to skip the sort) and
// tested each row against the people at the address. On the demo agency
// the first recommendation after a change took about 0.7 s. The plan must
// start from the people at the address and look up their encounters by
// person.
func TestPriorContactsPlan(t *testing.T) {
	plan := queryPlan(t, openInternal(t), priorContactsSQL, 1, "key", 1, "key", 1)
	for _, line := range strings.Split(plan, "\n") {
		if strings.Contains(line, " e ") && !strings.Contains(line, "USING INDEX encounters_person (agency_id=? AND person_id=?)") {
			t.Errorf("encounters are not looked up by person:\n%s", plan)
		}
	}
	if !strings.Contains(plan, "encounters_person") {
		t.Errorf("the plan does not use encounters_person:\n%s", plan)
	}
}

// TestCallPersonsPlan: the people named on a call's reports, read for
// every open call when the board matches crisis plans, are found by the
// call, not by walking every encounter that names someone.
func TestCallPersonsPlan(t *testing.T) {
	plan := queryPlan(t, openInternal(t), callPersonsSQL, 1, 2)
	if !strings.Contains(plan, "USING INDEX encounters_call (agency_id=? AND call_id=?)") {
		t.Errorf("the call's encounters are not found by call:\n%s", plan)
	}
}

// TestStatusHistoryPlan: each officer's last status before a period is
// one seek of the officer's changes, not a walk of every change the
// agency has before it (position reports included).
func TestStatusHistoryPlan(t *testing.T) {
	plan := queryPlan(t, openInternal(t), lastStatusBeforeSQL, micros(time.Now()), 1)
	if !strings.Contains(plan, "status_changes_officer (agency_id=? AND officer_id=? AND at<?)") || strings.Contains(plan, "status_changes_time") {
		t.Errorf("the latest changes are not found officer by officer:\n%s", plan)
	}
}

// TestTodaysAssignmentsPlan: the dispatch state's count of each officer's
// assignments today reads today's, by dispatch time, not every assignment
// the agency ever had in officer order.
func TestTodaysAssignmentsPlan(t *testing.T) {
	plan := queryPlan(t, openInternal(t), todaysAssignmentsSQL, 1, micros(time.Now()))
	if !strings.Contains(plan, "assignments_time (agency_id=? AND dispatched_at>?)") {
		t.Errorf("today's assignments are not read by dispatch time:\n%s", plan)
	}
}

// TestActiveAssignmentsPlan: the active assignments, read with every read
// of the dispatch state and of the board, come from the index that holds
// only them, not from a walk of every assignment the agency ever had.
func TestActiveAssignmentsPlan(t *testing.T) {
	db := openInternal(t)
	q, args := assignmentsQuery(1, citdesk.AssignmentFilter{Active: true})
	plan := queryPlan(t, db, q, args...)
	if !strings.Contains(plan, "assignments_one_active") || strings.Contains(plan, "assignments_time") {
		t.Errorf("the active assignments are not read by assignments_one_active:\n%s", plan)
	}
	// A call's assignments, and an officer's (active or all), by their
	// own indexes.
	for _, c := range []struct {
		f    citdesk.AssignmentFilter
		want string
	}{
		{citdesk.AssignmentFilter{CallID: 2}, "SEARCH a USING INDEX assignments_call ("},
		{citdesk.AssignmentFilter{OfficerID: 2}, "SEARCH a USING INDEX assignments_officer (agency_id=? AND officer_id=?)"},
		{citdesk.AssignmentFilter{OfficerID: 2, Active: true}, "SEARCH a USING INDEX assignments_officer (agency_id=? AND officer_id=?)"},
	} {
		q, args := assignmentsQuery(1, c.f)
		if plan := queryPlan(t, db, q, args...); !strings.Contains(plan, c.want) {
			t.Errorf("assignments %+v: want %q in the plan:\n%s", c.f, c.want, plan)
		}
	}
}
