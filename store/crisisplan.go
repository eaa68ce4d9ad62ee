package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"citdesk"
)

// CrisisPlanService returns the crisis plan service.
func (db *DB) CrisisPlanService() citdesk.CrisisPlanService { return crisisPlanService{db} }

type crisisPlanService struct{ db *DB }

const planColumns = `id, agency_id, person_id, address, what_helps, what_to_avoid, triggers, medications, contacts, preferred_facility,
	consent_date, consented_by, expires_on, created_by, created_at, updated_at, version`

// scanPlan reads a row of planColumns, opening the sealed fields.
func (k *fieldKeys) scanPlan(row rowScanner) (*citdesk.CrisisPlan, error) {
	var c citdesk.CrisisPlan
	var consent, expires string
	var created, updated int64
	if err := row.Scan(&c.ID, &c.AgencyID, &c.PersonID, k.text(colPlanAddress, &c.Address), k.text(colPlanHelps, &c.WhatHelps), k.text(colPlanAvoid, &c.WhatToAvoid),
		k.text(colPlanTriggers, &c.Triggers), k.text(colPlanMedications, &c.Medications), k.text(colPlanContacts, &c.Contacts), k.text(colPlanFacility, &c.PreferredFacility),
		&consent, k.text(colPlanConsentedBy, &c.ConsentedBy), &expires, &c.CreatedBy, &created, &updated, &c.Version); err != nil {
		return nil, err
	}
	var err error
	if c.ConsentDate, err = citdesk.ParseDate(consent); err != nil {
		return nil, fmt.Errorf("crisis plan %d: bad consent date %q", c.ID, consent)
	}
	if c.ExpiresOn, err = citdesk.ParseDate(expires); err != nil {
		return nil, fmt.Errorf("crisis plan %d: bad expiry %q", c.ID, expires)
	}
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &c, nil
}

func listPlans(ctx context.Context, tx *Tx, where string, args ...any) ([]*citdesk.CrisisPlan, error) {
	return queryAll(ctx, tx, "list crisis plans", tx.db.fields.scanPlan, `SELECT `+planColumns+` FROM crisis_plans WHERE `+where, args...)
}

