package ui

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"citdesk"
	"citdesk/outcomes"
	"citdesk/web"
)

// The outcome dashboard for command staff, analysts and the coordinator,
// the drill-down to the encounters behind a figure (coordinator and admin
// only: analysts see aggregates) and the CSV download.

// outcomesCSV serves the dashboard's CSV links for a signed-in browser.
func (s *dashboardPages) outcomesCSV(w http.ResponseWriter, r *http.Request) error {
	from, to, err := web.OutcomeRange(r.URL.Query())
	if err != nil {
		return err
	}
	return s.WriteOutcomesCSV(w, r, from, to)
}

// outcomeSection is one of the department's promises, with the measures
// that show whether it is kept.
type outcomeSection struct {
	ID, Title, Promise string
	Measures           []string
	Durations          []string
	Means              []string
	Reasons            bool // the "if available" gap's reasons
	Coverage           bool // link to the coverage page
}

// outcomeSections are the dashboard's sections, in order; every measure is
// in exactly one (TestOutcomeSectionsCoverEveryMeasure).
var outcomeSections = []outcomeSection{
	{ID: "access", Title: "Faster access to care", Promise: "People in crisis reach care sooner: quick dispatch and arrival, short hand-overs at the hospital or crisis center, and more encounters ending in care.",
		Durations: []string{"received_to_dispatched", "dispatched_to_on_scene", "received_to_on_scene", "handover"}, Measures: []string{"ending_in_care"}},
	{ID: "injuries", Title: "Fewer injuries and deaths", Promise: "Less force, and fewer people hurt or killed, in mental-health crises.",
		Measures: []string{"use_of_force", "person_injuries", "deaths"}},
	{ID: "dissent", Title: "Less community dissent", Promise: "Fewer complaints about how crises are handled, and more commendations, from the people met and those who see it. Rates are per 100 encounters, counting complaints linked to a report; the counts are every one received.",
		Measures: []string{"complaints", "complaints_sustained", "commendations", "complaints_received", "commendations_received"}},
	{ID: "diversion", Title: "Diversion instead of arrest", Promise: "People are connected with care rather than taken to jail.",
		Measures: []string{"diversions", "arrests", "emergency_detentions"}},
	{ID: "repeat", Title: "Fewer repeat crises", Promise: "People met in crisis need the police again less often.",
		Measures: []string{"repeat_contacts_30d", "repeat_contacts_90d", "repeat_contacts_365d"}},
	{ID: "skills", Title: "Officer skills and coverage", Promise: "Crisis calls are handled by officers trained for them, at every hour.",
		Measures: []string{"cit_officer"}, Coverage: true},
	{ID: "confidence", Title: "Citizen confidence", Promise: "People trust the service enough to ask for it.",
		Measures: []string{"encounters", "cit_requested", "online_requests"}},
	{ID: "gap", Title: "The “if available” gap", Promise: "When a caller asks for a CIT officer, one comes.",
		Measures: []string{"cit_dispatched", "cit_on_scene", "cit_met_with_co_response"}, Reasons: true},
	{ID: "responses", Title: "The right responder", Promise: "Each crisis gets the response it needs — a CIT officer, a CIT officer with the liaison, 988 or mobile crisis with no police, patrol or EMS — as the triage protocol recommends.",
		Measures: []string{"response_cit", "response_co_response", "response_988", "response_patrol", "response_ems", "response_without_police",
			"transfers_988", "transfers_988_returned", "transfers_988_repeat_24h", "co_responses"}},
	{ID: "cooperation", Title: "Cooperation with mental-health services", Promise: "Referrals to the Mental Health Liaison are followed up quickly and lead to care.",
		Measures: []string{"referrals", "referrals_contacted_72h", "referrals_connected"}},
	{ID: "accountability", Title: "Accountability", Promise: "Every contact is reported on time and reviewed.",
		Measures: []string{"reports_submitted_24h", "reports_approved_7d"}},
	{ID: "satisfaction", Title: "Satisfaction of the person and family", Promise: "People helped, and their families, are satisfied with how they were treated.",
		Measures: []string{"survey_responses"}, Means: []string{"survey_respect", "survey_safety", "survey_help"}},
	{ID: "safety", Title: "Officer safety", Promise: "Officers are hurt less often in crisis calls.",
		Measures: []string{"officer_injuries"}},
	{ID: "who", Title: "Who we meet", Promise: "Knowing who the program serves.",
		Measures: []string{"veterans"}},
}

