package outcomes_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"citdesk"
	"citdesk/outcomes"
)

// fakeLoader is an outcomes.Loader over records in memory. Its change
// stamp counts the changes made with put; set changes a record without
// moving the stamp, as a change the store's stamp misses would.
type fakeLoader struct {
	mu      sync.Mutex
	encs    map[int64]map[int64]outcomes.Encounter // agency → id → encounter
	refs    map[int64]map[int64]outcomes.Referral
	version map[int64]int64           // agency → changes so far
	changed map[int64]map[int64]int64 // agency → encounter id → the change that touched it
	calls   map[string]int            // method → calls
	drills  []string                  // RecordDrilldown's details
	failAll error                     // LoadAll's error, when set
	reload  chan struct{}             // when set, LoadAll after the first waits on it (or its context)
	points  []outcomes.Point          // LoadCallPoints' answer, for any agency
	asked   [][2]time.Time            // LoadCallPoints' ranges
}

func newFakeLoader() *fakeLoader {
	return &fakeLoader{encs: map[int64]map[int64]outcomes.Encounter{}, refs: map[int64]map[int64]outcomes.Referral{},
		version: map[int64]int64{}, changed: map[int64]map[int64]int64{}, calls: map[string]int{}}
}

// set puts e in agency's records without a trace in the change stamp.
func (l *fakeLoader) set(agency int64, e outcomes.Encounter) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.encs[agency] == nil {
		l.encs[agency] = map[int64]outcomes.Encounter{}
	}
	l.encs[agency][e.ID] = e
}

// put puts e in agency's records as a change the stamp counts.
func (l *fakeLoader) put(agency int64, e outcomes.Encounter) {
	l.set(agency, e)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.version[agency]++
	if l.changed[agency] == nil {
		l.changed[agency] = map[int64]int64{}
	}
	l.changed[agency][e.ID] = l.version[agency]
}

func (l *fakeLoader) count(method string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls[method]
}

func (l *fakeLoader) stamp(agency int64) outcomes.ChangeStamp {
	var st outcomes.ChangeStamp
	st.Changed[0].Versions = l.version[agency]
	return st
}

func (l *fakeLoader) LoadAll(ctx context.Context, agency int64) (*outcomes.Records, error) {
	l.mu.Lock()
	l.calls["LoadAll"]++
	n, wait := l.calls["LoadAll"], l.reload
	l.mu.Unlock()
	if wait != nil && n > 1 {
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failAll != nil {
		return nil, l.failAll
	}
	recs := &outcomes.Records{Stamp: l.stamp(agency)}
	ids := make([]int64, 0, len(l.encs[agency]))
	for id := range l.encs[agency] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		recs.Encounters, recs.EncounterIDs = append(recs.Encounters, l.encs[agency][id]), append(recs.EncounterIDs, id)
	}
	for id, r := range l.refs[agency] {
		recs.Referrals, recs.ReferralIDs = append(recs.Referrals, r), append(recs.ReferralIDs, id)
	}
	return recs, nil
}

func (l *fakeLoader) LoadChangedSince(ctx context.Context, agency int64, stamp outcomes.ChangeStamp) (*outcomes.Records, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls["LoadChangedSince"]++
	recs := &outcomes.Records{Stamp: l.stamp(agency)}
	if recs.Stamp == stamp {
		return recs, false, nil
	}
	for id, v := range l.changed[agency] {
		if v > stamp.Changed[0].Versions {
			recs.Encounters, recs.EncounterIDs = append(recs.Encounters, l.encs[agency][id]), append(recs.EncounterIDs, id)
		}
	}
	return recs, true, nil
}

func (l *fakeLoader) AgencyLocation(ctx context.Context, agency int64) (*time.Location, error) {
	if agency == 404 {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "No such agency.")
	}
	return time.UTC, nil
}

func (l *fakeLoader) RecordDrilldown(ctx context.Context, actor *citdesk.Actor, detail string, encounterIDs []int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drills = append(l.drills, detail)
	return nil
}

func (l *fakeLoader) LoadCallPoints(ctx context.Context, agency int64, from, to time.Time) ([]outcomes.Point, int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls["LoadCallPoints"]++
	l.asked = append(l.asked, [2]time.Time{from, to})
	return slices.Clone(l.points), 1, nil
}

var cacheNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// cacheEnc is an approved-looking encounter a day before cacheNow.
func cacheEnc(id int64, force outcomes.ForceLevel) outcomes.Encounter {
	return outcomes.Encounter{ID: id, Occurred: cacheNow.Add(-24 * time.Hour), Force: force, HandoverMinutes: -1}
}

// as is a signed-in user of agency with roles (UserID 0 would be an
// operator at the command line, who may do anything).
func as(agency int64, roles ...citdesk.Role) context.Context {
	return citdesk.NewContextWithActor(context.Background(), &citdesk.Actor{UserID: 1, AgencyID: agency, Username: "u", Roles: roles})
}

// figure returns a measure's count and denominator.
func figure(t *testing.T, svc outcomes.Service, ctx context.Context, id string) (int, int) {
	t.Helper()
	rep, err := svc.Report(ctx, citdesk.Date{}, citdesk.Date{})
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Measures[id]
	return m.Count, m.Denominator
}

// TestCachedServiceFollowsChanges checks that the cache loads an agency
// once, then puts in place only what the loader says changed, by id.
func TestCachedServiceFollowsChanges(t *testing.T) {
	l := newFakeLoader()
	clock := citdesk.NewFakeClock(cacheNow)
	svc := outcomes.NewCachedService(l, clock, 10*time.Minute)
	analyst := as(1, citdesk.RoleAnalyst)
	l.put(1, cacheEnc(1, outcomes.ForceNone))
	l.put(1, cacheEnc(2, outcomes.ForceNone))
	l.put(2, cacheEnc(9, outcomes.ForceLethal))

	if c, d := figure(t, svc, analyst, "use_of_force"); c != 0 || d != 2 {
		t.Errorf("use_of_force = %d of %d, want 0 of 2", c, d)
	}
	if c, _ := figure(t, svc, analyst, "encounters"); c != 2 {
		t.Errorf("encounters = %d, want 2", c)
	}
	if n := l.count("LoadAll"); n != 1 {
		t.Errorf("LoadAll called %d times, want once", n)
	}

	// One encounter changes, one is new: both are seen, nothing is
	// loaded twice over.
	l.put(1, cacheEnc(2, outcomes.ForcePhysical))
	l.put(1, cacheEnc(3, outcomes.ForceLethal))
	if c, d := figure(t, svc, analyst, "use_of_force"); c != 2 || d != 3 {
		t.Errorf("after changes use_of_force = %d of %d, want 2 of 3", c, d)
	}
	if n := l.count("LoadAll"); n != 1 {
		t.Errorf("LoadAll called %d times, want once", n)
	}
	if n := l.count("LoadChangedSince"); n != 2 {
		t.Errorf("LoadChangedSince called %d times, want 2", n)
	}

	// Agency 2 has a snapshot of its own.
	if c, d := figure(t, svc, as(2, citdesk.RoleAdmin), "use_of_force"); c != 1 || d != 1 {
		t.Errorf("agency 2 use_of_force = %d of %d, want 1 of 1", c, d)
	}

	if _, err := svc.Report(as(1, citdesk.RoleOfficer), citdesk.Date{}, citdesk.Date{}); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
		t.Errorf("officer's report: %v", err)
	}
	if _, err := svc.Public(context.Background(), 404); citdesk.ErrorCode(err) != citdesk.ENOTFOUND {
		t.Errorf("public figures of no agency: %v", err)
	}
}

// TestCachedServiceReloads checks the background full reload past maxAge:
// requests are answered from the snapshot while it runs, and a change the
// stamp missed is in place after it.
func TestCachedServiceReloads(t *testing.T) {
	l := newFakeLoader()
	l.reload = make(chan struct{})
	clock := citdesk.NewFakeClock(cacheNow)
	svc := outcomes.NewCachedService(l, clock, 10*time.Minute)
	analyst := as(1, citdesk.RoleAnalyst)
	l.put(1, cacheEnc(1, outcomes.ForceNone))
	if c, d := figure(t, svc, analyst, "use_of_force"); c != 0 || d != 1 {
		t.Fatalf("use_of_force = %d of %d, want 0 of 1", c, d)
	}
	l.set(1, cacheEnc(1, outcomes.ForceLethal)) // unseen by the stamp
	clock.Advance(9 * time.Minute)
	if c, _ := figure(t, svc, analyst, "use_of_force"); c != 0 || l.count("LoadAll") != 1 {
		t.Fatalf("before maxAge: use_of_force %d, %d full loads", c, l.count("LoadAll"))
	}
	clock.Advance(2 * time.Minute)
	for range 3 { // the reload waits on l.reload: these are served meanwhile
		if c, _ := figure(t, svc, analyst, "use_of_force"); c != 0 {
			t.Errorf("during the reload use_of_force = %d, want the snapshot's 0", c)
		}
	}
	// The reload runs in the background: wait for it to start, then check
	// that only one started.
	for start := time.Now(); l.count("LoadAll") < 2 && time.Since(start) < 5*time.Second; {
		time.Sleep(time.Millisecond)
	}
	if n := l.count("LoadAll"); n != 2 {
		t.Errorf("%d full loads during the reload, want 2 (one running)", n)
	}
	close(l.reload)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if c, _ := figure(t, svc, analyst, "use_of_force"); c == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reload's records never came into use")
		}
		time.Sleep(time.Millisecond)
	}
	if n := l.count("LoadAll"); n != 2 {
		t.Errorf("%d full loads, want 2 (the reload reset the snapshot's age)", n)
	}
}

