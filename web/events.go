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
	// Whether this stream sees every event whole, asked once: its
	// messages are then the ones every such board shares.
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
			var msg []byte
			if seesAll {
				msg = c.boardEvents.message(ev)
			} else if out, send := eventFor(actor, ev); send {
				msg = eventMessage(out)
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

// sharedEvent keeps the last event encoded for the streams that see every
// event whole (dispatchers, coordinators, admins: their message depends on
// the event alone). The bus hands the same event to every subscriber, so
// with thousands of boards open it is encoded once, not once per board;
// each stream still writes and flushes on its own, under its own write
// deadline, so a slow board delays no other.
type sharedEvent struct {
	last atomic.Pointer[encodedEvent]
}

type encodedEvent struct {
	ev  citdesk.Event // kept, so its payload cannot be freed and its address reused
	msg []byte
}

// same reports whether a and b are one event as the bus delivered it to
// every subscriber: each copy shares the payload's bytes.
func same(a, b citdesk.Event) bool {
	if a.AgencyID != b.AgencyID || a.Type != b.Type || a.ObjectID != b.ObjectID || len(a.Payload) != len(b.Payload) {
		return false
	}
	return len(a.Payload) == 0 || &a.Payload[0] == &b.Payload[0]
}

// message returns ev encoded for a stream that sees it whole, nil if it
// cannot be encoded.
func (s *sharedEvent) message(ev citdesk.Event) []byte {
	if e := s.last.Load(); e != nil && same(e.ev, ev) {
		return e.msg
	}
	msg := eventMessage(wholeEvent(ev))
	if msg != nil {
		s.last.Store(&encodedEvent{ev: ev, msg: msg})
	}
	return msg
}

// wholeEvent is ev as those who see every event get it.
func wholeEvent(ev citdesk.Event) sseEvent {
	out := sseEvent{Type: ev.Type, ObjectID: ev.ObjectID}
	if len(ev.Payload) > 0 && json.Valid(ev.Payload) {
		out.Payload = json.RawMessage(ev.Payload)
	}
	return out
}

// eventFor decides what actor may see of ev. Dispatchers, admins and
// coordinators see everything. An officer sees their own status and
// assignments, and that some call changed (its version, without its
// details), which is enough for the phone page to reload its assignment.
func eventFor(actor *citdesk.Actor, ev citdesk.Event) (sseEvent, bool) {
	out := wholeEvent(ev)
	if actor.HasRole(citdesk.CallReadRoles...) {
		return out, true
	}
	if ev.Type == citdesk.EventLiaison {
		// A liaison hears of their own status and calls only.
		return out, ev.ObjectID == actor.UserID
	}
	if actor.OfficerID == nil {
		return out, false
	}
	switch ev.Type {
	case citdesk.EventOfficerStatus:
		return out, ev.ObjectID == *actor.OfficerID
	case citdesk.EventAssignment:
		var a struct {
			OfficerID int64 `json:"officer_id"`
		}
		if out.Payload == nil || json.Unmarshal(out.Payload, &a) != nil {
			// No payload (it was too big to cross replicas): say only that
			// an assignment changed, so the page reloads its own.
			out.Payload = nil
			return out, true
		}
		return out, a.OfficerID == *actor.OfficerID
	case citdesk.EventCallUpdated:
		// That the call changed and its version, nothing of what it says:
		// the phone page redraws a call it shows only when this version
		// is newer than the one shown (not for the echo of its own tap).
		out.Payload = versionOnly(ev.Payload)
		return out, true
	}
	return out, false
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