// percentText writes a share as a percentage: whole numbers from 10 up,
// one decimal below (as the sentences do).
func percentText(f float64) string {
	v := f * 100
	if v == 0 || math.Abs(v) >= 9.95 {
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// thousands writes n with thousands separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// cellText writes a cell as "38 of 51, 75% (95% CI 61–85%)", or a count.
func cellText(c outcomes.Cell, unit outcomes.Unit) string {
	if unit == outcomes.UnitCount {
		return thousands(c.Count)
	}
	if c.Denominator == 0 {
		return "none recorded"
	}
	suffix := "%"
	if unit == outcomes.UnitPer100 {
		suffix = " per 100"
	}
	return fmt.Sprintf("%s of %s, %s%s (95%% CI %s–%s)", thousands(c.Count), thousands(c.Denominator),
		percentText(float64(c.Rate)), suffix, percentText(float64(c.CILow)), percentText(float64(c.CIHigh)))
}

// shortText writes a cell for a table: "75% (38/51)" or a count.
func shortText(c outcomes.Cell, unit outcomes.Unit) string {
	if unit == outcomes.UnitCount {
		return thousands(c.Count)
	}
	if c.Denominator == 0 {
		return "–"
	}
	return fmt.Sprintf("%s%% (%s/%s)", percentText(float64(c.Rate)), thousands(c.Count), thousands(c.Denominator))
}

// signedThousands writes d with its sign and thousands separators: "+1,204".
func signedThousands(d int) string {
	if d > 0 {
		return "+" + thousands(d)
	}
	return thousands(d)
}

// reasonView is a reason no CIT officer was sent, with its count written
// for people.
type reasonView struct{ Reason, Count string }

func reasonViews(rs []outcomes.ReasonCount) []reasonView {
	out := make([]reasonView, len(rs))
	for i, rc := range rs {
		out[i] = reasonView{Reason: rc.Reason, Count: thousands(rc.Count)}
	}
	return out
}

// changeText says how a figure moved from the previous period.
func changeText(cur, prev outcomes.Cell, unit outcomes.Unit) string {
	if unit == outcomes.UnitCount {
		d := cur.Count - prev.Count
		switch {
		case d == 0:
			return "no change"
		case prev.Count == 0:
			return signedThousands(d)
		}
		return fmt.Sprintf("%s (%+.0f%%)", signedThousands(d), 100*float64(d)/float64(prev.Count))
	}
	if !cur.Rate.Defined() || !prev.Rate.Defined() {
		return "not comparable"
	}
	d := 100 * (float64(cur.Rate) - float64(prev.Rate))
	if math.Abs(d) < 0.05 {
		return "no change"
	}
	unitWord := " points"
	if unit == outcomes.UnitPer100 {
		unitWord = " per 100"
	}
	return fmt.Sprintf("%+.1f%s", d, unitWord)
}

// minutesText writes seconds as minutes.
func minutesText(sec outcomes.Float) string {
	if !sec.Defined() {
		return "–"
	}
	m := float64(sec) / 60
	if m < 10 {
		return strconv.FormatFloat(math.Round(m*10)/10, 'f', -1, 64) + " min"
	}
	return strconv.FormatFloat(math.Round(m), 'f', 0, 64) + " min"
}

// measureView is one measure on the page.
type measureView struct {
	outcomes.Measure
	Text, CITText, NonCITText string
	Prev                      *outcomes.Measure
	PrevText, Change          string
	Drillable                 bool
	DrillNoun                 string // what the drill-down lists: "encounters", or "calls"
	// Empty says nothing was recorded for the measure in the range: the
	// page shows its sentence alone, no chart or table.
	Empty  bool
	Months []monthView
	// Links: the encounters behind the figure (all, CIT, non-CIT), and
	// the measure's table as CSV.
	DrillHref, CITHref, NonCITHref, CSVHref string
}

type monthView struct {
	Period, Total, CIT, NonCIT string
	DrillHref                  string
	// Part says how a partial month (outcomes.PeriodCell.Partial) is cut
	// short: "so far", "from 12 Mar", "to 20 Jun"; "" for a whole month.
	Part string
}

type durationView struct {
	outcomes.Durations
	Median, P90, CITText, NonCITText string
	PrevText                         string
	Empty                            bool // no times recorded in the range
	Months                           []monthView
}

type meanView struct {
	outcomes.Mean
	Text, CITText, NonCITText string
	Empty                     bool // no answers in the range
}

type sectionView struct {
	outcomeSection
	MeasureViews  []measureView
	DurationViews []durationView
	MeanViews     []meanView
}

// chartSeries is what outcomes.js draws for one chart: values by month
// (or quarter, on the public page), rates as percentages, null where
// undefined. A period marked in Partial is the period so far: the chart
// draws it hollow, on a dashed line, labelled "so far", never as a fall.
type chartSeries struct {
	ID      string     `json:"id"`
	Label   string     `json:"label"`
	Unit    string     `json:"unit"` // count, percent, per_100, minutes
	Months  []string   `json:"months"`
	Total   []*float64 `json:"total"`
	CIT     []*float64 `json:"cit,omitempty"`
	NonCIT  []*float64 `json:"non_cit,omitempty"`
	Partial []bool     `json:"partial,omitempty"`
	// PartialLabel names the partial periods' series when none of them is
	// the month under way (a past range that starts or ends within a
	// month); "" for outcomes.js's "All, so far".
	PartialLabel string `json:"partial_label,omitempty"`
}

// addPoint appends one period to the chart; part is how a partial period
// is cut short (partWords), "" for a whole one.
func (cs *chartSeries) addPoint(period, part string, v *float64) {
	partial := part != ""
	switch {
	case part == "so far":
		cs.PartialLabel = "" // outcomes.js's default, "All, so far", names the month under way
	case partial && (cs.PartialLabel != "" || cs.Partial == nil):
		cs.PartialLabel = "All, part of a month"
	}
	cs.Months = append(cs.Months, period)
	cs.Total = append(cs.Total, v)
	if partial && cs.Partial == nil {
		cs.Partial = make([]bool, len(cs.Months)-1, len(cs.Months))
	}
	if cs.Partial != nil {
		cs.Partial = append(cs.Partial, partial)
	}
}

// trim drops the periods before the first and after the last point drawn,
// so a chart spans what it can show (on the public page, a suppressed
// quarter has no point).
func (cs *chartSeries) trim() {
	lo, hi := 0, len(cs.Total)
	for lo < hi && cs.Total[lo] == nil {
		lo++
	}
	for hi > lo && cs.Total[hi-1] == nil {
		hi--
	}
	cs.Months, cs.Total = cs.Months[lo:hi], cs.Total[lo:hi]
	if cs.Partial != nil {
		cs.Partial = cs.Partial[lo:hi]
	}
	if cs.CIT != nil {
		cs.CIT, cs.NonCIT = cs.CIT[lo:hi], cs.NonCIT[lo:hi]
	}
}

// dataSpan is the months of a report that hold records: charts and
// monthly tables show these only (outcomes.Report.DataFirst, DataLast).
type dataSpan struct{ first, last string }

func (d dataSpan) has(period string) bool {
	return d.first != "" && period >= d.first && period <= d.last
}

// partWords says how month period ("2016-03") is cut short when partial:
// by the range's start ("from 12 Mar"), by its end before today ("to 20
// Jun"), or by today ("so far"); "" when it is whole.
func partWords(period string, partial bool, from, to, today citdesk.Date) string {
	if !partial {
		return ""
	}
	start, err := citdesk.ParseDate(period + "-01")
	if err != nil {
		return "so far"
	}
	end := start.AddDate(0, 1, -1)
	switch {
	case !from.IsZero() && from.After(start):
		return "from " + from.Time(time.UTC).Format("Jan 2")
	case !to.IsZero() && to.Before(end) && to.Before(today):
		return "to " + to.Time(time.UTC).Format("Jan 2")
	}
	return "so far"
}

// monthWords writes "2016-03" as "March 2016".
func monthWords(period string) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return period
	}
	return t.Format("January 2006")
}

