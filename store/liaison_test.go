package store_test

import (
	"context"
	"sync"
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestCoResponseLiaison: the liaison as a resource in the store. Two
// dispatchers sending the same liaison to two calls at once get one
// success and one conflict (the unique index over active rows decides on
// PostgreSQL, where both may read her available); another agency's
// dispatcher cannot send her; she is in the dispatch state with the call
// she is on; clearing frees her.
func TestCoResponseLiaison(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		_, op := storetest.Agency(t, db, "desoto")
		_, opB := storetest.Agency(t, db, "hillsboro")
		liz, lizCtx := storetest.User(t, db, op, "liz", citdesk.RoleLiaison)
		_, disp := storetest.User(t, db, op, "disp", citdesk.RoleDispatcher)
		_, disp2 := storetest.User(t, db, op, "disp2", citdesk.RoleDispatcher)
		_, dispB := storetest.User(t, db, opB, "disp-b", citdesk.RoleDispatcher)
		_, analyst := storetest.User(t, db, op, "analyst", citdesk.RoleAnalyst)
		svc := store.NewLiaisonService(db)

		lat, lon := 38.14, -90.55
		if _, err := svc.SetLiaisonStatus(lizCtx, liz.ID, citdesk.LiaisonAvailable, &lat, &lon); err != nil {
			t.Fatal(err)
		}
		_, err := svc.SetLiaisonStatus(analyst, liz.ID, citdesk.LiaisonBusy, nil, nil)
		wantCode(t, err, citdesk.EFORBIDDEN)
		_, err = svc.SetLiaisonStatus(lizCtx, liz.ID, "asleep", nil, nil)
		wantCode(t, err, citdesk.EINVALID)

		var calls [2]*citdesk.Call
		for i := range calls {
			calls[i] = &citdesk.Call{Nature: "Person in crisis", Address: "1 Main St"}
			if err := db.CallService().CreateCall(disp, calls[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.AssignLiaison(dispB, &citdesk.CallLiaison{CallID: calls[0].ID, UserID: liz.ID}, ""); citdesk.ErrorCode(err) != citdesk.ENOTFOUND {
			t.Errorf("another agency sends her: %v", err)
		}

		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, ctx := range []context.Context{disp, disp2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = svc.AssignLiaison(ctx, &citdesk.CallLiaison{CallID: calls[i].ID, UserID: liz.ID}, "")
			}()
		}
		wg.Wait()
		won := -1
		for i, err := range errs {
			switch citdesk.ErrorCode(err) {
			case "":
				if won >= 0 {
					t.Fatalf("both dispatchers sent her")
				}
				won = i
			case citdesk.ECONFLICT:
			default:
				t.Fatalf("send %d: %v", i, err)
			}
		}
		if won < 0 {
			t.Fatalf("neither dispatcher sent her: %v", errs)
		}
		on, err := svc.ListCallLiaisons(disp, calls[won].ID)
		if err != nil || len(on) != 1 || on[0].Status != citdesk.LiaisonAssigned {
			t.Fatalf("on the call: %+v %v", on, err)
		}
		// The call's response is now co-response (the call was not
		// triaged, so no reason was needed).
		if c, err := db.CallService().FindCallByID(disp, calls[won].ID); err != nil || c.Response != citdesk.ResponseCoResponse {
			t.Errorf("the call's response: %+v %v", c, err)
		}
		st, err := db.DispatchService().State(disp)
		if err != nil || len(st.Liaisons) != 1 || st.Liaisons[0].Status != citdesk.LiaisonBusy || st.Liaisons[0].CallID != calls[won].ID {
			t.Fatalf("the dispatch state's liaisons: %+v %v", st.Liaisons, err)
		}
		// Steps go forward only; cleared, she is available again.
		_, err = svc.MoveLiaison(lizCtx, calls[won].ID, on[0].Version, citdesk.LiaisonAssigned)
		wantCode(t, err, citdesk.EINVALID)
		l, err := svc.MoveLiaison(lizCtx, calls[won].ID, on[0].Version, citdesk.LiaisonOnScene)
		if err != nil || l.OnSceneAt == nil {
			t.Fatalf("on scene: %+v %v", l, err)
		}
		_, err = svc.MoveLiaison(lizCtx, calls[won].ID, on[0].Version, citdesk.LiaisonCleared)
		wantCode(t, err, citdesk.EPRECONDITION)
		_, err = svc.MoveLiaison(lizCtx, calls[won].ID, l.Version, citdesk.LiaisonEnRoute)
		wantCode(t, err, citdesk.ECONFLICT)
		if _, err = svc.MoveLiaison(lizCtx, calls[won].ID, l.Version, citdesk.LiaisonCleared); err != nil {
			t.Fatal(err)
		}
		d, now, err := svc.FindLiaisonDuty(lizCtx, liz.ID)
		if err != nil || d.Status != citdesk.LiaisonAvailable || now != nil || d.Lat == nil || *d.Lat != lat {
			t.Errorf("cleared: %+v %+v %v", d, now, err)
		}
		// Now the other call can have her.
		if err := svc.AssignLiaison(disp, &citdesk.CallLiaison{CallID: calls[1-won].ID, UserID: liz.ID}, ""); err != nil {
			t.Errorf("send her to the other call: %v", err)
		}
	})
}
