package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"citdesk/store/storetest"
	"citdesk/web"
)

// This file checks real responses against web/openapi.json with a small
// JSON Schema validator for the subset the document uses. A keyword it does
// not know is an error, not silently ignored: add it here when the
// document needs it.

// apiPrefix is the document's server URL; its paths are relative to it.
const apiPrefix = "/api/v1"

var (
	openAPIOnce sync.Once
	openAPIRaw  []byte
	openAPIRoot map[string]any
	openAPIErr  error
)

// openAPI returns the parsed document (numbers as json.Number).
func openAPI(t testing.TB) map[string]any {
	t.Helper()
	openAPIOnce.Do(func() {
		openAPIRaw, openAPIErr = os.ReadFile("../api/openapi.json")
		if openAPIErr != nil {
			return
		}
		var v any
		if openAPIErr = decodeStrictJSON(openAPIRaw, &v); openAPIErr != nil {
			openAPIErr = fmt.Errorf("openapi.json: %w", openAPIErr)
			return
		}
		var ok bool
		if openAPIRoot, ok = v.(map[string]any); !ok {
			openAPIErr = fmt.Errorf("openapi.json is not an object")
		}
	})
	if openAPIErr != nil {
		t.Fatal(openAPIErr)
	}
	return openAPIRoot
}

// decodeStrictJSON decodes exactly one JSON value, keeping numbers exact.
func decodeStrictJSON(b []byte, v *any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}

// checkOpenAPI checks res against the operation method pathTemplate of
// openapi.json: its status must be documented, its content type must be
// the documented one, and its body must match the schema (204 and
// responses documented without content must have no body). pathTemplate is
// a path of the document ("/users/{id}/unlock"), with or without the
// "/api/v1" prefix; a concrete path ("/api/v1/users/7/unlock") is matched
// against the templates too. Each mismatch is reported with the JSON path
// of the value and the schema it broke.
func checkOpenAPI(t *testing.T, method, pathTemplate string, res response) {
	t.Helper()
	doc := openAPI(t)
	where := fmt.Sprintf("%s %s → %d", method, pathTemplate, res.StatusCode)
	tmpl, op, ok := findOperation(doc, method, pathTemplate)
	if !ok {
		t.Errorf("%s: openapi.json documents no operation %s %s (paths are relative to %s)", where, strings.ToLower(method), pathTemplate, apiPrefix)
		return
	}
	loc := "#/paths/" + pointerEscape(tmpl) + "/" + strings.ToLower(method)
	responses, _ := op["responses"].(map[string]any)
	status := strconv.Itoa(res.StatusCode)
	resp, ok := responses[status]
	respLoc := loc + "/responses/" + status
	if !ok {
		codes := slices.Sorted(mapKeys(responses))
		t.Errorf("%s: status %d is not documented at %s/responses (documented: %s); body: %s", where, res.StatusCode, loc, strings.Join(codes, ", "), clip(res.Body))
		return
	}
	v := &schemaValidator{doc: doc}
	respMap, respLoc := v.deref(resp, respLoc)
	if respMap == nil {
		t.Errorf("%s: %s", where, strings.Join(v.errs, "; "))
		return
	}
	content, _ := respMap["content"].(map[string]any)
	if res.StatusCode == http.StatusNoContent || len(content) == 0 {
		if res.StatusCode == http.StatusNoContent && len(content) > 0 {
			t.Errorf("%s: %s documents content for a 204, which has no body", where, respLoc)
		}
		if res.Body != "" {
			t.Errorf("%s: %s documents no body, but the response has one: %s", where, respLoc, clip(res.Body))
		}
		return
	}
	ct := res.Header.Get("Content-Type")
	media, _, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Errorf("%s: Content-Type %q: %v", where, ct, err)
		return
	}
	mt, ok := content[media].(map[string]any)
	if !ok {
		t.Errorf("%s: Content-Type %q is not documented at %s/content (documented: %s)", where, media, respLoc, strings.Join(slices.Sorted(mapKeys(content)), ", "))
		return
	}
	schema, ok := mt["schema"]
	if !ok {
		return
	}
	var body any
	if err := decodeStrictJSON([]byte(res.Body), &body); err != nil {
		t.Errorf("%s: body is not one JSON value (%v): %s", where, err, clip(res.Body))
		return
	}
	v.validate(schema, respLoc+"/content/"+pointerEscape(media)+"/schema", body, "$")
	for _, e := range v.errs {
		t.Errorf("%s: %s", where, e)
	}
	if len(v.errs) > 0 {
		t.Logf("%s: body was %s", where, clip(res.Body))
	}
}

