package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"citdesk"
	"citdesk/triage"
	"citdesk/web"
)

// The triage on the board: the new-call form asks the agency's protocol
// question by question (htmx posts the form to /board/triage on each
// answer and swaps in the next question), shows where the answers lead,
// and lets the dispatcher choose another response with a reason. The
// questions that carry a risk field fill the call's risk screen, so the
// call-taker asks each question once. The protocol is read by this
// fragment, not by the board page, so drawing the board stays one read.

// triageView is the triage part of the new-call form.
type triageView struct {
	// Loading: the questions are not drawn yet (the board page, or a form
	// sent back with an error); Kept carries what was answered so the
	// fragment comes back as it was.
	Loading      bool
	Kept         map[string]string
	KeptResponse string
	KeptReason   string
	// Swapped: htmx puts this fragment into the page. It then carries no
	// <noscript> button: htmx parses the fragment with scripting off, so
	// the button would become the form's first submit button, the one
	// Enter presses.
	Swapped bool

	Version     int
	Questions   []triageQuestionView
	Error       string
	Recommended citdesk.Response
	Responses   []responseOption
	NeedReason  bool
	Reason      string
}

type triageQuestionView struct {
	ID, Text string
	Current  bool // the question to answer now
	Answers  []triageAnswerView
}

type triageAnswerView struct {
	Name, Value, Label string
	Checked            bool
}

// responseOption is one response the dispatcher may choose.
type responseOption struct {
	Value       citdesk.Response
	Label       string
	Selected    bool
	Recommended bool
}

// triageFormAnswers reads the triage answers of a posted form: the fields
// triage_<question id>.
func triageFormAnswers(v url.Values) map[string]string {
	var out map[string]string
	for k, vs := range v {
		id, ok := strings.CutPrefix(k, "triage_")
		if !ok || len(vs) == 0 || strings.TrimSpace(vs[0]) == "" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[id] = strings.TrimSpace(vs[0])
	}
	return out
}

// responseOptions lists the responses with chosen selected.
func responseOptions(chosen, recommended citdesk.Response) []responseOption {
	out := make([]responseOption, 0, len(citdesk.Responses))
	for _, r := range citdesk.Responses {
		out = append(out, responseOption{Value: r, Label: r.Label(), Selected: r == chosen, Recommended: r == recommended})
	}
	return out
}

// triageViewOf walks protocol v with answers: the questions asked so far
// with their answers, the next one, and once at a response the
// recommendation and the dispatcher's choice.
func triageViewOf(v *triage.Version, answers map[string]string, response citdesk.Response, reason string) triageView {
	tv := triageView{Version: v.Version, Reason: reason}
	res, err := v.Evaluate(answers)
	question := func(q *triage.Question, current bool) {
		qv := triageQuestionView{ID: q.ID, Text: q.Text, Current: current}
		for _, a := range q.Answers {
			qv.Answers = append(qv.Answers, triageAnswerView{Name: "triage_" + q.ID, Value: a.Value, Label: a.Label, Checked: !current && answers[q.ID] == a.Value})
		}
		tv.Questions = append(tv.Questions, qv)
	}
	for _, s := range res.Path {
		question(s.Question, false)
	}
	var e *triage.Error
	switch {
	case err != nil && asTriageError(err, &e):
		tv.Error = e.Message
		if q := v.Question(e.Node); q != nil {
			question(q, true)
		}
	case res.Next != nil:
		question(res.Next, true)
	}
	if res.Response == "" || err != nil {
		return tv
	}
	tv.Recommended = res.Response
	if !response.Valid() {
		response = res.Response
	}
	tv.Responses = responseOptions(response, res.Response)
	tv.NeedReason = response != res.Response
	return tv
}

func asTriageError(err error, e **triage.Error) bool {
	te, ok := err.(*triage.Error)
	if ok {
		*e = te
	}
	return ok
}

// boardTriage answers the triage fragment for the answers posted with the
// new-call form. Without JavaScript (a plain form post from the "Next
// question" button) it draws the whole board with the form as it was.
func (s *boardPages) boardTriage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	v, err := s.Svc.Triage.Current(r.Context())
	if err != nil {
		return err
	}
	tv := triageViewOf(v, triageFormAnswers(r.PostForm), citdesk.Response(r.PostFormValue("response")), r.PostFormValue("response_reason"))
	if isHTMX(r) {
		tv.Swapped = true
		s.renderFragment(w, http.StatusOK, "board-triage", tv)
		return nil
	}
	f, _, _ := parseCallForm(r)
	board, err := s.boardData(r.Context(), 0)
	if err != nil {
		return err
	}
	f.Triage = tv
	board.Form = f
	s.render(w, r, http.StatusOK, "board", "Dispatch board", board)
	return nil
}

// boardSetResponse changes the response chosen for a call from its panel;
// another than the recommended one needs the reason.
func (s *boardPages) boardSetResponse(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	response, reason := citdesk.Response(r.PostFormValue("response")), r.PostFormValue("response_reason")
	_, err = s.Svc.Calls.PatchCall(r.Context(), id, version, func(c *citdesk.Call) {
		c.Response, c.ResponseReason = response, reason
	})
	notice := ""
	if err == nil {
		notice = "Response: " + response.Label() + "."
	}
	return s.answerPanelKeeping(w, r, id, err, notice, func(p *boardPanel) {
		p.ResponseReason = reason
		p.Responses = responseOptions(response, p.Call.RecommendedResponse)
	})
}

// boardCoRespond sends a co-response from the panel's Responses list: the
// liaison, with the call's response set to co_response (one transaction,
// the reason required as for any response other than the recommended
// one), then the CIT officer, unless one is on the call already. The two
// are separate changes: when the officer can no longer go (sent elsewhere
// meanwhile), the liaison stays sent and the panel says so, and the
// dispatcher sends another officer from the ranking.
func (s *boardPages) boardCoRespond(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	liaisonID, _ := strconv.ParseInt(r.PostFormValue("liaison_id"), 10, 64)
	officerID, _ := strconv.ParseInt(r.PostFormValue("officer_id"), 10, 64)
	reason := r.PostFormValue("response_reason")
	l := &citdesk.CallLiaison{CallID: id, UserID: liaisonID}
	err = s.Svc.Liaisons.AssignLiaison(r.Context(), l, reason)
	notice := ""
	if err == nil {
		notice = "Co-response: sent " + l.Name
		if officerID != 0 {
			a := &citdesk.Assignment{CallID: id, OfficerID: officerID}
			if err = s.Svc.Calls.CreateAssignment(r.Context(), a); err == nil {
				notice += " and " + a.OfficerName
			}
		}
		notice += "."
	}
	return s.answerPanelKeeping(w, r, id, err, notice, func(p *boardPanel) { p.ResponseReason = reason })
}
