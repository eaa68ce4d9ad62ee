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
		db, _ := storetest.OpenDSN(b, filepath.Join(b.TempDir(), "citdesk.db"))
		db.Argon2 = store.Argon2Params{Memory: 64, Time: 1, Threads: 1}
		_, op := storetest.Agency(b, db, "loop")
		_, disp := storetest.User(b, db, op, "dispatch", citdesk.RoleDispatcher)
		o := &citdesk.Officer{Badge: "1", FirstName: "Pat", LastName: "Officer", Active: true}
		if err := db.OfficerService().CreateOfficer(op, o); err != nil {
			b.Fatal(err)
		}
		lat, lon := 38.14, -90.55
		if err := db.OfficerService().SetStatus(op, &citdesk.StatusChange{OfficerID: o.ID, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
			b.Fatal(err)
		}
		calls := db.CallService()
		b.ReportAllocs()
		for b.Loop() {
			c := &citdesk.Call{Nature: "Welfare check (benchmark)", Address: "100 Main St", Lat: &lat, Lon: &lon, CallerName: "Jo Caller", CallerPhone: "636-555-0000"}
			if err := calls.CreateCall(disp, c); err != nil {
				b.Fatal(err)
			}
			a := &citdesk.Assignment{CallID: c.ID, OfficerID: o.ID}
			if err := calls.CreateAssignment(disp, a); err != nil {
				b.Fatal(err)
			}
			if _, err := calls.MoveAssignment(disp, a.ID, a.Version, citdesk.AssignCleared); err != nil {
				b.Fatal(err)
			}
			c, err := calls.FindCallByID(disp, c.ID)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := calls.PatchCall(disp, c.ID, c.Version, func(c *citdesk.Call) {
				c.Status = citdesk.CallClosed
				no := false
				c.MentalHealth = &no
			}); err != nil {
				b.Fatal(err)
			}
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
