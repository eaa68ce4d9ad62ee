package store_test

import (
	"testing"
	"time"

	"citdesk"
	"citdesk/outcomes"
	"citdesk/store/storetest"
)

// TestCallPlaces: the map counts the agency's crisis calls (mental health,
// CIT requested, or reported on) in the range by where they were, counts
// those without a position apart, and leaves out other calls, calls
// outside the range and another agency's calls; the public map leaves off
// small cells.
func TestCallPlaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		w := newDispatchWorld(t, eng)
		svc := w.db.OutcomeService()
		_, analyst := storetest.User(t, w.db, w.op, "analyst", citdesk.RoleAnalyst)
		yes, no := true, false
		put := func(lat, lon float64, located bool, cit bool, mh *bool) {
			t.Helper()
			c := &citdesk.Call{Nature: "Welfare check", Address: "1 Main St", CITRequested: cit, MentalHealth: mh}
			if located {
				c.Lat, c.Lon = &lat, &lon
			}
			if err := w.calls.CreateCall(w.disp, c); err != nil {
				t.Fatal(err)
			}
		}
		// 12 CIT-requested calls at one
		// corner, 2 mental-health calls 2 km north, 1 crisis call with no
		// position, and 3 calls that are not crisis calls.
		for range 12 {
			put(38.1395, -90.5551, true, true, nil)
		}
		put(38.1575, -90.5551, true, false, &yes)
		put(38.1575, -90.5551, true, false, &yes)
		put(0, 0, false, true, nil)
		put(38.1395, -90.5551, true, false, &no)
		put(38.1395, -90.5551, true, false, nil)
		put(0, 0, false, false, nil)
		w.clock.Advance(5 * 24 * time.Hour)
		put(38.1395, -90.5551, true, true, nil) // five days on: outside the range

		// Another agency's crisis call at the same corner.
		_, otherOp := storetest.Agency(t, w.db, "hillsboro")
		_, otherDisp := storetest.User(t, w.db, otherOp, "disp2", citdesk.RoleDispatcher)
		lat, lon := 38.1395, -90.5551
		if err := w.db.CallService().CreateCall(otherDisp, &citdesk.Call{Nature: "x", Address: "1 Main St", Lat: &lat, Lon: &lon, CITRequested: true}); err != nil {
			t.Fatal(err)
		}

		// The range is a day either side of the first calls' UTC date, in
		// the agency's days: it holds them, whatever its zone, and not the
		// call five days on.
		day := citdesk.DateOf(w.clock.Now().Add(-5*24*time.Hour), time.UTC)
		got, err := svc.Places(analyst, day.AddDate(0, 0, -1), day.AddDate(0, 0, 1), 500)
		if err != nil {
			t.Fatal(err)
		}
		if got.Located != 14 || got.Unlocated != 1 || len(got.Cells) != 2 || got.Cells[0].Count != 12 || got.Cells[1].Count != 2 {
			t.Fatalf("map %+v; want 12 and 2 located in two cells, 1 without a position", got)
		}
		if c := got.Cells[0]; lat < c.South || lat >= c.North || lon < c.West || lon >= c.East {
			t.Errorf("the corner's cell %+v does not hold it", c)
		}
		all, err := svc.Places(analyst, citdesk.Date{}, citdesk.Date{}, 500)
		if err != nil || all.Located != 15 {
			t.Errorf("all time: %+v, %v; want 15 located", all, err)
		}

		// Public: 13 at the corner, 2 to the north, 20 to the east and 3
		// to the west; the 2 and the 3 are left off (each alone could be
		// worked out from the total, but
		// together they are any split of 5).
		for range 20 {
			put(38.1395, -90.5101, true, true, nil)
		}
		for range 3 {
			put(38.1395, -90.6001, true, true, nil)
		}
		pub, err := svc.PublicPlaces(t.Context(), citdesk.ActorFromContext(w.op).AgencyID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pub.Cells) != 2 || pub.Cells[0].Count != 20 || pub.Cells[1].Count != 13 || pub.Hidden != 2 || pub.CellMeters != outcomes.PublicCellMeters {
			t.Errorf("public map %+v; want 20 and 13 shown, 2 areas hidden", pub)
		}
		if _, err := svc.Places(w.disp, citdesk.Date{}, citdesk.Date{}, 500); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
			t.Errorf("a dispatcher: %v, want forbidden", err)
		}
	})
}
