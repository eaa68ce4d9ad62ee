package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"citdesk"
	"citdesk/web"
)

// page wraps a page handler: without a session it redirects to sign-in and
// comes back after; an actor who may never take act (the permission
// table's check at the door) gets 403 before the handler reads anything;
// an error the handler returns becomes an error page.
func (s *handler) page(act citdesk.Action, h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := web.SignedIn(r)
		if a == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		// The middleware already refuses tokens outside the API; this
		// keeps a page from ever serving one if that ever changes.
		if c, ok := web.CredentialFrom(r.Context()); !ok || c.Kind != citdesk.SessionCookie {
			s.errorPage(w, r, citdesk.Errorf(citdesk.EUNAUTHORIZED, "Pages need a browser session; bearer tokens are for the API."))
			return
		}
		if !citdesk.MayEver(a, act) {
			s.errorPage(w, r, s.Refusal(r, act))
			return
		}
		if p, _ := citdesk.PermissionFor(act); p.StepUp {
			if err := s.RequireStepUp(r); citdesk.ErrorCode(err) == citdesk.ESTEPUP {
				// Confirm who you are, then come back to the page the
				// form was on (a POST cannot be replayed by a redirect).
				next := r.URL.RequestURI()
				if r.Method != http.MethodGet {
					next = "/"
					if ref, perr := url.Parse(r.Referer()); perr == nil && ref.Path != "" && (ref.Host == "" || ref.Host == r.Host) {
						next = ref.RequestURI()
					}
				}
				http.Redirect(w, r, "/step-up?next="+url.QueryEscape(next), http.StatusSeeOther)
				return
			} else if err != nil {
				s.errorPage(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.errorPage(w, r, err)
		}
	}
}

type loginView struct {
	Next     string
	Username string
	Error    string
}

func (s *signinPages) loginPage(w http.ResponseWriter, r *http.Request) {
	if web.SignedIn(r) != nil {
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

func (s *signinPages) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, citdesk.Errorf(citdesk.EINVALID, "The form could not be read."))
		return
	}
	username, password, next := r.PostFormValue("username"), r.PostFormValue("password"), r.PostFormValue("next")
	_, _, secret, err := s.SignIn(r, username, password, citdesk.SessionCookie)
	var pending *citdesk.SignInChallenge
	if errors.As(err, &pending) {
		// The password was right; the second step (or enrolment) is next.
		(&mfaPages{s.handler}).setChallengeCookie(w, r, pending.Secret)
		http.Redirect(w, r, "/login/mfa?next="+url.QueryEscape(safeNext(next)), http.StatusSeeOther)
		return
	}
	if err != nil {
		status := web.StatusFor(citdesk.ErrorCode(err))
		if citdesk.ErrorCode(err) == citdesk.EINTERNAL {
			s.Log.Error("sign-in failed", "err", err)
		}
		s.render(w, r, status, "login", "Sign in", loginView{Next: next, Username: username, Error: citdesk.ErrorMessage(err)})
		return
	}
	// A new session id at every sign-in: any cookie planted before is useless.
	if old, ok := web.CredentialFrom(r.Context()); ok && old.Kind == citdesk.SessionCookie {
		s.Svc.Users.EndSession(r.Context(), old.Secret)
	}
	s.SetSessionCookie(w, r, secret)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (s *signinPages) logout(w http.ResponseWriter, r *http.Request) {
	if c, ok := web.CredentialFrom(r.Context()); ok {
		if err := s.Svc.Users.EndSession(r.Context(), c.Secret); err != nil {
			s.errorPage(w, r, err)
			return
		}
	}
	s.ClearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
