package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"citdesk"
)

// EncounterService returns the CIT contact report service.
func (db *DB) EncounterService() citdesk.EncounterService { return encounterService{db} }

type encounterService struct{ db *DB }

const encounterColumns = `id, agency_id, officer_id, officer_cit_certified, call_id, assignment_id, person_id,
	occurred_at, address, lat, lon, contact_start, behaviors, primary_problem, suicide_related,
	weapons, weapon_type, weapon_secured, deescalation, force_level, injury_person, injury_officer, injury_other,
	confirm_injury_without_force, dispositions, facility_kind, facility, arrest_offense, citation_offense,
	on_scene_minutes, handover_minutes, liaison_co_responded, narrative,
	cit_requested, cit_dispatched, cit_arrived, veteran, source, external_id,
	status, return_comment, due_at, submitted_at, reviewed_at, reviewed_by, revision, created_by, created_at, updated_at, version,
	caller_family, (SELECT s.supervisor_user_id FROM officers s WHERE s.id = encounters.officer_id)`

// scanEncounter reads a row of encounterColumns, opening the narrative.
func (k *fieldKeys) scanEncounter(row rowScanner) (*citdesk.Encounter, error) {
	var e citdesk.Encounter
	var callID, assignmentID, personID, onScene, handover, submitted, reviewed, reviewedBy, supervisor sql.NullInt64
	var lat, lon sql.NullFloat64
	var behaviors, deesc, disps, external sql.NullString
	var citReq, citDisp, citArr, veteran, callerFamily sql.NullBool
	var occurred, due, created, updated int64
	var contactStart, problem, weapons, force, injP, injO, injX, facKind, status string
	if err := row.Scan(&e.ID, &e.AgencyID, &e.OfficerID, &e.OfficerCITCertified, &callID, &assignmentID, &personID,
		&occurred, &e.Address, &lat, &lon, &contactStart, &behaviors, &problem, &e.SuicideRelated,
		&weapons, &e.WeaponType, &e.WeaponSecured, &deesc, &force, &injP, &injO, &injX,
		&e.ConfirmInjuryWithoutForce, &disps, &facKind, &e.Facility, &e.ArrestOffense, &e.CitationOffense,
		&onScene, &handover, &e.LiaisonCoResponded, k.text(colNarrative, &e.Narrative),
		&citReq, &citDisp, &citArr, &veteran, &e.Source, &external,
		&status, &e.ReturnComment, &due, &submitted, &reviewed, &reviewedBy, &e.Revision, &e.CreatedBy, &created, &updated, &e.Version,
		&callerFamily, &supervisor); err != nil {
		return nil, err
	}
	e.CallerFamily, e.SupervisorUserID = fromNullBool(callerFamily), supervisor.Int64
	e.CallID, e.AssignmentID, e.PersonID, e.ReviewedBy = fromNullInt(callID), fromNullInt(assignmentID), fromNullInt(personID), fromNullInt(reviewedBy)
	e.OccurredAt, e.DueAt, e.CreatedAt, e.UpdatedAt = fromMicros(occurred), fromMicros(due), fromMicros(created), fromMicros(updated)
	e.SubmittedAt, e.ReviewedAt = fromNullMicros(submitted), fromNullMicros(reviewed)
	e.Lat, e.Lon = fromNullFloat(lat), fromNullFloat(lon)
	e.ContactStart, e.PrimaryProblem, e.Weapons, e.Force = citdesk.ContactStart(contactStart), citdesk.PrimaryProblem(problem), citdesk.WeaponsStatus(weapons), citdesk.ForceLevel(force)
	e.InjuryPerson, e.InjuryOfficer, e.InjuryOther = citdesk.InjuryLevel(injP), citdesk.InjuryLevel(injO), citdesk.InjuryLevel(injX)
	e.FacilityKind, e.Status, e.ExternalID = citdesk.FacilityKind(facKind), citdesk.EncounterStatus(status), external.String
	e.OnSceneMinutes, e.HandoverMinutes = fromNullMinutes(onScene), fromNullMinutes(handover)
	e.CITRequested, e.CITDispatched, e.CITArrived, e.Veteran = fromNullBool(citReq), fromNullBool(citDisp), fromNullBool(citArr), fromNullBool(veteran)
	if err := unmarshalSet(behaviors.String, &e.Behaviors); err != nil {
		return nil, err
	}
	if err := unmarshalSet(deesc.String, &e.DeEscalation); err != nil {
		return nil, err
	}
	if err := unmarshalSet(disps.String, &e.Dispositions); err != nil {
		return nil, err
	}
	return &e, nil
}

func unmarshalSet[T any](s string, v *[]T) error {
	if s == "" {
		*v = []T{}
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode set: %w", err) // not the value: it may hold names, and errors are logged
	}
	if *v == nil {
		*v = []T{}
	}
	return nil
}

