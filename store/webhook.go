package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"citdesk"
	"citdesk/eido"
)

// WebhookService returns the service of the agency's webhook subscriptions
// and deliveries.
func (db *DB) WebhookService() citdesk.WebhookService { return webhooks{db} }

// WebhookOutbox returns the sender's side of the outbox.
func (db *DB) WebhookOutbox() citdesk.WebhookOutbox { return webhooks{db} }

type webhooks struct{ db *DB }

// sealWebhookSecret seals a subscription's HMAC key (DB.seal), bound to
// the webhook's id.
func sealWebhookSecret(db *DB, id int64, secret []byte) (string, error) {
	return db.seal("webhook:"+strconv.FormatInt(id, 10), secret)
}

func openWebhookSecret(db *DB, id int64, s string) ([]byte, error) {
	return db.unseal("webhook:"+strconv.FormatInt(id, 10), "webhook secret", s)
}

// CreateWebhook adds a subscription of the actor's agency.
func (s webhooks) CreateWebhook(ctx context.Context, w *citdesk.Webhook, secret string) error {
	actor, err := citdesk.Require(ctx, citdesk.ManageWebhooks)
	if err != nil {
		return err
	}
	if err := citdesk.ValidateWebhook(w, secret); err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		w.AgencyID, w.CreatedAt = actor.AgencyID, tx.now
		id, err := tx.insert(ctx, `INSERT INTO webhooks (agency_id, url, events, secret, created_at, created_by) VALUES (?, ?, ?, '', ?, ?)`,
			actor.AgencyID, w.URL, strings.Join(w.Events, ","), micros(tx.now), actor.UserID)
		if err != nil {
			return fmt.Errorf("insert webhook: %w", err)
		}
		sealed, err := sealWebhookSecret(s.db, id, []byte(secret))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET secret = ? WHERE id = ?`, sealed, id); err != nil {
			return err
		}
		w.ID = id
		return tx.audit(ctx, actor, "webhook.create", "webhook", id, "events="+strings.Join(w.Events, ","))
	})
}

func scanWebhook(row rowScanner) (*citdesk.Webhook, error) {
	var w citdesk.Webhook
	var events string
	var created int64
	if err := row.Scan(&w.ID, &w.AgencyID, &w.URL, &events, &created); err != nil {
		return nil, err
	}
	w.Events, w.CreatedAt = strings.Split(events, ","), fromMicros(created)
	return &w, nil
}

// ListWebhooks lists the agency's live subscriptions, newest first.
func (s webhooks) ListWebhooks(ctx context.Context) ([]*citdesk.Webhook, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManageWebhooks)
	if err != nil {
		return nil, err
	}
	var out []*citdesk.Webhook
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		out, err = queryAll(ctx, tx, "list webhooks", scanWebhook, `SELECT id, agency_id, url, events, created_at FROM webhooks
			WHERE agency_id = ? AND deleted_at IS NULL ORDER BY id DESC`, actor.AgencyID)
		return err
	})
	return out, err
}

// DeleteWebhook ends a subscription; its pending deliveries are dropped
// (dead-lettered, so they stay visible).
func (s webhooks) DeleteWebhook(ctx context.Context, id int64) error {
	actor, err := citdesk.Require(ctx, citdesk.ManageWebhooks)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		// Deleting a deleted webhook again changes nothing and succeeds.
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET deleted_at = COALESCE(deleted_at, ?) WHERE agency_id = ? AND id = ?`, micros(tx.now), actor.AgencyID, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return citdesk.Errorf(citdesk.ENOTFOUND, "No such webhook.")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET dead_at = ?, last_error = 'subscription deleted'
			WHERE webhook_id = ? AND delivered_at IS NULL AND dead_at IS NULL`, micros(tx.now), id); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "webhook.delete", "webhook", id, "")
	})
}

const deliveryColumns = `d.id, d.webhook_id, w.url, d.event, d.idempotency_key, d.attempts, d.created_at, d.next_attempt_at, d.delivered_at, d.dead_at, d.last_status, d.last_error`

func scanDelivery(row rowScanner) (*citdesk.WebhookDelivery, error) {
	var d citdesk.WebhookDelivery
	var created int64
	var next, delivered, dead sql.NullInt64
	if err := row.Scan(&d.ID, &d.WebhookID, &d.URL, &d.Event, &d.IdempotencyKey, &d.Attempts, &created, &next, &delivered, &dead, &d.LastStatus, &d.LastError); err != nil {
		return nil, err
	}
	d.CreatedAt, d.DeliveredAt = fromMicros(created), fromNullMicros(delivered)
	switch {
	case delivered.Valid:
		d.State = citdesk.DeliveryDelivered
	case dead.Valid:
		d.State = citdesk.DeliveryDead
	default:
		d.State, d.NextAttemptAt = citdesk.DeliveryPending, fromNullMicros(next)
	}
	return &d, nil
}

// ListDeliveries lists the agency's recent deliveries, newest first.
func (s webhooks) ListDeliveries(ctx context.Context, deadOnly bool, limit int) ([]*citdesk.WebhookDelivery, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManageWebhooks)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.agency_id = ?`
	if deadOnly {
		q += ` AND d.dead_at IS NOT NULL`
	}
	var out []*citdesk.WebhookDelivery
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		out, err = queryAll(ctx, tx, "list deliveries", scanDelivery, q+` ORDER BY d.id DESC LIMIT ?`, actor.AgencyID, limit)
		return err
	})
	return out, err
}