// TestCachedServiceLoadError checks that a failed first load is an error,
// not an empty agency, and is tried again.
func TestCachedServiceLoadError(t *testing.T) {
	l := newFakeLoader()
	l.put(1, cacheEnc(1, outcomes.ForceNone))
	l.failAll = errors.New("database gone")
	svc := outcomes.NewCachedService(l, citdesk.NewFakeClock(cacheNow), 10*time.Minute)
	analyst := as(1, citdesk.RoleAnalyst)
	if _, err := svc.Report(analyst, citdesk.Date{}, citdesk.Date{}); err == nil {
		t.Fatal("no error from a failed load")
	}
	l.mu.Lock()
	l.failAll = nil
	l.mu.Unlock()
	if c, _ := figure(t, svc, analyst, "encounters"); c != 1 {
		t.Errorf("encounters = %d after the retry, want 1", c)
	}
}

// TestCachedServicePublic checks that the public figures are computed once
// per change of the records or publicMaxAge, not per request.
func TestCachedServicePublic(t *testing.T) {
	l := newFakeLoader()
	clock := citdesk.NewFakeClock(cacheNow)
	svc := outcomes.NewCachedService(l, clock, time.Hour)
	l.put(1, cacheEnc(1, outcomes.ForceNone))
	first, err := svc.Public(context.Background(), 1)
	if err != nil || len(first) == 0 {
		t.Fatalf("public: %d measures, %v", len(first), err)
	}
	same := func(a, b []outcomes.PublicMeasure) bool { return &a[0] == &b[0] }
	again, _ := svc.Public(context.Background(), 1)
	if !same(first, again) {
		t.Error("public figures computed again with nothing changed")
	}
	l.put(1, cacheEnc(2, outcomes.ForceNone))
	changed, _ := svc.Public(context.Background(), 1)
	if same(first, changed) {
		t.Error("public figures not computed again after a change")
	}
	clock.Advance(11 * time.Minute)
	aged, _ := svc.Public(context.Background(), 1)
	if same(changed, aged) {
		t.Error("public figures kept past their age")
	}
}

// TestCachedServiceBehind checks the drill-down's roles, its audit record
// and an unknown measure.
func TestCachedServiceBehind(t *testing.T) {
	l := newFakeLoader()
	svc := outcomes.NewCachedService(l, citdesk.NewFakeClock(cacheNow), 10*time.Minute)
	l.put(1, cacheEnc(1, outcomes.ForcePhysical))
	l.put(1, cacheEnc(2, outcomes.ForceNone))
	if _, err := svc.Behind(as(1, citdesk.RoleAnalyst), citdesk.Date{}, citdesk.Date{}, "use_of_force", "", ""); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
		t.Errorf("analyst drill-down: %v", err)
	}
	rows, err := svc.Behind(as(1, citdesk.RoleCoordinator), citdesk.Date{}, citdesk.Date{}, "use_of_force", outcomes.GroupAll, "")
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows %+v, %v", rows, err)
	}
	if _, err := svc.Behind(as(1, citdesk.RoleCoordinator), citdesk.Date{}, citdesk.Date{}, "referrals", "", ""); citdesk.ErrorCode(err) != citdesk.EINVALID {
		t.Errorf("drill-down of referrals: %v", err)
	}
	want := []string{"use_of_force group= month= from= to=: 2 encounters"}
	if !slices.Equal(l.drills, want) {
		t.Errorf("audited %q, want %q", l.drills, want)
	}
}
