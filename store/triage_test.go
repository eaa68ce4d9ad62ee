package store_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"citdesk"
	"citdesk/outcomes"
	"citdesk/store/storetest"
	"citdesk/triage"
)

// triagePaths are answers to the default protocol that end in each
// response.
var triagePaths = map[citdesk.Response]map[string]string{
	citdesk.ResponsePatrol:     {"weapon": "yes", "violence_armed": "yes"},
	citdesk.ResponseCIT:        {"weapon": "yes", "violence_armed": "no"},
	citdesk.ResponseCoResponse: {"weapon": "no", "violence": "no", "suicide": "yes"},
	citdesk.ResponseEMS:        {"weapon": "no", "violence": "no", "suicide": "no", "medical": "yes"},
	citdesk.Response988:        {"weapon": "no", "violence": "no", "suicide": "no", "medical": "no", "substances": "no", "caller": "self", "location": "safe"},
}

func TestTriageProtocolVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		db, _ := storetest.Open(t, e)
		_, op := storetest.Agency(t, db, "desoto")
		_, admin := storetest.User(t, db, op, "admin", citdesk.RoleAdmin)
		_, disp := storetest.User(t, db, op, "disp", citdesk.RoleDispatcher)
		_, ofc := storetest.User(t, db, op, "ofc", citdesk.RoleOfficer)
		_, op2 := storetest.Agency(t, db, "hillsboro")
		_, admin2 := storetest.User(t, db, op2, "admin2", citdesk.RoleAdmin)
		svc := db.TriageService()

		// The first read saves the default as version 1; later reads see it.
		v1, err := svc.Current(disp)
		if err != nil || v1.Version != 1 || v1.CreatedBy != 0 || v1.Start != triage.Default().Start || len(v1.Questions) != len(triage.Default().Questions) {
			t.Fatalf("first read: %+v, %v", v1, err)
		}
		if again, err := svc.Current(admin); err != nil || again.Version != 1 {
			t.Fatalf("second read: %+v, %v", again, err)
		}
		if _, err := svc.Current(ofc); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
			t.Errorf("an officer reads the protocol: %v", err)
		}

		// Replacing: the admin only, from the current version, a valid tree.
		p := triage.Default()
		p.Questions[len(p.Questions)-1].Answers[0].Response = citdesk.ResponseCoResponse // a safe place: co-response too
		if _, err := svc.Replace(disp, p, 1); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
			t.Errorf("a dispatcher replaces the protocol: %v", err)
		}
		bad := triage.Default()
		bad.Questions[0].Answers[0].Next = "nowhere"
		if _, err := svc.Replace(admin, bad, 1); citdesk.ErrorCode(err) != citdesk.EINVALID || citdesk.ErrorField(err) != "questions.weapon" {
			t.Errorf("unknown question: %v (field %q)", err, citdesk.ErrorField(err))
		}
		cyc := triage.Default()
		cyc.Questions[len(cyc.Questions)-1].Answers[0] = triage.Answer{Value: "safe", Label: "Safe", Next: "weapon"}
		if _, err := svc.Replace(admin, cyc, 1); citdesk.ErrorField(err) != "questions.location" {
			t.Errorf("cycle: %v (field %q)", err, citdesk.ErrorField(err))
		}
		if _, err := svc.Replace(admin, p, 7); citdesk.ErrorCode(err) != citdesk.EPRECONDITION {
			t.Errorf("stale version: %v", err)
		}
		if cur, _ := svc.Current(disp); cur.Version != 1 {
			t.Fatalf("refused replacements wrote version %d", cur.Version)
		}
		v2, err := svc.Replace(admin, p, 1)
		if err != nil || v2.Version != 2 || v2.CreatedBy == 0 {
			t.Fatalf("replace: %+v, %v", v2, err)
		}
		if cur, _ := svc.Current(disp); cur.Version != 2 || cur.Questions[len(cur.Questions)-1].Answers[0].Response != citdesk.ResponseCoResponse {
			t.Fatalf("after replace: %+v", cur)
		}
		events, err := db.AuditService().ListAudit(admin, citdesk.AuditFilter{Action: "triage.replace"})
		if err != nil || len(events) != 1 || events[0].ObjectID != "2" {
			t.Errorf("audit of the replacement: %+v, %v", events, err)
		}

		// The other agency has its own protocol, still the default.
		if other, err := svc.Current(admin2); err != nil || other.Version != 1 || other.Questions[len(other.Questions)-1].Answers[0].Response != citdesk.Response988 {
			t.Errorf("other agency: %+v, %v", other, err)
		}
	})
}