// ReplayDelivery puts a dead or delivered delivery back in the queue, due
// now, with its attempts reset.
func (s webhooks) ReplayDelivery(ctx context.Context, id int64) error {
	actor, err := citdesk.Require(ctx, citdesk.ManageWebhooks)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		var deleted sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT w.deleted_at FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.agency_id = ? AND d.id = ?`,
			actor.AgencyID, id).Scan(&deleted)
		if errors.Is(err, sql.ErrNoRows) {
			return citdesk.Errorf(citdesk.ENOTFOUND, "No such delivery.")
		} else if err != nil {
			return err
		}
		if deleted.Valid {
			return citdesk.Errorf(citdesk.ECONFLICT, "This delivery's webhook was deleted; add the webhook again to receive new events.")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET dead_at = NULL, delivered_at = NULL, attempts = 0, next_attempt_at = ?, claimed_until = NULL, last_error = ''
			WHERE id = ?`, micros(tx.now), id); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "webhook.replay", "webhook_delivery", id, "")
	})
}

// Notify writes an event that is no change to the outbox.
func (s webhooks) Notify(ctx context.Context, event string, data any) error {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return err
	}
	if ok, err := s.subscribed(ctx, actor, event); err != nil || !ok {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		return enqueueWebhook(ctx, tx, actor.AgencyID, event, func() (any, error) { return data, nil })
	})
}

// subscribed reports whether any of the actor's agency's webhooks wants
// event. Most reads (a board drawn, a recommendation asked for) have no
// subscriber, so this looks before taking the writer: in the dispatch
// state kept in memory when there is one, else with one read.
func (s webhooks) subscribed(ctx context.Context, actor *citdesk.Actor, event string) (bool, error) {
	if s.db.keepingDispatch() {
		snap, err := s.db.dispatchSnapshot(ctx, actor)
		if err != nil {
			return false, err
		}
		return snap.hooks[event], nil
	}
	var ids []int64
	err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		ids, err = subscribers(ctx, tx, actor.AgencyID, event)
		return err
	})
	return len(ids) > 0, err
}

// NotifyOnce writes event to the outbox of each subscription that has no
// delivery for occurrence once yet. The delivery's idempotency key is
// derived from the subscription, the event and once (onceKey), and the
// key is unique in webhook_deliveries: two replicas reporting the same
// occurrence at once insert one row, the other's insert doing nothing.
// A report of an occurrence already delivered costs one read.
func (s webhooks) NotifyOnce(ctx context.Context, event, once string, data any) error {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return err
	}
	if ok, err := s.subscribed(ctx, actor, event); err != nil || !ok {
		return err
	}
	type pending struct {
		webhook int64
		key     string
	}
	var todo []pending
	err = s.db.readTx(ctx, func(tx *Tx) error {
		ids, err := subscribers(ctx, tx, actor.AgencyID, event)
		if err != nil {
			return err
		}
		for _, id := range ids {
			p := pending{id, onceKey(actor.AgencyID, id, event, once)}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_deliveries WHERE idempotency_key = ?`, p.key).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				todo = append(todo, p)
			}
		}
		return nil
	})
	if err != nil || len(todo) == 0 {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		for _, p := range todo {
			body, err := json.Marshal(webhookBody{Event: event, Delivery: p.key, OccurredAt: tx.now, Data: data})
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (agency_id, webhook_id, event, idempotency_key, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (idempotency_key) DO NOTHING`, actor.AgencyID, p.webhook, event, p.key, string(body), micros(tx.now), micros(tx.now)); err != nil {
				return fmt.Errorf("enqueue webhook: %w", err)
			}
		}
		return nil
	})
}

