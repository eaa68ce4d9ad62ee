// Package triage holds an agency's call-triage protocol: a decision tree of
// screening questions a call-taker asks (weapon, violence, imminent
// suicide risk, medical need, substances, who is calling, location safety)
// whose answers lead to a recommended response (a CIT officer, a CIT
// officer with the Mental Health Liaison, a transfer to 988 or mobile
// crisis with no police, ordinary patrol, EMS). It validates a protocol and
// evaluates answers against it. Pure code: plain values in and out; the
// store keeps the agency's versions.
package triage

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"citdesk"
)

// Response is a way of answering a call (citdesk.Response: the call
// carries it).
type Response = citdesk.Response

// The responses, under short names for protocols written in Go.
const (
	CIT         = citdesk.ResponseCIT
	CoResponse  = citdesk.ResponseCoResponse
	Transfer988 = citdesk.Response988
	Patrol      = citdesk.ResponsePatrol
	EMS         = citdesk.ResponseEMS
)

// RiskFields are the call's risk-screen answers a yes/no question may fill
// (Question.Risk), so the risk flags the board and the officer see come
// from the triage and the call-taker asks each question once.
var RiskFields = []string{"weapons", "violence", "suicide_risk", "substances", "medical"}

// Protocol is a decision tree: the first question, and every question with
// its answers, each answer leading to another question or to a response.
type Protocol struct {
	Start     string     `json:"start"`
	Questions []Question `json:"questions"`
}

// Question is one screening question.
type Question struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	// Risk names the call's risk-screen answer this question gives
	// (RiskFields), empty for none; its answers are then yes, no and
	// unknown only.
	Risk    string   `json:"risk,omitempty"`
	Answers []Answer `json:"answers"`
}

// Answer is one answer to a question and where it leads: to the question
// Next, or to the recommended Response (exactly one of them).
type Answer struct {
	Value    string   `json:"value"`
	Label    string   `json:"label"`
	Next     string   `json:"next,omitempty"`
	Response Response `json:"response,omitempty"`
}

// Limits of a protocol.
const (
	MaxQuestions = 60
	MaxAnswers   = 8
	maxText      = 300
	maxLabel     = 100
)

var idPattern = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// Error is a protocol that is not valid: Node names the question (or
// "start"), Message says what is wrong.
type Error struct {
	Node    string
	Message string
}

func (e *Error) Error() string { return e.Node + ": " + e.Message }

func nodeErr(node, format string, args ...any) *Error {
	return &Error{Node: node, Message: fmt.Sprintf(format, args...)}
}

// Question returns the question with id, or nil.
func (p *Protocol) Question(id string) *Question {
	for i := range p.Questions {
		if p.Questions[i].ID == id {
			return &p.Questions[i]
		}
	}
	return nil
}

// answer returns q's answer with value v, or nil.
func (q *Question) answer(v string) *Answer {
	for i := range q.Answers {
		if q.Answers[i].Value == v {
			return &q.Answers[i]
		}
	}
	return nil
}

