package outcomes

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// pair is a numerator and a denominator being summed, with the records
// left out of the denominator because their time is too coarse for the
// measure (imprecise).
type pair struct{ num, den, imprecise int32 }

// Accumulator groups: the total, the two sides of the CIT split, then one
// per period.
const (
	gTotal  = 0
	gCIT    = 1
	gNonCIT = 2
	gPeriod = 3
)

// citGroup returns the split group of an officer's certification, or -1.
func citGroup(t Tri) int {
	switch t {
	case Yes:
		return gCIT
	case No:
		return gNonCIT
	}
	return -1
}

// Hours in the deadlines of the accountability and cooperation measures.
const (
	reportDeadline   = 24 * time.Hour
	approvalDeadline = 7 * 24 * time.Hour
	contactDeadline  = 72 * time.Hour
)

// dsample is one duration: v seconds, key packs the period and CIT group
// (see packKey).
type dsample struct{ v, key int32 }

// rsample is one dated encounter of a known person, for repeat contacts.
type rsample struct {
	person int64
	day    int32
	key    int32 // packKey(period number, CIT group)
}

// periodBias keeps packed period numbers positive for any date after 10000 BC.
const periodBias = 12*10000 + 1

// packKey packs a period number (or noPeriod) and a CIT group (or -1).
func packKey(pn int64, gc int) int32 {
	k := int32(0)
	if pn != noPeriod {
		k = int32(max(pn+periodBias, 1))
	}
	return k<<2 | int32(max(gc, 0))
}

// unpackKey undoes packKey.
func unpackKey(k int32) (pn int64, gc int) {
	gc = int(k & 3)
	if gc == 0 {
		gc = -1
	}
	if k>>2 == 0 {
		return noPeriod, gc
	}
	return int64(k>>2) - periodBias, gc
}

// noPeriod is the period number of an undated record.
const noPeriod = math.MinInt64

// periods numbers the months or quarters of the report.
type periods struct {
	quarterly bool
	first     int64 // number of the first period (month or quarter number)
	n         int   // number of periods
	// The period found last, as a range of days, so data in time order
	// skips the calendar arithmetic.
	lo, hi int64 // [lo, hi) days
	pn     int64
	// The days the report covers, inclusive: a period reaching outside
	// them is partial (cut short by the range, or not over yet).
	fromDay, lastDay int64
}

func (ps *periods) number(day int64) int64 {
	if day >= ps.lo && day < ps.hi {
		return ps.pn
	}
	mn := monthOfDay(day)
	pn := mn
	if ps.quarterly {
		pn = floorDiv(mn, 3)
	}
	ps.lo, ps.hi, ps.pn = ps.startDay(pn), ps.startDay(pn+1), pn
	return pn
}

// startDay returns the first day of period number pn.
func (ps *periods) startDay(pn int64) int64 {
	mn := pn
	if ps.quarterly {
		mn = pn * 3
	}
	return daysFromCivil(floorDiv(mn, 12), int(mn-floorDiv(mn, 12)*12)+1, 1)
}

// partial reports whether the i-th period reaches outside the days the
// report covers: the range starts after it starts, or the range or today
// ends before it does. Its figures are then "so far", not a whole
// period's.
func (ps *periods) partial(i int) bool {
	pn := ps.first + int64(i)
	return ps.startDay(pn) < ps.fromDay || ps.startDay(pn+1)-1 > ps.lastDay
}

func (ps *periods) label(i int) string {
	if ps.quarterly {
		return quarterLabel(ps.first + int64(i))
	}
	return monthLabel(ps.first + int64(i))
}

// tally holds the sums of the summable measures (all but repeat contacts)
// by period and CIT group: rows of numMeasures pairs, three per period (the
// CIT column: 0 unknown, 1 certified, 2 not) after three for "undated".
// Each encounter adds to one row; totals, the split and the months are sums
// of rows, made once at the end. Rows are allocated for a span of periods
// with room to spare (doubling), so data in time order seldom moves them.
type tally struct {
	ps       *periods // ps.first and ps.n: the periods used so far
	capFirst int64    // period number of the first period row
	capN     int      // period rows allocated
	cells    []pair
}

