package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"citdesk"
	"citdesk/dispatch"
)

// A recommendation request read the agency's whole dispatch state from the
// database: officers with their CIT standing, duty statuses and positions,
// open calls, active assignments, today's counts and the officers who met
// the call's person before (issue 12). dispatchMemory keeps that state for
// each agency as a snapshot read in one transaction, and answers
// RecommendForCall from it without SQL.
//
// A snapshot is current while nothing it was read from has changed. Every
// transaction that writes one of those tables (dispatchTables; noticed by
// Tx.ExecContext, whichever code path wrote it) advances its agency's
// generation when it commits, and the next request reads a new snapshot,
// one request for all waiting on it. On PostgreSQL the transaction also
// sends a notification (pgDispatchChannel) naming the agency, numbered per
// sending handle; every other replica's event bus advances that agency's
// generation when it arrives. A replica that finds a number missing, or
// whose listener lost its connection, cannot know what it missed and
// reloads every agency; a replica with no listener does not keep state. A
// snapshot is also read again when the agency's day changes (today's
// counts, CIT standing) and at least every dispatchMaxAge: the longest a
// change made by another process on SQLite (the command line) goes
// unseen.
type dispatchMemory struct {
	mu       sync.Mutex
	all      uint64           // advanced for a change to any agency
	agency   map[int64]uint64 // advanced for a change to one agency
	snaps    map[int64]*dispatchSnapshot
	loading  map[int64]*sync.Mutex // one reader of each agency's snapshot at a time
	lastSeen map[string]uint64     // other handles' last notification numbers

	listening atomic.Int32
	seq       atomic.Uint64 // this handle's notification numbers
	loads     atomic.Int64  // snapshots read from the database
	gaps      atomic.Int64  // notifications found missing
}

// dispatchMaxAge bounds how long a snapshot is kept even with no change.
const dispatchMaxAge = time.Minute

// pgDispatchChannel carries "dispatch state of agency N changed".
const pgDispatchChannel = "citdesk_dispatch"

// dispatchTables are the tables a snapshot is read from.
var dispatchTables = map[string]bool{
	"agencies": true, "officers": true, "officer_duty": true, "training_records": true,
	"calls": true, "assignments": true, "encounters": true, "persons": true, "crisis_plans": true,
	"webhooks": true, "liaison_duty": true, "call_liaisons": true,
}

// writtenTable returns the table a write statement writes, or "".
func writtenTable(q string) string {
	q = strings.TrimSpace(q)
	for _, p := range [...]string{"INSERT INTO ", "UPDATE ", "DELETE FROM "} {
		if len(q) > len(p) && strings.EqualFold(q[:len(p)], p) {
			rest := q[len(p):]
			if i := strings.IndexAny(rest, " (\n\t"); i >= 0 {
				rest = rest[:i]
			}
			return strings.ToLower(rest)
		}
	}
	return ""
}

// dispatchSnapshot is one agency's dispatch state as of one read.
type dispatchSnapshot struct {
	all, gen uint64 // the generations it was read at
	read     time.Time
	date     citdesk.Date // the agency's day at the read
	st       *dispatch.State
	// units are the officers who can appear in a recommendation (on duty,
	// and CIT-trained or available), made once per snapshot.
	units []dispatch.Unit
	// prepared is units made ready once for every recommendation from
	// this snapshot: statuses as small integers and a k-d tree of the
	// positions, so a recommendation visits only the nearest officers.
	prepared *dispatch.Prepared
	prior    map[int64][]int64 // open call → officers who met its person before
	// hooks are the events the agency's webhooks subscribe to, so a
	// recommendation knows without SQL that no one wants to hear of it.
	hooks map[string]bool
}

// generation returns the generations a snapshot of agency must carry.
func (m *dispatchMemory) generation(agencyID int64) (all, gen uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.all, m.agency[agencyID]
}

// changed advances agency's generation, or every agency's for 0.
func (m *dispatchMemory) changed(agencyID int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if agencyID == 0 {
		m.all++
		return
	}
	if m.agency == nil {
		m.agency = map[int64]uint64{}
	}
	m.agency[agencyID]++
}

// notified handles another handle's notification: "origin seq agency".
func (m *dispatchMemory) notified(payload, self string) {
	f := strings.Fields(payload)
	if len(f) != 3 || f[0] == self {
		if len(f) != 3 {
			m.changed(0)
		}
		return
	}
	seq, err1 := strconv.ParseUint(f[1], 10, 64)
	agencyID, err2 := strconv.ParseInt(f[2], 10, 64)
	m.mu.Lock()
	last, known := m.lastSeen[f[0]]
	if m.lastSeen == nil {
		m.lastSeen = map[string]uint64{}
	}
	m.lastSeen[f[0]] = seq
	m.mu.Unlock()
	if err1 != nil || err2 != nil || (known && seq != last+1) {
		// A notification went missing: which agency it named is lost.
		m.gaps.Add(1)
		m.changed(0)
		return
	}
	m.changed(agencyID)
}

// current returns agency's snapshot if it is still current at now.
func (m *dispatchMemory) current(agencyID int64, now time.Time) *dispatchSnapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.snaps[agencyID]
	if s == nil || s.all != m.all || s.gen != m.agency[agencyID] || now.Sub(s.read) >= dispatchMaxAge || now.Before(s.read) ||
		citdesk.DateOf(now, s.st.Agency.Location()) != s.date {
		return nil
	}
	return s
}

