package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// SQLite has one writer, and with synchronous=FULL each commit waits for
// the disk to sync the write-ahead log: with four dispatchers writing at
// once, the commits queued one behind the other, each paying for its own
// sync (issue 12). A groupCommit commits SQLite's write transactions that
// are waiting for the writer together: it begins one SQLite
// transaction, runs each request's function inside its own savepoint, and
// commits once, so one sync serves them all.
//
// Each request keeps its all-or-nothing semantics. A function that fails
// rolls back to its savepoint, undoing exactly its own writes (its audit
// events and outbox rows included), and its caller gets its error; the
// others go on. A request is acknowledged only after the commit that holds
// its writes has returned: when that commit fails, every request in it gets
// the error and none of their writes is in the database. The functions run
// one after another on the one connection, so each sees the writes of those
// before it exactly as it would have after their commits (the audit chain
// advances through them in order); a read on a reader sees them once they
// have committed, as it always did.
//
// Nothing waits on purpose: the write at the front of the queue leads,
// taking whatever has queued behind it while the previous group committed,
// and the writes that queue while its group runs join it before the
// commit (up to maxGroup in all). A lone write, with none queued, runs on
// its own goroutine and commits at once, as before; a write with others
// queued behind it waits for their functions to run before the one sync.
//
// PostgreSQL needs none of this: its transactions run side by side on the
// pool and its WAL writer already flushes concurrent commits together.
type groupCommit struct {
	db *DB

	mu     sync.Mutex
	queue  []*groupWrite // waiting; the first is the leader, running a group
	taken  int           // how many at the queue's front the running group holds
	closed bool
	// commits counts SQLite commits, fewer than the write transactions
	// they hold when writes wait together.
	commits atomic.Int64
	// head is the audit chain's head as the last commit left it (loaded
	// when known), subs the webhook subscriptions read in it. A group
	// that finds the database as that commit left it (no other process
	// committed since, commitWatch.writeBegan) starts from them instead
	// of reading them again. Only the leader running a group uses them.
	head auditHead
	subs map[int64][]webhookSub
}

// groupWrite is one request's write transaction.
type groupWrite struct {
	ctx   context.Context
	fn    func(tx *Tx) error
	tx    *Tx
	err   error
	panic any           // fn's panic, raised again in its caller
	wake  chan struct{} // sent to when it is done or is to lead
	done  bool          // under mu
	lead  bool          // under mu: it is at the front and takes the next group
	ready chan struct{} // closed once err is final
}

// maxGroup bounds how many requests one commit holds, so a request at the
// front of a long queue is not kept waiting for all the others' work.
const maxGroup = 32

func newGroupCommit(db *DB) *groupCommit { return &groupCommit{db: db} }

// close refuses writes from now on; a group being committed finishes.
func (g *groupCommit) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}

var errWriterClosed = errors.New("the database is closed")

// write runs fn in a write transaction committed together with the others
// waiting, and returns fn's error or the commit's. The request at the front
// of the queue leads: it runs the group — its own function and those
// queued behind it — on its own goroutine and commits it, then hands the
// lead to the next in line. A lone write thus runs on its caller's
// goroutine as before; a follower is woken once, when its verdict is in.
func (g *groupCommit) write(ctx context.Context, fn func(tx *Tx) error) error {
	w := &groupWrite{ctx: ctx, fn: fn, wake: make(chan struct{}, 1), ready: make(chan struct{})}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return errWriterClosed
	}
	g.queue = append(g.queue, w)
	if len(g.queue) == 1 {
		w.lead = true
	}
	g.mu.Unlock()
	// Once queued, wait for the verdict even if ctx ends: the function
	// may already be running, and its caller must not hear "failed" of
	// a write that commits. A request whose context has ended before its
	// function starts is skipped (see commit).
	for {
		g.mu.Lock()
		done, lead := w.done, w.lead
		g.mu.Unlock()
		if done {
			break
		}
		if lead {
			g.lead()
			continue
		}
		<-w.wake
	}
	<-w.ready
	if w.panic != nil {
		panic(w.panic)
	}
	return w.err
}

