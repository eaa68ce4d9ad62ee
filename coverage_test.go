package citdesk

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// chicago loads America/Chicago or skips the test when the zone database is
// missing.
func chicago(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		tb.Skipf("no time zone data: %v", err)
	}
	return loc
}

// shiftChanges returns the changes for one officer on duty from on to off.
func shiftChanges(id int64, on, off time.Time) []*StatusChange {
	return []*StatusChange{
		{OfficerID: id, Status: StatusAvailable, At: on},
		{OfficerID: id, Status: StatusOffDuty, At: off},
	}
}

// allExcept returns a certified callback that counts every officer but the
// given ones, and fails the test if it is asked twice about one officer-day.
func allExcept(tb testing.TB, notCIT ...int64) func(int64, Date) bool {
	asked := map[string]bool{}
	return func(id int64, day Date) bool {
		key := fmt.Sprint(id, day)
		if asked[key] {
			tb.Errorf("certified asked twice about officer %d on %s", id, day)
		}
		asked[key] = true
		return !slices.Contains(notCIT, id)
	}
}

// checkCells compares every cell with want and the totals with the cells' sums.
func checkCells(t *testing.T, got Coverage, want func(wd time.Weekday, h int) CoverageCell) {
	t.Helper()
	var covered, total time.Duration
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		for h := range 24 {
			w := want(wd, h)
			if g := got.Cells[wd][h]; g != w {
				t.Errorf("cell %s %02d:00 = %v/%v, want %v/%v", wd, h, g.Covered, g.Total, w.Covered, w.Total)
			}
			covered += w.Covered
			total += w.Total
		}
	}
	if got.Covered != covered || got.Total != total {
		t.Errorf("range = %v/%v, want %v/%v", got.Covered, got.Total, covered, total)
	}
}

func TestComputeCoverageWeek(t *testing.T) {
	loc := chicago(t)
	// Sunday 2026-06-07 to Sunday 2026-06-14 in Chicago (CDT all week): every
	// hour of the week occurs once, so every cell's Total is one hour.
	from := time.Date(2026, 6, 7, 0, 0, 0, 0, loc)
	to := from.AddDate(0, 0, 7)
	at := func(day, hour, min int) time.Time { return time.Date(2026, 6, day, hour, min, 0, 0, loc) }

	var changes []*StatusChange
	// Officer 1 (CIT) works nights, 22:00–06:00, crossing midnight. The
	// shift that began Saturday 2026-06-06 before the range carries in, and
	// the last one runs past its end.
	changes = append(changes, &StatusChange{OfficerID: 1, Status: StatusAvailable, At: at(6, 22, 0)})
	for d := 7; d <= 13; d++ {
		changes = append(changes,
			&StatusChange{OfficerID: 1, Status: StatusOffDuty, At: at(d, 6, 0)},
			&StatusChange{OfficerID: 1, Status: StatusAvailable, At: at(d, 22, 0)})
	}
	// Officer 2 (CIT) works days, 08:00–16:00 Monday to Friday; on Tuesday
	// from 05:00, overlapping officer 1's last hour; on Friday until 15:30.
	// On Monday a call (dispatched, on scene, available) does not break it.
	changes = append(changes, shiftChanges(2, at(8, 8, 0), at(8, 16, 0))...)
	changes = append(changes,
		&StatusChange{OfficerID: 2, Status: StatusDispatched, At: at(8, 10, 0)},
		&StatusChange{OfficerID: 2, Status: StatusOnScene, At: at(8, 10, 20)},
		&StatusChange{OfficerID: 2, Status: StatusAvailable, At: at(8, 11, 5)})
	changes = append(changes, shiftChanges(2, at(9, 5, 0), at(9, 16, 0))...)
	changes = append(changes, shiftChanges(2, at(10, 8, 0), at(10, 16, 0))...)
	changes = append(changes, shiftChanges(2, at(11, 8, 0), at(11, 16, 0))...)
	changes = append(changes, shiftChanges(2, at(12, 8, 0), at(12, 15, 30))...)
	// Officer 3 is not CIT certified and works 14:00–22:00 every day: never
	// counted, so 16:00–21:59 stays uncovered.
	for d := 7; d <= 13; d++ {
		changes = append(changes, shiftChanges(3, at(d, 14, 0), at(d, 22, 0))...)
	}

	// By hand, per cell (each Total 1h):
	//   every day 00–05 and 22–23 (officer 1)      7 × 8 = 56h
	//   Mon, Wed, Thu 08–15 (officer 2)            3 × 8 = 24h
	//   Tue 06–15 (officer 2; 05 already counted)          10h
	//   Fri 08–14 in full, 15 for 30 minutes               7.5h
	//   Sat, Sun 06–21, weekdays 16–21: 0
	// Covered 97.5h of 168h, a share of 97.5/168 = 0.5804.
	want := func(wd time.Weekday, h int) CoverageCell {
		c := CoverageCell{Total: time.Hour}
		switch {
		case h <= 5 || h >= 22:
			c.Covered = time.Hour
		case (wd == time.Monday || wd == time.Wednesday || wd == time.Thursday) && h >= 8 && h <= 15:
			c.Covered = time.Hour
		case wd == time.Tuesday && h >= 6 && h <= 15:
			c.Covered = time.Hour
		case wd == time.Friday && h >= 8 && h <= 14:
			c.Covered = time.Hour
		case wd == time.Friday && h == 15:
			c.Covered = 30 * time.Minute
		}
		return c
	}

	for name, order := range map[string]func([]*StatusChange){
		"in order": func([]*StatusChange) {},
		"reversed": slices.Reverse[[]*StatusChange],
		"shuffled": func(s []*StatusChange) {
			r := rand.New(rand.NewPCG(1, 2))
			r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
		},
	} {
		t.Run(name, func(t *testing.T) {
			in := slices.Clone(changes)
			order(in)
			got := ComputeCoverage(in, allExcept(t, 3), from, to, loc)
			checkCells(t, got, want)
			if got.Covered != 97*time.Hour+30*time.Minute || got.Total != 168*time.Hour {
				t.Errorf("range = %v/%v, want 97h30m/168h", got.Covered, got.Total)
			}
			if s := got.Share(); s < 0.5803 || s > 0.5805 {
				t.Errorf("share = %.4f, want 0.5804", s)
			}
			if !got.From.Equal(from) || !got.To.Equal(to) {
				t.Errorf("range = %v–%v, want %v–%v", got.From, got.To, from, to)
			}
		})
	}
}