// spanNote says so when the charts span fewer months than the range: the
// range's months with records, not years of nothing around them.
func spanNote(rep *outcomes.Report) string {
	months := rep.Measures["encounters"].ByMonth
	if len(months) == 0 {
		return ""
	}
	if rep.DataFirst == "" {
		return "Nothing was recorded in this range."
	}
	if months[0].Period == rep.DataFirst && months[len(months)-1].Period == rep.DataLast {
		return ""
	}
	if rep.DataFirst == rep.DataLast {
		return "Only " + monthWords(rep.DataFirst) + " has records in this range, so the charts and monthly tables show that month alone."
	}
	return "The charts and monthly tables run from " + monthWords(rep.DataFirst) + " to " + monthWords(rep.DataLast) +
		", the months with records in this range; there are none before or after."
}

// chartData is the page's data block for outcomes.js.
type chartData struct {
	Range  string        `json:"range"`
	Charts []chartSeries `json:"charts"`
}

type outcomesView struct {
	From, To   string
	Errors     map[string]string
	Note       string
	Range      string            // the range in words
	PrevRange  string            // the previous period in words, "" for none
	Query      string            // from=…&to=… for links
	CSV        map[string]string // table → the CSV download of it
	Sections   []sectionView
	Reasons    []reasonView
	CanDrill   bool
	CanReview  bool
	Charts     chartData
	LastMonth  string // for the monthly report link
	Encounters string // with thousands separators
	SpanNote   string // the charts span fewer months than the range, and why
	// CITRequestedCalls says some call asked for a CIT officer: without
	// one, "every call that asked got one" would be true of nothing.
	CITRequestedCalls bool
	Places            placesView
}