// lead commits the group at the front of the queue (the leader's own
// write and up to maxGroup-1 behind it, and those that join it while it
// runs), then wakes each of them and the next leader.
func (g *groupCommit) lead() {
	g.mu.Lock()
	g.taken = min(len(g.queue), maxGroup)
	batch := slices.Clone(g.queue[:g.taken])
	g.mu.Unlock()
	g.commit(batch)
	g.mu.Lock()
	batch = slices.Clone(g.queue[:g.taken])
	g.queue = g.queue[g.taken:]
	g.taken = 0
	for _, w := range batch {
		w.done = true
		w.lead = false
	}
	if len(g.queue) > 0 {
		next := g.queue[0]
		next.lead = true
		select {
		case next.wake <- struct{}{}:
		default:
		}
	}
	g.mu.Unlock()
	for _, w := range batch {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// joiners takes into the running group the writes queued since it began,
// up to maxGroup in all, leaving out those whose caller has gone. They
// run in the same transaction and share its sync, where they would
// otherwise wait for this commit and then pay for one of their own: the
// group grows with the load, and still nothing waits on purpose.
func (g *groupCommit) joiners() []*groupWrite {
	g.mu.Lock()
	end := min(len(g.queue), maxGroup)
	var more []*groupWrite
	if end > g.taken {
		more = slices.Clone(g.queue[g.taken:end])
		g.taken = end
	}
	g.mu.Unlock()
	return live(more)
}

// commit runs the batch's functions in one transaction and commits it,
// then tells each request its verdict.
func (g *groupCommit) commit(batch []*groupWrite) {
	run := live(batch)
	for len(run) > 0 {
		run = g.commitSome(run)
	}
}

// live returns the writes of batch whose callers are still waiting, and
// fails the others: nothing of theirs is written.
func live(batch []*groupWrite) []*groupWrite {
	var run []*groupWrite
	for _, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.err = err
			finish(w)
			continue
		}
		run = append(run, w)
	}
	return run
}

// commitSome commits as many of run as one SQLite transaction takes and
// returns those still to run: the rest of the batch when an error rolled
// the whole transaction back (SQLite does that on a full disk or an I/O
// error), so that they go into a fresh one.
func (g *groupCommit) commitSome(run []*groupWrite) []*groupWrite {
	db := g.db
	sqltx, err := db.write.BeginTx(context.Background(), nil)
	if err != nil {
		err = db.storageError(fmt.Errorf("begin: %w", err), true)
		for _, w := range run {
			db.stats.writes.Add(1)
			w.err = err
			finish(w)
		}
		return nil
	}
	defer sqltx.Rollback()
	// The audit chain's head is read once for the whole transaction, or
	// not at all when the last commit left it and nothing else committed
	// since; a request rolled back to its savepoint puts it back as it was.
	head, subs := &auditHead{}, &subscriptions{}
	if db.auth.watch != nil && db.auth.watch.writeBegan() {
		*head, subs.byAgency = g.head, g.subs
	}
	g.head, g.subs = auditHead{}, nil // until this transaction commits

	var ok []*groupWrite // ran without error, awaiting the commit
	fails := db.stats.writerFails.Load()
	for i := 0; ; i++ {
		if i == len(run) {
			// All have run: those queued meanwhile join before the
			// commit. A lone first write runs without a savepoint; if
			// any of its statements failed (an error it handled, or one
			// after which SQLite may have rolled the transaction back),
			// it commits alone, as it always did, so that no other
			// write can land in a transaction that is no longer there.
			if len(run) == 1 && db.stats.writerFails.Load() != fails {
				break
			}
			more := g.joiners()
			if len(more) == 0 {
				break
			}
			run = append(run, more...)
		}
		w := run[i]
		// With others in the transaction, a statement must not be
		// interrupted by one caller's cancelled context: SQLite answers
		// an interrupted write inside a transaction by rolling all of
		// it back.
		shared := len(run) > 1
		db.stats.writes.Add(1)
		tx := &Tx{Tx: sqltx, db: db, now: db.now(), detached: shared, head: head, subs: subs}
		w.tx = tx
		if !shared {
			if w.err = runWrite(w, tx); w.err != nil {
				w.err = db.storageError(w.err, true)
				finish(w) // the deferred rollback undoes it
				return nil
			}
			ok = append(ok, w)
			continue
		}
		if _, err := sqltx.Exec(`SAVEPOINT citdesk_write`); err != nil {
			return g.lost(append(ok, w), run[i+1:], fmt.Errorf("savepoint: %w", err))
		}
		before := *head
		if w.err = runWrite(w, tx); w.err != nil {
			*head = before
			subs.forget()
			// Undo this request's writes alone. When the savepoint is
			// gone, SQLite rolled back the whole transaction: the
			// requests before this one lost their writes too.
			if _, err := sqltx.Exec(`ROLLBACK TO citdesk_write`); err != nil {
				w.err = db.storageError(w.err, true)
				finish(w)
				return g.lost(ok, run[i+1:], fmt.Errorf("roll back to savepoint: %w", err))
			}
			if _, err := sqltx.Exec(`RELEASE citdesk_write`); err != nil {
				w.err = db.storageError(w.err, true)
				finish(w)
				return g.lost(ok, run[i+1:], fmt.Errorf("release savepoint: %w", err))
			}
			w.err = db.storageError(w.err, true)
			finish(w)
			continue
		}
		if _, err := sqltx.Exec(`RELEASE citdesk_write`); err != nil {
			return g.lost(append(ok, w), run[i+1:], fmt.Errorf("release savepoint: %w", err))
		}
		ok = append(ok, w)
	}
	if len(ok) == 0 {
		return nil
	}
	err = sqltx.Commit()
	g.commits.Add(1)
	if err != nil {
		err = db.storageError(fmt.Errorf("commit: %w", err), true)
	} else if db.auth.watch != nil {
		db.auth.watch.ownCommitted(db.auth.flush)
		// Every request wrote the head it advanced: the row holds it.
		g.head = auditHead{loaded: head.loaded, seq: head.seq, hash: head.hash}
		g.subs = subs.byAgency
	}
	for _, w := range ok {
		w.err = err
		g.committed(w.tx, err == nil)
		finish(w)
	}
	return nil
}

