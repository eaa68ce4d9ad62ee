package store

import (
	"context"
	"fmt"
	"strconv"

	"citdesk"
)

// AuditService returns the audit trail service.
func (db *DB) AuditService() citdesk.AuditService { return auditService{db} }

type auditService struct{ db *DB }

// appendAudit adds an event to the chain inside tx. The head row is locked
// (PostgreSQL) or the database is (SQLite's single writer), so concurrent
// transactions append one after another with no gaps in the numbering.
func (tx *Tx) appendAudit(ctx context.Context, e *citdesk.AuditEvent) error {
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+tx.db.dialect.forUpdate).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("read audit head: %w", err)
	}
	e.Seq, e.PrevHash, e.At = seq+1, prev, tx.now
	if e.Outcome == "" {
		e.Outcome = citdesk.OutcomeSuccess
	}
	e.Hash = e.ComputeHash(prev)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (seq, agency_id, user_id, actor, action, object_type, object_id, at, remote, outcome, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.AgencyID, e.UserID, e.Actor, e.Action, e.ObjectType, e.ObjectID, micros(e.At), e.Remote, e.Outcome, e.Detail, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, e.Seq, e.Hash); err != nil {
		return fmt.Errorf("advance audit head: %w", err)
	}
	tx.audits++
	return nil
}

// audit records that the actor did action to an object, in tx.
func (tx *Tx) audit(ctx context.Context, a *citdesk.Actor, action, objectType string, objectID int64, detail string) error {
	return tx.appendAudit(ctx, &citdesk.AuditEvent{
		AgencyID: a.AgencyID, UserID: a.UserID, Actor: a.Username, Remote: a.Remote,
		Action: action, ObjectType: objectType, ObjectID: strconv.FormatInt(objectID, 10), Detail: detail,
	})
}

// deniedEvent is the audit event of a refused read.
func deniedEvent(a *citdesk.Actor, action, objectType string, id int64) *citdesk.AuditEvent {
	return &citdesk.AuditEvent{AgencyID: a.AgencyID, UserID: a.UserID, Actor: a.Username, Remote: a.Remote,
		Action: action, ObjectType: objectType, ObjectID: strconv.FormatInt(id, 10), Outcome: citdesk.OutcomeDenied}
}

// Record appends an event for the actor in ctx (or a system event when the
// event names its own agency and actor).
func (s auditService) Record(ctx context.Context, e *citdesk.AuditEvent) error {
	if a := citdesk.ActorFromContext(ctx); a != nil {
		e.AgencyID, e.UserID, e.Actor, e.Remote = a.AgencyID, a.UserID, a.Username, a.Remote
	}
	return s.db.writeTx(ctx, func(tx *Tx) error { return tx.appendAudit(ctx, e) })
}

// ListAudit returns the actor's agency's events, newest first. Only admins
// read the trail.
func (s auditService) ListAudit(ctx context.Context, f citdesk.AuditFilter) ([]*citdesk.AuditEvent, error) {
	a, err := citdesk.Require(ctx, citdesk.ReadAudit)
	if err != nil {
		return nil, err
	}
	q := `SELECT seq, agency_id, user_id, actor, action, object_type, object_id, at, remote, outcome, detail, prev_hash, hash
		FROM audit_events WHERE agency_id = ?`
	args := []any{a.AgencyID}
	if f.ObjectType != "" {
		q += ` AND object_type = ?`
		args = append(args, f.ObjectType)
	}
	if f.ObjectID != "" {
		q += ` AND object_id = ?`
		args = append(args, f.ObjectID)
	}
	if f.Action != "" {
		q += ` AND action = ?`
		args = append(args, f.Action)
	}
	if f.Actor != "" {
		q += ` AND actor = ?`
		args = append(args, f.Actor)
	}
	if f.BeforeSeq > 0 {
		q += ` AND seq < ?`
		args = append(args, f.BeforeSeq)
	}
	if f.AfterSeq > 0 {
		q += ` AND seq > ?`
		args = append(args, f.AfterSeq)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q += ` ORDER BY seq DESC LIMIT ` + strconv.Itoa(f.Limit)
	var events []*citdesk.AuditEvent
	err = s.db.readTx(ctx, func(tx *Tx) error {
		var err error
		events, err = scanAudit(ctx, tx, q, args...)
		return err
	})
	return events, err
}

func scanAudit(ctx context.Context, tx *Tx, q string, args ...any) ([]*citdesk.AuditEvent, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var events []*citdesk.AuditEvent
	for rows.Next() {
		var e citdesk.AuditEvent
		var at int64
		if err := rows.Scan(&e.Seq, &e.AgencyID, &e.UserID, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &at, &e.Remote, &e.Outcome, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		events = append(events, &e)
	}
	return events, rows.Err()
}

// VerifyAudit walks the whole chain in pages and returns the first broken
// link, or nil, with the number of events checked. It also checks that the
// head agrees with the last event, which catches deleting the newest rows.
func (s auditService) VerifyAudit(ctx context.Context) (*citdesk.AuditBreak, int64, error) {
	var (
		prevSeq int64
		prev    string
		checked int64
	)
	for {
		var page []*citdesk.AuditEvent
		err := s.db.readTx(ctx, func(tx *Tx) error {
			var err error
			page, err = scanAudit(ctx, tx, `SELECT seq, agency_id, user_id, actor, action, object_type, object_id, at, remote, outcome, detail, prev_hash, hash
				FROM audit_events WHERE seq > ? ORDER BY seq LIMIT 5000`, prevSeq)
			return err
		})
		if err != nil {
			return nil, checked, fmt.Errorf("read audit events: %w", err)
		}
		if br := citdesk.VerifyChain(prevSeq, prev, page); br != nil {
			return br, checked, nil
		}
		checked += int64(len(page))
		if len(page) == 0 {
			break
		}
		prevSeq, prev = page[len(page)-1].Seq, page[len(page)-1].Hash
	}
	var headSeq int64
	var headHash string
	err := s.db.readTx(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash)
	})
	if err != nil {
		return nil, checked, fmt.Errorf("read audit head: %w", err)
	}
	if headSeq != prevSeq || headHash != prev {
		return &citdesk.AuditBreak{Seq: prevSeq + 1, Reason: fmt.Sprintf("the trail ends at event %d but %d events were written (the newest were deleted)", prevSeq, headSeq)}, checked, nil
	}
	return nil, checked, nil
}
