package citdesk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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

// ChainSHA256 marks an event written before the chain was keyed: its Hash
// is a plain SHA-256 that anyone with the database can recompute. Such
// events are accepted only as the start of the trail, sealed by the first
// keyed event (which covers their last hash); see ChainVerifier.
const ChainSHA256 = "sha256"

// AuditEvent is one entry of the append-only audit trail: who did what to
// which record, when, from where, and how it ended. Events form a chain:
// each one's Hash is an HMAC-SHA256, under a key kept outside the database,
// of its fields and the previous event's Hash, so altering, deleting or
// re-chaining rows breaks the chain, and recomputing it needs the key.
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
	Chain      string    `json:"chain"`            // how Hash was made: AuditKey.Chain, or ChainSHA256 for old events
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

// fields returns e's chained fields, length-prefixed so no two events
// share an input.
func (e *AuditEvent) fields(prev string, extra ...string) []byte {
	var b strings.Builder
	for _, f := range append([]string{
		prev,
		strconv.FormatInt(e.Seq, 10),
		strconv.FormatInt(e.AgencyID, 10),
		strconv.FormatInt(e.UserID, 10),
		e.Actor, e.Action, e.ObjectType, e.ObjectID,
		e.At.UTC().Format(time.RFC3339Nano),
		e.Remote, e.Outcome, e.Detail,
	}, extra...) {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	return []byte(b.String())
}

// ComputeHash returns the plain SHA-256 link of an event written before
// the chain was keyed (Chain ChainSHA256), given the previous event's hash.
func (e *AuditEvent) ComputeHash(prev string) string {
	sum := sha256.Sum256(e.fields(prev))
	return hex.EncodeToString(sum[:])
}

// AuditKeySize is the length in bytes of an audit key's secret.
const AuditKeySize = 32

// AuditKey is the secret the audit chain and its checkpoints are keyed
// with. It lives in a file outside the database, so whoever can write the
// database cannot recompute the chain. Two keys are derived from the
// secret, one to chain events and one to sign checkpoints, so a value made
// for one purpose is never valid for the other.
type AuditKey struct {
	chain, sign []byte
	pseudonym   []byte // keys the stand-ins of public files (Pseudonym)
	id          string
}

// NewAuditKey returns the key made from secret, which must be
// AuditKeySize bytes.
func NewAuditKey(secret []byte) (*AuditKey, error) {
	if len(secret) != AuditKeySize {
		return nil, errors.New("an audit key is " + strconv.Itoa(AuditKeySize) + " bytes, not " + strconv.Itoa(len(secret)))
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	return &AuditKey{
		chain: derive("citdesk audit chain v1"),
		sign:  derive("citdesk audit checkpoint v1"),
		// A key of its own, derived apart from the chain's and the
		// checkpoints', for the stand-ins in published files.
		pseudonym: derive("citdesk open data pseudonym v1"),
		id:        hex.EncodeToString(derive("citdesk audit key id v1")[:8]),
	}, nil
}

// Pseudonym returns a stable stand-in for value (an officer, a report) of
// the given kind, for a file the agency publishes: the same value always
// gets the same stand-in, and without the key nobody can get from the
// stand-in back to the value by trying the few values there are (an
// unkeyed hash of a small id can be reversed that way).
func (k *AuditKey) Pseudonym(kind, value string) string {
	m := hmac.New(sha256.New, k.pseudonym)
	m.Write([]byte(kind + "\x00" + value))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// ID names the key without revealing it: a database remembers the ID of
// the key its chain is written with and refuses another.
func (k *AuditKey) ID() string { return k.id }

// Chain is the tag of events chained with this key.
func (k *AuditKey) Chain() string { return "hmac-sha256:" + k.id }

// Link returns the hash e must carry under this key, given the previous
// event's hash. The chain tag is part of the input.
func (k *AuditKey) Link(e *AuditEvent, prev string) string {
	m := hmac.New(sha256.New, k.chain)
	m.Write(e.fields(prev, k.Chain()))
	return hex.EncodeToString(m.Sum(nil))
}

// AuditCheckpoint is a signed statement that the trail's event Seq had
// Hash at time At. An operator ships it somewhere the database's writers
// cannot reach; later, the trail must still extend it.
type AuditCheckpoint struct {
	Agency string    `json:"agency,omitempty"` // the agency it was made for, when one was named
	Seq    int64     `json:"seq"`
	Hash   string    `json:"hash"`
	At     time.Time `json:"at"`
	Sig    string    `json:"sig"`
}

func (k *AuditKey) checkpointSig(c *AuditCheckpoint) []byte {
	m := hmac.New(sha256.New, k.sign)
	for _, f := range []string{"citdesk audit checkpoint v1", c.Agency, strconv.FormatInt(c.Seq, 10), c.Hash, c.At.UTC().Format(time.RFC3339Nano)} {
		m.Write([]byte(strconv.Itoa(len(f)) + ":" + f))
	}
	return m.Sum(nil)
}

// SignCheckpoint sets c.Sig.
func (k *AuditKey) SignCheckpoint(c *AuditCheckpoint) {
	c.Sig = hex.EncodeToString(k.checkpointSig(c))
}

// CheckpointSigned reports whether c carries this key's signature.
func (k *AuditKey) CheckpointSigned(c *AuditCheckpoint) bool {
	sig, err := hex.DecodeString(c.Sig)
	return err == nil && hmac.Equal(sig, k.checkpointSig(c))
}

// AuditBreak is the first place the audit chain does not hold.
type AuditBreak struct {
	Seq    int64  // the event whose link is broken
	Reason string // what is wrong: an altered row, a missing row
}

// ChainVerifier checks the trail page by page, in order of Seq, from the
// first event. Events chained with plain SHA-256 (written before the key
// existed) are accepted only before every keyed event, and only when a
// keyed event follows them: its HMAC covers their last hash, so none of
// them can be changed without the key. Every keyed event must be chained
// with Key.
type ChainVerifier struct {
	Key *AuditKey
	// Seq and Hash are the last event checked: 0 and "" at the start.
	Seq  int64
	Hash string

	keyed  bool  // a keyed event has been seen
	legacy int64 // plain SHA-256 events seen
}

// Check verifies the next run of events and returns the first break, or nil.
func (v *ChainVerifier) Check(events []*AuditEvent) *AuditBreak {
	for _, e := range events {
		if e.Seq != v.Seq+1 {
			return &AuditBreak{Seq: v.Seq + 1, Reason: "event " + strconv.FormatInt(v.Seq+1, 10) + " is missing (deleted)"}
		}
		if e.PrevHash != v.Hash {
			return &AuditBreak{Seq: e.Seq, Reason: "event does not link to the previous event's hash"}
		}
		switch e.Chain {
		case v.Key.Chain():
			if v.Key.Link(e, v.Hash) != e.Hash {
				return &AuditBreak{Seq: e.Seq, Reason: "event was altered after it was written (HMAC mismatch)"}
			}
			v.keyed = true
		case ChainSHA256:
			if v.keyed {
				return &AuditBreak{Seq: e.Seq, Reason: "event is chained with plain SHA-256 after the chain was keyed: it was rewritten without the key"}
			}
			if e.ComputeHash(v.Hash) != e.Hash {
				return &AuditBreak{Seq: e.Seq, Reason: "event was altered after it was written (hash mismatch)"}
			}
			v.legacy++
		default:
			return &AuditBreak{Seq: e.Seq, Reason: "event is chained as " + strconv.Quote(e.Chain) + ", not with the audit key given (" + v.Key.Chain() + "): re-chained with another key, or the wrong key file"}
		}
		v.Seq, v.Hash = e.Seq, e.Hash
	}
	return nil
}

// Finish returns a break when the trail ended with plain SHA-256 events
// that no keyed event seals: anyone could have written them.
func (v *ChainVerifier) Finish() *AuditBreak {
	if v.legacy > 0 && !v.keyed {
		return &AuditBreak{Seq: v.Seq, Reason: "no event is chained with the audit key: the trail was rewritten without it"}
	}
	return nil
}

// Extends returns a break when the trail checked so far (ending at event
// headSeq) does not extend checkpoint c: c's event is missing (truncated)
// or has another hash (rewritten or re-chained). at is the hash of event
// c.Seq as found, or "" when the trail is shorter.
func (c *AuditCheckpoint) Extends(headSeq int64, at string) *AuditBreak {
	if c.Seq == 0 {
		return nil
	}
	if headSeq < c.Seq {
		return &AuditBreak{Seq: headSeq + 1, Reason: "the trail ends at event " + strconv.FormatInt(headSeq, 10) + ", before the checkpoint's event " + strconv.FormatInt(c.Seq, 10) + ": events were deleted (truncated)"}
	}
	if at != c.Hash {
		return &AuditBreak{Seq: c.Seq, Reason: "event " + strconv.FormatInt(c.Seq, 10) + " no longer has the checkpoint's hash: the trail was rewritten or re-chained"}
	}
	return nil
}

// AuditFilter selects audit events.
type AuditFilter struct {
	ObjectType string
	ObjectID   string
	Action     string
	Actor      string // username
	Remote     string // the address a request came from
	BeforeSeq  int64  // page back through the trail
	AfterSeq   int64
	Since      time.Time // events at or after, when set
	Until      time.Time // events before, when set
	Limit      int
}

// AuditService reads the audit trail. Events are written by the other
// services, inside the same transaction as the change or read they record.
type AuditService interface {
	// Record appends an event for something that is not itself a stored
	// change (a page view, a denied request).
	Record(ctx context.Context, e *AuditEvent) error
	// ListAudit returns the actor's agency's events, newest first. The
	// read is itself audited.
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)
	// VerifyAudit walks the whole chain and returns the first break, or
	// nil, with the number of events checked.
	VerifyAudit(ctx context.Context) (*AuditBreak, int64, error)
	// VerifyAuditCheckpoint is VerifyAudit that also breaks when the
	// chain does not extend c, or c is not signed with the audit key.
	VerifyAuditCheckpoint(ctx context.Context, c *AuditCheckpoint) (*AuditBreak, int64, error)
	// CheckpointAudit returns a signed checkpoint of the chain's head,
	// labelled with agency when it is not empty.
	CheckpointAudit(ctx context.Context, agency string) (*AuditCheckpoint, error)
	// ExportAudit calls fn with every event after seq since, in order, and
	// returns how many it passed. The export itself is audited.
	ExportAudit(ctx context.Context, since int64, fn func(*AuditEvent) error) (int64, error)
}