func citColumn(t Tri) int {
	switch t {
	case Yes:
		return 1
	case No:
		return 2
	}
	return 0
}

// row returns the row of period number pn (or noPeriod) and CIT column c,
// first making room for pn when it is outside the rows so far.
func (t *tally) row(pn int64, c int) []pair {
	r := 0
	if pn != noPeriod {
		if t.capN == 0 || pn < t.capFirst || pn >= t.capFirst+int64(t.capN) {
			t.grow(pn)
		}
		ps := t.ps
		switch {
		case ps.n == 0:
			ps.first, ps.n = pn, 1
		case pn < ps.first:
			ps.n += int(ps.first - pn)
			ps.first = pn
		case pn >= ps.first+int64(ps.n):
			ps.n = int(pn-ps.first) + 1
		}
		r = int(pn-t.capFirst) + 1
	}
	i := (r*3 + c) * numMeasures
	return t.cells[i : i+numMeasures]
}

// rowAt returns the row of a period already in ps, or of noPeriod.
func (t *tally) rowAt(pn int64, c int) []pair {
	r := 0
	if pn != noPeriod {
		r = int(pn-t.capFirst) + 1
	}
	i := (r*3 + c) * numMeasures
	return t.cells[i : i+numMeasures]
}

// grow makes room for period pn, and as many again beyond it.
func (t *tally) grow(pn int64) {
	first, last := pn, pn+11 // a first period: room for the year after it
	if t.capN > 0 {
		capLast := t.capFirst + int64(t.capN) - 1
		first, last = t.capFirst, capLast
		slack := int64(max(12, t.capN))
		if pn < first {
			first = pn - slack
		}
		if pn > last {
			last = pn + slack
		}
	}
	n := int(last-first) + 1
	cells := make([]pair, (n+1)*3*numMeasures)
	copy(cells, t.cells[:3*numMeasures]) // undated
	if t.capN > 0 {
		off := int(t.capFirst-first) + 1
		copy(cells[off*3*numMeasures:], t.cells[3*numMeasures:])
	}
	t.cells, t.capFirst, t.capN = cells, first, n
}

// groups sums the rows into the report's groups: gTotal, gCIT, gNonCIT,
// then gPeriod+i for each period, numMeasures pairs each.
func (t *tally) groups() []pair {
	ps := t.ps
	acc := make([]pair, (gPeriod+ps.n)*numMeasures)
	for r := 0; r <= ps.n; r++ {
		pn := int64(noPeriod)
		if r > 0 {
			pn = ps.first + int64(r-1)
		}
		for c := range 3 {
			src := t.rowAt(pn, c)
			dst := [3]int{gTotal, -1, -1}
			if c > 0 {
				dst[1] = c // gCIT is column 1, gNonCIT column 2
			}
			if r > 0 {
				dst[2] = gPeriod + r - 1
			}
			for _, g := range dst {
				if g < 0 {
					continue
				}
				a := acc[g*numMeasures:][:numMeasures]
				for m := range a {
					a[m].num += src[m].num
					a[m].den += src[m].den
					a[m].imprecise += src[m].imprecise
				}
			}
		}
	}
	return acc
}

// computation is what the passes of one Compute share, read only.
type computation struct {
	loc            *time.Location
	quarterly      bool
	ranged         bool  // From or To given: undated records are out
	closed         bool  // both given: every period of the range is shown
	fromDay, toDay int64 // inclusive, in day numbers
	nowU           int64 // Params.Now in Unix seconds; "never" when zero
	today          int64 // Params.Now's day number; the largest day when zero
	// Repeat contacts: when the person keys span at most maxPersonBits
	// bits from minPerson (packed), each sample is a repeatKey; else an
	// rsample, sorted by comparison.
	packed     bool
	minPerson  int64
	personBits int
}

