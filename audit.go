package citdesk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
)

// AuditEvent is one entry of the append-only audit trail: who did what to
// which record, when, from where, and how it ended. Events form a hash
// chain: each one's Hash covers its fields and the previous event's Hash,
// so altering or deleting a row breaks the chain at that point.
type AuditEvent struct {
	Seq        int64     `json:"seq"`
	AgencyID   int64     `json:"agency_id"` // 0 for events outside any agency (an unknown username)
	UserID     int64     `json:"user_id"`
	Actor      string    `json:"actor"` // username, or "operator"
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	At         time.Time `json:"at"`
	Remote     string    `json:"remote"`
	Outcome    string    `json:"outcome"`
	Detail     string    `json:"detail,omitempty"` // never a password, token or narrative
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

// ComputeHash returns the hash that e must carry given the previous
// event's hash. Fields are length-prefixed so no two events share an input.
func (e *AuditEvent) ComputeHash(prev string) string {
	var b strings.Builder
	for _, f := range []string{
		prev,
		strconv.FormatInt(e.Seq, 10),
		strconv.FormatInt(e.AgencyID, 10),
		strconv.FormatInt(e.UserID, 10),
		e.Actor, e.Action, e.ObjectType, e.ObjectID,
		e.At.UTC().Format(time.RFC3339Nano),
		e.Remote, e.Outcome, e.Detail,
	} {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// AuditBreak is the first place the audit chain does not hold.
type AuditBreak struct {
	Seq    int64  // the event whose link is broken
	Reason string // what is wrong: an altered row, a missing row
}

// VerifyChain checks a run of events in order of Seq, starting after an
// event with hash prev (empty and seq 0 at the start of the trail). It
// returns nil when every link holds.
func VerifyChain(prevSeq int64, prev string, events []*AuditEvent) *AuditBreak {
	for _, e := range events {
		if e.Seq != prevSeq+1 {
			return &AuditBreak{Seq: prevSeq + 1, Reason: "event " + strconv.FormatInt(prevSeq+1, 10) + " is missing (deleted)"}
		}
		if e.PrevHash != prev {
			return &AuditBreak{Seq: e.Seq, Reason: "event does not link to the previous event's hash"}
		}
		if e.ComputeHash(prev) != e.Hash {
			return &AuditBreak{Seq: e.Seq, Reason: "event was altered after it was written (hash mismatch)"}
		}
		prevSeq, prev = e.Seq, e.Hash
	}
	return nil
}

// AuditFilter selects audit events.
type AuditFilter struct {
	ObjectType string
	ObjectID   string
	Action     string
	Actor      string // username
	BeforeSeq  int64  // page back through the trail
	AfterSeq   int64
	Limit      int
}

// AuditService reads the audit trail. Events are written by the other
// services, inside the same transaction as the change they record.
type AuditService interface {
	// Record appends an event for something that is not itself a stored
	// change (a page view, a denied request).
	Record(ctx context.Context, e *AuditEvent) error
	// ListAudit returns the actor's agency's events, newest first.
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
	// VerifyAudit walks the whole chain and returns the first break, or nil.
	VerifyAudit(ctx context.Context) (*AuditBreak, int64, error)
}