func TestComputeCoverageCarryIn(t *testing.T) {
	// One day in UTC, Sunday 2026-06-07.
	from := time.Date(2026, 6, 7, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 1)
	changes := []*StatusChange{
		// Officer 1 came on duty three hours before from and left at 02:00:
		// 00:00–02:00 is covered.
		{OfficerID: 1, Status: StatusBusy, At: from.Add(-3 * time.Hour)},
		{OfficerID: 1, Status: StatusOffDuty, At: from.Add(2 * time.Hour)},
		// Officer 2's last change before from was going off duty: nothing.
		{OfficerID: 2, Status: StatusAvailable, At: from.Add(-10 * time.Hour)},
		{OfficerID: 2, Status: StatusOffDuty, At: from.Add(-5 * time.Hour)},
		// Officer 3 comes on exactly at from, overlaps officer 1 (counted
		// once), and leaves at 00:30; then 04:00–04:30 again.
		{OfficerID: 3, Status: StatusAvailable, At: from},
		{OfficerID: 3, Status: StatusOffDuty, At: from.Add(30 * time.Minute)},
		{OfficerID: 3, Status: StatusAvailable, At: from.Add(4 * time.Hour)},
		{OfficerID: 3, Status: StatusOffDuty, At: from.Add(4*time.Hour + 30*time.Minute)},
		// Officer 4 comes on at to: outside the range.
		{OfficerID: 4, Status: StatusAvailable, At: to},
		nil,
	}
	got := ComputeCoverage(changes, allExcept(t), from, to, nil) // nil loc is UTC
	// Covered: Sun 00 1h, 01 1h, 04 30m = 2h30m of 24h.
	checkCells(t, got, func(wd time.Weekday, h int) CoverageCell {
		if wd != time.Sunday {
			return CoverageCell{}
		}
		c := CoverageCell{Total: time.Hour}
		switch h {
		case 0, 1:
			c.Covered = time.Hour
		case 4:
			c.Covered = 30 * time.Minute
		}
		return c
	})
}

