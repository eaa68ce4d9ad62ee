package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"citdesk"
)

// OpenDataEncounter is what a public, de-identified export may carry of
// one approved encounter: no person, no address, no narrative. OfficerID
// is citdesk's officer id, for the caller to replace with a pseudonym.
type OpenDataEncounter struct {
	ID            int64
	Occurred      time.Time // zero when unknown
	Reported      time.Time // submitted for review; zero when unknown
	OfficerID     int64
	OfficerExtID  string // a history officer's id in its source; "" for citdesk's own
	OfficerCIT    *bool
	Force         citdesk.ForceLevel
	Dispositions  []citdesk.Disposition
	Veteran       *bool
	CITRequested  *bool
	CITDispatched *bool
	CITArrived    *bool
}

// ExportOpenData reads the agency's approved encounters that occurred in
// [from, to) in one transaction, writing one audit event with their count
// (action "encounter.export_open_data"). It needs citdesk.ImportHistory:
// the people who handle history and the outcome figures.
func ExportOpenData(ctx context.Context, db *DB, from, to time.Time) ([]OpenDataEncounter, error) {
	actor, err := citdesk.Require(ctx, citdesk.ImportHistory)
	if err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, citdesk.FieldErrorf("to", "The end of the period must be after its start.")
	}
	var out []OpenDataEncounter
	err = db.writeTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT e.id, e.occurred_at, e.occurred_known, e.submitted_at, e.officer_id,
	COALESCE(e.external_officer, ''),
	e.officer_cit_certified, e.officer_cit_known, e.force_level, e.dispositions, COALESCE(e.veteran, p.veteran),
	e.cit_requested, e.cit_dispatched, e.cit_arrived
FROM encounters e
LEFT JOIN persons p ON p.agency_id = e.agency_id AND p.id = e.person_id
WHERE e.agency_id = ? AND e.status = ? AND e.occurred_at >= ? AND e.occurred_at < ?
ORDER BY e.occurred_at, e.id`, actor.AgencyID, string(citdesk.EncounterApproved), micros(from), micros(to))
		if err != nil {
			return fmt.Errorf("export encounters: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				r                                 OpenDataEncounter
				occurred                          int64
				submitted                         sql.NullInt64
				known, cit, citKnown              bool
				force, disps                      string
				veteran, requested, sent, arrived sql.NullBool
			)
			if err := rows.Scan(&r.ID, &occurred, &known, &submitted, &r.OfficerID, &r.OfficerExtID,
				&cit, &citKnown, &force, &disps, &veteran, &requested, &sent, &arrived); err != nil {
				return fmt.Errorf("scan exported encounter: %w", err)
			}
			if known {
				r.Occurred = fromMicros(occurred)
			}
			if submitted.Valid {
				r.Reported = fromMicros(submitted.Int64)
			}
			if citKnown {
				r.OfficerCIT = &cit
			}
			r.Force = citdesk.ForceLevel(force)
			for _, d := range outcomeDispositions(disps).Names() {
				r.Dispositions = append(r.Dispositions, citdesk.Disposition(d))
			}
			r.Veteran, r.CITRequested, r.CITDispatched, r.CITArrived = boolPtr(veteran), boolPtr(requested), boolPtr(sent), boolPtr(arrived)
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("export encounters: %w", err)
		}
		return tx.audit(ctx, actor, "encounter.export_open_data", "agency", actor.AgencyID, strconv.Itoa(len(out))+" encounter(s), seattle-crisis")
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func boolPtr(b sql.NullBool) *bool {
	if !b.Valid {
		return nil
	}
	v := b.Bool
	return &v
}

// Pseudonym is the audit key's stand-in for value in a published file
// (citdesk.AuditKey.Pseudonym): stable for this database, keyed.
func (db *DB) Pseudonym(kind, value string) string { return db.auditKey.Pseudonym(kind, value) }
