package outcomes

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestCalendar checks the integer calendar against the time package: day
// numbers both ways, and local days across daylight-saving changes, with
// instants given in random order so the zone table is built out of order.
func TestCalendar(t *testing.T) {
	for _, d := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-44, 3, 15, 0, 0, 0, 0, time.UTC),
	} {
		z := daysFromCivil(int64(d.Year()), int(d.Month()), d.Day())
		if want := floorDiv(d.Unix(), 86400); z != want {
			t.Errorf("daysFromCivil(%v) = %d, want %d", d, z, want)
		}
		if y, m, dd := civilFromDays(z); y != int64(d.Year()) || m != int(d.Month()) || dd != d.Day() {
			t.Errorf("civilFromDays(%d) = %d-%d-%d, want %v", z, y, m, dd, d)
		}
	}
	for _, name := range []string{"America/Chicago", "America/Los_Angeles", "Australia/Lord_Howe", "UTC"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		ld := newLocalDays(loc)
		rng := rand.New(rand.NewPCG(1, 2))
		base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		for range 20000 {
			u := base + rng.Int64N(12*365*86400)
			y, m, d := time.Unix(u, 0).In(loc).Date()
			if got, want := ld.dayOfUnix(u), daysFromCivil(int64(y), int(m), d); got != want {
				t.Fatalf("%s: day of %v = %d, want %d", name, time.Unix(u, 0).In(loc), got, want)
			}
		}
		for i := 1; i < len(ld.spans); i++ {
			if ld.spans[i-1].end > ld.spans[i].start {
				t.Fatalf("%s: spans overlap: %+v %+v", name, ld.spans[i-1], ld.spans[i])
			}
		}
	}
}

// TestPercentiles compares the histogram path (with values past histCap)
// and the selection path with sorting.
func TestPercentiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		n := 1 + rng.IntN(9000)
		vals := make([]int32, n)
		for i := range vals {
			if rng.IntN(20) == 0 {
				vals[i] = histCap + rng.Int32N(100000)
			} else {
				vals[i] = rng.Int32N(3000)
			}
		}
		sorted := slices.Clone(vals)
		slices.Sort(sorted)
		q := func(p float64) float64 {
			h := p * float64(n-1)
			k := int(h)
			if k+1 < n {
				return float64(sorted[k]) + (h-float64(k))*float64(sorted[k+1]-sorted[k])
			}
			return float64(sorted[k])
		}
		hist := make([]int32, histCap)
		var over []int32
		for _, v := range vals {
			if v < histCap {
				hist[v]++
			} else {
				over = append(over, v)
			}
		}
		h := histStats(hist, over, n)
		s := durationStats(slices.Clone(vals))
		for _, st := range []DurationStats{h, s} {
			if st.Count != n || float64(st.MedianSeconds) != q(0.5) || float64(st.P90Seconds) != q(0.9) {
				t.Fatalf("n=%d: got %+v, want %v %v", n, st, q(0.5), q(0.9))
			}
		}
	}
}