func TestComputeCoverageLapseMidRange(t *testing.T) {
	loc := chicago(t)
	// Officer 1 is on duty all week, Sunday 2026-06-07 to Sunday 2026-06-14
	// in Chicago, but certified only before Wednesday 2026-06-10 (local
	// days). Covered: Sunday, Monday and Tuesday in full, 72h of 168h; the
	// lapse falls at local midnight, not UTC midnight (05:00 UTC).
	from := time.Date(2026, 6, 7, 0, 0, 0, 0, loc)
	to := from.AddDate(0, 0, 7)
	lapse := NewDate(2026, 6, 10)
	changes := []*StatusChange{{OfficerID: 1, Status: StatusAvailable, At: from.Add(-time.Hour)}}
	var asked []Date
	certified := func(id int64, day Date) bool {
		asked = append(asked, day)
		return day.Before(lapse)
	}
	got := ComputeCoverage(changes, certified, from, to, loc)
	checkCells(t, got, func(wd time.Weekday, h int) CoverageCell {
		c := CoverageCell{Total: time.Hour}
		if wd <= time.Tuesday {
			c.Covered = time.Hour
		}
		return c
	})
	if len(asked) != 7 {
		t.Errorf("certified asked about %v, want the 7 days once each", asked)
	}
}

func TestComputeCoverageDST(t *testing.T) {
	loc := chicago(t)
	tests := []struct {
		name string
		from time.Time // a Sunday midnight; the range is one week
		// One officer on duty [on, off), given in UTC to be unambiguous.
		on, off time.Time
		total   time.Duration
		want    func(wd time.Weekday, h int) CoverageCell
	}{{
		// Sunday 2026-03-08, 02:00 CST becomes 03:00 CDT (08:00 UTC). The
		// week is 167h: the Sunday 02:00 cell gets nothing. The officer is
		// on 01:30 CST (07:30 UTC) to 03:30 CDT (08:30 UTC), one real hour:
		// 30m in the 01:00 cell and 30m in the 03:00 cell.
		name:  "spring forward",
		from:  time.Date(2026, 3, 8, 0, 0, 0, 0, loc),
		on:    time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC),
		off:   time.Date(2026, 3, 8, 8, 30, 0, 0, time.UTC),
		total: 167 * time.Hour,
		want: func(wd time.Weekday, h int) CoverageCell {
			switch {
			case wd == time.Sunday && h == 2:
				return CoverageCell{}
			case wd == time.Sunday && (h == 1 || h == 3):
				return CoverageCell{Covered: 30 * time.Minute, Total: time.Hour}
			}
			return CoverageCell{Total: time.Hour}
		},
	}, {
		// Sunday 2026-11-01, 02:00 CDT becomes 01:00 CST (07:00 UTC). The
		// week is 169h: the Sunday 01:00 cell gets 2h. The officer is on
		// 01:30 CDT (06:30 UTC) to 01:30 CST (07:30 UTC), one real hour all
		// in the 01:00 cell, whose share is 1h/2h = 0.5.
		name:  "fall back",
		from:  time.Date(2026, 11, 1, 0, 0, 0, 0, loc),
		on:    time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC),
		off:   time.Date(2026, 11, 1, 7, 30, 0, 0, time.UTC),
		total: 169 * time.Hour,
		want: func(wd time.Weekday, h int) CoverageCell {
			if wd == time.Sunday && h == 1 {
				return CoverageCell{Covered: time.Hour, Total: 2 * time.Hour}
			}
			return CoverageCell{Total: time.Hour}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to := tt.from.AddDate(0, 0, 7)
			got := ComputeCoverage(shiftChanges(1, tt.on, tt.off), allExcept(t), tt.from, to, loc)
			checkCells(t, got, tt.want)
			if got.Total != tt.total || got.Covered != time.Hour {
				t.Errorf("range = %v/%v, want 1h/%v", got.Covered, got.Total, tt.total)
			}
		})
		t.Run(tt.name+", on duty all week", func(t *testing.T) {
			to := tt.from.AddDate(0, 0, 7)
			changes := []*StatusChange{{OfficerID: 1, Status: StatusAvailable, At: tt.from.Add(-time.Minute)}}
			got := ComputeCoverage(changes, allExcept(t), tt.from, to, loc)
			checkCells(t, got, func(wd time.Weekday, h int) CoverageCell {
				total := tt.want(wd, h).Total
				return CoverageCell{Covered: total, Total: total}
			})
			if got.Share() != 1 {
				t.Errorf("share = %v, want 1", got.Share())
			}
		})
	}
}

