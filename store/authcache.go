package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"citdesk"
)

// Every signed-in request asks FindSession who it is; reading the session,
// its user and its agency from the database each time was a third of a
// recommendation request's queries (issue 12). authCache keeps the answer
// for a short while, keyed by the secret's hash.
//
// A cached answer must never outlive what it says: a signed-out session,
// a revoked token, a disabled user or a changed role is refused at once.
// So every transaction that writes the tables an answer is read from
// (sessions, users, agencies) empties the cache when it commits
// (Tx.ExecContext notices the statement, whichever code path wrote it),
// and on PostgreSQL the same transaction sends a notification
// (pgAuthChannel) on which every other replica's event bus empties its own
// cache; PostgreSQL delivers it only if the transaction commits. A replica
// whose listener is down, or that has none, does not cache at all. On
// SQLite another process (the command line: a password reset, a disabled
// user, a revoked token) may change the file with no notification, so a
// kept answer is used only while no commit at all has reached the file
// since the last look (commitWatch): a read-mostly server answers from
// memory, and a change from anywhere takes effect at once.
type authCache struct {
	mu      sync.Mutex
	entries map[string]*authEntry // secret hash → answer
	// gen counts flushes; an answer read from the database is kept only
	// if no flush happened since the read began, so a read racing a
	// revocation cannot put the revoked session back.
	gen atomic.Uint64
	// listening is set while an event bus listens for other replicas'
	// flushes (PostgreSQL); without it a PostgreSQL store does not cache.
	listening atomic.Int32
	hits      atomic.Int64
	// origin names this store handle in its notifications, so its own
	// listener ignores them: it flushed at commit already.
	origin string
	// watch notices commits to an SQLite file (nil on PostgreSQL).
	watch *commitWatch
}

// commitWatch notices any commit to an SQLite file made by another
// process. It reads the WAL index's header (the first 48 bytes of the
// file's -shm companion, https://sqlite.org/walformat.html): SQLite
// rewrites it at every commit. That is one pread, where asking SQLite
// (PRAGMA data_version on a connection kept for it) was a query through
// database/sql on one connection that every request queued for: a tenth
// of a recommendation request's time (issue 12). When the header cannot
// be read, it asks SQLite.
//
// The server's own commits change the header too, and under a steady
// stream of writes they emptied the cache at every request. So the writer
// (groupcommit.go) reads the header twice a transaction: once it holds
// the write lock (BEGIN IMMEDIATE, writeBegan), when no other process can
// commit until it is done, and after its commit (ownCommitted). If the
// header at BEGIN is not the one its previous commit left, another process
// committed in between, and it empties the cache; either way it records
// the header after its commit as its own. A header equal to the one
// recorded holds no commit of another process that has not emptied the
// cache already. (It used to ask SQLite, PRAGMA data_version on the
// writer's connection, after every commit: a tenth of the writer's
// statement time, issue 12.)
type commitWatch struct {
	mu      sync.Mutex
	conn    *sql.DB
	shm     string // path of the -shm file; "" when not known
	file    *os.File
	header  [walHeaderSize]byte
	version int64
	seen    bool
	// own is the header after the writer's latest commit (ownValid);
	// begin the header when the writer's transaction took the write lock
	// (beginValid).
	own        [walHeaderSize]byte
	ownValid   bool
	begin      [walHeaderSize]byte
	beginValid bool
}

// walHeaderSize is the size of the WAL index header's first copy.
const walHeaderSize = 48

// committed reports whether another process may have committed to the
// file since the last call (true on the first call, and when the file
// cannot be asked).
func (w *commitWatch) committed(ctx context.Context) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if changed, ok := w.headerChanged(); ok {
		return changed
	}
	var v int64
	if err := w.conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		w.seen = false
		return true
	}
	changed := !w.seen || v != w.version
	w.version, w.seen = v, true
	return changed
}

// headerChanged compares the WAL index header with the one seen last and
// with the writer's own; ok is false when it cannot be read (no -shm
// file: not in WAL mode, or not opened yet), and the caller asks SQLite
// instead.
func (w *commitWatch) headerChanged() (changed, ok bool) {
	h, ok := w.readHeader()
	if !ok {
		w.seen = false
		return false, false
	}
	changed = !w.seen || (h != w.header && !(w.ownValid && h == w.own))
	w.header, w.seen = h, true
	return changed, true
}

// readHeader reads the WAL index header; ok is false when it cannot.
func (w *commitWatch) readHeader() (h [walHeaderSize]byte, ok bool) {
	if w.shm == "" {
		return h, false
	}
	if w.file == nil {
		// The watcher's own connection keeps the -shm file in place
		// while it is open; open it once that connection has.
		if err := w.conn.PingContext(context.Background()); err != nil {
			return h, false
		}
		f, err := os.Open(w.shm)
		if err != nil {
			return h, false
		}
		w.file = f
	}
	if n, err := w.file.ReadAt(h[:], 0); n != walHeaderSize || err != nil || h[12] == 0 { // h[12]: isInit
		return h, false
	}
	return h, true
}

