package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"citdesk"
	"citdesk/outcomes"
)

// HistoryService returns the service that imports past encounters and
// keeps each agency's disposition mappings.
func (db *DB) HistoryService() citdesk.HistoryService { return historyService{db} }

type historyService struct{ db *DB }

// Batches of the bulk path: records per transaction (so a live server's
// other writers wait a moment, not the whole import), and parameters per
// multi-row INSERT (both engines allow more: SQLite 32,766, PostgreSQL 65,535).
const (
	historyBatch    = 5000
	paramsPerInsert = 16000
	inListMax       = 500
)

var historySource = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,39}$`)

// checkSource reports a source name that cannot be used.
func checkSource(source string) error {
	if !historySource.MatchString(source) || source == citdesk.SourceCitdesk {
		return citdesk.FieldErrorf("source", "The source must be a short lower-case name such as seattle-crisis (letters, digits, . _ -), and not %q.", citdesk.SourceCitdesk)
	}
	return nil
}

// ImportHistory saves historical encounters, upserting on (agency, source,
// external id), through multi-row INSERTs in batched transactions.
func (s historyService) ImportHistory(ctx context.Context, source string, recs []citdesk.HistoricalEncounter, progress func(done int)) (citdesk.HistoryResult, error) {
	var res citdesk.HistoryResult
	actor, err := citdesk.Require(ctx, citdesk.ImportHistory)
	if err != nil {
		return res, err
	}
	if err := checkSource(source); err != nil {
		return res, err
	}
	now := s.db.now()
	good := make([]*citdesk.HistoricalEncounter, 0, len(recs))
	seen := make(map[string]int, len(recs))
	for i := range recs {
		r := &recs[i]
		r.ExternalID = strings.TrimSpace(r.ExternalID)
		if first, dup := seen[r.ExternalID]; dup && r.ExternalID != "" {
			res.Rejected = append(res.Rejected, citdesk.HistoryRejection{Line: r.Line, ExternalID: r.ExternalID,
				Reason: fmt.Sprintf("The id %s is already on line %d; this record is left out.", r.ExternalID, first)})
			continue
		}
		if reason := checkHistorical(r, now); reason != "" {
			res.Rejected = append(res.Rejected, citdesk.HistoryRejection{Line: r.Line, ExternalID: r.ExternalID, Reason: reason})
			continue
		}
		seen[r.ExternalID] = r.Line
		good = append(good, r)
	}
	for lo := 0; lo < len(good); lo += historyBatch {
		batch := good[lo:min(lo+historyBatch, len(good))]
		var br citdesk.HistoryResult
		err := s.db.writeTx(ctx, func(tx *Tx) error {
			var err error
			br, err = importBatch(ctx, tx, actor, source, batch)
			return err
		})
		if err != nil {
			return res, err
		}
		res.Created += br.Created
		res.Updated += br.Updated
		res.Unchanged += br.Unchanged
		res.Persons += br.Persons
		res.Rejected = append(res.Rejected, br.Rejected...)
		if progress != nil {
			progress(lo + len(batch))
		}
	}
	return res, nil
}

// checkHistorical returns why a record cannot be saved, or "".
func checkHistorical(r *citdesk.HistoricalEncounter, now time.Time) string {
	switch {
	case r.ExternalID == "":
		return "The record has no id."
	case utf8.RuneCountInString(r.ExternalID) > 100:
		return "The id is longer than 100 characters."
	case utf8.RuneCountInString(r.OfficerExternalID) > 100:
		return "The officer id is longer than 100 characters."
	case utf8.RuneCountInString(r.PersonExternalID) > 100:
		return "The person id is longer than 100 characters."
	case r.OccurredAt.After(now.Add(10 * time.Minute)):
		return "The contact is in the future."
	case r.Force != "" && !slices.Contains(citdesk.ForceLevels, r.Force):
		return fmt.Sprintf("%q is not a force level.", r.Force)
	case r.InjuryPerson != "" && !slices.Contains(citdesk.InjuryLevels, r.InjuryPerson),
		r.InjuryOfficer != "" && !slices.Contains(citdesk.InjuryLevels, r.InjuryOfficer):
		return "An injury level is not one of none, minor, serious, fatal."
	case r.HandoverMinutes != nil && (*r.HandoverMinutes < 0 || *r.HandoverMinutes > 1440):
		return "The hand-over time must be 0 to 1440 minutes."
	case r.OccurredPrecision != "" && !r.OccurredPrecision.Valid():
		return fmt.Sprintf("%q is not a precision of a time.", r.OccurredPrecision)
	case len(r.DispositionsNo) > 0 && !r.DispositionsPartial:
		return "Dispositions known not to have happened need a record that answers only some dispositions."
	case r.Status != "" && !r.Status.Valid():
		return fmt.Sprintf("%q is not a report status.", r.Status)
	case r.Referral != nil && r.PersonExternalID == "":
		return "A referral needs the person."
	case r.Referral != nil && (r.Referral.CreatedAt.IsZero() || !r.Referral.Status.Valid()):
		return "The referral needs its creation time and a valid status."
	case r.Call != nil && (r.Call.ReceivedAt.IsZero() || r.Call.DispatchedAt.IsZero() || r.Call.ClearedAt.IsZero()):
		return "The call needs the times it was received, dispatched and cleared."
	}
	for i, d := range r.Dispositions {
		if !slices.Contains(citdesk.Dispositions, d) {
			return fmt.Sprintf("%q is not a citdesk disposition.", d)
		}
		if slices.Contains(r.Dispositions[:i], d) {
			return fmt.Sprintf("%q appears twice.", d)
		}
	}
	for i, d := range r.DispositionsNo {
		if !slices.Contains(citdesk.Dispositions, d) {
			return fmt.Sprintf("%q is not a citdesk disposition.", d)
		}
		if slices.Contains(r.DispositionsNo[:i], d) || slices.Contains(r.Dispositions, d) {
			return fmt.Sprintf("%q is answered twice.", d)
		}
	}
	return ""
}

// historyPrecision returns the precision stored for r's time.
func historyPrecision(r *citdesk.HistoricalEncounter) string {
	if r.OccurredPrecision == "" {
		return string(citdesk.PrecisionFull)
	}
	return string(r.OccurredPrecision)
}

// historyNegatives returns the dispositions_no value of r: NULL when its
// dispositions are the whole answer.
func historyNegatives(r *citdesk.HistoricalEncounter) sql.NullString {
	if !r.DispositionsPartial {
		return sql.NullString{}
	}
	no := r.DispositionsNo
	if no == nil {
		no = []citdesk.Disposition{}
	}
	return sql.NullString{String: marshalSet(no), Valid: true}
}

// historyHash fingerprints what a record stores on its encounter, so a
// re-import can tell an unchanged record from a changed one.
func historyHash(r *citdesk.HistoricalEncounter) string {
	h := sha256.New()
	optB := func(b *bool) string {
		if b == nil {
			return "?"
		}
		return fmt.Sprint(*b)
	}
	optT := func(t *time.Time) int64 {
		if t == nil {
			return -1
		}
		return t.UnixMicro()
	}
	hm := -1
	if r.HandoverMinutes != nil {
		hm = *r.HandoverMinutes
	}
	fmt.Fprintf(h, "%d|%d|%d|%q|%s|%s|%s|%s|%q|%s|%s|%s|%s|%d|%q|%q|%d|%d",
		r.OccurredAt.UnixMicro(), r.ReportedAt.UnixMicro(), r.OfficerID, r.OfficerExternalID, optB(r.OfficerCIT),
		r.Force, r.InjuryPerson, r.InjuryOfficer, r.Dispositions, optB(r.Veteran), optB(r.CITRequested), optB(r.CITDispatched), optB(r.CITArrived),
		hm, r.PersonExternalID, r.Status, optT(r.SubmittedAt), optT(r.ApprovedAt))
	if r.OccurredPrecision != "" && r.OccurredPrecision != citdesk.PrecisionFull || r.DispositionsPartial {
		// Only then, so the hash of every record imported before these
		// existed is unchanged and a re-import finds it unchanged.
		fmt.Fprintf(h, "|%s|%s", historyPrecision(r), historyNegatives(r).String)
	}
	sum := h.Sum(nil)
	return hex.EncodeToString(sum[:16])
}

// importBatch saves one batch of checked records in tx.
func importBatch(ctx context.Context, tx *Tx, actor *citdesk.Actor, source string, batch []*citdesk.HistoricalEncounter) (citdesk.HistoryResult, error) {
	var res citdesk.HistoryResult
	agencyID := actor.AgencyID
	historyOfficer, err := historyOfficer(ctx, tx, agencyID, source)
	if err != nil {
		return res, err
	}
	officers, err := officerIDs(ctx, tx, agencyID, batch)
	if err != nil {
		return res, err
	}

	// What this batch already has in the database.
	ids := make([]string, len(batch))
	for i, r := range batch {
		ids[i] = r.ExternalID
	}
	type existing struct {
		id   int64
		hash string
	}
	have := map[string]existing{}
	err = eachIn(ctx, tx, `SELECT id, external_id, COALESCE(import_hash, '') FROM encounters WHERE agency_id = ? AND source = ? AND external_id IN `,
		[]any{agencyID, source}, ids, func(rows *sql.Rows) error {
			var e existing
			var ext string
			if err := rows.Scan(&e.id, &ext, &e.hash); err != nil {
				return err
			}
			have[ext] = e
			return nil
		})
	if err != nil {
		return res, fmt.Errorf("find imported encounters: %w", err)
	}

	persons, created, err := historyPersons(ctx, tx, agencyID, source, batch)
	if err != nil {
		return res, err
	}
	res.Persons = created

	var fresh, changed []*citdesk.HistoricalEncounter
	for _, r := range batch {
		if r.OfficerID != 0 && !officers[r.OfficerID] {
			res.Rejected = append(res.Rejected, citdesk.HistoryRejection{Line: r.Line, ExternalID: r.ExternalID, Reason: "The officer is not on this agency's roster."})
			continue
		}
		e, ok := have[r.ExternalID]
		switch {
		case !ok:
			fresh = append(fresh, r)
		case e.hash != historyHash(r):
			changed = append(changed, r)
		default:
			res.Unchanged++
		}
	}

	for _, r := range changed {
		if err := updateHistorical(ctx, tx, agencyID, have[r.ExternalID].id, r, persons, historyOfficer); err != nil {
			return res, err
		}
	}
	res.Updated = len(changed)
	if err := insertHistorical(ctx, tx, agencyID, source, fresh, persons, historyOfficer); err != nil {
		return res, err
	}
	res.Created = len(fresh)
	if res.Created+res.Updated == 0 {
		return res, nil
	}
	return res, tx.audit(ctx, actor, "encounter.import", "encounter", 0,
		fmt.Sprintf("%s: %d created, %d updated, %d unchanged", source, res.Created, res.Updated, res.Unchanged))
}

// historyOfficer returns the agency's inactive officer record that
// imported history from source is filed under, creating it the first time.
func historyOfficer(ctx context.Context, tx *Tx, agencyID int64, source string) (int64, error) {
	badge := "history:" + source
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM officers WHERE agency_id = ? AND badge = ?`, agencyID, badge).Scan(&id)
	if err == nil {
		return id, nil
	} else if err != sql.ErrNoRows {
		return 0, fmt.Errorf("find history officer: %w", err)
	}
	id, err = tx.insert(ctx, `INSERT INTO officers (agency_id, badge, first_name, last_name, active, created_at, updated_at, version)
		VALUES (?, ?, 'Imported', ?, FALSE, ?, ?, 1)`, agencyID, badge, "history ("+source+")", micros(tx.now), micros(tx.now))
	if err != nil {
		return 0, fmt.Errorf("create history officer: %w", err)
	}
	return id, nil
}

