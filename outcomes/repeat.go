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

// countRepeatKeys fills the repeat-contact measures in acc (stride pairs
// per group, groups as in Compute) from one key per dated encounter of a
// known person in the range (repeatKey; person offsets of at most
// personBits bits).
//
// For a group (all, CIT, non-CIT, one period), the denominator is the
// number of distinct people with an encounter in the group, and the
// numerator the number of those with an encounter in the group that is
// followed by another encounter of theirs in the range no more than N
// calendar days later (the same day counts). A person can count in both
// sides of the CIT split, and in several periods.
//
// The keys are radix sorted (buf, as long as keys, is the sort's other
// half), and each person's run walked once: a million encounters take tens
// of milliseconds, where sorting structs by comparison takes several times
// as long. (Sorting in place, with no second array, took twice as long.)
func countRepeatKeys(keys, buf []uint64, personBits int, acc []pair, stride int, ps *periods) {
	if len(keys) == 0 {
		return
	}
	minD, maxD := uint64(math.MaxUint64), uint64(0)
	for _, k := range keys {
		d := k >> 2 & repeatDayMask
		minD, maxD = min(minD, d), max(maxD, d)
	}
	// The period of each day of the span, looked up rather than computed.
	periodOf := make([]int32, maxD-minD+1)
	for d := range periodOf {
		periodOf[d] = int32(ps.number(repeatDayBase+int64(minD)+int64(d)) - ps.first)
	}
	keys = radixSort(keys, buf, personBits+repeatPersonShift)

	personOf := func(k uint64) uint64 { return k >> repeatPersonShift }
	dayOf := func(k uint64) int64 { return int64(k >> 2 & repeatDayMask) }
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
			w.encounter(int(periodOf[dayOf(keys[j])-int64(minD)]), int(keys[j]&3), gap)
		}
		w.finish()
		a = b
	}
}

// A repeat key packs, from the top: the person (as an offset from the
// least person key), the day (as days from repeatDayBase, the first day
// Compute reads as a date), and the CIT group (0 unknown, gCIT, gNonCIT).
// Sorted, each person's encounters are together and in day order.
const (
	repeatDayBits     = 22 // the days from the year 1 to 9999, with margin
	repeatDayMask     = 1<<repeatDayBits - 1
	repeatPersonShift = repeatDayBits + 2
	maxPersonBits     = 64 - repeatPersonShift
)

// repeatDayBase is the day number of repeatKey's day 0: a day before the
// first instant Compute reads as a date, in any zone.
var repeatDayBase = floorDiv(minSupported, 86400) - 2

// repeatKey returns the key of an encounter of the person person keys
// above the least, on day, with CIT group gc (-1 unknown).
func repeatKey(person, day int64, gc int) uint64 {
	return uint64(person)<<repeatPersonShift | uint64(day-repeatDayBase)<<2 | uint64(max(gc, 0))
}

// packRepeats decides how the pass keeps repeat-contact samples: as
// repeatKeys when src is columns whose person keys span at most
// maxPersonBits bits (database ids always do), else as rsamples.
func (c *computation) packRepeats(src encounterSource) {
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	each := func(p int64) {
		if p != 0 {
			lo, hi = min(lo, p), max(hi, p)
		}
	}
	s, ok := src.(columnEncounters)
	if !ok {
		// Encounter values: reading every one for its person key costs
		// more than the samples do (countRepeatSamples packs them after).
		return
	}
	for _, p := range s.c.enc.person {
		each(p)
	}
	if lo > hi {
		lo, hi = 0, 0
	}
	c.minPerson, c.personBits = lo, bits.Len64(uint64(hi)-uint64(lo))
	c.packed = c.personBits <= maxPersonBits
}

// countRepeatSamples is countRepeatKeys over samples: packed into keys
// when their person keys allow it, else sorted by comparison.
func countRepeatSamples(parts [][]rsample, acc []pair, stride int, ps *periods) {
	n := 0
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, s := range parts {
		n += len(s)
		for i := range s {
			lo, hi = min(lo, s[i].person), max(hi, s[i].person)
		}
	}
	if n == 0 {
		return
	}
	personBits := bits.Len64(uint64(hi) - uint64(lo))
	if personBits > maxPersonBits {
		countRepeatsSorted(slices.Concat(parts...), acc, stride, ps)
		return
	}
	keys, buf := getKeys(n), getKeys(n)
	defer putKeys(keys)
	defer putKeys(buf)
	keys = keys[:0]
	for _, s := range parts {
		for i := range s {
			_, gc := unpackKey(s[i].key)
			keys = append(keys, repeatKey(s[i].person-lo, int64(s[i].day), gc))
		}
	}
	countRepeatKeys(keys, buf, personBits, acc, stride, ps)
}

// countRepeatsSorted is countRepeatKeys by comparison sort, for person
// keys too spread out to pack. Encounters of one person on one day are
// taken in the order of their CIT group, as the packed keys sort them (of
// two on the same day, the first is followed within every window and the
// second may not be).
func countRepeatsSorted(s []rsample, acc []pair, stride int, ps *periods) {
	slices.SortFunc(s, func(a, b rsample) int {
		_, ga := unpackKey(a.key)
		_, gb := unpackKey(b.key)
		return cmp.Or(cmp.Compare(a.person, b.person), cmp.Compare(a.day, b.day), cmp.Compare(max(ga, 0), max(gb, 0)))
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

// radixSort sorts keys, of which only the low keyBits bits may differ,
// using buf (as long as keys) as the other half of each pass, and returns
// whichever of the two holds the result. A digit every key shares is
// skipped, so the day bits that no record reaches cost nothing.
func radixSort(keys, buf []uint64, keyBits int) []uint64 {
	const digitBits = 11
	const buckets = 1 << digitBits
	var count [buckets]int
	src, dst := keys, buf
	for shift := 0; shift < keyBits && len(src) > 0; shift += digitBits {
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
