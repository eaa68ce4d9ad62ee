package outcomes

import (
	"fmt"
	"strings"
	"time"

	"citdesk"
)

// Tri is a yes/no answer that may be unknown, as imported history often is.
// The zero value is unknown, so a field nobody filled in is never read as no.
type Tri uint8

// The values of a Tri.
const (
	Unknown Tri = iota
	Yes
	No
)

// TriOf returns Yes for true and No for false.
func TriOf(b bool) Tri {
	if b {
		return Yes
	}
	return No
}

// String returns "unknown", "yes" or "no".
func (t Tri) String() string {
	switch t {
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return "unknown"
}

// ForceLevel is the highest force used in an encounter. The zero value is
// unknown (imported history that did not record it), not "none".
type ForceLevel uint8

// The force levels, lowest first.
const (
	ForceUnknown ForceLevel = iota
	ForceNone
	ForceVerbal // commands and warnings only
	ForcePhysical
	ForceLessLethal
	ForceLethal
)

// Injury is the most serious injury to one party of an encounter. The zero
// value is unknown, not "none".
type Injury uint8

// The injury levels, least serious first.
const (
	InjuryUnknown Injury = iota
	InjuryNone
	InjuryMinor
	InjurySerious
	InjuryFatal
)

// Disposition is one way an encounter ended; an encounter may end in several.
type Disposition uint8

// The dispositions, in the order citdesk lists them.
const (
	ResolvedOnScene Disposition = iota
	ResourcesOffered
	ResourcesDeclined
	ReferredToLiaison
	VoluntaryTransport
	EmergencyDetention
	Arrest
	Citation
	NoActionPossible
	UnableToLocate
	numDispositions
)

// dispositionNames are the names used in the API, in CSV files and in
// disposition mapping tables.
var dispositionNames = [numDispositions]string{
	ResolvedOnScene:    "resolved_on_scene",
	ResourcesOffered:   "resources_offered",
	ResourcesDeclined:  "resources_declined",
	ReferredToLiaison:  "referred_to_liaison",
	VoluntaryTransport: "voluntary_transport",
	EmergencyDetention: "emergency_detention",
	Arrest:             "arrest",
	Citation:           "citation",
	NoActionPossible:   "no_action_possible",
	UnableToLocate:     "unable_to_locate",
}

// String returns the disposition's name, such as "emergency_detention".
func (d Disposition) String() string {
	if d < numDispositions {
		return dispositionNames[d]
	}
	return fmt.Sprintf("Disposition(%d)", d)
}

// DispositionNames returns the name of every disposition, in order.
func DispositionNames() []string { return append([]string(nil), dispositionNames[:]...) }

// ParseDisposition returns the disposition with the given name, ignoring
// case and surrounding space.
func ParseDisposition(name string) (Disposition, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for d, n := range dispositionNames {
		if n == name {
			return Disposition(d), true
		}
	}
	return 0, false
}

// Dispositions is a set of dispositions. The empty set means the
// dispositions are unknown: every encounter ends some way, and a report that
// records none is imported history with the field missing.
type Dispositions uint16

// DispositionsOf returns the set holding ds.
func DispositionsOf(ds ...Disposition) Dispositions {
	var s Dispositions
	for _, d := range ds {
		s = s.With(d)
	}
	return s
}

// Has reports whether d is in s.
func (s Dispositions) Has(d Disposition) bool { return s&(1<<d) != 0 }

// With returns s with d added.
func (s Dispositions) With(d Disposition) Dispositions { return s | 1<<d }

// Names returns the names of the dispositions in s, in order.
func (s Dispositions) Names() []string {
	var names []string
	for d := Disposition(0); d < numDispositions; d++ {
		if s.Has(d) {
			names = append(names, dispositionNames[d])
		}
	}
	return names
}

// allDispositions holds every disposition.
const allDispositions = Dispositions(1<<numDispositions - 1)

// Precision is how precisely a record's time is known: the finest part of
// the date and time its source gave. The zero value is a whole timestamp.
type Precision uint8

// The precisions, finest first.
const (
	PrecisionFull Precision = iota
	PrecisionMinute
	PrecisionHour
	PrecisionDay
	PrecisionMonth
	PrecisionYear
)

// precisionNames are the names of the precisions, as citdesk stores them.
var precisionNames = [...]string{PrecisionFull: "full", PrecisionMinute: "minute", PrecisionHour: "hour", PrecisionDay: "day", PrecisionMonth: "month", PrecisionYear: "year"}

// String returns the precision's name, such as "month".
func (p Precision) String() string {
	if int(p) < len(precisionNames) {
		return precisionNames[p]
	}
	return "full"
}

// Encounter is what the measures need of one CIT contact report (or, with
// CallOnly, of one of citdesk's own calls, for the CIT measures): a compact
// value, so a million of them fit in memory and are read in one pass. The
// store fills it from the encounter, its call and its assignment; the
// importer fills what history has. Every field has an "unknown" value, and a
// measure leaves an encounter out of its denominator when a field it needs
// is unknown, rather than reading unknown as no.
type Encounter struct {
	ID        int64
	PersonKey int64     // the person met; 0 when unknown (no repeat-contact counting)
	Occurred  time.Time // when contact began; zero when unknown (imported history)
	// Precision is how much of Occurred is known; the zero value is a
	// whole timestamp. A record known to the month or year counts in the
	// monthly and yearly figures and is left out of those that need the
	// day (repeat contacts) or the hour (the 24-hour report deadline).
	Precision Precision

	OfficerCIT    Tri // the reporting officer was CIT certified at the time
	Force         ForceLevel
	PersonInjury  Injury
	OfficerInjury Injury
	Dispositions  Dispositions
	// DispositionsKnown, when not empty, is the set of dispositions whose
	// yes or no is known, for a record that answers only some (an
	// open-data file's yes/no columns): those in it and not in
	// Dispositions are known negatives, and the rest are unknown. Empty
	// means Dispositions is the whole answer: every disposition is known
	// when it holds any (citdesk's own reports), none when it is empty.
	DispositionsKnown Dispositions
	Veteran           Tri // the person is a veteran

	CITRequested  Tri    // the caller or dispatcher asked for a CIT officer
	CITDispatched Tri    // a CIT officer was dispatched
	CITArrived    Tri    // a CIT officer was on scene
	NoCITReason   string // why no CIT officer was sent, when one was requested and none was

	CallReceived time.Time // zero when unknown, or no call (officer-initiated)
	Dispatched   time.Time // first unit dispatched; zero when unknown
	OnScene      time.Time // first unit on scene; zero when unknown

	// HandoverMinutes is the time from arrival at the receiving facility
	// until it accepted the person; -1 (any negative) when there was no
	// hand-over or it is unknown. Note the zero value means zero minutes.
	HandoverMinutes int32

	ReportDue time.Time // the report's deadline; zero means Occurred + 24 h
	Submitted time.Time // first submitted for review; zero when not yet
	Approved  time.Time // approved by a supervisor; zero when not yet

	OnlineRequest     bool // the call came from the public online request form
	ReferralConnected bool // a referral from this encounter was connected to care

	// CallOnly marks a record that is one of citdesk's own calls, not a
	// report: it counts in the CIT measures (cit_requested, cit_dispatched,
	// cit_on_scene) and the no-CIT reasons only, dated by Occurred (when the
	// call came in), so a call nobody was sent to counts whether or not a
	// report exists. Reports on such calls then leave their CIT fields
	// unknown, so no call counts twice; imported history, which has no
	// calls of citdesk's own, keeps counting from its reports. The
	// drill-down of those measures lists call records as calls
	// (DrillRow.CallID), so it lists exactly what the figure counts; the
	// other measures' drill-downs leave them out.
	CallOnly bool

	// Response is how one of citdesk's own calls (CallOnly) was answered,
	// and MentalHealth whether it was judged a mental-health call (usually
	// at close); both unknown on a report. They feed the response-path
	// measures (response_*).
	Response     Response
	MentalHealth Tri

	// Transfer is one of citdesk's own calls' transfer to 988 or mobile
	// crisis (zero: none recorded), for the transfers_988 measures: one
	// byte of flags, so the record stays small.
	Transfer TransferMark
	// LiaisonOnScene: the Mental Health Liaison reached one of citdesk's
	// own calls (CallOnly) on a co-response. It feeds co_responses and
	// cit_met_with_co_response; false on a report.
	LiaisonOnScene bool
}

// TransferMark describes a call's transfer to 988 or mobile crisis as
// flags; zero is a call not transferred.
type TransferMark uint8

// The flags.
const (
	Transferred       TransferMark = 1 << iota // a transfer was recorded
	TransferReturned                           // the crisis line returned it to 911
	TransferRepeat24h                          // a 911 call about the same person followed within 24 hours
)

// counted reports whether a transfer was recorded.
func (t TransferMark) counted() bool { return t&Transferred != 0 }

// accepted reports whether a transfer was recorded and not returned.
func (t TransferMark) accepted() bool { return t&Transferred != 0 && t&TransferReturned == 0 }

// Response is the way a call was answered (citdesk.Response) as a small
// value. The zero value is unknown: a call with no response recorded.
type Response uint8

// The responses.
const (
	ResponseUnknown Response = iota
	ResponseCIT
	ResponseCoResponse
	Response988
	ResponsePatrol
	ResponseEMS
)

// ResponseOf returns the measures' value of a call's recorded response;
// unknown for "" or a response citdesk does not know.
func ResponseOf(r citdesk.Response) Response {
	switch r {
	case citdesk.ResponseCIT:
		return ResponseCIT
	case citdesk.ResponseCoResponse:
		return ResponseCoResponse
	case citdesk.Response988:
		return Response988
	case citdesk.ResponsePatrol:
		return ResponsePatrol
	case citdesk.ResponseEMS:
		return ResponseEMS
	}
	return ResponseUnknown
}

// withoutPolice reports whether r answered a call with no police: a
// transfer to 988 or mobile crisis, or EMS alone (citdesk.Response.Police).
func (r Response) withoutPolice() bool { return r == Response988 || r == ResponseEMS }

// Survey is a satisfaction survey of the person or family when a referral
// closes: scores from 1 (worst) to 5 (best); 0 is a question not answered.
type Survey struct {
	Respect int // treated with respect
	Safety  int // felt safe
	Help    int // got the help needed
}

// Referral is what the measures need of one referral to the Mental Health
// Liaison.
type Referral struct {
	Created      time.Time // zero when unknown
	FirstContact time.Time // the liaison first reached the person; zero when not yet
	Connected    bool      // reached connected_to_care
	OfficerCIT   Tri       // the referring encounter's officer was CIT certified
	Survey       *Survey   // nil when no survey was recorded
}

// known returns the dispositions whose answer e knows (see
// DispositionsKnown).
func (e *Encounter) known() Dispositions {
	switch {
	case e.DispositionsKnown != 0:
		return e.DispositionsKnown | e.Dispositions
	case e.Dispositions != 0:
		return allDispositions
	}
	return 0
}

// answer returns whether e ended in every disposition of set (Yes when
// any of them happened, No when all are known not to have, else Unknown).
func answer(ds, known, set Dispositions) Tri {
	switch {
	case ds&set != 0:
		return Yes
	case known&set == set:
		return No
	}
	return Unknown
}

// diversion returns whether e was a diversion (see the package
// documentation): No when it ended in arrest, citation or detention, or is
// known to have ended in none of the diversion endings; Yes when it ended
// in one of them and is known to have ended in none of the others.
func (e *Encounter) diversion() Tri {
	ds, known := e.Dispositions, e.known()
	switch {
	case ds&notDiversion != 0:
		return No
	case ds&divertedTo == 0 && known&divertedTo == divertedTo:
		return No
	case ds&divertedTo != 0 && known&notDiversion == notDiversion:
		return Yes
	}
	return Unknown
}

// endedInCare returns whether e ended in care: transport or detention, or
// a referral connected to care.
func (e *Encounter) endedInCare() Tri {
	if e.ReferralConnected {
		return Yes
	}
	return answer(e.Dispositions, e.known(), inCare)
}

// coarserThanDay reports whether e's time is too coarse for a figure by day.
func (e *Encounter) coarserThanDay() bool { return e.Precision > PrecisionDay }

// coarserThanHour reports whether e's time is too coarse for a deadline in
// hours.
func (e *Encounter) coarserThanHour() bool { return e.Precision > PrecisionHour }
