package ui

import (
	"math"
	"net/http"

	"citdesk/outcomes"
)

// The public dashboard (no sign-in, linked from /cit): every measure by
// quarter, aggregate only, with small counts suppressed by
// outcomes.ComputePublic, as tables and as the dashboard's charts (the same
// outcomes.js, fed only the published figures). It never shows a name, an
// address or a date finer than a quarter, and the service behind it
// returns aggregates only.

type publicCellView struct {
	Period, Count, Denominator, Rate string
	Partial                          bool // the quarter so far
}

// publicRowView is one row of a measure's table: a quarter, or a run of
// quarters with nothing recorded (Empty says what, Through is the run's
// last quarter), which reads as one line instead of quarter after quarter
// of zeros.
type publicRowView struct {
	publicCellView
	Empty, Through string
}

type publicMeasureView struct {
	ID, Label string
	Count     bool   // a count measure: no denominator or rate
	None      string // nothing recorded in any quarter: this line instead of a table
	Rows      []publicRowView
	Total     publicCellView
}

type publicSectionView struct {
	Title, Promise string
	Measures       []publicMeasureView
}

type publicOutcomesView struct {
	AgencyName string
	Base       string // "" on /public/outcomes, "/a/{slug}" on an agency's own path
	Sections   []publicSectionView
	Charts     chartData
	Places     placesView
}

// publicCell writes a published cell; the rate and interval only when both
// counts are shown (ComputePublic leaves them undefined otherwise).
func publicCell(c outcomes.PublicCell, unit outcomes.Unit) publicCellView {
	v := publicCellView{Period: c.Period, Count: c.Count.String(), Denominator: c.Denominator.String(), Rate: "–", Partial: c.Partial}
	if c.Period == "total" {
		v.Period = "All quarters"
	}
	if c.Rate.Defined() {
		suffix := "%"
		if unit == outcomes.UnitPer100 {
			suffix = " per 100"
		}
		v.Rate = percentText(float64(c.Rate)) + suffix + " (95% CI " + percentText(float64(c.CILow)) + "–" + percentText(float64(c.CIHigh)) + ")"
	}
	return v
}

// publicPoint is a published quarter as a chart point: a shown count, a
// rate whose counts are both shown; nothing for what is suppressed, and
// nothing for a rate with nothing recorded.
func publicPoint(c outcomes.PublicCell, unit outcomes.Unit) *float64 {
	if unit == outcomes.UnitCount {
		if c.Count.Status != outcomes.Shown {
			return nil
		}
		v := float64(c.Count.Count)
		return &v
	}
	if !c.Rate.Defined() {
		return nil
	}
	v := math.Round(float64(c.Rate)*1000) / 10
	return &v
}

// emptyWords says what a quarter with nothing recorded for measure id
// lacks: referrals, encounters (when the quarter had none at all), or the
// measure's field.
func emptyWords(id string, noEncounters bool) string {
	switch {
	case outcomes.CountsReferrals(id):
		return "No referrals"
	case noEncounters:
		return "No encounters"
	}
	return "None recorded"
}

// publicMeasure lays out one measure: its rows, runs of empty quarters
// joined, and its chart.
func publicMeasure(m outcomes.PublicMeasure, noEncounters map[string]bool) (publicMeasureView, *chartSeries) {
	mv := publicMeasureView{ID: m.ID, Label: m.Label, Count: m.Unit == outcomes.UnitCount, Total: publicCell(m.Total, m.Unit)}
	cs := &chartSeries{ID: m.ID, Label: m.Label, Unit: string(m.Unit)}
	plotted := 0
	for _, q := range m.Quarters {
		p := publicPoint(q, m.Unit)
		if p != nil {
			plotted++
		}
		part := ""
		if q.Partial {
			part = "so far" // the quarter under way (or, past 20 years of history, the first one shown)
		}
		cs.addPoint(q.Period, part, p)
		if q.Empty {
			words := emptyWords(m.ID, noEncounters[q.Period])
			if n := len(mv.Rows); n > 0 && mv.Rows[n-1].Empty == words {
				mv.Rows[n-1].Through = q.Period
				continue
			}
			mv.Rows = append(mv.Rows, publicRowView{publicCellView: publicCellView{Period: q.Period, Partial: q.Partial}, Empty: words})
			continue
		}
		mv.Rows = append(mv.Rows, publicRowView{publicCellView: publicCell(q, m.Unit)})
	}
	if len(m.Quarters) == 0 || len(mv.Rows) == 1 && mv.Rows[0].Empty != "" {
		mv.None, mv.Rows = "Nothing recorded yet.", nil
		if outcomes.CountsReferrals(m.ID) {
			mv.None = "No referrals recorded yet."
		}
		return mv, nil
	}
	if plotted == 0 {
		return mv, nil // every quarter suppressed: nothing to draw
	}
	cs.trim()
	return mv, cs
}

// publicOutcomesPage shows the public dashboard of the public agency.
func (s *publicPages) publicOutcomesPage(w http.ResponseWriter, r *http.Request) {
	agency, err := s.publicAgency(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	measures, err := s.Svc.Outcomes.Public(r.Context(), agency.ID)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	byID := make(map[string]outcomes.PublicMeasure, len(measures))
	for _, m := range measures {
		byID[m.ID] = m
	}
	noEncounters := map[string]bool{}
	for _, q := range byID["encounters"].Quarters {
		noEncounters[q.Period] = q.Empty
	}
	v := publicOutcomesView{AgencyName: agency.Name, Base: newPublicView(r, agency).Base, Charts: chartData{Range: "public"}}
	for _, sec := range outcomeSections {
		ps := publicSectionView{Title: sec.Title, Promise: sec.Promise}
		for _, id := range sec.Measures {
			m, ok := byID[id]
			if !ok {
				continue
			}
			mv, cs := publicMeasure(m, noEncounters)
			if cs != nil {
				v.Charts.Charts = append(v.Charts.Charts, *cs)
			}
			ps.Measures = append(ps.Measures, mv)
		}
		if len(ps.Measures) > 0 {
			v.Sections = append(v.Sections, ps)
		}
	}
	places, err := s.Svc.Outcomes.PublicPlaces(r.Context(), agency.ID)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	v.Places = newPlacesView(r.Context(), nil, agency, s.Cfg.TileURL, places.CellMeters, places.Cells, true)
	v.Places.Hidden = places.Hidden
	s.render(w, r, http.StatusOK, "public_outcomes", "How the CIT program is doing", v)
}

func (v publicOutcomesView) publicHeader() (string, string) { return v.AgencyName, v.Base + "/cit" }
