package citdesk_test

import (
	"strings"
	"testing"
	"time"

	"citdesk"
)

var encNow = time.Date(2026, 3, 11, 0, 30, 0, 0, time.UTC)

func intp(i int) *int       { return &i }
func int64p(i int64) *int64 { return &i }

// validReport returns a complete report that passes Validate.
func validReport() *citdesk.Encounter {
	return &citdesk.Encounter{
		OfficerID:      1,
		OccurredAt:     encNow.Add(-2 * time.Hour),
		Address:        "1204 Boyd St",
		ContactStart:   citdesk.StartDispatchedCrisis,
		Behaviors:      []citdesk.Behavior{citdesk.BehaviorAgitated},
		PrimaryProblem: citdesk.ProblemMentalIllness,
		Weapons:        citdesk.WeaponsNone,
		DeEscalation:   []citdesk.Technique{citdesk.TechActiveListening},
		Force:          citdesk.ForceNone,
		Dispositions:   []citdesk.Disposition{citdesk.DispResolvedOnScene},
		OnSceneMinutes: intp(45),
		Narrative:      "Talked with the man on his porch; he agreed to call his counsellor.",
	}
}

func TestEncounterValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(e *citdesk.Encounter)
		field  string // "" when valid
	}{
		{"complete report", func(e *citdesk.Encounter) {}, ""},
		{"no time", func(e *citdesk.Encounter) { e.OccurredAt = time.Time{} }, "occurred_at"},
		{"in the future", func(e *citdesk.Encounter) { e.OccurredAt = encNow.Add(time.Hour) }, "occurred_at"},
		{"a few minutes ahead is clock skew", func(e *citdesk.Encounter) { e.OccurredAt = encNow.Add(5 * time.Minute) }, ""},
		{"no place", func(e *citdesk.Encounter) { e.Address = "  " }, "address"},
		{"place too long", func(e *citdesk.Encounter) { e.Address = strings.Repeat("a", 301) }, "address"},
		{"lat without lon", func(e *citdesk.Encounter) { lat := 38.1; e.Lat = &lat }, "lat"},
		{"no contact start", func(e *citdesk.Encounter) { e.ContactStart = "" }, "contact_start"},
		{"unknown contact start", func(e *citdesk.Encounter) { e.ContactStart = "hunch" }, "contact_start"},
		{"no primary problem", func(e *citdesk.Encounter) { e.PrimaryProblem = "" }, "primary_problem"},
		{"unknown primary problem", func(e *citdesk.Encounter) { e.PrimaryProblem = "bad_day" }, "primary_problem"},
		{"unknown behaviour", func(e *citdesk.Encounter) { e.Behaviors = []citdesk.Behavior{"grumpy"} }, "behaviors"},
		{"behaviour twice", func(e *citdesk.Encounter) { e.Behaviors = []citdesk.Behavior{"agitated", "agitated"} }, "behaviors"},
		{"unknown technique", func(e *citdesk.Encounter) { e.DeEscalation = []citdesk.Technique{"yelling"} }, "deescalation"},
		{"unknown weapons answer", func(e *citdesk.Encounter) { e.Weapons = "maybe" }, "weapons"},
		{"weapon seen without type", func(e *citdesk.Encounter) { e.Weapons = citdesk.WeaponsSeen }, "weapon_type"},
		{"weapon seen with type", func(e *citdesk.Encounter) {
			e.Weapons, e.WeaponType, e.WeaponSecured = citdesk.WeaponsSeen, "kitchen knife", true
		}, ""},
		{"weapon type without weapon", func(e *citdesk.Encounter) { e.WeaponType = "knife" }, "weapon_type"},
		{"secured without weapon", func(e *citdesk.Encounter) { e.WeaponSecured = true }, "weapon_secured"},
		{"unknown force", func(e *citdesk.Encounter) { e.Force = "some" }, "force"},
		{"unknown injury", func(e *citdesk.Encounter) { e.InjuryOfficer = "bruised" }, "injury_officer"},
		{"person injured with no force, unconfirmed", func(e *citdesk.Encounter) { e.InjuryPerson = citdesk.InjuryMinor }, "confirm_injury_without_force"},
		{"person injured with no force, confirmed", func(e *citdesk.Encounter) {
			e.InjuryPerson, e.ConfirmInjuryWithoutForce = citdesk.InjuryMinor, true
		}, ""},
		{"person injured with force", func(e *citdesk.Encounter) { e.InjuryPerson, e.Force = citdesk.InjuryMinor, citdesk.ForcePhysical }, ""},
		{"no dispositions", func(e *citdesk.Encounter) { e.Dispositions = nil }, "dispositions"},
		{"unknown disposition", func(e *citdesk.Encounter) { e.Dispositions = []citdesk.Disposition{"vanished"} }, "dispositions"},
		{"disposition twice", func(e *citdesk.Encounter) {
			e.Dispositions = []citdesk.Disposition{citdesk.DispResolvedOnScene, citdesk.DispResolvedOnScene}
		}, "dispositions"},
		{"several dispositions", func(e *citdesk.Encounter) {
			e.Dispositions = []citdesk.Disposition{citdesk.DispResolvedOnScene, citdesk.DispResourcesOffered, citdesk.DispResourcesDeclined}
		}, ""},
		{"arrest without offence", func(e *citdesk.Encounter) { e.Dispositions = []citdesk.Disposition{citdesk.DispArrest} }, "arrest_offense"},
		{"arrest with offence", func(e *citdesk.Encounter) {
			e.Dispositions, e.ArrestOffense = []citdesk.Disposition{citdesk.DispArrest}, "Assault 4th degree"
		}, ""},
		{"offence without arrest", func(e *citdesk.Encounter) { e.ArrestOffense = "Trespass" }, "arrest_offense"},
		{"citation without offence", func(e *citdesk.Encounter) { e.Dispositions = []citdesk.Disposition{citdesk.DispCitation} }, "citation_offense"},
		{"transport without destination", func(e *citdesk.Encounter) {
			e.Dispositions, e.HandoverMinutes = []citdesk.Disposition{citdesk.DispVoluntaryTransport}, intp(30)
		}, "facility"},
		{"transport without kind of facility", func(e *citdesk.Encounter) {
			e.Dispositions, e.Facility, e.HandoverMinutes = []citdesk.Disposition{citdesk.DispVoluntaryTransport}, "Mercy Jefferson", intp(30)
		}, "facility_kind"},
		{"transport without hand-over time", func(e *citdesk.Encounter) {
			e.Dispositions, e.Facility, e.FacilityKind = []citdesk.Disposition{citdesk.DispVoluntaryTransport}, "Mercy Jefferson", citdesk.FacilityHospital
		}, "handover_minutes"},
		{"transport complete", func(e *citdesk.Encounter) {
			e.Dispositions, e.Facility, e.FacilityKind, e.HandoverMinutes = []citdesk.Disposition{citdesk.DispVoluntaryTransport}, "Mercy Jefferson", citdesk.FacilityHospital, intp(95)
		}, ""},
		{"detention is allowed", func(e *citdesk.Encounter) {
			e.Dispositions, e.Facility, e.FacilityKind, e.HandoverMinutes = []citdesk.Disposition{citdesk.DispEmergencyDetention}, "Comtrea crisis", citdesk.FacilityCrisisCenter, intp(0)
		}, ""},
		{"voluntary and detention together", func(e *citdesk.Encounter) {
			e.Dispositions, e.Facility, e.FacilityKind, e.HandoverMinutes = []citdesk.Disposition{citdesk.DispVoluntaryTransport, citdesk.DispEmergencyDetention}, "X", citdesk.FacilityHospital, intp(5)
		}, "dispositions"},
		{"facility without transport", func(e *citdesk.Encounter) { e.Facility = "Mercy" }, "facility"},
		{"hand-over without transport", func(e *citdesk.Encounter) { e.HandoverMinutes = intp(10) }, "handover_minutes"},
		{"unable to locate with arrest", func(e *citdesk.Encounter) {
			e.Dispositions, e.ArrestOffense = []citdesk.Disposition{citdesk.DispUnableToLocate, citdesk.DispArrest}, "Trespass"
		}, "dispositions"},
		{"unable to locate with transport", func(e *citdesk.Encounter) {
			e.Dispositions, e.Facility, e.FacilityKind, e.HandoverMinutes = []citdesk.Disposition{citdesk.DispUnableToLocate, citdesk.DispVoluntaryTransport}, "X", citdesk.FacilityHospital, intp(5)
		}, "dispositions"},
		{"unable to locate with detention", func(e *citdesk.Encounter) {
			e.Dispositions, e.Facility, e.FacilityKind, e.HandoverMinutes = []citdesk.Disposition{citdesk.DispEmergencyDetention, citdesk.DispUnableToLocate}, "X", citdesk.FacilityHospital, intp(5)
		}, "dispositions"},
		{"unable to locate alone", func(e *citdesk.Encounter) { e.Dispositions = []citdesk.Disposition{citdesk.DispUnableToLocate} }, ""},
		{"no action possible with arrest", func(e *citdesk.Encounter) {
			e.Dispositions, e.ArrestOffense = []citdesk.Disposition{citdesk.DispNoActionPossible, citdesk.DispArrest}, "Trespass"
		}, "dispositions"},
		{"referral without person", func(e *citdesk.Encounter) { e.Dispositions = []citdesk.Disposition{citdesk.DispReferredToLiaison} }, "person_id"},
		{"referral with person", func(e *citdesk.Encounter) {
			e.Dispositions, e.PersonID = []citdesk.Disposition{citdesk.DispReferredToLiaison}, int64p(3)
		}, ""},
		{"no time on scene", func(e *citdesk.Encounter) { e.OnSceneMinutes = nil }, "on_scene_minutes"},
		{"negative time on scene", func(e *citdesk.Encounter) { e.OnSceneMinutes = intp(-1) }, "on_scene_minutes"},
		{"time on scene over a day", func(e *citdesk.Encounter) { e.OnSceneMinutes = intp(1441) }, "on_scene_minutes"},
		{"time on scene a full day", func(e *citdesk.Encounter) { e.OnSceneMinutes = intp(1440) }, ""},
		{"hand-over over a day", func(e *citdesk.Encounter) {
			e.Dispositions, e.Facility, e.FacilityKind, e.HandoverMinutes = []citdesk.Disposition{citdesk.DispVoluntaryTransport}, "X", citdesk.FacilityHospital, intp(1441)
		}, "handover_minutes"},
		{"no narrative", func(e *citdesk.Encounter) { e.Narrative = " \n" }, "narrative"},
		{"narrative at the limit", func(e *citdesk.Encounter) { e.Narrative = strings.Repeat("é", citdesk.MaxNarrative) }, ""},
		{"narrative too long", func(e *citdesk.Encounter) { e.Narrative = strings.Repeat("a", citdesk.MaxNarrative+1) }, "narrative"},
		{"external id too long", func(e *citdesk.Encounter) { e.ExternalID = strings.Repeat("x", 101) }, "external_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validReport()
			tt.change(e)
			err := e.Validate(encNow)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if citdesk.ErrorCode(err) != citdesk.EINVALID || citdesk.ErrorField(err) != tt.field {
				t.Fatalf("Validate = %v, want invalid %s", err, tt.field)
			}
		})
	}
}

