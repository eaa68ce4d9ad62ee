package triage

import (
	"errors"
	"strings"
	"testing"

	"citdesk"
)

// Paths through the default protocol to each response, kept here and used
// by the store, API and browser tests' equivalents.
var defaultPaths = map[Response]map[string]string{
	Patrol:      {"weapon": "yes", "violence_armed": "yes"},
	CIT:         {"weapon": "yes", "violence_armed": "no"},
	CoResponse:  {"weapon": "no", "violence": "no", "suicide": "yes"},
	EMS:         {"weapon": "no", "violence": "no", "suicide": "no", "medical": "yes"},
	Transfer988: {"weapon": "no", "violence": "no", "suicide": "no", "medical": "no", "substances": "no", "caller": "family", "location": "safe"},
}

func TestDefaultIsValidAndReachesEveryResponse(t *testing.T) {
	p := Default()
	if err := p.Validate(); err != nil {
		t.Fatalf("default protocol: %v", err)
	}
	for want, answers := range defaultPaths {
		res, err := p.Evaluate(answers)
		if err != nil {
			t.Fatalf("%s: %v", want, err)
		}
		if res.Response != want || res.Next != nil || len(res.Path) != len(answers) {
			t.Errorf("%v: response %q, next %v, path %d; want %q", answers, res.Response, res.Next, len(res.Path), want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	p := Default()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	// Incomplete: the next question is the first unanswered on the path;
	// answers off the path are not kept.
	res, err := p.Evaluate(map[string]string{"weapon": "no", "caller": "self"})
	if err != nil || res.Response != "" || res.Next == nil || res.Next.ID != "violence" {
		t.Fatalf("incomplete: %+v, %v", res, err)
	}
	if got := res.Answers(); len(got) != 1 || got["weapon"] != "no" {
		t.Errorf("answers kept: %v", got)
	}
	// Nothing answered: the first question.
	if res, _ := p.Evaluate(nil); res.Next == nil || res.Next.ID != "weapon" {
		t.Errorf("no answers: next %v", res.Next)
	}
	// An answer the question does not have names the question.
	_, err = p.Evaluate(map[string]string{"weapon": "maybe"})
	var e *Error
	if !errors.As(err, &e) || e.Node != "weapon" || !strings.Contains(e.Message, "yes, no, unknown") {
		t.Errorf("bad answer: %v", err)
	}
	// Unknown is read as the cautious answer.
	if res, _ := p.Evaluate(map[string]string{"weapon": "unknown", "violence_armed": "unknown"}); res.Response != Patrol {
		t.Errorf("unknown weapon and violence: %q", res.Response)
	}
}

func TestValidateNamesTheNode(t *testing.T) {
	two := func(a, b Answer) []Answer {
		a.Value, a.Label, b.Value, b.Label = "yes", "Yes", "no", "No"
		return []Answer{a, b}
	}
	cases := []struct {
		name, node, msg string
		p               Protocol
	}{
		{"no questions", "questions", "at least one question", Protocol{Start: "a"}},
		{"unknown next", "a", `unknown question "zzz"`, Protocol{Start: "a", Questions: []Question{
			{ID: "a", Text: "A?", Answers: two(Answer{Next: "zzz"}, Answer{Response: CIT})}}}},
		{"cycle", "b", `leads back to question "a"`, Protocol{Start: "a", Questions: []Question{
			{ID: "a", Text: "A?", Answers: two(Answer{Next: "b"}, Answer{Response: CIT})},
			{ID: "b", Text: "B?", Answers: two(Answer{Next: "a"}, Answer{Response: EMS})}}}},
		{"self loop", "a", "a cycle", Protocol{Start: "a", Questions: []Question{
			{ID: "a", Text: "A?", Answers: two(Answer{Next: "a"}, Answer{Response: CIT})}}}},
		{"dead end", "a", `"no" leads nowhere`, Protocol{Start: "a", Questions: []Question{
			{ID: "a", Text: "A?", Answers: two(Answer{Response: CIT}, Answer{})}}}},
		{"both", "a", "both a next question and a response", Protocol{Start: "a", Questions: []Question{
			{ID: "a", Text: "A?", Answers: two(Answer{Response: CIT, Next: "a"}, Answer{Response: CIT})}}}},
		{"unknown response", "a", `"police" is not one of cit, co_response, 988, patrol or ems`, Protocol{Start: "a", Questions: []Question{
			{ID: "a", Text: "A?", Answers: two(Answer{Response: "police"}, Answer{Response: CIT})}}}},
		{"unreachable", "b", "No path from the first question", Protocol{Start: "a", Questions: []Question{
			{ID: "a", Text: "A?", Answers: two(Answer{Response: CIT}, Answer{Response: EMS})},
			{ID: "b", Text: "B?", Answers: two(Answer{Response: CIT}, Answer{Response: EMS})}}}},
		{"unknown start", "start", `"x" is not in the protocol`, Protocol{Start: "x", Questions: []Question{
			{ID: "a", Text: "A?", Answers: two(Answer{Response: CIT}, Answer{Response: EMS})}}}},
		{"duplicate id", "a", "Two questions", Protocol{Start: "a", Questions: []Question{
			{ID: "a", Text: "A?", Answers: two(Answer{Response: CIT}, Answer{Response: EMS})},
			{ID: "a", Text: "A?", Answers: two(Answer{Response: CIT}, Answer{Response: EMS})}}}},
		{"bad id", "questions[0]", "question id", Protocol{Start: "a", Questions: []Question{
			{ID: "", Text: "A?", Answers: two(Answer{Response: CIT}, Answer{Response: EMS})}}}},
		{"one answer", "a", "at least two answers", Protocol{Start: "a", Questions: []Question{
			{ID: "a", Text: "A?", Answers: []Answer{{Value: "yes", Label: "Yes", Response: CIT}}}}}},
		{"risk answers", "a", `"maybe" is not one`, Protocol{Start: "a", Questions: []Question{
			{ID: "a", Text: "A?", Risk: "weapons", Answers: []Answer{{Value: "yes", Label: "Yes", Response: CIT}, {Value: "maybe", Label: "Maybe", Response: EMS}}}}}},
		{"unknown risk", "a", "risk must be one of", Protocol{Start: "a", Questions: []Question{
			{ID: "a", Text: "A?", Risk: "guns", Answers: two(Answer{Response: CIT}, Answer{Response: EMS})}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate: %v, want an *Error", err)
			}
			if e.Node != tc.node || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("got node %q %q; want node %q containing %q", e.Node, e.Message, tc.node, tc.msg)
			}
		})
	}
}

func TestResponses(t *testing.T) {
	for _, r := range citdesk.Responses {
		if !r.Valid() || r.Label() == string(r) {
			t.Errorf("%q: valid %v, label %q", r, r.Valid(), r.Label())
		}
	}
	if Response("police").Valid() {
		t.Error("police is not a response")
	}
	if Transfer988.Police() || EMS.Police() || !CIT.Police() || !CoResponse.Police() || !Patrol.Police() {
		t.Error("Police: 988 and EMS are without police, the others with")
	}
}