// newTally returns an empty tally, with room for every period of a closed
// range.
func (c *computation) newTally() *tally {
	ps := &periods{quarterly: c.quarterly, lo: 1, hi: 0, fromDay: c.fromDay, lastDay: min(c.toDay, c.today)}
	t := &tally{ps: ps, cells: make([]pair, 3*numMeasures)}
	if c.closed && c.fromDay <= c.toDay {
		t.row(ps.number(c.fromDay), 0)
		t.row(ps.number(c.toDay), 0)
	}
	return t
}

// partial is one worker's share of the pass over the encounters.
type partial struct {
	t       *tally
	sc      *scratch // durs (and reps, when keys is nil) hold this share's samples
	keys    []uint64 // this share's repeat-contact keys, in its stretch of the shared array
	reasons map[string]int
}

// Encounters are split among workers above this many; below it one
// goroutine is quicker than starting more. A variable for the tests.
var parallelFrom = 50_000

// Compute returns every measure over the encounters and referrals in the
// range p gives, in one pass over each slice (the encounters split among
// the machine's cores when there are many). encs and refs are read, never
// changed or kept, and need not be in any order. It counts no complaints
// or commendations; ComputeAll does.
func Compute(encs []Encounter, refs []Referral, p Params) Report {
	return ComputeAll(encs, refs, nil, p)
}

// ComputeAll is Compute with the complaints and commendations comps too
// (read, never changed or kept, in any order).
func ComputeAll(encs []Encounter, refs []Referral, comps []Complaint, p Params) Report {
	return compute(encounterSlice(encs), referralSlice(refs), comps, p)
}

