// Outcome figures as the API and the dashboard pages both serve them: the
// period and drill-down of a request, and the CSV downloads.

package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"citdesk"
	"citdesk/outcomes"
)

// OutcomeRange reads the optional from and to (YYYY-MM-DD) of a request.
func OutcomeRange(q url.Values) (from, to citdesk.Date, err error) {
	if v := strings.TrimSpace(q.Get("from")); v != "" {
		if from, err = citdesk.ParseDate(v); err != nil {
			return from, to, citdesk.FieldErrorf("from", "The start date must be written YYYY-MM-DD.")
		}
	}
	if v := strings.TrimSpace(q.Get("to")); v != "" {
		if to, err = citdesk.ParseDate(v); err != nil {
			return from, to, citdesk.FieldErrorf("to", "The end date must be written YYYY-MM-DD.")
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return from, to, citdesk.FieldErrorf("to", "The end date must be on or after the start date.")
	}
	return from, to, nil
}

// MonthPattern is a month written YYYY-MM.
var MonthPattern = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// DrillQuery reads a drill-down request's measure, group and month.
func DrillQuery(q url.Values) (measure, group, month string, err error) {
	measure, group, month = q.Get("measure"), q.Get("group"), q.Get("month")
	switch {
	case measure == "":
		err = citdesk.FieldErrorf("measure", "Say which measure: measure=%s.", strings.Join(outcomes.DrillableIDs(), "|"))
	case group != outcomes.GroupAll && group != outcomes.GroupCIT && group != outcomes.GroupNonCIT:
		err = citdesk.FieldErrorf("group", "group must be cit or non_cit, or left out for all.")
	case month != "" && !MonthPattern.MatchString(month):
		err = citdesk.FieldErrorf("month", "The month must be written YYYY-MM.")
	}
	return measure, group, month, err
}

// DrillResponse is the drill-down's JSON.
type DrillResponse struct {
	Measure     string              `json:"measure"`
	Group       string              `json:"group"`
	Month       string              `json:"month"`
	From        citdesk.Date        `json:"from"`
	To          citdesk.Date        `json:"to"`
	Count       int                 `json:"count"`
	Denominator int                 `json:"denominator"`
	Encounters  []outcomes.DrillRow `json:"encounters"`
	// Truncated says Encounters holds only the first maxDrillRows; the CSV
	// has them all.
	Truncated bool `json:"truncated"`
}

// maxDrillRows bounds the encounters a drill-down lists in JSON or on the
// page; count and denominator are always whole.
const maxDrillRows = 5000

// Drill lists the encounters behind one figure of the outcome report.
func (c *Core) Drill(r *http.Request) (*DrillResponse, error) {
	q := r.URL.Query()
	from, to, err := OutcomeRange(q)
	if err != nil {
		return nil, err
	}
	measure, group, month, err := DrillQuery(q)
	if err != nil {
		return nil, err
	}
	rows, err := c.Svc.Outcomes.Behind(r.Context(), from, to, measure, group, month)
	if err != nil {
		return nil, err
	}
	d := &DrillResponse{Measure: measure, Group: group, Month: month, From: from, To: to, Denominator: len(rows), Encounters: rows}
	for _, row := range rows {
		if row.Counted {
			d.Count++
		}
	}
	return d, nil
}

// Truncate keeps the first maxDrillRows encounters.
func (d *DrillResponse) Truncate() {
	if len(d.Encounters) > maxDrillRows {
		d.Encounters, d.Truncated = d.Encounters[:maxDrillRows], true
	}
}

// StartCSV sets the headers of a CSV download and returns its writer.
func StartCSV(w http.ResponseWriter, filename string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Cache-Control", "no-store")
	return csv.NewWriter(w)
}

// csvFloat writes a rate or statistic, "" when undefined.
func csvFloat(f outcomes.Float) string {
	if !f.Defined() {
		return ""
	}
	return strconv.FormatFloat(float64(f), 'f', -1, 64)
}

// WriteOutcomesCSV writes one table of the report as CSV: table=measures
// (the default; measure=ID for one), durations, means or no_cit_reasons.
// Every table is long ("tidy"): one row per measure, period and group.
func (c *Core) WriteOutcomesCSV(w http.ResponseWriter, r *http.Request, from, to citdesk.Date) error {
	q := r.URL.Query()
	table, only := q.Get("table"), q.Get("measure")
	if table == "" {
		table = "measures"
	}
	if !slices.Contains([]string{"measures", "durations", "means", "no_cit_reasons"}, table) {
		return citdesk.FieldErrorf("table", "table must be measures, durations, means or no_cit_reasons.")
	}
	if only != "" && !slices.Contains(outcomes.MeasureIDs(), only) {
		return citdesk.FieldErrorf("measure", "No measure %q.", only)
	}
	d, err := c.Svc.Outcomes.Dashboard(r.Context(), from, to)
	if err != nil {
		return err
	}
	rep := d.Report
	name := "outcomes-" + table
	if only != "" {
		name += "-" + only
	}
	if !from.IsZero() || !to.IsZero() {
		name += "-" + from.String() + "-" + to.String()
	}
	cw := StartCSV(w, strings.ReplaceAll(name, "--", "-")+".csv")
	switch table {
	case "measures":
		cw.Write([]string{"measure", "label", "unit", "period", "group", "count", "denominator", "rate", "ci_low", "ci_high"})
		for _, id := range outcomes.MeasureIDs() {
			if only != "" && id != only {
				continue
			}
			m := rep.Measures[id]
			row := func(period, group string, c outcomes.Cell) {
				cw.Write([]string{id, m.Label, string(m.Unit), period, group, strconv.Itoa(c.Count), strconv.Itoa(c.Denominator), csvFloat(c.Rate), csvFloat(c.CILow), csvFloat(c.CIHigh)})
			}
			row("total", "all", m.Cell)
			if m.CIT != nil {
				row("total", "cit", *m.CIT)
				row("total", "non_cit", *m.NonCIT)
			}
			split := d.Split[id]
			for i, pc := range m.ByMonth {
				row(pc.Period, "all", pc.Cell)
				if i < len(split.CIT) && split.CIT[i].Period == pc.Period {
					row(pc.Period, "cit", split.CIT[i].Cell)
					row(pc.Period, "non_cit", split.NonCIT[i].Cell)
				}
			}
		}
	case "durations":
		cw.Write([]string{"measure", "label", "period", "group", "count", "median_seconds", "p90_seconds", "invalid"})
		for _, id := range outcomes.DurationIDs() {
			du := rep.Durations[id]
			row := func(period, group string, st outcomes.DurationStats, invalid string) {
				cw.Write([]string{id, du.Label, period, group, strconv.Itoa(st.Count), csvFloat(st.MedianSeconds), csvFloat(st.P90Seconds), invalid})
			}
			row("total", "all", du.DurationStats, strconv.Itoa(du.Invalid))
			if du.CIT != nil {
				row("total", "cit", *du.CIT, "")
				row("total", "non_cit", *du.NonCIT, "")
			}
			for _, pc := range du.ByMonth {
				row(pc.Period, "all", pc.DurationStats, "")
			}
		}
	case "means":
		cw.Write([]string{"question", "label", "group", "answers", "mean"})
		for _, id := range outcomes.MeanIDs() {
			mn := rep.Means[id]
			cw.Write([]string{id, mn.Label, "all", strconv.Itoa(mn.Count), csvFloat(mn.Mean)})
			if mn.CIT != nil {
				cw.Write([]string{id, mn.Label, "cit", strconv.Itoa(mn.CIT.Count), csvFloat(mn.CIT.Mean)})
				cw.Write([]string{id, mn.Label, "non_cit", strconv.Itoa(mn.NonCIT.Count), csvFloat(mn.NonCIT.Mean)})
			}
		}
	case "no_cit_reasons":
		cw.Write([]string{"reason", "calls"})
		for _, rc := range rep.NoCITReasons {
			cw.Write([]string{rc.Reason, strconv.Itoa(rc.Count)})
		}
	}
	cw.Flush()
	return cw.Error()
}
