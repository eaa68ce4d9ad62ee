package citdesk

import (
	"context"
	"math"
	"strings"
	"unicode/utf8"
)

// Address lookup (issue 15; issue 13 adds OpenStreetMap). A dispatcher
// types an address and gets its location; a click on the map names the
// nearest address. The agency's own address list answers now
// (AddressService, "citdesk import addresses"); an OpenStreetMap index
// plugs in later behind the same Geocoder.

// Address is one address on an agency's own list: a house number on a
// street in a place (city, town or locality), and where it is.
type Address struct {
	AgencyID    int64   `json:"-"`
	HouseNumber string  `json:"house_number"` // "12", "12A", "1200-1210"; may be blank for a named point on the street
	Street      string  `json:"street"`       // as people write it: "N Main St"
	Place       string  `json:"place"`        // city, town or locality: "De Soto"
	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
}

// Limits on an address's fields.
const (
	maxHouseNumber = 20
	maxStreet      = 200
	maxPlace       = 100
)

// Validate checks an address, naming the field that is wrong.
func (a *Address) Validate() error {
	a.HouseNumber = strings.Join(strings.Fields(a.HouseNumber), " ")
	a.Street = strings.Join(strings.Fields(a.Street), " ")
	a.Place = strings.Join(strings.Fields(a.Place), " ")
	for _, f := range []struct {
		name, v string
		max     int
	}{{"house_number", a.HouseNumber, maxHouseNumber}, {"street", a.Street, maxStreet}, {"place", a.Place, maxPlace}} {
		if !utf8.ValidString(f.v) || strings.ContainsFunc(f.v, isControl) {
			return FieldErrorf(f.name, "The %s holds characters that are not text.", strings.ReplaceAll(f.name, "_", " "))
		}
		if utf8.RuneCountInString(f.v) > f.max {
			return FieldErrorf(f.name, "The %s is longer than %d characters.", strings.ReplaceAll(f.name, "_", " "), f.max)
		}
	}
	if a.Street == "" {
		return FieldErrorf("street", "The street is required.")
	}
	if math.IsNaN(a.Lat) || a.Lat < -90 || a.Lat > 90 {
		return FieldErrorf("lat", "The latitude must be decimal degrees from -90 to 90, such as 38.1395.")
	}
	if math.IsNaN(a.Lon) || a.Lon < -180 || a.Lon > 180 {
		return FieldErrorf("lon", "The longitude must be decimal degrees from -180 to 180, such as -90.5551.")
	}
	if a.Lat == 0 && a.Lon == 0 {
		return FieldErrorf("lat", "The location 0, 0 is in the ocean off Africa: the latitude and longitude are missing.")
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// Label is the address as the board shows it: "12 N Main St, De Soto".
func (a *Address) Label() string {
	s := a.Street
	if a.HouseNumber != "" {
		s = a.HouseNumber + " " + s
	}
	if a.Place != "" {
		s += ", " + a.Place
	}
	return s
}

// GeocodeKind says what a match is.
type GeocodeKind string

// The kinds of match.
const (
	GeocodeAddress GeocodeKind = "address" // a house number on a street
	GeocodeStreet  GeocodeKind = "street"  // a street, at its middle: the query gave no house number, or one the list lacks
	GeocodePlace   GeocodeKind = "place"   // a city, town or locality, at its middle
)

// GeocodeMatch is one answer to an address lookup.
type GeocodeMatch struct {
	Label string      `json:"label"`
	Lat   float64     `json:"lat"`
	Lon   float64     `json:"lon"`
	Kind  GeocodeKind `json:"kind"`
	// DistanceM is how far the asked point is from the match, in meters;
	// set by Reverse only.
	DistanceM *float64 `json:"distance_m,omitempty"`
}

// Geocoding limits: how long a query may be and how many matches one
// lookup returns.
const (
	MaxGeocodeQuery = 200
	MaxGeocodeLimit = 50
	// DefaultGeocodeLimit is the number of matches when none is asked for.
	DefaultGeocodeLimit = 10
)

// Geocoder finds locations by address and addresses by location, for one
// agency. Search ranks the best matches for what a dispatcher has typed so
// far (tolerant of case, extra spaces, accents and abbreviations such as
// St/Street, Ave/Avenue, N/North), at most limit of them, best first, and
// an empty list when nothing matches. Reverse returns the address nearest
// to (lat, lon) with its distance, or ENOTFOUND when the agency has no
// addresses. Addresses are public facts, so a Geocoder reads no audited
// record; the route's action (DispatchCalls) decides who may ask, and an
// actor in ctx may ask only about their own agency.
type Geocoder interface {
	Search(ctx context.Context, agencyID int64, q string, limit int) ([]GeocodeMatch, error)
	Reverse(ctx context.Context, agencyID int64, lat, lon float64) (*GeocodeMatch, error)
}

// AddressService keeps an agency's own address list.
type AddressService interface {
	// ReplaceAddresses replaces the actor's agency's address list with
	// list, all or nothing, after checking every address (the error names
	// the first wrong one by its position). It returns how many the list
	// held before. It needs ManageAgency.
	ReplaceAddresses(ctx context.Context, list []Address) (replaced int, err error)
}

// CheckGeocodeQuery checks and trims a lookup's query and limit (0 means
// DefaultGeocodeLimit), naming the field that is wrong.
func CheckGeocodeQuery(q string, limit int) (string, int, error) {
	q = strings.TrimSpace(q)
	switch {
	case q == "":
		return "", 0, FieldErrorf("q", "Type part of an address to look it up, such as 12 Main St.")
	case utf8.RuneCountInString(q) > MaxGeocodeQuery:
		return "", 0, FieldErrorf("q", "An address to look up is at most %d characters.", MaxGeocodeQuery)
	case !utf8.ValidString(q) || strings.ContainsFunc(q, isControl):
		return "", 0, FieldErrorf("q", "The address holds characters that are not text.")
	case limit < 0 || limit > MaxGeocodeLimit:
		return "", 0, FieldErrorf("limit", "limit must be a whole number from 1 to %d.", MaxGeocodeLimit)
	case limit == 0:
		limit = DefaultGeocodeLimit
	}
	return q, limit, nil
}

// CheckPoint checks a latitude and longitude asked about, naming the
// field that is wrong.
func CheckPoint(lat, lon float64) error {
	if math.IsNaN(lat) || math.IsInf(lat, 0) || lat < -90 || lat > 90 {
		return FieldErrorf("lat", "lat must be decimal degrees from -90 to 90, such as 38.1395.")
	}
	if math.IsNaN(lon) || math.IsInf(lon, 0) || lon < -180 || lon > 180 {
		return FieldErrorf("lon", "lon must be decimal degrees from -180 to 180, such as -90.5551.")
	}
	return nil
}
