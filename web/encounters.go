package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"citdesk"
)

// encounterRoutes registers CIT contact reports and their review, persons
// and crisis plans, and liaison referrals: the JSON API and the pages.
func (s *Server) encounterRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/encounters", s.api(s.apiStartEncounter))
	mux.HandleFunc("GET /api/v1/encounters", s.api(s.apiListEncounters))
	mux.HandleFunc("GET /api/v1/encounters/{id}", s.api(s.apiGetEncounter))
	mux.HandleFunc("PUT /api/v1/encounters/{id}", s.api(s.apiUpdateEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/submit", s.api(s.apiSubmitEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/return", s.api(s.apiReturnEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/approve", s.api(s.apiApproveEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/corrections", s.api(s.apiCorrectEncounter))
	mux.HandleFunc("GET /api/v1/encounters/{id}/history", s.api(s.apiEncounterHistory))

	mux.HandleFunc("GET /reports", s.page(s.reportsPage))
	mux.HandleFunc("POST /reports", s.page(s.startReport))
	mux.HandleFunc("GET /reports/new", s.page(s.newReportPage))
	mux.HandleFunc("GET /reports/{id}", s.page(s.reportPage))
	mux.HandleFunc("GET /reports/{id}/edit", s.page(s.reportEditPage))
	mux.HandleFunc("POST /reports/{id}", s.page(s.saveReport))
	mux.HandleFunc("POST /reports/{id}/autosave", s.autosaveReport)
	mux.HandleFunc("POST /reports/{id}/person/search", s.page(s.reportPersonSearch))
	mux.HandleFunc("POST /reports/{id}/person", s.page(s.reportLinkPerson))
	mux.HandleFunc("POST /reports/{id}/review", s.page(s.reviewReport))
	mux.HandleFunc("GET /reports/{id}/correct", s.page(s.reportCorrectPage))
	mux.HandleFunc("POST /reports/{id}/correct", s.page(s.correctReport))
	mux.HandleFunc("GET /review", s.page(s.reviewQueuePage))

	s.personRoutes(mux)
	s.referralRoutes(mux)
}

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
	e.Version = in.Version
}

func (s *Server) apiStartEncounter(w http.ResponseWriter, r *http.Request) error {
	var in encounterInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e := &citdesk.Encounter{AssignmentID: in.AssignmentID, CallID: in.CallID}
	in.apply(e)
	if err := s.svc.Encounters.StartEncounter(r.Context(), e); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}

func (s *Server) apiListEncounters(w http.ResponseWriter, r *http.Request) error {
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
	list, err := s.svc.Encounters.ListEncounters(r.Context(), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*citdesk.Encounter{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"encounters": list})
	return nil
}

func (s *Server) apiGetEncounter(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
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

// decodeVersioned reads the {id} of the path and a JSON body into in, which
// must name the version the client (verb: "edited", "reviewed") worked from.
func decodeVersioned(r *http.Request, in versioned, verb string) (int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, err
	}
	if err := decodeJSON(r, in); err != nil {
		return 0, err
	}
	if in.version() == 0 {
		return 0, citdesk.FieldErrorf("version", "Send the version you %s.", verb)
	}
	return id, nil
}

func (s *Server) apiUpdateEncounter(w http.ResponseWriter, r *http.Request) error {
	var in encounterInput
	id, err := decodeVersioned(r, &in, "edited")
	if err != nil {
		return err
	}
	e := &citdesk.Encounter{ID: id}
	in.apply(e)
	if err := s.svc.Encounters.UpdateEncounter(r.Context(), e); err != nil {
		return err
	}
	return s.writeEncounter(w, r, id)
}

