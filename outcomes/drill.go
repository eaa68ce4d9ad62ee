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
	// DispositionsNo, present on a record that answers only some
	// dispositions (an open-data file's yes/no columns), lists those it
	// answers no; any disposition in neither list is unknown.
	DispositionsNo []string `json:"dispositions_no,omitempty"`
	// Precision is present when the date is known only to the day,
	// month or year ("day", "month", "year"); Date is then the first day
	// of that period.
	Precision string `json:"precision,omitempty"`
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
	return behind(encounterSlice(encs), p, id, group, month)
}

// behind is Behind over any source of encounters.
func behind(src encounterSource, p Params, id, group, month string) (rows []DrillRow, ok bool) {
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
	eachChunk(src, 0, src.Len(), func(encs []Encounter) {
		rows = behindChunk(rows, encs, m, loc, ranged, from, to, nowU, group, month)
	})
	return rows, true
}

// behindChunk appends the rows of one chunk to rows.
func behindChunk(rows []DrillRow, encs []Encounter, m int, loc *time.Location, ranged bool, from, to string, nowU int64, group, month string) []DrillRow {
	for i := range encs {
		e := &encs[i]
		if e.CallOnly && !callMeasure(m) {
			continue // a call counts in the CIT measures only
		}
		var date, first, last string
		if u := e.Occurred.Unix(); !e.Occurred.IsZero() && u >= minSupported && u < maxSupported {
			local := e.Occurred.In(loc)
			date, first, last = local.Format(time.DateOnly), local.Format(time.DateOnly), local.Format(time.DateOnly)
			switch {
			case e.Precision == PrecisionMonth:
				first, last = local.Format("2006-01")+"-01", local.AddDate(0, 1, -local.Day()).Format(time.DateOnly)
			case e.Precision >= PrecisionYear:
				first, last = local.Format("2006")+"-01-01", local.Format("2006")+"-12-31"
			}
		}
		recMonth := ""
		if date != "" && e.Precision < PrecisionYear {
			recMonth = date[:7] // a record known to the year belongs to no month
		}
		switch {
		case date == "" && (ranged || month != ""):
			continue
		case date != "" && from != "" && first < from, date != "" && to != "" && last > to:
			continue // a record known to the month or year: all of it must be in the range
		case month != "" && recMonth != month:
			continue
		case group == GroupCIT && e.OfficerCIT != Yes, group == GroupNonCIT && e.OfficerCIT != No:
			continue
		}
		inDen, counted := encounterIn(m, e, date != "", nowU)
		if !inDen {
			continue
		}
		row := DrillRow{ID: e.ID, Date: date, Month: recMonth, OfficerCIT: e.OfficerCIT.String(), Dispositions: e.Dispositions.Names(), Counted: counted}
		if date != "" && e.Precision >= PrecisionDay {
			row.Precision = precisionNames[e.Precision]
		}
		if known := e.known(); known != 0 && known != allDispositions {
			row.DispositionsNo = (known &^ e.Dispositions).Names()
			if row.DispositionsNo == nil {
				row.DispositionsNo = []string{}
			}
		}
		if e.CallOnly {
			row.ID, row.CallID = 0, -e.ID
		}
		if row.Dispositions == nil {
			row.Dispositions = []string{}
		}
		rows = append(rows, row)
	}
	return rows
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
	for m := mReferrals; m <= mSurveyResponses; m++ {
		if measureDefs[m].id == id {
			return true
		}
	}
	return false
}

// callMeasure reports whether measure m counts citdesk's own calls (the
// part of Compute's pass that countCIT does).
func callMeasure(m int) bool {
	return m == mCITRequested || m == mCITDispatched || m == mCITOnScene || m >= mResponseCIT && m <= mCITMetCoResponse
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
		t := answer(ds, e.known(), arrestSet)
		return t != Unknown, t == Yes
	case mEmergencyDetentions:
		t := answer(ds, e.known(), detentionSet)
		return t != Unknown, t == Yes
	case mDiversions:
		t := e.diversion()
		return t != Unknown, t == Yes
	case mEndingInCare:
		t := e.endedInCare()
		return t != Unknown, t == Yes
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
	case mTransfers988:
		return e.CallOnly && e.Transfer.counted(), true
	case mTransfersReturned:
		return e.CallOnly && e.Transfer.counted(), e.Transfer&TransferReturned != 0
	case mTransfersRepeat24h:
		return e.CallOnly && e.Transfer.accepted(), e.Transfer&TransferRepeat24h != 0
	case mCoResponses:
		return e.CallOnly && e.LiaisonOnScene, e.CallOnly && e.LiaisonOnScene
	case mCITMetCoResponse:
		return e.CallOnly && e.CITRequested == Yes && e.CITDispatched != Unknown, e.CITDispatched == Yes || e.LiaisonOnScene
	case mReportsSubmitted24h:
		if e.coarserThanHour() {
			return false, false // Cell.Imprecise counts it (submittedOnTime)
		}
		return submittedOnTime(e, dated, nowU)
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

// submittedOnTime says whether e's report is due (its deadline has passed
// or it was submitted) and whether it was submitted by the deadline,
// whatever the precision of its time.
func submittedOnTime(e *Encounter, dated bool, nowU int64) (due, onTime bool) {
	var deadline int64
	switch {
	case !e.ReportDue.IsZero():
		deadline = e.ReportDue.Unix()
	case dated:
		deadline = e.Occurred.Unix() + int64(reportDeadline/time.Second)
	default:
		return false, false
	}
	submitted := !e.Submitted.IsZero()
	return submitted || nowU >= deadline, submitted && e.Submitted.Unix() <= deadline
}
