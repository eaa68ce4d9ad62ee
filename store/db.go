// Package store implements citdesk's services with database/sql on SQLite
// (the embedded default, through the pure-Go modernc.org/sqlite driver) and
// PostgreSQL (through pgx). The SQL is written once; the few places where the
// engines differ live in the dialect type.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"

	"citdesk"
	"citdesk/geo"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is a citdesk database on SQLite or PostgreSQL.
type DB struct {
	dsn     string
	dialect dialect
	write   *sql.DB // SQLite: one connection, so writers queue in-process; PostgreSQL: the pool
	read    *sql.DB // SQLite: a pool of readers beside the writer (WAL); PostgreSQL: the same pool

	// Clock tells the time; tests replace it with a citdesk.FakeClock.
	Clock citdesk.Clock
	// Argon2 sets the cost of password hashing.
	Argon2 Argon2Params
	// FactorKey is the 32-byte AES-256 key that TOTP secrets are encrypted
	// with; it lives outside the database (serve reads --mfa-key-file).
	// When nil, a random key is made for this process only, so enrolled
	// authenticator apps stop working after a restart: fine for tests.
	FactorKey []byte
	// Events, when set, receives an event for each committed change that a
	// live page shows.
	Events citdesk.EventService
	// Maps, when set, holds the agencies' imported OpenStreetMap maps
	// (citdesk map import): address lookup searches their addresses and
	// recommendations drive on their roads (maps.go).
	Maps *geo.Maps
	// OutcomeDir, when set, is where the outcome service keeps each
	// agency's snapshot between runs (OutcomeService); the command sets
	// it to the outcomes directory in --data on either engine.
	OutcomeDir string
	// outcomeCaches are the outcome services made here (outcomes.go).
	outcomeCaches outcomeCaches

	stats txCounters
	// health remembers a storage failure until a write commits (health.go).
	health storageHealth
	// auditKey chains audit events; it never enters the database.
	auditKey     *citdesk.AuditKey
	fields       *fieldKeys // the data keys sensitive fields are sealed with (fieldkeys.go)
	ephemeralKey []byte     // FactorKey's stand-in when it is nil
	keyOnce      sync.Once
	// geocoder holds the in-memory address indexes (address.go).
	geoOnce  sync.Once
	geocoder *addressGeocoder
	// auth keeps FindSession's recent answers (authcache.go).
	auth authCache
	// dispatch keeps each agency's dispatch state (dispatchmem.go).
	dispatch dispatchMemory
	// group commits SQLite's waiting write transactions together
	// (groupcommit.go); nil on PostgreSQL.
	group *groupCommit
	// testDropDispatch makes the event bus lose that many dispatch
	// notifications, so a test can show a replica noticing.
	testDropDispatch atomic.Int32
}

// Option configures Open.
type Option func(*openOptions)

type openOptions struct {
	auditKey *citdesk.AuditKey
	fieldKey *FieldKey
}

// WithAuditKey chains the database's audit events with k (see
// LoadAuditKey). PostgreSQL needs it; SQLite without it uses the key file
// in the database's directory, making it on first use.
func WithAuditKey(k *citdesk.AuditKey) Option {
	return func(o *openOptions) { o.auditKey = k }
}

// TxStats counts what the database has done since it was opened: read
// transactions, write transactions and audit events written. Tests use it
// to show that a page reads in one transaction and leaves one audit event
// per record; the counters are atomic, so counting costs next to nothing.
type TxStats struct {
	Reads  int64 // read-only transactions begun
	Writes int64 // read-write transactions begun (committed or not)
	Audits int64 // audit events appended in committed transactions
	// Sessions counts the reads among Reads that authenticated a request
	// (FindSession, when its answer was not in memory).
	Sessions int64
}

// Sub returns the counts between an earlier snapshot and s.
func (s TxStats) Sub(earlier TxStats) TxStats {
	return TxStats{Reads: s.Reads - earlier.Reads, Writes: s.Writes - earlier.Writes, Audits: s.Audits - earlier.Audits, Sessions: s.Sessions - earlier.Sessions}
}

