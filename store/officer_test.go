package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// officerFixture is a database with one agency, its coordinator, a
// dispatcher, an analyst and two officers with user accounts.
type officerFixture struct {
	db                  *store.DB
	clock               *citdesk.FakeClock
	svc                 citdesk.OfficerService
	op, coord, dispatch context.Context
	analyst             context.Context
	ann, bob            context.Context // officers
	annID, bobID        int64
}

func newOfficerFixture(t *testing.T, e storetest.Engine) *officerFixture {
	t.Helper()
	db, clock := storetest.Open(t, e)
	_, op := storetest.Agency(t, db, "desoto")
	f := &officerFixture{db: db, clock: clock, svc: db.OfficerService(), op: op}
	_, f.coord = storetest.User(t, db, op, "coord", citdesk.RoleCoordinator)
	_, f.dispatch = storetest.User(t, db, op, "disp", citdesk.RoleDispatcher)
	_, f.analyst = storetest.User(t, db, op, "analyst", citdesk.RoleAnalyst)
	ann, annCtx := storetest.User(t, db, op, "ann", citdesk.RoleOfficer)
	bob, bobCtx := storetest.User(t, db, op, "bob", citdesk.RoleOfficer)
	f.ann, f.bob, f.annID, f.bobID = annCtx, bobCtx, *ann.OfficerID, *bob.OfficerID
	return f
}

func ptr[T any](v T) *T { return &v }

func TestOfficerCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newOfficerFixture(t, e)
		o := &citdesk.Officer{Badge: " 4412 ", FirstName: "Carla", LastName: "Diaz", Rank: "Sgt.", CallSign: "2A14", Shift: "A days", Phone: "636-555-0101", Active: true}

		wantCode(t, f.svc.CreateOfficer(f.dispatch, &citdesk.Officer{Badge: "1", FirstName: "A", LastName: "B"}), citdesk.EFORBIDDEN)
		wantCode(t, f.svc.CreateOfficer(f.ann, &citdesk.Officer{Badge: "1", FirstName: "A", LastName: "B"}), citdesk.EFORBIDDEN)
		if err := f.svc.CreateOfficer(f.coord, o); err != nil {
			t.Fatal(err)
		}
		if o.ID == 0 || o.Version != 1 || o.Badge != "4412" || o.AgencyID == 0 {
			t.Fatalf("created %+v", o)
		}
		err := f.svc.CreateOfficer(f.coord, &citdesk.Officer{Badge: "4412", FirstName: "Other", LastName: "Person"})
		wantCode(t, err, citdesk.EINVALID)
		if citdesk.ErrorField(err) != "badge" {
			t.Errorf("duplicate badge error names field %q", citdesk.ErrorField(err))
		}
		err = f.svc.CreateOfficer(f.coord, &citdesk.Officer{Badge: "9", FirstName: "No"})
		wantCode(t, err, citdesk.EINVALID)
		if citdesk.ErrorField(err) != "last_name" {
			t.Errorf("missing last name error names field %q", citdesk.ErrorField(err))
		}

		got, err := f.svc.FindOfficerByID(f.dispatch, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name() != "Sgt. Carla Diaz" || got.CallSign != "2A14" || got.Shift != "A days" || got.Phone != "636-555-0101" || !got.Active {
			t.Errorf("found %+v", got)
		}
		if got.CIT == nil || got.CIT.Status != citdesk.CITNotTrained || got.Duty == nil || got.Duty.Status != citdesk.StatusOffDuty || !got.Duty.Stale {
			t.Errorf("new officer standing %+v duty %+v", got.CIT, got.Duty)
		}
		byBadge, err := f.svc.FindOfficerByBadge(f.coord, "4412")
		if err != nil || byBadge.ID != o.ID {
			t.Fatalf("FindOfficerByBadge = %v, %v", byBadge, err)
		}
		_, err = f.svc.FindOfficerByID(f.coord, o.ID+1000)
		wantCode(t, err, citdesk.ENOTFOUND)

		got.LastName, got.Active = "Diaz-Moreno", false
		if err := f.svc.UpdateOfficer(f.coord, got); err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 {
			t.Errorf("version after update = %d, want 2", got.Version)
		}
		again, _ := f.svc.FindOfficerByID(f.coord, o.ID)
		if again.LastName != "Diaz-Moreno" || again.Active || again.Version != 2 {
			t.Errorf("after update %+v", again)
		}
		wantCode(t, f.svc.UpdateOfficer(f.dispatch, again), citdesk.EFORBIDDEN)
		ghost := *again
		ghost.ID += 1000
		wantCode(t, f.svc.UpdateOfficer(f.coord, &ghost), citdesk.ENOTFOUND)

		t.Run("filters", func(t *testing.T) {
			if err := f.svc.AddTraining(f.coord, &citdesk.TrainingRecord{OfficerID: f.annID, Kind: citdesk.CourseCITBasic, Completed: citdesk.NewDate(2025, 6, 1), Hours: 40}); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.SetStatus(f.bob, &citdesk.StatusChange{OfficerID: f.bobID, Status: citdesk.StatusAvailable}); err != nil {
				t.Fatal(err)
			}
			ids := func(fl citdesk.OfficerFilter) []int64 {
				t.Helper()
				list, err := f.svc.ListOfficers(f.coord, fl)
				if err != nil {
					t.Fatal(err)
				}
				var out []int64
				for _, o := range list {
					out = append(out, o.ID)
				}
				return out
			}
			for _, tc := range []struct {
				name   string
				filter citdesk.OfficerFilter
				want   []int64
			}{
				{"all, by last name", citdesk.OfficerFilter{}, []int64{f.annID, f.bobID, o.ID}},
				{"active", citdesk.OfficerFilter{Active: ptr(true)}, []int64{f.annID, f.bobID}},
				{"inactive", citdesk.OfficerFilter{Active: ptr(false)}, []int64{o.ID}},
				{"certified", citdesk.OfficerFilter{CITStatus: citdesk.CITCertified}, []int64{f.annID}},
				{"not trained", citdesk.OfficerFilter{CITStatus: citdesk.CITNotTrained}, []int64{f.bobID, o.ID}},
				{"on duty", citdesk.OfficerFilter{OnDuty: true}, []int64{f.bobID}},
				{"query by call sign, any case", citdesk.OfficerFilter{Query: "2a1"}, []int64{o.ID}},
				{"query by name", citdesk.OfficerFilter{Query: "MORENO"}, []int64{o.ID}},
			} {
				got := ids(tc.filter)
				if len(got) != len(tc.want) {
					t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
					continue
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
						break
					}
				}
			}
		})
	})
}

func TestOfficerVersionConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newOfficerFixture(t, e)
		first, err := f.svc.FindOfficerByID(f.coord, f.annID)
		if err != nil {
			t.Fatal(err)
		}
		second := *first
		first.Rank = "Cpl."
		if err := f.svc.UpdateOfficer(f.coord, first); err != nil {
			t.Fatal(err)
		}
		second.Shift = "B nights"
		wantCode(t, f.svc.UpdateOfficer(f.coord, &second), citdesk.EPRECONDITION)
		got, _ := f.svc.FindOfficerByID(f.coord, f.annID)
		if got.Rank != "Cpl." || got.Shift != "" || got.Version != 2 {
			t.Errorf("after the refused update: %+v", got)
		}
	})
}

func TestUpsertOfficerByBadge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newOfficerFixture(t, e)
		o := &citdesk.Officer{Badge: "7001", FirstName: "Dee", LastName: "Evans", Active: true}
		created, _, err := f.svc.UpsertOfficerByBadge(f.coord, o, nil)
		if err != nil || !created {
			t.Fatalf("first upsert: created %v, %v", created, err)
		}
		id := o.ID
		for i := range 2 {
			again := &citdesk.Officer{Badge: "7001", FirstName: "Dee", LastName: "Evans", Rank: "Officer", Active: true}
			created, _, err := f.svc.UpsertOfficerByBadge(f.coord, again, nil)
			if err != nil || created || again.ID != id {
				t.Fatalf("upsert %d: created %v id %d (want %d), %v", i+2, created, again.ID, id, err)
			}
		}
		list, err := f.svc.ListOfficers(f.coord, citdesk.OfficerFilter{Query: "7001"})
		if err != nil || len(list) != 1 || list[0].Rank != "Officer" {
			t.Fatalf("after re-upserts: %v, %v", list, err)
		}
		_, _, err = f.svc.UpsertOfficerByBadge(f.dispatch, &citdesk.Officer{Badge: "7002", FirstName: "A", LastName: "B"}, nil)
		wantCode(t, err, citdesk.EFORBIDDEN)

		// A row is whole or absent: a refused training record leaves
		// neither the officer nor the other records (issue 10).
		training := []citdesk.TrainingRecord{
			{Kind: citdesk.CourseCITBasic, Completed: citdesk.NewDate(2024, 5, 1), Hours: 40},
			{Kind: citdesk.CourseCITInService, Completed: citdesk.NewDate(2025, 5, 1), Hours: 8},
			{Kind: citdesk.CourseOther, Completed: citdesk.NewDate(2999, 1, 1), Hours: 8},
		}
		_, _, err = f.svc.UpsertOfficerByBadge(f.coord, &citdesk.Officer{Badge: "7003", FirstName: "Rae", LastName: "Fox", Active: true}, training)
		wantCode(t, err, citdesk.EINVALID)
		if _, err := f.svc.FindOfficerByBadge(f.coord, "7003"); citdesk.ErrorCode(err) != citdesk.ENOTFOUND {
			t.Errorf("officer of a refused row: %v, want not found", err)
		}
		all, err := f.svc.ListAgencyTraining(f.coord)
		if err != nil {
			t.Fatal(err)
		}
		before := len(all)
		// An existing officer's update is undone with its refused training.
		_, _, err = f.svc.UpsertOfficerByBadge(f.coord, &citdesk.Officer{Badge: "7001", FirstName: "Dee", LastName: "Changed", Active: true}, training)
		wantCode(t, err, citdesk.EINVALID)
		if got, err := f.svc.FindOfficerByBadge(f.coord, "7001"); err != nil || got.LastName != "Evans" {
			t.Errorf("after a refused row: %+v, %v", got, err)
		}
		if all, err = f.svc.ListAgencyTraining(f.coord); err != nil || len(all) != before {
			t.Errorf("training after a refused row: %d, want %d (%v)", len(all), before, err)
		}
		// The good part alone is saved, and saved once.
		for i, want := range []int{2, 0} {
			created, added, err := f.svc.UpsertOfficerByBadge(f.coord, &citdesk.Officer{Badge: "7003", FirstName: "Rae", LastName: "Fox", Active: true}, training[:2])
			if err != nil || created != (i == 0) || added != want {
				t.Errorf("import %d: created %v added %d (want %d), %v", i+1, created, added, want, err)
			}
		}
	})
}

func TestTrainingPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newOfficerFixture(t, e)
		rec := func() *citdesk.TrainingRecord {
			return &citdesk.TrainingRecord{OfficerID: f.annID, Kind: citdesk.CourseCITBasic, Completed: citdesk.NewDate(2025, 6, 1), Hours: 40, Provider: "Missouri CIT Council"}
		}
		for name, ctx := range map[string]context.Context{"the officer themself": f.ann, "a dispatcher": f.dispatch, "an analyst": f.analyst} {
			if err := f.svc.AddTraining(ctx, rec()); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
				t.Errorf("AddTraining by %s: %v, want forbidden", name, err)
			}
		}
		r := rec()
		if err := f.svc.AddTraining(f.coord, r); err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 || r.Title != "CIT 40-hour course" || r.AgencyID == 0 {
			t.Errorf("added %+v", r)
		}
		wantCode(t, f.svc.AddTraining(f.coord, rec()), citdesk.ECONFLICT)
		wantCode(t, f.svc.AddTraining(f.op, &citdesk.TrainingRecord{OfficerID: f.annID, Kind: citdesk.CourseCITInService, Completed: citdesk.NewDate(2026, 3, 11), Hours: 4}), citdesk.EINVALID)
		wantCode(t, f.svc.AddTraining(f.coord, &citdesk.TrainingRecord{OfficerID: f.annID + 1000, Kind: citdesk.CourseCITInService, Completed: citdesk.NewDate(2026, 3, 1), Hours: 4}), citdesk.ENOTFOUND)

		own, err := f.svc.ListTraining(f.ann, f.annID)
		if err != nil || len(own) != 1 || own[0].Provider != "Missouri CIT Council" {
			t.Fatalf("officer's own training: %v, %v", own, err)
		}
		_, err = f.svc.ListTraining(f.bob, f.annID)
		wantCode(t, err, citdesk.EFORBIDDEN)
		_, err = f.svc.ListTraining(f.dispatch, f.annID)
		wantCode(t, err, citdesk.EFORBIDDEN)
		if list, err := f.svc.ListTraining(f.coord, f.annID); err != nil || len(list) != 1 {
			t.Fatalf("coordinator lists: %v, %v", list, err)
		}

		all, err := f.svc.ListAgencyTraining(f.analyst)
		if err != nil || len(all) != 1 || all[0].OfficerID != f.annID {
			t.Fatalf("ListAgencyTraining: %v, %v", all, err)
		}
		_, err = f.svc.ListAgencyTraining(f.ann)
		wantCode(t, err, citdesk.EFORBIDDEN)

		got, _ := f.svc.FindOfficerByID(f.coord, f.annID)
		if got.CIT.Status != citdesk.CITCertified || got.CIT.Until != citdesk.NewDate(2027, 5, 31) {
			t.Errorf("standing after the 40-hour course: %+v", got.CIT)
		}
	})
}

