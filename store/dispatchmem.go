package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
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
//
// One change is not a reason to read everything again: a position report
// that keeps the officer's status (a car's location feed, each car every
// few seconds; the demo's refresher). Read again after each, a county's
// snapshot would be read for nearly every request. On SQLite, where this
// process is the only writer, such a report is kept as a move instead
// (execMove), and a snapshot takes the moves committed since its read
// when it is next used (withMoves): the officers' positions in a copy of
// the state and of its nearest-officer index (dispatch.Prepared.Moved),
// without SQL. On PostgreSQL a move is a change like any other, so that
// every replica hears of it.
type dispatchMemory struct {
	mu       sync.Mutex
	all      uint64           // advanced for a change to any agency
	agency   map[int64]uint64 // advanced for a change to one agency
	snaps    map[int64]*dispatchSnapshot
	loading  map[int64]*sync.Mutex // one reader of each agency's snapshot at a time
	lastSeen map[string]uint64     // other handles' last notification numbers
	// moves holds each agency's officers' last committed position report
	// not yet in its snapshot, numbered by moveSeq; lastMove is the
	// newest number each agency's moves reached.
	moves    map[int64]map[int64]movedTo
	lastMove map[int64]uint64
	moveSeq  uint64

	listening atomic.Int32
	seq       atomic.Uint64 // this handle's notification numbers
	loads     atomic.Int64  // snapshots read from the database
	gaps      atomic.Int64  // notifications found missing
	caughtUp  atomic.Int64  // snapshots brought up to date with moves
}

// officerMove is a position report that keeps the officer's status.
type officerMove struct {
	agencyID, officerID int64
	lat, lon            float64
	at                  time.Time
}

// movedTo is an officer's newest move, numbered.
type movedTo struct {
	lat, lon float64
	at       time.Time
	seq      uint64
}

// moved records moves that have committed.
func (m *dispatchMemory) moved(moves []officerMove) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.moves == nil {
		m.moves, m.lastMove = map[int64]map[int64]movedTo{}, map[int64]uint64{}
	}
	for _, mv := range moves {
		byOfficer := m.moves[mv.agencyID]
		if byOfficer == nil {
			byOfficer = map[int64]movedTo{}
			m.moves[mv.agencyID] = byOfficer
		}
		m.moveSeq++
		byOfficer[mv.officerID] = movedTo{lat: mv.lat, lon: mv.lon, at: mv.at, seq: m.moveSeq}
		m.lastMove[mv.agencyID] = m.moveSeq
	}
}

// execMove runs q, which writes only an officer's position, in tx: on
// SQLite as a move, which the snapshot in memory takes when it commits;
// on PostgreSQL as any write to the dispatch state.
func execMove(ctx context.Context, tx *Tx, mv officerMove, q string, args ...any) error {
	if tx.db.group == nil {
		// Only the group commit hands moves to the memory
		// (groupCommit.committed): without it, PostgreSQL's, a move is
		// a change, which other replicas hear of.
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	if _, err := tx.Tx.ExecContext(stmtContext(ctx, tx), tx.db.dialect.rebind(q), args...); err != nil {
		return err
	}
	mv.at = fromMicros(micros(mv.at)) // as the database keeps it
	tx.moves = append(tx.moves, mv)
	return nil
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
	moved    uint64 // the moves it holds: those numbered up to this
	read     time.Time
	date     citdesk.Date // the agency's day at the read
	st       *dispatch.State
	// prepared is the officers who can appear in a recommendation
	// (recommendable) made ready once for every recommendation from this
	// snapshot: statuses as small integers and a k-d tree of the
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

// lastMoveOf returns the number of agency's newest move.
func (m *dispatchMemory) lastMoveOf(agencyID int64) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastMove[agencyID]
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

// current returns agency's snapshot if it is still current at now, and
// whether moves have committed since it was read.
func (m *dispatchMemory) current(agencyID int64, now time.Time) (s *dispatchSnapshot, moved bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s = m.snaps[agencyID]
	if s == nil || s.all != m.all || s.gen != m.agency[agencyID] || now.Sub(s.read) >= dispatchMaxAge || now.Before(s.read) ||
		citdesk.DateOf(now, s.st.Agency.Location()) != s.date {
		return nil, false
	}
	return s, m.lastMove[agencyID] > s.moved
}

// movesOf returns a copy of agency's moves not yet in its snapshot, and
// the number of the newest.
func (m *dispatchMemory) movesOf(agencyID int64) (map[int64]movedTo, uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.moves[agencyID]), m.lastMove[agencyID]
}

// install makes s agency's snapshot, and forgets the moves it holds.
func (m *dispatchMemory) install(agencyID int64, s *dispatchSnapshot) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snaps == nil {
		m.snaps = map[int64]*dispatchSnapshot{}
	}
	m.snaps[agencyID] = s
	for id, mv := range m.moves[agencyID] {
		if mv.seq <= s.moved {
			delete(m.moves[agencyID], id)
		}
	}
}