// onceKey is the idempotency key of subscription webhook's one delivery
// of event for occurrence once: 32 hex digits, like a random key.
func onceKey(agencyID, webhook int64, event, once string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("citdesk webhook once\x00%d\x00%d\x00%s\x00%s", agencyID, webhook, event, once)))
	return hex.EncodeToString(sum[:16])
}

// webhookBody is what a delivery posts.
type webhookBody struct {
	Event      string    `json:"event"`
	Delivery   string    `json:"idempotency_key"`
	OccurredAt time.Time `json:"occurred_at"`
	Data       any       `json:"data"`
}

// subscribers returns the ids of the agency's live subscriptions to event.
// A write transaction reads them once (an assignment reports to the
// assignment's and the call's subscribers) and again only after it
// writes webhooks itself (noticeWrite).
func subscribers(ctx context.Context, tx *Tx, agencyID int64, event string) ([]int64, error) {
	all, ok := tx.subs.get(agencyID)
	if !ok {
		var err error
		if all, err = readSubscriptions(ctx, tx, agencyID); err != nil {
			return nil, err
		}
		tx.subs.put(agencyID, all)
	}
	var ids []int64
	for _, w := range all {
		if slices.Contains(w.events, event) {
			ids = append(ids, w.id)
		}
	}
	return ids, nil
}

// subscriptions are the webhook subscriptions a write transaction has
// read, by agency, kept for its next event. On SQLite the requests of one
// group commit share them, and the next group starts from them when
// nothing else committed in between (groupcommit.go). A nil
// *subscriptions (a read-only transaction) keeps nothing.
type subscriptions struct {
	byAgency map[int64][]webhookSub
}

func (s *subscriptions) get(agencyID int64) ([]webhookSub, bool) {
	if s == nil {
		return nil, false
	}
	all, ok := s.byAgency[agencyID]
	return all, ok
}

func (s *subscriptions) put(agencyID int64, all []webhookSub) {
	if s == nil {
		return
	}
	if s.byAgency == nil {
		s.byAgency = map[int64][]webhookSub{}
	}
	s.byAgency[agencyID] = all
}

// forget drops what was read: the transaction wrote webhooks, or rolled
// back writes that may have.
func (s *subscriptions) forget() {
	if s != nil {
		s.byAgency = nil
	}
}

// webhookSub is one live subscription and the events it takes.
type webhookSub struct {
	id     int64
	events []string
}

