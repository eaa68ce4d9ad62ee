package server_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// TestSignInThrottle: twenty failed sign-ins from one address used to lock
// every user behind it out for 15 minutes (429), a station behind one NAT
// included. Now a user who has signed in from that address before still
// gets in with the right password; a username never seen there does not
// until the window ends; ten failures for one username from one address
// refuse that pair whatever the password; and five failures from anywhere
// lock an account only against addresses it never signed in from, so a
// guesser cannot lock an officer out at the station. Every refusal is the
// same 401.
func TestSignInThrottle(t *testing.T) {
	eachEnv(t, web.Config{TrustProxy: true}, func(t *testing.T, e *env) {
		e.user("real", citdesk.RoleDispatcher)
		e.user("newbie", citdesk.RoleDispatcher)
		e.user("other", citdesk.RoleDispatcher)
		const station = "203.0.113.5"
		signIn := func(addr, user, password string) response {
			t.Helper()
			res := e.do("POST", "/api/v1/tokens", "", map[string]string{"username": user, "password": password}, "X-Forwarded-For", addr)
			checkOpenAPI(t, "POST", "/tokens", res)
			return res
		}
		for range 30 {
			if res := signIn(station, "real", storetest.TestPassword); res.StatusCode != http.StatusCreated { // successes never count
				t.Fatalf("success from the station: %d", res.StatusCode)
			}
		}
		wrong := signIn(station, "nobody", "guess guess guess")
		for i := range 19 {
			if res := signIn(station, fmt.Sprintf("user%d", i), "guess guess guess"); res.StatusCode != http.StatusUnauthorized || res.Body != wrong.Body {
				t.Fatalf("failure %d: %d %s", i, res.StatusCode, res.Body)
			}
		}
		// The address is throttled now.
		if res := signIn(station, "real", storetest.TestPassword); res.StatusCode != http.StatusCreated {
			t.Fatalf("known user at a throttled address: %d %s, want 201", res.StatusCode, res.Body)
		}
		if res := signIn(station, "newbie", storetest.TestPassword); res.StatusCode != http.StatusUnauthorized || res.Body != wrong.Body {
			t.Fatalf("user never seen at a throttled address: %d %s, want the same 401", res.StatusCode, res.Body)
		}
		if res := signIn("198.51.100.7", "newbie", storetest.TestPassword); res.StatusCode != http.StatusCreated {
			t.Fatalf("same user from another address: %d, want 201", res.StatusCode)
		}
		e.Clock.Advance(15*time.Minute + time.Second)
		if res := signIn(station, "newbie", storetest.TestPassword); res.StatusCode != http.StatusCreated {
			t.Fatalf("after 15 minutes: %d", res.StatusCode)
		}

		// Five failures from five addresses lock "real": the right password
		// from a new address is refused, from the station it is not.
		for i := range 5 {
			signIn(fmt.Sprintf("192.0.2.%d", i+1), "real", "guess guess guess")
		}
		if res := signIn("192.0.2.99", "real", storetest.TestPassword); res.StatusCode != http.StatusUnauthorized || res.Body != wrong.Body {
			t.Fatalf("locked account from a new address: %d %s", res.StatusCode, res.Body)
		}
		if res := signIn(station, "real", storetest.TestPassword); res.StatusCode != http.StatusCreated {
			t.Fatalf("locked account from its station: %d %s, want 201", res.StatusCode, res.Body)
		}

		// Ten failures for one username from one address: that pair is
		// refused whatever the password, other users there are not.
		e.Clock.Advance(15*time.Minute + time.Second)
		signIn(station, "other", storetest.TestPassword) // known there, so only the pair throttle can refuse
		for range 10 {
			signIn(station, "other", "guess guess guess")
		}
		if res := signIn(station, "other", storetest.TestPassword); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("throttled pair with the right password: %d", res.StatusCode)
		}
		if res := signIn(station, "real", storetest.TestPassword); res.StatusCode != http.StatusCreated {
			t.Fatalf("another user at that address: %d", res.StatusCode)
		}
	})
}