func findPlan(ctx context.Context, tx *Tx, agencyID, id int64, lock bool) (*citdesk.CrisisPlan, error) {
	q := `SELECT ` + planColumns + ` FROM crisis_plans WHERE agency_id = ? AND id = ?`
	if lock {
		q += tx.db.dialect.forUpdate
	}
	c, err := tx.db.fields.scanPlan(tx.QueryRowContext(ctx, q, agencyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errPlanNotFound
	} else if err != nil {
		return nil, fmt.Errorf("find crisis plan: %w", err)
	}
	return c, nil
}

var errPlanNotFound = citdesk.Errorf(citdesk.ENOTFOUND, "Crisis plan not found.")

// fillPlanPerson sets the plan's person name for display.
func fillPlanPerson(ctx context.Context, tx *Tx, c *citdesk.CrisisPlan) error {
	var first, last string
	k := tx.db.fields
	if err := tx.QueryRowContext(ctx, `SELECT first_name, last_name FROM persons WHERE agency_id = ? AND id = ?`, c.AgencyID, c.PersonID).Scan(k.text(colPersonFirst, &first), k.text(colPersonLast, &last)); err != nil {
		return fmt.Errorf("plan person: %w", err)
	}
	c.PersonName = (&citdesk.Person{FirstName: first, LastName: last}).Name()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM crisis_plan_photos WHERE agency_id = ? AND plan_id = ?`, c.AgencyID, c.ID).Scan(&n); err != nil {
		return fmt.Errorf("plan photo: %w", err)
	}
	c.HasPhoto = n > 0
	return nil
}

func agencyToday(ctx context.Context, tx *Tx, agencyID int64) (citdesk.Date, error) {
	agency, err := tx.findAgency(ctx, "id = ?", agencyID)
	if err != nil {
		return citdesk.Date{}, err
	}
	return citdesk.DateOf(tx.now, agency.Location()), nil
}

// openCall is what plan matching needs of a call.
type openCall struct {
	id      int64
	address string
	open    bool
	persons map[int64]bool // named on the call's reports; read on first need
}

// callPersons returns the persons named on reviewed (approved) reports of
// a call. A draft names whoever its officer typed in, so it attaches no
// person, and no person's crisis plan, to the call.
func callPersons(ctx context.Context, tx *Tx, agencyID, callID int64) (map[int64]bool, error) {
	return queryIDSet(ctx, tx, "call persons", callPersonsSQL, agencyID, callID)
}

// callPersonsSQL lists the persons on a call's approved reports (its
// arguments: agency, call), a person once for each report: the set drops
// the repeats. Asked for DISTINCT, SQLite walked encounters_person, in
// person order, through every encounter that names someone
// (TestCallPersonsPlan).
const callPersonsSQL = `SELECT person_id FROM encounters
	WHERE agency_id = ? AND call_id = ? AND person_id IS NOT NULL AND status = 'approved'`

// planMatch says how plan c matches call: its address, or a person named
// on a report of the call; "" when it does not.
// The call's persons are read once and kept on call, so matching many
// plans against one call costs one query, not one per plan.
func planMatch(ctx context.Context, tx *Tx, agencyID int64, c *citdesk.CrisisPlan, call *openCall) (string, error) {
	if call.address != "" && c.Address != "" && citdesk.SameAddress(call.address, c.Address) {
		return "address", nil
	}
	if call.persons == nil {
		persons, err := callPersons(ctx, tx, agencyID, call.id)
		if err != nil {
			return "", err
		}
		call.persons = persons
	}
	if call.persons[c.PersonID] {
		return "person", nil
	}
	return "", nil
}

// responderCalls returns the open calls through which the actor, as a
// dispatcher or an assigned officer, has a reason to see a plan.
func responderCalls(ctx context.Context, tx *Tx, a *citdesk.Actor) ([]openCall, error) {
	var q string
	var args []any
	switch {
	case a.HasRole(citdesk.RoleDispatcher):
		q, args = `SELECT id, address FROM calls WHERE agency_id = ? AND status <> 'closed'`, []any{a.AgencyID}
	case a.OfficerID != nil:
		q = `SELECT c.id, c.address FROM calls c JOIN assignments s ON s.agency_id = c.agency_id AND s.call_id = c.id
			WHERE c.agency_id = ? AND c.status <> 'closed' AND s.officer_id = ? AND s.cleared_at IS NULL`
		args = []any{a.AgencyID, *a.OfficerID}
	default:
		return nil, nil
	}
	return queryAll(ctx, tx, "responder calls", scanOpenCall, q, args...)
}

func scanOpenCall(row rowScanner) (openCall, error) {
	c := openCall{open: true}
	err := row.Scan(&c.id, &c.address)
	return c, err
}

// canReadPlan reports whether the actor has a reason to read plan c on
// day today: the coordinator always (expired plans too, to revalidate
// them); the liaison a person is referred to, the dispatcher of a matching
// open call and the officer assigned to one, only while the plan is current.
func canReadPlan(ctx context.Context, tx *Tx, a *citdesk.Actor, c *citdesk.CrisisPlan, today citdesk.Date) (bool, error) {
	if a.UserID == 0 || a.HasRole(citdesk.RoleCoordinator) {
		return true, nil
	}
	if !c.Current(today) {
		return false, nil
	}
	if a.HasRole(citdesk.RoleLiaison) {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM referrals WHERE agency_id = ? AND person_id = ? AND liaison_user_id = ?`, a.AgencyID, c.PersonID, a.UserID).Scan(&n); err != nil {
			return false, err
		} else if n > 0 {
			return true, nil
		}
	}
	calls, err := responderCalls(ctx, tx, a)
	if err != nil {
		return false, err
	}
	for i := range calls {
		if m, err := planMatch(ctx, tx, a.AgencyID, c, &calls[i]); err != nil {
			return false, err
		} else if m != "" {
			return true, nil
		}
	}
	return false, nil
}

