package citdesk

import (
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// multilineFields names the fields, by their JSON and form name, whose text
// may run over several lines: narratives, notes, comments, descriptions and
// the free text of a crisis plan. Everywhere else a tab, newline or carriage
// return is refused like any other control character, because one-line
// values end up in CSV exports, headers, logs and single-line displays.
var multilineFields = map[string]bool{
	"narrative":           true,
	"note":                true,
	"notes":               true,
	"text":                true,
	"comment":             true,
	"return_comment":      true,
	"description":         true,
	"subject_description": true,
	"reason":              true,
	"no_cit_text":         true,
	"what":                true,
	"what_helps":          true,
	"what_to_avoid":       true,
	"triggers":            true,
	"contacts":            true,
	"medications":         true,
	// The policy page's word lists (one word or phrase a line); each
	// word is single-line (PolicySetting.checkWords).
	"eido.cit_types":             true,
	"eido.cit_phrases":           true,
	"eido.mental_health_types":   true,
	"eido.mental_health_phrases": true,
	// The admin's triage protocol editor holds JSON laid out on lines.
	"protocol": true,
}

// IsMultilineField reports whether the field named field (its JSON or form
// name) may hold tabs and line breaks.
func IsMultilineField(field string) bool { return multilineFields[field] }

// CheckText refuses text that no citdesk field may hold: invalid UTF-8
// (PostgreSQL refuses it, SQLite would store it), U+0000 (PostgreSQL
// refuses it in text, SQLite stores it and C readers cut the text there)
// and the other C0 control characters and DEL. Tab, newline and carriage
// return pass only in multi-line fields (IsMultilineField). The error
// names field.
func CheckText(field, s string) error {
	return checkText(field, IsMultilineField(field), s)
}

// checkText is CheckText with the multi-line choice made by the caller,
// for a nested field whose path (survey.comment) is not its own name.
func checkText(field string, multiline bool, s string) error {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return FieldErrorf(field, "%s is not valid UTF-8 text.", fieldLabel(field))
		}
		i += size
		if r >= 0x20 && r != 0x7f {
			continue
		}
		if multiline && (r == '\t' || r == '\n' || r == '\r') {
			continue
		}
		switch r {
		case 0:
			return FieldErrorf(field, "%s must not contain a NUL character (U+0000).", fieldLabel(field))
		case '\t', '\n', '\r':
			return FieldErrorf(field, "%s must be a single line without tabs or line breaks.", fieldLabel(field))
		}
		return FieldErrorf(field, "%s must not contain the control character U+%04X.", fieldLabel(field), r)
	}
	return nil
}

// CheckTextFields runs CheckText over every string reachable from v:
// struct fields (named by their JSON name, nested ones as parent.child),
// slice and array elements, map keys and values, through pointers and
// interfaces. Tab and line breaks pass where the innermost field name is
// multi-line. It is how web.DecodeJSON checks every JSON body and how the
// Validate methods check their record, so no field can be forgotten.
func CheckTextFields(v any) error {
	if v == nil {
		return nil
	}
	return checkValue("", "", reflect.ValueOf(v), 0)
}

// maxTextDepth stops a walk through a value nested absurdly deep (JSON
// decoding bounds nesting too; this guards any other caller).
const maxTextDepth = 64

func checkValue(path, leaf string, v reflect.Value, depth int) error {
	if depth > maxTextDepth {
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkValue(path, leaf, v.Elem(), depth+1)
	case reflect.String:
		return checkText(path, IsMultilineField(leaf), v.String())
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // bytes (a photo, raw JSON) are not text
		}
		for i := range v.Len() {
			if err := checkValue(path, leaf, v.Index(i), depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if err := checkValue(path, "", iter.Key(), depth+1); err != nil {
				return err
			}
			if err := checkValue(path, leaf, iter.Value(), depth+1); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if tag, ok := f.Tag.Lookup("json"); ok {
				tagName, _, _ := strings.Cut(tag, ",")
				if tagName == "-" {
					continue
				}
				if tagName != "" {
					name = tagName
				}
			}
			if f.Anonymous && f.Tag.Get("json") == "" {
				// Embedded: its fields are the outer value's fields.
				if err := checkValue(path, leaf, v.Field(i), depth+1); err != nil {
					return err
				}
				continue
			}
			sub := name
			if path != "" {
				sub = path + "." + name
			}
			if err := checkValue(sub, name, v.Field(i), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func fieldLabel(field string) string {
	if field == "" {
		return "The text"
	}
	return fmt.Sprintf("%q", field)
}

// EarliestDate is the first date citdesk accepts for when something
// happened: a call received, a contact, a course completed. Earlier dates
// are typing mistakes (0001-01-02) that would stretch every outcome
// calendar back two thousand years.
var EarliestDate = NewDate(1900, time.January, 1)

// MaxOutcomeYears is the longest span one outcomes request may cover.
const MaxOutcomeYears = 20

// CheckEventTime refuses a time t for field that is before EarliestDate or
// more than a day after now: a record of something that has happened
// cannot be dated later than tomorrow (a day of slack covers time zones).
func CheckEventTime(field string, t, now time.Time) error {
	if t.Before(EarliestDate.Time(time.UTC)) {
		return FieldErrorf(field, "%s must be on or after %s.", fieldLabel(field), EarliestDate)
	}
	if t.After(now.Add(24 * time.Hour)) {
		return FieldErrorf(field, "%s cannot be more than a day in the future.", fieldLabel(field))
	}
	return nil
}

// CheckEventDate is CheckEventTime for a calendar date: d must fall
// between EarliestDate and the day after today.
func CheckEventDate(field string, d, today Date) error {
	if d.Before(EarliestDate) {
		return FieldErrorf(field, "%s must be on or after %s.", fieldLabel(field), EarliestDate)
	}
	if d.After(today.AddDate(0, 0, 1)) {
		return FieldErrorf(field, "%s cannot be more than a day in the future.", fieldLabel(field))
	}
	return nil
}

// CheckOutcomeSpan refuses an outcomes request from from to to (inclusive)
// that runs backwards or spans more than MaxOutcomeYears years, naming
// "from" or "to": every figure walks the days between them.
func CheckOutcomeSpan(from, to Date) error {
	switch {
	case from.IsZero() || to.IsZero():
		return nil
	case from.Before(EarliestDate):
		return FieldErrorf("from", "from must be on or after %s.", EarliestDate)
	case to.After(from.AddDate(MaxOutcomeYears, 0, 0)):
		return FieldErrorf("to", "An outcomes request may span at most %d years.", MaxOutcomeYears)
	}
	return nil
}
