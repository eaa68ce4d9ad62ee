package ui

import (
	"math"
	"net/http"
	"strings"

	"citdesk"
)

// Who may do what with officers. The store enforces the rules on changes
// (roster and training: coordinator or admin; status: the officer or a
// dispatcher) and on training records; these add the read rules of the API
// and pages.
var (

	// officerRosterRoles manage the roster, training and imports.
	officerRosterRoles = []citdesk.Role{citdesk.RoleCoordinator, citdesk.RoleAdmin}
	// officerMeasureRoles see agency-wide figures: coverage and the roster summary.
	officerMeasureRoles = []citdesk.Role{citdesk.RoleCoordinator, citdesk.RoleAdmin, citdesk.RoleAnalyst}
)

// requireAnyRole returns the signed-in actor when it holds any of roles.
func requireAnyRole(r *http.Request, roles ...citdesk.Role) (*citdesk.Actor, error) {
	return citdesk.RequireRole(r.Context(), roles...)
}

// parseBoolParam reads a yes/no query parameter; "" is unset.
func parseBoolParam(field, v string) (*bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return nil, nil
	case "true", "yes", "1":
		b := true
		return &b, nil
	case "false", "no", "0":
		b := false
		return &b, nil
	}
	return nil, citdesk.FieldErrorf(field, "%s must be true or false.", field)
}

// officerFilter reads the roster filters shared by the API and the roster
// page: active, cit_status, on_duty and q.
func officerFilter(q map[string][]string) (citdesk.OfficerFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var f citdesk.OfficerFilter
	var err error
	if f.Active, err = parseBoolParam("active", get("active")); err != nil {
		return f, err
	}
	if v := get("cit_status"); v != "" {
		f.CITStatus = citdesk.CITStatus(v)
		if !f.CITStatus.Valid() {
			return f, citdesk.FieldErrorf("cit_status", "cit_status must be one of certified, expiring, lapsed, not_trained.")
		}
	}
	onDuty, err := parseBoolParam("on_duty", get("on_duty"))
	if err != nil {
		return f, err
	}
	f.OnDuty = onDuty != nil && *onDuty
	f.Query = strings.TrimSpace(get("q"))
	if len(f.Query) > 100 {
		return f, citdesk.FieldErrorf("q", "The search text must be at most 100 characters.")
	}
	return f, nil
}

// trainingRequest is the body of POST /officers/{id}/training.
type trainingRequest struct {
	Kind        string  `json:"kind"`
	Title       string  `json:"title"`
	Completed   string  `json:"completed"`
	Hours       float64 `json:"hours"`
	Provider    string  `json:"provider"`
	Certificate string  `json:"certificate"`
}

// record checks the parts of req that the domain's Validate cannot (the
// date's format) and returns the record for officer id.
func (req trainingRequest) record(officerID int64) (*citdesk.TrainingRecord, error) {
	rec := &citdesk.TrainingRecord{OfficerID: officerID, Kind: citdesk.CourseKind(strings.TrimSpace(req.Kind)),
		Title: strings.TrimSpace(req.Title), Hours: req.Hours, Provider: strings.TrimSpace(req.Provider), Certificate: strings.TrimSpace(req.Certificate)}
	if !rec.Kind.Valid() {
		return nil, citdesk.FieldErrorf("kind", "Kind must be one of cit_basic, mh_awareness, cit_inservice, other.")
	}
	if strings.TrimSpace(req.Completed) == "" {
		return nil, citdesk.FieldErrorf("completed", "Completion date is required (YYYY-MM-DD).")
	}
	d, err := citdesk.ParseDate(strings.TrimSpace(req.Completed))
	if err != nil {
		return nil, citdesk.FieldErrorf("completed", "Completion date must be a date written YYYY-MM-DD.")
	}
	rec.Completed = d
	if math.IsNaN(req.Hours) || math.IsInf(req.Hours, 0) {
		return nil, citdesk.FieldErrorf("hours", "Hours must be a number.")
	}
	return rec, nil
}