// CreateCrisisPlan registers a plan for a person (coordinator).
func (s crisisPlanService) CreateCrisisPlan(ctx context.Context, c *citdesk.CrisisPlan) error {
	actor, err := citdesk.Require(ctx, citdesk.ManagePlans)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		p, err := tx.findPerson(ctx, actor.AgencyID, c.PersonID, false)
		if err != nil {
			return err
		}
		today, err := agencyToday(ctx, tx, actor.AgencyID)
		if err != nil {
			return err
		}
		if c.Address == "" {
			c.Address = p.Address
		}
		if err := c.Validate(today); err != nil {
			return err
		}
		c.AgencyID, c.CreatedBy, c.CreatedAt, c.UpdatedAt, c.Version = actor.AgencyID, actor.UserID, tx.now, tx.now, 1
		sealed, err := tx.db.fields.sealPlan(c)
		if err != nil {
			return err
		}
		args := append(append([]any{c.AgencyID, c.PersonID}, sealed[:8:8]...), c.ConsentDate.String(), sealed[8], c.ExpiresOn.String(), c.CreatedBy, micros(c.CreatedAt), micros(c.UpdatedAt))
		c.ID, err = tx.insert(ctx, `INSERT INTO crisis_plans (agency_id, person_id, address, address_key, what_helps, what_to_avoid, triggers, medications, contacts, preferred_facility,
			consent_date, consented_by, expires_on, created_by, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`, args...)
		if err != nil {
			return fmt.Errorf("insert crisis plan: %w", err)
		}
		c.PersonName = p.Name()
		return tx.audit(ctx, actor, "crisis_plan.create", "crisis_plan", c.ID, "person "+strconv.FormatInt(c.PersonID, 10))
	})
}

// UpdateCrisisPlan saves a plan's content when c.Version is current (coordinator).
func (s crisisPlanService) UpdateCrisisPlan(ctx context.Context, c *citdesk.CrisisPlan) error {
	actor, err := citdesk.Require(ctx, citdesk.ManagePlans)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		old, err := findPlan(ctx, tx, actor.AgencyID, c.ID, true)
		if err != nil {
			return err
		}
		today, err := agencyToday(ctx, tx, actor.AgencyID)
		if err != nil {
			return err
		}
		c.AgencyID, c.PersonID, c.CreatedBy, c.CreatedAt = old.AgencyID, old.PersonID, old.CreatedBy, old.CreatedAt
		if c.Address == "" {
			// As at creation, a plan without its own address matches calls at the person's.
			p, err := tx.findPerson(ctx, actor.AgencyID, c.PersonID, false)
			if err != nil {
				return err
			}
			c.Address = p.Address
		}
		if err := c.Validate(today); err != nil {
			return err
		}
		if err := savePlan(ctx, tx, c); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "crisis_plan.update", "crisis_plan", c.ID, "")
	})
}

// sealPlan returns plan c's address, its keyed hash and its sealed text
// (in planColumns' order), then who consented, sealed.
func (k *fieldKeys) sealPlan(c *citdesk.CrisisPlan) ([]any, error) {
	seal := k.sealer()
	out := []any{seal.text(colPlanAddress, c.Address), k.addressKey(c.Address), seal.text(colPlanHelps, c.WhatHelps), seal.text(colPlanAvoid, c.WhatToAvoid),
		seal.text(colPlanTriggers, c.Triggers), seal.text(colPlanMedications, c.Medications), seal.text(colPlanContacts, c.Contacts), seal.text(colPlanFacility, c.PreferredFacility),
		seal.text(colPlanConsentedBy, c.ConsentedBy)}
	return out, seal.err
}

