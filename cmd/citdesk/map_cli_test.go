package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"citdesk/geo"
	"citdesk/store/storetest"
)

const monacoPBF = "../../../shared/data/osm/monaco.osm.pbf"

// TestMapImportCommand: "citdesk map import" writes the agency's map
// beside its data; serve's start-up loads it, and the address lookup
// answers from it. A truncated extract, or one that is not a map, is
// refused with an error that says so, and the map in place stays as it
// was.
func TestMapImportCommand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		dataDir := t.TempDir()
		if e == storetest.SQLite {
			dataDir = c.data[1] // the CLI's --data
		} else {
			c.data = append(c.data, "--data", dataDir) // where the map goes with PostgreSQL
		}
		c.ok("", "agency", "add", "monaco", "--name", "Sûreté Publique", "--timezone", "Europe/Monaco")
		out := c.ok("", "map", "import", "--agency", "monaco", monacoPBF)
		if !strings.Contains(out, "Map for monaco from monaco.osm.pbf: 15712 road nodes") || !strings.Contains(out, "62 addresses, 531 streets, 31 places") {
			t.Fatalf("import: %s", out)
		}
		path := geo.MapFile(dataDir, "monaco")
		first, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}

		whole, err := os.ReadFile(monacoPBF)
		if err != nil {
			t.Fatal(err)
		}
		cut := filepath.Join(t.TempDir(), "cut.osm.pbf")
		os.WriteFile(cut, whole[:len(whole)*2/3], 0o600)
		text := filepath.Join(t.TempDir(), "notes.osm")
		os.WriteFile(text, []byte("these are not map data"), 0o600)
		geojson := filepath.Join(t.TempDir(), "map.geojson")
		os.WriteFile(geojson, []byte("{}"), 0o600)
		for file, want := range map[string]string{
			cut:                "cut.osm.pbf is not a readable OpenStreetMap file (truncated or damaged?)",
			text:               "holds no OpenStreetMap nodes or ways; the agency's map was not changed",
			"/nonexistent.osm": "no such file",
			geojson:            "must be OpenStreetMap PBF",
		} {
			_, _, err := c.run("", "map", "import", "--agency", "monaco", file)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %v, want an error saying %q", file, err, want)
			}
			if now, _ := os.ReadFile(path); !bytes.Equal(now, first) {
				t.Fatalf("%s: the map in place changed", file)
			}
		}
		if _, _, err := c.run("", "map", "import", "--agency", "nowhere", monacoPBF); err == nil || !strings.Contains(err.Error(), `agency "nowhere"`) {
			t.Errorf("unknown agency: %v", err)
		}
		if _, _, err := c.run("", "map", "import", monacoPBF); err == nil || !strings.Contains(err.Error(), "--agency") {
			t.Errorf("without --agency: %v", err)
		}
		if _, _, err := c.run("", "map", "export"); err == nil || !strings.Contains(err.Error(), "citdesk map import --agency SLUG FILE") {
			t.Errorf("unknown map command: %v", err)
		}

		// A re-import replaces the map whole, and leaves no temporary file.
		c.ok("", "map", "import", "--agency", "monaco", monacoPBF)
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp-*")); len(left) != 0 {
			t.Fatalf("temporary files left: %v", left)
		}

		// What serve does at start-up.
		db := c.open()
		var logs bytes.Buffer
		maps, err := loadMaps(t.Context(), db, dataDir, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		db.Maps = maps
		op, agency, err := operator(t.Context(), db, "monaco")
		if err != nil {
			t.Fatal(err)
		}
		ms, err := db.Geocoder().Search(op, agency.ID, "6 quai antoine", 1)
		if err != nil || len(ms) != 1 || ms[0].Label != "6 Quai Antoine 1er, Monaco" {
			t.Fatalf("lookup after start-up: %v, %v", ms, err)
		}
		if !strings.Contains(logs.String(), "map loaded") {
			t.Errorf("start-up log: %s", logs.String())
		}

		// A damaged map file at start-up is logged and skipped; the
		// server still starts, with straight-line ETAs.
		os.WriteFile(path, first[:len(first)/2], 0o600)
		logs.Reset()
		maps, err = loadMaps(t.Context(), db, dataDir, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil || maps.Get(agency.ID) != nil || !strings.Contains(logs.String(), "truncated or damaged") {
			t.Fatalf("damaged map at start-up: %v, %v, log %s", maps.Get(agency.ID), err, logs.String())
		}
	})
}

// TestMapImportProgress: the progress line shows each pass with a bar and
// a percentage, redrawn in place, and draws nothing when the output is not
// a terminal.
func TestMapImportProgress(t *testing.T) {
	var b bytes.Buffer
	p := drawProgress(&b)
	p(1, 0, 200)
	p(1, 1, 200) // the same percent: not drawn again
	p(1, 100, 200)
	p(2, 200, 200)
	p(3, 50, 100)
	p(3, 100, 100)
	want := "\r[1/3] reading ways    [.........................]   0%" +
		"\r[1/3] reading ways    [############.............]  50%" +
		"\r[2/3] reading nodes   [#########################] 100%" +
		"\r[3/3] contracting     [############.............]  50%" +
		"\r[3/3] contracting     [#########################] 100%\n"
	if b.String() != want {
		t.Errorf("progress drawn as %q, want %q", b.String(), want)
	}
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if progressBar(f) != nil || progressBar(&b) != nil {
		t.Error("a progress bar drawn into a file")
	}
}
