package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"citdesk/webhook"
)

// TestWebhookSurvivesKill9: the real binary takes a call while the CAD's
// receiver is down (503), is killed with SIGKILL, and started again; once
// the receiver is back the same delivery (same idempotency key, a valid
// signature) arrives: nothing is lost across an outage and a kill -9.
func TestWebhookSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "citdesk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(tmp, "data")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("citdesk %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	run("agency", "add", "desoto", "--data", data, "--name", "De Soto PD", "--timezone", "America/Chicago")
	token := run("service-account", "add", "--data", data, "--agency", "desoto", "--name", "cad", "--scopes", "calls:write,webhooks:admin")

	const secret = "the county CAD's webhook secret"
	var mu sync.Mutex
	status := http.StatusServiceUnavailable
	var keys []string
	var good []string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		keys = append(keys, r.Header.Get(webhook.IdempotencyHeader))
		if status == http.StatusOK && webhook.Verify([]byte(secret), body, r.Header.Get(webhook.SignatureHeader)) {
			good = append(good, r.Header.Get(webhook.IdempotencyHeader))
		}
		w.WriteHeader(status)
	}))
	defer rcv.Close()
	seen := func() (int, int) { mu.Lock(); defer mu.Unlock(); return len(keys), len(good) }

	post := func(base, path string, body any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("POST %s: %d", path, res.StatusCode)
		}
	}
	srv, base := startBinary(t, bin, data)
	post(base, "/api/v1/webhooks", map[string]any{"url": rcv.URL, "events": []string{"call.created"}, "secret": secret})
	post(base, "/api/v1/calls", map[string]any{"nature": "Welfare check", "address": "12 Elm St"})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if n, _ := seen(); n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no delivery was tried while the receiver was down")
		}
	}
	if err := srv.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	srv.Wait()

	mu.Lock()
	status = http.StatusOK
	mu.Unlock()
	startBinary(t, bin, data)
	// The first retry waits 10 s after the failed try; a delivery the
	// killed server had claimed (mid-send) waits for its claim to lapse
	// first, up to the sender's one-minute lease.
	for deadline := time.Now().Add(time.Minute + 40*time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, g := seen(); g > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the delivery never arrived after the restart")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if good[0] != keys[0] || len(good) != 1 {
		t.Errorf("delivered keys %v after tries %v: want the one delivery, once", good, keys)
	}
}