func ratePoint(c outcomes.Cell, unit outcomes.Unit) *float64 {
	if unit == outcomes.UnitCount {
		v := float64(c.Count)
		return &v
	}
	if !c.Rate.Defined() {
		return nil
	}
	v := math.Round(float64(c.Rate)*1000) / 10
	return &v
}

func dateWords(d citdesk.Date) string {
	return d.Time(time.UTC).Format("Jan 2, 2006")
}

// rangeWords says a range in words.
func rangeWords(from, to citdesk.Date) string {
	switch {
	case from.IsZero() && to.IsZero():
		return "all time (undated history included)"
	case from.IsZero():
		return "up to " + dateWords(to)
	case to.IsZero():
		return "from " + dateWords(from)
	}
	return dateWords(from) + " to " + dateWords(to)
}

// buildOutcomesView lays the dashboard out.
func buildOutcomesView(a *citdesk.Actor, d *outcomes.Dashboard, from, to, today citdesk.Date) outcomesView {
	rep := d.Report
	v := outcomesView{Range: rangeWords(from, to), CanDrill: a.HasRole(citdesk.OutcomeDrillRoles...), CanReview: a.HasRole(citdesk.RoleCoordinator),
		Reasons: reasonViews(rep.NoCITReasons), Encounters: thousands(rep.Measures["encounters"].Count), SpanNote: spanNote(&rep)}
	span := dataSpan{rep.DataFirst, rep.DataLast}
	v.CITRequestedCalls = rep.Measures["cit_dispatched"].Denominator > 0
	q := url.Values{}
	if !from.IsZero() {
		q.Set("from", from.String())
	}
	if !to.IsZero() {
		q.Set("to", to.String())
	}
	if from.IsZero() && to.IsZero() {
		q.Set("range", "all")
	}
	v.Query = q.Encode()
	v.CSV = map[string]string{}
	for _, table := range []string{"measures", "durations", "means", "no_cit_reasons"} {
		v.CSV[table] = "/outcomes.csv?table=" + table + "&" + v.Query
	}
	if d.Previous != nil {
		v.PrevRange = rangeWords(d.PreviousFrom, d.PreviousTo)
	}
	v.Charts.Range = from.String() + ".." + to.String()
	drillable := outcomes.DrillableIDs()
	for _, sec := range outcomeSections {
		sv := sectionView{outcomeSection: sec}
		for _, id := range sec.Measures {
			m := rep.Measures[id]
			mv := measureView{Measure: m, Text: cellText(m.Cell, m.Unit), Drillable: v.CanDrill && slices.Contains(drillable, id),
				CSVHref: "/outcomes.csv?table=measures&measure=" + id + "&" + v.Query,
				Empty:   m.Unit == outcomes.UnitCount && m.Count == 0 || m.Unit != outcomes.UnitCount && m.Denominator == 0, DrillNoun: "encounters"}
			if outcomes.CountsCalls(id) {
				mv.DrillNoun = "calls"
			}
			if mv.Empty {
				sv.MeasureViews = append(sv.MeasureViews, mv)
				continue
			}
			splits := m.CIT != nil && m.SplitMeaningful
			drillHref := func(extra string) string {
				return "/outcomes/encounters?measure=" + id + "&" + v.Query + extra
			}
			if mv.Drillable {
				mv.DrillHref, mv.CITHref, mv.NonCITHref = drillHref(""), drillHref("&group=cit"), drillHref("&group=non_cit")
			}
			if splits {
				mv.CITText, mv.NonCITText = cellText(*m.CIT, m.Unit), cellText(*m.NonCIT, m.Unit)
			}
			if d.Previous != nil {
				pm := d.Previous.Measures[id]
				mv.Prev, mv.PrevText, mv.Change = &pm, cellText(pm.Cell, pm.Unit), changeText(m.Cell, pm.Cell, m.Unit)
			}
			split, hasSplit := d.Split[id]
			hasSplit = hasSplit && splits
			cs := chartSeries{ID: id, Label: m.Label, Unit: string(m.Unit)}
			for i, pc := range m.ByMonth {
				if !span.has(pc.Period) {
					continue
				}
				row := monthView{Period: pc.Period, Total: shortText(pc.Cell, m.Unit), Part: partWords(pc.Period, pc.Partial, from, to, today)}
				if mv.Drillable {
					row.DrillHref = drillHref("&month=" + pc.Period)
				}
				cs.addPoint(pc.Period, row.Part, ratePoint(pc.Cell, m.Unit))
				if hasSplit && i < len(split.CIT) && split.CIT[i].Period == pc.Period {
					row.CIT, row.NonCIT = shortText(split.CIT[i].Cell, m.Unit), shortText(split.NonCIT[i].Cell, m.Unit)
					cs.CIT = append(cs.CIT, ratePoint(split.CIT[i].Cell, m.Unit))
					cs.NonCIT = append(cs.NonCIT, ratePoint(split.NonCIT[i].Cell, m.Unit))
				} else if hasSplit {
					cs.CIT, cs.NonCIT = append(cs.CIT, nil), append(cs.NonCIT, nil)
				}
				mv.Months = append(mv.Months, row)
			}
			sv.MeasureViews = append(sv.MeasureViews, mv)
			v.Charts.Charts = append(v.Charts.Charts, cs)
		}
		for _, id := range sec.Durations {
			du := rep.Durations[id]
			dv := durationView{Durations: du, Median: minutesText(du.MedianSeconds), P90: minutesText(du.P90Seconds), Empty: du.Count == 0}
			if dv.Empty {
				sv.DurationViews = append(sv.DurationViews, dv)
				continue
			}
			if du.CIT != nil {
				dv.CITText = fmt.Sprintf("median %s, 90th percentile %s (%s)", minutesText(du.CIT.MedianSeconds), minutesText(du.CIT.P90Seconds), thousands(du.CIT.Count))
				dv.NonCITText = fmt.Sprintf("median %s, 90th percentile %s (%s)", minutesText(du.NonCIT.MedianSeconds), minutesText(du.NonCIT.P90Seconds), thousands(du.NonCIT.Count))
			}
			if d.Previous != nil {
				pd := d.Previous.Durations[id]
				dv.PrevText = fmt.Sprintf("median %s, 90th percentile %s (%s)", minutesText(pd.MedianSeconds), minutesText(pd.P90Seconds), thousands(pd.Count))
			}
			cs := chartSeries{ID: id, Label: du.Label + " (median minutes)", Unit: "minutes"}
			for _, pc := range du.ByMonth {
				if !span.has(pc.Period) {
					continue
				}
				part := partWords(pc.Period, pc.Partial, from, to, today)
				dv.Months = append(dv.Months, monthView{Period: pc.Period, Total: fmt.Sprintf("%s (%s)", minutesText(pc.MedianSeconds), thousands(pc.Count)), Part: part})
				var point *float64
				if pc.MedianSeconds.Defined() {
					m := math.Round(float64(pc.MedianSeconds)/6) / 10
					point = &m
				}
				cs.addPoint(pc.Period, part, point)
			}
			sv.DurationViews = append(sv.DurationViews, dv)
			v.Charts.Charts = append(v.Charts.Charts, cs)
		}
		for _, id := range sec.Means {
			mn := rep.Means[id]
			mt := func(st outcomes.MeanStats) string {
				if st.Count == 0 {
					return "no answers"
				}
				return fmt.Sprintf("%.1f of 5 (%s answers)", float64(st.Mean), thousands(st.Count))
			}
			mv := meanView{Mean: mn, Text: mt(mn.MeanStats), Empty: mn.Count == 0}
			if mn.CIT != nil && !mv.Empty {
				mv.CITText, mv.NonCITText = mt(*mn.CIT), mt(*mn.NonCIT)
			}
			sv.MeanViews = append(sv.MeanViews, mv)
		}
		v.Sections = append(v.Sections, sv)
	}
	return v
}

