package demo

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"citdesk"
)

// HistoryEncounters is how many invented encounters SeedHistory writes:
// outcomes.Synthesize spreads n encounters over n/50 days, so this is one
// year of history.
const HistoryEncounters = 365 * 50

// HistorySeed is the seed of the history serve --demo writes.
const HistorySeed = 1

// SeedHistory gives the demo agency a year of invented history ending now:
// HistoryEncounters encounters with their calls, persons and referrals
// (History), and a year of its officers' duty shifts (Shifts), so the
// outcome dashboard, the monthly report, the coverage heat map and the
// public page have something to show. It returns what the encounter import
// did and how many status changes it added. Run it once, on the agency Seed
// has just created.
func SeedHistory(ctx context.Context, hs citdesk.HistoryService, officers citdesk.OfficerService, agencyID int64, loc *time.Location, now time.Time) (citdesk.HistoryResult, int, error) {
	op := citdesk.NewContextWithActor(ctx, citdesk.OperatorActor(agencyID))
	res, err := History(op, hs, officers, loc, HistoryEncounters, HistorySeed, now, nil)
	if err != nil {
		return res, 0, fmt.Errorf("demo history: %w", err)
	}
	roster, err := officers.ListOfficers(op, citdesk.OfficerFilter{})
	if err != nil {
		return res, 0, err
	}
	n, err := hs.ImportStatusHistory(op, Shifts(roster, now.AddDate(-1, 0, 0), now, loc))
	if err != nil {
		return res, n, fmt.Errorf("demo shifts: %w", err)
	}
	return res, n, nil
}

// shiftPattern is when one officer works: from start for hours, on the days
// work says.
type shiftPattern struct {
	start time.Duration // after local midnight
	hours time.Duration
	work  func(day int, wd time.Weekday) bool
}

// patternFor gives an officer of the demo roster their shift: squads A and
// C work four days on and four off, B and D the other four; day squads
// split between the day (07:00–15:00) and evening (15:00–23:00) shifts,
// night squads work 23:00–07:00, and admin works 08:00–16:00 on weekdays.
// nth is the officer's place within their squad.
func patternFor(shift string, nth int) shiftPattern {
	fourOn := func(offset int) func(int, time.Weekday) bool {
		return func(day int, _ time.Weekday) bool { return (day+offset)%8 < 4 }
	}
	offset := 0
	if strings.HasPrefix(shift, "B") || strings.HasPrefix(shift, "D") {
		offset = 4
	}
	switch {
	case strings.HasSuffix(shift, "nights"):
		return shiftPattern{23 * time.Hour, 8 * time.Hour, fourOn(offset)}
	case strings.HasSuffix(shift, "days") && nth%2 == 1:
		return shiftPattern{15 * time.Hour, 8 * time.Hour, fourOn(offset)}
	case strings.HasSuffix(shift, "days"):
		return shiftPattern{7 * time.Hour, 8 * time.Hour, fourOn(offset)}
	default:
		return shiftPattern{8 * time.Hour, 8 * time.Hour, func(_ int, wd time.Weekday) bool { return wd != time.Saturday && wd != time.Sunday }}
	}
}

// Shifts invents the duty status history of officers (the history officers
// of imports left out) between from and to, oldest first: each shift the
// officer's pattern gives (a few minutes early or late, one in twenty-five
// missed for leave or sickness) goes available at its start, busy once or
// twice for a stretch, and off duty at its end. Only shifts wholly inside
// [from, to) are kept, so the history never runs into the officers' current
// status. The same arguments give the same shifts.
func Shifts(officers []*citdesk.Officer, from, to time.Time, loc *time.Location) []citdesk.StatusChange {
	if loc == nil {
		loc = time.UTC
	}
	rng := mrand.New(mrand.NewPCG(5, 6))
	squad := map[string]int{}
	var out []citdesk.StatusChange
	y, m, d := from.In(loc).Date()
	days := int(to.Sub(from).Hours()/24) + 2
	for _, o := range officers {
		if strings.HasPrefix(o.Badge, "history:") || !o.Active {
			continue
		}
		p := patternFor(o.Shift, squad[o.Shift])
		squad[o.Shift]++
		for day := -1; day < days; day++ {
			midnight := time.Date(y, m, d+day, 0, 0, 0, 0, loc)
			if !p.work(day+1, midnight.Weekday()) || rng.IntN(25) == 0 {
				continue
			}
			start := midnight.Add(p.start + time.Duration(rng.IntN(21)-10)*time.Minute)
			end := start.Add(p.hours + time.Duration(rng.IntN(31))*time.Minute)
			if start.Before(from) || !end.Before(to) {
				continue
			}
			lat, lon := around(rng)
			out = append(out, citdesk.StatusChange{OfficerID: o.ID, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon, At: start})
			t := start
			for range 1 + rng.IntN(2) {
				busy := t.Add(time.Duration(30+rng.IntN(150)) * time.Minute)
				back := busy.Add(time.Duration(20+rng.IntN(50)) * time.Minute)
				if !back.Before(end) {
					break
				}
				out = append(out, citdesk.StatusChange{OfficerID: o.ID, Status: citdesk.StatusBusy, At: busy},
					citdesk.StatusChange{OfficerID: o.ID, Status: citdesk.StatusAvailable, At: back})
				t = back
			}
			out = append(out, citdesk.StatusChange{OfficerID: o.ID, Status: citdesk.StatusOffDuty, At: end})
		}
	}
	return out
}
