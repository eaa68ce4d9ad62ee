package triage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"citdesk"
)

// Version is one version of an agency's protocol. Editing the protocol
// makes a new version; a call keeps the version its answers were
// evaluated against.
type Version struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	// CreatedBy is the user who saved it; 0 for the default an agency
	// starts with.
	CreatedBy int64 `json:"created_by"`
	Protocol
}

// Service keeps each agency's protocol, version by version. It lives here
// rather than beside the other service interfaces in package citdesk
// because its values are this package's types.
type Service interface {
	// Current returns the actor's agency's protocol in force
	// (citdesk.ReadTriage). An agency with none yet gets Default as
	// version 1, saved on this first read.
	Current(ctx context.Context) (*Version, error)
	// Replace validates p and saves it as the next version when version is
	// the current one (EPRECONDITION otherwise), audited
	// (citdesk.ManageTriage). An invalid protocol is EINVALID naming the
	// node ("questions.<id>" or "start").
	Replace(ctx context.Context, p Protocol, version int) (*Version, error)
}

// FieldError turns a protocol's validation error into the EINVALID error
// the API answers with, naming the node as the field: "start",
// "questions" or "questions.<question id>".
func FieldError(err error) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	field := "questions." + e.Node
	switch {
	case e.Node == "start" || e.Node == "questions":
		field = e.Node
	case strings.HasPrefix(e.Node, "questions["):
		field = e.Node
	}
	return citdesk.FieldErrorf(field, "Question %s: %s", e.Node, e.Message)
}

// SettleCall evaluates call c's triage answers against protocol version v
// and records the result on c: the version, the answers on the path
// taken, the recommended response, the risk-screen answers the questions
// give, and the response (the recommended one unless the dispatcher chose
// another, which needs a reason: citdesk.Call.CheckResponse). A risk-screen
// answer (yes or no) given without the matching triage answer is taken as
// that answer, so a client that screens risk is not asked twice. A call
// with no triage answers keeps no triage. Incomplete or wrong answers are
// EINVALID naming "triage_answers.<question id>".
func SettleCall(c *citdesk.Call, v *Version) error {
	if len(c.TriageAnswers) == 0 {
		c.TriageAnswers, c.TriageVersion, c.RecommendedResponse = nil, nil, ""
		return c.CheckResponse()
	}
	answers := make(map[string]string, len(c.TriageAnswers))
	for k, a := range c.TriageAnswers {
		answers[strings.TrimSpace(k)] = strings.TrimSpace(a)
	}
	risk := riskAnswers(&c.Risk)
	for _, q := range v.Questions {
		if _, ok := answers[q.ID]; ok || q.Risk == "" {
			continue
		}
		if a := *risk[q.Risk]; a == citdesk.RiskYes || a == citdesk.RiskNo {
			answers[q.ID] = string(a)
		}
	}
	for k := range answers {
		if v.Question(k) == nil {
			return citdesk.FieldErrorf("triage_answers."+k, "%q is not a question of the triage protocol (version %d).", k, v.Version)
		}
	}
	res, err := v.Evaluate(answers)
	if e, ok := err.(*Error); ok {
		return citdesk.FieldErrorf("triage_answers."+e.Node, "%s", e.Message)
	} else if err != nil {
		return err
	}
	if res.Next != nil {
		return citdesk.FieldErrorf("triage_answers."+res.Next.ID, "Answer the triage question %q (%s), or send no triage answers.", res.Next.Text, res.Next.values())
	}
	for _, s := range res.Path {
		if s.Question.Risk != "" {
			*risk[s.Question.Risk] = citdesk.Risk(s.Answer.Value)
		}
	}
	version := v.Version
	c.TriageAnswers, c.TriageVersion, c.RecommendedResponse = res.Answers(), &version, res.Response
	if c.Response == "" {
		c.Response = res.Response
	}
	return c.CheckResponse()
}

// riskAnswers maps RiskFields to the fields of r.
func riskAnswers(r *citdesk.RiskScreen) map[string]*citdesk.Risk {
	m := map[string]*citdesk.Risk{"weapons": &r.Weapons, "violence": &r.Violence, "suicide_risk": &r.SuicideRisk, "substances": &r.Substances, "medical": &r.Medical}
	if len(m) != len(RiskFields) {
		panic(fmt.Sprintf("triage: %d risk fields mapped, %d known", len(m), len(RiskFields)))
	}
	return m
}
