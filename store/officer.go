package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"citdesk"
)

// OfficerService returns the roster, training and duty-status service.
func (db *DB) OfficerService() citdesk.OfficerService { return officerService{db} }

type officerService struct{ db *DB }

const officerColumns = `o.id, o.agency_id, o.badge, o.first_name, o.last_name, o.rank, o.call_sign, o.shift, o.phone, o.active, o.created_at, o.updated_at, o.version,
	o.supervisor_user_id, d.status, d.since, d.lat, d.lon, d.position_at`

const officerFrom = ` FROM officers o LEFT JOIN officer_duty d ON d.officer_id = o.id AND d.agency_id = o.agency_id`

func scanOfficer(row interface{ Scan(...any) error }) (*citdesk.Officer, error) {
	var o citdesk.Officer
	var created, updated int64
	var status sql.NullString
	var since, posAt, supervisor sql.NullInt64
	var lat, lon sql.NullFloat64
	if err := row.Scan(&o.ID, &o.AgencyID, &o.Badge, &o.FirstName, &o.LastName, &o.Rank, &o.CallSign, &o.Shift, &o.Phone, &o.Active, &created, &updated, &o.Version,
		&supervisor, &status, &since, &lat, &lon, &posAt); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt, o.SupervisorUserID = fromMicros(created), fromMicros(updated), fromNullInt(supervisor)
	o.Duty = &citdesk.DutyState{Status: citdesk.StatusOffDuty}
	if status.Valid {
		o.Duty = &citdesk.DutyState{Status: citdesk.DutyStatus(status.String), Since: fromMicros(since.Int64), Lat: fromNullFloat(lat), Lon: fromNullFloat(lon), PositionAt: fromNullMicros(posAt)}
	}
	return &o, nil
}

// decorate fills each officer's derived CIT standing, awareness course and
// position staleness from the agency's policy and clock.
func (tx *Tx) decorate(ctx context.Context, agency *citdesk.Agency, officers []*citdesk.Officer) error {
	if len(officers) == 0 {
		return nil
	}
	byID := make(map[int64][]*citdesk.TrainingRecord, len(officers))
	q := `SELECT id, agency_id, officer_id, kind, title, completed, hours, provider, certificate, created_at FROM training_records WHERE agency_id = ?`
	args := []any{agency.ID}
	if len(officers) == 1 {
		q += ` AND officer_id = ?`
		args = append(args, officers[0].ID)
	}
	records, err := scanTraining(ctx, tx, q, args...)
	if err != nil {
		return err
	}
	for _, r := range records {
		byID[r.OfficerID] = append(byID[r.OfficerID], r)
	}
	today := citdesk.DateOf(tx.now, agency.Location())
	for _, o := range officers {
		standing := citdesk.DeriveCITStatus(byID[o.ID], agency.Policy, today)
		o.CIT = &standing
		for _, r := range byID[o.ID] {
			if r.Kind == citdesk.CourseMHAwareness {
				o.MHAwarness = true
			}
		}
		if o.Duty != nil {
			o.Duty.Stale = citdesk.PositionStale(o.Duty.PositionAt, tx.now, agency.Policy.StalePosition)
		}
	}
	return nil
}

func scanTraining(ctx context.Context, tx *Tx, q string, args ...any) ([]*citdesk.TrainingRecord, error) {
	return queryAll(ctx, tx, "query training", scanTrainingRecord, q, args...)
}

func scanTrainingRecord(row rowScanner) (*citdesk.TrainingRecord, error) {
	var r citdesk.TrainingRecord
	var kind, completed string
	var created int64
	if err := row.Scan(&r.ID, &r.AgencyID, &r.OfficerID, &kind, &r.Title, &completed, &r.Hours, &r.Provider, &r.Certificate, &created); err != nil {
		return nil, err
	}
	r.Kind, r.CreatedAt = citdesk.CourseKind(kind), fromMicros(created)
	var err error
	if r.Completed, err = citdesk.ParseDate(completed); err != nil {
		return nil, fmt.Errorf("training %d: bad date %q", r.ID, completed)
	}
	return &r, nil
}

