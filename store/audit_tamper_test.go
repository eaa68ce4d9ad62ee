package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// tamperEnv is a database with some audit events, a checkpoint taken
// part-way, and raw SQL access with the append-only guards dropped: an
// insider who owns the database but not the audit key.
type tamperEnv struct {
	dsn string
	db  *store.DB
	raw *sql.DB
	cp  *citdesk.AuditCheckpoint
}

func newTamperEnv(t *testing.T, e storetest.Engine) *tamperEnv {
	t.Helper()
	dsn := storetest.DSN(t, e)
	db := openDSN(t, dsn)
	_, op := storetest.Agency(t, db, "desoto")
	for range 6 {
		if err := db.AuditService().Record(op, &citdesk.AuditEvent{Action: "test", ObjectType: "person", ObjectID: "5"}); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := db.AuditService().CheckpointAudit(context.Background(), "desoto")
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if err := db.AuditService().Record(op, &citdesk.AuditEvent{Action: "test", ObjectType: "person", ObjectID: "6"}); err != nil {
			t.Fatal(err)
		}
	}
	env := &tamperEnv{dsn: dsn, db: db, raw: storetest.Raw(t, dsn), cp: cp}
	env.mustVerify(t, nil)
	env.mustVerify(t, cp)
	storetest.DropAuditGuard(t, env.raw, e)
	return env
}

func (env *tamperEnv) verify(t *testing.T, cp *citdesk.AuditCheckpoint) *citdesk.AuditBreak {
	t.Helper()
	var (
		br  *citdesk.AuditBreak
		err error
	)
	if cp != nil {
		br, _, err = env.db.AuditService().VerifyAuditCheckpoint(context.Background(), cp)
	} else {
		br, _, err = env.db.AuditService().VerifyAudit(context.Background())
	}
	if err != nil {
		t.Fatal(err)
	}
	return br
}

func (env *tamperEnv) mustVerify(t *testing.T, cp *citdesk.AuditCheckpoint) {
	t.Helper()
	if br := env.verify(t, cp); br != nil {
		t.Fatalf("intact trail (checkpoint %v): break %+v", cp != nil, br)
	}
}

// events reads the whole trail with plain SQL.
func (env *tamperEnv) events(t *testing.T) []*citdesk.AuditEvent {
	t.Helper()
	rows, err := env.raw.Query(`SELECT seq, agency_id, user_id, actor, action, object_type, object_id, at, remote, outcome, detail, chain, prev_hash, hash FROM audit_events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []*citdesk.AuditEvent
	for rows.Next() {
		var e citdesk.AuditEvent
		var at int64
		if err := rows.Scan(&e.Seq, &e.AgencyID, &e.UserID, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &at, &e.Remote, &e.Outcome, &e.Detail, &e.Chain, &e.PrevHash, &e.Hash); err != nil {
			t.Fatal(err)
		}
		e.At = fromMicrosTest(at)
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// rechain rewrites every event from seq from on: edit changes it, then
// link gives its chain tag and hash from the previous hash; the head is
// rewritten to match, as an intruder covering their tracks would.
func (env *tamperEnv) rechain(t *testing.T, from int64, edit func(*citdesk.AuditEvent), link func(e *citdesk.AuditEvent, prev string) (chain, hash string), keyID *string) {
	t.Helper()
	prev := ""
	var last *citdesk.AuditEvent
	for _, e := range env.events(t) {
		if e.Seq >= from {
			edit(e)
			e.PrevHash = prev
			e.Chain, e.Hash = link(e, prev)
			if _, err := env.raw.Exec(rebindTest(env.dsn, `UPDATE audit_events SET actor = ?, object_id = ?, chain = ?, prev_hash = ?, hash = ? WHERE seq = ?`),
				e.Actor, e.ObjectID, e.Chain, e.PrevHash, e.Hash, e.Seq); err != nil {
				t.Fatal(err)
			}
		}
		prev, last = e.Hash, e
	}
	if _, err := env.raw.Exec(rebindTest(env.dsn, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`), last.Seq, last.Hash); err != nil {
		t.Fatal(err)
	}
	if keyID != nil {
		if _, err := env.raw.Exec(rebindTest(env.dsn, `UPDATE audit_head SET key_id = ? WHERE id = 1`), *keyID); err != nil {
			t.Fatal(err)
		}
	}
}

