package demo

import (
	"testing"

	"citdesk"
	"citdesk/geo"
)

// TestAddresses: the invented list is valid, has no address twice, and
// answers the lookups the README and the demo's calls use.
func TestAddresses(t *testing.T) {
	list := Addresses()
	if len(list) < 1500 {
		t.Fatalf("%d addresses", len(list))
	}
	seen := map[string]bool{}
	for i := range list {
		a := list[i]
		if err := a.Validate(); err != nil {
			t.Fatalf("%s: %v", a.Label(), err)
		}
		if seen[a.Label()] {
			t.Fatalf("%s twice", a.Label())
		}
		seen[a.Label()] = true
		if d := geo.Distance(centreLat, centreLon, a.Lat, a.Lon); d > 3000 {
			t.Errorf("%s is %.0f m from the centre", a.Label(), d)
		}
	}
	ix := geo.NewAddressIndex(list)
	for q, want := range map[string]string{
		"12 main st":       "12 N Main St, De Soto",
		"12 s main":        "12 S Main St, De Soto",
		"1200 vineland rd": "1200 Vineland Rd, De Soto",
		"700 N Main St":    "700 N Main St, De Soto",
		"401 s main st":    "401 S Main St, De Soto",
	} {
		ms := ix.Search(q, 1)
		if len(ms) != 1 || ms[0].Label != want || ms[0].Kind != citdesk.GeocodeAddress {
			t.Errorf("Search(%q) = %+v, want %s", q, ms, want)
		}
	}
}
