package ui

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"citdesk"
	"citdesk/web"
)

// FuzzReportForm reads arbitrary form bodies as the contact report form:
// it never panics; a refusal is an invalid-input error naming a field; and
// a form that passes the middleware's check (web.CheckValues) gives a
// report whose text passes citdesk.CheckTextFields, so what the form
// reader copies cannot smuggle in what the middleware refuses.
func FuzzReportForm(f *testing.F) {
	f.Add("occurred_at=2025-03-01T14:30&address=12+Elm+St&contact_start=dispatched_crisis&behaviors=suicidal&behaviors=suicidal" +
		"&primary_problem=mental_illness&weapons=none&weapon_type=knife&force=none&injury_person=none&injury_officer=none&injury_other=none" +
		"&dispositions=voluntary_transport&facility_kind=hospital&facility=Mercy&handover_minutes=35&on_scene_minutes=40&narrative=Line+one%0D%0Aline+two&version=3")
	f.Add("occurred_at=yesterday")
	f.Add("on_scene_minutes=forty")
	f.Add("handover_minutes=x&dispositions=arrest&arrest_offense=Trespass")
	f.Add("narrative=%00&address=%09")
	f.Add("%zz")
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		loc = time.UTC
	}
	now := time.Date(2025, 3, 2, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return // the server refuses what it cannot parse
		}
		clean := web.CheckValues(form) == nil
		var e citdesk.Encounter
		if err := reportFormValues(form, &e, loc); err != nil {
			if citdesk.ErrorCode(err) != citdesk.EINVALID || citdesk.ErrorField(err) == "" {
				t.Fatalf("refusal %v: want invalid naming a field", err)
			}
			return
		}
		for _, set := range [][]string{toStrings(e.Behaviors), toStrings(e.DeEscalation), toStrings(e.Dispositions)} {
			if slices.Contains(set, "") || len(slices.Compact(slices.Sorted(slices.Values(set)))) != len(set) {
				t.Fatalf("a set with blanks or repeats: %q", set)
			}
		}
		if !e.Has(citdesk.DispArrest) && e.ArrestOffense != "" {
			t.Fatalf("an offence kept without an arrest")
		}
		if clean {
			if err := citdesk.CheckTextFields(&e); err != nil {
				t.Fatalf("the form passed the middleware but the report holds %v", err)
			}
		}
		// Validation of what the reader produced never panics and refuses
		// only as invalid input.
		if err := e.ValidateDraft(now); err != nil && citdesk.ErrorCode(err) != citdesk.EINVALID {
			t.Fatalf("ValidateDraft: %v", err)
		}
		if err := e.Validate(now); err != nil && citdesk.ErrorCode(err) != citdesk.EINVALID {
			t.Fatalf("Validate: %v", err)
		}
	})
}

func toStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
