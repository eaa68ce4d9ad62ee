package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"citdesk"
	"citdesk/web"
)

// officerJSON is an officer as the API sends it: the stored fields, the
// derived CIT standing under "cit" and, as the issue asks, its status as
// the top-level field "cit_status".
type officerJSON struct {
	*citdesk.Officer
	CITStatus citdesk.CITStatus `json:"cit_status"`
}

func newOfficerJSON(o *citdesk.Officer) officerJSON {
	j := officerJSON{Officer: o}
	if o.CIT != nil {
		j.CITStatus = o.CIT.Status
	}
	return j
}

func (s *officerAPI) listOfficersAPI(w http.ResponseWriter, r *http.Request) error {
	f, err := web.OfficerFilter(r.URL.Query())
	if err != nil {
		return err
	}
	list, err := s.Svc.Officers.ListOfficers(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]officerJSON, 0, len(list))
	for _, o := range list {
		out = append(out, newOfficerJSON(o))
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"officers": out})
	return nil
}

// officerRequest is the body of POST /officers; PATCH takes the same
// fields, each optional.
type officerRequest struct {
	Badge     *string `json:"badge"`
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	Rank      *string `json:"rank"`
	CallSign  *string `json:"call_sign"`
	Shift     *string `json:"shift"`
	Phone     *string `json:"phone"`
	Active    *bool   `json:"active"`
	// SupervisorUserID: absent keeps the supervisor, null clears it.
	SupervisorUserID optionalID `json:"supervisor_user_id"`
}

// optionalID is the officer's supervisor_user_id in a PATCH: left out
// (Set false), null (Set, Value nil) or a user id; its error names that
// field.
type optionalID struct {
	Set   bool
	Value *int64
}

// UnmarshalJSON implements json.Unmarshaler; encoding/json calls it for
// null too, which is how null differs from a field left out.
func (o *optionalID) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	var v int64
	if err := json.Unmarshal(b, &v); err != nil {
		return citdesk.FieldErrorf("supervisor_user_id", "Field \"supervisor_user_id\" must be a user id or null.")
	}
	o.Value = &v
	return nil
}

// apply copies the fields present in req onto o.
func (req officerRequest) apply(o *citdesk.Officer) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&o.Badge, req.Badge)
	set(&o.FirstName, req.FirstName)
	set(&o.LastName, req.LastName)
	set(&o.Rank, req.Rank)
	set(&o.CallSign, req.CallSign)
	set(&o.Shift, req.Shift)
	set(&o.Phone, req.Phone)
	if req.Active != nil {
		o.Active = *req.Active
	}
	if req.SupervisorUserID.Set {
		o.SupervisorUserID = req.SupervisorUserID.Value
	}
}

func (s *officerAPI) createOfficerAPI(w http.ResponseWriter, r *http.Request) error {
	var req officerRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	o := &citdesk.Officer{Active: true}
	req.apply(o)
	if err := s.Svc.Officers.CreateOfficer(r.Context(), o); err != nil {
		return err
	}
	saved, err := s.Svc.Officers.FindOfficerByID(r.Context(), o.ID)
	if err != nil {
		return err
	}
	writeCreated(w, fmt.Sprintf("/api/v1/officers/%d", saved.ID), saved.Version, newOfficerJSON(saved))
	return nil
}

// findVisibleOfficer returns officer {id} when the actor may see it: any
// officer for officerViewRoles, otherwise only the actor's own.
func (s *officerAPI) findVisibleOfficer(r *http.Request) (*citdesk.Officer, error) {
	id, err := web.PathID(r, "id")
	if err != nil {
		return nil, err
	}
	a := web.SignedIn(r)
	if !a.HasRole(citdesk.OfficerViewRoles...) && !a.IsOfficer(id) {
		return nil, citdesk.Errorf(citdesk.EFORBIDDEN, "You may only see your own officer record.")
	}
	return s.Svc.Officers.FindOfficerByID(r.Context(), id)
}