// compute is ComputeAll over any source of encounters and referrals.
func compute(encs encounterSource, refs referralSource, comps []Complaint, p Params) Report {
	c := &computation{loc: p.Location, quarterly: p.Quarterly, nowU: math.MaxInt64,
		fromDay: math.MinInt64, toDay: math.MaxInt64, today: math.MaxInt64}
	if c.loc == nil {
		c.loc = time.UTC
	}
	c.ranged = !p.From.IsZero() || !p.To.IsZero()
	c.closed = !p.From.IsZero() && !p.To.IsZero()
	if !p.From.IsZero() {
		y, m, d := p.From.Time(time.UTC).Date()
		c.fromDay = dayOfDate(y, m, d)
	}
	if !p.To.IsZero() {
		y, m, d := p.To.Time(time.UTC).Date()
		c.toDay = dayOfDate(y, m, d)
	}
	if !p.Now.IsZero() {
		c.nowU = p.Now.Unix()
		c.today = newLocalDays(c.loc).dayOfUnix(c.nowU)
	}

	workers := 1
	n := encs.Len()
	if n >= parallelFrom {
		workers = maxWorkers()
	}
	// Each worker's repeat-contact keys go to its own stretch of one
	// array (at most one key per encounter), which is then closed up and
	// radix sorted through a second: 16 bytes a sample, where samples,
	// keys and a sort buffer took 32.
	c.packRepeats(encs)
	scs := make([]*scratch, workers)
	for w := range scs {
		scs[w] = getScratch(n*(w+1)/workers - n*w/workers)
	}
	var keys []uint64
	if c.packed {
		keys = getKeys(n)
	}
	parts := make([]*partial, workers)
	var wg sync.WaitGroup
	for w := range parts {
		lo, hi := n*w/workers, n*(w+1)/workers
		var share []uint64
		if c.packed {
			share = keys[lo:lo:hi]
		}
		wg.Go(func() { parts[w] = c.pass(encs, lo, hi, scs[w], share) })
	}
	wg.Wait()
	defer func() {
		if c.packed {
			putKeys(keys)
		}
		for _, sc := range scs {
			putScratch(sc)
		}
	}()
	if c.packed {
		total := 0
		for w, pt := range parts {
			lo := n * w / workers
			total += copy(keys[total:], keys[lo:lo+len(pt.keys)])
		}
		keys = keys[:total]
	}

	// The workers' sums, by absolute period, into one tally.
	t := c.newTally()
	reasons := map[string]int{}
	for _, pt := range parts {
		for r := 0; r <= pt.t.ps.n; r++ {
			pn := int64(noPeriod)
			if r > 0 {
				pn = pt.t.ps.first + int64(r-1)
			}
			for col := range 3 {
				src := pt.t.rowAt(pn, col)
				dst := t.row(pn, col)
				for m := range dst {
					dst[m].num += src[m].num
					dst[m].den += src[m].den
					dst[m].imprecise += src[m].imprecise
				}
			}
		}
		for reason, n := range pt.reasons {
			reasons[reason] += n
		}
	}
	ps := t.ps
	ld := newLocalDays(c.loc)
	fromDay, toDay, ranged := c.fromDay, c.toDay, c.ranged

	var means [numSurveyQuestions][3]struct{ sum, n int }
	refs.eachReferral(func(rf *Referral) {
		pn := int64(noPeriod)
		if u := rf.Created.Unix(); !rf.Created.IsZero() && u >= minSupported && u < maxSupported {
			day := ld.dayOfUnix(u)
			if day < fromDay || day > toDay {
				return
			}
			pn = ps.number(day)
		} else if ranged {
			return
		}
		r := t.row(pn, citColumn(rf.OfficerCIT))
		r[mReferrals].num++
		if !rf.Created.IsZero() {
			due := rf.Created.Add(contactDeadline)
			contacted := !rf.FirstContact.IsZero()
			if contacted || c.nowU >= due.Unix() {
				r[mReferralsContacted72h].den++
				r[mReferralsContacted72h].num += b32(contacted && !rf.FirstContact.After(due))
			}
		}
		r[mReferralsConnected].den++
		r[mReferralsConnected].num += b32(rf.Connected)
		r[mSurveyResponses].den++
		r[mSurveyResponses].num += b32(rf.Survey != nil)
		if s := rf.Survey; s != nil {
			gc := citGroup(rf.OfficerCIT)
			for q, v := range [...]int{s.Respect, s.Safety, s.Help} {
				if v < 1 || v > 5 {
					continue
				}
				for _, g := range [...]int{gTotal, gc} {
					if g >= 0 {
						means[q][g].sum += v
						means[q][g].n++
					}
				}
			}
		}
	})

	c.countComplaints(t, ld, comps)

	acc := t.groups()
	// Repeat contacts and durations share nothing, so they run side by
	// side; the periods are copied because ps caches its last lookup.
	psRepeats := *ps
	if c.packed {
		buf := getKeys(len(keys))
		defer putKeys(buf)
		wg.Go(func() { countRepeatKeys(keys, buf, c.personBits, acc, numMeasures, &psRepeats) })
	} else {
		reps := make([][]rsample, len(parts))
		for i, pt := range parts {
			reps[i] = pt.sc.reps
		}
		wg.Go(func() { countRepeatSamples(reps, acc, numMeasures, &psRepeats) })
	}
	var durations [numDurations]Durations
	for d := range durations {
		samples := make([][]dsample, len(parts))
		for i, pt := range parts {
			samples[i] = pt.sc.durs[d]
		}
		durations[d] = buildDurations(d, samples, ps, parts[0].sc)
	}
	wg.Wait()

	rep := Report{
		From:      p.From,
		To:        p.To,
		TimeZone:  c.loc.String(),
		Measures:  make(map[string]Measure, numMeasures),
		Durations: make(map[string]Durations, numDurations),
		Means:     make(map[string]Mean, numSurveyQuestions),
	}
	for m, def := range measureDefs {
		rep.Measures[def.id] = buildMeasure(m, acc, ps)
	}
	rep.DataFirst, rep.DataLast = dataSpan(acc, ps)
	for d := range durations {
		rep.Durations[durationDefs[d].id] = durations[d]
	}
	for q, def := range surveyDefs {
		mean := Mean{ID: def.id, Label: def.label, MeanStats: meanStats(means[q][gTotal].sum, means[q][gTotal].n)}
		cit, non := meanStats(means[q][gCIT].sum, means[q][gCIT].n), meanStats(means[q][gNonCIT].sum, means[q][gNonCIT].n)
		mean.CIT, mean.NonCIT = &cit, &non
		mean.Sentence = meanSentence(def.what, mean.MeanStats)
		rep.Means[def.id] = mean
	}
	rep.NoCITReasons = reasonCounts(reasons)
	return rep
}

