package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"citdesk"
	"citdesk/outcomes"
)

// OutcomeService returns the outcome figures service: outcomes' cached
// service (outcomes.NewCachedService) reading this database through
// outcomeLoader. It keeps each agency's records in memory as compact
// outcomes values, so call it once and share the result: each call has a
// cache of its own.
//
// With db.OutcomeDir set, each agency's snapshot is also kept in a file
// there between runs (outcomes.CacheOptions.Dir), so a restart reads the
// file and the rows changed since it was written, not every row. An
// erasure or a retention purge removes rows no change stamp counts, so it
// makes every such service of this process forget the agency's snapshot
// and removes the file (forgetOutcomes).
func (db *DB) OutcomeService() outcomes.Service {
	svc := outcomes.NewCachedServiceWith(outcomeLoader{db}, dbClock{db}, outcomes.CacheOptions{MaxAge: outcomeMaxAge, Dir: db.OutcomeDir})
	db.outcomeCaches.add(svc.(outcomeCache))
	return svc
}

// outcomeCache is what OutcomeService's cache does beside answering:
// forget an agency, and stop its background work when db closes.
type outcomeCache interface {
	outcomes.Forgetter
	io.Closer
}

// outcomeMaxAge is how long after the last whole read the cache compares
// its snapshot with the rows again in the background, correcting in place
// what the change stamp does not see (an assignment's times changed
// without its call, a person's veteran status changed).
const outcomeMaxAge = 10 * time.Minute

// outcomeCaches are the outcome services made from one DB, for
// forgetOutcomes.
type outcomeCaches struct {
	mu   sync.Mutex
	list []outcomeCache
}

func (c *outcomeCaches) add(f outcomeCache) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, f)
}

// close stops every cache's background work (a comparison with the rows,
// a snapshot file being written) and waits for it: DB.Close calls it
// before it closes the connections those use.
func (c *outcomeCaches) close() {
	c.mu.Lock()
	list := slices.Clone(c.list)
	c.mu.Unlock()
	for _, f := range list {
		f.Close()
	}
}

// forgetOutcomes makes every outcome service of db forget the agency's
// snapshot, and removes its file (also when no service runs here: the
// command line beside a server on SQLite), after rows were deleted that
// no change stamp counts: a person's erasure, a retention purge. The
// next request reads the rows again; no erased record stays in memory or
// on disk. Call it after the deleting transaction commits.
func forgetOutcomes(db *DB, agencyID int64) {
	db.outcomeCaches.mu.Lock()
	list := slices.Clone(db.outcomeCaches.list)
	db.outcomeCaches.mu.Unlock()
	for _, f := range list {
		f.Forget(agencyID)
	}
	if db.OutcomeDir != "" {
		if err := os.Remove(outcomes.SnapshotFileName(db.OutcomeDir, agencyID)); err != nil && !errors.Is(err, os.ErrNotExist) {
			slog.Error("outcomes snapshot file not removed", "agency", agencyID, "err", err)
		}
	}
}

// pgOutcomesChannel carries "forget agency N's outcome snapshot" between
// replicas on PostgreSQL: an erasure or a purge on one replica sends it in
// its deleting transaction (so on commit, and only then), and every other
// replica's event bus forgets its own snapshot and file of that agency.
// The payload is the sender's origin and the agency id.
const pgOutcomesChannel = "citdesk_outcomes"

