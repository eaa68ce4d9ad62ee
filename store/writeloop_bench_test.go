package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// BenchmarkDispatchLoop is citdesk bench's write operation without HTTP:
// one dispatcher creates a call, sends an officer, clears the officer,
// reads the call (audited) and closes it (PatchCall) — five write
// transactions — on SQLite with citdesk's pragmas, one loop at a time.
// Its peer in the same run, bare-sqlite, commits five one-row
// transactions through the same driver and pragmas (store.SQLiteDSN), so
// the ratio is what citdesk's own work costs over the commits themselves.
//
//	go test ./store -run XXX -bench DispatchLoop -benchtime 3s
func BenchmarkDispatchLoop(b *testing.B) {
	b.Run("citdesk", func(b *testing.B) {
		loop := newDispatchLoop(b)
		b.ReportAllocs()
		for b.Loop() {
			loop.run(b)
		}
	})
	b.Run("bare-sqlite", func(b *testing.B) {
		db, err := sql.Open("sqlite", store.SQLiteDSN(filepath.Join(b.TempDir(), "bare.db"), true))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			for range 5 {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO t (v) VALUES (?)`, "a row of about the size of a call's nature"); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// dispatchLoop is one dispatcher's create, assign, clear, read and close
// of a call (citdesk bench's write operation) against one officer.
type dispatchLoop struct {
	db      *store.DB
	disp    context.Context
	officer int64
}

func newDispatchLoop(tb testing.TB) *dispatchLoop {
	db, _ := storetest.OpenDSN(tb, filepath.Join(tb.TempDir(), "citdesk.db"))
	db.Argon2 = store.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	_, op := storetest.Agency(tb, db, "loop")
	_, disp := storetest.User(tb, db, op, "dispatch", citdesk.RoleDispatcher)
	o := &citdesk.Officer{Badge: "1", FirstName: "Pat", LastName: "Officer", Active: true}
	if err := db.OfficerService().CreateOfficer(op, o); err != nil {
		tb.Fatal(err)
	}
	lat, lon := 38.14, -90.55
	if err := db.OfficerService().SetStatus(op, &citdesk.StatusChange{OfficerID: o.ID, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
		tb.Fatal(err)
	}
	return &dispatchLoop{db: db, disp: disp, officer: o.ID}
}

func (l *dispatchLoop) run(tb testing.TB) {
	calls := l.db.CallService()
	lat, lon := 38.14, -90.55
	c := &citdesk.Call{Nature: "Welfare check (benchmark)", Address: "100 Main St", Lat: &lat, Lon: &lon, CallerName: "Jo Caller", CallerPhone: "636-555-0000"}
	if err := calls.CreateCall(l.disp, c); err != nil {
		tb.Fatal(err)
	}
	a := &citdesk.Assignment{CallID: c.ID, OfficerID: l.officer}
	if err := calls.CreateAssignment(l.disp, a); err != nil {
		tb.Fatal(err)
	}
	if _, err := calls.MoveAssignment(l.disp, a.ID, a.Version, citdesk.AssignCleared); err != nil {
		tb.Fatal(err)
	}
	c, err := calls.FindCallByID(l.disp, c.ID)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := calls.PatchCall(l.disp, c.ID, c.Version, func(c *citdesk.Call) {
		c.Status = citdesk.CallClosed
		no := false
		c.MentalHealth = &no
	}); err != nil {
		tb.Fatal(err)
	}
}

// TestDispatchLoopStatements holds the dispatch loop to the SQL it runs on
// SQLite: each statement costs the writer (or a reader whose page cache the
// last commit emptied) 10–100 µs, and the loop once ran 71 (issue 12). The
// audit chain's head is read once a transaction and written once a
// request, a transaction reads the webhook subscriptions once, a status
// change reads the officer and the duty row in one statement, and SQLite
// takes no row lock it does not need.
func TestDispatchLoopStatements(t *testing.T) {
	loop := newDispatchLoop(t)
	loop.run(t) // the first loop compiles statements and reads the agency's settings
	before, statements := loop.db.TxStats(), loop.db.SQLiteStatements()
	const n = 5
	for range n {
		loop.run(t)
	}
	d := loop.db.TxStats().Sub(before)
	statements = loop.db.SQLiteStatements() - statements
	const budget = 59
	t.Logf("%d statements, %d reads, %d writes a loop", statements/n, d.Reads/n, d.Writes/n)
	if per := statements / n; per > budget {
		t.Errorf("the dispatch loop ran %d SQL statements, want at most %d", per, budget)
	}
	// What is left out must still be audited: the call's creation, the
	// assignment and its move, the officer's two status changes, the
	// read of the call, and the close's read and change.
	if per := d.Audits / n; per != 8 {
		t.Errorf("the dispatch loop appended %d audit events, want 8", per)
	}
}
