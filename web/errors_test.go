package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestWriteJSONOneWrite checks that a JSON response goes out whole, with
// its length, not chunked: a large one too, and the pooled buffer leaves
// nothing of one response in the next.
func TestWriteJSONOneWrite(t *testing.T) {
	big := strings.Repeat("é", 100<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			WriteJSON(w, http.StatusCreated, map[string]string{"v": big})
			return
		}
		WriteJSON(w, http.StatusOK, map[string]int{"n": 1})
	}))
	defer srv.Close()
	for _, path := range []string{"/big", "/small", "/big", "/small"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if len(resp.TransferEncoding) != 0 || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
			t.Fatalf("%s: transfer encoding %v, Content-Length %q for %d bytes", path, resp.TransferEncoding, resp.Header.Get("Content-Length"), len(body))
		}
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if path == "/big" && (resp.StatusCode != http.StatusCreated || v["v"] != big) {
			t.Fatalf("/big: status %d, body not whole", resp.StatusCode)
		}
		if path == "/small" && (resp.StatusCode != http.StatusOK || len(v) != 1 || v["n"] != 1.0) {
			t.Fatalf("/small: status %d, body %s", resp.StatusCode, body)
		}
		if resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("%s: headers %v", path, resp.Header)
		}
	}
}

// TestWriteJSONRefusesUnencodable checks that a value that cannot be
// encoded gives a 500, not a 200 with half a body.
func TestWriteJSONRefusesUnencodable(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSON(rec, http.StatusOK, map[string]any{"ok": 1, "bad": func() {}})
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "ok") {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
}