// markOutcomesRemoved records, in tx, that it deletes records of the
// agency the outcome figures count: it raises the agency's
// outcome_removals seq, which every outcome service reads with its change
// stamp (changeStamp), so each drops its snapshot at its next request
// however it learns of the deletion; and on PostgreSQL it tells every
// other replica at once (on commit, and only then) to forget its snapshot
// and file. In this process, forgetOutcomes after the commit does that.
func markOutcomesRemoved(ctx context.Context, tx *Tx, agencyID int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO outcome_removals (agency_id, seq) VALUES (?, 1)
		ON CONFLICT (agency_id) DO UPDATE SET seq = outcome_removals.seq + 1`, agencyID); err != nil {
		return fmt.Errorf("mark outcome records removed: %w", err)
	}
	if tx.db.dialect.name != "postgres" {
		return nil
	}
	_, err := tx.Tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, pgOutcomesChannel, tx.db.auth.origin+" "+strconv.FormatInt(agencyID, 10))
	return err
}

// outcomesNotified handles a notification on pgOutcomesChannel: another
// replica's forget is done here too.
func outcomesNotified(db *DB, payload string) {
	origin, id, ok := strings.Cut(payload, " ")
	if !ok || origin == db.auth.origin {
		return
	}
	if agencyID, err := strconv.ParseInt(id, 10, 64); err == nil {
		forgetOutcomes(db, agencyID)
	}
}

// dbClock is the database's clock as a citdesk.Clock: read at each call,
// since tests replace db.Clock after Open, and truncated as every time the
// store writes is.
type dbClock struct{ db *DB }

// Now returns the database's time.
func (c dbClock) Now() time.Time { return c.db.now() }

// outcomeLoader reads an agency's records for the outcomes cache
// (outcomes.Loader) and tells it what changed. How a change is found:
// a change stamp counts the rows of encounters, referrals and calls
// changed since a point in time (the window) and sums their row versions.
// Any insert or update raises one of those numbers, so a change is noticed
// on the next request, and then only the encounters and referrals touched
// since the window are read again. The window trails the clock by
// windowMargin, so a transaction that took its time stamp before the last
// refresh but committed after it (possible on PostgreSQL, where writers
// run side by side) is still seen; this assumes no write transaction lasts
// that long, and that replicas' clocks agree far better.
type outcomeLoader struct{ db *DB }

// windowMargin is how far behind the newest change the change window
// starts: longer than any write transaction runs.
const windowMargin = 2 * time.Minute

// windowStep is how far the clock may move before the window follows it.
const windowStep = 30 * time.Second

// LoadAll reads every record of the agency, in one read transaction.
func (l outcomeLoader) LoadAll(ctx context.Context, agencyID int64) (*outcomes.Records, error) {
	recs := &outcomes.Records{}
	err := l.db.readTx(ctx, func(tx *Tx) error {
		var err error
		if recs.Stamp, err = changeStamp(ctx, tx, agencyID, micros(tx.now)-windowMargin.Microseconds()); err != nil {
			return err
		}
		if recs.Encounters, recs.EncounterIDs, _, err = loadOutcomeEncounters(ctx, tx, agencyID, "", nil); err != nil {
			return err
		}
		recs.UncountedEncounterIDs = nil // LoadAll lists no drafts
		if err = loadOutcomeCalls(ctx, tx, agencyID, `c.status IN ('cleared', 'closed')`, nil, recs); err != nil {
			return err
		}
		if recs.Referrals, recs.ReferralIDs, err = loadOutcomeReferrals(ctx, tx, agencyID, "", nil); err != nil {
			return err
		}
		return loadOutcomeComplaints(ctx, tx, agencyID, recs)
	})
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// StreamAll reads every record of the agency as LoadAll does, in one read
// transaction, handing each to enc or ref as it is scanned
// (outcomes.RecordStreamer), so the cache puts a million encounters in
// columns without holding them all as Encounter values first.
func (l outcomeLoader) StreamAll(ctx context.Context, agencyID int64, enc func(id int64, e *outcomes.Encounter), ref func(id int64, r *outcomes.Referral)) (outcomes.ChangeStamp, []outcomes.Complaint, error) {
	recs := &outcomes.Records{}
	err := l.db.readTx(ctx, func(tx *Tx) error {
		var err error
		if recs.Stamp, err = changeStamp(ctx, tx, agencyID, micros(tx.now)-windowMargin.Microseconds()); err != nil {
			return err
		}
		skip := func(int64) {}
		if err = scanOutcomeEncounters(ctx, tx, agencyID, "", nil, enc, skip); err != nil {
			return err
		}
		if err = scanOutcomeCalls(ctx, tx, agencyID, `c.status IN ('cleared', 'closed')`, nil, enc, skip); err != nil {
			return err
		}
		if err = scanOutcomeReferrals(ctx, tx, agencyID, "", nil, ref); err != nil {
			return err
		}
		return loadOutcomeComplaints(ctx, tx, agencyID, recs)
	})
	return recs.Stamp, recs.Complaints, err
}

// LoadChangedSince re-reads what changed since the stamp's window, if
// anything did, in one read transaction, so the new stamp and the rows
// read with it agree.
func (l outcomeLoader) LoadChangedSince(ctx context.Context, agencyID int64, stamp outcomes.ChangeStamp) (*outcomes.Records, bool, error) {
	recs := &outcomes.Records{}
	window := micros(stamp.Since)
	changed := false
	err := l.db.readTx(ctx, func(tx *Tx) error {
		cur, err := changeStamp(ctx, tx, agencyID, window)
		if err != nil {
			return err
		}
		recs.Stamp = cur
		if cur.Removals != stamp.Removals {
			// Records were deleted since: the cache reads them all again.
			recs.Removed, changed = true, true
			return nil
		}
		if cur.Changed != stamp.Changed {
			changed = true
			if err = loadOutcomeChanges(ctx, tx, agencyID, window, recs); err != nil {
				return err
			}
			if err = loadOutcomeComplaints(ctx, tx, agencyID, recs); err != nil {
				return err
			}
		}
		// Move the window up to windowMargin before now once it lags by
		// more than windowStep, so the stamp counts few rows (after a bulk
		// import it would otherwise count the whole import on every
		// request). Nothing between the old and the new window is missed:
		// the stamp, or the rows just read, covered it.
		if next := micros(tx.now) - windowMargin.Microseconds(); next-window > windowStep.Microseconds() {
			recs.Stamp, err = changeStamp(ctx, tx, agencyID, next)
		}
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return recs, changed, nil
}

// stillWanted checks, every 4,096 rows of a whole read of the records,
// that its caller still wants it: on SQLite the statements run to their
// end whatever becomes of the context (quietContext), and a million rows
// take seconds, which an outcome cache being closed does not wait for.
func stillWanted(ctx context.Context, rows int) error {
	if rows%4096 != 0 {
		return nil
	}
	return ctx.Err()
}

// AgencyLocation returns the agency's time zone.
func (l outcomeLoader) AgencyLocation(ctx context.Context, agencyID int64) (*time.Location, error) {
	var agency *citdesk.Agency
	err := l.db.readTx(ctx, func(tx *Tx) (err error) { agency, err = tx.findAgency(ctx, "id = ?", agencyID); return })
	if err != nil {
		return nil, err
	}
	return agency.Location(), nil
}

// RecordDrilldown writes the audit events of a drill-down: one per
// encounter listed, each with the figure it was listed for.
func (l outcomeLoader) RecordDrilldown(ctx context.Context, actor *citdesk.Actor, detail string, encounterIDs []int64) error {
	read := newAuditRead(actor, "outcomes.drilldown")
	for _, id := range encounterIDs {
		if id < 0 { // a call behind a CIT measure
			read.record("call", -id, detail)
			continue
		}
		read.record("encounter", id, detail)
	}
	return l.db.writeTx(ctx, func(tx *Tx) error { return read.write(ctx, tx) })
}

// LoadCallPoints reads the positions of the agency's crisis calls received
// in [from, to): a call is a crisis call when it was judged a mental-health
// call, a CIT officer was asked for, or a report was written on it.
func (l outcomeLoader) LoadCallPoints(ctx context.Context, agencyID int64, from, to time.Time) ([]outcomes.Point, int, error) {
	q := `SELECT c.lat, c.lon FROM calls c
	WHERE c.agency_id = ? AND c.received_at >= ? AND c.received_at < ?
		AND (c.cit_requested OR c.mental_health
			OR EXISTS (SELECT 1 FROM encounters e WHERE e.agency_id = c.agency_id AND e.call_id = c.id))`
	end := int64(math.MaxInt64)
	if !to.IsZero() {
		end = micros(to)
	}
	start := int64(math.MinInt64)
	if !from.IsZero() {
		start = micros(from)
	}
	var (
		points    []outcomes.Point
		unlocated int
	)
	err := l.db.readTx(ctx, func(tx *Tx) error {
		points, unlocated = nil, 0
		rows, err := tx.QueryContext(ctx, q, agencyID, start, end)
		if err != nil {
			return fmt.Errorf("load call positions: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var lat, lon sql.NullFloat64
			if err := rows.Scan(&lat, &lon); err != nil {
				return fmt.Errorf("scan call position: %w", err)
			}
			if !lat.Valid || !lon.Valid {
				unlocated++
				continue
			}
			points = append(points, outcomes.Point{Lat: lat.Float64, Lon: lon.Float64})
		}
		return rows.Err()
	})
	return points, unlocated, err
}

// loadOutcomeChanges reads the encounters, calls and referrals changed at
// or after window: encounters changed themselves, or through their
// referral or call; calls changed themselves (a call is counted once
// closed, and nothing about it changes after); referrals changed
// themselves, or through their encounter (whose officer's certification
// they carry). One query for each, so each reads
// an index range rather than the whole agency; a record found twice is
// simply put in place twice.
func loadOutcomeChanges(ctx context.Context, tx *Tx, agencyID, window int64, recs *outcomes.Records) error {
	for _, cond := range []string{
		`e.updated_at >= ?`,
		`e.id IN (SELECT encounter_id FROM referrals WHERE agency_id = ? AND updated_at >= ?)`,
		`e.call_id IN (SELECT id FROM calls WHERE agency_id = ? AND updated_at >= ?)`,
	} {
		args := []any{window}
		if strings.Contains(cond, "SELECT") {
			args = []any{agencyID, window}
		}
		more, ids, uncounted, err := loadOutcomeEncounters(ctx, tx, agencyID, cond, args)
		if err != nil {
			return err
		}
		recs.Encounters, recs.EncounterIDs = append(recs.Encounters, more...), append(recs.EncounterIDs, ids...)
		recs.UncountedEncounterIDs = append(recs.UncountedEncounterIDs, uncounted...)
	}
	if err := loadOutcomeCalls(ctx, tx, agencyID, `c.updated_at >= ?`, []any{window}, recs); err != nil {
		return err
	}
	// A 911 call coming in may make a recent transfer a repeat without
	// changing the transferred call, so the transfers that a call changed
	// since the window could follow within 24 hours are read again.
	if err := loadOutcomeCalls(ctx, tx, agencyID, `c.id IN (SELECT call_id FROM call_transfers WHERE agency_id = ? AND transferred_at >= ?)`,
		[]any{agencyID, window - citdesk.RepeatWindow.Microseconds()}, recs); err != nil {
		return err
	}
	for _, cond := range []string{
		`r.updated_at >= ?`,
		`r.encounter_id IN (SELECT id FROM encounters WHERE agency_id = ? AND updated_at >= ?)`,
	} {
		args := []any{window}
		if strings.Contains(cond, "SELECT") {
			args = []any{agencyID, window}
		}
		more, ids, err := loadOutcomeReferrals(ctx, tx, agencyID, cond, args)
		if err != nil {
			return err
		}
		recs.Referrals, recs.ReferralIDs = append(recs.Referrals, more...), append(recs.ReferralIDs, ids...)
	}
	return nil
}

// changeStamp reads the agency's removals (markOutcomesRemoved) and
// counts what changed at or after window (micros), in the order of
// outcomes.ChangeStamp.Changed.
func changeStamp(ctx context.Context, tx *Tx, agencyID, window int64) (outcomes.ChangeStamp, error) {
	st := outcomes.ChangeStamp{Since: fromMicros(window)}
	err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT seq FROM outcome_removals WHERE agency_id = ?), 0)`, agencyID).Scan(&st.Removals)
	if err != nil {
		return st, fmt.Errorf("change stamp of removals: %w", err)
	}
	for i, table := range [...]string{"encounters", "referrals", "calls", "complaints"} {
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(version), 0) FROM `+table+` WHERE agency_id = ? AND updated_at >= ?`,
			agencyID, window).Scan(&st.Changed[i].Rows, &st.Changed[i].Versions)
		if err != nil {
			return st, fmt.Errorf("change stamp of %s: %w", table, err)
		}
	}
	return st, nil
}

// unknownReview stands for the report deadline of a report whose review
// history is unknown (imported history, approved without a review time):
// a deadline not yet passed keeps it out of the accountability measures,
// which is right, since citdesk's 24-hour and 7-day rules never applied to
// it.
var unknownReview = time.Date(9999, time.January, 1, 0, 0, 0, 0, time.UTC)

// outcomeEncounterQuery reads encounters as the measures need them. What
// each column becomes (loadOutcomeEncounters): the person id is the person
// key; an unknown date (occurred_known false) or certification
// (officer_cit_known false), a force or injury level of "" and an empty
// disposition set are unknown, never "no"; a report still in draft or
// returned to its author is not counted at all (its answers, even its
// date, are not final; loadOutcomeEncounters hands back its id only, so
// the cache can drop a report sent back); an approved report
// without a review time (imported history) is left out of the
// accountability measures (see unknownReview). Each encounter comes with
// its person's veteran status (when the report has none), its call's
// receipt and source, the first dispatch and arrival of the call's units,
// the reason recorded on the call's first assignment when a requested CIT
// officer was not sent, and its referral's status. One query, scanned
// straight into compact records. The correlated subqueries use the
// assignments_call index; "+ 0" keeps SQLite from answering MIN and ORDER
// BY with the assignments_time index instead, which scans every assignment
// of the agency for each encounter.
const outcomeEncounterQuery = `SELECT e.id, e.person_id, e.occurred_at, e.occurred_known, e.officer_cit_certified, e.officer_cit_known,
	e.force_level, e.injury_person, e.injury_officer, e.dispositions, COALESCE(e.veteran, p.veteran),
	e.cit_requested, e.cit_dispatched, e.cit_arrived, e.handover_minutes,
	e.status, e.due_at, e.submitted_at, e.reviewed_at,
	c.received_at, c.source,
	(SELECT MIN(a.dispatched_at + 0) FROM assignments a WHERE a.agency_id = e.agency_id AND a.call_id = e.call_id),
	(SELECT MIN(a.on_scene_at + 0) FROM assignments a WHERE a.agency_id = e.agency_id AND a.call_id = e.call_id),
	CASE WHEN e.cit_requested AND NOT e.cit_dispatched THEN
		(SELECT a.no_cit_reason FROM assignments a WHERE a.agency_id = e.agency_id AND a.call_id = e.call_id ORDER BY a.dispatched_at + 0, a.id + 0 LIMIT 1) END,
	r.status, r.outcome, e.source = 'citdesk' AND c.id IS NOT NULL, e.occurred_precision, e.dispositions_no