// outcomesPage shows the dashboard. Without dates it shows the last twelve
// months (today included), or all time when they hold no encounter;
// range=all asks for all time. An htmx request gets the results only, so
// the charts redraw without a page load.
func (s *dashboardPages) outcomesPage(w http.ResponseWriter, r *http.Request) error {
	a := web.SignedIn(r)
	if err := requireOutcomeRole(a); err != nil {
		return err
	}
	q := r.URL.Query()
	v := outcomesView{From: q.Get("from"), To: q.Get("to")}
	from, to, err := web.OutcomeRange(q)
	if err != nil {
		v.Errors = map[string]string{citdesk.ErrorField(err): citdesk.ErrorMessage(err)}
		s.renderOutcomes(w, r, http.StatusUnprocessableEntity, v)
		return nil
	}
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	today := citdesk.DateOf(s.Now(), agency.Location())
	defaulted := from.IsZero() && to.IsZero() && q.Get("range") != "all"
	if defaulted {
		to, from = today, today.AddDate(-1, 0, 1)
	}
	d, err := s.Svc.Outcomes.Dashboard(r.Context(), from, to)
	if err != nil {
		return err
	}
	if defaulted && d.Report.Measures["encounters"].Count == 0 {
		from, to = citdesk.Date{}, citdesk.Date{}
		if d, err = s.Svc.Outcomes.Dashboard(r.Context(), from, to); err != nil {
			return err
		}
	}
	places, err := s.Svc.Outcomes.Places(r.Context(), from, to, outcomes.DefaultCellMeters)
	if err != nil {
		return err
	}
	view := buildOutcomesView(a, d, from, to, today)
	view.From, view.To = from.String(), to.String()
	view.Places = newPlacesView(r.Context(), s.Svc.Geocoder, agency, s.TileURLFor(agency.ID), places.CellMeters, places.Cells, false)
	view.Places.Located = thousands(places.Located)
	if places.Unlocated > 0 {
		view.Places.Without = thousands(places.Unlocated)
	}
	if defaulted && from.IsZero() {
		view.Note = "No encounters in the last twelve months: showing all time."
	}
	view.LastMonth = today.AddDate(0, -1, 0).String()[:7]
	s.renderOutcomes(w, r, http.StatusOK, view)
	return nil
}