func readSubscriptions(ctx context.Context, tx *Tx, agencyID int64) ([]webhookSub, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, events FROM webhooks WHERE agency_id = ? AND deleted_at IS NULL`, agencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	all := []webhookSub{}
	for rows.Next() {
		var w webhookSub
		var events string
		if err := rows.Scan(&w.id, &events); err != nil {
			return nil, err
		}
		w.events = strings.Split(events, ",")
		all = append(all, w)
	}
	return all, rows.Err()
}

// enqueueWebhook writes a delivery of event to each of the agency's
// subscriptions to it, in tx: the outbox row commits or rolls back with
// the change it reports. data is built only when someone subscribes.
func enqueueWebhook(ctx context.Context, tx *Tx, agencyID int64, event string, data func() (any, error)) error {
	subs, err := subscribers(ctx, tx, agencyID, event)
	if err != nil {
		return err
	}
	if len(subs) == 0 {
		return nil
	}
	payload, err := data()
	if err != nil {
		return err
	}
	for _, id := range subs {
		k := make([]byte, 16)
		if _, err := rand.Read(k); err != nil {
			return err
		}
		key := hex.EncodeToString(k)
		body, err := json.Marshal(webhookBody{Event: event, Delivery: key, OccurredAt: tx.now, Data: payload})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (agency_id, webhook_id, event, idempotency_key, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			agencyID, id, event, key, string(body), micros(tx.now), micros(tx.now)); err != nil {
			return fmt.Errorf("enqueue webhook: %w", err)
		}
	}
	return nil
}

// enqueueCallEvent writes a call event whose data is the call's EIDO, with
// its assignments, read in tx so it is the state being committed.
func enqueueCallEvent(ctx context.Context, tx *Tx, event string, c *citdesk.Call) error {
	return enqueueWebhook(ctx, tx, c.AgencyID, event, func() (any, error) {
		agency, err := tx.findAgency(ctx, "id = ?", c.AgencyID)
		if err != nil {
			return nil, err
		}
		as, err := tx.listAssignments(ctx, c.AgencyID, citdesk.AssignmentFilter{CallID: c.ID})
		if err != nil {
			return nil, err
		}
		var incidentID string
		err = tx.QueryRowContext(ctx, `SELECT incident_id FROM cad_incidents WHERE agency_id = ? AND call_id = ?`, c.AgencyID, c.ID).Scan(&incidentID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return eido.Write(c, as, agency, incidentID), nil
	})
}

// enqueueAssignmentEvent writes an assignment event, and call.updated too
// when the assignment moved its call's status.
func enqueueAssignmentEvent(ctx context.Context, tx *Tx, event string, a *citdesk.Assignment, call *citdesk.Call, callMoved bool) error {
	if err := enqueueWebhook(ctx, tx, a.AgencyID, event, func() (any, error) { return a, nil }); err != nil {
		return err
	}
	if callMoved {
		return enqueueCallEvent(ctx, tx, citdesk.HookCallUpdated, call)
	}
	return nil
}

// ClaimDeliveries leases due deliveries. On PostgreSQL, SKIP LOCKED lets
// replicas claim side by side without taking the same row; SQLite has one
// writer, so the lease alone decides.
func (s webhooks) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*citdesk.OutgoingDelivery, error) {
	lock := ""
	if s.db.dialect.name == "postgres" {
		lock = " FOR UPDATE OF d SKIP LOCKED"
	}
	var out []*citdesk.OutgoingDelivery
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT d.id, w.id, w.url, w.secret, d.event, d.idempotency_key, d.body, d.attempts
			FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
			WHERE d.delivered_at IS NULL AND d.dead_at IS NULL AND d.next_attempt_at <= ? AND (d.claimed_until IS NULL OR d.claimed_until <= ?)
			ORDER BY d.next_attempt_at, d.id LIMIT ?`+lock, micros(now), micros(now), limit)
		if err != nil {
			return err
		}
		type claimed struct {
			d       citdesk.OutgoingDelivery
			hookID  int64
			secret  string
			bodyStr string
		}
		var got []claimed
		for rows.Next() {
			var c claimed
			if err := rows.Scan(&c.d.ID, &c.hookID, &c.d.URL, &c.secret, &c.d.Event, &c.d.IdempotencyKey, &c.bodyStr, &c.d.Attempts); err != nil {
				rows.Close()
				return err
			}
			got = append(got, c)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, c := range got {
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET claimed_until = ?, attempts = attempts + 1 WHERE id = ?`, micros(now.Add(lease)), c.d.ID); err != nil {
				return err
			}
			secret, err := openWebhookSecret(s.db, c.hookID, c.secret)
			if err != nil {
				return err
			}
			d := c.d
			d.Secret, d.Body, d.Attempts = secret, []byte(c.bodyStr), d.Attempts+1
			out = append(out, &d)
		}
		return nil
	})
	return out, err
}

// DeliveryDone marks a delivery delivered.
func (s webhooks) DeliveryDone(ctx context.Context, id int64, status int) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET delivered_at = ?, last_status = ?, last_error = '', claimed_until = NULL WHERE id = ?`, micros(tx.now), status, id)
		return err
	})
}

// DeliveryFailed records a failed try.
func (s webhooks) DeliveryFailed(ctx context.Context, id int64, status int, reason string, retryAt time.Time, dead bool) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if dead {
			_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET dead_at = ?, last_status = ?, last_error = ?, claimed_until = NULL WHERE id = ?`, micros(tx.now), status, reason, id)
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ?, last_status = ?, last_error = ?, claimed_until = NULL WHERE id = ?`, micros(retryAt), status, reason, id)
		return err
	})
}
