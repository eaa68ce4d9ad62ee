package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// TestSignInThrottledPerAddress: one address trying passwords against many
// accounts is stopped after 20 failures for 15 minutes; successes do not
// count, so a station signing in together is never refused.
func TestSignInThrottledPerAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		e := newEnv(t, eng, web.Config{})
		e.user("real", citdesk.RoleDispatcher)
		for i := 0; i < 30; i++ {
			e.token("real") // successes never count
		}
		for i := 0; i < 20; i++ {
			res := e.do("POST", "/api/v1/tokens", "", map[string]string{"username": fmt.Sprintf("user%d", i), "password": "guess guess guess"})
			if res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i, res.StatusCode)
			}
		}
		res := e.do("POST", "/api/v1/tokens", "", map[string]string{"username": "real", "password": storetest.TestPassword})
		checkOpenAPI(t, "POST", "/tokens", res)
		if res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("21st attempt: %d", res.StatusCode)
		}
		b := e.browser()
		if page := b.form("/login", url.Values{"username": {"real"}, "password": {storetest.TestPassword}}); page.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("sign-in form: %d", page.StatusCode)
		}
		e.Clock.Advance(15*time.Minute + time.Second)
		if res := e.do("POST", "/api/v1/tokens", "", map[string]string{"username": "real", "password": storetest.TestPassword}); res.StatusCode != http.StatusCreated {
			t.Fatalf("after 15 minutes: %d", res.StatusCode)
		}
	})
}
