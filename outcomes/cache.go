package outcomes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
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
	// Removed, from LoadChangedSince, says records were deleted since
	// the stamp (its Removals moved): nothing else is read, and the cache
	// drops its snapshot, file and all, and reads every record again.
	Removed bool
	Stamp   ChangeStamp
}

// ChangeStamp is where a read of the records stands in their history, in
// the Loader's terms: the rows of encounters, referrals and calls changed
// at or after Since, counted with the sum of their versions, so any insert
// or update moves one of the numbers. The cache keeps the latest stamp and
// hands it back to LoadChangedSince; it never looks inside.
//
// A deletion moves none of those counts, so the loader also counts, in
// Removals, the transactions that deleted records (an erasure, a
// retention purge): when it moves, LoadChangedSince says so (Removed).
type ChangeStamp struct {
	Since    time.Time
	Changed  [4]RowsChanged // encounters, referrals, calls, complaints
	Removals int64
}

// RowsChanged counts the rows of one table changed in a ChangeStamp's
// window and sums their versions.
type RowsChanged struct{ Rows, Versions int64 }

// RecordStreamer is a Loader that can also hand over a whole read one
// record at a time, so a snapshot of a million encounters is put in
// columns without first holding them all as Encounter values (about
// 232 MB). enc and ref are called for every counted encounter and every
// referral, as LoadAll would return them, inside one read; the stamp and
// the complaints (all of them) are that read's.
type RecordStreamer interface {
	StreamAll(ctx context.Context, agencyID int64, enc func(id int64, e *Encounter), ref func(id int64, r *Referral)) (ChangeStamp, []Complaint, error)
}

// Forgetter is what NewCachedServiceWith's Service also does: forget an
// agency's snapshot, in memory and in its file, when records were removed
// in a way no change stamp sees (an erasure, a retention purge), so the
// next request reads the rows again and nothing removed stays behind.
type Forgetter interface {
	Forget(agencyID int64)
}

// CacheOptions configure NewCachedServiceWith.
type CacheOptions struct {
	// MaxAge is how long after the records were last read whole the
	// snapshot is compared with the rows again, in the background,
	// correcting in place whatever the change stamp did not see (0:
	// never). The comparison holds the snapshot once, not twice.
	MaxAge time.Duration
	// Dir, when not "", is where each agency's snapshot is kept between
	// runs (snapfile.go): read at the agency's first request, caught up
	// from the rows changed since the marks it was written with, and
	// written again after a full read and at most every SaveEvery while
	// the records change.
	Dir string
	// SaveEvery is how far the file may lag behind the snapshot in
	// memory (default 5 minutes).
	SaveEvery time.Duration
	// Log receives a line when a file cannot be used or written
	// (default: slog.Default()). It never names a person.
	Log *slog.Logger
}

// NewCachedService returns a Service that computes the figures over a
// snapshot of each agency's records, read through l, with clock giving
// the time the figures are computed at. A full reload runs in the
// background when a snapshot is older than maxAge, to catch any change
// LoadChangedSince does not see. Each call has a cache of its own, so
// make one and share it. It keeps nothing on disk; see
// NewCachedServiceWith.
//
// Why a snapshot: computing every measure over a million encounters takes
// about 135 ms (BenchmarkCompute), but reading a million rows out of the
// database and scanning them takes several seconds, so loading on each
// request would miss the 300 ms target by far. The snapshot is loaded
// once, at the agency's first request, then kept current by asking the
// loader, before each use, what changed since the last read (cheap when
// nothing did) and putting only those records in place.
func NewCachedService(l Loader, clock citdesk.Clock, maxAge time.Duration) Service {
	return NewCachedServiceWith(l, clock, CacheOptions{MaxAge: maxAge})
}

// NewCachedServiceWith is NewCachedService with the snapshot kept in a
// file between runs when o.Dir is set. The Service it returns is also a
// Forgetter, and an io.Closer: Close cancels a comparison with the rows
// under way, lets a file being written finish, and starts no more
// background work, so nothing runs on a closed database or leaves a
// half-written file behind.
func NewCachedServiceWith(l Loader, clock citdesk.Clock, o CacheOptions) Service {
	if o.SaveEvery <= 0 {
		o.SaveEvery = 5 * time.Minute
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Dir != "" {
		removeSnapTemps(o.Dir, o.Log)
	}
	stop, cancel := context.WithCancel(context.Background())
	return &cachedService{loader: l, clock: clock, maxAge: o.MaxAge, opts: o, snaps: map[int64]*snapshot{}, places: map[int64]publicPlaces{},
		stop: stop, cancel: cancel}
}

// Close stops the background work and waits for it.
func (s *cachedService) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.bg.Wait()
	return nil
}

