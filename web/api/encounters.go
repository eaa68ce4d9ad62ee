package api

import (
	"net/http"
	"strconv"
	"time"

	"citdesk"
	"citdesk/web"
)

// encounterInput is what a client may write on a report; the rest (who,
// status, review, snapshots) is the server's.
type encounterInput struct {
	AssignmentID              *int64                 `json:"assignment_id"`
	CallID                    *int64                 `json:"call_id"`
	PersonID                  *int64                 `json:"person_id"`
	OccurredAt                *time.Time             `json:"occurred_at"`
	Address                   string                 `json:"address"`
	Lat                       *float64               `json:"lat"`
	Lon                       *float64               `json:"lon"`
	ContactStart              citdesk.ContactStart   `json:"contact_start"`
	Behaviors                 []citdesk.Behavior     `json:"behaviors"`
	PrimaryProblem            citdesk.PrimaryProblem `json:"primary_problem"`
	SuicideRelated            bool                   `json:"suicide_related"`
	Weapons                   citdesk.WeaponsStatus  `json:"weapons"`
	WeaponType                string                 `json:"weapon_type"`
	WeaponSecured             bool                   `json:"weapon_secured"`
	DeEscalation              []citdesk.Technique    `json:"deescalation"`
	Force                     citdesk.ForceLevel     `json:"force"`
	InjuryPerson              citdesk.InjuryLevel    `json:"injury_person"`
	InjuryOfficer             citdesk.InjuryLevel    `json:"injury_officer"`
	InjuryOther               citdesk.InjuryLevel    `json:"injury_other"`
	ConfirmInjuryWithoutForce bool                   `json:"confirm_injury_without_force"`
	Dispositions              []citdesk.Disposition  `json:"dispositions"`
	FacilityKind              citdesk.FacilityKind   `json:"facility_kind"`
	Facility                  string                 `json:"facility"`
	ArrestOffense             string                 `json:"arrest_offense"`
	CitationOffense           string                 `json:"citation_offense"`
	OnSceneMinutes            *int                   `json:"on_scene_minutes"`
	HandoverMinutes           *int                   `json:"handover_minutes"`
	LiaisonCoResponded        bool                   `json:"liaison_co_responded"`
	Narrative                 string                 `json:"narrative"`
	Veteran                   *bool                  `json:"veteran"`
	CallerFamily              *bool                  `json:"caller_family"`
	Version                   int64                  `json:"version"`
	Reason                    string                 `json:"reason,omitempty"` // corrections only
}

// apply copies the input onto e.
func (in *encounterInput) apply(e *citdesk.Encounter) {
	e.PersonID, e.Address, e.Lat, e.Lon = in.PersonID, in.Address, in.Lat, in.Lon
	if in.OccurredAt != nil {
		e.OccurredAt = *in.OccurredAt
	}
	e.ContactStart, e.Behaviors, e.PrimaryProblem, e.SuicideRelated = in.ContactStart, in.Behaviors, in.PrimaryProblem, in.SuicideRelated
	e.Weapons, e.WeaponType, e.WeaponSecured = in.Weapons, in.WeaponType, in.WeaponSecured
	e.DeEscalation, e.Force = in.DeEscalation, in.Force
	e.InjuryPerson, e.InjuryOfficer, e.InjuryOther, e.ConfirmInjuryWithoutForce = in.InjuryPerson, in.InjuryOfficer, in.InjuryOther, in.ConfirmInjuryWithoutForce
	e.Dispositions, e.FacilityKind, e.Facility, e.ArrestOffense, e.CitationOffense = in.Dispositions, in.FacilityKind, in.Facility, in.ArrestOffense, in.CitationOffense
	e.OnSceneMinutes, e.HandoverMinutes, e.LiaisonCoResponded, e.Narrative, e.Veteran = in.OnSceneMinutes, in.HandoverMinutes, in.LiaisonCoResponded, in.Narrative, in.Veteran
	e.CallerFamily = in.CallerFamily
	e.Version = in.Version
}

func (s *encounterAPI) apiStartEncounter(w http.ResponseWriter, r *http.Request) error {
	var in encounterInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	e := &citdesk.Encounter{AssignmentID: in.AssignmentID, CallID: in.CallID}
	in.apply(e)
	if err := s.Svc.Encounters.StartEncounter(r.Context(), e); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, e)
	return nil
}

