package outcomes

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"citdesk"
)

// Loader reads an agency's records for NewCachedService. The store
// implements it in SQL; everything about keeping the records in memory
// (the snapshot, merging changes, the background reload, the public
// figures' cache) is here, so the store only answers "everything" and
// "what changed since this stamp".
type Loader interface {
	// LoadAll reads every encounter and referral of the agency as they
	// are at one moment, with the stamp of that moment.
	LoadAll(ctx context.Context, agencyID int64) (*Records, error)
	// LoadChangedSince reads, at one moment, what changed in the agency
	// since stamp was taken. When something did (changed true), the
	// records touched come back to replace the records of the same ids or
	// join them; a record may come more than once, the last one counting.
	// The returned stamp replaces stamp even when nothing changed: the
	// loader may move on the point it counts changes from.
	LoadChangedSince(ctx context.Context, agencyID int64, stamp ChangeStamp) (recs *Records, changed bool, err error)
	// AgencyLocation returns the time zone the agency's dates are in
	// (an error coded citdesk.ENOTFOUND when there is no such agency).
	AgencyLocation(ctx context.Context, agencyID int64) (*time.Location, error)
	// RecordDrilldown records in the audit trail that actor listed the
	// records behind a figure, as detail says, one event per record
	// listed: the list names records, so who looked must be known. An id
	// is an encounter's, or minus a call's (a call row of a CIT measure).
	RecordDrilldown(ctx context.Context, actor *citdesk.Actor, detail string, encounterIDs []int64) error
	// LoadCallPoints reads the positions of the agency's crisis calls
	// (mental-health or CIT-requested, or reported on) received at or
	// after from and before to (a zero time leaves that end open), and
	// how many of them have no position.
	LoadCallPoints(ctx context.Context, agencyID int64, from, to time.Time) (points []Point, unlocated int, err error)
}

// Records are an agency's encounters and referrals as a Loader read them,
// each with its id in the store (the key by which a later change replaces
// it), and the stamp of the moment they were read.
type Records struct {
	Encounters   []Encounter
	EncounterIDs []int64 // EncounterIDs[i] is the id of Encounters[i]
	Referrals    []Referral
	ReferralIDs  []int64 // ReferralIDs[i] is the id of Referrals[i]
	// Complaints are the agency's complaints and commendations, all of
	// them, when ComplaintsRead: a Loader reads them whole on every load
	// that finds a change (they are few, and each carries its linked
	// report's date and certification, which a change to the report moves).
	Complaints     []Complaint
	ComplaintsRead bool
	// UncountedEncounterIDs are encounters read by LoadChangedSince that
	// are not counted, or no longer: reports in draft or returned to their
	// author. The cache drops them from its snapshot.
	UncountedEncounterIDs []int64
	Stamp                 ChangeStamp
}

// ChangeStamp is where a read of the records stands in their history, in
// the Loader's terms: the rows of encounters, referrals and calls changed
// at or after Since, counted with the sum of their versions, so any insert
// or update moves one of the numbers. The cache keeps the latest stamp and
// hands it back to LoadChangedSince; it never looks inside.
type ChangeStamp struct {
	Since   time.Time
	Changed [4]RowsChanged // encounters, referrals, calls, complaints
}

// RowsChanged counts the rows of one table changed in a ChangeStamp's
// window and sums their versions.
type RowsChanged struct{ Rows, Versions int64 }

// NewCachedService returns a Service that computes the figures over a
// snapshot of each agency's records, read through l, with clock giving
// the time the figures are computed at. A full reload runs in the
// background when a snapshot is older than maxAge, to catch any change
// LoadChangedSince does not see. Each call has a cache of its own, so
// make one and share it.
//
// Why a snapshot: computing every measure over a million encounters takes
// about 135 ms (BenchmarkCompute), but reading a million rows out of the
// database and scanning them takes several seconds, so loading on each
// request would miss the 300 ms target by far. The snapshot is loaded
// once, then kept current by asking the loader, before each use, what
// changed since the last read (cheap when nothing did) and putting only
// those records in place.
func NewCachedService(l Loader, clock citdesk.Clock, maxAge time.Duration) Service {
	return &cachedService{loader: l, clock: clock, maxAge: maxAge, snaps: map[int64]*snapshot{}, places: map[int64]publicPlaces{}}
}

