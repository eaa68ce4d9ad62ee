package citdesk

import "context"

// Event types published on the event bus.
const (
	EventOfficerStatus = "officer.status"
	EventCallCreated   = "call.created"
	EventCallUpdated   = "call.updated"
	EventAssignment    = "assignment"
	// EventLiaison: a liaison's status or call changed; ObjectID is the
	// liaison's user id.
	EventLiaison = "liaison"
)

// Event is a change that live pages show: an officer's status, a call, an
// assignment. Payload holds the record's public fields as JSON; the event
// carries no person-level data beyond what the board already shows.
type Event struct {
	AgencyID int64  `json:"agency_id"`
	Type     string `json:"type"`
	ObjectID int64  `json:"object_id"`
	Payload  []byte `json:"payload,omitempty"`
}

// EventService publishes events to every subscriber of the agency, on
// this process and, with PostgreSQL, on every replica.
type EventService interface {
	Publish(ctx context.Context, e Event)
	// Subscribe returns a subscription to the events of one agency.
	Subscribe(ctx context.Context, agencyID int64) Subscription
}

// Subscription is a stream of events. A subscriber too slow to keep up is
// dropped: its channel is closed rather than blocking the publisher.
type Subscription interface {
	C() <-chan Event
	Close()
}