func (s *officerAPI) getOfficerAPI(w http.ResponseWriter, r *http.Request) error {
	o, err := s.findVisibleOfficer(r)
	if err != nil {
		return err
	}
	writeVersioned(w, o.Version, newOfficerJSON(o))
	return nil
}

// ifMatchVersion reads the officer version from If-Match ("3" or W/"3").
func ifMatchVersion(r *http.Request) (int64, error) {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" {
		return 0, errPreconditionRequired
	}
	n, ok := etagVersion(v)
	if !ok {
		return 0, citdesk.Errorf(citdesk.EPRECONDITION, "If-Match must be the officer's ETag, such as \"3\".")
	}
	return n, nil
}

// errPreconditionRequired is answered with 428: a change to an officer must
// say which version it changes, so one coordinator cannot silently undo
// another's edit.
var errPreconditionRequired = citdesk.Errorf(citdesk.EPRECONDITION, "Send If-Match with the officer's ETag from GET /api/v1/officers/{id}.")

// writePreconditionRequired answers 428 with err's message: 428 has no
// error code of its own, so it is written here directly.
func writePreconditionRequired(w http.ResponseWriter, err error) {
	web.WriteProblem(w, web.Problem{Type: "https://citdesk.invalid/problems/precondition_required", Title: http.StatusText(http.StatusPreconditionRequired),
		Status: http.StatusPreconditionRequired, Detail: citdesk.ErrorMessage(err), Code: citdesk.EPRECONDITION})
}

func (s *officerAPI) patchOfficerAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatchVersion(r)
	if err == errPreconditionRequired {
		writePreconditionRequired(w, err)
		return nil
	} else if err != nil {
		return err
	}
	var req officerRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	o, err := s.Svc.Officers.FindOfficerByID(r.Context(), id)
	if err != nil {
		return err
	}
	if o.Version != version {
		return citdesk.Errorf(citdesk.EPRECONDITION, "Someone else changed this officer since you loaded it (version %d, now %d); reload and try again.", version, o.Version)
	}
	req.apply(o)
	if err := s.Svc.Officers.UpdateOfficer(r.Context(), o); err != nil {
		return err
	}
	saved, err := s.Svc.Officers.FindOfficerByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeVersioned(w, saved.Version, newOfficerJSON(saved))
	return nil
}

func (s *officerAPI) listTrainingAPI(w http.ResponseWriter, r *http.Request) error {
	o, err := s.findVisibleOfficer(r)
	if err != nil {
		return err
	}
	records, err := s.Svc.Officers.ListTraining(r.Context(), o.ID)
	if err != nil {
		return err
	}
	if records == nil {
		records = []*citdesk.TrainingRecord{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"officer_id": o.ID, "cit": o.CIT, "cit_status": o.CIT.Status, "training": records})
	return nil
}

func (s *officerAPI) addTrainingAPI(w http.ResponseWriter, r *http.Request) error {
	var req web.TrainingRequest
	id, err := decodeWithID(r, &req)
	if err != nil {
		return err
	}
	rec, err := req.Record(id)
	if err != nil {
		return err
	}
	if err := s.Svc.Officers.AddTraining(r.Context(), rec); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, rec)
	return nil
}

// statusRequest is the body of PUT /officers/{id}/status.
type statusRequest struct {
	Status string   `json:"status"`
	Lat    *float64 `json:"lat"`
	Lon    *float64 `json:"lon"`
}

func (s *officerAPI) setStatusAPI(w http.ResponseWriter, r *http.Request) error {
	var req statusRequest
	id, err := decodeWithID(r, &req)
	if err != nil {
		return err
	}
	if req.Status == "" {
		return citdesk.FieldErrorf("status", "Status is required: one of off_duty, available, busy, dispatched, en_route, on_scene.")
	}
	c := &citdesk.StatusChange{OfficerID: id, Status: citdesk.DutyStatus(req.Status), Lat: req.Lat, Lon: req.Lon}
	if err := s.Svc.Officers.SetStatus(r.Context(), c); err != nil {
		return err
	}
	o, err := s.Svc.Officers.FindOfficerByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeVersioned(w, o.Version, newOfficerJSON(o))
	return nil
}

