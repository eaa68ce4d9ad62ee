package ui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"citdesk"
	"citdesk/web"
)

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
	E      *citdesk.Encounter
	Agency *citdesk.Agency
	Person *citdesk.Person
	// PersonNameOnly: the author sees only the name of the person they named.
	PersonNameOnly bool
	OccurredAt     string // datetime-local in the agency's zone
	Starts         []option
	Problems       []option
	Behaviors      []option
	Weapons        []option
	Techniques     []option
	Forces         []option
	Injuries       map[string][]option
	Dispositions   []option
	Facilities     []option
	CallerFamily   []option // was the caller the person's family: yes, no, not known
	Minutes        string
	Handover       string
	Error          string
	Field          string
	Errors         []citdesk.FieldProblem // every wrong field, each also shown at its field
	Notice         string
	Correct        bool // a coordinator's correction of an approved report
	Reason         string
	Search         *personSearch
	State          saveState
}

// formFieldErr is a field's problem as the form shows it beside the field.
type formFieldErr struct {
	Field, Message string
}

// reportFormFields are the fields the report form shows a problem beside
// (person_id in the person panel); a problem with any other field is
// listed only in the summary at the top.
var reportFormFields = map[string]bool{
	"occurred_at": true, "address": true, "contact_start": true, "behaviors": true, "primary_problem": true,
	"weapons": true, "weapon_type": true, "weapon_secured": true, "deescalation": true, "force": true,
	"injury_person": true, "injury_officer": true, "injury_other": true, "confirm_injury_without_force": true,
	"dispositions": true, "facility_kind": true, "facility": true, "handover_minutes": true,
	"arrest_offense": true, "citation_offense": true, "on_scene_minutes": true, "narrative": true,
	"reason": true, "person_id": true,
}

// Err returns the problem with field, if the last submission had one.
func (f *reportForm) Err(field string) formFieldErr {
	for _, p := range f.Errors {
		if p.Field == field {
			return formFieldErr{Field: field, Message: p.Message}
		}
	}
	return formFieldErr{Field: field}
}

// ShownAt reports whether the form shows field's problem beside it.
func (f *reportForm) ShownAt(field string) bool { return reportFormFields[field] }

// personSearch is the person panel's state: what was searched and the matches.
type personSearch struct {
	Query   citdesk.PersonQuery
	DOB     string
	Matches []*citdesk.PersonMatch
	Error   string
}

const localTime = "2006-01-02T15:04"

// newReportForm builds the form for report e, reading the agency and the
// linked person (an audited read).
func (s *reportPages) newReportForm(ctx context.Context, e *citdesk.Encounter) (*reportForm, error) {
	agency, err := s.AgencyOf(ctx)
	if err != nil {
		return nil, err
	}
	if e.PersonID == nil {
		return reportFormFor(e, agency, nil, false), nil
	}
	// The report's file holds the person as this actor may see it: the
	// record, or for the author without access, the name only.
	file, err := s.Svc.Encounters.FindReportFile(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	return reportFormFor(e, agency, file.Person, file.PersonNameOnly), nil
}

// reportFormFor builds the form for report e from what was read with it.
func reportFormFor(e *citdesk.Encounter, agency *citdesk.Agency, person *citdesk.Person, nameOnly bool) *reportForm {
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
	f.CallerFamily = []option{
		{Value: "yes", Label: "Yes", On: e.CallerFamily != nil && *e.CallerFamily},
		{Value: "no", Label: "No", On: e.CallerFamily != nil && !*e.CallerFamily},
		{Value: "", Label: "Not known", On: e.CallerFamily == nil},
	}
	if e.OnSceneMinutes != nil {
		f.Minutes = strconv.Itoa(*e.OnSceneMinutes)
	}
	if e.HandoverMinutes != nil {
		f.Handover = strconv.Itoa(*e.HandoverMinutes)
	}
	f.Person, f.PersonNameOnly = person, nameOnly
	return f
}

// readReportForm copies the form's fields onto e. The person is linked
// separately and is not part of the form.
func readReportForm(r *http.Request, e *citdesk.Encounter, loc *time.Location) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	return reportFormValues(r.PostForm, e, loc)
}

