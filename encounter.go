package citdesk

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// EncounterStatus is where a CIT contact report is in its review.
type EncounterStatus string

// Report statuses. A report moves draft → submitted → approved, or
// submitted → returned → submitted … until a coordinator approves it.
const (
	EncounterDraft     EncounterStatus = "draft"
	EncounterSubmitted EncounterStatus = "submitted"
	EncounterReturned  EncounterStatus = "returned"
	EncounterApproved  EncounterStatus = "approved"
)

// Valid reports whether s is a known status.
func (s EncounterStatus) Valid() bool {
	switch s {
	case EncounterDraft, EncounterSubmitted, EncounterReturned, EncounterApproved:
		return true
	}
	return false
}

// Editable reports whether the reporting officer may still change a report
// in status s.
func (s EncounterStatus) Editable() bool { return s == EncounterDraft || s == EncounterReturned }

// CanMoveTo reports whether review may move a report from s to t.
func (s EncounterStatus) CanMoveTo(t EncounterStatus) bool {
	switch t {
	case EncounterSubmitted:
		return s == EncounterDraft || s == EncounterReturned
	case EncounterApproved, EncounterReturned:
		return s == EncounterSubmitted
	}
	return false
}

// Label returns the status in words.
func (s EncounterStatus) Label() string {
	switch s {
	case EncounterDraft:
		return "Draft"
	case EncounterSubmitted:
		return "Awaiting review"
	case EncounterReturned:
		return "Returned"
	case EncounterApproved:
		return "Approved"
	}
	return string(s)
}

// ContactStart is how the contact with the person began.
type ContactStart string

// How contacts start.
const (
	StartDispatchedCrisis ContactStart = "dispatched_crisis_call"
	StartWelfareCheck     ContactStart = "welfare_check"
	StartCustodyOrder     ContactStart = "emergency_custody_order"
	StartSelfInitiated    ContactStart = "self_initiated"
)

// ContactStarts lists the ways a contact starts, in form order.
var ContactStarts = []ContactStart{StartDispatchedCrisis, StartWelfareCheck, StartCustodyOrder, StartSelfInitiated}

// Label returns the value in words.
func (c ContactStart) Label() string {
	switch c {
	case StartDispatchedCrisis:
		return "Dispatched crisis call"
	case StartWelfareCheck:
		return "Welfare check"
	case StartCustodyOrder:
		return "Emergency custody order"
	case StartSelfInitiated:
		return "Self-initiated"
	}
	return string(c)
}

// PrimaryProblem is the officer's perception of the main problem.
type PrimaryProblem string

// Perceived primary problems.
const (
	ProblemMentalIllness  PrimaryProblem = "mental_illness"
	ProblemAlcohol        PrimaryProblem = "alcohol"
	ProblemDrugs          PrimaryProblem = "drugs"
	ProblemAlcoholDrugs   PrimaryProblem = "alcohol_and_drugs"
	ProblemDevelopmental  PrimaryProblem = "developmental_disability"
	ProblemUnknownPrimary PrimaryProblem = "unknown"
)

// PrimaryProblems lists the perceived primary problems in form order.
var PrimaryProblems = []PrimaryProblem{ProblemMentalIllness, ProblemAlcohol, ProblemDrugs, ProblemAlcoholDrugs, ProblemDevelopmental, ProblemUnknownPrimary}

// Label returns the value in words.
func (p PrimaryProblem) Label() string {
	switch p {
	case ProblemMentalIllness:
		return "Mental illness"
	case ProblemAlcohol:
		return "Alcohol"
	case ProblemDrugs:
		return "Drugs"
	case ProblemAlcoholDrugs:
		return "Alcohol and drugs"
	case ProblemDevelopmental:
		return "Developmental disability"
	case ProblemUnknownPrimary:
		return "Unknown"
	}
	return string(p)
}

// WeaponsStatus says whether the person had a weapon.
type WeaponsStatus string

