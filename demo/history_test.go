package demo_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/demo"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestSeedHistory seeds the demo as serve --demo does and checks that the
// pages that measure the program have a year to show: at least 5,000
// encounters, calls and referrals within the past year, and officers' shifts
// that give the CIT coverage heat map a share that is neither nothing nor
// everything.
func TestSeedHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		ctx := context.Background()
		dsn := storetest.DSN(t, e)
		db, err := store.Open(ctx, dsn, storetest.KeyOption())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		clock := citdesk.NewFakeClock(storetest.Epoch)
		db.Clock = clock
		db.Argon2 = store.Argon2Params{Memory: 64, Time: 1, Threads: 1}
		res, err := demo.Seed(ctx, demo.Services{Agencies: db.AgencyService(), Users: db.UserService(), Officers: db.OfficerService(), Calls: db.CallService(),
			Encounters: db.EncounterService(), Persons: db.PersonService(), Plans: db.CrisisPlanService(), Referrals: db.ReferralService()}, "demo password 123", clock)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := time.LoadLocation("America/Chicago")
		start := time.Now()
		hist, shifts, err := demo.SeedHistory(ctx, db.HistoryService(), db.OfficerService(), res.AgencyID, loc, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d encounters, %d status changes in %s", e, hist.Created, shifts, time.Since(start).Round(time.Millisecond))
		if len(hist.Rejected) != 0 {
			t.Errorf("%d records rejected, the first: %+v", len(hist.Rejected), hist.Rejected[0])
		}

		raw := storetest.Raw(t, dsn)
		now, yearAgo := clock.Now(), clock.Now().AddDate(-1, 0, 0)
		for _, q := range []struct{ what, sql string }{
			{"encounters", `SELECT COUNT(*) FROM encounters WHERE agency_id = ? AND occurred_at >= ? AND occurred_at < ?`},
			{"calls", `SELECT COUNT(*) FROM calls WHERE agency_id = ? AND received_at >= ? AND received_at < ?`},
			{"status changes", `SELECT COUNT(*) FROM status_changes WHERE agency_id = ? AND at >= ? AND at < ?`},
		} {
			var n int
			sql := q.sql
			if e == storetest.Postgres {
				sql = rebind(sql)
			}
			if err := raw.QueryRow(sql, res.AgencyID, yearAgo.UnixMicro(), now.UnixMicro()).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n < 5000 {
				t.Errorf("%s in the past year: %d, want at least 5,000", q.what, n)
			}
		}
		var refs, oldest int64
		sql := `SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM referrals WHERE agency_id = ? AND created_at >= ?`
		if e == storetest.Postgres {
			sql = rebind(sql)
		}
		if err := raw.QueryRow(sql, res.AgencyID, yearAgo.UnixMicro()).Scan(&refs, &oldest); err != nil {
			t.Fatal(err)
		}
		if refs < 500 {
			t.Errorf("referrals in the past year: %d, want at least 500", refs)
		}
		// The history reaches back most of the year, not only the last weeks.
		if first := time.UnixMicro(oldest); first.After(yearAgo.AddDate(0, 1, 0)) {
			t.Errorf("the oldest referral of the year is from %s, want one within a month of %s", first, yearAgo)
		}

		op := citdesk.NewContextWithActor(ctx, citdesk.OperatorActor(res.AgencyID))
		today := citdesk.DateOf(now, loc)
		for _, days := range []int{28, 364} {
			rep, err := db.OfficerService().Coverage(op, today.AddDate(0, 0, -days), today.AddDate(0, 0, -1))
			if err != nil {
				t.Fatal(err)
			}
			if share := rep.Cov.Share(); share <= 0.2 || share >= 1 {
				t.Errorf("CIT coverage over the last %d days = %.2f, want between 0.2 and 1", days, share)
			} else {
				t.Logf("CIT coverage over the last %d days: %.0f%%", days, share*100)
			}
		}
	})
}

// rebind turns ? placeholders into PostgreSQL's $1, $2, ….
func rebind(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