// background runs fn in a goroutine Close waits for, with a context Close
// cancels; after Close it runs nothing and reports false.
func (s *cachedService) background(fn func(ctx context.Context)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.bg.Go(func() { fn(s.stop) })
	return true
}

// cachedService is NewCachedService's Service.
type cachedService struct {
	loader Loader
	clock  citdesk.Clock
	maxAge time.Duration
	opts   CacheOptions

	mu     sync.Mutex
	snaps  map[int64]*snapshot
	closed bool // under mu: Close was called
	// stuck, under mu, names the agencies whose file could not be
	// removed when it had to go: it is behind, and is never read again
	// (the rows are).
	stuck map[int64]bool

	bg     sync.WaitGroup // the background comparisons and file writes
	stop   context.Context
	cancel context.CancelFunc

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

	cols *Columns
	// encAt and refAt find a record by id (encounter id → index in
	// cols; referral id → index), built at the first change after a
	// load (index): a request that changes nothing needs neither, and a
	// million ids take about 4 MB and a fraction of a second to index.
	encAt, refAt *idIndex

	stamp    ChangeStamp // read and written under refresh only
	readAt   time.Time   // when the records were last read whole from the rows
	loadedAt time.Time   // when this process last read them whole (rows or file)
	loaded   bool
	gen      uint64 // counts the loads that changed the records

	// colStamp is a stamp the columns are current as of, for the file:
	// it moves with the columns, and with stamp when nothing changed.
	stampMu  sync.Mutex
	colStamp ChangeStamp

	// The file: savedGen is the gen last written (or read), savedAt when.
	saveMu   sync.Mutex // one write at a time; Forget waits for it
	saving   atomic.Bool
	savedGen uint64
	savedAt  time.Time
	dropped  atomic.Bool // forgotten: never write this snapshot again

	// The public figures, kept until the records change or publicMaxAge
	// passes: anyone may ask for them, so asking again must cost nothing.
	public   []PublicMeasure
	publicAt time.Time
	publicOf uint64 // the gen they were computed from

	reloading atomic.Bool // a background comparison with the rows is running
	// touched, while a comparison runs, is what deltas put in place after
	// it began to read: newer than its read, so it leaves them be. Read
	// and written under refresh.
	touched *touched
}

// touched is what deltas changed while a comparison with the rows ran.
type touched struct {
	enc, ref   map[int64]bool
	complaints bool
	// delta: a delta ran, so the snapshot's stamp is the delta's, which
	// covers every change it read, and stays.
	delta bool
}

// The recording methods do nothing on a nil *touched: no comparison runs.
func (t *touched) deltaRan() {
	if t != nil {
		t.delta = true
	}
}

func (t *touched) encounter(id int64) {
	if t != nil {
		t.enc[id] = true
	}
}

func (t *touched) referral(id int64) {
	if t != nil {
		t.ref[id] = true
	}
}

func (t *touched) setComplaints() {
	if t != nil {
		t.complaints = true
	}
}

// Forget drops the agency's snapshot and removes its file: the next
// request reads the rows again. A write of the file under way finishes
// first, so none is left behind.
func (s *cachedService) Forget(agencyID int64) {
	s.mu.Lock()
	snap := s.snaps[agencyID]
	delete(s.snaps, agencyID)
	s.mu.Unlock()
	s.drop(agencyID, snap)
}

// forgetSnap is Forget of snap itself: the agency's snapshot is left
// alone if it is another one already.
func (s *cachedService) forgetSnap(snap *snapshot) {
	s.mu.Lock()
	if s.snaps[snap.agencyID] == snap {
		delete(s.snaps, snap.agencyID)
	}
	s.mu.Unlock()
	s.drop(snap.agencyID, snap)
}

// drop marks a forgotten snapshot (if any) so it is neither written nor
// served again, waits for a write of its file under way, and removes the
// agency's file.
func (s *cachedService) drop(agencyID int64, snap *snapshot) {
	if snap != nil {
		snap.dropped.Store(true)
		snap.saveMu.Lock()
		defer snap.saveMu.Unlock()
	}
	if s.opts.Dir != "" {
		if err := os.Remove(snapFileName(s.opts.Dir, agencyID)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.opts.Log.Error("outcomes snapshot file not removed; it is not read again", "agency", agencyID, "err", err)
			s.mu.Lock()
			if s.stuck == nil {
				s.stuck = map[int64]bool{}
			}
			s.stuck[agencyID] = true
			s.mu.Unlock()
		}
	}
}