// Weapon answers.
const (
	WeaponsNone WeaponsStatus = "none"
	WeaponsSeen WeaponsStatus = "seen"
	WeaponsUsed WeaponsStatus = "used"
)

// WeaponsStatuses lists the answers in form order.
var WeaponsStatuses = []WeaponsStatus{WeaponsNone, WeaponsSeen, WeaponsUsed}

// Label returns the value in words.
func (w WeaponsStatus) Label() string {
	switch w {
	case WeaponsNone:
		return "None"
	case WeaponsSeen:
		return "Seen or displayed"
	case WeaponsUsed:
		return "Used or threatened"
	}
	return string(w)
}

// ForceLevel is the highest force used, ordered from none up.
type ForceLevel string

// Force levels, lowest first.
const (
	ForceNone       ForceLevel = "none"
	ForceVerbal     ForceLevel = "verbal"
	ForcePhysical   ForceLevel = "physical"
	ForceLessLethal ForceLevel = "less_lethal"
	ForceLethal     ForceLevel = "lethal"
)

// ForceLevels lists the levels lowest first.
var ForceLevels = []ForceLevel{ForceNone, ForceVerbal, ForcePhysical, ForceLessLethal, ForceLethal}

// Label returns the value in words.
func (f ForceLevel) Label() string {
	switch f {
	case ForceNone:
		return "None"
	case ForceVerbal:
		return "Verbal commands only"
	case ForcePhysical:
		return "Physical (hands-on)"
	case ForceLessLethal:
		return "Less-lethal (e.g. Taser)"
	case ForceLethal:
		return "Lethal"
	}
	return string(f)
}

// InjuryLevel is how badly someone was hurt.
type InjuryLevel string

// Injury levels.
const (
	InjuryNone    InjuryLevel = "none"
	InjuryMinor   InjuryLevel = "minor"
	InjurySerious InjuryLevel = "serious"
	InjuryFatal   InjuryLevel = "fatal"
)

// InjuryLevels lists the levels lowest first.
var InjuryLevels = []InjuryLevel{InjuryNone, InjuryMinor, InjurySerious, InjuryFatal}

// Label returns the value in words.
func (i InjuryLevel) Label() string {
	switch i {
	case InjuryNone:
		return "None"
	case InjuryMinor:
		return "Minor"
	case InjurySerious:
		return "Serious"
	case InjuryFatal:
		return "Fatal"
	}
	return string(i)
}

// Disposition is one outcome of a contact. A report holds a set of them.
type Disposition string

// Dispositions.
const (
	DispResolvedOnScene    Disposition = "resolved_on_scene"
	DispResourcesOffered   Disposition = "resources_offered"
	DispResourcesDeclined  Disposition = "resources_declined"
	DispReferredToLiaison  Disposition = "referred_to_liaison"
	DispVoluntaryTransport Disposition = "voluntary_transport"
	DispEmergencyDetention Disposition = "emergency_detention"
	DispArrest             Disposition = "arrest"
	DispCitation           Disposition = "citation"
	DispNoActionPossible   Disposition = "no_action_possible"
	DispUnableToLocate     Disposition = "unable_to_locate"
)

// Dispositions lists every disposition in form order.
var Dispositions = []Disposition{DispResolvedOnScene, DispResourcesOffered, DispResourcesDeclined, DispReferredToLiaison,
	DispVoluntaryTransport, DispEmergencyDetention, DispArrest, DispCitation, DispNoActionPossible, DispUnableToLocate}

// Label returns the disposition in words; the emergency detention and the
// liaison take their names from the agency's policy.
func (d Disposition) Label(p Policy) string {
	switch d {
	case DispResolvedOnScene:
		return "Resolved on scene"
	case DispResourcesOffered:
		return "Resources offered"
	case DispResourcesDeclined:
		return "Resources declined"
	case DispReferredToLiaison:
		if p.LiaisonProgram != "" {
			return "Referred to " + p.LiaisonProgram
		}
		return "Referred to liaison"
	case DispVoluntaryTransport:
		return "Voluntary transport"
	case DispEmergencyDetention:
		if p.EmergencyDetentionLabel != "" {
			return p.EmergencyDetentionLabel
		}
		return "Emergency detention"
	case DispArrest:
		return "Arrest"
	case DispCitation:
		return "Citation"
	case DispNoActionPossible:
		return "No action possible"
	case DispUnableToLocate:
		return "Unable to locate"
	}
	return string(d)
}

