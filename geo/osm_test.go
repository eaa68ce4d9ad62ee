package geo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestMonacoAddressIndex: the Monaco extract's addr:* tags, street names
// and named places answer lookups, as typed, with accents and
// abbreviations.
func TestMonacoAddressIndex(t *testing.T) {
	m := testMap(t, "monaco")
	ix := NewAddressIndexWithPlaces(m.Addresses, m.Places)
	for q, want := range map[string]string{
		"6 quai antoine":        "address:6 Quai Antoine 1er, Monaco",
		"6 QUAI ANTOINE 1ER":    "address:6 Quai Antoine 1er, Monaco",
		"boulevard des moulins": "street:Boulevard des Moulins",
		"bd des moulins":        "street:Boulevard des Moulins",
		"av princesse grace":    "street:Avenue Princesse Grace, Monaco",
		"monte carlo":           "place:Monte-Carlo",
		"sainte devote":         "place:Sainte-Dévote",
		"eze bord de mer":       "place:Èze-Bord-de-Mer",
	} {
		got := ix.Search(q, 1)
		if len(got) == 0 || string(got[0].Kind)+":"+got[0].Label != want {
			t.Errorf("%q: %v, want %s", q, got, want)
		}
	}
	// A named place is answered where OpenStreetMap puts it.
	if got := ix.Search("monte carlo", 1); got[0].Lat != 43.7402961 || got[0].Lon != 7.426559 {
		t.Errorf("Monte-Carlo at %v, %v", got[0].Lat, got[0].Lon)
	}
	// Reverse names the nearest address.
	r, ok := ix.Reverse(43.73293, 7.42579)
	if !ok || r.Label != "6 Quai Antoine 1er, Monaco" || r.Kind != "address" {
		t.Errorf("reverse: %+v", r)
	}
	// Nearest to a street without house numbers: the street, as such.
	r, ok = ix.Reverse(43.7396, 7.4276)
	if !ok || r.Label != "Place du Casino" || r.Kind != "street" {
		t.Errorf("reverse by the casino: %+v", r)
	}
}

// TestImportCompressedXML: the same small map read from OSM XML and from
// bzip2-compressed OSM XML gives the same graph and addresses.
func TestImportCompressedXML(t *testing.T) {
	bz, err := exec.LookPath("bzip2")
	if err != nil {
		t.Skip("bzip2 is not installed to make the compressed file")
	}
	nodes := map[int][2]float64{1: {0, 0}, 2: {0, 0.001}, 3: {0.001, 0.001}}
	path := osmXML(t, nodes, [][]string{{"1", "2", "3", "highway=residential", "name=Main Street"}})
	// One address on a node: add it by hand to the XML.
	data, _ := os.ReadFile(path)
	data = []byte(string(data[:len(data)-len("</osm>\n")]) + ` <node id="9" lat="0.0005" lon="0.0005" version="1"><tag k="addr:housenumber" v="12"/><tag k="addr:street" v="Main Street"/><tag k="addr:city" v="Springfield"/></node>` + "\n</osm>\n")
	os.WriteFile(path, data, 0o600)
	plain := mustImport(t, path)
	if err := exec.Command(bz, "-k", path).Run(); err != nil {
		t.Fatal(err)
	}
	packed, _, err := ImportOSM(context.Background(), path+".bz2", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*Map{plain, packed} {
		if m.Roads.NodeCount() != 3 || m.Roads.SegmentCount() != 2 || len(m.Addresses) != 1 || m.Addresses[0].Label() != "12 Main Street, Springfield" {
			t.Fatalf("%s: %d nodes, %d segments, addresses %+v", m.Source, m.Roads.NodeCount(), m.Roads.SegmentCount(), m.Addresses)
		}
	}
	if filepath.Ext(packed.Source) != ".bz2" {
		t.Errorf("source %q", packed.Source)
	}
}

// BenchmarkSearchOSM looks addresses up in each shared extract's index as
// a dispatcher types them, one character at a time, and reports the p99
// of one lookup.
func BenchmarkSearchOSM(b *testing.B) {
	for _, tc := range []struct{ name, q string }{
		{"monaco", "6 quai antoine 1er"},
		{"baltimore", "615 north wolfe street"},
		{"liechtenstein", "43 städtle vaduz"},
	} {
		m := testMap(b, tc.name)
		ix := NewAddressIndexWithPlaces(m.Addresses, m.Places)
		var prefixes []string
		for i := range tc.q {
			if i > 0 {
				prefixes = append(prefixes, tc.q[:i])
			}
		}
		prefixes = append(prefixes, tc.q)
		b.Run(tc.name, func(b *testing.B) {
			var times []time.Duration
			i := 0
			for b.Loop() {
				start := time.Now()
				ix.Search(prefixes[i%len(prefixes)], 10)
				times = append(times, time.Since(start))
				i++
			}
			b.ReportMetric(p99(times), "p99-µs")
		})
	}
}
