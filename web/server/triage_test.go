package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"citdesk"
	"citdesk/triage"
	"citdesk/web"
)

// triageAnswers are answers to the default protocol that end in each
// response.
var triageAnswers = map[citdesk.Response]map[string]string{
	citdesk.ResponsePatrol:     {"weapon": "yes", "violence_armed": "yes"},
	citdesk.ResponseCIT:        {"weapon": "yes", "violence_armed": "no"},
	citdesk.ResponseCoResponse: {"weapon": "no", "violence": "no", "suicide": "yes"},
	citdesk.ResponseEMS:        {"weapon": "no", "violence": "no", "suicide": "no", "medical": "yes"},
	citdesk.Response988:        {"weapon": "no", "violence": "no", "suicide": "no", "medical": "no", "substances": "no", "caller": "family", "location": "safe"},
}

// TestTriageAPI: the protocol is read and replaced through the API, and
// calls created through it end in each response path, on both engines.
func TestTriageAPI(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("root", citdesk.RoleAdmin)
		e.user("disp", citdesk.RoleDispatcher)
		admin, disp := e.token("root"), e.token("disp")

		res := e.do("GET", "/api/v1/triage/protocol", disp, nil)
		checkOpenAPI(t, "GET", "/triage/protocol", res)
		var v triage.Version
		res.JSON(t, &v)
		if res.StatusCode != http.StatusOK || v.Version != 1 || res.Header.Get("ETag") != `"1"` || v.Start != "weapon" {
			t.Fatalf("GET protocol: %d %s", res.StatusCode, res.Body)
		}

		type callOut struct {
			ID                  int64             `json:"id"`
			Version             int64             `json:"version"`
			TriageVersion       *int              `json:"triage_version"`
			TriageAnswers       map[string]string `json:"triage_answers"`
			RecommendedResponse string            `json:"recommended_response"`
			Response            string            `json:"response"`
			ResponseReason      string            `json:"response_reason"`
			Risk                citdesk.RiskScreen
		}
		create := func(body map[string]any) (response, callOut) {
			t.Helper()
			res := e.do("POST", "/api/v1/calls", disp, body)
			checkOpenAPI(t, "POST", "/calls", res)
			var c callOut
			if res.StatusCode == http.StatusCreated {
				res.JSON(t, &c)
			}
			return res, c
		}
		for want, answers := range triageAnswers {
			res, c := create(map[string]any{"nature": "Person in crisis", "triage_answers": answers})
			if res.StatusCode != http.StatusCreated || c.RecommendedResponse != string(want) || c.Response != string(want) || c.TriageVersion == nil || *c.TriageVersion != 1 || len(c.TriageAnswers) != len(answers) {
				t.Errorf("%s: %d %s", want, res.StatusCode, res.Body)
			}
		}
		// The risk screen answers what the triage leaves out.
		res, c := create(map[string]any{"nature": "Armed", "risk": map[string]string{"weapons": "yes"}, "triage_answers": map[string]string{"violence_armed": "no"}})
		if res.StatusCode != http.StatusCreated || c.Response != "cit" || c.TriageAnswers["weapon"] != "yes" || c.Risk.Violence != citdesk.RiskNo {
			t.Errorf("risk screen reused: %d %s", res.StatusCode, res.Body)
		}

		// Refusals name the field; nothing is written.
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"nature": "x", "triage_answers": triageAnswers[citdesk.Response988], "response": "cit"}, "response_reason"},
			{map[string]any{"nature": "x", "triage_answers": map[string]string{"weapon": "no"}}, "triage_answers.violence"},
			{map[string]any{"nature": "x", "triage_answers": map[string]string{"weapon": "sometimes"}}, "triage_answers.weapon"},
			{map[string]any{"nature": "x", "response": "swat"}, "response"},
		} {
			res, _ := create(tc.body)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"`+tc.field+`"`) {
				t.Errorf("%v: %d %s, want 422 naming %s", tc.body, res.StatusCode, res.Body, tc.field)
			}
		}
		res, c = create(map[string]any{"nature": "Welfare check", "triage_answers": triageAnswers[citdesk.Response988], "response": "co_response", "response_reason": "Mobile crisis team unavailable tonight"})
		if res.StatusCode != http.StatusCreated || c.RecommendedResponse != "988" || c.Response != "co_response" || c.ResponseReason == "" {
			t.Fatalf("override: %d %s", res.StatusCode, res.Body)
		}

		overridden := c.ID
		// PATCH: back to the recommendation.
		res = e.do("PATCH", "/api/v1/calls/"+strconv.FormatInt(c.ID, 10), disp, map[string]any{"response": "988"}, "If-Match", `"`+strconv.FormatInt(c.Version, 10)+`"`)
		checkOpenAPI(t, "PATCH", "/calls/{id}", res)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"response":"988"`) || !strings.Contains(res.Body, `"response_reason":""`) {
			t.Errorf("PATCH response: %d %s", res.StatusCode, res.Body)
		}

		// Replacing the protocol: the admin, from the current version, a
		// valid tree; audited.
		p := triage.Default()
		p.Questions[len(p.Questions)-1].Answers[0].Response = citdesk.ResponseCoResponse
		put := func(tok string, body any, headers ...string) response {
			res := e.do("PUT", "/api/v1/triage/protocol", tok, body, headers...)
			checkOpenAPI(t, "PUT", "/triage/protocol", res)
			return res
		}
		if res := put(disp, p, "If-Match", `"1"`); res.StatusCode != http.StatusForbidden {
			t.Errorf("dispatcher PUT: %d", res.StatusCode)
		}
		if res := put(admin, p); res.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("PUT without If-Match: %d", res.StatusCode)
		}
		cyc := triage.Default()
		cyc.Questions[len(cyc.Questions)-1].Answers[0] = triage.Answer{Value: "safe", Label: "Safe", Next: "weapon"}
		if res := put(admin, cyc, "If-Match", `"1"`); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"questions.location"`) || !strings.Contains(res.Body, "cycle") {
			t.Errorf("PUT a cycle: %d %s", res.StatusCode, res.Body)
		}
		var raw map[string]any
		b, _ := json.Marshal(p)
		json.Unmarshal(b, &raw)
		raw["questions"].([]any)[0].(map[string]any)["answers"].([]any)[0].(map[string]any)["next"] = "nowhere"
		if res := put(admin, raw, "If-Match", `"1"`); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"questions.weapon"`) || !strings.Contains(res.Body, "nowhere") {
			t.Errorf("PUT an unknown question: %d %s", res.StatusCode, res.Body)
		}
		res = put(admin, p, "If-Match", `"1"`)
		if res.StatusCode != http.StatusOK || res.Header.Get("ETag") != `"2"` || !strings.Contains(res.Body, `"version":2`) {
			t.Fatalf("PUT: %d %s", res.StatusCode, res.Body)
		}
		if res := put(admin, p, "If-Match", `"1"`); res.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("PUT from a stale version: %d", res.StatusCode)
		}
		if got := e.auditDetails(t, "triage.replace"); len(got) != 1 || !strings.HasPrefix(got[0], "root: version=2") {
			t.Errorf("audit: %v", got)
		}
		_, c = create(map[string]any{"nature": "Welfare check", "triage_answers": triageAnswers[citdesk.Response988]})
		if c.RecommendedResponse != "co_response" || *c.TriageVersion != 2 {
			t.Errorf("under version 2: %+v", c)
		}

		// The outcome figures count settled calls by response: close one
		// sent to 988 (the call overridden to co_response and back above).
		// It is the only settled call, a mental-health one answered
		// without police.
		e.user("ana", citdesk.RoleAnalyst)
		res = e.do("GET", "/api/v1/calls/"+strconv.FormatInt(overridden, 10), disp, nil)
		res = e.do("PATCH", "/api/v1/calls/"+strconv.FormatInt(overridden, 10), disp, map[string]any{"status": "closed", "mental_health": true}, "If-Match", res.Header.Get("ETag"))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("close: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("GET", "/api/v1/outcomes", e.token("ana"), nil)
		checkOpenAPI(t, "GET", "/outcomes", res)
		var rep struct {
			Measures map[string]struct{ Count, Denominator int }
		}
		res.JSON(t, &rep)
		for id, want := range map[string][2]int{"response_988": {1, 1}, "response_cit": {0, 1}, "response_co_response": {0, 1}, "response_patrol": {0, 1}, "response_ems": {0, 1}, "response_without_police": {1, 1}} {
			if m, ok := rep.Measures[id]; !ok || m.Count != want[0] || m.Denominator != want[1] {
				t.Errorf("GET /api/v1/outcomes %s: %+v (present %v), want %d of %d", id, m, ok, want[0], want[1])
			}
		}
	})
}