// requireOutcomeRole refuses the outcome pages to those without an outcome role.
func requireOutcomeRole(a *citdesk.Actor) error {
	if !a.HasRole(citdesk.OutcomeRoles...) {
		return citdesk.Errorf(citdesk.EFORBIDDEN, "The outcome figures are for command staff, analysts and the CIT coordinator.")
	}
	return nil
}

func (s *dashboardPages) renderOutcomes(w http.ResponseWriter, r *http.Request, status int, v outcomesView) {
	if isHTMX(r) {
		// htmx swaps only 2xx answers: a bad range comes back as the
		// results area with the message in it.
		s.renderPartial(w, r, "outcomes", "outcomes_results", v)
		return
	}
	s.render(w, r, status, "outcomes", "Outcomes", v)
}

// measureLabels are the measures' labels, from a report over nothing.
var measureLabels = func() map[string]string {
	m := map[string]string{}
	for id, meas := range outcomes.Compute(nil, nil, outcomes.Params{}).Measures {
		m[id] = meas.Label
	}
	return m
}()

type drillView struct {
	*web.DrillResponse
	Label, GroupLabel, Range string
	CanReview                bool
	CanDispatch              bool // a call row links to the board, else to the call's JSON
	Calls                    bool // the measure counts calls (outcomes.CountsCalls)
	CSVHref                  string
}

// outcomeEncountersPage lists the encounters behind a figure.
func (s *dashboardPages) outcomeEncountersPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Drill(r)
	if err != nil {
		return err
	}
	d.Truncate()
	a := web.SignedIn(r)
	v := drillView{DrillResponse: d, Range: rangeWords(d.From, d.To), CanReview: a.HasRole(citdesk.RoleCoordinator),
		CanDispatch: a.HasRole(citdesk.DispatchRoles...), Calls: outcomes.CountsCalls(d.Measure)}
	q := r.URL.Query()
	q.Set("format", "csv")
	v.CSVHref = "/api/v1/outcomes/encounters?" + q.Encode()
	v.Label = measureLabels[d.Measure]
	switch d.Group {
	case outcomes.GroupCIT:
		v.GroupLabel = "CIT-certified officers"
	case outcomes.GroupNonCIT:
		v.GroupLabel = "officers not CIT certified"
	}
	s.render(w, r, http.StatusOK, "outcomes_encounters", "Encounters behind a figure", v)
	return nil
}
