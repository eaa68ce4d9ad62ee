package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"citdesk"
)

// NewLiaisonService returns the liaisons' availability and their calls
// (co-response, issue 16), each change in one transaction. It is a
// function, not a method of DB, which is at its method limit.
func NewLiaisonService(db *DB) citdesk.LiaisonService { return liaisonService{db} }

type liaisonService struct{ db *DB }

// liaisonUser returns the display name of user userID of agency when they
// hold the liaison role and are not disabled; the error names user_id.
func liaisonUser(ctx context.Context, tx *Tx, agencyID, userID int64) (string, error) {
	var name, username, roles string
	var disabled bool
	err := tx.QueryRowContext(ctx, `SELECT display_name, username, roles, disabled FROM users WHERE agency_id = ? AND id = ?`, agencyID, userID).
		Scan(&name, &username, &roles, &disabled)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (disabled || !hasRole(roles, citdesk.RoleLiaison)) {
		return "", citdesk.FieldErrorf("user_id", "No such liaison.")
	} else if err != nil {
		return "", fmt.Errorf("find liaison: %w", err)
	}
	if name == "" {
		name = username
	}
	return name, nil
}

// liaisonDuty reads liaison userID's status row; a liaison who never set
// one is off duty.
func liaisonDuty(ctx context.Context, tx *Tx, agencyID, userID int64, name string) (*citdesk.LiaisonDuty, error) {
	d := &citdesk.LiaisonDuty{UserID: userID, Name: name, Status: citdesk.LiaisonOffDuty}
	var status string
	var lat, lon sql.NullFloat64
	var at sql.NullInt64
	var updated int64
	err := tx.QueryRowContext(ctx, `SELECT status, lat, lon, position_at, updated_at FROM liaison_duty WHERE agency_id = ? AND user_id = ?`, agencyID, userID).
		Scan(&status, &lat, &lon, &at, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil
	} else if err != nil {
		return nil, fmt.Errorf("read liaison status: %w", err)
	}
	d.Status, d.Lat, d.Lon, d.PositionAt, d.UpdatedAt = citdesk.LiaisonStatus(status), fromNullFloat(lat), fromNullFloat(lon), fromNullMicros(at), fromMicros(updated)
	return d, nil
}

// listLiaisonDuty reads the statuses of the agency's liaisons who have set
// one, with the call each is on, for the dispatch state.
func (tx *Tx) listLiaisonDuty(ctx context.Context, agencyID int64) ([]*citdesk.LiaisonDuty, error) {
	rows, err := queryAll(ctx, tx, "list liaison statuses", func(row rowScanner) (*citdesk.LiaisonDuty, error) {
		d := &citdesk.LiaisonDuty{}
		var name, username, roles, status string
		var lat, lon sql.NullFloat64
		var at, callID sql.NullInt64
		var updated int64
		var disabled bool
		if err := row.Scan(&d.UserID, &name, &username, &roles, &disabled, &status, &lat, &lon, &at, &updated, &callID); err != nil {
			return nil, err
		}
		if disabled || !hasRole(roles, citdesk.RoleLiaison) {
			return nil, nil
		}
		d.Name = name
		if d.Name == "" {
			d.Name = username
		}
		d.Status, d.Lat, d.Lon, d.PositionAt, d.UpdatedAt, d.CallID = citdesk.LiaisonStatus(status), fromNullFloat(lat), fromNullFloat(lon), fromNullMicros(at), fromMicros(updated), callID.Int64
		return d, nil
	}, `SELECT u.id, u.display_name, u.username, u.roles, u.disabled, d.status, d.lat, d.lon, d.position_at, d.updated_at,
		(SELECT MIN(l.call_id) FROM call_liaisons l WHERE l.user_id = u.id AND l.cleared_at IS NULL)
		FROM liaison_duty d JOIN users u ON u.id = d.user_id WHERE d.agency_id = ? ORDER BY u.id`, agencyID)
	if err != nil {
		return nil, err
	}
	out := rows[:0]
	for _, d := range rows {
		if d != nil {
			out = append(out, d)
		}
	}
	return out, nil
}

const callLiaisonSelect = `SELECT l.id, l.call_id, l.user_id, u.display_name, u.username, l.status, l.assigned_at, l.en_route_at, l.on_scene_at, l.cleared_at,
	l.assigned_by, l.version, c.nature, c.address
	FROM call_liaisons l JOIN users u ON u.id = l.user_id JOIN calls c ON c.agency_id = l.agency_id AND c.id = l.call_id`

