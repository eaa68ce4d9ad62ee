package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// waitFor evaluates a JavaScript condition until it is true or ten seconds pass.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
	}
	msg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("[data-passkey-error]") || {}).textContent || ""`))
	t.Fatalf("%s: not seen in 10 s (page error %q)", what, msg)
}

// TestBrowserPasskey registers a passkey on Chromium's virtual
// authenticator (the DevTools WebAuthn domain) and signs in with it. It
// uses localhost: browsers refuse WebAuthn on an IP address.
func TestBrowserPasskey(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	nurse := e.user("nurse", citdesk.RoleLiaison)
	ctx := newChrome(t)
	base := strings.Replace(e.Server.URL, "127.0.0.1", "localhost", 1)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login"), func(ctx context.Context, tgt *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tgt, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tgt, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{Options: &cdpwebauthn.VirtualAuthenticatorOptions{
			Protocol: cdpwebauthn.AuthenticatorProtocolCtap2, Transport: cdpwebauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
		return chromedp.Void{}, err
	}); err != nil {
		t.Skipf("this Chromium has no virtual authenticator: %v", err)
	}
	signIn := func() {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("username")),
			chromedp.SendKeys(chromedp.ID("username"), "nurse"), chromedp.SendKeys(chromedp.ID("password"), storetest.TestPassword)); err != nil {
			t.Fatalf("sign-in form: %v", err)
		}
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`))); err != nil {
			t.Fatalf("submit: %v", err)
		}
	}

	signIn()
	if loc := chromeLocation(t, ctx); loc.Path != "/" {
		t.Fatalf("optional policy, no factor: after the password the browser shows %s", loc)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/account/security"), chromedp.WaitVisible(chromedp.ID("passkey-name")),
		chromedp.SendKeys(chromedp.ID("passkey-name"), "virtual key"), chromedp.Click(chromedp.CSS("[data-passkey-register]"))); err != nil {
		t.Fatalf("add a passkey: %v", err)
	}
	waitFor(t, ctx, "recovery codes after the first passkey", `document.querySelectorAll("#passkey-codes li").length === 10`)
	screenshot(t, ctx, "passkey-added")
	keys, err := e.DB.MFAService().Passkeys(context.Background(), nurse.ID)
	if err != nil || len(keys) != 1 || keys[0].Name != "virtual key" {
		t.Fatalf("stored passkeys: %+v %v", keys, err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button[type=submit]`))); err != nil {
		t.Fatalf("sign out: %v", err)
	}

	// Now the password leads to the second step, and the passkey signs in.
	signIn()
	if loc := chromeLocation(t, ctx); loc.Path != "/login/mfa" {
		t.Fatalf("after the password the browser shows %s, want /login/mfa", loc)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-passkey-signin]"))); err != nil {
		t.Fatalf("use passkey: %v", err)
	}
	waitFor(t, ctx, "home page after the passkey", `location.pathname === "/" && document.querySelector("header .who") !== null`)
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("header .who")))
	if err != nil || strings.TrimSpace(who) != "nurse" {
		t.Fatalf("signed in as %q (%v)", who, err)
	}
}
