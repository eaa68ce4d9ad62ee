package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"citdesk"
)

// CallService returns the calls and assignments service.
func (db *DB) CallService() citdesk.CallService { return callService{db} }

type callService struct{ db *DB }

const callColumns = `id, agency_id, received_at, source, emergency, nature, address, lat, lon, caller_name, caller_phone, caller_relationship, subject_description,
	risk_weapons, risk_violence, risk_suicide, risk_substances, risk_medical, cit_requested, notes, status, mental_health, no_cit_reason, no_cit_text, closed_at, created_by, updated_at, version,
	triage_version, triage_answers, recommended_response, response, response_reason`

// scanCall reads a row of callColumns, opening the sealed fields.
func (k *fieldKeys) scanCall(row rowScanner) (*citdesk.Call, error) {
	var c citdesk.Call
	var received, updated int64
	var source, status, rw, rv, rs, rsub, rm string
	var lat, lon sql.NullFloat64
	var mh sql.NullBool
	var closed, triageVersion sql.NullInt64
	var answers, recommended, response string
	if err := row.Scan(&c.ID, &c.AgencyID, &received, &source, &c.Emergency, &c.Nature, &c.Address, &lat, &lon,
		k.text(colCallerName, &c.CallerName), k.text(colCallerPhone, &c.CallerPhone), &c.CallerRelationship, &c.SubjectDescription,
		&rw, &rv, &rs, &rsub, &rm, &c.CITRequested, k.text(colCallNotes, &c.Notes), &status, &mh, &c.NoCITReason, &c.NoCITText, &closed, &c.CreatedBy, &updated, &c.Version,
		&triageVersion, &answers, &recommended, &response, &c.ResponseReason); err != nil {
		return nil, err
	}
	if triageVersion.Valid {
		v := int(triageVersion.Int64)
		c.TriageVersion = &v
	}
	if answers != "" {
		if err := json.Unmarshal([]byte(answers), &c.TriageAnswers); err != nil {
			return nil, fmt.Errorf("call %d: triage answers: %w", c.ID, err)
		}
	}
	c.RecommendedResponse, c.Response = citdesk.Response(recommended), citdesk.Response(response)
	c.ReceivedAt, c.UpdatedAt = fromMicros(received), fromMicros(updated)
	c.Source, c.Status = citdesk.CallSource(source), citdesk.CallStatus(status)
	c.Lat, c.Lon, c.ClosedAt = fromNullFloat(lat), fromNullFloat(lon), fromNullMicros(closed)
	c.Risk = citdesk.RiskScreen{Weapons: citdesk.Risk(rw), Violence: citdesk.Risk(rv), SuicideRisk: citdesk.Risk(rs), Substances: citdesk.Risk(rsub), Medical: citdesk.Risk(rm)}
	c.MentalHealth = fromNullBool(mh)
	return &c, nil
}

// findCall reads one call of agencyID; lock takes a row lock for the rest
// of the transaction (PostgreSQL; SQLite's writer holds the database).
func (tx *Tx) findCall(ctx context.Context, agencyID, id int64, lock bool) (*citdesk.Call, error) {
	q := `SELECT ` + callColumns + ` FROM calls WHERE agency_id = ? AND id = ?`
	if lock {
		q += tx.db.dialect.forUpdate
	}
	c, err := tx.db.fields.scanCall(tx.QueryRowContext(ctx, q, agencyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Call not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find call: %w", err)
	}
	return c, nil
}

// CreateCall records a new pending call (dispatcher or admin).
func (s callService) CreateCall(ctx context.Context, c *citdesk.Call) error {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return err
	}
	return s.createCall(ctx, actor, c)
}

// CreatePublicRequest records a request from the public form as a pending,
// non-emergency call with source online_request. It needs no sign-in; the
// audit trail names the requester's address as "public".
func (s callService) CreatePublicRequest(ctx context.Context, agencyID int64, r *citdesk.PublicRequest) (*citdesk.Call, error) {
	if errs := r.Validate(); len(errs) > 0 {
		for _, f := range []string{"name", "phone", "address", "best_time", "what"} {
			if msg, ok := errs[f]; ok {
				return nil, &citdesk.Error{Code: citdesk.EINVALID, Field: f, Message: msg}
			}
		}
	}
	remote := ""
	if a := citdesk.ActorFromContext(ctx); a != nil {
		remote = a.Remote
	}
	c := r.Call()
	if err := s.createCall(ctx, &citdesk.Actor{AgencyID: agencyID, Username: "public", Remote: remote}, c); err != nil {
		return nil, err
	}
	return c, nil
}

func (s callService) createCall(ctx context.Context, actor *citdesk.Actor, c *citdesk.Call) error {
	now := s.db.now()
	if err := c.Validate(now); err != nil {
		return err
	}
	if err := s.db.writeTx(ctx, func(tx *Tx) error {
		if err := settleTriage(ctx, tx, actor.AgencyID, c, nil); err != nil {
			return err
		}
		if err := insertCall(ctx, tx, actor, c); err != nil {
			return err
		}
		return enqueueCallEvent(ctx, tx, citdesk.HookCallCreated, c)
	}); err != nil {
		return err
	}
	s.db.publish(ctx, citdesk.EventCallCreated, actor.AgencyID, c.ID, c.Summary())
	return nil
}

