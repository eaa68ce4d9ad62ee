package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"citdesk"
)

// testAddresses is a small town: two Main Streets (north and south of the
// centre), an avenue, a road with an accented name, and a second place.
func testAddresses() []citdesk.Address {
	return []citdesk.Address{
		{HouseNumber: "12", Street: "N Main St", Place: "De Soto", Lat: 38.1420, Lon: -90.5551},
		{HouseNumber: "14", Street: "N Main St", Place: "De Soto", Lat: 38.1422, Lon: -90.5551},
		{HouseNumber: "120", Street: "N Main St", Place: "De Soto", Lat: 38.1440, Lon: -90.5551},
		{HouseNumber: "12", Street: "S Main St", Place: "De Soto", Lat: 38.1370, Lon: -90.5551},
		{HouseNumber: "300", Street: "Jefferson Ave", Place: "De Soto", Lat: 38.1395, Lon: -90.5500},
		{HouseNumber: "302", Street: "Jefferson Ave", Place: "De Soto", Lat: 38.1395, Lon: -90.5497},
		{HouseNumber: "1200", Street: "Vineland Rd", Place: "De Soto", Lat: 38.1280, Lon: -90.5430},
		{HouseNumber: "7", Street: "Rue Élise-Côté", Place: "De Soto", Lat: 38.1300, Lon: -90.5600},
		{HouseNumber: "5", Street: "Main Street", Place: "Hillsboro", Lat: 38.2320, Lon: -90.5630},
		{HouseNumber: "44", Street: "Boyd Dr", Place: "De Soto", Lat: 38.1410, Lon: -90.5620},
	}
}

func labels(ms []citdesk.GeocodeMatch) []string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Kind)+": "+m.Label)
	}
	return out
}

func TestSearch(t *testing.T) {
	ix := NewAddressIndex(testAddresses())
	for _, tc := range []struct {
		q     string
		first []string // the first matches, in order
		none  bool
	}{
		{q: "12 main st", first: []string{"address: 12 N Main St, De Soto", "address: 12 S Main St, De Soto"}},
		{q: "  12   MAIN   street ", first: []string{"address: 12 N Main St, De Soto", "address: 12 S Main St, De Soto"}},
		{q: "12 north main street", first: []string{"address: 12 N Main St, De Soto"}},
		{q: "12 N. Main St.", first: []string{"address: 12 N Main St, De Soto"}},
		{q: "12 s main", first: []string{"address: 12 S Main St, De Soto"}},
		{q: "12 main st de soto", first: []string{"address: 12 N Main St, De Soto", "address: 12 S Main St, De Soto"}},
		{q: "5 main street hillsboro", first: []string{"address: 5 Main Street, Hillsboro"}},
		{q: "300 jefferson avenue", first: []string{"address: 300 Jefferson Ave, De Soto"}},
		{q: "300 Jefferson Av", first: []string{"address: 300 Jefferson Ave, De Soto"}},
		{q: "1200 vineland road", first: []string{"address: 1200 Vineland Rd, De Soto"}},
		{q: "44 boyd drive", first: []string{"address: 44 Boyd Dr, De Soto"}},
		{q: "7 rue elise cote", first: []string{"address: 7 Rue Élise-Côté, De Soto"}},
		{q: "7 RUE ÉLISE CÔTÉ", first: []string{"address: 7 Rue Élise-Côté, De Soto"}},
		// Typing: the last word is matched by its beginning.
		{q: "300 jeff", first: []string{"address: 300 Jefferson Ave, De Soto"}},
		{q: "1200 vinel", first: []string{"address: 1200 Vineland Rd, De Soto"}},
		// A number the list lacks: the street, at its middle.
		{q: "999 jefferson ave", first: []string{"street: Jefferson Ave, De Soto"}},
		// A number being typed: the numbers it begins, lowest first, below an exact one.
		{q: "1 n main st", first: []string{"address: 12 N Main St, De Soto", "address: 14 N Main St, De Soto", "address: 120 N Main St, De Soto", "street: N Main St, De Soto"}},
		// No house number: streets, the shortest name first.
		{q: "main st", first: []string{"street: Main Street, Hillsboro", "street: N Main St, De Soto", "street: S Main St, De Soto"}},
		{q: "hillsboro", first: []string{"place: Hillsboro", "street: Main Street, Hillsboro"}},
		{q: "de soto", first: []string{"place: De Soto"}},
		// A place of two words written as one.
		{q: "desoto", first: []string{"place: De Soto"}},
		{q: "12 s main st desoto", first: []string{"address: 12 S Main St, De Soto"}},
		{q: "12 elm st", none: true},
		{q: "12", none: true},
		{q: "  ", none: true},
	} {
		t.Run(tc.q, func(t *testing.T) {
			got := labels(ix.Search(tc.q, 10))
			if tc.none {
				if len(got) != 0 {
					t.Fatalf("Search(%q) = %q, want nothing", tc.q, got)
				}
				return
			}
			if len(got) < len(tc.first) || !slices.Equal(got[:len(tc.first)], tc.first) {
				t.Fatalf("Search(%q) = %q, want it to begin %q", tc.q, got, tc.first)
			}
		})
	}
	if got := ix.Search("main st", 2); len(got) != 2 {
		t.Errorf("limit 2 gave %d matches", len(got))
	}
	m := ix.Search("12 main st", 1)[0]
	if m.Lat != 38.1420 || m.Lon != -90.5551 {
		t.Errorf("12 N Main St at %v, %v", m.Lat, m.Lon)
	}
	// A street's middle is one of its addresses, the nearest to their mean.
	s := ix.Search("n main st", 1)[0]
	if s.Kind != citdesk.GeocodeStreet || s.Lat != 38.1422 {
		t.Errorf("the middle of N Main St: %+v", s)
	}
}