// Validate trims p's text and reports the first thing wrong as an *Error
// naming the node: every question has a unique id and two or more answers,
// every answer leads to a known question or a known response (never both,
// never neither), no path comes back to a question already asked (a
// cycle), and every question can be reached from the start. Together these
// mean every path through the questions ends in a response.
func (p *Protocol) Validate() error {
	p.Start = strings.TrimSpace(p.Start)
	if len(p.Questions) == 0 {
		return nodeErr("questions", "A protocol needs at least one question.")
	}
	if len(p.Questions) > MaxQuestions {
		return nodeErr("questions", "A protocol has at most %d questions.", MaxQuestions)
	}
	seen := map[string]bool{}
	for i := range p.Questions {
		q := &p.Questions[i]
		q.ID, q.Text, q.Risk = strings.TrimSpace(q.ID), strings.TrimSpace(q.Text), strings.TrimSpace(q.Risk)
		node := q.ID
		if node == "" {
			node = fmt.Sprintf("questions[%d]", i)
		}
		switch {
		case !idPattern.MatchString(q.ID):
			return nodeErr(node, "A question id is 1 to 40 lower-case letters, digits or underscores.")
		case seen[q.ID]:
			return nodeErr(node, "Two questions have the id %q.", q.ID)
		case q.Text == "":
			return nodeErr(node, "Write the question to ask.")
		case utf8.RuneCountInString(q.Text) > maxText:
			return nodeErr(node, "The question must be at most %d characters.", maxText)
		case q.Risk != "" && !knownRisk(q.Risk):
			return nodeErr(node, "risk must be one of %s, or left out.", strings.Join(RiskFields, ", "))
		case len(q.Answers) < 2:
			return nodeErr(node, "A question needs at least two answers.")
		case len(q.Answers) > MaxAnswers:
			return nodeErr(node, "A question has at most %d answers.", MaxAnswers)
		}
		seen[q.ID] = true
		values := map[string]bool{}
		for j := range q.Answers {
			a := &q.Answers[j]
			a.Value, a.Label, a.Next = strings.TrimSpace(a.Value), strings.TrimSpace(a.Label), strings.TrimSpace(a.Next)
			a.Response = Response(strings.TrimSpace(string(a.Response)))
			switch {
			case !idPattern.MatchString(a.Value):
				return nodeErr(node, "Answer %d: a value is 1 to 40 lower-case letters, digits or underscores.", j+1)
			case values[a.Value]:
				return nodeErr(node, "Two answers have the value %q.", a.Value)
			case q.Risk != "" && a.Value != "yes" && a.Value != "no" && a.Value != "unknown":
				return nodeErr(node, "This question fills the risk screen (%s), so its answers are yes, no and unknown; %q is not one.", q.Risk, a.Value)
			case a.Label == "":
				return nodeErr(node, "Answer %q needs a label.", a.Value)
			case utf8.RuneCountInString(a.Label) > maxLabel:
				return nodeErr(node, "Answer %q: the label must be at most %d characters.", a.Value, maxLabel)
			case a.Next == "" && a.Response == "":
				return nodeErr(node, "Answer %q leads nowhere: give it the next question or a response.", a.Value)
			case a.Next != "" && a.Response != "":
				return nodeErr(node, "Answer %q has both a next question and a response; give one.", a.Value)
			case a.Response != "" && !a.Response.Valid():
				return nodeErr(node, "Answer %q: the response %q is not one of %s.", a.Value, a.Response, citdesk.ResponseChoices())
			}
			values[a.Value] = true
		}
	}
	for i := range p.Questions {
		q := &p.Questions[i]
		for _, a := range q.Answers {
			if a.Next != "" && p.Question(a.Next) == nil {
				return nodeErr(q.ID, "Answer %q leads to the unknown question %q.", a.Value, a.Next)
			}
		}
	}
	if p.Start == "" {
		return nodeErr("start", "Name the first question.")
	}
	if p.Question(p.Start) == nil {
		return nodeErr("start", "The first question %q is not in the protocol.", p.Start)
	}
	// Depth-first from the start: a question met again while still on the
	// path is a cycle.
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var walk func(id string) error
	walk = func(id string) error {
		state[id] = onPath
		q := p.Question(id)
		for _, a := range q.Answers {
			if a.Next == "" {
				continue
			}
			switch state[a.Next] {
			case onPath:
				return nodeErr(id, "Answer %q leads back to question %q, which is already asked on this path: a cycle.", a.Value, a.Next)
			case unseen:
				if err := walk(a.Next); err != nil {
					return err
				}
			}
		}
		state[id] = done
		return nil
	}
	if err := walk(p.Start); err != nil {
		return err
	}
	for _, q := range p.Questions {
		if state[q.ID] != done {
			return nodeErr(q.ID, "No path from the first question reaches this question.")
		}
	}
	return nil
}

func knownRisk(f string) bool {
	for _, k := range RiskFields {
		if f == k {
			return true
		}
	}
	return false
}

// Step is one question asked and the answer given.
type Step struct {
	Question *Question
	Answer   *Answer
}

// Result is where a set of answers leads in a valid protocol.
type Result struct {
	// Path is the questions asked, in order, with their answers.
	Path []Step
	// Next is the question to ask next while the triage is not complete;
	// nil once it is.
	Next *Question
	// Response is the recommended response once complete; "" before.
	Response Response
}

// Answers returns the answers on the path, by question id: the answers a
// call keeps (answers to questions off the path are not asked).
func (r Result) Answers() map[string]string {
	out := make(map[string]string, len(r.Path))
	for _, s := range r.Path {
		out[s.Question.ID] = s.Answer.Value
	}
	return out
}

// Evaluate follows answers (question id → answer value) from the first
// question of valid protocol p until a response or an unanswered question.
// An answer that is not one of its question's is an *Error naming the
// question.
func (p *Protocol) Evaluate(answers map[string]string) (Result, error) {
	var res Result
	q := p.Question(p.Start)
	// A valid protocol has no cycles, so the walk ends within len(Questions)
	// steps; the bound guards an unvalidated one.
	for range len(p.Questions) + 1 {
		if q == nil {
			break
		}
		v, ok := answers[q.ID]
		if !ok || strings.TrimSpace(v) == "" {
			res.Next = q
			return res, nil
		}
		a := q.answer(strings.TrimSpace(v))
		if a == nil {
			return res, nodeErr(q.ID, "%q is not an answer to %q; the answers are %s.", v, q.Text, q.values())
		}
		res.Path = append(res.Path, Step{Question: q, Answer: a})
		if a.Response != "" {
			res.Response = a.Response
			return res, nil
		}
		q = p.Question(a.Next)
	}
	return res, nodeErr(p.Start, "The protocol does not lead to a response.")
}

// values lists q's answer values for a message.
func (q *Question) values() string {
	vs := make([]string, len(q.Answers))
	for i, a := range q.Answers {
		vs[i] = a.Value
	}
	return strings.Join(vs, ", ")
}