// saveRoster checks that the actor may manage the roster and that o is
// valid, then saves o with save in one write transaction.
func (s officerService) saveRoster(ctx context.Context, o *citdesk.Officer, save func(tx *Tx, ctx context.Context, actor *citdesk.Actor, o *citdesk.Officer) error) error {
	actor, err := citdesk.Require(ctx, citdesk.ManageRoster)
	if err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error { return save(tx, ctx, actor, o) })
}

// CreateOfficer adds an officer to the roster (coordinator or admin).
func (s officerService) CreateOfficer(ctx context.Context, o *citdesk.Officer) error {
	return s.saveRoster(ctx, o, (*Tx).createOfficer)
}

// checkSupervisor reports whether userID (when set) may supervise
// officers of the agency: an active user of it with the supervisor role.
func checkSupervisor(ctx context.Context, tx *Tx, agencyID int64, userID *int64) error {
	if userID == nil {
		return nil
	}
	var roles string
	var disabled bool
	err := tx.QueryRowContext(ctx, `SELECT roles, disabled FROM users WHERE agency_id = ? AND id = ?`, agencyID, *userID).Scan(&roles, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return citdesk.FieldErrorf("supervisor_user_id", "No such user in your agency.")
	} else if err != nil {
		return err
	}
	if disabled || !hasRole(roles, citdesk.RoleSupervisor) {
		return citdesk.FieldErrorf("supervisor_user_id", "That user is not an active supervisor; give them the supervisor role first.")
	}
	return nil
}

