// Package web is citdesk's HTTP side: the pages people use, the JSON API
// under /api/v1 that other systems use, server-sent events for live pages,
// and the middleware every request passes through (security headers,
// limits, cross-origin protection, sign-in, logs and metrics).
package web

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"citdesk"
	"citdesk/outcomes"
)

// Config holds the web server's settings, built by main from flags.
type Config struct {
	// TrustProxy takes the client address and scheme from X-Forwarded-For
	// (its last entry, the one the balancer adds) and X-Forwarded-Proto;
	// set it only behind a load balancer that sets them.
	TrustProxy bool
	// TLS says the server itself serves HTTPS: cookies are Secure and HSTS is sent.
	TLS bool
	// MaxBody limits request bodies (bytes); larger ones get 413.
	MaxBody int64
	// TileURL is the map tile URL template ({z}/{x}/{y}); empty means no
	// tiles: the map draws points on a plain background.
	TileURL string
	// Version is the build's version, shown on /healthz.
	Version string
	// PublicRequestsPerHour limits the public CIT request form per address.
	PublicRequestsPerHour int
	// PublicAgency is the slug of the agency the public pages (/cit) speak
	// for; empty means the only agency there is.
	PublicAgency string
	// EventHeartbeat is how often an idle event stream sends a comment so
	// proxies keep it open (20 s when zero); EventLifetime is how long one
	// stream lasts before the browser is made to reconnect (10 min when zero).
	EventHeartbeat, EventLifetime time.Duration
}

// Services are the domain services the web layer calls.
type Services struct {
	Agencies citdesk.AgencyService
	Users    citdesk.UserService
	Officers citdesk.OfficerService
	Calls    citdesk.CallService
	Audit    citdesk.AuditService
	Events   citdesk.EventService
	// Contact reports, persons, crisis plans and liaison referrals (issue 5).
	Encounters citdesk.EncounterService
	Persons    citdesk.PersonService
	Plans      citdesk.CrisisPlanService
	Referrals  citdesk.ReferralService
	// Outcome figures, dashboards and the public dashboard (issue 6).
	Outcomes outcomes.Service
	// Ping checks the database for /readyz.
	Ping func(ctx context.Context) error
}

// Server serves citdesk over HTTP.
type Server struct {
	cfg      Config
	svc      Services
	clock    citdesk.Clock
	log      *slog.Logger
	pages    map[string]*template.Template
	assets   *assetSet
	metrics  *metrics
	handler  http.Handler
	limiters *rateLimiters
}

// NewServer builds a server, parsing every template up front so a missing
// view fails at start-up rather than in front of a user.
func NewServer(cfg Config, svc Services, clock citdesk.Clock, log *slog.Logger) (*Server, error) {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.PublicRequestsPerHour <= 0 {
		cfg.PublicRequestsPerHour = 5
	}
	if clock == nil {
		clock = citdesk.SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, svc: svc, clock: clock, log: log, metrics: newMetrics(), limiters: newRateLimiters()}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = s.parseTemplates(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	s.routes(mux)
	s.handler = s.middleware(mux)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// routes registers every route. Each resource's handlers live in a file of
// their own.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("GET /static/", s.serveStatic)
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)

	mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	mux.HandleFunc("POST /api/v1/tokens", s.createToken)
	mux.HandleFunc("DELETE /api/v1/tokens/current", s.api(s.revokeToken))
	mux.HandleFunc("GET /api/v1/me", s.api(s.me))
	mux.HandleFunc("GET /api/v1/users", s.api(s.listUsers))
	mux.HandleFunc("POST /api/v1/users", s.api(s.createUser))
	mux.HandleFunc("POST /api/v1/users/{id}/unlock", s.api(s.unlockUser))
	mux.HandleFunc("GET /api/v1/audit", s.api(s.listAudit))
	mux.HandleFunc("GET /audit", s.page(s.auditPage))
	mux.HandleFunc("GET /cit", s.publicPage)
	mux.HandleFunc("POST /cit", s.publicRequest)
	mux.HandleFunc("GET /cit/thanks", s.publicThanks)
	mux.HandleFunc("/api/", s.apiNotFound)
	mux.HandleFunc("/", s.pageNotFound)

	mux.HandleFunc("POST /plans/{id}/photo", s.page(s.uploadPlanPhoto))
	mux.HandleFunc("GET /plans/{id}/photo", s.page(s.planPhoto))
	s.officerRoutes(mux)
	s.dispatchRoutes(mux)
	s.encounterRoutes(mux)
	s.outcomeRoutes(mux)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.svc.Ping != nil {
		if err := s.svc.Ping(r.Context()); err != nil {
			s.log.Warn("readiness check failed", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) now() time.Time { return s.clock.Now() }