// reportFormValues is readReportForm over the parsed form f (which it may
// change), apart from the request so that it can be fuzzed.
func reportFormValues(f url.Values, e *citdesk.Encounter, loc *time.Location) error {
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
	switch f.Get("caller_family") {
	case "yes", "no":
		family := f.Get("caller_family") == "yes"
		e.CallerFamily = &family
	default:
		e.CallerFamily = nil
	}
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

func (s *reportPages) officerNames(ctx context.Context) (map[int64]string, error) {
	list, err := s.Svc.Officers.ListOfficers(ctx, citdesk.OfficerFilter{})
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(list))
	for _, o := range list {
		names[o.ID] = o.Name()
	}
	return names, nil
}

func (s *reportPages) reportsPage(w http.ResponseWriter, r *http.Request) error {
	a := web.SignedIn(r)
	status := r.URL.Query().Get("status")
	list, err := s.Svc.Encounters.ListEncounters(r.Context(), citdesk.EncounterFilter{Status: citdesk.EncounterStatus(status), Overdue: r.URL.Query().Get("overdue") == "1"})
	if err != nil {
		return err
	}
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	names, err := s.officerNames(r.Context())
	if err != nil {
		return err
	}
	v := reportsView{Reports: list, Status: status, Coordinator: a.HasRole(citdesk.ReviewRoles...), OfficerNames: names, Loc: agency.Location()}
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
func (s *reportPages) newReportPage(w http.ResponseWriter, r *http.Request) error {
	v := newReportView{}
	if id, err := strconv.ParseInt(r.URL.Query().Get("assignment_id"), 10, 64); err == nil && id > 0 {
		v.AssignmentID = strconv.FormatInt(id, 10)
	}
	s.render(w, r, http.StatusOK, "report_new", "New contact report", v)
	return nil
}

// startReport begins a draft, from an assignment when one is named, and
// opens the form.
func (s *reportPages) startReport(w http.ResponseWriter, r *http.Request) error {
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
	if err := s.Svc.Encounters.StartEncounter(r.Context(), e); err != nil {
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

func (s *reportPages) reportPage(w http.ResponseWriter, r *http.Request) error {
	return s.showReport(w, r, http.StatusOK, "", queryNotice(r), "")
}

func (s *reportPages) showReport(w http.ResponseWriter, r *http.Request, status int, errMsg, notice, comment string) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	a := web.SignedIn(r)
	// One read of the report's whole file: the report, its person, reviews,
	// versions and referral, one audit event for each record read.
	file, err := s.Svc.Encounters.FindReportFile(r.Context(), id)
	if err != nil {
		return err
	}
	e := file.Encounter
	v := reportView{E: e, Form: reportFormFor(e, file.Agency, file.Person, file.PersonNameOnly), Error: errMsg, Notice: notice, ReturnDraft: comment}
	v.Loc = file.Agency.Location()
	v.CITInfo = "CIT requested: " + yesNo(e.CITRequested) + " · CIT sent: " + yesNo(e.CITDispatched) + " · CIT on scene: " + yesNo(e.CITArrived)
	v.Officer, v.Reviews, v.Versions, v.Referral = file.OfficerName, file.Reviews, file.Versions, file.Referral
	v.CanEdit = citdesk.CanEditEncounter(a, e)
	v.CanReview = citdesk.CanReviewEncounter(a, e)
	v.CanCorrect = citdesk.CanCorrectEncounter(a, e)
	s.render(w, r, status, "report", "Contact report #"+strconv.FormatInt(id, 10), v)
	return nil
}

func (s *reportPages) reportEditPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.Svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		return err
	}
	if !citdesk.CanEditEncounter(web.SignedIn(r), e) {
		http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	f, err := s.newReportForm(r.Context(), e)
	if err != nil {
		return err
	}
	f.Notice = queryNotice(r)
	s.render(w, r, http.StatusOK, "report_form", "Contact report", f)
	return nil
}

// saveReport saves the form; with action=submit it then submits the
// report for review. A problem re-shows the form with the officer's input.
func (s *reportPages) saveReport(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	// One write: read the stored report, apply the form, validate, save.
	var edited *citdesk.Encounter
	e, err := s.Svc.Encounters.EditEncounter(r.Context(), id, func(e *citdesk.Encounter, agency *citdesk.Agency) error {
		edited = e
		return readReportForm(r, e, agency.Location())
	})
	if err != nil {
		if edited == nil {
			// Refused before the form was read: the report is no longer
			// the officer's to edit, or is gone. Show what is stored.
			if citdesk.ErrorCode(err) != citdesk.ECONFLICT {
				return err
			}
			stored, ferr := s.Svc.Encounters.FindEncounterByID(r.Context(), id)
			if ferr != nil {
				return ferr
			}
			edited = stored
		}
		return s.reshowReportForm(w, r, edited, err)
	}
	if r.PostFormValue("action") != "submit" {
		http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10)+"/edit?notice="+url.QueryEscape("Draft saved."), http.StatusSeeOther)
		return nil
	}
	if _, err := s.Svc.Encounters.SubmitEncounter(r.Context(), id, e.Version); err != nil {
		return s.reshowReportForm(w, r, e, err)
	}
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Submitted for review."), http.StatusSeeOther)
	return nil
}

