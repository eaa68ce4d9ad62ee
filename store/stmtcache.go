package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"sync/atomic"
)

// SQLite compiles every statement from its text before it runs, and the
// driver's ExecContext and QueryContext compile afresh on each call: on the
// read path that was about half of the server's time (issue 12). A
// stmtConnector hands out connections that keep each statement they have
// compiled, by its text, and run it again with new arguments.
//
// SQLite re-prepares a statement whose plan looked at a bound value (a
// "col = ?" term of a join or an ordered query) when that value moves into
// or out of -1…1, which it may treat as a boolean. The driver leaves integer
// arguments bound between runs, so a statement run with agency 1 again and
// again is planned once; but where agencies 1 and 2 share a connection,
// every switch re-planned it (issue 12). So a connection keeps a statement
// per text and per set of arguments in -1…1 (smallArgs): each copy always
// sees the same kind of value in each place and is never re-prepared.
//
// PostgreSQL needs none of this: pgx keeps a statement cache per connection.

// maxStatementsPerConn bounds each connection's cache. citdesk's SQL is a
// few hundred texts; the bound only matters for texts built with a varying
// number of placeholders, which beyond it are compiled each time.
const maxStatementsPerConn = 512

// maxArgsKept is the most arguments a kept statement has. A bulk insert
// (import.go: thousands of placeholders a statement) compiles to a program
// of hundreds of kilobytes in SQLite's memory, outside Go's heap, and its
// chunks differ in which arguments are 0 or 1, so each chunk was kept as a
// statement of its own: the demo's year of history left some 35 MB of
// them on the writer's connection for as long as the server ran. Compiling
// such a statement costs little beside the rows it writes, so it is
// compiled for its one run. (smallArgs sees only the first 64 arguments
// anyway.)
const maxArgsKept = 64

// stmtConnector wraps the SQLite driver's connector.
type stmtConnector struct {
	inner driver.Connector
	stmtCounts
}

// stmtCounts are counters a pool's connections add to; either may be nil.
type stmtCounts struct {
	runs  *atomic.Int64 // statements run
	fails *atomic.Int64 // statements that returned an error, rows' included
}

func (c stmtConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, errors.New("store: the SQLite driver's connection lacks the context methods the statement cache needs")
	}
	return &stmtConn{sqliteConn: sc, stmts: map[stmtKey]*cachedStmt{}, stmtCounts: c.stmtCounts}, nil
}

func (c stmtConnector) Driver() driver.Driver { return c.inner.Driver() }

// sqliteConn is what the SQLite driver's connection offers database/sql;
// stmtConn passes on all of it, so the pool treats it as it would the
// driver's own (resets, validity checks, pings).
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.SessionResetter
	driver.Validator
	driver.Pinger
}

// stmtConn is one connection with its compiled statements. database/sql
// uses a connection from one goroutine at a time, rows included, so the map
// needs no lock.
type stmtConn struct {
	sqliteConn
	stmts map[stmtKey]*cachedStmt
	stmtCounts
}

// failed counts err, when there is one.
func (c stmtCounts) failed(err error) {
	if err != nil && err != io.EOF && c.fails != nil {
		c.fails.Add(1)
	}
}

// stmtKey names a kept statement: its text, and which of its first 64
// arguments are integers in -1…1 (bit i for argument i+1).
type stmtKey struct {
	query string
	small uint64
}

// smallArgs returns the bits of stmtKey.small for args.
func smallArgs(args []driver.NamedValue) uint64 {
	var m uint64
	for i, a := range args {
		if i >= 64 {
			break
		}
		switch v := a.Value.(type) {
		case int64:
			if v >= -1 && v <= 1 {
				m |= 1 << i
			}
		case bool:
			m |= 1 << i
		}
	}
	return m
}

// cachedStmt is a compiled statement; busy while rows it returned are open.
type cachedStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool
}

// statement returns the compiled statement for query run with args, and a function to call
// when its rows are closed. A statement already busy (the same query run
// again while its rows are open) is compiled anew for this one run.
func (c *stmtConn) statement(ctx context.Context, query string, args []driver.NamedValue) (*cachedStmt, func(), error) {
	if c.runs != nil {
		c.runs.Add(1)
	}
	key := stmtKey{query, smallArgs(args)}
	if s, ok := c.stmts[key]; ok && !s.busy {
		s.busy = true
		return s, func() { s.busy = false }, nil
	}
	ds, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	stmt, ok := ds.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		ds.Close()
		return nil, nil, errors.New("store: the SQLite driver's statement lacks the context methods the statement cache needs")
	}
	s := &cachedStmt{stmt: stmt, busy: true}
	if _, taken := c.stmts[key]; taken || len(c.stmts) >= maxStatementsPerConn || len(args) > maxArgsKept {
		return s, func() { stmt.Close() }, nil
	}
	c.stmts[key] = s
	return s, func() { s.busy = false }, nil
}

// quietContext is the context a statement or a read transaction runs
// under on SQLite. A context that can end costs a goroutine watching it
// at each of three places: database/sql watches it for a transaction and
// for each set of rows, and modernc.org/sqlite for each statement, to
// interrupt the statement's first step (not the reading of its rows).
// That came to about 5 µs a statement, more than running a short one from
// the cache (issue 12). So only a context with a deadline (a health
// check's, a timeout's) is passed on as it is. A request's context, which
// ends when its client goes away, is checked before each statement (by
// database/sql, given a context that has already ended), and a statement
// once started runs to its end: citdesk's take microseconds, and a write,
// once started, finishing is what a dispatcher would want.
func quietContext(ctx context.Context) context.Context {
	if ctx.Done() == nil || ctx.Err() != nil {
		return ctx
	}
	if _, ok := ctx.Deadline(); ok {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ctx = quietContext(ctx) // database/sql refused it already if it had ended
	s, release, err := c.statement(ctx, query, args)
	if err != nil {
		c.failed(err)
		return nil, err
	}
	defer release()
	res, err := s.stmt.ExecContext(ctx, args)
	c.failed(err)
	return res, err
}

func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	ctx = quietContext(ctx) // database/sql refused it already if it had ended
	s, release, err := c.statement(ctx, query, args)
	if err != nil {
		c.failed(err)
		return nil, err
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		c.failed(err)
		release()
		return nil, err
	}
	return &releasingRows{Rows: rows, release: release, counts: c.stmtCounts}, nil
}

// Close finalizes the connection's statements, then closes it.
func (c *stmtConn) Close() error {
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.stmt.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.sqliteConn.Close())...)
}

// releasingRows frees its statement for the next run when closed.
type releasingRows struct {
	driver.Rows
	release func()
	counts  stmtCounts
}

func (r *releasingRows) Next(dest []driver.Value) error {
	err := r.Rows.Next(dest)
	r.counts.failed(err)
	return err
}

func (r *releasingRows) Close() error {
	err := r.Rows.Close()
	if r.release != nil {
		r.release()
		r.release = nil
	}
	return err
}