// officerIDs returns which of the officers the batch names are the agency's.
func officerIDs(ctx context.Context, tx *Tx, agencyID int64, batch []*citdesk.HistoricalEncounter) (map[int64]bool, error) {
	named := false
	for _, r := range batch {
		named = named || r.OfficerID != 0
	}
	if !named {
		return map[int64]bool{}, nil
	}
	return queryIDSet(ctx, tx, "agency officers", `SELECT id FROM officers WHERE agency_id = ?`, agencyID)
}

// historyPersons returns the person id of every person the batch names,
// creating those not yet in the database, and how many it created.
func historyPersons(ctx context.Context, tx *Tx, agencyID int64, source string, batch []*citdesk.HistoricalEncounter) (map[string]int64, int, error) {
	persons := map[string]int64{}
	var names []string
	first := map[string]*citdesk.HistoricalEncounter{}
	for _, r := range batch {
		if r.PersonExternalID != "" && first[r.PersonExternalID] == nil {
			first[r.PersonExternalID] = r
			names = append(names, r.PersonExternalID)
		}
	}
	if len(names) == 0 {
		return persons, 0, nil
	}
	err := eachIn(ctx, tx, `SELECT id, external_id FROM persons WHERE agency_id = ? AND source = ? AND external_id IN `,
		[]any{agencyID, source}, names, func(rows *sql.Rows) error {
			var id int64
			var ext string
			if err := rows.Scan(&id, &ext); err != nil {
				return err
			}
			persons[ext] = id
			return nil
		})
	if err != nil {
		return nil, 0, fmt.Errorf("find imported persons: %w", err)
	}
	var missing []string
	for _, n := range names {
		if _, ok := persons[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return persons, 0, nil
	}
	ids, err := reserveIDs(ctx, tx, "persons", len(missing))
	if err != nil {
		return nil, 0, err
	}
	rows := make([][]any, len(missing))
	for i, n := range missing {
		r := first[n]
		fn, ln := r.PersonFirst, r.PersonLast
		if fn == "" && ln == "" {
			ln = source + " #" + n // no name in the source: the record says where it came from
		}
		seal := tx.db.fields.sealer()
		rows[i] = []any{ids[i], agencyID, seal.text(colPersonFirst, fn), seal.text(colPersonLast, ln), seal.text(colPersonAliases, "[]"), source, n, 0, micros(tx.now), micros(tx.now)}
		if seal.err != nil {
			return nil, 0, seal.err
		}
		persons[n] = ids[i]
	}
	err = insertRows(ctx, tx, `INSERT INTO persons (id, agency_id, first_name, last_name, aliases, source, external_id, created_by, created_at, updated_at) VALUES `, rows)
	if err != nil {
		return nil, 0, fmt.Errorf("insert imported persons: %w", err)
	}
	return persons, len(missing), nil
}

// historyColumns are the encounter columns a historical record sets, in
// the order historyValues gives them.
const historyColumns = `officer_id, officer_cit_certified, officer_cit_known, person_id, occurred_at, occurred_known, contact_start,
	weapons, force_level, injury_person, injury_officer, injury_other, dispositions, handover_minutes,
	cit_requested, cit_dispatched, cit_arrived, veteran, external_officer, import_hash,
	status, due_at, submitted_at, reviewed_at, updated_at, occurred_precision, dispositions_no`

// historyValues returns the values of historyColumns for r.
func historyValues(r *citdesk.HistoricalEncounter, persons map[string]int64, historyOfficer int64, now time.Time) []any {
	officer := r.OfficerID
	if officer == 0 {
		officer = historyOfficer
	}
	var person sql.NullInt64
	if id, ok := persons[r.PersonExternalID]; ok && r.PersonExternalID != "" {
		person = sql.NullInt64{Int64: id, Valid: true}
	}
	occurred, occurredKnown := r.OccurredAt, !r.OccurredAt.IsZero()
	if !occurredKnown {
		occurred = r.ReportedAt // so lists still sort; the measures see it as undated
	}
	var occurredMicros int64
	if !occurred.IsZero() {
		occurredMicros = micros(occurred)
	}
	due := occurred.Add(citdesk.ReportDueAfter)
	if occurred.IsZero() {
		due = time.UnixMicro(0)
	}
	status := r.Status
	if status == "" {
		status = citdesk.EncounterApproved
	}
	submitted := r.SubmittedAt
	if submitted == nil && status != citdesk.EncounterDraft && !r.ReportedAt.IsZero() {
		submitted = &r.ReportedAt
	}
	disps := r.Dispositions
	if disps == nil {
		disps = []citdesk.Disposition{}
	}
	start := ""
	if r.Call != nil {
		start = string(citdesk.StartDispatchedCrisis)
	}
	return []any{officer, r.OfficerCIT != nil && *r.OfficerCIT, r.OfficerCIT != nil, person, occurredMicros, occurredKnown, start,
		"", string(r.Force), string(r.InjuryPerson), string(r.InjuryOfficer), "", marshalSet(disps), nullMinutes(r.HandoverMinutes),
		nullBool(r.CITRequested), nullBool(r.CITDispatched), nullBool(r.CITArrived), nullBool(r.Veteran), nullText(r.OfficerExternalID), historyHash(r),
		string(status), micros(due), nullMicros(submitted), nullMicros(r.ApprovedAt), micros(now), historyPrecision(r), historyNegatives(r)}
}

// updateHistorical rewrites the encounter-level values of a record imported
// before. Its call and referral, if any, are left as first imported.
func updateHistorical(ctx context.Context, tx *Tx, agencyID, id int64, r *citdesk.HistoricalEncounter, persons map[string]int64, historyOfficer int64) error {
	cols := strings.Split(historyColumns, ",")
	for i := range cols {
		cols[i] = strings.TrimSpace(cols[i]) + " = ?"
	}
	args := append(historyValues(r, persons, historyOfficer, tx.now), agencyID, id)
	_, err := tx.ExecContext(ctx, `UPDATE encounters SET `+strings.Join(cols, ", ")+`, version = version + 1 WHERE agency_id = ? AND id = ?`, args...)
	if err != nil {
		return fmt.Errorf("update imported encounter %s: %w", r.ExternalID, err)
	}
	return nil
}

// insertHistorical inserts new records with their calls, assignments,
// referrals and first-contact notes, each table in multi-row INSERTs.
func insertHistorical(ctx context.Context, tx *Tx, agencyID int64, source string, recs []*citdesk.HistoricalEncounter, persons map[string]int64, historyOfficer int64) error {
	if len(recs) == 0 {
		return nil
	}
	nCalls, nRefs, nNotes := 0, 0, 0
	for _, r := range recs {
		if r.Call != nil {
			nCalls++
		}
		if r.Referral != nil {
			nRefs++
			if !r.Referral.FirstContactAt.IsZero() {
				nNotes++
			}
		}
	}
	encIDs, err := reserveIDs(ctx, tx, "encounters", len(recs))
	if err != nil {
		return err
	}
	callIDs, err := reserveIDs(ctx, tx, "calls", nCalls)
	if err != nil {
		return err
	}
	asgIDs, err := reserveIDs(ctx, tx, "assignments", nCalls)
	if err != nil {
		return err
	}
	refIDs, err := reserveIDs(ctx, tx, "referrals", nRefs)
	if err != nil {
		return err
	}
	now := micros(tx.now)
	var calls, asgs, encs, refs, notes [][]any
	ci, ri := 0, 0
	for i, r := range recs {
		vals := historyValues(r, persons, historyOfficer, tx.now)
		officer := vals[0]
		var callID, asgID sql.NullInt64
		if c := r.Call; c != nil {
			callID, asgID = sql.NullInt64{Int64: callIDs[ci], Valid: true}, sql.NullInt64{Int64: asgIDs[ci], Valid: true}
			ci++
			src := c.Source
			if src == "" {
				src = citdesk.Source911
			}
			calls = append(calls, []any{callID.Int64, agencyID, micros(c.ReceivedAt), string(src), src == citdesk.Source911, "Mental-health crisis",
				c.CITRequested, "closed", true, micros(c.ClearedAt), 0, now, now})
			citStatus, cit := string(citdesk.CITNotTrained), r.OfficerCIT != nil && *r.OfficerCIT
			if cit {
				citStatus = string(citdesk.CITCertified)
			}
			var onScene sql.NullInt64
			if !c.OnSceneAt.IsZero() {
				onScene = sql.NullInt64{Int64: micros(c.OnSceneAt), Valid: true}
			}
			asgs = append(asgs, []any{asgID.Int64, agencyID, callID.Int64, officer, "cleared", micros(c.DispatchedAt), onScene, micros(c.ClearedAt),
				citStatus, cit, c.NoCITReason, 0})
		}
		encs = append(encs, append([]any{encIDs[i], agencyID, callID, asgID, source, r.ExternalID, 0, now}, vals...))
		if f := r.Referral; f != nil {
			var closed sql.NullInt64
			if !f.ClosedAt.IsZero() {
				closed = sql.NullInt64{Int64: micros(f.ClosedAt), Valid: true}
			}
			var respondent sql.NullString
			var respect, safety, helped sql.NullInt64
			if sv := f.Survey; sv != nil {
				respondent = sql.NullString{String: sv.Respondent, Valid: true}
				respect, safety, helped = sql.NullInt64{Int64: int64(sv.Respect), Valid: true}, sql.NullInt64{Int64: int64(sv.Safety), Valid: true}, sql.NullInt64{Int64: int64(sv.Help), Valid: true}
			}
			refs = append(refs, []any{refIDs[ri], agencyID, encIDs[i], persons[r.PersonExternalID], string(f.Status), string(f.Outcome),
				0, micros(f.CreatedAt), now, closed, respondent, respect, safety, helped})
			if !f.FirstContactAt.IsZero() {
				notes = append(notes, []any{agencyID, refIDs[ri], 0, "history", micros(f.FirstContactAt), string(citdesk.ReferralOpen), string(citdesk.ReferralContacted)})
			}
			ri++
		}
	}
	steps := []struct {
		what, head string
		rows       [][]any
	}{
		{"calls", `INSERT INTO calls (id, agency_id, received_at, source, emergency, nature, cit_requested, status, mental_health, closed_at, created_by, created_at, updated_at) VALUES `, calls},
		{"assignments", `INSERT INTO assignments (id, agency_id, call_id, officer_id, status, dispatched_at, on_scene_at, cleared_at, cit_status, cit_certified, no_cit_reason, dispatched_by) VALUES `, asgs},
		{"encounters", `INSERT INTO encounters (id, agency_id, call_id, assignment_id, source, external_id, created_by, created_at, ` + historyColumns + `) VALUES `, encs},
		{"referrals", `INSERT INTO referrals (id, agency_id, encounter_id, person_id, status, outcome, created_by, created_at, updated_at, closed_at, survey_respondent, survey_respect, survey_safety, survey_help) VALUES `, refs},
		{"referral notes", `INSERT INTO referral_notes (agency_id, referral_id, by_user_id, by_name, at, status_from, status_to) VALUES `, notes},
	}
	for _, st := range steps {
		if err := insertRows(ctx, tx, st.head, st.rows); err != nil {
			return fmt.Errorf("insert imported %s: %w", st.what, err)
		}
	}
	return nil
}

// reserveIDs returns n new ids of table for rows inserted with their ids
// given, so related rows can name each other without a round trip per row.
// SQLite: the writer holds the database lock for the whole transaction, so
// the ids after the largest are free (AUTOINCREMENT then moves past them).
// PostgreSQL: ids are drawn from the identity column's sequence.
func reserveIDs(ctx context.Context, tx *Tx, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	if tx.db.dialect.name == "postgres" {
		return queryAll(ctx, tx, "reserve "+table+" ids", scanID, `SELECT nextval(pg_get_serial_sequence('`+table+`', 'id')) FROM generate_series(1, ?)`, n)
	}
	ids := make([]int64, 0, n)
	var top int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&top); err != nil {
		return nil, fmt.Errorf("reserve %s ids: %w", table, err)
	}
	var seq sql.NullInt64 // AUTOINCREMENT never reuses an id, even of a deleted row
	if err := tx.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = ?`, table).Scan(&seq); err != nil && err != sql.ErrNoRows {
		return nil, fmt.Errorf("reserve %s ids: %w", table, err)
	}
	top = max(top, seq.Int64)
	for i := range n {
		ids = append(ids, top+1+int64(i))
	}
	return ids, nil
}

// insertRows inserts rows (all of one width) with head ("INSERT INTO t
// (a, b) VALUES "), as few multi-row statements as the parameter limit allows.
func insertRows(ctx context.Context, tx *Tx, head string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	per := max(1, paramsPerInsert/width)
	for lo := 0; lo < len(rows); lo += per {
		chunk := rows[lo:min(lo+per, len(rows))]
		var b strings.Builder
		b.WriteString(head)
		args := make([]any, 0, len(chunk)*width)
		for i, row := range chunk {
			if len(row) != width {
				return fmt.Errorf("insert: row of %d values, want %d", len(row), width)
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
			args = append(args, row...)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// eachIn runs query (ending in "IN ") with args and then the values, in
// lists of at most inListMax, calling fn for each row.
func eachIn(ctx context.Context, tx *Tx, query string, args []any, values []string, fn func(*sql.Rows) error) error {
	for lo := 0; lo < len(values); lo += inListMax {
		chunk := values[lo:min(lo+inListMax, len(values))]
		all := append(slices.Clip(args), make([]any, 0, len(chunk))...)
		for _, v := range chunk {
			all = append(all, v)
		}
		rows, err := tx.QueryContext(ctx, query+"("+strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")+")", all...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := fn(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// DispositionMap returns the agency's mapping for source.
func (s historyService) DispositionMap(ctx context.Context, source string) (map[string]string, bool, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadOutcomes)
	if err != nil {
		return nil, false, err
	}
	m := map[string]string{}
	err = s.db.readTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT source_value, disposition FROM disposition_maps WHERE agency_id = ? AND source = ?`, actor.AgencyID, source)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var from, to string
			if err := rows.Scan(&from, &to); err != nil {
				return err
			}
			m[from] = to
		}
		return rows.Err()
	})
	if err != nil {
		return nil, false, fmt.Errorf("read disposition map: %w", err)
	}
	return m, len(m) > 0, nil
}

