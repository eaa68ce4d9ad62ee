package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"citdesk"
	"citdesk/eido"
	"citdesk/web"
	"citdesk/webhook"
)

// receiver is a CAD's webhook endpoint on loopback: it checks each
// delivery's signature and records it, answering status.
type receiver struct {
	*httptest.Server
	secret []byte
	mu     sync.Mutex
	status int
	got    []received
}

type received struct {
	Event, Key, Signature string
	Body                  []byte
	SignatureOK           bool
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{secret: []byte(secret), status: http.StatusOK}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		sig := req.Header.Get(webhook.SignatureHeader)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, received{Event: req.Header.Get(webhook.EventHeader), Key: req.Header.Get(webhook.IdempotencyHeader), Signature: sig, Body: body,
			SignatureOK: webhook.Verify(r.secret, body, sig)})
		w.WriteHeader(r.status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) answer(status int) { r.mu.Lock(); r.status = status; r.mu.Unlock() }

func (r *receiver) deliveries() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// sender drains e's outbox on its fake clock.
func (e *env) sender(retry citdesk.WebhookRetry) *webhook.Sender {
	return &webhook.Sender{Outbox: e.DB.WebhookOutbox(), Clock: e.Clock, Retry: retry}
}

func (e *env) drain(s *webhook.Sender) int {
	e.t.Helper()
	n, err := s.RunOnce(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

const hookSecret = "the CAD's shared secret"

// TestWebhookDelivery: a subscription made through the API gets each
// event, signed (checked by a real receiver with the secret), with an
// idempotency key; call events carry the call as a valid EIDO.
func TestWebhookDelivery(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		e.user("disp", citdesk.RoleDispatcher)
		ofc := e.user("ofc", citdesk.RoleOfficer)
		_, hooksAdmin := e.serviceAccount(e.token("admin"), "cad-hooks", "webhooks:admin")
		rcv := newReceiver(t, hookSecret)
		res := e.do("POST", "/api/v1/webhooks", hooksAdmin, map[string]any{"url": rcv.URL + "/cad/events", "events": citdesk.WebhookEvents, "secret": hookSecret})
		checkOpenAPI(t, "POST", "/webhooks", res)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("subscribe: %d %s", res.StatusCode, res.Body)
		}
		if res := e.do("POST", "/api/v1/webhooks", hooksAdmin, map[string]any{"url": "ftp://x", "events": []string{"call.created"}, "secret": hookSecret}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"url"`) {
			t.Errorf("an ftp URL: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("GET", "/api/v1/webhooks", hooksAdmin, nil)
		checkOpenAPI(t, "GET", "/webhooks", res)
		if strings.Contains(res.Body, hookSecret) {
			t.Error("the list shows the secret")
		}

		disp := e.token("disp")
		var call citdesk.Call
		e.do("POST", "/api/v1/calls", disp, map[string]any{"nature": "Welfare check", "address": "12 Elm St"}).JSON(t, &call)
		e.do("PUT", fmt.Sprintf("/api/v1/officers/%d/status", *ofc.OfficerID), e.token("ofc"), map[string]any{"status": "available"})
		e.do("GET", fmt.Sprintf("/api/v1/calls/%d/recommendations", call.ID), disp, nil)
		e.do("POST", fmt.Sprintf("/api/v1/calls/%d/assignments", call.ID), disp, map[string]any{"officer_id": *ofc.OfficerID})

		s := e.sender(citdesk.DefaultWebhookRetry)
		e.drain(s)
		got := rcv.deliveries()
		events := map[string]received{}
		for _, d := range got {
			if !d.SignatureOK || !strings.HasPrefix(d.Signature, "sha256=") || len(d.Key) != 32 {
				t.Errorf("delivery %s: signature %q ok=%v, key %q", d.Event, d.Signature, d.SignatureOK, d.Key)
			}
			var body struct {
				Event string          `json:"event"`
				Key   string          `json:"idempotency_key"`
				Data  json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(d.Body, &body); err != nil || body.Event != d.Event || body.Key != d.Key {
				t.Errorf("delivery body %s: %v", d.Body, err)
			}
			if strings.HasPrefix(d.Event, "call.") {
				if err := eido.Validate(body.Data); err != nil {
					t.Errorf("%s carries an invalid EIDO: %v", d.Event, err)
				}
			}
			events[d.Event] = d
		}
		for _, want := range []string{"call.created", "recommendation.made", "assignment.created", "call.updated"} {
			if _, ok := events[want]; !ok {
				t.Errorf("no %s delivered; got %d deliveries", want, len(got))
			}
		}
		if e.drain(s) != 0 || len(rcv.deliveries()) != len(got) {
			t.Error("delivered deliveries went out again")
		}
		res = e.do("GET", "/api/v1/webhooks/deliveries", hooksAdmin, nil)
		checkOpenAPI(t, "GET", "/webhooks/deliveries", res)
		if strings.Contains(res.Body, `"state":"pending"`) || !strings.Contains(res.Body, `"state":"delivered"`) {
			t.Errorf("the deliveries: %s", res.Body)
		}
		// A forged body fails the receiver's check.
		if webhook.Verify([]byte(hookSecret), append(got[0].Body, ' '), got[0].Signature) {
			t.Error("a changed body verifies")
		}
	})
}

// TestWebhookRetryDeadLetterReplay: a receiver that fails is retried with
// growing waits, then dead-lettered; the admin page lists the dead letter
// and sends it again, with the same idempotency key, once the receiver is
// back.
func TestWebhookRetryDeadLetterReplay(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		e.user("disp", citdesk.RoleDispatcher)
		admin := e.token("admin")
		rcv := newReceiver(t, hookSecret)
		rcv.answer(http.StatusServiceUnavailable)
		e.do("POST", "/api/v1/webhooks", admin, map[string]any{"url": rcv.URL, "events": []string{"call.created"}, "secret": hookSecret})
		e.do("POST", "/api/v1/calls", e.token("disp"), map[string]any{"nature": "Welfare check", "address": "12 Elm St"})

		s := e.sender(citdesk.WebhookRetry{First: 10 * time.Second, Max: time.Minute, MaxAttempts: 3})
		e.drain(s) // try 1 fails: next in 10 s
		if e.drain(s) != 0 {
			t.Error("a failed delivery was retried at once")
		}
		e.Clock.Advance(9 * time.Second)
		if e.drain(s) != 0 {
			t.Error("retried before its wait")
		}
		e.Clock.Advance(time.Second)
		e.drain(s) // try 2 fails: next in 20 s
		e.Clock.Advance(19 * time.Second)
		if e.drain(s) != 0 {
			t.Error("the second wait did not double")
		}
		e.Clock.Advance(time.Second)
		e.drain(s) // try 3 fails: dead
		e.Clock.Advance(time.Hour)
		if e.drain(s) != 0 {
			t.Error("a dead letter was retried")
		}
		tries := rcv.deliveries()
		if len(tries) != 3 || tries[0].Key != tries[2].Key {
			t.Fatalf("%d tries, keys %v", len(tries), tries)
		}

		admin = e.token("admin") // the first one idled out in the hour that passed
		var dead struct{ Deliveries []citdesk.WebhookDelivery }
		res := e.do("GET", "/api/v1/webhooks/deliveries?state=dead", admin, nil)
		checkOpenAPI(t, "GET", "/webhooks/deliveries", res)
		res.JSON(t, &dead)
		if len(dead.Deliveries) != 1 || dead.Deliveries[0].Attempts != 3 || dead.Deliveries[0].LastStatus != http.StatusServiceUnavailable {
			t.Fatalf("dead letters: %+v", dead.Deliveries)
		}
		b := e.browser()
		b.login("admin")
		page := b.get("/admin/webhooks")
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, fmt.Sprintf("/admin/webhooks/deliveries/%d/replay", dead.Deliveries[0].ID)) || !strings.Contains(page.Body, "the receiver answered 503") {
			t.Fatalf("the admin page does not offer the dead letter: %d", page.StatusCode)
		}

		rcv.answer(http.StatusNoContent)
		if res := b.form(fmt.Sprintf("/admin/webhooks/deliveries/%d/replay", dead.Deliveries[0].ID), url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("replay on the page: %d %s", res.StatusCode, res.Body)
		}
		e.drain(s)
		tries = rcv.deliveries()
		if len(tries) != 4 || tries[3].Key != tries[0].Key || !tries[3].SignatureOK {
			t.Errorf("after replay: %d tries", len(tries))
		}
		e.do("GET", "/api/v1/webhooks/deliveries?state=dead", admin, nil).JSON(t, &dead)
		if len(dead.Deliveries) != 0 {
			t.Errorf("still dead after a good replay: %+v", dead.Deliveries)
		}
		res = e.do("POST", "/api/v1/webhooks/deliveries/999999/replay", admin, nil)
		checkOpenAPI(t, "POST", "/webhooks/deliveries/{id}/replay", res)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("replay of no delivery: %d", res.StatusCode)
		}
	})
}

// TestWebhookOutboxRollback: a change that is refused leaves no delivery:
// the outbox row is written in the change's transaction or not at all.
func TestWebhookOutboxRollback(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		admin := e.token("admin")
		rcv := newReceiver(t, hookSecret)
		e.do("POST", "/api/v1/webhooks", admin, map[string]any{"url": rcv.URL, "events": citdesk.WebhookEvents, "secret": hookSecret})
		count := func() int {
			var ds struct{ Deliveries []citdesk.WebhookDelivery }
			e.do("GET", "/api/v1/webhooks/deliveries", admin, nil).JSON(t, &ds)
			return len(ds.Deliveries)
		}
		// A call too long to save, and a stale update: refused, nothing queued.
		e.do("POST", "/api/v1/calls", admin, map[string]any{"nature": strings.Repeat("x", 300), "address": "x"})
		var c citdesk.Call
		e.do("POST", "/api/v1/calls", admin, map[string]any{"nature": "Welfare check", "address": "12 Elm St"}).JSON(t, &c)
		if n := count(); n != 1 {
			t.Fatalf("%d deliveries after one call, want 1", n)
		}
		res := e.do("PATCH", fmt.Sprintf("/api/v1/calls/%d", c.ID), admin, map[string]any{"nature": "Changed"}, "If-Match", `"99"`)
		if res.StatusCode != http.StatusPreconditionFailed {
			t.Fatalf("stale update: %d %s", res.StatusCode, res.Body)
		}
		if n := count(); n != 1 {
			t.Errorf("%d deliveries after a refused update, want 1", n)
		}
	})
}

// TestWebhookSendersShareTheOutbox: two senders (two replicas) draining
// one outbox at once deliver each delivery exactly once: on PostgreSQL
// each claims with SKIP LOCKED, on SQLite the one writer serializes them.
func TestWebhookSendersShareTheOutbox(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		admin := e.token("admin")
		rcv := newReceiver(t, hookSecret)
		e.do("POST", "/api/v1/webhooks", admin, map[string]any{"url": rcv.URL, "events": []string{"call.created"}, "secret": hookSecret})
		const calls = 30
		for i := range calls {
			e.do("POST", "/api/v1/calls", admin, map[string]any{"nature": fmt.Sprintf("Call %d", i), "address": "x"})
		}
		var wg sync.WaitGroup
		for range 2 {
			s := e.sender(citdesk.DefaultWebhookRetry)
			s.Batch = 4
			wg.Go(func() {
				for {
					n, err := s.RunOnce(context.Background())
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return
					}
				}
			})
		}
		wg.Wait()
		seen := map[string]int{}
		for _, d := range rcv.deliveries() {
			seen[d.Key]++
		}
		if len(seen) != calls {
			t.Errorf("%d distinct deliveries, want %d", len(seen), calls)
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("delivery %s went out %d times", k, n)
			}
		}
	})
}