// checkOpenAPISchema checks a JSON body against one schema of the
// document, given as a reference ("#/components/schemas/Problem").
func checkOpenAPISchema(t *testing.T, ref, body string) {
	t.Helper()
	doc := openAPI(t)
	var v any
	if err := decodeStrictJSON([]byte(body), &v); err != nil {
		t.Errorf("%s: body is not one JSON value (%v): %s", ref, err, clip(body))
		return
	}
	sv := &schemaValidator{doc: doc}
	sv.validate(map[string]any{"$ref": ref}, "(checkOpenAPISchema)", v, "$")
	for _, e := range sv.errs {
		t.Errorf("%s", e)
	}
}

// findOperation finds the path item for pathTemplate (exact, or a
// template whose {params} match its segments) and its operation.
func findOperation(doc map[string]any, method, pathTemplate string) (string, map[string]any, bool) {
	paths, _ := doc["paths"].(map[string]any)
	p := strings.TrimPrefix(pathTemplate, apiPrefix)
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	tmpl := ""
	if _, ok := paths[p]; ok {
		tmpl = p
	} else {
		best := -1
		segs := strings.Split(p, "/")
		for k := range paths {
			ks := strings.Split(k, "/")
			if len(ks) != len(segs) {
				continue
			}
			literal, match := 0, true
			for i := range ks {
				if strings.HasPrefix(ks[i], "{") && strings.HasSuffix(ks[i], "}") && segs[i] != "" {
					continue
				}
				if ks[i] != segs[i] {
					match = false
					break
				}
				literal++
			}
			if match && literal > best {
				best, tmpl = literal, k
			}
		}
	}
	if tmpl == "" {
		return "", nil, false
	}
	item, _ := paths[tmpl].(map[string]any)
	op, ok := item[strings.ToLower(method)].(map[string]any)
	return tmpl, op, ok
}

// schemaValidator validates JSON values against schemas of the document
// and collects every mismatch.
type schemaValidator struct {
	doc  map[string]any
	errs []string
}

func (v *schemaValidator) errorf(at, schemaLoc, format string, args ...any) {
	v.errs = append(v.errs, fmt.Sprintf("body %s: %s (schema %s)", at, fmt.Sprintf(format, args...), schemaLoc))
}

