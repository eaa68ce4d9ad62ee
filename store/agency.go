package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"citdesk"
)

// AgencyService returns the agency service.
func (db *DB) AgencyService() citdesk.AgencyService { return agencyService{db} }

type agencyService struct{ db *DB }

// CreateAgency adds an agency with the default policy when none is set.
// Only an operator (the command line) creates agencies.
func (s agencyService) CreateAgency(ctx context.Context, a *citdesk.Agency) error {
	if actor := citdesk.ActorFromContext(ctx); actor != nil && actor.UserID != 0 {
		return citdesk.Errorf(citdesk.EFORBIDDEN, "Agencies are created by an operator at the command line.")
	}
	if err := a.Validate(); err != nil {
		return err
	}
	if a.Policy == (citdesk.Policy{}) {
		a.Policy = citdesk.DefaultPolicy()
	}
	policy, err := json.Marshal(a.Policy)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		id, err := tx.insert(ctx, `INSERT INTO agencies (slug, name, city, timezone, lat, lon, non_emergency_phone, address, policy, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Slug, a.Name, a.City, a.TimeZone, a.Lat, a.Lon, a.NonEmergencyPhone, a.Address, string(policy), micros(tx.now))
		if isUniqueViolation(err) {
			return citdesk.FieldErrorf("slug", "An agency with slug %q already exists.", a.Slug)
		} else if err != nil {
			return fmt.Errorf("insert agency: %w", err)
		}
		a.ID = id
		return tx.audit(ctx, &citdesk.Actor{AgencyID: id, Username: "operator", Remote: "cli"}, "agency.create", "agency", id, a.Slug)
	})
}

func (tx *Tx) findAgency(ctx context.Context, where string, arg any) (*citdesk.Agency, error) {
	a, err := scanAgency(tx.QueryRowContext(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Agency not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find agency: %w", err)
	}
	return a, nil
}

// requestAgency returns agency id for a request's plan: the agency its
// context carries, read with the actor's session (whose cache forgets it
// when any replica or process changes the agency), or else read in tx.
// The result is shared: the caller must not change it.
func (tx *Tx) requestAgency(ctx context.Context, id int64) (*citdesk.Agency, error) {
	if a := citdesk.AgencyFromContext(ctx); a != nil && a.ID == id {
		return a, nil
	}
	return tx.findAgency(ctx, "id = ?", id)
}

// agencyColumns are the columns scanAgency reads, in its order.
const agencyColumns = `id, slug, name, city, timezone, lat, lon, non_emergency_phone, address, policy`

// scanAgency reads an agency row; policy fields added after the row was
// written keep their defaults.
func scanAgency(row interface{ Scan(...any) error }) (*citdesk.Agency, error) {
	var a citdesk.Agency
	var policy string
	if err := row.Scan(&a.ID, &a.Slug, &a.Name, &a.City, &a.TimeZone, &a.Lat, &a.Lon, &a.NonEmergencyPhone, &a.Address, &policy); err != nil {
		return nil, err
	}
	a.Policy = citdesk.DefaultPolicy()
	if err := json.Unmarshal([]byte(policy), &a.Policy); err != nil {
		return nil, fmt.Errorf("agency %d policy: %w", a.ID, err)
	}
	return &a, nil
}

// FindAgencyByID returns an agency: the actor's own, or any for an operator.
func (s agencyService) FindAgencyByID(ctx context.Context, id int64) (*citdesk.Agency, error) {
	if a := citdesk.ActorFromContext(ctx); a != nil && a.UserID != 0 && a.AgencyID != id {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Agency not found.")
	}
	var a *citdesk.Agency
	err := s.db.readTx(ctx, func(tx *Tx) (err error) { a, err = tx.findAgency(ctx, "id = ?", id); return })
	return a, err
}

// FindAgencyBySlug returns an agency by slug (an operator's look-up).
func (s agencyService) FindAgencyBySlug(ctx context.Context, slug string) (*citdesk.Agency, error) {
	var a *citdesk.Agency
	err := s.db.readTx(ctx, func(tx *Tx) (err error) { a, err = tx.findAgency(ctx, "slug = ?", slug); return })
	if err == nil {
		if actor := citdesk.ActorFromContext(ctx); actor != nil && actor.UserID != 0 && actor.AgencyID != a.ID {
			return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Agency not found.")
		}
	}
	return a, err
}

// ListAgencies lists every agency (an operator's view); a signed-in user
// sees only their own.
func (s agencyService) ListAgencies(ctx context.Context) ([]*citdesk.Agency, error) {
	q, args := `SELECT `+agencyColumns+` FROM agencies ORDER BY slug`, []any(nil)
	if actor := citdesk.ActorFromContext(ctx); actor != nil && actor.UserID != 0 {
		q, args = `SELECT `+agencyColumns+` FROM agencies WHERE id = ?`, []any{actor.AgencyID}
	}
	var out []*citdesk.Agency
	err := s.db.readTx(ctx, func(tx *Tx) error {
		var err error
		out, err = queryAll(ctx, tx, "list agencies", scanAgency, q, args...)
		return err
	})
	return out, err
}

// UpdatePolicy replaces an agency's policy (admin of that agency, or an operator).
func (s agencyService) UpdatePolicy(ctx context.Context, agencyID int64, p citdesk.Policy) error {
	actor, err := citdesk.Require(ctx, citdesk.ManageAgency)
	if err != nil {
		return err
	}
	if actor.AgencyID != agencyID {
		return citdesk.Errorf(citdesk.ENOTFOUND, "Agency not found.")
	}
	p = p.Normalized()
	if err := p.Validate(); err != nil {
		return err
	}
	policy, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		old, err := tx.findAgency(ctx, "id = ?", agencyID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agencies SET policy = ? WHERE id = ?`, string(policy), agencyID); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "agency.policy", "agency", agencyID, citdesk.PolicyChanges(old.Policy, p))
	})
}

// UpdateSettings changes the agency's name, non-emergency number,
// address, time zone, units and (when set.Policy is not nil) policy, in
// one transaction, checked as a whole by Agency.Apply (admin of that
// agency, or an operator). The change is audited as agency.settings
// naming what changed, and a policy change also as agency.policy.
func (s agencyService) UpdateSettings(ctx context.Context, agencyID int64, set citdesk.AgencySettings) (*citdesk.Agency, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManageAgency)
	if err != nil {
		return nil, err
	}
	if actor.AgencyID != agencyID {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Agency not found.")
	}
	var a *citdesk.Agency
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if a, err = tx.findAgency(ctx, "id = ?", agencyID); err != nil {
			return err
		}
		old := *a
		if err := a.Apply(set); err != nil {
			return err
		}
		policy, err := json.Marshal(a.Policy)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agencies SET name = ?, non_emergency_phone = ?, address = ?, timezone = ?, policy = ? WHERE id = ?`,
			a.Name, a.NonEmergencyPhone, a.Address, a.TimeZone, string(policy), agencyID); err != nil {
			return err
		}
		if err := tx.audit(ctx, actor, "agency.settings", "agency", agencyID, citdesk.SettingsChanges(&old, a)); err != nil {
			return err
		}
		if changes := citdesk.PolicyChanges(old.Policy, a.Policy); changes != "" && set.Policy != nil {
			return tx.audit(ctx, actor, "agency.policy", "agency", agencyID, changes)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}
