package outcomes

import (
	"encoding/json"
	"math"
	"testing"
)

// TestWilson checks the interval against published values. The 38 of 51
// case is the design's example sentence (0.6113–0.8445, which prints as
// 61–84%; the design's "61–85%" was written by hand); the others are the
// textbook cases (Newcombe, "Two-sided confidence intervals for the single
// proportion", Statistics in Medicine 1998, table I: 81/263 gives
// 0.2553–0.3662; 15/148 gives 0.0624–0.1605; 0/20 gives 0–0.1611; 1/29
// gives 0.0061–0.1718).
func TestWilson(t *testing.T) {
	tests := []struct {
		k, n   int
		lo, hi float64
	}{
		{38, 51, 0.6113, 0.8445},
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{5, 10, 0.2366, 0.7634},
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0, 0.1611},
		{1, 29, 0.0061, 0.1718},
		{1, 1, 0.2065, 1},
	}
	for _, tc := range tests {
		lo, hi := Wilson(tc.k, tc.n, Z95)
		if math.Abs(lo-tc.lo) > 0.00051 || math.Abs(hi-tc.hi) > 0.00051 {
			t.Errorf("Wilson(%d, %d) = %.4f–%.4f, want %.4f–%.4f", tc.k, tc.n, lo, hi, tc.lo, tc.hi)
		}
	}
	if lo, hi := Wilson(0, 0, Z95); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("Wilson(0, 0) = %v–%v, want NaN–NaN (no rate without a denominator)", lo, hi)
	}
	// Out-of-range k is clamped rather than giving an interval outside [0, 1].
	lo, hi := Wilson(12, 10, Z95)
	if wlo, whi := Wilson(10, 10, Z95); lo != wlo || hi != whi {
		t.Errorf("Wilson(12, 10) = %v–%v, want as for 10 of 10: %v–%v", lo, hi, wlo, whi)
	}
	// The interval always holds the rate, and narrows as n grows.
	prevWidth := 2.0
	for n := 1; n <= 4096; n *= 2 {
		k := n / 3
		lo, hi := Wilson(k, n, Z95)
		p := float64(k) / float64(n)
		if lo > p || hi < p || lo < 0 || hi > 1 {
			t.Errorf("Wilson(%d, %d) = %v–%v does not hold %v", k, n, lo, hi, p)
		}
		if hi-lo >= prevWidth {
			t.Errorf("Wilson(%d, %d) width %v not below %v", k, n, hi-lo, prevWidth)
		}
		prevWidth = hi - lo
	}
}

func TestFloatJSON(t *testing.T) {
	b, err := json.Marshal(struct{ A, B Float }{Float(math.NaN()), 0.25})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"A":null,"B":0.25}` {
		t.Errorf("got %s", b)
	}
	var back struct{ A, B Float }
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.A.Defined() || back.B != 0.25 {
		t.Errorf("round trip gave %v, %v", back.A, back.B)
	}
}
