package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// logBuffer collects the server's log for tests that read it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// newEnvLog is newEnv with the server's log (and the event bus's) kept in
// the returned buffer instead of discarded.
func newEnvLog(t *testing.T, e storetest.Engine, cfg web.Config) (*env, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return newEnvWithLog(t, e, cfg, log), logs
}

// wantProblem checks that res is an RFC 9457 problem with status and, when
// field is not "", that it names field. It returns the problem.
func wantProblem(t *testing.T, res response, status int, field string) web.Problem {
	t.Helper()
	var p web.Problem
	if res.StatusCode != status {
		t.Errorf("status %d, want %d; body %s", res.StatusCode, status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json; body %s", ct, res.Body)
		return p
	}
	if err := json.Unmarshal([]byte(res.Body), &p); err != nil {
		t.Errorf("problem body %q: %v", res.Body, err)
		return p
	}
	if p.Status != res.StatusCode {
		t.Errorf("problem status %d in a %d response", p.Status, res.StatusCode)
	}
	if p.Detail == "" {
		t.Errorf("problem without detail: %s", res.Body)
	}
	if field != "" && p.Field != field {
		t.Errorf("problem field %q, want %q (detail %q)", p.Field, field, p.Detail)
	}
	return p
}

// userCount counts the agency's users straight from the store.
func (e *env) userCount() int {
	e.t.Helper()
	users, err := e.DB.UserService().ListUsers(e.Op)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(users)
}

// cookieValue returns the value of the cookie name that b holds for the
// server, or "".
func (b *browser) cookieValue(name string) string {
	u, _ := url.Parse(b.e.Server.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// setCookie puts a cookie into b's jar, as an attacker planting one would.
func (b *browser) setCookie(name, value string) {
	u, _ := url.Parse(b.e.Server.URL)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// withCookie sends a request carrying only the given session cookie.
func (e *env) withCookie(method, path, session string) response {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.Server.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: "citdesk_session", Value: session})
	b := &browser{e: e, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	return b.send(req)
}

// send sends a request as it is, without following redirects.
func (e *env) send(method, path, body string, headers ...string) response {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.Server.URL+path, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	b := &browser{e: e, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	return b.send(req)
}

// setCookieFor returns the Set-Cookie of res for name, or nil.
func setCookieFor(res response, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func tokenBody(username, password string) map[string]string {
	return map[string]string{"username": username, "password": password}
}

func TestTokenAuth(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		amy := e.user("amy", citdesk.RoleDispatcher)

		res := e.do("POST", "/api/v1/tokens", "", tokenBody("amy", storetest.TestPassword))
		checkOpenAPI(t, "POST", "/tokens", res)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("POST /api/v1/tokens: %d %s", res.StatusCode, res.Body)
		}
		var tok struct {
			Token     string    `json:"token"`
			ExpiresAt time.Time `json:"expires_at"`
		}
		res.JSON(t, &tok)
		if !tok.ExpiresAt.After(e.Clock.Now()) {
			t.Errorf("token expires at %v, not after now %v", tok.ExpiresAt, e.Clock.Now())
		}

		res = e.do("GET", "/api/v1/me", tok.Token, nil)
		checkOpenAPI(t, "GET", "/me", res)
		var me struct {
			User   citdesk.User   `json:"user"`
			Agency citdesk.Agency `json:"agency"`
		}
		res.JSON(t, &me)
		if res.StatusCode != http.StatusOK || me.User.ID != amy.ID || me.User.Username != "amy" || me.Agency.Slug != "desoto" {
			t.Errorf("GET /api/v1/me: %d %s", res.StatusCode, res.Body)
		}
		if strings.Contains(res.Body, "password") || strings.Contains(res.Body, "$argon2") {
			t.Errorf("GET /api/v1/me shows the password hash: %s", res.Body)
		}

		for _, tc := range []struct {
			name, auth string
		}{
			{"no token", ""},
			{"garbage token", "Bearer not-a-real-token-at-all"},
			{"empty bearer", "Bearer "},
			{"basic auth", "Basic YW15OnBhc3N3b3Jk"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var headers []string
				if tc.auth != "" {
					headers = []string{"Authorization", tc.auth}
				}
				res := e.do("GET", "/api/v1/me", "", nil, headers...)
				wantProblem(t, res, http.StatusUnauthorized, "")
				checkOpenAPI(t, "GET", "/me", res)
				if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("401 without WWW-Authenticate: Bearer (got %q)", res.Header.Get("WWW-Authenticate"))
				}
			})
		}

		for _, tc := range []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"wrong password", tokenBody("amy", "not the password"), 401, ""},
			{"unknown user", tokenBody("nobody", storetest.TestPassword), 401, ""},
			{"no username", map[string]string{"password": storetest.TestPassword}, 422, "username"},
			{"no password", map[string]string{"username": "amy"}, 422, "password"},
			{"unknown field", map[string]string{"username": "amy", "password": "x", "totp": "1"}, 422, "totp"},
			{"wrong type", map[string]any{"username": "amy", "password": 12345678}, 422, "password"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := e.do("POST", "/api/v1/tokens", "", tc.body)
				p := wantProblem(t, res, tc.status, tc.field)
				checkOpenAPI(t, "POST", "/tokens", res)
				if tc.status == 401 && p.Detail != "Wrong username or password." {
					t.Errorf("detail %q reveals which of username and password was wrong", p.Detail)
				}
			})
		}

		res = e.do("DELETE", "/api/v1/tokens/current", tok.Token, nil)
		checkOpenAPI(t, "DELETE", "/tokens/current", res)
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("DELETE /api/v1/tokens/current: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("GET", "/api/v1/me", tok.Token, nil)
		wantProblem(t, res, http.StatusUnauthorized, "")
		checkOpenAPI(t, "GET", "/me", res)
		res = e.do("DELETE", "/api/v1/tokens/current", tok.Token, nil)
		wantProblem(t, res, http.StatusUnauthorized, "")
		checkOpenAPI(t, "DELETE", "/tokens/current", res)

		// A browser session is ended by signing out, not through this endpoint.
		b := e.browser()
		b.login("amy")
		res = e.withCookie("DELETE", "/api/v1/tokens/current", b.cookieValue("citdesk_session"))
		wantProblem(t, res, http.StatusUnprocessableEntity, "")
		checkOpenAPI(t, "DELETE", "/tokens/current", res)
	})
}

func TestLockoutOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		// Each attempt names its address: the lockout now lets the right
		// password in from an address the user signed in from before.
		e := newEnv(t, eng, web.Config{TrustProxy: true})
		amy := e.user("amy", citdesk.RoleDispatcher)
		e.user("dan", citdesk.RoleDispatcher)
		e.user("root", citdesk.RoleAdmin)
		admin, dan := e.token("root"), e.token("dan")
		from := func(addr string, body any) response {
			return e.do("POST", "/api/v1/tokens", "", body, "X-Forwarded-For", addr)
		}
		wrong := from("198.51.100.1", tokenBody("amy", "wrong password")).Body

		// Five failures lock the account. The answer to the right password
		// from a new address is then the very 401 a wrong password gets
		// (it was 423 "locked", which told a guesser the username exists);
		// the audit trail has the reason.
		lockOut := func(t *testing.T, round int) {
			t.Helper()
			for i := range 5 {
				res := from(fmt.Sprintf("198.51.100.%d", 10*round+i), tokenBody("amy", "wrong password "+fmt.Sprint(i)))
				wantProblem(t, res, http.StatusUnauthorized, "")
				checkOpenAPI(t, "POST", "/tokens", res)
			}
			res := from(fmt.Sprintf("198.51.100.%d", 90+round), tokenBody("amy", storetest.TestPassword))
			wantProblem(t, res, http.StatusUnauthorized, "")
			checkOpenAPI(t, "POST", "/tokens", res)
			if res.Body != wrong {
				t.Errorf("locked account answers %s, a wrong password %s", res.Body, wrong)
			}
		}

		lockOut(t, 1)
		// The sign-in form says no more than it does for a wrong password.
		res := e.browser().form("/login", url.Values{"username": {"amy"}, "password": {storetest.TestPassword}})
		if res.StatusCode != http.StatusUnauthorized || strings.Contains(res.Body, "locked") || setCookieFor(res, "citdesk_session") != nil {
			t.Errorf("locked sign-in form: %d, want 401 not saying locked and no session; body %s", res.StatusCode, res.Body)
		}
		e.Clock.Advance(10*time.Minute - time.Second)
		res = from("198.51.100.91", tokenBody("amy", storetest.TestPassword))
		wantProblem(t, res, http.StatusUnauthorized, "")
		e.Clock.Advance(2 * time.Second)
		res = from("198.51.100.91", tokenBody("amy", storetest.TestPassword))
		checkOpenAPI(t, "POST", "/tokens", res)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("after 10 minutes: %d %s, want 201", res.StatusCode, res.Body)
		}

		lockOut(t, 2)
		unlock := fmt.Sprintf("/api/v1/users/%d/unlock", amy.ID)
		res = e.do("POST", unlock, dan, nil)
		wantProblem(t, res, http.StatusForbidden, "")
		checkOpenAPI(t, "POST", "/users/{id}/unlock", res)
		res = from("198.51.100.98", tokenBody("amy", storetest.TestPassword))
		wantProblem(t, res, http.StatusUnauthorized, "")

		// The admin's token is older than the step-up window now: unlocking
		// needs the password again first (this admin has no second factor
		// and the test agency's MFA policy is optional).
		res = e.do("POST", unlock, admin, nil)
		wantProblem(t, res, http.StatusForbidden, "")
		checkOpenAPI(t, "POST", "/users/{id}/unlock", res)
		res = e.do("POST", "/api/v1/me/step-up", admin, map[string]string{"password": storetest.TestPassword})
		checkOpenAPI(t, "POST", "/me/step-up", res)
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("step-up: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("POST", unlock, admin, nil)
		checkOpenAPI(t, "POST", "/users/{id}/unlock", res)
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("admin unlock: %d %s", res.StatusCode, res.Body)
		}
		res = from("198.51.100.98", tokenBody("amy", storetest.TestPassword))
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("after unlock: %d %s, want 201", res.StatusCode, res.Body)
		}

		res = e.do("POST", "/api/v1/users/999999/unlock", admin, nil)
		wantProblem(t, res, http.StatusNotFound, "")
		checkOpenAPI(t, "POST", "/users/{id}/unlock", res)
		res = e.do("POST", "/api/v1/users/abc/unlock", admin, nil)
		wantProblem(t, res, http.StatusNotFound, "")
		checkOpenAPI(t, "POST", "/users/{id}/unlock", res)
	})
}

