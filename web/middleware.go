package web

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"citdesk"
)

// middleware wraps the routes, outermost first: security headers (so every
// response has them, 404 and 500 included), panic recovery, logs and
// metrics, the body limit, cross-origin protection, sign-in, then the
// check of query strings and forms for control characters (after sign-in,
// so a refused form can be shown on a page with its navigation).
func (c *Core) Middleware(h http.Handler) http.Handler {
	h = recordRoute(h)
	h = c.checkInput(h)
	h = c.authenticate(h)
	h = c.crossOrigin(h)
	h = c.limitBody(h)
	h = c.observe(h)
	h = c.recoverPanics(h)
	h = c.securityHeaders(h)
	return h
}

func (c *Core) securityHeaders(next http.Handler) http.Handler {
	img := "'self' data:"
	if c.Cfg.TileURL != "" {
		if u, err := url.Parse(strings.NewReplacer("{s}", "a", "{z}", "0", "{x}", "0", "{y}", "0").Replace(c.Cfg.TileURL)); err == nil && u.Host != "" {
			img += " " + u.Scheme + "://" + strings.Replace(u.Host, "a.", "*.", 1)
		}
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img +
		"; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	// The values are made once and shared by every response (keys in
	// canonical form, each value a slice of one whose capacity is one, so
	// an Add makes a new one): setting them was six allocations a request.
	fixed := map[string][]string{
		"Content-Security-Policy":    {csp},
		"X-Content-Type-Options":     {"nosniff"},
		"Referrer-Policy":            {"same-origin"},
		"X-Frame-Options":            {"DENY"},
		"Cross-Origin-Opener-Policy": {"same-origin"},
		"Permissions-Policy":         {"camera=(), microphone=(), geolocation=(self)"},
	}
	hsts := []string{"max-age=63072000; includeSubDomains"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range fixed {
			h[k] = v[:1:1]
		}
		if c.IsTLS(r) {
			h["Strict-Transport-Security"] = hsts[:1:1]
		}
		next.ServeHTTP(w, r)
	})
}

// isTLS reports whether the client reached us over HTTPS.
func (c *Core) IsTLS(r *http.Request) bool {
	if r.TLS != nil || c.Cfg.TLS {
		return true
	}
	return c.Cfg.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// remoteAddr returns the client's IP address.
func (c *Core) RemoteAddr(r *http.Request) string {
	if c.Cfg.TrustProxy {
		// The balancer appends the address it saw to whatever the client
		// sent, so only the last entry is its word; earlier ones may be
		// forged to dodge the rate limit or the audit trail.
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			hops := strings.Split(xff[len(xff)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(hops[len(hops)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (c *Core) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				c.Log.Error("panic", "method", r.Method, "route", r.Pattern, "panic", v, "stack", string(debug.Stack()))
				c.Problem(w, r, errors.New("panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (sr *statusRecorder) WriteHeader(code int) {
	if sr.status == 0 {
		sr.status = code
	}
	sr.ResponseWriter.WriteHeader(code)
}

func (sr *statusRecorder) Write(b []byte) (int, error) {
	if sr.status == 0 {
		sr.status = http.StatusOK
	}
	n, err := sr.ResponseWriter.Write(b)
	sr.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and SetWriteDeadline.
func (sr *statusRecorder) Unwrap() http.ResponseWriter { return sr.ResponseWriter }

// Hijack is not supported through the recorder.
func (sr *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, http.ErrNotSupported
}

// observe logs each request (method, route pattern, status, duration; never
// the query string or body, which can hold names) and counts it in /metrics.
func (c *Core) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		var route string // filled in by recordRoute
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), routeKey{}, &route)))
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		c.metrics.observe(r.Method, route, rec.status, elapsed)
		if route == "GET /metrics" || route == "GET /healthz" || route == "GET /readyz" || strings.HasPrefix(route, "GET /static/") {
			return
		}
		c.Log.Info("request", "method", r.Method, "route", route, "path", r.URL.Path, "status", rec.status,
			"bytes", rec.bytes, "ms", float64(elapsed.Microseconds())/1000, "remote", c.RemoteAddr(r))
	})
}

type routeKey struct{}

// recordRoute runs the mux and hands the pattern it matched back to
// observe. The mux sets Pattern on the request it is given, a copy made
// by authenticate's WithContext, so observe cannot read it from its own.
func recordRoute(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p, ok := r.Context().Value(routeKey{}).(*string); ok {
				*p = r.Pattern
			}
		}()
		mux.ServeHTTP(w, r)
	})
}