FROM encounters e
LEFT JOIN persons p ON p.agency_id = e.agency_id AND p.id = e.person_id
LEFT JOIN calls c ON c.agency_id = e.agency_id AND c.id = e.call_id
LEFT JOIN referrals r ON r.agency_id = e.agency_id AND r.encounter_id = e.id
WHERE e.agency_id = ?`

// loadOutcomeEncounters reads the agency's submitted and approved
// encounters (those matching the extra condition and its args, when given)
// and their ids, and the ids of those it leaves out: drafts and reports
// returned to their author.
func loadOutcomeEncounters(ctx context.Context, tx *Tx, agencyID int64, cond string, args []any) ([]outcomes.Encounter, []int64, []int64, error) {
	var encs []outcomes.Encounter
	var ids, uncounted []int64
	err := scanOutcomeEncounters(ctx, tx, agencyID, cond, args, func(id int64, e *outcomes.Encounter) {
		encs, ids = append(encs, *e), append(ids, id)
	}, func(id int64) { uncounted = append(uncounted, id) })
	if err != nil {
		return nil, nil, nil, err
	}
	return encs, ids, uncounted, nil
}

// scanOutcomeEncounters is loadOutcomeEncounters handing each encounter
// read to counted (e is reused: copy what is kept) or, for a draft or a
// returned report, its id to uncounted.
func scanOutcomeEncounters(ctx context.Context, tx *Tx, agencyID int64, cond string, args []any, counted func(id int64, e *outcomes.Encounter), uncounted func(id int64)) error {
	return scanEncountersBy(ctx, tx, outcomeEncounterQuery, agencyID, cond, args, counted, uncounted)
}

// scanEncountersBy is scanOutcomeEncounters over base query q.
func scanEncountersBy(ctx context.Context, tx *Tx, q string, agencyID int64, cond string, args []any, counted func(id int64, e *outcomes.Encounter), uncounted func(id int64)) error {
	if cond != "" {
		q += " AND " + cond
	}
	rows, err := tx.QueryContext(ctx, q, append([]any{agencyID}, args...)...)
	if err != nil {
		return fmt.Errorf("load encounters for outcomes: %w", err)
	}
	defer rows.Close()
	var (
		id, occurred, due                        int64
		person, handover, submitted, reviewed    sql.NullInt64
		received, dispatched, onScene            sql.NullInt64
		occurredKnown, cit, citKnown             bool
		force, injP, injO, disps, status         string
		veteran, requested, sent, arrived        sql.NullBool
		callSource, noCIT, refStatus, refOutcome sql.NullString
		ownCall                                  sql.NullBool
		precision                                string
		dispsNo                                  sql.NullString
	)
	for n := 1; rows.Next(); n++ {
		if err := stillWanted(ctx, n); err != nil {
			return err
		}
		if err := rows.Scan(&id, &person, &occurred, &occurredKnown, &cit, &citKnown,
			&force, &injP, &injO, &disps, &veteran,
			&requested, &sent, &arrived, &handover,
			&status, &due, &submitted, &reviewed,
			&received, &callSource, &dispatched, &onScene, &noCIT,
			&refStatus, &refOutcome, &ownCall, &precision, &dispsNo); err != nil {
			return fmt.Errorf("scan encounter for outcomes: %w", err)
		}
		e := outcomes.Encounter{
			ID: id, PersonKey: person.Int64,
			Force:         outcomes.ForceLevelOf(citdesk.ForceLevel(force)),
			PersonInjury:  outcomes.InjuryOf(citdesk.InjuryLevel(injP)),
			OfficerInjury: outcomes.InjuryOf(citdesk.InjuryLevel(injO)),
			Dispositions:  outcomeDispositions(disps),
			Veteran:       outcomes.TriOfKnown(veteran.Bool, veteran.Valid),
			CITRequested:  outcomes.TriOfKnown(requested.Bool, requested.Valid),
			CITDispatched: outcomes.TriOfKnown(sent.Bool, sent.Valid),
			CITArrived:    outcomes.TriOfKnown(arrived.Bool, arrived.Valid),
			OfficerCIT:    outcomes.TriOfKnown(cit, citKnown),
			NoCITReason:   outcomes.NoCITReasonOf(noCIT.String),
			OnlineRequest: callSource.String == string(citdesk.SourceOnlineRequest),
			ReferralConnected: outcomes.ReferralConnectedOf(citdesk.ReferralStatus(refStatus.String),
				citdesk.ReferralStatus(refOutcome.String)),
			HandoverMinutes: -1,
		}
		if occurredKnown {
			e.Occurred = fromMicros(occurred)
			e.Precision = outcomes.PrecisionOf(citdesk.TimePrecision(precision))
		}
		if dispsNo.Valid {
			// Only some dispositions answered: those listed, and these no.
			e.DispositionsKnown = e.Dispositions | outcomeDispositions(dispsNo.String)
		}
		if ownCall.Bool {
			// The call itself counts in the CIT measures (loadOutcomeCalls).
			e.CITRequested, e.CITDispatched, e.CITArrived, e.NoCITReason = outcomes.Unknown, outcomes.Unknown, outcomes.Unknown, ""
		}
		if handover.Valid {
			e.HandoverMinutes = int32(handover.Int64)
		}
		if received.Valid {
			e.CallReceived = fromMicros(received.Int64)
		}
		if dispatched.Valid {
			e.Dispatched = fromMicros(dispatched.Int64)
		}
		if onScene.Valid {
			e.OnScene = fromMicros(onScene.Int64)
		}
		if status == string(citdesk.EncounterDraft) || status == string(citdesk.EncounterReturned) {
			// Not final: not counted anywhere (issue 10).
			uncounted(id)
			continue
		}
		approved := status == string(citdesk.EncounterApproved)
		switch {
		case approved && !reviewed.Valid:
			e.ReportDue = unknownReview
		default:
			e.ReportDue = fromMicros(due)
			if submitted.Valid {
				e.Submitted = fromMicros(submitted.Int64)
			}
			if approved {
				e.Approved = fromMicros(reviewed.Int64)
			}
		}
		counted(id, &e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load encounters for outcomes: %w", err)
	}
	return nil
}

// outcomeCallQuery reads citdesk's own calls for the CIT measures (those
// settled, citdesk.CallStatus.Settled: a call still waiting or with an
// officer on it is not counted yet):
// whether CIT was requested, whether a CIT-certified officer (at dispatch)
// was sent and reached the scene, and the no-CIT reason recorded at close
// or, for a call closed before citdesk asked at close, on its first
// assignment; and the response chosen and whether it was a mental-health
// call, for the response-path measures. A call imported with history has
// an imported report pointing at it and is left out: that report counts,
// as it always did. Then the outcome of the call's transfer to 988 or
// mobile crisis (NULL for a call not transferred), whether the liaison
// reached the call on a co-response, and whether it asked a partner agency
// for a CIT officer and got one (county mutual aid: a partner's CIT
// officer sent through an accepted request counts as a CIT officer sent
// and on scene above, so the "if available" gap closes with it). Of a lent
// call the borrower reads only what it owns: its request row and the lent
// assignment's certification and arrival, as lentAssignments does; the
// lent officer's report is the lender's and counts in the lender's figures
// alone (issue 16, item 4), so no report, person or referral of the
// lender's reaches the borrower's snapshot, file or drill-down.
const outcomeCallQuery = `SELECT c.id, c.status, c.received_at, c.cit_requested,
	EXISTS (SELECT 1 FROM assignments a WHERE a.agency_id = c.agency_id AND a.call_id = c.id AND a.cit_certified)
		OR EXISTS (SELECT 1 FROM mutual_aid_requests m JOIN assignments a ON a.agency_id = m.lender_agency_id AND a.id = m.assignment_id
			WHERE m.agency_id = c.agency_id AND m.call_id = c.id AND m.status = 'accepted' AND a.cit_certified),
	EXISTS (SELECT 1 FROM assignments a WHERE a.agency_id = c.agency_id AND a.call_id = c.id AND a.cit_certified AND a.on_scene_at IS NOT NULL)
		OR EXISTS (SELECT 1 FROM mutual_aid_requests m JOIN assignments a ON a.agency_id = m.lender_agency_id AND a.id = m.assignment_id
			WHERE m.agency_id = c.agency_id AND m.call_id = c.id AND m.status = 'accepted' AND a.cit_certified AND a.on_scene_at IS NOT NULL),
	c.no_cit_reason,
	(SELECT a.no_cit_reason FROM assignments a WHERE a.agency_id = c.agency_id AND a.call_id = c.id ORDER BY a.dispatched_at + 0, a.id + 0 LIMIT 1),
	c.response, c.mental_health,
	(SELECT t.outcome FROM call_transfers t WHERE t.agency_id = c.agency_id AND t.call_id = c.id),
	EXISTS (SELECT 1 FROM call_liaisons l WHERE l.agency_id = c.agency_id AND l.call_id = c.id AND l.on_scene_at IS NOT NULL),
	EXISTS (SELECT 1 FROM mutual_aid_requests m WHERE m.agency_id = c.agency_id AND m.call_id = c.id),
	EXISTS (SELECT 1 FROM mutual_aid_requests m WHERE m.agency_id = c.agency_id AND m.call_id = c.id AND m.status = 'accepted')
