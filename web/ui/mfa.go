package ui

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"citdesk"
	"citdesk/web"
)

// mfaCookie holds a pending sign-in's challenge between the password page
// and the second step. It is scoped to /login and lives no longer than the
// challenge.
const mfaCookie = "citdesk_mfa"

func (s *mfaPages) setChallengeCookie(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: mfaCookie, Value: secret, Path: "/login", MaxAge: 15 * 60, HttpOnly: true, Secure: s.IsTLS(r), SameSite: http.SameSiteLaxMode})
}

func (s *mfaPages) clearChallengeCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: mfaCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true, Secure: s.IsTLS(r), SameSite: http.SameSiteLaxMode})
}

func challengeFrom(r *http.Request) string {
	c, err := r.Cookie(mfaCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// qrSVG draws text as a QR code in inline SVG (no image request, nothing
// for the content security policy to allow). The otpauth URL holds the
// secret, so the code is never served as a separate, cacheable file.
func qrSVG(text string) (template.HTML, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	q.DisableBorder = false
	bits := q.Bitmap()
	n := len(bits)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="240" height="240" shape-rendering="crispEdges" role="img" aria-label="QR code for the authenticator app"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n, n, n)
	for y, row := range bits {
		for x, on := range row {
			if on {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil // only digits and fixed markup
}

// issuer names citdesk and the agency in authenticator apps.
func issuer(a *citdesk.Agency) string { return "citdesk " + a.Slug }

type secondStepView struct {
	Next     string
	Enrol    bool
	Passkeys bool
	TOTP     bool
	Secret   string
	QR       template.HTML
	Error    string
}

// secondStepPage asks for the second factor after a right password, or,
// when the agency requires one and the user has none, enrols one.
func (s *mfaPages) secondStepPage(w http.ResponseWriter, r *http.Request) {
	s.showSecondStep(w, r, http.StatusOK, "")
}

func (s *mfaPages) showSecondStep(w http.ResponseWriter, r *http.Request, status int, problem string) {
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostFormValue("next")
	}
	challenge := challengeFrom(r)
	p, err := s.Svc.MFA.PendingSignIn(r.Context(), challenge)
	if err != nil {
		s.clearChallengeCookie(w, r)
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	v := secondStepView{Next: next, Enrol: p.Enrol, Passkeys: len(p.Status.Passkeys) > 0, TOTP: p.Status.TOTP, Error: problem}
	if p.Enrol {
		agency, err := s.Svc.Agencies.FindAgencyByID(r.Context(), p.User.AgencyID)
		if err != nil {
			s.errorPage(w, r, err)
			return
		}
		e, err := s.Svc.MFA.BeginSignInTOTP(r.Context(), challenge, issuer(agency))
		if err != nil {
			s.errorPage(w, r, err)
			return
		}
		if v.QR, err = qrSVG(e.URL); err != nil {
			s.errorPage(w, r, err)
			return
		}
		v.Secret = e.Secret
	}
	title := "Second step"
	if p.Enrol {
		title = "Set up a second factor"
	}
	s.render(w, r, status, "login_mfa", title, v)
}

type recoveryView struct {
	Codes []string
	Next  string
}

// secondStep checks the code (or, enrolling, the first code of the new
// secret) and opens the session.
func (s *mfaPages) secondStep(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, citdesk.Errorf(citdesk.EINVALID, "The form could not be read."))
		return
	}
	res, err := s.Svc.MFA.CompleteSignIn(r.Context(), challengeFrom(r), r.PostFormValue("code"), nil)
	if err != nil {
		if citdesk.ErrorCode(err) == citdesk.EINTERNAL {
			s.Log.Error("second step failed", "err", err)
		}
		s.showSecondStep(w, r, web.StatusFor(citdesk.ErrorCode(err)), citdesk.ErrorMessage(err))
		return
	}
	s.signedIn(w, r, res, r.PostFormValue("next"))
}

// signedIn sets the new session and shows the recovery codes once, when
// the user has just enrolled, or goes on to where they were heading.
func (s *mfaPages) signedIn(w http.ResponseWriter, r *http.Request, res *citdesk.SignInResult, next string) {
	if old, ok := web.CredentialFrom(r.Context()); ok && old.Kind == citdesk.SessionCookie {
		if err := s.Svc.Users.EndSession(r.Context(), old.Secret); err != nil {
			s.Log.Warn("end the previous session", "err", err)
		}
	}
	s.clearChallengeCookie(w, r)
	s.SetSessionCookie(w, r, res.Secret)
	if len(res.RecoveryCodes) > 0 {
		// The page is rendered for the user who just signed in.
		actor := citdesk.ActorFor(res.User, s.RemoteAddr(r))
		r = r.WithContext(citdesk.NewContextWithActor(r.Context(), actor))
		s.render(w, r, http.StatusOK, "recovery_codes", "Recovery codes", recoveryView{Codes: res.RecoveryCodes, Next: safeNext(next)})
		return
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

// passkeySignInBegin answers the options for navigator.credentials.get
// for a pending sign-in.
func (s *mfaPages) passkeySignInBegin(w http.ResponseWriter, r *http.Request) {
	challenge := challengeFrom(r)
	p, err := s.Svc.MFA.PendingSignIn(r.Context(), challenge)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	opts, data, err := s.BeginPasskeyLogin(r, p.User, p.Status.Passkeys)
	if err == nil {
		err = s.Svc.MFA.SetChallengeData(r.Context(), challenge, data)
	}
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, opts)
}

// passkeySignInFinish verifies the assertion and opens the session; the
// script then goes to the address it is given.
func (s *mfaPages) passkeySignInFinish(w http.ResponseWriter, r *http.Request) {
	challenge := challengeFrom(r)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.Problem(w, r, web.JSONError(err))
		return
	}
	p, err := s.Svc.MFA.PendingSignIn(r.Context(), challenge)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	data, err := s.Svc.MFA.ChallengeData(r.Context(), challenge)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	key, err := s.FinishPasskeyLogin(r, p.User, p.Status.Passkeys, data, body)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	res, err := s.Svc.MFA.CompleteSignIn(r.Context(), challenge, "", key)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	s.clearChallengeCookie(w, r)
	s.SetSessionCookie(w, r, res.Secret)
	web.WriteJSON(w, http.StatusOK, map[string]string{"next": safeNext(r.URL.Query().Get("next"))})
}

type securityView struct {
	Status *citdesk.MFAStatus
	Secret string
	QR     template.HTML
	Codes  []string
	Error  string
}

// securityPage shows the user's second factors and lets them add one.
func (s *mfaPages) securityPage(w http.ResponseWriter, r *http.Request) error {
	return s.showSecurity(w, r, http.StatusOK, securityView{})
}

func (s *mfaPages) showSecurity(w http.ResponseWriter, r *http.Request, status int, v securityView) error {
	st, err := s.Svc.MFA.Status(r.Context())
	if err != nil {
		return err
	}
	v.Status = st
	s.render(w, r, status, "security", "Sign-in security", v)
	return nil
}

// beginTOTP shows a new secret as a QR code with the form to confirm it.
func (s *mfaPages) beginTOTP(w http.ResponseWriter, r *http.Request) error {
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	e, err := s.Svc.MFA.BeginTOTP(r.Context(), issuer(agency))
	if err != nil {
		return err
	}
	qr, err := qrSVG(e.URL)
	if err != nil {
		return err
	}
	return s.showSecurity(w, r, http.StatusOK, securityView{Secret: e.Secret, QR: qr})
}

// confirmTOTP makes the secret on offer the user's factor and shows the
// recovery codes once.
func (s *mfaPages) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	codes, err := s.Svc.MFA.ConfirmTOTP(r.Context(), r.PostFormValue("code"))
	if citdesk.ErrorCode(err) == citdesk.EINVALID {
		return s.showSecurity(w, r, http.StatusUnprocessableEntity, securityView{Error: citdesk.ErrorMessage(err)})
	} else if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "recovery_codes", "Recovery codes", recoveryView{Codes: codes, Next: "/account/security"})
	return nil
}

