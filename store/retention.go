package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"citdesk"
)

// Retention keeps records for as long as each agency's schedules say and
// no longer: it stores the schedules, purges what is due, and exports a
// person's record for a records request. It is the operator's, from the
// command line and serve's nightly purge; of it only ErasePerson is also
// an admin's, through the API (ErasureService).
type Retention struct{ db *DB }

// Retention returns the retention service.
func (db *DB) Retention() *Retention { return &Retention{db} }

// Schedules returns the agency's retention rules, in the order of
// citdesk.RecordKinds; kinds without a rule are kept for ever.
func (r *Retention) Schedules(ctx context.Context, agencyID int64) ([]citdesk.RetentionRule, error) {
	var rules []citdesk.RetentionRule
	err := r.db.readTx(ctx, func(tx *Tx) error {
		var err error
		rules, err = schedules(ctx, tx, agencyID)
		return err
	})
	return rules, err
}

func schedules(ctx context.Context, tx *Tx, agencyID int64) ([]citdesk.RetentionRule, error) {
	got, err := queryAll(ctx, tx, "read retention schedules", func(row rowScanner) (citdesk.RetentionRule, error) {
		var rr citdesk.RetentionRule
		err := row.Scan(&rr.Kind, &rr.Years, &rr.Days)
		return rr, err
	}, `SELECT kind, years, days FROM retention_schedules WHERE agency_id = ?`, agencyID)
	if err != nil {
		return nil, err
	}
	var rules []citdesk.RetentionRule
	for _, k := range citdesk.RecordKinds {
		for _, rr := range got {
			if rr.Kind == k {
				rules = append(rules, rr)
			}
		}
	}
	return rules, nil
}

// SetSchedule sets the agency's rule for rule.Kind, recorded in the audit
// trail as the actor in ctx (the operator).
func (r *Retention) SetSchedule(ctx context.Context, agencyID int64, rule citdesk.RetentionRule) error {
	if err := rule.Validate(); err != nil {
		return err
	}
	a := actorOr(ctx, agencyID)
	return r.db.writeTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM retention_schedules WHERE agency_id = ? AND kind = ?`, agencyID, rule.Kind); err != nil {
			return fmt.Errorf("set retention: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO retention_schedules (agency_id, kind, years, days, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			agencyID, rule.Kind, rule.Years, rule.Days, a.Username, micros(tx.now)); err != nil {
			return fmt.Errorf("set retention: %w", err)
		}
		return tx.appendAudit(ctx, actorEvent(a, "retention.set", "retention", string(rule.Kind), "keep "+rule.Period()))
	})
}

// RemoveSchedule removes the agency's rule for kind: those records are
// then kept for ever.
func (r *Retention) RemoveSchedule(ctx context.Context, agencyID int64, kind citdesk.RecordKind) error {
	if err := (citdesk.RetentionRule{Kind: kind, Years: 1}).Validate(); err != nil {
		return err
	}
	a := actorOr(ctx, agencyID)
	return r.db.writeTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM retention_schedules WHERE agency_id = ? AND kind = ?`, agencyID, kind); err != nil {
			return fmt.Errorf("remove retention: %w", err)
		}
		return tx.appendAudit(ctx, actorEvent(a, "retention.set", "retention", string(kind), "keep for ever"))
	})
}

// actorOr is the actor in ctx, or the operator of the agency.
func actorOr(ctx context.Context, agencyID int64) *citdesk.Actor {
	if a := citdesk.ActorFromContext(ctx); a != nil {
		return a
	}
	return citdesk.OperatorActor(agencyID)
}

// errDryRun rolls a purge's transaction back after it has counted.
var errDryRun = errors.New("dry run")

// purgeStep is one statement of a kind's purge: the table it deletes from
// (or, with detach, updates) and its SQL.
type purgeStep struct {
	table  string
	sql    string
	detach bool
}