// snapshotFor returns the agency's snapshot, current. A snapshot
// forgotten while the request waited for it is not served: the request
// takes the agency's new one. So is one whose records were deleted since
// its stamp, whichever process deleted them (Records.Removed).
// A snapshot is dropped at most once a deletion (its file goes, or is
// never read again: drop), so the loop ends.
func (s *cachedService) snapshotFor(ctx context.Context, agencyID int64) (*snapshot, error) {
	for {
		s.mu.Lock()
		snap, ok := s.snaps[agencyID]
		if !ok {
			snap = &snapshot{agencyID: agencyID}
			s.snaps[agencyID] = snap
		}
		s.mu.Unlock()
		current, err := s.refreshSnap(ctx, snap)
		if err != nil || current {
			return snap, err
		}
	}
}

// refreshSnap brings snap up to date, unless it was forgotten or must be
// (current false: ask for the agency's snapshot again).
func (s *cachedService) refreshSnap(ctx context.Context, snap *snapshot) (current bool, err error) {
	snap.refresh.Lock()
	defer snap.refresh.Unlock()
	if snap.dropped.Load() {
		return false, nil
	}
	if !snap.loaded {
		if s.loadFile(snap) {
			// Caught up from the rows changed since the file's marks.
			if current, err := s.deltaLoad(ctx, snap); err != nil || !current {
				return current, err
			}
		} else {
			cols, stamp, err := s.readAll(ctx, snap.agencyID)
			if err != nil {
				return false, err
			}
			s.install(snap, cols, stamp, s.clock.Now())
		}
		s.maybeSave(snap)
		return true, nil
	}
	if current, err := s.deltaLoad(ctx, snap); err != nil || !current {
		return current, err
	}
	if s.maxAge > 0 && s.clock.Now().Sub(snap.readAt) > s.maxAge && snap.reloading.CompareAndSwap(false, true) {
		// Served from the snapshot just brought up to date. The
		// comparison reads without holding the refresh lock (a million
		// rows take seconds, and requests must not wait for them), then
		// takes it to put what differs in place. What deltas put in
		// place meanwhile is newer than its read and stays; what changed
		// after the last delta is read by the next one. If it fails, the
		// snapshot stays as it was and a later request tries again.
		started := s.background(func(ctx context.Context) {
			defer snap.reloading.Store(false)
			s.reconcile(ctx, snap)
		})
		if !started {
			snap.reloading.Store(false)
		}
	}
	s.maybeSave(snap)
	return true, nil
}

// loadFile puts the agency's snapshot file in place, if there is one to
// use; the caller holds snap.refresh.
func (s *cachedService) loadFile(snap *snapshot) bool {
	s.mu.Lock()
	stuck := s.stuck[snap.agencyID]
	s.mu.Unlock()
	if s.opts.Dir == "" || stuck {
		return false
	}
	cols, h, err := readSnapFile(s.opts.Dir, snap.agencyID)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.opts.Log.Warn("outcomes snapshot file not used; reading the records again", "agency", snap.agencyID, "err", err)
		}
		return false
	}
	s.install(snap, cols, h.stamp, h.readAt)
	snap.savedGen, snap.savedAt = snap.gen, s.clock.Now()
	return true
}

// readAll reads every record of the agency into new columns: streamed
// when the loader can, else through LoadAll.
func (s *cachedService) readAll(ctx context.Context, agencyID int64) (*Columns, ChangeStamp, error) {
	cols := NewColumns()
	if st, ok := s.loader.(RecordStreamer); ok {
		stamp, comps, err := st.StreamAll(ctx, agencyID, cols.AppendEncounter, cols.AppendReferral)
		if err != nil {
			return nil, stamp, err
		}
		cols.SetComplaints(comps)
		return cols, stamp, nil
	}
	recs, err := s.loader.LoadAll(ctx, agencyID)
	if err != nil {
		return nil, ChangeStamp{}, err
	}
	cols = ColumnsOf(recs.Encounters, recs.EncounterIDs, recs.Referrals, recs.ReferralIDs)
	cols.SetComplaints(recs.Complaints)
	return cols, recs.Stamp, nil
}

