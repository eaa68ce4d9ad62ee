package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/web"
)

// TestTransferAPI takes calls through the triage protocol to 988 over the
// API and records their transfers: refusals name the field, a returned
// transfer puts the call back to a police response, a later 911 call at
// the same address is the transfer's repeat, and GET /api/v1/outcomes
// counts them as the test does, on both engines.
func TestTransferAPI(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("disp", citdesk.RoleDispatcher)
		e.user("ana", citdesk.RoleAnalyst)
		disp := e.token("disp")
		type transferOut struct {
			Outcome      string  `json:"outcome"`
			Destination  string  `json:"destination"`
			Consent      string  `json:"consent"`
			ReturnReason string  `json:"return_reason"`
			Repeat       bool    `json:"repeat_911_within_24h"`
			RepeatCallID *int64  `json:"repeat_call_id"`
			ReturnedAt   *string `json:"returned_at"`
		}
		type callOut struct {
			ID        int64        `json:"id"`
			Version   int64        `json:"version"`
			Response  string       `json:"response"`
			Reason    string       `json:"response_reason"`
			Transfer  *transferOut `json:"transfer"`
			Recommend string       `json:"recommended_response"`
		}
		path := func(id int64) string { return "/api/v1/calls/" + strconv.FormatInt(id, 10) }
		ifMatch := func(v int64) []string { return []string{"If-Match", `"` + strconv.FormatInt(v, 10) + `"`} }
		create := func(body map[string]any) callOut {
			t.Helper()
			res := e.do("POST", "/api/v1/calls", disp, body)
			checkOpenAPI(t, "POST", "/calls", res)
			var c callOut
			res.JSON(t, &c)
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("create: %d %s", res.StatusCode, res.Body)
			}
			return c
		}
		get := func(id int64) callOut {
			t.Helper()
			res := e.do("GET", path(id), disp, nil)
			checkOpenAPI(t, "GET", "/calls/{id}", res)
			var c callOut
			res.JSON(t, &c)
			return c
		}
		record := func(c callOut, body map[string]any) (response, callOut) {
			t.Helper()
			res := e.do("POST", path(c.ID)+"/transfer", disp, body, ifMatch(c.Version)...)
			checkOpenAPI(t, "POST", "/calls/{id}/transfer", res)
			var out callOut
			if res.StatusCode == http.StatusOK {
				res.JSON(t, &out)
			}
			return res, out
		}
		now := e.Clock.Now()
		received := now.Add(-48 * time.Hour)

		// A call through the protocol to 988, transferred to the county
		// mobile crisis team with the caller's consent.
		a := create(map[string]any{"nature": "Person in crisis", "address": "1204 Boyd Street", "received_at": received, "triage_answers": triageAnswers[citdesk.Response988]})
		if a.Response != "988" || a.Recommend != "988" || a.Transfer != nil {
			t.Fatalf("through the triage: %+v", a)
		}
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"destination": "hospital", "consent": "yes"}, "destination"},
			{map[string]any{"destination": "other", "consent": "yes"}, "destination_name"},
			{map[string]any{"destination": "mobile_crisis", "consent": "perhaps"}, "consent"},
			{map[string]any{"destination": "mobile_crisis", "consent": "yes", "transferred_at": now.Add(time.Hour)}, "transferred_at"},
		} {
			if res, _ := record(a, tc.body); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"`+tc.field+`"`) {
				t.Errorf("%v: %d %s, want 422 naming %s", tc.body, res.StatusCode, res.Body, tc.field)
			}
		}
		if res := e.do("POST", path(a.ID)+"/transfer", disp, map[string]any{"destination": "mobile_crisis", "consent": "yes"}); res.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("without If-Match: %d", res.StatusCode)
		}
		cit := create(map[string]any{"nature": "Armed", "triage_answers": triageAnswers[citdesk.ResponseCIT]})
		if res, _ := record(cit, map[string]any{"destination": "mobile_crisis", "consent": "yes"}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"response"`) {
			t.Errorf("a transfer on a CIT call: %d %s", res.StatusCode, res.Body)
		}
		transferredAt := received.Add(10 * time.Minute)
		res, a := record(a, map[string]any{"destination": "mobile_crisis", "consent": "yes", "transferred_at": transferredAt})
		if res.StatusCode != http.StatusOK || a.Transfer == nil || a.Transfer.Outcome != "accepted" || a.Transfer.Destination != "mobile_crisis" || a.Transfer.Consent != "yes" ||
			res.Header.Get("ETag") != `"`+strconv.FormatInt(a.Version, 10)+`"` {
			t.Fatalf("record: %d %s", res.StatusCode, res.Body)
		}
		if got := get(a.ID); got.Transfer == nil || got.Transfer.Repeat {
			t.Errorf("GET after the transfer: %+v", got.Transfer)
		}
		// The crisis line holds it: PATCH cannot send police instead.
		if res := e.do("PATCH", path(a.ID), disp, map[string]any{"response": "patrol", "response_reason": "x"}, ifMatch(a.Version)...); res.StatusCode != http.StatusConflict {
			t.Errorf("PATCH under an accepted transfer: %d %s", res.StatusCode, res.Body)
		}
		// A 911 call at the same address, a day less a minute later: a repeat.
		rep := create(map[string]any{"nature": "Welfare check", "source": "911", "address": "1204 boyd st", "received_at": transferredAt.Add(24*time.Hour - time.Minute)})
		if got := get(a.ID); !got.Transfer.Repeat || got.Transfer.RepeatCallID == nil || *got.Transfer.RepeatCallID != rep.ID {
			t.Errorf("repeat: %+v, want call %d", got.Transfer, rep.ID)
		}

		// Another, returned by the crisis line: a police response with the
		// reason; returning it again conflicts.
		b := create(map[string]any{"nature": "Person in crisis", "address": "9 Oak St", "received_at": received, "triage_answers": triageAnswers[citdesk.Response988]})
		_, b = record(b, map[string]any{"destination": "988_lifeline", "consent": "not_asked"})
		ret := func(c callOut, body map[string]any) response {
			t.Helper()
			res := e.do("POST", path(c.ID)+"/transfer/return", disp, body, ifMatch(c.Version)...)
			checkOpenAPI(t, "POST", "/calls/{id}/transfer/return", res)
			return res
		}
		if res := ret(b, map[string]any{"reason": "Caller hung up on 988", "response": "ems"}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"response"`) {
			t.Errorf("return to EMS: %d %s", res.StatusCode, res.Body)
		}
		if res := ret(b, map[string]any{"response": "cit"}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"reason"`) {
			t.Errorf("return without reason: %d %s", res.StatusCode, res.Body)
		}
		if res := ret(cit, map[string]any{"reason": "x", "response": "cit"}); res.StatusCode != http.StatusNotFound {
			t.Errorf("return of a call never transferred: %d %s", res.StatusCode, res.Body)
		}
		res = ret(b, map[string]any{"reason": "Caller hung up on 988", "response": "cit"})
		res.JSON(t, &b)
		if res.StatusCode != http.StatusOK || b.Response != "cit" || b.Reason != "Caller hung up on 988" || b.Transfer.Outcome != "returned" || b.Transfer.ReturnedAt == nil {
			t.Fatalf("return: %d %s", res.StatusCode, res.Body)
		}
		if res := ret(b, map[string]any{"reason": "again", "response": "cit"}); res.StatusCode != http.StatusConflict {
			t.Errorf("returned twice: %d %s", res.StatusCode, res.Body)
		}
		if n := len(e.auditDetails(t, "call.transfer")); n != 2 {
			t.Errorf("%d call.transfer events, want 2", n)
		}
		for _, d := range e.auditDetails(t, "call.transfer") {
			if strings.Contains(d, "consent") || strings.Contains(d, "yes") {
				t.Errorf("audit detail says too much: %q", d)
			}
		}

		// The outcome figures, once the calls are closed, against counts
		// made from what the API answered.
		transferred := []callOut{get(a.ID), get(b.ID)}
		n, returned, accepted, repeats := 0, 0, 0, 0
		for _, c := range transferred {
			res := e.do("PATCH", path(c.ID), disp, map[string]any{"status": "closed", "mental_health": true}, ifMatch(c.Version)...)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("close: %d %s", res.StatusCode, res.Body)
			}
			n++
			if c.Transfer.Outcome == "returned" {
				returned++
			} else {
				accepted++
				if c.Transfer.Repeat {
					repeats++
				}
			}
		}
		res = e.do("GET", "/api/v1/outcomes", e.token("ana"), nil)
		checkOpenAPI(t, "GET", "/outcomes", res)
		var out struct {
			Measures map[string]struct{ Count, Denominator int }
		}
		res.JSON(t, &out)
		if m := out.Measures["transfers_988"]; m.Count != n {
			t.Errorf("transfers_988 = %d, want %d", m.Count, n)
		}
		for id, want := range map[string][2]int{"transfers_988_returned": {returned, n}, "transfers_988_repeat_24h": {repeats, accepted}} {
			if m := out.Measures[id]; m.Count != want[0] || m.Denominator != want[1] {
				t.Errorf("%s = %d of %d, want %d of %d", id, m.Count, m.Denominator, want[0], want[1])
			}
		}
		if n != 2 || returned != 1 || repeats != 1 {
			t.Errorf("the test's own counts: %d %d %d", n, returned, repeats)
		}

		// The dashboard's "The right responder", the monthly report of the
		// calls' month and the public page carry them.
		br := e.browser()
		br.login("ana")
		month := received.In(e.Agency.Location()).Format("2006-01")
		for _, page := range []string{"/outcomes", "/outcomes/monthly?month=" + month, "/public/outcomes"} {
			res := br.get(page)
			for _, label := range []string{"Calls transferred to 988 or mobile crisis", "Transfers to 988 or mobile crisis returned to 911", "Accepted transfers followed by a 911 call within 24 hours"} {
				if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, label) {
					t.Errorf("%s: %d, no %q", page, res.StatusCode, label)
				}
			}
		}
	})
}

