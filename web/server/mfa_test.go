package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// requiredAgency adds a second agency whose MFA policy is required and
// returns an operator context for it.
func (e *env) requiredAgency(slug string) context.Context {
	e.t.Helper()
	_, op := storetest.AgencyMFA(e.t, e.DB, slug, citdesk.MFARequired)
	return op
}

// code is the TOTP code of a base32 secret at the test clock's time.
func (e *env) code(secret string) string {
	e.t.Helper()
	b, err := citdesk.DecodeTOTPSecret(secret)
	if err != nil {
		e.t.Fatalf("secret %q: %v", secret, err)
	}
	return citdesk.TOTPCode(b, e.Clock.Now())
}

func wantCode(t *testing.T, p web.Problem, code string) {
	t.Helper()
	if p.Code != code {
		t.Errorf("problem code %q, want %q (%s)", p.Code, code, p.Detail)
	}
}

// enrolAPI enrols an authenticator app through the API with token and
// returns its secret and recovery codes.
func (e *env) enrolAPI(t *testing.T, token string) (string, []string) {
	t.Helper()
	res := e.do("POST", "/api/v1/me/mfa/totp", token, nil)
	checkOpenAPI(t, "POST", "/me/mfa/totp", res)
	var offer struct {
		Secret string `json:"secret"`
		URL    string `json:"otpauth_url"`
	}
	res.JSON(t, &offer)
	if res.StatusCode != http.StatusCreated || offer.Secret == "" || !strings.HasPrefix(offer.URL, "otpauth://totp/") || !strings.Contains(offer.URL, "secret="+offer.Secret) {
		t.Fatalf("POST /me/mfa/totp: %d %s", res.StatusCode, res.Body)
	}
	res = e.do("POST", "/api/v1/me/mfa/totp/confirm", token, map[string]string{"code": "000000"})
	checkOpenAPI(t, "POST", "/me/mfa/totp/confirm", res)
	wantProblem(t, res, http.StatusUnprocessableEntity, "code")
	res = e.do("POST", "/api/v1/me/mfa/totp/confirm", token, map[string]string{"code": e.code(offer.Secret)})
	checkOpenAPI(t, "POST", "/me/mfa/totp/confirm", res)
	var done struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	res.JSON(t, &done)
	if res.StatusCode != http.StatusOK || len(done.RecoveryCodes) != 10 {
		t.Fatalf("confirm: %d %s", res.StatusCode, res.Body)
	}
	return offer.Secret, done.RecoveryCodes
}