// SaveDispositionMap replaces the agency's mapping for source.
func (s historyService) SaveDispositionMap(ctx context.Context, source string, m map[string]string) error {
	actor, err := citdesk.Require(ctx, citdesk.ImportHistory)
	if err != nil {
		return err
	}
	if err := checkSource(source); err != nil {
		return err
	}
	type mapping struct{ from, to string }
	pairs := make([]mapping, 0, len(m))
	for k, v := range m {
		k = strings.TrimSpace(k)
		if k == "" || utf8.RuneCountInString(k) > 200 {
			return citdesk.FieldErrorf("dispositions", "A disposition to map must be 1 to 200 characters.")
		}
		if v = strings.TrimSpace(v); v != "" {
			d, ok := outcomes.ParseDisposition(v)
			if !ok {
				return citdesk.FieldErrorf("dispositions", "%q is not a citdesk disposition.", v)
			}
			v = d.String()
		}
		pairs = append(pairs, mapping{k, v})
	}
	slices.SortFunc(pairs, func(a, b mapping) int { return strings.Compare(a.from, b.from) })
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM disposition_maps WHERE agency_id = ? AND source = ?`, actor.AgencyID, source); err != nil {
			return fmt.Errorf("clear disposition map: %w", err)
		}
		rows := make([][]any, 0, len(pairs))
		for _, p := range pairs {
			rows = append(rows, []any{actor.AgencyID, source, p.from, p.to, micros(tx.now)})
		}
		if err := insertRows(ctx, tx, `INSERT INTO disposition_maps (agency_id, source, source_value, disposition, updated_at) VALUES `, rows); err != nil {
			if isUniqueViolation(err) {
				return citdesk.FieldErrorf("dispositions", "A disposition is mapped twice.")
			}
			return fmt.Errorf("save disposition map: %w", err)
		}
		return tx.audit(ctx, actor, "dispositions.save", "disposition_map", 0, fmt.Sprintf("%s: %d dispositions", source, len(rows)))
	})
}

// ImportStatusHistory adds past status changes in batched multi-row
// INSERTs, checked first: a known status, a time before now, an officer of
// the agency. officer_duty, the current state, is not touched.
func (s historyService) ImportStatusHistory(ctx context.Context, changes []citdesk.StatusChange) (int, error) {
	actor, err := citdesk.Require(ctx, citdesk.ImportHistory)
	if err != nil {
		return 0, err
	}
	now := s.db.now()
	for i := range changes {
		c := &changes[i]
		switch {
		case !c.Status.Valid():
			return 0, citdesk.FieldErrorf("status", "Status change %d: status must be one of off_duty, available, busy, dispatched, en_route, on_scene.", i+1)
		case c.At.IsZero() || !c.At.Before(now):
			return 0, citdesk.FieldErrorf("at", "Status change %d: the time must be in the past.", i+1)
		case (c.Lat == nil) != (c.Lon == nil):
			return 0, citdesk.FieldErrorf("lat", "Status change %d: give both lat and lon, or neither.", i+1)
		}
	}
	done := 0
	for lo := 0; lo < len(changes); lo += historyBatch {
		batch := changes[lo:min(lo+historyBatch, len(changes))]
		err := s.db.writeTx(ctx, func(tx *Tx) error {
			officers, err := queryIDSet(ctx, tx, "agency officers", `SELECT id FROM officers WHERE agency_id = ?`, actor.AgencyID)
			if err != nil {
				return err
			}
			rows := make([][]any, 0, len(batch))
			for i := range batch {
				c := &batch[i]
				if !officers[c.OfficerID] {
					return citdesk.FieldErrorf("officer_id", "Status change %d: the officer is not on this agency's roster.", lo+i+1)
				}
				rows = append(rows, []any{actor.AgencyID, c.OfficerID, string(c.Status), nullFloat(c.Lat), nullFloat(c.Lon), micros(c.At), actor.UserID})
			}
			if err := insertRows(ctx, tx, `INSERT INTO status_changes (agency_id, officer_id, status, lat, lon, at, by_user_id) VALUES `, rows); err != nil {
				return fmt.Errorf("insert status history: %w", err)
			}
			return tx.audit(ctx, actor, "officer.status.import", "officer", 0, fmt.Sprintf("%d past status changes", len(batch)))
		})
		if err != nil {
			return done, err
		}
		done += len(batch)
	}
	return done, nil
}
