package store_test

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/outcomes"
	"citdesk/store"
	"citdesk/store/storetest"
)

// transferWorld is a reportEnv with the transfer service and helpers to
// take calls through the triage to 988 and to write a report on a call.
type transferWorld struct {
	*reportEnv
	transfers citdesk.TransferService
	calls     citdesk.CallService
}

// call988 takes a call at address, received at, through the triage to
// 988 (the recommendation kept).
func (w *transferWorld) call988(t *testing.T, address string, at time.Time) *citdesk.Call {
	t.Helper()
	c := &citdesk.Call{Nature: "Person in crisis", Address: address, ReceivedAt: at, TriageAnswers: maps.Clone(triagePaths[citdesk.Response988])}
	if err := w.calls.CreateCall(w.dispatch, c); err != nil {
		t.Fatal(err)
	}
	if c.Response != citdesk.Response988 {
		t.Fatalf("the triage sent the call to %q", c.Response)
	}
	return c
}

// plainCall records a call from source at address, received at.
func (w *transferWorld) plainCall(t *testing.T, source citdesk.CallSource, address string, at time.Time) *citdesk.Call {
	t.Helper()
	c := &citdesk.Call{Nature: "Welfare check", Source: source, Address: address, ReceivedAt: at}
	if err := w.calls.CreateCall(w.dispatch, c); err != nil {
		t.Fatal(err)
	}
	return c
}

// transfer records call c's transfer at at.
func (w *transferWorld) transfer(t *testing.T, c *citdesk.Call, at time.Time) *citdesk.Call {
	t.Helper()
	got, err := w.transfers.RecordTransfer(w.dispatch, &citdesk.Transfer{CallID: c.ID, TransferredAt: at, Destination: citdesk.TransferToMobileCrisis, Consent: citdesk.ConsentYes}, c.Version)
	if err != nil {
		t.Fatal(err)
	}
	*c = *got
	return got
}

// reportOn sends the officer to call c, clears them and starts the
// contact report naming person p: the call is then about p.
func (w *transferWorld) reportOn(t *testing.T, c *citdesk.Call, p *citdesk.Person) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ofc := *w.officerUser.OfficerID
	must(w.db.OfficerService().SetStatus(w.officer, &citdesk.StatusChange{OfficerID: ofc, Status: citdesk.StatusAvailable}))
	a := &citdesk.Assignment{CallID: c.ID, OfficerID: ofc}
	must(w.calls.CreateAssignment(w.dispatch, a))
	moved, err := w.calls.MoveAssignment(w.officer, a.ID, a.Version, citdesk.AssignOnScene)
	must(err)
	_, err = w.calls.MoveAssignment(w.officer, a.ID, moved.Version, citdesk.AssignCleared)
	must(err)
	e := &citdesk.Encounter{AssignmentID: &a.ID}
	must(w.encounters.StartEncounter(w.officer, e))
	complete(e)
	e.PersonID = &p.ID
	must(w.encounters.UpdateEncounter(w.officer, e))
}

// close closes call id (judged a mental-health call).
func (w *transferWorld) close(t *testing.T, id int64) {
	t.Helper()
	c, err := w.calls.FindCallByID(w.dispatch, id)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	c.Status, c.MentalHealth = citdesk.CallClosed, &yes
	if err := w.calls.UpdateCall(w.dispatch, c); err != nil {
		t.Fatal(err)
	}
}