// TestBoardTriageWithoutJavaScript: a browser without JavaScript answers
// the triage with plain form posts ("Next question" draws the whole board
// with the form as it was) and creates the call with it.
func TestBoardTriageWithoutJavaScript(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("disp", citdesk.RoleDispatcher)
		b := e.browser()
		b.login("disp")
		if res := b.get("/board"); !strings.Contains(res.Body, "Start the triage") {
			t.Fatalf("board without JavaScript: no way into the triage: %s", res.Body)
		}
		form := url.Values{"nature": {"Person in crisis"}, "source": {"911"}, "triage_weapon": {"no"}}
		res := b.form("/board/triage", form)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `value="Person in crisis"`) || !strings.Contains(res.Body, `id="triage_weapon-no" name="triage_weapon" value="no" checked`) ||
			!strings.Contains(res.Body, `class="triage-q current" role="radiogroup" aria-labelledby="tq-violence"`) || !strings.Contains(res.Body, "Next question") {
			t.Fatalf("next question: %d %s", res.StatusCode, res.Body)
		}
		for q, a := range map[string]string{"violence": "no", "suicide": "no", "medical": "yes"} {
			form.Set("triage_"+q, a)
		}
		res = b.form("/board/triage", form)
		if !strings.Contains(res.Body, `class="recommended-response" data-response="ems"`) {
			t.Fatalf("recommendation: %s", res.Body)
		}
		res = b.form("/board/calls", form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d %s", res.StatusCode, res.Body)
		}
		calls, err := e.DB.CallService().ListCalls(e.Op, citdesk.CallFilter{})
		if err != nil || len(calls) != 1 || calls[0].Response != citdesk.ResponseEMS || calls[0].RecommendedResponse != citdesk.ResponseEMS || calls[0].Risk.Medical != citdesk.RiskYes {
			t.Errorf("stored: %+v, %v", calls, err)
		}
		// From the call's panel: another response needs its reason.
		id := strconv.FormatInt(calls[0].ID, 10)
		ver := strconv.FormatInt(calls[0].Version, 10)
		if res := b.form("/board/calls/"+id+"/response", url.Values{"version": {ver}, "response": {"patrol"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "say why you chose Patrol instead") {
			t.Errorf("panel override without reason: %d %s", res.StatusCode, res.Body)
		}
		if res := b.form("/board/calls/"+id+"/response", url.Values{"version": {ver}, "response": {"patrol"}, "response_reason": {"EMS staged, police asked to stand by"}}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("panel override: %d %s", res.StatusCode, res.Body)
		}
		if c, _ := e.DB.CallService().FindCallByID(e.Op, calls[0].ID); c.Response != citdesk.ResponsePatrol || c.ResponseReason != "EMS staged, police asked to stand by" || c.RecommendedResponse != citdesk.ResponseEMS {
			t.Errorf("after the panel override: %+v", c)
		}

		// Choosing another response without a reason is refused, naming it.
		form.Set("response", "cit")
		if res := b.form("/board/calls", form); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "say why you chose CIT officer instead") {
			t.Errorf("override without reason: %d %s", res.StatusCode, res.Body)
		}
	})
}