// Purge deletes, for every agency and kind with a schedule, what is due at
// the database clock's now: one transaction per agency and kind, each
// leaving a "retention.purge" audit event with its counts. With dryRun it
// counts what would go and rolls every transaction back. The audit trail
// is one chain for the whole citdesk, so its oldest events are purged only
// when every agency has an audit schedule, and only those older than the
// longest of them; the purge first seals the chain where the purged prefix
// ends (see sealAndPurgeAudit).
func (r *Retention) Purge(ctx context.Context, dryRun bool) ([]*citdesk.PurgeResult, error) {
	type agencyRow struct {
		id   int64
		slug string
	}
	var agencies []agencyRow
	err := r.db.readTx(ctx, func(tx *Tx) error {
		var err error
		agencies, err = queryAll(ctx, tx, "list agencies", func(row rowScanner) (agencyRow, error) {
			var a agencyRow
			err := row.Scan(&a.id, &a.slug)
			return a, err
		}, `SELECT id, slug FROM agencies ORDER BY id`)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := r.db.now()
	var results []*citdesk.PurgeResult
	var auditCutoff time.Time
	auditEverywhere := len(agencies) > 0
	for _, ag := range agencies {
		var rules []citdesk.RetentionRule
		if err := r.db.readTx(ctx, func(tx *Tx) error {
			var err error
			rules, err = schedules(ctx, tx, ag.id)
			return err
		}); err != nil {
			return results, err
		}
		hasAudit := false
		var due []citdesk.RetentionRule
		for _, rule := range rules {
			if rule.Kind == citdesk.KindAudit {
				hasAudit = true
				if cutoff := rule.Cutoff(now); auditCutoff.IsZero() || cutoff.Before(auditCutoff) {
					auditCutoff = cutoff
				}
				continue
			}
			due = append(due, rule)
		}
		if dryRun {
			// One transaction for all kinds, rolled back: a kind purged
			// first (crisis plans) frees records of the next (persons).
			var res []*citdesk.PurgeResult
			err := r.db.writeTx(ctx, func(tx *Tx) error {
				for _, rule := range due {
					p, err := purgeKind(ctx, tx, ag.id, ag.slug, rule, now)
					if err != nil {
						return err
					}
					res = append(res, p)
				}
				return errDryRun
			})
			if err != nil && !errors.Is(err, errDryRun) {
				return results, err
			}
			results = append(results, res...)
		} else {
			for _, rule := range due {
				var p *citdesk.PurgeResult
				err := r.db.writeTx(ctx, func(tx *Tx) error {
					var err error
					p, err = purgeKind(ctx, tx, ag.id, ag.slug, rule, now)
					if err == nil && purgedOutcomeRows(p) {
						err = markOutcomesRemoved(ctx, tx, ag.id)
					}
					return err
				})
				if err != nil {
					return results, err
				}
				results = append(results, p)
				if purgedOutcomeRows(p) {
					// Deleted rows are seen by no change stamp: the
					// outcome snapshot must not keep them (forgetOutcomes).
					forgetOutcomes(r.db, ag.id)
				}
			}
		}
		auditEverywhere = auditEverywhere && hasAudit
	}
	if auditEverywhere {
		res, err := r.sealAndPurgeAudit(ctx, auditCutoff, dryRun)
		if err != nil {
			return results, err
		}
		results = append(results, res)
	}
	return results, nil
}

// purgeKind deletes in tx what rule makes due in the agency and appends
// a "retention.purge" event with the counts, when anything was due.
func purgeKind(ctx context.Context, tx *Tx, agencyID int64, slug string, rule citdesk.RetentionRule, now time.Time) (*citdesk.PurgeResult, error) {
	cutoff := rule.Cutoff(now)
	if rule.Kind == citdesk.KindCrisisPlans {
		// A plan's expiry is a date in the agency's time zone: the days
		// are counted on its calendar (across a change to or from
		// daylight saving time a day is not 24 hours) and the cutoff's
		// date is taken there, not in UTC (purgeArgs).
		var tz string
		if err := tx.QueryRowContext(ctx, `SELECT timezone FROM agencies WHERE id = ?`, agencyID).Scan(&tz); err != nil {
			return nil, fmt.Errorf("purge %s of %s: agency time zone: %w", rule.Kind, slug, err)
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return nil, fmt.Errorf("purge %s of %s: agency time zone %q: %w", rule.Kind, slug, tz, err)
		}
		cutoff = now.In(loc).AddDate(-rule.Years, 0, -rule.Days)
	}
	res := &citdesk.PurgeResult{Agency: slug, Kind: rule.Kind, Cutoff: cutoff, Deleted: map[string]int64{}}
	for _, st := range purgeSteps(rule.Kind) {
		sr, err := tx.ExecContext(ctx, st.sql, purgeArgs(rule.Kind, agencyID, cutoff, tx.now, st)...)
		if err != nil {
			return nil, fmt.Errorf("purge %s of %s: %s: %w", rule.Kind, slug, st.table, err)
		}
		n, err := sr.RowsAffected()
		if err != nil {
			return nil, err
		}
		if st.detach {
			res.Detached += n
		} else if n > 0 {
			res.Deleted[st.table] += n
		}
	}
	if res.Total() == 0 && res.Detached == 0 {
		return res, nil // nothing due: no event either
	}
	op := citdesk.OperatorActor(agencyID)
	op.Remote = "retention"
	return res, tx.appendAudit(ctx, actorEvent(op, "retention.purge", "retention", string(rule.Kind), purgeDetail(res, rule)))
}

func purgeDetail(res *citdesk.PurgeResult, rule citdesk.RetentionRule) string {
	var parts []string
	for _, t := range []string{"sessions", "session_step_ups", "mfa_challenges", "crisis_plans", "crisis_plan_photos", "encounters", "encounter_reviews", "encounter_versions", "referrals", "referral_notes", "calls", "assignments", "call_transfers", "cad_incidents", "complaints", "webhook_deliveries", "persons", "audit_events"} {
		if n := res.Deleted[t]; n > 0 {
			parts = append(parts, t+"="+strconv.FormatInt(n, 10))
		}
	}
	if res.Detached > 0 {
		parts = append(parts, "reports_detached="+strconv.FormatInt(res.Detached, 10))
	}
	return fmt.Sprintf("keep %s: before %s deleted %s", rule.Period(), res.Cutoff.Format(time.RFC3339), strings.Join(parts, " "))
}

// Each kind's purge, children before parents. "?c" in a condition is the
// cutoff; the arguments are filled by purgeArgs.
const (
	dueSessions = `(SELECT id FROM sessions WHERE agency_id = ? AND (expires_at < ? OR ended_at < ?))`
	// A legal hold on a person (legal_holds) keeps their plans, reports
	// and record whatever the schedules say.
	duePlans = `(SELECT id FROM crisis_plans WHERE agency_id = ? AND expires_on < ?
		AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.agency_id = crisis_plans.agency_id AND h.person_id = crisis_plans.person_id))`
	dueReports = `(SELECT id FROM encounters WHERE agency_id = ? AND (CASE WHEN occurred_known THEN occurred_at ELSE created_at END) < ?
		AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.agency_id = encounters.agency_id AND h.person_id = encounters.person_id))`
	dueReferrals = `(SELECT id FROM referrals WHERE agency_id = ? AND encounter_id IN ` + dueReports + `)`
	dueCalls     = `(SELECT id FROM calls WHERE agency_id = ? AND status = 'closed' AND closed_at < ?)`
	// A person is due when nothing of theirs is left but reports older
	// than the cutoff, and their record has not changed since it.
	duePersons = `(SELECT id FROM persons WHERE agency_id = ? AND updated_at < ?
		AND NOT EXISTS (SELECT 1 FROM encounters e WHERE e.agency_id = persons.agency_id AND e.person_id = persons.id AND (CASE WHEN e.occurred_known THEN e.occurred_at ELSE e.created_at END) >= ?)
		AND NOT EXISTS (SELECT 1 FROM crisis_plans c WHERE c.agency_id = persons.agency_id AND c.person_id = persons.id)
		AND NOT EXISTS (SELECT 1 FROM referrals f WHERE f.agency_id = persons.agency_id AND f.person_id = persons.id)
		AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.agency_id = persons.agency_id AND h.person_id = persons.id))`
)

func purgeSteps(kind citdesk.RecordKind) []purgeStep {
	switch kind {
	case citdesk.KindSessions:
		return []purgeStep{
			{table: "session_step_ups", sql: `DELETE FROM session_step_ups WHERE session_id IN ` + dueSessions},
			{table: "sessions", sql: `DELETE FROM sessions WHERE id IN ` + dueSessions},
			{table: "mfa_challenges", sql: `DELETE FROM mfa_challenges WHERE agency_id = ? AND expires_at < ?`},
		}
	case citdesk.KindCrisisPlans:
		return []purgeStep{
			{table: "crisis_plan_photos", sql: `DELETE FROM crisis_plan_photos WHERE plan_id IN ` + duePlans},
			{table: "crisis_plans", sql: `DELETE FROM crisis_plans WHERE id IN ` + duePlans},
		}
	case citdesk.KindReports:
		return []purgeStep{
			{table: "referral_notes", sql: `DELETE FROM referral_notes WHERE referral_id IN ` + dueReferrals},
			{table: "referrals", sql: `DELETE FROM referrals WHERE id IN ` + dueReferrals},
			{table: "encounter_reviews", sql: `DELETE FROM encounter_reviews WHERE encounter_id IN ` + dueReports},
			{table: "encounter_versions", sql: `DELETE FROM encounter_versions WHERE encounter_id IN ` + dueReports},
			{table: "encounters", sql: `DELETE FROM encounters WHERE id IN ` + dueReports},
		}
	case citdesk.KindCalls:
		return []purgeStep{
			{table: "cad_incidents", sql: `DELETE FROM cad_incidents WHERE call_id IN ` + dueCalls},
			// Webhook deliveries carry a copy of the call (an EIDO with the
			// caller): they go by the calls' schedule once sent or given up
			// on; a pending one still has to go out.
			{table: "webhook_deliveries", sql: `DELETE FROM webhook_deliveries WHERE agency_id = ? AND created_at < ? AND (delivered_at IS NOT NULL OR dead_at IS NOT NULL)`},
			{table: "assignments", sql: `DELETE FROM assignments WHERE call_id IN ` + dueCalls},
			{table: "call_transfers", sql: `DELETE FROM call_transfers WHERE call_id IN ` + dueCalls},
			{table: "call_liaisons", sql: `DELETE FROM call_liaisons WHERE call_id IN ` + dueCalls},
			// County mutual aid: the requests made for a call go with it.
			{table: "mutual_aid_requests", sql: `DELETE FROM mutual_aid_requests WHERE call_id IN ` + dueCalls},
			{table: "calls", sql: `DELETE FROM calls WHERE id IN ` + dueCalls},
		}
	case citdesk.KindComplaints:
		return []purgeStep{
			{table: "complaints", sql: `DELETE FROM complaints WHERE agency_id = ? AND status = 'closed' AND closed_at < ?`},
		}
	case citdesk.KindPersons:
		return []purgeStep{
			// Reports kept longer than their person lose only the link.
			{table: "encounters", detach: true, sql: `UPDATE encounters SET person_id = NULL, version = version + 1, updated_at = ? WHERE person_id IN ` + duePersons},
			{table: "persons", sql: `DELETE FROM persons WHERE id IN ` + duePersons},
		}
	}
	return nil
}

// purgeArgs returns the arguments of step st of kind's purge.
func purgeArgs(kind citdesk.RecordKind, agencyID int64, cutoff, now time.Time, st purgeStep) []any {
	c := micros(cutoff)
	switch kind {
	case citdesk.KindSessions:
		if st.table == "mfa_challenges" {
			return []any{agencyID, c}
		}
		return []any{agencyID, c, c}
	case citdesk.KindCrisisPlans:
		// cutoff is in the agency's zone (purgeKind): its date there.
		return []any{agencyID, cutoff.Format(time.DateOnly)}
	case citdesk.KindReports:
		if st.table == "referral_notes" || st.table == "referrals" {
			return []any{agencyID, agencyID, c}
		}
		return []any{agencyID, c}
	case citdesk.KindCalls, citdesk.KindComplaints:
		return []any{agencyID, c}
	case citdesk.KindPersons:
		if st.detach {
			return []any{micros(now), agencyID, c, c}
		}
		return []any{agencyID, c, c}
	}
	return nil
}

// sealAgency labels a seal's signature, so that no checkpoint an operator
// exported (whose label is an agency slug or "") can serve as a seal.
const sealAgency = "seal: purged audit events"

// sealAndPurgeAudit purges the audit events before cutoff: the longest
// prefix of the chain older than it. In one transaction it appends a
// "retention.purge" event that names the prefix, stores a seal (the last
// purged event's seq and hash, signed with the audit key: a checkpoint
// kept in the database), and deletes the prefix, which the append-only
// trigger allows only for events a seal covers. Verification then starts
// at the newest seal.
func (r *Retention) sealAndPurgeAudit(ctx context.Context, cutoff time.Time, dryRun bool) (*citdesk.PurgeResult, error) {
	res := &citdesk.PurgeResult{Kind: citdesk.KindAudit, Cutoff: cutoff, Deleted: map[string]int64{}}
	err := r.db.writeTx(ctx, func(tx *Tx) error {
		var head, sealed int64
		if err := tx.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1`+tx.db.dialect.forUpdate).Scan(&head); err != nil {
			return fmt.Errorf("read audit head: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM audit_seals`).Scan(&sealed); err != nil {
			return fmt.Errorf("read audit seals: %w", err)
		}
		var first sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MIN(seq) FROM audit_events WHERE at >= ?`, micros(cutoff)).Scan(&first); err != nil {
			return fmt.Errorf("find the audit events to keep: %w", err)
		}
		upTo := head
		if first.Valid {
			upTo = first.Int64 - 1
		}
		if upTo <= sealed {
			return errDryRun // nothing due
		}
		var hash string
		if err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_events WHERE seq = ?`, upTo).Scan(&hash); err != nil {
			return fmt.Errorf("read audit event %d: %w", upTo, err)
		}
		seal := &citdesk.AuditCheckpoint{Agency: sealAgency, Seq: upTo, Hash: hash, At: tx.now}
		tx.db.auditKey.SignCheckpoint(seal)
		n := upTo - sealed
		if err := tx.appendAudit(ctx, &citdesk.AuditEvent{Actor: "operator", Remote: "retention", Action: "retention.purge", ObjectType: "audit", ObjectID: strconv.FormatInt(upTo, 10),
			Detail: fmt.Sprintf("before %s: events %d to %d (%d) purged; sealed at event %d, hash %s", cutoff.Format(time.RFC3339), sealed+1, upTo, n, upTo, hash)}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_seals (seq, hash, at, sig, purged) VALUES (?, ?, ?, ?, ?)`, seal.Seq, seal.Hash, micros(seal.At), seal.Sig, n); err != nil {
			return fmt.Errorf("seal the audit chain: %w", err)
		}
		sr, err := tx.ExecContext(ctx, `DELETE FROM audit_events WHERE seq <= ?`, upTo)
		if err != nil {
			return fmt.Errorf("purge audit events: %w", err)
		}
		if res.Deleted["audit_events"], err = sr.RowsAffected(); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, err
	}
	return res, nil
}

// newestSeal returns the newest audit seal, or nil when nothing was ever
// purged.
func (db *DB) newestSeal(ctx context.Context) (*citdesk.AuditCheckpoint, error) {
	var s *citdesk.AuditCheckpoint
	err := db.readTx(ctx, func(tx *Tx) error {
		var at int64
		c := &citdesk.AuditCheckpoint{Agency: sealAgency}
		err := tx.QueryRowContext(ctx, `SELECT seq, hash, at, sig FROM audit_seals ORDER BY seq DESC LIMIT 1`).Scan(&c.Seq, &c.Hash, &at, &c.Sig)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read audit seals: %w", err)
		}
		c.At = fromMicros(at)
		s = c
		return nil
	})
	return s, err
}

// purgedOutcomeRows reports whether purge p deleted rows the outcome
// snapshot holds (reports, referrals, calls, complaints), which no change
// stamp sees.
func purgedOutcomeRows(p *citdesk.PurgeResult) bool {
	return p.Deleted["encounters"]+p.Deleted["referrals"]+p.Deleted["calls"]+p.Deleted["complaints"]+p.Detached > 0
}
