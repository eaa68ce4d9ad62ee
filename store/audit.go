package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"citdesk"
)

// AuditService returns the audit trail service.
func (db *DB) AuditService() citdesk.AuditService { return auditService{db} }

type auditService struct{ db *DB }

// keyAuditChain checks, at start, that the chain is written with the
// database's audit key. A database whose chain has never been keyed (new,
// or written by a citdesk before keyed chains) is keyed now: when it
// already holds events, a keyed "audit.chain_keyed" event seals them (its
// HMAC covers the last plain SHA-256 hash; see migration 0007). A chain
// written with another key is refused: events chained with two keys
// would not verify, and a wrong key file must not go unnoticed.
func (db *DB) keyAuditChain(ctx context.Context) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		var seq int64
		var keyID string
		if err := tx.QueryRowContext(ctx, `SELECT seq, key_id FROM audit_head WHERE id = 1`+tx.db.dialect.forUpdate).Scan(&seq, &keyID); err != nil {
			return fmt.Errorf("read audit head: %w", err)
		}
		switch keyID {
		case db.auditKey.ID():
			return nil
		case "":
		default:
			return fmt.Errorf("the audit chain in this database is written with audit key %s, but the key file given is key %s: give the key file the chain was written with", keyID, db.auditKey.ID())
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET key_id = ? WHERE id = 1`, db.auditKey.ID()); err != nil {
			return fmt.Errorf("key audit chain: %w", err)
		}
		if seq == 0 {
			return nil
		}
		return tx.appendAudit(ctx, &citdesk.AuditEvent{Actor: "operator", Remote: "cli", Action: "audit.chain_keyed", ObjectType: "audit", ObjectID: strconv.FormatInt(seq, 10),
			Detail: "events 1 to " + strconv.FormatInt(seq, 10) + " were chained with plain SHA-256; from here on with key " + db.auditKey.ID()})
	})
}

// appendAudit adds an event to the chain inside tx.
func (tx *Tx) appendAudit(ctx context.Context, e *citdesk.AuditEvent) error {
	return tx.appendAudits(ctx, []*citdesk.AuditEvent{e})
}

// auditBatch is how many events one INSERT writes: 14 parameters each
// stays far below either engine's limit on parameters.
const auditBatch = 200

// appendAudits adds events to the chain inside tx, in order. They are
// written when the request's function has returned (writeAudits), as the
// last statements of its write transaction, with as few statements as a
// list read of many records allows. The head row is locked (PostgreSQL)
// or the database is (SQLite's single writer), so concurrent transactions
// append one after another with no gaps in the numbering; taking that
// lock last, not at a transaction's first event, keeps a PostgreSQL
// writer from holding it while it runs the rest of its statements, which
// made every other audited write wait for them too.
//
// The head is read once a transaction (auditHead) and written once a
// request: a request that audits a read, a change and a status moves the
// head three times but writes it once.
func (tx *Tx) appendAudits(ctx context.Context, events []*citdesk.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	h := tx.head
	if h == nil {
		return errors.New("audit events are appended only in a write transaction")
	}
	h.pending = append(h.pending, events...)
	return nil
}

// auditHead is the audit chain's head as a write transaction advances it:
// read from audit_head at the transaction's first event, kept here as
// events are appended, and written back once a request (writeAudits).
// On SQLite the requests a group commit runs in one transaction share it,
// so the head is read once a group; each request still writes it, so the
// row is current whenever a request starts (a request that reads
// audit_head itself, as a purge does, sees the events before it).
type auditHead struct {
	loaded  bool
	seq     int64
	hash    string
	pending []*citdesk.AuditEvent // appended by the request, not yet written
}

// writeAudits writes the events tx's request appended, if any, chained
// after the head, and the head they advanced: the last statements of each
// request's write transaction, so a request whose function failed writes
// none.
func writeAudits(ctx context.Context, tx *Tx) error {
	h := tx.head
	if h == nil || len(h.pending) == 0 {
		return nil
	}
	events := h.pending
	h.pending = nil
	if !h.loaded {
		if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+tx.db.dialect.forUpdate).Scan(&h.seq, &h.hash); err != nil {
			return fmt.Errorf("read audit head: %w", err)
		}
		h.loaded = true
	}
	seq, prev := h.seq, h.hash
	key := tx.db.auditKey
	for _, e := range events {
		seq++
		e.Seq, e.PrevHash, e.At, e.Chain = seq, prev, tx.now, key.Chain()
		if e.Outcome == "" {
			e.Outcome = citdesk.OutcomeSuccess
		}
		e.Hash = key.Link(e, prev)
		prev = e.Hash
	}
	for start := 0; start < len(events); start += auditBatch {
		batch := events[start:min(start+auditBatch, len(events))]
		var q strings.Builder
		q.WriteString(`INSERT INTO audit_events (seq, agency_id, user_id, actor, action, object_type, object_id, at, remote, outcome, detail, chain, prev_hash, hash) VALUES `)
		args := make([]any, 0, 14*len(batch))
		for i, e := range batch {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, e.Seq, e.AgencyID, e.UserID, e.Actor, e.Action, e.ObjectType, e.ObjectID, micros(e.At), e.Remote, e.Outcome, e.Detail, e.Chain, e.PrevHash, e.Hash)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("append audit events: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, seq, prev); err != nil {
		return fmt.Errorf("advance audit head: %w", err)
	}
	h.seq, h.hash = seq, prev
	tx.audits += int64(len(events))
	return nil
}

// actorEvent is an event of the actor's.
func actorEvent(a *citdesk.Actor, action, objectType, objectID, detail string) *citdesk.AuditEvent {
	return &citdesk.AuditEvent{
		AgencyID: a.AgencyID, UserID: a.UserID, Actor: a.Username, Remote: a.Remote,
		Action: action, ObjectType: objectType, ObjectID: objectID, Detail: detail,
	}
}

// audit records that the actor did action to an object, in tx.
func (tx *Tx) audit(ctx context.Context, a *citdesk.Actor, action, objectType string, objectID int64, detail string) error {
	return tx.appendAudit(ctx, actorEvent(a, action, objectType, strconv.FormatInt(objectID, 10), detail))
}

// auditRead collects the events of a read of many records, one per record
// (and one per person a record discloses), to append in one go: "who saw
// this person" must find list reads too, not only single views.
type auditRead struct {
	actor   *citdesk.Actor
	action  string
	events  []*citdesk.AuditEvent
	persons map[int64]bool
}

func newAuditRead(a *citdesk.Actor, action string) *auditRead {
	return &auditRead{actor: a, action: action, persons: map[int64]bool{}}
}

// record notes that the read returned object id of objectType.
func (r *auditRead) record(objectType string, id int64, detail string) {
	r.events = append(r.events, actorEvent(r.actor, r.action, objectType, strconv.FormatInt(id, 10), detail))
}

// person notes that the read disclosed person id (once per read).
func (r *auditRead) person(id int64) {
	if r.persons[id] {
		return
	}
	r.persons[id] = true
	r.events = append(r.events, actorEvent(r.actor, r.action, "person", strconv.FormatInt(id, 10), ""))
}

// write appends the collected events in tx.
func (r *auditRead) write(ctx context.Context, tx *Tx) error { return tx.appendAudits(ctx, r.events) }

// deniedEvent is the audit event of a refused read.
func deniedEvent(a *citdesk.Actor, action, objectType string, id int64) *citdesk.AuditEvent {
	e := actorEvent(a, action, objectType, strconv.FormatInt(id, 10), "")
	e.Outcome = citdesk.OutcomeDenied
	return e
}

// Record appends an event for the actor in ctx (or a system event when the
// event names its own agency and actor).
func (s auditService) Record(ctx context.Context, e *citdesk.AuditEvent) error {
	if a := citdesk.ActorFromContext(ctx); a != nil {
		e.AgencyID, e.UserID, e.Actor, e.Remote = a.AgencyID, a.UserID, a.Username, a.Remote
	}
	return s.db.writeTx(ctx, func(tx *Tx) error { return tx.appendAudit(ctx, e) })
}

const auditColumns = `seq, agency_id, user_id, actor, action, object_type, object_id, at, remote, outcome, detail, chain, prev_hash, hash`

// ListAudit returns the actor's agency's events, newest first. Only admins
// read the trail. The read is one audit event, not one per event read:
// events never change, so the filter and the range of seqs in its detail
// say exactly what was shown, and an event per event read would double the
// trail with each page. When the search names an object (who saw person
// 5), the event is on that object, so it shows in the object's history.
//
// For the same reason the events are read on a reader, before the write
// that records the read, rather than inside it as most audited reads
// are: what the event says was shown is what was read either way, and on
// SQLite every other write would wait for the page's read (issue 12). No
// event is returned unless its record committed.
func (s auditService) ListAudit(ctx context.Context, f citdesk.AuditFilter) ([]*citdesk.AuditEvent, error) {
	a, err := citdesk.Require(ctx, citdesk.ReadAudit)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var events []*citdesk.AuditEvent
	err = s.db.readTx(ctx, func(tx *Tx) error {
		var err error
		events, err = listAudit(ctx, tx, a.AgencyID, f, auditWindow)
		return err
	})
	if err != nil {
		return nil, err
	}
	var detail []string
	for _, c := range auditFilterColumns(f) {
		if c.val != "" {
			detail = append(detail, c.col+"="+strconv.Quote(c.val))
		}
	}
	if !f.Since.IsZero() {
		detail = append(detail, "since="+f.Since.UTC().Format("2006-01-02T15:04:05Z"))
	}
	if !f.Until.IsZero() {
		detail = append(detail, "until="+f.Until.UTC().Format("2006-01-02T15:04:05Z"))
	}
	if len(events) > 0 {
		detail = append(detail, fmt.Sprintf("seq %d..%d", events[len(events)-1].Seq, events[0].Seq))
	}
	detail = append(detail, "n="+strconv.Itoa(len(events)))
	objectType, objectID := "audit", ""
	if f.ObjectType != "" && f.ObjectID != "" {
		objectType, objectID = f.ObjectType, f.ObjectID
	}
	e := actorEvent(a, "audit.list", objectType, objectID, strings.Join(detail, " "))
	if err := s.db.writeTx(ctx, func(tx *Tx) error { return tx.appendAudit(ctx, e) }); err != nil {
		return nil, err
	}
	return events, nil
}

// auditWindow is how many of the trail's newest events (by seq) the audit
// page walks first, newest to oldest, for the page it shows. Where one
// agency writes most of the trail, the page is in that walk and costs
// about a millisecond however long the trail. Otherwise (a small agency
// beside a large one in the database; a filter few events match) the
// page is read by agency from audit_events_object and sorted, which costs
// the agency's whole trail: 150–240 ms at a million events. An index on
// the agency alone would serve both, at one more page written with every
// audited request (issue 12's write row); the walk adds none.
const auditWindow = 20_000

// The audit page's two reads on SQLite (PostgreSQL takes the second
// alone), to which listAudit adds the filter's conditions and the order. The walk's "+agency_id" keeps SQLite off
// audit_events_object, which would read every event of the agency to sort
// them, and on the trail's key, read back from the newest event.
const (
	auditWalkSQL     = `SELECT ` + auditColumns + ` FROM audit_events WHERE +agency_id = ? AND seq > ?`
	auditByAgencySQL = `SELECT ` + auditColumns + ` FROM audit_events WHERE agency_id = ?`
)

// listAudit reads the events of the audit page: those of agency that f
// admits, newest first, at most f.Limit. It first walks the newest window
// events of the whole trail; only when that walk could have missed some
// of the page does it read them by agency.
func listAudit(ctx context.Context, tx *Tx, agency int64, f citdesk.AuditFilter, window int64) ([]*citdesk.AuditEvent, error) {
	order := ` ORDER BY seq DESC LIMIT ` + strconv.Itoa(f.Limit)
	after := max(f.AfterSeq, 0)
	// One object's events (who saw person 5) are few and spread over the
	// whole trail: audit_events_object finds them directly. PostgreSQL
	// plans with statistics and already walks the key back from the end
	// where that is quick.
	if tx.db.dialect == sqliteDialect && (f.ObjectType == "" || f.ObjectID == "") {
		var top int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_events`).Scan(&top); err != nil {
			return nil, fmt.Errorf("read the audit trail's end: %w", err)
		}
		if f.BeforeSeq > 0 && f.BeforeSeq-1 < top {
			top = f.BeforeSeq - 1
		}
		from := max(top-window, after) // the walk reads seq > from
		cond, args := auditConditions(f, true)
		events, err := scanAudit(ctx, tx, auditWalkSQL+cond+order, append([]any{agency, from}, args...)...)
		if err != nil || len(events) == f.Limit || from == after {
			return events, err
		}
	}
	cond, args := auditConditions(f, false)
	if after > 0 {
		cond += ` AND seq > ?`
		args = append(args, after)
	}
	return scanAudit(ctx, tx, auditByAgencySQL+cond+order, append([]any{agency}, args...)...)
}

