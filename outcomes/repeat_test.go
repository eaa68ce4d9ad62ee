package outcomes

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestRadixSort checks the sort of repeat keys against the library's, for
// key widths that end within a digit and on one, with few and many keys
// and many equal ones.
func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, bits := range []int{0, 1, 7, 11, 13, 22, 24, 33, 40, 64} {
		for _, n := range []int{0, 1, 47, 49, 1000, 70_000} {
			keys := make([]uint64, n)
			for i := range keys {
				k := r.Uint64()
				if bits < 64 {
					k &= 1<<bits - 1
				}
				if i%5 == 0 && i > 0 {
					k = keys[i-1] // runs of equal keys
				}
				keys[i] = k
			}
			want := slices.Sorted(slices.Values(keys))
			got := radixSort(keys, make([]uint64, n), bits)
			if !slices.Equal(got, want) {
				t.Fatalf("%d keys of %d bits: not sorted as slices.Sort sorts them", n, bits)
			}
		}
	}
}

// TestRepeatsPackedOrNot checks that repeat contacts come out the same
// whether the person keys are packed with the day (database ids) or
// spread over the whole int64 range (hashes: sorted as samples).
func TestRepeatsPackedOrNot(t *testing.T) {
	loc := time.UTC
	encs := Synthesize(20_000, 9, time.Date(2020, time.January, 1, 0, 0, 0, 0, loc), loc)
	spread := slices.Clone(encs)
	for i := range spread {
		if k := spread[i].PersonKey; k != 0 {
			spread[i].PersonKey = int64(uint64(k) * 0x9E3779B97F4A7C15) // a bijection over int64
		}
	}
	for _, workers := range []int{1 << 30, 1000} { // one pass, then several
		was := parallelFrom
		parallelFrom = workers
		p := Params{Location: loc, Now: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}
		var c computation
		c.packRepeats(encounterSlice(spread))
		if c.packed {
			t.Fatal("hash-like person keys were packed")
		}
		a, b := Compute(encs, nil, p), Compute(spread, nil, p)
		parallelFrom = was
		for _, id := range []string{"repeat_contacts_30d", "repeat_contacts_90d", "repeat_contacts_365d"} {
			ja, _ := json.Marshal(a.Measures[id]) // NaN rates compare equal as JSON
			jb, _ := json.Marshal(b.Measures[id])
			if string(ja) != string(jb) {
				t.Errorf("%s differs between packed and spread person keys:\n%s\n%s", id, ja, jb)
			}
			if a.Measures[id].Denominator == 0 || a.Measures[id].Count == 0 {
				t.Errorf("%s has no people: the test checks nothing", id)
			}
		}
	}
}