// parseInstant reads a from/to parameter: an RFC 3339 time, or a date
// meaning its midnight in loc.
func parseInstant(field, v string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	if d, err := citdesk.ParseDate(v); err == nil {
		return d.Time(loc).UTC(), nil
	}
	return time.Time{}, citdesk.FieldErrorf(field, "%s must be a date (YYYY-MM-DD) or an RFC 3339 time.", field)
}

// maxHistoryRange bounds one status-history request.
const maxHistoryRange = 366 * 24 * time.Hour

func (s *officerAPI) statusHistoryAPI(w http.ResponseWriter, r *http.Request) error {
	o, err := s.findVisibleOfficer(r)
	if err != nil {
		return err
	}
	agency, err := s.Svc.Agencies.FindAgencyByID(r.Context(), o.AgencyID)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	// By default up to the next whole second, so a change made just now is in.
	to := s.Now().Truncate(time.Second).Add(time.Second)
	if v := q.Get("to"); v != "" {
		if to, err = parseInstant("to", v, agency.Location()); err != nil {
			return err
		}
	}
	from := to.Add(-7 * 24 * time.Hour)
	if v := q.Get("from"); v != "" {
		if from, err = parseInstant("from", v, agency.Location()); err != nil {
			return err
		}
	}
	switch {
	case from.After(to):
		return citdesk.FieldErrorf("from", "from must not be after to.")
	case to.Sub(from) > maxHistoryRange:
		return citdesk.FieldErrorf("from", "Ask for at most 366 days at a time.")
	}
	changes, err := s.Svc.Officers.StatusHistory(r.Context(), o.ID, from, to)
	if err != nil {
		return err
	}
	if changes == nil {
		changes = []*citdesk.StatusChange{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"officer_id": o.ID, "from": from, "to": to, "changes": changes})
	return nil
}

// coverageCellJSON is one hour-of-week cell of the coverage heat map.
type coverageCellJSON struct {
	CoveredHours float64  `json:"covered_hours"`
	TotalHours   float64  `json:"total_hours"`
	Share        *float64 `json:"share"` // null when the range holds none of this hour
}

// coverageJSON is the body of GET /coverage.
type coverageJSON struct {
	From         string                  `json:"from"`
	To           string                  `json:"to"`
	TimeZone     string                  `json:"timezone"`
	Start        time.Time               `json:"start"`
	End          time.Time               `json:"end"`
	Share        *float64                `json:"share"`
	CoveredHours float64                 `json:"covered_hours"`
	TotalHours   float64                 `json:"total_hours"`
	Weekdays     []string                `json:"weekdays"`
	Cells        [7][24]coverageCellJSON `json:"cells"`
	Sentence     string                  `json:"sentence"`
}

func (s *officerAPI) coverageAPI(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.Coverage(r.Context(), r.URL.Query().Get("from"), r.URL.Query().Get("to"))
	if err != nil {
		return err
	}
	out := coverageJSON{From: rep.From.String(), To: rep.To.String(), TimeZone: rep.Loc.String(), Start: rep.Cov.From, End: rep.Cov.To,
		CoveredHours: rep.Cov.Covered.Hours(), TotalHours: rep.Cov.Total.Hours(), Sentence: rep.Sentence()}
	if rep.Cov.Total > 0 {
		v := rep.Cov.Share()
		out.Share = &v
	}
	for d := range 7 {
		out.Weekdays = append(out.Weekdays, time.Weekday(d).String())
		for h := range 24 {
			c := rep.Cov.Cells[d][h]
			cell := coverageCellJSON{CoveredHours: c.Covered.Hours(), TotalHours: c.Total.Hours()}
			if c.Total > 0 {
				v := c.Share()
				cell.Share = &v
			}
			out.Cells[d][h] = cell
		}
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *officerAPI) rosterSummaryAPI(w http.ResponseWriter, r *http.Request) error {
	sum, err := s.Svc.Officers.RosterSummary(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, sum)
	return nil
}