// cachedService is NewCachedService's Service.
type cachedService struct {
	loader Loader
	clock  citdesk.Clock
	maxAge time.Duration

	mu    sync.Mutex
	snaps map[int64]*snapshot

	// The public maps by agency, kept for publicMaxAge (they are read
	// from the calls, not the snapshot, so no change count covers them).
	placesMu sync.Mutex
	places   map[int64]publicPlaces
}

type publicPlaces struct {
	at     time.Time
	places PublicPlaces
}

// snapshot is one agency's records as the measures need them.
type snapshot struct {
	agencyID int64

	refresh sync.Mutex   // one refresh at a time
	mu      sync.RWMutex // computations read under RLock; a refresh writes under Lock

	encs   []Encounter
	encIDs []int64       // encIDs[i] is the id of encs[i]
	encAt  map[int64]int // encounter id → index in encs
	refs   []Referral
	refAt  map[int64]int // referral id → index in refs
	comps  []Complaint   // replaced whole on each load that reads them

	stamp    ChangeStamp // read and written under refresh only
	loadedAt time.Time
	loaded   bool
	gen      uint64 // counts the loads that changed the records

	// The public figures, kept until the records change or publicMaxAge
	// passes: anyone may ask for them, so asking again must cost nothing.
	public   []PublicMeasure
	publicAt time.Time
	publicOf uint64 // the gen they were computed from

	reloading atomic.Bool // a background full reload is running
}

// snapshotFor returns the agency's snapshot, current.
func (s *cachedService) snapshotFor(ctx context.Context, agencyID int64) (*snapshot, error) {
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
		recs, err := s.loader.LoadAll(ctx, agencyID)
		if err != nil {
			return snap, err
		}
		s.install(snap, recs)
		return snap, nil
	}
	if err := s.deltaLoad(ctx, snap); err != nil {
		return snap, err
	}
	if s.clock.Now().Sub(snap.loadedAt) > s.maxAge && snap.reloading.CompareAndSwap(false, true) {
		// Served from the snapshot just brought up to date. The full
		// reload reads without holding the refresh lock (a million rows
		// take seconds, and requests must not wait for them), then takes
		// it to put the new records in place; what changed meanwhile is
		// read by the next request's delta, since the new stamp is that of
		// the reload's read. If it fails, the snapshot stays as it was and
		// a later request tries again.
		go func() {
			defer snap.reloading.Store(false)
			recs, err := s.loader.LoadAll(context.WithoutCancel(ctx), snap.agencyID)
			if err != nil {
				return
			}
			snap.refresh.Lock()
			defer snap.refresh.Unlock()
			s.install(snap, recs)
		}()
	}
	return snap, nil
}

// install puts a full read in place; the caller holds snap.refresh.
func (s *cachedService) install(snap *snapshot, recs *Records) {
	encAt := make(map[int64]int, len(recs.EncounterIDs))
	for i, id := range recs.EncounterIDs {
		encAt[id] = i
	}
	refAt := make(map[int64]int, len(recs.ReferralIDs))
	for i, id := range recs.ReferralIDs {
		refAt[id] = i
	}
	now := s.clock.Now()
	snap.mu.Lock()
	defer snap.mu.Unlock()
	snap.encs, snap.encIDs, snap.encAt, snap.refs, snap.refAt = recs.Encounters, recs.EncounterIDs, encAt, recs.Referrals, refAt
	snap.comps = recs.Complaints
	snap.stamp, snap.loadedAt, snap.loaded = recs.Stamp, now, true
	snap.gen++
}

