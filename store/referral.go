package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"citdesk"
)

// ReferralService returns the Mental Health Liaison referral service.
func (db *DB) ReferralService() citdesk.ReferralService { return referralService{db} }

type referralService struct{ db *DB }

const referralColumns = `r.id, r.agency_id, r.encounter_id, r.person_id, r.liaison_user_id, r.status, r.outcome, r.reason, r.follow_up_due,
	r.created_by, r.created_at, r.updated_at, r.closed_at, r.survey_respondent, r.survey_respect, r.survey_safety, r.survey_help, r.survey_comment, r.survey_at, r.survey_by,
	r.version, p.first_name, p.last_name, COALESCE(NULLIF(u.display_name, ''), u.username, '')`

const referralFrom = ` FROM referrals r JOIN persons p ON p.agency_id = r.agency_id AND p.id = r.person_id LEFT JOIN users u ON u.id = r.liaison_user_id`

// scanReferral reads a row of referralColumns, opening the person's name.
func (k *fieldKeys) scanReferral(row rowScanner) (*citdesk.Referral, error) {
	var r citdesk.Referral
	var liaison, closed, respect, safety, help, surveyAt, surveyBy sql.NullInt64
	var status, outcome, follow, first, last string
	var respondent, comment sql.NullString
	var created, updated int64
	if err := row.Scan(&r.ID, &r.AgencyID, &r.EncounterID, &r.PersonID, &liaison, &status, &outcome, &r.Reason, &follow,
		&r.CreatedBy, &created, &updated, &closed, &respondent, &respect, &safety, &help, &comment, &surveyAt, &surveyBy,
		&r.Version, k.text(colPersonFirst, &first), k.text(colPersonLast, &last), &r.Liaison); err != nil {
		return nil, err
	}
	r.LiaisonUserID, r.ClosedAt = fromNullInt(liaison), fromNullMicros(closed)
	r.Status, r.Outcome = citdesk.ReferralStatus(status), citdesk.ReferralStatus(outcome)
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	r.PersonName = (&citdesk.Person{FirstName: first, LastName: last}).Name()
	if follow != "" {
		d, err := citdesk.ParseDate(follow)
		if err != nil {
			return nil, fmt.Errorf("referral %d: bad follow-up date %q", r.ID, follow)
		}
		r.FollowUpDue = d
	}
	if respondent.Valid {
		r.Survey = &citdesk.Survey{Respondent: respondent.String, Respect: int(respect.Int64), Safety: int(safety.Int64), Help: int(help.Int64),
			Comment: comment.String, At: fromMicros(surveyAt.Int64), ByUserID: surveyBy.Int64}
	}
	return &r, nil
}