// passkeyRegisterBegin answers the options for navigator.credentials.create.
func (s *mfaPages) passkeyRegisterBegin(w http.ResponseWriter, r *http.Request) error {
	opts, ceremony, err := s.BeginPasskeyRegistration(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"ceremony": ceremony, "options": opts})
	return nil
}

// passkeyRegisterFinish verifies and stores the new passkey. Its query
// names the ceremony and the passkey; the body is the credential.
func (s *mfaPages) passkeyRegisterFinish(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return web.JSONError(err)
	}
	q := r.URL.Query()
	codes, err := s.FinishPasskeyRegistration(r, q.Get("ceremony"), q.Get("name"), body)
	if err != nil {
		return err
	}
	if codes == nil {
		codes = []string{}
	}
	web.WriteJSON(w, http.StatusCreated, map[string]any{"recovery_codes": codes})
	return nil
}

type stepUpView struct {
	Next  string
	TOTP  bool
	Error string
}

// stepUpPage asks for the password and code again before a sensitive action.
func (s *mfaPages) stepUpPage(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Svc.MFA.Status(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "step_up", "Confirm it is you", stepUpView{Next: safeNext(r.URL.Query().Get("next")), TOTP: st.Enrolled()})
	return nil
}

func (s *mfaPages) stepUp(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.PostFormValue("next"))
	cred, ok := web.CredentialFrom(r.Context())
	if !ok {
		return citdesk.Errorf(citdesk.EUNAUTHORIZED, "You must sign in.")
	}
	err := s.Svc.MFA.StepUp(r.Context(), cred.Secret, r.PostFormValue("password"), r.PostFormValue("code"), false)
	var e *citdesk.Error
	if errors.As(err, &e) && e.Code != citdesk.EINTERNAL {
		st, serr := s.Svc.MFA.Status(r.Context())
		if serr != nil {
			return serr
		}
		s.render(w, r, web.StatusFor(e.Code), "step_up", "Confirm it is you", stepUpView{Next: next, TOTP: st.Enrolled(), Error: e.Message})
		return nil
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
