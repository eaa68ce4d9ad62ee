package outcomes

import (
	"math"
	"math/bits"
	"slices"
	"sync"
)

// scratch is the working memory of one worker of one Compute, kept
// between computations (scratches) so that a dashboard recomputed every
// few seconds does not allocate (and make the garbage collector scan)
// tens of megabytes each time.
type scratch struct {
	durs [numDurations][]dsample
	reps []rsample // repeat contacts, when the keys are not packed
	vals []int32
	hist [3][]int32 // durations: total, CIT, non-CIT
	over [3][]int32 // durations at or above histCap seconds
}

// kept holds working memory between computations: enough for one
// computation's workers, so a warm request allocates none. A sync.Pool
// would not do: the collector empties it every other cycle, so over a
// million encounters each request after a collection allocated its 45 MB
// again, and the heap (whose target is twice what was live) grew by
// that much again and again.
type kept[T any] struct {
	mu   sync.Mutex
	free []*T
}

// get returns a kept T, or a new one.
func (k *kept[T]) get() *T {
	k.mu.Lock()
	defer k.mu.Unlock()
	if n := len(k.free); n > 0 {
		x := k.free[n-1]
		k.free = k.free[:n-1]
		return x
	}
	return new(T)
}

// put keeps x for the next computation, unless enough are kept (a
// computation that ran beside another leaves its memory to the collector).
func (k *kept[T]) put(x *T, most int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.free) < most {
		k.free = append(k.free, x)
	}
}

var (
	scratches kept[scratch]
	keyArrays kept[[]uint64]
)

// getScratch returns a scratch with room for n samples of each duration.
// The room is rounded up, so that the workers' shares of one computation,
// which differ by one, take each other's scratch without growing it.
func getScratch(n int) *scratch {
	n = (n + 4095) &^ 4095
	sc := scratches.get()
	for d := range sc.durs {
		if cap(sc.durs[d]) < n {
			sc.durs[d] = make([]dsample, 0, n)
		}
		sc.durs[d] = sc.durs[d][:0]
	}
	return sc
}

// putScratch keeps sc for the next computation: as many as one
// computation's workers use.
func putScratch(sc *scratch) { scratches.put(sc, maxWorkers()) }

// getKeys returns room for n repeat-contact keys (repeatKey): one array
// for all the workers of one computation, and one for sorting them.
func getKeys(n int) []uint64 {
	p := keyArrays.get()
	if cap(*p) < n {
		*p = make([]uint64, (n+4095)&^4095)
	}
	return (*p)[:n]
}

// putKeys keeps keys' array for the next computation (the keys and the
// sort's second array).
func putKeys(keys []uint64) {
	keys = keys[:0]
	keyArrays.put(&keys, 2)
}

// histCap bounds the exact histogram of durations: one counter per second
// up to about nine hours. Longer durations (rare: a hand-over of a whole
// shift) are kept aside and sorted.
const histCap = 1 << 15

// selectBelow is the size under which a group's percentiles are found by
// selection rather than by histogram (clearing and scanning the histogram
// costs more than selecting among a few thousand values).
const selectBelow = 4096

// buildDurations turns duration measure d's samples into Durations.
// Percentiles are exact; they come from a per-second histogram for large
// groups and from selection for small ones, so each group costs time in
// proportion to its size, never a sort.
func buildDurations(d int, parts [][]dsample, ps *periods, sc *scratch) Durations {
	def := durationDefs[d]
	out := Durations{ID: def.id, Label: def.label}

	// Times in the wrong order (on scene before dispatched) are data errors:
	// counted, and left out rather than read as zero.
	total := 0
	for i, samples := range parts {
		valid := samples[:0]
		for _, s := range samples {
			if s.v < 0 {
				out.Invalid++
				continue
			}
			valid = append(valid, s)
		}
		parts[i] = valid
		total += len(valid)
	}

	// The total and the CIT split in one pass over three histograms.
	var stats [3]DurationStats
	if total < selectBelow {
		for g := range 3 {
			vals := sc.vals[:0]
			for _, samples := range parts {
				for _, s := range samples {
					if _, gc := unpackKey(s.key); g == gTotal || gc == g {
						vals = append(vals, s.v)
					}
				}
			}
			stats[g] = durationStats(vals)
			sc.vals = vals
		}
	} else {
		for g := range 3 {
			sc.hist[g] = clearHist(sc.hist[g])
			sc.over[g] = sc.over[g][:0]
		}
		h0, hc, hn := sc.hist[0], sc.hist[gCIT], sc.hist[gNonCIT]
		var n [3]int
		for _, samples := range parts {
			for _, s := range samples {
				v := s.v
				gc := int(s.key & 3) // the CIT group, 0 when unknown
				n[0]++
				if gc > 0 {
					n[gc]++
				}
				if v < histCap {
					h0[v]++
					switch gc {
					case gCIT:
						hc[v]++
					case gNonCIT:
						hn[v]++
					}
					continue
				}
				sc.over[0] = append(sc.over[0], v)
				if gc > 0 {
					sc.over[gc] = append(sc.over[gc], v)
				}
			}
		}
		for g := range 3 {
			stats[g] = histStats(sc.hist[g], sc.over[g], n[g])
		}
	}
	out.DurationStats = stats[gTotal]
	out.CIT, out.NonCIT = &stats[gCIT], &stats[gNonCIT]

	// Per period: a counting sort by period into vals, then each period's
	// stretch on its own.
	start := make([]int, ps.n+1)
	for _, samples := range parts {
		for _, s := range samples {
			if pn, _ := unpackKey(s.key); pn != noPeriod {
				start[pn-ps.first+1]++
			}
		}
	}
	for i := 1; i <= ps.n; i++ {
		start[i] += start[i-1]
	}
	if cap(sc.vals) < start[ps.n] {
		sc.vals = make([]int32, start[ps.n])
	}
	vals := sc.vals[:start[ps.n]]
	next := slices.Clone(start[:ps.n])
	for _, samples := range parts {
		for _, s := range samples {
			if pn, _ := unpackKey(s.key); pn != noPeriod {
				i := pn - ps.first
				vals[next[i]] = s.v
				next[i]++
			}
		}
	}
	cells := make([]DurationPeriod, ps.n)
	for i := range cells {
		seg := vals[start[i]:start[i+1]]
		var st DurationStats
		if len(seg) < selectBelow {
			st = durationStats(seg)
		} else {
			sc.hist[0] = clearHist(sc.hist[0])
			over := sc.over[0][:0]
			for _, v := range seg {
				if v < histCap {
					sc.hist[0][v]++
				} else {
					over = append(over, v)
				}
			}
			st = histStats(sc.hist[0], over, len(seg))
			sc.over[0] = over
		}
		cells[i] = DurationPeriod{Period: ps.label(i), Partial: ps.partial(i), DurationStats: st}
	}
	if ps.quarterly {
		out.ByQuarter = cells
	} else {
		out.ByMonth = cells
	}
	out.Sentence = durationSentence(def.what, out.DurationStats)
	return out
}