// TestEncounterDraftIsLenient shows that a draft may be incomplete but not wrong.
func TestEncounterDraftIsLenient(t *testing.T) {
	e := &citdesk.Encounter{OccurredAt: encNow}
	if err := e.ValidateDraft(encNow); err != nil {
		t.Fatalf("empty draft: %v", err)
	}
	if e.Weapons != citdesk.WeaponsNone || e.Force != citdesk.ForceNone || e.InjuryPerson != citdesk.InjuryNone || e.Source != citdesk.SourceCitdesk {
		t.Errorf("defaults not filled: %+v", e)
	}
	e.Dispositions = []citdesk.Disposition{"nope"}
	if citdesk.ErrorField(e.ValidateDraft(encNow)) != "dispositions" {
		t.Error("a draft accepted an unknown disposition")
	}
}

func TestEncounterStatusMoves(t *testing.T) {
	all := []citdesk.EncounterStatus{citdesk.EncounterDraft, citdesk.EncounterSubmitted, citdesk.EncounterReturned, citdesk.EncounterApproved}
	legal := map[[2]citdesk.EncounterStatus]bool{
		{citdesk.EncounterDraft, citdesk.EncounterSubmitted}:    true,
		{citdesk.EncounterReturned, citdesk.EncounterSubmitted}: true,
		{citdesk.EncounterSubmitted, citdesk.EncounterApproved}: true,
		{citdesk.EncounterSubmitted, citdesk.EncounterReturned}: true,
	}
	for _, from := range all {
		for _, to := range all {
			if got := from.CanMoveTo(to); got != legal[[2]citdesk.EncounterStatus{from, to}] {
				t.Errorf("%s → %s allowed = %v", from, to, got)
			}
		}
	}
	if !citdesk.EncounterDraft.Editable() || !citdesk.EncounterReturned.Editable() || citdesk.EncounterSubmitted.Editable() || citdesk.EncounterApproved.Editable() {
		t.Error("only drafts and returned reports are editable")
	}
}

func TestEncounterOverdue(t *testing.T) {
	e := &citdesk.Encounter{Status: citdesk.EncounterDraft, DueAt: encNow}
	if e.IsOverdue(encNow) || !e.IsOverdue(encNow.Add(time.Microsecond)) {
		t.Error("a draft is overdue only after its due time")
	}
	e.Status = citdesk.EncounterSubmitted
	if e.IsOverdue(encNow.Add(time.Hour)) {
		t.Error("a submitted report is not overdue")
	}
}

func TestDispositionLabelFromPolicy(t *testing.T) {
	p := citdesk.DefaultPolicy()
	p.EmergencyDetentionLabel = "96-hour civil detention"
	if got := citdesk.DispEmergencyDetention.Label(p); got != "96-hour civil detention" {
		t.Errorf("label = %q", got)
	}
}
