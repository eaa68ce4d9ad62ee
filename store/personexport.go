package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"citdesk"
)

// PersonRecord is everything citdesk holds about one person, for a
// records request: each row as stored, every column (times as RFC 3339),
// so a column added later is exported without changing this code.
type PersonRecord struct {
	ExportedAt   time.Time        `json:"exported_at"`
	Agency       string           `json:"agency"`
	Person       map[string]any   `json:"person"`
	CrisisPlans  []map[string]any `json:"crisis_plans"`
	Reports      []map[string]any `json:"reports"`
	ReportReview []map[string]any `json:"report_reviews"`
	Corrections  []map[string]any `json:"report_corrections"`
	Referrals    []map[string]any `json:"referrals"`
	ReferralNote []map[string]any `json:"referral_notes"`
	Calls        []map[string]any `json:"calls"`
	// AccessLog is every audit event about the person: who saw or changed
	// their record, when, from where.
	AccessLog []map[string]any `json:"access_log"`
}

// ExportPerson returns person id of the agency with everything linked to
// them, in one transaction that records the export in the audit trail as
// the actor in ctx (the operator). Photos are left out (their size is
// given): they are handed over apart, if at all.
func (r *Retention) ExportPerson(ctx context.Context, agencyID, personID int64) (*PersonRecord, error) {
	a := actorOr(ctx, agencyID)
	rec := &PersonRecord{}
	err := r.db.writeTx(ctx, func(tx *Tx) error {
		rec.ExportedAt = tx.now
		if err := tx.QueryRowContext(ctx, `SELECT slug FROM agencies WHERE id = ?`, agencyID).Scan(&rec.Agency); err != nil {
			return fmt.Errorf("agency %d: %w", agencyID, err)
		}
		persons, err := rowMaps(ctx, tx, `SELECT * FROM persons WHERE agency_id = ? AND id = ?`, agencyID, personID)
		if err != nil {
			return err
		}
		if len(persons) == 0 {
			return citdesk.Errorf(citdesk.ENOTFOUND, "No person %d in agency %s.", personID, rec.Agency)
		}
		rec.Person = persons[0]
		reports := `SELECT id FROM encounters WHERE agency_id = ? AND person_id = ?`
		for _, q := range []struct {
			into *[]map[string]any
			sql  string
			args []any
		}{
			{&rec.CrisisPlans, `SELECT p.*, (SELECT LENGTH(data) - ` + strconv.Itoa(sealedBytesOverhead) + ` FROM crisis_plan_photos f WHERE f.plan_id = p.id) AS photo_bytes FROM crisis_plans p WHERE p.agency_id = ? AND p.person_id = ? ORDER BY p.id`, []any{agencyID, personID}},
			{&rec.Reports, `SELECT * FROM encounters WHERE agency_id = ? AND person_id = ? ORDER BY id`, []any{agencyID, personID}},
			{&rec.ReportReview, `SELECT * FROM encounter_reviews WHERE agency_id = ? AND encounter_id IN (` + reports + `) ORDER BY id`, []any{agencyID, agencyID, personID}},
			{&rec.Corrections, `SELECT * FROM encounter_versions WHERE agency_id = ? AND encounter_id IN (` + reports + `) ORDER BY id`, []any{agencyID, agencyID, personID}},
			{&rec.Referrals, `SELECT * FROM referrals WHERE agency_id = ? AND person_id = ? ORDER BY id`, []any{agencyID, personID}},
			{&rec.ReferralNote, `SELECT * FROM referral_notes WHERE agency_id = ? AND referral_id IN (SELECT id FROM referrals WHERE agency_id = ? AND person_id = ?) ORDER BY id`, []any{agencyID, agencyID, personID}},
			{&rec.Calls, `SELECT * FROM calls WHERE agency_id = ? AND id IN (SELECT call_id FROM encounters WHERE agency_id = ? AND person_id = ?) ORDER BY id`, []any{agencyID, agencyID, personID}},
			{&rec.AccessLog, `SELECT seq, user_id, actor, action, at, remote, outcome, detail FROM audit_events WHERE agency_id = ? AND object_type = 'person' AND object_id = ? ORDER BY seq`, []any{agencyID, strconv.FormatInt(personID, 10)}},
		} {
			if *q.into, err = rowMaps(ctx, tx, q.sql, q.args...); err != nil {
				return err
			}
		}
		// The export is for the person: sealed fields opened.
		if err := tx.db.fields.openRows(rec.Person, "persons"); err != nil {
			return err
		}
		for _, t := range []struct {
			rows  []map[string]any
			table string
		}{{rec.CrisisPlans, "crisis_plans"}, {rec.Reports, "encounters"}, {rec.Corrections, "encounter_versions"}, {rec.Calls, "calls"}} {
			if err := tx.db.fields.openRows(nil, t.table, t.rows...); err != nil {
				return err
			}
		}
		detail := fmt.Sprintf("records request: %d reports, %d crisis plans, %d referrals, %d calls, %d access events", len(rec.Reports), len(rec.CrisisPlans), len(rec.Referrals), len(rec.Calls), len(rec.AccessLog))
		return tx.audit(ctx, a, "person.export", "person", personID, detail)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// openRows opens, in each row of table (and in one, if not nil), the
// columns sealed at rest, and drops the keyed hashes, which mean nothing
// outside the database.
func (k *fieldKeys) openRows(one map[string]any, table string, rows ...map[string]any) error {
	if one != nil {
		rows = append(rows, one)
	}
	for _, t := range sealedTables {
		if t.table != table {
			continue
		}
		for _, m := range rows {
			for _, c := range t.text {
				s, ok := m[c].(string)
				if !ok {
					continue
				}
				plain, err := k.openText(table+"."+c, s)
				if err != nil {
					return err
				}
				m[c] = plain
			}
			if t.addressKey {
				delete(m, "address_key")
			}
		}
	}
	return nil
}

// rowMaps returns each row of q as a map from column to value: text as
// strings, times (columns named at or ending in _at or since, stored as
// microseconds) as RFC 3339.
func rowMaps(ctx context.Context, tx *Tx, q string, args ...any) ([]map[string]any, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			v := vals[i]
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if n, ok := v.(int64); ok && (c == "at" || c == "since" || strings.HasSuffix(c, "_at")) {
				v = fromMicros(n).Format(time.RFC3339Nano)
			}
			m[c] = v
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
