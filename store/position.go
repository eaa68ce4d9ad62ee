package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"citdesk"
)

// PositionService returns the service that takes the AVL feed.
func (db *DB) PositionService() citdesk.PositionService { return positions{db} }

type positions struct{ db *DB }

// ReportPositions applies a batch of positions in one write transaction:
// one read of the agency's badges, call signs and held positions, then one
// upsert per applied report. Positions are not status history (a car's
// feed, once a second, would bury it) and not audit events; each batch is
// one audit event of the actor's (a service account's use is audited too).
func (s positions) ReportPositions(ctx context.Context, reports []citdesk.PositionReport) ([]citdesk.PositionResult, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReportPosition)
	if err != nil {
		return nil, err
	}
	if len(reports) == 0 {
		return nil, citdesk.FieldErrorf("positions", "Send at least one position.")
	}
	if len(reports) > citdesk.MaxPositionBatch {
		return nil, citdesk.FieldErrorf("positions", "Send at most %d positions at once.", citdesk.MaxPositionBatch)
	}
	results := make([]citdesk.PositionResult, len(reports))
	moved := map[int64]bool{}
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		byBadge, byUnit := map[string]int64{}, map[string]int64{}
		held := map[int64]int64{} // officer → position_at held (micros), -1 when no duty row
		rows, err := tx.QueryContext(ctx, `SELECT o.id, o.badge, o.call_sign, d.officer_id, d.position_at FROM officers o
			LEFT JOIN officer_duty d ON d.agency_id = o.agency_id AND d.officer_id = o.id WHERE o.agency_id = ?`, actor.AgencyID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var badge, unit string
			var duty, at sql.NullInt64
			if err := rows.Scan(&id, &badge, &unit, &duty, &at); err != nil {
				rows.Close()
				return err
			}
			byBadge[strings.ToLower(strings.TrimSpace(badge))] = id
			if u := strings.ToLower(strings.TrimSpace(unit)); u != "" {
				byUnit[u] = id
			}
			switch {
			case !duty.Valid:
				held[id] = -1
			case at.Valid:
				held[id] = at.Int64
			default:
				held[id] = 0
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		applied := 0
		for i := range reports {
			p := &reports[i]
			r := &results[i]
			r.Index = i
			if msg := citdesk.CheckPosition(p, tx.now); msg != "" {
				r.Status, r.Message = citdesk.ReportInvalid, msg
				continue
			}
			id, ok := byBadge[strings.ToLower(p.Badge)]
			if p.Badge == "" {
				id, ok = byUnit[strings.ToLower(p.Unit)]
			}
			if !ok {
				r.Status, r.Message = citdesk.ReportUnknown, "No officer with that badge or unit in this agency."
				continue
			}
			r.OfficerID = id
			at := micros(p.At)
			if h := held[id]; h != -1 && at <= h {
				r.Status = citdesk.ReportStale
				continue
			}
			lat, lon := p.Lat, p.Lon
			if held[id] == -1 {
				// Never on duty: the position is kept with the officer off duty.
				_, err = tx.ExecContext(ctx, `INSERT INTO officer_duty (officer_id, agency_id, status, since, lat, lon, position_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
					id, actor.AgencyID, string(citdesk.StatusOffDuty), micros(tx.now), lat, lon, at)
			} else {
				err = execMove(ctx, tx, officerMove{agencyID: actor.AgencyID, officerID: id, lat: lat, lon: lon, at: p.At},
					`UPDATE officer_duty SET lat = ?, lon = ?, position_at = ? WHERE agency_id = ? AND officer_id = ?`, lat, lon, at, actor.AgencyID, id)
			}
			if err != nil {
				return fmt.Errorf("store position: %w", err)
			}
			held[id] = at
			r.Status = citdesk.ReportApplied
			moved[id] = true
			applied++
		}
		return tx.appendAudit(ctx, actorEvent(actor, "officer.positions", "agency", fmt.Sprint(actor.AgencyID), fmt.Sprintf("reports=%d applied=%d", len(reports), applied)))
	})
	if err != nil {
		return nil, err
	}
	for id := range moved {
		s.db.publish(ctx, citdesk.EventOfficerStatus, actor.AgencyID, id, map[string]any{"id": id})
	}
	return results, nil
}