// install puts whole columns in place, read from the rows at readAt; the
// caller holds snap.refresh.
func (s *cachedService) install(snap *snapshot, cols *Columns, stamp ChangeStamp, readAt time.Time) {
	snap.mu.Lock()
	defer snap.mu.Unlock()
	snap.cols, snap.encAt, snap.refAt = cols, nil, nil
	snap.stamp, snap.readAt, snap.loadedAt, snap.loaded = stamp, readAt, s.clock.Now(), true
	snap.setColStamp(stamp)
	snap.gen++
}

func (snap *snapshot) setColStamp(st ChangeStamp) {
	snap.stampMu.Lock()
	snap.colStamp = st
	snap.stampMu.Unlock()
}

// index builds encAt and refAt if they are not built; the caller holds
// snap.mu.
func (snap *snapshot) index() {
	if snap.encAt != nil {
		return
	}
	c := snap.cols
	snap.encAt = newIDIndex(func() []int64 { return c.enc.id })
	snap.refAt = newIDIndex(func() []int64 { return c.ref.id })
}

// putEncounter sets or adds encounter id; the caller holds snap.mu.
func (snap *snapshot) putEncounter(id int64, e *Encounter) {
	snap.index()
	if at, ok := snap.encAt.get(id); ok {
		snap.cols.SetEncounter(int(at), e)
		return
	}
	snap.cols.AppendEncounter(id, e)
	snap.encAt.add(id, int32(snap.cols.Encounters()-1))
}

// dropEncounter removes encounter id, if held; the caller holds snap.mu.
func (snap *snapshot) dropEncounter(id int64) {
	snap.index()
	at, ok := snap.encAt.get(id)
	if !ok {
		return
	}
	snap.encAt.remove(id)
	if last := snap.cols.Encounters() - 1; int(at) != last {
		snap.encAt.move(snap.cols.EncounterID(last), at)
	}
	snap.cols.RemoveEncounter(int(at))
}

// putReferral sets or adds referral id; the caller holds snap.mu.
func (snap *snapshot) putReferral(id int64, r *Referral) {
	snap.index()
	if at, ok := snap.refAt.get(id); ok {
		snap.cols.SetReferral(int(at), r)
		return
	}
	snap.cols.AppendReferral(id, r)
	snap.refAt.add(id, int32(snap.cols.Referrals()-1))
}

// dropReferral removes referral id, if held; the caller holds snap.mu.
func (snap *snapshot) dropReferral(id int64) {
	snap.index()
	at, ok := snap.refAt.get(id)
	if !ok {
		return
	}
	snap.refAt.remove(id)
	if last := snap.cols.Referrals() - 1; int(at) != last {
		snap.refAt.move(snap.cols.ReferralID(last), at)
	}
	snap.cols.RemoveReferral(int(at))
}

// deltaLoad puts in place what changed since the snapshot's stamp, if
// anything did; the caller holds snap.refresh. When records were deleted
// since (Records.Removed), it forgets snap instead and says it is not
// current: the caller reads them all again into a new snapshot.
func (s *cachedService) deltaLoad(ctx context.Context, snap *snapshot) (current bool, err error) {
	recs, changed, err := s.loader.LoadChangedSince(ctx, snap.agencyID, snap.stamp)
	if err != nil {
		return false, err
	}
	if recs.Removed {
		s.forgetSnap(snap)
		return false, nil
	}
	if !changed {
		// Only the stamp may have moved: no computation reads it, so
		// there is no need to wait for them.
		snap.touched.deltaRan()
		snap.stamp = recs.Stamp
		snap.setColStamp(recs.Stamp)
		return true, nil
	}
	snap.mu.Lock()
	defer snap.mu.Unlock()
	t := snap.touched
	t.deltaRan()
	for i, id := range recs.EncounterIDs {
		snap.putEncounter(id, &recs.Encounters[i])
		t.encounter(id)
	}
	for _, id := range recs.UncountedEncounterIDs {
		snap.dropEncounter(id)
		t.encounter(id)
	}
	for i, id := range recs.ReferralIDs {
		snap.putReferral(id, &recs.Referrals[i])
		t.referral(id)
	}
	if recs.ComplaintsRead {
		snap.cols.SetComplaints(recs.Complaints)
		t.setComplaints()
	}
	snap.stamp = recs.Stamp
	snap.setColStamp(recs.Stamp)
	snap.gen++
	return true, nil
}

