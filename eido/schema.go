// Package eido reads and writes NENA Emergency Incident Data Objects
// (EIDO, NENA-STA-021.1, JSON), the standard a county CAD passes incidents
// in: it validates a document against the published schema, maps an
// incident to a citdesk call, and writes a call with its assignments and
// unit states back as an EIDO. Pure code: no database, no HTTP.
package eido

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"citdesk"
)

// The published schema, as NENA's EIDO-JSON repository has it
// (schema/SOURCE.md): openapi.yaml and the NIEM component files its
// $refs reach.
//
//go:embed schema/openapi.yaml schema/NIEMComponents/*.yaml
var schemaFS embed.FS

// schemaBase is the URL the embedded files are loaded under; relative
// $refs ("NIEMComponents/nc.yaml#/…") resolve against it.
const schemaBase = "file:///eido/"

// documentSchema is the EIDO type within openapi.yaml.
const documentSchema = schemaBase + "openapi.yaml#/components/schemas/EmergencyIncidentDataObjectType"

var compiled = sync.OnceValues(compileSchema)

// compileSchema compiles the EIDO schema with JSON Schema draft 4
// semantics (OpenAPI 3.0's schema objects are a draft 4 dialect), format
// assertions on (date-time, uri). It runs once, on first use: the NIEM
// files are 3 MB of YAML.
func compileSchema() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.AssertFormat()
	c.UseLoader(schemaLoader{})
	return c.Compile(documentSchema)
}

// schemaLoader serves the embedded YAML files as JSON values.
type schemaLoader struct{}

func (schemaLoader) Load(url string) (any, error) {
	name, ok := strings.CutPrefix(url, schemaBase)
	if !ok {
		return nil, fmt.Errorf("eido schema: no file for %q", url)
	}
	b, err := fs.ReadFile(schemaFS, path.Join("schema", name))
	if err != nil {
		return nil, err
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("eido schema %s: %w", name, err)
	}
	doc = jsonValue(doc)
	dropAnnotations(doc)
	if name == "openapi.yaml" {
		patchPublishedDefect(doc)
	}
	return doc, nil
}

// dropAnnotations removes the schema's prose — "description" and "title"
// text, which NIEM gives nearly every one of its thousands of types — before
// it is compiled: validation never reads it, and the compiled schema would
// otherwise keep all of it in memory for as long as the server runs. A
// property that happens to be named "description" or "title" has an
// object (its schema) as its value, not text, so it stays.
func dropAnnotations(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if _, text := e.(string); text && (k == "description" || k == "title") {
				delete(x, k)
				continue
			}
			dropAnnotations(e)
		}
	case []any:
		for _, e := range x {
			dropAnnotations(e)
		}
	}
}

// patchPublishedDefect fixes the one known defect of the published
// schema: AgentType's agentRoleRegistryText has "minItems: 1," (a stray
// comma), which YAML reads as the string "1,", so a strict validator
// refuses to compile the schema and a lax one would drop the constraint.
// The intent is plainly minItems 1; it is patched in memory after loading,
// and the embedded file stays byte for byte as published. A schema where
// the defect is fixed upstream passes through unchanged.
func patchPublishedDefect(doc any) {
	agent := dig(doc, "components", "schemas", "AgentType", "allOf")
	parts, _ := agent.([]any)
	for _, p := range parts {
		prop, _ := dig(p, "properties", "agentRoleRegistryText").(map[string]any)
		if s, ok := prop["minItems"].(string); ok && strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ",")) == "1" {
			prop["minItems"] = json.Number("1")
		}
	}
}

// dig walks nested objects by key.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// jsonValue turns a decoded YAML value into the JSON value the validator
// takes: string keys, json.Number for numbers, RFC 3339 text for the
// timestamps YAML recognizes on its own.
func jsonValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonValue(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonValue(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonValue(e)
		}
		return x
	case int:
		return json.Number(strconv.Itoa(x))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case uint64:
		return json.Number(strconv.FormatUint(x, 10))
	case float64:
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	case time.Time:
		return x.Format(time.RFC3339Nano)
	}
	return v
}

// Validate checks doc against the EIDO schema. An invalid document is an
// EINVALID *citdesk.Error whose Fields name the JSON pointer of each
// error ("/callComponent/0/direction"), in document order; a document
// that is not JSON names the byte where it breaks.
func Validate(doc []byte) error {
	schema, err := compiled()
	if err != nil {
		return fmt.Errorf("compile the EIDO schema: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return citdesk.FieldErrorf("", "The body is not a JSON document: %v.", err)
	}
	err = schema.Validate(v)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return fmt.Errorf("validate EIDO: %w", err)
	}
	var problems []citdesk.FieldProblem
	seen := map[citdesk.FieldProblem]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			p := citdesk.FieldProblem{Field: pointer(e.InstanceLocation), Message: e.ErrorKind.LocalizedString(english)}
			if !seen[p] {
				seen[p] = true
				problems = append(problems, p)
			}
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	slices.SortStableFunc(problems, func(a, b citdesk.FieldProblem) int { return strings.Compare(a.Field, b.Field) })
	return &citdesk.Error{Code: citdesk.EINVALID, Field: problems[0].Field, Message: "The EIDO does not match the NENA schema at " + problems[0].Field + ": " + problems[0].Message + ".", Fields: problems}
}

// english prints the validator's messages.
var english = message.NewPrinter(language.English)

// pointer is the RFC 6901 JSON pointer of a location ("" is the document).
func pointer(loc []string) string {
	var b strings.Builder
	for _, t := range loc {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// Warm compiles the schema now, so the first document the CAD sends is not
// kept waiting while 3 MB of schema is read; serve calls it at start-up,
// in the background.
func Warm() error {
	_, err := compiled()
	return err
}