// TowardsCare reports whether the disposition takes the person towards
// care (a transport, a detention for evaluation, a liaison referral). It is
// not the diversion measure: package outcomes defines that, and counts an
// emergency detention apart from diversion.
func (d Disposition) TowardsCare() bool {
	return d == DispVoluntaryTransport || d == DispEmergencyDetention || d == DispReferredToLiaison
}

// FacilityKind is the kind of place a person was taken to.
type FacilityKind string

// Receiving facilities.
const (
	FacilityHospital     FacilityKind = "hospital"
	FacilityCrisisCenter FacilityKind = "crisis_center"
)

// FacilityKinds lists the kinds in form order.
var FacilityKinds = []FacilityKind{FacilityHospital, FacilityCrisisCenter}

// Label returns the value in words.
func (f FacilityKind) Label() string {
	switch f {
	case FacilityHospital:
		return "Hospital"
	case FacilityCrisisCenter:
		return "Crisis center"
	}
	return string(f)
}

// Behavior is something the officer observed.
type Behavior string

// Observed behaviors.
const (
	BehaviorAgitated      Behavior = "agitated"
	BehaviorConfused      Behavior = "confused"
	BehaviorHallucinating Behavior = "hallucinating"
	BehaviorParanoid      Behavior = "paranoid"
	BehaviorDepressed     Behavior = "depressed"
	BehaviorSuicidalTalk  Behavior = "suicidal_statements"
	BehaviorThreatening   Behavior = "threatening"
	BehaviorSelfHarm      Behavior = "self_harm"
	BehaviorIntoxicated   Behavior = "intoxicated"
	BehaviorWithdrawn     Behavior = "withdrawn"
	BehaviorOther         Behavior = "other"
)

// Behaviors lists the observed behaviors in form order.
var Behaviors = []Behavior{BehaviorAgitated, BehaviorConfused, BehaviorHallucinating, BehaviorParanoid, BehaviorDepressed,
	BehaviorSuicidalTalk, BehaviorThreatening, BehaviorSelfHarm, BehaviorIntoxicated, BehaviorWithdrawn, BehaviorOther}

// Label returns the behavior in words.
func (b Behavior) Label() string {
	switch b {
	case BehaviorSuicidalTalk:
		return "Suicidal statements"
	case BehaviorSelfHarm:
		return "Self-harm"
	}
	return encCapitalize(string(b))
}

// Technique is a de-escalation technique the officer used.
type Technique string

// De-escalation techniques.
const (
	TechActiveListening Technique = "active_listening"
	TechCalmVoice       Technique = "calm_voice"
	TechTimeDistance    Technique = "time_and_distance"
	TechSlowedDown      Technique = "slowed_down"
	TechOfferedChoices  Technique = "offered_choices"
	TechReducedStimuli  Technique = "reduced_stimuli"
	TechFamilyInvolved  Technique = "family_involved"
	TechClinician       Technique = "clinician_involved"
	TechOther           Technique = "other"
)

// Techniques lists the de-escalation techniques in form order.
var Techniques = []Technique{TechActiveListening, TechCalmVoice, TechTimeDistance, TechSlowedDown, TechOfferedChoices,
	TechReducedStimuli, TechFamilyInvolved, TechClinician, TechOther}

// Label returns the technique in words.
func (t Technique) Label() string {
	switch t {
	case TechTimeDistance:
		return "Time and distance"
	case TechClinician:
		return "Clinician or liaison involved"
	}
	return encCapitalize(string(t))
}

