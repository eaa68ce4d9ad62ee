package web

import (
	"strings"
	"testing"

	"citdesk"
)

// TestSharedEventEncoding checks that a board's message is the event it
// was handed, whether it was encoded for an earlier board or not: copies
// of one published event share one encoding, and a different event with
// the same type and object (a second change to the same call) is never
// answered with the first one's bytes.
func TestSharedEventEncoding(t *testing.T) {
	var s sharedEvent
	first := citdesk.Event{AgencyID: 1, Type: citdesk.EventCallUpdated, ObjectID: 7, Payload: []byte(`{"status":"dispatched"}`)}
	second := citdesk.Event{AgencyID: 1, Type: citdesk.EventCallUpdated, ObjectID: 7, Payload: []byte(`{"status":"on_scene"}`)}
	other := citdesk.Event{AgencyID: 2, Type: citdesk.EventCallUpdated, ObjectID: 7, Payload: first.Payload}

	a := s.of(first).whole
	copyOfFirst := first // what the bus hands the next subscriber
	if b := s.of(copyOfFirst).whole; &b[0] != &a[0] {
		t.Error("a copy of the same published event was encoded again")
	}
	if !strings.Contains(string(a), `"status":"dispatched"`) {
		t.Errorf("first event's message: %q", a)
	}
	if b := s.of(second).whole; !strings.Contains(string(b), `"status":"on_scene"`) {
		t.Errorf("second event's message: %q, want its own payload", b)
	}
	if b := s.of(first).whole; !strings.Contains(string(b), `"status":"dispatched"`) {
		t.Errorf("first event again: %q", b)
	}
	want := "event: call.updated\ndata: {\"type\":\"call.updated\",\"object_id\":7,\"payload\":{\"status\":\"dispatched\"}}\n\n"
	if b := s.of(other).whole; string(b) != want {
		t.Errorf("another agency's event: %q, want %q", b, want)
	}
	if b := s.of(citdesk.Event{AgencyID: 1, Type: citdesk.EventOfficerStatus, ObjectID: 3}).whole; string(b) != "event: officer.status\ndata: {\"type\":\"officer.status\",\"object_id\":3}\n\n" {
		t.Errorf("event without payload: %q", b)
	}
}

// TestLimitedEventsShared checks what a stream that does not see every
// event gets of each (officers their own status and assignments and every
// call's version, a liaison their own events, anyone else nothing), and
// that every officer's stream is handed the one message made for the
// event, not one encoded per stream.
func TestLimitedEventsShared(t *testing.T) {
	five, six := int64(5), int64(6)
	officer5 := &citdesk.Actor{UserID: 50, AgencyID: 1, OfficerID: &five}
	officer6 := &citdesk.Actor{UserID: 60, AgencyID: 1, OfficerID: &six}
	liaison := &citdesk.Actor{UserID: 9, AgencyID: 1}
	analyst := &citdesk.Actor{UserID: 70, AgencyID: 1}
	actors := []*citdesk.Actor{officer5, officer6, liaison, analyst}
	names := []string{"officer 5", "officer 6", "liaison", "analyst"}
	for _, c := range []struct {
		name string
		ev   citdesk.Event
		want []string // each actor's message, "" for none
	}{
		{"a call's change: its version only, to every officer",
			citdesk.Event{Type: citdesk.EventCallUpdated, ObjectID: 7, Payload: []byte(`{"version":3,"address":"12 Elm St","nature":"welfare check"}`)},
			[]string{`{"type":"call.updated","object_id":7,"payload":{"version":3}}`, `{"type":"call.updated","object_id":7,"payload":{"version":3}}`, "", ""}},
		{"an assignment, to its officer",
			citdesk.Event{Type: citdesk.EventAssignment, ObjectID: 11, Payload: []byte(`{"officer_id":5,"call_id":7}`)},
			[]string{`{"type":"assignment","object_id":11,"payload":{"officer_id":5,"call_id":7}}`, "", "", ""}},
		{"an assignment that does not say whose, to every officer without its payload",
			citdesk.Event{Type: citdesk.EventAssignment, ObjectID: 12},
			[]string{`{"type":"assignment","object_id":12}`, `{"type":"assignment","object_id":12}`, "", ""}},
		{"an officer's status, to that officer",
			citdesk.Event{Type: citdesk.EventOfficerStatus, ObjectID: 6, Payload: []byte(`{"duty":{"status":"busy"}}`)},
			[]string{"", `{"type":"officer.status","object_id":6,"payload":{"duty":{"status":"busy"}}}`, "", ""}},
		{"a liaison's change, to that liaison",
			citdesk.Event{Type: citdesk.EventLiaison, ObjectID: 9, Payload: []byte(`{"status":"available"}`)},
			[]string{"", "", `{"type":"liaison","object_id":9,"payload":{"status":"available"}}`, ""}},
		{"a new call, to no one",
			citdesk.Event{Type: citdesk.EventCallCreated, ObjectID: 8, Payload: []byte(`{"version":1,"address":"3 Oak St"}`)},
			[]string{"", "", "", ""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var s sharedEvent
			var first []byte
			for i, actor := range actors {
				copyOfEvent := c.ev // what the bus hands each subscriber
				got := s.of(copyOfEvent).forActor(actor)
				want := ""
				if c.want[i] != "" {
					want = "event: " + c.ev.Type + "\ndata: " + c.want[i] + "\n\n"
				}
				if string(got) != want {
					t.Errorf("%s gets %q, want %q", names[i], got, want)
				}
				if got != nil && first != nil && &got[0] != &first[0] && c.want[0] == c.want[i] {
					t.Errorf("%s's message was encoded again for their stream", names[i])
				}
				if got != nil && first == nil {
					first = got
				}
			}
		})
	}
}

// BenchmarkOfficerStreams is one call's change reaching 1,000 officers'
// streams: its message made once for all of them (shared), against made
// for each stream in turn as before this change (per stream: the payload
// checked, the summary decoded for its version and the message encoded,
// 1,000 times, as eventFor and eventMessage did).
func BenchmarkOfficerStreams(b *testing.B) {
	const streams = 1000
	officers := make([]*citdesk.Actor, streams)
	for i := range officers {
		id := int64(i + 1)
		officers[i] = &citdesk.Actor{UserID: id, AgencyID: 1, OfficerID: &id}
	}
	payload := []byte(`{"id":7,"version":3,"status":"dispatched","nature":"welfare check","address":"12 Elm St, De Soto, MO","priority":2,"cit_requested":true,"mental_health":true,"received_at":"2026-03-10T19:30:00Z"}`)
	b.Run("shared", func(b *testing.B) {
		var s sharedEvent
		for b.Loop() {
			ev := citdesk.Event{AgencyID: 1, Type: citdesk.EventCallUpdated, ObjectID: 7, Payload: append([]byte(nil), payload...)}
			for _, o := range officers {
				if s.of(ev).forActor(o) == nil {
					b.Fatal("no message")
				}
			}
		}
	})
	b.Run("per-stream", func(b *testing.B) {
		for b.Loop() {
			ev := citdesk.Event{AgencyID: 1, Type: citdesk.EventCallUpdated, ObjectID: 7, Payload: append([]byte(nil), payload...)}
			for range officers {
				out := wholeEvent(ev)
				out.Payload = versionOnly(ev.Payload)
				if eventMessage(out) == nil {
					b.Fatal("no message")
				}
			}
		}
	})
}