// writeEncounter answers with the report as stored now.
func (s *Server) writeEncounter(w http.ResponseWriter, r *http.Request, id int64) error {
	e, err := s.svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

type reviewRequest struct {
	Version int64  `json:"version"`
	Comment string `json:"comment"`
}

func (s *Server) decodeReview(r *http.Request) (int64, reviewRequest, error) {
	var req reviewRequest
	id, err := decodeVersioned(r, &req, "reviewed")
	return id, req, err
}

func (s *Server) apiSubmitEncounter(w http.ResponseWriter, r *http.Request) error {
	id, req, err := s.decodeReview(r)
	if err != nil {
		return err
	}
	e, err := s.svc.Encounters.SubmitEncounter(r.Context(), id, req.Version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) apiReturnEncounter(w http.ResponseWriter, r *http.Request) error {
	id, req, err := s.decodeReview(r)
	if err != nil {
		return err
	}
	e, err := s.svc.Encounters.ReturnEncounter(r.Context(), id, req.Version, req.Comment)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) apiApproveEncounter(w http.ResponseWriter, r *http.Request) error {
	id, req, err := s.decodeReview(r)
	if err != nil {
		return err
	}
	e, err := s.svc.Encounters.ApproveEncounter(r.Context(), id, req.Version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) apiCorrectEncounter(w http.ResponseWriter, r *http.Request) error {
	var in encounterInput
	id, err := decodeVersioned(r, &in, "corrected")
	if err != nil {
		return err
	}
	e := &citdesk.Encounter{ID: id}
	in.apply(e)
	if err := s.svc.Encounters.CorrectEncounter(r.Context(), e, in.Reason); err != nil {
		return err
	}
	return s.writeEncounter(w, r, id)
}

func (s *Server) apiEncounterHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	versions, err := s.svc.Encounters.ListEncounterVersions(r.Context(), id)
	if err != nil {
		return err
	}
	reviews, err := s.svc.Encounters.ListReviewEvents(r.Context(), id)
	if err != nil {
		return err
	}
	if versions == nil {
		versions = []*citdesk.EncounterVersion{}
	}
	if reviews == nil {
		reviews = []*citdesk.ReviewEvent{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": versions, "reviews": reviews})
	return nil
}

// ---- Pages ----

// option is one choice of a form control.
type option struct {
	Value, Label string
	On           bool
}

func options[T ~string](all []T, label func(T) string, on func(T) bool) []option {
	out := make([]option, len(all))
	for i, v := range all {
		out[i] = option{Value: string(v), Label: label(v), On: on(v)}
	}
	return out
}

// reportForm is everything the report form shows.
type reportForm struct {
	E            *citdesk.Encounter
	Agency       *citdesk.Agency
	Person       *citdesk.Person
	OccurredAt   string // datetime-local in the agency's zone
	Starts       []option
	Problems     []option
	Behaviors    []option
	Weapons      []option
	Techniques   []option
	Forces       []option
	Injuries     map[string][]option
	Dispositions []option
	Facilities   []option
	Minutes      string
	Handover     string
	Error        string
	Field        string
	Notice       string
	Correct      bool // a coordinator's correction of an approved report
	Reason       string
	Search       *personSearch
	State        saveState
}

// personSearch is the person panel's state: what was searched and the matches.
type personSearch struct {
	Query   citdesk.PersonQuery
	DOB     string
	Matches []*citdesk.PersonMatch
	Error   string
}

const localTime = "2006-01-02T15:04"

func (s *Server) agencyOf(ctx context.Context) *citdesk.Agency {
	a := citdesk.ActorFromContext(ctx)
	if a == nil {
		return &citdesk.Agency{Policy: citdesk.DefaultPolicy(), TimeZone: "UTC"}
	}
	agency, err := s.svc.Agencies.FindAgencyByID(ctx, a.AgencyID)
	if err != nil {
		return &citdesk.Agency{Policy: citdesk.DefaultPolicy(), TimeZone: "UTC"}
	}
	return agency
}

func (s *Server) newReportForm(ctx context.Context, e *citdesk.Encounter) *reportForm {
	agency := s.agencyOf(ctx)
	f := &reportForm{E: e, Agency: agency, OccurredAt: e.OccurredAt.In(agency.Location()).Format(localTime), State: saveState{Version: e.Version}}
	f.Starts = options(citdesk.ContactStarts, citdesk.ContactStart.Label, func(v citdesk.ContactStart) bool { return v == e.ContactStart })
	f.Problems = options(citdesk.PrimaryProblems, citdesk.PrimaryProblem.Label, func(v citdesk.PrimaryProblem) bool { return v == e.PrimaryProblem })
	f.Behaviors = options(citdesk.Behaviors, citdesk.Behavior.Label, e.HasBehavior)
	f.Weapons = options(citdesk.WeaponsStatuses, citdesk.WeaponsStatus.Label, func(v citdesk.WeaponsStatus) bool { return v == e.Weapons })
	f.Techniques = options(citdesk.Techniques, citdesk.Technique.Label, e.UsedTechnique)
	f.Forces = options(citdesk.ForceLevels, citdesk.ForceLevel.Label, func(v citdesk.ForceLevel) bool { return v == e.Force })
	f.Injuries = map[string][]option{}
	for field, cur := range map[string]citdesk.InjuryLevel{"injury_person": e.InjuryPerson, "injury_officer": e.InjuryOfficer, "injury_other": e.InjuryOther} {
		f.Injuries[field] = options(citdesk.InjuryLevels, citdesk.InjuryLevel.Label, func(v citdesk.InjuryLevel) bool { return v == cur })
	}
	f.Dispositions = options(citdesk.Dispositions, func(d citdesk.Disposition) string { return d.Label(agency.Policy) }, e.Has)
	f.Facilities = options(citdesk.FacilityKinds, citdesk.FacilityKind.Label, func(v citdesk.FacilityKind) bool { return v == e.FacilityKind })
	if e.OnSceneMinutes != nil {
		f.Minutes = strconv.Itoa(*e.OnSceneMinutes)
	}
	if e.HandoverMinutes != nil {
		f.Handover = strconv.Itoa(*e.HandoverMinutes)
	}
	if e.PersonID != nil {
		f.Person, _ = s.svc.Persons.FindPersonByID(ctx, *e.PersonID)
	}
	return f
}

// readReportForm copies the form's fields onto e. The person is linked
// separately and is not part of the form.
func readReportForm(r *http.Request, e *citdesk.Encounter, loc *time.Location) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	f := r.PostForm
	if v := f.Get("occurred_at"); v != "" {
		t, err := time.ParseInLocation(localTime, v, loc)
		if err != nil {
			return citdesk.FieldErrorf("occurred_at", "Give the date and time of the contact.")
		}
		e.OccurredAt = t.UTC()
	}
	e.Address = f.Get("address")
	e.ContactStart = citdesk.ContactStart(f.Get("contact_start"))
	e.Behaviors = formSet[citdesk.Behavior](f["behaviors"])
	e.PrimaryProblem = citdesk.PrimaryProblem(f.Get("primary_problem"))
	e.SuicideRelated = f.Get("suicide_related") != ""
	e.Weapons = citdesk.WeaponsStatus(f.Get("weapons"))
	e.WeaponType, e.WeaponSecured = f.Get("weapon_type"), f.Get("weapon_secured") != ""
	if e.Weapons == citdesk.WeaponsNone {
		// A weapon described under "none" is a leftover of an earlier answer.
		e.WeaponType, e.WeaponSecured = "", false
	}
	e.DeEscalation = formSet[citdesk.Technique](f["deescalation"])
	e.Force = citdesk.ForceLevel(f.Get("force"))
	e.InjuryPerson, e.InjuryOfficer, e.InjuryOther = citdesk.InjuryLevel(f.Get("injury_person")), citdesk.InjuryLevel(f.Get("injury_officer")), citdesk.InjuryLevel(f.Get("injury_other"))
	e.ConfirmInjuryWithoutForce = f.Get("confirm_injury_without_force") != ""
	e.Dispositions = formSet[citdesk.Disposition](f["dispositions"])
	e.FacilityKind, e.Facility = citdesk.FacilityKind(f.Get("facility_kind")), f.Get("facility")
	e.ArrestOffense, e.CitationOffense = f.Get("arrest_offense"), f.Get("citation_offense")
	// Answers to questions that no longer apply are dropped, so hidden
	// fields never block a submission.
	if !e.Has(citdesk.DispVoluntaryTransport) && !e.Has(citdesk.DispEmergencyDetention) {
		e.FacilityKind, e.Facility = "", ""
		f.Del("handover_minutes")
	}
	if !e.Has(citdesk.DispArrest) {
		e.ArrestOffense = ""
	}
	if !e.Has(citdesk.DispCitation) {
		e.CitationOffense = ""
	}
	var err error
	if e.OnSceneMinutes, err = formMinutes(f, "on_scene_minutes"); err != nil {
		return err
	}
	if e.HandoverMinutes, err = formMinutes(f, "handover_minutes"); err != nil {
		return err
	}
	e.LiaisonCoResponded = f.Get("liaison_co_responded") != ""
	e.Narrative = f.Get("narrative")
	if v, err := strconv.ParseInt(f.Get("version"), 10, 64); err == nil {
		e.Version = v
	}
	return nil
}

func formSet[T ~string](vals []string) []T {
	out := []T{}
	for _, v := range vals {
		if v != "" && !slices.Contains(out, T(v)) {
			out = append(out, T(v))
		}
	}
	return out
}

func formMinutes(f url.Values, name string) (*int, error) {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, citdesk.FieldErrorf(name, "Give whole minutes.")
	}
	return &n, nil
}

type reportsView struct {
	Reports      []*citdesk.Encounter
	Status       string
	Statuses     []option
	Coordinator  bool
	OfficerNames map[int64]string
	Loc          *time.Location
}

func (s *Server) officerNames(ctx context.Context) map[int64]string {
	names := map[int64]string{}
	if list, err := s.svc.Officers.ListOfficers(ctx, citdesk.OfficerFilter{}); err == nil {
		for _, o := range list {
			names[o.ID] = o.Name()
		}
	}
	return names
}

func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) error {
	a := signedIn(r)
	status := r.URL.Query().Get("status")
	list, err := s.svc.Encounters.ListEncounters(r.Context(), citdesk.EncounterFilter{Status: citdesk.EncounterStatus(status), Overdue: r.URL.Query().Get("overdue") == "1"})
	if err != nil {
		return err
	}
	v := reportsView{Reports: list, Status: status, Coordinator: a.HasRole(citdesk.RoleCoordinator), OfficerNames: s.officerNames(r.Context()), Loc: s.agencyOf(r.Context()).Location()}
	v.Statuses = options([]citdesk.EncounterStatus{citdesk.EncounterDraft, citdesk.EncounterReturned, citdesk.EncounterSubmitted, citdesk.EncounterApproved},
		citdesk.EncounterStatus.Label, func(st citdesk.EncounterStatus) bool { return string(st) == status })
	s.render(w, r, http.StatusOK, "reports", "Contact reports", v)
	return nil
}

type newReportView struct {
	AssignmentID string
}

// newReportPage offers to start a report, from the assignment named by
// ?assignment_id= (the link an assignment on /me carries) or officer-initiated.
func (s *Server) newReportPage(w http.ResponseWriter, r *http.Request) error {
	v := newReportView{}
	if id, err := strconv.ParseInt(r.URL.Query().Get("assignment_id"), 10, 64); err == nil && id > 0 {
		v.AssignmentID = strconv.FormatInt(id, 10)
	}
	s.render(w, r, http.StatusOK, "report_new", "New contact report", v)
	return nil
}

// startReport begins a draft, from an assignment when one is named, and
// opens the form.
func (s *Server) startReport(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	e := &citdesk.Encounter{}
	if v := r.PostFormValue("assignment_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return citdesk.FieldErrorf("assignment_id", "No such assignment.")
		}
		e.AssignmentID = &id
	}
	if err := s.svc.Encounters.StartEncounter(r.Context(), e); err != nil {
		return err
	}
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(e.ID, 10)+"/edit", http.StatusSeeOther)
	return nil
}