func wantBreak(t *testing.T, br *citdesk.AuditBreak, seq int64, reason string) {
	t.Helper()
	if br == nil {
		t.Fatalf("tampering not detected; want a break at %d (%q)", seq, reason)
	}
	if br.Seq != seq || !strings.Contains(br.Reason, reason) {
		t.Fatalf("break %+v, want at %d saying %q", br, seq, reason)
	}
}

// TestAuditTamperTruncate: deleting the newest events and rewriting
// audit_head leaves a chain that links, so only a checkpoint kept
// elsewhere can tell; verify --checkpoint does.
func TestAuditTamperTruncate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		env := newTamperEnv(t, e)
		keep := env.cp.Seq - 2
		if _, err := env.raw.Exec(rebindTest(env.dsn, `DELETE FROM audit_events WHERE seq > ?`), keep); err != nil {
			t.Fatal(err)
		}
		var hash string
		if err := env.raw.QueryRow(rebindTest(env.dsn, `SELECT hash FROM audit_events WHERE seq = ?`), keep).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if _, err := env.raw.Exec(rebindTest(env.dsn, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`), keep, hash); err != nil {
			t.Fatal(err)
		}
		wantBreak(t, env.verify(t, env.cp), keep+1, "truncated")
	})
}

// TestAuditTamperEditRecompute: editing an event and recomputing the
// later links without the key — as plain SHA-256, or as SHA-256 under
// the keyed chain's tag — breaks at the edited event, checkpoint or not.
func TestAuditTamperEditRecompute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		for _, tc := range []struct {
			name, reason string
			link         func(e *citdesk.AuditEvent, prev string) (string, string)
		}{
			{"as plain SHA-256", "plain SHA-256 after the chain was keyed", func(e *citdesk.AuditEvent, prev string) (string, string) {
				return citdesk.ChainSHA256, e.ComputeHash(prev)
			}},
			{"under the keyed tag", "HMAC mismatch", func(e *citdesk.AuditEvent, prev string) (string, string) {
				return e.Chain, e.ComputeHash(prev)
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				env := newTamperEnv(t, e)
				edited := env.cp.Seq - 1
				env.rechain(t, edited, func(ev *citdesk.AuditEvent) {
					if ev.Seq == edited {
						ev.Actor = "somebody-else"
					}
				}, tc.link, nil)
				wantBreak(t, env.verify(t, nil), edited, tc.reason)
				wantBreak(t, env.verify(t, env.cp), edited, tc.reason)
			})
		}
	})
}

// TestAuditTamperRechainOtherKey: re-chaining the whole trail with a key
// of the intruder's own is caught by verify, by the checkpoint, and at
// start-up, which refuses a chain written with another key.
func TestAuditTamperRechainOtherKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		env := newTamperEnv(t, e)
		other, err := citdesk.NewAuditKey(bytes.Repeat([]byte{7}, citdesk.AuditKeySize))
		if err != nil {
			t.Fatal(err)
		}
		otherID := other.ID()
		env.rechain(t, 1, func(*citdesk.AuditEvent) {}, func(e *citdesk.AuditEvent, prev string) (string, string) {
			e.Chain = other.Chain()
			return e.Chain, other.Link(e, prev)
		}, &otherID)
		wantBreak(t, env.verify(t, nil), 1, "not with the audit key given")
		wantBreak(t, env.verify(t, env.cp), 1, "not with the audit key given")
		if _, err := store.Open(context.Background(), env.dsn, storetest.KeyOption()); err == nil || !strings.Contains(err.Error(), "written with audit key "+otherID) {
			t.Fatalf("open with the right key after re-chaining with another: %v, want refused", err)
		}

		// Re-chained with the other key but labelled as ours: the HMACs
		// do not match.
		env = newTamperEnv(t, e)
		env.rechain(t, 1, func(*citdesk.AuditEvent) {}, func(e *citdesk.AuditEvent, prev string) (string, string) {
			return e.Chain, other.Link(e, prev)
		}, nil)
		wantBreak(t, env.verify(t, nil), 1, "HMAC mismatch")
	})
}

// TestAuditTamperRechainAsOld: rewriting the whole trail as if it were
// written before keyed chains (plain SHA-256, no key id) breaks verify;
// once a start with the key has sealed the forged trail, only the
// checkpoint can tell, and it does.
func TestAuditTamperRechainAsOld(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		env := newTamperEnv(t, e)
		none := ""
		env.rechain(t, 1, func(ev *citdesk.AuditEvent) {
			if ev.ObjectID == "5" {
				ev.ObjectID = "9"
			}
		}, func(e *citdesk.AuditEvent, prev string) (string, string) {
			return citdesk.ChainSHA256, e.ComputeHash(prev)
		}, &none)
		wantBreak(t, env.verify(t, nil), env.cp.Seq+4, "no event is chained with the audit key")
		env.db = openDSN(t, env.dsn) // seals the forged old events
		env.mustVerify(t, nil)
		wantBreak(t, env.verify(t, env.cp), env.cp.Seq, "rewritten or re-chained")
	})
}

// TestAuditCheckpointForged: a checkpoint changed by hand, or signed with
// another key, is refused.
func TestAuditCheckpointForged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		env := newTamperEnv(t, e)
		cp := *env.cp
		cp.Seq--
		wantBreak(t, env.verify(t, &cp), cp.Seq, "signature does not verify")
		other, err := citdesk.NewAuditKey(bytes.Repeat([]byte{9}, citdesk.AuditKeySize))
		if err != nil {
			t.Fatal(err)
		}
		cp = *env.cp
		other.SignCheckpoint(&cp)
		wantBreak(t, env.verify(t, &cp), cp.Seq, "signature does not verify")
	})
}

// TestAuditOldChainSealed: a trail written before keyed chains (plain
// SHA-256 links, as migration 0007 finds it) still verifies after the
// first start with a key, which seals it with one keyed event; an old
// event edited afterwards, with every old link recomputed, breaks the
// seal's link.
func TestAuditOldChainSealed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		env := newTamperEnv(t, e)
		none := ""
		// Make the trail what a citdesk before keyed chains wrote.
		env.rechain(t, 1, func(*citdesk.AuditEvent) {}, func(e *citdesk.AuditEvent, prev string) (string, string) {
			return citdesk.ChainSHA256, e.ComputeHash(prev)
		}, &none)
		old := env.events(t)
		env.db = openDSN(t, env.dsn)
		env.mustVerify(t, nil)
		all := env.events(t)
		if len(all) != len(old)+1 || all[len(old)].Action != "audit.chain_keyed" || all[len(old)].Chain != storetest.AuditKey().Chain() {
			t.Fatalf("after the first keyed start: %d events, the last %+v; want the old %d and a keyed seal", len(all), all[len(all)-1], len(old))
		}
		// New events chain with the key after the seal.
		if err := env.db.AuditService().Record(citdesk.NewContextWithActor(context.Background(), citdesk.OperatorActor(1)), &citdesk.AuditEvent{Action: "test"}); err != nil {
			t.Fatal(err)
		}
		env.mustVerify(t, nil)
		// Editing an old event and recomputing the old links stops at the seal.
		seal := all[len(old)].Seq
		prev := ""
		for _, ev := range old {
			if ev.Seq == 2 {
				ev.Actor = "somebody-else"
			}
			ev.PrevHash, ev.Hash = prev, ev.ComputeHash(prev)
			if _, err := env.raw.Exec(rebindTest(env.dsn, `UPDATE audit_events SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?`), ev.Actor, ev.PrevHash, ev.Hash, ev.Seq); err != nil {
				t.Fatal(err)
			}
			prev = ev.Hash
		}
		wantBreak(t, env.verify(t, nil), seal, "does not link")
	})
}

// rebindTest turns ? placeholders into $n for PostgreSQL.
func rebindTest(dsn, q string) string { return store.Rebind(store.IsPostgres(dsn), q) }

func fromMicrosTest(us int64) time.Time { return time.UnixMicro(us).UTC() }
