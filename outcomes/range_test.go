package outcomes

import (
	"testing"
	"time"

	"citdesk"
)

// TestPublicFrom: the public figures cover all time unless the records
// reach back more than 20 years, then the last 20.
func TestPublicFrom(t *testing.T) {
	today := citdesk.NewDate(2026, 3, 1)
	recent := Encounter{Occurred: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	undated := Encounter{}
	old := Encounter{Occurred: time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)}
	if got := publicFrom([]Encounter{recent, undated}, today); !got.IsZero() {
		t.Errorf("recent records: from %s, want all time", got)
	}
	if got, want := publicFrom([]Encounter{recent, old, undated}, today), citdesk.NewDate(2006, 3, 1); got != want {
		t.Errorf("a record from 1950: from %s, want %s", got, want)
	}
}

func TestCheckRange(t *testing.T) {
	today := citdesk.NewDate(2026, 3, 1)
	for _, tc := range []struct {
		from, to citdesk.Date
		field    string
	}{
		{citdesk.Date{}, citdesk.Date{}, ""},
		{citdesk.NewDate(2010, 1, 1), citdesk.Date{}, ""},
		{citdesk.NewDate(2005, 1, 1), citdesk.Date{}, "from"},
		{citdesk.Date{}, citdesk.NewDate(1899, 1, 1), "to"},
		{citdesk.NewDate(1950, 1, 1), citdesk.NewDate(1969, 1, 1), ""},
		{citdesk.NewDate(1950, 1, 1), citdesk.NewDate(1971, 1, 1), "to"},
	} {
		err := checkRange(tc.from, tc.to, today)
		if citdesk.ErrorField(err) != tc.field || (tc.field == "") != (err == nil) {
			t.Errorf("checkRange(%s, %s) = %v, want field %q", tc.from, tc.to, err, tc.field)
		}
	}
}
