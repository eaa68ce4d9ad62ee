package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"citdesk"
)

// IncidentService returns the service that takes incidents from the CAD.
func (db *DB) IncidentService() citdesk.IncidentService { return incidents{db} }

type incidents struct{ db *DB }

// ReceiveIncident creates or updates the call of an incident from the CAD
// in one transaction. Two sendings of a new incident at once both try to
// link it; the loser's insert fails on cad_incidents' primary key and it
// runs again as an update of the winner's call.
func (s incidents) ReceiveIncident(ctx context.Context, in *citdesk.Incident) (*citdesk.Call, bool, error) {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return nil, false, err
	}
	if in.ID == "" {
		return nil, false, citdesk.FieldErrorf("/$id", "The incident has no id.")
	}
	fresh := in.NewCall()
	if err := fresh.Validate(s.db.now()); err != nil {
		return nil, false, err
	}
	var call *citdesk.Call
	var created, changed bool
	for attempt := 0; ; attempt++ {
		call, created, changed = nil, false, false
		err = s.db.writeTx(ctx, func(tx *Tx) error {
			callID := in.CallID
			if callID == 0 {
				err := tx.QueryRowContext(ctx, `SELECT call_id FROM cad_incidents WHERE agency_id = ? AND incident_id = ?`, actor.AgencyID, in.ID).Scan(&callID)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
			}
			if callID == 0 {
				c := *fresh
				if err := insertCall(ctx, tx, actor, &c); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO cad_incidents (agency_id, incident_id, call_id, first_received_at, last_received_at) VALUES (?, ?, ?, ?, ?)`,
					actor.AgencyID, in.ID, c.ID, micros(tx.now), micros(tx.now)); err != nil {
					return err
				}
				call, created, changed = &c, true, true
				return enqueueCallEvent(ctx, tx, citdesk.HookCallCreated, &c)
			}
			cur, err := tx.findCall(ctx, actor.AgencyID, callID, true)
			if err != nil {
				return err
			}
			if in.Apply(cur) {
				if cur.Status == citdesk.CallClosed {
					return citdesk.Errorf(citdesk.ECONFLICT, "Call %d is closed; the CAD's changes to this incident are not taken.", cur.ID)
				}
				if err := cur.Validate(tx.now); err != nil {
					return err
				}
				if err := updateCallRow(ctx, tx, actor, cur, "from the CAD (EIDO)"); err != nil {
					return err
				}
				if err := enqueueCallEvent(ctx, tx, citdesk.HookCallUpdated, cur); err != nil {
					return err
				}
				changed = true
			}
			if in.CallID == 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE cad_incidents SET last_received_at = ? WHERE agency_id = ? AND incident_id = ?`, micros(tx.now), actor.AgencyID, in.ID); err != nil {
					return err
				}
			}
			call = cur
			return nil
		})
		if attempt == 0 && isUniqueViolation(err) {
			continue
		}
		break
	}
	if err != nil {
		return nil, false, err
	}
	switch {
	case created:
		s.db.publish(ctx, citdesk.EventCallCreated, actor.AgencyID, call.ID, call.Summary())
	case changed:
		s.db.publish(ctx, citdesk.EventCallUpdated, actor.AgencyID, call.ID, call.Summary())
	}
	return call, created, nil
}

// IncidentID returns the CAD's id of the incident that created call id.
func (s incidents) IncidentID(ctx context.Context, callID int64) (string, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadCall)
	if err != nil {
		return "", err
	}
	var id string
	err = s.db.readTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT incident_id FROM cad_incidents WHERE agency_id = ? AND call_id = ?`, actor.AgencyID, callID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find incident id: %w", err)
		}
		return nil
	})
	return id, err
}

// ExportIncidents reads a period's calls with their assignments and
// incident ids in one transaction, auditing each call read, then hands
// them to fn outside it.
func (s incidents) ExportIncidents(ctx context.Context, from, to time.Time, fn func(*citdesk.Call, []*citdesk.Assignment, string) error) (int, error) {
	actor, err := citdesk.Require(ctx, citdesk.ListCalls)
	if err != nil {
		return 0, err
	}
	if !to.After(from) {
		return 0, citdesk.FieldErrorf("to", "The end of the period must be after its start.")
	}
	type exported struct {
		call        *citdesk.Call
		assignments []*citdesk.Assignment
		incidentID  string
	}
	var out []exported
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		calls, err := queryAll(ctx, tx, "export calls", tx.db.fields.scanCall,
			`SELECT `+callColumns+` FROM calls WHERE agency_id = ? AND received_at >= ? AND received_at < ? ORDER BY received_at, id`,
			actor.AgencyID, micros(from), micros(to))
		if err != nil {
			return err
		}
		ids := map[int64]string{}
		rows, err := tx.QueryContext(ctx, `SELECT call_id, incident_id FROM cad_incidents WHERE agency_id = ?`, actor.AgencyID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var inc string
			if err := rows.Scan(&id, &inc); err != nil {
				rows.Close()
				return err
			}
			ids[id] = inc
		}
		if err := rows.Close(); err != nil {
			return err
		}
		read := newAuditRead(actor, "call.export")
		for _, c := range calls {
			as, err := tx.listAssignments(ctx, actor.AgencyID, citdesk.AssignmentFilter{CallID: c.ID})
			if err != nil {
				return err
			}
			out = append(out, exported{c, as, ids[c.ID]})
			read.record("call", c.ID, "eido")
		}
		return read.write(ctx, tx)
	})
	if err != nil {
		return 0, err
	}
	for _, e := range out {
		if err := fn(e.call, e.assignments, e.incidentID); err != nil {
			return 0, err
		}
	}
	return len(out), nil
}
