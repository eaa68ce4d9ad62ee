package ui

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"citdesk"
	"citdesk/importer"
	"citdesk/web"
)

// selectOption is one choice of a select.
type selectOption struct {
	Value, Label string
	Selected     bool
}

// formState holds what a person typed into a form and what was wrong
// with it, so the form comes back filled in with the error beside the field.
type formState struct {
	Values map[string]string
	Errors map[string]string // field name → message
	Error  string            // a problem not about one field
}

// newFormState returns an empty form state.
func newFormState() formState {
	return formState{Values: map[string]string{}, Errors: map[string]string{}}
}

// fail records err on the form: beside its field when it names one of
// fields, otherwise above the form. It returns the HTTP status to answer
// with, or the error itself when it is not the person's to fix.
func (f *formState) fail(err error, fields ...string) (int, error) {
	code := citdesk.ErrorCode(err)
	if code == citdesk.EINTERNAL || code == citdesk.EUNAUTHORIZED {
		return 0, err
	}
	field := citdesk.ErrorField(err)
	for _, name := range fields {
		if field == name {
			f.Errors[field] = citdesk.ErrorMessage(err)
			return web.StatusFor(code), nil
		}
	}
	f.Error = citdesk.ErrorMessage(err)
	return web.StatusFor(code), nil
}

// noticeText turns a ?notice= value from a redirect into a sentence; only
// known values are shown, so a link cannot put words on the page.
func noticeText(v string) string {
	switch v {
	case "created":
		return "The officer was added to the roster."
	case "saved":
		return "The roster details were saved."
	case "training":
		return "The training was recorded; the CIT standing below includes it."
	}
	return ""
}

// officerFields are the roster fields of the officer forms.
var officerFields = []string{"badge", "first_name", "last_name", "rank", "call_sign", "shift", "phone"}

// officerFromForm reads the roster fields of a posted form into o.
func officerFromForm(r *http.Request, o *citdesk.Officer, f *formState) {
	for _, name := range officerFields {
		f.Values[name] = strings.TrimSpace(r.PostFormValue(name))
	}
	o.Badge, o.FirstName, o.LastName = f.Values["badge"], f.Values["first_name"], f.Values["last_name"]
	o.Rank, o.CallSign, o.Shift, o.Phone = f.Values["rank"], f.Values["call_sign"], f.Values["shift"], f.Values["phone"]
}

// formField is one text field of a form, as the templates draw it.
type formField struct {
	Name, Label, Value, Error string
	Max                       int
	Required                  bool
}

// officerFormView is the add or edit form of an officer's roster fields.
type officerFormView struct {
	Action, Submit, Prefix string
	New                    bool
	Form                   formState
	Fields                 []formField
	// Supervisors are the choices of the edit form's supervisor field:
	// none, then the agency's active supervisors.
	Supervisors []selectOption
}

// newOfficerForm lays out the officer form posting to action with state f.
func newOfficerForm(action, submit, prefix string, isNew bool, f formState) officerFormView {
	v := officerFormView{Action: action, Submit: submit, Prefix: prefix, New: isNew, Form: f}
	for _, fd := range []formField{
		{Name: "badge", Label: "Badge number", Max: 20, Required: true},
		{Name: "first_name", Label: "First name", Max: 80, Required: true},
		{Name: "last_name", Label: "Last name", Max: 80, Required: true},
		{Name: "rank", Label: "Rank", Max: 40},
		{Name: "call_sign", Label: "Call sign", Max: 20},
		{Name: "shift", Label: "Team or shift", Max: 40},
		{Name: "phone", Label: "Phone", Max: 30},
	} {
		fd.Value, fd.Error = f.Values[fd.Name], f.Errors[fd.Name]
		v.Fields = append(v.Fields, fd)
	}
	return v
}

// officerFormValues fills a form state from a stored officer.
func officerFormValues(o *citdesk.Officer) formState {
	f := newFormState()
	f.Values["badge"], f.Values["first_name"], f.Values["last_name"] = o.Badge, o.FirstName, o.LastName
	f.Values["rank"], f.Values["call_sign"], f.Values["shift"], f.Values["phone"] = o.Rank, o.CallSign, o.Shift, o.Phone
	f.Values["version"] = strconv.FormatInt(o.Version, 10)
	if o.SupervisorUserID != nil {
		f.Values["supervisor_user_id"] = strconv.FormatInt(*o.SupervisorUserID, 10)
	}
	if o.Active {
		f.Values["active"] = "on"
	}
	return f
}