func marshalSet(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// findEncounter reads one report of the agency, locking it for update when asked.
func (tx *Tx) findEncounter(ctx context.Context, agencyID, id int64, lock bool) (*citdesk.Encounter, error) {
	q := `SELECT ` + encounterColumns + ` FROM encounters WHERE agency_id = ? AND id = ?`
	if lock {
		q += tx.db.dialect.forUpdate
	}
	e, err := tx.db.fields.scanEncounter(tx.QueryRowContext(ctx, q, agencyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Report not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find encounter: %w", err)
	}
	e.Overdue = e.IsOverdue(tx.now)
	return e, nil
}

// officerCertifiedOn derives whether an officer was CIT certified on the
// day t (in the agency's zone), for the report's snapshot.
func (tx *Tx) officerCertifiedOn(ctx context.Context, agency *citdesk.Agency, officerID int64, t time.Time) (bool, error) {
	records, err := scanTraining(ctx, tx, `SELECT id, agency_id, officer_id, kind, title, completed, hours, provider, certificate, created_at
		FROM training_records WHERE agency_id = ? AND officer_id = ?`, agency.ID, officerID)
	if err != nil {
		return false, err
	}
	return citdesk.DeriveCITStatus(records, agency.Policy, citdesk.DateOf(t, agency.Location())).Status.Certified(), nil
}

// canReadEncounter reports whether the actor may read report e: the
// reporting officer, a coordinator, or the liaison its referral is
// assigned to.
func (tx *Tx) canReadEncounter(ctx context.Context, a *citdesk.Actor, e *citdesk.Encounter) (bool, error) {
	if citdesk.CanReadEncounter(a, e, false) {
		return true, nil
	}
	if !a.HasRole(citdesk.RoleLiaison) {
		return false, nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM referrals WHERE agency_id = ? AND encounter_id = ? AND liaison_user_id = ?`, a.AgencyID, e.ID, a.UserID).Scan(&n); err != nil {
		return false, err
	}
	return citdesk.CanReadEncounter(a, e, n > 0), nil
}

// reportingOfficer returns the officer the actor files reports as: their
// own officer record, or for an operator (imports, the demo) the one named.
func reportingOfficer(a *citdesk.Actor, named int64) (int64, error) {
	if a.OfficerID != nil {
		if named != 0 && named != *a.OfficerID {
			return 0, citdesk.Errorf(citdesk.EFORBIDDEN, "Officers file reports only in their own name.")
		}
		return *a.OfficerID, nil
	}
	if a.UserID == 0 && named != 0 {
		return named, nil
	}
	return 0, citdesk.Errorf(citdesk.EFORBIDDEN, "Only officers file contact reports.")
}

// StartEncounter saves a new draft, filled from the call when it starts
// from an assignment.
func (s encounterService) StartEncounter(ctx context.Context, e *citdesk.Encounter) error {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return err
	}
	officerID, err := reportingOfficer(actor, e.OfficerID)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		e.OfficerID = officerID
		var callReceived time.Time
		if e.AssignmentID != nil {
			existing, err := tx.prefillFromAssignment(ctx, actor, e, &callReceived)
			if err != nil || existing != nil {
				if existing != nil {
					*e = *existing
				}
				return err
			}
		} else if e.CallID != nil {
			// A report names a call only if its officer was sent to it: a
			// call named at will would attach the report's person to
			// that call, and with it the person's crisis plan.
			if actor.UserID != 0 {
				var sent int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM assignments WHERE agency_id = ? AND call_id = ? AND officer_id = ?`,
					actor.AgencyID, *e.CallID, e.OfficerID).Scan(&sent); err != nil {
					return err
				}
				if sent == 0 {
					return citdesk.FieldErrorf("call_id", "You were not sent to call #%d; start the report from your assignment, or without a call.", *e.CallID)
				}
			}
			var received int64
			err := tx.QueryRowContext(ctx, `SELECT received_at FROM calls WHERE agency_id = ? AND id = ?`, actor.AgencyID, *e.CallID).Scan(&received)
			if errors.Is(err, sql.ErrNoRows) {
				return citdesk.FieldErrorf("call_id", "No such call.")
			} else if err != nil {
				return err
			}
			callReceived = fromMicros(received)
		}
		if e.OccurredAt.IsZero() {
			e.OccurredAt = tx.now
		}
		if e.ContactStart == "" && e.CallID == nil {
			e.ContactStart = citdesk.StartSelfInitiated
		}
		if err := e.ValidateDraft(tx.now); err != nil {
			return err
		}
		if err := tx.checkPerson(ctx, actor.AgencyID, e.PersonID); err != nil {
			return err
		}
		if e.OfficerCITCertified, err = tx.officerCertifiedOn(ctx, agency, e.OfficerID, e.OccurredAt); err != nil {
			return err
		}
		due := e.OccurredAt
		if !callReceived.IsZero() {
			due = callReceived
		}
		e.AgencyID, e.Status, e.Revision, e.Version = actor.AgencyID, citdesk.EncounterDraft, 1, 1
		e.DueAt, e.CreatedBy, e.CreatedAt, e.UpdatedAt = due.Add(citdesk.ReportDueAfter), actor.UserID, tx.now, tx.now
		narrative, err := tx.db.fields.sealText(colNarrative, e.Narrative)
		if err != nil {
			return fmt.Errorf("encrypt narrative: %w", err)
		}
		e.ID, err = tx.insert(ctx, `INSERT INTO encounters (agency_id, officer_id, officer_cit_certified, call_id, assignment_id, person_id,
			occurred_at, address, lat, lon, contact_start, behaviors, primary_problem, suicide_related,
			weapons, weapon_type, weapon_secured, deescalation, force_level, injury_person, injury_officer, injury_other,
			confirm_injury_without_force, dispositions, facility_kind, facility, arrest_offense, citation_offense,
			on_scene_minutes, handover_minutes, liaison_co_responded, narrative,
			cit_requested, cit_dispatched, cit_arrived, veteran, source, external_id,
			status, due_at, revision, created_by, created_at, updated_at, version, caller_family)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, 1, ?)`,
			e.AgencyID, e.OfficerID, e.OfficerCITCertified, nullInt(e.CallID), nullInt(e.AssignmentID), nullInt(e.PersonID),
			micros(e.OccurredAt), e.Address, nullFloat(e.Lat), nullFloat(e.Lon), string(e.ContactStart), marshalSet(e.Behaviors), string(e.PrimaryProblem), e.SuicideRelated,
			string(e.Weapons), e.WeaponType, e.WeaponSecured, marshalSet(e.DeEscalation), string(e.Force), string(e.InjuryPerson), string(e.InjuryOfficer), string(e.InjuryOther),
			e.ConfirmInjuryWithoutForce, marshalSet(e.Dispositions), string(e.FacilityKind), e.Facility, e.ArrestOffense, e.CitationOffense,
			nullMinutes(e.OnSceneMinutes), nullMinutes(e.HandoverMinutes), e.LiaisonCoResponded, narrative,
			nullBool(e.CITRequested), nullBool(e.CITDispatched), nullBool(e.CITArrived), nullBool(e.Veteran), e.Source, nullText(e.ExternalID),
			string(e.Status), micros(e.DueAt), e.CreatedBy, micros(e.CreatedAt), micros(e.UpdatedAt), nullBool(e.CallerFamily))
		if isUniqueViolation(err) {
			if e.ExternalID != "" {
				return citdesk.FieldErrorf("external_id", "A report with this external id from %s already exists.", e.Source)
			}
			return citdesk.Errorf(citdesk.ECONFLICT, "A report for this assignment already exists.")
		} else if err != nil {
			return fmt.Errorf("insert encounter: %w", err)
		}
		return tx.audit(ctx, actor, "encounter.create", "encounter", e.ID, "")
	})
}