type txCounters struct {
	reads, writes, audits, sessions atomic.Int64
	// statements counts the SQL statements SQLite's readers ran,
	// writerStatements the writer's.
	statements, writerStatements atomic.Int64
	// writerFails counts the SQLite writer's statements that failed
	// (groupcommit.go).
	writerFails atomic.Int64
}

// TxStats returns the counts so far; subtract an earlier snapshot (Sub) to
// count what one request did.
func (db *DB) TxStats() TxStats {
	return TxStats{Reads: db.stats.reads.Load(), Writes: db.stats.writes.Load(), Audits: db.stats.audits.Load(), Sessions: db.stats.sessions.Load()}
}

// SQLiteCounts are what SQLite's connections have done since the database
// was opened (zero on PostgreSQL): where the writer's time goes (issue 12).
type SQLiteCounts struct {
	Statements int64 // SQL statements the writer and the readers ran
	// WriterStatements are those of Statements the writer ran: every other
	// write waits for them.
	WriterStatements int64
	Commits          int64 // commits: fewer than write transactions when a group commit carries several (groupcommit.go)
}

// SQLiteCounts returns the counts so far.
func (db *DB) SQLiteCounts() SQLiteCounts {
	w := db.stats.writerStatements.Load()
	c := SQLiteCounts{Statements: db.stats.statements.Load() + w, WriterStatements: w}
	if db.group != nil {
		c.Commits = db.group.commits.Load()
	}
	return c
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn — a postgres:// URL, or the path of
// an SQLite file (created with its directory when missing) — applies any
// pending migrations, and checks that the audit chain is written with the
// audit key given (see WithAuditKey) and that the field key given opens
// its data keys (see WithFieldKey), then seals what an older citdesk left
// in plaintext in the fields now encrypted.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	var createdKey string // a key file made here, removed again if the database refuses it
	if o.auditKey == nil {
		if IsPostgres(dsn) {
			return nil, errors.New("a PostgreSQL database needs an audit key (--audit-key-file)")
		}
		path := filepath.Join(filepath.Dir(dsn), AuditKeyFile)
		k, created, err := LoadAuditKey(path)
		if err != nil {
			return nil, err
		}
		if created {
			createdKey = path
		}
		o.auditKey = k
	}
	var createdFieldKey string
	if o.fieldKey == nil {
		if IsPostgres(dsn) {
			return nil, errors.New("a PostgreSQL database needs a field key (--field-key-file or CITDESK_FIELD_KEY)")
		}
		path := filepath.Join(filepath.Dir(dsn), FieldKeyFile)
		k, created, err := LoadFieldKey(path)
		if err != nil {
			return nil, errors.Join(err, removeIf(createdKey))
		}
		if created {
			createdFieldKey = path
		}
		o.fieldKey = k
	}
	db, err := open(ctx, dsn, o)
	if err != nil {
		err = errors.Join(err, removeIf(createdKey), removeIf(createdFieldKey))
	}
	return db, err
}

func open(ctx context.Context, dsn string, o openOptions) (*DB, error) {
	db, err := connect(ctx, dsn, o)
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx, -1); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.keyAuditChain(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.loadFieldKeys(ctx, o.fieldKey); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.sealPlaintext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("encrypt the fields an older citdesk wrote: %w", err)
	}
	return db, nil
}

// removeIf removes the key file at path, made by this Open, when the
// database refused it; "" is nothing to remove.
func removeIf(path string) error {
	if path == "" {
		return nil
	}
	return os.Remove(path)
}