// auditConditions returns the SQL conditions of f but its AfterSeq, and
// their arguments. For the walk, "+at" keeps SQLite off audit_events_at,
// which would read every agency's events in a time range and sort them.
func auditConditions(f citdesk.AuditFilter, walk bool) (string, []any) {
	var cond strings.Builder
	var args []any
	for _, c := range auditFilterColumns(f) {
		if c.val != "" {
			cond.WriteString(` AND ` + c.col + ` = ?`)
			args = append(args, c.val)
		}
	}
	at := ` AND at`
	if walk {
		at = ` AND +at`
	}
	if !f.Since.IsZero() {
		cond.WriteString(at + ` >= ?`)
		args = append(args, micros(f.Since))
	}
	if !f.Until.IsZero() {
		cond.WriteString(at + ` < ?`)
		args = append(args, micros(f.Until))
	}
	if f.BeforeSeq > 0 {
		cond.WriteString(` AND seq < ?`)
		args = append(args, f.BeforeSeq)
	}
	return cond.String(), args
}

// auditFilterColumns pairs the filter's exact-match fields with their
// columns; those left empty match every event.
func auditFilterColumns(f citdesk.AuditFilter) []struct{ col, val string } {
	return []struct{ col, val string }{
		{"object_type", f.ObjectType}, {"object_id", f.ObjectID}, {"action", f.Action}, {"actor", f.Actor}, {"remote", f.Remote},
	}
}

