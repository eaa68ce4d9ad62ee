package outcomes

import (
	"math"
	"time"
)

// Drill-down: the encounters behind a figure. It repeats the definitions
// of the pass in Compute one encounter at a time (with time.In rather than
// the zone table: a drill-down lists one month or one measure, so speed
// does not matter); TestBehindMatchesCompute holds the two together.

// The CIT groups a drill-down may ask for.
const (
	GroupAll    = ""        // every encounter
	GroupCIT    = "cit"     // the responding officer was CIT certified
	GroupNonCIT = "non_cit" // the responding officer was not
)

// DrillRow is one record behind a figure: enough to find the report (or,
// for the CIT measures, the call) and see why it counts, nothing that
// names or places a person.
type DrillRow struct {
	ID int64 `json:"id"` // the report; 0 for a call (CallID)
	// CallID is set for a row that is one of citdesk's own calls, which
	// the CIT measures count whether or not it has a report
	// (Encounter.CallOnly); ID is then 0.
	CallID       int64    `json:"call_id,omitempty"`
	Date         string   `json:"date"`  // local date YYYY-MM-DD; "" when unknown
	Month        string   `json:"month"` // YYYY-MM; "" when unknown
	OfficerCIT   string   `json:"officer_cit"`
	Dispositions []string `json:"dispositions"`
	// Counted says the encounter is in the measure's count (the
	// numerator); the others are in its denominator only.
	Counted bool `json:"counted"`
}

// DrillableIDs returns the measures that have a drill-down: those that
// count encounters. Repeat contacts count people and the referral measures
// count referrals, so they have none.
func DrillableIDs() []string {
	ids := make([]string, numEncounterMeasures)
	for m := range numEncounterMeasures {
		ids[m] = measureDefs[m].id
	}
	return ids
}

// Behind returns the records in measure id's denominator (for a count
// measure, the encounters counted) over the range of p, narrowed to one CIT
// group (GroupAll, GroupCIT or GroupNonCIT) and, when month ("2025-03") is
// not "", to one month, in the order of encs: reports, and for the CIT
// measures (cit_requested, cit_dispatched, cit_on_scene) also the calls
// they count (DrillRow.CallID), a call with no report included. ok is false when id is not a
// drillable measure (see DrillableIDs). Rows counted in the measure have
// Counted set, so the number of those is the figure's count and the number
// of rows its denominator.
func Behind(encs []Encounter, p Params, id, group, month string) (rows []DrillRow, ok bool) {
	m := -1
	for i := range numEncounterMeasures {
		if measureDefs[i].id == id {
			m = i
		}
	}
	if m < 0 || (group != GroupAll && group != GroupCIT && group != GroupNonCIT) {
		return nil, false
	}
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	ranged := !p.From.IsZero() || !p.To.IsZero()
	from, to := p.From.String(), p.To.String()
	nowU := int64(math.MaxInt64)
	if !p.Now.IsZero() {
		nowU = p.Now.Unix()
	}
	rows = []DrillRow{}
	for i := range encs {
		e := &encs[i]
		if e.CallOnly && !callMeasure(m) {
			continue // a call counts in the CIT measures only
		}
		var date string
		if u := e.Occurred.Unix(); !e.Occurred.IsZero() && u >= minSupported && u < maxSupported {
			date = e.Occurred.In(loc).Format(time.DateOnly)
		}
		switch {
		case date == "" && (ranged || month != ""):
			continue
		case date != "" && from != "" && date < from, date != "" && to != "" && date > to:
			continue
		case month != "" && date[:7] != month:
			continue
		case group == GroupCIT && e.OfficerCIT != Yes, group == GroupNonCIT && e.OfficerCIT != No:
			continue
		}
		inDen, counted := encounterIn(m, e, date != "", nowU)
		if !inDen {
			continue
		}
		row := DrillRow{ID: e.ID, Date: date, OfficerCIT: e.OfficerCIT.String(), Dispositions: e.Dispositions.Names(), Counted: counted}
		if date != "" {
			row.Month = date[:7]
		}
		if e.CallOnly {
			row.ID, row.CallID = 0, -e.ID
		}
		if row.Dispositions == nil {
			row.Dispositions = []string{}
		}
		rows = append(rows, row)
	}
	return rows, true
}

