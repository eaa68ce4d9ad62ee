package citdesk

import (
	"cmp"
	"fmt"
	"slices"
)

// DeriveCITStatus works out an officer's CIT standing on today from the
// officer's training records, under the agency policy p. Records dated after
// today are ignored, as if not yet entered.
//
// The rules, with their exact edges:
//
//   - Without a cit_basic record (the 40-hour course) completed on or before
//     today the officer is not_trained. Only the most recent such course
//     counts: a retake restarts the grace period, and only cit_inservice
//     hours completed strictly after it count as refresher hours.
//   - The grace period runs from the basic course up to, not including,
//     basic.AddMonthsClamped(p.GraceMonths): a course on 2024-05-01 gives
//     grace through 2026-04-30, and one on 2024-02-29 through 2026-02-27
//     (2024-02-29 + 24 months clamps to 2026-02-28). The officer is
//     certified every day of it.
//   - From then on the officer is certified on day D when the refresher
//     hours completed in the window (D − p.RefresherMonths, D] total at
//     least p.RefresherHours, where D − n months is D.AddMonthsClamped(−n).
//     The window excludes its lower edge, so a record completed on
//     2024-03-15 counts through 2026-03-14 and not on 2026-03-15; a record
//     from 2024-02-29 counts through 2026-02-28 and not on 2026-03-01.
//   - Until is always the last day on which the officer is (or was)
//     certified, so the first day not certified is Until + 1. For a
//     certified officer it is the last day the certification holds if no
//     more training is added: the later of the last grace day and the day
//     before old refresher hours age out of the window far enough to leave
//     less than the policy. For a lapsed officer it is the last day certified
//     before today, and the Reason names Until + 1 as the day it lapsed; it
//     is zero when the officer was never certified (a policy with no grace
//     period and no refresher hours on record).
//   - A certified officer is expiring when Until is at most p.ExpiringDays
//     days after today, inclusive: with 60 days, Until 60 days away is
//     expiring and 61 days away is certified.
//
// A policy with a non-positive RefresherHours or RefresherMonths takes the
// DefaultPolicy value for that field, since a certification must end some
// time; a negative GraceMonths or ExpiringDays counts as zero.
func DeriveCITStatus(records []*TrainingRecord, p Policy, today Date) CITStanding {
	p = certificationPolicy(p)
	basic, ok := latestBasicCourse(records, today)
	if !ok {
		return CITStanding{
			Status: CITNotTrained,
			Reason: "The 40-hour CIT course is not on record.",
		}
	}
	graceEnd := basic.AddMonthsClamped(p.GraceMonths) // first day after the grace period
	lastGraceDay := graceEnd.AddDate(0, 0, -1)
	refs := refresherBlocks(records, basic, today, p.RefresherMonths)
	held := refresherHoursOn(refs, today)

	inGrace := today.Before(graceEnd)
	if inGrace || meetsPolicy(held, p.RefresherHours) {
		until := lastGraceDay
		if last, ok := lastCurrentDay(refs, today, p.RefresherHours); ok && last.After(until) {
			until = last
		}
		status := CITCertified
		if today.DaysUntil(until) <= p.ExpiringDays {
			status = CITExpiring
		}
		var reason string
		switch {
		case inGrace && lastGraceDay.DaysUntil(until) == 0:
			reason = fmt.Sprintf("In grace period after the 40-hour course (%s) through %s.", basic, until)
		case inGrace:
			reason = fmt.Sprintf("In grace period after the 40-hour course (%s) through %s; %.1f refresher hours in %s keep it through %s.",
				basic, lastGraceDay, held, lastMonths(p.RefresherMonths), until)
		default:
			reason = fmt.Sprintf("Current: %.1f refresher hours in %s; holds through %s.", held, lastMonths(p.RefresherMonths), until)
		}
		if status == CITExpiring {
			lapse := until.AddDate(0, 0, 1)
			need := p.RefresherHours - refresherHoursOn(refs, lapse)
			reason += fmt.Sprintf(" Complete %.1f more refresher hours by %s to stay current.", need, lapse)
		}
		return CITStanding{Status: status, Until: until, Reason: reason}
	}

	// Lapsed: find the last day before today that was certified. Certification
	// can only end the day before the grace period ends or the day before a
	// record ages out, so those are the only candidates.
	certifiedOn := func(d Date) bool {
		return !d.Before(basic) && (d.Before(graceEnd) || meetsPolicy(refresherHoursOn(refs, d), p.RefresherHours))
	}
	var until Date
	consider := func(d Date) {
		if d.Before(today) && (until.IsZero() || d.After(until)) && certifiedOn(d) {
			until = d
		}
	}
	consider(lastGraceDay)
	for _, r := range refs {
		consider(r.agesOut.AddDate(0, 0, -1))
	}
	need := p.RefresherHours - held
	if until.IsZero() {
		return CITStanding{
			Status: CITLapsed,
			Reason: fmt.Sprintf("Not current: %.1f of %g refresher hours in %s; complete %.1f more to be current.",
				held, p.RefresherHours, lastMonths(p.RefresherMonths), need),
		}
	}
	return CITStanding{
		Status: CITLapsed,
		Until:  until,
		Reason: fmt.Sprintf("Lapsed on %s: %.1f of %g refresher hours in %s; complete %.1f more to be current again.",
			until.AddDate(0, 0, 1), held, p.RefresherHours, lastMonths(p.RefresherMonths), need),
	}
}