func TestTokens(t *testing.T) {
	for in, want := range map[string]string{
		"N. Main St.":         "north main street",
		"  Rue  Élise-Côté  ": "rue elise cote",
		"O'Fallon Blvd":       "ofallon boulevard",
		"Straße 7":            "strasse 7",
		"SW Hwy 21":           "southwest highway 21",
	} {
		if got := fmt.Sprint(Tokens(in)); got != fmt.Sprint(slices.Collect(slices.Values(splitWords(want)))) {
			t.Errorf("Tokens(%q) = %v, want %v", in, got, want)
		}
	}
}

func splitWords(s string) []string {
	var out []string
	w := ""
	for _, r := range s + " " {
		if r == ' ' {
			if w != "" {
				out = append(out, w)
			}
			w = ""
			continue
		}
		w += string(r)
	}
	return out
}

func TestReverse(t *testing.T) {
	ix := NewAddressIndex(testAddresses())
	for _, tc := range []struct {
		lat, lon float64
		want     string
		maxM     float64
	}{
		{38.14201, -90.55511, "12 N Main St, De Soto", 3},
		{38.1396, -90.5499, "300 Jefferson Ave, De Soto", 20},
		{38.2000, -90.5600, "5 Main Street, Hillsboro", 4000}, // far from all: the nearest still
		{10, 10, "", 1e8}, // very far: a plain scan finds it
	} {
		m, ok := ix.Reverse(tc.lat, tc.lon)
		if !ok || m.DistanceM == nil || *m.DistanceM > tc.maxM || tc.want != "" && m.Label != tc.want {
			t.Errorf("Reverse(%v, %v) = %+v (%v), want %q within %v m", tc.lat, tc.lon, m, ok, tc.want, tc.maxM)
		}
	}
	if _, ok := NewAddressIndex(nil).Reverse(38, -90); ok {
		t.Error("an empty index found an address")
	}
}

// TestReverseIsNearest: the grid search finds what a plain scan of every
// address finds, on random points near and far.
func TestReverseIsNearest(t *testing.T) {
	addrs := syntheticAddresses(5000, 1)
	ix := NewAddressIndex(addrs)
	rng := rand.New(rand.NewPCG(7, 8))
	for range 500 {
		lat, lon := 38.14+(rng.Float64()-0.5)*0.4, -90.55+(rng.Float64()-0.5)*0.4
		m, ok := ix.Reverse(lat, lon)
		best := math.Inf(1)
		for _, a := range addrs {
			best = math.Min(best, Distance(lat, lon, a.Lat, a.Lon))
		}
		if !ok || math.Abs(*m.DistanceM-best) > 0.5 {
			t.Fatalf("Reverse(%v, %v) = %v m away, the nearest is %v m", lat, lon, *m.DistanceM, best)
		}
	}
}

