package store

import (
	"context"
	"database/sql/driver"
	"errors"
)

// SQLite compiles every statement from its text before it runs, and the
// driver's ExecContext and QueryContext compile afresh on each call: on the
// read path that was about half of the server's time (issue 12). A
// stmtConnector hands out connections that keep each statement they have
// compiled, by its text, and run it again with new arguments. The driver
// leaves a reused statement's integer arguments bound between runs, so a
// statement comparing agency_id with 1 is not re-planned each time either.
//
// PostgreSQL needs none of this: pgx keeps a statement cache per connection.

// maxStatementsPerConn bounds each connection's cache. citdesk's SQL is a
// few hundred texts; the bound only matters for texts built with a varying
// number of placeholders, which beyond it are compiled each time.
const maxStatementsPerConn = 512

// stmtConnector wraps the SQLite driver's connector.
type stmtConnector struct{ inner driver.Connector }

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
	return &stmtConn{sqliteConn: sc, stmts: map[string]*cachedStmt{}}, nil
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
	stmts map[string]*cachedStmt
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

// statement returns the compiled statement for query and a function to call
// when its rows are closed. A statement already busy (the same query run
// again while its rows are open) is compiled anew for this one run.
func (c *stmtConn) statement(ctx context.Context, query string) (*cachedStmt, func(), error) {
	if s, ok := c.stmts[query]; ok && !s.busy {
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
	if _, taken := c.stmts[query]; taken || len(c.stmts) >= maxStatementsPerConn {
		return s, func() { stmt.Close() }, nil
	}
	c.stmts[query] = s
	return s, func() { s.busy = false }, nil
}

func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, release, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.stmt.ExecContext(ctx, args)
}

func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, release, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		release()
		return nil, err
	}
	return &releasingRows{Rows: rows, release: release}, nil
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
}

func (r *releasingRows) Close() error {
	err := r.Rows.Close()
	if r.release != nil {
		r.release()
		r.release = nil
	}
	return err
}
