package api

import (
	"net/http"

	"citdesk/triage"
	"citdesk/web"
)

func (s *triageAPI) getProtocol(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Svc.Triage.Current(r.Context())
	if err != nil {
		return err
	}
	writeVersioned(w, int64(v.Version), v)
	return nil
}

// putProtocol replaces the protocol with the body, as the next version of
// the one named by If-Match.
func (s *triageAPI) putProtocol(w http.ResponseWriter, r *http.Request) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var p triage.Protocol
	if err := web.DecodeJSON(r, &p); err != nil {
		return err
	}
	v, err := s.Svc.Triage.Replace(r.Context(), p, int(version))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(int64(v.Version)))
	w.Header().Set("Content-Location", "/api/v1/triage/protocol")
	web.WriteJSON(w, http.StatusOK, v)
	return nil
}