// lost fails the requests whose writes a broken transaction took with it
// and returns the rest to run in a fresh one.
func (g *groupCommit) lost(done, rest []*groupWrite, cause error) []*groupWrite {
	err := g.db.storageError(cause, true)
	for _, w := range done {
		w.err = fmt.Errorf("nothing was saved: %w", err)
		finish(w)
	}
	if storageCause(cause) != "" {
		// The disk or the database is failing: the rest would fail the
		// same way; let them hear it at once.
		for _, w := range rest {
			w.err = err
			finish(w)
		}
		return nil
	}
	return rest
}

// committed does, for one request's transaction, what follows a commit
// (or a commit that failed, which may have happened all the same): forget
// the answers it changed, and count it.
func (g *groupCommit) committed(tx *Tx, ok bool) {
	db := g.db
	if tx.authWrite {
		db.auth.flush()
	}
	if tx.dispatchAgency != nil {
		db.dispatch.changed(*tx.dispatchAgency)
	}
	if len(tx.moves) > 0 {
		if ok {
			db.dispatch.moved(tx.moves)
		} else {
			// A failed commit may have happened: read everything again.
			for _, mv := range tx.moves {
				db.dispatch.changed(mv.agencyID)
			}
		}
	}
	if ok {
		db.health.committed(db.Clock.Now())
		db.stats.audits.Add(tx.audits)
	}
}

// finish makes w's verdict final.
func finish(w *groupWrite) { close(w.ready) }

// runWrite runs one request's function in tx, turning a panic into an
// error here (the other requests of the group must still be answered) and
// raising it again on the request's own goroutine.
func runWrite(w *groupWrite, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			w.panic = p
			err = fmt.Errorf("write panicked: %v", p)
		}
	}()
	if err := w.fn(tx); err != nil {
		return err
	}
	if err := writeAudits(w.ctx, tx); err != nil {
		return err
	}
	return tx.notifyDispatch(w.ctx)
}

// readsBeforeWrite reports whether a write's reads and checks should run
// on a reader before its write transaction, leaving that transaction only
// the writes and a cheap re-check. On SQLite every write waits for the one
// writer, so each read taken out of it is time given back to every other
// write. On PostgreSQL writes run side by side under row locks, and a read
// transaction of its own would only add a round trip to the server.
func readsBeforeWrite(db *DB) bool { return db.group != nil }
