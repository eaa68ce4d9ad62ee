package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"citdesk"
)

// Event stream defaults; Config may shorten them (tests do).
const (
	defaultEventHeartbeat = 20 * time.Second
	defaultEventLifetime  = 10 * time.Minute
	// eventWriteTimeout cuts loose a client that stops reading: its write
	// fails, the stream ends and the subscription is closed.
	eventWriteTimeout = 15 * time.Second
)

// sseEvent is the data line of one server-sent event.
type sseEvent struct {
	Type     string          `json:"type"`
	ObjectID int64           `json:"object_id"`
	Payload  json.RawMessage `json:"payload,omitempty"`
}

// events streams the agency's changes as server-sent events, by hand:
// each event is "event: <type>" and "data: <json>", flushed at once. The
// stream ends when the client goes, when its lifetime is up (the browser
// reconnects), or when the event bus drops this subscriber for falling
// behind — a page that reconnects reloads its state, so nothing is lost
// that matters.
func (c *Core) Events(w http.ResponseWriter, r *http.Request) error {
	actor := SignedIn(r)
	if c.Svc.Events == nil {
		return citdesk.Errorf(citdesk.EINTERNAL, "Live events are not available.")
	}
	rc := http.NewResponseController(w)
	// The server's read and write timeouts are for ordinary requests; a
	// stream lives longer, so both are cleared and each write below gets
	// a deadline of its own instead.
	if err := rc.SetReadDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	ctx := r.Context()
	sub := c.Svc.Events.Subscribe(ctx, actor.AgencyID)
	defer sub.Close()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// The subscription exists before the client sees the headers, so a
	// client that waits for them misses nothing published after.
	write := func(b []byte) bool {
		rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write([]byte("retry: 3000\n: connected\n\n")) {
		return nil
	}

	heartbeat := c.Cfg.EventHeartbeat
	if heartbeat <= 0 {
		heartbeat = defaultEventHeartbeat
	}
	lifetime := c.Cfg.EventLifetime
	if lifetime <= 0 {
		lifetime = defaultEventLifetime
	}
	// Whether this stream sees every event whole, asked once. Every
	// stream's message is made once for all the streams it goes to
	// (liveEvents), whole or not.
	seesAll := actor.HasRole(citdesk.CallReadRoles...)
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	end := time.NewTimer(lifetime)
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-end.C:
			return nil
		case <-beat.C:
			if !write([]byte(": heartbeat\n\n")) {
				return nil
			}
		case ev, ok := <-sub.C():
			if !ok {
				// Dropped for falling behind (or the server is stopping).
				return nil
			}
			e := c.liveEvents.of(ev)
			msg := e.whole
			if !seesAll {
				msg = e.forActor(actor)
			}
			if msg == nil {
				continue
			}
			if !write(msg) {
				return nil
			}
		}
	}
}

// eventMessage is out as a server-sent event, or nil if it cannot be
// encoded.
func eventMessage(out sseEvent) []byte {
	data, err := json.Marshal(out)
	if err != nil {
		return nil
	}
	msg := make([]byte, 0, len(data)+len(out.Type)+16)
	msg = append(msg, "event: "...)
	msg = append(msg, out.Type...)
	msg = append(msg, "\ndata: "...)
	msg = append(msg, data...)
	msg = append(msg, "\n\n"...)
	return msg
}

// sharedEvent keeps the last event's messages, made once for every stream:
// the bus hands the same event to every subscriber, so with thousands of
// boards and phones open it is encoded (and, for what an officer may see
// of it, decoded) once, not once per stream. Each stream still writes and
// flushes on its own, under its own write deadline, so a slow one delays
// no other.
type sharedEvent struct {
	last atomic.Pointer[encodedEvent]
}

// encodedEvent is one event's messages: whole, for those who see every
// event (dispatchers, coordinators, admins), and limited, for those of
// the others it is for (encodeEvent's rules).
type encodedEvent struct {
	ev      citdesk.Event // kept, so its payload cannot be freed and its address reused
	whole   []byte
	limited []byte
	to      audience
	who     int64 // the officer's id (oneOfficer) or the liaison's user id (oneLiaison)
}

