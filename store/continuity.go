package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"citdesk"
)

// PriorContactOfficers implements citdesk.EncounterService. The person is
// found by address (persons' last known address, crisis plans' address);
// only officer ids leave this method, so it reads no person-level record
// on the dispatcher's behalf and leaves no audit event.
func (s encounterService) PriorContactOfficers(ctx context.Context, callID int64) ([]int64, error) {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = s.db.readTx(ctx, func(tx *Tx) error {
		var address string
		err := tx.QueryRowContext(ctx, `SELECT address FROM calls WHERE agency_id = ? AND id = ?`, actor.AgencyID, callID).Scan(&address)
		if errors.Is(err, sql.ErrNoRows) {
			return citdesk.Errorf(citdesk.ENOTFOUND, "Call not found.")
		} else if err != nil {
			return fmt.Errorf("find call: %w", err)
		}
		ids, err = tx.priorContactOfficers(ctx, actor.AgencyID, address)
		return err
	})
	return ids, err
}

// priorContactOfficers lists the officers who met someone known at address
// in an encounter that ended without force or arrest.
func (tx *Tx) priorContactOfficers(ctx context.Context, agencyID int64, address string) ([]int64, error) {
	key := tx.db.fields.addressKey(address)
	if key == "" {
		return nil, nil
	}
	return queryAll(ctx, tx, "prior contacts", scanID, priorContactsSQL, agencyID, key, agencyID, key, agencyID)
}

// priorContactsSQL lists the officers who met anyone known at an address
// (its arguments: agency, address key, agency, address key, agency). The
// people come first and their encounters are looked up by person: the
// CROSS JOIN keeps SQLite from walking the agency's every encounter in
// officer order instead (TestPriorContactsPlan); PostgreSQL plans it as
// an ordinary join.
const priorContactsSQL = `SELECT DISTINCT e.officer_id FROM (
		SELECT id FROM persons WHERE agency_id = ? AND address_key = ?
		UNION
		SELECT person_id FROM crisis_plans WHERE agency_id = ? AND address_key = ?) p
	CROSS JOIN encounters e
	WHERE e.agency_id = ? AND e.person_id = p.id AND e.officer_id IS NOT NULL
		AND e.force_level IN ('none', 'verbal')
		AND e.dispositions NOT LIKE '%"arrest"%'
	ORDER BY e.officer_id`