func TestStatusHistoryAndStaleness(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newOfficerFixture(t, e)
		lat, lon := 38.14, -90.55
		start := f.clock.Now()
		steps := []struct {
			ctx    context.Context
			status citdesk.DutyStatus
			pos    bool
		}{
			{f.ann, citdesk.StatusAvailable, true},
			{f.dispatch, citdesk.StatusDispatched, false},
			{f.ann, citdesk.StatusOnScene, true},
			{f.ann, citdesk.StatusBusy, false},
			{f.ann, citdesk.StatusOffDuty, false},
		}
		for i, s := range steps {
			c := &citdesk.StatusChange{OfficerID: f.annID, Status: s.status}
			if s.pos {
				c.Lat, c.Lon = &lat, &lon
			}
			if err := f.svc.SetStatus(s.ctx, c); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			f.clock.Advance(10 * time.Minute)
		}
		hist, err := f.svc.StatusHistory(f.ann, f.annID, start, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != len(steps) {
			t.Fatalf("history has %d changes, want %d", len(hist), len(steps))
		}
		for i, c := range hist {
			if c.Status != steps[i].status || !c.At.Equal(start.Add(time.Duration(i)*10*time.Minute)) || (c.Lat != nil) != steps[i].pos {
				t.Errorf("change %d = %s at %s lat %v; want %s at %s", i, c.Status, c.At, c.Lat, steps[i].status, start.Add(time.Duration(i)*10*time.Minute))
			}
		}
		// The range is [from, to).
		if h, _ := f.svc.StatusHistory(f.coord, f.annID, start.Add(10*time.Minute), start.Add(30*time.Minute)); len(h) != 2 {
			t.Errorf("history in [10m, 30m) has %d changes, want 2", len(h))
		}
		_, err = f.svc.StatusHistory(f.bob, f.annID, start, f.clock.Now())
		wantCode(t, err, citdesk.EFORBIDDEN)

		t.Run("staleness at the threshold", func(t *testing.T) {
			if err := f.svc.SetStatus(f.bob, &citdesk.StatusChange{OfficerID: f.bobID, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
				t.Fatal(err)
			}
			stale := func() bool {
				t.Helper()
				o, err := f.svc.FindOfficerByID(f.dispatch, f.bobID)
				if err != nil {
					t.Fatal(err)
				}
				return o.Duty.Stale
			}
			if stale() {
				t.Error("a fresh position is stale")
			}
			f.clock.Advance(5 * time.Minute) // the default threshold exactly
			if stale() {
				t.Error("a position exactly 5 minutes old is stale; the threshold is inclusive")
			}
			f.clock.Advance(time.Second)
			if !stale() {
				t.Error("a position 5 minutes and 1 second old is not stale")
			}
		})

		t.Run("since stays on a position-only update", func(t *testing.T) {
			o, _ := f.svc.FindOfficerByID(f.dispatch, f.bobID)
			since := o.Duty.Since
			f.clock.Advance(3 * time.Minute)
			lat2 := lat + 0.01
			if err := f.svc.SetStatus(f.bob, &citdesk.StatusChange{OfficerID: f.bobID, Status: citdesk.StatusAvailable, Lat: &lat2, Lon: &lon}); err != nil {
				t.Fatal(err)
			}
			o, _ = f.svc.FindOfficerByID(f.dispatch, f.bobID)
			if !o.Duty.Since.Equal(since) {
				t.Errorf("since moved from %s to %s on a position update", since, o.Duty.Since)
			}
			if o.Duty.Stale || o.Duty.PositionAt == nil || !o.Duty.PositionAt.Equal(f.clock.Now()) || *o.Duty.Lat != lat2 {
				t.Errorf("position after update: %+v", o.Duty)
			}
			// A status change without a position keeps the last position
			// (and its time), and moves since.
			f.clock.Advance(time.Minute)
			if err := f.svc.SetStatus(f.bob, &citdesk.StatusChange{OfficerID: f.bobID, Status: citdesk.StatusBusy}); err != nil {
				t.Fatal(err)
			}
			o, _ = f.svc.FindOfficerByID(f.dispatch, f.bobID)
			if !o.Duty.Since.Equal(f.clock.Now()) || o.Duty.Lat == nil || *o.Duty.Lat != lat2 || !o.Duty.PositionAt.Equal(f.clock.Now().Add(-time.Minute)) {
				t.Errorf("after a status change without position: %+v", o.Duty)
			}
		})
	})
}

func TestSetStatusPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newOfficerFixture(t, e)
		set := func(ctx context.Context, id int64, st citdesk.DutyStatus) error {
			return f.svc.SetStatus(ctx, &citdesk.StatusChange{OfficerID: id, Status: st})
		}
		if err := set(f.ann, f.annID, citdesk.StatusAvailable); err != nil {
			t.Errorf("officer sets own status: %v", err)
		}
		wantCode(t, set(f.ann, f.bobID, citdesk.StatusAvailable), citdesk.EFORBIDDEN)
		wantCode(t, set(f.coord, f.bobID, citdesk.StatusAvailable), citdesk.EFORBIDDEN)
		if err := set(f.dispatch, f.bobID, citdesk.StatusBusy); err != nil {
			t.Errorf("dispatcher sets an officer's status: %v", err)
		}
		wantCode(t, set(f.ann, f.annID, "lunch"), citdesk.EINVALID)
		wantCode(t, f.svc.SetStatus(f.ann, &citdesk.StatusChange{OfficerID: f.annID, Status: citdesk.StatusAvailable, Lat: ptr(38.1)}), citdesk.EINVALID)
		wantCode(t, f.svc.SetStatus(f.ann, &citdesk.StatusChange{OfficerID: f.annID, Status: citdesk.StatusAvailable, Lat: ptr(91.0), Lon: ptr(0.0)}), citdesk.EINVALID)

		t.Run("inactive officer cannot go on duty", func(t *testing.T) {
			o, _ := f.svc.FindOfficerByID(f.coord, f.bobID)
			o.Active = false
			if err := f.svc.UpdateOfficer(f.coord, o); err != nil {
				t.Fatal(err)
			}
			err := set(f.bob, f.bobID, citdesk.StatusAvailable)
			wantCode(t, err, citdesk.EINVALID)
			if citdesk.ErrorField(err) != "status" {
				t.Errorf("error names field %q, want status", citdesk.ErrorField(err))
			}
			if err := set(f.dispatch, f.bobID, citdesk.StatusOffDuty); err != nil {
				t.Errorf("an inactive officer can still be put off duty: %v", err)
			}
		})
	})
}

func TestSetStatusPublishesEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newOfficerFixture(t, e)
		bus := newQuietBus(t, f.db)
		f.db.Events = bus
		me, _ := f.svc.FindOfficerByID(f.ann, f.annID)
		sub := bus.Subscribe(context.Background(), me.AgencyID)
		defer sub.Close()
		other := bus.Subscribe(context.Background(), me.AgencyID+1000)
		defer other.Close()

		if err := f.svc.SetStatus(f.ann, &citdesk.StatusChange{OfficerID: f.annID, Status: citdesk.StatusAvailable}); err != nil {
			t.Fatal(err)
		}
		select {
		case ev := <-sub.C():
			if ev.Type != citdesk.EventOfficerStatus || ev.ObjectID != f.annID || ev.AgencyID != me.AgencyID {
				t.Fatalf("event %+v", ev)
			}
			var o citdesk.Officer
			if err := json.Unmarshal(ev.Payload, &o); err != nil || o.Duty == nil || o.Duty.Status != citdesk.StatusAvailable {
				t.Fatalf("payload %s: %v", ev.Payload, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event after SetStatus")
		}
		select {
		case ev := <-other.C():
			t.Fatalf("another agency's subscriber got %+v", ev)
		case <-time.After(50 * time.Millisecond):
		}
		// A refused change publishes nothing.
		f.svc.SetStatus(f.ann, &citdesk.StatusChange{OfficerID: f.bobID, Status: citdesk.StatusAvailable})
		select {
		case ev := <-sub.C():
			t.Fatalf("a refused change published %+v", ev)
		case <-time.After(50 * time.Millisecond):
		}
	})
}

func TestAgencyStatusHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		f := newOfficerFixture(t, e)
		set := func(ctx context.Context, id int64, st citdesk.DutyStatus) {
			t.Helper()
			if err := f.svc.SetStatus(ctx, &citdesk.StatusChange{OfficerID: id, Status: st}); err != nil {
				t.Fatal(err)
			}
		}
		set(f.ann, f.annID, citdesk.StatusAvailable) // t0: before the range, superseded
		f.clock.Advance(time.Hour)
		set(f.ann, f.annID, citdesk.StatusBusy) // t0+1h: Ann's last change before from
		f.clock.Advance(time.Hour)
		from := f.clock.Now() // t0+2h
		set(f.bob, f.bobID, citdesk.StatusAvailable)
		f.clock.Advance(time.Hour)
		set(f.ann, f.annID, citdesk.StatusOffDuty) // t0+3h
		f.clock.Advance(time.Hour)
		to := f.clock.Now()
		set(f.bob, f.bobID, citdesk.StatusOffDuty) // at to: outside [from, to)

		// Analysts get coverage as figures, not officers' whereabouts.
		_, err := f.svc.AgencyStatusHistory(f.analyst, from, to)
		wantCode(t, err, citdesk.EFORBIDDEN)
		got, err := f.svc.AgencyStatusHistory(f.coord, from, to)
		if err != nil {
			t.Fatal(err)
		}
		type key struct {
			id int64
			st citdesk.DutyStatus
		}
		var keys []key
		for _, c := range got {
			keys = append(keys, key{c.OfficerID, c.Status})
		}
		want := []key{{f.annID, citdesk.StatusBusy}, {f.bobID, citdesk.StatusAvailable}, {f.annID, citdesk.StatusOffDuty}}
		if len(keys) != len(want) {
			t.Fatalf("got %v, want %v", keys, want)
		}
		for i := range want {
			if keys[i] != want[i] {
				t.Fatalf("got %v, want %v", keys, want)
			}
		}
		if !got[0].At.Before(from) {
			t.Errorf("the carried-in change is at %s, not before %s", got[0].At, from)
		}
		_, err = f.svc.AgencyStatusHistory(f.ann, from, to)
		wantCode(t, err, citdesk.EFORBIDDEN)

		// History imported after the live changes (citdesk import) has
		// higher ids and older times. Ann's status at from is still her
		// latest change by time: busy, not an older change written later.
		// (Before, the highest id won: the import's.)
		raw := storetest.Raw(t, f.db.TestDSN())
		if _, err := raw.Exec(`INSERT INTO status_changes (agency_id, officer_id, status, lat, lon, at, by_user_id)
			SELECT agency_id, officer_id, 'on_scene', lat, lon, at - 3600000000, by_user_id FROM status_changes
			WHERE id = (SELECT MIN(id) FROM status_changes WHERE officer_id = ` + strconv.FormatInt(f.annID, 10) + `)`); err != nil {
			t.Fatal(err)
		}
		got, err = f.svc.AgencyStatusHistory(f.coord, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			t.Fatal("with older history written later, no changes")
		}
		if got[0].OfficerID != f.annID || got[0].Status != citdesk.StatusBusy {
			t.Errorf("with older history written later, the first change is %+v, want Ann busy", got[0])
		}

		// The changes carried into a period come oldest first too, not
		// in officer order: Bob's (at to) before Ann's, an hour later.
		f.clock.Advance(time.Hour)
		set(f.ann, f.annID, citdesk.StatusAvailable)
		f.clock.Advance(time.Hour)
		later := f.clock.Now()
		got, err = f.svc.AgencyStatusHistory(f.coord, later, later.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].OfficerID != f.bobID || got[1].OfficerID != f.annID || got[1].At.Before(got[0].At) {
			t.Errorf("carried into a later period: %v, want Bob's change and then Ann's, oldest first", statusKeys(got))
		}
	})
}

// statusKeys shows status changes briefly, for a test's message.
func statusKeys(changes []*citdesk.StatusChange) []string {
	var out []string
	for _, c := range changes {
		out = append(out, fmt.Sprintf("officer %d %s at %s", c.OfficerID, c.Status, c.At.Format(time.TimeOnly)))
	}
	return out
}