// CountsCalls reports whether measure id counts calls (citdesk's own, and
// imported reports for history) rather than encounters: its drill-down
// lists calls.
func CountsCalls(id string) bool {
	for m := range numEncounterMeasures {
		if measureDefs[m].id == id {
			return callMeasure(m)
		}
	}
	return false
}

// CountsReferrals reports whether measure id counts referrals to the
// Mental Health Liaison rather than encounters or calls.
func CountsReferrals(id string) bool {
	for m := mReferrals; m < numMeasures; m++ {
		if measureDefs[m].id == id {
			return true
		}
	}
	return false
}

// callMeasure reports whether measure m counts citdesk's own calls (the
// part of Compute's pass that countCIT does).
func callMeasure(m int) bool {
	return m == mCITRequested || m == mCITDispatched || m == mCITOnScene || m >= mResponseCIT && m <= mWithoutPolice
}

// encounterIn says whether e is in encounter measure m's denominator and
// whether it is counted, as the pass in Compute decides.
func encounterIn(m int, e *Encounter, dated bool, nowU int64) (inDen, counted bool) {
	ds := e.Dispositions
	switch m {
	case mEncounters:
		return true, true
	case mUseOfForce:
		return e.Force != ForceUnknown, e.Force >= ForcePhysical
	case mPersonInjuries:
		return e.PersonInjury != InjuryUnknown, e.PersonInjury >= InjuryMinor
	case mOfficerInjuries:
		return e.OfficerInjury != InjuryUnknown, e.OfficerInjury >= InjuryMinor
	case mDeaths:
		death := e.PersonInjury == InjuryFatal || e.OfficerInjury == InjuryFatal
		return death || (e.PersonInjury != InjuryUnknown && e.OfficerInjury != InjuryUnknown), death
	case mArrests:
		return ds != 0, ds.Has(Arrest)
	case mEmergencyDetentions:
		return ds != 0, ds.Has(EmergencyDetention)
	case mDiversions:
		return ds != 0, ds&divertedTo != 0 && ds&notDiversion == 0
	case mEndingInCare:
		return ds != 0 || e.ReferralConnected, ds&inCare != 0 || e.ReferralConnected
	case mVeterans:
		return e.Veteran != Unknown, e.Veteran == Yes
	case mCITOfficer:
		return e.OfficerCIT != Unknown, e.OfficerCIT == Yes
	case mCITRequested:
		return e.CITRequested != Unknown, e.CITRequested == Yes
	case mCITDispatched:
		return e.CITRequested == Yes && e.CITDispatched != Unknown, e.CITDispatched == Yes
	case mCITOnScene:
		return e.CITRequested == Yes && e.CITArrived != Unknown, e.CITArrived == Yes
	case mOnlineRequests:
		return true, e.OnlineRequest
	case mResponseCIT, mResponseCoResponse, mResponse988, mResponsePatrol, mResponseEMS:
		for _, rm := range responseMeasures {
			if rm.m == m {
				return e.CallOnly && e.Response != ResponseUnknown, e.Response == rm.r
			}
		}
	case mWithoutPolice:
		return e.CallOnly && e.Response != ResponseUnknown && e.MentalHealth == Yes, e.Response.withoutPolice()
	case mReportsSubmitted24h:
		var due int64
		switch {
		case !e.ReportDue.IsZero():
			due = e.ReportDue.Unix()
		case dated:
			due = e.Occurred.Unix() + int64(reportDeadline/time.Second)
		default:
			return false, false
		}
		submitted := !e.Submitted.IsZero()
		return submitted || nowU >= due, submitted && e.Submitted.Unix() <= due
	case mReportsApproved7d:
		if e.Submitted.IsZero() {
			return false, false
		}
		approvalDue := e.Submitted.Unix() + int64(approvalDeadline/time.Second)
		approved := !e.Approved.IsZero()
		return approved || nowU >= approvalDue, approved && e.Approved.Unix() <= approvalDue
	}
	return false, false
}
