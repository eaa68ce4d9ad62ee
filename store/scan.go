package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// rowScanner is a *sql.Row or *sql.Rows: what the scan functions read.
type rowScanner = interface{ Scan(...any) error }

// queryAll runs q and returns every row it yields, read by scan, in order.
// A failed query is reported as what failed ("list persons: …").
func queryAll[T any](ctx context.Context, tx *Tx, what string, scan func(rowScanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// queryIDSet runs q, whose rows are one id each, and returns the ids as a set.
func queryIDSet(ctx context.Context, tx *Tx, what, q string, args ...any) (map[int64]bool, error) {
	ids, err := queryAll(ctx, tx, what, scanID, q, args...)
	if err != nil {
		return nil, err
	}
	set := make(map[int64]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}

// scanID reads a row of one integer column, an id.
func scanID(row rowScanner) (int64, error) {
	var id int64
	err := row.Scan(&id)
	return id, err
}

// Times are stored as UTC microseconds since the epoch on both engines.

func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(*t), Valid: true}
}

func fromNullMicros(v sql.NullInt64) *time.Time { return fromNull(fromMicros(v.Int64), v.Valid) }

// orZero is *p and true, or the zero value and false when p is nil: the
// parts of a sql.Null* for a nullable column.
func orZero[T any](p *T) (T, bool) {
	if p == nil {
		var zero T
		return zero, false
	}
	return *p, true
}

// fromNull is a pointer to v when the column was not NULL (valid), else nil.
func fromNull[T any](v T, valid bool) *T {
	if !valid {
		return nil
	}
	return &v
}

func nullFloat(f *float64) sql.NullFloat64 {
	v, ok := orZero(f)
	return sql.NullFloat64{Float64: v, Valid: ok}
}

func fromNullFloat(v sql.NullFloat64) *float64 { return fromNull(v.Float64, v.Valid) }

func nullInt(p *int64) sql.NullInt64 {
	v, ok := orZero(p)
	return sql.NullInt64{Int64: v, Valid: ok}
}

func fromNullInt(v sql.NullInt64) *int64 { return fromNull(v.Int64, v.Valid) }

func nullBool(b *bool) sql.NullBool {
	v, ok := orZero(b)
	return sql.NullBool{Bool: v, Valid: ok}
}

func fromNullBool(v sql.NullBool) *bool { return fromNull(v.Bool, v.Valid) }

func nullMinutes(p *int) sql.NullInt64 {
	v, ok := orZero(p)
	return sql.NullInt64{Int64: int64(v), Valid: ok}
}

func fromNullMinutes(v sql.NullInt64) *int { return fromNull(int(v.Int64), v.Valid) }

// nullText stores "" as NULL.
func nullText(s string) sql.NullString {
	if s == "" {
		return sql.NullString{}
	}
	return sql.NullString{String: s, Valid: true}
}
