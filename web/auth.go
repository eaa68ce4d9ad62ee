package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"citdesk"
)

// credential is the secret the current request signed in with, so sign-out
// can end exactly that session.
type credential struct {
	secret string
	kind   string
}

type credentialKey struct{}

func withCredential(ctx context.Context, c credential) context.Context {
	return context.WithValue(ctx, credentialKey{}, c)
}

func credentialFrom(ctx context.Context) (credential, bool) {
	c, ok := ctx.Value(credentialKey{}).(credential)
	return c, ok
}

// signedIn returns the signed-in actor, or nil.
func signedIn(r *http.Request) *citdesk.Actor {
	a := citdesk.ActorFromContext(r.Context())
	if a == nil || a.UserID == 0 {
		return nil
	}
	return a
}

// api wraps an API handler: it must be signed in, and an error it returns
// becomes a problem+json response.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if signedIn(r) == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="citdesk"`)
			s.problem(w, r, citdesk.Errorf(citdesk.EUNAUTHORIZED, "Sign in, or send Authorization: Bearer <token>."))
			return
		}
		if err := h(w, r); err != nil {
			s.problem(w, r, err)
		}
	}
}

// page wraps a page handler: without a session it redirects to sign-in and
// comes back after; an error it returns becomes an error page.
func (s *Server) page(h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if signedIn(r) == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if err := h(w, r); err != nil {
			s.errorPage(w, r, err)
		}
	}
}

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: s.isTLS(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.isTLS(r), SameSite: http.SameSiteLaxMode})
}

type loginView struct {
	Next     string
	Username string
	Error    string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if signedIn(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", "Sign in", loginView{Next: r.URL.Query().Get("next")})
}

// safeNext keeps a post-login redirect on this site. Browsers drop tabs
// and newlines from a Location and read a backslash as a slash, so
// "/\t/evil.example" would leave the site: any control character or
// backslash sends the user home instead.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	return next
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, citdesk.Errorf(citdesk.EINVALID, "The form could not be read."))
		return
	}
	username, password, next := r.PostFormValue("username"), r.PostFormValue("password"), r.PostFormValue("next")
	_, _, secret, err := s.signIn(r, username, password, citdesk.SessionCookie)
	if err != nil {
		status := statusFor(citdesk.ErrorCode(err))
		if citdesk.ErrorCode(err) == citdesk.EINTERNAL {
			s.log.Error("sign-in failed", "err", err)
		}
		s.render(w, r, status, "login", "Sign in", loginView{Next: next, Username: username, Error: citdesk.ErrorMessage(err)})
		return
	}
	// A new session id at every sign-in: any cookie planted before is useless.
	if old, ok := credentialFrom(r.Context()); ok && old.kind == citdesk.SessionCookie {
		s.svc.Users.EndSession(r.Context(), old.secret)
	}
	s.setSessionCookie(w, r, secret)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, ok := credentialFrom(r.Context()); ok {
		if err := s.svc.Users.EndSession(r.Context(), c.secret); err != nil {
			s.errorPage(w, r, err)
			return
		}
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

type tokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type tokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// createToken signs a system in and returns a bearer token.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := decodeJSON(r, &req); err != nil {
		s.problem(w, r, err)
		return
	}
	if req.Username == "" {
		s.problem(w, r, citdesk.FieldErrorf("username", "Username is required."))
		return
	}
	if req.Password == "" {
		s.problem(w, r, citdesk.FieldErrorf("password", "Password is required."))
		return
	}
	_, sess, secret, err := s.signIn(r, req.Username, req.Password, citdesk.SessionToken)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tokenResponse{Token: secret, ExpiresAt: sess.ExpiresAt})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	c, ok := credentialFrom(r.Context())
	if !ok || c.kind != citdesk.SessionToken {
		return citdesk.Errorf(citdesk.EINVALID, "Only a bearer token can be revoked here; sign out to end a browser session.")
	}
	if err := s.svc.Users.EndSession(r.Context(), c.secret); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type meResponse struct {
	User   *citdesk.User   `json:"user"`
	Agency *citdesk.Agency `json:"agency"`
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	a := signedIn(r)
	u, err := s.svc.Users.FindUserByID(r.Context(), a.UserID)
	if err != nil {
		return err
	}
	agency, err := s.svc.Agencies.FindAgencyByID(r.Context(), a.AgencyID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, meResponse{User: u, Agency: agency})
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.svc.Users.ListUsers(r.Context())
	if err != nil {
		return err
	}
	if users == nil {
		users = []*citdesk.User{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": users})
	return nil
}

type createUserRequest struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Roles       []string `json:"roles"`
	OfficerID   *int64   `json:"officer_id"`
	Password    string   `json:"password"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var req createUserRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	roles, err := citdesk.ParseRoles(strings.Join(req.Roles, ","))
	if err != nil {
		return err
	}
	u := &citdesk.User{Username: req.Username, DisplayName: req.DisplayName, Roles: roles, OfficerID: req.OfficerID}
	if err := s.svc.Users.CreateUser(r.Context(), u, req.Password); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) unlockUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.svc.Users.UnlockUser(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := citdesk.AuditFilter{ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Action: q.Get("action"), Actor: q.Get("actor")}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return citdesk.FieldErrorf("before", "before must be an event number.")
		}
		f.BeforeSeq = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return citdesk.FieldErrorf("limit", "limit must be a whole number from 1 to 1000.")
		}
		f.Limit = n
	}
	events, err := s.svc.Audit.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	if events == nil {
		events = []*citdesk.AuditEvent{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events})
	return nil
}

// pathID parses a numeric path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, citdesk.Errorf(citdesk.ENOTFOUND, "No such %s.", strings.TrimSuffix(name, "id"))
	}
	return id, nil
}

// signIn signs a user in, refusing an address that has failed too
// often lately and counting its failures.
func (s *Server) signIn(r *http.Request, username, password, kind string) (*citdesk.User, *citdesk.Session, string, error) {
	key := "signin-failures:" + s.remoteAddr(r)
	if s.limiters.exhausted(key, signinFailuresPerAddress, signinFailureWindow, s.now()) {
		return nil, nil, "", citdesk.Errorf(citdesk.ERATELIMIT, "Too many failed sign-ins from your address. Wait 15 minutes and try again.")
	}
	u, sess, secret, err := s.svc.Users.Authenticate(r.Context(), username, password, kind)
	if code := citdesk.ErrorCode(err); code == citdesk.EUNAUTHORIZED || code == citdesk.ELOCKED {
		s.limiters.allow(key, signinFailuresPerAddress, signinFailureWindow, s.now())
	}
	return u, sess, secret, err
}
