package outcomes

import (
	"encoding/json"
	"math"
	"strconv"
)

// Z95 is the standard normal quantile for a two-sided 95% interval.
const Z95 = 1.959963984540054

// Wilson returns the Wilson score interval for k successes in n trials at
// the normal quantile z (Z95 for 95%). Unlike the textbook p ± z·SE it stays
// inside [0, 1] and is honest at small n and at 0 or n successes, which
// outcome figures often are (k=0, n=10 gives 0–0.278, not 0–0).
//
// For n <= 0 there is no rate, and Wilson returns NaN, NaN: callers show no
// interval rather than a made-up one. k is clamped to [0, n].
func Wilson(k, n int, z float64) (lo, hi float64) {
	if n <= 0 {
		return math.NaN(), math.NaN()
	}
	k = min(max(k, 0), n)
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	denom := 1 + z2/nf
	centre := (p + z2/(2*nf)) / denom
	half := z / denom * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	lo, hi = centre-half, centre+half
	// At k = 0 and k = n the formula gives the bound exactly in real
	// arithmetic; pin it so rounding does not print "-0%" or "100.0000001%".
	if k == 0 {
		lo = 0
	}
	if k == n {
		hi = 1
	}
	return max(lo, 0), min(hi, 1)
}

// Float is a float64 written to JSON as null when it is NaN, which is how
// the package says "undefined" (a rate with no denominator, a median of no
// values). encoding/json refuses NaN, so the type makes the case explicit.
type Float float64

// Defined reports whether f is a number, not NaN.
func (f Float) Defined() bool { return !math.IsNaN(float64(f)) }

// MarshalJSON writes f as a number, or null when it is NaN or infinite.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number, or null as NaN.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = Float(v)
	return nil
}
