package demo

import (
	"context"
	"fmt"
	"time"

	"citdesk"
)

// demoPerson is an invented person the demo officers met.
type demoPerson struct {
	first, last string
	dob         citdesk.Date
	address     string
	sex, race   string
	housing     string
}

// demoContact is one invented contact report.
type demoContact struct {
	daysAgo  float64
	officer  int // index into the roster
	person   int // index into people, -1 for none
	start    citdesk.ContactStart
	problem  citdesk.PrimaryProblem
	disps    []citdesk.Disposition
	force    citdesk.ForceLevel
	minutes  int
	status   citdesk.EncounterStatus
	referral citdesk.ReferralStatus // the state its referral is worked to
	text     string
}

var demoPeople = []demoPerson{
	{"Renee", "Castillo", citdesk.NewDate(1991, 8, 14), "1200 Vineland Rd Apt 2B", "female", "hispanic_latino", "housed"},
	{"Walter", "Brandt", citdesk.NewDate(1967, 3, 2), "418 S Main St", "male", "white", "housed"},
	{"Marcus", "O'Neil", citdesk.NewDate(1998, 11, 30), "", "male", "black", "unhoused"},
	{"Tasha", "Greene", citdesk.NewDate(1984, 5, 9), "22 Boyd St", "female", "black", "unstably_housed"},
	{"Doreen", "Pike", citdesk.NewDate(1952, 1, 21), "9 Oak Ridge Ct", "female", "white", "housed"},
	{"Samuel", "Ortiz", citdesk.NewDate(2006, 7, 4), "310 Pioneer Dr", "male", "hispanic_latino", "housed"},
	{"Kevin", "Lutz", citdesk.Date{}, "", "male", "", ""},
}

var (
	resolved = []citdesk.Disposition{citdesk.DispResolvedOnScene}
	referred = []citdesk.Disposition{citdesk.DispResolvedOnScene, citdesk.DispReferredToLiaison}
)