// prefillFromAssignment fills a new report from the assignment's call, or
// returns the report already begun from it.
func (tx *Tx) prefillFromAssignment(ctx context.Context, actor *citdesk.Actor, e *citdesk.Encounter, callReceived *time.Time) (*citdesk.Encounter, error) {
	var callID, officerID, dispatched int64
	var onScene, cleared sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT call_id, officer_id, dispatched_at, on_scene_at, cleared_at FROM assignments WHERE agency_id = ? AND id = ?`,
		actor.AgencyID, *e.AssignmentID).Scan(&callID, &officerID, &dispatched, &onScene, &cleared)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, citdesk.FieldErrorf("assignment_id", "No such assignment.")
	} else if err != nil {
		return nil, fmt.Errorf("find assignment: %w", err)
	}
	if officerID != e.OfficerID {
		return nil, citdesk.Errorf(citdesk.EFORBIDDEN, "This assignment is another officer's; they file its report.")
	}
	var existing int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM encounters WHERE agency_id = ? AND assignment_id = ?`, actor.AgencyID, *e.AssignmentID).Scan(&existing)
	if err == nil {
		return tx.findEncounter(ctx, actor.AgencyID, existing, false)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	var received int64
	var address string
	var lat, lon sql.NullFloat64
	var citRequested bool
	if err := tx.QueryRowContext(ctx, `SELECT received_at, address, lat, lon, cit_requested FROM calls WHERE agency_id = ? AND id = ?`, actor.AgencyID, callID).
		Scan(&received, &address, &lat, &lon, &citRequested); err != nil {
		return nil, fmt.Errorf("find call: %w", err)
	}
	*callReceived = fromMicros(received)
	var sent, arrived int
	if err := tx.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN cit_certified THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN cit_certified AND on_scene_at IS NOT NULL THEN 1 ELSE 0 END), 0)
		FROM assignments WHERE agency_id = ? AND call_id = ?`, actor.AgencyID, callID).Scan(&sent, &arrived); err != nil {
		return nil, fmt.Errorf("count CIT assignments: %w", err)
	}
	yes := func(b bool) *bool { return &b }
	e.CallID = &callID
	e.CITRequested, e.CITDispatched, e.CITArrived = yes(citRequested), yes(sent > 0), yes(arrived > 0)
	if e.Address == "" {
		e.Address, e.Lat, e.Lon = address, fromNullFloat(lat), fromNullFloat(lon)
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = fromMicros(dispatched)
		if onScene.Valid {
			e.OccurredAt = fromMicros(onScene.Int64)
		}
	}
	if e.OnSceneMinutes == nil && onScene.Valid && cleared.Valid && cleared.Int64 >= onScene.Int64 {
		m := int((cleared.Int64 - onScene.Int64) / int64(time.Minute/time.Microsecond))
		if m <= 1440 {
			e.OnSceneMinutes = &m
		}
	}
	if e.ContactStart == "" {
		e.ContactStart = citdesk.StartDispatchedCrisis
	}
	return nil, nil
}

// checkPerson reports an unknown person id.
func (tx *Tx) checkPerson(ctx context.Context, agencyID int64, personID *int64) error {
	if personID == nil {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons WHERE agency_id = ? AND id = ?`, agencyID, *personID).Scan(&n); err != nil {
		return err
	} else if n == 0 {
		return citdesk.FieldErrorf("person_id", "No such person.")
	}
	return nil
}

