package outcomes

import (
	"time"

	"citdesk"
)

// Complaint is what the measures need of one complaint or commendation
// from the community (citdesk.Complaint): when it came in, which kind,
// whether it was sustained, and the contact report it is linked to, with
// that report's date and officer's certification as the encounter record
// has them. The records are few (a department gets dozens a year, not
// millions), so they are a slice of their own beside the encounters, and
// the encounter record is left as it is.
type Complaint struct {
	Received     time.Time // when the agency received it; zero when unknown
	Commendation bool      // a commendation, not a complaint
	Sustained    bool      // a complaint closed as sustained
	// Encounter is the linked report's id; 0 when none is linked, or the
	// report is not counted (a draft, or returned to its author), since
	// then it is in no denominator.
	Encounter int64
	// Occurred, Precision and OfficerCIT are the linked report's
	// (Encounter.Occurred, .Precision and .OfficerCIT); OfficerCIT is
	// also the complaint's side of the split in the counts, unknown when
	// nothing is linked.
	Occurred   time.Time
	Precision  Precision
	OfficerCIT Tri
}

// ComplaintOf returns the measures' record of a complaint, without its
// link: the store fills Encounter, Occurred, Precision and OfficerCIT
// from the linked report when that report is counted.
func ComplaintOf(c *citdesk.Complaint) Complaint {
	return Complaint{
		Received:     c.ReceivedAt,
		Commendation: c.Kind == citdesk.KindCommendation,
		Sustained:    c.Kind == citdesk.KindComplaint && c.Status == citdesk.ComplaintClosed && c.Disposition == citdesk.DispositionSustained,
	}
}

// countComplaints adds the complaints and commendations to t.
//
// The counts (complaints_received, commendations_received) are every one
// received in the range, by the day it was received, on the side of the
// split of its linked report's officer (neither side when none is linked).
//
// The rates (complaints, complaints_sustained, commendations) count the
// encounters of the range that drew at least one linked complaint (sustained
// complaint, commendation), dated and split by the encounter exactly as the
// pass over encounters places it in the rates' denominator (every counted
// encounter), so each encounter counted is in its own denominator; an
// encounter with two complaints counts once.
func (c *computation) countComplaints(t *tally, ld *localDays, comps []Complaint) {
	ps := t.ps
	type drew struct{ complaint, sustained, commendation bool }
	linked := map[int64]*drew{}
	for i := range comps {
		k := &comps[i]
		if pn, ok := c.place(ps, ld, k.Received, PrecisionFull); ok {
			r := t.row(pn, citColumn(k.OfficerCIT))
			if k.Commendation {
				r[mCommendationsReceived].num++
			} else {
				r[mComplaintsReceived].num++
			}
		}
		if k.Encounter == 0 {
			continue
		}
		pn, ok := c.place(ps, ld, k.Occurred, k.Precision)
		if !ok {
			continue
		}
		d := linked[k.Encounter]
		if d == nil {
			d = &drew{}
			linked[k.Encounter] = d
		}
		r := t.row(pn, citColumn(k.OfficerCIT))
		count := func(m int, seen *bool, yes bool) {
			if yes && !*seen {
				*seen = true
				r[m].num++
			}
		}
		count(mComplaints, &d.complaint, !k.Commendation)
		count(mComplaintsSustained, &d.sustained, k.Sustained)
		count(mCommendations, &d.commendation, k.Commendation)
	}
}

// place returns the period number a record dated at (with precision prec)
// counts in, or noPeriod for an undated one, and whether the range holds
// it at all: the same rules as the pass over encounters (a record known
// only to the month or year is in the range only when all of that month
// or year is, and one known to the year belongs to no month).
func (c *computation) place(ps *periods, ld *localDays, at time.Time, prec Precision) (int64, bool) {
	u := at.Unix()
	if at.IsZero() || u < minSupported || u >= maxSupported {
		return noPeriod, !c.ranged
	}
	day := ld.dayOfUnix(u)
	if prec >= PrecisionMonth {
		in, monthly := placeCoarse(day, prec, c.fromDay, c.toDay)
		if !in {
			return 0, false
		}
		if !monthly {
			return noPeriod, true
		}
		return ps.number(day), true
	}
	if day < c.fromDay || day > c.toDay {
		return 0, false
	}
	return ps.number(day), true
}
