package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Migrations returns the names of the embedded migrations for engine
// ("sqlite" or "postgres"), in the order they apply. A migration file
// NNNN_name.sql serves both engines; NNNN_name.sqlite.sql or
// NNNN_name.postgres.sql serves one.
func Migrations(engine string) []string {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		panic(err) // the pattern is a constant
	}
	var mine []string
	for _, n := range names {
		base := strings.TrimSuffix(filepath.Base(n), ".sql")
		switch {
		case strings.HasSuffix(base, ".sqlite") && engine != "sqlite":
		case strings.HasSuffix(base, ".postgres") && engine != "postgres":
		default:
			mine = append(mine, n)
		}
	}
	slices.Sort(mine)
	return mine
}

// ErrSchemaNewer is returned by Open for a database that a newer citdesk
// has migrated: this binary does not know its schema, and migrations are
// not reversed, so it must not write to it.
var ErrSchemaNewer = errors.New("the database's schema is newer than this citdesk")

// migrate applies the embedded migrations not yet recorded, in order, each
// in its own transaction; limit > 0 stops after the first limit
// migrations (the upgrade tests build every earlier schema with it). A
// database that records a migration this binary does not embed was
// upgraded by a newer citdesk and is refused before anything is written.
func (db *DB) migrate(ctx context.Context, limit int) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	mine := Migrations(db.dialect.name)
	if limit >= 0 && limit < len(mine) {
		mine = mine[:limit]
	}
	if db.dialect.name == "postgres" {
		// Two replicas starting at once must not both migrate.
		if _, err := db.write.ExecContext(ctx, `SELECT pg_advisory_lock(724311)`); err != nil {
			return fmt.Errorf("lock for migrations: %w", err)
		}
		defer db.write.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(724311)`)
	}
	pending, err := pendingMigrations(ctx, db.write, db.dialect)
	if err != nil {
		return err
	}
	for _, name := range mine {
		// Only what is not applied takes the write lock: a command opening
		// the database beside a busy server would otherwise wait for the
		// server's writer once per migration, and could run out of
		// busy_timeout doing so (SQLITE_BUSY, seen in CI). migrateFile
		// checks again under the lock, for another process migrating too.
		if !slices.Contains(pending, name) {
			continue
		}
		if err := db.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// pendingMigrations returns the embedded migrations the database has not
// applied, or ErrSchemaNewer (wrapped with the names) when it records
// migrations this binary does not embed.
func pendingMigrations(ctx context.Context, q *sql.DB, d dialect) ([]string, error) {
	embedded := Migrations(d.name)
	applied := map[string]bool{}
	rows, err := q.QueryContext(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	defer rows.Close()
	var unknown []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		applied[name] = true
		if !slices.Contains(embedded, name) {
			unknown = append(unknown, strings.TrimPrefix(name, "migrations/"))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%w: it has migration %s, which this citdesk does not know. A newer citdesk upgraded it; migrations are not reversed, so run that version or a later one (this one stops here rather than write to a schema it does not understand)", ErrSchemaNewer, strings.Join(unknown, ", "))
	}
	var pending []string
	for _, n := range embedded {
		if !applied[n] {
			pending = append(pending, n)
		}
	}
	return pending, nil
}

// PendingMigrations returns, without changing anything, the migrations
// Open would apply to the database named by dsn (all of them for a new
// database), or an error wrapping ErrSchemaNewer when a newer citdesk has
// migrated it. It needs no audit key: it reads only schema_migrations.
func PendingMigrations(ctx context.Context, dsn string) ([]string, error) {
	if !IsPostgres(dsn) {
		if _, err := os.Stat(dsn); errors.Is(err, fs.ErrNotExist) {
			return Migrations("sqlite"), nil // a dry run makes no file
		}
	}
	db, err := connect(ctx, dsn, openOptions{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var exists bool
	q := `SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if db.dialect.name == "postgres" {
		q = `SELECT to_regclass('schema_migrations') IS NOT NULL`
	}
	if err := db.read.QueryRowContext(ctx, q).Scan(&exists); err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	if !exists {
		return Migrations(db.dialect.name), nil
	}
	return pendingMigrations(ctx, db.read, db.dialect)
}

// migrateFile applies one migration in a transaction, unless it is
// recorded already. On SQLite foreign keys are off while it runs, and
// checked before it commits: that is SQLite's documented way to rebuild a
// table other tables refer to (DROP TABLE with foreign keys on counts
// every referring row as a violation, even once the new table is renamed
// in its place, so the commit would fail; migration 0010 did on every
// database with an assignment). PRAGMA foreign_keys is a no-op inside a
// transaction, so it is set on the writer's one connection around it.
func (db *DB) migrateFile(ctx context.Context, name string) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if db.dialect.name == "sqlite" {
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, db.dialect.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE name = ?`), name).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.dialect.expand(string(body))); err != nil {
		return err
	}
	if db.dialect.name == "sqlite" {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int64
		err := tx.QueryRowContext(ctx, `PRAGMA foreign_key_check`).Scan(&table, &rowid, &parent, &fkid)
		if err == nil {
			return fmt.Errorf("after the migration a row of %s refers to a missing row of %s", table, parent)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("foreign key check: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, db.dialect.rebind(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`), name, db.now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}
