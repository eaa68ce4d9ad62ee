// Package server puts citdesk's HTTP side together: the shared core
// (citdesk/web), the JSON API (citdesk/web/api) and the pages
// (citdesk/web/ui) on one mux behind the core's middleware.
package server

import (
	"log/slog"
	"net/http"
	"slices"

	"citdesk"
	"citdesk/web"
	"citdesk/web/api"
	"citdesk/web/ui"
)

// Server serves citdesk over HTTP.
type Server struct {
	handler  http.Handler
	metrics  http.Handler
	patterns []string
}

// New builds a server, parsing every template up front so a missing view
// fails at start-up rather than in front of a user.
func New(cfg web.Config, svc web.Services, clock citdesk.Clock, log *slog.Logger) (*Server, error) {
	core, err := web.NewCore(cfg, svc, clock, log)
	if err != nil {
		return nil, err
	}
	mux := &listingMux{ServeMux: http.NewServeMux()}
	core.Routes(mux)
	api.Routes(mux, core)
	if err := ui.Routes(mux, core); err != nil {
		return nil, err
	}
	return &Server{handler: core.Middleware(mux.ServeMux), metrics: core.MetricsHandler(), patterns: mux.patterns}, nil
}

// Routes lists every route pattern registered, in the order registered.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

// listingMux is a ServeMux that remembers the patterns registered on it.
type listingMux struct {
	*http.ServeMux
	patterns []string
}

func (m *listingMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *listingMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

// Metrics serves the Prometheus metrics without sign-in, for a listener of
// their own (--metrics-addr) that only the monitoring system reaches.
func (s *Server) Metrics() http.Handler { return s.metrics }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