// demoContacts spans four weeks: CIT and non-CIT officers, repeat contacts,
// every disposition, reports in every review state and referrals in every
// referral state.
var demoContacts = []demoContact{
	{26, 0, 0, citdesk.StartDispatchedCrisis, citdesk.ProblemMentalIllness, referred, citdesk.ForceNone, 55, citdesk.EncounterApproved, citdesk.ReferralClosed,
		"Found her pacing in the car park, hearing voices. Sat with her on the kerb; she agreed to see the liaison."},
	{21, 1, 1, citdesk.StartWelfareCheck, citdesk.ProblemAlcoholDrugs, []citdesk.Disposition{citdesk.DispVoluntaryTransport}, citdesk.ForceVerbal, 70, citdesk.EncounterApproved, "",
		"Son called; subject intoxicated and talking of ending it. Agreed to go to Mercy Jefferson."},
	{19, 3, 2, citdesk.StartSelfInitiated, citdesk.ProblemDrugs, []citdesk.Disposition{citdesk.DispArrest}, citdesk.ForcePhysical, 40, citdesk.EncounterApproved, "",
		"Shouting at traffic, pushed a passer-by. Arrested after refusing to stop."},
	{17, 4, 3, citdesk.StartDispatchedCrisis, citdesk.ProblemMentalIllness, referred, citdesk.ForceNone, 35, citdesk.EncounterApproved, citdesk.ReferralConnected,
		"Landlord dispute escalated; calmed by listening. Wants help with housing and counselling."},
	{15, 0, 1, citdesk.StartDispatchedCrisis, citdesk.ProblemMentalIllness, []citdesk.Disposition{citdesk.DispEmergencyDetention}, citdesk.ForceNone, 95, citdesk.EncounterApproved, "",
		"Barricaded in the garage with a rope. Negotiated out over 50 minutes; met the criteria for detention."},
	{13, 6, 4, citdesk.StartWelfareCheck, citdesk.ProblemDevelopmental, []citdesk.Disposition{citdesk.DispResourcesOffered, citdesk.DispResourcesDeclined}, citdesk.ForceNone, 25, citdesk.EncounterApproved, "",
		"Neighbour worried; she was confused about the date but safe. Offered senior services; declined."},
	{11, 2, 0, citdesk.StartDispatchedCrisis, citdesk.ProblemMentalIllness, referred, citdesk.ForceNone, 45, citdesk.EncounterApproved, citdesk.ReferralDeclined,
		"Stopped medication. Talked through the crisis plan; she declined new services for now."},
	{9, 7, 2, citdesk.StartDispatchedCrisis, citdesk.ProblemUnknownPrimary, []citdesk.Disposition{citdesk.DispUnableToLocate}, citdesk.ForceNone, 20, citdesk.EncounterApproved, "",
		"Caller described a man talking to himself behind the laundromat; not found."},
	{7, 1, 5, citdesk.StartDispatchedCrisis, citdesk.ProblemMentalIllness, referred, citdesk.ForceNone, 60, citdesk.EncounterApproved, citdesk.ReferralUnableToContact,
		"Teenager in distress after a fight at home. Parents agreed to a referral."},
	{6, 4, 2, citdesk.StartSelfInitiated, citdesk.ProblemDrugs, referred, citdesk.ForceNone, 30, citdesk.EncounterApproved, citdesk.ReferralContacted,
		"Sleeping in the park, agitated when woken. Accepted water and a referral."},
	{4, 0, 1, citdesk.StartWelfareCheck, citdesk.ProblemAlcohol, referred, citdesk.ForceNone, 40, citdesk.EncounterSubmitted, citdesk.ReferralOpen,
		"Daughter worried after he stopped answering. Drinking, tearful. Agreed to a liaison visit."},
	{3, 3, 6, citdesk.StartDispatchedCrisis, citdesk.ProblemUnknownPrimary, resolved, citdesk.ForceNone, 15, citdesk.EncounterSubmitted, "",
		"Man yelling in the street; calmed and went home with his brother."},
	{2.5, 1, 3, citdesk.StartDispatchedCrisis, citdesk.ProblemMentalIllness, resolved, citdesk.ForceNone, 50, citdesk.EncounterReturned, "",
		"Argument with neighbor; resolved."},
	{2, 2, 0, citdesk.StartDispatchedCrisis, citdesk.ProblemMentalIllness, resolved, citdesk.ForceNone, 0, citdesk.EncounterDraft, "", ""},
	{0.2, 1, -1, citdesk.StartSelfInitiated, "", nil, citdesk.ForceNone, 0, citdesk.EncounterDraft, "", ""},
}