// countCIT adds e to the CIT measures of row r and its no-CIT reason, if
// any, to reasons: the part of the pass a call record (Encounter.CallOnly)
// takes part in.
func countCIT(r *[numEncounterMeasures]pair, e *Encounter, reasons map[string]int) {
	if e.CITRequested != Unknown {
		r[mCITRequested].den++
		r[mCITRequested].num += b32(e.CITRequested == Yes)
	}
	if e.CITRequested == Yes {
		if e.CITDispatched != Unknown {
			r[mCITDispatched].den++
			r[mCITDispatched].num += b32(e.CITDispatched == Yes)
		}
		if e.CITArrived != Unknown {
			r[mCITOnScene].den++
			r[mCITOnScene].num += b32(e.CITArrived == Yes)
		}
		if e.CITDispatched == No {
			reasons[e.NoCITReason]++
		}
	}
}

// responseMeasures are the response-path measures, each with the
// response it counts.
var responseMeasures = [...]struct {
	m int
	r Response
}{{mResponseCIT, ResponseCIT}, {mResponseCoResponse, ResponseCoResponse}, {mResponse988, Response988}, {mResponsePatrol, ResponsePatrol}, {mResponseEMS, ResponseEMS}}

// countResponse adds call record e to the response-path measures of row r:
// every call with a response recorded is in their denominators, a
// mental-health one also in response_without_police's.
func countResponse(r *[numEncounterMeasures]pair, e *Encounter) {
	if e.Response == ResponseUnknown {
		return
	}
	for _, rm := range responseMeasures {
		r[rm.m].den++
		r[rm.m].num += b32(e.Response == rm.r)
	}
	if e.MentalHealth == Yes {
		r[mWithoutPolice].den++
		r[mWithoutPolice].num += b32(e.Response.withoutPolice())
	}
}

// countMutualAid adds call record e to the mutual-aid measures of row r.
func countMutualAid(r *[numEncounterMeasures]pair, e *Encounter) {
	if e.MutualAid == MutualAidNone {
		return
	}
	r[mMutualAidRequested].num++
	r[mMutualAidFilled].den++
	r[mMutualAidFilled].num += b32(e.MutualAid == MutualAidFilled)
}

// countTransfer adds call record e's transfer to 988 or mobile crisis, if
// it has one, to the transfer measures of row r.
func countTransfer(r *[numEncounterMeasures]pair, e *Encounter) {
	if e.Transfer.counted() {
		r[mTransfers988].num++
		r[mTransfersReturned].den++
		r[mTransfersReturned].num += b32(e.Transfer&TransferReturned != 0)
	}
	if e.Transfer.accepted() {
		r[mTransfersRepeat24h].den++
		r[mTransfersRepeat24h].num += b32(e.Transfer&TransferRepeat24h != 0)
	}
}

// countCoResponse adds call record e to the co-response measures of row
// r: co_responses counts the calls the liaison reached, and
// cit_met_with_co_response is cit_dispatched with the liaison on scene
// also meeting the request.
func countCoResponse(r *[numEncounterMeasures]pair, e *Encounter) {
	r[mCoResponses].num += b32(e.LiaisonOnScene)
	if e.CITRequested == Yes && e.CITDispatched != Unknown {
		r[mCITMetCoResponse].den++
		r[mCITMetCoResponse].num += b32(e.CITDispatched == Yes || e.LiaisonOnScene)
	}
}

// maxWorkers is how many workers a computation over many encounters
// splits them among: the machine's cores, at most 4.
func maxWorkers() int { return min(runtime.GOMAXPROCS(0), 4) }