func scanCallLiaison(row rowScanner) (*citdesk.CallLiaison, error) {
	l := &citdesk.CallLiaison{}
	var username, status string
	var assigned int64
	var enRoute, onScene, cleared sql.NullInt64
	if err := row.Scan(&l.ID, &l.CallID, &l.UserID, &l.Name, &username, &status, &assigned, &enRoute, &onScene, &cleared,
		&l.AssignedBy, &l.Version, &l.CallNature, &l.CallAddress); err != nil {
		return nil, err
	}
	if l.Name == "" {
		l.Name = username
	}
	l.Status, l.AssignedAt = citdesk.LiaisonCallStatus(status), fromMicros(assigned)
	l.EnRouteAt, l.OnSceneAt, l.ClearedAt = fromNullMicros(enRoute), fromNullMicros(onScene), fromNullMicros(cleared)
	return l, nil
}

// listCallLiaisons lists the liaisons sent to call callID, oldest first.
func (tx *Tx) listCallLiaisons(ctx context.Context, agencyID, callID int64) ([]*citdesk.CallLiaison, error) {
	return queryAll(ctx, tx, "list call liaisons", scanCallLiaison, callLiaisonSelect+` WHERE l.agency_id = ? AND l.call_id = ? ORDER BY l.id`, agencyID, callID)
}