func (s *reportPages) reshowReportForm(w http.ResponseWriter, r *http.Request, e *citdesk.Encounter, err error) error {
	code := citdesk.ErrorCode(err)
	if code != citdesk.EINVALID && code != citdesk.EPRECONDITION && code != citdesk.ECONFLICT {
		return err
	}
	var f *reportForm
	if code == citdesk.EPRECONDITION {
		// Another tab saved in between: show what is stored now.
		cur, ferr := s.Svc.Encounters.FindEncounterByID(r.Context(), e.ID)
		if ferr != nil {
			return ferr
		}
		if f, ferr = s.newReportForm(r.Context(), cur); ferr != nil {
			return ferr
		}
		f.Error = "This report was saved from another window; here is the latest version. Make your change again."
	}
	if f == nil {
		// Built once: the form reads (and audits) the linked person.
		var ferr error
		if f, ferr = s.newReportForm(r.Context(), e); ferr != nil {
			return ferr
		}
		f.Error, f.Field = citdesk.ErrorMessage(err), citdesk.ErrorField(err)
		// Every wrong field at once, each beside its field; the summary
		// lists them and the first one gets the focus (app.js).
		f.Errors = citdesk.FieldErrors(err)
	}
	s.render(w, r, web.StatusFor(code), "report_form", "Contact report", f)
	return nil
}

type saveState struct {
	Version int64
	Message string
	Error   bool
}

// autosaveReport saves the draft as the officer types (htmx, on change)
// and answers with the save state: the new version and a short message.
func (s *reportPages) autosaveReport(w http.ResponseWriter, r *http.Request) {
	state := func(status int, st saveState) { s.writePartial(w, status, "report_form", "save-state", st) }
	if a := web.SignedIn(r); a == nil {
		state(http.StatusUnauthorized, saveState{Message: "Signed out: sign in again to keep saving.", Error: true})
		return
	} else if !citdesk.MayEver(a, citdesk.EditReport) {
		state(http.StatusForbidden, saveState{Message: "Not saved: only the report's officer saves it.", Error: true})
		return
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		state(http.StatusNotFound, saveState{Message: "Not saved: no such report.", Error: true})
		return
	}
	// One write and one audit event per save. readReportForm sets the
	// version only when it reads the whole form, so the answer carries the
	// form's version (a clash keeps failing rather than overwrite the other
	// window's save) or, for a form it refuses, the stored one.
	var version int64
	var loc *time.Location
	e, err := s.Svc.Encounters.EditEncounter(r.Context(), id, func(e *citdesk.Encounter, agency *citdesk.Agency) error {
		loc = agency.Location()
		err := readReportForm(r, e, loc)
		version = e.Version
		return err
	})
	if err != nil {
		// A refusal answers with its status; anything else answers 200 so
		// htmx swaps the message in beside the form.
		status := http.StatusOK
		switch code := citdesk.ErrorCode(err); code {
		case citdesk.EINTERNAL:
			s.Log.Error("autosave", "err", err)
		case citdesk.EFORBIDDEN, citdesk.ENOTFOUND:
			status = web.StatusFor(code)
		}
		state(status, saveState{Version: version, Message: "Not saved: " + citdesk.ErrorMessage(err), Error: true})
		return
	}
	state(http.StatusOK, saveState{Version: e.Version, Message: "Draft saved " + s.Now().In(loc).Format("15:04")})
}

