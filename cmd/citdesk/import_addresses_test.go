package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"citdesk/store/storetest"
)

// TestImportAddressesCommand: "citdesk import addresses" loads the list the
// board's lookup searches; a file with wrong rows names every one by its
// line and changes nothing.
func TestImportAddressesCommand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--timezone", "America/Chicago")
		dir := t.TempDir()
		good := filepath.Join(dir, "addresses.csv")
		os.WriteFile(good, []byte("house_number,street,place,lat,lon\n12,N Main St,De Soto,38.1420,-90.5551\n12,S Main St,De Soto,38.1370,-90.5551\n"), 0o644)
		out := c.ok("", "import", "addresses", "--agency", "desoto", good)
		if !strings.Contains(out, "Address list for desoto: 2 addresses imported, replacing 0") {
			t.Fatalf("first import: %s", out)
		}

		bad := filepath.Join(dir, "bad.csv")
		os.WriteFile(bad, []byte("house_number,street,place,lat,lon\n1,Elm St,De Soto,38.15,-90.56\n2,,De Soto,38.15,-90.56\n3,Elm St,De Soto,98,-90.56\n"), 0o644)
		out, _, err := c.run("", "import", "addresses", "--agency", "desoto", bad)
		if err == nil || !strings.Contains(err.Error(), "2 rows are wrong; nothing was imported") ||
			!strings.Contains(out, "line 3: street: The street is required.") || !strings.Contains(out, "line 4: lat: The latitude must be") {
			t.Fatalf("a file with wrong rows: %v\n%s", err, out)
		}
		db := c.open()
		op, agency, err := operator(t.Context(), db, "desoto")
		if err != nil {
			t.Fatal(err)
		}
		ms, err := db.Geocoder().Search(op, agency.ID, "12 main st", 10)
		if err != nil || len(ms) != 2 {
			t.Fatalf("after the refused import the list should be the first one: %v, %v", ms, err)
		}
		if ms, _ := db.Geocoder().Search(op, agency.ID, "1 elm st", 10); len(ms) != 0 {
			t.Fatalf("part of the refused file was imported: %v", ms)
		}

		// A re-import replaces the list.
		out = c.ok("", "import", "addresses", "--agency", "desoto", good)
		if !strings.Contains(out, "replacing 2") {
			t.Fatalf("re-import: %s", out)
		}
		if _, _, err := c.run("", "import", "addresses", good); err == nil || !strings.Contains(err.Error(), "--agency") {
			t.Fatalf("without --agency: %v", err)
		}
	})
}