// resolve follows a local reference ("#/components/schemas/User").
func (v *schemaValidator) resolve(ref string) (any, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	var cur any = v.doc
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// deref follows $ref chains of a response or parameter object.
func (v *schemaValidator) deref(obj any, loc string) (map[string]any, string) {
	for range 10 {
		m, ok := obj.(map[string]any)
		if !ok {
			v.errs = append(v.errs, fmt.Sprintf("%s is not an object", loc))
			return nil, loc
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, loc
		}
		if obj, ok = v.resolve(ref); !ok {
			v.errs = append(v.errs, fmt.Sprintf("%s: $ref %q does not resolve", loc, ref))
			return nil, loc
		}
		loc = ref
	}
	v.errs = append(v.errs, fmt.Sprintf("%s: $ref chain too long", loc))
	return nil, loc
}

// schemaKeywords are the keywords validate understands; annotations are
// allowed and not checked.
var schemaKeywords = map[string]bool{
	"$ref": true, "type": true, "nullable": true, "enum": true, "const": true,
	"properties": true, "required": true, "additionalProperties": true,
	"items": true, "minItems": true, "maxItems": true,
	"minLength": true, "maxLength": true, "pattern": true, "format": true,
	"minimum": true, "maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true,
	"oneOf": true, "anyOf": true, "allOf": true,
	// annotations
	"description": true, "title": true, "example": true, "examples": true, "default": true,
	"deprecated": true, "readOnly": true, "writeOnly": true, "$comment": true,
}

var knownFormats = map[string]bool{
	"date-time": true, "date": true, "int32": true, "int64": true, "float": true, "double": true,
	"uri": true, "email": true, "uuid": true, "password": true,
}

// validate checks val (at JSON path at) against schema (found at
// schemaLoc in the document).
func (v *schemaValidator) validate(schema any, schemaLoc string, val any, at string) {
	switch s := schema.(type) {
	case bool:
		if !s {
			v.errorf(at, schemaLoc, "no value is allowed here")
		}
		return
	case map[string]any:
		v.validateObject(s, schemaLoc, val, at)
	default:
		v.errs = append(v.errs, fmt.Sprintf("openapi.json: schema %s is not an object", schemaLoc))
	}
}

func (v *schemaValidator) validateObject(s map[string]any, loc string, val any, at string) {
	for _, k := range slices.Sorted(mapKeys(s)) {
		if !schemaKeywords[k] && !strings.HasPrefix(k, "x-") {
			v.errs = append(v.errs, fmt.Sprintf("openapi.json: schema %s uses %q, which checkOpenAPI does not check; teach openapi_check_test.go", loc, k))
		}
	}
	if ref, ok := s["$ref"].(string); ok {
		target, ok := v.resolve(ref)
		if !ok {
			v.errs = append(v.errs, fmt.Sprintf("openapi.json: schema %s: $ref %q does not resolve", loc, ref))
			return
		}
		v.validate(target, ref, val, at)
	}

	if val == nil && s["nullable"] == true {
		return
	}
	if t, ok := s["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				if xs, ok := x.(string); ok {
					types = append(types, xs)
				}
			}
		}
		if !slices.ContainsFunc(types, func(t string) bool { return hasType(val, t) }) {
			v.errorf(at, loc+"/type", "want %s, got %s", strings.Join(types, " or "), describe(val))
			return
		}
	}
	if e, ok := s["enum"].([]any); ok {
		if !slices.ContainsFunc(e, func(x any) bool { return jsonEqual(x, val) }) {
			v.errorf(at, loc+"/enum", "%s is not one of %s", describe(val), compact(e))
		}
	}
	if c, ok := s["const"]; ok && !jsonEqual(c, val) {
		v.errorf(at, loc+"/const", "want %s, got %s", compact(c), describe(val))
	}

	switch x := val.(type) {
	case string:
		n := utf8.RuneCountInString(x)
		if m, ok := number(s["minLength"]); ok && float64(n) < m {
			v.errorf(at, loc+"/minLength", "string of %d characters is shorter than %v", n, m)
		}
		if m, ok := number(s["maxLength"]); ok && float64(n) > m {
			v.errorf(at, loc+"/maxLength", "string of %d characters is longer than %v", n, m)
		}
		if p, ok := s["pattern"].(string); ok {
			re, err := regexp.Compile(p)
			if err != nil {
				v.errs = append(v.errs, fmt.Sprintf("openapi.json: schema %s/pattern: %v", loc, err))
			} else if !re.MatchString(x) {
				v.errorf(at, loc+"/pattern", "%q does not match %s", x, p)
			}
		}
		if f, ok := s["format"].(string); ok {
			v.checkFormat(f, x, loc, at)
		}
	case json.Number:
		f, _ := x.Float64()
		if m, ok := number(s["minimum"]); ok && f < m {
			v.errorf(at, loc+"/minimum", "%s is less than %v", x, m)
		}
		if m, ok := number(s["maximum"]); ok && f > m {
			v.errorf(at, loc+"/maximum", "%s is more than %v", x, m)
		}
		if m, ok := number(s["exclusiveMinimum"]); ok && f <= m {
			v.errorf(at, loc+"/exclusiveMinimum", "%s is not more than %v", x, m)
		}
		if m, ok := number(s["exclusiveMaximum"]); ok && f >= m {
			v.errorf(at, loc+"/exclusiveMaximum", "%s is not less than %v", x, m)
		}
		if fm, ok := s["format"].(string); ok {
			v.checkFormat(fm, x.String(), loc, at)
		}
	case []any:
		if m, ok := number(s["minItems"]); ok && float64(len(x)) < m {
			v.errorf(at, loc+"/minItems", "%d items, want at least %v", len(x), m)
		}
		if m, ok := number(s["maxItems"]); ok && float64(len(x)) > m {
			v.errorf(at, loc+"/maxItems", "%d items, want at most %v", len(x), m)
		}
		if items, ok := s["items"]; ok {
			for i, item := range x {
				v.validate(items, loc+"/items", item, fmt.Sprintf("%s[%d]", at, i))
			}
		}
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				name, _ := r.(string)
				if _, ok := x[name]; !ok {
					v.errorf(at, loc+"/required", "required property %q is missing", name)
				}
			}
		}
		for _, name := range slices.Sorted(mapKeys(x)) {
			child := at + "." + name
			if p, ok := props[name]; ok {
				v.validate(p, loc+"/properties/"+pointerEscape(name), x[name], child)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					v.errorf(child, loc+"/additionalProperties", "property %q is not in the schema (documented: %s)", name, strings.Join(slices.Sorted(mapKeys(props)), ", "))
				}
			case map[string]any:
				v.validate(ap, loc+"/additionalProperties", x[name], child)
			}
		}
	}

	if all, ok := s["allOf"].([]any); ok {
		for i, sub := range all {
			v.validate(sub, fmt.Sprintf("%s/allOf/%d", loc, i), val, at)
		}
	}
	if any_, ok := s["anyOf"].([]any); ok {
		var why []string
		matched := false
		for i, sub := range any_ {
			sv := &schemaValidator{doc: v.doc}
			sv.validate(sub, fmt.Sprintf("%s/anyOf/%d", loc, i), val, at)
			if len(sv.errs) == 0 {
				matched = true
				break
			}
			why = append(why, strings.Join(sv.errs, "; "))
		}
		if !matched {
			v.errorf(at, loc+"/anyOf", "matches none of the %d alternatives: [%s]", len(any_), strings.Join(why, "] ["))
		}
	}
	if one, ok := s["oneOf"].([]any); ok {
		var why []string
		matches := 0
		for i, sub := range one {
			sv := &schemaValidator{doc: v.doc}
			sv.validate(sub, fmt.Sprintf("%s/oneOf/%d", loc, i), val, at)
			if len(sv.errs) == 0 {
				matches++
			} else {
				why = append(why, strings.Join(sv.errs, "; "))
			}
		}
		switch {
		case matches == 0:
			v.errorf(at, loc+"/oneOf", "matches none of the %d alternatives: [%s]", len(one), strings.Join(why, "] ["))
		case matches > 1:
			v.errorf(at, loc+"/oneOf", "matches %d of the alternatives, want exactly one", matches)
		}
	}
}