// connect opens the database's connections without migrating it.
func connect(ctx context.Context, dsn string, o openOptions) (*DB, error) {
	db := &DB{dsn: dsn, Clock: citdesk.SystemClock{}, Argon2: DefaultArgon2, auditKey: o.auditKey}
	db.auth.origin = rand.Text()
	if IsPostgres(dsn) {
		db.dialect = postgresDialect
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(20)
		pool.SetMaxIdleConns(10)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		db.write, db.read = pool, pool
	} else {
		db.dialect = sqliteDialect
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create data directory: %w", err)
			}
		}
		// Each connection keeps the statements it has compiled
		// (stmtcache.go), and the readers stay open: a reader closed and
		// reopened would compile its statements, and read the schema, again.
		w, err := openSQLite(SQLiteDSN(dsn, true), stmtCounts{runs: &db.stats.writerStatements, fails: &db.stats.writerFails})
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetConnMaxIdleTime(0)
		r, err := openSQLite(SQLiteDSN(dsn, false), stmtCounts{runs: &db.stats.statements})
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open sqlite reader: %w", err)
		}
		r.SetMaxOpenConns(sqliteReaders)
		r.SetMaxIdleConns(sqliteReaders)
		db.write, db.read = w, r
		db.group = newGroupCommit(db)
		watch, err := openSQLite(SQLiteDSN(dsn, false), stmtCounts{})
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("open sqlite watcher: %w", err)
		}
		watch.SetMaxOpenConns(1)
		watch.SetMaxIdleConns(1)
		watch.SetConnMaxIdleTime(0)
		db.auth.watch = &commitWatch{conn: watch, shm: dsn + "-shm"}
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return db, nil
}

// SQLiteDSN returns the modernc.org/sqlite data source name citdesk opens
// the SQLite file at path with: the writer's (writer) or a reader's. Every
// connection gets the same pragmas. synchronous=FULL: an acknowledged
// write survives power loss. _txlock=immediate on the writer takes the
// write lock at BEGIN, so a read-then-write transaction never fails
// half-way on lock upgrade. citdesk bench opens its bare SQLite writer
// with it, so the peer differs from citdesk only in what citdesk does.
func SQLiteDSN(path string, writer bool) string {
	pragmas := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "foreign_keys(ON)", "busy_timeout(10000)", "synchronous(FULL)"} {
		pragmas.Add("_pragma", p)
	}
	if writer {
		// temp_store(MEMORY): the group commit (groupcommit.go) runs each
		// write in a savepoint, whose statement journal SQLite otherwise
		// spills to a temporary file past 64 KiB — a file opened, written
		// and closed per batch. Held in memory, it is as big as the pages
		// one batch changes.
		pragmas.Add("_pragma", "temp_store(MEMORY)")
		return "file:" + path + "?" + pragmas.Encode() + "&_txlock=immediate"
	}
	return "file:" + path + "?" + pragmas.Encode() + "&mode=ro"
}

// sqliteReaders is the size of SQLite's reader pool, every one kept open.
const sqliteReaders = 8

// openSQLite opens an SQLite pool whose connections cache their compiled
// statements.
func openSQLite(dsn string, counts stmtCounts) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(stmtConnector{inner: c, stmtCounts: counts}), nil
}

// Close closes the database.
func (db *DB) Close() error {
	var errs []error
	db.outcomeCaches.close()
	if db.group != nil {
		db.group.close()
	}
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	if db.auth.watch != nil {
		errs = append(errs, db.auth.watch.close())
	}
	return errors.Join(errs...)
}

// Engine returns "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name }

// Ping checks that the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// now is truncated to the microseconds that times are stored with, so a
// value hashed or returned before it is written equals the value read back
// (the audit chain hashes At).
func (db *DB) now() time.Time { return db.Clock.Now().UTC().Truncate(time.Microsecond) }

// Tx is a transaction that rewrites placeholders for its engine.
type Tx struct {
	*sql.Tx
	db     *DB
	now    time.Time // one timestamp for everything the transaction records
	audits int64     // audit events appended, counted in TxStats on commit
	// authWrite is set when the transaction writes sessions, users or
	// agencies: its commit empties the session cache (authcache.go).
	authWrite bool
	// dispatchAgency, when set, is the agency whose dispatch state the
	// transaction changes (0: any): see dispatchmem.go.
	dispatchAgency *int64
	// detached runs the statements whatever becomes of the caller's
	// context: the transaction holds other requests' writes too
	// (groupcommit.go).
	detached bool
	// head is the audit chain's head as this transaction advances it
	// (audit.go); nil in a read-only transaction.
	head *auditHead
	// subs, in a write transaction, keeps the webhook subscriptions it
	// has read (webhook.go); nil in a read-only one.
	subs *subscriptions
	// moves are the position reports it wrote that keep the officers'
	// statuses, for the dispatch state in memory (execMove).
	moves []officerMove
}