// seedEncounters fills persons, contact reports through their review,
// referrals in every state and two crisis plans, one current and one
// expired. It writes through the services, as an operator, so the demo
// obeys every rule real data does.
func seedEncounters(op context.Context, svc Services, officerIDs []int64, now time.Time, today citdesk.Date) error {
	if svc.Encounters == nil || svc.Persons == nil {
		return nil
	}
	var people []*citdesk.Person
	for _, d := range demoPeople {
		p := &citdesk.Person{FirstName: d.first, LastName: d.last, DOB: d.dob, Address: d.address, Sex: d.sex, RaceEthnicity: d.race, Housing: d.housing}
		if d.address != "" {
			// An invented 555 number, so the liaison's referral shows one.
			p.Phone = fmt.Sprintf("636-555-02%02d", len(people)+10)
		}
		if err := svc.Persons.CreatePerson(op, p); err != nil {
			return fmt.Errorf("demo person %s: %w", d.last, err)
		}
		people = append(people, p)
	}
	if svc.Plans != nil {
		current := &citdesk.CrisisPlan{PersonID: people[0].ID, WhatHelps: "Speak slowly and quietly; let her keep her phone; offer to call her sister first.",
			WhatToAvoid: "Lights and sirens; standing over her; touching without asking.", Triggers: "Being told she is not making sense; crowds.",
			Medications: "Prescribed an antipsychotic; sometimes stops it when she feels well.", Contacts: "Sister, Lucia Castillo, 636-555-0199 (invented)",
			PreferredFacility: "Mercy Hospital Jefferson", ConsentDate: today.AddDate(0, 0, -40), ConsentedBy: "Renee Castillo (self)"}
		if err := svc.Plans.CreateCrisisPlan(op, current); err != nil {
			return fmt.Errorf("demo crisis plan: %w", err)
		}
		expired := &citdesk.CrisisPlan{PersonID: people[1].ID, WhatHelps: "Ask about his dog, Max.", WhatToAvoid: "Raised voices.",
			Contacts: "Daughter, Karen Brandt, 636-555-0187 (invented)", ConsentDate: today.AddDate(0, -8, 0), ConsentedBy: "Karen Brandt (daughter)"}
		if err := svc.Plans.CreateCrisisPlan(op, expired); err != nil {
			return fmt.Errorf("demo crisis plan: %w", err)
		}
	}
	var submitted []int64
	for i, c := range demoContacts {
		e := &citdesk.Encounter{OfficerID: officerIDs[c.officer], OccurredAt: now.Add(-time.Duration(c.daysAgo * float64(24*time.Hour))), ContactStart: c.start}
		if c.person >= 0 {
			e.PersonID = &people[c.person].ID
			e.Address = people[c.person].Address
		}
		if e.Address == "" {
			e.Address = fmt.Sprintf("%d N Main St", 100+i*20)
		}
		if err := svc.Encounters.StartEncounter(op, e); err != nil {
			return fmt.Errorf("demo report %d: %w", i, err)
		}
		if c.status == citdesk.EncounterDraft && c.text == "" {
			continue
		}
		minutes := c.minutes
		e.PrimaryProblem, e.Dispositions, e.Force, e.OnSceneMinutes, e.Narrative = c.problem, c.disps, c.force, &minutes, c.text
		e.Behaviors = []citdesk.Behavior{citdesk.BehaviorAgitated}
		e.DeEscalation = []citdesk.Technique{citdesk.TechActiveListening, citdesk.TechCalmVoice}
		if e.Has(citdesk.DispVoluntaryTransport) || e.Has(citdesk.DispEmergencyDetention) {
			handover := 60 + 40*(i%3)
			e.FacilityKind, e.Facility, e.HandoverMinutes = citdesk.FacilityHospital, "Mercy Hospital Jefferson", &handover
		}
		if e.Has(citdesk.DispArrest) {
			e.ArrestOffense, e.InjuryPerson = "Peace disturbance", citdesk.InjuryMinor
		}
		if err := svc.Encounters.UpdateEncounter(op, e); err != nil {
			return fmt.Errorf("demo report %d: %w", i, err)
		}
		if c.status == citdesk.EncounterDraft {
			continue
		}
		got, err := svc.Encounters.SubmitEncounter(op, e.ID, e.Version)
		if err != nil {
			return fmt.Errorf("demo report %d: %w", i, err)
		}
		submitted = append(submitted, got.ID)
		switch c.status {
		case citdesk.EncounterApproved:
			_, err = svc.Encounters.ApproveEncounter(op, got.ID, got.Version)
		case citdesk.EncounterReturned:
			_, err = svc.Encounters.ReturnEncounter(op, got.ID, got.Version, "Please add the de-escalation you used and the time on scene from CAD.")
		}
		if err != nil {
			return fmt.Errorf("demo review %d: %w", i, err)
		}
		if c.referral != "" && svc.Referrals != nil {
			if err := workReferral(op, svc.Referrals, got.ID, c.referral, today); err != nil {
				return fmt.Errorf("demo referral %d: %w", i, err)
			}
		}
	}
	return seedComplaints(op, svc.Complaints, submitted, now)
}

