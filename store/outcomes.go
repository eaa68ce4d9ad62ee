package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"citdesk"
	"citdesk/outcomes"
)

// OutcomeService returns the outcome figures service. It keeps each
// agency's records in memory as compact outcomes values (see snapshot), so
// call it once and share the result: each call has a cache of its own.
func (db *DB) OutcomeService() outcomes.Service {
	return &outcomeService{db: db, snaps: map[int64]*snapshot{}, maxAge: 10 * time.Minute}
}

// outcomeService computes the figures over a snapshot of each agency's
// records.
//
// Why a snapshot: computing every measure over a million encounters takes
// about 135 ms (outcomes.BenchmarkCompute), but reading a million rows out
// of the database and scanning them takes several seconds, so loading on
// each request would miss the 300 ms target by far. The snapshot is loaded
// once, then kept current by re-reading only what changed: before each use
// it asks the database how many rows of encounters, referrals and calls
// changed since a point in time (the window) and the sum of their row
// versions. Any insert or update raises one of those numbers, so a change
// is noticed on the next request, and then only the encounters and
// referrals touched since the window are read again. The window trails the
// clock by windowMargin, so a transaction that took its time stamp before
// the last refresh but committed after it (possible on PostgreSQL, where
// writers run side by side) is still seen; this assumes no write
// transaction lasts that long, and that replicas' clocks agree far better. A full reload every maxAge, in
// the background, catches anything else (an assignment's times changed
// without its call).
type outcomeService struct {
	db     *DB
	maxAge time.Duration

	mu    sync.Mutex
	snaps map[int64]*snapshot
}

// windowMargin is how far behind the newest change the change window
// starts: longer than any write transaction runs.
const windowMargin = 2 * time.Minute

// windowStep is how far the clock may move before the window follows it.
const windowStep = 30 * time.Second

// snapshot is one agency's records as the measures need them.
type snapshot struct {
	agencyID int64

	refresh sync.Mutex   // one refresh at a time
	mu      sync.RWMutex // computations read under RLock; a refresh writes under Lock

	encs  []outcomes.Encounter
	encAt map[int64]int // encounter id → index in encs
	refs  []outcomes.Referral
	refAt map[int64]int // referral id → index in refs

	window   int64 // micros: rows changed at or after this are re-read on a change
	stamp    changeStamp
	loadedAt time.Time
	loaded   bool
	gen      uint64 // counts the loads that changed the records

	// The public figures, kept until the records change or publicMaxAge
	// passes: anyone may ask for them, so asking again must cost nothing.
	public   []outcomes.PublicMeasure
	publicAt time.Time
	publicOf uint64 // the gen they were computed from

	reloading atomic.Bool // a background full reload is running
}

// changeStamp counts the rows of encounters, referrals and calls changed
// at or after the window, with the sum of their versions.
type changeStamp [3]struct{ rows, versions int64 }

// snapshotFor returns the agency's snapshot, current.
func (s *outcomeService) snapshotFor(ctx context.Context, agencyID int64) (*snapshot, error) {
	s.mu.Lock()
	snap, ok := s.snaps[agencyID]
	if !ok {
		snap = &snapshot{agencyID: agencyID}
		s.snaps[agencyID] = snap
	}
	s.mu.Unlock()

	snap.refresh.Lock()
	defer snap.refresh.Unlock()
	if !snap.loaded {
		return snap, s.fullLoad(ctx, snap)
	}
	if err := s.deltaLoad(ctx, snap); err != nil {
		return snap, err
	}
	if s.db.now().Sub(snap.loadedAt) > s.maxAge && snap.reloading.CompareAndSwap(false, true) {
		// Served from the snapshot just brought up to date. The full
		// reload reads without holding the refresh lock (a million rows
		// take seconds, and requests must not wait for them), then takes
		// it to put the new records in place; what changed meanwhile is
		// read by the next request's delta, since the new stamp and window
		// are those of the reload's read. If it fails, the snapshot stays
		// as it was and a later request tries again.
		go func() {
			defer snap.reloading.Store(false)
			st, err := s.readAll(context.WithoutCancel(ctx), snap.agencyID)
			if err != nil {
				return
			}
			snap.refresh.Lock()
			defer snap.refresh.Unlock()
			s.install(snap, st)
		}()
	}
	return snap, nil
}

// snapState is an agency's records as read at one moment.
type snapState struct {
	encs         []outcomes.Encounter
	refs         []outcomes.Referral
	encAt, refAt map[int64]int
	window       int64
	stamp        changeStamp
}

// fullLoad reads every record of the agency into the snapshot.
func (s *outcomeService) fullLoad(ctx context.Context, snap *snapshot) error {
	st, err := s.readAll(ctx, snap.agencyID)
	if err != nil {
		return err
	}
	s.install(snap, st)
	return nil
}

