package outcomes

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// benchData caches the synthetic history for the benchmarks: generating a
// million encounters takes longer than computing over them.
var benchData = struct {
	sync.Mutex
	encs map[int][]Encounter
	refs map[int][]Referral
}{encs: map[int][]Encounter{}, refs: map[int][]Referral{}}

func benchHistory(b *testing.B, n int) ([]Encounter, []Referral, *time.Location) {
	b.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		b.Fatal(err)
	}
	benchData.Lock()
	defer benchData.Unlock()
	if _, ok := benchData.encs[n]; !ok {
		encs := Synthesize(n, 6, time.Date(2016, time.January, 1, 0, 0, 0, 0, loc), loc)
		benchData.encs[n] = encs
		benchData.refs[n] = SynthesizeReferrals(encs, 6)
	}
	return benchData.encs[n], benchData.refs[n], loc
}

// BenchmarkCompute is the full dashboard (every measure, by month, with the
// CIT split) over all time, as GET /api/v1/outcomes without a range.
func BenchmarkCompute(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			encs, refs, loc := benchHistory(b, n)
			p := Params{Location: loc, Now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
			b.ReportAllocs()
			for b.Loop() {
				Compute(encs, refs, p)
			}
		})
	}
}

// BenchmarkComputePublic is the public page: every measure by quarter over
// ten years, suppressed.
func BenchmarkComputePublic(b *testing.B) {
	encs, refs, loc := benchHistory(b, 100_000)
	b.ReportAllocs()
	for b.Loop() {
		ComputePublic(encs, refs, Params{Location: loc})
	}
}

// BenchmarkSuppress is one public table at its worst: counted and rest by
// 40 quarters, with many small counts.
func BenchmarkSuppress(b *testing.B) {
	tab := Table{Counts: [][]int{make([]int, 40), make([]int, 40)}}
	for c := range 40 {
		tab.Counts[0][c] = []int{0, 3, 12, 7, 1, 25, 9}[c%7]
		tab.Counts[1][c] = []int{40, 8, 90, 2, 60, 11, 0}[c%5]
	}
	b.ReportAllocs()
	for b.Loop() {
		Suppress(tab)
	}
}

// BenchmarkComputeColumns is BenchmarkCompute over columns, as the cached
// service computes: the measures read the columns a chunk at a time. Its
// B/op is the scratch one request allocates when the pool is empty (as it
// is after the garbage collector has emptied it).
func BenchmarkComputeColumns(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			encs, refs, loc := benchHistory(b, n)
			ids := make([]int64, len(encs))
			for i := range ids {
				ids[i] = int64(i + 1)
			}
			c := ColumnsOf(encs, ids, refs, ids[:len(refs)])
			p := Params{Location: loc, Now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
			b.ReportAllocs()
			for b.Loop() {
				ComputeColumns(c, p)
			}
		})
	}
}