func (tx *Tx) createOfficer(ctx context.Context, actor *citdesk.Actor, o *citdesk.Officer) error {
	if err := checkSupervisor(ctx, tx, actor.AgencyID, o.SupervisorUserID); err != nil {
		return err
	}
	o.AgencyID, o.CreatedAt, o.UpdatedAt, o.Version = actor.AgencyID, tx.now, tx.now, 1
	id, err := tx.insert(ctx, `INSERT INTO officers (agency_id, badge, first_name, last_name, rank, call_sign, shift, phone, active, supervisor_user_id, created_at, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
		o.AgencyID, o.Badge, o.FirstName, o.LastName, o.Rank, o.CallSign, o.Shift, o.Phone, o.Active, nullInt(o.SupervisorUserID), micros(o.CreatedAt), micros(o.UpdatedAt))
	if isUniqueViolation(err) {
		return citdesk.FieldErrorf("badge", "Badge number %s is already on the roster.", o.Badge)
	} else if err != nil {
		return fmt.Errorf("insert officer: %w", err)
	}
	o.ID = id
	return tx.audit(ctx, actor, "officer.create", "officer", id, "")
}

func (s officerService) findOfficer(ctx context.Context, where string, arg any) (*citdesk.Officer, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var o *citdesk.Officer
	err = s.db.readTx(ctx, func(tx *Tx) error {
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		o, err = scanOfficer(tx.QueryRowContext(ctx, `SELECT `+officerColumns+officerFrom+` WHERE o.agency_id = ? AND `+where, actor.AgencyID, arg))
		if errors.Is(err, sql.ErrNoRows) {
			return citdesk.Errorf(citdesk.ENOTFOUND, "Officer not found.")
		} else if err != nil {
			return err
		}
		return tx.decorate(ctx, agency, []*citdesk.Officer{o})
	})
	return o, err
}

// FindOfficerByID returns an officer of the actor's agency with derived
// CIT standing and duty state.
func (s officerService) FindOfficerByID(ctx context.Context, id int64) (*citdesk.Officer, error) {
	return s.findOfficer(ctx, "o.id = ?", id)
}

// FindOfficerByBadge returns an officer by badge number.
func (s officerService) FindOfficerByBadge(ctx context.Context, badge string) (*citdesk.Officer, error) {
	return s.findOfficer(ctx, "o.badge = ?", strings.TrimSpace(badge))
}

// ListOfficers lists the actor's agency's officers, ordered by last name.
func (s officerService) ListOfficers(ctx context.Context, f citdesk.OfficerFilter) ([]*citdesk.Officer, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var officers []*citdesk.Officer
	err = s.db.readTx(ctx, func(tx *Tx) error {
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		officers, err = tx.listOfficers(ctx, agency, f)
		return err
	})
	return officers, err
}

// listOfficers lists agency's officers that f selects, ordered by last
// name, with CIT standing and duty state.
func (tx *Tx) listOfficers(ctx context.Context, agency *citdesk.Agency, f citdesk.OfficerFilter) ([]*citdesk.Officer, error) {
	q := `SELECT ` + officerColumns + officerFrom + ` WHERE o.agency_id = ?`
	args := []any{agency.ID}
	if f.Active != nil {
		q += ` AND o.active = ?`
		args = append(args, *f.Active)
	}
	if f.OnDuty {
		q += ` AND d.status IS NOT NULL AND d.status <> 'off_duty'`
	}
	if f.Query != "" {
		like := "%" + strings.ToLower(f.Query) + "%"
		q += ` AND (LOWER(o.badge) LIKE ? OR LOWER(o.first_name) LIKE ? OR LOWER(o.last_name) LIKE ? OR LOWER(o.call_sign) LIKE ?)`
		args = append(args, like, like, like, like)
	}
	q += ` ORDER BY LOWER(o.last_name), LOWER(o.first_name), o.id`
	officers, err := queryAll(ctx, tx, "list officers", scanOfficer, q, args...)
	if err != nil {
		return nil, err
	}
	if err := tx.decorate(ctx, agency, officers); err != nil || f.CITStatus == "" {
		return officers, err
	}
	kept := officers[:0]
	for _, o := range officers {
		if o.CIT.Status == f.CITStatus {
			kept = append(kept, o)
		}
	}
	return kept, nil
}

// UpdateOfficer saves the roster fields of o when o.Version is current.
func (s officerService) UpdateOfficer(ctx context.Context, o *citdesk.Officer) error {
	return s.saveRoster(ctx, o, (*Tx).updateOfficer)
}

func (tx *Tx) updateOfficer(ctx context.Context, actor *citdesk.Actor, o *citdesk.Officer) error {
	if err := checkSupervisor(ctx, tx, actor.AgencyID, o.SupervisorUserID); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE officers SET badge = ?, first_name = ?, last_name = ?, rank = ?, call_sign = ?, shift = ?, phone = ?, active = ?,
		supervisor_user_id = ?, updated_at = ?, version = version + 1
		WHERE agency_id = ? AND id = ? AND version = ?`,
		o.Badge, o.FirstName, o.LastName, o.Rank, o.CallSign, o.Shift, o.Phone, o.Active, nullInt(o.SupervisorUserID), micros(tx.now), actor.AgencyID, o.ID, o.Version)
	if isUniqueViolation(err) {
		return citdesk.FieldErrorf("badge", "Badge number %s is already on the roster.", o.Badge)
	} else if err != nil {
		return fmt.Errorf("update officer: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM officers WHERE agency_id = ? AND id = ?`, actor.AgencyID, o.ID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return citdesk.Errorf(citdesk.ENOTFOUND, "Officer not found.")
		}
		return citdesk.Errorf(citdesk.EPRECONDITION, "Someone else changed this officer since you loaded it; reload and try again.")
	}
	o.Version++
	o.UpdatedAt = tx.now
	return tx.audit(ctx, actor, "officer.update", "officer", o.ID, "")
}

