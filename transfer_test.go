package citdesk_test

import (
	"testing"
	"time"

	"citdesk"
)

// TestRepeatRule checks the root rules the store applies: the window's
// ends and what makes two calls about the same person.
func TestRepeatRule(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		d    time.Duration
		want bool
	}{{0, false}, {time.Microsecond, true}, {24 * time.Hour, true}, {24*time.Hour + time.Microsecond, false}, {-time.Hour, false}} {
		if got := citdesk.IsRepeat(at, at.Add(c.d)); got != c.want {
			t.Errorf("IsRepeat(+%v) = %v", c.d, got)
		}
	}
	a := citdesk.CallSubject{Address: "1204 Boyd Street #3"}
	b := citdesk.CallSubject{Address: "1204 boyd st apt 3"}
	if !citdesk.SamePerson(a, b, false) {
		t.Error("same address, no reports: same person")
	}
	if citdesk.SamePerson(citdesk.CallSubject{}, citdesk.CallSubject{}, false) {
		t.Error("two calls with no address are not about the same person")
	}
	al, bl := a, b
	al.Linked, bl.Linked = true, true
	if citdesk.SamePerson(al, bl, false) || !citdesk.SamePerson(al, bl, true) {
		t.Error("both linked: the persons decide")
	}
	if !citdesk.SamePerson(al, b, false) {
		t.Error("one linked: the address decides")
	}
}
