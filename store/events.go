package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"citdesk"
)

// EventBus delivers events to subscribers in this process and, on
// PostgreSQL, to every other citdesk replica on the same database through
// LISTEN/NOTIFY. A subscriber whose buffer is full is dropped (its channel
// closed) rather than waited on, so one stalled browser never delays the
// board of everyone else.
type EventBus struct {
	db     *DB
	log    *slog.Logger
	origin string // this process's id, so it ignores its own notifications

	mu     sync.Mutex
	subs   map[*subscription]struct{}
	closed bool

	cancel context.CancelFunc
	done   chan struct{}
}

// channel is the PostgreSQL notification channel.
const pgChannel = "citdesk_events"

// subscriberBuffer is how many events a subscriber may fall behind before
// it is dropped.
const subscriberBuffer = 64

// NewEventBus starts an event bus for db. On PostgreSQL it also listens
// for other replicas' events until Close.
func NewEventBus(ctx context.Context, db *DB, log *slog.Logger) (*EventBus, error) {
	b := make([]byte, 8)
	rand.Read(b)
	bus := &EventBus{db: db, log: log, origin: hex.EncodeToString(b), subs: make(map[*subscription]struct{}), done: make(chan struct{})}
	if db.dialect.name != "postgres" {
		close(bus.done)
		return bus, nil
	}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	bus.cancel = cancel
	ready := make(chan error, 1)
	go bus.listen(lctx, ready)
	select {
	case err := <-ready:
		if err != nil {
			cancel()
			<-bus.done
			return nil, err
		}
	case <-ctx.Done():
		cancel()
		return nil, ctx.Err()
	}
	return bus, nil
}

// wireEvent is an event as sent between replicas.
type wireEvent struct {
	Origin string        `json:"o"`
	Event  citdesk.Event `json:"e"`
}

// Publish delivers e to this process's subscribers of its agency at once
// and, on PostgreSQL, notifies the other replicas.
func (b *EventBus) Publish(ctx context.Context, e citdesk.Event) {
	b.deliver(e)
	if b.db.dialect.name != "postgres" {
		return
	}
	msg, err := json.Marshal(wireEvent{Origin: b.origin, Event: e})
	if err != nil {
		return
	}
	if len(msg) > 7000 { // NOTIFY payloads are limited to 8000 bytes
		e.Payload = nil
		msg, _ = json.Marshal(wireEvent{Origin: b.origin, Event: e})
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := b.db.write.ExecContext(ctx, `SELECT pg_notify($1, $2)`, pgChannel, string(msg)); err != nil {
		b.log.Warn("publish event to other replicas", "type", e.Type, "err", err)
	}
}

func (b *EventBus) deliver(e citdesk.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		if s.agencyID != e.AgencyID {
			continue
		}
		select {
		case s.c <- e:
		default:
			// Too slow: drop it; the page reconnects and reloads its state.
			delete(b.subs, s)
			close(s.c)
			s.dropped = true
		}
	}
}

// listen holds one connection in LISTEN and forwards other replicas'
// events, reconnecting with a back-off when the connection breaks.
func (b *EventBus) listen(ctx context.Context, ready chan<- error) {
	defer close(b.done)
	first := true
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := pgx.Connect(ctx, b.db.dsn)
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+pgChannel)
		}
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+pgAuthChannel)
		}
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+pgDispatchChannel)
		}
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+pgOutcomesChannel)
		}
		if err == nil {
			// Listening, so the session cache and dispatch memory may
			// keep answers; any kept before may have missed a change
			// while no one listened.
			b.db.auth.flush()
			b.db.auth.listening.Add(1)
			b.db.dispatch.changed(0)
			b.db.dispatch.listening.Add(1)
		}
		if first {
			ready <- err
			first = false
			if err != nil {
				if conn != nil {
					conn.Close(context.Background())
				}
				return
			}
		}
		if err == nil {
			backoff = 100 * time.Millisecond
			for {
				n, err := conn.WaitForNotification(ctx)
				if err != nil {
					if ctx.Err() == nil {
						b.log.Warn("event listener lost its connection; reconnecting", "err", err)
					}
					break
				}
				if n.Channel == pgDispatchChannel {
					if b.db.testDropDispatch.Load() > 0 {
						b.db.testDropDispatch.Add(-1) // a test's lost notification
						continue
					}
					b.db.dispatch.notified(n.Payload, b.db.auth.origin)
					continue
				}
				if n.Channel == pgOutcomesChannel {
					outcomesNotified(b.db, n.Payload)
					continue
				}
				if n.Channel == pgAuthChannel {
					if n.Payload != b.db.auth.origin {
						b.db.auth.flush() // another replica changed sessions, users or agencies
					}
					continue
				}
				var w wireEvent
				if json.Unmarshal([]byte(n.Payload), &w) != nil || w.Origin == b.origin {
					continue
				}
				b.deliver(w.Event)
			}
			b.db.auth.listening.Add(-1)
			b.db.auth.flush()
			b.db.dispatch.listening.Add(-1)
			b.db.dispatch.changed(0)
		}
		if conn != nil {
			conn.Close(context.Background())
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// Subscribe returns a subscription to one agency's events.
func (b *EventBus) Subscribe(ctx context.Context, agencyID int64) citdesk.Subscription {
	s := &subscription{bus: b, agencyID: agencyID, c: make(chan citdesk.Event, subscriberBuffer)}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(s.c)
		return s
	}
	b.subs[s] = struct{}{}
	return s
}

// Close ends every subscription and stops listening.
func (b *EventBus) Close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		for s := range b.subs {
			delete(b.subs, s)
			close(s.c)
		}
	}
	b.mu.Unlock()
	if b.cancel != nil {
		b.cancel()
	}
	<-b.done
}

type subscription struct {
	bus      *EventBus
	agencyID int64
	c        chan citdesk.Event
	dropped  bool
}

func (s *subscription) C() <-chan citdesk.Event { return s.c }

// Close ends the subscription.
func (s *subscription) Close() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	if _, ok := s.bus.subs[s]; ok {
		delete(s.bus.subs, s)
		close(s.c)
	}
}
