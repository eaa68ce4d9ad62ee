package web

import (
	"encoding/json"
	"errors"
	"net/http"
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
			out, send := eventFor(actor, ev)
			if !send {
				continue
			}
			data, err := json.Marshal(out)
			if err != nil {
				continue
			}
			msg := make([]byte, 0, len(data)+len(out.Type)+16)
			msg = append(msg, "event: "...)
			msg = append(msg, out.Type...)
			msg = append(msg, "\ndata: "...)
			msg = append(msg, data...)
			msg = append(msg, "\n\n"...)
			if !write(msg) {
				return nil
			}
		}
	}
}

// eventFor decides what actor may see of ev. Dispatchers, admins and
// coordinators see everything. An officer sees their own status and
// assignments, and that some call changed (without its details), which is
// enough for the phone page to reload its assignment.
func eventFor(actor *citdesk.Actor, ev citdesk.Event) (sseEvent, bool) {
	out := sseEvent{Type: ev.Type, ObjectID: ev.ObjectID}
	if len(ev.Payload) > 0 && json.Valid(ev.Payload) {
		out.Payload = json.RawMessage(ev.Payload)
	}
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
		out.Payload = nil
		return out, true
	}
	return out, false
}