// pass sums one share of the encounters, lo to hi of src, into sc and,
// when the repeat samples are packed, keys (empty, with room for hi − lo).
func (c *computation) pass(src encounterSource, lo, hi int, sc *scratch, keys []uint64) *partial {
	if keys == nil && cap(sc.reps) < hi-lo {
		sc.reps = make([]rsample, 0, hi-lo)
	}
	sc.reps = sc.reps[:0]
	pt := &partial{t: c.newTally(), sc: sc, keys: keys, reasons: map[string]int{}}
	ld := newLocalDays(c.loc)
	eachChunk(src, lo, hi, func(encs []Encounter) { c.passChunk(pt, ld, encs) })
	return pt
}

// passChunk adds encs to pt; ld is the pass's zone table.
func (c *computation) passChunk(pt *partial, ld *localDays, encs []Encounter) {
	t, ps := pt.t, pt.t.ps
	durs, reps, keys, reasons := &pt.sc.durs, pt.sc.reps, pt.keys, pt.reasons
	fromDay, toDay, ranged, nowU := c.fromDay, c.toDay, c.ranged, c.nowU

	for i := range encs {
		e := &encs[i]
		pn := int64(noPeriod)
		var day int64
		var occurred int64
		dated := !e.Occurred.IsZero()
		if dated {
			occurred = e.Occurred.Unix()
			dated = occurred >= minSupported && occurred < maxSupported
		}
		if dated {
			day = ld.dayOfUnix(occurred)
			monthly := true
			if e.Precision >= PrecisionMonth {
				var in bool
				if in, monthly = placeCoarse(day, e.Precision, fromDay, toDay); !in {
					continue
				}
			} else if day < fromDay || day > toDay {
				continue
			}
			if monthly {
				pn = ps.number(day)
			}
		} else if ranged {
			continue
		}
		row := t.row(pn, citColumn(e.OfficerCIT))
		r := (*[numEncounterMeasures]pair)(row)
		if e.CallOnly {
			countCIT(r, e, reasons)
			countResponse(r, e)
			countTransfer(r, e)
			countCoResponse(r, e)
			countMutualAid(r, e)
			continue
		}

		r[mEncounters].num++
		// Every encounter may draw a complaint or a commendation.
		row[mComplaints].den++
		row[mComplaintsSustained].den++
		row[mCommendations].den++
		if e.Force != ForceUnknown {
			r[mUseOfForce].den++
			r[mUseOfForce].num += b32(e.Force >= ForcePhysical)
		}
		if e.PersonInjury != InjuryUnknown {
			r[mPersonInjuries].den++
			r[mPersonInjuries].num += b32(e.PersonInjury >= InjuryMinor)
		}
		if e.OfficerInjury != InjuryUnknown {
			r[mOfficerInjuries].den++
			r[mOfficerInjuries].num += b32(e.OfficerInjury >= InjuryMinor)
		}
		death := e.PersonInjury == InjuryFatal || e.OfficerInjury == InjuryFatal
		if death || (e.PersonInjury != InjuryUnknown && e.OfficerInjury != InjuryUnknown) {
			r[mDeaths].den++
			r[mDeaths].num += b32(death)
		}
		if e.Dispositions != 0 || e.DispositionsKnown != 0 || e.ReferralConnected {
			// A known negative (an open-data "no") is in the denominator;
			// an unanswered disposition is not.
			ds, known := e.Dispositions, e.known()
			for _, a := range [...]struct {
				m int
				t Tri
			}{{mArrests, answer(ds, known, arrestSet)}, {mEmergencyDetentions, answer(ds, known, detentionSet)},
				{mDiversions, e.diversion()}, {mEndingInCare, e.endedInCare()}} {
				if a.t != Unknown {
					r[a.m].den++
					r[a.m].num += b32(a.t == Yes)
				}
			}
		}
		if e.Veteran != Unknown {
			r[mVeterans].den++
			r[mVeterans].num += b32(e.Veteran == Yes)
		}
		if e.OfficerCIT != Unknown {
			r[mCITOfficer].den++
			r[mCITOfficer].num += b32(e.OfficerCIT == Yes)
		}
		countCIT(r, e, reasons)
		r[mOnlineRequests].den++
		r[mOnlineRequests].num += b32(e.OnlineRequest)

		// Deadlines, in Unix seconds (time.Time arithmetic costs more).
		due, hasDue := int64(0), false
		if !e.ReportDue.IsZero() {
			due, hasDue = e.ReportDue.Unix(), true
		} else if dated {
			due, hasDue = occurred+int64(reportDeadline/time.Second), true
		}
		submitted := !e.Submitted.IsZero()
		var sub int64
		if submitted {
			sub = e.Submitted.Unix()
		}
		if hasDue && (submitted || nowU >= due) && e.coarserThanHour() {
			r[mReportsSubmitted24h].imprecise++
		} else if hasDue && (submitted || nowU >= due) {
			r[mReportsSubmitted24h].den++
			r[mReportsSubmitted24h].num += b32(submitted && sub <= due)
		}
		if submitted {
			approvalDue := sub + int64(approvalDeadline/time.Second)
			approved := !e.Approved.IsZero()
			if approved || nowU >= approvalDue {
				r[mReportsApproved7d].den++
				r[mReportsApproved7d].num += b32(approved && e.Approved.Unix() <= approvalDue)
			}
		}

		key := packKey(pn, citGroup(e.OfficerCIT))
		recv, disp, scene := !e.CallReceived.IsZero(), !e.Dispatched.IsZero(), !e.OnScene.IsZero()
		if recv && disp {
			durs[dReceivedToDispatched] = append(durs[dReceivedToDispatched], dsample{seconds(e.CallReceived, e.Dispatched), key})
		}
		if disp && scene {
			durs[dDispatchedToOnScene] = append(durs[dDispatchedToOnScene], dsample{seconds(e.Dispatched, e.OnScene), key})
		}
		if recv && scene {
			durs[dReceivedToOnScene] = append(durs[dReceivedToOnScene], dsample{seconds(e.CallReceived, e.OnScene), key})
		}
		if e.HandoverMinutes >= 0 {
			durs[dHandover] = append(durs[dHandover], dsample{int32(min(int64(e.HandoverMinutes)*60, math.MaxInt32)), key})
		}
		if e.PersonKey != 0 && dated {
			if e.coarserThanDay() {
				// Repeat contacts count days between encounters.
				for m := mRepeat30; m <= mRepeat365; m++ {
					row[m].imprecise++
				}
			} else if c.packed {
				keys = append(keys, repeatKey(e.PersonKey-c.minPerson, day, citGroup(e.OfficerCIT)))
			} else {
				reps = append(reps, rsample{e.PersonKey, int32(day), key})
			}
		}
	}
	pt.sc.reps, pt.keys = reps, keys
}