// lastMonths says "the last n months" in words.
func lastMonths(n int) string {
	if n == 1 {
		return "the last month"
	}
	return fmt.Sprintf("the last %d months", n)
}

// certificationPolicy returns p with the certification fields made usable,
// as DeriveCITStatus documents.
func certificationPolicy(p Policy) Policy {
	def := DefaultPolicy()
	if p.RefresherHours <= 0 {
		p.RefresherHours = def.RefresherHours
	}
	if p.RefresherMonths <= 0 {
		p.RefresherMonths = def.RefresherMonths
	}
	p.GraceMonths = max(p.GraceMonths, 0)
	p.ExpiringDays = max(p.ExpiringDays, 0)
	return p
}

// latestBasicCourse returns the completion date of the most recent 40-hour
// course completed on or before today.
func latestBasicCourse(records []*TrainingRecord, today Date) (Date, bool) {
	var basic Date
	found := false
	for _, r := range records {
		if r == nil || r.Kind != CourseCITBasic || r.Completed.IsZero() || r.Completed.After(today) {
			continue
		}
		if !found || r.Completed.After(basic) {
			basic, found = r.Completed, true
		}
	}
	return basic, found
}

// refresherBlock is one in-service record's hours and the span of days it counts:
// from completed up to, not including, agesOut.
type refresherBlock struct {
	completed, agesOut Date
	hours              float64
}

// refresherBlocks returns the in-service records completed after basic and on
// or before today, with the day each ages out of a window of months, sorted
// by that day.
func refresherBlocks(records []*TrainingRecord, basic, today Date, months int) []refresherBlock {
	var refs []refresherBlock
	for _, r := range records {
		if r == nil || r.Kind != CourseCITInService || r.Hours <= 0 ||
			!r.Completed.After(basic) || r.Completed.After(today) {
			continue
		}
		refs = append(refs, refresherBlock{completed: r.Completed, agesOut: refresherAgesOut(r.Completed, months), hours: r.Hours})
	}
	slices.SortFunc(refs, func(a, b refresherBlock) int {
		if a.agesOut.Before(b.agesOut) {
			return -1
		}
		if a.agesOut.After(b.agesOut) {
			return 1
		}
		return cmp.Compare(a.hours, b.hours)
	})
	return refs
}

// refresherAgesOut returns the first day D whose window (D − months, D] no longer
// holds a record completed on c. That is c + months unless the clamp to a
// short month moves it a few days later (2024-02-29 + 24 months is
// 2026-02-28, whose window still holds 2024-02-29; 2026-03-01's does not).
func refresherAgesOut(c Date, months int) Date {
	d := c.AddMonthsClamped(months)
	for d.AddMonthsClamped(-months).Before(c) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// refresherHoursOn returns the refresher hours that count on day d.
func refresherHoursOn(refs []refresherBlock, d Date) float64 {
	var sum float64
	for _, r := range refs {
		if !r.completed.After(d) && d.Before(r.agesOut) {
			sum += r.hours
		}
	}
	return sum
}

// lastCurrentDay returns the last day, from today on, on which the hours
// already on record still meet the policy, and false when they do not meet it
// today. Hours on record can only age out after today, so the answer is the
// day before the first age-out that leaves too few.
func lastCurrentDay(refs []refresherBlock, today Date, need float64) (Date, bool) {
	held := refresherHoursOn(refs, today)
	if !meetsPolicy(held, need) {
		return Date{}, false
	}
	for i, r := range refs {
		if !today.Before(r.agesOut) {
			continue // aged out already; not in held
		}
		held -= r.hours
		if i+1 < len(refs) && r.agesOut.DaysUntil(refs[i+1].agesOut) == 0 {
			continue // the rest of the same day's age-outs go together
		}
		if !meetsPolicy(held, need) {
			return r.agesOut.AddDate(0, 0, -1), true
		}
	}
	// Unreachable with need > 0: every record ages out eventually.
	return Date{}, false
}

// meetsPolicy reports whether held hours reach need, allowing for the
// rounding of summed fractions (0.1 + 0.2 hours).
func meetsPolicy(held, need float64) bool { return held >= need-1e-9 }