// TestCallsThroughTriage takes a call through the protocol to each
// response, overrides with and without a reason, and changes the answers.
func TestCallsThroughTriage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		for want, answers := range triagePaths {
			c := &citdesk.Call{Nature: "Person in crisis", TriageAnswers: maps.Clone(answers)}
			if err := w.calls.CreateCall(w.disp, c); err != nil {
				t.Fatalf("%s: %v", want, err)
			}
			got, err := w.calls.FindCallByID(w.disp, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.RecommendedResponse != want || got.Response != want || got.TriageVersion == nil || *got.TriageVersion != 1 || !maps.Equal(got.TriageAnswers, answers) || got.ResponseReason != "" {
				t.Errorf("%s: stored %+v", want, got)
			}
		}
		// The risk screen comes from the answers.
		c := &citdesk.Call{Nature: "Armed and threatening", TriageAnswers: maps.Clone(triagePaths[citdesk.ResponsePatrol])}
		if err := w.calls.CreateCall(w.disp, c); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.calls.FindCallByID(w.disp, c.ID); got.Risk.Weapons != citdesk.RiskYes || got.Risk.Violence != citdesk.RiskYes || got.Risk.SuicideRisk != citdesk.RiskUnknown {
			t.Errorf("risk from triage: %+v", got.Risk)
		}

		// Overriding without a reason writes nothing.
		before, _ := w.calls.ListCalls(w.disp, citdesk.CallFilter{})
		c = &citdesk.Call{Nature: "Welfare check", TriageAnswers: maps.Clone(triagePaths[citdesk.Response988]), Response: citdesk.ResponseCIT}
		if err := w.calls.CreateCall(w.disp, c); citdesk.ErrorCode(err) != citdesk.EINVALID || citdesk.ErrorField(err) != "response_reason" {
			t.Fatalf("override without reason: %v (field %q)", err, citdesk.ErrorField(err))
		}
		incomplete := &citdesk.Call{Nature: "Welfare check", TriageAnswers: map[string]string{"weapon": "no"}}
		if err := w.calls.CreateCall(w.disp, incomplete); citdesk.ErrorField(err) != "triage_answers.violence" {
			t.Fatalf("incomplete triage: %v (field %q)", err, citdesk.ErrorField(err))
		}
		if after, _ := w.calls.ListCalls(w.disp, citdesk.CallFilter{}); len(after) != len(before) {
			t.Fatalf("refused calls were written: %d calls, were %d", len(after), len(before))
		}
		c.ResponseReason = "The mobile crisis team is out of the county"
		if err := w.calls.CreateCall(w.disp, c); err != nil {
			t.Fatal(err)
		}
		got, _ := w.calls.FindCallByID(w.disp, c.ID)
		if got.RecommendedResponse != citdesk.Response988 || got.Response != citdesk.ResponseCIT || got.ResponseReason != c.ResponseReason {
			t.Errorf("override kept: %+v", got)
		}

		// Changing the response alone keeps the recommendation; a change
		// away from it needs its reason.
		got.Response, got.ResponseReason = citdesk.ResponsePatrol, ""
		if err := w.calls.UpdateCall(w.disp, got); citdesk.ErrorField(err) != "response_reason" {
			t.Fatalf("update override without reason: %v", err)
		}
		got, _ = w.calls.FindCallByID(w.disp, c.ID)
		got.Response, got.ResponseReason = citdesk.Response988, "ignored: this is the recommendation"
		if err := w.calls.UpdateCall(w.disp, got); err != nil {
			t.Fatal(err)
		}
		if got, _ = w.calls.FindCallByID(w.disp, c.ID); got.Response != citdesk.Response988 || got.ResponseReason != "" || got.RecommendedResponse != citdesk.Response988 {
			t.Errorf("back to the recommendation: %+v", got)
		}

		// New answers are evaluated against the protocol in force, whose
		// version the call then keeps; a call triaged before keeps its own.
		_, admin := storetest.User(t, w.db, w.op, "admin", citdesk.RoleAdmin)
		p := triage.Default()
		p.Questions[len(p.Questions)-1].Answers[0].Response = citdesk.ResponseCoResponse
		if _, err := w.db.TriageService().Replace(admin, p, 1); err != nil {
			t.Fatal(err)
		}
		got.TriageAnswers = maps.Clone(triagePaths[citdesk.ResponseEMS])
		got.Response = ""
		if err := w.calls.UpdateCall(w.disp, got); err != nil {
			t.Fatal(err)
		}
		if got, _ = w.calls.FindCallByID(w.disp, c.ID); got.RecommendedResponse != citdesk.ResponseEMS || got.Response != citdesk.ResponseEMS || *got.TriageVersion != 2 {
			t.Errorf("re-triaged: %+v", got)
		}
		fresh := &citdesk.Call{Nature: "Welfare check", TriageAnswers: maps.Clone(triagePaths[citdesk.Response988])}
		if err := w.calls.CreateCall(w.disp, fresh); err != nil || fresh.RecommendedResponse != citdesk.ResponseCoResponse || *fresh.TriageVersion != 2 {
			t.Errorf("under version 2: %+v, %v", fresh, err)
		}
		if first, _ := w.calls.ListCalls(w.disp, citdesk.CallFilter{}); *first[len(first)-1].TriageVersion != 1 {
			t.Errorf("the first call's version moved: %v", *first[len(first)-1].TriageVersion)
		}

		// A call not triaged keeps no triage and may carry any response.
		plain := &citdesk.Call{Nature: "Noise", Response: citdesk.ResponsePatrol}
		if err := w.calls.CreateCall(w.disp, plain); err != nil || plain.TriageVersion != nil || plain.RecommendedResponse != "" {
			t.Errorf("untriaged: %+v, %v", plain, err)
		}
		if err := w.calls.CreateCall(w.disp, &citdesk.Call{Nature: "Noise", Response: "police"}); citdesk.ErrorField(err) != "response" {
			t.Errorf("unknown response: %v", err)
		}
	})
}

