package citdesk

import (
	"cmp"
	"slices"
	"sort"
	"time"
)

// Coverage is how much of a period had at least one CIT-certified officer on
// duty, overall and by hour of the week, for the coordinator's heat map.
type Coverage struct {
	From, To time.Time
	// Cells is indexed [weekday (time.Sunday = 0)][local hour]. A cell adds
	// up every occurrence of that hour of the week in the range.
	Cells          [7][24]CoverageCell
	Covered, Total time.Duration // over the whole range
}

// CoverageCell is the covered and elapsed time of one hour-of-week slot.
type CoverageCell struct {
	Covered, Total time.Duration
}

// Share returns the covered fraction of the cell, 0 when it had no time.
func (c CoverageCell) Share() float64 {
	if c.Total <= 0 {
		return 0
	}
	return float64(c.Covered) / float64(c.Total)
}

// Share returns the covered fraction of the whole range, 0 when it is empty.
func (c Coverage) Share() float64 {
	return CoverageCell{Covered: c.Covered, Total: c.Total}.Share()
}

// ComputeCoverage measures, for [from, to), the time during which at least
// one CIT-certified officer was on duty, by wall-clock hour of the week in
// loc (UTC when nil).
//
// changes holds every officer's status changes in [from, to) plus each
// officer's last change before from, in any order; changes at or after to
// are ignored, and an officer with no change before from is off duty until
// their first. An officer is on duty from a change to a status for which
// DutyStatus.OnDuty is true until their next change to one for which it is
// false (off_duty, or an unknown status); moving between on-duty statuses
// does not interrupt it. Changes of one officer at the same instant apply in
// ID order.
//
// certified reports whether an officer counts as CIT certified on a local
// day; it is asked at most once per officer per day on duty. A nil certified
// counts every officer, which measures plain on-duty coverage.
//
// The measure is time-weighted in real time: the range is walked in UTC and
// each stretch is credited to the local (weekday, hour) it falls in, so on a
// spring-forward day the skipped hour's cell gets nothing and on a
// fall-back day the repeated hour's cell gets two hours. Several officers on
// duty together count once. The work is a sort of the changes plus one pass
// over the hours of the range, so a year with many thousands of changes is
// quick.
func ComputeCoverage(changes []*StatusChange, certified func(officerID int64, day Date) bool, from, to time.Time, loc *time.Location) Coverage {
	cov := Coverage{From: from, To: to}
	if !from.Before(to) {
		return cov
	}
	if loc == nil {
		loc = time.UTC
	}
	slots := coverageHourSlots(from, to, loc)
	days := coverageDays(slots)
	duty := onDutySpans(changes, from, to)
	covered := unionTimeSpans(certifiedDutySpans(duty, days, certified))

	j := 0 // first covered span that may reach the current slot
	for _, s := range slots {
		cell := &cov.Cells[s.weekday][s.hour]
		cell.Total += s.end.Sub(s.start)
		for j < len(covered) && !covered[j].end.After(s.start) {
			j++
		}
		for k := j; k < len(covered) && covered[k].start.Before(s.end); k++ {
			start := laterTime(covered[k].start, s.start)
			end := earlierTime(covered[k].end, s.end)
			cell.Covered += end.Sub(start)
		}
	}
	for wd := range cov.Cells {
		for h := range cov.Cells[wd] {
			cov.Covered += cov.Cells[wd][h].Covered
			cov.Total += cov.Cells[wd][h].Total
		}
	}
	return cov
}

// timeSpan is a stretch of real time [start, end).
type timeSpan struct {
	start, end time.Time
}

// officerDutySpan is a stretch of time one officer was on duty.
type officerDutySpan struct {
	officerID int64
	timeSpan
}

// coverageHourSlot is a stretch of real time inside one local wall-clock hour of one
// local day.
type coverageHourSlot struct {
	timeSpan
	weekday time.Weekday
	hour    int
	day     Date
}

// coverageHourSlots cuts [from, to) at every local hour boundary and every change of
// loc's offset, so each piece lies in one local hour of one local day, even
// in zones whose offset is not a whole number of hours or that change it
// in the middle of an hour.
func coverageHourSlots(from, to time.Time, loc *time.Location) []coverageHourSlot {
	slots := make([]coverageHourSlot, 0, int(to.Sub(from)/time.Hour)+2)
	for t := from; t.Before(to); {
		lt := t.In(loc)
		intoHour := time.Duration(lt.Minute())*time.Minute +
			time.Duration(lt.Second())*time.Second +
			time.Duration(lt.Nanosecond())
		next := t.Add(time.Hour - intoHour)
		if _, zoneEnd := lt.ZoneBounds(); !zoneEnd.IsZero() && zoneEnd.After(t) && zoneEnd.Before(next) {
			next = zoneEnd
		}
		next = earlierTime(next, to)
		slots = append(slots, coverageHourSlot{
			timeSpan: timeSpan{t, next},
			weekday:  lt.Weekday(),
			hour:     lt.Hour(),
			day:      NewDate(lt.Year(), lt.Month(), lt.Day()),
		})
		t = next
	}
	return slots
}

