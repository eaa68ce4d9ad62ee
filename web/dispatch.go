package web

import "net/http"

// dispatchRoutes registers calls, recommendations, assignments, the live
// board and the public request form.
func (s *Server) dispatchRoutes(mux *http.ServeMux) {}