func encCapitalize(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// SourceCitdesk is the Source of reports filed in citdesk; imported
// history carries the name of the system it came from.
const SourceCitdesk = "citdesk"

// Encounter is a CIT contact report: what happened when an officer met a
// person in crisis, and how it ended.
type Encounter struct {
	ID                  int64  `json:"id"`
	AgencyID            int64  `json:"agency_id"`
	OfficerID           int64  `json:"officer_id"`
	OfficerCITCertified bool   `json:"officer_cit_certified"` // derived on the day it occurred
	CallID              *int64 `json:"call_id"`
	AssignmentID        *int64 `json:"assignment_id"`
	PersonID            *int64 `json:"person_id"`

	OccurredAt     time.Time      `json:"occurred_at"`
	Address        string         `json:"address"`
	Lat            *float64       `json:"lat"`
	Lon            *float64       `json:"lon"`
	ContactStart   ContactStart   `json:"contact_start"`
	Behaviors      []Behavior     `json:"behaviors"`
	PrimaryProblem PrimaryProblem `json:"primary_problem"`
	SuicideRelated bool           `json:"suicide_related"`

	Weapons       WeaponsStatus `json:"weapons"`
	WeaponType    string        `json:"weapon_type"`
	WeaponSecured bool          `json:"weapon_secured"`

	DeEscalation []Technique `json:"deescalation"`
	Force        ForceLevel  `json:"force"`

	InjuryPerson              InjuryLevel `json:"injury_person"`
	InjuryOfficer             InjuryLevel `json:"injury_officer"`
	InjuryOther               InjuryLevel `json:"injury_other"`
	ConfirmInjuryWithoutForce bool        `json:"confirm_injury_without_force"`

	Dispositions    []Disposition `json:"dispositions"`
	FacilityKind    FacilityKind  `json:"facility_kind"`
	Facility        string        `json:"facility"`
	ArrestOffense   string        `json:"arrest_offense"`
	CitationOffense string        `json:"citation_offense"`

	OnSceneMinutes     *int   `json:"on_scene_minutes"`
	HandoverMinutes    *int   `json:"handover_minutes"` // arrival at the facility until it accepts custody
	LiaisonCoResponded bool   `json:"liaison_co_responded"`
	Narrative          string `json:"narrative"` // never logged
	// CallerFamily: the caller was the person's family, as the officer
	// found; the liaison may then see the caller's contact from the call
	// (see ReferralContact). Null when not said.
	CallerFamily *bool `json:"caller_family"`

	// From the call when the report starts from an assignment, or from
	// imported history; null when unknown.
	CITRequested  *bool  `json:"cit_requested"`
	CITDispatched *bool  `json:"cit_dispatched"`
	CITArrived    *bool  `json:"cit_arrived"`
	Veteran       *bool  `json:"veteran"`
	Source        string `json:"source"`
	ExternalID    string `json:"external_id,omitempty"`

	Status        EncounterStatus `json:"status"`
	ReturnComment string          `json:"return_comment"`
	DueAt         time.Time       `json:"due_at"` // 24 hours after the call (or the contact)
	SubmittedAt   *time.Time      `json:"submitted_at"`
	ReviewedAt    *time.Time      `json:"reviewed_at"`
	ReviewedBy    *int64          `json:"reviewed_by"`
	Revision      int             `json:"revision"` // 1, plus one for each correction after approval
	CreatedBy     int64           `json:"created_by"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	Version       int64           `json:"version"` // row version for optimistic locking

	// Overdue is set when read: still not submitted after DueAt.
	Overdue bool `json:"overdue"`
	// SupervisorUserID is set when read: the user who supervises the
	// report's officer now (0 when none), the tie by which a supervisor
	// reads and reviews it (access.go).
	SupervisorUserID int64 `json:"-"`
}

// CallerIsFamily reports whether the report says the caller was the
// person's family.
func (e *Encounter) CallerIsFamily() bool { return e.CallerFamily != nil && *e.CallerFamily }

// ReportDueAfter is how long after the call a report must be submitted.
const ReportDueAfter = 24 * time.Hour

// IsOverdue reports whether e is still unsubmitted at now past its due time.
func (e *Encounter) IsOverdue(now time.Time) bool {
	return e.Status.Editable() && !e.DueAt.IsZero() && now.After(e.DueAt)
}

// Has reports whether e's dispositions include d.
func (e *Encounter) Has(d Disposition) bool { return slices.Contains(e.Dispositions, d) }

// HasBehavior reports whether the officer observed b.
func (e *Encounter) HasBehavior(b Behavior) bool { return slices.Contains(e.Behaviors, b) }

// UsedTechnique reports whether the officer used t.
func (e *Encounter) UsedTechnique(t Technique) bool { return slices.Contains(e.DeEscalation, t) }

// Text limits of a report, in characters.
const (
	MaxNarrative      = 20000
	encMaxAddress     = 300
	encMaxShort       = 200
	encMaxComment     = 2000
	encMaxMinutes     = 1440
	encFutureSlack    = 10 * time.Minute
	encMaxExternalID  = 100
	encMaxSourceChars = 40
)

// Normalize trims e's text and fills what a new report starts with:
// no weapons, no force, no injuries, source citdesk.
func (e *Encounter) Normalize() {
	for _, s := range []*string{&e.Address, &e.WeaponType, &e.Facility, &e.ArrestOffense, &e.CitationOffense, &e.Source, &e.ExternalID} {
		*s = strings.TrimSpace(*s)
	}
	e.Narrative = strings.TrimRight(e.Narrative, " \t\r\n")
	if e.Source == "" {
		e.Source = SourceCitdesk
	}
	if e.Weapons == "" {
		e.Weapons = WeaponsNone
	}
	if e.Force == "" {
		e.Force = ForceNone
	}
	for _, p := range []*InjuryLevel{&e.InjuryPerson, &e.InjuryOfficer, &e.InjuryOther} {
		if *p == "" {
			*p = InjuryNone
		}
	}
	if e.Behaviors == nil {
		e.Behaviors = []Behavior{}
	}
	if e.DeEscalation == nil {
		e.DeEscalation = []Technique{}
	}
	if e.Dispositions == nil {
		e.Dispositions = []Disposition{}
	}
}

// ValidateDraft reports what is wrong with a draft: values that are not
// allowed at all. A draft may be incomplete; Validate checks a report
// ready for review. The error names every wrong field (FieldErrors), the
// first as its Field.
func (e *Encounter) ValidateDraft(now time.Time) error {
	e.Normalize()
	if err := CheckTextFields(e); err != nil {
		return err
	}
	var c fieldChecks
	e.checkDraft(&c, now)
	return c.err()
}

// checkDraft adds to c what ValidateDraft refuses.
func (e *Encounter) checkDraft(c *fieldChecks, now time.Time) {
	c.check(e.OccurredAt.IsZero(), "occurred_at", "When did the contact happen?")
	if !e.OccurredAt.IsZero() && e.OccurredAt.Before(EarliestDate.Time(time.UTC)) {
		c.add(CheckEventTime("occurred_at", e.OccurredAt, now))
	}
	c.check(e.OccurredAt.After(now.Add(encFutureSlack)), "occurred_at", "The contact cannot be in the future.")
	c.check(utf8.RuneCountInString(e.Address) > encMaxAddress, "address", "Address must be at most %d characters.", encMaxAddress)
	c.check((e.Lat == nil) != (e.Lon == nil), "lat", "Give both lat and lon, or neither.")
	c.check(e.Lat != nil && (*e.Lat < -90 || *e.Lat > 90), "lat", "Latitude must be between -90 and 90.")
	c.check(e.Lon != nil && (*e.Lon < -180 || *e.Lon > 180), "lon", "Longitude must be between -180 and 180.")
	c.check(e.ContactStart != "" && !slices.Contains(ContactStarts, e.ContactStart), "contact_start", "contact_start must be one of %s.", encList(ContactStarts))
	c.check(e.PrimaryProblem != "" && !slices.Contains(PrimaryProblems, e.PrimaryProblem), "primary_problem", "primary_problem must be one of %s.", encList(PrimaryProblems))
	c.check(!slices.Contains(WeaponsStatuses, e.Weapons), "weapons", "weapons must be one of %s.", encList(WeaponsStatuses))
	c.check(!slices.Contains(ForceLevels, e.Force), "force", "force must be one of %s.", encList(ForceLevels))
	c.check(!slices.Contains(InjuryLevels, e.InjuryPerson), "injury_person", "Injury levels are %s.", encList(InjuryLevels))
	c.check(!slices.Contains(InjuryLevels, e.InjuryOfficer), "injury_officer", "Injury levels are %s.", encList(InjuryLevels))
	c.check(!slices.Contains(InjuryLevels, e.InjuryOther), "injury_other", "Injury levels are %s.", encList(InjuryLevels))
	c.check(e.FacilityKind != "" && !slices.Contains(FacilityKinds, e.FacilityKind), "facility_kind", "facility_kind must be one of %s.", encList(FacilityKinds))
	c.check(utf8.RuneCountInString(e.WeaponType) > encMaxShort, "weapon_type", "Weapon must be at most %d characters.", encMaxShort)
	c.check(utf8.RuneCountInString(e.Facility) > encMaxShort, "facility", "Facility must be at most %d characters.", encMaxShort)
	c.check(utf8.RuneCountInString(e.ArrestOffense) > encMaxShort, "arrest_offense", "Offense must be at most %d characters.", encMaxShort)
	c.check(utf8.RuneCountInString(e.CitationOffense) > encMaxShort, "citation_offense", "Offense must be at most %d characters.", encMaxShort)
	c.check(e.OnSceneMinutes != nil && (*e.OnSceneMinutes < 0 || *e.OnSceneMinutes > encMaxMinutes), "on_scene_minutes", "Time on scene must be 0 to %d minutes.", encMaxMinutes)
	c.check(e.HandoverMinutes != nil && (*e.HandoverMinutes < 0 || *e.HandoverMinutes > encMaxMinutes), "handover_minutes", "Hand-over time must be 0 to %d minutes.", encMaxMinutes)
	c.check(utf8.RuneCountInString(e.Narrative) > MaxNarrative, "narrative", "The narrative must be at most %d characters.", MaxNarrative)
	c.check(utf8.RuneCountInString(e.ExternalID) > encMaxExternalID, "external_id", "external_id must be at most %d characters.", encMaxExternalID)
	c.check(utf8.RuneCountInString(e.Source) > encMaxSourceChars, "source", "source must be at most %d characters.", encMaxSourceChars)

	c.add(encCheckSet("behaviors", e.Behaviors, Behaviors))
	c.add(encCheckSet("deescalation", e.DeEscalation, Techniques))
	c.add(encCheckSet("dispositions", e.Dispositions, Dispositions))
}

// Validate reports what is wrong with a report that is to be submitted
// for review: everything ValidateDraft checks, that every question is
// answered, and that the answers agree with each other. The error names
// every wrong field at once (FieldErrors), one problem per field, the
// first as its Field.
func (e *Encounter) Validate(now time.Time) error {
	e.Normalize()
	if err := CheckTextFields(e); err != nil {
		return err
	}
	var c fieldChecks
	e.checkDraft(&c, now)
	transport, detention := e.Has(DispVoluntaryTransport), e.Has(DispEmergencyDetention)
	c.check(e.Address == "", "address", "Where did the contact happen?")
	c.check(e.ContactStart == "", "contact_start", "Say how the contact started.")
	c.check(e.PrimaryProblem == "", "primary_problem", "Give the perceived primary problem (unknown is an answer).")
	c.check(e.Weapons != WeaponsNone && e.WeaponType == "", "weapon_type", "Say what the weapon was.")
	c.check(e.Weapons == WeaponsNone && e.WeaponType != "", "weapon_type", "A weapon is described but weapons is none.")
	c.check(e.Weapons == WeaponsNone && e.WeaponSecured, "weapon_secured", "A weapon was secured but weapons is none.")
	c.check(e.InjuryPerson != InjuryNone && e.Force == ForceNone && !e.ConfirmInjuryWithoutForce, "confirm_injury_without_force", "The person was injured but no force is recorded: confirm that no force was used.")
	c.check(len(e.Dispositions) == 0, "dispositions", "Choose at least one disposition.")
	c.check(e.Has(DispUnableToLocate) && (e.Has(DispArrest) || e.Has(DispCitation) || transport || detention || e.Has(DispResolvedOnScene)), "dispositions", "Unable to locate cannot go with an arrest, citation, transport, detention or resolution on scene.")
	c.check(e.Has(DispNoActionPossible) && (e.Has(DispArrest) || e.Has(DispCitation) || transport || detention || e.Has(DispResolvedOnScene)), "dispositions", "No action possible cannot go with an arrest, citation, transport, detention or resolution on scene.")
	c.check(transport && detention, "dispositions", "A transport is either voluntary or an emergency detention, not both.")
	c.check((transport || detention) && e.Facility == "", "facility", "Say which hospital or crisis center the person was taken to.")
	c.check((transport || detention) && e.FacilityKind == "", "facility_kind", "Say whether the person was taken to a hospital or a crisis center.")
	c.check(!transport && !detention && (e.Facility != "" || e.FacilityKind != ""), "facility", "A facility is given but nobody was transported.")
	c.check(!transport && !detention && e.HandoverMinutes != nil, "handover_minutes", "Hand-over time is for transports and detentions only.")
	c.check((transport || detention) && e.HandoverMinutes == nil, "handover_minutes", "How long from arrival at the facility until it accepted the person?")
	c.check(e.Has(DispArrest) && e.ArrestOffense == "", "arrest_offense", "An arrest needs the offense.")
	c.check(!e.Has(DispArrest) && e.ArrestOffense != "", "arrest_offense", "An offense is given but there was no arrest.")
	c.check(e.Has(DispCitation) && e.CitationOffense == "", "citation_offense", "A citation needs the offense.")
	c.check(!e.Has(DispCitation) && e.CitationOffense != "", "citation_offense", "A citation offense is given but there was no citation.")
	c.check(e.Has(DispReferredToLiaison) && e.PersonID == nil, "person_id", "A referral to the liaison needs the person: link or create the person record.")
	c.check(e.OnSceneMinutes == nil, "on_scene_minutes", "How many minutes were you on scene?")
	c.check(strings.TrimSpace(e.Narrative) == "", "narrative", "Write the narrative.")

	return c.err()
}

// encCheckSet reports an unknown or repeated value in a set-valued field.
func encCheckSet[T ~string](field string, got, allowed []T) error {
	for i, v := range got {
		if !slices.Contains(allowed, v) {
			return FieldErrorf(field, "Unknown value %q in %s; allowed: %s.", v, field, encList(allowed))
		}
		if slices.Contains(got[:i], v) {
			return FieldErrorf(field, "%q appears twice in %s.", v, field)
		}
	}
	return nil
}

func encList[T ~string](vs []T) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}

// EncounterVersion is the state of a report before a correction: a
// correction never overwrites, it keeps the old state with who and why.
type EncounterVersion struct {
	ID          int64      `json:"id"`
	EncounterID int64      `json:"encounter_id"`
	Revision    int        `json:"revision"` // the revision this state was
	ByUserID    int64      `json:"by_user_id"`
	By          string     `json:"by"` // username of who corrected it
	Reason      string     `json:"reason"`
	At          time.Time  `json:"at"`
	Old         *Encounter `json:"old"`
}

// ReviewAction is a step in a report's review.
type ReviewAction string

// Review steps.
const (
	ReviewSubmit  ReviewAction = "submit"
	ReviewReturn  ReviewAction = "return"
	ReviewApprove ReviewAction = "approve"
	ReviewCorrect ReviewAction = "correct"
)

// ReviewEvent is one step of a report's review history.
type ReviewEvent struct {
	ID       int64        `json:"id"`
	Action   ReviewAction `json:"action"`
	ByUserID int64        `json:"by_user_id"`
	By       string       `json:"by"`
	Comment  string       `json:"comment"`
	At       time.Time    `json:"at"`
}

// EncounterFilter selects reports.
type EncounterFilter struct {
	Status    EncounterStatus
	OfficerID *int64
	PersonID  *int64
	Overdue   bool // only unsubmitted reports past their due time
	From, To  time.Time
	Limit     int
}

// EncounterService files and reviews CIT contact reports. Officers write
// their own; coordinators review every report of the agency.
type EncounterService interface {
	// StartEncounter saves a new draft by the actor's officer. With
	// AssignmentID set it is filled from the call (place, time, whether a
	// CIT officer was requested, sent, and arrived); a second start from
	// the same assignment returns the draft already begun.
	StartEncounter(ctx context.Context, e *Encounter) error
	FindEncounterByID(ctx context.Context, id int64) (*Encounter, error)
	ListEncounters(ctx context.Context, f EncounterFilter) ([]*Encounter, error)
	// UpdateEncounter saves a draft or returned report when e.Version is current.
	UpdateEncounter(ctx context.Context, e *Encounter) error
	SubmitEncounter(ctx context.Context, id, version int64) (*Encounter, error)
	ReturnEncounter(ctx context.Context, id, version int64, comment string) (*Encounter, error)
	ApproveEncounter(ctx context.Context, id, version int64) (*Encounter, error)
	// CorrectEncounter changes an approved report, keeping the old state
	// as a version with who and why.
	CorrectEncounter(ctx context.Context, e *Encounter, reason string) error
	ListEncounterVersions(ctx context.Context, id int64) ([]*EncounterVersion, error)
	ListReviewEvents(ctx context.Context, id int64) ([]*ReviewEvent, error)
	// PriorContactOfficers lists the officers who met the person a call is
	// probably about — someone last known at the call's address, or whose
	// crisis plan names it — in an encounter that ended without force
	// beyond verbal commands and without arrest: continuity of care for
	// the recommender. It returns officer ids only.
	PriorContactOfficers(ctx context.Context, callID int64) ([]int64, error)
	// FindReportFile returns report id with everything its page shows,
	// read in one transaction that leaves one audit event per record read:
	// the report, and its person and referral when they are returned.
	FindReportFile(ctx context.Context, id int64) (*ReportFile, error)
	// EditEncounter changes report id in one write transaction and one
	// audit event: it reads the stored report, checks that the actor may
	// edit it (CheckEditEncounter), lets edit change a copy (edit may set
	// Version to the one the client worked from), then validates and
	// saves it as UpdateEncounter does. It returns the saved report.
	EditEncounter(ctx context.Context, id int64, edit func(e *Encounter, agency *Agency) error) (*Encounter, error)
}

// ReportFile is a contact report with everything its page shows, read
// together so the page is one consistent snapshot.
type ReportFile struct {
	Encounter *Encounter
	// Agency is the report's agency: its time zone and the policy's words.
	Agency      *Agency
	OfficerName string
	// Person is the linked person, when there is one and the actor may
	// see it; for the report's own officer without access to the record,
	// only the name (Person.NameOnly) with PersonNameOnly set.
	Person         *Person
	PersonNameOnly bool
	Reviews        []*ReviewEvent      // oldest first
	Versions       []*EncounterVersion // the states before each correction, oldest first
	// Referral is the report's referral to the liaison, for the
	// coordinator and the liaison it is assigned to (ReferralRoles);
	// nil otherwise or when there is none.
	Referral *Referral
}
