package importer

import (
	"strings"
	"testing"

	"citdesk"
)

func TestParseAddresses(t *testing.T) {
	good := "\uFEFFHouse Number,Street Name,City,Latitude,Longitude,Ward\n" +
		"12,N Main St,De Soto,38.1420,-90.5551,2\n" +
		"\n" +
		"14,\"N Main St\",De Soto, 38.1422 ,-90.5551,2\n" +
		",Vineland Rd,De Soto,38.128,-90.543,3\n"
	list, rowErrs, err := ParseAddresses(strings.NewReader(good))
	if err != nil || len(rowErrs) != 0 || len(list) != 3 {
		t.Fatalf("good file: %d addresses, %v, %v", len(list), rowErrs, err)
	}
	if a := list[1]; a.HouseNumber != "14" || a.Street != "N Main St" || a.Place != "De Soto" || a.Lat != 38.1422 || a.Lon != -90.5551 {
		t.Errorf("second address: %+v", a)
	}
	if list[2].HouseNumber != "" || list[2].Label() != "Vineland Rd, De Soto" {
		t.Errorf("a street point without a number: %+v", list[2])
	}

	bad := "number,street,place,lat,lon\n" +
		"12,N Main St,De Soto,38.1420,-90.5551\n" + // line 2: good
		"12,North Main Street,De Soto,38.1421,-90.5551\n" + // 3: the same address
		"13,,De Soto,38.1,-90.5\n" + // 4: no street
		"14,Elm St,De Soto,north,-90.5\n" + // 5: not a number
		"15,Elm St,De Soto,38.1,-190\n" + // 6: out of range
		"16,Elm St,De Soto,38.1\n" + // 7: short row
		"17,Elm St,De Soto,,-90.5\n" // 8: no latitude
	_, rowErrs, err = ParseAddresses(strings.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"line 3: 12 North Main Street, De Soto is already on line 2.",
		"line 4: street: The street is required.",
		`line 5: lat: "north" is not a number of decimal degrees, such as 38.1395 or -90.5551.`,
		"line 6: lon: The longitude must be decimal degrees from -180 to 180, such as -90.5551.",
		"line 7: The row has 4 fields but the header has 5.",
		"line 8: lat: The latitude is missing.",
	}
	if len(rowErrs) != len(want) {
		t.Fatalf("row errors %v, want %d", rowErrs, len(want))
	}
	for i, w := range want {
		if rowErrs[i].Error() != w {
			t.Errorf("row error %d = %q, want %q", i, rowErrs[i].Error(), w)
		}
	}

	for _, tc := range []struct{ in, want string }{
		{"", "empty"},
		{"house_number,street,place\n1,Elm,X\n", "missing lat, lon"},
		{"street;lat;lon\n", "semicolons"},
		{"street,road,lat,lon\n", `"street" and "road" both mean street`},
	} {
		_, _, err := ParseAddresses(strings.NewReader(tc.in))
		if citdesk.ErrorCode(err) != citdesk.EINVALID || !strings.Contains(citdesk.ErrorMessage(err), tc.want) {
			t.Errorf("ParseAddresses(%q) = %v, want an error saying %q", tc.in, err, tc.want)
		}
	}
	if _, _, err := parseAddresses(strings.NewReader("street,lat,lon\nA,1,1\nB,1,1\nC,1,1\n"), 2, 1<<20); citdesk.ErrorCode(err) != citdesk.ETOOLARGE {
		t.Errorf("too many rows: %v", err)
	}
	if _, _, err := parseAddresses(strings.NewReader("street,lat,lon\n"+strings.Repeat("A,1,1\n", 100)), 1000, 64); citdesk.ErrorCode(err) != citdesk.ETOOLARGE {
		t.Errorf("too large: %v", err)
	}
}

// FuzzParseAddresses checks that no input makes ParseAddresses panic, and
// that every address it returns is valid.
func FuzzParseAddresses(f *testing.F) {
	f.Add("house_number,street,place,lat,lon\n12,N Main St,De Soto,38.142,-90.5551\n")
	f.Add("street,lat,lon\n\"a\"\"b\",1e3,NaN\n")
	f.Add("lat,lon,street\n,,\n")
	f.Fuzz(func(t *testing.T, in string) {
		list, _, err := parseAddresses(strings.NewReader(in), 1000, 1<<16)
		if err != nil && list != nil {
			t.Fatal("addresses returned with an error")
		}
		for _, a := range list {
			if err := a.Validate(); err != nil {
				t.Fatalf("an invalid address came through: %+v: %v", a, err)
			}
		}
	})
}