// FindEncounterByID returns a report the actor may read. Reading one is
// audited: it holds person-level data.
func (s encounterService) FindEncounterByID(ctx context.Context, id int64) (*citdesk.Encounter, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var e *citdesk.Encounter
	denied := false
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if e, err = tx.findEncounter(ctx, actor.AgencyID, id, false); err != nil {
			return err
		}
		ok, err := tx.canReadEncounter(ctx, actor, e)
		if err != nil {
			return err
		}
		if !ok {
			denied = true
			return tx.appendAudit(ctx, deniedEvent(actor, "encounter.view", "encounter", id))
		}
		return tx.audit(ctx, actor, "encounter.view", "encounter", id, "")
	})
	if err == nil && denied {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Report not found.")
	}
	return e, err
}

// ListEncounters lists reports, newest first, without narratives: an
// officer sees their own, a coordinator or analyst the agency's. The
// listing is audited.
func (s encounterService) ListEncounters(ctx context.Context, f citdesk.EncounterFilter) ([]*citdesk.Encounter, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + encounterColumns + ` FROM encounters WHERE agency_id = ?`
	args := []any{actor.AgencyID}
	switch {
	// Analysts see aggregates only (the outcome figures), never the
	// person-level reports behind them.
	case actor.UserID == 0 || actor.HasRole(citdesk.ReviewRoles...):
	case actor.HasRole(citdesk.RoleSupervisor):
		// Their officers' reports, and their own if they file any; the
		// rows are checked against the rule (CanReadEncounter) below.
		q += ` AND (officer_id IN (SELECT id FROM officers WHERE agency_id = ? AND supervisor_user_id = ?) OR officer_id = ?)`
		own := int64(0)
		if actor.OfficerID != nil {
			own = *actor.OfficerID
		}
		args = append(args, actor.AgencyID, actor.UserID, own)
	case actor.OfficerID != nil:
		f.OfficerID = actor.OfficerID
	default:
		return nil, citdesk.Errorf(citdesk.EFORBIDDEN, "You are not allowed to list contact reports.")
	}
	if f.Status != "" {
		if !f.Status.Valid() {
			return nil, citdesk.FieldErrorf("status", "status must be draft, submitted, returned or approved.")
		}
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if f.OfficerID != nil {
		q += ` AND officer_id = ?`
		args = append(args, *f.OfficerID)
	}
	if f.PersonID != nil {
		q += ` AND person_id = ?`
		args = append(args, *f.PersonID)
	}
	if f.Overdue {
		q += ` AND status IN ('draft', 'returned') AND due_at < ?`
		args = append(args, micros(s.db.now()))
	}
	if !f.From.IsZero() {
		q += ` AND occurred_at >= ?`
		args = append(args, micros(f.From))
	}
	if !f.To.IsZero() {
		q += ` AND occurred_at < ?`
		args = append(args, micros(f.To))
	}
	if f.Status == citdesk.EncounterSubmitted {
		q += ` ORDER BY submitted_at, id` // the review queue: oldest first
	} else {
		q += ` ORDER BY occurred_at DESC, id DESC`
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	q += ` LIMIT ` + strconv.Itoa(f.Limit)
	var out []*citdesk.Encounter
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			e, err := tx.db.fields.scanEncounter(rows)
			if err != nil {
				rows.Close()
				return err
			}
			e.Narrative = "" // lists never carry narratives
			e.Overdue = e.IsOverdue(tx.now)
			if !citdesk.CanReadEncounter(actor, e, false) {
				continue // the query above narrows; the rule decides
			}
			out = append(out, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// The rows are person-level records: each one, and each person it
		// names, is an audit event.
		read := newAuditRead(actor, "encounter.list")
		for _, e := range out {
			read.record("encounter", e.ID, "")
			if e.PersonID != nil {
				read.person(*e.PersonID)
			}
		}
		return read.write(ctx, tx)
	})
	return out, err
}

// loadOwnEditable reads a report, locked, for a change by its reporting
// officer from version.
func (tx *Tx) loadOwnEditable(ctx context.Context, actor *citdesk.Actor, id, version int64) (*citdesk.Encounter, error) {
	old, err := tx.loadEditable(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if old.Version != version {
		return nil, citdesk.Errorf(citdesk.EPRECONDITION, "This report changed since you loaded it; reload and try again.")
	}
	return old, nil
}

// loadEditable reads a report, locked, that the actor may change now.
func (tx *Tx) loadEditable(ctx context.Context, actor *citdesk.Actor, id int64) (*citdesk.Encounter, error) {
	old, err := tx.findEncounter(ctx, actor.AgencyID, id, true)
	if err != nil {
		return nil, err
	}
	if err := citdesk.CheckEditEncounter(actor, old); err != nil {
		// Someone who may not even read the report is not told it exists.
		if citdesk.ErrorCode(err) == citdesk.EFORBIDDEN {
			if ok, rerr := tx.canReadEncounter(ctx, actor, old); rerr != nil {
				return nil, rerr
			} else if !ok {
				return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Report not found.")
			}
		}
		return nil, err
	}
	return old, nil
}

// UpdateEncounter saves the reporting officer's changes to a draft or
// returned report.
func (s encounterService) UpdateEncounter(ctx context.Context, e *citdesk.Encounter) error {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		old, err := tx.loadOwnEditable(ctx, actor, e.ID, e.Version)
		if err != nil {
			return err
		}
		if err := e.ValidateDraft(tx.now); err != nil {
			return err
		}
		if err := tx.checkPerson(ctx, actor.AgencyID, e.PersonID); err != nil {
			return err
		}
		if err := tx.saveEncounter(ctx, old, e); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "encounter.update", "encounter", e.ID, "")
	})
}

