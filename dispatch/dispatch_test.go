package dispatch

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"citdesk"
)

// testNow is the moment every test recommends at.
func testNow() time.Time { return time.Date(2026, 3, 14, 22, 0, 0, 0, time.UTC) }

// lonETA is an ETAEstimator for tests that makes ETAs exact: a unit's
// longitude is its ETA in seconds, and it drives 10 m a second. A
// negative longitude means no route.
type lonETA struct{}

func (lonETA) ETA(fromLat, fromLon, toLat, toLon float64) (float64, float64) {
	if fromLon < 0 {
		return math.Inf(1), 0
	}
	return fromLon, fromLon * 10
}

// cit returns an available, CIT-certified unit with a fresh position whose
// ETA under lonETA is eta seconds.
func cit(id int64, eta float64) Unit {
	return Unit{
		OfficerID:  id,
		Name:       fmt.Sprintf("Ofc. %d", id),
		CITStatus:  citdesk.CITCertified,
		Status:     citdesk.StatusAvailable,
		Lat:        38.14,
		Lon:        eta,
		PositionAt: testNow().Add(-time.Minute),
	}
}

// with returns u changed by fs.
func with(u Unit, fs ...func(*Unit)) Unit {
	for _, f := range fs {
		f(&u)
	}
	return u
}

func target() Target {
	lat, lon := 38.1395, -90.5551
	return Target{CallID: 100, Lat: &lat, Lon: &lon}
}

func testOptions() Options { return Options{ETA: lonETA{}} }

func recommendTest(t Target, units []Unit, opt Options) Result {
	return Recommend(t, units, testNow(), citdesk.DefaultPolicy(), opt)
}

func ids[T any](xs []T, id func(T) int64) []int64 {
	out := make([]int64, 0, len(xs))
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func recIDs(rs []Recommendation) []int64 {
	return ids(rs, func(r Recommendation) int64 { return r.OfficerID })
}

func altIDs(as []Alternative) []int64 {
	return ids(as, func(a Alternative) int64 { return a.OfficerID })
}

// where reports which list of res holds officer id ("officers",
// "nearest_non_cit", "divertible_cit", "unavailable_cit", joined by "+"),
// and its reasons in the first list found.
func where(res Result, id int64) (string, []string) {
	var lists []string
	var reasons []string
	find := func(name string, rs []Recommendation) {
		for _, r := range rs {
			if r.OfficerID == id {
				lists = append(lists, name)
				if reasons == nil {
					reasons = r.Reasons
				}
			}
		}
	}
	alts := func(as []Alternative) []Recommendation {
		out := make([]Recommendation, len(as))
		for i, a := range as {
			out[i] = a.Recommendation
		}
		return out
	}
	find("officers", res.Officers)
	find("nearest_non_cit", res.Fallback.NearestNonCIT)
	find("divertible_cit", alts(res.Fallback.DivertibleCIT))
	find("unavailable_cit", alts(res.Fallback.UnavailableCIT))
	return strings.Join(lists, "+"), reasons
}

func TestEligibility(t *testing.T) {
	limit := citdesk.DefaultPolicy().StalePosition
	tests := []struct {
		name   string
		unit   Unit
		lists  string // where the unit appears; "" for nowhere
		reason string // a reason it must carry
	}{
		{"certified", cit(1, 120), "officers", "CIT certified"},
		{"expiring included", with(cit(1, 120), func(u *Unit) {
			u.CITStatus, u.CITUntil = citdesk.CITExpiring, citdesk.NewDate(2027, 1, 10)
		}), "officers", "CIT certification expiring 2027-01-10"},
		{"position exactly at the stale limit", with(cit(1, 120), func(u *Unit) {
			u.PositionAt = testNow().Add(-limit)
		}), "officers", "about 2 min away (0.7 mi)"},
		{"position just over the stale limit", with(cit(1, 120), func(u *Unit) {
			u.PositionAt = testNow().Add(-limit - time.Second)
		}), "unavailable_cit", "position 5 min 1 s old"},
		{"position 9 min old", with(cit(1, 120), func(u *Unit) {
			u.PositionAt = testNow().Add(-9 * time.Minute)
		}), "unavailable_cit", "position 9 min old"},
		{"no position", with(cit(1, 120), func(u *Unit) {
			u.PositionAt = time.Time{}
		}), "unavailable_cit", "no position reported"},
		{"no route", cit(1, -1), "unavailable_cit", "no route to the call"},
		{"lapsed", with(cit(1, 120), func(u *Unit) {
			u.CITStatus, u.CITUntil = citdesk.CITLapsed, citdesk.NewDate(2025, 11, 30)
		}), "nearest_non_cit+unavailable_cit", "CIT certification lapsed 2025-11-30"},
		{"not trained", with(cit(1, 120), func(u *Unit) {
			u.CITStatus = citdesk.CITNotTrained
		}), "nearest_non_cit", "not CIT trained"},
		{"not trained and busy", with(cit(1, 120), func(u *Unit) {
			u.CITStatus, u.Status = citdesk.CITNotTrained, citdesk.StatusBusy
		}), "", ""},
		{"off duty", with(cit(1, 120), func(u *Unit) {
			u.Status = citdesk.StatusOffDuty
		}), "", ""},
		{"unknown status", with(cit(1, 120), func(u *Unit) {
			u.Status = ""
		}), "", ""},
		{"busy on no call", with(cit(1, 120), func(u *Unit) {
			u.Status = citdesk.StatusBusy
		}), "divertible_cit", "busy, not on a call"},
		{"on scene at a non-emergency call", with(cit(1, 120), func(u *Unit) {
			u.Status, u.CallID, u.CallNature = citdesk.StatusOnScene, 42, "welfare check"
		}), "divertible_cit", "on scene at non-emergency call #42 (welfare check)"},
		{"en route to an emergency call", with(cit(1, 120), func(u *Unit) {
			u.Status, u.CallID, u.CallEmergency = citdesk.StatusEnRoute, 43, true
		}), "unavailable_cit", "on an emergency call, so not divertible"},
		{"busy on an emergency call", with(cit(1, 120), func(u *Unit) {
			u.Status, u.CallID, u.CallEmergency = citdesk.StatusBusy, 44, true
		}), "unavailable_cit", "busy on emergency call #44"},
		{"already on this call", with(cit(1, 120), func(u *Unit) {
			u.Status, u.CallID = citdesk.StatusEnRoute, target().CallID
		}), "unavailable_cit", "already assigned to this call"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := recommendTest(target(), []Unit{tt.unit}, testOptions())
			lists, reasons := where(res, tt.unit.OfficerID)
			if lists != tt.lists {
				t.Fatalf("unit is in %q, want %q", lists, tt.lists)
			}
			if tt.reason != "" && !slices.Contains(reasons, tt.reason) {
				t.Errorf("reasons %q lack %q", reasons, tt.reason)
			}
		})
	}
}