FROM calls c
WHERE c.agency_id = ?
	AND NOT EXISTS (SELECT 1 FROM encounters x WHERE x.agency_id = c.agency_id AND x.call_id = c.id AND x.source <> 'citdesk')`

// loadOutcomeCalls appends the agency's own settled calls (those matching
// cond and its args, when given) to recs as call records
// (outcomes.Encounter.CallOnly), each with the id -id so it never takes
// the place of an encounter in the cache; a call read that is not settled
// (sent an officer again after clearing) goes to recs'
// UncountedEncounterIDs, so the cache drops it.
func loadOutcomeCalls(ctx context.Context, tx *Tx, agencyID int64, cond string, args []any, recs *outcomes.Records) error {
	return scanOutcomeCalls(ctx, tx, agencyID, cond, args, func(id int64, e *outcomes.Encounter) {
		recs.Encounters, recs.EncounterIDs = append(recs.Encounters, *e), append(recs.EncounterIDs, id)
	}, func(id int64) { recs.UncountedEncounterIDs = append(recs.UncountedEncounterIDs, id) })
}

// scanOutcomeCalls is loadOutcomeCalls handing each call record to
// counted, or the id of one not settled to uncounted.
func scanOutcomeCalls(ctx context.Context, tx *Tx, agencyID int64, cond string, args []any, counted func(id int64, e *outcomes.Encounter), uncounted func(id int64)) error {
	// Which transfers a 911 call about the same person followed, read
	// first (the records go on as they are read, to columns or slices).
	repeats, err := transferRepeats(ctx, tx, agencyID, cond, args)
	if err != nil {
		return err
	}
	q := outcomeCallQuery
	if cond != "" {
		q += " AND " + cond
	}
	rows, err := tx.QueryContext(ctx, q, append([]any{agencyID}, args...)...)
	if err != nil {
		return fmt.Errorf("load calls for outcomes: %w", err)
	}
	defer rows.Close()
	for n := 1; rows.Next(); n++ {
		if err := stillWanted(ctx, n); err != nil {
			return err
		}
		var (
			id, received             int64
			requested, sent, arrived bool
			status, reason, response string
			firstReason, transfer    sql.NullString
			mentalHealth             sql.NullBool
			liaisonOnScene           bool
			aidAsked, aidFilled      bool
		)
		if err := rows.Scan(&id, &status, &received, &requested, &sent, &arrived, &reason, &firstReason, &response, &mentalHealth, &transfer, &liaisonOnScene, &aidAsked, &aidFilled); err != nil {
			return fmt.Errorf("scan call for outcomes: %w", err)
		}
		if !citdesk.CallStatus(status).Settled() {
			uncounted(-id)
			continue
		}
		e := outcomes.Encounter{ID: -id, Occurred: fromMicros(received), CallOnly: true, HandoverMinutes: -1,
			CITRequested: outcomes.TriOfKnown(requested, true), CITDispatched: outcomes.TriOfKnown(sent, true), CITArrived: outcomes.TriOfKnown(arrived, true),
			Response: outcomes.ResponseOf(citdesk.Response(response)), MentalHealth: outcomes.TriOfKnown(mentalHealth.Bool, mentalHealth.Valid),
			LiaisonOnScene: liaisonOnScene}
		if requested && !sent {
			if reason == "" {
				reason = firstReason.String
			}
			e.NoCITReason = outcomes.NoCITReasonOf(reason)
		}
		switch {
		case aidFilled:
			e.MutualAid = outcomes.MutualAidFilled
		case aidAsked:
			e.MutualAid = outcomes.MutualAidAsked
		}
		if transfer.Valid {
			e.Transfer = outcomes.Transferred
			if transfer.String == string(citdesk.TransferReturned) {
				e.Transfer |= outcomes.TransferReturned
			}
			if repeats[id] != 0 {
				e.Transfer |= outcomes.TransferRepeat24h
			}
		}
		counted(-id, &e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load calls for outcomes: %w", err)
	}
	return nil
}

// outcomeReferralQuery reads referrals with the first time the liaison
// reached the person (the first move to contacted), the survey, and the
// referring officer's certification.
const outcomeReferralQuery = `SELECT r.id, r.created_at, r.status, r.outcome,
	(SELECT MIN(n.at) FROM referral_notes n WHERE n.agency_id = r.agency_id AND n.referral_id = r.id AND n.status_to = 'contacted'),
	e.officer_cit_certified, e.officer_cit_known, r.survey_respect, r.survey_safety, r.survey_help