func TestComputeCoverageHalfHourZone(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	// One UTC day from Sunday 2026-06-07 00:00 UTC is 05:30 Sunday to 05:30
	// Monday in Kolkata (UTC+5:30): the Sunday and Monday 05:00 cells get
	// 30 minutes each, the hours between one hour each.
	from := time.Date(2026, 6, 7, 0, 0, 0, 0, time.UTC)
	got := ComputeCoverage(nil, allExcept(t), from, from.Add(24*time.Hour), loc)
	checkCells(t, got, func(wd time.Weekday, h int) CoverageCell {
		switch {
		case (wd == time.Sunday || wd == time.Monday) && h == 5:
			return CoverageCell{Total: 30 * time.Minute}
		case wd == time.Sunday && h > 5, wd == time.Monday && h < 5:
			return CoverageCell{Total: time.Hour}
		}
		return CoverageCell{}
	})
}

func TestComputeCoverageEmpty(t *testing.T) {
	from := time.Date(2026, 6, 7, 0, 0, 0, 0, time.UTC)
	t.Run("no changes", func(t *testing.T) {
		got := ComputeCoverage(nil, allExcept(t), from, from.AddDate(0, 0, 7), time.UTC)
		checkCells(t, got, func(time.Weekday, int) CoverageCell { return CoverageCell{Total: time.Hour} })
		if got.Share() != 0 {
			t.Errorf("share = %v, want 0", got.Share())
		}
	})
	for name, to := range map[string]time.Time{"from equals to": from, "to before from": from.Add(-time.Hour)} {
		t.Run(name, func(t *testing.T) {
			changes := []*StatusChange{{OfficerID: 1, Status: StatusAvailable, At: from.Add(-time.Hour)}}
			got := ComputeCoverage(changes, allExcept(t), from, to, time.UTC)
			if got.Cells != ([7][24]CoverageCell{}) || got.Covered != 0 || got.Total != 0 {
				t.Errorf("got %+v, want empty", got)
			}
			if got.Share() != 0 || got.Cells[0][0].Share() != 0 {
				t.Errorf("share = %v, want 0", got.Share())
			}
		})
	}
	t.Run("nil certified counts everyone", func(t *testing.T) {
		got := ComputeCoverage(shiftChanges(1, from, from.Add(90*time.Minute)), nil, from, from.Add(2*time.Hour), time.UTC)
		if got.Covered != 90*time.Minute || got.Total != 2*time.Hour || got.Cells[0][1].Share() != 0.5 {
			t.Errorf("range = %v/%v, want 1h30m/2h", got.Covered, got.Total)
		}
	})
}

// randomChanges returns n random status changes of officers 1..officers,
// on whole minutes in [from − 1 day, to), so some fall before from; two in three go
// off duty, so the coverage has gaps.
func randomChanges(r *rand.Rand, n, officers int, from, to time.Time) []*StatusChange {
	start := from.Add(-24 * time.Hour)
	minutes := int(to.Sub(start) / time.Minute)
	changes := make([]*StatusChange, n)
	for i := range changes {
		changes[i] = &StatusChange{
			ID:        int64(i + 1),
			OfficerID: int64(1 + r.IntN(officers)),
			Status:    StatusOffDuty,
			At:        start.Add(time.Duration(r.IntN(minutes)) * time.Minute),
		}
		if r.IntN(3) == 0 {
			changes[i].Status = DutyStatuses[1+r.IntN(len(DutyStatuses)-1)]
		}
	}
	return changes
}

