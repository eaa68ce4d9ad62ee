package dispatch

import (
	"slices"
	"strings"
	"testing"

	"citdesk"
)

// latRoads is a RouteEstimator for tests: a unit at latitude 38 + s/1000
// is s seconds away by road, driven at 5 m a second; a unit at latitude
// 38 or below has no road answer. It counts the routes opened and closed.
type latRoads struct{ opened, closed int }

type latRoute struct{ r *latRoads }

func (r *latRoads) Toward(lat, lon float64) Route { r.opened++; return latRoute{r} }

func (l latRoute) From(lat, lon float64) (float64, float64, bool) {
	if lat <= 38 {
		return 0, 0, false
	}
	s := (lat - 38) * 1000
	return s, s * 5, true
}

func (l latRoute) Close() { l.r.closed++ }

// onRoad returns a CIT unit whose road ETA under latRoads is s seconds
// and whose straight-line ETA under lonETA is line seconds.
func onRoad(id int64, s, line float64) Unit {
	u := cit(id, line)
	u.Lat = 38 + s/1000
	return u
}

// TestRecommendByRoad: with a road map, officers are ranked by their
// drive, carry eta_source road and say "by road"; one the map cannot
// route falls back to the straight line and says so; the route fixed on
// the call is opened once and closed.
func TestRecommendByRoad(t *testing.T) {
	roads := &latRoads{}
	opt := testOptions()
	opt.Roads = roads
	opt.TieWindow = -1
	units := []Unit{
		onRoad(1, 400, 100), // nearest as the crow flies, far by road
		onRoad(2, 240, 300),
		with(cit(3, 200), func(u *Unit) { u.Lat = 37.9 }), // off the map: straight line
	}
	res := recommendTest(target(), units, opt)
	if got := recIDs(res.Officers); !slices.Equal(got, []int64{3, 2, 1}) {
		t.Fatalf("order %v, want [3 2 1] (200 s line, 240 s road, 400 s road)", got)
	}
	for _, r := range res.Officers {
		want := ETARoad
		if r.OfficerID == 3 {
			want = ETAStraightLine
		}
		if r.ETASource == nil || *r.ETASource != want {
			t.Errorf("officer %d: eta_source %v, want %s", r.OfficerID, r.ETASource, want)
		}
	}
	o2 := res.Officers[1]
	if *o2.ETASeconds != 240 || *o2.DistanceM != 1200 {
		t.Errorf("officer 2: %d s, %d m; want 240 s, 1200 m along the road", *o2.ETASeconds, *o2.DistanceM)
	}
	if !slices.Contains(o2.Reasons, "about 4 min by road (0.7 mi)") {
		t.Errorf("officer 2's reasons %q lack \"about 4 min by road (0.7 mi)\"", o2.Reasons)
	}
	if r := strings.Join(res.Officers[0].Reasons, "; "); strings.Contains(r, "by road") || !strings.Contains(r, "away") {
		t.Errorf("the straight-line officer's reasons say %q", r)
	}
	if roads.opened != 1 || roads.closed != 1 {
		t.Errorf("routes opened %d, closed %d; want one each", roads.opened, roads.closed)
	}

	// A call with no location opens no route.
	roads.opened, roads.closed = 0, 0
	recommendTest(Target{CallID: 100}, units, opt)
	if roads.opened != 0 {
		t.Errorf("a call with no location opened %d routes", roads.opened)
	}

	// Without a map, the same units are ranked as the crow flies.
	res = recommendTest(target(), units, Options{ETA: lonETA{}, TieWindow: -1})
	if got := recIDs(res.Officers); !slices.Equal(got, []int64{1, 3, 2}) {
		t.Fatalf("without a map, order %v, want [1 3 2]", got)
	}

	// The fallback lists use the map too.
	nonCIT := onRoad(7, 90, 500)
	nonCIT.CITStatus = citdesk.CITNotTrained
	res = recommendTest(target(), []Unit{nonCIT}, opt)
	if n := res.Fallback.NearestNonCIT; len(n) != 1 || *n[0].ETASeconds != 90 || *n[0].ETASource != ETARoad {
		t.Errorf("fallback %+v", n)
	}
}

// noRoads is a RouteEstimator with no map (yet): Toward returns nil.
type noRoads struct{}

func (noRoads) Toward(lat, lon float64) Route { return nil }

// TestRecommendNoMapYet: an estimator that has no map answers nothing, and
// every officer is ranked by the straight line.
func TestRecommendNoMapYet(t *testing.T) {
	opt := testOptions()
	opt.Roads = noRoads{}
	res := recommendTest(target(), []Unit{cit(1, 100), cit(2, 50)}, opt)
	if got := recIDs(res.Officers); !slices.Equal(got, []int64{2, 1}) {
		t.Fatalf("order %v", got)
	}
	for _, r := range res.Officers {
		if r.ETASource == nil || *r.ETASource != ETAStraightLine {
			t.Errorf("officer %d: eta_source %v", r.OfficerID, r.ETASource)
		}
	}
}