FROM referrals r
JOIN encounters e ON e.agency_id = r.agency_id AND e.id = r.encounter_id
WHERE r.agency_id = ?`

// loadOutcomeReferrals reads the agency's referrals (those matching cond,
// when given) and their ids.
func loadOutcomeReferrals(ctx context.Context, tx *Tx, agencyID int64, cond string, args []any) ([]outcomes.Referral, []int64, error) {
	var refs []outcomes.Referral
	var ids []int64
	err := scanOutcomeReferrals(ctx, tx, agencyID, cond, args, func(id int64, r *outcomes.Referral) {
		refs, ids = append(refs, *r), append(ids, id)
	})
	if err != nil {
		return nil, nil, err
	}
	return refs, ids, nil
}

// scanOutcomeReferrals is loadOutcomeReferrals handing each referral to fn.
func scanOutcomeReferrals(ctx context.Context, tx *Tx, agencyID int64, cond string, args []any, fn func(id int64, r *outcomes.Referral)) error {
	q := outcomeReferralQuery
	if cond != "" {
		q += " AND " + cond
	}
	rows, err := tx.QueryContext(ctx, q, append([]any{agencyID}, args...)...)
	if err != nil {
		return fmt.Errorf("load referrals for outcomes: %w", err)
	}
	defer rows.Close()
	var (
		id, created             int64
		status, outcome         string
		contact                 sql.NullInt64
		cit, citKnown           bool
		respect, safety, helped sql.NullInt64
	)
	for n := 1; rows.Next(); n++ {
		if err := stillWanted(ctx, n); err != nil {
			return err
		}
		if err := rows.Scan(&id, &created, &status, &outcome, &contact, &cit, &citKnown, &respect, &safety, &helped); err != nil {
			return fmt.Errorf("scan referral for outcomes: %w", err)
		}
		r := outcomes.Referral{
			Created:    fromMicros(created),
			Connected:  outcomes.ReferralConnectedOf(citdesk.ReferralStatus(status), citdesk.ReferralStatus(outcome)),
			OfficerCIT: outcomes.TriOfKnown(cit, citKnown),
		}
		if contact.Valid {
			r.FirstContact = fromMicros(contact.Int64)
		}
		if respect.Valid || safety.Valid || helped.Valid {
			r.Survey = &outcomes.Survey{Respect: int(respect.Int64), Safety: int(safety.Int64), Help: int(helped.Int64)}
		}
		fn(id, &r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load referrals for outcomes: %w", err)
	}
	return nil
}

// outcomeDispositions reads a stored disposition set, a JSON array of
// names such as ["arrest","citation"], without a JSON decoder: it runs once
// per encounter on a full load, and the names hold no escapes.
func outcomeDispositions(s string) outcomes.Dispositions {
	var set outcomes.Dispositions
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			return set
		}
		s = s[i+1:]
		j := strings.IndexByte(s, '"')
		if j < 0 {
			return set
		}
		if d, ok := outcomes.DispositionOf(citdesk.Disposition(s[:j])); ok {
			set = set.With(d)
		}
		s = s[j+1:]
	}
}

// outcomeComplaintQuery reads the agency's complaints and commendations
// with the report each is linked to, if any: its date and its officer's
// certification, read as the encounter query reads them.
const outcomeComplaintQuery = `SELECT k.received_at, k.kind, k.status, k.disposition,
	e.id, e.occurred_at, e.occurred_known, e.occurred_precision, e.officer_cit_certified, e.officer_cit_known, e.status