type reportView struct {
	E           *citdesk.Encounter
	Form        *reportForm
	Officer     string
	Reviews     []*citdesk.ReviewEvent
	Versions    []*citdesk.EncounterVersion
	CanEdit     bool
	CanReview   bool
	CanCorrect  bool
	Referral    *citdesk.Referral
	Error       string
	Notice      string
	Loc         *time.Location
	ReturnDraft string
	CITInfo     string // whether CIT was requested, sent and on scene, in words
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return "unknown"
	case *b:
		return "yes"
	}
	return "no"
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) error {
	return s.showReport(w, r, http.StatusOK, "", queryNotice(r), "")
}

func (s *Server) showReport(w http.ResponseWriter, r *http.Request, status int, errMsg, notice, comment string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a := signedIn(r)
	e, err := s.svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		return err
	}
	v := reportView{E: e, Form: s.newReportForm(r.Context(), e), Error: errMsg, Notice: notice, ReturnDraft: comment}
	v.Loc = v.Form.Agency.Location()
	v.CITInfo = "CIT requested: " + yesNo(e.CITRequested) + " · CIT sent: " + yesNo(e.CITDispatched) + " · CIT on scene: " + yesNo(e.CITArrived)
	if o, err := s.svc.Officers.FindOfficerByID(r.Context(), e.OfficerID); err == nil {
		v.Officer = o.Name()
	}
	v.Reviews, _ = s.svc.Encounters.ListReviewEvents(r.Context(), id)
	v.Versions, _ = s.svc.Encounters.ListEncounterVersions(r.Context(), id)
	v.CanEdit = a.IsOfficer(e.OfficerID) && e.Status.Editable()
	v.CanReview = a.HasRole(citdesk.RoleCoordinator) && !a.IsOfficer(e.OfficerID) && e.Status == citdesk.EncounterSubmitted
	v.CanCorrect = a.HasRole(citdesk.RoleCoordinator) && e.Status == citdesk.EncounterApproved
	// Without a person there is no referral; without the filter the list
	// would be the whole caseload, read and audited for nothing.
	if a.HasRole(citdesk.RoleCoordinator, citdesk.RoleLiaison) && e.PersonID != nil {
		if refs, err := s.svc.Referrals.ListReferrals(r.Context(), citdesk.ReferralFilter{PersonID: e.PersonID}); err == nil {
			for _, ref := range refs {
				if ref.EncounterID == e.ID {
					v.Referral = ref
				}
			}
		}
	}
	s.render(w, r, status, "report", "Contact report #"+strconv.FormatInt(id, 10), v)
	return nil
}