// syntheticAddresses invents n addresses on a grid of streets around De
// Soto, about 50 to a street.
func syntheticAddresses(n int, seed uint64) []citdesk.Address {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	names := []string{"Main", "Oak", "Maple", "Cedar", "Elm", "Pine", "Walnut", "Hickory", "Jefferson", "Washington", "Lincoln", "Madison",
		"Boyd", "Miller", "Clement", "Pratt", "Vineland", "Easton", "Mill", "Church", "Spring", "Ridge", "Lake", "Forest", "Sunset"}
	kinds := []string{"St", "Ave", "Rd", "Dr", "Ln", "Ct", "Blvd", "Pl"}
	dirs := []string{"", "N ", "S ", "E ", "W "}
	places := []string{"De Soto", "Hillsboro", "Festus", "Crystal City", "Herculaneum", "Pevely", "Arnold", "Barnhart"}
	out := make([]citdesk.Address, 0, n)
	for len(out) < n {
		st := dirs[rng.IntN(len(dirs))] + names[rng.IntN(len(names))] + " " + fmt.Sprint(len(out)/1000) + "th " + kinds[rng.IntN(len(kinds))]
		place := places[rng.IntN(len(places))]
		lat0, lon0 := 38.14+(rng.Float64()-0.5)*0.3, -90.55+(rng.Float64()-0.5)*0.3
		for h := 0; h < 50 && len(out) < n; h++ {
			out = append(out, citdesk.Address{HouseNumber: fmt.Sprint(100 + 2*h), Street: st, Place: place, Lat: lat0 + float64(h)*0.0002, Lon: lon0})
		}
	}
	return out
}

// BenchmarkSearch looks up addresses as a dispatcher types them, in an
// index of 50,000 addresses (1,000 streets in 8 places).
func BenchmarkSearch(b *testing.B) {
	for _, n := range []int{50_000} {
		ix := NewAddressIndex(syntheticAddresses(n, 1))
		queries := []string{"1", "12", "120 m", "120 main", "120 n main 3th st", "oak", "hickory 12th a", "crystal city", "150 s cedar 40th ave festus"}
		b.Run(fmt.Sprintf("addresses=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ix.Search(queries[i%len(queries)], 10)
				i++
			}
		})
	}
}

// BenchmarkReverse names the address nearest a map click among 50,000.
func BenchmarkReverse(b *testing.B) {
	ix := NewAddressIndex(syntheticAddresses(50_000, 1))
	rng := rand.New(rand.NewPCG(3, 4))
	b.ReportAllocs()
	for b.Loop() {
		ix.Reverse(38.14+(rng.Float64()-0.5)*0.3, -90.55+(rng.Float64()-0.5)*0.3)
	}
}

// BenchmarkNewAddressIndex builds the index of 50,000 addresses, as the
// store does once after each import.
func BenchmarkNewAddressIndex(b *testing.B) {
	addrs := syntheticAddresses(50_000, 1)
	b.ReportAllocs()
	for b.Loop() {
		NewAddressIndex(addrs)
	}
}

// FuzzSearch checks that no query makes Search or Tokens panic, and that
// Search keeps to its limit and returns only labelled matches.
func FuzzSearch(f *testing.F) {
	ix := NewAddressIndex(testAddresses())
	for _, q := range []string{"12 main st", "  ", "1", "7 RUE ÉLISE", "desoto", "\x00", "ß", "12 12 12", "n s e w"} {
		f.Add(q, 5)
	}
	f.Fuzz(func(t *testing.T, q string, limit int) {
		limit = limit%60 - 5
		Tokens(q)
		ms := ix.Search(q, limit)
		if len(ms) > max(limit, 0) {
			t.Fatalf("Search(%q, %d) gave %d matches", q, limit, len(ms))
		}
		for _, m := range ms {
			if m.Label == "" || m.Kind == "" {
				t.Fatalf("Search(%q): a match without label or kind: %+v", q, m)
			}
		}
	})
}
