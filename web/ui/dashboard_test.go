package ui

import (
	"testing"

	"citdesk"
	"citdesk/outcomes"
)

// TestPartWords checks how a partial month is named: by the range's start,
// by its end when that is past, or "so far".
func TestPartWords(t *testing.T) {
	d := func(s string) citdesk.Date {
		t.Helper()
		v, err := citdesk.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	today := d("2026-03-10")
	for _, c := range []struct {
		period   string
		partial  bool
		from, to citdesk.Date
		want     string
	}{
		{"2026-02", false, d("2025-03-11"), today, ""},
		{"2025-03", true, d("2025-03-11"), today, "from Mar 11"},
		{"2026-03", true, d("2025-03-11"), today, "so far"},
		{"2026-03", true, citdesk.Date{}, citdesk.Date{}, "so far"},
		{"2016-06", true, d("2016-03-15"), d("2016-06-20"), "to Jun 20"},
		{"2026-03", true, d("2026-01-01"), d("2026-03-31"), "so far"},
	} {
		if got := partWords(c.period, c.partial, c.from, c.to, today); got != c.want {
			t.Errorf("%s %v %s..%s: %q, want %q", c.period, c.partial, c.from, c.to, got, c.want)
		}
	}
}

// TestChartPartialLabel checks the name of a chart's partial series: "so
// far" (outcomes.js's default) whenever the month under way is drawn.
func TestChartPartialLabel(t *testing.T) {
	one := 1.0
	for _, c := range []struct {
		parts []string
		want  string
	}{
		{[]string{"", "", ""}, ""},
		{[]string{"from Mar 11", "", "so far"}, ""},
		{[]string{"", "", "so far"}, ""},
		{[]string{"from Mar 15", "", "to Jun 20"}, "All, part of a month"},
		{[]string{"", "to Jun 20"}, "All, part of a month"},
	} {
		var cs chartSeries
		for i, p := range c.parts {
			cs.addPoint("2026-0"+string(rune('1'+i)), p, &one)
		}
		if cs.PartialLabel != c.want {
			t.Errorf("%q: label %q, want %q", c.parts, cs.PartialLabel, c.want)
		}
		if want := c.parts[len(c.parts)-1] != "" || c.parts[0] != ""; want != (cs.Partial != nil) {
			t.Errorf("%q: partial %v", c.parts, cs.Partial)
		}
	}
}

// TestChangeTextThousands checks that a change in a count is written with
// thousands separators, as the page's other counts are.
func TestChangeTextThousands(t *testing.T) {
	for _, c := range []struct {
		cur, prev int
		want      string
	}{
		{2500, 1200, "+1,300 (+108%)"},
		{1200, 0, "+1,200"},
		{0, 1500, "-1,500 (-100%)"},
		{12, 12, "no change"},
	} {
		if got := changeText(outcomes.Cell{Count: c.cur}, outcomes.Cell{Count: c.prev}, outcomes.UnitCount); got != c.want {
			t.Errorf("%d from %d: %q, want %q", c.cur, c.prev, got, c.want)
		}
	}
}
