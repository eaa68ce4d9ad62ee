// Package storetest opens throwaway citdesk databases for tests: always
// SQLite, and PostgreSQL too when CITDESK_TEST_POSTGRES holds a connection
// URL. Each test gets a database of its own, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
)

// Engine names a database engine under test.
type Engine string

// The engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// EnvPostgres is the environment variable that enables PostgreSQL tests.
const EnvPostgres = "CITDESK_TEST_POSTGRES"

// Engines returns the engines to test on: SQLite always, PostgreSQL when
// CITDESK_TEST_POSTGRES is set.
func Engines() []Engine {
	if os.Getenv(EnvPostgres) != "" {
		return []Engine{SQLite, Postgres}
	}
	return []Engine{SQLite}
}

// Each runs fn as a subtest once per engine. Without CITDESK_TEST_POSTGRES
// the PostgreSQL subtest still appears, skipped with the reason, so a run
// that tested one engine says so instead of passing silently.
func Each(t *testing.T, fn func(t *testing.T, e Engine)) {
	t.Helper()
	for _, e := range []Engine{SQLite, Postgres} {
		if e == Postgres && os.Getenv(EnvPostgres) == "" {
			t.Run(string(e), func(t *testing.T) { t.Skip(SkipPostgres) })
			continue
		}
		t.Run(string(e), func(t *testing.T) { fn(t, e) })
	}
}

// EachDB is Each with a fresh database (Open) for each engine, for tests
// that need no more of the engine than that.
func EachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	Each(t, func(t *testing.T, e Engine) {
		db, _ := Open(t, e)
		fn(t, db)
	})
}

// Raw opens the database at dsn with plain SQL, past the store, as an
// intruder with the database's credentials would. It is closed when the
// test ends.
func Raw(tb testing.TB, dsn string) *sql.DB {
	tb.Helper()
	driver := "sqlite"
	if store.IsPostgres(dsn) {
		driver = "pgx"
		// No prepared statements kept: a raw handle looks at tables
		// before and after an upgrade changes them, and PostgreSQL
		// refuses a kept plan whose result columns changed.
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + "default_query_exec_mode=exec"
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { raw.Close() })
	return raw
}

// DropAuditGuard drops the triggers that keep the audit trail append-only
// on engine e, so a test can tamper with it as an intruder who did so would.
func DropAuditGuard(tb testing.TB, raw *sql.DB, e Engine) {
	tb.Helper()
	stmts := []string{`DROP TRIGGER audit_events_no_update`, `DROP TRIGGER audit_events_no_delete`}
	if e == Postgres {
		stmts = []string{`DROP TRIGGER audit_events_no_change ON audit_events`}
	}
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			tb.Fatal(err)
		}
	}
}

// SkipPostgres is the reason a PostgreSQL subtest is skipped.
const SkipPostgres = "PostgreSQL: set " + EnvPostgres + " to run"

// Epoch is the fake clock's starting time in tests: a Tuesday evening in
// De Soto, Missouri (2026-03-10 19:30 CDT).
var Epoch = time.Date(2026, 3, 11, 0, 30, 0, 0, time.UTC)

// Open returns a fresh, migrated database on engine e with a fake clock
// at Epoch and cheap password hashing. It is closed and dropped when the
// test ends.
func Open(tb testing.TB, e Engine) (*store.DB, *citdesk.FakeClock) {
	tb.Helper()
	dsn := DSN(tb, e)
	db, err := store.Open(context.Background(), dsn, KeyOption())
	if err != nil {
		tb.Fatalf("open %s: %v", e, err)
	}
	tb.Cleanup(func() { db.Close() })
	clock := citdesk.NewFakeClock(Epoch)
	db.Clock = clock
	db.Argon2 = store.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	return db, clock
}

// OpenDSN is Open on a database the test chose (on a filesystem of its
// own, through a proxy it controls), closed when the test ends.
func OpenDSN(tb testing.TB, dsn string) (*store.DB, *citdesk.FakeClock) {
	tb.Helper()
	db, err := store.Open(context.Background(), dsn, KeyOption())
	if err != nil {
		tb.Fatalf("open %s: %v", dsn, err)
	}
	tb.Cleanup(func() { db.Close() })
	clock := citdesk.NewFakeClock(Epoch)
	db.Clock = clock
	db.Argon2 = store.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	return db, clock
}