func (c *Core) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := c.Cfg.MaxBody
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/plans/") && strings.HasSuffix(r.URL.Path, "/photo") {
			limit = max(limit, citdesk.MaxPlanPhotoBytes+64<<10) // a crisis-plan photo and its form
		}
		if r.ContentLength > limit {
			c.Problem(w, r, citdesk.Errorf(citdesk.ETOOLARGE, "The request body is larger than %d bytes.", limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests that a browser sends from
// another origin (Go's CrossOriginProtection reads Sec-Fetch-Site and
// Origin). Requests without those headers — curl, a CAD system with a
// bearer token — are not from a browser and pass.
func (c *Core) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.Problem(w, r, citdesk.Errorf(citdesk.EFORBIDDEN, "Cross-origin request refused."))
	}))
	return cop.Handler(next)
}

// authenticate puts the actor of a valid bearer token or session cookie
// into the request context. Requests without credentials go on anonymous;
// handlers decide what needs sign-in.
func (c *Core) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remote := c.RemoteAddr(r)
		ctx := citdesk.NewContextWithActor(r.Context(), &citdesk.Actor{Remote: remote})
		if auth := r.Header.Get("Authorization"); auth != "" {
			token, ok := strings.CutPrefix(auth, "Bearer ")
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="citdesk"`)
				c.Problem(w, r, citdesk.Errorf(citdesk.EUNAUTHORIZED, "Use Authorization: Bearer <token>."))
				return
			}
			if !TokenPath(r.URL.Path) {
				// Tokens are for systems; pages are for people in a
				// browser session (which has its own lifetime, CSRF
				// protection and, soon, second factor).
				w.Header().Set("WWW-Authenticate", `Bearer realm="citdesk", error="invalid_token"`)
				c.Problem(w, r, citdesk.Errorf(citdesk.EUNAUTHORIZED, "Bearer tokens are accepted only by the API; sign in with a browser for pages."))
				return
			}
			if token = strings.TrimSpace(token); strings.HasPrefix(token, citdesk.ServiceTokenPrefix) && c.Svc.ServiceAccounts != nil {
				// A service account's token: its use is audited as it is
				// checked, with what the request was for.
				sa, tok, agency, err := c.Svc.ServiceAccounts.UseServiceToken(ctx, token, r.Method+" "+r.URL.Path)
				if err != nil {
					if citdesk.ErrorCode(err) == citdesk.EUNAUTHORIZED {
						w.Header().Set("WWW-Authenticate", `Bearer realm="citdesk", error="invalid_token"`)
					}
					c.Problem(w, r, err)
					return
				}
				ctx = citdesk.NewContextWithActor(r.Context(), citdesk.ServiceActor(sa, tok.ID, remote))
				ctx = citdesk.NewContextWithAgency(ctx, agency)
				next.ServeHTTP(w, r.WithContext(ctx))
				return
			}
			u, sess, err := c.Svc.Users.FindSession(ctx, token)
			if err == nil && sess.Kind != citdesk.SessionToken {
				// A browser session's secret is not a token: its cookie
				// is HttpOnly, so one sent as a bearer token was taken.
				err = citdesk.Errorf(citdesk.EUNAUTHORIZED, "That is not an API token.")
			}
			if err != nil {
				if citdesk.ErrorCode(err) == citdesk.EUNAUTHORIZED {
					w.Header().Set("WWW-Authenticate", `Bearer realm="citdesk", error="invalid_token"`)
				}
				c.Problem(w, r, err)
				return
			}
			ctx = citdesk.NewContextWithActor(r.Context(), actorFor(u, sess, remote))
			ctx = withCredential(ctx, Credential{Secret: token, Kind: citdesk.SessionToken})
			ctx = citdesk.NewContextWithAgency(ctx, sess.Agency)
		} else if cookie, err := r.Cookie(SessionCookie); err == nil && cookie.Value != "" {
			u, sess, err := c.Svc.Users.FindSession(ctx, cookie.Value)
			if err == nil && sess.Kind != citdesk.SessionCookie {
				// A token put in the cookie would open the pages, which
				// take browser sessions only (their own lifetime, one per
				// user, a second factor at sign-in).
				err = citdesk.Errorf(citdesk.EUNAUTHORIZED, "That is not a browser session.")
			}
			if err == nil {
				ctx = citdesk.NewContextWithActor(r.Context(), actorFor(u, sess, remote))
				ctx = withCredential(ctx, Credential{Secret: cookie.Value, Kind: citdesk.SessionCookie})
				ctx = citdesk.NewContextWithAgency(ctx, sess.Agency)
			} else if citdesk.ErrorCode(err) == citdesk.EUNAUTHORIZED {
				c.ClearSessionCookie(w, r)
			} else {
				// A page gets a page (the database cannot be reached: 503
				// with the cause), the API problem+json.
				c.refuseInput(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// actorFor is the actor of a request signed in with sess.
func actorFor(u *citdesk.User, sess *citdesk.Session, remote string) *citdesk.Actor {
	a := citdesk.ActorFor(u, remote)
	a.SessionID = sess.ID
	return a
}

// TokenPath reports whether a request to path may sign in with a bearer
// token: the API, /metrics and the health checks. Pages never may.
func TokenPath(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/metrics" || path == "/healthz" || path == "/readyz"
}
