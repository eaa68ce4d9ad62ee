package ui

import (
	"net/http"

	"citdesk"
)

func (s *handler) pageNotFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, citdesk.Errorf(citdesk.ENOTFOUND, "There is no page at %s.", r.URL.Path))
}
