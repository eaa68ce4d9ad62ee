package citdesk

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Webhook events: what an agency's CAD may subscribe to.
const (
	HookCallCreated        = "call.created"
	HookCallUpdated        = "call.updated"
	HookAssignmentCreated  = "assignment.created"
	HookAssignmentUpdated  = "assignment.updated"
	HookRecommendationMade = "recommendation.made"
)

// WebhookEvents lists the events in display order.
var WebhookEvents = []string{HookCallCreated, HookCallUpdated, HookAssignmentCreated, HookAssignmentUpdated, HookRecommendationMade}

// Webhook is an agency's subscription: citdesk posts the events named to
// URL, signed with a secret only citdesk and the receiver know.
type Webhook struct {
	ID        int64     `json:"id"`
	AgencyID  int64     `json:"-"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
}

// ValidateWebhook checks a subscription: an absolute http(s) URL, known
// events, and a secret of at least 16 characters (the HMAC key).
func ValidateWebhook(w *Webhook, secret string) error {
	w.URL = strings.TrimSpace(w.URL)
	u, err := url.Parse(w.URL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil:
		return FieldErrorf("url", "Give the receiver's address as an http or https URL, without a user name or password.")
	case len(w.URL) > 2000:
		return FieldErrorf("url", "The URL must be at most 2000 characters.")
	case len(w.Events) == 0:
		return FieldErrorf("events", "Choose at least one event: %s.", strings.Join(WebhookEvents, ", "))
	case utf8.RuneCountInString(secret) < 16 || len(secret) > 200:
		return FieldErrorf("secret", "The secret must be 16 to 200 characters; the receiver checks each delivery's signature with it.")
	}
	var events []string
	for _, e := range w.Events {
		e = strings.TrimSpace(e)
		if !slices.Contains(WebhookEvents, e) {
			return FieldErrorf("events", "Unknown event %q; events are %s.", e, strings.Join(WebhookEvents, ", "))
		}
		if !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	w.Events = events
	return nil
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryDead      = "dead" // gave up after WebhookMaxAttempts; an admin may replay it
)

// WebhookDelivery is one event on its way to one subscription: written to
// the outbox in the transaction of the change, sent at least once.
type WebhookDelivery struct {
	ID             int64      `json:"id"`
	WebhookID      int64      `json:"webhook_id"`
	URL            string     `json:"url"`
	Event          string     `json:"event"`
	IdempotencyKey string     `json:"idempotency_key"`
	State          string     `json:"state"`
	Attempts       int        `json:"attempts"`
	CreatedAt      time.Time  `json:"created_at"`
	NextAttemptAt  *time.Time `json:"next_attempt_at,omitempty"`
	DeliveredAt    *time.Time `json:"delivered_at,omitempty"`
	LastStatus     int        `json:"last_status,omitempty"`
	LastError      string     `json:"last_error,omitempty"`
}

// OutgoingDelivery is a delivery the sender has claimed: what it posts.
type OutgoingDelivery struct {
	ID             int64
	URL            string
	Secret         []byte
	Event          string
	IdempotencyKey string
	Body           []byte
	Attempts       int // including this one
}

// WebhookRetry is how the sender retries: the delay doubles from First
// after each failure, up to Max; after MaxAttempts failures the delivery
// is dead-lettered.
type WebhookRetry struct {
	First       time.Duration
	Max         time.Duration
	MaxAttempts int
}

// DefaultWebhookRetry retries after 10 s, 20 s, 40 s, … up to an hour
// between tries, and gives up after 12 tries (about 5 hours).
var DefaultWebhookRetry = WebhookRetry{First: 10 * time.Second, Max: time.Hour, MaxAttempts: 12}

// Next says, after the attempts-th failed try at now, when to try again,
// or dead when it is time to give up.
func (r WebhookRetry) Next(now time.Time, attempts int) (at time.Time, dead bool) {
	if attempts >= r.MaxAttempts {
		return time.Time{}, true
	}
	d := r.First
	for i := 1; i < attempts && d < r.Max; i++ {
		d *= 2
	}
	return now.Add(min(d, r.Max)), false
}

// WebhookService manages an agency's webhook subscriptions and shows and
// replays their deliveries (admins; the webhooks:admin scope).
type WebhookService interface {
	CreateWebhook(ctx context.Context, w *Webhook, secret string) error
	ListWebhooks(ctx context.Context) ([]*Webhook, error)
	DeleteWebhook(ctx context.Context, id int64) error
	// ListDeliveries lists recent deliveries, newest first: all, or only
	// the dead letters.
	ListDeliveries(ctx context.Context, deadOnly bool, limit int) ([]*WebhookDelivery, error)
	// ReplayDelivery sends a delivery again from its first try (same
	// body and idempotency key).
	ReplayDelivery(ctx context.Context, id int64) error
	// Notify writes an event that is not a change (a recommendation was
	// made) to the outbox of the actor's agency.
	Notify(ctx context.Context, event string, data any) error
	// NotifyOnce is Notify for an occurrence that may be reported many
	// times: each subscription gets at most one delivery for the
	// occurrence named once (such as "call 42"), however often it is
	// reported, on any replica, before or after a restart.
	NotifyOnce(ctx context.Context, event, once string, data any) error
}

// WebhookOutbox is the sender's side of the outbox. It needs no actor:
// the sender is citdesk itself, for every agency.
type WebhookOutbox interface {
	// ClaimDeliveries takes up to limit deliveries due at now for lease:
	// another sender (a replica) skips them until the lease ends, so each
	// goes out once unless a sender dies mid-send (then again: at least
	// once). Each claim counts as an attempt.
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*OutgoingDelivery, error)
	// DeliveryDone records a 2xx answer.
	DeliveryDone(ctx context.Context, id int64, status int) error
	// DeliveryFailed records a failed try: to try again at retryAt, or
	// dead-lettered when dead.
	DeliveryFailed(ctx context.Context, id int64, status int, reason string, retryAt time.Time, dead bool) error
}
