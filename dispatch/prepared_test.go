package dispatch

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"citdesk"
)

// randomScene returns n units with unique ids and a call for them, drawn
// to make every case of the ranking common: ties (units sharing a spot,
// so ETAs are equal to the bit), prior contact, every duty and CIT status,
// emergencies, units on the target call, stale positions, positions
// exactly at the stale limit, no position, and scenes spread from a
// street to the whole globe (the poles, the antimeridian).
func randomScene(rng *rand.Rand, n int) (Target, []Unit) {
	now := testNow()
	clat, clon := 38.1395, -90.5551
	spread := []float64{0.002, 0.05, 0.4, 3, 60, 180}[rng.IntN(6)]
	switch rng.IntN(6) {
	case 0:
		clon = 179.99 // the antimeridian
	case 1:
		clat = 89.9 // near the pole
	case 2:
		clat, clon = rng.Float64()*180-90, rng.Float64()*360-180
	}
	clamp := func(v, lo, hi float64) float64 { return max(lo, min(hi, v)) }
	wrap := func(lon float64) float64 {
		for lon > 180 {
			lon -= 360
		}
		for lon < -180 {
			lon += 360
		}
		return lon
	}
	spots := make([][2]float64, 1+rng.IntN(20)) // shared positions make exact ties
	for i := range spots {
		spots[i] = [2]float64{clamp(clat+(rng.Float64()-0.5)*spread, -90, 90), wrap(clon + (rng.Float64()-0.5)*spread)}
	}
	calls := []int64{100, 101, 102, 0}
	statuses := []citdesk.DutyStatus{citdesk.StatusAvailable, citdesk.StatusAvailable, citdesk.StatusBusy, citdesk.StatusDispatched,
		citdesk.StatusEnRoute, citdesk.StatusOnScene, citdesk.StatusOffDuty}
	cits := []citdesk.CITStatus{citdesk.CITCertified, citdesk.CITCertified, citdesk.CITExpiring, citdesk.CITLapsed, citdesk.CITNotTrained, citdesk.CITNotTrained}
	stale := citdesk.DefaultPolicy().StalePosition
	// Mostly-one-kind scenes leave some lists short, which the walk must
	// then prove by visiting every unit that could fill them.
	bias := rng.IntN(4)
	units := make([]Unit, n)
	var prior []int64
	for i := range units {
		u := Unit{
			OfficerID:        int64(i*13 + 7),
			Name:             fmt.Sprintf("Ofc. %d", i),
			Status:           statuses[rng.IntN(len(statuses))],
			CITStatus:        cits[rng.IntN(len(cits))],
			AssignmentsToday: rng.IntN(3),
			PositionAt:       now.Add(-time.Duration(rng.IntN(240)) * time.Second),
		}
		switch bias {
		case 1:
			u.CITStatus = citdesk.CITNotTrained
		case 2:
			u.Status = citdesk.StatusAvailable
		}
		if rng.IntN(3) == 0 {
			s := spots[rng.IntN(len(spots))]
			u.Lat, u.Lon = s[0], s[1]
		} else {
			u.Lat, u.Lon = clamp(clat+(rng.Float64()-0.5)*spread, -90, 90), wrap(clon+(rng.Float64()-0.5)*spread)
		}
		if u.Status != citdesk.StatusAvailable && u.Status != citdesk.StatusOffDuty && rng.IntN(3) > 0 {
			u.CallID, u.CallNature, u.CallEmergency = calls[rng.IntN(len(calls))], "welfare check", rng.IntN(3) == 0
		}
		if u.Status == citdesk.StatusAvailable && rng.IntN(20) == 0 {
			u.CallID = calls[rng.IntN(len(calls))] // an assignment not yet moved on
		}
		switch rng.IntN(20) {
		case 0, 1:
			u.PositionAt = now.Add(-time.Duration(6+rng.IntN(60)) * time.Minute)
		case 2:
			u.PositionAt = time.Time{}
		case 3:
			u.PositionAt = now.Add(-stale) // exactly at the limit: still fresh
		case 4:
			u.PositionAt = now.Add(-stale - time.Nanosecond)
		}
		switch rng.IntN(12) {
		case 0:
			prior = append(prior, u.OfficerID)
		case 1:
			u.PriorContact = true
		}
		units[i] = u
	}
	rng.Shuffle(len(units), func(i, j int) { units[i], units[j] = units[j], units[i] })
	lat, lon := clat, clon
	t := Target{CallID: calls[rng.IntN(len(calls))], Lat: &lat, Lon: &lon, PriorContact: prior}
	if rng.IntN(15) == 0 {
		t.Lat, t.Lon = nil, nil
	}
	return t, units
}