// TestTransfers988 records transfers to 988 and mobile crisis, refuses
// bad ones naming the field, returns one to 911 with a police response,
// finds the repeat 911 calls (same person by contact report, else same
// normalised address; the 24-hour boundary), and checks the transfer
// measures against counts made here, including after a repeat call comes
// in later.
func TestTransfers988(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := &transferWorld{reportEnv: newReportEnv(t, e)}
		w.transfers, w.calls = store.NewTransferService(w.db), w.db.CallService()
		_, analyst := storetest.User(t, w.db, w.op, "analyst", citdesk.RoleAnalyst)
		now := w.clock.Now()
		base := now.Add(-72 * time.Hour)

		// T1: 988, accepted; a 911 call at the same address (written
		// differently) exactly 24 hours after the transfer is a repeat.
		t1 := w.call988(t, "1204 Boyd Street #3", base)
		bad := []struct {
			field string
			t     citdesk.Transfer
		}{
			{"destination", citdesk.Transfer{Destination: "hospital", Consent: citdesk.ConsentYes}},
			{"destination_name", citdesk.Transfer{Destination: citdesk.TransferToOther, Consent: citdesk.ConsentYes}},
			{"consent", citdesk.Transfer{Destination: citdesk.TransferTo988Lifeline, Consent: "maybe"}},
			{"transferred_at", citdesk.Transfer{Destination: citdesk.TransferTo988Lifeline, Consent: citdesk.ConsentNo, TransferredAt: now.Add(time.Hour)}},
			{"transferred_at", citdesk.Transfer{Destination: citdesk.TransferTo988Lifeline, Consent: citdesk.ConsentNo, TransferredAt: base.Add(-time.Minute)}},
		}
		for _, b := range bad {
			b.t.CallID = t1.ID
			if _, err := w.transfers.RecordTransfer(w.dispatch, &b.t, t1.Version); citdesk.ErrorCode(err) != citdesk.EINVALID || citdesk.ErrorField(err) != b.field {
				t.Errorf("%+v: %v (field %q), want %s", b.t, err, citdesk.ErrorField(err), b.field)
			}
		}
		ok := citdesk.Transfer{CallID: t1.ID, Destination: citdesk.TransferTo988Lifeline, Consent: citdesk.ConsentNotAsked}
		if _, err := w.transfers.RecordTransfer(w.dispatch, &ok, t1.Version+1); citdesk.ErrorCode(err) != citdesk.EPRECONDITION {
			t.Errorf("stale version: %v", err)
		}
		if _, err := w.transfers.RecordTransfer(w.officer, &ok, t1.Version); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
			t.Errorf("an officer records a transfer: %v", err)
		}
		cit := w.plainCall(t, citdesk.Source911, "3 Pine St", base)
		cit.Response = citdesk.ResponseCIT
		if err := w.calls.UpdateCall(w.dispatch, cit); err != nil {
			t.Fatal(err)
		}
		if _, err := w.transfers.RecordTransfer(w.dispatch, &citdesk.Transfer{CallID: cit.ID, Destination: citdesk.TransferTo988Lifeline, Consent: citdesk.ConsentYes}, cit.Version); citdesk.ErrorField(err) != "response" {
			t.Errorf("a transfer on a CIT call: %v (field %q)", err, citdesk.ErrorField(err))
		}
		if got, _ := w.calls.FindCallByID(w.dispatch, t1.ID); got.Transfer != nil || got.Version != t1.Version {
			t.Fatalf("refused transfers were written: %+v", got.Transfer)
		}
		w.transfer(t, t1, base.Add(5*time.Minute))
		if tr := t1.Transfer; tr == nil || tr.Outcome != citdesk.TransferAccepted || tr.Destination != citdesk.TransferToMobileCrisis || tr.Consent != citdesk.ConsentYes ||
			!tr.TransferredAt.Equal(base.Add(5*time.Minute)) || tr.RecordedBy == 0 || tr.Repeat911 {
			t.Fatalf("recorded: %+v", tr)
		}
		// Corrected while accepted: the same record, a new version.
		v := t1.Version
		corr := citdesk.Transfer{CallID: t1.ID, TransferredAt: base.Add(5 * time.Minute), Destination: citdesk.TransferToOther, DestinationName: "Comtrea crisis line", Consent: citdesk.ConsentYes}
		got, err := w.transfers.RecordTransfer(w.dispatch, &corr, v)
		if err != nil || got.Version != v+1 || got.Transfer.Destination != citdesk.TransferToOther || got.Transfer.DestinationName != "Comtrea crisis line" {
			t.Fatalf("correct: %+v, %v", got, err)
		}
		*t1 = *got
		if n := auditCount(t, w.db, w.op, "call.transfer", "call", t1.ID, ""); n != 1 {
			t.Errorf("%d call.transfer events, want 1", n)
		}
		for _, d := range auditDetails(t, w.reportEnv, "call.transfer_correct", "call", t1.ID) {
			if strings.Contains(d, "consent") || strings.Contains(d, "Comtrea") {
				t.Errorf("audit detail says too much: %q", d)
			}
		}
		// While the crisis line holds it, the response stays 988.
		t1.Response, t1.ResponseReason = citdesk.ResponsePatrol, "changed my mind"
		if err := w.calls.UpdateCall(w.dispatch, t1); citdesk.ErrorCode(err) != citdesk.ECONFLICT || citdesk.ErrorField(err) != "response" {
			t.Errorf("response changed under an accepted transfer: %v", err)
		}
		*t1 = *w.must(t, t1.ID)

		w.plainCall(t, citdesk.SourceNonEmergency, "1204 boyd st apt 3", base.Add(time.Hour)) // not a 911 call
		rep1 := w.plainCall(t, citdesk.Source911, "1204 boyd st apt 3", base.Add(5*time.Minute+24*time.Hour))
		if tr := w.must(t, t1.ID).Transfer; !tr.Repeat911 || tr.RepeatCallID == nil || *tr.RepeatCallID != rep1.ID {
			t.Errorf("T1 repeat: %+v, want call %d", tr, rep1.ID)
		}

		// T2: 988, accepted; a 911 call at its address before the
		// transfer, and one 24 hours and a second after: no repeat.
		t2 := w.call988(t, "77 Elm Avenue", base.Add(time.Hour))
		w.plainCall(t, citdesk.Source911, "77 Elm Ave", base.Add(time.Hour+30*time.Second))
		w.transfer(t, t2, base.Add(time.Hour+time.Minute))
		w.plainCall(t, citdesk.Source911, "77 elm avenue", base.Add(time.Hour+time.Minute+24*time.Hour+time.Second))
		if tr := w.must(t, t2.ID).Transfer; tr.Repeat911 || tr.RepeatCallID != nil {
			t.Errorf("T2 is no repeat: %+v", tr)
		}

		// T3: 988, returned to 911; it needs police now.
		t3 := w.call988(t, "9 Oak St", base.Add(2*time.Hour))
		w.transfer(t, t3, base.Add(2*time.Hour+time.Minute))
		ret := citdesk.TransferReturn{ReturnedAt: base.Add(2*time.Hour + 20*time.Minute), Reason: "No mobile team free", Response: citdesk.ResponseCIT}
		for field, r := range map[string]citdesk.TransferReturn{
			"reason":      {Response: citdesk.ResponseCIT},
			"response":    {Reason: "No team", Response: citdesk.ResponseEMS},
			"returned_at": {Reason: "No team", Response: citdesk.ResponseCIT, ReturnedAt: base.Add(2 * time.Hour)},
		} {
			if _, err := w.transfers.ReturnTransfer(w.dispatch, t3.ID, t3.Version, r); citdesk.ErrorField(err) != field {
				t.Errorf("return %+v: %v (field %q), want %s", r, err, citdesk.ErrorField(err), field)
			}
		}
		if _, err := w.transfers.ReturnTransfer(w.dispatch, t2.ID+1000, 1, ret); citdesk.ErrorCode(err) != citdesk.ENOTFOUND {
			t.Errorf("return of no call: %v", err)
		}
		got, err = w.transfers.ReturnTransfer(w.dispatch, t3.ID, t3.Version, ret)
		if err != nil {
			t.Fatal(err)
		}
		if tr := got.Transfer; got.Response != citdesk.ResponseCIT || got.ResponseReason != ret.Reason || tr.Outcome != citdesk.TransferReturned ||
			tr.ReturnedAt == nil || !tr.ReturnedAt.Equal(ret.ReturnedAt) || tr.ReturnReason != ret.Reason || tr.ReturnedBy == nil {
			t.Fatalf("returned: %+v %+v", got, got.Transfer)
		}
		if _, err := w.transfers.ReturnTransfer(w.dispatch, t3.ID, got.Version, ret); citdesk.ErrorCode(err) != citdesk.ECONFLICT {
			t.Errorf("returned twice: %v", err)
		}
		if _, err := w.transfers.RecordTransfer(w.dispatch, &citdesk.Transfer{CallID: t3.ID, Destination: citdesk.TransferTo988Lifeline, Consent: citdesk.ConsentYes}, got.Version); citdesk.ErrorCode(err) == "" {
			t.Errorf("a returned transfer was changed")
		}
		if n := auditCount(t, w.db, w.op, "call.transfer_return", "call", t3.ID, ""); n != 1 {
			t.Errorf("%d call.transfer_return events, want 1", n)
		}
		// Same person by contact report: T3 is about Pat; a 911 call at
		// T3's address about Lee is not a repeat, one elsewhere about Pat
		// is.
		pat := w.person(t, w.coord, "Pat", "Doe", citdesk.NewDate(1990, 1, 2), "9 Oak St")
		lee := w.person(t, w.coord, "Lee", "Roe", citdesk.NewDate(1985, 3, 4), "9 Oak St")
		w.reportOn(t, w.must(t, t3.ID), pat)
		sameAddress := w.plainCall(t, citdesk.Source911, "9 Oak Street", base.Add(3*time.Hour))
		w.reportOn(t, sameAddress, lee)
		samePerson := w.plainCall(t, citdesk.Source911, "500 River Rd", base.Add(4*time.Hour))
		w.reportOn(t, samePerson, pat)
		if tr := w.must(t, t3.ID).Transfer; !tr.Repeat911 || *tr.RepeatCallID != samePerson.ID {
			t.Errorf("T3 repeat: %+v, want call %d (not %d)", tr, samePerson.ID, sameAddress.ID)
		}

		// T4: transferred but still open: not counted yet.
		t4 := w.call988(t, "1 Open Way", base.Add(5*time.Hour))
		w.transfer(t, t4, base.Add(5*time.Hour+time.Minute))

		// The measures, against counts made here from what was recorded.
		type made struct{ returned, repeat bool }
		settled := map[int64]made{}
		for _, id := range []int64{t1.ID, t2.ID, t3.ID} {
			w.close(t, id)
			tr := w.must(t, id).Transfer
			settled[id] = made{returned: tr.Outcome == citdesk.TransferReturned, repeat: tr.Repeat911}
		}
		// One service, so its snapshot follows changes as the server's does.
		svc := w.db.OutcomeService()
		check := func(when string) {
			t.Helper()
			n, returned, accepted, repeats := 0, 0, 0, 0
			for _, m := range settled {
				n++
				if m.returned {
					returned++
					continue
				}
				accepted++
				if m.repeat {
					repeats++
				}
			}
			rep, err := svc.Report(analyst, citdesk.Date{}, citdesk.Date{})
			if err != nil {
				t.Fatal(err)
			}
			if m := rep.Measures["transfers_988"]; m.Count != n {
				t.Errorf("%s: transfers_988 = %d, want %d", when, m.Count, n)
			}
			cellIs(t, rep, "transfers_988_returned", returned, n)
			cellIs(t, rep, "transfers_988_repeat_24h", repeats, accepted)
		}
		check("first")

		// T5: transferred an hour ago and settled; a 911 call about the
		// same place coming in now makes it a repeat, which the outcomes
		// snapshot sees without the transferred call changing.
		w.clock.Set(now)
		t5 := w.call988(t, "12 Main St", now.Add(-2*time.Hour))
		w.transfer(t, t5, now.Add(-time.Hour))
		w.close(t, t5.ID)
		settled[t5.ID] = made{}
		// Minutes pass: the snapshot's change window moves past T5's last
		// change, so only the transfers' own reload can see the repeat
		// (still well within the snapshot's ten-minute full reload).
		w.clock.Advance(3 * time.Minute)
		check("before the repeat")
		w.clock.Advance(3 * time.Minute)
		w.plainCall(t, citdesk.Source911, "12 Main Street", time.Time{})
		settled[t5.ID] = made{repeat: true}
		if !w.must(t, t5.ID).Transfer.Repeat911 {
			t.Fatal("T5 is a repeat")
		}
		check("after the repeat")

		// The public page carries them, suppressed as every figure is.
		pub, err := svc.Public(context.Background(), citdesk.ActorFromContext(w.op).AgencyID)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, pm := range pub {
			if !strings.HasPrefix(pm.ID, "transfers_988") {
				continue
			}
			seen++
			if c := pm.Total.Count; c.Status == outcomes.Shown && c.Count >= 1 && c.Count <= outcomes.SmallCellMax {
				t.Errorf("public %s shows %d", pm.ID, c.Count)
			}
		}
		if seen != 3 {
			t.Errorf("%d transfer measures on the public page, want 3", seen)
		}
	})
}

