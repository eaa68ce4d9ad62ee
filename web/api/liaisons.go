package api

import (
	"net/http"
	"strconv"

	"citdesk"
	"citdesk/web"
)

// The liaison as a resource (co-response, issue 16): a liaison's
// availability and position, and the liaison sent to a call.

// liaisonStatusRequest is the body of PUT /api/v1/liaisons/{id}/status.
type liaisonStatusRequest struct {
	Status citdesk.LiaisonStatus `json:"status"`
	Lat    *float64              `json:"lat"`
	Lon    *float64              `json:"lon"`
}

func (s *liaisonAPI) setStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var req liaisonStatusRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	d, err := s.Svc.Liaisons.SetLiaisonStatus(r.Context(), id, req.Status, req.Lat, req.Lon)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, d)
	return nil
}

func (s *liaisonAPI) getStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	d, on, err := s.Svc.Liaisons.FindLiaisonDuty(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"status": d, "call": on})
	return nil
}

// callLiaisonRequest is the body of POST /api/v1/calls/{id}/liaison.
type callLiaisonRequest struct {
	UserID         int64  `json:"user_id"`
	ResponseReason string `json:"response_reason"`
}

func (s *liaisonAPI) assign(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var req callLiaisonRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	l := &citdesk.CallLiaison{CallID: id, UserID: req.UserID}
	if err := s.Svc.Liaisons.AssignLiaison(r.Context(), l, req.ResponseReason); err != nil {
		return err
	}
	writeCreated(w, "/api/v1/calls/"+strconv.FormatInt(id, 10)+"/liaisons", l.Version, l)
	return nil
}

// callLiaisonPatch is the body of PATCH /api/v1/calls/{id}/liaison.
type callLiaisonPatch struct {
	Status citdesk.LiaisonCallStatus `json:"status"`
}

func (s *liaisonAPI) move(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var p callLiaisonPatch
	if err := web.DecodeJSON(r, &p); err != nil {
		return err
	}
	l, err := s.Svc.Liaisons.MoveLiaison(r.Context(), id, version, p.Status)
	if err != nil {
		return err
	}
	writeVersioned(w, l.Version, l)
	return nil
}

func (s *liaisonAPI) list(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.Svc.Liaisons.ListCallLiaisons(r.Context(), id)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*citdesk.CallLiaison{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"liaisons": list})
	return nil
}
