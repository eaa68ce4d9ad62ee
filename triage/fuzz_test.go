package triage

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzProtocol feeds the protocol parser and validator what an admin or a
// client may send (PUT /api/v1/triage/protocol, the admin page): nothing
// panics, a refusal is an *Error naming a node, and a protocol that
// passes leads every set of answers to a response or a next question.
func FuzzProtocol(f *testing.F) {
	def, _ := json.Marshal(Default())
	f.Add(def, []byte(`{"weapon":"no","violence":"no","suicide":"yes"}`))
	f.Add([]byte(`{"start":"a","questions":[{"id":"a","text":"A?","answers":[{"value":"yes","label":"Yes","next":"a"},{"value":"no","label":"No","response":"cit"}]}]}`), []byte(`{"a":"yes"}`))
	f.Add([]byte(`{"start":"a","questions":[]}`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, body, answers []byte) {
		var p Protocol
		if json.Unmarshal(body, &p) != nil {
			return
		}
		if err := p.Validate(); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Node == "" || e.Message == "" {
				t.Fatalf("Validate: %v, want an *Error naming a node", err)
			}
			return
		}
		var a map[string]string
		_ = json.Unmarshal(answers, &a)
		res, err := p.Evaluate(a)
		if err == nil && (res.Response == "") == (res.Next == nil) {
			t.Fatalf("Evaluate %v: response %q and next %v; want exactly one", a, res.Response, res.Next)
		}
		if err == nil && res.Response != "" && !res.Response.Valid() {
			t.Fatalf("Evaluate led to the unknown response %q", res.Response)
		}
	})
}