// SetLiaisonStatus implements citdesk.LiaisonService.
func (s liaisonService) SetLiaisonStatus(ctx context.Context, userID int64, status citdesk.LiaisonStatus, lat, lon *float64) (*citdesk.LiaisonDuty, error) {
	actor, err := citdesk.Require(ctx, citdesk.SetLiaisonStatus)
	if err != nil {
		return nil, err
	}
	if !citdesk.Can(actor, citdesk.SetLiaisonStatus, citdesk.Object{UserID: userID}) {
		return nil, citdesk.Errorf(citdesk.EFORBIDDEN, "You may only set your own status.")
	}
	if !status.Valid() {
		return nil, citdesk.FieldErrorf("status", "Status must be available, busy or off_duty.")
	}
	if (lat == nil) != (lon == nil) {
		return nil, citdesk.FieldErrorf("lat", "Give both lat and lon, or neither.")
	}
	if lat != nil && (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
		return nil, citdesk.FieldErrorf("lat", "The position must be a latitude from -90 to 90 and a longitude from -180 to 180.")
	}
	var d *citdesk.LiaisonDuty
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		name, err := liaisonUser(ctx, tx, actor.AgencyID, userID)
		if err != nil {
			return err
		}
		if d, err = liaisonDuty(ctx, tx, actor.AgencyID, userID, name); err != nil {
			return err
		}
		d.Status, d.UpdatedAt = status, tx.now
		if lat != nil {
			now := tx.now
			d.Lat, d.Lon, d.PositionAt = lat, lon, &now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO liaison_duty (user_id, agency_id, status, lat, lon, position_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, lat = excluded.lat, lon = excluded.lon, position_at = excluded.position_at, updated_at = excluded.updated_at`,
			userID, actor.AgencyID, string(status), nullFloat(d.Lat), nullFloat(d.Lon), nullMicros(d.PositionAt), micros(tx.now)); err != nil {
			return fmt.Errorf("set liaison status: %w", err)
		}
		detail := "status=" + string(status)
		if lat != nil {
			detail += " position"
		}
		return tx.audit(ctx, actor, "liaison.status", "user", userID, detail)
	})
	if err != nil {
		return nil, err
	}
	s.db.publish(ctx, citdesk.EventLiaison, actor.AgencyID, userID, d)
	return d, nil
}

// FindLiaisonDuty implements citdesk.LiaisonService.
func (s liaisonService) FindLiaisonDuty(ctx context.Context, userID int64) (*citdesk.LiaisonDuty, *citdesk.CallLiaison, error) {
	actor, err := citdesk.Require(ctx, citdesk.SetLiaisonStatus)
	if err != nil {
		return nil, nil, err
	}
	if !citdesk.Can(actor, citdesk.SetLiaisonStatus, citdesk.Object{UserID: userID}) {
		return nil, nil, citdesk.Errorf(citdesk.EFORBIDDEN, "You may only read your own status.")
	}
	var d *citdesk.LiaisonDuty
	var on *citdesk.CallLiaison
	err = s.db.readTx(ctx, func(tx *Tx) error {
		name, err := liaisonUser(ctx, tx, actor.AgencyID, userID)
		if err != nil {
			return err
		}
		if d, err = liaisonDuty(ctx, tx, actor.AgencyID, userID, name); err != nil {
			return err
		}
		on, err = scanCallLiaison(tx.QueryRowContext(ctx, callLiaisonSelect+` WHERE l.agency_id = ? AND l.user_id = ? AND l.cleared_at IS NULL`, actor.AgencyID, userID))
		if errors.Is(err, sql.ErrNoRows) {
			on, err = nil, nil
		}
		if on != nil {
			d.CallID = on.CallID
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return d, on, nil
}

// AssignLiaison implements citdesk.LiaisonService.
func (s liaisonService) AssignLiaison(ctx context.Context, a *citdesk.CallLiaison, reason string) error {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return err
	}
	if a.UserID <= 0 {
		return citdesk.FieldErrorf("user_id", "Choose the liaison to send.")
	}
	var (
		call     *citdesk.Call
		response bool
	)
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		// The call's row lock first, as for an officer's assignment, so
		// the two never deadlock on PostgreSQL.
		call, err = tx.findCall(ctx, actor.AgencyID, a.CallID, true)
		if err != nil {
			return err
		}
		if call.Status == citdesk.CallClosed {
			return citdesk.Errorf(citdesk.ECONFLICT, "This call is closed.")
		}
		name, err := liaisonUser(ctx, tx, actor.AgencyID, a.UserID)
		if err != nil {
			return err
		}
		duty, err := liaisonDuty(ctx, tx, actor.AgencyID, a.UserID, name)
		if err != nil {
			return err
		}
		if duty.Status != citdesk.LiaisonAvailable {
			return citdesk.Errorf(citdesk.ECONFLICT, "%s is %s.", name, duty.Status.Label())
		}
		if call.Response != citdesk.ResponseCoResponse {
			// A co-response is the response chosen: recorded with the
			// liaison, in the same transaction, under the usual rule (a
			// reason when the triage recommended another).
			call.Response, call.ResponseReason = citdesk.ResponseCoResponse, reason
			if err := call.CheckResponse(); err != nil {
				return err
			}
			if err := updateCallRow(ctx, tx, actor, call, "response=co_response"); err != nil {
				return err
			}
			// A changed response is a changed call, for webhooks as
			// for the call form.
			if err := enqueueCallEvent(ctx, tx, citdesk.HookCallUpdated, call); err != nil {
				return err
			}
			response = true
		}
		a.Name, a.Status, a.AssignedAt, a.AssignedBy, a.Version = name, citdesk.LiaisonAssigned, tx.now, actor.UserID, 1
		a.EnRouteAt, a.OnSceneAt, a.ClearedAt, a.CallNature, a.CallAddress = nil, nil, nil, call.Nature, call.Address
		// The unique index over active rows decides, so two dispatchers
		// cannot both send the same liaison.
		a.ID, err = tx.insert(ctx, `INSERT INTO call_liaisons (agency_id, call_id, user_id, status, assigned_at, assigned_by, version) VALUES (?, ?, ?, ?, ?, ?, 1)`,
			actor.AgencyID, call.ID, a.UserID, string(a.Status), micros(tx.now), actor.UserID)
		if isUniqueViolation(err) {
			return citdesk.Errorf(citdesk.ECONFLICT, "%s is already on another call.", name)
		} else if err != nil {
			return fmt.Errorf("insert call liaison: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE liaison_duty SET status = ?, updated_at = ? WHERE agency_id = ? AND user_id = ?`,
			string(citdesk.LiaisonBusy), micros(tx.now), actor.AgencyID, a.UserID); err != nil {
			return fmt.Errorf("liaison busy: %w", err)
		}
		return tx.audit(ctx, actor, "call_liaison.create", "call_liaison", a.ID, "call="+strconv.FormatInt(call.ID, 10)+" liaison="+strconv.FormatInt(a.UserID, 10))
	})
	if err != nil {
		return err
	}
	s.db.publish(ctx, citdesk.EventLiaison, actor.AgencyID, a.UserID, a)
	if response {
		s.db.publish(ctx, citdesk.EventCallUpdated, actor.AgencyID, call.ID, call.Summary())
	}
	return nil
}

