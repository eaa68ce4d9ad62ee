package api

import (
	"net/http"

	"citdesk"
)

func (s *handler) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.Problem(w, r, citdesk.Errorf(citdesk.ENOTFOUND, "No such API endpoint: %s %s.", r.Method, r.URL.Path))
}