// writeBegan records the header once the writer's transaction holds the
// write lock: it stays so until the transaction ends, whatever other
// processes do. It reports whether the database is as the writer's last
// commit left it: no other connection or process has committed since.
func (w *commitWatch) writeBegan() (unchanged bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.begin, w.beginValid = w.readHeader()
	return w.beginValid && w.ownValid && w.begin == w.own
}

// ownCommitted records the header after a commit of the writer, emptying
// the cache (flush) when another process committed between the writer's
// previous commit and this transaction's start (the header then was not
// the one that commit left). The write lock is gone by the time the
// header is read, so another process may have committed in that moment
// too: the header is taken as the writer's own only when it is exactly
// one commit on from the one at BEGIN (onlyOwnCommit); otherwise the next
// transaction reads what it keeps again.
func (w *commitWatch) ownCommitted(flush func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	h, ok := w.readHeader()
	if !w.beginValid || !w.ownValid || w.begin != w.own {
		flush()
	}
	w.own, w.ownValid = h, ok && w.beginValid && onlyOwnCommit(w.begin, h)
	w.beginValid = false
}

// onlyOwnCommit reports whether WAL index header after is one commit on
// from begin: the same log (salts) and a change counter one higher.
// SQLite adds one to the counter (iChange, bytes 8–11 in the machine's
// order) with every commit; a commit that started the log afresh took new
// salts, and is not told apart here from another process's: the next
// transaction then reads again, which is only a little slower.
func onlyOwnCommit(begin, after [walHeaderSize]byte) bool {
	const change, salts = 8, 32
	return binary.NativeEndian.Uint32(after[change:])-binary.NativeEndian.Uint32(begin[change:]) == 1 &&
		[8]byte(after[salts:salts+8]) == [8]byte(begin[salts:salts+8])
}

func (w *commitWatch) close() error {
	var errs []error
	if w.file != nil {
		errs = append(errs, w.file.Close())
	}
	errs = append(errs, w.conn.Close())
	return errors.Join(errs...)
}

type authEntry struct {
	user   citdesk.User
	sess   citdesk.Session
	agency citdesk.Agency
	read   time.Time // when it was read from the database
}

// authCacheTTL bounds how long an answer is kept.
const authCacheTTL = 5 * time.Second

// authCacheMax bounds the entries; past it the cache is emptied (a few
// hundred users sign in to one citdesk, so this is never reached in use).
const authCacheMax = 10000

// pgAuthChannel carries "sessions, users or agencies changed" between
// replicas.
const pgAuthChannel = "citdesk_auth"

func (c *authCache) get(hash string, now time.Time) (*authEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || now.Sub(e.read) >= authCacheTTL || now.Before(e.read) {
		return nil, false
	}
	c.hits.Add(1)
	return e, true
}

// put keeps e unless the cache was flushed since generation gen.
func (c *authCache) put(hash string, e *authEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if c.entries == nil || len(c.entries) >= authCacheMax {
		c.entries = make(map[string]*authEntry)
	}
	c.entries[hash] = e
}

// touched records a session's new last-seen time in its cached answer.
func (c *authCache) touched(hash string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[hash]; ok {
		e.sess.LastSeen = at
	}
}

// flush forgets every answer.
func (c *authCache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	clear(c.entries)
}

// writesAuth reports whether statement q writes a table that FindSession's
// answers are read from. A session's last-seen time is the exception: the
// cache records it itself (touched).
func writesAuth(q string) bool {
	q = strings.TrimSpace(q)
	for _, p := range [...]string{"UPDATE sessions", "DELETE FROM sessions", "UPDATE users", "DELETE FROM users", "UPDATE agencies", "DELETE FROM agencies"} {
		if len(q) >= len(p) && strings.EqualFold(q[:len(p)], p) {
			return !strings.HasPrefix(q, touchSessionSQL)
		}
	}
	return false
}

// touchSessionSQL writes a session's last-seen time.
const touchSessionSQL = `UPDATE sessions SET last_seen = ? WHERE id = ?`

// authChanged marks tx as changing sessions, users or agencies: its commit
// empties every replica's cache.
func (tx *Tx) authChanged(ctx context.Context) error {
	if tx.authWrite {
		return nil
	}
	tx.authWrite = true
	if tx.db.dialect.name != "postgres" {
		return nil
	}
	// Sent on commit only, in commit order, with the change.
	_, err := tx.Tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, pgAuthChannel, tx.db.auth.origin)
	return err
}

// AuthCacheHits returns how many FindSession calls were answered from
// memory since the database was opened.
func (db *DB) AuthCacheHits() int64 { return db.auth.hits.Load() }

// caching reports whether FindSession may keep answers.
func (db *DB) caching() bool {
	return db.dialect.name != "postgres" || db.auth.listening.Load() > 0
}
