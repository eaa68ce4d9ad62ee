package store

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"citdesk"
)

// auditAdmin is an admin of agency in ctx: one who may read the trail.
func auditAdmin(agency int64) context.Context {
	return citdesk.NewContextWithActor(context.Background(), &citdesk.Actor{AgencyID: agency, UserID: 1, Username: "ada", Roles: []citdesk.Role{citdesk.RoleAdmin}, Remote: "test"})
}

// TestAuditPageOffTheWriter: the audit page read the agency's events
// inside the write transaction that records the read, so on SQLite every
// dispatch write waited for it (149 ms with a million events in the
// trail). Now the writer runs only what any recorded event runs.
func TestAuditPageOffTheWriter(t *testing.T) {
	db := openInternal(t)
	ctx := auditAdmin(1)
	audit := db.AuditService()
	for i := range 3 {
		if err := audit.Record(ctx, &citdesk.AuditEvent{Action: "test.event", ObjectType: "test", ObjectID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	before := db.SQLiteCounts()
	if err := audit.Record(ctx, &citdesk.AuditEvent{Action: "test.event", ObjectType: "test", ObjectID: "x"}); err != nil {
		t.Fatal(err)
	}
	record := db.SQLiteCounts().WriterStatements - before.WriterStatements

	before = db.SQLiteCounts()
	events, err := audit.ListAudit(ctx, citdesk.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	list := db.SQLiteCounts().WriterStatements - before.WriterStatements
	if len(events) != 4 {
		t.Fatalf("the page shows %d events, want 4", len(events))
	}
	if list != record {
		t.Fatalf("listing the trail ran %d statements on the writer, recording an event %d: the page is read in the write", list, record)
	}
	last, err := audit.ListAudit(ctx, citdesk.AuditFilter{Limit: 1})
	if err != nil || len(last) != 1 || last[0].Action != "audit.list" || !strings.Contains(last[0].Detail, fmt.Sprintf("seq %d..%d n=4", events[3].Seq, events[0].Seq)) {
		t.Fatalf("the read's own event: %+v, %v", last, err)
	}
}

// TestAuditPagePlan: with a trail of one agency's events, the page walks
// the trail's key back from its end, whatever the filter, and sorts
// nothing. Through audit_events_object it read every event of the agency
// and sorted them; through audit_events_at, every agency's events in the
// time range.
func TestAuditPagePlan(t *testing.T) {
	db := openInternal(t)
	since, until := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range []citdesk.AuditFilter{
		{},
		{Action: "signin", Actor: "ada", Remote: "10.0.0.1"},
		{ObjectType: "person", Since: since, Until: until},
		{Since: since},
		{Until: until, BeforeSeq: 3},
		{ObjectID: "5", Since: since, Until: until, BeforeSeq: 3},
	} {
		cond, args := auditConditions(f, true)
		plan := queryPlan(t, db, auditWalkSQL+cond+` ORDER BY seq DESC LIMIT 100`, append([]any{1, 5}, args...)...)
		if !strings.Contains(plan, "SEARCH audit_events USING INTEGER PRIMARY KEY (rowid>?") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("the walk for %+v does not read the trail by its key:\n%s", f, plan)
		}
	}
}

// auditTrail writes events straight into audit_events, with no chain:
// listAudit does not check it.
func auditTrail(tb testing.TB, db *DB, events iter.Seq[*citdesk.AuditEvent]) {
	tb.Helper()
	ctx := context.Background()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	for e := range events {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (`+auditColumns+`) VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?, '', ?, '', '')`,
			e.Seq, e.AgencyID, e.Actor, e.Action, e.ObjectType, e.ObjectID, micros(e.At), e.Remote, e.Outcome, e.Chain); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// wantAudit is the page filtered by hand from all, the trail in seq
// order: the old query's answer.
func wantAudit(all []*citdesk.AuditEvent, agency int64, f citdesk.AuditFilter) []int64 {
	var seqs []int64
	for _, e := range slices.Backward(all) {
		if e.AgencyID != agency || f.Action != "" && e.Action != f.Action || f.Actor != "" && e.Actor != f.Actor || f.Remote != "" && e.Remote != f.Remote ||
			f.ObjectType != "" && e.ObjectType != f.ObjectType || f.ObjectID != "" && e.ObjectID != f.ObjectID ||
			f.BeforeSeq > 0 && e.Seq >= f.BeforeSeq || f.AfterSeq > 0 && e.Seq <= f.AfterSeq ||
			!f.Since.IsZero() && e.At.Before(f.Since) || !f.Until.IsZero() && !e.At.Before(f.Until) {
			continue
		}
		if seqs = append(seqs, e.Seq); len(seqs) == f.Limit {
			break
		}
	}
	return seqs
}

// gotAudit is listAudit's page, as seqs.
func gotAudit(t *testing.T, db *DB, agency int64, f citdesk.AuditFilter, window int64) []int64 {
	t.Helper()
	ctx := context.Background()
	var seqs []int64
	err := db.readTx(ctx, func(tx *Tx) error {
		events, err := listAudit(ctx, tx, agency, f, window)
		for _, e := range events {
			seqs = append(seqs, e.Seq)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return seqs
}

// TestAuditPageWindow compares the page with the trail filtered by hand,
// for windows from one event to the whole trail. Agencies 1 and 2 and
// events of no agency (agency 0, as an unknown username's sign-in leaves)
// share a trail with gaps (a purge took its first 500 seqs) unevenly;
// readers of agencies 0 to 3 (3 has no events) ask: the walk must never
// miss an event the page should show, nor show one it should not.
func TestAuditPageWindow(t *testing.T) {
	db := openInternal(t)
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	actions := []string{"signin", "person.view", "call.create"}
	var all []*citdesk.AuditEvent
	for seq := int64(500); seq <= 4000; seq += 1 + rng.Int64N(2) {
		// Agency 1 writes most of the trail; agency 2 a burst in the
		// middle and a few events late; agency 0 a flood at the end.
		agency := int64(1)
		switch r := rng.IntN(100); {
		case seq > 1700 && seq < 1900 && r < 70, r < 2:
			agency = 2
		case seq > 3500 && r < 90:
			agency = 0
		}
		all = append(all, &citdesk.AuditEvent{
			Seq: seq, AgencyID: agency, Actor: []string{"ada", "bo"}[rng.IntN(2)], Action: actions[rng.IntN(len(actions))],
			ObjectType: []string{"person", "call"}[rng.IntN(2)], ObjectID: fmt.Sprint(rng.IntN(20)), At: base.Add(time.Duration(seq) * time.Minute),
			Remote: []string{"10.0.0.1", "10.0.0.2"}[rng.IntN(2)], Outcome: citdesk.OutcomeSuccess, Chain: "sha256",
		})
	}
	auditTrail(t, db, slices.Values(all))

	seq := func() int64 { return -5 + rng.Int64N(4100) }
	for i := range 3000 {
		agency := []int64{0, 1, 1, 2, 3}[rng.IntN(5)]
		f := citdesk.AuditFilter{Limit: []int{1, 7, 100, 1000}[rng.IntN(4)]}
		if rng.IntN(3) == 0 {
			f.Action = actions[rng.IntN(len(actions))]
		}
		if rng.IntN(6) == 0 {
			f.Actor = "bo"
		}
		if rng.IntN(6) == 0 {
			f.Remote = "10.0.0.2"
		}
		switch rng.IntN(6) {
		case 0:
			f.ObjectType, f.ObjectID = "person", fmt.Sprint(rng.IntN(20))
		case 1:
			f.ObjectType = "call"
		case 2:
			f.ObjectID = fmt.Sprint(rng.IntN(20))
		}
		if rng.IntN(2) == 0 {
			f.BeforeSeq = seq()
		}
		if rng.IntN(3) == 0 {
			f.AfterSeq = seq()
		}
		if rng.IntN(5) == 0 {
			f.Since = base.Add(time.Duration(seq()) * time.Minute)
		}
		if rng.IntN(5) == 0 {
			f.Until = base.Add(time.Duration(seq()) * time.Minute)
		}
		window := []int64{0, 1, 10, 150, 1000, auditWindow}[rng.IntN(6)]
		if got, want := gotAudit(t, db, agency, f, window), wantAudit(all, agency, f); !slices.Equal(got, want) {
			t.Fatalf("case %d, agency %d, %+v, window %d:\n got %v\nwant %v", i, agency, f, window, got, want)
		}
	}
}

// TestAuditPageWindowEdges walks a trail of ten events with a window of
// five, with AfterSeq and BeforeSeq at every seq around the window's
// edge: an event one past the window, or one past AfterSeq, must be
// neither lost nor shown twice.
func TestAuditPageWindowEdges(t *testing.T) {
	db := openInternal(t)
	var all []*citdesk.AuditEvent
	for seq := int64(1); seq <= 10; seq++ {
		all = append(all, &citdesk.AuditEvent{Seq: seq, AgencyID: 1, Actor: "ada", Action: "person.view", ObjectType: "person", ObjectID: "1",
			At: time.Unix(seq, 0), Remote: "test", Outcome: citdesk.OutcomeSuccess, Chain: "sha256"})
	}
	auditTrail(t, db, slices.Values(all))
	for after := int64(-1); after <= 11; after++ {
		for _, before := range []int64{0, 1, 5, 6, 7, 10, 11, 12} {
			for _, limit := range []int{1, 4, 5, 6, 100} {
				f := citdesk.AuditFilter{AfterSeq: after, BeforeSeq: before, Limit: limit}
				if got, want := gotAudit(t, db, 1, f, 5), wantAudit(all, 1, f); !slices.Equal(got, want) {
					t.Errorf("%+v, window 5: got %v, want %v", f, got, want)
				}
			}
		}
	}
}

// BenchmarkAuditPage reads the newest page of the trail (100 events) of
// an agency that wrote a million events, by the walk the page takes and,
// in the same run, by agency through audit_events_object as it did.
func BenchmarkAuditPage(b *testing.B) {
	db, err := Open(context.Background(), b.TempDir()+"/citdesk.db")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	auditTrail(b, db, func(yield func(*citdesk.AuditEvent) bool) {
		for seq := int64(1); seq <= 1_000_000; seq++ {
			e := &citdesk.AuditEvent{Seq: seq, AgencyID: 1, Actor: "ada", Action: "person.view", ObjectType: "person", ObjectID: fmt.Sprint(seq % 5000),
				At: at.Add(time.Duration(seq) * time.Second), Remote: "10.0.0.1", Outcome: citdesk.OutcomeSuccess, Chain: "sha256"}
			if !yield(e) {
				return
			}
		}
	})
	for _, c := range []struct {
		name string
		read func(tx *Tx) ([]*citdesk.AuditEvent, error)
	}{
		{"walk", func(tx *Tx) ([]*citdesk.AuditEvent, error) {
			return listAudit(ctx, tx, 1, citdesk.AuditFilter{Limit: 100}, auditWindow)
		}},
		{"by-agency", func(tx *Tx) ([]*citdesk.AuditEvent, error) {
			return scanAudit(ctx, tx, auditByAgencySQL+` ORDER BY seq DESC LIMIT 100`, 1)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				err := db.readTx(ctx, func(tx *Tx) error {
					events, err := c.read(tx)
					if err == nil && len(events) != 100 {
						err = fmt.Errorf("%d events", len(events))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