// withMoves returns a copy of s that holds moves (movesOf: numbered up to
// seq) as well. An officer's newest move is what the database holds, the
// position's last write, whatever time the report names; a move the read
// already saw sets the same position again. What does not move is shared
// with s.
func (s *dispatchSnapshot) withMoves(moves map[int64]movedTo, seq uint64) *dispatchSnapshot {
	n := *s
	st := *s.st
	n.st, n.moved = &st, seq
	newer := func(id int64) (movedTo, bool) {
		mv, ok := moves[id]
		return mv, ok && mv.seq > s.moved
	}
	st.Officers = slices.Clone(s.st.Officers)
	for i, o := range st.Officers {
		mv, ok := newer(o.ID)
		if !ok || o.Duty == nil {
			continue
		}
		copied, duty := *o, *o.Duty
		duty.Lat, duty.Lon, duty.PositionAt = &mv.lat, &mv.lon, &mv.at
		duty.Stale = citdesk.PositionStale(duty.PositionAt, s.read, s.st.Agency.Policy.StalePosition)
		copied.Duty = &duty
		st.Officers[i] = &copied
	}
	positions := map[int64]dispatch.Position{}
	for id := range moves {
		if mv, ok := newer(id); ok {
			positions[id] = dispatch.Position{Lat: mv.lat, Lon: mv.lon, At: mv.at}
		}
	}
	n.prepared = s.prepared.Moved(positions)
	return &n
}

// recommendable returns st's officers who can appear in a recommendation:
// on duty, and available or CIT-trained. The others take no part in any
// list (dispatch.Recommend).
func recommendable(st *dispatch.State) []dispatch.Unit {
	var units []dispatch.Unit
	for _, u := range st.Units() {
		if u.Status == citdesk.StatusAvailable || u.CITStatus.Certified() || u.CITStatus == citdesk.CITLapsed {
			units = append(units, u)
		}
	}
	return units
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
	if s, moved := m.current(actor.AgencyID, db.now()); s != nil && !moved {
		return s, nil
	}
	l := m.loader(actor.AgencyID)
	l.Lock()
	defer l.Unlock()
	if s, moved := m.current(actor.AgencyID, db.now()); s != nil {
		// Current but for moves, unless the request that held the lock
		// took them.
		if moved {
			s = s.withMoves(m.movesOf(actor.AgencyID))
			m.caughtUp.Add(1)
			m.install(actor.AgencyID, s)
		}
		return s, nil
	}
	s := &dispatchSnapshot{prior: map[int64][]int64{}, hooks: map[string]bool{}}
	// Before the read: a change during it makes the snapshot old at once,
	// and the moves numbered up to s.moved are in what it reads (later
	// ones perhaps too; taking one again sets the same position).
	s.all, s.gen = m.generation(actor.AgencyID)
	s.moved = m.lastMoveOf(actor.AgencyID)
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
	s.prepared = dispatch.Prepare(recommendable(s.st))
	m.install(actor.AgencyID, s)
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