func (s *Server) reportEditPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		return err
	}
	if !signedIn(r).IsOfficer(e.OfficerID) || !e.Status.Editable() {
		http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	f := s.newReportForm(r.Context(), e)
	f.Notice = queryNotice(r)
	s.render(w, r, http.StatusOK, "report_form", "Contact report", f)
	return nil
}

// saveReport saves the form; with action=submit it then submits the
// report for review. A problem re-shows the form with the officer's input.
func (s *Server) saveReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		return err
	}
	agency := s.agencyOf(r.Context())
	if err := readReportForm(r, e, agency.Location()); err != nil {
		return s.reshowReportForm(w, r, e, err)
	}
	if err := s.svc.Encounters.UpdateEncounter(r.Context(), e); err != nil {
		return s.reshowReportForm(w, r, e, err)
	}
	if r.PostFormValue("action") != "submit" {
		http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10)+"/edit?notice="+url.QueryEscape("Draft saved."), http.StatusSeeOther)
		return nil
	}
	if _, err := s.svc.Encounters.SubmitEncounter(r.Context(), id, e.Version); err != nil {
		return s.reshowReportForm(w, r, e, err)
	}
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Submitted for review."), http.StatusSeeOther)
	return nil
}

func (s *Server) reshowReportForm(w http.ResponseWriter, r *http.Request, e *citdesk.Encounter, err error) error {
	code := citdesk.ErrorCode(err)
	if code != citdesk.EINVALID && code != citdesk.EPRECONDITION && code != citdesk.ECONFLICT {
		return err
	}
	var f *reportForm
	if code == citdesk.EPRECONDITION {
		// Another tab saved in between: show what is stored now.
		if cur, err := s.svc.Encounters.FindEncounterByID(r.Context(), e.ID); err == nil {
			f = s.newReportForm(r.Context(), cur)
			f.Error = "This report was saved from another window; here is the latest version. Make your change again."
		}
	}
	if f == nil {
		// Built once: the form reads (and audits) the linked person.
		f = s.newReportForm(r.Context(), e)
		f.Error, f.Field = citdesk.ErrorMessage(err), citdesk.ErrorField(err)
	}
	s.render(w, r, statusFor(code), "report_form", "Contact report", f)
	return nil
}