func TestRanking(t *testing.T) {
	prior := func(u *Unit) { u.PriorContact = true }
	calls := func(n int) func(*Unit) { return func(u *Unit) { u.AssignmentsToday = n } }
	tests := []struct {
		name  string
		units []Unit
		prior []int64 // Target.PriorContact
		tie   time.Duration
		want  []int64
	}{
		{"nearer first", []Unit{cit(1, 300), cit(2, 100), cit(3, 200)}, nil, 0, []int64{2, 3, 1}},
		{"tie then continuity", []Unit{cit(1, 100), with(cit(2, 150), prior)}, nil, 0, []int64{2, 1}},
		{"continuity from the target", []Unit{cit(1, 100), cit(2, 150)}, []int64{2}, 0, []int64{2, 1}},
		{"tie window inclusive at 60 s", []Unit{cit(1, 100), with(cit(2, 160), prior)}, nil, 0, []int64{2, 1}},
		{"61 s is no tie", []Unit{cit(1, 100), with(cit(2, 161), prior)}, nil, 0, []int64{1, 2}},
		{"tie then workload", []Unit{with(cit(1, 100), calls(3)), with(cit(2, 130), calls(1))}, nil, 0, []int64{2, 1}},
		{"continuity before workload", []Unit{with(cit(1, 110), calls(0)), with(cit(2, 100), calls(5), prior)}, nil, 0, []int64{2, 1}},
		{"tie, same workload, nearer", []Unit{cit(1, 130), cit(2, 100)}, nil, 0, []int64{2, 1}},
		{"all equal then id", []Unit{cit(7, 100), cit(3, 100), cit(5, 100)}, nil, 0, []int64{3, 5, 7}},
		{"groups anchor on the nearest", []Unit{cit(1, 0), cit(2, 50), with(cit(3, 100), prior)}, nil, 0, []int64{1, 2, 3}},
		{"second group settles its own tie", []Unit{cit(1, 0), with(cit(2, 100), calls(2)), with(cit(3, 150), calls(0))}, nil, 0, []int64{1, 3, 2}},
		{"wider window", []Unit{cit(1, 100), with(cit(2, 200), prior)}, nil, 2 * time.Minute, []int64{2, 1}},
		{"negative window: exact ties only", []Unit{cit(1, 100), with(cit(2, 101), prior)}, nil, -1, []int64{1, 2}},
		{"negative window, exact tie", []Unit{cit(1, 100), with(cit(2, 100), prior)}, nil, -1, []int64{2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := target()
			tg.PriorContact = tt.prior
			opt := testOptions()
			opt.TieWindow = tt.tie
			res := recommendTest(tg, tt.units, opt)
			if got := recIDs(res.Officers); !slices.Equal(got, tt.want) {
				t.Errorf("order %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLimit(t *testing.T) {
	var units []Unit
	for i := range 25 {
		units = append(units, cit(int64(i+1), float64(1000-10*i)))
	}
	for _, tt := range []struct{ limit, want int }{{0, DefaultLimit}, {3, 3}, {40, 25}} {
		opt := testOptions()
		opt.Limit = tt.limit
		res := recommendTest(target(), units, opt)
		if len(res.Officers) != tt.want {
			t.Errorf("limit %d: %d officers, want %d", tt.limit, len(res.Officers), tt.want)
		}
	}
}

func TestReasons(t *testing.T) {
	units := []Unit{
		with(cit(1, 240), func(u *Unit) { u.Name, u.AssignmentsToday, u.PriorContact = "Cpl. Avery", 2, true }),
		with(cit(2, 270), func(u *Unit) {
			u.Name, u.AssignmentsToday = "Ofc. Brook", 1
			u.CITStatus, u.CITUntil = citdesk.CITExpiring, citdesk.NewDate(2027, 1, 10)
		}),
		with(cit(3, 290), func(u *Unit) { u.Name, u.AssignmentsToday = "Ofc. Cole", 3 }),
		with(cit(4, 600), func(u *Unit) { u.Name = "Ofc. Dunn" }),
		with(cit(5, 600), func(u *Unit) { u.Name = "Ofc. Ellis" }),
	}
	res := recommendTest(target(), units, testOptions())
	want := [][]string{
		{"CIT certified", "about 4 min away (1.5 mi)", "met this person before (no force, no arrest)", "2 calls today",
			"ranked above Ofc. Brook: met this person before; ETAs within 60 s"},
		{"CIT certification expiring 2027-01-10", "about 5 min away (1.7 mi)", "1 call today",
			"ranked above Ofc. Cole: fewer calls today (1 vs 3); ETAs within 60 s"},
		{"CIT certified", "about 5 min away (1.8 mi)", "3 calls today",
			"ranked above Ofc. Dunn: nearer (about 5 min vs about 10 min)"},
		{"CIT certified", "about 10 min away (3.7 mi)", "no calls today",
			"ranked above Ofc. Ellis: same ETA and workload: either will do"},
		{"CIT certified", "about 10 min away (3.7 mi)", "no calls today"},
	}
	if len(res.Officers) != len(want) {
		t.Fatalf("%d officers, want %d", len(res.Officers), len(want))
	}
	for i, r := range res.Officers {
		if !slices.Equal(r.Reasons, want[i]) {
			t.Errorf("officer %d reasons\n got %q\nwant %q", r.OfficerID, r.Reasons, want[i])
		}
		if r.ETASeconds == nil || r.DistanceM == nil {
			t.Errorf("officer %d has no ETA", r.OfficerID)
		}
	}
	if got := res.Fallback.Message; got != "Recommended CIT officer: Cpl. Avery, about 4 min." {
		t.Errorf("message %q", got)
	}
}

func TestPhrases(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{etaPhrase(0), "under 1 min"},
		{etaPhrase(59), "under 1 min"},
		{etaPhrase(60), "about 1 min"},
		{etaPhrase(359), "about 6 min"},
		{distance(0, true), "0 m"},
		{distance(854, true), "850 m"},
		{distance(994, true), "990 m"},
		{distance(995, true), "1.0 km"},
		{distance(3249, true), "3.2 km"},
		{distance(0, false), "50 ft"},
		{distance(90, false), "300 ft"},
		{distance(160, false), "500 ft"},
		{distance(161, false), "0.1 mi"},
		{distance(3249, false), "2.0 mi"},
		{gap(100, 120), " (by 20 s)"},
		{gap(100, 400), " (about 2 min vs about 7 min)"},
		{age(45 * time.Second), "45 s"},
		{age(5*time.Minute + time.Second), "5 min 1 s"},
		{age(9 * time.Minute), "9 min"},
		{age(75 * time.Minute), "75 min"},
		{age(3 * time.Hour), "3 h"},
		{workload(0), "no calls today"},
		{workload(1), "1 call today"},
		{workload(4), "4 calls today"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestFallback(t *testing.T) {
	nonCIT := func(id int64, eta float64) Unit {
		return with(cit(id, eta), func(u *Unit) { u.CITStatus = citdesk.CITNotTrained })
	}
	units := []Unit{
		with(cit(1, 400), func(u *Unit) {
			u.Name, u.Status, u.CallID, u.CallNature = "Cpl. Avery", citdesk.StatusOnScene, 42, "welfare check"
		}),
		with(cit(2, 100), func(u *Unit) {
			u.Name, u.Status, u.CallID, u.CallEmergency = "Ofc. Brook", citdesk.StatusOnScene, 43, true
		}),
		with(cit(3, 200), func(u *Unit) { u.Name, u.Status = "Ofc. Cole", citdesk.StatusBusy }),
		with(nonCIT(4, 90), func(u *Unit) { u.Name = "Ofc. Smith" }),
		nonCIT(5, 500),
		nonCIT(6, 300),
		nonCIT(7, 700),
		with(nonCIT(8, 10), func(u *Unit) { u.Status = citdesk.StatusEnRoute }),
		with(nonCIT(9, 10), func(u *Unit) { u.PositionAt = testNow().Add(-time.Hour) }),
	}
	opt := testOptions()
	opt.Liaison = &Liaison{Name: "Dana Reyes", Phone: "636-555-0100"}
	res := recommendTest(target(), units, opt)

	if len(res.Officers) != 0 {
		t.Errorf("officers %v, want none", recIDs(res.Officers))
	}
	fb := res.Fallback
	if got, want := recIDs(fb.NearestNonCIT), []int64{4, 6, 5}; !slices.Equal(got, want) {
		t.Errorf("nearest non-CIT %v, want %v", got, want)
	}
	if got, want := altIDs(fb.DivertibleCIT), []int64{3, 1}; !slices.Equal(got, want) {
		t.Errorf("divertible %v, want %v (not 2, on an emergency call)", got, want)
	}
	if got, want := altIDs(fb.UnavailableCIT), []int64{2}; !slices.Equal(got, want) {
		t.Errorf("unavailable %v, want %v", got, want)
	}
	div := fb.DivertibleCIT[1]
	if div.DutyStatus != citdesk.StatusOnScene || div.CallID != 42 || div.CallNature != "welfare check" ||
		div.ETASeconds == nil || *div.ETASeconds != 400 {
		t.Errorf("divertible entry %+v", div)
	}
	wantReasons := []string{"CIT certified", "on scene at non-emergency call #42 (welfare check)",
		"could be diverted: the call is not an emergency", "about 7 min away from last position (2.5 mi)", "no calls today"}
	if !slices.Equal(div.Reasons, wantReasons) {
		t.Errorf("divertible reasons\n got %q\nwant %q", div.Reasons, wantReasons)
	}
	if fb.Liaison == nil || fb.Liaison.Name != "Dana Reyes" {
		t.Errorf("liaison %+v", fb.Liaison)
	}
	wantMsg := "No CIT officer is available. Nearest available officer: Ofc. Smith, about 2 min." +
		" CIT officer who could be diverted: Ofc. Cole, busy, not on a call, about 3 min." +
		" Liaison on call: Dana Reyes, 636-555-0100."
	if fb.Message != wantMsg {
		t.Errorf("message\n got %q\nwant %q", fb.Message, wantMsg)
	}

	// The fallback is computed even when a CIT officer is available.
	res = recommendTest(target(), append(units, cit(10, 250)), opt)
	if got := recIDs(res.Officers); !slices.Equal(got, []int64{10}) {
		t.Errorf("officers %v, want [10]", got)
	}
	if len(res.Fallback.NearestNonCIT) != 3 || len(res.Fallback.DivertibleCIT) != 2 {
		t.Errorf("fallback not computed alongside officers: %+v", res.Fallback)
	}

	// Nobody at all.
	res = recommendTest(target(), nil, Options{})
	if want := "No CIT officer is available. No other officer is available with a current position."; res.Fallback.Message != want {
		t.Errorf("empty message %q, want %q", res.Fallback.Message, want)
	}
}

func TestJSONShape(t *testing.T) {
	units := []Unit{cit(1, 100), with(cit(2, 100), func(u *Unit) { u.Status, u.CallID = citdesk.StatusBusy, 9 })}
	keys := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks
	}
	for _, liaison := range []*Liaison{nil, {Name: "Dana Reyes", Phone: "636-555-0100"}} {
		opt := testOptions()
		opt.Liaison = liaison
		b, err := json.Marshal(recommendTest(target(), units, opt))
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if k := keys(got); !slices.Equal(k, []string{"fallback", "officers"}) {
			t.Errorf("top keys %v", k)
		}
		off := got["officers"].([]any)[0].(map[string]any)
		if k := keys(off); !slices.Equal(k, []string{"cit_status", "distance_m", "eta_seconds", "eta_source", "name", "officer_id", "reasons"}) {
			t.Errorf("officer keys %v", k)
		}
		if off["eta_source"] != "straight_line" {
			t.Errorf("without a road map, eta_source %v, want straight_line", off["eta_source"])
		}
		fb := got["fallback"].(map[string]any)
		if k := keys(fb); !slices.Equal(k, []string{"divertible_cit", "liaison", "message", "nearest_non_cit", "unavailable_cit"}) {
			t.Errorf("fallback keys %v", k)
		}
		if fb["nearest_non_cit"] == nil || fb["unavailable_cit"] == nil {
			t.Errorf("empty lists must be [], not null: %s", b)
		}
		div := fb["divertible_cit"].([]any)[0].(map[string]any)
		if k := keys(div); !slices.Equal(k, []string{"call_id", "cit_status", "distance_m", "duty_status", "eta_seconds", "eta_source", "name", "officer_id", "reasons"}) {
			t.Errorf("divertible keys %v", k)
		}
		if liaison == nil && !strings.Contains(string(b), `"liaison":null`) {
			t.Errorf("no liaison must be null: %s", b)
		}
		if liaison != nil && !strings.Contains(string(b), `"liaison":{"name":"Dana Reyes","phone":"636-555-0100"}`) {
			t.Errorf("liaison: %s", b)
		}
	}
}

func TestCallWithoutLocation(t *testing.T) {
	units := []Unit{
		with(cit(1, 100), func(u *Unit) { u.AssignmentsToday = 2 }),
		cit(2, 900),
		with(cit(3, 500), func(u *Unit) { u.CITStatus = citdesk.CITNotTrained }),
	}
	tg := Target{CallID: 100}
	res := recommendTest(tg, units, testOptions())
	if got := recIDs(res.Officers); !slices.Equal(got, []int64{2, 1}) {
		t.Fatalf("order %v, want [2 1] by workload", got)
	}
	r := res.Officers[0]
	if r.ETASeconds != nil || r.DistanceM != nil {
		t.Errorf("ETA without a call location: %+v", r)
	}
	if !slices.Contains(r.Reasons, "ETA unknown: the call has no location") ||
		!slices.Contains(r.Reasons, "ranked above Ofc. 1: fewer calls today (0 vs 2)") {
		t.Errorf("reasons %q", r.Reasons)
	}
	if got := recommendTest(tg, units[2:], testOptions()).Fallback.Message; !strings.Contains(got, "Available officer: Ofc. 3 (the call has no location, so no ETA).") {
		t.Errorf("message %q", got)
	}
}

// referenceRank ranks eligible units the slow, obvious way: full sort by
// ETA, anchored tie groups, full sort by rank.
func referenceRank(units []Unit, prior []int64, tie float64, limit int) []int64 {
	type r struct {
		u     Unit
		group int
		prior bool
	}
	var el []r
	for _, u := range units {
		if u.Status == citdesk.StatusAvailable && u.CITStatus.Certified() && u.Lon >= 0 &&
			!citdesk.PositionStale(&u.PositionAt, testNow(), citdesk.DefaultPolicy().StalePosition) {
			el = append(el, r{u: u, prior: u.PriorContact || slices.Contains(prior, u.OfficerID)})
		}
	}
	sort.Slice(el, func(i, j int) bool {
		if el[i].u.Lon != el[j].u.Lon {
			return el[i].u.Lon < el[j].u.Lon
		}
		return el[i].u.OfficerID < el[j].u.OfficerID
	})
	g, anchor := 0, 0.0
	for i := range el {
		if i == 0 {
			anchor = el[i].u.Lon
		} else if el[i].u.Lon > anchor+tie {
			g, anchor = g+1, el[i].u.Lon
		}
		el[i].group = g
	}
	sort.SliceStable(el, func(i, j int) bool {
		a, b := el[i], el[j]
		if a.group != b.group {
			return a.group < b.group
		}
		if a.prior != b.prior {
			return a.prior
		}
		return a.u.AssignmentsToday < b.u.AssignmentsToday // stable keeps ETA, id
	})
	var out []int64
	for i := 0; i < len(el) && i < limit; i++ {
		out = append(out, el[i].u.OfficerID)
	}
	return out
}

// TestPartialSelection checks the heap-and-cut ranking against a full sort
// on random units with many ties, and that no officer is ever ranked above
// one more than the tie window nearer.
func TestPartialSelection(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		n := 1 + rng.IntN(700)
		units := make([]Unit, n)
		var prior []int64
		for i := range units {
			u := cit(int64(rng.IntN(1_000_000)), float64(rng.IntN(20)*15))
			u.OfficerID = int64(i*7 + 1) // unique
			u.AssignmentsToday = rng.IntN(3)
			switch rng.IntN(10) {
			case 0:
				u.CITStatus = citdesk.CITNotTrained
			case 1:
				u.Status = citdesk.StatusBusy
			case 2:
				u.PositionAt = testNow().Add(-time.Hour)
			case 3:
				prior = append(prior, u.OfficerID)
			case 4:
				u.PriorContact = true
			}
			units[i] = u
		}
		limit := []int{1, 3, 10, 50}[round%4]
		tie := []time.Duration{0, 30 * time.Second, -1, 2 * time.Minute}[(round/4)%4]
		tg := target()
		tg.PriorContact = prior
		opt := Options{ETA: lonETA{}, Limit: limit, TieWindow: tie}
		s := resolve(citdesk.DefaultPolicy(), opt)
		res := recommendTest(tg, units, opt)
		got := recIDs(res.Officers)
		want := referenceRank(units, prior, s.tie, limit)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d (n %d, limit %d, tie %v): got %v, want %v", round, n, limit, tie, got, want)
		}
		for i, a := range res.Officers {
			for _, b := range res.Officers[i+1:] {
				if float64(*a.ETASeconds) > float64(*b.ETASeconds)+s.tie {
					t.Fatalf("round %d: %d (%d s) ranked above %d (%d s)", round, a.OfficerID, *a.ETASeconds, b.OfficerID, *b.ETASeconds)
				}
			}
		}
	}
}

// TestHaversine checks the distance from De Soto, Missouri to Hillsboro,
// Missouri. The expected 10,274.8 m was computed independently with the
// spherical law of cosines on the same 6,371,008.8 m sphere (Python:
// acos(sin φ1 sin φ2 + cos φ1 cos φ2 cos Δλ) × R = 10,274.83 m); Vincenty's
// formula on the WGS 84 ellipsoid gives 10,256.99 m, 0.17% less.
func TestHaversine(t *testing.T) {
	tests := []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		want, tol              float64
	}{
		{"De Soto to Hillsboro", 38.1395, -90.5551, 38.2317, -90.5629, 10274.83, 0.5},
		{"Hillsboro to De Soto", 38.2317, -90.5629, 38.1395, -90.5551, 10274.83, 0.5},
		{"same point", 38.1395, -90.5551, 38.1395, -90.5551, 0, 1e-9},
		{"one degree of latitude", 0, 0, 1, 0, earthRadiusM * math.Pi / 180, 1e-6},
		{"antipodes", 0, 0, 0, 180, earthRadiusM * math.Pi, 1e-6},
	}
	for _, tt := range tests {
		if got := Haversine(tt.lat1, tt.lon1, tt.lat2, tt.lon2); math.Abs(got-tt.want) > tt.tol {
			t.Errorf("%s: %.2f m, want %.2f ± %g", tt.name, got, tt.want, tt.tol)
		}
	}
}

func TestStraightLine(t *testing.T) {
	deg := earthRadiusM * math.Pi / 180 // one degree of latitude, metres
	tests := []struct {
		name         string
		est          StraightLine
		wantS, wantM float64
	}{
		{"policy defaults", StraightLine{RoadFactor: 1.4, SpeedKMH: 50}, deg * 1.4 / (50 / 3.6), deg * 1.4},
		{"no road factor counts as 1", StraightLine{SpeedKMH: 36}, deg / 10, deg},
		{"no speed", StraightLine{RoadFactor: 1}, math.Inf(1), deg},
	}
	for _, tt := range tests {
		s, m := tt.est.ETA(0, 0, 1, 0)
		if math.Abs(s-tt.wantS) > 1e-6 && !(math.IsInf(s, 1) && math.IsInf(tt.wantS, 1)) || math.Abs(m-tt.wantM) > 1e-6 {
			t.Errorf("%s: %v s %v m, want %v s %v m", tt.name, s, m, tt.wantS, tt.wantM)
		}
	}

	// Recommend's default estimator uses the policy, with defaults for zeros:
	// Hillsboro to De Soto, 10,274.8 m × 1.4 at 50 km/h is 1,035.9 s.
	lat, lon := 38.2317, -90.5629
	u := Unit{OfficerID: 1, Name: "Ofc. 1", CITStatus: citdesk.CITCertified, Status: citdesk.StatusAvailable,
		Lat: lat, Lon: lon, PositionAt: testNow()}
	for _, p := range []citdesk.Policy{citdesk.DefaultPolicy(), {}} {
		res := Recommend(target(), []Unit{u}, testNow(), p, Options{})
		if len(res.Officers) != 1 || *res.Officers[0].ETASeconds != 1036 || *res.Officers[0].DistanceM != 14385 {
			t.Errorf("policy %+v: %+v", p, res.Officers)
		}
	}
}

func TestNewUnitAndTarget(t *testing.T) {
	lat, lon, at := 38.1, -90.5, testNow()
	o := &citdesk.Officer{ID: 7, FirstName: "Dana", LastName: "Smith", Rank: "Ofc.",
		CIT:  &citdesk.CITStanding{Status: citdesk.CITExpiring, Until: citdesk.NewDate(2027, 1, 10)},
		Duty: &citdesk.DutyState{Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon, PositionAt: &at}}
	want := Unit{OfficerID: 7, Name: "Ofc. Dana Smith", CITStatus: citdesk.CITExpiring, CITUntil: citdesk.NewDate(2027, 1, 10),
		Status: citdesk.StatusAvailable, Lat: lat, Lon: lon, PositionAt: at}
	if got := NewUnit(o); !reflect.DeepEqual(got, want) {
		t.Errorf("NewUnit = %+v, want %+v", got, want)
	}
	if got := NewUnit(&citdesk.Officer{ID: 8}); got.CITStatus != citdesk.CITNotTrained || got.Status != citdesk.StatusOffDuty || !got.PositionAt.IsZero() {
		t.Errorf("NewUnit of a bare officer = %+v", got)
	}
	c := &citdesk.Call{ID: 5, Lat: &lat, Lon: &lon}
	if tg := TargetFromCall(c); tg.CallID != 5 || *tg.Lat != lat || *tg.Lon != lon {
		t.Errorf("TargetFromCall = %+v", tg)
	}
}

func TestIndex(t *testing.T) {
	x := NewIndex(cit(1, 100), cit(2, 200), cit(3, 300), with(cit(4, 50), func(u *Unit) { u.Status = citdesk.StatusOffDuty }))
	if x.Len() != 3 {
		t.Fatalf("len %d, want 3 (off duty left out)", x.Len())
	}
	if !x.Remove(1) || x.Remove(1) {
		t.Error("Remove(1) twice: want true then false")
	}
	for _, id := range []int64{2, 3} {
		if u, ok := x.Get(id); !ok || u.OfficerID != id {
			t.Errorf("Get(%d) after removing another = %v, %v", id, u.OfficerID, ok)
		}
	}
	x.Set(with(cit(2, 10), func(u *Unit) { u.Name = "Replaced" }))
	if u, _ := x.Get(2); u.Name != "Replaced" || x.Len() != 2 {
		t.Errorf("Set did not replace: %+v, len %d", u, x.Len())
	}

	lat, lon := 38.2, 400.0
	if !x.ApplyStatus(&citdesk.StatusChange{OfficerID: 3, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon, At: testNow()}) {
		t.Fatal("ApplyStatus(3) = false")
	}
	if u, _ := x.Get(3); u.Lat != lat || u.Lon != lon || !u.PositionAt.Equal(testNow()) {
		t.Errorf("position not applied: %+v", u)
	}
	x.Update(2, func(u *Unit) {
		u.Status, u.CallID, u.CallNature, u.OfficerID = citdesk.StatusOnScene, 42, "welfare check", 99
	})
	if u, ok := x.Get(2); !ok || u.CallID != 42 {
		t.Errorf("Update: %+v %v", u, ok)
	}
	x.ApplyStatus(&citdesk.StatusChange{OfficerID: 2, Status: citdesk.StatusAvailable, At: testNow()})
	if u, _ := x.Get(2); u.CallID != 0 || u.CallNature != "" || u.Lon != 10 {
		t.Errorf("available officer still on a call or moved: %+v", u)
	}
	if x.ApplyStatus(&citdesk.StatusChange{OfficerID: 77, Status: citdesk.StatusAvailable}) {
		t.Error("ApplyStatus of an unknown officer = true")
	}
	x.ApplyStatus(&citdesk.StatusChange{OfficerID: 3, Status: citdesk.StatusOffDuty})
	if _, ok := x.Get(3); ok || x.Len() != 1 {
		t.Errorf("off duty officer still indexed, len %d", x.Len())
	}

	units := x.Units()
	got := x.Recommend(target(), testNow(), citdesk.DefaultPolicy(), testOptions())
	want := recommendTest(target(), units, testOptions())
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Index.Recommend = %+v, want %+v", got, want)
	}

	var zero Index
	zero.Set(cit(5, 1))
	if zero.Len() != 1 || len(zero.Recommend(target(), testNow(), citdesk.DefaultPolicy(), testOptions()).Officers) != 1 {
		t.Error("zero Index unusable")
	}
}

// TestIndexConcurrent runs updates and recommendations at once; run it
// with -race.
func TestIndexConcurrent(t *testing.T) {
	x := NewIndex()
	for i := range 200 {
		x.Set(cit(int64(i), float64(i)))
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for range 500 {
				id := int64(rng.IntN(250))
				switch rng.IntN(4) {
				case 0:
					x.Set(cit(id, float64(rng.IntN(600))))
				case 1:
					x.Remove(id)
				case 2:
					lat, lon := 38.1, float64(rng.IntN(600))
					x.ApplyStatus(&citdesk.StatusChange{OfficerID: id, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon, At: testNow()})
				case 3:
					x.Update(id, func(u *Unit) { u.Status, u.CallID = citdesk.StatusBusy, 1 })
				}
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 200 {
				res := x.Recommend(target(), testNow(), citdesk.DefaultPolicy(), testOptions())
				if len(res.Officers) > DefaultLimit {
					t.Errorf("%d officers", len(res.Officers))
					return
				}
				for _, r := range res.Officers {
					if r.ETASeconds == nil || r.Reasons[0] != "CIT certified" {
						t.Errorf("bad recommendation %+v", r)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// benchUnits returns n on-duty units scattered within about 20 km of De
// Soto, Missouri, in a plausible mix: 30% CIT certified or expiring and 5%
// lapsed; 45% available, 20% busy, the rest on calls (a third of them
// emergencies); 10% with a stale position and 3% with none.
func benchUnits(n int) []Unit {
	rng := rand.New(rand.NewPCG(uint64(n), 42))
	now := testNow()
	units := make([]Unit, n)
	for i := range units {
		u := Unit{
			OfficerID:        int64(i + 1),
			Name:             fmt.Sprintf("Ofc. %d", i+1),
			CITStatus:        citdesk.CITNotTrained,
			Status:           citdesk.StatusAvailable,
			Lat:              38.1395 + (rng.Float64()-0.5)*0.36,
			Lon:              -90.5551 + (rng.Float64()-0.5)*0.46,
			PositionAt:       now.Add(-time.Duration(rng.IntN(240)) * time.Second),
			AssignmentsToday: rng.IntN(6),
		}
		switch r := rng.IntN(100); {
		case r < 25:
			u.CITStatus = citdesk.CITCertified
		case r < 30:
			u.CITStatus, u.CITUntil = citdesk.CITExpiring, citdesk.NewDate(2026, 4, 30)
		case r < 35:
			u.CITStatus, u.CITUntil = citdesk.CITLapsed, citdesk.NewDate(2025, 12, 31)
		}
		switch r := rng.IntN(100); {
		case r < 45:
		case r < 65:
			u.Status = citdesk.StatusBusy
		default:
			u.Status = []citdesk.DutyStatus{citdesk.StatusDispatched, citdesk.StatusEnRoute, citdesk.StatusOnScene}[rng.IntN(3)]
			u.CallID, u.CallNature, u.CallEmergency = int64(1000+rng.IntN(500)), "welfare check", rng.IntN(3) == 0
		}
		switch r := rng.IntN(100); {
		case r < 10:
			u.PositionAt = now.Add(-time.Duration(6+rng.IntN(60)) * time.Minute)
		case r < 13:
			u.PositionAt = time.Time{}
		}
		units[i] = u
	}
	return units
}

// BenchmarkRecommend times Recommend over 100, 1,000 and 10,000 on-duty
// units with the default straight-line estimator, the same through an
// Index, and Prepared.Recommend over the same units prepared once, timing
// each call so it can report the median and 99th percentile as p50-ns and
// p99-ns.
func BenchmarkRecommend(b *testing.B) {
	for _, n := range []int{100, 1_000, 10_000} {
		units := benchUnits(n)
		tg := target()
		tg.PriorContact = []int64{3, 17, 29}
		opt := Options{Liaison: &Liaison{Name: "Dana Reyes", Phone: "636-555-0100"}}
		policy, now := citdesk.DefaultPolicy(), testNow()
		b.Run(fmt.Sprintf("units=%d", n), func(b *testing.B) {
			benchQuantiles(b, func() { Recommend(tg, units, now, policy, opt) })
		})
		x := NewIndex(units...)
		b.Run(fmt.Sprintf("index/units=%d", n), func(b *testing.B) {
			benchQuantiles(b, func() { x.Recommend(tg, now, policy, opt) })
		})
		p := Prepare(units)
		b.Run(fmt.Sprintf("prepared/units=%d", n), func(b *testing.B) {
			benchQuantiles(b, func() { p.Recommend(tg, now, policy, opt) })
		})
	}
}

// benchQuantiles runs f b.N times, timing each call, and reports the
// median and 99th percentile per call.
func benchQuantiles(b *testing.B, f func()) {
	b.ReportAllocs()
	took := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		f()
		took[i] = time.Since(start)
	}
	b.StopTimer()
	slices.Sort(took)
	q := func(p float64) float64 { return float64(took[min(len(took)-1, int(p*float64(len(took))))]) }
	b.ReportMetric(q(0.50), "p50-ns")
	b.ReportMetric(q(0.99), "p99-ns")
}

// TestStraightLineFastPath checks the default estimator's fast path, which
// series-expands the haversine near the call and skips units a latitude
// bound rules out, against Haversine and against the plain interface path.
func TestStraightLineFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sl := StraightLine{RoadFactor: 1.4, SpeedKMH: 50}
	for range 20000 {
		lat0, lon0 := rng.Float64()*170-85, rng.Float64()*360-180
		spread := []float64{0.001, 0.05, 1.2, 3, 90}[rng.IntN(5)]
		lat := max(-89.9, min(89.9, lat0+(rng.Float64()-0.5)*spread))
		lon := lon0 + (rng.Float64()-0.5)*spread
		p := newStraightTo(sl, lat0, lon0)
		want := Haversine(lat, lon, lat0, lon0)
		if got := p.haversine(lat, lon); math.Abs(got-want) > 1e-9*want+1e-9 {
			t.Fatalf("(%v,%v)→(%v,%v): fast %v m, Haversine %v m", lat, lon, lat0, lon0, got, want)
		}
		if s, _ := p.eta(lat, lon); p.lowerBound(lat) > s {
			t.Fatalf("(%v,%v)→(%v,%v): lower bound %v s above ETA %v s", lat, lon, lat0, lon0, p.lowerBound(lat), s)
		}
	}

	// hidden is StraightLine behind a type Recommend does not recognise,
	// so it takes the plain interface path.
	type hidden struct{ StraightLine }
	for i, n := range []int{50, 500, 5000} {
		units := benchUnits(n)
		tg := target()
		if i == 1 {
			lat, lon := 38.25, -90.4
			tg.Lat, tg.Lon = &lat, &lon
		}
		for _, limit := range []int{1, 10} {
			fast := Recommend(tg, units, testNow(), citdesk.DefaultPolicy(), Options{Limit: limit})
			slow := Recommend(tg, units, testNow(), citdesk.DefaultPolicy(), Options{Limit: limit, ETA: hidden{sl}})
			if !reflect.DeepEqual(fast, slow) {
				t.Errorf("n %d limit %d: fast path differs\nfast %+v\nslow %+v", n, limit, fast, slow)
			}
			if n >= 500 && (len(fast.Officers) != limit || len(fast.Fallback.DivertibleCIT) != limit || len(fast.Fallback.UnavailableCIT) != limit) {
				t.Errorf("n %d limit %d: lists short: %d %d %d", n, limit, len(fast.Officers), len(fast.Fallback.DivertibleCIT), len(fast.Fallback.UnavailableCIT))
			}
		}
	}
}
