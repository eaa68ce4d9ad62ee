package api

import (
	"net/http"
	"strconv"

	"citdesk"
	"citdesk/web"
)

// County mutual aid (issue 16, item 4): the agency's sharing agreements,
// and requests for a partner's CIT officer. What crosses between agencies
// is said in citdesk's mutualaid.go; these handlers only carry it.

// getPartners answers GET /api/v1/agency/partners.
func (s *mutualAidAPI) getPartners(w http.ResponseWriter, r *http.Request) error {
	out, err := s.Svc.MutualAid.Sharing(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// partnersRequest is the body of PUT /api/v1/agency/partners: the
// agencies this one lends to, all of them.
type partnersRequest struct {
	Partners []citdesk.PartnerShare `json:"partners"`
}

// putPartners answers PUT /api/v1/agency/partners.
func (s *mutualAidAPI) putPartners(w http.ResponseWriter, r *http.Request) error {
	var req partnersRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Partners == nil {
		return citdesk.FieldErrorf("partners", "List the agencies to share with ([] for none).")
	}
	out, err := s.Svc.MutualAid.SetSharing(r.Context(), req.Partners)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

// aidRequest is the body of POST /api/v1/calls/{id}/mutual-aid.
type aidRequest struct {
	Lender    string `json:"lender"`
	OfficerID int64  `json:"officer_id"`
}

// request answers POST /api/v1/calls/{id}/mutual-aid.
func (s *mutualAidAPI) request(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var req aidRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	out, err := s.Svc.MutualAid.Request(r.Context(), id, req.Lender, req.OfficerID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/mutual-aid/"+strconv.FormatInt(out.ID, 10))
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

// list answers GET /api/v1/mutual-aid.
func (s *mutualAidAPI) list(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Svc.MutualAid.List(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"requests": list})
	return nil
}

// declineRequest is the body of POST /api/v1/mutual-aid/{id}/decline.
type declineRequest struct {
	Reason string `json:"reason"`
}

// decide returns the handler of POST /api/v1/mutual-aid/{id}/accept,
// decline or cancel.
func (s *mutualAidAPI) decide(decision string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.PathID(r, "id")
		if err != nil {
			return err
		}
		var out *citdesk.MutualAidRequest
		switch decision {
		case "accept":
			out, err = s.Svc.MutualAid.Accept(r.Context(), id)
		case "decline":
			var req declineRequest
			if err := web.DecodeJSON(r, &req); err != nil {
				return err
			}
			out, err = s.Svc.MutualAid.Decline(r.Context(), id, req.Reason)
		default:
			out, err = s.Svc.MutualAid.Cancel(r.Context(), id)
		}
		if err != nil {
			return err
		}
		web.WriteJSON(w, http.StatusOK, out)
		return nil
	}
}