type saveState struct {
	Version int64
	Message string
	Error   bool
}

// autosaveReport saves the draft as the officer types (htmx, on change)
// and answers with the save state: the new version and a short message.
func (s *Server) autosaveReport(w http.ResponseWriter, r *http.Request) {
	state := func(st saveState) { s.renderPartial(w, r, "report_form", "save-state", st) }
	if signedIn(r) == nil {
		w.WriteHeader(http.StatusUnauthorized)
		state(saveState{Message: "Signed out: sign in again to keep saving.", Error: true})
		return
	}
	id, err := pathID(r, "id")
	if err != nil {
		state(saveState{Message: "Not saved: no such report.", Error: true})
		return
	}
	e, err := s.svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		state(saveState{Message: "Not saved: " + citdesk.ErrorMessage(err), Error: true})
		return
	}
	// readReportForm sets the version only when it reads the whole form, so
	// a form it refuses leaves e.Version the stored one.
	loc := s.agencyOf(r.Context()).Location()
	if err := readReportForm(r, e, loc); err != nil {
		state(saveState{Version: e.Version, Message: "Not saved: " + citdesk.ErrorMessage(err), Error: true})
		return
	}
	if err := s.svc.Encounters.UpdateEncounter(r.Context(), e); err != nil {
		if citdesk.ErrorCode(err) == citdesk.EINTERNAL {
			s.log.Error("autosave", "err", err)
		}
		state(saveState{Version: e.Version, Message: "Not saved: " + citdesk.ErrorMessage(err), Error: true})
		return
	}
	state(saveState{Version: e.Version, Message: "Draft saved " + s.now().In(loc).Format("15:04")})
}