// rosterView is the data of the roster page.
type rosterView struct {
	Query      string
	CITOptions []selectOption
	Active     []selectOption
	FilterErr  string
	Officers   []*citdesk.Officer
	Summary    *citdesk.RosterSummary
	Notice     string
	AddForm    officerFormView
}

func (s *rosterPages) rosterPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderRoster(w, r, http.StatusOK, newFormState())
}

// renderRoster shows the roster with the filters in the URL and add, the
// state of the add-an-officer form.
func (s *rosterPages) renderRoster(w http.ResponseWriter, r *http.Request, status int, add formState) error {
	q := r.URL.Query()
	if _, ok := q["active"]; !ok {
		q.Set("active", "true") // first visit: the active roster
	}
	v := rosterView{Query: q.Get("q"), Notice: noticeText(q.Get("notice")),
		AddForm: newOfficerForm("/roster/officers", "Add to roster", "add", true, add)}
	v.CITOptions = []selectOption{{Value: "", Label: "Any"}}
	for _, st := range []citdesk.CITStatus{citdesk.CITCertified, citdesk.CITExpiring, citdesk.CITLapsed, citdesk.CITNotTrained} {
		v.CITOptions = append(v.CITOptions, selectOption{Value: string(st), Label: st.Label(), Selected: q.Get("cit_status") == string(st)})
	}
	v.Active = []selectOption{
		{Value: "true", Label: "Active", Selected: q.Get("active") == "true"},
		{Value: "false", Label: "Inactive", Selected: q.Get("active") == "false"},
		{Value: "", Label: "All", Selected: q.Get("active") == ""},
	}
	f, err := web.OfficerFilter(q)
	if err != nil {
		v.FilterErr = citdesk.ErrorMessage(err)
		status = web.StatusFor(citdesk.ErrorCode(err))
		f = citdesk.OfficerFilter{}
	}
	if v.Officers, err = s.Svc.Officers.ListOfficers(r.Context(), f); err != nil {
		return err
	}
	if v.Summary, err = s.Svc.Officers.RosterSummary(r.Context()); err != nil {
		return err
	}
	s.render(w, r, status, "roster", "Roster", v)
	return nil
}

func (s *rosterPages) createOfficerPage(w http.ResponseWriter, r *http.Request) error {
	form := newFormState()
	o := &citdesk.Officer{Active: true}
	officerFromForm(r, o, &form)
	if err := s.Svc.Officers.CreateOfficer(r.Context(), o); err != nil {
		status, err := form.fail(err, officerFields...)
		if err != nil {
			return err
		}
		return s.renderRoster(w, r, status, form)
	}
	http.Redirect(w, r, fmt.Sprintf("/roster/officers/%d?notice=created", o.ID), http.StatusSeeOther)
	return nil
}

// officerPageView is the data of one officer's roster page.
type officerPageView struct {
	Officer  *citdesk.Officer
	Training []*citdesk.TrainingRecord
	History  []*citdesk.StatusChange
	Loc      *time.Location
	Notice   string
	Edit     officerFormView
	Add      formState
	Kinds    []selectOption
	Today    string
}

func (s *rosterPages) officerPage(w http.ResponseWriter, r *http.Request) error {
	o, err := s.rosterOfficer(r)
	if err != nil {
		return err
	}
	add := newFormState()
	add.Values["kind"] = string(citdesk.CourseCITInService)
	return s.renderOfficer(w, r, http.StatusOK, o, officerFormValues(o), add)
}

// rosterOfficer returns officer {id} for the roster pages, which only
// officerRosterRoles may open.
func (s *rosterPages) rosterOfficer(r *http.Request) (*citdesk.Officer, error) {
	if _, err := citdesk.Require(r.Context(), citdesk.ManageRoster); err != nil {
		return nil, err
	}
	id, err := web.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.Svc.Officers.FindOfficerByID(r.Context(), id)
}