func TestIdleTimeout(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("amy", citdesk.RoleDispatcher)
		b := e.browser()
		b.login("amy")
		if res := b.get("/"); res.StatusCode != http.StatusOK {
			t.Fatalf("GET / after sign-in: %d", res.StatusCode)
		}
		// Activity keeps the session alive past 30 minutes in all.
		for range 2 {
			e.Clock.Advance(29 * time.Minute)
			if res := b.get("/"); res.StatusCode != http.StatusOK {
				t.Fatalf("GET / after 29 idle minutes: %d, want 200", res.StatusCode)
			}
		}
		session := b.cookieValue("citdesk_session")
		e.Clock.Advance(31 * time.Minute)
		res := b.get("/")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("GET / after 31 idle minutes: %d Location %q, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
		}
		// The idle session stays ended even if the clock could be fooled.
		res = e.withCookie("GET", "/api/v1/me", session)
		wantProblem(t, res, http.StatusUnauthorized, "")
		checkOpenAPI(t, "GET", "/me", res)
	})
}

func TestSignOutEndsSession(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("amy", citdesk.RoleDispatcher)
		b := e.browser()
		b.login("amy")
		old := b.cookieValue("citdesk_session")
		if old == "" {
			t.Fatal("no session cookie after sign-in")
		}
		if res := e.withCookie("GET", "/api/v1/me", old); res.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/me with the session cookie: %d %s", res.StatusCode, res.Body)
		}
		res := b.form("/logout", url.Values{})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Fatalf("POST /logout: %d Location %q, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
		}
		if c := setCookieFor(res, "citdesk_session"); c == nil || c.Value != "" || c.MaxAge >= 0 {
			t.Errorf("sign-out does not clear the cookie: %v", c)
		}
		res = e.withCookie("GET", "/", old)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("GET / with the old cookie: %d Location %q, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
		}
		res = e.withCookie("GET", "/api/v1/me", old)
		wantProblem(t, res, http.StatusUnauthorized, "")
		checkOpenAPI(t, "GET", "/me", res)
	})
}