// TestBoardTriageEveryPath: on the board (plain form posts, both engines),
// a call taken through the default protocol ends in each response path the
// protocol recommends — patrol, CIT officer, co-response, EMS, 988 — and
// the call keeps the protocol's version, the answers on the path taken,
// the recommended response and the response chosen (the recommended one).
func TestBoardTriageEveryPath(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("disp", citdesk.RoleDispatcher)
		b := e.browser()
		b.login("disp")
		for _, tc := range []struct {
			want    citdesk.Response
			answers map[string]string
		}{
			{citdesk.ResponsePatrol, map[string]string{"weapon": "yes", "violence_armed": "yes"}},
			{citdesk.ResponseCIT, map[string]string{"weapon": "no", "violence": "yes"}},
			{citdesk.ResponseCoResponse, map[string]string{"weapon": "no", "violence": "no", "suicide": "yes"}},
			{citdesk.ResponseEMS, map[string]string{"weapon": "no", "violence": "no", "suicide": "no", "medical": "yes"}},
			{citdesk.Response988, map[string]string{"weapon": "no", "violence": "no", "suicide": "no", "medical": "no", "substances": "no", "caller": "family", "location": "safe"}},
		} {
			nature := "Path " + string(tc.want)
			form := url.Values{"nature": {nature}, "source": {"911"}}
			for q, a := range tc.answers {
				form.Set("triage_"+q, a)
			}
			if res := b.form("/board/triage", form); !strings.Contains(res.Body, `class="recommended-response" data-response="`+string(tc.want)+`"`) {
				t.Errorf("%s: the board does not recommend it: %d", tc.want, res.StatusCode)
				continue
			}
			if res := b.form("/board/calls", form); res.StatusCode != http.StatusSeeOther {
				t.Errorf("%s: create: %d %s", tc.want, res.StatusCode, res.Body)
				continue
			}
			calls, err := e.DB.CallService().ListCalls(e.Op, citdesk.CallFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var c *citdesk.Call
			for _, x := range calls {
				if x.Nature == nature {
					c = x
				}
			}
			if c == nil {
				t.Errorf("%s: no call stored", tc.want)
				continue
			}
			if c.Response != tc.want || c.RecommendedResponse != tc.want || c.ResponseReason != "" || c.TriageVersion == nil || *c.TriageVersion != 1 || len(c.TriageAnswers) != len(tc.answers) {
				t.Errorf("%s: stored response %q, recommended %q, reason %q, version %v, answers %v", tc.want, c.Response, c.RecommendedResponse, c.ResponseReason, c.TriageVersion, c.TriageAnswers)
			}
			for q, a := range tc.answers {
				if c.TriageAnswers[q] != a {
					t.Errorf("%s: answer %s = %q, want %q", tc.want, q, c.TriageAnswers[q], a)
				}
			}
		}
	})
}
