package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"citdesk"
	"citdesk/outcomes"
)

// HistorySource is the source name of the demo's invented history: with a
// seed and a number it identifies each record, so running the demo again
// with the same arguments adds nothing.
const HistorySource = "demo"

// History writes n invented encounters, ending yesterday, to the agency of
// the operator context ctx through hs's bulk path: outcomes.Synthesize's
// history (more calls in summer and at weekends, an evening peak, a group
// of people met again and again, CIT officers using less force and
// diverting more) with its calls and assignments (for response times),
// persons (for repeat contacts), and referrals (contact, connection to care,
// surveys). Encounters go to the agency's officers, CIT-certified ones for
// CIT encounters where there are any, else to the demo's history officer.
// It is for load tests and screenshots.
func History(ctx context.Context, hs citdesk.HistoryService, officers citdesk.OfficerService, loc *time.Location, n int, seed uint64, now time.Time, progress func(done int)) (citdesk.HistoryResult, error) {
	roster, err := officers.ListOfficers(ctx, citdesk.OfficerFilter{})
	if err != nil {
		return citdesk.HistoryResult{}, err
	}
	var cit, nonCIT []int64
	for _, o := range roster {
		if strings.HasPrefix(o.Badge, "history:") {
			continue // the history officers of imports
		}
		if o.CIT != nil && o.CIT.Status.Certified() {
			cit = append(cit, o.ID)
		} else {
			nonCIT = append(nonCIT, o.ID)
		}
	}
	recs := HistoryRecords(n, seed, now, loc, cit, nonCIT)
	return hs.ImportHistory(ctx, HistorySource, recs, progress)
}

// HistoryRecords returns the records History writes: n synthetic
// encounters on the days before now's date in loc, given to the officers
// cit and nonCIT by certification (0, the history officer, when a list is
// empty).
func HistoryRecords(n int, seed uint64, now time.Time, loc *time.Location, cit, nonCIT []int64) []citdesk.HistoricalEncounter {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := now.In(loc).Date()
	span := min(max(n/50, 30), 3650) // Synthesize's span in days
	start := time.Date(y, m, d-span, 0, 0, 0, 0, loc)
	encs := outcomes.Synthesize(n, seed, start, loc)
	refs := outcomes.SynthesizeReferrals(encs, seed)
	out := make([]citdesk.HistoricalEncounter, 0, len(encs))
	ri := 0
	for i := range encs {
		e := &encs[i]
		h := historyRecord(e, seed, cit, nonCIT)
		if e.Dispositions.Has(outcomes.ReferredToLiaison) && ri < len(refs) {
			if h.PersonExternalID != "" {
				h.Referral = historyReferral(&refs[ri], i, now)
			}
			ri++
		}
		out = append(out, h)
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

var (
	historyFirst = []string{"Alex", "Jordan", "Sam", "Casey", "Riley", "Morgan", "Jamie", "Taylor", "Drew", "Quinn", "Avery", "Rowan"}
	historyLast  = []string{"Meyer", "Okoye", "Lindgren", "Castillo", "Nguyen", "Brandt", "Hughes", "Ferro", "Walsh", "Adeyemi", "Novak", "Reyes", "Sato", "Kerr"}
)

// historyRecord turns one synthetic encounter into a record.
func historyRecord(e *outcomes.Encounter, seed uint64, cit, nonCIT []int64) citdesk.HistoricalEncounter {
	h := citdesk.HistoricalEncounter{
		ExternalID:    fmt.Sprintf("demo-%d-%d", seed, e.ID),
		OccurredAt:    e.Occurred,
		OfficerCIT:    e.OfficerCIT.Ptr(),
		Force:         e.Force.Citdesk(),
		InjuryPerson:  e.PersonInjury.Citdesk(),
		InjuryOfficer: e.OfficerInjury.Citdesk(),
		Dispositions:  e.Dispositions.Citdesk(),
		Veteran:       e.Veteran.Ptr(),
		CITRequested:  e.CITRequested.Ptr(),
		CITDispatched: e.CITDispatched.Ptr(),
		CITArrived:    e.CITArrived.Ptr(),
		SubmittedAt:   timePtr(e.Submitted),
		ApprovedAt:    timePtr(e.Approved),
	}
	pool := nonCIT
	if e.OfficerCIT == outcomes.Yes {
		pool = cit
	}
	if len(pool) > 0 {
		h.OfficerID = pool[int(e.ID)%len(pool)]
	}
	if e.HandoverMinutes >= 0 {
		m := int(min(e.HandoverMinutes, 1440))
		h.HandoverMinutes = &m
	}
	switch {
	case e.Submitted.IsZero():
		h.Status = citdesk.EncounterDraft
	case e.Approved.IsZero():
		h.Status = citdesk.EncounterSubmitted
	default:
		h.Status = citdesk.EncounterApproved
	}
	if e.PersonKey != 0 {
		k := int(e.PersonKey)
		h.PersonExternalID = fmt.Sprintf("demo-%d-p%d", seed, k)
		h.PersonFirst = historyFirst[k%len(historyFirst)]
		h.PersonLast = fmt.Sprintf("%s-%d", historyLast[(k/len(historyFirst))%len(historyLast)], k)
	}
	if !e.CallReceived.IsZero() {
		c := &citdesk.HistoricalCall{Source: citdesk.Source911, ReceivedAt: e.CallReceived, DispatchedAt: e.Dispatched,
			OnSceneAt: e.OnScene, ClearedAt: e.OnScene.Add(45 * time.Minute), CITRequested: e.CITRequested == outcomes.Yes}
		switch {
		case e.OnlineRequest:
			c.Source = citdesk.SourceOnlineRequest
		case e.ID%3 == 0:
			c.Source = citdesk.SourceNonEmergency
		}
		if e.CITRequested == outcomes.Yes && e.CITDispatched == outcomes.No {
			c.NoCITReason = citdesk.NoCITOther
			if code, ok := outcomes.NoCITReasonCode(e.NoCITReason); ok {
				c.NoCITReason = code
			}
		}
		h.Call = c
	}
	return h
}

// historyReferral turns a synthetic referral into its record: closed with
// the survey when it had one, otherwise left where the liaison got to.
func historyReferral(r *outcomes.Referral, i int, now time.Time) *citdesk.HistoricalReferral {
	f := &citdesk.HistoricalReferral{CreatedAt: r.Created, FirstContactAt: r.FirstContact, Status: citdesk.ReferralOpen}
	if f.CreatedAt.IsZero() {
		return nil
	}
	if !f.FirstContactAt.IsZero() && f.FirstContactAt.After(now) {
		f.FirstContactAt = time.Time{}
	}
	var outcome citdesk.ReferralStatus
	switch {
	case r.Connected:
		outcome = citdesk.ReferralConnected
	case !f.FirstContactAt.IsZero():
		outcome = citdesk.ReferralDeclined
	default:
		outcome = citdesk.ReferralUnableToContact
	}
	closeAt := f.CreatedAt.Add(14 * 24 * time.Hour)
	switch {
	case closeAt.Before(now) && r.Survey != nil:
		f.Status, f.Outcome, f.ClosedAt = citdesk.ReferralClosed, outcome, closeAt
		respondent := "person"
		if i%3 == 0 {
			respondent = "family"
		}
		f.Survey = &citdesk.Survey{Respondent: respondent, Respect: r.Survey.Respect, Safety: r.Survey.Safety, Help: r.Survey.Help, At: closeAt}
	case closeAt.Before(now):
		f.Status, f.Outcome = outcome, outcome
	case !f.FirstContactAt.IsZero():
		f.Status = citdesk.ReferralContacted
	}
	return f
}