func (s *encounterAPI) apiListEncounters(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := citdesk.EncounterFilter{Status: citdesk.EncounterStatus(q.Get("status")), Overdue: q.Get("overdue") == "true"}
	for name, dst := range map[string]**int64{"officer_id": &f.OfficerID, "person_id": &f.PersonID} {
		if v := q.Get(name); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return citdesk.FieldErrorf(name, "%s must be a positive whole number.", name)
			}
			*dst = &id
		}
	}
	list, err := s.Svc.Encounters.ListEncounters(r.Context(), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*citdesk.Encounter{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"encounters": list})
	return nil
}

func (s *encounterAPI) apiGetEncounter(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	return s.writeEncounter(w, r, id)
}

// versioned is a JSON body that names the version the client worked from.
type versioned interface{ version() int64 }

func (in *encounterInput) version() int64 { return in.Version }
func (in *personInput) version() int64    { return in.Version }
func (in *planInput) version() int64      { return in.Version }
func (in *reviewRequest) version() int64  { return in.Version }

// decodeWithID reads the record id from the path ({id}) and the JSON body
// into in, for a request that changes one record.
func decodeWithID(r *http.Request, in any) (int64, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return 0, err
	}
	return id, web.DecodeJSON(r, in)
}

// decodeVersioned reads the {id} of the path and a JSON body into in, which
// must name the version the client (verb: "edited", "reviewed") worked from.
func decodeVersioned(r *http.Request, in versioned, verb string) (int64, error) {
	id, err := decodeWithID(r, in)
	if err != nil {
		return 0, err
	}
	if in.version() == 0 {
		return 0, citdesk.FieldErrorf("version", "Send the version you %s.", verb)
	}
	return id, nil
}

func (s *encounterAPI) apiUpdateEncounter(w http.ResponseWriter, r *http.Request) error {
	var in encounterInput
	id, err := decodeVersioned(r, &in, "edited")
	if err != nil {
		return err
	}
	e := &citdesk.Encounter{ID: id}
	in.apply(e)
	if err := s.Svc.Encounters.UpdateEncounter(r.Context(), e); err != nil {
		return err
	}
	return s.writeEncounter(w, r, id)
}

// writeEncounter answers with the report as stored now.
func (s *encounterAPI) writeEncounter(w http.ResponseWriter, r *http.Request, id int64) error {
	e, err := s.Svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, e)
	return nil
}

type reviewRequest struct {
	Version int64  `json:"version"`
	Comment string `json:"comment"`
}

func (s *encounterAPI) decodeReview(r *http.Request) (int64, reviewRequest, error) {
	var req reviewRequest
	id, err := decodeVersioned(r, &req, "reviewed")
	return id, req, err
}

func (s *encounterAPI) apiSubmitEncounter(w http.ResponseWriter, r *http.Request) error {
	id, req, err := s.decodeReview(r)
	if err != nil {
		return err
	}
	e, err := s.Svc.Encounters.SubmitEncounter(r.Context(), id, req.Version)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, e)
	return nil
}

func (s *encounterAPI) apiReturnEncounter(w http.ResponseWriter, r *http.Request) error {
	id, req, err := s.decodeReview(r)
	if err != nil {
		return err
	}
	e, err := s.Svc.Encounters.ReturnEncounter(r.Context(), id, req.Version, req.Comment)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, e)
	return nil
}

func (s *encounterAPI) apiApproveEncounter(w http.ResponseWriter, r *http.Request) error {
	id, req, err := s.decodeReview(r)
	if err != nil {
		return err
	}
	e, err := s.Svc.Encounters.ApproveEncounter(r.Context(), id, req.Version)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, e)
	return nil
}

func (s *encounterAPI) apiCorrectEncounter(w http.ResponseWriter, r *http.Request) error {
	var in encounterInput
	id, err := decodeVersioned(r, &in, "corrected")
	if err != nil {
		return err
	}
	e := &citdesk.Encounter{ID: id}
	in.apply(e)
	if err := s.Svc.Encounters.CorrectEncounter(r.Context(), e, in.Reason); err != nil {
		return err
	}
	return s.writeEncounter(w, r, id)
}

func (s *encounterAPI) apiEncounterHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	versions, err := s.Svc.Encounters.ListEncounterVersions(r.Context(), id)
	if err != nil {
		return err
	}
	reviews, err := s.Svc.Encounters.ListReviewEvents(r.Context(), id)
	if err != nil {
		return err
	}
	if versions == nil {
		versions = []*citdesk.EncounterVersion{}
	}
	if reviews == nil {
		reviews = []*citdesk.ReviewEvent{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"versions": versions, "reviews": reviews})
	return nil
}
