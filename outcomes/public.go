package outcomes

import "math"

// PublicCell is a measure's figure for one quarter (or the whole range) as
// the public dashboard may show it. The rate and interval are NaN (null)
// unless both the count and the denominator are shown, since a rate with
// either would give the hidden one back.
type PublicCell struct {
	Period string `json:"period"` // "2025-Q1", or "total"
	// Partial says the quarter is not over yet: its figures are so far.
	Partial bool `json:"partial,omitempty"`
	// Empty says nothing was recorded for the measure in the quarter (no
	// encounters, or none with the measure's field recorded): its counts
	// are shown as the zeros they are, never suppressed, since a zero
	// names nobody and hiding it would read as a small count.
	Empty       bool  `json:"empty,omitempty"`
	Count       Value `json:"count"`
	Denominator Value `json:"denominator"` // Shown 0 for a count measure
	Rate        Float `json:"rate"`
	CILow       Float `json:"ci_low"`
	CIHigh      Float `json:"ci_high"`
}

// PublicMeasure is one measure on the public dashboard: by quarter and in
// total, aggregate only and suppressed.
type PublicMeasure struct {
	ID       string       `json:"id"`
	Label    string       `json:"label"`
	Unit     Unit         `json:"unit"`
	Quarters []PublicCell `json:"quarters"`
	Total    PublicCell   `json:"total"`
}

// ComputePublic returns the public dashboard's measures: Compute by quarter
// (no date finer than a quarter leaves it), each measure's counts passed
// through Suppress. The CIT split is left out; its cells are mostly small.
//
// A rate measure becomes the table (counted, rest of the denominator) ×
// quarters, whose column totals are the quarterly denominators and whose
// row totals are the range's count and rest; a count measure is the one
// row of its counts. Repeat contacts count distinct people, and a person
// met in two quarters is one person in the range, so their quarters do not
// add up to the range: the range gets its own table.
func ComputePublic(encs []Encounter, refs []Referral, p Params) []PublicMeasure {
	return ComputePublicAll(encs, refs, nil, p)
}

// ComputePublicAll is ComputePublic with the complaints and commendations
// comps too (ComputeAll); their measures are suppressed as the others are.
func ComputePublicAll(encs []Encounter, refs []Referral, comps []Complaint, p Params) []PublicMeasure {
	return computePublic(encounterSlice(encs), referralSlice(refs), comps, p)
}

// computePublic is ComputePublicAll over any source of records.
func computePublic(encs encounterSource, refs referralSource, comps []Complaint, p Params) []PublicMeasure {
	p.Quarterly = true
	r := compute(encs, refs, comps, p)
	out := make([]PublicMeasure, 0, numMeasures)
	for m, def := range measureDefs {
		meas := r.Measures[def.id]
		pm := PublicMeasure{ID: def.id, Label: def.label, Unit: def.unit}
		periods := make([]string, len(meas.ByQuarter))
		for i, q := range meas.ByQuarter {
			periods[i] = q.Period
		}
		// Empty quarters stay out of the tables suppressed: their zeros
		// add nothing to any total, so nothing hidden can be worked out
		// from them, and they are published as empty.
		var keep []int
		for i, q := range meas.ByQuarter {
			if (def.unit == UnitCount && q.Count > 0) || (def.unit != UnitCount && q.Denominator > 0) {
				keep = append(keep, i)
			}
		}
		kept := make([]string, len(keep))
		for j, i := range keep {
			kept[j] = periods[i]
		}
		quarters := func(cell func(j int, q PeriodCell) PublicCell) []PublicCell {
			out := make([]PublicCell, len(periods))
			j := 0
			for i, q := range meas.ByQuarter {
				if j < len(keep) && keep[j] == i {
					out[i] = cell(j, q)
					j++
				} else {
					out[i] = emptyCell(q.Period)
				}
				out[i].Partial = q.Partial
			}
			return out
		}
		if def.unit == UnitCount {
			row := make([]int, len(keep))
			for j, i := range keep {
				row[j] = meas.ByQuarter[i].Count
			}
			if meas.Count != sum(row) {
				// Undated records are in the total only: give them a column
				// of their own so the total still adds up.
				row = append(row, meas.Count-sum(row))
			}
			st := Suppress(Table{Rows: []string{def.id}, Cols: kept, Counts: [][]int{row}})
			pm.Quarters = quarters(func(j int, q PeriodCell) PublicCell { return countCell(q.Period, st.Cells[0][j]) })
			pm.Total = countCell("total", st.RowTotals[0])
			out = append(out, pm)
			continue
		}
		counted := make([]int, len(keep))
		rest := make([]int, len(keep))
		for j, i := range keep {
			q := meas.ByQuarter[i]
			counted[j], rest[j] = q.Count, q.Denominator-q.Count
		}
		people := m == mRepeat30 || m == mRepeat90 || m == mRepeat365
		undated := !people && (meas.Count != sum(counted) || meas.Denominator-meas.Count != sum(rest))
		if undated {
			counted = append(counted, meas.Count-sum(counted))
			rest = append(rest, meas.Denominator-meas.Count-sum(rest))
		}
		st := Suppress(Table{Rows: []string{"counted", "rest"}, Cols: kept, Counts: [][]int{counted, rest}})
		pm.Quarters = quarters(func(j int, q PeriodCell) PublicCell { return rateCell(q.Period, st.Cells[0][j], st.ColTotals[j]) })
		if people {
			tt := Suppress(Table{Rows: []string{"counted", "rest"}, Cols: []string{"total"},
				Counts: [][]int{{meas.Count}, {meas.Denominator - meas.Count}}})
			pm.Total = rateCell("total", tt.Cells[0][0], tt.ColTotals[0])
		} else {
			pm.Total = rateCell("total", st.RowTotals[0], st.Total)
		}
		out = append(out, pm)
	}
	return out
}

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// emptyCell is a quarter with nothing recorded for the measure.
func emptyCell(period string) PublicCell {
	c := countCell(period, Value{})
	c.Empty = true
	return c
}

func countCell(period string, v Value) PublicCell {
	nan := Float(math.NaN())
	return PublicCell{Period: period, Count: v, Rate: nan, CILow: nan, CIHigh: nan}
}

func rateCell(period string, count, den Value) PublicCell {
	c := PublicCell{Period: period, Count: count, Denominator: den}
	if count.Status == Shown && den.Status == Shown && den.Count > 0 {
		cell := newCell(count.Count, den.Count)
		c.Rate, c.CILow, c.CIHigh = cell.Rate, cell.CILow, cell.CIHigh
	} else {
		nan := Float(math.NaN())
		c.Rate, c.CILow, c.CIHigh = nan, nan, nan
	}
	return c
}
