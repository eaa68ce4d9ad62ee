package outcomes

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"citdesk"
)

// Synthesize returns n invented encounters from start on, in time order,
// for demos, screenshots and benchmarks. The same arguments always give the
// same encounters. They look like a real program's history: more calls in
// summer and on Friday and Saturday, an afternoon-to-midnight peak and a
// quiet early morning; a small group of people met again and again; about
// 40% of calls asking for a CIT officer, most of them getting one; and CIT
// officers using force and arresting less, and diverting more, than
// officers without the course. The span grows with n (about 50 encounters
// a day, between 30 days and 10 years), so a million encounters are ten
// years of a very large city.
func Synthesize(n int, seed uint64, start time.Time, loc *time.Location) []Encounter {
	if n <= 0 {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	spanDays := min(max(n/50, 30), 3650)
	y, m, d := start.In(loc).Date()

	// Encounters per day: each encounter picks a day by rejection against
	// the season and weekday weights.
	perDay := make([]int32, spanDays)
	for range n {
		for {
			day := r.IntN(spanDays)
			t := time.Date(y, m, d+day, 12, 0, 0, 0, loc)
			if r.Float64()*1.5 < seasonWeight[t.Month()-1]*weekdayWeight[t.Weekday()] {
				perDay[day]++
				break
			}
		}
	}

	frequent := max(10, n/40) // people met again and again
	nextPerson := int64(frequent) + 1
	encs := make([]Encounter, 0, n)
	secs := make([]int, 0, 64)
	for day, k := range perDay {
		midnight := time.Date(y, m, d+day, 0, 0, 0, 0, loc)
		// A day is 23 or 25 hours when the clocks change; stretch the
		// clock to fit, so encounters stay in their day and in order.
		dayLen := time.Date(y, m, d+day+1, 0, 0, 0, 0, loc).Sub(midnight)
		secs = secs[:0]
		for range k {
			secs = append(secs, pickHour(r)*3600+r.IntN(3600))
		}
		slices.Sort(secs)
		for _, s := range secs {
			at := midnight.Add((time.Duration(s) * dayLen / (24 * 3600)).Truncate(time.Second))
			e := synthEncounter(r, at)
			e.ID = int64(len(encs) + 1)
			switch u := r.Float64(); {
			case u < 0.05:
				e.PersonKey = 0 // not identified
			case u < 0.40:
				// Skewed towards the first of the frequent people.
				e.PersonKey = 1 + int64(float64(frequent)*math.Pow(r.Float64(), 2))
			default:
				e.PersonKey = nextPerson
				nextPerson++
			}
			encs = append(encs, e)
		}
	}
	return encs
}

// Weights of the calendar patterns; 1.5 bounds their product.
var (
	seasonWeight  = [12]float64{0.9, 0.85, 0.95, 1, 1.05, 1.1, 1.2, 1.2, 1.05, 1, 0.95, 1.05}
	weekdayWeight = [7]float64{0.95, 0.95, 0.95, 0.95, 1, 1.15, 1.15} // Sunday first
	hourWeight    = [24]float64{5, 4, 3, 2, 2, 2, 3, 4, 5, 6, 6, 7, 7, 7, 8, 9, 9, 9, 9, 8, 8, 7, 6, 5}
	hourTotal     = func() float64 {
		t := 0.0
		for _, w := range hourWeight {
			t += w
		}
		return t
	}()
)

func pickHour(r *rand.Rand) int {
	u := r.Float64() * hourTotal
	for h, w := range hourWeight {
		if u < w {
			return h
		}
		u -= w
	}
	return 23
}

// pick returns an index of weights, chosen in proportion to them.
func pick(r *rand.Rand, weights ...float64) int {
	t := 0.0
	for _, w := range weights {
		t += w
	}
	u := r.Float64() * t
	for i, w := range weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(weights) - 1
}

// noCITReasons are the reasons Synthesize records when a requested CIT
// officer was not sent, in the words of a history file rather than
// citdesk's; "" is a reason not recorded.
var noCITReasons = []string{"No CIT officer on duty", "All CIT officers on other calls", "Nearest CIT officer too far away", "Caller withdrew the request", ""}

// synthNoCITCodes are the citdesk codes of those of noCITReasons that have
// one (see NoCITReasonCode), so the demo stores them as citdesk would.
var synthNoCITCodes = map[string]string{
	"No CIT officer on duty":           citdesk.NoCITNoneOnDuty,
	"All CIT officers on other calls":  citdesk.NoCITNoneAvailable,
	"Nearest CIT officer too far away": citdesk.NoCITTooFar,
}

// synthEncounter invents one encounter at on scene time t.
func synthEncounter(r *rand.Rand, t time.Time) Encounter {
	e := Encounter{Occurred: t, OnScene: t, HandoverMinutes: -1}
	minutes := func(mean float64) time.Duration {
		return time.Duration(r.ExpFloat64() * mean * float64(time.Minute)).Round(time.Second)
	}

	// The call, and whether a CIT officer was asked for and came.
	officerInitiated := r.Float64() < 0.12
	if !officerInitiated {
		travel := time.Minute + minutes(7)
		queue := minutes(2)
		if h := t.Hour(); h >= 16 && h <= 23 {
			queue += minutes(2) // the evening peak waits longer
		}
		e.Dispatched = t.Add(-travel)
		e.CallReceived = e.Dispatched.Add(-queue)
		e.OnlineRequest = r.Float64() < 0.03
	}
	e.CITRequested, e.CITDispatched, e.CITArrived = No, No, No
	if !officerInitiated && r.Float64() < 0.42 {
		e.CITRequested = Yes
		if r.Float64() < 0.8 {
			e.CITDispatched = Yes
			if r.Float64() < 0.92 {
				e.CITArrived = Yes
			}
		} else {
			e.NoCITReason = noCITReasons[pick(r, 40, 35, 15, 5, 5)]
		}
	}
	cit := e.CITArrived == Yes && r.Float64() < 0.97 || e.CITArrived != Yes && r.Float64() < 0.25
	e.OfficerCIT = TriOf(cit)
	if cit && e.CITArrived == No {
		e.CITArrived = Yes // the officer on scene is CIT certified
	}

	// What happened.
	if cit {
		e.Force = ForceLevel(1 + pick(r, 88, 8, 3.2, 0.7, 0.1))
	} else {
		e.Force = ForceLevel(1 + pick(r, 80, 11, 6.5, 2.2, 0.3))
	}
	e.PersonInjury, e.OfficerInjury = InjuryNone, InjuryNone
	switch {
	case e.Force == ForceLethal:
		e.PersonInjury = Injury(1 + pick(r, 20, 20, 30, 30))
		e.OfficerInjury = Injury(1 + pick(r, 80, 15, 5, 0.5))
	case e.Force >= ForcePhysical:
		e.PersonInjury = Injury(1 + pick(r, 65, 30, 5, 0.2))
		e.OfficerInjury = Injury(1 + pick(r, 87, 12, 1, 0))
	default:
		e.PersonInjury = Injury(1 + pick(r, 99, 1, 0, 0))
		e.OfficerInjury = Injury(1 + pick(r, 99.7, 0.3, 0, 0))
	}
	var main Disposition
	if cit {
		main = []Disposition{ResolvedOnScene, ReferredToLiaison, VoluntaryTransport, EmergencyDetention, Arrest, Citation, NoActionPossible, UnableToLocate}[pick(r, 30, 20, 18, 14, 5, 2, 7, 4)]
	} else {
		main = []Disposition{ResolvedOnScene, ReferredToLiaison, VoluntaryTransport, EmergencyDetention, Arrest, Citation, NoActionPossible, UnableToLocate}[pick(r, 28, 10, 14, 18, 14, 5, 7, 4)]
	}
	e.Dispositions = DispositionsOf(main)
	if main != UnableToLocate && r.Float64() < 0.3 {
		if r.Float64() < 0.75 {
			e.Dispositions = e.Dispositions.With(ResourcesOffered)
		} else {
			e.Dispositions = e.Dispositions.With(ResourcesDeclined)
		}
	}
	if main == ReferredToLiaison {
		e.ReferralConnected = r.Float64() < 0.55
	}
	switch main {
	case VoluntaryTransport:
		e.HandoverMinutes = int32(15 + r.ExpFloat64()*45)
	case EmergencyDetention:
		e.HandoverMinutes = int32(30 + r.ExpFloat64()*90)
	}
	e.Veteran = TriOf(r.Float64() < 0.07)

	// The report.
	e.ReportDue = t.Add(25 * time.Hour) // cleared about an hour later, due a day after
	switch pick(r, 88, 10, 2) {
	case 0:
		e.Submitted = t.Add(time.Hour + minutes(300))
	case 1:
		e.Submitted = t.Add(25*time.Hour + minutes(24*60))
	}
	if !e.Submitted.IsZero() {
		switch pick(r, 85, 12, 3) {
		case 0:
			e.Approved = e.Submitted.Add(minutes(24 * 60))
		case 1:
			e.Approved = e.Submitted.Add(7*24*time.Hour + minutes(3*24*60))
		}
	}
	return e
}

// SynthesizeReferrals invents the referrals of encounters made by
// Synthesize: one for each encounter referred to the liaison, created two
// hours after it, most contacted within 72 hours, connected to care as the
// encounter says, and a satisfaction survey for about a third.
func SynthesizeReferrals(encs []Encounter, seed uint64) []Referral {
	r := rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d))
	var refs []Referral
	for i := range encs {
		e := &encs[i]
		if !e.Dispositions.Has(ReferredToLiaison) {
			continue
		}
		ref := Referral{Connected: e.ReferralConnected, OfficerCIT: e.OfficerCIT}
		if !e.Occurred.IsZero() {
			ref.Created = e.Occurred.Add(2 * time.Hour)
			if r.Float64() < 0.9 {
				ref.FirstContact = ref.Created.Add(time.Duration(r.ExpFloat64() * float64(36*time.Hour)))
			}
		}
		if r.Float64() < 0.33 {
			score := func(base float64) int { return min(5, max(1, int(base+r.NormFloat64()))) }
			ref.Survey = &Survey{Respect: score(4.3), Safety: score(4.1), Help: score(3.8)}
		}
		refs = append(refs, ref)
	}
	return refs
}