// coverageDay is the part of the range that falls on one local day.
type coverageDay struct {
	timeSpan
	day Date
}

// coverageDays joins consecutive slots of the same local day.
func coverageDays(slots []coverageHourSlot) []coverageDay {
	var days []coverageDay
	for _, s := range slots {
		if n := len(days); n > 0 && days[n-1].day.DaysUntil(s.day) == 0 {
			days[n-1].end = s.end
			continue
		}
		days = append(days, coverageDay{timeSpan: s.timeSpan, day: s.day})
	}
	return days
}

// onDutySpans returns each officer's on-duty stretches clipped to
// [from, to), grouped by officer and in time order within each officer.
func onDutySpans(changes []*StatusChange, from, to time.Time) []officerDutySpan {
	// Sorting small values keyed by the offset from from is several times
	// quicker than sorting the pointers by time.Time.
	type point struct {
		officerID, id int64
		at            time.Duration // since from; negative before it
		onDuty        bool
	}
	points := make([]point, 0, len(changes))
	for _, c := range changes {
		if c != nil && c.At.Before(to) {
			points = append(points, point{c.OfficerID, c.ID, c.At.Sub(from), c.Status.OnDuty()})
		}
	}
	slices.SortFunc(points, func(a, b point) int {
		switch {
		case a.officerID != b.officerID:
			return cmp.Compare(a.officerID, b.officerID)
		case a.at != b.at:
			return cmp.Compare(a.at, b.at)
		}
		return cmp.Compare(a.id, b.id)
	})

	var spans []officerDutySpan
	for i := 0; i < len(points); {
		id := points[i].officerID
		onDuty := false
		var since time.Duration
		for ; i < len(points) && points[i].officerID == id; i++ {
			p := points[i]
			at := max(p.at, 0) // a change before from sets the state at from
			switch {
			case p.onDuty && !onDuty:
				onDuty, since = true, at
			case !p.onDuty && onDuty:
				onDuty = false
				if since < at {
					spans = append(spans, officerDutySpan{id, timeSpan{from.Add(since), from.Add(at)}})
				}
			}
		}
		if onDuty {
			spans = append(spans, officerDutySpan{id, timeSpan{from.Add(since), to}})
		}
	}
	return spans
}

// certifiedDutySpans returns the parts of the on-duty spans that fall on local
// days when the officer was CIT certified. duty must be grouped by officer
// and in time order within each, as onDutySpans returns it, so that one
// remembered answer per officer asks certified once per officer-day.
func certifiedDutySpans(duty []officerDutySpan, days []coverageDay, certified func(officerID int64, day Date) bool) []timeSpan {
	var out []timeSpan
	if certified == nil {
		for _, d := range duty {
			out = append(out, d.timeSpan)
		}
		return out
	}
	lastID, lastDay, lastAnswer := int64(0), -1, false
	for _, d := range duty {
		if d.officerID != lastID {
			lastID, lastDay = d.officerID, -1
		}
		i := sort.Search(len(days), func(i int) bool { return days[i].end.After(d.start) })
		for ; i < len(days) && days[i].start.Before(d.end); i++ {
			if i != lastDay {
				lastDay, lastAnswer = i, certified(d.officerID, days[i].day)
			}
			if lastAnswer {
				out = append(out, timeSpan{laterTime(d.start, days[i].start), earlierTime(d.end, days[i].end)})
			}
		}
	}
	return out
}

// unionTimeSpans merges overlapping and touching spans into disjoint spans in
// time order.
func unionTimeSpans(spans []timeSpan) []timeSpan {
	slices.SortFunc(spans, func(a, b timeSpan) int { return a.start.Compare(b.start) })
	var out []timeSpan
	for _, s := range spans {
		if n := len(out); n > 0 && !s.start.After(out[n-1].end) {
			out[n-1].end = laterTime(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// laterTime returns the later of a and b.
func laterTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// earlierTime returns the earlier of a and b.
func earlierTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