// insertCall inserts validated call c as a new pending call of the
// actor's agency in tx, and audits it.
func insertCall(ctx context.Context, tx *Tx, actor *citdesk.Actor, c *citdesk.Call) error {
	if c.ReceivedAt.IsZero() {
		c.ReceivedAt = tx.now
	}
	c.AgencyID, c.Status, c.ClosedAt, c.CreatedBy, c.UpdatedAt, c.Version = actor.AgencyID, citdesk.CallPending, nil, actor.UserID, tx.now, 1
	c.ReceivedAt = c.ReceivedAt.UTC().Truncate(time.Microsecond)
	seal := tx.db.fields.sealer()
	callerName, callerPhone, notes := seal.text(colCallerName, c.CallerName), seal.text(colCallerPhone, c.CallerPhone), seal.text(colCallNotes, c.Notes)
	if seal.err != nil {
		return seal.err
	}
	id, err := tx.insert(ctx, `INSERT INTO calls (agency_id, received_at, source, emergency, nature, address, lat, lon, caller_name, caller_phone, caller_relationship, subject_description,
		risk_weapons, risk_violence, risk_suicide, risk_substances, risk_medical, cit_requested, notes, status, mental_health, closed_at, created_by, created_at, updated_at, version,
		triage_version, triage_answers, recommended_response, response, response_reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, 1, ?, ?, ?, ?, ?)`,
		c.AgencyID, micros(c.ReceivedAt), string(c.Source), c.Emergency, c.Nature, c.Address, nullFloat(c.Lat), nullFloat(c.Lon),
		callerName, callerPhone, c.CallerRelationship, c.SubjectDescription,
		string(c.Risk.Weapons), string(c.Risk.Violence), string(c.Risk.SuicideRisk), string(c.Risk.Substances), string(c.Risk.Medical),
		c.CITRequested, notes, string(c.Status), nullBool(c.MentalHealth), c.CreatedBy, micros(tx.now), micros(tx.now),
		nullTriageVersion(c), triageAnswersJSON(c), string(c.RecommendedResponse), string(c.Response), c.ResponseReason)
	if err != nil {
		return fmt.Errorf("insert call: %w", err)
	}
	c.ID = id
	detail := "source=" + string(c.Source)
	if c.CITRequested {
		detail += " cit_requested"
	}
	detail += triageDetail(c, nil)
	return tx.audit(ctx, actor, "call.create", "call", id, detail)
}

