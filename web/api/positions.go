package api

import (
	"net/http"

	"citdesk"
	"citdesk/web"
)

// positionBatch is the body of POST /api/v1/positions: the AVL feed's
// positions, each by badge or unit.
type positionBatch struct {
	Positions []citdesk.PositionReport `json:"positions"`
}

// report applies a batch; each report's fate is in the answer, and an
// unknown unit or a bad report does not fail the others.
func (s *positionAPI) report(w http.ResponseWriter, r *http.Request) error {
	var req positionBatch
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	results, err := s.Svc.Positions.ReportPositions(r.Context(), req.Positions)
	if err != nil {
		return err
	}
	counts := map[string]int{citdesk.ReportApplied: 0, citdesk.ReportStale: 0, citdesk.ReportUnknown: 0, citdesk.ReportInvalid: 0}
	for _, res := range results {
		counts[res.Status]++
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"results": results, "counts": counts})
	return nil
}