func savePlan(ctx context.Context, tx *Tx, c *citdesk.CrisisPlan) error {
	sealed, err := tx.db.fields.sealPlan(c)
	if err != nil {
		return err
	}
	args := append(sealed[:8:8], c.ConsentDate.String(), sealed[8], c.ExpiresOn.String(), micros(tx.now), c.AgencyID, c.ID, c.Version)
	res, err := tx.ExecContext(ctx, `UPDATE crisis_plans SET address = ?, address_key = ?, what_helps = ?, what_to_avoid = ?, triggers = ?, medications = ?, contacts = ?,
		preferred_facility = ?, consent_date = ?, consented_by = ?, expires_on = ?, updated_at = ?, version = version + 1
		WHERE agency_id = ? AND id = ? AND version = ?`, args...)
	if err != nil {
		return fmt.Errorf("update crisis plan: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return citdesk.Errorf(citdesk.EPRECONDITION, "Someone else changed this plan since you loaded it; reload and try again.")
	}
	c.Version++
	c.UpdatedAt = tx.now
	return fillPlanPerson(ctx, tx, c)
}

// RenewCrisisPlan records fresh consent: the plan runs another six months
// from the new consent date.
func (s crisisPlanService) RenewCrisisPlan(ctx context.Context, id, version int64, consent citdesk.Date, consentedBy string) (*citdesk.CrisisPlan, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManagePlans)
	if err != nil {
		return nil, err
	}
	var c *citdesk.CrisisPlan
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if c, err = findPlan(ctx, tx, actor.AgencyID, id, true); err != nil {
			return err
		}
		if c.Version != version {
			return citdesk.Errorf(citdesk.EPRECONDITION, "Someone else changed this plan since you loaded it; reload and try again.")
		}
		today, err := agencyToday(ctx, tx, actor.AgencyID)
		if err != nil {
			return err
		}
		c.ConsentDate, c.ConsentedBy, c.ExpiresOn = consent, consentedBy, citdesk.Date{}
		if err := c.Validate(today); err != nil {
			return err
		}
		if err := savePlan(ctx, tx, c); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "crisis_plan.renew", "crisis_plan", c.ID, "expires "+c.ExpiresOn.String())
	})
	return c, err
}

// auditPlanViews audits each plan the actor reads, and the person it is
// for, so the person's history shows who saw their plan.
func auditPlanViews(ctx context.Context, tx *Tx, a *citdesk.Actor, plans []*citdesk.CrisisPlan, detail string) error {
	read := newAuditRead(a, "crisis_plan.view")
	for _, c := range plans {
		read.record("crisis_plan", c.ID, detail)
		read.person(c.PersonID)
	}
	return read.write(ctx, tx)
}

// findReadablePlan finds plan id and asks whether the actor may read it
// today. A refusal is audited as a denied action and reported as denied, not
// as an error, so that the caller commits the audit event and then answers
// that the plan was not found.
func findReadablePlan(ctx context.Context, tx *Tx, actor *citdesk.Actor, id int64, action string) (c *citdesk.CrisisPlan, denied bool, err error) {
	if c, err = findPlan(ctx, tx, actor.AgencyID, id, false); err != nil {
		return nil, false, err
	}
	today, err := agencyToday(ctx, tx, actor.AgencyID)
	if err != nil {
		return nil, false, err
	}
	if ok, err := canReadPlan(ctx, tx, actor, c, today); err != nil {
		return nil, false, err
	} else if !ok {
		return nil, true, tx.appendAudit(ctx, deniedEvent(actor, action, "crisis_plan", id))
	}
	return c, false, nil
}

// FindCrisisPlanByID returns a plan the actor has a reason to read; the
// view is audited, and so is a refusal.
func (s crisisPlanService) FindCrisisPlanByID(ctx context.Context, id int64) (*citdesk.CrisisPlan, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var c *citdesk.CrisisPlan
	denied := false
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if c, denied, err = findReadablePlan(ctx, tx, actor, id, "crisis_plan.view"); err != nil || denied {
			return err
		}
		if err := fillPlanPerson(ctx, tx, c); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "crisis_plan.view", "crisis_plan", id, "")
	})
	if err == nil && denied {
		return nil, errPlanNotFound
	}
	return c, err
}

