package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"citdesk"
	"citdesk/eido"
	"citdesk/web"
)

// EIDO in and out (issue 11): the county CAD sends an incident as a NENA
// EIDO document and gets the call it became; it reads a call back as an
// EIDO with citdesk's assignments and unit states.

// receive takes an EIDO: 201 with the new call the first time an incident
// comes, 200 with the same call after. An invalid document is a 422 whose
// errors name the JSON pointer of each problem.
func (s *eidoAPI) receive(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/emergency.eido+json") {
		return citdesk.Errorf(citdesk.EINVALID, "Send the EIDO as application/json.")
	}
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return web.JSONError(err)
	} else if err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The body could not be read.")
	}
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	in, err := eido.Read(body, agency)
	if err != nil {
		return err
	}
	call, created, err := s.Svc.Incidents.ReceiveIncident(r.Context(), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", "/api/v1/calls/"+strconv.FormatInt(call.ID, 10))
	w.Header().Set("ETag", etag(call.Version))
	web.WriteJSON(w, status, call)
	return nil
}

// export writes one call as an EIDO: the call (its read is audited as
// any), its assignments (an officer sent to it sees their own), and the
// CAD's incident id when the call came from the CAD.
func (s *eidoAPI) export(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	call, err := s.Svc.Calls.FindCallByID(ctx, id)
	if err != nil {
		return err
	}
	f := citdesk.AssignmentFilter{CallID: call.ID}
	if a := citdesk.ActorFromContext(ctx); !citdesk.MayEver(a, citdesk.ListCalls) && a.OfficerID != nil {
		f.OfficerID = *a.OfficerID
	}
	assignments, err := s.Svc.Calls.ListAssignments(ctx, f)
	if err != nil {
		return err
	}
	incidentID, err := s.Svc.Incidents.IncidentID(ctx, call.ID)
	if err != nil {
		return err
	}
	agency, err := s.AgencyOf(ctx)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(eido.Write(call, assignments, agency, incidentID))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(doc)
	return nil
}
