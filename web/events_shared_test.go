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

	a := s.message(first)
	copyOfFirst := first // what the bus hands the next subscriber
	if b := s.message(copyOfFirst); &b[0] != &a[0] {
		t.Error("a copy of the same published event was encoded again")
	}
	if !strings.Contains(string(a), `"status":"dispatched"`) {
		t.Errorf("first event's message: %q", a)
	}
	if b := s.message(second); !strings.Contains(string(b), `"status":"on_scene"`) {
		t.Errorf("second event's message: %q, want its own payload", b)
	}
	if b := s.message(first); !strings.Contains(string(b), `"status":"dispatched"`) {
		t.Errorf("first event again: %q", b)
	}
	want := "event: call.updated\ndata: {\"type\":\"call.updated\",\"object_id\":7,\"payload\":{\"status\":\"dispatched\"}}\n\n"
	if b := s.message(other); string(b) != want {
		t.Errorf("another agency's event: %q, want %q", b, want)
	}
	if b := s.message(citdesk.Event{AgencyID: 1, Type: citdesk.EventOfficerStatus, ObjectID: 3}); string(b) != "event: officer.status\ndata: {\"type\":\"officer.status\",\"object_id\":3}\n\n" {
		t.Errorf("event without payload: %q", b)
	}
}
