package webhook

import (
	"testing"
	"time"

	"citdesk"
)

// TestSignVerify: the signature is the hex HMAC-SHA256 of the body; any
// other body or secret fails.
func TestSignVerify(t *testing.T) {
	body := []byte(`{"event":"call.created"}`)
	sig := Sign([]byte("secret-of-16-chars"), body)
	// echo -n '{"event":"call.created"}' | openssl dgst -sha256 -hmac secret-of-16-chars
	if sig != "sha256=2d00e9a9593edce4435f923afc4340589983e7066ab4710d1c6d26dbd5dec5b3" || !Verify([]byte("secret-of-16-chars"), body, sig) {
		t.Fatalf("Sign = %q", sig)
	}
	if Verify([]byte("another secret!!"), body, sig) || Verify([]byte("secret-of-16-chars"), append(body, ' '), sig) {
		t.Error("a wrong secret or body verifies")
	}
}

// TestRetryBackoff: the wait doubles from First up to Max; the
// MaxAttempts-th failure is the last.
func TestRetryBackoff(t *testing.T) {
	r := citdesk.WebhookRetry{First: 10 * time.Second, Max: time.Minute, MaxAttempts: 5}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for attempt, want := range map[int]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 4: time.Minute} {
		at, dead := r.Next(now, attempt)
		if dead || at.Sub(now) != want {
			t.Errorf("after try %d: %v dead=%v, want %v", attempt, at.Sub(now), dead, want)
		}
	}
	if _, dead := r.Next(now, 5); !dead {
		t.Error("the fifth failure is not the last")
	}
}