// deltaLoad puts in place what changed since the snapshot's stamp, if
// anything did; the caller holds snap.refresh.
func (s *cachedService) deltaLoad(ctx context.Context, snap *snapshot) error {
	recs, changed, err := s.loader.LoadChangedSince(ctx, snap.agencyID, snap.stamp)
	if err != nil {
		return err
	}
	if !changed {
		// Only the stamp may have moved: no computation reads it, so
		// there is no need to wait for them.
		snap.stamp = recs.Stamp
		return nil
	}
	snap.mu.Lock()
	defer snap.mu.Unlock()
	for i, id := range recs.EncounterIDs {
		if at, ok := snap.encAt[id]; ok {
			snap.encs[at] = recs.Encounters[i]
		} else {
			snap.encAt[id] = len(snap.encs)
			snap.encs = append(snap.encs, recs.Encounters[i])
			snap.encIDs = append(snap.encIDs, id)
		}
	}
	for _, id := range recs.UncountedEncounterIDs {
		at, ok := snap.encAt[id]
		if !ok {
			continue
		}
		// Move the last encounter into the gap; no computation depends on
		// the order of encs.
		last := len(snap.encs) - 1
		snap.encs[at], snap.encIDs[at] = snap.encs[last], snap.encIDs[last]
		snap.encAt[snap.encIDs[at]] = at
		snap.encs, snap.encIDs = snap.encs[:last], snap.encIDs[:last]
		delete(snap.encAt, id)
	}
	for i, id := range recs.ReferralIDs {
		if at, ok := snap.refAt[id]; ok {
			snap.refs[at] = recs.Referrals[i]
		} else {
			snap.refAt[id] = len(snap.refs)
			snap.refs = append(snap.refs, recs.Referrals[i])
		}
	}
	if recs.ComplaintsRead {
		snap.comps = recs.Complaints
	}
	snap.stamp = recs.Stamp
	snap.gen++
	return nil
}

// params returns the computation's parameters for the agency and range,
// refusing a range of more than citdesk.MaxOutcomeYears years (a range
// open at its end runs to today) or one that starts before 1900: every
// request for figures, whether the API, a page, a CSV or the monthly
// report, passes here.
func (s *cachedService) params(ctx context.Context, agencyID int64, from, to citdesk.Date) (Params, error) {
	loc, err := s.loader.AgencyLocation(ctx, agencyID)
	if err != nil {
		return Params{}, err
	}
	now := s.clock.Now()
	if err := checkRange(from, to, citdesk.DateOf(now, loc)); err != nil {
		return Params{}, err
	}
	return Params{From: from, To: to, Location: loc, Now: now}, nil
}

// checkRange is params' check of a requested range.
func checkRange(from, to, today citdesk.Date) error {
	switch {
	case !from.IsZero() && !to.IsZero():
		return citdesk.CheckOutcomeSpan(from, to)
	case !from.IsZero():
		if err := citdesk.CheckOutcomeSpan(from, today); err != nil {
			return citdesk.FieldErrorf("from", "An outcomes request may span at most %d years: give a later from, or a to.", citdesk.MaxOutcomeYears)
		}
	case !to.IsZero() && to.Before(citdesk.EarliestDate):
		return citdesk.FieldErrorf("to", "to must be on or after %s.", citdesk.EarliestDate)
	}
	return nil
}

// publicFrom is where the public figures start: all time, unless the
// records reach back more than citdesk.MaxOutcomeYears years, when the
// figures cover the last MaxOutcomeYears years (one quarter per column,
// so old history would otherwise make the page as long as it is old).
func publicFrom(encs []Encounter, today citdesk.Date) citdesk.Date {
	first := today.AddDate(-citdesk.MaxOutcomeYears, 0, 0)
	limit := first.Time(time.UTC)
	for i := range encs {
		if o := encs[i].Occurred; !o.IsZero() && o.Before(limit) {
			return first
		}
	}
	return citdesk.Date{}
}

// Report computes every measure over the actor's agency's records.
func (s *cachedService) Report(ctx context.Context, from, to citdesk.Date) (Report, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadOutcomes)
	if err != nil {
		return Report{}, err
	}
	p, err := s.params(ctx, actor.AgencyID, from, to)
	if err != nil {
		return Report{}, err
	}
	snap, err := s.snapshotFor(ctx, actor.AgencyID)
	if err != nil {
		return Report{}, err
	}
	snap.mu.RLock()
	defer snap.mu.RUnlock()
	return ComputeAll(snap.encs, snap.refs, snap.comps, p), nil
}

// Dashboard computes the report, its monthly CIT split and the previous
// period's report over one snapshot.
func (s *cachedService) Dashboard(ctx context.Context, from, to citdesk.Date) (*Dashboard, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadOutcomes)
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
	d := &Dashboard{Report: ComputeAll(snap.encs, snap.refs, snap.comps, p), Split: SplitByMonth(snap.encs, p)}
	if pf, pt := PreviousPeriod(from, to); !pf.IsZero() {
		pp := p
		pp.From, pp.To = pf, pt
		prev := ComputeAll(snap.encs, snap.refs, snap.comps, pp)
		d.Previous, d.PreviousFrom, d.PreviousTo = &prev, pf, pt
	}
	return d, nil
}

