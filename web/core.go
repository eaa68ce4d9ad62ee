// Package web is what citdesk's JSON API (web/api) and its pages (web/ui)
// share: the middleware every request passes through (security headers,
// limits, cross-origin protection, sign-in, logs and metrics), sessions and
// sign-in, problem+json errors, JSON decoding, static assets and the
// server-sent event stream. web/server puts the three together.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"citdesk"
	"citdesk/dispatch"
	"citdesk/outcomes"
	"citdesk/triage"
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
	// TileURL is the map tile URL template ({z}/{x}/{y}) of an external
	// tile server. Empty means citdesk's own tiles where the agency has an
	// imported map (OwnTileURL), else none: the map draws points on a
	// plain background.
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
	// Sessions lists and ends a user's own sessions and tokens.
	Sessions citdesk.SessionService
	// MFA holds second factors, the second step of a browser sign-in and
	// step-up (issue 10).
	MFA      citdesk.MFAService
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
	// History holds each agency's disposition mappings, which the
	// admin edits (issue 15).
	History citdesk.HistoryService
	// Dispatch reads the dispatch state and recommends officers, each in
	// one read transaction.
	Dispatch dispatch.Service
	// Liaisons keeps the liaisons' availability and sends them to calls
	// with a CIT officer (co-response, issue 16).
	Liaisons citdesk.LiaisonService
	// MutualAid holds county mutual-aid agreements and requests (issue
	// 16, item 4). Optional: without it no partner is ever offered.
	MutualAid citdesk.MutualAidService
	// Geocoder looks addresses up for the new-call form (the agency's own
	// address list; OpenStreetMap with issue 13). Optional: without it
	// the lookup answers 404.
	Geocoder citdesk.Geocoder
	// Tiles draws basemap tiles from the agencies' imported maps (issue
	// 13). Optional: without it, or for an agency with no map, the tile
	// route answers 404 and the maps use Cfg.TileURL or none.
	Tiles citdesk.MapTiles
	// ServiceAccounts holds the agency's machine users and signs their
	// tokens in (issue 11).
	ServiceAccounts citdesk.ServiceAccountService
	// Incidents takes incidents from the CAD (EIDO in).
	Incidents citdesk.IncidentService
	// Webhooks holds the agency's webhook subscriptions and deliveries.
	Webhooks citdesk.WebhookService
	// Positions takes the AVL feed.
	Positions citdesk.PositionService
	// Erasure erases a person's record at a records request (the admin
	// API; the operator's command line calls the store directly).
	Erasure citdesk.ErasureService
	// Triage keeps the agency's call-triage protocol, version by version
	// (issue 16).
	Triage triage.Service
	// Complaints keeps the community's complaints and commendations
	// (issue 16).
	Complaints citdesk.ComplaintService
	// Transfers records calls sent to 988 or mobile crisis, and their
	// return to 911 (issue 16).
	Transfers citdesk.TransferService
	// Ping checks the database for /readyz: that it answers and takes
	// writes (store.DB.Ready); a *citdesk.StorageFault names the cause.
	Ping func(ctx context.Context) error
}

// Core is the state the API and the pages share: settings, services, the
// clock, the logger, metrics, rate limits and the static assets. Handlers in
// web/api and web/ui embed it.
type Core struct {
	Cfg      Config
	Svc      Services
	Clock    citdesk.Clock
	Log      *slog.Logger
	Assets   *Assets
	Limiters *RateLimiters
	// ErrorPage shows an error as a page; web/ui sets it so a form the
	// middleware refuses (checkInput) is answered with a page, not JSON.
	ErrorPage func(w http.ResponseWriter, r *http.Request, err error)
	metrics   *metrics
	// liveEvents encodes each event once for every stream it goes to
	// (events.go).
	liveEvents sharedEvent
}

// NewCore fills in defaults and loads the static assets.
func NewCore(cfg Config, svc Services, clock citdesk.Clock, log *slog.Logger) (*Core, error) {
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
	c := &Core{Cfg: cfg, Svc: svc, Clock: clock, Log: log, metrics: newMetrics(), Limiters: NewRateLimiters()}
	var err error
	if c.Assets, err = loadAssets(); err != nil {
		return nil, err
	}
	return c, nil
}

// OwnTileURL is the Leaflet URL template of citdesk's own basemap tiles.
const OwnTileURL = "/api/v1/map/tiles/{z}/{x}/{y}.png"

// TileURLFor is the tile URL template the signed-in pages' maps of the
// agency use: the external tile server when one is configured (it wins),
// else citdesk's own tiles when the agency has a map to draw, else none.
func (c *Core) TileURLFor(agencyID int64) string {
	if c.Cfg.TileURL != "" {
		return c.Cfg.TileURL
	}
	if c.Svc.Tiles != nil && c.Svc.Tiles.HasTiles(agencyID) {
		return OwnTileURL
	}
	return ""
}

// Mux is where each package registers its routes: an *http.ServeMux, or
// web/server's wrapper that also lists every pattern registered (the
// route × role test walks that list).
type Mux interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// Routes registers what belongs to neither audience: health checks,
// metrics and the static files.
func (c *Core) Routes(mux Mux) {
	mux.HandleFunc("GET /healthz", c.healthz)
	mux.HandleFunc("GET /readyz", c.readyz)
	mux.HandleFunc("GET /metrics", c.API(citdesk.ReadMetrics, c.serveMetrics))
	mux.HandleFunc("GET /static/", c.serveStatic)
}

// serveMetrics answers Prometheus on the main listener, only for a bearer
// token (or session) of a user with the metrics role: route names and
// counts describe what people do. The --metrics-addr listener, loopback
// by default, serves MetricsHandler without sign-in.
func (c *Core) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	c.metrics.handler().ServeHTTP(w, r)
	return nil
}

// MetricsHandler serves the Prometheus metrics without sign-in, for a
// listener of their own that only the monitoring system can reach.
func (c *Core) MetricsHandler() http.Handler { return c.metrics.handler() }

func (c *Core) healthz(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": c.Cfg.Version})
}

func (c *Core) readyz(w http.ResponseWriter, r *http.Request) {
	if c.Svc.Ping != nil {
		if err := c.Svc.Ping(r.Context()); err != nil {
			c.Log.Warn("readiness check failed", "err", err)
			// The cause is one of the store's safe sentences (the disk is
			// full, the database cannot be reached), never the driver's
			// text: /readyz answers without sign-in.
			body := map[string]string{"status": "unavailable", "code": citdesk.EUNAVAILABLE, "reason": "the database cannot be reached"}
			var fault *citdesk.StorageFault
			if errors.As(err, &fault) {
				body["reason"] = fault.Cause
				body["since"] = fault.Since.UTC().Format(time.RFC3339)
			}
			w.Header().Set("Retry-After", RetryAfter)
			WriteJSON(w, http.StatusServiceUnavailable, body)
			return
		}
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Now is the current time from the injected clock.
func (c *Core) Now() time.Time { return c.Clock.Now() }