// ListCrisisPlans returns the plans of a person the actor may read, newest first.
func (s crisisPlanService) ListCrisisPlans(ctx context.Context, personID int64) ([]*citdesk.CrisisPlan, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out []*citdesk.CrisisPlan
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		today, err := agencyToday(ctx, tx, actor.AgencyID)
		if err != nil {
			return err
		}
		plans, err := listPlans(ctx, tx, `agency_id = ? AND person_id = ? ORDER BY consent_date DESC, id DESC`, actor.AgencyID, personID)
		if err != nil {
			return err
		}
		for _, c := range plans {
			if ok, err := canReadPlan(ctx, tx, actor, c, today); err != nil {
				return err
			} else if ok {
				if err := fillPlanPerson(ctx, tx, c); err != nil {
					return err
				}
				out = append(out, c)
			}
		}
		return auditPlanViews(ctx, tx, actor, out, "")
	})
	if out == nil {
		out = []*citdesk.CrisisPlan{}
	}
	return out, err
}

// CurrentPlanForPerson returns the person's current plan when the actor
// may read it, or ENOTFOUND. The view is audited.
func (s crisisPlanService) CurrentPlanForPerson(ctx context.Context, personID int64) (*citdesk.CrisisPlan, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var found *citdesk.CrisisPlan
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		today, err := agencyToday(ctx, tx, actor.AgencyID)
		if err != nil {
			return err
		}
		plans, err := listPlans(ctx, tx, `agency_id = ? AND person_id = ? ORDER BY expires_on DESC, id DESC`, actor.AgencyID, personID)
		if err != nil {
			return err
		}
		for _, c := range plans {
			if !c.Current(today) {
				continue
			}
			if ok, err := canReadPlan(ctx, tx, actor, c, today); err != nil || !ok {
				return err
			}
			found = c
			if err := fillPlanPerson(ctx, tx, c); err != nil {
				return err
			}
			return tx.audit(ctx, actor, "crisis_plan.view", "crisis_plan", c.ID, "")
		}
		return nil
	})
	if err == nil && found == nil {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "No current crisis plan on file.")
	}
	return found, err
}