func scanAudit(ctx context.Context, tx *Tx, q string, args ...any) ([]*citdesk.AuditEvent, error) {
	return queryAll(ctx, tx, "query audit events", scanAuditEvent, q, args...)
}

func scanAuditEvent(row rowScanner) (*citdesk.AuditEvent, error) {
	var e citdesk.AuditEvent
	var at int64
	if err := row.Scan(&e.Seq, &e.AgencyID, &e.UserID, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &at, &e.Remote, &e.Outcome, &e.Detail, &e.Chain, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.At = fromMicros(at)
	return &e, nil
}

// eachAudit calls fn with every event after seq since, in order, reading
// in pages so a long trail never sits in memory.
func (db *DB) eachAudit(ctx context.Context, since int64, fn func(*citdesk.AuditEvent) error) error {
	for {
		var page []*citdesk.AuditEvent
		err := db.readTx(ctx, func(tx *Tx) error {
			var err error
			page, err = scanAudit(ctx, tx, `SELECT `+auditColumns+` FROM audit_events WHERE seq > ? ORDER BY seq LIMIT 5000`, since)
			return err
		})
		if err != nil {
			return fmt.Errorf("read audit events: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, e := range page {
			if err := fn(e); err != nil {
				return err
			}
		}
		since = page[len(page)-1].Seq
	}
}

// errBreak stops eachAudit at the first break of the chain.
var errBreak = errors.New("audit chain broken")

// VerifyAudit walks the whole chain and returns the first broken link, or
// nil, with the number of events checked. It also checks that the head
// agrees with the last event, which catches deleting the newest rows
// unless the head was rewritten too; a checkpoint kept elsewhere catches
// that (VerifyAuditCheckpoint).
func (s auditService) VerifyAudit(ctx context.Context) (*citdesk.AuditBreak, int64, error) {
	return s.verify(ctx, nil)
}

// VerifyAuditCheckpoint is VerifyAudit that also requires the chain to
// extend checkpoint c, signed with the audit key.
func (s auditService) VerifyAuditCheckpoint(ctx context.Context, c *citdesk.AuditCheckpoint) (*citdesk.AuditBreak, int64, error) {
	if !s.db.auditKey.CheckpointSigned(c) {
		return &citdesk.AuditBreak{Seq: c.Seq, Reason: "the checkpoint's signature does not verify with this audit key: it was altered, or made with another key"}, 0, nil
	}
	return s.verify(ctx, c)
}

func (s auditService) verify(ctx context.Context, c *citdesk.AuditCheckpoint) (*citdesk.AuditBreak, int64, error) {
	v := citdesk.ChainVerifier{Key: s.db.auditKey}
	var (
		br      *citdesk.AuditBreak
		checked int64
		atCheck string // the hash of the checkpoint's event, as found
	)
	// A retention purge removed the events up to its seal: the chain
	// verifies from the newest seal, whose signature only the audit key
	// makes (see Retention.sealAndPurgeAudit).
	seal, err := s.db.newestSeal(ctx)
	if err != nil {
		return nil, 0, err
	}
	if seal != nil {
		if !s.db.auditKey.CheckpointSigned(seal) {
			return &citdesk.AuditBreak{Seq: seal.Seq, Reason: "the seal of the purged audit events does not verify with this audit key: it was forged or altered"}, 0, nil
		}
		v.Seq, v.Hash = seal.Seq, seal.Hash
		if c != nil && c.Seq <= seal.Seq {
			if c.Seq == seal.Seq && c.Hash != seal.Hash {
				return &citdesk.AuditBreak{Seq: c.Seq, Reason: "the checkpoint's event was purged with a seal of another hash: the trail was rewritten before the purge"}, 0, nil
			}
			c = nil // its event was purged; the seal stands for it
		}
	}
	err = s.db.eachAudit(ctx, v.Seq, func(e *citdesk.AuditEvent) error {
		if br = v.Check([]*citdesk.AuditEvent{e}); br != nil {
			return errBreak
		}
		checked++
		if c != nil && e.Seq == c.Seq {
			atCheck = e.Hash
		}
		return nil
	})
	if errors.Is(err, errBreak) {
		return br, checked, nil
	} else if err != nil {
		return nil, checked, err
	}
	if br := v.Finish(); br != nil {
		return br, checked, nil
	}
	if c != nil {
		if br := c.Extends(v.Seq, atCheck); br != nil {
			return br, checked, nil
		}
	}
	var headSeq int64
	var headHash string
	err = s.db.readTx(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash)
	})
	if err != nil {
		return nil, checked, fmt.Errorf("read audit head: %w", err)
	}
	if headSeq != v.Seq || headHash != v.Hash {
		return &citdesk.AuditBreak{Seq: v.Seq + 1, Reason: fmt.Sprintf("the trail ends at event %d but %d events were written (the newest were deleted)", v.Seq, headSeq)}, checked, nil
	}
	return nil, checked, nil
}

