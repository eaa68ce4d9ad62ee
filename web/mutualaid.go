package web

import (
	"context"

	"citdesk"
	"citdesk/dispatch"
)

// Recommendation is a call's recommendation as the API and the board show
// it: the agency's own officers ranked (dispatch.Result), and beside them
// the partner agencies' available CIT officers (county mutual aid), listed
// only when the agency has no CIT officer of its own to send.
type Recommendation struct {
	dispatch.Result
	Partners []citdesk.PartnerOfficer `json:"partners"`
}

// RecommendationFor adds the partners' officers to res, a recommendation
// for call callID, when res has no CIT officer and svc is set.
func RecommendationFor(ctx context.Context, svc citdesk.MutualAidService, callID int64, res dispatch.Result) (Recommendation, error) {
	out := Recommendation{Result: res, Partners: []citdesk.PartnerOfficer{}}
	if svc == nil || len(res.Officers) > 0 {
		return out, nil
	}
	partners, err := svc.PartnerOfficers(ctx, callID)
	if err != nil {
		return out, err
	}
	out.Partners = partners
	return out, nil
}
