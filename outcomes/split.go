package outcomes

import (
	"math"
	"runtime"
	"sync"
	"time"
)

// Split is one encounter measure by month for each side of the CIT split:
// the dashboard draws them as two lines beside the total. Report has the
// split for the whole range only; this is the same split month by month.
type Split struct {
	CIT    []PeriodCell `json:"cit"`
	NonCIT []PeriodCell `json:"non_cit"`
}

// splitRow holds one month's sums: [CIT side][measure].
type splitRow [2][numEncounterMeasures]pair

// SplitByMonth returns every encounter measure that has a CIT split (all
// those DrillableIDs gives but cit_officer, which is the split) by month,
// for the encounters whose officer's certification is known, over the
// range of p. Its months are those of Compute's ByMonth for the same p
// (every month of a closed range; for an open one, from the first to the
// last month with an encounter of known certification); each cell's definitions are Compute's (TestSplitByMonth holds
// them together). Repeat contacts and the referral measures are not split
// by month. It is a second pass over the encounters, about a third of
// Compute's time.
func SplitByMonth(encs []Encounter, p Params) map[string]Split {
	return splitByMonth(encounterSlice(encs), p)
}

// splitByMonth is SplitByMonth over any source of encounters.
func splitByMonth(encs encounterSource, p Params) map[string]Split {
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	fromDay, toDay := int64(math.MinInt64), int64(math.MaxInt64)
	if !p.From.IsZero() {
		y, m, d := p.From.Time(time.UTC).Date()
		fromDay = dayOfDate(y, m, d)
	}
	if !p.To.IsZero() {
		y, m, d := p.To.Time(time.UTC).Date()
		toDay = dayOfDate(y, m, d)
	}
	nowU, today := int64(math.MaxInt64), int64(math.MaxInt64)
	if !p.Now.IsZero() {
		nowU = p.Now.Unix()
		today = newLocalDays(loc).dayOfUnix(nowU)
	}
	ps := &periods{fromDay: fromDay, lastDay: min(toDay, today)} // for partial, as Compute's

	workers := 1
	n := encs.Len()
	if n >= parallelFrom {
		workers = min(runtime.GOMAXPROCS(0), 4)
	}
	parts := make([]map[int64]*splitRow, workers)
	var wg sync.WaitGroup
	for w := range parts {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() { parts[w] = splitPass(encs, lo, hi, loc, fromDay, toDay, nowU) })
	}
	wg.Wait()
	months := parts[0]
	for _, part := range parts[1:] {
		for mn, src := range part {
			dst, ok := months[mn]
			if !ok {
				months[mn] = src
				continue
			}
			for side := range dst {
				for m := range dst[side] {
					dst[side][m].num += src[side][m].num
					dst[side][m].den += src[side][m].den
					dst[side][m].imprecise += src[side][m].imprecise
				}
			}
		}
	}

	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for mn := range months {
		first, last = min(first, mn), max(last, mn)
	}
	if !p.From.IsZero() && !p.To.IsZero() && fromDay <= toDay {
		first, last = monthOfDay(fromDay), monthOfDay(toDay) // every month of a closed range, as Compute
	}
	out := make(map[string]Split, numEncounterMeasures)
	for m := range numEncounterMeasures {
		def := measureDefs[m]
		if def.noSplit {
			continue
		}
		var s Split
		for mn := first; mn <= last; mn++ {
			row, ok := months[mn]
			if !ok {
				row = &splitRow{}
			}
			label := monthLabel(mn)
			ps.first = mn
			partial := ps.partial(0)
			for side, dst := range []*[]PeriodCell{&s.CIT, &s.NonCIT} {
				a := row[side][m]
				den := int(a.den)
				if def.unit == UnitCount {
					den = -1
				}
				c := newCell(int(a.num), den)
				c.Imprecise = int(a.imprecise)
				*dst = append(*dst, PeriodCell{Period: label, Partial: partial, Cell: c})
			}
		}
		out[def.id] = s
	}
	return out
}

// splitPass sums one share of the encounters, lo to hi of src, by month
// and side.
func splitPass(src encounterSource, lo, hi int, loc *time.Location, fromDay, toDay, nowU int64) map[int64]*splitRow {
	months := map[int64]*splitRow{}
	ld := newLocalDays(loc)
	var lastMonth int64 = math.MinInt64
	var lastLo, lastHi int64 = 1, 0 // day range of lastMonth
	var row *splitRow
	eachChunk(src, lo, hi, func(encs []Encounter) {
		lastMonth, lastLo, lastHi, row = splitChunk(encs, months, ld, fromDay, toDay, nowU, lastMonth, lastLo, lastHi, row)
	})
	return months
}

// splitChunk is splitPass over one chunk: it carries the month last
// looked up from one chunk to the next.
func splitChunk(encs []Encounter, months map[int64]*splitRow, ld *localDays, fromDay, toDay, nowU int64,
	lastMonth, lastLo, lastHi int64, row *splitRow) (int64, int64, int64, *splitRow) {
	for i := range encs {
		e := &encs[i]
		side := 0
		switch e.OfficerCIT {
		case Yes:
		case No:
			side = 1
		default:
			continue
		}
		if e.Occurred.IsZero() {
			continue
		}
		u := e.Occurred.Unix()
		if u < minSupported || u >= maxSupported {
			continue
		}
		day := ld.dayOfUnix(u)
		if e.Precision >= PrecisionMonth {
			if in, monthly := placeCoarse(day, e.Precision, fromDay, toDay); !in || !monthly {
				continue // out of the range, or in no month
			}
		} else if day < fromDay || day > toDay {
			continue
		}
		if day < lastLo || day >= lastHi {
			lastMonth = monthOfDay(day)
			lastLo, lastHi = monthStart(lastMonth), monthStart(lastMonth+1)
			if row = months[lastMonth]; row == nil {
				row = &splitRow{}
				months[lastMonth] = row
			}
		}
		r := &row[side]
		for m := range numEncounterMeasures {
			inDen, counted := encounterIn(m, e, true, nowU)
			if inDen {
				r[m].den++
				r[m].num += b32(counted)
			}
		}
		if e.coarserThanHour() {
			if due, _ := submittedOnTime(e, true, nowU); due {
				r[mReportsSubmitted24h].imprecise++
			}
		}
	}
	return lastMonth, lastLo, lastHi, row
}

// monthStart returns the day number of the first day of month number mn.
func monthStart(mn int64) int64 {
	y := floorDiv(mn, 12)
	return daysFromCivil(y, int(mn-y*12)+1, 1)
}