// clearHist returns h, made histCap long and zeroed.
func clearHist(h []int32) []int32 {
	if len(h) != histCap {
		return make([]int32, histCap)
	}
	clear(h)
	return h
}

// histStats returns the median and 90th percentile of n values: those
// under histCap counted in hist (hist[v] values equal v), the rest in over.
// over is sorted.
func histStats(hist, over []int32, n int) DurationStats {
	if n == 0 {
		return durationStats(nil)
	}
	slices.Sort(over)
	below := n - len(over)
	// The order statistics the two percentiles need, in increasing order.
	var ranks [4]int
	var fracs [2]float64
	for i, q := range [2]float64{0.5, 0.9} {
		h := q * float64(n-1)
		k := int(h)
		ranks[2*i], ranks[2*i+1] = k, min(k+1, n-1)
		fracs[i] = h - float64(k)
	}
	order := [4]int{0, 1, 2, 3}
	slices.SortFunc(order[:], func(a, b int) int { return ranks[a] - ranks[b] })
	var vals [4]float64
	j, cum := 0, 0
	for v := 0; v < histCap && j < 4 && ranks[order[j]] < below; v++ {
		cum += int(hist[v])
		for j < 4 && ranks[order[j]] < cum {
			vals[order[j]] = float64(v)
			j++
		}
	}
	for ; j < 4; j++ {
		vals[order[j]] = float64(over[ranks[order[j]]-below])
	}
	return DurationStats{
		Count:         n,
		MedianSeconds: Float(vals[0] + fracs[0]*(vals[1]-vals[0])),
		P90Seconds:    Float(vals[2] + fracs[1]*(vals[3]-vals[2])),
	}
}

// durationStats returns the median and 90th percentile of vals by
// selection, reordering vals.
func durationStats(vals []int32) DurationStats {
	if len(vals) == 0 {
		return DurationStats{MedianSeconds: Float(math.NaN()), P90Seconds: Float(math.NaN())}
	}
	return DurationStats{
		Count:         len(vals),
		MedianSeconds: Float(quantile(vals, 0.5)),
		P90Seconds:    Float(quantile(vals, 0.9)),
	}
}

// quantile returns the q-quantile of a (0 <= q <= 1), interpolating between
// the two nearest ranks: with h = q·(n−1), x[⌊h⌋] + (h−⌊h⌋)·(x[⌊h⌋+1]−x[⌊h⌋])
// where x is a sorted. a is reordered but not sorted. len(a) must be > 0.
func quantile(a []int32, q float64) float64 {
	h := q * float64(len(a)-1)
	k := int(h)
	selectKth(a, k)
	x := float64(a[k])
	if frac := h - float64(k); frac > 0 && k+1 < len(a) {
		// After selection everything past k is >= a[k]; the next order
		// statistic is the least of them.
		y := slices.Min(a[k+1:])
		return x + frac*(float64(y)-x)
	}
	return x
}

// selectKth reorders a so that a[k] is the value a sorted a would hold
// there, everything before it is <= and everything after >= (Hoare's
// quickselect with a median-of-three pivot, falling back to sorting if the
// pivots keep being poor, so the worst case is O(n log n)).
func selectKth(a []int32, k int) {
	lo, hi := 0, len(a)-1
	for budget := 2*bits.Len(uint(len(a))) + 8; hi > lo; budget-- {
		if hi-lo < 16 || budget == 0 {
			slices.Sort(a[lo : hi+1])
			return
		}
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for a[j] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		// Now a[lo..j] <= pivot, a[i..hi] >= pivot, and anything between
		// equals the pivot.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}