// saveEncounter writes the editable fields of e over old, keeping what no
// edit may change (officer, call, status, review) and re-deriving the CIT
// snapshot and due time when the time of the contact moved.
func (tx *Tx) saveEncounter(ctx context.Context, old, e *citdesk.Encounter) error {
	e.ID, e.AgencyID, e.OfficerID, e.CallID, e.AssignmentID = old.ID, old.AgencyID, old.OfficerID, old.CallID, old.AssignmentID
	e.Status, e.ReturnComment, e.SubmittedAt, e.ReviewedAt, e.ReviewedBy = old.Status, old.ReturnComment, old.SubmittedAt, old.ReviewedAt, old.ReviewedBy
	e.Revision, e.CreatedBy, e.CreatedAt, e.Source, e.ExternalID = old.Revision, old.CreatedBy, old.CreatedAt, old.Source, old.ExternalID
	e.CITRequested, e.CITDispatched, e.CITArrived = old.CITRequested, old.CITDispatched, old.CITArrived
	e.OfficerCITCertified, e.DueAt, e.SupervisorUserID = old.OfficerCITCertified, old.DueAt, old.SupervisorUserID
	if !e.OccurredAt.Equal(old.OccurredAt) {
		agency, err := tx.findAgency(ctx, "id = ?", old.AgencyID)
		if err != nil {
			return err
		}
		if e.OfficerCITCertified, err = tx.officerCertifiedOn(ctx, agency, e.OfficerID, e.OccurredAt); err != nil {
			return err
		}
		if e.CallID == nil {
			e.DueAt = e.OccurredAt.Add(citdesk.ReportDueAfter)
		}
	}
	narrative, err := tx.db.fields.sealText(colNarrative, e.Narrative)
	if err != nil {
		return fmt.Errorf("encrypt narrative: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE encounters SET officer_cit_certified = ?, person_id = ?, occurred_at = ?, address = ?, lat = ?, lon = ?,
		contact_start = ?, behaviors = ?, primary_problem = ?, suicide_related = ?, weapons = ?, weapon_type = ?, weapon_secured = ?,
		deescalation = ?, force_level = ?, injury_person = ?, injury_officer = ?, injury_other = ?, confirm_injury_without_force = ?,
		dispositions = ?, facility_kind = ?, facility = ?, arrest_offense = ?, citation_offense = ?,
		on_scene_minutes = ?, handover_minutes = ?, liaison_co_responded = ?, narrative = ?, veteran = ?, caller_family = ?,
		due_at = ?, updated_at = ?, version = version + 1,
		occurred_precision = CASE WHEN occurred_at = ? THEN occurred_precision ELSE 'full' END,
		dispositions_no = CASE WHEN dispositions = ? THEN dispositions_no END
		WHERE agency_id = ? AND id = ? AND version = ?`,
		e.OfficerCITCertified, nullInt(e.PersonID), micros(e.OccurredAt), e.Address, nullFloat(e.Lat), nullFloat(e.Lon),
		string(e.ContactStart), marshalSet(e.Behaviors), string(e.PrimaryProblem), e.SuicideRelated, string(e.Weapons), e.WeaponType, e.WeaponSecured,
		marshalSet(e.DeEscalation), string(e.Force), string(e.InjuryPerson), string(e.InjuryOfficer), string(e.InjuryOther), e.ConfirmInjuryWithoutForce,
		marshalSet(e.Dispositions), string(e.FacilityKind), e.Facility, e.ArrestOffense, e.CitationOffense,
		nullMinutes(e.OnSceneMinutes), nullMinutes(e.HandoverMinutes), e.LiaisonCoResponded, narrative, nullBool(e.Veteran), nullBool(e.CallerFamily),
		micros(e.DueAt), micros(tx.now),
		// An imported time edited is a whole timestamp, and an edited list of
		// dispositions the whole answer; left alone, they keep what the
		// import knew (SET reads the row's old values).
		micros(e.OccurredAt), marshalSet(e.Dispositions),
		old.AgencyID, old.ID, old.Version)
	if err != nil {
		return fmt.Errorf("update encounter: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return citdesk.Errorf(citdesk.EPRECONDITION, "This report changed since you loaded it; reload and try again.")
	}
	e.Version, e.UpdatedAt = old.Version+1, tx.now
	e.Overdue = e.IsOverdue(tx.now)
	return nil
}

// setEncounterStatus moves a report and records the review step.
func (tx *Tx) setEncounterStatus(ctx context.Context, actor *citdesk.Actor, e *citdesk.Encounter, to citdesk.EncounterStatus, action citdesk.ReviewAction, comment string) error {
	var submitted, reviewed, reviewedBy sql.NullInt64
	switch to {
	case citdesk.EncounterSubmitted:
		submitted = sql.NullInt64{Int64: micros(tx.now), Valid: true}
		comment = ""
	case citdesk.EncounterApproved, citdesk.EncounterReturned:
		submitted = nullMicros(e.SubmittedAt)
		reviewed = sql.NullInt64{Int64: micros(tx.now), Valid: true}
		reviewedBy = sql.NullInt64{Int64: actor.UserID, Valid: true}
	}
	returnComment := ""
	if to == citdesk.EncounterReturned {
		returnComment = comment
	}
	res, err := tx.ExecContext(ctx, `UPDATE encounters SET status = ?, return_comment = ?, submitted_at = ?, reviewed_at = ?, reviewed_by = ?, updated_at = ?, version = version + 1
		WHERE agency_id = ? AND id = ? AND version = ?`,
		string(to), returnComment, submitted, reviewed, reviewedBy, micros(tx.now), e.AgencyID, e.ID, e.Version)
	if err != nil {
		return fmt.Errorf("move encounter: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return citdesk.Errorf(citdesk.EPRECONDITION, "This report changed since you loaded it; reload and try again.")
	}
	e.Status, e.ReturnComment, e.SubmittedAt, e.ReviewedAt, e.ReviewedBy = to, returnComment, fromNullMicros(submitted), fromNullMicros(reviewed), fromNullInt(reviewedBy)
	e.Version, e.UpdatedAt = e.Version+1, tx.now
	e.Overdue = e.IsOverdue(tx.now)
	if err := tx.addReview(ctx, actor, e.ID, action, comment); err != nil {
		return err
	}
	return tx.audit(ctx, actor, "encounter."+string(action), "encounter", e.ID, string(to))
}

func (tx *Tx) addReview(ctx context.Context, actor *citdesk.Actor, encounterID int64, action citdesk.ReviewAction, comment string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO encounter_reviews (agency_id, encounter_id, action, by_user_id, by_name, comment, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		actor.AgencyID, encounterID, string(action), actor.UserID, actor.Username, comment, micros(tx.now))
	if err != nil {
		return fmt.Errorf("insert review: %w", err)
	}
	return nil
}

// SubmitEncounter sends a complete report for review. A report whose
// dispositions include a referral to the liaison opens the referral.
func (s encounterService) SubmitEncounter(ctx context.Context, id, version int64) (*citdesk.Encounter, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var e *citdesk.Encounter
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if e, err = tx.loadOwnEditable(ctx, actor, id, version); err != nil {
			return err
		}
		if err := e.Validate(tx.now); err != nil {
			return err
		}
		if err := tx.setEncounterStatus(ctx, actor, e, citdesk.EncounterSubmitted, citdesk.ReviewSubmit, ""); err != nil {
			return err
		}
		if !e.Has(citdesk.DispReferredToLiaison) {
			return nil
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM referrals WHERE agency_id = ? AND encounter_id = ?`, e.AgencyID, e.ID).Scan(&n); err != nil || n > 0 {
			return err
		}
		return tx.createReferral(ctx, actor, &citdesk.Referral{EncounterID: e.ID, PersonID: *e.PersonID})
	})
	return e, err
}