// MoveLiaison implements citdesk.LiaisonService.
func (s liaisonService) MoveLiaison(ctx context.Context, callID, version int64, status citdesk.LiaisonCallStatus) (*citdesk.CallLiaison, error) {
	actor, err := citdesk.Require(ctx, citdesk.MoveLiaisonCall)
	if err != nil {
		return nil, err
	}
	switch status {
	case citdesk.LiaisonEnRoute, citdesk.LiaisonOnScene, citdesk.LiaisonCleared:
	default:
		return nil, citdesk.FieldErrorf("status", "Status must be en_route, on_scene or cleared.")
	}
	var l *citdesk.CallLiaison
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if _, err := tx.findCall(ctx, actor.AgencyID, callID, true); err != nil {
			return err
		}
		// The liaison's own row when a liaison moves; a dispatcher moves
		// the call's active one.
		q, args := callLiaisonSelect+` WHERE l.agency_id = ? AND l.call_id = ? AND l.cleared_at IS NULL`, []any{actor.AgencyID, callID}
		if !citdesk.MayEver(actor, citdesk.DispatchCalls) {
			q, args = q+` AND l.user_id = ?`, append(args, actor.UserID)
		}
		l, err = scanCallLiaison(tx.QueryRowContext(ctx, q+` ORDER BY l.id`, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return citdesk.Errorf(citdesk.ENOTFOUND, "No liaison is on this call.")
		} else if err != nil {
			return err
		}
		if !citdesk.Can(actor, citdesk.MoveLiaisonCall, citdesk.Object{UserID: l.UserID}) {
			return citdesk.Errorf(citdesk.ENOTFOUND, "No liaison is on this call.")
		}
		if l.Version != version {
			return citdesk.Errorf(citdesk.EPRECONDITION, "The liaison's step changed since you loaded it (it is now %s); reload and try again.", l.Status.Label())
		}
		if !l.Status.CanMoveTo(status) {
			return citdesk.Errorf(citdesk.ECONFLICT, "A liaison who is %s cannot move to %s.", l.Status.Label(), status.Label())
		}
		now := tx.now
		col := map[citdesk.LiaisonCallStatus]string{citdesk.LiaisonEnRoute: "en_route_at", citdesk.LiaisonOnScene: "on_scene_at", citdesk.LiaisonCleared: "cleared_at"}[status]
		res, err := tx.ExecContext(ctx, `UPDATE call_liaisons SET status = ?, `+col+` = ?, version = version + 1 WHERE agency_id = ? AND id = ? AND version = ?`,
			string(status), micros(now), actor.AgencyID, l.ID, version)
		if err != nil {
			return fmt.Errorf("move call liaison: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return citdesk.Errorf(citdesk.EPRECONDITION, "The liaison's step changed since you loaded it; reload and try again.")
		}
		l.Status, l.Version = status, l.Version+1
		switch status {
		case citdesk.LiaisonEnRoute:
			l.EnRouteAt = &now
		case citdesk.LiaisonOnScene:
			l.OnSceneAt = &now
		case citdesk.LiaisonCleared:
			l.ClearedAt = &now
			// Cleared, the liaison can be sent again.
			if _, err := tx.ExecContext(ctx, `UPDATE liaison_duty SET status = ?, updated_at = ? WHERE agency_id = ? AND user_id = ? AND status = ?`,
				string(citdesk.LiaisonAvailable), micros(now), actor.AgencyID, l.UserID, string(citdesk.LiaisonBusy)); err != nil {
				return fmt.Errorf("liaison available: %w", err)
			}
		}
		return tx.audit(ctx, actor, "call_liaison.move", "call_liaison", l.ID, "call="+strconv.FormatInt(callID, 10)+" status="+string(status))
	})
	if err != nil {
		return nil, err
	}
	s.db.publish(ctx, citdesk.EventLiaison, actor.AgencyID, l.UserID, l)
	return l, nil
}

// ListCallLiaisons implements citdesk.LiaisonService.
func (s liaisonService) ListCallLiaisons(ctx context.Context, callID int64) ([]*citdesk.CallLiaison, error) {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return nil, err
	}
	var out []*citdesk.CallLiaison
	err = s.db.readTx(ctx, func(tx *Tx) error {
		if _, err := tx.findCall(ctx, actor.AgencyID, callID, false); err != nil {
			return err
		}
		out, err = tx.listCallLiaisons(ctx, actor.AgencyID, callID)
		return err
	})
	return out, err
}