// CheckpointAudit returns the chain's head, signed with the audit key.
func (s auditService) CheckpointAudit(ctx context.Context, agency string) (*citdesk.AuditCheckpoint, error) {
	c := &citdesk.AuditCheckpoint{Agency: agency}
	err := s.db.readTx(ctx, func(tx *Tx) error {
		c.At = tx.now
		return tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&c.Seq, &c.Hash)
	})
	if err != nil {
		return nil, fmt.Errorf("read audit head: %w", err)
	}
	s.db.auditKey.SignCheckpoint(c)
	return c, nil
}

// ExportAudit passes every event after seq since to fn, in order, then
// records the export (by the operator, from the command line).
func (s auditService) ExportAudit(ctx context.Context, since int64, fn func(*citdesk.AuditEvent) error) (int64, error) {
	var n, last int64
	err := s.db.eachAudit(ctx, since, func(e *citdesk.AuditEvent) error {
		n, last = n+1, e.Seq
		return fn(e)
	})
	if err != nil {
		return n, err
	}
	detail := fmt.Sprintf("since=%d n=%d", since, n)
	if n > 0 {
		detail += fmt.Sprintf(" seq %d..%d", since+1, last)
	}
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		return tx.appendAudit(ctx, &citdesk.AuditEvent{Actor: "operator", Remote: "cli", Action: "audit.export", ObjectType: "audit", Detail: detail})
	})
	return n, err
}