// coverageByMinute is the obvious, slow definition of ComputeCoverage for
// inputs on whole minutes in a zone with whole-hour offsets.
func coverageByMinute(changes []*StatusChange, certified func(int64, Date) bool, from, to time.Time, loc *time.Location) Coverage {
	cov := Coverage{From: from, To: to}
	sorted := slices.Clone(changes)
	slices.SortStableFunc(sorted, func(a, b *StatusChange) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		state := map[int64]DutyStatus{}
		for _, c := range sorted {
			if c.At.After(t) {
				break
			}
			state[c.OfficerID] = c.Status
		}
		lt := t.In(loc)
		cell := &cov.Cells[lt.Weekday()][lt.Hour()]
		cell.Total += time.Minute
		cov.Total += time.Minute
		for id, s := range state {
			if s.OnDuty() && certified(id, DateOf(t, loc)) {
				cell.Covered += time.Minute
				cov.Covered += time.Minute
				break
			}
		}
	}
	return cov
}

func TestComputeCoverageMatchesMinuteByMinute(t *testing.T) {
	loc := chicago(t)
	r := rand.New(rand.NewPCG(7, 11))
	for _, from := range []time.Time{
		time.Date(2026, 3, 6, 17, 0, 0, 0, loc),  // across spring forward
		time.Date(2026, 10, 30, 9, 0, 0, 0, loc), // across fall back
	} {
		to := from.Add(4 * 24 * time.Hour)
		changes := randomChanges(r, 200, 4, from, to)
		// Officer 4 is never certified; 1 lapses on 2026-03-08 and
		// 2026-11-01.
		certified := func(id int64, day Date) bool {
			switch id {
			case 4:
				return false
			case 1:
				return day.Before(NewDate(2026, 3, 8)) || (day.After(NewDate(2026, 10, 1)) && day.Before(NewDate(2026, 11, 1)))
			}
			return true
		}
		got := ComputeCoverage(changes, certified, from, to, loc)
		want := coverageByMinute(changes, certified, from, to, loc)
		if got.Covered < got.Total/10 || got.Covered > got.Total*9/10 {
			t.Errorf("from %v: covered %v of %v; want a test with gaps", from, got.Covered, got.Total)
		}
		if got != want {
			t.Errorf("from %v: got %v/%v, minute by minute %v/%v", from, got.Covered, got.Total, want.Covered, want.Total)
			for wd := range 7 {
				for h := range 24 {
					if got.Cells[wd][h] != want.Cells[wd][h] {
						t.Errorf("cell %s %02d:00 = %+v, want %+v", time.Weekday(wd), h, got.Cells[wd][h], want.Cells[wd][h])
					}
				}
			}
		}
	}
}

// BenchmarkComputeCoverage measures a year in Chicago for 60 officers, each
// working five 8-hour shifts a week with a few calls per shift: about 110,000
// changes.
func BenchmarkComputeCoverage(b *testing.B) {
	loc := chicago(b)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	to := from.AddDate(1, 0, 0)
	r := rand.New(rand.NewPCG(3, 5))
	var changes []*StatusChange
	for id := int64(1); id <= 60; id++ {
		startHour := []int{6, 14, 22}[id%3]
		for d := from.AddDate(0, 0, -1); d.Before(to); d = d.AddDate(0, 0, 1) {
			if (int(d.Weekday())+int(id))%7 < 2 {
				continue // two days off a week
			}
			on := time.Date(d.Year(), d.Month(), d.Day(), startHour, 0, 0, 0, loc)
			changes = append(changes, &StatusChange{OfficerID: id, Status: StatusAvailable, At: on})
			at := on
			for range 2 {
				at = at.Add(time.Duration(30+r.IntN(120)) * time.Minute)
				changes = append(changes,
					&StatusChange{OfficerID: id, Status: StatusDispatched, At: at},
					&StatusChange{OfficerID: id, Status: StatusAvailable, At: at.Add(40 * time.Minute)})
			}
			changes = append(changes, &StatusChange{OfficerID: id, Status: StatusOffDuty, At: on.Add(8 * time.Hour)})
		}
	}
	r.Shuffle(len(changes), func(i, j int) { changes[i], changes[j] = changes[j], changes[i] })
	certified := func(id int64, day Date) bool { return id%4 != 0 || day.Before(NewDate(2026, 7, 1)) }
	b.ReportAllocs()
	for b.Loop() {
		ComputeCoverage(changes, certified, from, to, loc)
	}
}
