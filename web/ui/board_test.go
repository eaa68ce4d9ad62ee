package ui

import "testing"

func TestETAText(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		eta, dist *int
		metric    bool
		want      string
	}{
		{nil, n(3000), false, "ETA unknown"},
		{n(30), nil, false, "under 1 min"},
		{n(240), n(3100), false, "about 4 min · 1.9 mi"},
		{n(240), n(3100), true, "about 4 min · 3.1 km"},
		{n(45), n(120), false, "under 1 min · 400 ft"},
		{n(45), n(120), true, "under 1 min · 120 m"},
		{n(45), n(5), false, "under 1 min · 50 ft"},
		{n(90), n(161), false, "about 2 min · 0.1 mi"},
		{n(600), n(16093), false, "about 10 min · 10.0 mi"},
	} {
		if got := etaText(tc.eta, tc.dist, tc.metric); got != tc.want {
			t.Errorf("etaText(%v, %v, metric %v) = %q, want %q", tc.eta, tc.dist, tc.metric, got, tc.want)
		}
	}
}
