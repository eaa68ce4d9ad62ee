package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"citdesk"
)

// statuses maps each citdesk error code to its HTTP status; a code not
// here (EINTERNAL) is a 500.
var statuses = map[string]int{
	citdesk.EINVALID:      http.StatusUnprocessableEntity,
	citdesk.ENOTFOUND:     http.StatusNotFound,
	citdesk.ECONFLICT:     http.StatusConflict,
	citdesk.EFORBIDDEN:    http.StatusForbidden,
	citdesk.EUNAUTHORIZED: http.StatusUnauthorized,
	citdesk.EMFAREQUIRED:  http.StatusUnauthorized,
	citdesk.EMFAENROL:     http.StatusForbidden,
	citdesk.ESTEPUP:       http.StatusForbidden,
	citdesk.ELOCKED:       http.StatusLocked,
	citdesk.EPRECONDITION: http.StatusPreconditionFailed,
	citdesk.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	citdesk.ERATELIMIT:    http.StatusTooManyRequests,
	citdesk.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// RetryAfter is what a 503 for storage that refuses writes tells a client
// to wait, in seconds: /readyz says when the cause has gone.
const RetryAfter = "30"

// StatusFor maps citdesk error codes to HTTP statuses.
func StatusFor(code string) int {
	if status, ok := statuses[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Field  string `json:"field,omitempty"`
	// Errors lists every wrong field when the input was checked as a whole
	// (citdesk.Error.Fields); Field and Detail are the first of them.
	Errors []citdesk.FieldProblem `json:"errors,omitempty"`
}

// Problem writes err as application/problem+json. Internal errors are
// logged with their cause; the client sees only a generic message.
func (c *Core) Problem(w http.ResponseWriter, r *http.Request, err error) {
	code := citdesk.ErrorCode(err)
	status := StatusFor(code)
	switch code {
	case citdesk.EINTERNAL:
		c.Log.Error("internal error", "method", r.Method, "route", r.Pattern, "err", err)
	case citdesk.EUNAVAILABLE:
		c.Log.Warn("storage unavailable", "method", r.Method, "route", r.Pattern, "err", err)
		w.Header().Set("Retry-After", RetryAfter)
	}
	p := Problem{
		Type:   "https://citdesk.invalid/problems/" + code,
		Title:  http.StatusText(status),
		Status: status,
		Detail: citdesk.ErrorMessage(err),
		Code:   code,
		Field:  citdesk.ErrorField(err),
	}
	var ce *citdesk.Error
	if errors.As(err, &ce) {
		p.Errors = ce.Fields
	}
	WriteProblem(w, p)
}

// WriteProblem writes p as application/problem+json with its status.
func WriteProblem(w http.ResponseWriter, p Problem) {
	writeEncoded(w, p.Status, problemType, p)
}

// WriteJSON writes v as JSON with status. The body is encoded into a
// pooled buffer first and sent with its Content-Length in one write: a
// response streamed through the encoder went out chunked, in more than one
// system call once it passed net/http's 2 KB buffer, and a value that
// failed to encode half-way left a truncated body behind a 200.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	writeEncoded(w, status, jsonType, v)
}

// writeEncoded writes v as JSON with status and the content type ctype.
func writeEncoded(w http.ResponseWriter, status int, ctype []string, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledJSON {
			buf.Reset()
			jsonBuffers.Put(buf)
		}
	}()
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		// A citdesk type that cannot encode is a bug; say so rather than
		// send half a document.
		http.Error(w, "internal error: response not encodable", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h["Content-Type"] = ctype[:1:1]
	h["Cache-Control"] = noStore[:1:1]
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// The header values of JSON responses, shared by every response (see
// securityHeaders).
var (
	jsonType    = []string{"application/json"}
	problemType = []string{"application/problem+json"}
	noStore     = []string{"no-store"}
)

// jsonBuffers keeps WriteJSON's buffers; one that grew past maxPooledJSON
// (a large export) is left to the collector.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledJSON = 256 << 10

// DecodeJSON reads exactly one JSON object into v, refusing unknown fields,
// wrong types, trailing data and text with control characters (see
// citdesk.CheckTextFields) with an error that names the field.
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return citdesk.Errorf(citdesk.EINVALID, "Send the body as application/json.")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return JSONError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return citdesk.Errorf(citdesk.EINVALID, "The body must hold a single JSON object.")
	}
	// Every string of the body, wherever it sits, is checked here, so no
	// handler can forget: NUL and other control characters are refused
	// naming the field (PostgreSQL fails on NUL, SQLite would store it).
	return citdesk.CheckTextFields(v)
}

// JSONError turns a decoding error into a citdesk error naming the field.
func JSONError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return citdesk.Errorf(citdesk.ETOOLARGE, "The request body is larger than %d bytes.", tooBig.Limit)
	case errors.As(err, &syntax):
		return citdesk.Errorf(citdesk.EINVALID, "Malformed JSON at byte %d: %v.", syntax.Offset, syntax)
	case errors.Is(err, io.EOF):
		return citdesk.Errorf(citdesk.EINVALID, "The request body is empty; send a JSON object.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return citdesk.Errorf(citdesk.EINVALID, "Malformed JSON: the body ends too early.")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return citdesk.Errorf(citdesk.EINVALID, "The body must be a JSON object, not %s.", typ.Value)
		}
		return &citdesk.Error{Code: citdesk.EINVALID, Field: field, Message: fmt.Sprintf("Field %q must be %s, not %s.", field, jsonKind(typ.Type.Kind().String()), typ.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &citdesk.Error{Code: citdesk.EINVALID, Field: name, Message: fmt.Sprintf("Unknown field %q.", name)}
	}
	var ce *citdesk.Error
	if errors.As(err, &ce) {
		return ce
	}
	return citdesk.Errorf(citdesk.EINVALID, "Invalid JSON: %v.", err)
}

func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "int32", "uint", "uint64", "float64", "float32":
		return "a number"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "a " + kind
}
