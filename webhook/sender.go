// Package webhook sends the outbox's deliveries to the agency's CAD: signed
// POSTs, retried with exponential backoff, dead-lettered after a limit.
// Deliveries are at least once: a sender that dies mid-send leaves its
// claim to lapse, and the delivery goes out again with the same
// idempotency key.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"citdesk"
)

// Headers of a delivery.
const (
	SignatureHeader   = "X-Citdesk-Signature" // sha256=<hex HMAC-SHA256 of the body under the subscription's secret>
	IdempotencyHeader = "Idempotency-Key"     // the same on every try of one delivery
	EventHeader       = "X-Citdesk-Event"
)

// Sign returns the signature header value of body under secret.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature is body's under secret, in constant time:
// what a receiver does.
func Verify(secret, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(signature))
}

// Sender drains the outbox.
type Sender struct {
	Outbox citdesk.WebhookOutbox
	Clock  citdesk.Clock
	Retry  citdesk.WebhookRetry
	Client *http.Client  // default: 10 s timeout, no redirects followed
	Lease  time.Duration // how long a claim holds; default 1 minute
	Batch  int           // deliveries claimed at once; default 20
	Poll   time.Duration // wait between empty rounds; default 1 s
	Log    *slog.Logger
}

func (s *Sender) defaults() {
	if s.Client == nil {
		s.Client = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if s.Lease <= 0 {
		s.Lease = time.Minute
	}
	if s.Batch <= 0 {
		s.Batch = 20
	}
	if s.Poll <= 0 {
		s.Poll = time.Second
	}
	if s.Retry.MaxAttempts <= 0 {
		s.Retry = citdesk.DefaultWebhookRetry
	}
	if s.Clock == nil {
		s.Clock = citdesk.SystemClock{}
	}
	if s.Log == nil {
		s.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Run sends until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	s.defaults()
	for ctx.Err() == nil {
		n, err := s.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("webhook outbox", "err", err)
		}
		if n < s.Batch {
			select {
			case <-ctx.Done():
			case <-time.After(s.Poll):
			}
		}
	}
}

// RunOnce claims the deliveries due now and sends each once; it returns
// how many it claimed.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	s.defaults()
	due, err := s.Outbox.ClaimDeliveries(ctx, s.Clock.Now(), s.Lease, s.Batch)
	if err != nil {
		return 0, err
	}
	for _, d := range due {
		status, reason := s.send(ctx, d)
		if reason == "" {
			err = s.Outbox.DeliveryDone(ctx, d.ID, status)
		} else {
			at, dead := s.Retry.Next(s.Clock.Now(), d.Attempts)
			s.Log.Warn("webhook delivery failed", "delivery", d.ID, "event", d.Event, "attempt", d.Attempts, "status", status, "dead", dead)
			err = s.Outbox.DeliveryFailed(ctx, d.ID, status, reason, at, dead)
		}
		if err != nil {
			return len(due), err
		}
	}
	return len(due), nil
}

// send posts one delivery: its status, and why it failed ("" when 2xx).
func (s *Sender) send(ctx context.Context, d *citdesk.OutgoingDelivery) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, "bad URL: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "citdesk-webhooks/1")
	req.Header.Set(SignatureHeader, Sign(d.Secret, d.Body))
	req.Header.Set(IdempotencyHeader, d.IdempotencyKey)
	req.Header.Set(EventHeader, d.Event)
	req.Header.Set("X-Citdesk-Attempt", strconv.Itoa(d.Attempts))
	res, err := s.Client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Sprintf("the receiver answered %d", res.StatusCode)
	}
	return res.StatusCode, ""
}
