package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"citdesk"
)

// Storage failures (issue 14, item 5). When the disk fills or the database
// cannot be reached, a write fails; the store turns the driver's error into
// a citdesk.EUNAVAILABLE error (503 with Retry-After on the web), remembers
// the cause, and /readyz (Ready) reports it until a write succeeds again.
// Nothing is acknowledged that was not committed: a failed commit returns
// its error, and the transaction is rolled back whole.

// The causes a storage failure is reported with: safe to show anyone
// (/readyz answers without sign-in), never the driver's own text.
const (
	causeDiskFull    = "the database's disk is full"
	causeReadOnly    = "the database's storage refuses writes (read-only or failing)"
	causeUnreachable = "the database cannot be reached"
)

// storageHealth is what the store knows of its storage: whether the last
// write failed for a storage cause, which, and since when.
type storageHealth struct {
	mu        sync.Mutex
	cause     string    // "" while writes succeed
	since     time.Time // when the first write of this failure failed
	lastWrite time.Time // the last write that committed
}

func (h *storageHealth) failed(cause string, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cause == "" {
		h.since = now
	}
	h.cause = cause
}

func (h *storageHealth) committed(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cause, h.since, h.lastWrite = "", time.Time{}, now
}

func (h *storageHealth) state() (cause string, since, lastWrite time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cause, h.since, h.lastWrite
}

// storageCause says whether err is the storage failing rather than the
// request: the disk is full, the file cannot be written, or the server
// cannot be reached. It returns "" for any other error.
func storageCause(err error) string {
	if err == nil {
		return ""
	}
	var ce *citdesk.Error
	if errors.As(err, &ce) {
		return ""
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary code of an extended one
		case sqlite3.SQLITE_FULL:
			return causeDiskFull
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
			return causeReadOnly
		}
		return ""
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "53100": // disk_full
			return causeDiskFull
		case pe.Code == "25006": // read_only_sql_transaction: a standby
			return causeReadOnly
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // shut down, crashed, starting
			return causeUnreachable
		}
		return ""
	}
	if errors.Is(err, syscall.ENOSPC) {
		return causeDiskFull
	}
	var connectErr *pgconn.ConnectError
	var opErr *net.OpError
	if errors.As(err, &connectErr) || errors.As(err, &opErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || pgconn.SafeToRetry(err) {
		return causeUnreachable
	}
	return ""
}

// storageError returns err as a citdesk.EUNAVAILABLE error when its cause
// is the storage (the original stays in the chain for the log), noting the
// failure for Ready; any other error comes back as it was.
func (db *DB) storageError(err error, write bool) error {
	cause := storageCause(err)
	if cause == "" {
		return err
	}
	db.health.failed(cause, db.Clock.Now())
	msg := "Writes are failing: " + cause + ". Nothing was saved; try again in a moment (citdesk recovers by itself when the cause is fixed)."
	if !write {
		msg = "The database cannot answer: " + cause + ". Try again in a moment (citdesk recovers by itself when the cause is fixed)."
	}
	return fmt.Errorf("%w: %w", citdesk.Errorf(citdesk.EUNAVAILABLE, "%s", msg), err)
}

// probeEvery is how long Ready trusts the last committed write before it
// writes a probe of its own.
const probeEvery = 15 * time.Second

// probeSize is the size of the probe row: more than a few pages, so that a
// full disk fails it as it fails a real write that grows the database.
const probeSize = 64 << 10

// Ready checks that the database answers reads and takes writes, for
// /readyz: a read, and a probe write (written and deleted in one committed
// transaction) while a storage failure is outstanding or no write has
// committed for a while. It returns a *citdesk.StorageFault naming the cause, or
// nil; a probe that commits clears the failure.
func (db *DB) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		cause := storageCause(err)
		if cause == "" {
			cause = causeUnreachable
		}
		db.health.failed(cause, db.Clock.Now())
		_, since, _ := db.health.state()
		return &citdesk.StorageFault{Cause: cause, Since: since}
	}
	cause, _, lastWrite := db.health.state()
	if cause == "" && db.Clock.Now().Sub(lastWrite) < probeEvery {
		return nil
	}
	err := db.writeTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM storage_probe WHERE id = 1`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO storage_probe (id, filler) VALUES (1, ?)`, make([]byte, probeSize)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM storage_probe WHERE id = 1`)
		return err
	})
	if err == nil {
		return nil
	}
	cause, since, _ := db.health.state()
	if cause == "" { // the probe failed for another reason: report it as unreachable
		cause, since = causeUnreachable, db.Clock.Now()
	}
	return &citdesk.StorageFault{Cause: cause, Since: since}
}
