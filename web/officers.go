package web

import "net/http"

// officerRoutes registers the roster, training and duty-status routes.
func (s *Server) officerRoutes(mux *http.ServeMux) {}
