package outcomes

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// Calendar arithmetic on day numbers (days since 1970-01-01 in the agency's
// zone). time.Time.In and Date cost tens of nanoseconds each, which at a
// million encounters is a fifth of the time budget; the zone's offset is
// instead looked up in a table of its transitions and the civil date is
// computed with integer arithmetic.

// daysFromCivil returns the day number of y-m-d in the proleptic Gregorian
// calendar (Howard Hinnant's days_from_civil).
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y int64, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// monthOfDay returns the month number (year*12 + month-1) of day number z.
func monthOfDay(z int64) int64 {
	y, m, _ := civilFromDays(z)
	return y*12 + int64(m-1)
}

// monthLabel writes month number mn as "2015-07".
func monthLabel(mn int64) string {
	return fmt.Sprintf("%04d-%02d", floorDiv(mn, 12), mn-floorDiv(mn, 12)*12+1)
}

// quarterLabel writes quarter number qn (year*4 + quarter-1) as "2015-Q3".
func quarterLabel(qn int64) string {
	return fmt.Sprintf("%04d-Q%d", floorDiv(qn, 4), qn-floorDiv(qn, 4)*4+1)
}

// zoneSpan is a stretch of time with one UTC offset.
type zoneSpan struct {
	start, end int64 // Unix seconds, [start, end)
	offset     int64 // seconds east of UTC
}

// localDays turns instants into day numbers in one zone. It learns the
// zone's spans as instants arrive, so data in any order costs one lookup in
// a short sorted table per instant (a dozen spans cover ten years).
type localDays struct {
	loc   *time.Location
	spans []zoneSpan // sorted and disjoint
	last  int        // index of the span that answered last (data is mostly in time order)
}

func newLocalDays(loc *time.Location) *localDays {
	if loc == nil {
		loc = time.UTC
	}
	return &localDays{loc: loc}
}

// spanAt asks the time package for the zone span holding Unix second u.
func (c *localDays) spanAt(u int64) zoneSpan {
	t := time.Unix(u, 0).In(c.loc)
	_, off := t.Zone()
	start, end := t.ZoneBounds()
	s := zoneSpan{start: math.MinInt64, end: math.MaxInt64, offset: int64(off)}
	if !start.IsZero() {
		s.start = start.Unix()
	}
	if !end.IsZero() {
		s.end = end.Unix()
	}
	if s.start > u || s.end <= u { // not expected; keep the table consistent anyway
		s.start, s.end = u, u+1
	}
	return s
}

// dayOfUnix returns the day number in the zone of Unix second u.
func (c *localDays) dayOfUnix(u int64) int64 {
	if c.last < len(c.spans) {
		if s := &c.spans[c.last]; u >= s.start && u < s.end {
			return floorDiv(u+s.offset, 86400)
		}
	}
	i := sort.Search(len(c.spans), func(i int) bool { return c.spans[i].end > u })
	if i == len(c.spans) || u < c.spans[i].start {
		s := c.spanAt(u)
		// Spans are whole zone periods, so s overlaps no span in the table.
		c.spans = slices.Insert(c.spans, i, s)
	}
	c.last = i
	return floorDiv(u+c.spans[i].offset, 86400)
}

// dayOfDate returns the day number of a calendar date given as y, m, d.
func dayOfDate(y int, m time.Month, d int) int64 { return daysFromCivil(int64(y), int(m), d) }