// reportPersonSearch looks for likely existing person records and shows
// them in the person panel.
func (s *reportPages) reportPersonSearch(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.Svc.Encounters.FindEncounterByID(r.Context(), id)
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
		ps.Matches, err = s.Svc.Persons.MatchPersons(r.Context(), ps.Query)
		if err != nil {
			ps.Error = citdesk.ErrorMessage(err)
		}
	}
	f, err := s.newReportForm(r.Context(), e)
	if err != nil {
		return err
	}
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
func (s *reportPages) reportLinkPerson(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	e, err := s.Svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		return err
	}
	// Refuse before creating a person: a person record made for a link
	// that then fails would stay behind with no report to explain it.
	if err := citdesk.CheckEditEncounter(web.SignedIn(r), e); err != nil {
		return err
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
		if err := s.Svc.Persons.CreatePerson(r.Context(), p); err != nil {
			if citdesk.ErrorCode(err) != citdesk.EINVALID {
				return err
			}
			f, ferr := s.newReportForm(r.Context(), e)
			if ferr != nil {
				return ferr
			}
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
	if err := s.Svc.Encounters.UpdateEncounter(r.Context(), e); err != nil {
		return err
	}
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10)+"/edit?notice="+url.QueryEscape(notice)+"#person", http.StatusSeeOther)
	return nil
}

// reviewReport returns a submitted report with a comment, or approves it.
func (s *reportPages) reviewReport(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	comment := r.PostFormValue("comment")
	notice := "Approved."
	action := r.PostFormValue("action")
	if action == "return" {
		_, err = s.Svc.Encounters.ReturnEncounter(r.Context(), id, version, comment)
		notice = "Returned to the officer."
	} else {
		_, err = s.Svc.Encounters.ApproveEncounter(r.Context(), id, version)
	}
	if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.ECONFLICT || code == citdesk.EPRECONDITION {
		return s.showReport(w, r, web.StatusFor(code), citdesk.ErrorMessage(err), "", comment)
	} else if err != nil {
		return err
	}
	if action == "approve_next" {
		// Straight on to the next report waiting for this reviewer, or
		// back to the queue when none is left.
		next, err := s.nextToReview(r.Context(), web.SignedIn(r), id)
		if err != nil {
			return err
		}
		if next == nil {
			http.Redirect(w, r, "/review?notice="+url.QueryEscape(noticeQueueEmpty), http.StatusSeeOther)
			return nil
		}
		http.Redirect(w, r, "/reports/"+strconv.FormatInt(next.ID, 10)+"?notice="+url.QueryEscape(noticeApprovedNext), http.StatusSeeOther)
		return nil
	}
	if r.PostFormValue("next") == "queue" {
		http.Redirect(w, r, "/review?notice="+url.QueryEscape(notice), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape(notice), http.StatusSeeOther)
	return nil
}

func (s *reportPages) reportCorrectPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.Svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := citdesk.CheckCorrectEncounter(web.SignedIn(r), e); err != nil {
		return err
	}
	f, err := s.newReportForm(r.Context(), e)
	if err != nil {
		return err
	}
	f.Correct = true
	s.render(w, r, http.StatusOK, "report_form", "Correct report", f)
	return nil
}