func TestNewSessionIDAtLogin(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("amy", citdesk.RoleDispatcher)
		e.user("mallory", citdesk.RoleAnalyst)

		t.Run("forged cookie", func(t *testing.T) {
			b := e.browser()
			b.setCookie("citdesk_session", "forged-session-id-0123456789")
			b.login("amy")
			if v := b.cookieValue("citdesk_session"); v == "" || v == "forged-session-id-0123456789" {
				t.Errorf("session cookie after sign-in = %q, want a new one", v)
			}
			if res := b.get("/api/v1/me"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"username":"amy"`) {
				t.Errorf("GET /api/v1/me after sign-in: %d %s", res.StatusCode, res.Body)
			}
		})

		t.Run("planted live session", func(t *testing.T) {
			// Mallory plants her own live session in Amy's browser; when
			// Amy signs in she gets a new session and Mallory's ends.
			m := e.browser()
			m.login("mallory")
			planted := m.cookieValue("citdesk_session")
			b := e.browser()
			b.setCookie("citdesk_session", planted)
			b.login("amy")
			if v := b.cookieValue("citdesk_session"); v == "" || v == planted {
				t.Errorf("session cookie after sign-in = %q, want a new one", v)
			}
			res := e.withCookie("GET", "/api/v1/me", planted)
			wantProblem(t, res, http.StatusUnauthorized, "")
		})
	})
}

func TestCrossOriginRefused(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("amy", citdesk.RoleDispatcher)
		e.user("root", citdesk.RoleAdmin)
		admin := e.token("root")
		users := e.userCount()
		signins := func() int {
			events, err := e.DB.AuditService().ListAudit(e.Op, citdesk.AuditFilter{Action: "signin"})
			if err != nil {
				t.Fatal(err)
			}
			return len(events)
		}
		before := signins()

		for _, tc := range []struct {
			name    string
			headers []string
		}{
			{"cross-site fetch", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}},
			{"same-site other origin", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "same-site"}},
			{"origin only", []string{"Origin", "https://evil.example"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := url.Values{"username": {"amy"}, "password": {storetest.TestPassword}}.Encode()
				res := e.send("POST", "/login", form, append([]string{"Content-Type", "application/x-www-form-urlencoded"}, tc.headers...)...)
				wantProblem(t, res, http.StatusForbidden, "")
				if c := setCookieFor(res, "citdesk_session"); c != nil {
					t.Errorf("cross-origin sign-in set a session cookie")
				}
				res = e.do("POST", "/api/v1/users", admin, map[string]any{"username": "eve", "roles": []string{"admin"}, "password": "a long enough password"}, tc.headers...)
				wantProblem(t, res, http.StatusForbidden, "")
				checkOpenAPI(t, "POST", "/users", res)
				if n := e.userCount(); n != users {
					t.Errorf("cross-origin POST /api/v1/users: %d users, want %d", n, users)
				}
			})
		}
		if n := signins(); n != before {
			t.Errorf("cross-origin sign-ins reached the store: %d sign-in events, want %d", n, before)
		}

		// The same requests from the site itself work.
		same := []string{"Origin", e.Server.URL, "Sec-Fetch-Site", "same-origin"}
		form := url.Values{"username": {"amy"}, "password": {storetest.TestPassword}}.Encode()
		res := e.send("POST", "/login", form, append([]string{"Content-Type", "application/x-www-form-urlencoded"}, same...)...)
		if res.StatusCode != http.StatusSeeOther || setCookieFor(res, "citdesk_session") == nil {
			t.Errorf("same-origin sign-in: %d, want 303 with a session cookie", res.StatusCode)
		}
		res = e.do("POST", "/api/v1/users", admin, map[string]any{"username": "bob", "roles": []string{"analyst"}, "password": "a long enough password"}, same...)
		checkOpenAPI(t, "POST", "/users", res)
		if res.StatusCode != http.StatusCreated || e.userCount() != users+1 {
			t.Errorf("same-origin POST /api/v1/users: %d %s", res.StatusCode, res.Body)
		}
		// A system with a bearer token sends no browser headers and passes.
		res = e.do("POST", "/api/v1/users", admin, map[string]any{"username": "cad", "roles": []string{"dispatcher"}, "password": "a long enough password"})
		if res.StatusCode != http.StatusCreated {
			t.Errorf("POST /api/v1/users without browser headers: %d %s", res.StatusCode, res.Body)
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	check := func(t *testing.T, res response, hsts bool) {
		t.Helper()
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
			}
		}
		if v := res.Header.Get("X-Content-Type-Options"); v != "nosniff" {
			t.Errorf("X-Content-Type-Options = %q, want nosniff", v)
		}
		if v := res.Header.Get("Referrer-Policy"); v == "" || v == "unsafe-url" {
			t.Errorf("Referrer-Policy = %q", v)
		}
		if got := res.Header.Get("Strict-Transport-Security") != ""; got != hsts {
			t.Errorf("Strict-Transport-Security present = %v, want %v (%q)", got, hsts, res.Header.Get("Strict-Transport-Security"))
		}
	}
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		e, logs := newEnvLog(t, eng, web.Config{})
		e.user("amy", citdesk.RoleDispatcher)
		tok := e.token("amy")
		b := e.browser()
		b.login("amy")
		for _, tc := range []struct {
			name   string
			path   string
			status int
		}{
			{"sign-in page", "/login", 200},
			{"page 404", "/nope", 404},
			{"API 404", "/api/v1/nope", 404},
			{"health", "/healthz", 200},
			{"static", "/static/nope.css", 404},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := e.do("GET", tc.path, "", nil)
				if res.StatusCode != tc.status {
					t.Errorf("GET %s: %d, want %d", tc.path, res.StatusCode, tc.status)
				}
				check(t, res, false)
				if strings.HasPrefix(tc.path, "/api/") {
					wantProblem(t, res, tc.status, "")
				}
			})
		}
		t.Run("redirect", func(t *testing.T) {
			res := e.browser().get("/")
			if res.StatusCode != http.StatusSeeOther {
				t.Errorf("GET / anonymous: %d, want 303", res.StatusCode)
			}
			check(t, res, false)
		})
		t.Run("X-Forwarded-Proto ignored without TrustProxy", func(t *testing.T) {
			check(t, e.do("GET", "/login", "", nil, "X-Forwarded-Proto", "https"), false)
		})

		t.Run("500", func(t *testing.T) {
			e.DB.Close()
			res := e.do("GET", "/api/v1/me", tok, nil)
			wantProblem(t, res, http.StatusInternalServerError, "")
			checkOpenAPISchema(t, "#/components/schemas/Problem", res.Body)
			check(t, res, false)
			for _, leak := range []string{"sql", "database is closed", "closed", "store", ".go"} {
				if strings.Contains(strings.ToLower(res.Body), leak) {
					t.Errorf("500 body leaks %q: %s", leak, res.Body)
				}
			}
			if !strings.Contains(logs.String(), "database is closed") {
				t.Errorf("the cause of the 500 is not in the log:\n%s", logs.String())
			}
			// A page with a session cookie gets the same headers.
			res = b.get("/")
			if res.StatusCode != http.StatusInternalServerError {
				t.Errorf("GET / with the database closed: %d, want 500", res.StatusCode)
			}
			check(t, res, false)
			if strings.Contains(res.Body, "database is closed") {
				t.Errorf("500 page leaks the cause: %s", res.Body)
			}
		})
	})

	t.Run("HSTS behind TLS proxy", func(t *testing.T) {
		e := newEnv(t, storetest.SQLite, web.Config{TrustProxy: true})
		check(t, e.do("GET", "/login", "", nil, "X-Forwarded-Proto", "https"), true)
		check(t, e.do("GET", "/nope", "", nil, "X-Forwarded-Proto", "https"), true)
		check(t, e.do("GET", "/api/v1/nope", "", nil, "X-Forwarded-Proto", "https"), true)
		check(t, e.do("GET", "/login", "", nil, "X-Forwarded-Proto", "http"), false)
		check(t, e.do("GET", "/login", "", nil), false)
		e.user("amy", citdesk.RoleDispatcher)
		res := e.send("POST", "/login", url.Values{"username": {"amy"}, "password": {storetest.TestPassword}}.Encode(), "Content-Type", "application/x-www-form-urlencoded", "X-Forwarded-Proto", "https")
		check(t, res, true)
		if c := setCookieFor(res, "citdesk_session"); c == nil || !c.Secure {
			t.Errorf("session cookie behind a TLS proxy %+v, want Secure", c)
		}
	})
	t.Run("HSTS and Secure cookie with TLS", func(t *testing.T) {
		e := newEnv(t, storetest.SQLite, web.Config{TLS: true})
		e.user("amy", citdesk.RoleDispatcher)
		res := e.send("POST", "/login", url.Values{"username": {"amy"}, "password": {storetest.TestPassword}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
		check(t, res, true)
		c := setCookieFor(res, "citdesk_session")
		if c == nil || !c.Secure || !c.HttpOnly || c.SameSite == http.SameSiteNoneMode || c.SameSite == http.SameSiteDefaultMode {
			t.Errorf("session cookie %+v, want Secure, HttpOnly, SameSite", c)
		}
	})
	t.Run("cookie flags over plain HTTP", func(t *testing.T) {
		e := newEnv(t, storetest.SQLite, web.Config{})
		e.user("amy", citdesk.RoleDispatcher)
		res := e.browser().form("/login", url.Values{"username": {"amy"}, "password": {storetest.TestPassword}})
		c := setCookieFor(res, "citdesk_session")
		if c == nil || c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("session cookie %+v, want HttpOnly, SameSite=Lax, not Secure", c)
		}
	})
}

// unsizedReader hides a body's length so the request is sent chunked and
// only the server's reading limit can stop it.
type unsizedReader struct{ r io.Reader }

func (u unsizedReader) Read(p []byte) (int, error) { return u.r.Read(p) }

func TestBodyLimit(t *testing.T) {
	eachEnv(t, web.Config{MaxBody: 1024}, func(t *testing.T, e *env) {
		e.user("root", citdesk.RoleAdmin)
		admin := e.token("root")
		users := e.userCount()
		big, _ := json.Marshal(map[string]any{"username": "bob", "display_name": strings.Repeat("B", 2048), "roles": []string{"analyst"}, "password": "a long enough password"})

		res := e.do("POST", "/api/v1/users", admin, string(big))
		wantProblem(t, res, http.StatusRequestEntityTooLarge, "")
		checkOpenAPI(t, "POST", "/users", res)

		req, _ := http.NewRequest("POST", e.Server.URL+"/api/v1/users", unsizedReader{bytes.NewReader(big)})
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+admin)
		res = (&browser{e: e, client: http.DefaultClient}).send(req)
		wantProblem(t, res, http.StatusRequestEntityTooLarge, "")
		checkOpenAPI(t, "POST", "/users", res)

		res = e.do("POST", "/api/v1/tokens", "", `{"username":"root","password":"`+strings.Repeat("x", 2048)+`"}`)
		wantProblem(t, res, http.StatusRequestEntityTooLarge, "")
		checkOpenAPI(t, "POST", "/tokens", res)

		if n := e.userCount(); n != users {
			t.Errorf("%d users after oversized requests, want %d", n, users)
		}
		// Under the limit is fine.
		res = e.do("POST", "/api/v1/users", admin, map[string]any{"username": "bob", "roles": []string{"analyst"}, "password": "a long enough password"})
		if res.StatusCode != http.StatusCreated {
			t.Errorf("small POST /api/v1/users: %d %s", res.StatusCode, res.Body)
		}
	})
}

func TestBadInput(t *testing.T) {
	const ok = `"username":"bob","roles":["analyst"],"password":"a long enough password"`
	tests := []struct {
		name, body  string
		contentType string
		status      int
		field       string // "" when no one field is to blame
		detail      string // a fragment of the detail
	}{
		{"malformed JSON", `{"username":"bob",`, "", 422, "", "Malformed JSON"},
		{"syntax error", `{"username" "bob"}`, "", 422, "", "Malformed JSON"},
		{"unknown field", `{` + ok + `,"nickname":"bobby"}`, "", 422, "nickname", "nickname"},
		{"wrong type roles", `{"username":"bob","roles":"admin","password":"a long enough password"}`, "", 422, "roles", "array"},
		{"wrong type username", `{"username":7,"roles":["analyst"],"password":"a long enough password"}`, "", 422, "username", "string"},
		{"wrong type officer_id", `{` + ok + `,"officer_id":"7"}`, "", 422, "officer_id", "number"},
		{"no password", `{"username":"bob","roles":["analyst"]}`, "", 422, "password", "Password"},
		{"short password", `{"username":"bob","roles":["analyst"],"password":"short"}`, "", 422, "password", "8 characters"},
		{"common password", `{"username":"bob","roles":["analyst"],"password":"password123"}`, "", 422, "password", ""},
		{"no username", `{"roles":["analyst"],"password":"a long enough password"}`, "", 422, "username", "Username"},
		{"no roles", `{"username":"bob","password":"a long enough password"}`, "", 422, "roles", ""},
		{"unknown role", `{"username":"bob","roles":["chief"],"password":"a long enough password"}`, "", 422, "roles", ""},
		{"officer without record", `{"username":"bob","roles":["officer"],"password":"a long enough password"}`, "", 422, "officer_id", ""},
		{"officer of no such record", `{"username":"bob","roles":["officer"],"officer_id":999999,"password":"a long enough password"}`, "", 422, "officer_id", ""},
		{"taken username", `{"username":"root","roles":["analyst"],"password":"a long enough password"}`, "", 422, "username", "cannot be used"},
		{"trailing data", `{` + ok + `} {"username":"eve"}`, "", 422, "", "single JSON object"},
		{"trailing garbage", `{` + ok + `}x`, "", 422, "", ""},
		{"empty body", ``, "", 422, "", "empty"},
		{"array body", `[{` + ok + `}]`, "", 422, "", "object"},
		{"null body", `null`, "", 422, "", ""},
		{"wrong Content-Type", `{` + ok + `}`, "text/plain", 422, "", "application/json"},
		{"form Content-Type", `username=bob`, "application/x-www-form-urlencoded", 422, "", "application/json"},
	}
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("root", citdesk.RoleAdmin)
		admin := e.token("root")
		users := e.userCount()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				headers := []string{}
				if tt.contentType != "" {
					headers = append(headers, "Content-Type", tt.contentType)
				}
				var body any = tt.body
				if tt.body == "" {
					body = nil
				}
				res := e.do("POST", "/api/v1/users", admin, body, headers...)
				p := wantProblem(t, res, tt.status, tt.field)
				checkOpenAPI(t, "POST", "/users", res)
				if tt.field == "" && p.Field != "" && tt.name != "null body" {
					t.Logf("field %q (none expected)", p.Field)
				}
				if !strings.Contains(p.Detail, tt.detail) {
					t.Errorf("detail %q does not contain %q", p.Detail, tt.detail)
				}
				if n := e.userCount(); n != users {
					t.Errorf("%d users after a refused request, want %d", n, users)
				}
			})
		}
		res := e.do("POST", "/api/v1/users", admin, `{`+ok+`}`)
		checkOpenAPI(t, "POST", "/users", res)
		if res.StatusCode != http.StatusCreated || e.userCount() != users+1 {
			t.Errorf("good POST /api/v1/users: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("GET", "/api/v1/users", admin, nil)
		checkOpenAPI(t, "GET", "/users", res)
		res = e.do("GET", "/api/v1/audit?limit=0", admin, nil)
		wantProblem(t, res, http.StatusUnprocessableEntity, "limit")
		checkOpenAPI(t, "GET", "/audit", res)
	})
}

func TestHealthReadyMetrics(t *testing.T) {
	eachEnv(t, web.Config{Version: "test-1"}, func(t *testing.T, e *env) {
		res := e.do("GET", "/healthz", "", nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"status":"ok"`) {
			t.Errorf("GET /healthz: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("GET", "/readyz", "", nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET /readyz: %d %s", res.StatusCode, res.Body)
		}
		e.do("GET", "/api/v1/me", "", nil)
		// /metrics on the main listener needs a metrics-role token; it used
		// to answer anyone (route names and counts show what staff do).
		if res := e.do("GET", "/metrics", "", nil); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous GET /metrics: %d, want 401", res.StatusCode)
		}
		e.user("analyst1", citdesk.RoleAnalyst)
		if res := e.do("GET", "/metrics", e.token("analyst1"), nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("GET /metrics as analyst: %d, want 403", res.StatusCode)
		}
		e.user("prometheus", citdesk.RoleMetrics)
		res = e.do("GET", "/metrics", e.token("prometheus"), nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "citdesk_http_requests_total") {
			t.Errorf("GET /metrics: %d, want 200 with citdesk_http_requests_total", res.StatusCode)
		}
		if !strings.Contains(res.Body, `route="GET /api/v1/me"`) {
			t.Errorf("/metrics does not count requests by route")
		}
		e.DB.Close()
		res = e.do("GET", "/readyz", "", nil)
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("GET /readyz with the database closed: %d, want 503", res.StatusCode)
		}
		if strings.Contains(res.Body, "closed") {
			t.Errorf("/readyz leaks the cause: %s", res.Body)
		}
		if res := e.do("GET", "/healthz", "", nil); res.StatusCode != http.StatusOK {
			t.Errorf("GET /healthz with the database closed: %d, want 200 (the process is up)", res.StatusCode)
		}
	})
}