// reconcile compares the snapshot with a whole read of the rows and puts
// in place what differs: records changed in a way the change stamp did
// not count, records added, and records removed (ids the read did not
// return). It holds one record at a time beside the snapshot, not a
// second snapshot, plus the ids read (8 bytes a record) and the records
// that differ.
func (s *cachedService) reconcile(ctx context.Context, snap *snapshot) {
	type pendingEnc struct {
		id int64
		e  Encounter
	}
	type pendingRef struct {
		id int64
		r  Referral
		s  Survey
	}
	var (
		seenEnc, seenRef []int64
		encs             []pendingEnc
		refs             []pendingRef
		norm, cur        Encounter
		nr, cr           Referral
		ns, cs           Survey
	)
	// Each record read goes through a one-row Columns first, so it is
	// compared as the columns would hold it (times in whole seconds).
	one := NewColumns()
	one.AppendEncounter(0, &Encounter{})
	one.AppendReferral(0, &Referral{})
	onEnc := func(id int64, e *Encounter) {
		seenEnc = append(seenEnc, id)
		one.enc.id[0] = id
		one.SetEncounter(0, e)
		one.Encounter(0, &norm)
		snap.mu.RLock()
		at, ok := snap.encAt.get(id)
		if ok {
			snap.cols.Encounter(int(at), &cur)
		}
		snap.mu.RUnlock()
		if !ok || cur != norm {
			encs = append(encs, pendingEnc{id, norm})
		}
	}
	onRef := func(id int64, r *Referral) {
		seenRef = append(seenRef, id)
		one.SetReferral(0, r)
		one.Referral(0, &nr, &ns)
		snap.mu.RLock()
		at, ok := snap.refAt.get(id)
		if ok {
			snap.cols.Referral(int(at), &cr, &cs)
		}
		snap.mu.RUnlock()
		if !ok || !sameReferral(nr, cr) {
			p := pendingRef{id: id, r: nr}
			if nr.Survey != nil {
				p.s = *nr.Survey
			}
			refs = append(refs, p)
		}
	}
	// From here on deltas note what they put in place: the read below may
	// be older than they are.
	snap.refresh.Lock()
	snap.touched = &touched{enc: map[int64]bool{}, ref: map[int64]bool{}}
	snap.refresh.Unlock()
	installed := false
	defer func() {
		if !installed { // the read failed: deltas stop noting
			snap.refresh.Lock()
			snap.touched = nil
			snap.refresh.Unlock()
		}
	}()
	snap.mu.Lock()
	snap.index()
	// Room for every id read, so the lists are not copied as they grow.
	seenEnc = make([]int64, 0, snap.cols.Encounters()+1024)
	seenRef = make([]int64, 0, snap.cols.Referrals()+1024)
	snap.mu.Unlock()
	var stamp ChangeStamp
	var comps []Complaint
	readAt := s.clock.Now()
	if st, ok := s.loader.(RecordStreamer); ok {
		var err error
		if stamp, comps, err = st.StreamAll(ctx, snap.agencyID, onEnc, onRef); err != nil {
			return
		}
	} else {
		recs, err := s.loader.LoadAll(ctx, snap.agencyID)
		if err != nil {
			return
		}
		for i := range recs.Encounters {
			onEnc(recs.EncounterIDs[i], &recs.Encounters[i])
		}
		for i := range recs.Referrals {
			onRef(recs.ReferralIDs[i], &recs.Referrals[i])
		}
		stamp, comps = recs.Stamp, recs.Complaints
	}
	slices.Sort(seenEnc)
	slices.Sort(seenRef)

	snap.refresh.Lock()
	defer snap.refresh.Unlock()
	snap.mu.Lock()
	defer snap.mu.Unlock()
	// What a delta put in place since the read began is newer than the
	// read: left as it is, whether the read had it otherwise or not at all.
	t := snap.touched
	snap.touched, installed = nil, true
	changed := false
	for i := range encs {
		if !t.enc[encs[i].id] {
			snap.putEncounter(encs[i].id, &encs[i].e)
			changed = true
		}
	}
	for i := range refs {
		if t.ref[refs[i].id] {
			continue
		}
		r := refs[i].r
		if r.Survey != nil {
			r.Survey = &refs[i].s
		}
		snap.putReferral(refs[i].id, &r)
		changed = true
	}
	for i := 0; i < snap.cols.Encounters(); {
		if id := snap.cols.EncounterID(i); !inSorted(seenEnc, id) && !t.enc[id] {
			snap.dropEncounter(id)
			changed = true
			continue // another record now sits at i
		}
		i++
	}
	for i := 0; i < snap.cols.Referrals(); {
		if id := snap.cols.ReferralID(i); !inSorted(seenRef, id) && !t.ref[id] {
			snap.dropReferral(id)
			changed = true
			continue
		}
		i++
	}
	if !t.complaints {
		if !slices.EqualFunc(comps, snap.cols.complaints, sameComplaint) {
			changed = true
		}
		snap.cols.SetComplaints(comps)
	}
	// The stamp goes back to the read's only when no delta moved it on
	// meanwhile: a delta's stamp covers every change it read, and the
	// read's would have the next delta read them all again.
	if !t.delta {
		snap.stamp = stamp
		snap.setColStamp(stamp)
	}
	snap.readAt, snap.loadedAt = readAt, s.clock.Now()
	if changed {
		snap.gen++
	}
}

