package store

import (
	"context"
	"strings"
	"testing"
)

// TestPriorContactsPlan checks how SQLite answers the prior-contact query,
// which the dispatch state runs once for every open call each time it is
// read (dispatchmem.go). Without statistics SQLite's planner walked the
// agency's whole encounters index in officer order (to skip the sort) and
// tested each row against the people at the address: with the demo's
// 18,000 encounters one read of the state took about half a second of CPU
// for eleven open calls, paid by the first recommendation after each
// change. The plan must start from the people at the address and look up
// their encounters by person.
func TestPriorContactsPlan(t *testing.T) {
	db := openInternal(t)
	rows, err := db.read.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+priorContactsSQL, 1, "key", 1, "key", 1)
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
	text := strings.Join(plan, "\n")
	for _, line := range plan {
		if strings.Contains(line, " e ") && !strings.Contains(line, "USING INDEX encounters_person (agency_id=? AND person_id=?)") {
			t.Errorf("encounters are not looked up by person:\n%s", text)
		}
	}
	if !strings.Contains(text, "encounters_person") {
		t.Errorf("the plan does not use encounters_person:\n%s", text)
	}
}