// audience is who, of those who do not see every event, gets one.
type audience uint8

const (
	noOne audience = iota
	everyOfficer
	oneOfficer
	oneLiaison
)

// same reports whether a and b are one event as the bus delivered it to
// every subscriber: each copy shares the payload's bytes.
func same(a, b citdesk.Event) bool {
	if a.AgencyID != b.AgencyID || a.Type != b.Type || a.ObjectID != b.ObjectID || len(a.Payload) != len(b.Payload) {
		return false
	}
	return len(a.Payload) == 0 || &a.Payload[0] == &b.Payload[0]
}

// of returns ev's messages, made at the first stream that asks.
func (s *sharedEvent) of(ev citdesk.Event) *encodedEvent {
	if e := s.last.Load(); e != nil && same(e.ev, ev) {
		return e
	}
	e := encodeEvent(ev)
	s.last.Store(e)
	return e
}

// encodeEvent makes ev's messages. What others than those who see
// everything get:
//   - a liaison, their own status and calls only (EventLiaison, whose
//     object is the liaison's user id);
//   - an officer, their own status and assignments, and that some call
//     changed with its version, without its details: enough for the phone
//     page to redraw a call it shows when the version is newer than the
//     one shown (not for the echo of its own tap). An assignment whose
//     payload does not say whose it is (it was too big to cross replicas)
//     goes to every officer without it, so each page reloads its own.
func encodeEvent(ev citdesk.Event) *encodedEvent {
	whole := wholeEvent(ev)
	e := &encodedEvent{ev: ev, whole: eventMessage(whole)}
	switch ev.Type {
	case citdesk.EventLiaison:
		e.limited, e.to, e.who = e.whole, oneLiaison, ev.ObjectID
	case citdesk.EventOfficerStatus:
		e.limited, e.to, e.who = e.whole, oneOfficer, ev.ObjectID
	case citdesk.EventAssignment:
		var a struct {
			OfficerID int64 `json:"officer_id"`
		}
		if whole.Payload == nil || json.Unmarshal(whole.Payload, &a) != nil {
			whole.Payload = nil
			e.limited, e.to = eventMessage(whole), everyOfficer
		} else {
			e.limited, e.to, e.who = e.whole, oneOfficer, a.OfficerID
		}
	case citdesk.EventCallUpdated:
		whole.Payload = versionOnly(ev.Payload)
		e.limited, e.to = eventMessage(whole), everyOfficer
	}
	return e
}

// forActor returns the message actor's stream gets of the event, nil for
// none; actor does not see every event.
func (e *encodedEvent) forActor(actor *citdesk.Actor) []byte {
	switch e.to {
	case oneLiaison:
		if e.who == actor.UserID {
			return e.limited
		}
	case oneOfficer:
		if actor.OfficerID != nil && e.who == *actor.OfficerID {
			return e.limited
		}
	case everyOfficer:
		if actor.OfficerID != nil {
			return e.limited
		}
	}
	return nil
}

// wholeEvent is ev as those who see every event get it.
func wholeEvent(ev citdesk.Event) sseEvent {
	out := sseEvent{Type: ev.Type, ObjectID: ev.ObjectID}
	if len(ev.Payload) > 0 && json.Valid(ev.Payload) {
		out.Payload = json.RawMessage(ev.Payload)
	}
	return out
}

// versionOnly returns {"version": N} of a call's summary, or nil when it
// has none.
func versionOnly(summary []byte) json.RawMessage {
	var c struct {
		Version int64 `json:"version"`
	}
	if len(summary) == 0 || json.Unmarshal(summary, &c) != nil || c.Version <= 0 {
		return nil
	}
	return json.RawMessage(`{"version":` + strconv.FormatInt(c.Version, 10) + `}`)
}