func (tx *Tx) findReferral(ctx context.Context, agencyID, id int64, lock bool) (*citdesk.Referral, error) {
	q := `SELECT ` + referralColumns + referralFrom + ` WHERE r.agency_id = ? AND r.id = ?`
	r, err := tx.db.fields.scanReferral(tx.QueryRowContext(ctx, q, agencyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errReferralNotFound
	} else if err != nil {
		return nil, fmt.Errorf("find referral: %w", err)
	}
	if lock && tx.db.dialect.forUpdate != "" {
		if _, err := tx.ExecContext(ctx, `SELECT id FROM referrals WHERE id = ?`+tx.db.dialect.forUpdate, id); err != nil {
			return nil, err
		}
	}
	return r, nil
}

var errReferralNotFound = citdesk.Errorf(citdesk.ENOTFOUND, "Referral not found.")

// canWorkReferral reports whether the actor may see and work r: the
// coordinator, or the liaison it is assigned to.
func canWorkReferral(a *citdesk.Actor, r *citdesk.Referral) bool {
	if a.UserID == 0 || a.HasRole(citdesk.RoleCoordinator) {
		return true
	}
	return a.HasRole(citdesk.RoleLiaison) && r.LiaisonUserID != nil && *r.LiaisonUserID == a.UserID
}

// checkLiaison reports whether userID is a liaison of the agency.
func (tx *Tx) checkLiaison(ctx context.Context, agencyID, userID int64) error {
	var roles string
	var disabled bool
	err := tx.QueryRowContext(ctx, `SELECT roles, disabled FROM users WHERE agency_id = ? AND id = ?`, agencyID, userID).Scan(&roles, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return citdesk.FieldErrorf("liaison_user_id", "No such user.")
	} else if err != nil {
		return err
	}
	if disabled || !hasRole(roles, citdesk.RoleLiaison) {
		return citdesk.FieldErrorf("liaison_user_id", "That user is not an active liaison.")
	}
	return nil
}

// soleLiaison returns the agency's only active liaison, or nil when there
// are none or several (then the coordinator assigns).
func (tx *Tx) soleLiaison(ctx context.Context, agencyID int64) (*int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, roles FROM users WHERE agency_id = ? AND NOT disabled`, agencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var found []int64
	for rows.Next() {
		var id int64
		var roles string
		if err := rows.Scan(&id, &roles); err != nil {
			return nil, err
		}
		if hasRole(roles, citdesk.RoleLiaison) {
			found = append(found, id)
		}
	}
	if err := rows.Err(); err != nil || len(found) != 1 {
		return nil, err
	}
	return &found[0], nil
}

// createReferral opens a referral for an encounter's person, assigned to
// the liaison named or, when the agency has only one, to that liaison.
func (tx *Tx) createReferral(ctx context.Context, actor *citdesk.Actor, r *citdesk.Referral) error {
	var err error
	if r.LiaisonUserID != nil {
		if err := tx.checkLiaison(ctx, actor.AgencyID, *r.LiaisonUserID); err != nil {
			return err
		}
	} else if r.LiaisonUserID, err = tx.soleLiaison(ctx, actor.AgencyID); err != nil {
		return err
	}
	r.Reason = strings.TrimSpace(r.Reason)
	if len([]rune(r.Reason)) > 2000 {
		return citdesk.FieldErrorf("reason", "The reason must be at most 2000 characters.")
	}
	r.AgencyID, r.Status, r.CreatedBy, r.CreatedAt, r.UpdatedAt, r.Version = actor.AgencyID, citdesk.ReferralOpen, actor.UserID, tx.now, tx.now, 1
	r.ID, err = tx.insert(ctx, `INSERT INTO referrals (agency_id, encounter_id, person_id, liaison_user_id, status, reason, follow_up_due, created_by, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		r.AgencyID, r.EncounterID, r.PersonID, nullInt(r.LiaisonUserID), string(r.Status), r.Reason, r.FollowUpDue.String(), r.CreatedBy, micros(r.CreatedAt), micros(r.UpdatedAt))
	if isUniqueViolation(err) {
		return citdesk.Errorf(citdesk.ECONFLICT, "This report already has a referral.")
	} else if err != nil {
		return fmt.Errorf("insert referral: %w", err)
	}
	detail := "unassigned"
	if r.LiaisonUserID != nil {
		detail = "liaison " + strconv.FormatInt(*r.LiaisonUserID, 10)
	}
	return tx.audit(ctx, actor, "referral.create", "referral", r.ID, detail)
}

// CreateReferral refers the person of an encounter to the liaison: by the
// reporting officer or the coordinator.
func (s referralService) CreateReferral(ctx context.Context, r *citdesk.Referral) error {
	actor, err := citdesk.Require(ctx, citdesk.NamePerson)
	if err != nil {
		return err
	}
	if !r.FollowUpDue.IsZero() && r.FollowUpDue.Before(citdesk.NewDate(2000, 1, 1)) {
		return citdesk.FieldErrorf("follow_up_due", "Give a follow-up date from this century.")
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		e, err := tx.findEncounter(ctx, actor.AgencyID, r.EncounterID, false)
		if citdesk.ErrorCode(err) == citdesk.ENOTFOUND {
			return citdesk.FieldErrorf("encounter_id", "No such report.")
		} else if err != nil {
			return err
		}
		if !actor.IsOfficer(e.OfficerID) && !actor.HasRole(citdesk.RoleCoordinator) {
			return citdesk.FieldErrorf("encounter_id", "No such report.")
		}
		if e.PersonID == nil {
			return citdesk.FieldErrorf("encounter_id", "Link the person on the report before referring them.")
		}
		r.PersonID = *e.PersonID
		if err := tx.createReferral(ctx, actor, r); err != nil {
			return err
		}
		got, err := tx.findReferral(ctx, actor.AgencyID, r.ID, false)
		if err != nil {
			return err
		}
		*r = *got
		return nil
	})
}