FROM complaints k
LEFT JOIN encounters e ON e.agency_id = k.agency_id AND e.id = k.encounter_id
WHERE k.agency_id = ?`

// loadOutcomeComplaints reads every complaint and commendation of the
// agency into recs (they are few, so a change reads them all again). A link
// to a report that is not counted (a draft, or returned to its author) is
// read as no link, as that report is in no denominator.
func loadOutcomeComplaints(ctx context.Context, tx *Tx, agencyID int64, recs *outcomes.Records) error {
	rows, err := tx.QueryContext(ctx, outcomeComplaintQuery, agencyID)
	if err != nil {
		return fmt.Errorf("load complaints for outcomes: %w", err)
	}
	defer rows.Close()
	recs.Complaints, recs.ComplaintsRead = []outcomes.Complaint{}, true
	for rows.Next() {
		var received int64
		var kind, status, disposition string
		var encID, occurred sql.NullInt64
		var occurredKnown, cit, citKnown sql.NullBool
		var precision, encStatus sql.NullString
		if err := rows.Scan(&received, &kind, &status, &disposition, &encID, &occurred, &occurredKnown, &precision, &cit, &citKnown, &encStatus); err != nil {
			return fmt.Errorf("scan complaint for outcomes: %w", err)
		}
		k := outcomes.ComplaintOf(&citdesk.Complaint{ReceivedAt: fromMicros(received), Kind: citdesk.ComplaintKind(kind),
			Status: citdesk.ComplaintStatus(status), Disposition: citdesk.ComplaintDisposition(disposition)})
		counted := encStatus.Valid && encStatus.String != string(citdesk.EncounterDraft) && encStatus.String != string(citdesk.EncounterReturned)
		if encID.Valid && counted {
			k.Encounter = encID.Int64
			k.OfficerCIT = outcomes.TriOfKnown(cit.Bool, citKnown.Bool)
			if occurredKnown.Bool {
				k.Occurred = fromMicros(occurred.Int64)
				k.Precision = outcomes.PrecisionOf(citdesk.TimePrecision(precision.String))
			}
		}
		recs.Complaints = append(recs.Complaints, k)
	}
	return rows.Err()
}