// TestPreparedMatchesRecommend checks that Prepared.Recommend, which walks
// a k-d tree of the nearest units, returns exactly what Recommend's scan of
// every unit returns (every list, order, ETA and reason), on thousands of
// random scenes, with ties, the fallback, short lists, every limit and tie
// window, calls without a location, a road map and other estimators (which
// take the scan), and one recommendation after another from one Prepared
// with time passing, as the store makes them.
func TestPreparedMatchesRecommend(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 20))
	rounds := 1000
	if testing.Short() {
		rounds = 300
	}
	walked := 0
	for round := range rounds {
		n := []int{0, 1, 5, 40, 300, 2500}[rng.IntN(6)]
		tg, units := randomScene(rng, n)
		opt := Options{
			Limit:         []int{0, 1, 3, 10, 50}[rng.IntN(5)],
			FallbackLimit: []int{0, 1, 3, 10}[rng.IntN(4)],
			TieWindow:     []time.Duration{0, -1, 30 * time.Second, 5 * time.Minute}[rng.IntN(4)],
			Liaison:       &Liaison{Name: "Dana Reyes", Phone: "636-555-0100"},
		}
		policy := citdesk.DefaultPolicy()
		switch rng.IntN(12) {
		case 0:
			opt.Roads = &latRoads{}
		case 4, 5:
			opt.Roads = noRoads{} // a map process with no map for the agency: the walk
		case 1:
			opt.ETA = lonETA{}
		case 2:
			policy.SpeedKMH = 0.001 // ETAs of days: the limits of the bound
		case 3:
			policy.RoadFactor, policy.Units = 1, citdesk.UnitsMetric
		}
		p := Prepare(units)
		for step := range 3 {
			now := testNow().Add(time.Duration(step) * time.Duration(rng.IntN(90)) * time.Second)
			want := Recommend(tg, units, now, policy, opt)
			got := p.Recommend(tg, now, policy, opt)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d step %d (n %d, call %d, located %v, options %+v): prepared\n%+v\nscan\n%+v",
					round, step, n, tg.CallID, tg.Lat != nil, opt, got, want)
			}
			if _, roads := opt.Roads.(*latRoads); !roads && opt.ETA == nil && tg.Lat != nil {
				walked++
			}
			if step == 1 && tg.CallID != 0 { // another call from the same units
				tg.CallID = []int64{100, 101, 102}[rng.IntN(3)]
			}
			if step == 1 && len(units) > 0 { // some units move (an AVL feed)
				units = slices.Clone(units)
				moves := map[int64]Position{}
				for range 1 + rng.IntN(min(len(units), 20)) {
					u := &units[rng.IntN(len(units))]
					mv := Position{Lat: 38.1 + rng.Float64()*0.2, Lon: -90.7 + rng.Float64()*0.2, At: testNow().Add(-time.Duration(rng.IntN(1200)) * time.Second)}
					if rng.IntN(10) == 0 {
						mv.Lat = 91 // where the tree cannot hold it
					}
					u.Lat, u.Lon, u.PositionAt = mv.Lat, mv.Lon, mv.At
					moves[u.OfficerID] = mv
				}
				p = p.Moved(moves)
			}
		}
	}
	if walked < rounds {
		t.Fatalf("only %d recommendations took the walk", walked)
	}
}

// TestPreparedFallsBackToScan checks the units the tree cannot hold: the
// prepared recommender then scans, and still agrees.
func TestPreparedFallsBackToScan(t *testing.T) {
	units := benchUnits(500)
	units[7].Lat = math.NaN()
	units[9].Lon = 200
	units[11].PositionAt = time.Now() // a monotonic reading
	for _, bad := range []int{7, 9, 11} {
		us := append([]Unit(nil), units[:bad+1]...)
		us = append(us, benchUnits(400)[bad+1:]...)
		for i := range us {
			us[i].OfficerID = int64(i + 1)
		}
		p := Prepare(us)
		if !p.scanOnly {
			t.Fatalf("unit %d: prepared for the walk", bad)
		}
		tg := target()
		want := Recommend(tg, us, testNow(), citdesk.DefaultPolicy(), Options{})
		if got := p.Recommend(tg, testNow(), citdesk.DefaultPolicy(), Options{}); !reflect.DeepEqual(got, want) {
			t.Fatalf("unit %d: prepared\n%+v\nscan\n%+v", bad, got, want)
		}
	}
}

// TestPreparedClockNow checks a recommendation made at time.Now(), whose
// monotonic reading the units' times lack: the walk still applies and
// agrees with the scan.
func TestPreparedClockNow(t *testing.T) {
	units := benchUnits(3000)
	shift := time.Now().Round(0).Sub(testNow())
	for i := range units {
		if !units[i].PositionAt.IsZero() {
			units[i].PositionAt = units[i].PositionAt.Add(shift)
		}
	}
	p := Prepare(units)
	tg := target()
	now := time.Now()
	if w := p.start(tg, now, resolve(citdesk.DefaultPolicy(), Options{})); w == nil {
		t.Fatal("no walk at time.Now()")
	}
	want := Recommend(tg, units, now, citdesk.DefaultPolicy(), Options{})
	if got := p.Recommend(tg, now, citdesk.DefaultPolicy(), Options{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("prepared\n%+v\nscan\n%+v", got, want)
	}
	if len(want.Officers) == 0 || len(want.Fallback.UnavailableCIT) == 0 {
		t.Fatalf("too few officers to compare: %+v", want)
	}
}

// TestPreparedVisitsFew checks that the walk is what makes it fast: at
// county scale a recommendation computes the ETA of a few hundred units,
// not of every one.
func TestPreparedVisitsFew(t *testing.T) {
	units := benchUnits(10_000)
	p := Prepare(units)
	tg := target()
	s := resolve(citdesk.DefaultPolicy(), Options{})
	w := p.start(tg, testNow(), s)
	if w == nil {
		t.Fatal("no walk for a located call")
	}
	p.collect(w, tg, s)
	if len(w.eligible.kept) == 0 || w.visited > len(units)/40 {
		t.Fatalf("visited %d of %d units, %d eligible kept", w.visited, len(units), len(w.eligible.kept))
	}
	t.Logf("visited %d of %d units", w.visited, len(units))
}

// BenchmarkPrepare times preparing 10,000 units, which the store does once
// per snapshot of an agency's dispatch state.
func BenchmarkPrepare(b *testing.B) {
	units := benchUnits(10_000)
	b.ReportAllocs()
	for b.Loop() {
		Prepare(units)
	}
}