// renderOfficer shows officer o's page with the edit and add-training forms
// in the given states.
func (s *rosterPages) renderOfficer(w http.ResponseWriter, r *http.Request, status int, o *citdesk.Officer, edit, add formState) error {
	ctx := r.Context()
	agency, err := s.Svc.Agencies.FindAgencyByID(ctx, o.AgencyID)
	if err != nil {
		return err
	}
	v := officerPageView{Officer: o, Loc: agency.Location(), Add: add, Notice: noticeText(r.URL.Query().Get("notice")),
		Edit: newOfficerForm(fmt.Sprintf("/roster/officers/%d", o.ID), "Save roster details", "edit", false, edit)}
	sups, err := s.Svc.Users.ListSupervisors(ctx)
	if err != nil {
		return err
	}
	chosen := edit.Values["supervisor_user_id"]
	v.Edit.Supervisors = []selectOption{{Value: "", Label: "None (coordinators review the reports)", Selected: chosen == ""}}
	for _, u := range sups {
		id := strconv.FormatInt(u.ID, 10)
		v.Edit.Supervisors = append(v.Edit.Supervisors, selectOption{Value: id, Label: cmp.Or(u.DisplayName, u.Username), Selected: chosen == id})
	}
	v.Today = citdesk.DateOf(s.Now(), v.Loc).String()
	if v.Training, err = s.Svc.Officers.ListTraining(ctx, o.ID); err != nil {
		return err
	}
	now := s.Now()
	if v.History, err = s.Svc.Officers.StatusHistory(ctx, o.ID, now.Add(-7*24*time.Hour), now.Add(time.Second)); err != nil {
		return err
	}
	// Newest first reads better in a short list.
	for i, j := 0, len(v.History)-1; i < j; i, j = i+1, j-1 {
		v.History[i], v.History[j] = v.History[j], v.History[i]
	}
	for _, k := range []struct {
		kind  citdesk.CourseKind
		label string
	}{
		{citdesk.CourseCITInService, "CIT in-service (refresher hours)"},
		{citdesk.CourseCITBasic, "CIT basic course (40 hours)"},
		{citdesk.CourseMHAwareness, "Mental-health awareness course"},
		{citdesk.CourseOther, "Other training"},
	} {
		v.Kinds = append(v.Kinds, selectOption{Value: string(k.kind), Label: k.label, Selected: add.Values["kind"] == string(k.kind)})
	}
	s.render(w, r, status, "roster_officer", o.Name(), v)
	return nil
}

func (s *rosterPages) updateOfficerPage(w http.ResponseWriter, r *http.Request) error {
	o, err := s.rosterOfficer(r)
	if err != nil {
		return err
	}
	edit := newFormState()
	edit.Values["version"] = r.PostFormValue("version")
	if r.PostFormValue("active") != "" {
		edit.Values["active"] = "on"
	}
	changed := *o
	officerFromForm(r, &changed, &edit)
	changed.Active = edit.Values["active"] != ""
	edit.Values["supervisor_user_id"] = r.PostFormValue("supervisor_user_id")
	changed.SupervisorUserID = nil
	var serr error
	if v := edit.Values["supervisor_user_id"]; v != "" {
		if id, err := strconv.ParseInt(v, 10, 64); err != nil {
			serr = citdesk.FieldErrorf("supervisor_user_id", "Choose a supervisor from the list.")
		} else {
			changed.SupervisorUserID = &id
		}
	}
	version, perr := strconv.ParseInt(edit.Values["version"], 10, 64)
	switch {
	case serr != nil:
		err = serr
	case perr != nil:
		err = citdesk.Errorf(citdesk.EINVALID, "The form is missing the record's version; reload the page and try again.")
	case version != o.Version:
		err = citdesk.Errorf(citdesk.EPRECONDITION, "Someone else changed this officer since you opened the page; reload it to see their changes, then make yours again.")
	default:
		err = s.Svc.Officers.UpdateOfficer(r.Context(), &changed)
	}
	if err != nil {
		status, err := edit.fail(err, append(slices.Clone(officerFields), "supervisor_user_id")...)
		if err != nil {
			return err
		}
		add := newFormState()
		add.Values["kind"] = string(citdesk.CourseCITInService)
		return s.renderOfficer(w, r, status, o, edit, add)
	}
	http.Redirect(w, r, fmt.Sprintf("/roster/officers/%d?notice=saved", o.ID), http.StatusSeeOther)
	return nil
}

// trainingFields are the fields of the add-training form.
var trainingFields = []string{"kind", "title", "completed", "hours", "provider", "certificate"}

func (s *rosterPages) addTrainingPage(w http.ResponseWriter, r *http.Request) error {
	o, err := s.rosterOfficer(r)
	if err != nil {
		return err
	}
	add := newFormState()
	for _, name := range trainingFields {
		add.Values[name] = strings.TrimSpace(r.PostFormValue(name))
	}
	req := web.TrainingRequest{Kind: add.Values["kind"], Title: add.Values["title"], Completed: add.Values["completed"],
		Provider: add.Values["provider"], Certificate: add.Values["certificate"]}
	err = s.addTrainingFromForm(r, o.ID, req, add.Values["hours"])
	if err != nil {
		status, err := add.fail(err, trainingFields...)
		if err != nil {
			return err
		}
		return s.renderOfficer(w, r, status, o, officerFormValues(o), add)
	}
	http.Redirect(w, r, fmt.Sprintf("/roster/officers/%d?notice=training#training", o.ID), http.StatusSeeOther)
	return nil
}