// UpsertOfficerByBadge creates the officer with o.Badge, or updates its
// roster fields, and adds its training, for imports: a re-import updates
// rather than duplicates, and a row is saved whole or not at all.
func (s officerService) UpsertOfficerByBadge(ctx context.Context, o *citdesk.Officer, training []citdesk.TrainingRecord) (bool, int, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManageRoster)
	if err != nil {
		return false, 0, err
	}
	if err := o.Validate(); err != nil {
		return false, 0, err
	}
	created, added := false, 0
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		created, added = false, 0
		var id, version int64
		var supervisor sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT id, version, supervisor_user_id FROM officers WHERE agency_id = ? AND badge = ?`, actor.AgencyID, o.Badge).Scan(&id, &version, &supervisor)
		if errors.Is(err, sql.ErrNoRows) {
			created = true
			err = tx.createOfficer(ctx, actor, o)
		} else if err == nil {
			// A roster import does not say who supervises whom: keep it.
			o.ID, o.Version, o.SupervisorUserID = id, version, fromNullInt(supervisor)
			err = tx.updateOfficer(ctx, actor, o)
		}
		if err != nil {
			return err
		}
		for i := range training {
			r := &training[i]
			r.OfficerID = o.ID
			switch err := addTraining(ctx, tx, actor, r); citdesk.ErrorCode(err) {
			case "":
				added++
			case citdesk.ECONFLICT: // already on record: a re-import adds nothing
			default:
				return err
			}
		}
		return nil
	})
	return created, added, err
}

// AddTraining records a completed course (coordinator or admin). The same
// officer, kind and date twice is a conflict, so re-imports add nothing.
func (s officerService) AddTraining(ctx context.Context, r *citdesk.TrainingRecord) error {
	actor, err := citdesk.Require(ctx, citdesk.ManageRoster)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error { return addTraining(ctx, tx, actor, r) })
}

// addTraining is AddTraining inside transaction tx. A record already on
// file is ECONFLICT, found before anything is written, so the transaction
// can go on.
func addTraining(ctx context.Context, tx *Tx, actor *citdesk.Actor, r *citdesk.TrainingRecord) error {
	agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
	if err != nil {
		return err
	}
	if err := r.Validate(citdesk.DateOf(tx.now, agency.Location())); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM officers WHERE agency_id = ? AND id = ?`, actor.AgencyID, r.OfficerID).Scan(&n); err != nil {
		return err
	} else if n == 0 {
		return citdesk.Errorf(citdesk.ENOTFOUND, "Officer not found.")
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM training_records WHERE agency_id = ? AND officer_id = ? AND kind = ? AND completed = ? AND hours = ?`,
		actor.AgencyID, r.OfficerID, string(r.Kind), r.Completed.String(), r.Hours).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return citdesk.Errorf(citdesk.ECONFLICT, "This training is already recorded for %s.", r.Completed)
	}
	if r.Title == "" {
		r.Title = defaultCourseTitle(r.Kind)
	}
	r.AgencyID, r.CreatedAt = actor.AgencyID, tx.now
	r.ID, err = tx.insert(ctx, `INSERT INTO training_records (agency_id, officer_id, kind, title, completed, hours, provider, certificate, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.AgencyID, r.OfficerID, string(r.Kind), r.Title, r.Completed.String(), r.Hours, r.Provider, r.Certificate, micros(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert training: %w", err)
	}
	return tx.audit(ctx, actor, "training.add", "officer", r.OfficerID, string(r.Kind))
}

func defaultCourseTitle(k citdesk.CourseKind) string {
	switch k {
	case citdesk.CourseCITBasic:
		return "CIT 40-hour course"
	case citdesk.CourseMHAwareness:
		return "Mental health awareness"
	case citdesk.CourseCITInService:
		return "CIT in-service"
	}
	return "Training"
}

// ListTraining lists an officer's training, newest first: for the
// coordinator and admin, and for the officer themself.
func (s officerService) ListTraining(ctx context.Context, officerID int64) ([]*citdesk.TrainingRecord, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !actor.HasRole(citdesk.RosterRoles...) && !actor.IsOfficer(officerID) {
		return nil, citdesk.Errorf(citdesk.EFORBIDDEN, "You may only see your own training record.")
	}
	var out []*citdesk.TrainingRecord
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		out, err = scanTraining(ctx, tx, `SELECT id, agency_id, officer_id, kind, title, completed, hours, provider, certificate, created_at
			FROM training_records WHERE agency_id = ? AND officer_id = ? ORDER BY completed DESC, id DESC`, actor.AgencyID, officerID)
		return
	})
	return out, err
}

// ListAgencyTraining returns every training record of the actor's agency,
// by officer and date: for coverage, which needs each officer's CIT status
// on each day of a range (coordinator, admin or analyst).
func (s officerService) ListAgencyTraining(ctx context.Context) ([]*citdesk.TrainingRecord, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadRosterFigs)
	if err != nil {
		return nil, err
	}
	var out []*citdesk.TrainingRecord
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		out, err = scanTraining(ctx, tx, `SELECT id, agency_id, officer_id, kind, title, completed, hours, provider, certificate, created_at
			FROM training_records WHERE agency_id = ? ORDER BY officer_id, completed, id`, actor.AgencyID)
		return
	})
	return out, err
}