func (s *reportPages) correctReport(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.Svc.Encounters.FindEncounterByID(r.Context(), id)
	if err != nil {
		return err
	}
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	if err = readReportForm(r, e, agency.Location()); err == nil {
		err = s.Svc.Encounters.CorrectEncounter(r.Context(), e, r.PostFormValue("reason"))
	}
	if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.EPRECONDITION || code == citdesk.ECONFLICT {
		f, ferr := s.newReportForm(r.Context(), e)
		if ferr != nil {
			return ferr
		}
		f.Correct, f.Reason, f.Error, f.Field = true, r.PostFormValue("reason"), citdesk.ErrorMessage(err), citdesk.ErrorField(err)
		f.Errors = citdesk.FieldErrors(err)
		s.render(w, r, web.StatusFor(code), "report_form", "Correct report", f)
		return nil
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Correction saved; the earlier version is kept below."), http.StatusSeeOther)
	return nil
}

type reviewQueueView struct {
	Queue        []queueRow
	Overdue      []*citdesk.Encounter
	OfficerNames map[int64]string
	Notice       string
	Loc          *time.Location
	// CanRevalidate: the reviewer also keeps crisis plans (a coordinator).
	CanRevalidate bool
}

// queueRow is one report waiting for review as the queue shows it: what a
// reviewer weighs first, in words.
type queueRow struct {
	E            *citdesk.Encounter
	Officer      string
	CIT          []string // "CIT requested", "CIT officer on scene", or "No CIT request"
	Dispositions []string
	Force        string // "No force" or "Force used: …"
	ForceUsed    bool
}

// newQueueRow describes report e, written by officer, for the queue.
func newQueueRow(e *citdesk.Encounter, officer string, policy citdesk.Policy) queueRow {
	row := queueRow{E: e, Officer: officer, Force: "No force"}
	switch {
	case e.CITRequested != nil && *e.CITRequested:
		row.CIT = append(row.CIT, "CIT requested")
		if e.CITArrived != nil && *e.CITArrived {
			row.CIT = append(row.CIT, "CIT officer on scene")
		} else {
			row.CIT = append(row.CIT, "no CIT officer on scene")
		}
	case e.CITArrived != nil && *e.CITArrived:
		row.CIT = append(row.CIT, "No CIT request", "CIT officer on scene")
	default:
		row.CIT = append(row.CIT, "No CIT request")
	}
	for _, d := range e.Dispositions {
		row.Dispositions = append(row.Dispositions, d.Label(policy))
	}
	if e.Force != "" && e.Force != citdesk.ForceNone {
		row.Force, row.ForceUsed = "Force used: "+e.Force.Label(), true
	}
	return row
}

// The notices of "Approve and open next".
const (
	noticeApprovedNext = "Approved. Here is the next report waiting for you."
	noticeQueueEmpty   = "Approved. Nothing else is waiting for you: the queue is empty."
)

// nextToReview returns the oldest report other than done that waits for
// a's review, or nil when none does.
func (s *reportPages) nextToReview(ctx context.Context, a *citdesk.Actor, done int64) (*citdesk.Encounter, error) {
	queue, err := s.Svc.Encounters.ListEncounters(ctx, citdesk.EncounterFilter{Status: citdesk.EncounterSubmitted})
	if err != nil {
		return nil, err
	}
	for _, e := range queue {
		if e.ID != done && citdesk.CanReviewEncounter(a, e) {
			return e, nil
		}
	}
	return nil, nil
}

func (s *reportPages) reviewQueuePage(w http.ResponseWriter, r *http.Request) error {
	queue, err := s.Svc.Encounters.ListEncounters(r.Context(), citdesk.EncounterFilter{Status: citdesk.EncounterSubmitted})
	if err != nil {
		return err
	}
	overdue, err := s.Svc.Encounters.ListEncounters(r.Context(), citdesk.EncounterFilter{Overdue: true})
	if err != nil {
		return err
	}
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	names, err := s.officerNames(r.Context())
	if err != nil {
		return err
	}
	v := reviewQueueView{Overdue: overdue, OfficerNames: names, Notice: queryNotice(r), Loc: agency.Location(),
		CanRevalidate: citdesk.MayEver(web.SignedIn(r), citdesk.ManagePlans)}
	for _, e := range queue {
		v.Queue = append(v.Queue, newQueueRow(e, names[e.OfficerID], agency.Policy))
	}
	s.render(w, r, http.StatusOK, "review", "Review queue", v)
	return nil
}
