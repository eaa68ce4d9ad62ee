package store_test

import (
	"reflect"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

func TestCoverageAndRosterSummary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newOfficerFixture(t, e)
		// Ann is CIT certified and on duty for two hours; Bob, untrained,
		// for three.
		must(t, f.svc.AddTraining(f.coord, &citdesk.TrainingRecord{OfficerID: f.annID, Kind: citdesk.CourseCITBasic, Completed: citdesk.NewDate(2025, 6, 1), Hours: 40}))
		must(t, f.svc.AddTraining(f.coord, &citdesk.TrainingRecord{OfficerID: f.bobID, Kind: citdesk.CourseMHAwareness, Completed: citdesk.NewDate(2025, 6, 1), Hours: 8}))
		must(t, f.svc.SetStatus(f.ann, &citdesk.StatusChange{OfficerID: f.annID, Status: citdesk.StatusAvailable}))
		must(t, f.svc.SetStatus(f.bob, &citdesk.StatusChange{OfficerID: f.bobID, Status: citdesk.StatusAvailable}))
		f.clock.Advance(2 * time.Hour)
		must(t, f.svc.SetStatus(f.ann, &citdesk.StatusChange{OfficerID: f.annID, Status: citdesk.StatusOffDuty}))
		f.clock.Advance(time.Hour)
		must(t, f.svc.SetStatus(f.bob, &citdesk.StatusChange{OfficerID: f.bobID, Status: citdesk.StatusOffDuty}))
		f.clock.Advance(48 * time.Hour)

		agency, err := f.db.AgencyService().FindAgencyByID(f.coord, citdesk.ActorFromContext(f.coord).AgencyID)
		must(t, err)
		loc := agency.Location()
		today := citdesk.DateOf(f.clock.Now(), loc)
		from, to := today.AddDate(0, 0, -5), today
		var rep *citdesk.CoverageReport
		n := countTx(t, f.db, func() { rep, err = f.svc.Coverage(f.analyst, from, to) })
		must(t, err)
		if n != (store.TxStats{Reads: 1}) {
			t.Errorf("Coverage took %+v, want one read transaction", n)
		}
		// The same figure computed from the parts, as the handler did.
		start, end := from.Time(loc), f.clock.Now()
		changes, err := f.svc.AgencyStatusHistory(f.coord, start, end)
		must(t, err)
		training, err := f.svc.ListAgencyTraining(f.coord)
		must(t, err)
		byOfficer := map[int64][]*citdesk.TrainingRecord{}
		for _, r := range training {
			byOfficer[r.OfficerID] = append(byOfficer[r.OfficerID], r)
		}
		want := citdesk.ComputeCoverage(changes, func(id int64, day citdesk.Date) bool {
			return citdesk.DeriveCITStatus(byOfficer[id], agency.Policy, day).Status.Certified()
		}, start, end, loc)
		if !reflect.DeepEqual(rep.Cov, want) || !rep.UpToNow || rep.From != from || rep.To != to {
			t.Errorf("coverage = %+v (up to now %v), want %+v", rep.Cov, rep.UpToNow, want)
		}
		if rep.Cov.Covered != 2*time.Hour {
			t.Errorf("covered %v, want the two hours Ann was on duty", rep.Cov.Covered)
		}

		// Defaults: the last four whole weeks.
		rep, err = f.svc.Coverage(f.coord, citdesk.Date{}, citdesk.Date{})
		must(t, err)
		if rep.From != today.AddDate(0, 0, -citdesk.DefaultCoverageDays) || rep.To != today.AddDate(0, 0, -1) || rep.UpToNow {
			t.Errorf("default range %s–%s (up to now %v)", rep.From, rep.To, rep.UpToNow)
		}
		// A range still to come reads nothing more and counts nothing.
		rep, err = f.svc.Coverage(f.coord, today.AddDate(0, 0, 3), today.AddDate(0, 0, 4))
		must(t, err)
		if rep.Cov.Total != 0 || !rep.UpToNow {
			t.Errorf("future range = %+v", rep)
		}
		// The range checks keep their fields and words.
		_, err = f.svc.Coverage(f.coord, today, today.AddDate(0, 0, -1))
		wantCode(t, err, citdesk.EINVALID)
		if citdesk.ErrorField(err) != "to" || citdesk.ErrorMessage(err) != "The end date must be on or after the start date." {
			t.Errorf("reversed range: %v (%s)", err, citdesk.ErrorField(err))
		}
		_, err = f.svc.Coverage(f.coord, today.AddDate(-2, 0, 0), today)
		if citdesk.ErrorField(err) != "to" || citdesk.ErrorMessage(err) != "Choose a range of at most 366 days." {
			t.Errorf("long range: %v", err)
		}
		_, err = f.svc.Coverage(f.dispatch, from, to)
		wantCode(t, err, citdesk.EFORBIDDEN)
		_, err = f.svc.Coverage(f.ann, from, to)
		wantCode(t, err, citdesk.EFORBIDDEN)

		// The roster summary.
		var sum *citdesk.RosterSummary
		n = countTx(t, f.db, func() { sum, err = f.svc.RosterSummary(f.coord) })
		must(t, err)
		if n != (store.TxStats{Reads: 1}) {
			t.Errorf("RosterSummary took %+v, want one read transaction", n)
		}
		if sum.SwornActive != 2 || sum.CITCertified != 1 || sum.MHAwareness != 1 || !sum.MeetsBenchmark || sum.AsOf != today ||
			sum.Sentence != "1 of 2 sworn officers (50%) are CIT certified; CIT International recommends at least 20%." {
			t.Errorf("summary = %+v", sum)
		}
		active := true
		officers, err := f.svc.ListOfficers(f.coord, citdesk.OfficerFilter{Active: &active})
		must(t, err)
		if want := citdesk.SummarizeRoster(officers, today, agency.Policy); !reflect.DeepEqual(sum, want) {
			t.Errorf("summary %+v, want %+v", sum, want)
		}
		_, err = f.svc.RosterSummary(f.dispatch)
		wantCode(t, err, citdesk.EFORBIDDEN)
	})
}
