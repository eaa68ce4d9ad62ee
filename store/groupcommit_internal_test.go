package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"citdesk"
)

// TestGroupCommit holds the writer with one write while others queue, then
// lets them commit together, and checks that each kept its own
// all-or-nothing semantics: the writes that failed after writing left
// nothing, a panic reached only its own caller, the others all committed,
// in the first write's commit, and the audit chain through them verifies.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	db := openInternal(t)
	if db.group == nil {
		t.Fatal("SQLite opened without group commit")
	}
	errRefused := errors.New("refused after writing")
	event := func(action string, i int) *citdesk.AuditEvent {
		return &citdesk.AuditEvent{Actor: "test", Remote: "test", Action: action, ObjectType: "test", ObjectID: strconv.Itoa(i)}
	}

	// The first write holds the writer until the others are queued.
	const n = 24
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.writeTx(ctx, func(tx *Tx) error {
			<-release
			return tx.appendAudit(ctx, event("test.first", -1))
		})
	}()
	waitQueued(t, db, 1)
	before := db.group.commits.Load()

	results := make([]error, n)
	panics := make([]any, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[i] = recover() }()
			results[i] = db.writeTx(ctx, func(tx *Tx) error {
				if err := tx.appendAudit(ctx, event("test.write", i)); err != nil {
					return err
				}
				switch i % 6 {
				case 1: // writes more, then fails: none of it may stay
					if err := tx.appendAudit(ctx, event("test.refused", i)); err != nil {
						return err
					}
					return errRefused
				case 4:
					panic(fmt.Sprintf("write %d panics", i))
				}
				return nil
			})
		}()
	}
	waitQueued(t, db, n+1)
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}

	var want []string
	for i := range n {
		switch i % 6 {
		case 1:
			if !errors.Is(results[i], errRefused) {
				t.Errorf("write %d: %v, want its own error", i, results[i])
			}
		case 4:
			if panics[i] != fmt.Sprintf("write %d panics", i) {
				t.Errorf("write %d: panic %v reached its caller, want its own", i, panics[i])
			}
		default:
			if results[i] != nil || panics[i] != nil {
				t.Errorf("write %d: %v, panic %v", i, results[i], panics[i])
			}
			want = append(want, strconv.Itoa(i))
		}
	}
	// The writes queued while the first ran join its transaction: one
	// commit, one sync, for all of them.
	if commits := db.group.commits.Load() - before; commits != 1 {
		t.Errorf("%d writes took %d commits, want 1 (those queued while the first ran join it)", n+1, commits)
	}

	events, err := readAuditForTest(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		switch e.Action {
		case "test.write":
			got = append(got, e.ObjectID)
		case "test.refused":
			t.Errorf("the refused write %s left its second event", e.ObjectID)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("committed writes %v, want %v", got, want)
	}
	br, checked, err := db.AuditService().VerifyAudit(ctx)
	if err != nil || br != nil {
		t.Fatalf("audit chain after group commits: %+v, %v", br, err)
	}
	if checked < int64(len(want)+1) {
		t.Errorf("verified %d events, want at least %d", checked, len(want)+1)
	}
}

// TestGroupCommitCancelled shows that a write whose caller has gone before
// it ran is not written, and one that ran is reported as it ended.
func TestGroupCommitCancelled(t *testing.T) {
	ctx := context.Background()
	db := openInternal(t)
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.writeTx(ctx, func(tx *Tx) error { <-release; return nil })
	}()
	for {
		db.group.mu.Lock()
		q := len(db.group.queue)
		db.group.mu.Unlock()
		if q == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cctx, cancel := context.WithCancel(ctx)
	ran := false
	done := make(chan error, 1)
	go func() {
		done <- db.writeTx(cctx, func(tx *Tx) error { ran = true; return nil })
	}()
	for {
		db.group.mu.Lock()
		q := len(db.group.queue)
		db.group.mu.Unlock()
		if q == 2 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	close(release)
	if err := <-done; !errors.Is(err, context.Canceled) || ran {
		t.Errorf("a write cancelled while queued: %v, ran %v; want context.Canceled and not run", err, ran)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
}

func readAuditForTest(ctx context.Context, db *DB) ([]*citdesk.AuditEvent, error) {
	var out []*citdesk.AuditEvent
	err := db.eachAudit(ctx, 0, func(e *citdesk.AuditEvent) error { out = append(out, e); return nil })
	return out, err
}

// TestGroupCommitLoneWriteErred shows that a write that ran alone, without
// a savepoint, and handled an error of one of its statements commits on
// its own: the writes queued meanwhile do not join it (SQLite may have
// rolled its transaction back, and a write joining it would then commit
// on its own and be told it failed). They commit together after it, and
// each write's verdict is its own.
func TestGroupCommitLoneWriteErred(t *testing.T) {
	ctx := context.Background()
	db := openInternal(t)
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE lone (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	insert := func(tx *Tx, v string) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO lone (v) VALUES (?)`, v)
		return err
	}
	if err := db.writeTx(ctx, func(tx *Tx) error { return insert(tx, "taken") }); err != nil {
		t.Fatal(err)
	}
	before := db.group.commits.Load()
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.writeTx(ctx, func(tx *Tx) error {
			<-release
			if err := insert(tx, "taken"); !isUniqueViolation(err) {
				return fmt.Errorf("the duplicate was not refused: %v", err)
			}
			return insert(tx, "first") // the error handled, it goes on
		})
	}()
	waitQueued(t, db, 1)
	const n = 3
	results := make(chan error, n)
	for i := range n {
		go func() { results <- db.writeTx(ctx, func(tx *Tx) error { return insert(tx, "later "+strconv.Itoa(i)) }) }()
	}
	waitQueued(t, db, n+1)
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-results; err != nil {
			t.Error(err)
		}
	}
	if commits := db.group.commits.Load() - before; commits != 2 {
		t.Errorf("the lone write that erred and the %d queued behind it took %d commits, want 2 (it alone, then they together)", n, commits)
	}
	var rows int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM lone`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != n+2 {
		t.Errorf("%d rows, want %d", rows, n+2)
	}
}

// waitQueued waits until want writes are queued for db's writer.
func waitQueued(t *testing.T, db *DB, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		db.group.mu.Lock()
		got := len(db.group.queue)
		db.group.mu.Unlock()
		if got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", got, want)
		}
		time.Sleep(time.Millisecond)
	}
}