func TestMFAOverAPI(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		strict := e.requiredAgency("strictpd")
		storetest.User(t, e.DB, strict, "sam", citdesk.RoleDispatcher)

		// Required policy, no factor: the API says to enrol (on the web).
		res := e.do("POST", "/api/v1/tokens", "", tokenBody("sam", storetest.TestPassword))
		checkOpenAPI(t, "POST", "/tokens", res)
		wantCode(t, wantProblem(t, res, http.StatusForbidden, ""), citdesk.EMFAENROL)
		res = e.do("POST", "/api/v1/tokens", "", tokenBody("sam", "not the password"))
		wantCode(t, wantProblem(t, res, http.StatusUnauthorized, ""), citdesk.EUNAUTHORIZED)

		// Optional policy: amy enrols herself; then her code is needed.
		e.user("root", citdesk.RoleAdmin)
		amy := e.user("amy", citdesk.RoleDispatcher)
		secret, recovery := e.enrolAPI(t, e.token("amy"))
		res = e.do("POST", "/api/v1/tokens", "", tokenBody("amy", storetest.TestPassword))
		checkOpenAPI(t, "POST", "/tokens", res)
		wantCode(t, wantProblem(t, res, http.StatusUnauthorized, ""), citdesk.EMFAREQUIRED)
		e.Clock.Advance(30 * time.Second)
		res = e.do("POST", "/api/v1/tokens", "", map[string]string{"username": "amy", "password": storetest.TestPassword, "otp": e.code(secret)})
		checkOpenAPI(t, "POST", "/tokens", res)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("token with otp: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("POST", "/api/v1/tokens", "", map[string]string{"username": "amy", "password": storetest.TestPassword, "otp": e.code(secret)})
		wantCode(t, wantProblem(t, res, http.StatusUnauthorized, ""), citdesk.EUNAUTHORIZED)
		res = e.do("POST", "/api/v1/tokens", "", map[string]string{"username": "amy", "password": storetest.TestPassword, "otp": recovery[0]})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("token with a recovery code: %d %s", res.StatusCode, res.Body)
		}
		var tok struct{ Token string }
		res.JSON(t, &tok)
		amyToken := tok.Token
		res = e.do("GET", "/api/v1/me/mfa", amyToken, nil)
		checkOpenAPI(t, "GET", "/me/mfa", res)
		var st citdesk.MFAStatus
		res.JSON(t, &st)
		if !st.TOTP || st.RecoveryCodesLeft != 9 || st.Required {
			t.Errorf("GET /me/mfa: %s", res.Body)
		}
		res = e.do("POST", "/api/v1/tokens", "", map[string]string{"username": "amy", "password": storetest.TestPassword, "otp": recovery[0]})
		wantCode(t, wantProblem(t, res, http.StatusUnauthorized, ""), citdesk.EUNAUTHORIZED)

		// Step-up: root enrols too, and after five minutes must prove both
		// again before creating a user, unlocking or resetting factors.
		rootSecret, _ := e.enrolAPI(t, e.token("root"))
		e.Clock.Advance(30 * time.Second)
		res = e.do("POST", "/api/v1/tokens", "", map[string]string{"username": "root", "password": storetest.TestPassword, "otp": e.code(rootSecret)})
		res.JSON(t, &tok)
		admin := tok.Token
		newUser := map[string]any{"username": "bob", "roles": []string{"analyst"}, "password": "a long enough password"}
		res = e.do("POST", "/api/v1/users", admin, newUser)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create user just after signing in with a code: %d %s", res.StatusCode, res.Body)
		}
		e.Clock.Advance(5*time.Minute + time.Second)
		for _, path := range []string{"/api/v1/users", fmt.Sprintf("/api/v1/users/%d/unlock", amy.ID), fmt.Sprintf("/api/v1/users/%d/mfa/reset", amy.ID)} {
			var body any
			if path == "/api/v1/users" {
				body = map[string]any{"username": "carl", "roles": []string{"analyst"}, "password": "a long enough password"}
			}
			res = e.do("POST", path, admin, body)
			wantCode(t, wantProblem(t, res, http.StatusForbidden, ""), citdesk.ESTEPUP)
		}
		res = e.do("POST", "/api/v1/me/step-up", admin, map[string]string{"password": storetest.TestPassword})
		checkOpenAPI(t, "POST", "/me/step-up", res)
		wantCode(t, wantProblem(t, res, http.StatusUnauthorized, ""), citdesk.EMFAREQUIRED)
		res = e.do("POST", "/api/v1/me/step-up", admin, map[string]string{"password": storetest.TestPassword, "otp": "123456"})
		wantCode(t, wantProblem(t, res, http.StatusUnauthorized, ""), citdesk.EUNAUTHORIZED)
		res = e.do("POST", "/api/v1/me/step-up", admin, map[string]string{"password": storetest.TestPassword, "otp": e.code(rootSecret)})
		checkOpenAPI(t, "POST", "/me/step-up", res)
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("step-up: %d %s", res.StatusCode, res.Body)
		}

		// An admin resets amy's factors: audited, and her token ends.
		e.user("dan", citdesk.RoleDispatcher)
		dan := e.token("dan")
		res = e.do("POST", fmt.Sprintf("/api/v1/users/%d/mfa/reset", amy.ID), dan, nil)
		checkOpenAPI(t, "POST", "/users/{id}/mfa/reset", res)
		wantProblem(t, res, http.StatusForbidden, "")
		res = e.do("POST", fmt.Sprintf("/api/v1/users/%d/mfa/reset", amy.ID), admin, nil)
		checkOpenAPI(t, "POST", "/users/{id}/mfa/reset", res)
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("reset: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("GET", "/api/v1/me", amyToken, nil)
		wantProblem(t, res, http.StatusUnauthorized, "")
		res = e.do("GET", "/api/v1/audit?action=user.mfa.reset", admin, nil)
		if !strings.Contains(res.Body, fmt.Sprintf(`"object_id":"%d"`, amy.ID)) {
			t.Errorf("no audit event for the reset: %s", res.Body)
		}
		res = e.do("POST", "/api/v1/tokens", "", tokenBody("amy", storetest.TestPassword))
		if res.StatusCode != http.StatusCreated {
			t.Errorf("after reset (optional policy) amy signs in with her password: %d %s", res.StatusCode, res.Body)
		}
	})
}