// loadForReview reads a submitted report for a coordinator's decision.
func (tx *Tx) loadForReview(ctx context.Context, actor *citdesk.Actor, id, version int64, to citdesk.EncounterStatus) (*citdesk.Encounter, error) {
	e, err := tx.findEncounter(ctx, actor.AgencyID, id, true)
	if err != nil {
		return nil, err
	}
	if err := citdesk.CheckReviewEncounter(actor, e, to); err != nil {
		// Someone who may not even read the report (another
		// supervisor's officer's) is not told it exists.
		if citdesk.ErrorCode(err) == citdesk.EFORBIDDEN {
			if ok, rerr := tx.canReadEncounter(ctx, actor, e); rerr != nil {
				return nil, rerr
			} else if !ok {
				return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Report not found.")
			}
		}
		return nil, err
	}
	if e.Version != version {
		return nil, citdesk.Errorf(citdesk.EPRECONDITION, "This report changed since you loaded it; reload and try again.")
	}
	return e, nil
}

// ReturnEncounter sends a submitted report back to its officer with a comment.
func (s encounterService) ReturnEncounter(ctx context.Context, id, version int64, comment string) (*citdesk.Encounter, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReviewReport)
	if err != nil {
		return nil, err
	}
	comment = strings.TrimSpace(comment)
	var e *citdesk.Encounter
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		// The report first: someone who may not review it is told it is
		// not found, not what is wrong with their comment.
		if e, err = tx.loadForReview(ctx, actor, id, version, citdesk.EncounterReturned); err != nil {
			return err
		}
		if comment == "" {
			return citdesk.FieldErrorf("comment", "Say what the officer should fix.")
		} else if len([]rune(comment)) > 2000 {
			return citdesk.FieldErrorf("comment", "The comment must be at most 2000 characters.")
		}
		return tx.setEncounterStatus(ctx, actor, e, citdesk.EncounterReturned, citdesk.ReviewReturn, comment)
	})
	return e, err
}

