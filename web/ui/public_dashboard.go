package ui

import (
	"net/http"

	"citdesk/outcomes"
)

// The public dashboard (no sign-in, linked from /cit): every measure by
// quarter, aggregate only, with small counts suppressed by
// outcomes.ComputePublic. It never shows a name, an address or a date finer
// than a quarter, and the service behind it returns aggregates only.

type publicCellView struct {
	Period, Count, Denominator, Rate string
}

type publicMeasureView struct {
	ID, Label string
	Count     bool // a count measure: no denominator or rate
	Quarters  []publicCellView
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
}

// publicCell writes a published cell; the rate and interval only when both
// counts are shown (ComputePublic leaves them undefined otherwise).
func publicCell(c outcomes.PublicCell, unit outcomes.Unit) publicCellView {
	v := publicCellView{Period: c.Period, Count: c.Count.String(), Denominator: c.Denominator.String(), Rate: "–"}
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
	v := publicOutcomesView{AgencyName: agency.Name, Base: newPublicView(r, agency).Base}
	for _, sec := range outcomeSections {
		ps := publicSectionView{Title: sec.Title, Promise: sec.Promise}
		for _, id := range sec.Measures {
			m, ok := byID[id]
			if !ok {
				continue
			}
			mv := publicMeasureView{ID: m.ID, Label: m.Label, Count: m.Unit == outcomes.UnitCount, Total: publicCell(m.Total, m.Unit)}
			for _, q := range m.Quarters {
				mv.Quarters = append(mv.Quarters, publicCell(q, m.Unit))
			}
			ps.Measures = append(ps.Measures, mv)
		}
		if len(ps.Measures) > 0 {
			v.Sections = append(v.Sections, ps)
		}
	}
	s.render(w, r, http.StatusOK, "public_outcomes", "How the CIT program is doing", v)
}

func (v publicOutcomesView) publicHeader() (string, string) { return v.AgencyName, v.Base + "/cit" }
