package outcomes

import (
	"math"
	"time"
)

// Columns hold an agency's encounters and referrals in columnar form: one
// slice per field, each a fixed-size integer (an encounter's times as Unix
// seconds, a referral's as microseconds, the small enums as bytes, the
// yes/no flags as bitsets) and the no-CIT reasons as indexes into a small
// table of the distinct reasons. An encounter takes about 67 bytes this
// way, against about 232 as an Encounter value (whose seven time.Time fields each carry a pointer the
// garbage collector must scan), and the columns are written to and read
// from a snapshot file without any per-record work (snapfile.go).
//
// The measures do not read the columns directly: they read Encounter
// values a chunk at a time (Columns.chunk), so Compute and the drill-down
// have one definition each. encounterFields and referralFields name every
// field the columns carry; TestColumnsCoverEveryField fails when Encounter
// or Referral gains a field they do not.
type Columns struct {
	enc encColumns
	ref refColumns
	// reasons is the table of no-CIT reasons; reasonAt finds a reason's
	// index. Index 0 is "", so a zero column means no reason.
	reasons  []string
	reasonAt map[string]uint32
	// complaints are the agency's complaints and commendations: a few
	// per hundred encounters, replaced whole on each read, so a slice.
	complaints []Complaint
}

// encColumns are the encounters' columns, all of one length.
type encColumns struct {
	id, person []int64
	// Times in Unix seconds, all the measures read of an encounter's
	// times (referral times keep their microseconds: a contact deadline
	// compares them exactly).
	occurred, callReceived, dispatched, onScene, reportDue, submitted, approved secondColumn
	precision, officerCIT, force, personInjury, officerInjury, veteran          []uint8
	citRequested, citDispatched, citArrived, response, mentalHealth, transfer   []uint8
	mutualAid                                                                   []uint8
	dispositions, dispositionsKnown                                             []uint16
	noCITReason                                                                 []uint32
	handover                                                                    []int32
	onlineRequest, referralConnected, callOnly, liaisonOnScene                  bitset
}

// refColumns are the referrals' columns, all of one length.
type refColumns struct {
	id                    []int64
	created, firstContact []int64 // Unix microseconds; noTime for the zero time
	officerCIT            []uint8
	// surveyRespect, surveySafety and surveyHelp are the survey's scores
	// (clamped to a byte: every score outside 1–5 is read as unanswered);
	// hasSurvey tells a survey of zeros from no survey.
	surveyRespect, surveySafety, surveyHelp []int8
	connected, hasSurvey                    bitset
}

// encounterFields and referralFields are the fields of Encounter and
// Referral the columns carry. Adding a field to either struct means adding
// its column (encColumns or refColumns, their set, get, remove and file
// code) and its name here; TestColumnsCoverEveryField checks the list
// against the structs and that every field listed survives the trip.
var (
	encounterFields = []string{"ID", "PersonKey", "Occurred", "Precision", "OfficerCIT", "Force", "PersonInjury",
		"OfficerInjury", "Dispositions", "DispositionsKnown", "Veteran", "CITRequested", "CITDispatched", "CITArrived",
		"NoCITReason", "CallReceived", "Dispatched", "OnScene", "HandoverMinutes", "ReportDue", "Submitted", "Approved",
		"OnlineRequest", "ReferralConnected", "CallOnly", "Response", "MentalHealth", "Transfer", "LiaisonOnScene", "MutualAid"}
	referralFields  = []string{"Created", "FirstContact", "Connected", "OfficerCIT", "Survey"}
	complaintFields = []string{"Received", "Commendation", "Sustained", "Encounter", "Occurred", "Precision", "OfficerCIT"}
)

// noTime stands for the zero time.Time in a time column.
const noTime = math.MinInt64

// timeOf returns t as a time column holds it.
func timeOf(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.UnixMicro()
}

