package dispatch

import "math"

// earthRadiusM is the Earth's mean radius in metres (IUGG R1).
const earthRadiusM = 6371008.8

// ETAEstimator estimates how long an officer at (fromLat, fromLon) takes to
// reach (toLat, toLon), in seconds, and how far that is, in metres.
// Recommend treats a result that is negative, NaN or infinite as "no route".
// Implementations must be safe for concurrent use, since one Index may serve
// many requests at once.
type ETAEstimator interface {
	ETA(fromLat, fromLon, toLat, toLon float64) (seconds float64, meters float64)
}

// StraightLine is the default ETAEstimator: the great-circle distance
// stretched by RoadFactor (road distance ÷ straight-line distance) and
// driven at SpeedKMH. It stands in until citdesk has a road network.
type StraightLine struct {
	RoadFactor float64 // 1 or more; a non-positive value counts as 1
	SpeedKMH   float64 // average response speed; a non-positive value gives an infinite ETA
}

// ETA returns the travel time in seconds and the road distance in metres
// from (fromLat, fromLon) to (toLat, toLon).
func (s StraightLine) ETA(fromLat, fromLon, toLat, toLon float64) (seconds float64, meters float64) {
	f := s.RoadFactor
	if f <= 0 {
		f = 1
	}
	meters = Haversine(fromLat, fromLon, toLat, toLon) * f
	if s.SpeedKMH <= 0 {
		return math.Inf(1), meters
	}
	return meters / (s.SpeedKMH / 3.6), meters
}

// Haversine returns the great-circle distance in metres between two points
// given in decimal degrees, on a sphere of the Earth's mean radius. Over the
// distances of a patrol area it is within about 0.5% of the distance on the
// WGS 84 ellipsoid, far closer than the road factor that follows it.
func Haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	p1, p2 := lat1*rad, lat2*rad
	sdp := math.Sin((p2 - p1) / 2)
	sdl := math.Sin((lon2 - lon1) * rad / 2)
	a := sdp*sdp + math.Cos(p1)*math.Cos(p2)*sdl*sdl
	if a > 1 { // rounding, near antipodes
		a = 1
	}
	return 2 * earthRadiusM * math.Asin(math.Sqrt(a))
}

// straightTo is a StraightLine with its destination fixed, so the loop over
// thousands of units calls a concrete method, not an interface, and pays
// for the destination's trigonometry once.
type straightTo struct {
	lat, lon       float64 // destination, degrees
	cosLat, sinLat float64
	factor, mps    float64 // road factor; speed in metres per second
	secPerDeg      float64 // seconds per degree of latitude, for lowerBound
}

func newStraightTo(s StraightLine, lat, lon float64) straightTo {
	p := straightTo{lat: lat, lon: lon, factor: s.RoadFactor, mps: s.SpeedKMH / 3.6}
	if p.factor <= 0 {
		p.factor = 1
	}
	p.sinLat, p.cosLat = math.Sincos(lat * math.Pi / 180)
	if p.mps > 0 {
		p.secPerDeg = math.Pi / 180 * earthRadiusM * (1 - 1e-9) * p.factor / p.mps
	}
	return p
}

// eta is StraightLine.ETA from (lat, lon) to the fixed destination.
func (p *straightTo) eta(lat, lon float64) (seconds, meters float64) {
	meters = p.haversine(lat, lon) * p.factor
	if p.mps <= 0 {
		return math.Inf(1), meters
	}
	return meters / p.mps, meters
}

// lowerBound returns a time eta never beats from latitude lat: no path is
// shorter than the difference in latitude, R·|Δφ|. It is shaved by a part in
// a billion so rounding in eta cannot cross it.
func (p *straightTo) lowerBound(lat float64) float64 {
	return math.Abs(lat-p.lat) * p.secPerDeg
}

// haversine is Haversine from (lat, lon) to the destination. Within about
// 0.02 radians (some 120 km) of it, every term is computed by its Taylor
// series, truncated where the remainder falls below 1e-15 of the result,
// so the answer matches Haversine to rounding at a fraction of the cost;
// farther away it calls Haversine.
func (p *straightTo) haversine(lat, lon float64) float64 {
	const rad, near = math.Pi / 180, 0.02
	dp, dl := (lat-p.lat)*rad, (lon-p.lon)*rad
	if dp > near || dp < -near || dl > near || dl < -near {
		return Haversine(lat, lon, p.lat, p.lon)
	}
	// cos φ = cos(φ0 + dp) = cos φ0 cos dp − sin φ0 sin dp. Constants are
	// reciprocals so the series multiply, never divide.
	const c2, c3, c4, c5, c6 = 1.0 / 2, 1.0 / 6, 1.0 / 12, 1.0 / 20, 1.0 / 30
	dp2 := dp * dp
	cosDp := 1 - dp2*c2*(1-dp2*c4*(1-dp2*c6))
	sinDp := dp * (1 - dp2*c3*(1-dp2*c5))
	cosLat := p.cosLat*cosDp - p.sinLat*sinDp
	h1, h2 := dp*c2, dl*c2
	s1 := h1 * (1 - h1*h1*c3*(1-h1*h1*c5))
	s2 := h2 * (1 - h2*h2*c3*(1-h2*h2*c5))
	a := s1*s1 + p.cosLat*cosLat*s2*s2
	x := math.Sqrt(a) // ≤ 0.015, so asin x = x + x³/6 + 3x⁵/40 + 5x⁷/112 + …
	const a3, a5, a7 = 1.0 / 6, 3.0 / 40, 5.0 / 112
	return 2 * earthRadiusM * x * (1 + a*(a3+a*(a5+a*a7)))
}

// ETASource says what an estimate is based on.
type ETASource string

// The sources of an estimate.
const (
	// ETARoad is the quickest drive on the agency's road map.
	ETARoad ETASource = "road"
	// ETAStraightLine is the straight line stretched by the road factor
	// (StraightLine): there is no map, or the map gave no route.
	ETAStraightLine ETASource = "straight_line"
)

// RouteEstimator estimates travel on a road map, to one destination from
// many origins at once: Toward fixes the destination (the call), and the
// Route it returns answers each origin (an officer). It is what a road
// graph with a speed-up technique offers; Options.Roads plugs one in.
// Implementations must be safe for concurrent use; a Route is used by one
// goroutine and closed after.
type RouteEstimator interface {
	// Toward fixes the destination; nil means no map to drive on (every
	// officer is estimated by the straight line).
	Toward(lat, lon float64) Route
}

// Route answers trips to one fixed destination.
type Route interface {
	// From returns the drive from (lat, lon) in seconds and metres; ok is
	// false when the map has no answer (a point far from any road, no
	// road between the two), and the recommender then falls back to the
	// straight line for that officer.
	From(lat, lon float64) (seconds, meters float64, ok bool)
	// Close releases what the route holds.
	Close()
}