// inSorted reports whether id is in the sorted ids.
func inSorted(ids []int64, id int64) bool {
	_, ok := slices.BinarySearch(ids, id)
	return ok
}

// sameComplaint reports whether a and b are the same complaint (times
// compared as instants).
func sameComplaint(a, b Complaint) bool {
	ta, tb := [2]time.Time{a.Received, a.Occurred}, [2]time.Time{b.Received, b.Occurred}
	a.Received, a.Occurred, b.Received, b.Occurred = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b && ta[0].Equal(tb[0]) && ta[1].Equal(tb[1])
}

// sameReferral reports whether a and b are the same referral.
func sameReferral(a, b Referral) bool {
	sa, sb := a.Survey, b.Survey
	a.Survey, b.Survey = nil, nil
	if a != b || (sa == nil) != (sb == nil) {
		return false
	}
	return sa == nil || *sa == *sb
}

// maybeSave writes the snapshot's file in the background when it lags:
// at once after a read from the rows, else once SaveEvery has passed
// since the last write. The caller holds snap.refresh.
func (s *cachedService) maybeSave(snap *snapshot) {
	if s.opts.Dir == "" || snap.dropped.Load() {
		return
	}
	snap.mu.RLock()
	gen := snap.gen
	snap.mu.RUnlock()
	if gen == snap.savedGen {
		return
	}
	if !snap.savedAt.IsZero() && s.clock.Now().Sub(snap.savedAt) < s.opts.SaveEvery {
		return
	}
	if !snap.saving.CompareAndSwap(false, true) {
		return
	}
	started := s.background(func(context.Context) {
		defer snap.saving.Store(false)
		if err := s.save(snap); err != nil {
			s.opts.Log.Error("outcomes snapshot file not written", "agency", snap.agencyID, "err", err)
			return
		}
		removeSnapTemps(s.opts.Dir, s.opts.Log)
	})
	if !started {
		snap.saving.Store(false)
		return
	}
	snap.savedGen, snap.savedAt = gen, s.clock.Now()
}

// save writes the snapshot's file, unless it was forgotten meanwhile.
// It reads the columns under the read lock, so computations go on; a
// change waits for the write.
func (s *cachedService) save(snap *snapshot) error {
	snap.saveMu.Lock()
	defer snap.saveMu.Unlock()
	if snap.dropped.Load() {
		return nil
	}
	snap.mu.RLock()
	defer snap.mu.RUnlock()
	snap.stampMu.Lock()
	h := snapFileHeader{agencyID: snap.agencyID, readAt: snap.readAt, stamp: snap.colStamp}
	snap.stampMu.Unlock()
	return writeSnapFile(s.opts.Dir, snap.cols, h)
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
	return publicFromColumns(ColumnsOf(encs, make([]int64, len(encs)), nil, nil), today)
}

// publicFromColumns is publicFrom over columns.
func publicFromColumns(c *Columns, today citdesk.Date) citdesk.Date {
	first := today.AddDate(-citdesk.MaxOutcomeYears, 0, 0)
	limit := first.Time(time.UTC).Unix()
	for i := range c.Encounters() {
		if u := c.enc.occurred.unix(i); u != noTime && u < limit {
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
	return ComputeColumns(snap.cols, p), nil
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
	d := &Dashboard{Report: ComputeColumns(snap.cols, p), Split: SplitColumnsByMonth(snap.cols, p)}
	if pf, pt := PreviousPeriod(from, to); !pf.IsZero() {
		pp := p
		pp.From, pp.To = pf, pt
		prev := ComputeColumns(snap.cols, pp)
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
	rows, ok := BehindColumns(snap.cols, p, measure, group, month)
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
	p.From = publicFromColumns(snap.cols, citdesk.DateOf(p.Now, p.Location))
	pub, gen := ComputePublicColumns(snap.cols, p), snap.gen
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
