package store

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sqliteMemory is what SQLite's allocator has mapped for live allocations
// and what it keeps of the regions SQLite freed.
func sqliteMemory() (live, kept int64) {
	sqliteAllocatorMu.Lock()
	defer sqliteAllocatorMu.Unlock()
	a := reflect.ValueOf(&sqliteAllocator).Elem()
	return a.FieldByName("live").Int(), a.FieldByName("freedSize").Int()
}

// TestShrinkSQLiteReleases checks that after a bulk write (the demo's
// history at first start) ShrinkSQLite gives back what the writer held:
// SQLite's allocator keeps no freed region and maps less for live ones,
// and the database still writes and reads.
func TestShrinkSQLiteReleases(t *testing.T) {
	ctx := context.Background()
	db := openInternal(t)
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, `CREATE INDEX filler_v ON filler (v)`); err != nil {
		t.Fatal(err)
	}
	// About 8 MB of rows and index: more than the writer's page cache
	// (2,000 KiB) holds, so it fills.
	q := `INSERT INTO filler (v) VALUES (?)` + strings.Repeat(`, (?)`, 999)
	args := make([]any, 1000)
	for batch := range 40 {
		for i := range args {
			args[i] = strings.Repeat(string(rune('a'+(batch+i)%26)), 150) + string(rune(i))
		}
		if _, err := db.write.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// The writer is busy when ShrinkSQLite starts (at start-up the demo's
	// cars report their positions): it waits for the connection and
	// closes it all the same.
	busy, err := db.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		busy.Close()
	}()
	liveBefore, _ := sqliteMemory()
	if err := ShrinkSQLite(ctx, db); err != nil {
		t.Fatal(err)
	}
	live, kept := sqliteMemory()
	if kept != 0 {
		t.Errorf("SQLite's allocator keeps %d bytes of freed regions, want 0", kept)
	}
	if liveBefore-live < 2<<20 {
		t.Errorf("SQLite's live memory went from %d to %d bytes, want at least 2 MiB less (the writer's page cache)", liveBefore, live)
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO filler (v) VALUES ('after')`); err != nil {
		t.Fatalf("write after ShrinkSQLite: %v", err)
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM filler`).Scan(&n); err != nil || n != 40*1000+1 {
		t.Fatalf("count: %d, %v; want %d", n, err, 40*1000+1)
	}
}