// SetStatus records an officer's new duty status (and position, when
// given): by the officer themself or by a dispatcher.
func (s officerService) SetStatus(ctx context.Context, c *citdesk.StatusChange) error {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return err
	}
	if !citdesk.Can(actor, citdesk.SetDutyStatus, citdesk.Object{OfficerID: c.OfficerID}) {
		return citdesk.Errorf(citdesk.EFORBIDDEN, "Officers may set only their own status.")
	}
	if !c.Status.Valid() {
		return citdesk.FieldErrorf("status", "Status must be one of off_duty, available, busy, dispatched, en_route, on_scene.")
	}
	if (c.Lat == nil) != (c.Lon == nil) {
		return citdesk.FieldErrorf("lat", "Give both lat and lon, or neither.")
	}
	if c.Lat != nil && (*c.Lat < -90 || *c.Lat > 90) {
		return citdesk.FieldErrorf("lat", "Latitude must be between -90 and 90.")
	}
	if c.Lon != nil && (*c.Lon < -180 || *c.Lon > 180) {
		return citdesk.FieldErrorf("lon", "Longitude must be between -180 and 180.")
	}
	var o *citdesk.Officer
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		// While an officer holds an assignment, their status follows it:
		// going "available" by hand would put a busy officer back at the
		// top of the recommendations.
		var callID int64
		var assigned string
		err := tx.QueryRowContext(ctx, `SELECT call_id, status FROM assignments WHERE agency_id = ? AND officer_id = ? AND cleared_at IS NULL`, actor.AgencyID, c.OfficerID).Scan(&callID, &assigned)
		if err == nil && citdesk.AssignmentStatus(assigned).DutyStatus() != c.Status {
			return citdesk.Errorf(citdesk.ECONFLICT, "%s", citdesk.AssignedStatusMessage(actor, c.OfficerID, callID))
		} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := tx.setStatus(ctx, actor, c); err != nil {
			return err
		}
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		o, err = scanOfficer(tx.QueryRowContext(ctx, `SELECT `+officerColumns+officerFrom+` WHERE o.agency_id = ? AND o.id = ?`, actor.AgencyID, c.OfficerID))
		if err != nil {
			return err
		}
		return tx.decorate(ctx, agency, []*citdesk.Officer{o})
	})
	if err != nil {
		return err
	}
	s.db.publish(ctx, citdesk.EventOfficerStatus, actor.AgencyID, o.ID, o)
	return nil
}

// setStatus writes a status change and the officer's current duty row.
func (tx *Tx) setStatus(ctx context.Context, actor *citdesk.Actor, c *citdesk.StatusChange) error {
	d, err := readDuty(ctx, tx, actor.AgencyID, c.OfficerID)
	if err != nil {
		return err
	}
	return writeStatus(ctx, tx, actor, c, d)
}

// dutyRead is what a status change rests on: the officer's roster entry
// and duty row, read in one statement.
type dutyRead struct {
	found  bool // the officer is on the agency's roster
	active bool
	status sql.NullString // the duty row's status; not valid without one
	since  int64
}