// PlansForCall returns the current plans that match a call by address or
// by a person named on its reports: for the coordinator, the dispatcher
// while the call is open, and the officer assigned to it while it is open
// and they are not cleared. A closed call shows none. Each plan shown is
// audited with the call it was shown for.
func (s crisisPlanService) PlansForCall(ctx context.Context, callID int64) ([]*citdesk.CrisisPlan, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out []*citdesk.CrisisPlan
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		call := &openCall{id: callID}
		var status string
		err := tx.QueryRowContext(ctx, `SELECT address, status FROM calls WHERE agency_id = ? AND id = ?`, actor.AgencyID, callID).Scan(&call.address, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return citdesk.Errorf(citdesk.ENOTFOUND, "Call not found.")
		} else if err != nil {
			return fmt.Errorf("find call: %w", err)
		}
		call.open = citdesk.CallStatus(status).Open()
		switch {
		case actor.UserID == 0 || actor.HasRole(citdesk.RoleCoordinator):
		case actor.HasRole(citdesk.RoleDispatcher):
			if !call.open {
				return nil
			}
		case actor.OfficerID != nil:
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM assignments WHERE agency_id = ? AND call_id = ? AND officer_id = ? AND cleared_at IS NULL`,
				actor.AgencyID, callID, *actor.OfficerID).Scan(&n); err != nil {
				return err
			}
			if n == 0 || !call.open {
				return citdesk.Errorf(citdesk.EFORBIDDEN, "Crisis plans are shown to the officers assigned to the call while it is open.")
			}
		default:
			return citdesk.Errorf(citdesk.EFORBIDDEN, "You are not allowed to see crisis plans for calls.")
		}
		today, err := agencyToday(ctx, tx, actor.AgencyID)
		if err != nil {
			return err
		}
		plans, err := listPlans(ctx, tx, `agency_id = ? AND consent_date <= ? AND expires_on >= ? ORDER BY expires_on DESC, id`, actor.AgencyID, today.String(), today.String())
		if err != nil {
			return err
		}
		for _, c := range plans {
			how, err := planMatch(ctx, tx, actor.AgencyID, c, call)
			if err != nil {
				return err
			}
			if how == "" || !c.Current(today) {
				continue
			}
			c.MatchedBy = how
			if err := fillPlanPerson(ctx, tx, c); err != nil {
				return err
			}
			out = append(out, c)
		}
		return auditPlanViews(ctx, tx, actor, out, "call "+strconv.FormatInt(callID, 10))
	})
	if out == nil {
		out = []*citdesk.CrisisPlan{}
	}
	return out, err
}

// CallsWithPlans says which of the given open calls match a current plan.
// It reads no plan content, so it is not audited; the board shows the flag.
func (s crisisPlanService) CallsWithPlans(ctx context.Context, callIDs []int64) (map[int64]bool, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadCallPlans)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(callIDs))
	if len(callIDs) == 0 {
		return out, nil
	}
	err = s.db.readTx(ctx, func(tx *Tx) error {
		today, err := agencyToday(ctx, tx, actor.AgencyID)
		if err != nil {
			return err
		}
		return callsWithPlans(ctx, tx, actor.AgencyID, today, callIDs, out)
	})
	return out, err
}

// planFlagRoles may see which calls have a crisis plan on file (the flag,
// not the plan).
var planFlagRoles = []citdesk.Role{citdesk.RoleDispatcher, citdesk.RoleCoordinator, citdesk.RoleOfficer}

// callsWithPlans sets out[id] for each open call of callIDs that matches a
// plan current on day today.
func callsWithPlans(ctx context.Context, tx *Tx, agencyID int64, today citdesk.Date, callIDs []int64, out map[int64]bool) error {
	if len(callIDs) == 0 {
		return nil
	}
	plans, err := listPlans(ctx, tx, `agency_id = ? AND consent_date <= ? AND expires_on >= ?`, agencyID, today.String(), today.String())
	if err != nil || len(plans) == 0 {
		return err
	}
	for _, id := range callIDs {
		call := &openCall{id: id}
		var status string
		err := tx.QueryRowContext(ctx, `SELECT address, status FROM calls WHERE agency_id = ? AND id = ?`, agencyID, id).Scan(&call.address, &status)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return err
		}
		if !citdesk.CallStatus(status).Open() {
			continue
		}
		for _, c := range plans {
			if how, err := planMatch(ctx, tx, agencyID, c, call); err != nil {
				return err
			} else if how != "" {
				out[id] = true
				break
			}
		}
	}
	return nil
}

// PlansToRevalidate lists, for the coordinator, each person's newest plan
// when it has expired or expires within 30 days: the person or family
// should be asked to renew consent.
func (s crisisPlanService) PlansToRevalidate(ctx context.Context) ([]*citdesk.CrisisPlan, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManagePlans)
	if err != nil {
		return nil, err
	}
	var out []*citdesk.CrisisPlan
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		today, err := agencyToday(ctx, tx, actor.AgencyID)
		if err != nil {
			return err
		}
		plans, err := listPlans(ctx, tx, `agency_id = ?`, actor.AgencyID)
		if err != nil {
			return err
		}
		newest := map[int64]*citdesk.CrisisPlan{}
		for _, c := range plans {
			if n := newest[c.PersonID]; n == nil || c.ExpiresOn.After(n.ExpiresOn) {
				newest[c.PersonID] = c
			}
		}
		soon := today.AddDate(0, 0, 30)
		for _, c := range newest {
			if c.ExpiresOn.Before(soon) {
				if err := fillPlanPerson(ctx, tx, c); err != nil {
					return err
				}
				out = append(out, c)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ExpiresOn.Before(out[j].ExpiresOn) })
		read := newAuditRead(actor, "crisis_plan.list")
		for _, c := range out {
			read.record("crisis_plan", c.ID, "revalidate")
			read.person(c.PersonID)
		}
		return read.write(ctx, tx)
	})
	if out == nil {
		out = []*citdesk.CrisisPlan{}
	}
	return out, err
}
