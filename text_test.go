package citdesk

import (
	"testing"
	"time"
)

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		field, text string
		ok          bool
	}{
		{"address", "12 Main St", true},
		{"address", "caf\u00e9 \u2014 \U0001F600", true},
		{"address", "a\x00b", false},
		{"address", "a\x01b", false},
		{"address", "a\x1fb", false},
		{"address", "a\x7fb", false},
		{"address", "a\tb", false},
		{"address", "a\nb", false},
		{"address", "a\rb", false},
		{"address", "a\xffb", false},
		{"narrative", "line one\r\nline two\tindented", true},
		{"narrative", "a\x00b", false},
		{"narrative", "a\x0bb", false},
		{"notes", "a\nb", true},
		{"comment", "a\nb", true},
	} {
		err := CheckText(tc.field, tc.text)
		if (err == nil) != tc.ok {
			t.Errorf("CheckText(%q, %q) = %v, want ok %v", tc.field, tc.text, err, tc.ok)
		}
		if err != nil && (ErrorCode(err) != EINVALID || ErrorField(err) != tc.field) {
			t.Errorf("CheckText(%q, %q): code %q field %q, want invalid naming the field", tc.field, tc.text, ErrorCode(err), ErrorField(err))
		}
	}
}

func TestCheckTextFields(t *testing.T) {
	type survey struct {
		Comment string `json:"comment"`
		Other   string `json:"other_text"`
	}
	type body struct {
		Name      string            `json:"name"`
		Narrative string            `json:"narrative"`
		Tags      []string          `json:"tags"`
		Survey    *survey           `json:"survey"`
		Extra     map[string]string `json:"extra"`
		Any       any               `json:"any"`
		Hidden    string            `json:"-"`
		Photo     []byte            `json:"photo"`
		hidden    string
	}
	for _, tc := range []struct {
		name  string
		v     any
		field string // "" for no error
	}{
		{"clean", &body{Name: "a", Narrative: "x\ny", Tags: []string{"t"}, Survey: &survey{Comment: "a\nb"}}, ""},
		{"NUL in name", &body{Name: "a\x00"}, "name"},
		{"newline in name", &body{Name: "a\n"}, "name"},
		{"NUL in narrative", &body{Narrative: "a\x00"}, "narrative"},
		{"slice element", &body{Tags: []string{"ok", "b\x00"}}, "tags"},
		{"nested multi-line", &body{Survey: &survey{Comment: "a\r\nb"}}, ""},
		{"nested one-line", &body{Survey: &survey{Other: "a\tb"}}, "survey.other_text"},
		{"map value", &body{Extra: map[string]string{"k": "v\x00"}}, "extra"},
		{"map key", &body{Extra: map[string]string{"k\x00": "v"}}, "extra"},
		{"interface", &body{Any: map[string]any{"x": []any{"y\x07"}}}, "any"},
		{"ignored field", &body{Hidden: "\x00"}, ""},
		{"bytes", &body{Photo: []byte{0, 1, 2}}, ""},
		{"unexported", &body{hidden: "\x00"}, ""},
		{"nil", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckTextFields(tc.v)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("CheckTextFields: %v, want nil", err)
				}
				return
			}
			if ErrorCode(err) != EINVALID || ErrorField(err) != tc.field {
				t.Fatalf("CheckTextFields: %v, want invalid naming %q", err, tc.field)
			}
		})
	}
}

// TestValidateRefusesControlCharacters: the root package's Validate
// methods refuse what the web layer refuses, for importers and any other
// caller that does not pass through it.
func TestValidateRefusesControlCharacters(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	today := DateOf(now, time.UTC)
	call := &Call{Nature: "welfare\x00check", Address: "1 Main St"}
	if err := call.Validate(now); ErrorField(err) != "nature" {
		t.Errorf("call with NUL: %v, want invalid naming nature", err)
	}
	o := &Officer{Badge: "12", FirstName: "A", LastName: "B\nC"}
	if err := o.Validate(); ErrorField(err) != "last_name" {
		t.Errorf("officer with newline in name: %v, want invalid naming last_name", err)
	}
	p := &Person{FirstName: "A", LastName: "B", Address: "x\x00"}
	if err := p.Validate(today); ErrorField(err) != "address" {
		t.Errorf("person with NUL: %v, want invalid naming address", err)
	}
	e := &Encounter{OccurredAt: now, Narrative: "x\x00"}
	if err := e.ValidateDraft(now); ErrorField(err) != "narrative" {
		t.Errorf("encounter with NUL: %v, want invalid naming narrative", err)
	}
}

// TestEventDatesBounded: occurred, received and training dates before
// 1900 are refused naming the field (a draft dated 0001-01-02 once made
// the public dashboard 14 MB), as are dates more than a day ahead.
func TestEventDatesBounded(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	today := DateOf(now, time.UTC)
	old := time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)
	e := &Encounter{OccurredAt: old}
	if err := e.ValidateDraft(now); ErrorField(err) != "occurred_at" {
		t.Errorf("encounter in year 1: %v, want invalid naming occurred_at", err)
	}
	e = &Encounter{OccurredAt: time.Date(1899, 12, 31, 23, 0, 0, 0, time.UTC)}
	if err := e.ValidateDraft(now); ErrorField(err) != "occurred_at" {
		t.Errorf("encounter in 1899: %v, want invalid naming occurred_at", err)
	}
	e = &Encounter{OccurredAt: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := e.ValidateDraft(now); ErrorField(err) == "occurred_at" {
		t.Errorf("encounter on 1900-01-01: %v, want accepted", err)
	}
	c := &Call{Nature: "x", ReceivedAt: old}
	if err := c.Validate(now); ErrorField(err) != "received_at" {
		t.Errorf("call in year 1: %v, want invalid naming received_at", err)
	}
	r := &TrainingRecord{Kind: CourseOther, Completed: NewDate(1, 1, 2), Hours: 8}
	if err := r.Validate(today); ErrorField(err) != "completed" {
		t.Errorf("training in year 1: %v, want invalid naming completed", err)
	}
	r.Completed = EarliestDate
	if err := r.Validate(today); err != nil {
		t.Errorf("training on 1900-01-01: %v, want accepted", err)
	}
	if err := CheckEventTime("occurred_at", now.Add(25*time.Hour), now); ErrorField(err) != "occurred_at" {
		t.Errorf("CheckEventTime a day and an hour ahead: %v, want refused", err)
	}
	if err := CheckEventTime("occurred_at", now.Add(23*time.Hour), now); err != nil {
		t.Errorf("CheckEventTime 23 hours ahead: %v, want accepted", err)
	}
	if err := CheckEventDate("completed", today.AddDate(0, 0, 2), today); ErrorField(err) != "completed" {
		t.Errorf("CheckEventDate two days ahead: %v, want refused", err)
	}
}

func TestCheckOutcomeSpan(t *testing.T) {
	from := NewDate(2000, 1, 1)
	for _, tc := range []struct {
		from, to Date
		field    string
	}{
		{from, from.AddDate(20, 0, 0), ""},
		{from, from.AddDate(20, 0, 1), "to"},
		{NewDate(1, 1, 2), from, "from"},
		{Date{}, from, ""},
		{from, Date{}, ""},
	} {
		if err := CheckOutcomeSpan(tc.from, tc.to); ErrorField(err) != tc.field || (tc.field == "") != (err == nil) {
			t.Errorf("CheckOutcomeSpan(%s, %s) = %v, want field %q", tc.from, tc.to, err, tc.field)
		}
	}
}