// writeTx runs fn in a read-write transaction, committing when it returns
// nil and rolling back otherwise. On SQLite it commits together with the
// other write transactions waiting for the writer (groupcommit.go); fn's
// writes still commit all together or not at all.
func (db *DB) writeTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.group != nil {
		return db.group.write(ctx, fn)
	}
	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return db.storageError(fmt.Errorf("begin: %w", err), true)
	}
	db.stats.writes.Add(1)
	tx := &Tx{Tx: sqltx, db: db, now: db.now(), head: &auditHead{}, subs: &subscriptions{}}
	defer sqltx.Rollback()
	if err := fn(tx); err != nil {
		return db.storageError(err, true)
	}
	if err := writeAudits(ctx, tx); err != nil {
		return db.storageError(err, true)
	}
	if err := tx.notifyDispatch(ctx); err != nil {
		return db.storageError(err, true)
	}
	err = sqltx.Commit()
	// Even a failed commit may have happened: forget what it changed.
	if tx.authWrite {
		db.auth.flush()
	}
	if tx.dispatchAgency != nil {
		db.dispatch.changed(*tx.dispatchAgency)
	}
	if err != nil {
		return db.storageError(fmt.Errorf("commit: %w", err), true)
	}
	db.health.committed(db.Clock.Now())
	db.stats.audits.Add(tx.audits)
	return nil
}

// readTx runs fn in a read-only transaction: one consistent snapshot.
func (db *DB) readTx(ctx context.Context, fn func(tx *Tx) error) error {
	bctx := ctx
	if db.dialect == sqliteDialect {
		bctx = quietContext(ctx) // statements still see ctx (stmtContext)
	}
	sqltx, err := db.read.BeginTx(bctx, &sql.TxOptions{ReadOnly: true, Isolation: db.dialect.readIsolation})
	if err != nil {
		return db.storageError(fmt.Errorf("begin: %w", err), false)
	}
	db.stats.reads.Add(1)
	defer sqltx.Rollback()
	return db.storageError(fn(&Tx{Tx: sqltx, db: db, now: db.now()}), false)
}

// ExecContext runs a statement written with ? placeholders.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if writesAuth(query) {
		if err := tx.authChanged(ctx); err != nil {
			return nil, err
		}
	}
	tx.noticeWrite(ctx, query)
	return tx.Tx.ExecContext(stmtContext(ctx, tx), tx.db.dialect.rebind(query), args...)
}

// QueryContext runs a query written with ? placeholders.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	tx.noticeWrite(ctx, query) // an INSERT … RETURNING
	return tx.Tx.QueryContext(stmtContext(ctx, tx), tx.db.dialect.rebind(query), args...)
}

// QueryRowContext runs a one-row query written with ? placeholders.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	tx.noticeWrite(ctx, query) // an INSERT … RETURNING
	return tx.Tx.QueryRowContext(stmtContext(ctx, tx), tx.db.dialect.rebind(query), args...)
}

// stmtContext is the context a statement of tx runs with: detached from
// its caller in a transaction shared with other requests, and on SQLite
// without the watchers a context that can end costs (quietContext).
func stmtContext(ctx context.Context, tx *Tx) context.Context {
	if tx.detached {
		return context.WithoutCancel(ctx)
	}
	if tx.db.dialect == sqliteDialect {
		return quietContext(ctx)
	}
	return ctx
}

// insert runs an INSERT … RETURNING id and returns the id.
func (tx *Tx) insert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, err
}
