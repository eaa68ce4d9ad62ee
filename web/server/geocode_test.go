package server_test

import (
	"fmt"
	"net/url"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// deSotoAddresses is the address list the lookup tests load: two Main
// Streets, north and south of the call site, and a few others.
func deSotoAddresses() []citdesk.Address {
	return []citdesk.Address{
		{HouseNumber: "12", Street: "N Main St", Place: "De Soto", Lat: siteLat + 0.0025, Lon: siteLon},
		{HouseNumber: "14", Street: "N Main St", Place: "De Soto", Lat: siteLat + 0.0027, Lon: siteLon},
		{HouseNumber: "12", Street: "S Main St", Place: "De Soto", Lat: siteLat - 0.0025, Lon: siteLon},
		{HouseNumber: "100", Street: "S Main St", Place: "De Soto", Lat: siteLat, Lon: siteLon},
		{HouseNumber: "300", Street: "Jefferson Ave", Place: "De Soto", Lat: siteLat, Lon: siteLon + 0.005},
		{HouseNumber: "1200", Street: "Vineland Rd", Place: "De Soto", Lat: siteLat - 0.011, Lon: siteLon + 0.012},
		{HouseNumber: "7", Street: "Rue Élise-Côté", Place: "De Soto", Lat: siteLat - 0.01, Lon: siteLon - 0.005},
	}
}

type geocodeMatch struct {
	Label     string   `json:"label"`
	Lat       float64  `json:"lat"`
	Lon       float64  `json:"lon"`
	Kind      string   `json:"kind"`
	DistanceM *float64 `json:"distance_m"`
}

// TestGeocodeAPI: GET /api/v1/geocode ranks the agency's addresses for
// what a dispatcher types; /geocode/reverse names the nearest address;
// bad input is a 422 naming the field; another agency sees its own list.
func TestGeocodeAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		d := newDispatchEnv(t, e)
		if _, err := d.DB.AddressService().ReplaceAddresses(d.Op, deSotoAddresses()); err != nil {
			t.Fatal(err)
		}
		search := func(q string, extra ...string) []geocodeMatch {
			t.Helper()
			path := "/api/v1/geocode?q=" + url.QueryEscape(q)
			for _, x := range extra {
				path += "&" + x
			}
			res := d.as(t, "disp", "GET", "/geocode", path, nil)
			if res.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, res.StatusCode, res.Body)
			}
			var ms []geocodeMatch
			res.JSON(t, &ms)
			return ms
		}
		for q, want := range map[string]string{
			"12 main st":              "[address:12 N Main St, De Soto address:12 S Main St, De Soto]",
			"  12   MAIN   STREET  ":  "[address:12 N Main St, De Soto address:12 S Main St, De Soto]",
			"12 North Main":           "[address:12 N Main St, De Soto]",
			"300 jefferson avenue":    "[address:300 Jefferson Ave, De Soto]",
			"1200 vineland road":      "[address:1200 Vineland Rd, De Soto]",
			"7 rue elise cote":        "[address:7 Rue Élise-Côté, De Soto]",
			"jefferson ave":           "[street:Jefferson Ave, De Soto]",
			"de soto":                 "[place:De Soto]",
			"12 elm st":               "[]",
			"999 jefferson ave":       "[street:Jefferson Ave, De Soto]",
			"12 main st de soto":      "[address:12 N Main St, De Soto address:12 S Main St, De Soto]",
			"12 s main st, de soto ":  "[address:12 S Main St, De Soto]",
			"100 S. Main St., Desoto": "[address:100 S Main St, De Soto]",
		} {
			ms := search(q, "limit=2")
			var got []string
			for _, m := range ms {
				if q == "de soto" && m.Kind != "place" {
					continue
				}
				got = append(got, m.Kind+":"+m.Label)
			}
			if q == "de soto" {
				got = got[:1]
			}
			if fmt.Sprint(got) != want && !(want == "[]" && len(got) == 0) {
				t.Errorf("%q: %v, want %s", q, got, want)
			}
		}
		ms := search("12 main st")
		if ms[0].Lat != siteLat+0.0025 || ms[0].Lon != siteLon {
			t.Errorf("12 N Main St at %v, %v", ms[0].Lat, ms[0].Lon)
		}
		if n := len(search("main", "limit=1")); n != 1 {
			t.Errorf("limit=1 gave %d", n)
		}
		wantProblem(t, d.as(t, "disp", "GET", "/geocode", "/api/v1/geocode", nil), 422, "q")
		wantProblem(t, d.as(t, "disp", "GET", "/geocode", "/api/v1/geocode?q=main&limit=0", nil), 422, "limit")
		wantProblem(t, d.as(t, "disp", "GET", "/geocode", "/api/v1/geocode?q=main&limit=many", nil), 422, "limit")

		res := d.as(t, "disp", "GET", "/geocode/reverse", fmt.Sprintf("/api/v1/geocode/reverse?lat=%v&lon=%v", siteLat+0.00251, siteLon), nil)
		var m geocodeMatch
		res.JSON(t, &m)
		if res.StatusCode != 200 || m.Label != "12 N Main St, De Soto" || m.Kind != "address" || m.DistanceM == nil || *m.DistanceM > 2 {
			t.Fatalf("reverse: %d %s", res.StatusCode, res.Body)
		}
		wantProblem(t, d.as(t, "disp", "GET", "/geocode/reverse", "/api/v1/geocode/reverse?lat=91&lon=0", nil), 422, "lat")
		wantProblem(t, d.as(t, "disp", "GET", "/geocode/reverse", "/api/v1/geocode/reverse?lat=38", nil), 422, "lon")
		wantProblem(t, d.as(t, "disp", "GET", "/geocode/reverse", "/api/v1/geocode/reverse?lat=NaN&lon=0", nil), 422, "lat")

		// The other agency has no list: nothing found, and reverse says so.
		res = d.as(t, "hb-disp", "GET", "/geocode", "/api/v1/geocode?q=12+main+st", nil)
		if res.StatusCode != 200 || res.Body != "[]\n" && res.Body != "[]" {
			t.Errorf("another agency's lookup: %d %q", res.StatusCode, res.Body)
		}
		wantProblem(t, d.as(t, "hb-disp", "GET", "/geocode/reverse", fmt.Sprintf("/api/v1/geocode/reverse?lat=%v&lon=%v", siteLat, siteLon), nil), 404, "")
		// Officers and analysts may not look addresses up.
		wantProblem(t, d.as(t, "analyst", "GET", "/geocode", "/api/v1/geocode?q=main", nil), 403, "")
	})
}
