package server_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// browserTimeout bounds everything one browser test does, so a page that
// never loads fails the test instead of hanging the run.
const browserTimeout = 60 * time.Second

// chromiumPath finds the browser: $CITDESK_CHROMIUM, Debian's
// /usr/bin/chromium, or chromium / google-chrome on PATH.
func chromiumPath() string {
	if p := os.Getenv("CITDESK_CHROMIUM"); p != "" {
		if lp, err := exec.LookPath(p); err == nil {
			return lp
		}
		return ""
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newChrome starts a headless Chromium with a fresh profile for this test
// and returns a context for its first tab. The returned context carries the
// test's overall deadline; the browser is stopped when the test ends.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	return newChromeFor(t, browserTimeout)
}

// newChromeFor is newChrome with a deadline of its own, for a test that
// plays a long story (a whole night shift) across several tabs.
func newChromeFor(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CITDESK_REQUIRE_BROWSER") != "" {
			t.Fatal("CITDESK_REQUIRE_BROWSER is set but no Chromium was found: apt-get install chromium (or set CITDESK_CHROMIUM)")
		}
		t.Skip("browser tests need Chromium: apt-get install chromium (or set CITDESK_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// The first Do starts the browser. It must not carry a deadline (a
	// deadline on it would stop the browser), so the test's deadline goes
	// on a child context below.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	ctx, cancel := context.WithTimeout(browserCtx, timeout)
	t.Cleanup(cancel)
	return ctx
}

// newPhone is newChrome with the viewport of a phone (390×844, mobile and
// touch emulation), for the officer's view in a patrol car.
func newPhone(t *testing.T) context.Context {
	t.Helper()
	ctx := newChrome(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844,
		chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("emulate phone: %v", err)
	}
	return ctx
}

// newTab returns a tab in a new browser context of the same browser: it
// shares no cookies or storage with browser, so two people can be signed in
// at once (a dispatcher and an officer, say). It has a desktop viewport.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a new browser context: %v", err)
	}
	return ctx
}

// chromeLogin signs username in through the sign-in form in the browser
// and waits for the page that follows.
func (e *env) chromeLogin(t *testing.T, ctx context.Context, username string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.Server.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), storetest.TestPassword),
	); err != nil {
		t.Fatalf("sign-in form: %v", err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`))); err != nil {
		t.Fatalf("submit sign-in form: %v", err)
	}
	loc := chromeLocation(t, ctx)
	if loc.Path == "/login" {
		msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".alert")))
		t.Fatalf("sign-in as %s failed: still on %s: %q", username, loc, msg)
	}
	if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("page after sign-in: %v", err)
	}
}

// chromeLocation returns the URL the tab shows.
func chromeLocation(t *testing.T, ctx context.Context) *url.URL {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("read location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("parse location %q: %v", loc, err)
	}
	return u
}

var screenshotName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// screenshot saves a PNG of the tab's viewport as
// $CITDESK_SCREENSHOTS/<test>-<name>.png, for people to look at; without
// CITDESK_SCREENSHOTS it does nothing.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("CITDESK_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	file := screenshotName.ReplaceAllString(strings.ReplaceAll(t.Name(), "/", "-")+"-"+name, "_") + ".png"
	if err := os.WriteFile(filepath.Join(dir, file), buf, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
}

// chromeCookie returns the value of the cookie name that the tab would send
// to the test server, or "".
func (e *env) chromeCookie(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	res, err := chromedp.Run(ctx, func(ctx context.Context, tgt *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, tgt, network.GetCookies, network.GetCookiesParams{URLs: []string{e.Server.URL + "/"}})
	})
	if err != nil {
		t.Fatalf("read cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// TestBrowserSignInOut signs a dispatcher in and out in a real browser,
// then puts the old session cookie back: the server must refuse it.
func TestBrowserSignInOut(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	e.user("dispatcher", citdesk.RoleDispatcher)
	ctx := newChrome(t)

	e.chromeLogin(t, ctx, "dispatcher")
	if loc := chromeLocation(t, ctx); loc.Path != "/" {
		t.Fatalf("after sign-in the browser shows %s, want /", loc)
	}
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("header .who")))
	if err != nil {
		t.Fatalf("read signed-in user: %v", err)
	}
	if strings.TrimSpace(who) != "dispatcher" {
		t.Errorf("header shows user %q, want dispatcher", who)
	}
	screenshot(t, ctx, "home")
	session := e.chromeCookie(t, ctx, "citdesk_session")
	if session == "" {
		t.Fatal("no session cookie after sign-in")
	}

	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type=submit]`))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	if loc := chromeLocation(t, ctx); loc.Path != "/login" {
		t.Fatalf("after sign-out the browser shows %s, want /login", loc)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("username"))); err != nil {
		t.Fatalf("sign-in form after sign-out: %v", err)
	}
	if c := e.chromeCookie(t, ctx, "citdesk_session"); c != "" {
		t.Errorf("session cookie still in the browser after sign-out: %q", c)
	}
	screenshot(t, ctx, "signed-out")

	// Put the old cookie back, as someone who copied it would: the server
	// ended the session, so it must not let it in.
	if err := chromedp.Do(ctx, func(ctx context.Context, tgt *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tgt, network.SetCookie, network.SetCookieParams{Name: "citdesk_session", Value: session, URL: e.Server.URL + "/"})
		return chromedp.Void{}, err
	}); err != nil {
		t.Fatalf("restore old cookie: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.Server.URL+"/")); err != nil {
		t.Fatalf("open /: %v", err)
	}
	if loc := chromeLocation(t, ctx); loc.Path != "/login" {
		t.Errorf("with the old session cookie / shows %s, want a redirect to /login", loc)
	}
}