// reportPersonSearch looks for likely existing person records and shows
// them in the person panel.
func (s *Server) reportPersonSearch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	ps := &personSearch{Query: citdesk.PersonQuery{FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name"), Address: r.PostFormValue("address")}, DOB: r.PostFormValue("dob")}
	if ps.DOB != "" {
		if ps.Query.DOB, err = citdesk.ParseDate(ps.DOB); err != nil {
			ps.Error = "Give the date of birth as a date."
		}
	}
	if ps.Error == "" {
		ps.Matches, err = s.svc.Persons.MatchPersons(r.Context(), ps.Query)
		if err != nil {
			ps.Error = citdesk.ErrorMessage(err)
		}
	}
	f := s.newReportForm(r.Context(), e)
	f.Search = ps
	if r.Header.Get("HX-Request") == "true" {
		s.renderPartial(w, r, "report_form", "person-panel", f)
		return nil
	}
	s.render(w, r, http.StatusOK, "report_form", "Contact report", f)
	return nil
}

// reportLinkPerson links an existing person to the report, creates a new
// person record and links it, or unlinks.
func (s *Server) reportLinkPerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	e, err := s.svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		return err
	}
	// Refuse before creating a person: a person record made for a link
	// that then fails would stay behind with no report to explain it.
	if !signedIn(r).IsOfficer(e.OfficerID) {
		return citdesk.Errorf(citdesk.EFORBIDDEN, "Only the reporting officer changes a report; return it with a comment instead.")
	} else if !e.Status.Editable() {
		return citdesk.Errorf(citdesk.ECONFLICT, "This report is %s and can no longer be edited.", strings.ToLower(e.Status.Label()))
	}
	notice := "Person linked."
	switch r.PostFormValue("action") {
	case "unlink":
		e.PersonID, notice = nil, "Person unlinked."
	case "create":
		p := &citdesk.Person{FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name"), Address: r.PostFormValue("address")}
		if v := r.PostFormValue("dob"); v != "" {
			if p.DOB, err = citdesk.ParseDate(v); err != nil {
				return citdesk.FieldErrorf("dob", "Give the date of birth as a date.")
			}
		}
		if err := s.svc.Persons.CreatePerson(r.Context(), p); err != nil {
			if citdesk.ErrorCode(err) != citdesk.EINVALID {
				return err
			}
			f := s.newReportForm(r.Context(), e)
			f.Search = &personSearch{Query: citdesk.PersonQuery{FirstName: p.FirstName, LastName: p.LastName, Address: p.Address}, DOB: r.PostFormValue("dob"), Error: citdesk.ErrorMessage(err)}
			s.render(w, r, http.StatusUnprocessableEntity, "report_form", "Contact report", f)
			return nil
		}
		e.PersonID, notice = &p.ID, "New person record created and linked."
	default:
		pid, err := strconv.ParseInt(r.PostFormValue("person_id"), 10, 64)
		if err != nil {
			return citdesk.FieldErrorf("person_id", "Choose a person.")
		}
		e.PersonID = &pid
	}
	if err := s.svc.Encounters.UpdateEncounter(r.Context(), e); err != nil {
		return err
	}
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10)+"/edit?notice="+url.QueryEscape(notice)+"#person", http.StatusSeeOther)
	return nil
}