// must reads call id as the dispatcher.
func (w *transferWorld) must(t *testing.T, id int64) *citdesk.Call {
	t.Helper()
	c, err := w.calls.FindCallByID(w.dispatch, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTransferKeepsResponseFromLiaison: sending a co-responder switches a
// call's response to co_response, so on a call whose transfer the crisis
// line accepted it is refused (409 naming response) and nothing changes,
// as it is for the call form.
func TestTransferKeepsResponseFromLiaison(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := &transferWorld{reportEnv: newReportEnv(t, e)}
		w.transfers, w.calls = store.NewTransferService(w.db), w.db.CallService()
		liaisons := store.NewLiaisonService(w.db)
		if err := w.db.WebhookService().CreateWebhook(w.op, &citdesk.Webhook{URL: "http://127.0.0.1:9/", Events: []string{citdesk.HookCallUpdated}}, "sixteen characters"); err != nil {
			t.Fatal(err)
		}
		raw := storetest.Raw(t, w.db.TestDSN())
		updates := func() (n int) {
			t.Helper()
			if err := raw.QueryRow(`SELECT COUNT(*) FROM webhook_deliveries WHERE event = 'call.updated'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if _, err := liaisons.SetLiaisonStatus(w.liaison, w.liaisonUser.ID, citdesk.LiaisonAvailable, nil, nil); err != nil {
			t.Fatal(err)
		}
		c := w.call988(t, "5 Walnut St", w.clock.Now().Add(-time.Hour))
		w.transfer(t, c, w.clock.Now().Add(-50*time.Minute))
		err := liaisons.AssignLiaison(w.dispatch, &citdesk.CallLiaison{CallID: c.ID, UserID: w.liaisonUser.ID}, "co-responder nearby")
		if citdesk.ErrorCode(err) != citdesk.ECONFLICT || citdesk.ErrorField(err) != "response" {
			t.Fatalf("liaison sent to a call the crisis line holds: %v (field %q)", err, citdesk.ErrorField(err))
		}
		if got := w.must(t, c.ID); got.Response != citdesk.Response988 || got.Version != c.Version {
			t.Errorf("the refused assignment changed the call: response %q, version %d (was %d)", got.Response, got.Version, c.Version)
		}
		// After the return to 911 the co-response may be chosen.
		ret := citdesk.TransferReturn{ReturnedAt: w.clock.Now().Add(-10 * time.Minute), Reason: "No mobile team free", Response: citdesk.ResponseCIT}
		if _, err := w.transfers.ReturnTransfer(w.dispatch, c.ID, c.Version, ret); err != nil {
			t.Fatal(err)
		}
		before := updates()
		if err := liaisons.AssignLiaison(w.dispatch, &citdesk.CallLiaison{CallID: c.ID, UserID: w.liaisonUser.ID}, "co-responder nearby"); err != nil {
			t.Fatalf("after the return: %v", err)
		}
		if got := w.must(t, c.ID); got.Response != citdesk.ResponseCoResponse {
			t.Errorf("response after the assignment: %q", got.Response)
		}
		if n := updates(); n != before+1 {
			t.Errorf("%d call.updated deliveries queued by the co-response, want 1", n-before)
		}
	})
}
