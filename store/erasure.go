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

// ErasePerson erases person id of the agency where policy allows
// (citdesk.ErasureCheck: no legal hold, no report still inside its
// retention period), in one transaction: it deletes the person, their
// crisis plans with photos and their referrals with notes, and keeps their
// reports de-identified (the link, narrative, place and correction history
// blanked; the coded fields the outcome figures count stay). One
// "person.erase" audit event records what was done, in counts, never what
// was erased; the audit events about the person keep only their id, and
// the chain is not touched.
func (r *Retention) ErasePerson(ctx context.Context, agencyID, personID int64) (*citdesk.ErasureResult, error) {
	a := actorOr(ctx, agencyID)
	res := &citdesk.ErasureResult{PersonID: personID, Deleted: map[string]int64{}}
	err := r.db.writeTx(ctx, func(tx *Tx) error {
		var slug string
		if err := tx.QueryRowContext(ctx, `SELECT slug FROM agencies WHERE id = ?`, agencyID).Scan(&slug); err != nil {
			return fmt.Errorf("agency %d: %w", agencyID, err)
		}
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM persons WHERE agency_id = ? AND id = ?`+tx.db.dialect.forUpdate, agencyID, personID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return citdesk.Errorf(citdesk.ENOTFOUND, "No person %d in agency %s.", personID, slug)
		} else if err != nil {
			return fmt.Errorf("erase person: %w", err)
		}
		check, err := erasureCheck(ctx, tx, agencyID, personID)
		if err != nil {
			return err
		}
		if err := check.Check(tx.now); err != nil {
			return err
		}
		seal := tx.db.fields.sealer()
		erasedBody, erasedName, erasedContact := seal.text(colComplaintBody, citdesk.ComplaintErasedText), seal.text(colComplaintName, ""), seal.text(colComplaintContact, "")
		if seal.err != nil {
			return seal.err
		}
		plans := `(SELECT id FROM crisis_plans WHERE agency_id = ? AND person_id = ?)`
		referrals := `(SELECT id FROM referrals WHERE agency_id = ? AND person_id = ?)`
		reports := `(SELECT id FROM encounters WHERE agency_id = ? AND person_id = ?)`
		two := []any{agencyID, personID}
		for _, st := range []struct {
			table string
			sql   string
			args  []any
		}{
			{"crisis_plan_photos", `DELETE FROM crisis_plan_photos WHERE plan_id IN ` + plans, two},
			{"crisis_plans", `DELETE FROM crisis_plans WHERE agency_id = ? AND person_id = ?`, two},
			{"referral_notes", `DELETE FROM referral_notes WHERE referral_id IN ` + referrals, two},
			{"referrals", `DELETE FROM referrals WHERE agency_id = ? AND person_id = ?`, two},
			// A correction's snapshot holds the report as it was, with the
			// narrative; a review's comment may quote it.
			{"encounter_versions", `DELETE FROM encounter_versions WHERE encounter_id IN ` + reports, two},
			{"", `UPDATE encounter_reviews SET comment = '' WHERE encounter_id IN ` + reports, two},
			// A complaint about a contact with the person may describe
			// them, and its complainant is often family: it loses the
			// link to their report, its text (a fixed marker instead) and
			// the complainant's contact, keeping its kind, dates,
			// disposition, call and officers so the measures still count
			// it. Counted as complaints_redacted.
			{"complaints_redacted", `UPDATE complaints SET encounter_id = NULL, body = ?, contact_name = ?, contact = ?, version = version + 1, updated_at = ?
				WHERE agency_id = ? AND encounter_id IN ` + reports, []any{erasedBody, erasedName, erasedContact, micros(tx.now), agencyID, agencyID, personID}},
			{"reports", `UPDATE encounters SET person_id = NULL, narrative = '', address = '', lat = NULL, lon = NULL, version = version + 1, updated_at = ?
				WHERE agency_id = ? AND person_id = ?`, []any{micros(tx.now), agencyID, personID}},
			{"persons", `DELETE FROM persons WHERE agency_id = ? AND id = ?`, two},
		} {
			sr, err := tx.ExecContext(ctx, st.sql, st.args...)
			if err != nil {
				return fmt.Errorf("erase person %d: %s: %w", personID, st.table, err)
			}
			n, err := sr.RowsAffected()
			if err != nil {
				return err
			}
			switch {
			case st.table == "reports":
				res.Detached = n
			case st.table != "" && n > 0:
				res.Deleted[st.table] = n
			}
		}
		if err := markOutcomesRemoved(ctx, tx, agencyID); err != nil {
			return err
		}
		return tx.audit(ctx, a, "person.erase", "person", personID, erasureDetail(res))
	})
	if err != nil {
		return nil, err
	}
	// The person's referrals were deleted, which no change stamp sees, and
	// the outcome snapshot's file holds their reports as they were: forget
	// both, so neither keeps anything of the person.
	forgetOutcomes(r.db, agencyID)
	return res, nil
}

// ErasureService returns the erasure service for the admin API: ErasePerson
// for the agency of the actor in ctx, who must be allowed ErasePerson.
func (db *DB) ErasureService() citdesk.ErasureService { return erasureService{db} }

type erasureService struct{ db *DB }

func (s erasureService) ErasePerson(ctx context.Context, personID int64) (*citdesk.ErasureResult, error) {
	actor, err := citdesk.Require(ctx, citdesk.ErasePerson)
	if err != nil {
		return nil, err
	}
	return s.db.Retention().ErasePerson(ctx, actor.AgencyID, personID)
}

// erasureCheck reads what citdesk.ErasureCheck decides on.
func erasureCheck(ctx context.Context, tx *Tx, agencyID, personID int64) (citdesk.ErasureCheck, error) {
	var c citdesk.ErasureCheck
	err := tx.QueryRowContext(ctx, `SELECT reason FROM legal_holds WHERE agency_id = ? AND person_id = ?`, agencyID, personID).Scan(&c.Hold)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("read legal hold: %w", err)
	}
	rules, err := schedules(ctx, tx, agencyID)
	if err != nil {
		return c, err
	}
	for _, rule := range rules {
		if rule.Kind == citdesk.KindReports {
			c.ReportsRule = &rule
		}
	}
	c.Reports, err = queryAll(ctx, tx, "read the person's reports", func(row rowScanner) (time.Time, error) {
		var at int64
		err := row.Scan(&at)
		return fromMicros(at), err
	}, `SELECT CASE WHEN occurred_known THEN occurred_at ELSE created_at END FROM encounters WHERE agency_id = ? AND person_id = ?`, agencyID, personID)
	return c, err
}

func erasureDetail(res *citdesk.ErasureResult) string {
	var parts []string
	for _, t := range []string{"persons", "crisis_plans", "crisis_plan_photos", "referrals", "referral_notes", "encounter_versions", "complaints_redacted"} {
		if n := res.Deleted[t]; n > 0 {
			parts = append(parts, t+"="+strconv.FormatInt(n, 10))
		}
	}
	if res.Detached > 0 {
		parts = append(parts, "reports_deidentified="+strconv.FormatInt(res.Detached, 10))
	}
	return "records request: erased " + strings.Join(parts, " ")
}

// SetLegalHold puts person id of the agency under a legal hold for reason:
// from then on neither the purge nor an erasure touches the person, their
// reports or plans. It is recorded in the audit trail (with the reason).
func (r *Retention) SetLegalHold(ctx context.Context, agencyID, personID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return citdesk.FieldErrorf("reason", "Give the hold's reason (a case or request number).")
	}
	if len(reason) > 200 {
		return citdesk.FieldErrorf("reason", "The reason must be at most 200 characters.")
	}
	a := actorOr(ctx, agencyID)
	return r.db.writeTx(ctx, func(tx *Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM persons WHERE agency_id = ? AND id = ?`, agencyID, personID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return citdesk.Errorf(citdesk.ENOTFOUND, "No person %d in this agency.", personID)
		} else if err != nil {
			return fmt.Errorf("legal hold: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM legal_holds WHERE agency_id = ? AND person_id = ?`, agencyID, personID); err != nil {
			return fmt.Errorf("legal hold: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO legal_holds (agency_id, person_id, reason, set_by, set_at) VALUES (?, ?, ?, ?, ?)`,
			agencyID, personID, reason, a.Username, micros(tx.now)); err != nil {
			return fmt.Errorf("legal hold: %w", err)
		}
		return tx.audit(ctx, a, "person.hold", "person", personID, "legal hold: "+reason)
	})
}

// ReleaseLegalHold ends the legal hold on person id of the agency.
func (r *Retention) ReleaseLegalHold(ctx context.Context, agencyID, personID int64) error {
	a := actorOr(ctx, agencyID)
	return r.db.writeTx(ctx, func(tx *Tx) error {
		sr, err := tx.ExecContext(ctx, `DELETE FROM legal_holds WHERE agency_id = ? AND person_id = ?`, agencyID, personID)
		if err != nil {
			return fmt.Errorf("release legal hold: %w", err)
		}
		if n, err := sr.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return citdesk.Errorf(citdesk.ENOTFOUND, "Person %d is not under a legal hold in this agency.", personID)
		}
		return tx.audit(ctx, a, "person.release", "person", personID, "legal hold released")
	})
}
