package ui

import (
	"testing"

	"citdesk/dispatch"
)

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

// TestBoardETA: an estimate on the road map says so; a straight-line one
// reads as before.
func TestBoardETA(t *testing.T) {
	n := func(v int) *int { return &v }
	road, line := dispatch.ETARoad, dispatch.ETAStraightLine
	for _, tc := range []struct {
		r    dispatch.Recommendation
		want string
	}{
		{dispatch.Recommendation{ETASeconds: n(240), DistanceM: n(3100), ETASource: &road}, "about 4 min by road · 1.9 mi"},
		{dispatch.Recommendation{ETASeconds: n(240), DistanceM: n(3100), ETASource: &line}, "about 4 min · 1.9 mi"},
		{dispatch.Recommendation{ETASeconds: n(30), ETASource: &road}, "under 1 min by road"},
		{dispatch.Recommendation{}, "ETA unknown"},
	} {
		if got := boardETA(tc.r, false); got != tc.want {
			t.Errorf("boardETA(%v) = %q, want %q", tc.r.ETASource, got, tc.want)
		}
	}
}