// TestResponseMeasures checks the response-path measures of the outcome
// figures against counts made here, call by call: calls taken through the
// triage to every response (some overridden), judged mental-health or not
// at close; an open call and a call with no response do not count.
func TestResponseMeasures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		w := newDispatchWorld(t, e)
		_, analyst := storetest.User(t, w.db, w.op, "analyst", citdesk.RoleAnalyst)
		yes, no := true, false
		type made struct {
			response citdesk.Response
			mh       *bool
			settled  bool
		}
		var calls []made
		for i := range 17 {
			want := citdesk.Responses[i%len(citdesk.Responses)]
			c := &citdesk.Call{Nature: "Person in crisis", TriageAnswers: maps.Clone(triagePaths[want])}
			if i%4 == 0 { // the dispatcher chose otherwise
				c.Response, c.ResponseReason = citdesk.ResponsePatrol, "Officer already on scene next door"
			}
			if err := w.calls.CreateCall(w.disp, c); err != nil {
				t.Fatal(err)
			}
			m := made{response: c.Response, mh: []*bool{&yes, &no, nil}[i%3], settled: i != 16}
			if m.settled {
				c.Status, c.MentalHealth = citdesk.CallClosed, m.mh
				if err := w.calls.UpdateCall(w.disp, c); err != nil {
					t.Fatal(err)
				}
			}
			calls = append(calls, m)
		}
		plain := &citdesk.Call{Nature: "Noise"} // no response recorded
		if err := w.calls.CreateCall(w.disp, plain); err != nil {
			t.Fatal(err)
		}
		plain.Status, plain.MentalHealth = citdesk.CallClosed, &yes
		if err := w.calls.UpdateCall(w.disp, plain); err != nil {
			t.Fatal(err)
		}

		// Counted here: settled calls with a response.
		den, by, mhDen, mhWithout := 0, map[citdesk.Response]int{}, 0, 0
		for _, m := range calls {
			if !m.settled || m.response == "" {
				continue
			}
			den++
			by[m.response]++
			if m.mh != nil && *m.mh {
				mhDen++
				if m.response == citdesk.Response988 || m.response == citdesk.ResponseEMS {
					mhWithout++
				}
			}
		}
		if den != 16 || by[citdesk.ResponsePatrol] == 0 || by[citdesk.Response988] == 0 || mhWithout == 0 {
			t.Fatalf("the test's own counts are degenerate: %d %v %d", den, by, mhWithout)
		}
		rep, err := w.db.OutcomeService().Report(analyst, citdesk.Date{}, citdesk.Date{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range citdesk.Responses {
			cellIs(t, rep, "response_"+string(r), by[r], den)
		}
		cellIs(t, rep, "response_without_police", mhWithout, mhDen)

		// The public page has them, suppressed like every other figure.
		pub, err := w.db.OutcomeService().Public(context.Background(), citdesk.ActorFromContext(w.op).AgencyID)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, pm := range pub {
			if !strings.HasPrefix(pm.ID, "response_") {
				continue
			}
			seen++
			if c := pm.Total.Count; c.Status == outcomes.Shown && c.Count >= 1 && c.Count <= outcomes.SmallCellMax {
				t.Errorf("public %s shows %d", pm.ID, c.Count)
			}
		}
		if seen != 6 {
			t.Errorf("%d response measures on the public page, want 6", seen)
		}
	})
}
