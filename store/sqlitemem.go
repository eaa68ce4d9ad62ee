package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync"
	_ "unsafe" // go:linkname

	"modernc.org/memory"
)

// SQLite's memory (page caches, compiled statements, the schema) comes
// from modernc.org/libc's malloc, one memory.Allocator for the process.
// The allocator keeps the regions SQLite frees for reuse, up to 4 MiB of
// each size class resident, and only its Trim hands them back; libc does
// not export it, so it is reached by name. A libc that renames either
// variable fails the link, not the server.
//
//go:linkname sqliteAllocator modernc.org/libc.allocator
var sqliteAllocator memory.Allocator

//go:linkname sqliteAllocatorMu modernc.org/libc.allocatorMu
var sqliteAllocatorMu sync.Mutex

// ShrinkSQLite closes SQLite's writer connection, which the next write
// opens again, and returns SQLite's freed memory to the operating system.
// serve calls it once start-up's work is done: writing the demo's year of
// history fills the writer's page cache and statement cache and leaves a
// pool of freed regions, which an idle server would otherwise hold for
// good. Closing the connection frees all it holds, where PRAGMA
// shrink_memory frees its page cache alone and leaves the shared regions
// its statements sit in. Nothing on PostgreSQL.
func ShrinkSQLite(ctx context.Context, db *DB) error {
	if db.dialect != sqliteDialect {
		return nil
	}
	// The writer may be busy (the demo's cars report their positions as
	// the server starts): wait for it, then have database/sql close it
	// rather than keep it, as it does a connection that says it is bad.
	c, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Raw(func(any) error { return driver.ErrBadConn }); !errors.Is(err, driver.ErrBadConn) {
		return err
	}
	sqliteAllocatorMu.Lock()
	defer sqliteAllocatorMu.Unlock()
	return sqliteAllocator.Trim()
}