// addTrainingFromForm records the training of the add-training form,
// whose hours arrive as text.
func (s *rosterPages) addTrainingFromForm(r *http.Request, officerID int64, req web.TrainingRequest, hoursText string) error {
	h, err := strconv.ParseFloat(hoursText, 64)
	if err != nil {
		return citdesk.FieldErrorf("hours", "Hours must be a number, such as 8 or 2.5.")
	}
	req.Hours = h
	rec, err := req.Record(officerID)
	if err != nil {
		return err
	}
	return s.Svc.Officers.AddTraining(r.Context(), rec)
}

// heatCell is one cell of the coverage heat map: its text, its shade
// (a class per 10% band) and a longer description for a tooltip.
type heatCell struct {
	Text, Class, Title string
}

// heatRow is one weekday of the heat map.
type heatRow struct {
	Day   string
	Cells []heatCell
}

// coverageView is the data of the coverage page.
type coverageView struct {
	From, To string
	Form     formState
	Sentence string
	Hours    []string
	Rows     []heatRow
	Shown    bool
}

// heatClass returns the shading class of a share: heat-0 for under 10%
// up to heat-10 for 100%.
func heatClass(share float64) string {
	band := int(share * 10)
	return fmt.Sprintf("heat-%d", max(0, min(band, 10)))
}

func (s *rosterPages) coveragePage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := coverageView{Form: newFormState()}
	for h := range 24 {
		v.Hours = append(v.Hours, fmt.Sprintf("%02d", h))
	}
	status := http.StatusOK
	rep, err := s.Coverage(r.Context(), q.Get("from"), q.Get("to"))
	if err != nil {
		v.From, v.To = q.Get("from"), q.Get("to")
		if status, err = v.Form.fail(err, "from", "to"); err != nil {
			return err
		}
		s.render(w, r, status, "roster_coverage", "CIT coverage", v)
		return nil
	}
	v.From, v.To, v.Sentence, v.Shown = rep.From.String(), rep.To.String(), rep.Sentence(), true
	for d := range 7 {
		row := heatRow{Day: time.Weekday(d).String()}
		for h := range 24 {
			c := rep.Cov.Cells[d][h]
			cell := heatCell{Text: "–", Class: "heat-none", Title: fmt.Sprintf("%s %02d:00: no such hour in the range", row.Day, h)}
			if c.Total > 0 {
				cell = heatCell{Text: citdesk.SharePercent(c.Share()), Class: heatClass(c.Share()),
					Title: fmt.Sprintf("%s %02d:00–%02d:00: a CIT officer on duty %s of %s hours", row.Day, h, (h+1)%24, citdesk.WholeHours(c.Covered), citdesk.WholeHours(c.Total))}
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Rows = append(v.Rows, row)
	}
	s.render(w, r, status, "roster_coverage", "CIT coverage", v)
	return nil
}

// importView is the data of the roster import page.
type importView struct {
	Result *importer.RosterResult
	Error  string
	File   string
}

func (s *rosterPages) importPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "roster_import", "Import roster", importView{})
	return nil
}

func (s *rosterPages) importRosterPage(w http.ResponseWriter, r *http.Request) error {
	fail := func(err error) error {
		if code := citdesk.ErrorCode(err); code == citdesk.EINTERNAL {
			return err
		}
		s.render(w, r, web.StatusFor(citdesk.ErrorCode(err)), "roster_import", "Import roster", importView{Error: citdesk.ErrorMessage(err)})
		return nil
	}
	if err := r.ParseMultipartForm(s.Cfg.MaxBody); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(citdesk.Errorf(citdesk.ETOOLARGE, "The file is larger than %d bytes; split the roster into smaller files.", tooBig.Limit))
		}
		if errors.Is(err, http.ErrNotMultipart) || errors.Is(err, http.ErrMissingBoundary) {
			return fail(citdesk.FieldErrorf("file", "Choose a roster CSV file to upload."))
		}
		return fail(citdesk.FieldErrorf("file", "The upload could not be read; choose the CSV file and send the form again."))
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		return fail(citdesk.FieldErrorf("file", "Choose a roster CSV file to upload."))
	}
	defer file.Close()
	res, err := importer.ImportRoster(r.Context(), s.Svc.Officers, file)
	if err != nil {
		return fail(err)
	}
	s.render(w, r, http.StatusOK, "roster_import", "Import roster", importView{Result: &res, File: header.Filename})
	return nil
}
