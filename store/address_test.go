package store_test

import (
	"fmt"
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// townAddresses is a small address list around De Soto.
func townAddresses() []citdesk.Address {
	return []citdesk.Address{
		{HouseNumber: "12", Street: "N Main St", Place: "De Soto", Lat: 38.1420, Lon: -90.5551},
		{HouseNumber: "14", Street: "N Main St", Place: "De Soto", Lat: 38.1422, Lon: -90.5551},
		{HouseNumber: "12", Street: "S Main St", Place: "De Soto", Lat: 38.1370, Lon: -90.5551},
		{HouseNumber: "300", Street: "Jefferson Ave", Place: "De Soto", Lat: 38.1395, Lon: -90.5500},
		{HouseNumber: "1200", Street: "Vineland Rd", Place: "De Soto", Lat: 38.1280, Lon: -90.5430},
		{HouseNumber: "7", Street: "Rue Élise-Côté", Place: "De Soto", Lat: 38.1300, Lon: -90.5600},
	}
}

func matchLabels(ms []citdesk.GeocodeMatch) []string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Kind)+": "+m.Label)
	}
	return out
}

// TestAddressLookup: an imported list is searched with ranking,
// abbreviations and accents folded, and reverse lookup names the nearest
// address; a re-import replaces the list everywhere, all or nothing.
func TestAddressLookup(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		agency, op := storetest.Agency(t, db, "desoto")
		other, opB := storetest.Agency(t, db, "hillsboro")
		_, disp := storetest.User(t, db, op, "disp", citdesk.RoleDispatcher)
		g, addrs := db.Geocoder(), db.AddressService()

		// No list yet: nothing found, and reverse says so.
		if ms, err := g.Search(disp, agency.ID, "12 main st", 10); err != nil || len(ms) != 0 {
			t.Fatalf("search with no list: %v, %v", ms, err)
		}
		if _, err := g.Reverse(disp, agency.ID, 38.14, -90.55); citdesk.ErrorCode(err) != citdesk.ENOTFOUND {
			t.Fatalf("reverse with no list: %v", err)
		}

		// Only an admin (or operator) loads the list.
		if _, err := addrs.ReplaceAddresses(disp, townAddresses()); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
			t.Fatalf("a dispatcher replaced the address list: %v", err)
		}
		if n, err := addrs.ReplaceAddresses(op, townAddresses()); err != nil || n != 0 {
			t.Fatalf("import: %d, %v", n, err)
		}
		for q, want := range map[string]string{
			"12 main st":           "[address: 12 N Main St, De Soto address: 12 S Main St, De Soto]",
			"12 NORTH main street": "[address: 12 N Main St, De Soto]",
			"300 jefferson avenue": "[address: 300 Jefferson Ave, De Soto]",
			"1200 Vineland Road":   "[address: 1200 Vineland Rd, De Soto]",
			"7 rue elise cote":     "[address: 7 Rue Élise-Côté, De Soto]",
			"99 vineland rd":       "[street: Vineland Rd, De Soto]",
		} {
			ms, err := g.Search(disp, agency.ID, q, 2)
			if err != nil || fmt.Sprint(matchLabels(ms)) != want {
				t.Errorf("Search(%q) = %v, %v; want %s", q, matchLabels(ms), err, want)
			}
		}
		m, err := g.Reverse(disp, agency.ID, 38.14201, -90.55512)
		if err != nil || m.Label != "12 N Main St, De Soto" || m.DistanceM == nil || *m.DistanceM > 3 {
			t.Fatalf("reverse: %+v, %v", m, err)
		}
		// Bad input names its field.
		if _, err := g.Search(disp, agency.ID, "   ", 10); citdesk.ErrorField(err) != "q" {
			t.Errorf("blank query: %v", err)
		}
		if _, err := g.Search(disp, agency.ID, "main", 51); citdesk.ErrorField(err) != "limit" {
			t.Errorf("limit 51: %v", err)
		}
		if _, err := g.Reverse(disp, agency.ID, 91, 0); citdesk.ErrorField(err) != "lat" {
			t.Errorf("lat 91: %v", err)
		}
		// One agency never searches another's list.
		if _, err := g.Search(disp, other.ID, "main", 10); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
			t.Errorf("searched another agency's list: %v", err)
		}
		if ms, err := g.Search(opB, other.ID, "main", 10); err != nil || len(ms) != 0 {
			t.Errorf("the other agency's (empty) list: %v, %v", ms, err)
		}

		// A list with one wrong address changes nothing.
		bad := append(townAddresses(), citdesk.Address{HouseNumber: "1", Street: "Elm St", Lat: 95, Lon: -90.5})
		if _, err := addrs.ReplaceAddresses(op, bad); citdesk.ErrorField(err) != "lat" {
			t.Fatalf("a wrong latitude: %v", err)
		}
		if ms, _ := g.Search(disp, agency.ID, "1 elm st", 5); len(ms) != 0 {
			t.Fatalf("half an import was written: %v", ms)
		}
		// A re-import replaces the list, and lookups see the new one at once.
		n, err := addrs.ReplaceAddresses(op, []citdesk.Address{{HouseNumber: "1", Street: "Elm St", Place: "De Soto", Lat: 38.15, Lon: -90.56}})
		if err != nil || n != len(townAddresses()) {
			t.Fatalf("re-import: %d, %v", n, err)
		}
		if ms, _ := g.Search(disp, agency.ID, "12 main st", 5); len(ms) != 0 {
			t.Fatalf("the old list is still searched: %v", matchLabels(ms))
		}
		if ms, _ := g.Search(disp, agency.ID, "1 elm", 5); fmt.Sprint(matchLabels(ms)) != "[address: 1 Elm St, De Soto]" {
			t.Fatalf("the new list: %v", matchLabels(ms))
		}
		// Each import is audited.
		events, err := db.AuditService().ListAudit(op, citdesk.AuditFilter{Action: "addresses.import"})
		if err != nil || len(events) != 2 {
			t.Fatalf("import audit events: %d, %v", len(events), err)
		}
	})
}

// BenchmarkGeocoderSearch is a lookup through the store: the version read
// and the search of 50,000 addresses (SQLite).
func BenchmarkGeocoderSearch(b *testing.B) {
	db, _ := storetest.Open(b, storetest.SQLite)
	agency, op := storetest.Agency(b, db, "desoto")
	list := make([]citdesk.Address, 0, 50_000)
	for s := 0; len(list) < 50_000; s++ {
		for h := 0; h < 50; h++ {
			list = append(list, citdesk.Address{HouseNumber: fmt.Sprint(100 + 2*h), Street: fmt.Sprintf("%s %dth St", []string{"N", "S", "E", "W"}[s%4], s), Place: "De Soto",
				Lat: 38.0 + float64(s%40)*0.005 + float64(h)*0.0001, Lon: -90.7 + float64(s/40)*0.005})
		}
	}
	if _, err := db.AddressService().ReplaceAddresses(op, list); err != nil {
		b.Fatal(err)
	}
	g := db.Geocoder()
	if _, err := g.Search(op, agency.ID, "warm up", 10); err != nil {
		b.Fatal(err)
	}
	queries := []string{"120 n 12th st", "1", "130 s 7", "w 99th", "de soto"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := g.Search(op, agency.ID, queries[i%len(queries)], 10); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
