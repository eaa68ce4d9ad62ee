package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"citdesk"
)

// SetPlanPhoto implements citdesk.CrisisPlanService.
func (s crisisPlanService) SetPlanPhoto(ctx context.Context, planID int64, jpeg []byte) error {
	actor, err := citdesk.Require(ctx, citdesk.ManagePlans)
	if err != nil {
		return err
	}
	if len(jpeg) == 0 || len(jpeg) > citdesk.MaxPlanPhotoBytes {
		return citdesk.FieldErrorf("photo", "The photo is empty or too large.")
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if _, err := findPlan(ctx, tx, actor.AgencyID, planID, false); err != nil {
			return err
		}
		sealed, err := tx.db.fields.sealBytes(colPlanPhoto, jpeg)
		if err != nil {
			return fmt.Errorf("encrypt plan photo: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO crisis_plan_photos (plan_id, agency_id, data, created_by, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (plan_id) DO UPDATE SET data = excluded.data, created_by = excluded.created_by, created_at = excluded.created_at`,
			planID, actor.AgencyID, sealed, actor.UserID, micros(tx.now)); err != nil {
			return fmt.Errorf("save plan photo: %w", err)
		}
		return tx.audit(ctx, actor, "crisis_plan.photo", "crisis_plan", planID, "")
	})
}

// PlanPhoto implements citdesk.CrisisPlanService: the same people who may
// read the plan may see its photo, and each view is audited.
func (s crisisPlanService) PlanPhoto(ctx context.Context, planID int64) ([]byte, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var data []byte
	denied := false
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		var err error
		if _, denied, err = findReadablePlan(ctx, tx, actor, planID, "crisis_plan.photo_view"); err != nil || denied {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT data FROM crisis_plan_photos WHERE agency_id = ? AND plan_id = ?`, actor.AgencyID, planID).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			return citdesk.Errorf(citdesk.ENOTFOUND, "This crisis plan has no photo.")
		} else if err != nil {
			return fmt.Errorf("read plan photo: %w", err)
		}
		if data, err = tx.db.fields.openBytes(colPlanPhoto, data); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "crisis_plan.photo_view", "crisis_plan", planID, "")
	})
	if err == nil && denied {
		return nil, errPlanNotFound
	}
	return data, err
}