// DSN returns the data source name of a fresh, empty database on engine e,
// dropped when the test ends.
func DSN(tb testing.TB, e Engine) string {
	tb.Helper()
	if e == SQLite {
		return filepath.Join(tb.TempDir(), "citdesk.db")
	}
	return throwawayPostgres(tb, "citdesk_t_", func(base string) string { return " TEMPLATE " + migratedTemplate(tb, base) })
}

// EmptyDSN returns the data source name of a database on engine e with
// no tables at all (not copied from the migrated template), dropped when
// the test ends: for tests that build older schemas.
func EmptyDSN(tb testing.TB, e Engine) string {
	tb.Helper()
	if e == SQLite {
		return filepath.Join(tb.TempDir(), "citdesk.db")
	}
	return throwawayPostgres(tb, "citdesk_e_", func(string) string { return "" })
}

// throwawayPostgres creates a PostgreSQL database named prefix and a random
// suffix on the server of $CITDESK_TEST_POSTGRES (skipping the test without
// it), with the CREATE DATABASE clause options(base) gives, and drops it
// when the test ends.
func throwawayPostgres(tb testing.TB, prefix string, options func(base string) string) string {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		tb.Skip("PostgreSQL tests need " + EnvPostgres)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	name := prefix + randomHex()
	if _, err := admin.Exec(`CREATE DATABASE ` + name + options(base)); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	return withDatabase(base, name)
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// migratedTemplate makes, once per test process, a migrated database that
// test databases are copied from: copying is much faster than migrating.
func migratedTemplate(tb testing.TB, base string) string {
	templateOnce.Do(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			templateErr = err
			return
		}
		defer admin.Close()
		templateName = "citdesk_tmpl_" + randomHex()
		if _, templateErr = admin.Exec(`CREATE DATABASE ` + templateName); templateErr != nil {
			return
		}
		db, err := store.Open(context.Background(), withDatabase(base, templateName), KeyOption())
		if err != nil {
			templateErr = err
			return
		}
		templateErr = db.Close()
	})
	if templateErr != nil {
		tb.Fatalf("make template database: %v", templateErr)
	}
	return templateName
}

// auditSecret is the tests' audit key: fixed, so every database copied
// from the PostgreSQL template (whose chain is keyed with it) opens.
var auditSecret = []byte("citdesk test audit key, 32 bytes")

// AuditKey returns the audit key tests open databases with.
func AuditKey() *citdesk.AuditKey {
	k, err := citdesk.NewAuditKey(auditSecret)
	if err != nil {
		panic(err) // auditSecret is a constant of the right size
	}
	return k
}

// KeyOption opens a database with the tests' audit key and field key.
// PostgreSQL databases need them; SQLite ones opened without them get keys
// of their own beside the database file instead.
func KeyOption() store.Option { return store.WithKeys(AuditKey(), FieldKey()) }

// fieldSecret is the tests' field key (key-encryption key): fixed, so
// every database copied from the PostgreSQL template opens.
var fieldSecret = []byte("citdesk test field key, 32 bytes")

// FieldKey returns the field key tests open databases with.
func FieldKey() *store.FieldKey {
	k, err := store.NewFieldKey(fieldSecret)
	if err != nil {
		panic(err) // fieldSecret is a constant of the right size
	}
	return k
}

// FieldKeyFile writes the tests' field key to a file (mode 0600) for
// commands that take --field-key-file, and returns its path.
func FieldKeyFile(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "field.key")
	if err := os.WriteFile(path, fieldSecret, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// AuditKeyFile writes the tests' audit key to a file (mode 0600) for
// commands that take --audit-key-file, and returns its path.
func AuditKeyFile(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "audit.key")
	if err := os.WriteFile(path, auditSecret, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// Main runs a package's tests and then drops the template database they
// shared; a package that opens test databases calls it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	DropTemplate()
	os.Exit(code)
}

// DropTemplate removes the template database; call it from TestMain after m.Run.
func DropTemplate() {
	base := os.Getenv(EnvPostgres)
	if base == "" || templateName == "" {
		return
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return
	}
	defer admin.Close()
	admin.Exec(`DROP DATABASE IF EXISTS ` + templateName + ` WITH (FORCE)`)
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