// FindCallByID returns a call: to dispatchers, admins and coordinators, and
// to an officer who was assigned to it. A call carries the caller's name,
// phone and notes, so the read is audited, and so is a refusal. On SQLite
// the call is read on a reader and the write transaction appends the audit
// event alone (see readsBeforeWrite); the call is returned only once that
// event has committed.
func (s callService) FindCallByID(ctx context.Context, id int64) (*citdesk.Call, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var c *citdesk.Call
	allowed := citdesk.MayEver(actor, citdesk.ListCalls)
	read := func(tx *Tx) (err error) {
		c, err = tx.findCall(ctx, actor.AgencyID, id, false)
		if err != nil {
			return err
		}
		if err := loadTransfer(ctx, tx, c); err != nil {
			return err
		}
		if allowed || actor.OfficerID == nil {
			return nil
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM assignments WHERE agency_id = ? AND call_id = ? AND officer_id = ?`, actor.AgencyID, id, *actor.OfficerID).Scan(&n); err != nil {
			return err
		}
		allowed = n > 0
		return nil
	}
	if readsBeforeWrite(s.db) {
		if err := s.db.readTx(ctx, read); err != nil {
			return nil, err
		}
	}
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if c == nil {
			if err := read(tx); err != nil {
				return err
			}
		}
		if allowed {
			return tx.audit(ctx, actor, "call.view", "call", id, "")
		}
		return tx.appendAudit(ctx, deniedEvent(actor, "call.view", "call", id))
	})
	if err != nil {
		return nil, err
	}
	if !allowed {
		return nil, citdesk.Errorf(citdesk.EFORBIDDEN, "You may only see calls you were sent to.")
	}
	return c, nil
}

// ListCalls lists the agency's calls (dispatcher, admin, coordinator).
func (s callService) ListCalls(ctx context.Context, f citdesk.CallFilter) ([]*citdesk.Call, error) {
	actor, err := citdesk.Require(ctx, citdesk.ListCalls)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + callColumns + ` FROM calls WHERE agency_id = ?`
	args := []any{actor.AgencyID}
	order, queue := ` ORDER BY received_at DESC, id DESC`, false
	switch {
	case f.Open:
		q += ` AND status IN ('pending', 'dispatched', 'on_scene', 'cleared')`
		order, queue = queueOrder, true
	case f.Status != "":
		if !f.Status.Valid() {
			return nil, citdesk.FieldErrorf("status", "Status must be open, pending, dispatched, on_scene, cleared or closed.")
		}
		q += ` AND status = ?`
		args = append(args, string(f.Status))
		if f.Status.Open() {
			order, queue = queueOrder, true
		}
	}
	if f.Limit <= 0 {
		f.Limit = 200
	}
	f.Limit = min(f.Limit, 1000)
	q += order + ` LIMIT ` + strconv.Itoa(f.Limit)
	var calls []*citdesk.Call
	err = s.db.writeTx(ctx, func(tx *Tx) (err error) {
		if calls, err = tx.listCalls(ctx, q, args...); err != nil {
			return err
		}
		if queue {
			citdesk.SortQueue(calls) // the rule; queueOrder only picks the same first Limit rows
		}
		// Listed calls carry caller names, phones and notes: one audit
		// event per call.
		read := newAuditRead(actor, "call.list")
		for _, c := range calls {
			read.record("call", c.ID, "")
		}
		return read.write(ctx, tx)
	})
	return calls, err
}

// queueOrder is citdesk.SortQueue's order in SQL (emergencies first, then
// the longest waiting, then by id), so a LIMIT keeps the calls the queue
// puts first; the rows read are sorted with SortQueue itself. Both engines
// sort false before true (SQLite stores them as 0 and 1), hence DESC.
const queueOrder = ` ORDER BY emergency DESC, received_at, id`

// openCallsQuery lists an agency's open calls in queue order, as ListCalls
// with Open does.
const openCallsQuery = `SELECT ` + callColumns + ` FROM calls WHERE agency_id = ? AND status IN ('pending', 'dispatched', 'on_scene', 'cleared')` + queueOrder + ` LIMIT 1000`

func (tx *Tx) listCalls(ctx context.Context, q string, args ...any) ([]*citdesk.Call, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list calls: %w", err)
	}
	defer rows.Close()
	var calls []*citdesk.Call
	for rows.Next() {
		c, err := tx.db.fields.scanCall(rows)
		if err != nil {
			return nil, err
		}
		calls = append(calls, c)
	}
	return calls, rows.Err()
}

// UpdateCall saves a call's fields when c.Version is current (dispatcher or
// admin). The status may only move from open to closed, and only once no
// officer is still on the call; the received time and creator never change.
func (s callService) UpdateCall(ctx context.Context, c *citdesk.Call) error {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return err
	}
	if err := checkCallUpdate(c, s.db.now()); err != nil {
		return err
	}
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		cur, err := tx.findCall(ctx, actor.AgencyID, c.ID, true)
		if err != nil {
			return err
		}
		return updateCall(ctx, tx, actor, cur, c)
	})
	if err != nil {
		return err
	}
	s.db.publish(ctx, citdesk.EventCallUpdated, actor.AgencyID, c.ID, c.Summary())
	return nil
}

// PatchCall reads, audits, changes and saves a call in one write
// transaction: PATCH /api/v1/calls/{id} was two (the audited read, then
// the update), each waiting for its own commit (issue 12).
func (s callService) PatchCall(ctx context.Context, id, version int64, change func(*citdesk.Call)) (*citdesk.Call, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !citdesk.MayEver(actor, citdesk.DispatchCalls) {
		// As before: the read is refused (and the refusal audited) or
		// audited as a view, then the change refused.
		if _, err := s.FindCallByID(ctx, id); err != nil {
			return nil, err
		}
		return nil, citdesk.Refuse(actor, citdesk.DispatchCalls)
	}
	var (
		c    *citdesk.Call
		plan *callPatch
	)
	// On SQLite the reads and checks run on a reader (readsBeforeWrite);
	// the write transaction re-reads only what they rest on
	// (callPatchFingerprint) and, when it is unchanged, just writes. When
	// something moved in between, it reads and checks again inside, as
	// if no plan had been made (issue 12: a short writer).
	if readsBeforeWrite(s.db) {
		err = s.db.readTx(ctx, func(tx *Tx) (err error) {
			plan, err = planCallPatch(ctx, tx, actor, id, version, change)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if plan != nil {
			print, err := callPatchFingerprint(ctx, tx, actor.AgencyID, id)
			if err != nil {
				return err
			}
			if print == plan.print {
				next, err := plan.write(ctx, tx, actor)
				c = next
				return err
			}
		}
		cur, err := tx.findCall(ctx, actor.AgencyID, id, true)
		if err != nil {
			return err
		}
		if err := loadTransfer(ctx, tx, cur); err != nil {
			return err
		}
		if err := tx.audit(ctx, actor, "call.view", "call", id, ""); err != nil {
			return err
		}
		next := patched(cur, id, version, change)
		if err := checkCallUpdate(next, tx.now); err != nil {
			return err
		}
		if err := updateCall(ctx, tx, actor, cur, next); err != nil {
			return err
		}
		c = next
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.db.publish(ctx, citdesk.EventCallUpdated, actor.AgencyID, c.ID, c.Summary())
	return c, nil
}

// patched is cur, the call as stored, with change applied to a copy of it,
// at the version the caller saw.
func patched(cur *citdesk.Call, id, version int64, change func(*citdesk.Call)) *citdesk.Call {
	next := *cur
	next.TriageAnswers = maps.Clone(cur.TriageAnswers)
	change(&next)
	next.ID, next.Version = id, version
	return &next
}

// callPatch is what PatchCall decided on a reader: the call as stored and
// as it is to be saved, with the audit detail of the change, and the
// fingerprint of what those decisions rest on.
type callPatch struct {
	cur, next *citdesk.Call
	detail    string
	print     callPatchPrint
}

// callPatchPrint is what a change to a call, planned on a reader, rests on.
// The call's version moves on every change of its row. Its assignments
// decide whether it may close and whether it needs a no-CIT reason: one
// added raises the count and the last id (ids are never reused), one
// moved raises the sum of their versions. A plan is made on a reader only
// for a call with no transfer (which can hold its response at 988) and no
// officer lent by a partner (whose assignment lives in the partner's
// rows): both counts must still be zero when it is written.
type callPatchPrint struct {
	version                                      int64
	assignments, lastAssignment, assignmentMoves int64
	transfers, lent                              int64
}

// callPatchFingerprint reads, in one statement, what a change to call id
// rests on. A missing call reads as zeros, which no plan carries.
func callPatchFingerprint(ctx context.Context, tx *Tx, agencyID, id int64) (callPatchPrint, error) {
	var p callPatchPrint
	err := tx.QueryRowContext(ctx, `SELECT c.version, a.n, a.last, a.moves,
			(SELECT COUNT(*) FROM call_transfers t WHERE t.agency_id = c.agency_id AND t.call_id = c.id),
			(SELECT COUNT(*) FROM mutual_aid_requests m WHERE m.agency_id = c.agency_id AND m.call_id = c.id AND m.status = 'accepted')
		FROM calls c,
			(SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last, COALESCE(SUM(version), 0) AS moves FROM assignments WHERE agency_id = ? AND call_id = ?) a
		WHERE c.agency_id = ? AND c.id = ?`, agencyID, id, agencyID, id).
		Scan(&p.version, &p.assignments, &p.lastAssignment, &p.assignmentMoves, &p.transfers, &p.lent)
	if errors.Is(err, sql.ErrNoRows) {
		return callPatchPrint{}, nil
	}
	return p, err
}

// planCallPatch reads call id in tx (a reader's snapshot), applies change
// and checks the result under UpdateCall's rules, as PatchCall's write
// transaction would. It returns nil, and no error, for a change it leaves
// to the write transaction: to a call with a transfer or a partner's
// officer, or one that changes the triage answers (which may store the
// agency's first protocol).
func planCallPatch(ctx context.Context, tx *Tx, actor *citdesk.Actor, id, version int64, change func(*citdesk.Call)) (*callPatch, error) {
	print, err := callPatchFingerprint(ctx, tx, actor.AgencyID, id)
	if err != nil {
		return nil, err
	}
	if print.transfers > 0 || print.lent > 0 {
		return nil, nil
	}
	cur, err := tx.findCall(ctx, actor.AgencyID, id, false)
	if err != nil {
		return nil, err
	}
	next := patched(cur, id, version, change)
	if len(next.TriageAnswers) > 0 && !maps.Equal(next.TriageAnswers, cur.TriageAnswers) {
		return nil, nil
	}
	if err := checkCallUpdate(next, tx.now); err != nil {
		return nil, err
	}
	detail, err := planCallUpdate(ctx, tx, actor, cur, next)
	if err != nil {
		return nil, err
	}
	return &callPatch{cur: cur, next: next, detail: detail, print: print}, nil
}

// write saves the planned change in tx, whose fingerprint matched the
// plan's: the read of the call audited as a view, then the change, as
// PatchCall's write transaction does it.
func (p *callPatch) write(ctx context.Context, tx *Tx, actor *citdesk.Actor) (*citdesk.Call, error) {
	if err := tx.audit(ctx, actor, "call.view", "call", p.cur.ID, ""); err != nil {
		return nil, err
	}
	next := *p.next
	if next.Status == citdesk.CallClosed && p.cur.Status != citdesk.CallClosed {
		now := tx.now
		next.ClosedAt = &now
	}
	if err := writeCallRow(ctx, tx, actor, &next, p.detail); err != nil {
		return nil, err
	}
	return &next, enqueueCallEvent(ctx, tx, citdesk.HookCallUpdated, &next)
}

// checkCallUpdate is what UpdateCall checks before its transaction.
func checkCallUpdate(c *citdesk.Call, now time.Time) error {
	if err := c.Validate(now); err != nil {
		return err
	}
	if !c.Status.Valid() {
		return citdesk.FieldErrorf("status", "Status must be pending, dispatched, on_scene, cleared or closed.")
	}
	return nil
}

// updateCall saves c over cur, the call as stored (read in tx, locked),
// under UpdateCall's rules.
func updateCall(ctx context.Context, tx *Tx, actor *citdesk.Actor, cur, c *citdesk.Call) error {
	detail, err := planCallUpdate(ctx, tx, actor, cur, c)
	if err != nil {
		return err
	}
	if err := updateCallRow(ctx, tx, actor, c, detail); err != nil {
		return err
	}
	return enqueueCallEvent(ctx, tx, citdesk.HookCallUpdated, c)
}

// planCallUpdate checks saving c over cur, the call as stored, under
// UpdateCall's rules, settling what the rules settle on c (the close's
// time and no-CIT reason, the triage), and returns the audit detail of the
// change. It only reads.
func planCallUpdate(ctx context.Context, tx *Tx, actor *citdesk.Actor, cur, c *citdesk.Call) (string, error) {
	if cur.Version != c.Version {
		return "", citdesk.Errorf(citdesk.EPRECONDITION, "Someone else changed this call since you loaded it; reload and try again.")
	}
	if err := keepTransferredResponse(ctx, tx, cur, c); err != nil {
		return "", err
	}
	detail := ""
	switch {
	case c.Status == cur.Status:
	case cur.Status == citdesk.CallClosed:
		return "", citdesk.Errorf(citdesk.ECONFLICT, "This call is closed and cannot be reopened; take a new call instead.")
	case c.Status == citdesk.CallClosed:
		assignments, err := tx.listAssignments(ctx, actor.AgencyID, citdesk.AssignmentFilter{CallID: c.ID})
		if err != nil {
			return "", err
		}
		// A partner's officer lent through mutual aid counts as sent.
		lent, err := lentAssignments(ctx, tx, actor.AgencyID, c.ID)
		if err != nil {
			return "", err
		}
		if err := citdesk.PrepareClose(c, append(assignments, lent...)); err != nil {
			return "", err
		}
		detail = "status=closed"
		if c.NoCITReason != "" {
			detail += " no_cit_reason=" + c.NoCITReason
		}
	default:
		return "", citdesk.FieldErrorf("status", "A call's status follows its officers; it can only be set to closed.")
	}
	c.ClosedAt = cur.ClosedAt
	if c.Status != citdesk.CallClosed || cur.Status == citdesk.CallClosed {
		// The no-CIT reason is settled once, at close.
		c.NoCITReason, c.NoCITText = cur.NoCITReason, cur.NoCITText
	}
	if c.Status == citdesk.CallClosed && cur.Status != citdesk.CallClosed {
		now := tx.now
		c.ClosedAt = &now
	}
	if c.MentalHealth != nil {
		detail += " mental_health=" + strconv.FormatBool(*c.MentalHealth)
	}
	c.AgencyID, c.ReceivedAt, c.CreatedBy = cur.AgencyID, cur.ReceivedAt, cur.CreatedBy
	if err := settleTriage(ctx, tx, actor.AgencyID, c, cur); err != nil {
		return "", err
	}
	detail += triageDetail(c, cur)
	return strings.TrimSpace(detail), nil
}

// updateCallRow saves call c at c.Version in tx (EPRECONDITION when it
// moved on), bumps its version and audits the change.
func updateCallRow(ctx context.Context, tx *Tx, actor *citdesk.Actor, c *citdesk.Call, detail string) error {
	// Every change of a call's response comes through here, so the rule
	// that a transfer the crisis line accepted keeps the call at 988 until
	// its return is recorded holds for all of them (the call form, a
	// liaison's co-response, the CAD), not only for the callers that
	// remember to check.
	var stored string
	if err := tx.QueryRowContext(ctx, `SELECT response FROM calls WHERE agency_id = ? AND id = ?`, actor.AgencyID, c.ID).Scan(&stored); err != nil {
		return fmt.Errorf("update call: read response: %w", err)
	}
	if err := keepTransferredResponse(ctx, tx, &citdesk.Call{AgencyID: actor.AgencyID, ID: c.ID, Response: citdesk.Response(stored)}, c); err != nil {
		return err
	}
	return writeCallRow(ctx, tx, actor, c, detail)
}

// writeCallRow is updateCallRow's write, for a caller that has checked the
// transfer rule: PatchCall's plan, made for a call with no transfer.
func writeCallRow(ctx context.Context, tx *Tx, actor *citdesk.Actor, c *citdesk.Call, detail string) error {
	seal := tx.db.fields.sealer()
	callerName, callerPhone, notes := seal.text(colCallerName, c.CallerName), seal.text(colCallerPhone, c.CallerPhone), seal.text(colCallNotes, c.Notes)
	if seal.err != nil {
		return seal.err
	}
	res, err := tx.ExecContext(ctx, `UPDATE calls SET source = ?, emergency = ?, nature = ?, address = ?, lat = ?, lon = ?, caller_name = ?, caller_phone = ?, caller_relationship = ?,
		subject_description = ?, risk_weapons = ?, risk_violence = ?, risk_suicide = ?, risk_substances = ?, risk_medical = ?, cit_requested = ?, notes = ?,
		status = ?, mental_health = ?, no_cit_reason = ?, no_cit_text = ?, closed_at = ?, updated_at = ?, version = version + 1,
		triage_version = ?, triage_answers = ?, recommended_response = ?, response = ?, response_reason = ?
		WHERE agency_id = ? AND id = ? AND version = ?`,
		string(c.Source), c.Emergency, c.Nature, c.Address, nullFloat(c.Lat), nullFloat(c.Lon), callerName, callerPhone, c.CallerRelationship,
		c.SubjectDescription, string(c.Risk.Weapons), string(c.Risk.Violence), string(c.Risk.SuicideRisk), string(c.Risk.Substances), string(c.Risk.Medical), c.CITRequested, notes,
		string(c.Status), nullBool(c.MentalHealth), c.NoCITReason, c.NoCITText, nullMicros(c.ClosedAt), micros(tx.now),
		nullTriageVersion(c), triageAnswersJSON(c), string(c.RecommendedResponse), string(c.Response), c.ResponseReason, actor.AgencyID, c.ID, c.Version)
	if err != nil {
		return fmt.Errorf("update call: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return citdesk.Errorf(citdesk.EPRECONDITION, "Someone else changed this call since you loaded it; reload and try again.")
	}
	c.Version++
	c.UpdatedAt = tx.now
	return tx.audit(ctx, actor, "call.update", "call", c.ID, detail)
}

// setCallStatus moves a call's status as its officers move, bumping its
// version, and reports whether it changed.
func (tx *Tx) setCallStatus(ctx context.Context, c *citdesk.Call, status citdesk.CallStatus) (bool, error) {
	if c.Status == status {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE calls SET status = ?, updated_at = ?, version = version + 1 WHERE agency_id = ? AND id = ?`,
		string(status), micros(tx.now), c.AgencyID, c.ID); err != nil {
		return false, fmt.Errorf("update call status: %w", err)
	}
	c.Status, c.UpdatedAt = status, tx.now
	c.Version++
	return true, nil
}

const assignmentSelect = `SELECT a.id, a.agency_id, a.call_id, a.officer_id, o.rank, o.first_name, o.last_name, a.status, a.dispatched_at, a.en_route_at, a.on_scene_at, a.cleared_at,
	a.cit_status, a.cit_certified, a.no_cit_reason, a.no_cit_text, a.dispatched_by, a.version
	FROM assignments a JOIN officers o ON o.agency_id = a.agency_id AND o.id = a.officer_id`

func scanAssignment(row interface{ Scan(...any) error }) (*citdesk.Assignment, error) {
	var a citdesk.Assignment
	var o citdesk.Officer
	var status, cit string
	var dispatched int64
	var enRoute, onScene, cleared sql.NullInt64
	if err := row.Scan(&a.ID, &a.AgencyID, &a.CallID, &a.OfficerID, &o.Rank, &o.FirstName, &o.LastName, &status, &dispatched, &enRoute, &onScene, &cleared,
		&cit, &a.CITCertified, &a.NoCITReason, &a.NoCITText, &a.DispatchedBy, &a.Version); err != nil {
		return nil, err
	}
	a.OfficerName = o.Name()
	a.Status, a.CITStatus = citdesk.AssignmentStatus(status), citdesk.CITStatus(cit)
	a.DispatchedAt = fromMicros(dispatched)
	a.EnRouteAt, a.OnSceneAt, a.ClearedAt = fromNullMicros(enRoute), fromNullMicros(onScene), fromNullMicros(cleared)
	return &a, nil
}

func (tx *Tx) findAssignment(ctx context.Context, agencyID, id int64) (*citdesk.Assignment, error) {
	a, err := scanAssignment(tx.QueryRowContext(ctx, assignmentSelect+` WHERE a.agency_id = ? AND a.id = ?`, agencyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Assignment not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find assignment: %w", err)
	}
	return a, nil
}

// findOfficerDecorated reads one officer with CIT standing and duty state.
func (tx *Tx) findOfficerDecorated(ctx context.Context, agency *citdesk.Agency, id int64) (*citdesk.Officer, error) {
	o, err := scanOfficer(tx.QueryRowContext(ctx, `SELECT `+officerColumns+officerFrom+` WHERE o.agency_id = ? AND o.id = ?`, agency.ID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Officer not found.")
	} else if err != nil {
		return nil, err
	}
	return o, tx.decorate(ctx, agency, []*citdesk.Officer{o})
}

// CreateAssignment sends an officer to a call (dispatcher or admin). The
// officer's duty status becomes dispatched and a pending call becomes
// dispatched, in the same transaction.
//
// On SQLite its reads and checks run before the write transaction, on a
// reader (planAssignment; see readsBeforeWrite); the write transaction
// re-reads only the few values they rest on (assignmentFingerprint) and,
// when all are unchanged, just writes. When something moved in between, it
// plans again inside the write transaction, as if no plan had been made, so
// a concurrent change is refused (or allowed) exactly as before (issue 12:
// a short writer). On PostgreSQL it plans inside the write transaction.
func (s callService) CreateAssignment(ctx context.Context, a *citdesk.Assignment) error {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return err
	}
	if a.OfficerID <= 0 {
		return citdesk.FieldErrorf("officer_id", "Choose the officer to send.")
	}
	var (
		plan      *assignmentPlan
		callMoved bool
		agencyID  = actor.AgencyID
		// A plan settles the no-CIT reason on a; planning again starts
		// from what the dispatcher sent.
		reason, reasonText = a.NoCITReason, a.NoCITText
	)
	if readsBeforeWrite(s.db) {
		err = s.db.readTx(ctx, func(tx *Tx) (err error) {
			plan, err = planAssignment(ctx, tx, actor, a)
			return err
		})
		if err != nil {
			return err
		}
	}
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		// The call's row lock serialises assignments to one call, so
		// "is this the first assignment" cannot race. SQLite's writer
		// holds the whole database already.
		if tx.db.dialect.forUpdate != "" {
			var locked int64
			if err := tx.QueryRowContext(ctx, `SELECT version FROM calls WHERE agency_id = ? AND id = ?`+tx.db.dialect.forUpdate, agencyID, a.CallID).Scan(&locked); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		now, duty, err := assignmentFingerprint(ctx, tx, agencyID, a.CallID, a.OfficerID)
		if err != nil {
			return err
		}
		if plan == nil || now != plan.fingerprint {
			a.NoCITReason, a.NoCITText = reason, reasonText
			if plan, err = planAssignment(ctx, tx, actor, a); err != nil {
				return err
			}
		}
		call, officer := plan.call, plan.officer
		a.AgencyID, a.Status, a.DispatchedAt, a.DispatchedBy, a.Version = agencyID, citdesk.AssignDispatched, tx.now, actor.UserID, 1
		a.EnRouteAt, a.OnSceneAt, a.ClearedAt, a.OfficerName = nil, nil, nil, officer.Name()
		// No check-then-write: the unique index over active assignments
		// decides, so concurrent dispatchers cannot both win.
		a.ID, err = tx.insert(ctx, `INSERT INTO assignments (agency_id, call_id, officer_id, status, dispatched_at, cit_status, cit_certified, no_cit_reason, no_cit_text, dispatched_by, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
			agencyID, call.ID, officer.ID, string(a.Status), micros(a.DispatchedAt), string(a.CITStatus), a.CITCertified, a.NoCITReason, a.NoCITText, a.DispatchedBy)
		if isUniqueViolation(err) {
			return citdesk.Errorf(citdesk.ECONFLICT, "%s is already on another call; clear that assignment first.", officer.Name())
		} else if err != nil {
			return fmt.Errorf("insert assignment: %w", err)
		}
		// The officer's standing and duty row as the fingerprint read
		// them, in this transaction.
		if err := writeStatus(ctx, tx, actor, &citdesk.StatusChange{OfficerID: officer.ID, Status: citdesk.StatusDispatched}, duty); err != nil {
			return err
		}
		if callMoved, err = tx.setCallStatus(ctx, call, call.Status.AfterMove(citdesk.AssignDispatched, 1, false)); err != nil {
			return err
		}
		detail := "call=" + strconv.FormatInt(call.ID, 10) + " officer=" + strconv.FormatInt(officer.ID, 10) + " cit=" + string(a.CITStatus)
		if a.NoCITReason != "" {
			detail += " no_cit_reason=" + a.NoCITReason
		}
		if err := tx.audit(ctx, actor, "assignment.create", "assignment", a.ID, detail); err != nil {
			return err
		}
		if err := enqueueAssignmentEvent(ctx, tx, citdesk.HookAssignmentCreated, a, call, callMoved); err != nil {
			return err
		}
		// The officer as the board shows them now: dispatched, since
		// now when that is new (setStatus keeps "since" otherwise).
		if officer.Duty.Status != citdesk.StatusDispatched {
			officer.Duty.Since = tx.now
		}
		officer.Duty.Status = citdesk.StatusDispatched
		return nil
	})
	if err != nil {
		return err
	}
	s.db.publish(ctx, citdesk.EventAssignment, agencyID, a.ID, a)
	s.db.publish(ctx, citdesk.EventOfficerStatus, agencyID, plan.officer.ID, plan.officer)
	if callMoved {
		s.db.publish(ctx, citdesk.EventCallUpdated, agencyID, plan.call.ID, plan.call.Summary())
	}
	return nil
}

// FindAssignmentByID returns an assignment: to dispatchers, admins and
// coordinators, and to the officer on it.
func (s callService) FindAssignmentByID(ctx context.Context, id int64) (*citdesk.Assignment, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var a *citdesk.Assignment
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		a, err = tx.findAssignment(ctx, actor.AgencyID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !citdesk.MayEver(actor, citdesk.ListCalls) && !actor.IsOfficer(a.OfficerID) {
		return nil, citdesk.Errorf(citdesk.EFORBIDDEN, "You may only see your own assignments.")
	}
	return a, nil
}

// ListAssignments lists assignments, oldest dispatch first: all of the
// agency's for dispatchers, admins and coordinators; an officer lists only
// their own (f.OfficerID set to theirs).
func (s callService) ListAssignments(ctx context.Context, f citdesk.AssignmentFilter) ([]*citdesk.Assignment, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !citdesk.MayEver(actor, citdesk.ListCalls) && (f.OfficerID == 0 || !actor.IsOfficer(f.OfficerID)) {
		return nil, citdesk.Errorf(citdesk.EFORBIDDEN, "You may only see your own assignments.")
	}
	var out []*citdesk.Assignment
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		out, err = tx.listAssignments(ctx, actor.AgencyID, f)
		return err
	})
	return out, err
}

// listAssignments lists agencyID's assignments that f selects, oldest
// dispatch first.
func (tx *Tx) listAssignments(ctx context.Context, agencyID int64, f citdesk.AssignmentFilter) ([]*citdesk.Assignment, error) {
	q, args := assignmentsQuery(agencyID, f)
	return queryAll(ctx, tx, "list assignments", scanAssignment, q, args...)
}

// assignmentsQuery returns listAssignments' query and its arguments.
func assignmentsQuery(agencyID int64, f citdesk.AssignmentFilter) (string, []any) {
	q := assignmentSelect + ` WHERE a.agency_id = ?`
	if f.Active && f.CallID == 0 && f.OfficerID == 0 && f.Since.IsZero() {
		// The active assignments, which the dispatch state reads: by
		// assignments_one_active, which holds only those. With the
		// agency's column indexable SQLite walked the agency's every
		// assignment by dispatch time instead (TestActiveAssignmentsPlan).
		q = assignmentSelect + ` WHERE +a.agency_id = ?`
	}
	args := []any{agencyID}
	if f.CallID != 0 {
		q += ` AND a.call_id = ?`
		args = append(args, f.CallID)
	}
	if f.OfficerID != 0 {
		q += ` AND a.officer_id = ?`
		args = append(args, f.OfficerID)
	}
	if f.Active {
		q += ` AND a.cleared_at IS NULL`
	}
	if !f.Since.IsZero() {
		q += ` AND a.dispatched_at >= ?`
		args = append(args, micros(f.Since))
	}
	if f.CallID != 0 {
		// A call has a handful of assignments: find them by the call's
		// index and sort them. Ordered by the bare column, SQLite walks
		// the agency's whole dispatch-time index instead to skip the sort
		// (every assignment the agency ever had, on each close of a call:
		// a third of the write path's time in a profile, issue 12).
		q += ` ORDER BY a.dispatched_at + 0, a.id`
	} else {
		q += ` ORDER BY a.dispatched_at, a.id`
	}
	return q, args
}

// MoveAssignment moves an assignment forward when version is current: by
// the officer on it, or by a dispatcher or admin. Each step is timestamped;
// the officer's duty status follows (en route, on scene, available once
// cleared) and the call goes on scene with its first officer there. The
// call stays open until a dispatcher closes it.
func (s callService) MoveAssignment(ctx context.Context, id int64, version int64, status citdesk.AssignmentStatus) (*citdesk.Assignment, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !status.Valid() || status == citdesk.AssignDispatched {
		return nil, citdesk.FieldErrorf("status", "Status must be en_route, on_scene or cleared.")
	}
	agencyID := actor.AgencyID
	var (
		plan      *movePlan
		callMoved bool
	)
	// On SQLite the reads and checks run on a reader (readsBeforeWrite);
	// the write transaction checks that the call is as read and writes
	// the assignment only at the version read, planning again inside when
	// the call moved meanwhile (issue 12: a short writer). On PostgreSQL
	// it all runs in the write transaction, the call locked first, as
	// CreateAssignment does, so the two never deadlock.
	if readsBeforeWrite(s.db) {
		err = s.db.readTx(ctx, func(tx *Tx) (err error) {
			plan, err = planMove(ctx, tx, actor, id, version, status)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if plan == nil {
			// Lock the call first, as CreateAssignment does, so the two
			// never deadlock on PostgreSQL.
			var callID int64
			err := tx.QueryRowContext(ctx, `SELECT call_id FROM assignments WHERE agency_id = ? AND id = ?`, agencyID, id).Scan(&callID)
			if errors.Is(err, sql.ErrNoRows) {
				return citdesk.Errorf(citdesk.ENOTFOUND, "Assignment not found.")
			} else if err != nil {
				return err
			}
			if _, err := tx.findCall(ctx, agencyID, callID, true); err != nil {
				return err
			}
			if plan, err = planMove(ctx, tx, actor, id, version, status); err != nil {
				return err
			}
		}
		var callVersion int64
		err := tx.QueryRowContext(ctx, `SELECT version FROM calls WHERE agency_id = ? AND id = ?`+tx.db.dialect.forUpdate, agencyID, plan.call.ID).Scan(&callVersion)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if callVersion != plan.call.Version {
			if plan, err = planMove(ctx, tx, actor, id, version, status); err != nil {
				return err
			}
		}
		a, call := plan.assignment, plan.call
		now := tx.now
		switch status {
		case citdesk.AssignEnRoute:
			a.EnRouteAt = &now
		case citdesk.AssignOnScene:
			a.OnSceneAt = &now
		case citdesk.AssignCleared:
			a.ClearedAt = &now
		}
		a.Status = status
		res, err := tx.ExecContext(ctx, `UPDATE assignments SET status = ?, en_route_at = ?, on_scene_at = ?, cleared_at = ?, version = version + 1
			WHERE agency_id = ? AND id = ? AND version = ?`,
			string(a.Status), nullMicros(a.EnRouteAt), nullMicros(a.OnSceneAt), nullMicros(a.ClearedAt), agencyID, id, version)
		if err != nil {
			return fmt.Errorf("move assignment: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return citdesk.Errorf(citdesk.EPRECONDITION, "This assignment changed since you loaded it; reload and try again.")
		}
		a.Version++

		// The officer's duty status follows, unless they went off duty (or
		// busy) meanwhile and are only now clearing the paperwork.
		duty, err := readDuty(ctx, tx, agencyID, a.OfficerID)
		if err != nil {
			return err
		}
		onCall := map[string]bool{string(citdesk.StatusDispatched): true, string(citdesk.StatusEnRoute): true, string(citdesk.StatusOnScene): true}
		officerDuty := citdesk.DutyStatus(duty.status.String)
		if status != citdesk.AssignCleared || onCall[duty.status.String] {
			if err := writeStatus(ctx, tx, actor, &citdesk.StatusChange{OfficerID: a.OfficerID, Status: status.DutyStatus()}, duty); err != nil {
				return err
			}
			officerDuty = status.DutyStatus()
		}

		// The call follows its officers (citdesk.CallStatus.AfterMove).
		var active, reached int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(CASE WHEN cleared_at IS NULL THEN 1 END), COUNT(on_scene_at) FROM assignments WHERE agency_id = ? AND call_id = ?`,
			agencyID, call.ID).Scan(&active, &reached); err != nil {
			return err
		}
		if callMoved, err = tx.setCallStatus(ctx, call, call.Status.AfterMove(status, active, reached > 0)); err != nil {
			return err
		}
		if err := tx.audit(ctx, actor, "assignment.move", "assignment", a.ID, string(status)); err != nil {
			return err
		}
		if err := enqueueAssignmentEvent(ctx, tx, citdesk.HookAssignmentUpdated, a, call, callMoved); err != nil {
			return err
		}
		// The officer as the board shows them now (setStatus moves
		// "since" only when the status itself changes).
		if o := plan.officer; o.Duty == nil {
			o.Duty = &citdesk.DutyState{Status: officerDuty, Since: now, Stale: true}
		} else if o.Duty.Status != officerDuty {
			o.Duty.Status, o.Duty.Since = officerDuty, now
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a, call, officer := plan.assignment, plan.call, plan.officer
	s.db.publish(ctx, citdesk.EventAssignment, agencyID, a.ID, a)
	s.db.publish(ctx, citdesk.EventOfficerStatus, agencyID, officer.ID, officer)
	if callMoved {
		s.db.publish(ctx, citdesk.EventCallUpdated, agencyID, call.ID, call.Summary())
	}
	return a, nil
}

// ReportsDue lists the signed-in officer's cleared assignments whose report
// is not filed (citdesk.ReportFiled), most recently cleared first, at most
// 100. It reads no person-level data, so nothing is audited.
func (s callService) ReportsDue(ctx context.Context) ([]*citdesk.ReportDue, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadOwnShift)
	if err != nil {
		return nil, err
	}
	due := []*citdesk.ReportDue{}
	if actor.OfficerID == nil {
		return due, nil
	}
	err = s.db.readTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT a.id, a.call_id, c.nature, a.cleared_at, e.id, e.status
			FROM assignments a JOIN calls c ON c.agency_id = a.agency_id AND c.id = a.call_id
			LEFT JOIN encounters e ON e.agency_id = a.agency_id AND e.assignment_id = a.id
			WHERE a.agency_id = ? AND a.officer_id = ? AND a.cleared_at IS NOT NULL AND (e.id IS NULL OR e.status NOT IN (?, ?))
			ORDER BY a.cleared_at DESC, a.id DESC LIMIT 100`, actor.AgencyID, *actor.OfficerID, string(citdesk.EncounterSubmitted), string(citdesk.EncounterApproved))
		if err != nil {
			return fmt.Errorf("reports due: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var d citdesk.ReportDue
			var cleared int64
			var encID sql.NullInt64
			var status sql.NullString
			if err := rows.Scan(&d.AssignmentID, &d.CallID, &d.Nature, &cleared, &encID, &status); err != nil {
				return err
			}
			d.ReportStatus = citdesk.EncounterStatus(status.String)
			if citdesk.ReportFiled(d.ReportStatus) { // the query's filter, by the rule's own words
				continue
			}
			d.ClearedAt = fromMicros(cleared)
			if encID.Valid {
				id := encID.Int64
				d.EncounterID = &id
			}
			due = append(due, &d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return due, nil
}
