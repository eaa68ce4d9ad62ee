package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"citdesk"
	"citdesk/triage"
)

// The admin's triage protocol page (/admin/triage): the protocol in force
// drawn as a tree (the preview), a test bench that walks any answers
// through it, and an editor of its JSON. "Preview and test" checks an
// edited protocol and walks the bench through it without saving; "Save"
// makes it the next version (triage.Service.Replace, audited). Calls keep
// the version they were triaged with.
type triagePages struct{ *handler }

// triagePageView is the page.
type triagePageView struct {
	Notice, Error, ErrorNode string
	Current                  *triage.Version
	// Shown is the protocol drawn and tested: the current one, or the
	// edited one being previewed.
	Shown   triage.Protocol
	Editing bool // Shown is an unsaved edit
	Valid   bool // Shown is a valid protocol
	JSON    string
	Tree    []treeNode
	Bench   []benchQuestion
	Result  *benchResult
	// NextVersion is the version a save makes.
	NextVersion int
}

// treeNode is one question of the preview with where each answer leads.
type treeNode struct {
	ID, Text, Risk string
	Start          bool
	Answers        []treeAnswer
}

type treeAnswer struct {
	Label, Value, Next string
	Response           citdesk.Response
}

// benchQuestion is one question of the test bench with the answer chosen.
type benchQuestion struct {
	ID, Text, Chosen string
	Answers          []triage.Answer
}

// benchResult is where the bench's answers lead.
type benchResult struct {
	Path     []string // "question: answer"
	Next     string   // the next question's text when incomplete
	Response citdesk.Response
}

func (s *triagePages) triagePage(w http.ResponseWriter, r *http.Request) error {
	cur, err := s.Svc.Triage.Current(r.Context())
	if err != nil {
		return err
	}
	v := triagePageView{Notice: queryNotice(r), Current: cur, Shown: cur.Protocol, Valid: true}
	s.renderTriage(w, r, http.StatusOK, v, r.URL.Query())
	return nil
}

func (s *triagePages) saveTriage(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	cur, err := s.Svc.Triage.Current(r.Context())
	if err != nil {
		return err
	}
	v := triagePageView{Current: cur, Editing: true, JSON: r.PostFormValue("protocol")}
	var p triage.Protocol
	dec := json.NewDecoder(strings.NewReader(v.JSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		v.Error, v.ErrorNode = "The protocol is not JSON of the expected shape: "+err.Error(), "protocol"
		s.renderTriage(w, r, http.StatusUnprocessableEntity, v, r.PostForm)
		return nil
	}
	v.Shown = p
	if err := v.Shown.Validate(); err != nil {
		var e *triage.Error
		if asTriageError(err, &e) {
			v.Error, v.ErrorNode = "Question "+e.Node+": "+e.Message, e.Node
		} else {
			v.Error = err.Error()
		}
		s.renderTriage(w, r, http.StatusUnprocessableEntity, v, r.PostForm)
		return nil
	}
	v.Valid = true
	if r.PostFormValue("action") != "save" {
		v.Notice = "Preview only: nothing is saved. Save to make it the next version."
		s.renderTriage(w, r, http.StatusOK, v, r.PostForm)
		return nil
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	saved, err := s.Svc.Triage.Replace(r.Context(), p, version)
	if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.EPRECONDITION {
		v.Error = citdesk.ErrorMessage(err)
		s.renderTriage(w, r, http.StatusUnprocessableEntity, v, r.PostForm)
		return nil
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/triage?notice="+url.QueryEscape(triageSavedNotice(saved.Version)), http.StatusSeeOther)
	return nil
}

// triageSavedNotice is the confirmation after saving version n.
func triageSavedNotice(n int) string {
	return "Triage protocol saved as version " + strconv.Itoa(n) + "."
}

// renderTriage draws the page: the preview and bench of v.Shown, walked
// with the bench answers in form (bench_<question id>).
func (s *triagePages) renderTriage(w http.ResponseWriter, r *http.Request, status int, v triagePageView, form url.Values) {
	v.NextVersion = v.Current.Version + 1
	if v.JSON == "" {
		b, _ := json.MarshalIndent(v.Shown, "", "  ") // plain values always encode
		v.JSON = string(b)
	}
	if v.Valid {
		answers := map[string]string{}
		for _, q := range v.Shown.Questions {
			node := treeNode{ID: q.ID, Text: q.Text, Risk: q.Risk, Start: q.ID == v.Shown.Start}
			for _, a := range q.Answers {
				node.Answers = append(node.Answers, treeAnswer{Label: a.Label, Value: a.Value, Next: a.Next, Response: a.Response})
			}
			v.Tree = append(v.Tree, node)
			chosen := form.Get("bench_" + q.ID)
			if chosen != "" {
				answers[q.ID] = chosen
			}
			v.Bench = append(v.Bench, benchQuestion{ID: q.ID, Text: q.Text, Chosen: chosen, Answers: q.Answers})
		}
		if len(answers) > 0 {
			res, err := v.Shown.Evaluate(answers)
			br := &benchResult{Response: res.Response}
			for _, st := range res.Path {
				br.Path = append(br.Path, st.Question.Text+" "+st.Answer.Label)
			}
			switch {
			case err != nil:
				br.Next = err.Error()
			case res.Next != nil:
				br.Next = res.Next.Text
			}
			v.Result = br
		}
	}
	s.render(w, r, status, "admin_triage", "Triage protocol", v)
}