// TestBoardTransferWithoutJavaScript: from the call's panel, with plain
// form posts, a call the triage sends to 988 gets its transfer recorded
// and, returned by the crisis line, a police response.
func TestBoardTransferWithoutJavaScript(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("disp", citdesk.RoleDispatcher)
		br := e.browser()
		br.login("disp")
		form := url.Values{"nature": {"Person in crisis"}, "source": {"911"}, "address": {"9 Oak St"}}
		for q, a := range triageAnswers[citdesk.Response988] {
			form.Set("triage_"+q, a)
		}
		if res := br.form("/board/calls", form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d %s", res.StatusCode, res.Body)
		}
		calls, err := e.DB.CallService().ListCalls(e.Op, citdesk.CallFilter{})
		if err != nil || len(calls) != 1 || calls[0].Response != citdesk.Response988 {
			t.Fatalf("stored: %+v, %v", calls, err)
		}
		id := strconv.FormatInt(calls[0].ID, 10)
		if res := br.get("/board?call=" + id); !strings.Contains(res.Body, "Record the transfer") {
			t.Fatalf("the panel does not ask for the transfer: %s", res.Body)
		}
		ver := strconv.FormatInt(calls[0].Version, 10)
		if res := br.form("/board/calls/"+id+"/transfer", url.Values{"version": {ver}, "destination": {"other"}, "consent": {"yes"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Name the crisis service") {
			t.Errorf("other without a name: %d %s", res.StatusCode, res.Body)
		}
		if res := br.form("/board/calls/"+id+"/transfer", url.Values{"version": {ver}, "destination": {"mobile_crisis"}, "consent": {"yes"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("record: %d %s", res.StatusCode, res.Body)
		}
		res := br.get("/board?call=" + id)
		if !strings.Contains(res.Body, `data-transfer="accepted"`) || !strings.Contains(res.Body, "County mobile crisis team") || !strings.Contains(res.Body, "Returned by the crisis line?") {
			t.Fatalf("panel after the transfer: %s", res.Body)
		}
		c, _ := e.DB.CallService().FindCallByID(e.Op, calls[0].ID)
		ver = strconv.FormatInt(c.Version, 10)
		if res := br.form("/board/calls/"+id+"/transfer/return", url.Values{"version": {ver}, "reason": {"Team out of county"}, "response": {"co_response"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("return: %d %s", res.StatusCode, res.Body)
		}
		c, _ = e.DB.CallService().FindCallByID(e.Op, calls[0].ID)
		if c.Response != citdesk.ResponseCoResponse || c.Transfer == nil || c.Transfer.Outcome != citdesk.TransferReturned || c.Transfer.ReturnReason != "Team out of county" {
			t.Errorf("after the return: %+v %+v", c, c.Transfer)
		}
		if res := br.get("/board?call=" + id); !strings.Contains(res.Body, `data-transfer="returned"`) || !strings.Contains(res.Body, "This call needs police") {
			t.Errorf("panel after the return: %s", res.Body)
		}
	})
}