// TestMFASignInForms walks the pages without a browser on both engines:
// the password leads to enrolment, then to the code.
func TestMFASignInForms(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		storetest.User(t, e.DB, e.requiredAgency("strictpd"), "sam", citdesk.RoleDispatcher)
		b := e.browser()
		res := b.form("/login", url.Values{"username": {"sam"}, "password": {storetest.TestPassword}, "next": {"/board"}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login/mfa") || setCookieFor(res, "citdesk_session") != nil {
			t.Fatalf("password step: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		res = b.get("/board")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("half signed in reaches a page: %d", res.StatusCode)
		}
		res = b.get("/login/mfa?next=%2Fboard")
		m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(res.Body)
		if res.StatusCode != http.StatusOK || m == nil || !strings.Contains(res.Body, "<svg") {
			t.Fatalf("enrolment page: %d %s", res.StatusCode, res.Body)
		}
		res = b.form("/login/mfa", url.Values{"code": {"000000"}, "next": {"/board"}})
		if res.StatusCode != http.StatusUnprocessableEntity || setCookieFor(res, "citdesk_session") != nil {
			t.Fatalf("wrong enrolment code: %d", res.StatusCode)
		}
		// A wrong code showed a new secret: scan again.
		m = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatalf("no secret after a wrong code: %s", res.Body)
		}
		res = b.form("/login/mfa", url.Values{"code": {e.code(m[1])}, "next": {"/board"}})
		if res.StatusCode != http.StatusOK || setCookieFor(res, "citdesk_session") == nil || strings.Count(res.Body, "<li><code>") != 10 {
			t.Fatalf("enrolled: %d %s", res.StatusCode, res.Body)
		}
		var codes []string
		for _, c := range regexp.MustCompile(`<li><code>([a-z0-9-]+)</code></li>`).FindAllStringSubmatch(res.Body, -1) {
			codes = append(codes, c[1])
		}
		if res = b.get("/board"); res.StatusCode != http.StatusOK {
			t.Fatalf("board after enrolment: %d", res.StatusCode)
		}

		// Next sign-in: the code page, and a recovery code works there.
		b = e.browser()
		b.form("/login", url.Values{"username": {"sam"}, "password": {storetest.TestPassword}})
		res = b.form("/login/mfa", url.Values{"code": {codes[0]}})
		if res.StatusCode != http.StatusSeeOther || setCookieFor(res, "citdesk_session") == nil {
			t.Fatalf("recovery code sign-in: %d %s", res.StatusCode, res.Body)
		}
		// Without the challenge cookie, the second step sends you back.
		res = e.browser().get("/login/mfa")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("second step without a password: %d", res.StatusCode)
		}
	})
}

// TestBrowserTOTP enrols an authenticator app and signs in with it in a
// real browser, computing the codes from the secret the page shows.
func TestBrowserTOTP(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	storetest.User(t, e.DB, e.requiredAgency("strictpd"), "medic", citdesk.RoleDispatcher)
	ctx := newChrome(t)

	signIn := func() {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Navigate(e.Server.URL+"/login"),
			chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), "medic"),
			chromedp.SendKeys(chromedp.ID("password"), storetest.TestPassword),
		); err != nil {
			t.Fatalf("sign-in form: %v", err)
		}
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`))); err != nil {
			t.Fatalf("submit sign-in form: %v", err)
		}
		if loc := chromeLocation(t, ctx); loc.Path != "/login/mfa" {
			t.Fatalf("after the password the browser shows %s, want /login/mfa", loc)
		}
	}
	enterCode := func(code string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("code")), chromedp.SendKeys(chromedp.ID("code"), code)); err != nil {
			t.Fatalf("code field: %v", err)
		}
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/login/mfa"] button[type=submit]`))); err != nil {
			t.Fatalf("submit code: %v", err)
		}
	}

	signIn()
	hasQR, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(".qr svg path") !== null`))
	if err != nil || !hasQR {
		t.Fatalf("no QR code on the enrolment page: %v", err)
	}
	screenshot(t, ctx, "enrol")
	secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("totp-secret")))
	if err != nil {
		t.Fatalf("read secret: %v", err)
	}
	enterCode(e.code(strings.TrimSpace(secret)))
	codes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#recovery-codes li").length`))
	if err != nil || codes != 10 {
		t.Fatalf("recovery codes shown: %d (%v)", codes, err)
	}
	screenshot(t, ctx, "recovery-codes")
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("recovery-continue"))); err != nil {
		t.Fatalf("continue: %v", err)
	}
	if loc := chromeLocation(t, ctx); loc.Path != "/" {
		t.Fatalf("after enrolment the browser shows %s, want /", loc)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type=submit]`))); err != nil {
		t.Fatalf("sign out: %v", err)
	}

	// Sign in again with a fresh code (the enrolment code is spent).
	e.Clock.Advance(30 * time.Second)
	signIn()
	enterCode("111111")
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".alert")))
	if err != nil || !strings.Contains(msg, "Wrong") {
		t.Fatalf("wrong code: %q %v", msg, err)
	}
	enterCode(e.code(strings.TrimSpace(secret)))
	if loc := chromeLocation(t, ctx); loc.Path != "/" {
		t.Fatalf("after the code the browser shows %s, want /", loc)
	}
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("header .who")))
	if err != nil || strings.TrimSpace(who) != "medic" {
		t.Fatalf("signed in as %q (%v)", who, err)
	}
	screenshot(t, ctx, "signed-in")
}