// readAll reads every record of the agency, in one read transaction.
func (s *outcomeService) readAll(ctx context.Context, agencyID int64) (*snapState, error) {
	st := &snapState{}
	var encIDs, refIDs []int64
	err := s.db.readTx(ctx, func(tx *Tx) error {
		var err error
		st.window = micros(tx.now) - windowMargin.Microseconds()
		if st.stamp, err = tx.changeStamp(ctx, agencyID, st.window); err != nil {
			return err
		}
		if st.encs, encIDs, err = tx.loadOutcomeEncounters(ctx, agencyID, "", nil); err != nil {
			return err
		}
		st.refs, refIDs, err = tx.loadOutcomeReferrals(ctx, agencyID, "", nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	st.encAt = make(map[int64]int, len(encIDs))
	for i, id := range encIDs {
		st.encAt[id] = i
	}
	st.refAt = make(map[int64]int, len(refIDs))
	for i, id := range refIDs {
		st.refAt[id] = i
	}
	return st, nil
}

// install puts a full read in place; the caller holds snap.refresh.
func (s *outcomeService) install(snap *snapshot, st *snapState) {
	snap.mu.Lock()
	defer snap.mu.Unlock()
	snap.encs, snap.encAt, snap.refs, snap.refAt = st.encs, st.encAt, st.refs, st.refAt
	snap.window, snap.stamp, snap.loadedAt, snap.loaded = st.window, st.stamp, s.db.now(), true
	snap.gen++
}

// deltaLoad re-reads what changed since the snapshot's window, if anything did.
func (s *outcomeService) deltaLoad(ctx context.Context, snap *snapshot) error {
	var encs []outcomes.Encounter
	var refs []outcomes.Referral
	var encIDs, refIDs []int64
	window := snap.window
	var st changeStamp
	changed, moved := false, false
	err := s.db.readTx(ctx, func(tx *Tx) error {
		cur, err := tx.changeStamp(ctx, snap.agencyID, window)
		if err != nil {
			return err
		}
		st = cur
		if cur != snap.stamp {
			changed = true
			if encs, encIDs, refs, refIDs, err = tx.loadOutcomeChanges(ctx, snap.agencyID, window); err != nil {
				return err
			}
		}
		// Move the window up to windowMargin before now once it lags by
		// more than windowStep, so the stamp counts few rows (after a bulk
		// import it would otherwise count the whole import on every
		// request). Nothing between the old and the new window is missed:
		// the stamp, or the rows just read, covered it.
		if next := micros(tx.now) - windowMargin.Microseconds(); next-window > windowStep.Microseconds() {
			window, moved = next, true
			st, err = tx.changeStamp(ctx, snap.agencyID, window)
		}
		return err
	})
	if err != nil || !changed && !moved {
		return err
	}
	snap.mu.Lock()
	defer snap.mu.Unlock()
	for i, id := range encIDs {
		if at, ok := snap.encAt[id]; ok {
			snap.encs[at] = encs[i]
		} else {
			snap.encAt[id] = len(snap.encs)
			snap.encs = append(snap.encs, encs[i])
		}
	}
	for i, id := range refIDs {
		if at, ok := snap.refAt[id]; ok {
			snap.refs[at] = refs[i]
		} else {
			snap.refAt[id] = len(snap.refs)
			snap.refs = append(snap.refs, refs[i])
		}
	}
	snap.window, snap.stamp = window, st
	if changed {
		snap.gen++
	}
	return nil
}

// loadOutcomeChanges reads the encounters and referrals changed at or
// after window: encounters changed themselves, or through their referral
// or call; referrals changed themselves, or through their encounter (whose
// officer's certification they carry). One query for each, so each reads
// an index range rather than the whole agency; a record found twice is
// simply put in place twice.
func (tx *Tx) loadOutcomeChanges(ctx context.Context, agencyID, window int64) (encs []outcomes.Encounter, encIDs []int64, refs []outcomes.Referral, refIDs []int64, err error) {
	for _, cond := range []string{
		`e.updated_at >= ?`,
		`e.id IN (SELECT encounter_id FROM referrals WHERE agency_id = ? AND updated_at >= ?)`,
		`e.call_id IN (SELECT id FROM calls WHERE agency_id = ? AND updated_at >= ?)`,
	} {
		args := []any{window}
		if strings.Contains(cond, "SELECT") {
			args = []any{agencyID, window}
		}
		more, ids, err := tx.loadOutcomeEncounters(ctx, agencyID, cond, args)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		encs, encIDs = append(encs, more...), append(encIDs, ids...)
	}
	for _, cond := range []string{
		`r.updated_at >= ?`,
		`r.encounter_id IN (SELECT id FROM encounters WHERE agency_id = ? AND updated_at >= ?)`,
	} {
		args := []any{window}
		if strings.Contains(cond, "SELECT") {
			args = []any{agencyID, window}
		}
		more, ids, err := tx.loadOutcomeReferrals(ctx, agencyID, cond, args)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		refs, refIDs = append(refs, more...), append(refIDs, ids...)
	}
	return encs, encIDs, refs, refIDs, nil
}

// changeStamp counts what changed at or after window (micros).
func (tx *Tx) changeStamp(ctx context.Context, agencyID, window int64) (changeStamp, error) {
	var st changeStamp
	for i, table := range [...]string{"encounters", "referrals", "calls"} {
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(version), 0) FROM `+table+` WHERE agency_id = ? AND updated_at >= ?`,
			agencyID, window).Scan(&st[i].rows, &st[i].versions)
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
// returned counts as an encounter and in the accountability measures, but
// its answers are not final and are read as unknown; an approved report
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
	r.status, r.outcome
FROM encounters e
LEFT JOIN persons p ON p.agency_id = e.agency_id AND p.id = e.person_id
LEFT JOIN calls c ON c.agency_id = e.agency_id AND c.id = e.call_id
LEFT JOIN referrals r ON r.agency_id = e.agency_id AND r.encounter_id = e.id
WHERE e.agency_id = ?`

// loadOutcomeEncounters reads the agency's encounters (those matching the
// extra condition and its args, when given) and their ids.
func (tx *Tx) loadOutcomeEncounters(ctx context.Context, agencyID int64, cond string, args []any) ([]outcomes.Encounter, []int64, error) {
	q := outcomeEncounterQuery
	if cond != "" {
		q += " AND " + cond
	}
	rows, err := tx.QueryContext(ctx, q, append([]any{agencyID}, args...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("load encounters for outcomes: %w", err)
	}
	defer rows.Close()
	var encs []outcomes.Encounter
	var ids []int64
	var (
		id, occurred, due                        int64
		person, handover, submitted, reviewed    sql.NullInt64
		received, dispatched, onScene            sql.NullInt64
		occurredKnown, cit, citKnown             bool
		force, injP, injO, disps, status         string
		veteran, requested, sent, arrived        sql.NullBool
		callSource, noCIT, refStatus, refOutcome sql.NullString
	)
	for rows.Next() {
		if err := rows.Scan(&id, &person, &occurred, &occurredKnown, &cit, &citKnown,
			&force, &injP, &injO, &disps, &veteran,
			&requested, &sent, &arrived, &handover,
			&status, &due, &submitted, &reviewed,
			&received, &callSource, &dispatched, &onScene, &noCIT,
			&refStatus, &refOutcome); err != nil {
			return nil, nil, fmt.Errorf("scan encounter for outcomes: %w", err)
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
			// Not final: the form's defaults (no force, no injuries) are
			// not answers yet. The report counts as an encounter and in
			// the accountability measures, and in nothing that reads it.
			e.Force, e.PersonInjury, e.OfficerInjury, e.Dispositions = outcomes.ForceUnknown, outcomes.InjuryUnknown, outcomes.InjuryUnknown, 0
			e.HandoverMinutes = -1
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
		encs = append(encs, e)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("load encounters for outcomes: %w", err)
	}
	return encs, ids, nil
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
func (tx *Tx) loadOutcomeReferrals(ctx context.Context, agencyID int64, cond string, args []any) ([]outcomes.Referral, []int64, error) {
	q := outcomeReferralQuery
	if cond != "" {
		q += " AND " + cond
	}
	rows, err := tx.QueryContext(ctx, q, append([]any{agencyID}, args...)...)
	if err != nil {
		return nil, nil, fmt.Errorf("load referrals for outcomes: %w", err)
	}
	defer rows.Close()
	var refs []outcomes.Referral
	var ids []int64
	var (
		id, created             int64
		status, outcome         string
		contact                 sql.NullInt64
		cit, citKnown           bool
		respect, safety, helped sql.NullInt64
	)
	for rows.Next() {
		if err := rows.Scan(&id, &created, &status, &outcome, &contact, &cit, &citKnown, &respect, &safety, &helped); err != nil {
			return nil, nil, fmt.Errorf("scan referral for outcomes: %w", err)
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
		refs = append(refs, r)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("load referrals for outcomes: %w", err)
	}
	return refs, ids, nil
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

// params returns the computation's parameters for the agency and range.
func (s *outcomeService) params(ctx context.Context, agencyID int64, from, to citdesk.Date) (outcomes.Params, error) {
	var agency *citdesk.Agency
	err := s.db.readTx(ctx, func(tx *Tx) (err error) { agency, err = tx.findAgency(ctx, "id = ?", agencyID); return })
	if err != nil {
		return outcomes.Params{}, err
	}
	return outcomes.Params{From: from, To: to, Location: agency.Location(), Now: s.db.now()}, nil
}

// Report computes every measure over the actor's agency's records.
func (s *outcomeService) Report(ctx context.Context, from, to citdesk.Date) (outcomes.Report, error) {
	actor, err := citdesk.RequireRole(ctx, citdesk.OutcomeRoles...)
	if err != nil {
		return outcomes.Report{}, err
	}
	p, err := s.params(ctx, actor.AgencyID, from, to)
	if err != nil {
		return outcomes.Report{}, err
	}
	snap, err := s.snapshotFor(ctx, actor.AgencyID)
	if err != nil {
		return outcomes.Report{}, err
	}
	snap.mu.RLock()
	defer snap.mu.RUnlock()
	return outcomes.Compute(snap.encs, snap.refs, p), nil
}

// Dashboard computes the report, its monthly CIT split and the previous
// period's report over one snapshot.
func (s *outcomeService) Dashboard(ctx context.Context, from, to citdesk.Date) (*outcomes.Dashboard, error) {
	actor, err := citdesk.RequireRole(ctx, citdesk.OutcomeRoles...)
	if err != nil {
		return nil, err
	}
	p, err := s.params(ctx, actor.AgencyID, from, to)
	if err != nil {
		return nil, err
	}
	snap, err := s.snapshotFor(ctx, actor.AgencyID)
	if err != nil {
		return nil, err
	}
	snap.mu.RLock()
	defer snap.mu.RUnlock()
	d := &outcomes.Dashboard{Report: outcomes.Compute(snap.encs, snap.refs, p), Split: outcomes.SplitByMonth(snap.encs, p)}
	if pf, pt := outcomes.PreviousPeriod(from, to); !pf.IsZero() {
		pp := p
		pp.From, pp.To = pf, pt
		prev := outcomes.Compute(snap.encs, snap.refs, pp)
		d.Previous, d.PreviousFrom, d.PreviousTo = &prev, pf, pt
	}
	return d, nil
}

// Behind lists the encounters behind one figure, and records who looked.
func (s *outcomeService) Behind(ctx context.Context, from, to citdesk.Date, measure, group, month string) ([]outcomes.DrillRow, error) {
	actor, err := citdesk.RequireRole(ctx, citdesk.OutcomeDrillRoles...)
	if err != nil {
		return nil, err
	}
	p, err := s.params(ctx, actor.AgencyID, from, to)
	if err != nil {
		return nil, err
	}
	snap, err := s.snapshotFor(ctx, actor.AgencyID)
	if err != nil {
		return nil, err
	}
	snap.mu.RLock()
	rows, ok := outcomes.Behind(snap.encs, p, measure, group, month)
	snap.mu.RUnlock()
	if !ok {
		return nil, citdesk.FieldErrorf("measure", "%q has no list of encounters; choose one of %s (and group cit or non_cit, or none).",
			measure, strings.Join(outcomes.DrillableIDs(), ", "))
	}
	detail := fmt.Sprintf("%s group=%s month=%s from=%s to=%s: %d encounters", measure, group, month, from, to, len(rows))
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		return tx.audit(ctx, actor, "outcomes.drilldown", "outcome", 0, detail)
	})
	return rows, err
}

// publicMaxAge bounds how long the public figures are kept while nothing
// changes (the report and contact deadlines move with the clock).
const publicMaxAge = 10 * time.Minute

// Public returns the agency's public dashboard figures: aggregates only.
// They are computed once per change of the records (or publicMaxAge), so
// an anonymous caller cannot make the server compute over and over.
func (s *outcomeService) Public(ctx context.Context, agencyID int64) ([]outcomes.PublicMeasure, error) {
	p, err := s.params(ctx, agencyID, citdesk.Date{}, citdesk.Date{})
	if err != nil {
		return nil, err
	}
	snap, err := s.snapshotFor(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	snap.mu.RLock()
	if snap.public != nil && snap.publicOf == snap.gen && p.Now.Sub(snap.publicAt) < publicMaxAge {
		defer snap.mu.RUnlock()
		return snap.public, nil
	}
	pub, gen := outcomes.ComputePublic(snap.encs, snap.refs, p), snap.gen
	snap.mu.RUnlock()
	snap.mu.Lock()
	if gen == snap.gen {
		snap.public, snap.publicAt, snap.publicOf = pub, p.Now, gen
	}
	snap.mu.Unlock()
	return pub, nil
}
