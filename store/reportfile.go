package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"citdesk"
)

// FindReportFile implements citdesk.EncounterService. It is a write
// transaction only because reading is audited: one event for the report
// (its reviews and versions are part of it), one for the person and one
// for the referral when they are returned. A person the actor may not see
// is left out without an event: the page did not ask for it by name.
func (s encounterService) FindReportFile(ctx context.Context, id int64) (*citdesk.ReportFile, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var f citdesk.ReportFile
	denied := false
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		e, err := tx.findEncounter(ctx, actor.AgencyID, id, false)
		if err != nil {
			return err
		}
		if ok, err := tx.canReadEncounter(ctx, actor, e); err != nil {
			return err
		} else if !ok {
			denied = true
			return tx.appendAudit(ctx, deniedEvent(actor, "encounter.view", "encounter", id))
		}
		if err := tx.audit(ctx, actor, "encounter.view", "encounter", id, ""); err != nil {
			return err
		}
		f.Encounter = e
		if f.Agency, err = tx.findAgency(ctx, "id = ?", actor.AgencyID); err != nil {
			return err
		}
		var o citdesk.Officer
		err = tx.QueryRowContext(ctx, `SELECT rank, first_name, last_name FROM officers WHERE agency_id = ? AND id = ?`, actor.AgencyID, e.OfficerID).
			Scan(&o.Rank, &o.FirstName, &o.LastName)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("report officer: %w", err)
		} else if err == nil {
			f.OfficerName = o.Name()
		}
		if e.PersonID != nil {
			if ok, err := tx.canSeePerson(ctx, actor, *e.PersonID); err != nil {
				return err
			} else if ok {
				if f.Person, err = tx.findPerson(ctx, actor.AgencyID, *e.PersonID, false); err != nil {
					return err
				}
				if err := tx.audit(ctx, actor, "person.view", "person", *e.PersonID, ""); err != nil {
					return err
				}
			} else if citdesk.SeesNamedPerson(actor, e) {
				// The author named this person; naming grants nothing but
				// the name they chose, which the report's reviewer sees too.
				p, err := tx.findPerson(ctx, actor.AgencyID, *e.PersonID, false)
				if err != nil {
					return err
				}
				f.Person, f.PersonNameOnly = p.NameOnly(), true
				if err := tx.audit(ctx, actor, "person.view", "person", *e.PersonID, "name only"); err != nil {
					return err
				}
			}
		}
		if f.Reviews, err = tx.reviewEvents(ctx, actor.AgencyID, id); err != nil {
			return err
		}
		if f.Versions, err = tx.encounterVersions(ctx, actor.AgencyID, id); err != nil {
			return err
		}
		// Without a person there is no referral.
		if !actor.HasRole(citdesk.ReferralRoles...) || e.PersonID == nil {
			return nil
		}
		r, err := tx.db.fields.scanReferral(tx.QueryRowContext(ctx, `SELECT `+referralColumns+referralFrom+`
			WHERE r.agency_id = ? AND r.encounter_id = ? AND r.person_id = ? ORDER BY r.id DESC LIMIT 1`, actor.AgencyID, id, *e.PersonID))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return fmt.Errorf("report referral: %w", err)
		}
		if !canWorkReferral(actor, r) {
			return nil
		}
		f.Referral = r
		return tx.audit(ctx, actor, "referral.view", "referral", r.ID, "")
	})
	if err == nil && denied {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "Report not found.")
	}
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// EditEncounter implements citdesk.EncounterService.
func (s encounterService) EditEncounter(ctx context.Context, id int64, edit func(e *citdesk.Encounter, agency *citdesk.Agency) error) (*citdesk.Encounter, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var e *citdesk.Encounter
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		old, err := tx.loadEditable(ctx, actor, id)
		if err != nil {
			return err
		}
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		cp := *old
		cp.Behaviors, cp.DeEscalation, cp.Dispositions = slices.Clone(old.Behaviors), slices.Clone(old.DeEscalation), slices.Clone(old.Dispositions)
		if err := edit(&cp, agency); err != nil {
			return err
		}
		if cp.Version != old.Version {
			return citdesk.Errorf(citdesk.EPRECONDITION, "This report changed since you loaded it; reload and try again.")
		}
		if err := cp.ValidateDraft(tx.now); err != nil {
			return err
		}
		if err := tx.checkPerson(ctx, actor.AgencyID, cp.PersonID); err != nil {
			return err
		}
		if err := tx.saveEncounter(ctx, old, &cp); err != nil {
			return err
		}
		e = &cp
		return tx.audit(ctx, actor, "encounter.update", "encounter", id, "")
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}