// Behind lists the encounters behind one figure, and records who looked.
func (s *cachedService) Behind(ctx context.Context, from, to citdesk.Date, measure, group, month string) ([]DrillRow, error) {
	actor, err := citdesk.Require(ctx, citdesk.DrillOutcomes)
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
	rows, ok := Behind(snap.encs, p, measure, group, month)
	snap.mu.RUnlock()
	if !ok {
		return nil, citdesk.FieldErrorf("measure", "%q has no list of encounters; choose one of %s (and group cit or non_cit, or none).",
			measure, strings.Join(DrillableIDs(), ", "))
	}
	detail := fmt.Sprintf("%s group=%s month=%s from=%s to=%s: %d encounters", measure, group, month, from, to, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
		if r.CallID != 0 {
			ids[i] = -r.CallID
		}
	}
	return rows, s.loader.RecordDrilldown(ctx, actor, detail, ids)
}

// publicMaxAge bounds how long the public figures are kept while nothing
// changes (the report and contact deadlines move with the clock).
const publicMaxAge = 10 * time.Minute

// Public returns the agency's public dashboard figures: aggregates only.
// They are computed once per change of the records (or publicMaxAge), so
// an anonymous caller cannot make the server compute over and over.
func (s *cachedService) Public(ctx context.Context, agencyID int64) ([]PublicMeasure, error) {
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
	p.From = publicFrom(snap.encs, citdesk.DateOf(p.Now, p.Location))
	pub, gen := ComputePublicAll(snap.encs, snap.refs, snap.comps, p), snap.gen
	snap.mu.RUnlock()
	snap.mu.Lock()
	if gen == snap.gen {
		snap.public, snap.publicAt, snap.publicOf = pub, p.Now, gen
	}
	snap.mu.Unlock()
	return pub, nil
}

// Places counts the actor's agency's crisis calls over from–to by grid
// cell.
func (s *cachedService) Places(ctx context.Context, from, to citdesk.Date, cellMeters int) (Places, error) {
	actor, err := citdesk.Require(ctx, citdesk.ReadOutcomes)
	if err != nil {
		return Places{}, err
	}
	p, err := s.params(ctx, actor.AgencyID, from, to)
	if err != nil {
		return Places{}, err
	}
	start, end := rangeTimes(p)
	points, unlocated, err := s.loader.LoadCallPoints(ctx, actor.AgencyID, start, end)
	if err != nil {
		return Places{}, err
	}
	return CountPlaces(points, unlocated, cellMeters), nil
}

// PublicPlaces returns the agency's public map over the public dashboard's
// range (at most citdesk.MaxOutcomeYears years back), suppressed; kept for
// publicMaxAge, as the public figures are.
func (s *cachedService) PublicPlaces(ctx context.Context, agencyID int64) (PublicPlaces, error) {
	p, err := s.params(ctx, agencyID, citdesk.Date{}, citdesk.Date{})
	if err != nil {
		return PublicPlaces{}, err
	}
	s.placesMu.Lock()
	kept, ok := s.places[agencyID]
	s.placesMu.Unlock()
	if ok && p.Now.Sub(kept.at) < publicMaxAge {
		return kept.places, nil
	}
	p.From = citdesk.DateOf(p.Now, p.Location).AddDate(-citdesk.MaxOutcomeYears, 0, 0)
	start, _ := rangeTimes(p)
	points, unlocated, err := s.loader.LoadCallPoints(ctx, agencyID, start, time.Time{})
	if err != nil {
		return PublicPlaces{}, err
	}
	pub := PublishPlaces(CountPlaces(points, unlocated, PublicCellMeters))
	s.placesMu.Lock()
	s.places[agencyID] = publicPlaces{at: p.Now, places: pub}
	s.placesMu.Unlock()
	return pub, nil
}

// rangeTimes returns the instants p's dates span in the agency's zone: from
// the start of From to the start of the day after To, zero for an open end.
func rangeTimes(p Params) (start, end time.Time) {
	if !p.From.IsZero() {
		start = p.From.Time(p.Location)
	}
	if !p.To.IsZero() {
		end = p.To.AddDate(0, 0, 1).Time(p.Location)
	}
	return start, end
}