func TestSignInAudit(t *testing.T) {
	const wrong = "Wrong-Horse-Battery-9"
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		e, logs := newEnvLog(t, eng, web.Config{})
		amy := e.user("amy", citdesk.RoleDispatcher)
		e.user("root", citdesk.RoleAdmin)

		b := e.browser()
		res := b.form("/login", url.Values{"username": {"amy"}, "password": {wrong}})
		if res.StatusCode != http.StatusUnauthorized || strings.Contains(res.Body, wrong) {
			t.Errorf("failed sign-in page: %d (want 401, password not echoed)", res.StatusCode)
		}
		b.login("amy")
		tok := e.token("amy")
		wantProblem(t, e.do("POST", "/api/v1/tokens", "", tokenBody("amy", wrong)), 401, "")
		admin := e.token("root")

		res = e.do("GET", "/api/v1/audit?action=signin", admin, nil)
		checkOpenAPI(t, "GET", "/audit", res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/audit: %d %s", res.StatusCode, res.Body)
		}
		var list struct{ Events []citdesk.AuditEvent }
		res.JSON(t, &list)
		var ok, failed int
		for _, ev := range list.Events {
			if ev.Action != "signin" {
				t.Errorf("action=signin lists a %q event", ev.Action)
			}
			if ev.UserID != amy.ID {
				continue
			}
			switch ev.Outcome {
			case citdesk.OutcomeSuccess:
				ok++
			case citdesk.OutcomeFailure:
				failed++
			}
			if ev.At.IsZero() || ev.At.Location() != time.UTC || ev.Remote == "" || ev.ObjectType != "user" {
				t.Errorf("sign-in event lacks when (UTC), where or what: %+v", ev)
			}
		}
		if ok != 2 || failed != 2 {
			t.Errorf("amy's sign-in events: %d successes and %d failures, want 2 and 2:\n%s", ok, failed, res.Body)
		}
		for _, secret := range []string{storetest.TestPassword, wrong, tok} {
			if strings.Contains(res.Body, secret) {
				t.Errorf("the audit trail holds a password or token %q", secret)
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("the server log holds a password or token %q", secret)
			}
		}
		if !strings.Contains(logs.String(), "route=\"POST /login\"") {
			t.Errorf("requests are not logged:\n%s", logs.String())
		}

		res = e.do("GET", "/api/v1/audit", tok, nil)
		wantProblem(t, res, http.StatusForbidden, "")
		checkOpenAPI(t, "GET", "/audit", res)
	})
}
