package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"citdesk"
)

// fuzzBody is a request body with the shapes the API's bodies have:
// one-line and multi-line text, nested objects, lists, maps, pointers,
// numbers and dates.
type fuzzBody struct {
	Nature    string            `json:"nature"`
	Notes     string            `json:"notes"`
	Narrative *string           `json:"narrative"`
	Tags      []string          `json:"tags"`
	Extra     map[string]string `json:"extra"`
	Survey    *struct {
		Comment    string `json:"comment"`
		Respondent string `json:"respondent"`
	} `json:"survey"`
	Count *int          `json:"count"`
	Lat   float64       `json:"lat"`
	When  *citdesk.Date `json:"when"`
	Any   any           `json:"any"`
}

// FuzzDecodeJSON decodes arbitrary bodies as the API does: it never panics;
// a refusal is invalid input or too large, never an internal error; and a
// body it accepts holds no text that CheckTextFields refuses, in any field.
func FuzzDecodeJSON(f *testing.F) {
	f.Add(`{"nature":"Welfare check","notes":"one\r\ntwo","tags":["a"],"survey":{"comment":"ok\n"},"when":"2025-01-02"}`)
	f.Add(`{"nature":"a\u0000b"}`)
	f.Add(`{"survey":{"respondent":"x\ty"}}`)
	f.Add(`{"extra":{"k\u0001":"v"}}`)
	f.Add(`{"any":[{"x":"\u001b"}]}`)
	f.Add(`{"nature":"\ud800"}`)
	f.Add(`{"when":"0001-01-02"} {}`)
	f.Add(`{"unknown":1}`)
	f.Add(`[1,2]`)
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1<<16)
		var v fuzzBody
		err := DecodeJSON(r, &v)
		if err != nil {
			if code := citdesk.ErrorCode(err); code != citdesk.EINVALID && code != citdesk.ETOOLARGE {
				t.Fatalf("refusal with code %q: %v", code, err)
			}
			return
		}
		if err := citdesk.CheckTextFields(&v); err != nil {
			t.Fatalf("accepted a body holding %v", err)
		}
		for _, s := range append([]string{v.Nature}, v.Tags...) {
			if strings.ContainsAny(s, "\x00\t\n\r") || !utf8.ValidString(s) {
				t.Fatalf("accepted one-line text %q", s)
			}
		}
	})
}

// FuzzCheckValues checks arbitrary query strings as the middleware does:
// a value it accepts is valid UTF-8 without NUL or other control
// characters, and with tabs and line breaks only in multi-line fields; a
// refusal is invalid input.
func FuzzCheckValues(f *testing.F) {
	f.Add("q=smith&active=true")
	f.Add("q=a%00b")
	f.Add("notes=a%0D%0Ab&nature=x")
	f.Add("nature=a%0Ab")
	f.Add("q=%FF")
	f.Add("%01=x")
	f.Add("next=/%09/evil")
	f.Fuzz(func(t *testing.T, query string) {
		vs, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		if err := CheckValues(vs); err != nil {
			if citdesk.ErrorCode(err) != citdesk.EINVALID {
				t.Fatalf("refusal %v", err)
			}
			return
		}
		for name, vals := range vs {
			if sanitizedParams[name] {
				continue
			}
			for _, v := range append([]string{name}, vals...) {
				if !utf8.ValidString(v) {
					t.Fatalf("accepted invalid UTF-8 in %q", name)
				}
				for _, c := range v {
					ok := c >= 0x20 && c != 0x7f || citdesk.IsMultilineField(name) && v != name && (c == '\t' || c == '\n' || c == '\r')
					if !ok {
						t.Fatalf("accepted %U in %q", c, name)
					}
				}
			}
		}
	})
}
