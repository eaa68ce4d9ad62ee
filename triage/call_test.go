package triage

import (
	"testing"

	"citdesk"
)

func TestSettleCall(t *testing.T) {
	v := &Version{Version: 3, Protocol: Default()}
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	// Following the recommendation: the response is the recommended one,
	// the risk screen filled from the answers.
	c := &citdesk.Call{TriageAnswers: defaultPaths[EMS]}
	if err := SettleCall(c, v); err != nil {
		t.Fatal(err)
	}
	if c.RecommendedResponse != EMS || c.Response != EMS || c.TriageVersion == nil || *c.TriageVersion != 3 || c.ResponseReason != "" {
		t.Errorf("settled: %+v", c)
	}
	if c.Risk.Weapons != citdesk.RiskNo || c.Risk.Medical != citdesk.RiskYes || c.Risk.SuicideRisk != citdesk.RiskNo {
		t.Errorf("risk screen: %+v", c.Risk)
	}
	// Overriding needs a reason, named.
	c = &citdesk.Call{TriageAnswers: defaultPaths[Transfer988], Response: CIT}
	if err := SettleCall(c, v); citdesk.ErrorField(err) != "response_reason" {
		t.Errorf("override without reason: %v (field %q)", err, citdesk.ErrorField(err))
	}
	c = &citdesk.Call{TriageAnswers: defaultPaths[Transfer988], Response: CIT, ResponseReason: "Caller asked for an officer"}
	if err := SettleCall(c, v); err != nil || c.RecommendedResponse != Transfer988 || c.Response != CIT {
		t.Errorf("override with reason: %v %+v", err, c)
	}
	// The risk screen answers a question not answered in the triage.
	c = &citdesk.Call{TriageAnswers: map[string]string{"violence_armed": "yes"}, Risk: citdesk.RiskScreen{Weapons: citdesk.RiskYes}}
	if err := SettleCall(c, v); err != nil || c.RecommendedResponse != Patrol || c.TriageAnswers["weapon"] != "yes" {
		t.Errorf("risk reused: %v %+v", err, c)
	}
	// Incomplete, unknown question, wrong answer: each names the question.
	for _, tc := range []struct {
		answers map[string]string
		field   string
	}{
		{map[string]string{"weapon": "no"}, "triage_answers.violence"},
		{map[string]string{"weapon": "no", "colour": "red"}, "triage_answers.colour"},
		{map[string]string{"weapon": "perhaps"}, "triage_answers.weapon"},
	} {
		c := &citdesk.Call{TriageAnswers: tc.answers}
		if err := SettleCall(c, v); citdesk.ErrorCode(err) != citdesk.EINVALID || citdesk.ErrorField(err) != tc.field {
			t.Errorf("%v: %v (field %q), want %s", tc.answers, err, citdesk.ErrorField(err), tc.field)
		}
	}
	// No answers: no triage, any response.
	c = &citdesk.Call{Response: Patrol}
	if err := SettleCall(c, v); err != nil || c.TriageVersion != nil || c.RecommendedResponse != "" || c.Response != Patrol {
		t.Errorf("untriaged: %v %+v", err, c)
	}
}