func (m *dispatchMemory) loader(agencyID int64) *sync.Mutex {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loading == nil {
		m.loading = map[int64]*sync.Mutex{}
	}
	l := m.loading[agencyID]
	if l == nil {
		l = &sync.Mutex{}
		m.loading[agencyID] = l
	}
	return l
}

// keeping reports whether the database may answer from dispatch memory.
func (db *DB) keepingDispatch() bool {
	return db.dialect.name != "postgres" || db.dispatch.listening.Load() > 0
}

// dispatchSnapshot returns the actor's agency's current snapshot, reading
// a new one when it has changed.
func (db *DB) dispatchSnapshot(ctx context.Context, actor *citdesk.Actor) (*dispatchSnapshot, error) {
	m := &db.dispatch
	if s := m.current(actor.AgencyID, db.now()); s != nil {
		return s, nil
	}
	l := m.loader(actor.AgencyID)
	l.Lock()
	defer l.Unlock()
	if s := m.current(actor.AgencyID, db.now()); s != nil {
		return s, nil // read by the request that held the lock
	}
	s := &dispatchSnapshot{prior: map[int64][]int64{}, hooks: map[string]bool{}}
	s.all, s.gen = m.generation(actor.AgencyID) // before the read: a change during it makes the snapshot old at once
	err := db.readTx(ctx, func(tx *Tx) error {
		var err error
		if s.st, err = tx.dispatchState(ctx, actor, false); err != nil {
			return err
		}
		for _, c := range s.st.Open {
			if s.prior[c.ID], err = tx.priorContactOfficers(ctx, actor.AgencyID, c.Address); err != nil {
				return err
			}
		}
		subs, err := queryAll(ctx, tx, "webhook events", func(row rowScanner) (string, error) {
			var ev string
			err := row.Scan(&ev)
			return ev, err
		}, `SELECT events FROM webhooks WHERE agency_id = ? AND deleted_at IS NULL`, actor.AgencyID)
		if err != nil {
			return err
		}
		for _, list := range subs {
			for _, ev := range strings.Split(list, ",") {
				s.hooks[strings.TrimSpace(ev)] = true
			}
		}
		s.read = tx.now
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.loads.Add(1)
	s.date = citdesk.DateOf(s.read, s.st.Agency.Location())
	for _, u := range s.st.Units() {
		if u.Status == citdesk.StatusAvailable || u.CITStatus.Certified() || u.CITStatus == citdesk.CITLapsed {
			s.units = append(s.units, u) // the others take no part in any list (dispatch.Recommend)
		}
	}
	s.prepared = dispatch.Prepare(s.units)
	m.mu.Lock()
	if m.snaps == nil {
		m.snaps = map[int64]*dispatchSnapshot{}
	}
	m.snaps[actor.AgencyID] = s
	m.mu.Unlock()
	return s, nil
}

// recommendFromMemory answers RecommendForCall from the agency's snapshot;
// ok is false when the call is not among its open calls (a closed call, or
// one of another agency), which the caller reads from the database.
func (db *DB) recommendFromMemory(ctx context.Context, actor *citdesk.Actor, callID int64) (*citdesk.Call, dispatch.Result, bool, error) {
	s, err := db.dispatchSnapshot(ctx, actor)
	if err != nil {
		return nil, dispatch.Result{}, false, err
	}
	prior, open := s.prior[callID]
	c := s.st.Calls[callID]
	if !open || c == nil {
		return nil, dispatch.Result{}, false, nil
	}
	res := s.st.RecommendPrepared(c, prior, s.prepared, db.now())
	copied := *c
	return &copied, res, true, nil
}

// dispatchChanged marks tx as changing agency's dispatch state (0: any
// agency's): its commit advances the generation here and, on PostgreSQL,
// on every replica.
func (tx *Tx) dispatchChanged(agencyID int64) {
	if tx.dispatchAgency != nil && (*tx.dispatchAgency == agencyID || *tx.dispatchAgency == 0) {
		return
	}
	if tx.dispatchAgency != nil {
		agencyID = 0 // two agencies in one transaction: say "any"
	}
	tx.dispatchAgency = &agencyID
}

// noticeWrite records what statement q, about to run in tx, changes.
func (tx *Tx) noticeWrite(ctx context.Context, q string) {
	table := writtenTable(q)
	if table == "webhooks" {
		tx.subs.forget() // read again for the next event
	}
	if !dispatchTables[table] {
		return
	}
	var agencyID int64 // unknown without an actor: any agency
	if a := citdesk.ActorFromContext(ctx); a != nil {
		agencyID = a.AgencyID
	}
	tx.dispatchChanged(agencyID)
}

// notifyDispatch sends tx's dispatch notification, just before commit.
func (tx *Tx) notifyDispatch(ctx context.Context) error {
	if tx.dispatchAgency == nil || tx.db.dialect.name != "postgres" {
		return nil
	}
	m := &tx.db.dispatch
	payload := fmt.Sprintf("%s %d %d", tx.db.auth.origin, m.seq.Add(1), *tx.dispatchAgency)
	_, err := tx.Tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, pgDispatchChannel, payload)
	return err
}