func (v *schemaValidator) checkFormat(format, x, loc, at string) {
	var err error
	switch format {
	case "date-time":
		_, err = time.Parse(time.RFC3339, x)
	case "date":
		_, err = time.Parse(time.DateOnly, x)
	case "int32":
		_, err = strconv.ParseInt(x, 10, 32)
	case "int64":
		_, err = strconv.ParseInt(x, 10, 64)
	case "uuid":
		if !regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`).MatchString(x) {
			err = fmt.Errorf("not a UUID")
		}
	case "email":
		if !strings.Contains(x, "@") {
			err = fmt.Errorf("not an email address")
		}
	default:
		if !knownFormats[format] {
			v.errs = append(v.errs, fmt.Sprintf("openapi.json: schema %s uses format %q, which checkOpenAPI does not check; teach openapi_check_test.go", loc, format))
		}
		return
	}
	if err != nil {
		v.errorf(at, loc+"/format", "%q is not a valid %s: %v", x, format, err)
	}
}

// hasType reports whether the decoded JSON value val is of JSON Schema type t.
func hasType(val any, t string) bool {
	switch t {
	case "null":
		return val == nil
	case "boolean":
		_, ok := val.(bool)
		return ok
	case "string":
		_, ok := val.(string)
		return ok
	case "number":
		_, ok := val.(json.Number)
		return ok
	case "integer":
		n, ok := val.(json.Number)
		if !ok {
			return false
		}
		if _, err := n.Int64(); err == nil {
			return true
		}
		f, err := n.Float64()
		return err == nil && f == math.Trunc(f) && !math.IsInf(f, 0)
	case "array":
		_, ok := val.([]any)
		return ok
	case "object":
		_, ok := val.(map[string]any)
		return ok
	}
	return false
}

// describe names a value's JSON type with a short rendering of it.
func describe(val any) string {
	switch val.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean " + compact(val)
	case string:
		return "string " + clip(compact(val))
	case json.Number:
		return "number " + compact(val)
	case []any:
		return "array " + clip(compact(val))
	}
	return "object " + clip(compact(val))
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// jsonEqual compares decoded JSON values, numbers by value.
func jsonEqual(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok || bok {
		if !aok || !bok {
			return false
		}
		af, _ := an.Float64()
		bf, _ := bn.Float64()
		return af == bf
	}
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !jsonEqual(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// operations lists the document's operations as "METHOD /path", sorted.
func operations(t *testing.T) [][2]string {
	doc := openAPI(t)
	paths, _ := doc["paths"].(map[string]any)
	var ops [][2]string
	for _, p := range slices.Sorted(mapKeys(paths)) {
		item, _ := paths[p].(map[string]any)
		for _, m := range httpMethods {
			if _, ok := item[m]; ok {
				ops = append(ops, [2]string{strings.ToUpper(m), p})
			}
		}
	}
	return ops
}

// TestOpenAPIDocument checks the document itself: every reference
// resolves, every schema uses only keywords checkOpenAPI understands, every
// operation documents its responses and every path parameter.
func TestOpenAPIDocument(t *testing.T) {
	doc := openAPI(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	servers, _ := doc["servers"].([]any)
	if len(servers) != 1 || servers[0].(map[string]any)["url"] != apiPrefix {
		t.Errorf("servers = %v, want one with url %s", servers, apiPrefix)
	}
	v := &schemaValidator{doc: doc}
	// Walk every schema with a value that matches nothing, collecting only
	// the document's own errors (keywords and references).
	var walkSchema func(s any, loc string, depth int)
	walkSchema = func(s any, loc string, depth int) {
		m, ok := s.(map[string]any)
		if !ok || depth > 50 {
			return
		}
		for _, k := range slices.Sorted(mapKeys(m)) {
			if !schemaKeywords[k] && !strings.HasPrefix(k, "x-") {
				v.errs = append(v.errs, fmt.Sprintf("schema %s uses %q, which checkOpenAPI does not check", loc, k))
			}
		}
		if ref, ok := m["$ref"].(string); ok {
			if _, ok := v.resolve(ref); !ok {
				v.errs = append(v.errs, fmt.Sprintf("schema %s: $ref %q does not resolve", loc, ref))
			}
		}
		if f, ok := m["format"].(string); ok && !knownFormats[f] {
			v.errs = append(v.errs, fmt.Sprintf("schema %s: format %q is not checked", loc, f))
		}
		if p, ok := m["pattern"].(string); ok {
			if _, err := regexp.Compile(p); err != nil {
				v.errs = append(v.errs, fmt.Sprintf("schema %s: pattern: %v", loc, err))
			}
		}
		if props, ok := m["properties"].(map[string]any); ok {
			for _, k := range slices.Sorted(mapKeys(props)) {
				walkSchema(props[k], loc+"/properties/"+pointerEscape(k), depth+1)
			}
			if req, ok := m["required"].([]any); ok {
				for _, r := range req {
					if _, ok := props[r.(string)]; !ok {
						v.errs = append(v.errs, fmt.Sprintf("schema %s: required %q is not among its properties", loc, r))
					}
				}
			}
		}
		for _, k := range []string{"items", "additionalProperties"} {
			walkSchema(m[k], loc+"/"+k, depth+1)
		}
		for _, k := range []string{"allOf", "anyOf", "oneOf"} {
			if subs, ok := m[k].([]any); ok {
				for i, sub := range subs {
					walkSchema(sub, fmt.Sprintf("%s/%s/%d", loc, k, i), depth+1)
				}
			}
		}
	}
	components, _ := doc["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	for _, name := range slices.Sorted(mapKeys(schemas)) {
		walkSchema(schemas[name], "#/components/schemas/"+name, 0)
	}
	walkContent := func(obj any, loc string) {
		m, loc := v.deref(obj, loc)
		content, _ := m["content"].(map[string]any)
		for _, media := range slices.Sorted(mapKeys(content)) {
			mt, _ := content[media].(map[string]any)
			walkSchema(mt["schema"], loc+"/content/"+pointerEscape(media)+"/schema", 0)
		}
	}
	paths, _ := doc["paths"].(map[string]any)
	paramName := regexp.MustCompile(`\{([^}]+)\}`)
	for _, op := range operations(t) {
		item := paths[op[1]].(map[string]any)
		o := item[strings.ToLower(op[0])].(map[string]any)
		loc := "#/paths/" + pointerEscape(op[1]) + "/" + strings.ToLower(op[0])
		if !strings.HasPrefix(op[1], "/") || strings.HasPrefix(op[1], apiPrefix) {
			v.errs = append(v.errs, fmt.Sprintf("path %q must start with / and be relative to %s", op[1], apiPrefix))
		}
		responses, _ := o["responses"].(map[string]any)
		if len(responses) == 0 {
			v.errs = append(v.errs, loc+": no responses")
		}
		for _, code := range slices.Sorted(mapKeys(responses)) {
			if n, err := strconv.Atoi(code); (err != nil || n < 100 || n > 599) && code != "default" {
				v.errs = append(v.errs, fmt.Sprintf("%s/responses: %q is not a status code", loc, code))
			}
			walkContent(responses[code], loc+"/responses/"+code)
		}
		if rb, ok := o["requestBody"]; ok {
			walkContent(rb, loc+"/requestBody")
		}
		declared := map[string]bool{}
		params, _ := o["parameters"].([]any)
		params = append(params, anySlice(item["parameters"])...)
		for i, p := range params {
			pm, ploc := v.deref(p, fmt.Sprintf("%s/parameters/%d", loc, i))
			if pm == nil {
				continue
			}
			if pm["in"] == "path" {
				declared[fmt.Sprint(pm["name"])] = true
			}
			walkSchema(pm["schema"], ploc+"/schema", 0)
		}
		for _, m := range paramName.FindAllStringSubmatch(op[1], -1) {
			if !declared[m[1]] {
				v.errs = append(v.errs, fmt.Sprintf("%s: path parameter {%s} is not declared in parameters", loc, m[1]))
			}
		}
	}
	for _, e := range v.errs {
		t.Errorf("openapi.json: %s", e)
	}
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// TestOpenAPIRoutes checks that every operation of the document is served
// (not answered by the /api/ catch-all, not 405) and that its answer to an
// anonymous request is documented, and that GET /api/v1/openapi.json
// serves the document itself.
func TestOpenAPIRoutes(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{})
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, op := range operations(t) {
		method, tmpl := op[0], op[1]
		t.Run(method+" "+tmpl, func(t *testing.T) {
			concrete := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(tmpl, "1")
			var body io.Reader
			if method == "POST" || method == "PUT" || method == "PATCH" {
				body = strings.NewReader("{}")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, method, e.Server.URL+apiPrefix+concrete, body)
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			r, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r.Body)
			r.Body.Close()
			res := response{StatusCode: r.StatusCode, Header: r.Header, Body: string(b)}
			if res.StatusCode == http.StatusMethodNotAllowed || strings.Contains(res.Body, "No such API endpoint") {
				t.Fatalf("%s %s%s is documented but not served: %d %s", method, apiPrefix, concrete, res.StatusCode, res.Body)
			}
			checkOpenAPI(t, method, tmpl, res)
		})
	}

	res := e.do("GET", "/api/v1/openapi.json", "", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json: %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET /api/v1/openapi.json: Content-Type %q, want application/json", ct)
	}
	openAPI(t)
	if res.Body != string(openAPIRaw) {
		t.Errorf("GET /api/v1/openapi.json serves %d bytes that differ from web/openapi.json (%d bytes)", len(res.Body), len(openAPIRaw))
	}
}

// TestOpenAPIChecker shows that checkOpenAPI's validator catches what it
// should, with the JSON path of the bad value.
func TestOpenAPIChecker(t *testing.T) {
	doc := openAPI(t)
	user := `{"id":1,"agency_id":1,"username":"amy","display_name":"Amy","roles":["analyst"],"disabled":false,"created_at":"2026-03-11T00:30:00Z"}`
	tests := []struct {
		name, body string
		want       []string // fragments of the errors, in order; none means valid
	}{
		{"valid", user, nil},
		{"missing", strings.Replace(user, `"agency_id":1,`, "", 1), []string{`body $: required property "agency_id" is missing`}},
		{"extra", strings.Replace(user, `"id":1`, `"id":1,"nickname":"x"`, 1), []string{`body $.nickname: property "nickname" is not in the schema`}},
		{"type", strings.Replace(user, `"id":1`, `"id":"1"`, 1), []string{`body $.id: want integer, got string "1"`}},
		{"fraction", strings.Replace(user, `"id":1`, `"id":1.5`, 1), []string{`body $.id: want integer, got number 1.5`}},
		{"enum", strings.Replace(user, `["analyst"]`, `["analyst","chief"]`, 1), []string{`body $.roles[1]: string "chief" is not one of`}},
		{"date-time", strings.Replace(user, `2026-03-11T00:30:00Z`, `11 March 2026`, 1), []string{`body $.created_at: "11 March 2026" is not a valid date-time`}},
		{"null", strings.Replace(user, `"username":"amy"`, `"username":null`, 1), []string{`body $.username: want string, got null`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var val any
			if err := decodeStrictJSON([]byte(tt.body), &val); err != nil {
				t.Fatal(err)
			}
			v := &schemaValidator{doc: doc}
			v.validate(map[string]any{"$ref": "#/components/schemas/User"}, "test", val, "$")
			if len(v.errs) != len(tt.want) {
				t.Fatalf("errors = %q, want %d matching %q", v.errs, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(v.errs[i], w) {
					t.Errorf("error %d = %q, want it to contain %q", i, v.errs[i], w)
				}
			}
		})
	}

	schemaTests := []struct {
		name, schema, body string
		ok                 bool
	}{
		{"nullable integer", `{"type":["integer","null"]}`, `null`, true},
		{"nullable integer, string", `{"type":["integer","null"]}`, `"1"`, false},
		{"minimum", `{"type":"integer","minimum":1,"maximum":10}`, `0`, false},
		{"maximum", `{"type":"integer","minimum":1,"maximum":10}`, `11`, false},
		{"in range", `{"type":"integer","minimum":1,"maximum":10}`, `10`, true},
		{"minLength", `{"type":"string","minLength":3}`, `"ab"`, false},
		{"oneOf one", `{"oneOf":[{"type":"string"},{"type":"integer"}]}`, `1`, true},
		{"oneOf none", `{"oneOf":[{"type":"string"},{"type":"integer"}]}`, `true`, false},
		{"oneOf two", `{"oneOf":[{"type":"number"},{"type":"integer"}]}`, `1`, false},
		{"nullable 3.0", `{"type":"string","nullable":true}`, `null`, true},
		{"unknown keyword", `{"type":"string","uniqueItems":true}`, `"a"`, false},
		{"additionalProperties schema", `{"type":"object","additionalProperties":{"type":"integer"}}`, `{"a":1,"b":"x"}`, false},
	}
	for _, tt := range schemaTests {
		t.Run(tt.name, func(t *testing.T) {
			var schema, val any
			if err := decodeStrictJSON([]byte(tt.schema), &schema); err != nil {
				t.Fatal(err)
			}
			if err := decodeStrictJSON([]byte(tt.body), &val); err != nil {
				t.Fatal(err)
			}
			v := &schemaValidator{doc: doc}
			v.validate(schema, "test", val, "$")
			if ok := len(v.errs) == 0; ok != tt.ok {
				t.Errorf("%s against %s: errors %q, want ok=%v", tt.body, tt.schema, v.errs, tt.ok)
			}
		})
	}

	if _, _, ok := findOperation(doc, "POST", "/api/v1/users/42/unlock"); !ok {
		t.Error("findOperation does not match a concrete path to /users/{id}/unlock")
	}
}
