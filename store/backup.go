package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// ErrBackupPostgres is returned when an SQLite backup or restore is asked
// of a PostgreSQL database: PostgreSQL's own tools (pg_dump, continuous
// archiving) do that job better than citdesk could.
var ErrBackupPostgres = errors.New("citdesk backup and restore work on the embedded SQLite database; on PostgreSQL use pg_dump or continuous archiving (point-in-time recovery), as the README's \"Backups on PostgreSQL\" explains")

// Snapshot writes a consistent copy of the database to path, a file that
// must not exist yet, while citdesk keeps serving. It runs SQLite's VACUUM
// INTO on a reader connection: the copy is the database as of one read
// transaction (WAL lets writers carry on meanwhile), compacted, with
// every table, index and trigger.
func (db *DB) Snapshot(ctx context.Context, path string) error {
	if db.dialect.name != "sqlite" {
		return ErrBackupPostgres
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("snapshot: %s already exists", path)
	}
	if _, err := db.read.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

// Inventory is what a database file holds: its schema version and how many
// rows each table has.
type Inventory struct {
	// Migrations are the schema migrations applied, in order; the last one
	// is the schema version.
	Migrations []string
	// Tables counts the rows of each table.
	Tables map[string]int64
	// AuditSeq is the audit chain's head: the number of events.
	AuditSeq int64
}

// Schema returns the last migration applied, or "" for none.
func (inv *Inventory) Schema() string {
	if len(inv.Migrations) == 0 {
		return ""
	}
	return inv.Migrations[len(inv.Migrations)-1]
}

// openFile opens an SQLite file read-only, past the store: the file is a
// snapshot or a restored copy that nothing else has open.
func openFile(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	raw.SetMaxOpenConns(1)
	return raw, nil
}

// InspectFile reads the inventory of the SQLite database file at path.
func InspectFile(ctx context.Context, path string) (*Inventory, error) {
	raw, err := openFile(path)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", path, err)
	}
	defer raw.Close()
	inv := &Inventory{Tables: map[string]int64{}}
	tables, err := sqliteTables(ctx, raw)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		var n int64
		if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+t+`"`).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		inv.Tables[t] = n
	}
	rows, err := raw.QueryContext(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		inv.Migrations = append(inv.Migrations, name)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := raw.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&inv.AuditSeq); err != nil {
		return nil, fmt.Errorf("read audit head: %w", err)
	}
	return inv, nil
}

// sqliteTables lists the database's own tables (not SQLite's), by name.
func sqliteTables(ctx context.Context, raw *sql.DB) ([]string, error) {
	rows, err := raw.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		if strings.ContainsAny(n, `"`) {
			return nil, fmt.Errorf("unexpected table name %q", n)
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// CheckFile runs SQLite's integrity_check and foreign_key_check on the
// database file at path and returns what they find, or nil.
func CheckFile(ctx context.Context, path string) error {
	raw, err := openFile(path)
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	defer raw.Close()
	rows, err := raw.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check failed: %s", strings.Join(problems[:min(len(problems), 5)], "; "))
	}
	var table string
	var rowid sql.NullInt64
	var parent string
	var fkid int64
	err = raw.QueryRowContext(ctx, `PRAGMA foreign_key_check`).Scan(&table, &rowid, &parent, &fkid)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("foreign key check: %w", err)
	}
	return fmt.Errorf("foreign key check failed: a row of %s refers to a missing row of %s", table, parent)
}

// Path returns the SQLite database's file, or "" on PostgreSQL.
func (db *DB) Path() string {
	if db.dialect.name != "sqlite" {
		return ""
	}
	return db.dsn
}