// readDuty reads officerID's roster standing and duty row.
func readDuty(ctx context.Context, tx *Tx, agencyID, officerID int64) (dutyRead, error) {
	var d dutyRead
	var since sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT o.active, d.status, d.since FROM officers o
		LEFT JOIN officer_duty d ON d.agency_id = o.agency_id AND d.officer_id = o.id
		WHERE o.agency_id = ? AND o.id = ?`, agencyID, officerID).Scan(&d.active, &d.status, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil
	} else if err != nil {
		return d, fmt.Errorf("read duty: %w", err)
	}
	d.found, d.since = true, since.Int64
	return d, nil
}

// writeStatus is setStatus once d, the officer's standing, is read.
func writeStatus(ctx context.Context, tx *Tx, actor *citdesk.Actor, c *citdesk.StatusChange, d dutyRead) error {
	if !d.found {
		return citdesk.Errorf(citdesk.ENOTFOUND, "Officer not found.")
	}
	if !d.active && c.Status != citdesk.StatusOffDuty {
		if actor.IsOfficer(c.OfficerID) {
			return citdesk.FieldErrorf("status", "You are inactive on the roster and cannot go on duty; ask your CIT coordinator.")
		}
		return citdesk.FieldErrorf("status", "This officer is inactive on the roster and cannot go on duty.")
	}
	c.AgencyID, c.At, c.ByUserID = actor.AgencyID, tx.now, actor.UserID
	var err error
	c.ID, err = tx.insert(ctx, `INSERT INTO status_changes (agency_id, officer_id, status, lat, lon, at, by_user_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.AgencyID, c.OfficerID, string(c.Status), nullFloat(c.Lat), nullFloat(c.Lon), micros(c.At), c.ByUserID)
	if err != nil {
		return fmt.Errorf("insert status change: %w", err)
	}
	// The status's "since" only moves when the status itself changes; a
	// position update keeps it.
	since, changed := d.since, false
	if !d.status.Valid || d.status.String != string(c.Status) {
		since, changed = micros(c.At), true
	}
	if !changed && c.Lat != nil && c.Lon != nil {
		// The status stays: only the position moves (dispatchmem.go).
		err = execMove(ctx, tx, officerMove{agencyID: c.AgencyID, officerID: c.OfficerID, lat: *c.Lat, lon: *c.Lon, at: c.At},
			`UPDATE officer_duty SET lat = ?, lon = ?, position_at = ? WHERE agency_id = ? AND officer_id = ?`, *c.Lat, *c.Lon, micros(c.At), c.AgencyID, c.OfficerID)
	} else {
		var posAt sql.NullInt64
		if c.Lat != nil {
			posAt = sql.NullInt64{Int64: micros(c.At), Valid: true}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO officer_duty (officer_id, agency_id, status, since, lat, lon, position_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (officer_id) DO UPDATE SET status = excluded.status, since = excluded.since,
				lat = COALESCE(excluded.lat, officer_duty.lat), lon = COALESCE(excluded.lon, officer_duty.lon),
				position_at = COALESCE(excluded.position_at, officer_duty.position_at)`,
			c.OfficerID, c.AgencyID, string(c.Status), since, nullFloat(c.Lat), nullFloat(c.Lon), posAt)
	}
	if err != nil {
		return fmt.Errorf("update duty: %w", err)
	}
	if !changed {
		// A position report that keeps the status (a car's location
		// feed, the demo's refresher) is in the status history but is
		// not an audit event: one a minute per car would bury the trail.
		return nil
	}
	return tx.audit(ctx, actor, "officer.status", "officer", c.OfficerID, string(c.Status))
}

// StatusHistory returns one officer's status changes in [from, to), oldest first.
func (s officerService) StatusHistory(ctx context.Context, officerID int64, from, to time.Time) ([]*citdesk.StatusChange, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !actor.HasRole(citdesk.OfficerViewRoles...) && !actor.IsOfficer(officerID) {
		return nil, citdesk.Errorf(citdesk.EFORBIDDEN, "You may only see your own status history.")
	}
	var out []*citdesk.StatusChange
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		out, err = scanStatus(ctx, tx, `SELECT id, agency_id, officer_id, status, lat, lon, at, by_user_id FROM status_changes
			WHERE agency_id = ? AND officer_id = ? AND at >= ? AND at < ? ORDER BY at, id`, actor.AgencyID, officerID, micros(from), micros(to))
		return
	})
	return out, err
}

// AgencyStatusHistory returns every officer's status changes in [from, to)
// and each officer's last change before from, oldest first.
func (s officerService) AgencyStatusHistory(ctx context.Context, from, to time.Time) ([]*citdesk.StatusChange, error) {
	actor, err := citdesk.Require(ctx, citdesk.ListOfficers)
	if err != nil {
		return nil, err
	}
	var out []*citdesk.StatusChange
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		out, err = tx.agencyStatusHistory(ctx, actor.AgencyID, from, to)
		return err
	})
	return out, err
}

// agencyStatusHistory returns every officer's status changes in [from, to)
// after each officer's last change before from, oldest first.
func (tx *Tx) agencyStatusHistory(ctx context.Context, agencyID int64, from, to time.Time) ([]*citdesk.StatusChange, error) {
	before, err := scanStatus(ctx, tx, lastStatusBeforeSQL, micros(from), agencyID)
	if err != nil {
		return nil, err
	}
	// The query reads them officer by officer; there is one per officer, so
	// sorting them here costs little.
	slices.SortFunc(before, func(a, b *citdesk.StatusChange) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.ID, b.ID))
	})
	during, err := scanStatus(ctx, tx, `SELECT id, agency_id, officer_id, status, lat, lon, at, by_user_id FROM status_changes
		WHERE agency_id = ? AND at >= ? AND at < ? ORDER BY at, id`, agencyID, micros(from), micros(to))
	if err != nil {
		return nil, err
	}
	return append(before, during...), nil
}

// lastStatusBeforeSQL reads each officer's last status change before a time
// (its arguments: time, agency): for each officer of the agency, one seek
// of status_changes_officer. Position reports are status changes too, so
// with a location feed the table grows by a row every few seconds for
// every car; the query used to walk all of the agency's changes before the
// time to find each officer's latest, and coverage with it
// (TestStatusHistoryPlan). It also took the highest id rather than the
// latest time, so history imported after the live changes won.
const lastStatusBeforeSQL = `SELECT s.id, s.agency_id, s.officer_id, s.status, s.lat, s.lon, s.at, s.by_user_id
	FROM officers o CROSS JOIN status_changes s
	WHERE s.id = (SELECT x.id FROM status_changes x WHERE x.agency_id = o.agency_id AND x.officer_id = o.id AND x.at < ?
			ORDER BY x.at DESC, x.id DESC LIMIT 1)
		AND o.agency_id = ?`

func scanStatus(ctx context.Context, tx *Tx, q string, args ...any) ([]*citdesk.StatusChange, error) {
	return queryAll(ctx, tx, "query status", scanStatusChange, q, args...)
}

func scanStatusChange(row rowScanner) (*citdesk.StatusChange, error) {
	var c citdesk.StatusChange
	var status string
	var lat, lon sql.NullFloat64
	var at int64
	if err := row.Scan(&c.ID, &c.AgencyID, &c.OfficerID, &status, &lat, &lon, &at, &c.ByUserID); err != nil {
		return nil, err
	}
	c.Status, c.Lat, c.Lon, c.At = citdesk.DutyStatus(status), fromNullFloat(lat), fromNullFloat(lon), fromMicros(at)
	return &c, nil
}

// publish sends an event about a committed change, when an event service
// is attached.
func (db *DB) publish(ctx context.Context, typ string, agencyID, objectID int64, payload any) {
	if db.Events == nil {
		return
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return
	}
	db.Events.Publish(ctx, citdesk.Event{AgencyID: agencyID, Type: typ, ObjectID: objectID, Payload: b})
}

// Coverage implements citdesk.OfficerService: the range is checked before
// anything is read, and a range with no hour passed yet reads nothing more.
func (s officerService) Coverage(ctx context.Context, from, to citdesk.Date) (*citdesk.CoverageReport, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadRosterFigs)
	if err != nil {
		return nil, err
	}
	var rep *citdesk.CoverageReport
	err = s.db.readTx(ctx, func(tx *Tx) error {
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		if rep, err = citdesk.NewCoverageReport(from, to, tx.now, agency.Location()); err != nil || rep.Empty() {
			return err
		}
		changes, err := tx.agencyStatusHistory(ctx, actor.AgencyID, rep.Start, rep.End)
		if err != nil {
			return err
		}
		training, err := scanTraining(ctx, tx, `SELECT id, agency_id, officer_id, kind, title, completed, hours, provider, certificate, created_at
			FROM training_records WHERE agency_id = ? ORDER BY officer_id, completed, id`, actor.AgencyID)
		if err != nil {
			return err
		}
		rep.Count(changes, training, agency.Policy)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// RosterSummary implements citdesk.OfficerService.
func (s officerService) RosterSummary(ctx context.Context) (*citdesk.RosterSummary, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadRosterFigs)
	if err != nil {
		return nil, err
	}
	var sum *citdesk.RosterSummary
	err = s.db.readTx(ctx, func(tx *Tx) error {
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		active := true
		officers, err := tx.listOfficers(ctx, agency, citdesk.OfficerFilter{Active: &active})
		if err != nil {
			return err
		}
		sum = citdesk.SummarizeRoster(officers, citdesk.DateOf(tx.now, agency.Location()), agency.Policy)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sum, nil
}