// FindReferralByID returns a referral the actor works; the view is audited.
func (s referralService) FindReferralByID(ctx context.Context, id int64) (*citdesk.Referral, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var r *citdesk.Referral
	denied := false
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if r, err = tx.findReferral(ctx, actor.AgencyID, id, false); err != nil {
			return err
		}
		if !canWorkReferral(actor, r) {
			denied = true
			return tx.appendAudit(ctx, deniedEvent(actor, "referral.view", "referral", id))
		}
		if err := tx.audit(ctx, actor, "referral.view", "referral", id, ""); err != nil {
			return err
		}
		return readReferralContact(ctx, tx, actor, r)
	})
	if err == nil && denied {
		return nil, errReferralNotFound
	}
	return r, err
}

// readReferralContact fills r.Contact as the agency's policy allows (the
// rule is citdesk.NewReferralContact) and audits what it discloses: one
// event on the person, one on the call when the family caller's contact
// is shown, each naming the fields read.
func readReferralContact(ctx context.Context, tx *Tx, actor *citdesk.Actor, r *citdesk.Referral) error {
	agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
	if err != nil || !agency.Policy.ReferralContact {
		return err
	}
	var phone, address string
	k := tx.db.fields
	if err := tx.QueryRowContext(ctx, `SELECT phone, address FROM persons WHERE agency_id = ? AND id = ?`, actor.AgencyID, r.PersonID).Scan(k.text(colPersonPhone, &phone), k.text(colPersonAddress, &address)); err != nil {
		return fmt.Errorf("referral contact: %w", err)
	}
	var family sql.NullBool
	var callID sql.NullInt64
	var name, callerPhone string
	var relation sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT e.caller_family, c.id, c.caller_name, c.caller_phone, c.caller_relationship
		FROM encounters e LEFT JOIN calls c ON c.agency_id = e.agency_id AND c.id = e.call_id
		WHERE e.agency_id = ? AND e.id = ?`, actor.AgencyID, r.EncounterID).Scan(&family, &callID, k.text(colCallerName, &name), k.text(colCallerPhone, &callerPhone), &relation)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("referral caller: %w", err)
	}
	caller := citdesk.CallerContact{Name: name, Phone: callerPhone, Relationship: relation.String}
	r.Contact = citdesk.NewReferralContact(agency.Policy, phone, address, family.Valid && family.Bool && callID.Valid, caller)
	if r.Contact == nil {
		return nil
	}
	if read := r.Contact.PersonRead(); read != "" {
		if err := tx.audit(ctx, actor, "referral.contact.view", "person", r.PersonID, read); err != nil {
			return err
		}
	}
	if read := r.Contact.CallerRead(); read != "" {
		return tx.audit(ctx, actor, "referral.contact.view", "call", callID.Int64, read)
	}
	return nil
}

func (tx *Tx) listReferrals(ctx context.Context, actor *citdesk.Actor, f citdesk.ReferralFilter) ([]*citdesk.Referral, error) {
	q := `SELECT ` + referralColumns + referralFrom + ` WHERE r.agency_id = ?`
	args := []any{actor.AgencyID}
	if actor.UserID != 0 && !actor.HasRole(citdesk.RoleCoordinator) {
		if !actor.HasRole(citdesk.RoleLiaison) {
			return nil, citdesk.Errorf(citdesk.EFORBIDDEN, "Referrals are for the liaison and the coordinator.")
		}
		q += ` AND r.liaison_user_id = ?`
		args = append(args, actor.UserID)
	}
	if f.Status != "" {
		if !f.Status.Valid() {
			return nil, citdesk.FieldErrorf("status", "Unknown referral status %q.", f.Status)
		}
		q += ` AND r.status = ?`
		args = append(args, string(f.Status))
	}
	if f.Open {
		q += ` AND r.status <> 'closed'`
	}
	if f.Unassigned {
		q += ` AND r.liaison_user_id IS NULL`
	}
	if f.PersonID != nil {
		q += ` AND r.person_id = ?`
		args = append(args, *f.PersonID)
	}
	q += ` ORDER BY CASE WHEN r.status = 'closed' THEN 1 ELSE 0 END, r.created_at DESC, r.id DESC LIMIT 500`
	return queryAll(ctx, tx, "list referrals", tx.db.fields.scanReferral, q, args...)
}

// ListReferrals lists the referrals the actor works: a liaison's own
// caseload, or all for the coordinator. The listing is audited.
func (s referralService) ListReferrals(ctx context.Context, f citdesk.ReferralFilter) ([]*citdesk.Referral, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out []*citdesk.Referral
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if out, err = tx.listReferrals(ctx, actor, f); err != nil {
			return err
		}
		read := newAuditRead(actor, "referral.list")
		for _, r := range out {
			read.record("referral", r.ID, "")
			read.person(r.PersonID)
		}
		return read.write(ctx, tx)
	})
	if out == nil {
		out = []*citdesk.Referral{}
	}
	return out, err
}

// ListReferralNotes returns a referral's notes, oldest first.
func (s referralService) ListReferralNotes(ctx context.Context, id int64) ([]*citdesk.ReferralNote, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out []*citdesk.ReferralNote
	err = s.db.readTx(ctx, func(tx *Tx) error {
		r, err := tx.findReferral(ctx, actor.AgencyID, id, false)
		if err != nil {
			return err
		}
		if !canWorkReferral(actor, r) {
			return errReferralNotFound
		}
		out, err = queryAll(ctx, tx, "list referral notes", scanReferralNote, `SELECT id, referral_id, by_user_id, by_name, at, status_from, status_to, text FROM referral_notes
			WHERE agency_id = ? AND referral_id = ? ORDER BY at, id`, actor.AgencyID, id)
		return err
	})
	if out == nil {
		out = []*citdesk.ReferralNote{}
	}
	return out, err
}

func scanReferralNote(row rowScanner) (*citdesk.ReferralNote, error) {
	var n citdesk.ReferralNote
	var at int64
	var from, to string
	if err := row.Scan(&n.ID, &n.ReferralID, &n.ByUserID, &n.By, &at, &from, &to, &n.Text); err != nil {
		return nil, err
	}
	n.At, n.StatusFrom, n.StatusTo = fromMicros(at), citdesk.ReferralStatus(from), citdesk.ReferralStatus(to)
	return &n, nil
}

// loadWorkable reads a referral the actor works, locked for a change.
func (tx *Tx) loadWorkable(ctx context.Context, actor *citdesk.Actor, id int64) (*citdesk.Referral, error) {
	r, err := tx.findReferral(ctx, actor.AgencyID, id, true)
	if err != nil {
		return nil, err
	}
	if !canWorkReferral(actor, r) {
		return nil, errReferralNotFound
	}
	return r, nil
}

func (tx *Tx) addReferralNote(ctx context.Context, actor *citdesk.Actor, r *citdesk.Referral, from, to citdesk.ReferralStatus, text string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO referral_notes (agency_id, referral_id, by_user_id, by_name, at, status_from, status_to, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		actor.AgencyID, r.ID, actor.UserID, actor.Username, micros(tx.now), string(from), string(to), text)
	if err != nil {
		return fmt.Errorf("insert referral note: %w", err)
	}
	return nil
}

func checkNote(text string) (string, error) {
	text = strings.TrimSpace(text)
	if len([]rune(text)) > 4000 {
		return "", citdesk.FieldErrorf("note", "A note must be at most 4000 characters.")
	}
	return text, nil
}

// MoveReferral changes a referral's status with a note; closing it may
// record the satisfaction survey.
func (s referralService) MoveReferral(ctx context.Context, id int64, m citdesk.ReferralMove) (*citdesk.Referral, error) {
	actor, err := citdesk.Require(ctx, citdesk.WorkReferral)
	if err != nil {
		return nil, err
	}
	note, err := checkNote(m.Note)
	if err != nil {
		return nil, err
	}
	if !m.Status.Valid() {
		return nil, citdesk.FieldErrorf("status", "status must be one of open, contacted, connected_to_care, declined, unable_to_contact, closed.")
	}
	if m.Survey != nil {
		if m.Status != citdesk.ReferralClosed {
			return nil, citdesk.FieldErrorf("survey", "The survey is recorded when the referral is closed.")
		}
		if err := m.Survey.Validate(); err != nil {
			return nil, err
		}
	}
	var r *citdesk.Referral
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if r, err = tx.loadWorkable(ctx, actor, id); err != nil {
			return err
		}
		if !r.Status.CanMoveTo(m.Status) {
			return citdesk.Errorf(citdesk.ECONFLICT, "A referral that is %s cannot move to %s.", strings.ToLower(r.Status.Label()), strings.ToLower(m.Status.Label()))
		}
		if r.Version != m.Version {
			return citdesk.Errorf(citdesk.EPRECONDITION, "This referral changed since you loaded it; reload and try again.")
		}
		from := r.Status
		r.Status = m.Status
		if m.Status.Outcome() {
			r.Outcome = m.Status
		}
		if m.FollowUpDue != nil {
			r.FollowUpDue = *m.FollowUpDue
		}
		var closed sql.NullInt64
		if m.Status == citdesk.ReferralClosed {
			closed = sql.NullInt64{Int64: micros(tx.now), Valid: true}
			r.FollowUpDue = citdesk.Date{}
		}
		var respondent, comment sql.NullString
		var respect, safety, help, surveyAt, surveyBy sql.NullInt64
		if m.Survey != nil {
			m.Survey.At, m.Survey.ByUserID = tx.now, actor.UserID
			respondent, comment = sql.NullString{String: m.Survey.Respondent, Valid: true}, sql.NullString{String: m.Survey.Comment, Valid: true}
			respect, safety, help = sql.NullInt64{Int64: int64(m.Survey.Respect), Valid: true}, sql.NullInt64{Int64: int64(m.Survey.Safety), Valid: true}, sql.NullInt64{Int64: int64(m.Survey.Help), Valid: true}
			surveyAt, surveyBy = sql.NullInt64{Int64: micros(tx.now), Valid: true}, sql.NullInt64{Int64: actor.UserID, Valid: true}
			r.Survey = m.Survey
		}
		if _, err := tx.ExecContext(ctx, `UPDATE referrals SET status = ?, outcome = ?, follow_up_due = ?, closed_at = ?,
			survey_respondent = ?, survey_respect = ?, survey_safety = ?, survey_help = ?, survey_comment = ?, survey_at = ?, survey_by = ?,
			updated_at = ?, version = version + 1 WHERE agency_id = ? AND id = ?`,
			string(r.Status), string(r.Outcome), r.FollowUpDue.String(), closed, respondent, respect, safety, help, comment, surveyAt, surveyBy,
			micros(tx.now), actor.AgencyID, id); err != nil {
			return fmt.Errorf("move referral: %w", err)
		}
		r.ClosedAt, r.UpdatedAt, r.Version = fromNullMicros(closed), tx.now, r.Version+1
		if err := tx.addReferralNote(ctx, actor, r, from, r.Status, note); err != nil {
			return err
		}
		detail := string(from) + " -> " + string(r.Status)
		if m.Survey != nil {
			detail += " with survey"
		}
		return tx.audit(ctx, actor, "referral.status", "referral", id, detail)
	})
	return r, err
}

// AddReferralNote adds a note and, when given, sets the next follow-up date.
func (s referralService) AddReferralNote(ctx context.Context, id int64, text string, followUpDue *citdesk.Date) (*citdesk.Referral, error) {
	actor, err := citdesk.Require(ctx, citdesk.WorkReferral)
	if err != nil {
		return nil, err
	}
	text, err = checkNote(text)
	if err != nil {
		return nil, err
	}
	if text == "" && followUpDue == nil {
		return nil, citdesk.FieldErrorf("note", "Write a note or set a follow-up date.")
	}
	var r *citdesk.Referral
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if r, err = tx.loadWorkable(ctx, actor, id); err != nil {
			return err
		}
		if r.Status == citdesk.ReferralClosed {
			return citdesk.Errorf(citdesk.ECONFLICT, "This referral is closed.")
		}
		if followUpDue != nil {
			r.FollowUpDue = *followUpDue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE referrals SET follow_up_due = ?, updated_at = ?, version = version + 1 WHERE agency_id = ? AND id = ?`,
			r.FollowUpDue.String(), micros(tx.now), actor.AgencyID, id); err != nil {
			return err
		}
		r.UpdatedAt, r.Version = tx.now, r.Version+1
		if text != "" {
			if err := tx.addReferralNote(ctx, actor, r, "", "", text); err != nil {
				return err
			}
		}
		return tx.audit(ctx, actor, "referral.note", "referral", id, "")
	})
	return r, err
}

// AssignReferral gives a referral to a liaison (coordinator).
func (s referralService) AssignReferral(ctx context.Context, id int64, liaisonUserID int64) (*citdesk.Referral, error) {
	actor, err := citdesk.Require(ctx, citdesk.AssignReferral)
	if err != nil {
		return nil, err
	}
	var r *citdesk.Referral
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.checkLiaison(ctx, actor.AgencyID, liaisonUserID); err != nil {
			return err
		}
		if _, err := tx.loadWorkable(ctx, actor, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE referrals SET liaison_user_id = ?, updated_at = ?, version = version + 1 WHERE agency_id = ? AND id = ?`,
			liaisonUserID, micros(tx.now), actor.AgencyID, id); err != nil {
			return err
		}
		if r, err = tx.findReferral(ctx, actor.AgencyID, id, false); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "referral.assign", "referral", id, "liaison "+strconv.FormatInt(liaisonUserID, 10))
	})
	return r, err
}