// Instants outside the years 1 to 9999 are read as unknown dates: no
// agency has such records, and a stray one (year 200000) must not make
// Compute allocate a month for every month in between.
var (
	minSupported = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC).Unix() + 14*3600 // a day's margin for zones
	maxSupported = time.Date(9999, time.December, 31, 0, 0, 0, 0, time.UTC).Unix()
)

// Disposition sets behind diversion and care.
var (
	// divertedTo are the endings that make an encounter a diversion.
	divertedTo = DispositionsOf(ResolvedOnScene, ReferredToLiaison, VoluntaryTransport, ResourcesOffered)
	// notDiversion are the endings that rule diversion out: the justice
	// system, or the involuntary civil detention.
	notDiversion = DispositionsOf(Arrest, Citation, EmergencyDetention)
	// inCare are the endings that put the person in a place of care.
	inCare = DispositionsOf(VoluntaryTransport, EmergencyDetention)
	// arrestSet and detentionSet hold the one disposition of their measure.
	arrestSet    = DispositionsOf(Arrest)
	detentionSet = DispositionsOf(EmergencyDetention)
)

// placeCoarse says whether a record known only to the month or year of
// day (prec PrecisionMonth or PrecisionYear) is in the range [fromDay,
// toDay]: only when the whole month or year is, since the record may lie
// anywhere in it. A record known to the year belongs to no month.
func placeCoarse(day int64, prec Precision, fromDay, toDay int64) (in, monthly bool) {
	var lo, hi int64
	if prec >= PrecisionYear {
		y, _, _ := civilFromDays(day)
		lo, hi = daysFromCivil(y, 1, 1), daysFromCivil(y+1, 1, 1)-1
	} else {
		mn := monthOfDay(day)
		lo, hi = monthStart(mn), monthStart(mn+1)-1
	}
	return lo >= fromDay && hi <= toDay, prec < PrecisionYear
}

