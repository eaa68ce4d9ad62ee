package api

import (
	"net/http"
	"strconv"
	"strings"

	"citdesk"
	"citdesk/outcomes"
	"citdesk/web"
)

// The outcome figures as JSON or CSV, and the drill-down to the encounters
// behind a figure (coordinator and admin only: analysts see aggregates).

// apiOutcomes answers GET /api/v1/outcomes: the report as JSON, or with
// format=csv one of its tables as CSV.
func (s *figureAPI) apiOutcomes(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, to, err := web.OutcomeRange(q)
	if err != nil {
		return err
	}
	if q.Get("format") == "csv" {
		return s.WriteOutcomesCSV(w, r, from, to)
	}
	rep, err := s.Svc.Outcomes.Report(r.Context(), from, to)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, rep)
	return nil
}

// apiOutcomeEncounters answers GET /api/v1/outcomes/encounters.
func (s *figureAPI) apiOutcomeEncounters(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Drill(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		cw := web.StartCSV(w, "outcome-encounters-"+d.Measure+".csv")
		cw.Write([]string{"id", "date", "month", "officer_cit", "dispositions", "counted", "call_id", "dispositions_no", "precision"})
		for _, row := range d.Encounters {
			callID := ""
			if row.CallID != 0 {
				callID = strconv.FormatInt(row.CallID, 10)
			}
			cw.Write([]string{strconv.FormatInt(row.ID, 10), row.Date, row.Month, row.OfficerCIT, strings.Join(row.Dispositions, ";"), strconv.FormatBool(row.Counted), callID,
				strings.Join(row.DispositionsNo, ";"), row.Precision})
		}
		cw.Flush()
		return cw.Error()
	}
	d.Truncate()
	web.WriteJSON(w, http.StatusOK, d)
	return nil
}

// apiOutcomePlaces answers GET /api/v1/outcomes/places: where the range's
// crisis calls came from, by grid cell (cell_m metres, default 500).
func (s *figureAPI) apiOutcomePlaces(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, to, err := web.OutcomeRange(q)
	if err != nil {
		return err
	}
	cell := outcomes.DefaultCellMeters
	if v := q.Get("cell_m"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < outcomes.MinCellMeters || n > outcomes.MaxCellMeters {
			return citdesk.FieldErrorf("cell_m", "cell_m must be a whole number of metres from %d to %d.", outcomes.MinCellMeters, outcomes.MaxCellMeters)
		}
		cell = n
	}
	p, err := s.Svc.Outcomes.Places(r.Context(), from, to, cell)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, p)
	return nil
}