// ApproveEncounter approves a submitted report; it is read-only after.
func (s encounterService) ApproveEncounter(ctx context.Context, id, version int64) (*citdesk.Encounter, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReviewReport)
	if err != nil {
		return nil, err
	}
	var e *citdesk.Encounter
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if e, err = tx.loadForReview(ctx, actor, id, version, citdesk.EncounterApproved); err != nil {
			return err
		}
		return tx.setEncounterStatus(ctx, actor, e, citdesk.EncounterApproved, citdesk.ReviewApprove, "")
	})
	return e, err
}

// CorrectEncounter changes an approved report: the old state is kept as a
// version with who corrected it and why, and the report stays approved.
func (s encounterService) CorrectEncounter(ctx context.Context, e *citdesk.Encounter, reason string) error {
	actor, err := citdesk.Require(ctx, citdesk.ReviewReport)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return citdesk.FieldErrorf("reason", "Say why the report is corrected.")
	} else if len([]rune(reason)) > 2000 {
		return citdesk.FieldErrorf("reason", "The reason must be at most 2000 characters.")
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		old, err := tx.findEncounter(ctx, actor.AgencyID, e.ID, true)
		if err != nil {
			return err
		}
		if err := citdesk.CheckCorrectEncounter(actor, old); err != nil {
			return err
		}
		if old.Version != e.Version {
			return citdesk.Errorf(citdesk.EPRECONDITION, "This report changed since you loaded it; reload and try again.")
		}
		if err := e.Validate(tx.now); err != nil {
			return err
		}
		if err := tx.checkPerson(ctx, actor.AgencyID, e.PersonID); err != nil {
			return err
		}
		data, err := json.Marshal(old)
		if err != nil {
			return err
		}
		// The earlier version holds the narrative: sealed whole.
		sealed, err := tx.db.fields.sealText(colEncounterVersion, string(data))
		if err != nil {
			return fmt.Errorf("encrypt encounter version: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO encounter_versions (agency_id, encounter_id, revision, by_user_id, by_name, reason, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			actor.AgencyID, old.ID, old.Revision, actor.UserID, actor.Username, reason, sealed, micros(tx.now)); err != nil {
			return fmt.Errorf("insert encounter version: %w", err)
		}
		if err := tx.saveEncounter(ctx, old, e); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE encounters SET revision = revision + 1 WHERE agency_id = ? AND id = ?`, actor.AgencyID, old.ID); err != nil {
			return err
		}
		e.Revision = old.Revision + 1
		if err := tx.addReview(ctx, actor, e.ID, citdesk.ReviewCorrect, reason); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "encounter.correct", "encounter", e.ID, "revision "+strconv.Itoa(e.Revision))
	})
}

// ListEncounterVersions returns the states a report had before each
// correction, oldest first.
func (s encounterService) ListEncounterVersions(ctx context.Context, id int64) ([]*citdesk.EncounterVersion, error) {
	var out []*citdesk.EncounterVersion
	// Audited even when there is none: "never corrected" is itself read
	// from the report.
	err := s.readReportPart(ctx, id, "encounter.versions", func(tx *Tx, agencyID int64) (err error) {
		out, err = tx.encounterVersions(ctx, agencyID, id)
		return err
	})
	return out, err
}

// ListReviewEvents returns a report's review history, oldest first.
func (s encounterService) ListReviewEvents(ctx context.Context, id int64) ([]*citdesk.ReviewEvent, error) {
	var out []*citdesk.ReviewEvent
	err := s.readReportPart(ctx, id, "encounter.reviews", func(tx *Tx, agencyID int64) (err error) {
		out, err = tx.reviewEvents(ctx, agencyID, id)
		return err
	})
	return out, err
}

// readReportPart reads a part of report id (its versions, its reviews)
// for an actor who may read the report, and audits the read as action on
// the report, in one transaction.
func (s encounterService) readReportPart(ctx context.Context, id int64, action string, read func(tx *Tx, agencyID int64) error) error {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		e, err := tx.findEncounter(ctx, actor.AgencyID, id, false)
		if err != nil {
			return err
		}
		if ok, err := tx.canReadEncounter(ctx, actor, e); err != nil {
			return err
		} else if !ok {
			return citdesk.Errorf(citdesk.ENOTFOUND, "Report not found.")
		}
		if err := read(tx, actor.AgencyID); err != nil {
			return err
		}
		return tx.audit(ctx, actor, action, "encounter", id, "")
	})
}

// encounterVersions reads report id's earlier versions, oldest first.
func (tx *Tx) encounterVersions(ctx context.Context, agencyID, id int64) ([]*citdesk.EncounterVersion, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, encounter_id, revision, by_user_id, by_name, reason, data, created_at FROM encounter_versions
		WHERE agency_id = ? AND encounter_id = ? ORDER BY revision`, agencyID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*citdesk.EncounterVersion
	for rows.Next() {
		var v citdesk.EncounterVersion
		var data string
		var at int64
		if err := rows.Scan(&v.ID, &v.EncounterID, &v.Revision, &v.ByUserID, &v.By, &v.Reason, tx.db.fields.text(colEncounterVersion, &data), &at); err != nil {
			return nil, err
		}
		v.At = fromMicros(at)
		if err := json.Unmarshal([]byte(data), &v.Old); err != nil {
			return nil, fmt.Errorf("decode version %d: %w", v.ID, err)
		}
		out = append(out, &v)
	}
	return out, rows.Err()
}

// reviewEvents reads report id's review history, oldest first.
func (tx *Tx) reviewEvents(ctx context.Context, agencyID, id int64) ([]*citdesk.ReviewEvent, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, action, by_user_id, by_name, comment, at FROM encounter_reviews
		WHERE agency_id = ? AND encounter_id = ? ORDER BY at, id`, agencyID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*citdesk.ReviewEvent
	for rows.Next() {
		var r citdesk.ReviewEvent
		var action string
		var at int64
		if err := rows.Scan(&r.ID, &action, &r.ByUserID, &r.By, &r.Comment, &at); err != nil {
			return nil, err
		}
		r.Action, r.At = citdesk.ReviewAction(action), fromMicros(at)
		out = append(out, &r)
	}
	return out, rows.Err()
}
