package store

import (
	"context"
	"errors"
	"time"

	"citdesk"
)

// MigrateTo applies only the first k embedded migrations to the database
// at dsn, as a citdesk of that schema version would have, for the upgrade
// tests.
func MigrateTo(ctx context.Context, dsn string, k int) error {
	db, err := connect(ctx, dsn, openOptions{})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.migrate(ctx, k)
}

// TestDSN returns the database's data source name, for tests that look
// past the store.
func (db *DB) TestDSN() string { return db.dsn }

// CreateCallThenFail creates a call and writes its call.created delivery
// in one transaction, as CallService.CreateCall does, and then, when fail
// is set, fails that transaction: the outbox rollback test's change.
func (db *DB) CreateCallThenFail(ctx context.Context, fail bool) error {
	actor := citdesk.ActorFromContext(ctx)
	return db.writeTx(ctx, func(tx *Tx) error {
		c := &citdesk.Call{Nature: "Welfare check", Address: "12 Elm St", Source: citdesk.Source911}
		if err := c.Validate(tx.now); err != nil {
			return err
		}
		if err := insertCall(ctx, tx, actor, c); err != nil {
			return err
		}
		if err := enqueueCallEvent(ctx, tx, citdesk.HookCallCreated, c); err != nil {
			return err
		}
		if fail {
			return errors.New("the change failed after its delivery was written")
		}
		return nil
	})
}

// SealedColumns lists, by table, the columns sealed at rest (text and
// binary), for tests that look at raw rows.
func SealedColumns() map[string][]string {
	out := map[string][]string{}
	for _, t := range sealedTables {
		out[t.table] = append(out[t.table], t.text...)
		if t.bytes != "" {
			out[t.table] = append(out[t.table], t.bytes)
		}
	}
	return out
}

// OpenSealed opens a raw value of a sealed column (string or []byte).
func (db *DB) OpenSealed(table, col string, raw any) (any, error) {
	switch v := raw.(type) {
	case string:
		return db.fields.openText(table+"."+col, v)
	case []byte:
		if _, ok := bytesKeyID(v); ok {
			return db.fields.openBytes(table+"."+col, v)
		}
		return db.fields.openText(table+"."+col, string(v))
	}
	return nil, nil
}

// AddressKeyOf returns the keyed hash an address is matched by.
func (db *DB) AddressKeyOf(address string) string { return db.fields.addressKey(address) }

// DataKeyOf returns the data key a raw sealed value names (0: not sealed).
func DataKeyOf(raw any) int64 {
	switch v := raw.(type) {
	case string:
		id, _, _ := textKeyID(v)
		return id
	case []byte:
		if id, ok := bytesKeyID(v); ok {
			return id
		}
		id, _, _ := textKeyID(string(v))
		return id
	}
	return 0
}

// Rebind turns ? placeholders into PostgreSQL's $n when postgres is set,
// as the store's own dialect does, for tests that write SQL past the store.
func Rebind(postgres bool, q string) string {
	if postgres {
		return postgresDialect.rebind(q)
	}
	return q
}

// ChangeWhileQueued runs query in a write transaction that, on SQLite,
// waits before running it until another write is queued behind it for the
// writer: a change that lands between that write's reads (made before it
// queued) and its own transaction. started is closed once it holds the
// writer; result gets its error.
func (db *DB) ChangeWhileQueued(ctx context.Context, query string, args ...any) (started <-chan struct{}, result <-chan error) {
	s, r := make(chan struct{}), make(chan error, 1)
	go func() {
		r <- db.writeTx(ctx, func(tx *Tx) error {
			close(s)
			for {
				db.group.mu.Lock()
				n := len(db.group.queue)
				db.group.mu.Unlock()
				if n > 1 {
					break
				}
				time.Sleep(time.Millisecond)
			}
			_, err := tx.ExecContext(ctx, query, args...)
			return err
		})
	}()
	return s, r
}

// TestAuditThenHold appends e in a write transaction, makes one more
// write after it (the agency's name, unchanged), then says so on held and
// waits for release before it commits: a writer busy after its first
// audit event, for the audit head lock test.
func (db *DB) TestAuditThenHold(ctx context.Context, e *citdesk.AuditEvent, agencyID int64, held chan<- struct{}, release <-chan struct{}) error {
	return db.writeTx(ctx, func(tx *Tx) error {
		if err := tx.appendAudit(ctx, e); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agencies SET name = name WHERE id = ?`, agencyID); err != nil {
			return err
		}
		close(held)
		<-release
		return nil
	})
}
