package outcomes_test

import (
	"math"
	"testing"
	"time"

	"citdesk"
	"citdesk/outcomes"
)

// TestCountPlacesGrid: points a few metres apart share a cell, points a
// cell apart do not; every cell is about the size asked for on the ground,
// holds its points, and its edges do not depend on which points fall in it.
func TestCountPlacesGrid(t *testing.T) {
	desoto := outcomes.Point{Lat: 38.1395, Lon: -90.5551}
	near := outcomes.Point{Lat: desoto.Lat + 0.00002, Lon: desoto.Lon + 0.00002} // about 3 m away
	var pts []outcomes.Point
	for range 3 {
		pts = append(pts, desoto)
	}
	pts = append(pts, near, outcomes.Point{Lat: desoto.Lat + 0.01, Lon: desoto.Lon}, outcomes.Point{Lat: math.NaN(), Lon: 0}, outcomes.Point{Lat: 91, Lon: 0})
	got := outcomes.CountPlaces(pts, 4, 500)
	if got.Located != 5 || got.Unlocated != 6 || got.CellMeters != 500 {
		t.Fatalf("located %d, unlocated %d, cell %d; want 5, 4+2, 500", got.Located, got.Unlocated, got.CellMeters)
	}
	if len(got.Cells) != 2 || got.Cells[0].Count != 4 || got.Cells[1].Count != 1 {
		t.Fatalf("cells %+v, want 4 then 1", got.Cells)
	}
	for _, c := range got.Cells {
		tall := (c.North - c.South) * 111_320
		wide := (c.East - c.West) * 111_320 * math.Cos((c.North+c.South)/2*math.Pi/180)
		if math.Abs(tall-500) > 1 || math.Abs(wide-500) > 5 {
			t.Errorf("cell %+v is %.0f m × %.0f m, want about 500 × 500", c, tall, wide)
		}
	}
	c := got.Cells[0]
	if desoto.Lat < c.South || desoto.Lat >= c.North || desoto.Lon < c.West || desoto.Lon >= c.East {
		t.Errorf("cell %+v does not hold %v", c, desoto)
	}
	alone := outcomes.CountPlaces([]outcomes.Point{near}, 0, 500)
	if alone.Cells[0] != (outcomes.PlaceCell{South: c.South, West: c.West, North: c.North, East: c.East, Count: 1}) {
		t.Errorf("the same point alone is in %+v, with others in %+v", alone.Cells[0], c)
	}
	if s := outcomes.CountPlaces(pts, 0, 10).CellMeters; s != outcomes.MinCellMeters {
		t.Errorf("a 10 m cell became %d m, want the minimum %d", s, outcomes.MinCellMeters)
	}
}

// TestPublishPlaces: no published cell has 1 to 10 calls, a single small
// cell is not left to be worked out from the located total, and an empty
// map publishes nothing.
func TestPublishPlaces(t *testing.T) {
	cells := func(counts ...int) outcomes.Places {
		p := outcomes.Places{CellMeters: 1000}
		for i, n := range counts {
			p.Cells = append(p.Cells, outcomes.PlaceCell{South: float64(i), North: float64(i) + 0.01, Count: n})
			p.Located += n
		}
		return p
	}
	for _, tc := range []struct {
		counts []int
		shown  []int
		hidden int
	}{
		{[]int{40, 25, 3, 2}, []int{40, 25}, 2},
		// One small cell alone: the total minus 40 + 25 would give it, so
		// the least of the others goes too.
		{[]int{40, 25, 3}, []int{40}, 2},
		{[]int{12, 11}, []int{12, 11}, 0},
		{[]int{5}, nil, 1},
		{nil, nil, 0},
	} {
		pub := outcomes.PublishPlaces(cells(tc.counts...))
		var shown []int
		for _, c := range pub.Cells {
			if c.Count >= 1 && c.Count <= outcomes.SmallCellMax {
				t.Errorf("%v: published a cell of %d", tc.counts, c.Count)
			}
			shown = append(shown, c.Count)
		}
		if !equalInts(shown, tc.shown) || pub.Hidden != tc.hidden {
			t.Errorf("%v: shown %v, %d hidden; want %v, %d", tc.counts, shown, pub.Hidden, tc.shown, tc.hidden)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPlacesService: the staff map needs an outcomes role and reads the
// range in the agency's days; the public map is read once per
// publicMaxAge, whoever asks.
func TestPlacesService(t *testing.T) {
	l := newFakeLoader()
	for n, at := range map[int]float64{12: 38.14, 14: 38.20, 2: 38.30, 3: 38.40} {
		for range n {
			l.points = append(l.points, outcomes.Point{Lat: at, Lon: -90.56})
		}
	}
	clock := citdesk.NewFakeClock(cacheNow)
	svc := outcomes.NewCachedService(l, clock, 10*time.Minute)

	if _, err := svc.Places(as(1, citdesk.RoleOfficer), citdesk.Date{}, citdesk.Date{}, 500); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
		t.Errorf("an officer: %v, want forbidden", err)
	}
	from, to := citdesk.NewDate(2026, time.February, 1), citdesk.NewDate(2026, time.February, 28)
	got, err := svc.Places(as(1, citdesk.RoleAnalyst), from, to, 500)
	if err != nil || got.Located != 31 || len(got.Cells) != 4 || got.Unlocated != 1 {
		t.Fatalf("staff map %+v, %v", got, err)
	}
	if r := l.asked[0]; !r[0].Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) || !r[1].Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("asked for %v, want February's days", r)
	}

	pub, err := svc.PublicPlaces(t.Context(), 1)
	if err != nil || len(pub.Cells) != 2 || pub.Cells[0].Count != 14 || pub.Cells[1].Count != 12 || pub.Hidden != 2 {
		t.Fatalf("public map %+v, %v", pub, err)
	}
	svc.PublicPlaces(t.Context(), 1)
	if n := l.count("LoadCallPoints"); n != 2 {
		t.Errorf("LoadCallPoints called %d times for one staff and two public maps, want 2", n)
	}
	clock.Advance(11 * time.Minute)
	svc.PublicPlaces(t.Context(), 1)
	if n := l.count("LoadCallPoints"); n != 3 {
		t.Errorf("after publicMaxAge: %d loads, want 3", n)
	}
	if _, err := svc.PublicPlaces(t.Context(), 404); citdesk.ErrorCode(err) != citdesk.ENOTFOUND {
		t.Errorf("no such agency: %v", err)
	}
}
