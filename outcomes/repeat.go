package outcomes

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

// repeatWindows are the repeat-contact windows in days, in the order of the
// measures mRepeat30, mRepeat90, mRepeat365.
var repeatWindows = [3]int64{30, 90, 365}

// countRepeats fills the repeat-contact measures in acc (stride pairs per
// group, groups as in Compute) from one sample per dated encounter of a
// known person in the range.
//
// For a group (all, CIT, non-CIT, one period), the denominator is the
// number of distinct people with an encounter in the group, and the
// numerator the number of those with an encounter in the group that is
// followed by another encounter of theirs in the range no more than N
// calendar days later (the same day counts). A person can count in both
// sides of the CIT split, and in several periods.
//
// The samples are packed into one integer each (person, day, CIT group,
// offset from the least of each, so the key is as short as the data
// allows), radix sorted, and each person's run walked once: a million
// encounters take tens of milliseconds, where sorting structs by
// comparison takes several times as long.
func countRepeats(parts [][]rsample, acc []pair, stride int, ps *periods, sc *scratch) {
	n := 0
	minP, maxP := int64(math.MaxInt64), int64(math.MinInt64)
	minD, maxD := int32(math.MaxInt32), int32(math.MinInt32)
	for _, s := range parts {
		n += len(s)
		for i := range s {
			minP, maxP = min(minP, s[i].person), max(maxP, s[i].person)
			minD, maxD = min(minD, s[i].day), max(maxD, s[i].day)
		}
	}
	if n == 0 {
		return
	}
	personBits := bits.Len64(uint64(maxP) - uint64(minP))
	dayBits := bits.Len64(uint64(int64(maxD) - int64(minD)))
	if personBits+dayBits+2 > 64 || dayBits > 24 {
		// Person keys spread over the whole int64 range (hashes, say): no
		// short key, so sort the samples themselves.
		countRepeatsSorted(slices.Concat(parts...), acc, stride, ps)
		return
	}

	// The period of each day of the span, looked up rather than computed.
	periodOf := make([]int32, int(maxD-minD)+1)
	for d := range periodOf {
		periodOf[d] = int32(ps.number(int64(minD)+int64(d)) - ps.first)
	}

	keys := slices.Grow(sc.keys[:0], n)[:0]
	for _, s := range parts {
		for i := range s {
			r := &s[i]
			_, gc := unpackKey(r.key)
			keys = append(keys, (uint64(r.person)-uint64(minP))<<(dayBits+2)|uint64(r.day-minD)<<2|uint64(max(gc, 0)))
		}
	}
	buf := slices.Grow(sc.keys2[:0], n)[:n]
	sorted := radixSort(keys, buf, personBits+dayBits+2)
	if &sorted[0] != &keys[0] {
		keys, buf = buf, keys
	}
	sc.keys, sc.keys2 = keys[:0], buf[:0] // two distinct arrays for next time

	personOf := func(k uint64) uint64 { return k >> (dayBits + 2) }
	dayOf := func(k uint64) int64 { return int64(k>>2) & (1<<dayBits - 1) }
	w := walker{acc: acc, stride: stride}
	for a := 0; a < len(keys); {
		b := a + 1
		for b < len(keys) && personOf(keys[b]) == personOf(keys[a]) {
			b++
		}
		w.start()
		for j := a; j < b; j++ {
			gap := int64(-1)
			if j+1 < b {
				gap = dayOf(keys[j+1]) - dayOf(keys[j])
			}
			w.encounter(int(periodOf[dayOf(keys[j])]), int(keys[j]&3), gap)
		}
		w.finish()
		a = b
	}
}

// countRepeatsSorted is countRepeats by comparison sort, for person keys
// too spread out to pack.
func countRepeatsSorted(s []rsample, acc []pair, stride int, ps *periods) {
	slices.SortFunc(s, func(a, b rsample) int {
		return cmp.Or(cmp.Compare(a.person, b.person), cmp.Compare(a.day, b.day))
	})
	w := walker{acc: acc, stride: stride}
	for a := 0; a < len(s); {
		b := a + 1
		for b < len(s) && s[b].person == s[a].person {
			b++
		}
		w.start()
		for j := a; j < b; j++ {
			gap := int64(-1)
			if j+1 < b {
				gap = int64(s[j+1].day) - int64(s[j].day)
			}
			pn, gc := unpackKey(s[j].key)
			w.encounter(int(pn-ps.first), max(gc, 0), gap)
		}
		w.finish()
		a = b
	}
}

// walker counts one person's encounters, in day order, into the repeat
// measures.
type walker struct {
	acc     []pair
	stride  int
	any     [3]bool // some encounter was followed within each window
	cit     [3]bool // some CIT encounter was
	non     [3]bool // some non-CIT encounter was
	seg     [3]bool // some encounter of the current period was
	seenCIT bool
	seenNon bool
	period  int // current period index, -1 before the first
}

func (w *walker) start() {
	*w = walker{acc: w.acc, stride: w.stride, period: -1}
}

// encounter takes the person's next encounter: its period index, CIT group
// (0 unknown) and the days to the person's following encounter (-1: none).
func (w *walker) encounter(period, gc int, gap int64) {
	if period != w.period {
		w.flushPeriod()
		w.period, w.seg = period, [3]bool{}
	}
	switch gc {
	case gCIT:
		w.seenCIT = true
	case gNonCIT:
		w.seenNon = true
	}
	if gap < 0 {
		return
	}
	for i, n := range repeatWindows {
		if gap <= n {
			w.any[i], w.seg[i] = true, true
			switch gc {
			case gCIT:
				w.cit[i] = true
			case gNonCIT:
				w.non[i] = true
			}
		}
	}
}

func (w *walker) flushPeriod() {
	if w.period >= 0 {
		w.add(gPeriod+w.period, w.seg)
	}
}

func (w *walker) finish() {
	w.flushPeriod()
	w.add(gTotal, w.any)
	if w.seenCIT {
		w.add(gCIT, w.cit)
	}
	if w.seenNon {
		w.add(gNonCIT, w.non)
	}
}

// add counts the person once in group g of each window's measure.
func (w *walker) add(g int, num [3]bool) {
	c := w.acc[g*w.stride+mRepeat30:][:3]
	for i := range c {
		c[i].den++
		c[i].num += b32(num[i])
	}
}

// radixSort sorts keys, of which only the low keyBits bits are set, using
// buf (as long as keys) as the other half of each pass, and returns
// whichever of the two holds the result.
func radixSort(keys, buf []uint64, keyBits int) []uint64 {
	const digitBits = 11
	const buckets = 1 << digitBits
	var count [buckets]int
	src, dst := keys, buf
	for shift := 0; shift < keyBits; shift += digitBits {
		clear(count[:])
		for _, k := range src {
			count[(k>>shift)&(buckets-1)]++
		}
		if count[(src[0]>>shift)&(buckets-1)] == len(src) {
			continue // every key has this digit
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, k := range src {
			d := (k >> shift) & (buckets - 1)
			dst[count[d]] = k
			count[d]++
		}
		src, dst = dst, src
	}
	return src
}