func b32(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// seconds returns b − a in whole seconds, clamped to int32.
func seconds(a, b time.Time) int32 {
	s := b.Unix() - a.Unix()
	return int32(min(max(s, math.MinInt32), math.MaxInt32))
}

func meanStats(sum, n int) MeanStats {
	if n == 0 {
		return MeanStats{Mean: Float(math.NaN())}
	}
	return MeanStats{Count: n, Mean: Float(float64(sum) / float64(n))}
}

// buildMeasure turns measure m's accumulators into a Measure.
func buildMeasure(m int, acc []pair, ps *periods) Measure {
	def := measureDefs[m]
	cell := func(g int) Cell {
		a := acc[g*numMeasures+m]
		var c Cell
		if def.unit == UnitCount {
			c = newCell(int(a.num), -1)
		} else {
			c = newCell(int(a.num), int(a.den))
		}
		c.Imprecise = int(a.imprecise)
		return c
	}
	out := Measure{ID: def.id, Label: def.label, Unit: def.unit, Cell: cell(gTotal), SplitMeaningful: def.splitMeans()}
	if !def.noSplit {
		cit, non := cell(gCIT), cell(gNonCIT)
		out.CIT, out.NonCIT = &cit, &non
	}
	cells := make([]PeriodCell, ps.n)
	for i := range cells {
		cells[i] = PeriodCell{Period: ps.label(i), Partial: ps.partial(i), Cell: cell(gPeriod + i)}
	}
	if ps.quarterly {
		out.ByQuarter = cells
	} else {
		out.ByMonth = cells
	}
	out.Sentence = rateSentence(def, out.Cell) + impreciseSentence(m, out.Imprecise)
	return out
}

// impreciseSentence says how many records measure m left out because
// their time is too coarse for it; "" when none.
func impreciseSentence(m, n int) string {
	if n == 0 {
		return ""
	}
	coarse := "month or year" // repeat contacts need the day
	if m == mReportsSubmitted24h {
		coarse = "day, month or year"
	}
	return fmt.Sprintf(" %s left out: %s known only to the %s.", plural(n, "1 encounter", thousands(n)+" encounters"), plural(n, "its date is", "their dates are"), coarse)
}

// dataSpan returns the labels of the first and last periods whose rows
// hold any record ("" and "" when none does): every record adds to at
// least one of its period's pairs (an encounter to encounters, a call to
// cit_requested, a referral to referrals).
func dataSpan(acc []pair, ps *periods) (first, last string) {
	lo, hi := -1, -1
	for i := range ps.n {
		for _, a := range acc[(gPeriod+i)*numMeasures:][:numMeasures] {
			if a.num != 0 || a.den != 0 {
				if lo < 0 {
					lo = i
				}
				hi = i
				break
			}
		}
	}
	if lo < 0 {
		return "", ""
	}
	return ps.label(lo), ps.label(hi)
}

// reasonCounts sorts the reasons, most frequent first, merging reasons that
// differ only in surrounding space.
func reasonCounts(m map[string]int) []ReasonCount {
	merged := map[string]int{}
	for r, n := range m {
		r = strings.TrimSpace(r)
		if r == "" {
			r = "not recorded"
		}
		merged[r] += n
	}
	out := make([]ReasonCount, 0, len(merged))
	for r, n := range merged {
		out = append(out, ReasonCount{Reason: r, Count: n})
	}
	slices.SortFunc(out, func(a, b ReasonCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Reason, b.Reason))
	})
	return out
}