// seedComplaints enters a few invented complaints and commendations about
// the submitted reports: a commendation and a complaint decided, one under
// review, and one from the public form not linked yet.
func seedComplaints(op context.Context, svc citdesk.ComplaintService, reports []int64, now time.Time) error {
	if svc == nil || len(reports) < 3 {
		return nil
	}
	for i, d := range []struct {
		kind        citdesk.ComplaintKind
		text        string
		daysAgo     int
		report      int64
		status      citdesk.ComplaintStatus
		disposition citdesk.ComplaintDisposition
	}{
		{citdesk.KindCommendation, "The officer was patient with my son and got him to the hospital without handcuffs. Thank you.", 20, reports[0], citdesk.ComplaintClosed, citdesk.DispositionCommendation},
		{citdesk.KindComplaint, "The officer raised his voice at my mother and would not let me speak for her.", 12, reports[1], citdesk.ComplaintClosed, citdesk.DispositionNotSustained},
		{citdesk.KindComplaint, "They kept my brother waiting in the car for an hour at the hospital.", 5, reports[2], citdesk.ComplaintUnderReview, ""},
		{citdesk.KindComplaint, "Nobody called me back after the officers left my neighbour's house.", 1, 0, "", ""},
	} {
		c := &citdesk.Complaint{Kind: d.kind, Source: citdesk.ComplaintPhone, Text: d.text, ReceivedAt: now.Add(-time.Duration(d.daysAgo) * 24 * time.Hour)}
		if err := svc.CreateComplaint(op, c); err != nil {
			return fmt.Errorf("demo complaint %d: %w", i, err)
		}
		if d.report == 0 {
			continue
		}
		ch := citdesk.ComplaintChange{EncounterID: &d.report, Version: c.Version}
		if d.status != "" {
			ch.Status = &d.status
		}
		if d.disposition != "" {
			ch.Disposition = &d.disposition
		}
		if _, err := svc.UpdateComplaint(op, c.ID, ch); err != nil {
			return fmt.Errorf("demo complaint %d: %w", i, err)
		}
	}
	return nil
}

// workReferral moves the referral opened by a report to the state wanted.
func workReferral(op context.Context, refs citdesk.ReferralService, encounterID int64, want citdesk.ReferralStatus, today citdesk.Date) error {
	list, err := refs.ListReferrals(op, citdesk.ReferralFilter{})
	if err != nil {
		return err
	}
	var r *citdesk.Referral
	for _, x := range list {
		if x.EncounterID == encounterID {
			r = x
		}
	}
	if r == nil {
		return fmt.Errorf("no referral for report %d", encounterID)
	}
	follow := today.AddDate(0, 0, 3)
	path := map[citdesk.ReferralStatus][]citdesk.ReferralStatus{
		citdesk.ReferralOpen:            nil,
		citdesk.ReferralContacted:       {citdesk.ReferralContacted},
		citdesk.ReferralConnected:       {citdesk.ReferralContacted, citdesk.ReferralConnected},
		citdesk.ReferralDeclined:        {citdesk.ReferralContacted, citdesk.ReferralDeclined},
		citdesk.ReferralUnableToContact: {citdesk.ReferralUnableToContact},
		citdesk.ReferralClosed:          {citdesk.ReferralContacted, citdesk.ReferralConnected, citdesk.ReferralClosed},
	}[want]
	notes := map[citdesk.ReferralStatus]string{
		citdesk.ReferralContacted:       "Reached by phone; visit arranged.",
		citdesk.ReferralConnected:       "Intake completed at the community mental health center.",
		citdesk.ReferralDeclined:        "Thanked us; does not want services now. Gave the 988 number.",
		citdesk.ReferralUnableToContact: "Three calls and a visit, no answer.",
		citdesk.ReferralClosed:          "Attending weekly appointments.",
	}
	for _, st := range path {
		m := citdesk.ReferralMove{Status: st, Version: r.Version, Note: notes[st]}
		if st == citdesk.ReferralContacted {
			m.FollowUpDue = &follow
		}
		if st == citdesk.ReferralClosed {
			m.Survey = &citdesk.Survey{Respondent: "person", Respect: 5, Safety: 4, Help: 5, Comment: "The officer was patient and the liaison called back when she said she would."}
		}
		if r, err = refs.MoveReferral(op, r.ID, m); err != nil {
			return err
		}
	}
	return nil
}