// timeAt returns the time a time column holds as v.
func timeAt(v int64) time.Time {
	if v == noTime {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

// secondColumn is a column of times in whole Unix seconds: four bytes a
// time, as seconds from secondBase, while every time in it is within 68
// years of it; eight (Unix seconds) once one is not, such as an imported
// report from 1920 or the far-future deadline the store gives reports
// with no review history.
type secondColumn struct {
	narrow []int32 // seconds from secondBase; noSecond for the zero time
	wide   []int64 // Unix seconds; noTime for the zero time (nil while narrow will do)
}

// secondBase is 2000-01-01 UTC, in Unix seconds.
const secondBase = 946684800

// noSecond stands for the zero time in a narrow column.
const noSecond = math.MinInt32

func (c *secondColumn) grow() {
	if c.wide != nil {
		c.wide = append(c.wide, noTime)
		return
	}
	c.narrow = append(c.narrow, noSecond)
}

func (c *secondColumn) truncate(n int) {
	if c.wide != nil {
		c.wide = c.wide[:n]
		return
	}
	c.narrow = c.narrow[:n]
}

// unix returns time i in Unix seconds, or noTime.
func (c *secondColumn) unix(i int) int64 {
	if c.wide != nil {
		return c.wide[i]
	}
	if v := c.narrow[i]; v != noSecond {
		return secondBase + int64(v)
	}
	return noTime
}

func (c *secondColumn) get(i int) time.Time {
	u := c.unix(i)
	if u == noTime {
		return time.Time{}
	}
	return time.Unix(u, 0).UTC()
}

func (c *secondColumn) set(i int, t time.Time) {
	u := int64(noTime)
	if !t.IsZero() {
		u = t.Unix()
	}
	c.setUnix(i, u)
}

func (c *secondColumn) setUnix(i int, u int64) {
	if c.wide != nil {
		c.wide[i] = u
		return
	}
	if u == noTime {
		c.narrow[i] = noSecond
		return
	}
	if d := u - secondBase; d > noSecond && d <= math.MaxInt32 {
		c.narrow[i] = int32(d)
		return
	}
	// Out of the narrow range: widen the whole column, once.
	wide := make([]int64, len(c.narrow))
	for j := range c.narrow {
		wide[j] = c.unix(j)
	}
	c.wide, c.narrow = wide, nil
	c.wide[i] = u
}

// bitset is a column of booleans.
type bitset []uint64

func (b bitset) get(i int) bool { return b[i>>6]&(1<<(i&63)) != 0 }

func (b *bitset) set(i int, v bool) {
	for i>>6 >= len(*b) {
		*b = append(*b, 0)
	}
	if v {
		(*b)[i>>6] |= 1 << (i & 63)
	} else {
		(*b)[i>>6] &^= 1 << (i & 63)
	}
}

// NewColumns returns empty columns.
func NewColumns() *Columns {
	return &Columns{reasons: []string{""}, reasonAt: map[string]uint32{"": 0}}
}

// ColumnsOf returns columns holding encs and refs, with their ids.
func ColumnsOf(encs []Encounter, encIDs []int64, refs []Referral, refIDs []int64) *Columns {
	c := NewColumns()
	for i := range encs {
		c.AppendEncounter(encIDs[i], &encs[i])
	}
	for i := range refs {
		c.AppendReferral(refIDs[i], &refs[i])
	}
	return c
}

// Encounters returns how many encounters c holds.
func (c *Columns) Encounters() int { return len(c.enc.id) }

// Referrals returns how many referrals c holds.
func (c *Columns) Referrals() int { return len(c.ref.id) }

// EncounterID returns the store's id of encounter i.
func (c *Columns) EncounterID(i int) int64 { return c.enc.id[i] }

// ReferralID returns the store's id of referral i.
func (c *Columns) ReferralID(i int) int64 { return c.ref.id[i] }

// reason returns the index of reason r in the table, adding it.
func (c *Columns) reason(r string) uint32 {
	if at, ok := c.reasonAt[r]; ok {
		return at
	}
	at := uint32(len(c.reasons))
	c.reasons = append(c.reasons, r)
	c.reasonAt[r] = at
	return at
}

// AppendEncounter adds e, whose id in the store is id.
func (c *Columns) AppendEncounter(id int64, e *Encounter) {
	n := len(c.enc.id)
	x := &c.enc
	x.id = append(x.id, id)
	x.person = append(x.person, 0)
	for _, col := range x.times() {
		col.grow()
	}
	for _, col := range x.bytes() {
		*col = append(*col, 0)
	}
	x.dispositions = append(x.dispositions, 0)
	x.dispositionsKnown = append(x.dispositionsKnown, 0)
	x.noCITReason = append(x.noCITReason, 0)
	x.handover = append(x.handover, 0)
	c.SetEncounter(n, e)
}

// times returns the encounters' time columns, in file order.
func (x *encColumns) times() []*secondColumn {
	return []*secondColumn{&x.occurred, &x.callReceived, &x.dispatched, &x.onScene, &x.reportDue, &x.submitted, &x.approved}
}

// bytes returns the encounters' byte columns, in file order.
func (x *encColumns) bytes() []*[]uint8 {
	return []*[]uint8{&x.precision, &x.officerCIT, &x.force, &x.personInjury, &x.officerInjury, &x.veteran,
		&x.citRequested, &x.citDispatched, &x.citArrived, &x.response, &x.mentalHealth, &x.transfer, &x.mutualAid}
}

// bits returns the encounters' bitsets, in file order.
func (x *encColumns) bits() []*bitset {
	return []*bitset{&x.onlineRequest, &x.referralConnected, &x.callOnly, &x.liaisonOnScene}
}

// SetEncounter puts e in place of encounter i (keeping its id).
func (c *Columns) SetEncounter(i int, e *Encounter) {
	x := &c.enc
	x.person[i] = e.PersonKey
	x.occurred.set(i, e.Occurred)
	x.callReceived.set(i, e.CallReceived)
	x.dispatched.set(i, e.Dispatched)
	x.onScene.set(i, e.OnScene)
	x.reportDue.set(i, e.ReportDue)
	x.submitted.set(i, e.Submitted)
	x.approved.set(i, e.Approved)
	x.precision[i], x.officerCIT[i], x.force[i] = uint8(e.Precision), uint8(e.OfficerCIT), uint8(e.Force)
	x.personInjury[i], x.officerInjury[i], x.veteran[i] = uint8(e.PersonInjury), uint8(e.OfficerInjury), uint8(e.Veteran)
	x.citRequested[i], x.citDispatched[i], x.citArrived[i] = uint8(e.CITRequested), uint8(e.CITDispatched), uint8(e.CITArrived)
	x.response[i], x.mentalHealth[i], x.transfer[i] = uint8(e.Response), uint8(e.MentalHealth), uint8(e.Transfer)
	x.mutualAid[i] = uint8(e.MutualAid)
	x.dispositions[i], x.dispositionsKnown[i] = uint16(e.Dispositions), uint16(e.DispositionsKnown)
	x.noCITReason[i] = c.reason(e.NoCITReason)
	x.handover[i] = e.HandoverMinutes
	x.onlineRequest.set(i, e.OnlineRequest)
	x.referralConnected.set(i, e.ReferralConnected)
	x.callOnly.set(i, e.CallOnly)
	x.liaisonOnScene.set(i, e.LiaisonOnScene)
}

// Encounter fills e with encounter i.
func (c *Columns) Encounter(i int, e *Encounter) {
	x := &c.enc
	*e = Encounter{
		ID: x.id[i], PersonKey: x.person[i],
		Occurred: x.occurred.get(i), Precision: Precision(x.precision[i]),
		OfficerCIT: Tri(x.officerCIT[i]), Force: ForceLevel(x.force[i]),
		PersonInjury: Injury(x.personInjury[i]), OfficerInjury: Injury(x.officerInjury[i]),
		Dispositions: Dispositions(x.dispositions[i]), DispositionsKnown: Dispositions(x.dispositionsKnown[i]),
		Veteran:      Tri(x.veteran[i]),
		CITRequested: Tri(x.citRequested[i]), CITDispatched: Tri(x.citDispatched[i]), CITArrived: Tri(x.citArrived[i]),
		NoCITReason:  c.reasons[x.noCITReason[i]],
		CallReceived: x.callReceived.get(i), Dispatched: x.dispatched.get(i), OnScene: x.onScene.get(i),
		HandoverMinutes: x.handover[i],
		ReportDue:       x.reportDue.get(i), Submitted: x.submitted.get(i), Approved: x.approved.get(i),
		OnlineRequest: x.onlineRequest.get(i), ReferralConnected: x.referralConnected.get(i), CallOnly: x.callOnly.get(i),
		Response: Response(x.response[i]), MentalHealth: Tri(x.mentalHealth[i]), Transfer: TransferMark(x.transfer[i]),
		LiaisonOnScene: x.liaisonOnScene.get(i),
		MutualAid:      MutualAid(x.mutualAid[i]),
	}
}

// RemoveEncounter removes encounter i by moving the last one into its
// place (no computation depends on the order), and returns the id of the
// encounter now at i (0 when i was the last).
func (c *Columns) RemoveEncounter(i int) (movedID int64) {
	x := &c.enc
	last := len(x.id) - 1
	if i != last {
		var e Encounter
		c.Encounter(last, &e)
		x.id[i] = x.id[last]
		c.SetEncounter(i, &e)
		movedID = x.id[i]
	}
	x.id, x.person = x.id[:last], x.person[:last]
	for _, col := range x.times() {
		col.truncate(last)
	}
	for _, col := range x.bytes() {
		*col = (*col)[:last]
	}
	x.dispositions, x.dispositionsKnown = x.dispositions[:last], x.dispositionsKnown[:last]
	x.noCITReason, x.handover = x.noCITReason[:last], x.handover[:last]
	for _, b := range x.bits() {
		b.set(last, false)
	}
	return movedID
}

// AppendReferral adds r, whose id in the store is id.
func (c *Columns) AppendReferral(id int64, r *Referral) {
	n := len(c.ref.id)
	x := &c.ref
	x.id = append(x.id, id)
	x.created, x.firstContact = append(x.created, 0), append(x.firstContact, 0)
	x.officerCIT = append(x.officerCIT, 0)
	x.surveyRespect, x.surveySafety, x.surveyHelp = append(x.surveyRespect, 0), append(x.surveySafety, 0), append(x.surveyHelp, 0)
	c.SetReferral(n, r)
}

// score returns a survey score as its column holds it: a score that does
// not fit a byte is out of 1–5, so unanswered, either way.
func score(v int) int8 {
	if v < math.MinInt8 || v > math.MaxInt8 {
		return -1
	}
	return int8(v)
}

// SetReferral puts r in place of referral i (keeping its id).
func (c *Columns) SetReferral(i int, r *Referral) {
	x := &c.ref
	x.created[i], x.firstContact[i] = timeOf(r.Created), timeOf(r.FirstContact)
	x.officerCIT[i] = uint8(r.OfficerCIT)
	x.connected.set(i, r.Connected)
	x.hasSurvey.set(i, r.Survey != nil)
	x.surveyRespect[i], x.surveySafety[i], x.surveyHelp[i] = 0, 0, 0
	if s := r.Survey; s != nil {
		x.surveyRespect[i], x.surveySafety[i], x.surveyHelp[i] = score(s.Respect), score(s.Safety), score(s.Help)
	}
}

// Referral fills r with referral i; a survey goes in *s, which r then
// points to.
func (c *Columns) Referral(i int, r *Referral, s *Survey) {
	x := &c.ref
	*r = Referral{Created: timeAt(x.created[i]), FirstContact: timeAt(x.firstContact[i]),
		Connected: x.connected.get(i), OfficerCIT: Tri(x.officerCIT[i])}
	if x.hasSurvey.get(i) {
		*s = Survey{Respect: int(x.surveyRespect[i]), Safety: int(x.surveySafety[i]), Help: int(x.surveyHelp[i])}
		r.Survey = s
	}
}

// RemoveReferral removes referral i as RemoveEncounter does an encounter.
func (c *Columns) RemoveReferral(i int) (movedID int64) {
	x := &c.ref
	last := len(x.id) - 1
	if i != last {
		var r Referral
		var s Survey
		c.Referral(last, &r, &s)
		x.id[i] = x.id[last]
		c.SetReferral(i, &r)
		movedID = x.id[i]
	}
	x.id, x.created, x.firstContact, x.officerCIT = x.id[:last], x.created[:last], x.firstContact[:last], x.officerCIT[:last]
	x.surveyRespect, x.surveySafety, x.surveyHelp = x.surveyRespect[:last], x.surveySafety[:last], x.surveyHelp[:last]
	x.connected.set(last, false)
	x.hasSurvey.set(last, false)
	return movedID
}

// chunkSize is how many records a pass over columns fills at a time: small
// enough that the buffer stays in cache, large enough that the loop
// around it costs nothing.
const chunkSize = 1024

// encounterSource is what the passes over the encounters read: a slice of
// them, or columns filled into a buffer a chunk at a time.
type encounterSource interface {
	Len() int
	// chunk returns encounters lo to hi (hi − lo at most chunkSize when
	// the source is columns), in buf when the source has to fill one.
	chunk(lo, hi int, buf *[chunkSize]Encounter) []Encounter
	// step is how many encounters one chunk may hold.
	step() int
}

// encounterSlice is a slice as an encounterSource: one chunk, no copy.
type encounterSlice []Encounter

func (s encounterSlice) Len() int { return len(s) }
func (s encounterSlice) chunk(lo, hi int, _ *[chunkSize]Encounter) []Encounter {
	return s[lo:hi]
}
func (s encounterSlice) step() int { return max(len(s), 1) }

// columnEncounters are Columns as an encounterSource.
type columnEncounters struct{ c *Columns }

func (s columnEncounters) Len() int { return s.c.Encounters() }
func (s columnEncounters) chunk(lo, hi int, buf *[chunkSize]Encounter) []Encounter {
	out := buf[:hi-lo]
	for i := range out {
		s.c.Encounter(lo+i, &out[i])
	}
	return out
}
func (s columnEncounters) step() int { return chunkSize }

// eachChunk calls fn with src's encounters lo to hi, a chunk at a time.
func eachChunk(src encounterSource, lo, hi int, fn func([]Encounter)) {
	var buf *[chunkSize]Encounter
	if _, ok := src.(columnEncounters); ok {
		buf = new([chunkSize]Encounter)
	}
	for at := lo; at < hi; at += src.step() {
		fn(src.chunk(at, min(at+src.step(), hi), buf))
	}
}

// referralSource is what Compute reads the referrals from.
type referralSource interface {
	eachReferral(fn func(*Referral))
}

// referralSlice is a slice as a referralSource.
type referralSlice []Referral

func (s referralSlice) eachReferral(fn func(*Referral)) {
	for i := range s {
		fn(&s[i])
	}
}

// columnReferrals are Columns as a referralSource.
type columnReferrals struct{ c *Columns }

func (s columnReferrals) eachReferral(fn func(*Referral)) {
	var r Referral
	var sv Survey
	for i := range s.c.Referrals() {
		s.c.Referral(i, &r, &sv)
		fn(&r)
	}
}

// SetComplaints puts comps in place of c's complaints (kept, not copied).
func (c *Columns) SetComplaints(comps []Complaint) { c.complaints = comps }

// ComputeColumns is ComputeAll over columns and their complaints.
func ComputeColumns(c *Columns, p Params) Report {
	return compute(columnEncounters{c}, columnReferrals{c}, c.complaints, p)
}

// SplitColumnsByMonth is SplitByMonth over columns.
func SplitColumnsByMonth(c *Columns, p Params) map[string]Split {
	return splitByMonth(columnEncounters{c}, p)
}

// BehindColumns is Behind over columns.
func BehindColumns(c *Columns, p Params, id, group, month string) ([]DrillRow, bool) {
	return behind(columnEncounters{c}, p, id, group, month)
}

// ComputePublicColumns is ComputePublic over columns.
func ComputePublicColumns(c *Columns, p Params) []PublicMeasure {
	return computePublic(columnEncounters{c}, columnReferrals{c}, c.complaints, p)
}
