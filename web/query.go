// Query parameters that the API and the pages read alike.

package web

import (
	"context"
	"math"
	"net/url"
	"strconv"
	"strings"

	"citdesk"
)

// ParseBoolParam reads a yes/no query parameter; "" is unset.
func ParseBoolParam(field, v string) (*bool, error) {
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

// OfficerFilter reads the roster filters shared by the API and the roster
// page: active, cit_status, on_duty and q.
func OfficerFilter(q map[string][]string) (citdesk.OfficerFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var f citdesk.OfficerFilter
	var err error
	if f.Active, err = ParseBoolParam("active", get("active")); err != nil {
		return f, err
	}
	if v := get("cit_status"); v != "" {
		f.CITStatus = citdesk.CITStatus(v)
		if !f.CITStatus.Valid() {
			return f, citdesk.FieldErrorf("cit_status", "cit_status must be one of certified, expiring, lapsed, not_trained.")
		}
	}
	onDuty, err := ParseBoolParam("on_duty", get("on_duty"))
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

// RepeatFilter reads min and days from the query; what the query leaves
// out is zero, for the agency's policy to fill.
func RepeatFilter(q url.Values) (citdesk.RepeatContactFilter, error) {
	var f citdesk.RepeatContactFilter
	for name, dst := range map[string]*int{"min": &f.MinEncounters, "days": &f.WindowDays} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return f, citdesk.FieldErrorf(name, "%s must be a whole number.", name)
			}
			if n <= 0 {
				return f, citdesk.FieldErrorf(name, "%s must be at least 1.", name)
			}
			*dst = n
		}
	}
	return f, nil
}

// RepeatContactFilter reads the thresholds of q, fills those it leaves
// out from the agency's policy p and checks them: the API and the page
// read a request the same way.
func RepeatContactFilter(q url.Values, p citdesk.Policy) (citdesk.RepeatContactFilter, error) {
	f, err := RepeatFilter(q)
	if err != nil {
		return f, err
	}
	if f.MinEncounters == 0 {
		f.MinEncounters = p.RepeatContactMin
	}
	if f.WindowDays == 0 {
		f.WindowDays = p.RepeatContactDays
	}
	return f, f.Normalize()
}

// TrainingRequest is the body of POST /officers/{id}/training.
type TrainingRequest struct {
	Kind        string  `json:"kind"`
	Title       string  `json:"title"`
	Completed   string  `json:"completed"`
	Hours       float64 `json:"hours"`
	Provider    string  `json:"provider"`
	Certificate string  `json:"certificate"`
}

// Record checks the parts of req that the domain's Validate cannot (the
// date's format) and returns the Record for officer id.
func (req TrainingRequest) Record(officerID int64) (*citdesk.TrainingRecord, error) {
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

// Coverage reads the CIT coverage for the dates of a request (YYYY-MM-DD,
// inclusive; blank for the last four weeks), in one read.
func (c *Core) Coverage(ctx context.Context, fromStr, toStr string) (*citdesk.CoverageReport, error) {
	from, to, err := citdesk.ParseCoverageDates(fromStr, toStr)
	if err != nil {
		return nil, err
	}
	return c.Svc.Officers.Coverage(ctx, from, to)
}