// reviewReport returns a submitted report with a comment, or approves it.
func (s *Server) reviewReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	comment := r.PostFormValue("comment")
	notice := "Approved."
	if r.PostFormValue("action") == "return" {
		_, err = s.svc.Encounters.ReturnEncounter(r.Context(), id, version, comment)
		notice = "Returned to the officer."
	} else {
		_, err = s.svc.Encounters.ApproveEncounter(r.Context(), id, version)
	}
	if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.ECONFLICT || code == citdesk.EPRECONDITION {
		return s.showReport(w, r, statusFor(code), citdesk.ErrorMessage(err), "", comment)
	} else if err != nil {
		return err
	}
	if r.PostFormValue("next") == "queue" {
		http.Redirect(w, r, "/review?notice="+url.QueryEscape(notice), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape(notice), http.StatusSeeOther)
	return nil
}

func (s *Server) reportCorrectPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		return err
	}
	if !signedIn(r).HasRole(citdesk.RoleCoordinator) || e.Status != citdesk.EncounterApproved {
		return citdesk.Errorf(citdesk.ECONFLICT, "Only a coordinator corrects an approved report.")
	}
	f := s.newReportForm(r.Context(), e)
	f.Correct = true
	s.render(w, r, http.StatusOK, "report_form", "Correct report", f)
	return nil
}

func (s *Server) correctReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err = readReportForm(r, e, s.agencyOf(r.Context()).Location()); err == nil {
		err = s.svc.Encounters.CorrectEncounter(r.Context(), e, r.PostFormValue("reason"))
	}
	if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.EPRECONDITION || code == citdesk.ECONFLICT {
		f := s.newReportForm(r.Context(), e)
		f.Correct, f.Reason, f.Error, f.Field = true, r.PostFormValue("reason"), citdesk.ErrorMessage(err), citdesk.ErrorField(err)
		s.render(w, r, statusFor(code), "report_form", "Correct report", f)
		return nil
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Correction saved; the earlier version is kept below."), http.StatusSeeOther)
	return nil
}

type reviewQueueView struct {
	Queue        []*citdesk.Encounter
	Overdue      []*citdesk.Encounter
	OfficerNames map[int64]string
	Notice       string
	Loc          *time.Location
}

func (s *Server) reviewQueuePage(w http.ResponseWriter, r *http.Request) error {
	if _, err := citdesk.RequireRole(r.Context(), citdesk.RoleCoordinator); err != nil {
		return err
	}
	queue, err := s.svc.Encounters.ListEncounters(r.Context(), citdesk.EncounterFilter{Status: citdesk.EncounterSubmitted})
	if err != nil {
		return err
	}
	overdue, err := s.svc.Encounters.ListEncounters(r.Context(), citdesk.EncounterFilter{Overdue: true})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "review", "Review queue", reviewQueueView{Queue: queue, Overdue: overdue, OfficerNames: s.officerNames(r.Context()),
		Notice: queryNotice(r), Loc: s.agencyOf(r.Context()).Location()})
	return nil
}
