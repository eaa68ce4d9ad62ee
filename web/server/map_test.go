package server_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"citdesk"
	"citdesk/dispatch"
	"citdesk/geo"
	"citdesk/store/storetest"
)

var (
	monacoOnce sync.Once
	monacoMap  *geo.Map
	monacoErr  error
)

// monaco imports the shared Monaco extract once per test binary.
func monaco(t *testing.T) *geo.Map {
	t.Helper()
	monacoOnce.Do(func() {
		p := filepath.Join(repoRoot(t), "..", "shared", "data", "osm", "monaco.osm.pbf")
		monacoMap, _, monacoErr = geo.ImportOSM(context.Background(), p, nil)
	})
	if monacoErr != nil {
		t.Fatal(monacoErr)
	}
	return monacoMap
}

// Places in Monaco: a call at 6 Quai Antoine 1er, officers in La
// Condamine (near), Larvotto (farther) and Fontvieille (not CIT).
const (
	quaiLat, quaiLon         = 43.7329221, 7.4257905
	condamineLat, condamLon  = 43.7346, 7.4215
	larvottoLat, larvottoLon = 43.7471, 7.4341
)

// TestMapLookupAndRoadETAs: with the Monaco map imported for the agency,
// /api/v1/geocode answers Monaco addresses (beside the agency's own
// list), and a call's recommendations drive on Monaco's roads: eta_source
// road, the time the road graph gives, a distance along the road, and a
// reason that says "by road". An officer off the map falls back to the
// straight line, and says so.
func TestMapLookupAndRoadETAs(t *testing.T) {
	m := monaco(t)
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		d := newDispatchEnv(t, e)
		if _, err := d.DB.AddressService().ReplaceAddresses(d.Op, deSotoAddresses()); err != nil {
			t.Fatal(err)
		}
		search := func(q string) []geocodeMatch {
			t.Helper()
			res := d.as(t, "disp", "GET", "/geocode", "/api/v1/geocode?limit=3&q="+url.QueryEscape(q), nil)
			var ms []geocodeMatch
			res.JSON(t, &ms)
			return ms
		}
		if ms := search("6 quai antoine"); len(ms) != 0 {
			t.Fatalf("before the map: %v", ms)
		}
		d.DB.Maps = geo.NewMaps()
		d.DB.Maps.Set(d.Agency.ID, m)

		for q, want := range map[string]string{
			"6 quai antoine":      "address:6 Quai Antoine 1er, Monaco",
			"Bd des Moulins":      "street:Boulevard des Moulins",
			"monte carlo":         "place:Monte-Carlo",
			"12 north main st":    "address:12 N Main St, De Soto", // the agency's own list still answers
			"avenue de la costa ": "street:Avenue de la Costa",
		} {
			ms := search(q)
			if len(ms) == 0 || ms[0].Kind+":"+ms[0].Label != want {
				t.Errorf("%q: %v, want %s first", q, ms, want)
			}
		}
		res := d.as(t, "disp", "GET", "/geocode/reverse", fmt.Sprintf("/api/v1/geocode/reverse?lat=%v&lon=%v", quaiLat+0.00001, quaiLon), nil)
		var rev geocodeMatch
		res.JSON(t, &rev)
		if res.StatusCode != 200 || rev.Label != "6 Quai Antoine 1er, Monaco" {
			t.Errorf("reverse: %d %s", res.StatusCode, res.Body)
		}
		// The other agency has no map: still nothing.
		if res := d.as(t, "hb-disp", "GET", "/geocode", "/api/v1/geocode?q=6+quai+antoine", nil); res.StatusCode != 200 || strings.TrimSpace(res.Body) != "[]" {
			t.Errorf("another agency's lookup: %d %s", res.StatusCode, res.Body)
		}

		move := func(id int64, lat, lon float64) {
			t.Helper()
			if err := d.DB.OfficerService().SetStatus(d.Op, &citdesk.StatusChange{OfficerID: id, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
				t.Fatal(err)
			}
		}
		move(d.near, condamineLat, condamLon)
		move(d.far, larvottoLat, larvottoLon)
		res = d.as(t, "disp", "POST", "/calls", "/api/v1/calls", map[string]any{
			"nature": "Welfare check", "address": "6 Quai Antoine 1er, Monaco", "lat": quaiLat, "lon": quaiLon, "cit_requested": true,
		})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create call: %d %s", res.StatusCode, res.Body)
		}
		var c callBody
		res.JSON(t, &c)
		type rec struct {
			OfficerID  int64    `json:"officer_id"`
			ETASeconds *int     `json:"eta_seconds"`
			DistanceM  *int     `json:"distance_m"`
			ETASource  *string  `json:"eta_source"`
			Reasons    []string `json:"reasons"`
		}
		var recs struct{ Officers []rec }
		path := fmt.Sprintf("/api/v1/calls/%d/recommendations", c.ID)
		res = d.as(t, "disp", "GET", "/calls/{id}/recommendations", path, nil)
		res.JSON(t, &recs)
		if res.StatusCode != 200 || len(recs.Officers) != 2 || recs.Officers[0].OfficerID != d.near || recs.Officers[1].OfficerID != d.far {
			t.Fatalf("recommendations: %d %s", res.StatusCode, res.Body)
		}
		target := m.Roads.Toward(quaiLat, quaiLon)
		defer target.Close()
		for _, o := range []struct {
			r        rec
			lat, lon float64
		}{{recs.Officers[0], condamineLat, condamLon}, {recs.Officers[1], larvottoLat, larvottoLon}} {
			ms, dm, ok := target.From(o.lat, o.lon)
			if !ok {
				t.Fatalf("no road from %v, %v", o.lat, o.lon)
			}
			r := o.r
			if r.ETASource == nil || *r.ETASource != "road" || *r.ETASeconds != int(math.Round(float64(ms)/1000)) || *r.DistanceM != int(math.Round(float64(dm)/10)) {
				t.Errorf("officer %d: %v s, %v m, source %v; the road graph says %d ms, %d dm", r.OfficerID, *r.ETASeconds, *r.DistanceM, r.ETASource, ms, dm)
			}
			if line := dispatch.Haversine(o.lat, o.lon, quaiLat, quaiLon); float64(*r.DistanceM) < line {
				t.Errorf("officer %d: %d m by road, shorter than the straight line's %.0f m", r.OfficerID, *r.DistanceM, line)
			}
			if !strings.Contains(strings.Join(r.Reasons, "; "), "by road (") {
				t.Errorf("officer %d's reasons do not say by road: %q", r.OfficerID, r.Reasons)
			}
		}

		// An officer far from any road on the map: the straight line.
		move(d.far, siteLat, siteLon)
		res = d.as(t, "disp", "GET", "/calls/{id}/recommendations", path, nil)
		recs.Officers = nil
		res.JSON(t, &recs)
		for _, r := range recs.Officers {
			want := "road"
			if r.OfficerID == d.far {
				want = "straight_line"
			}
			if r.ETASource == nil || *r.ETASource != want {
				t.Errorf("officer %d: eta_source %v, want %s (%s)", r.OfficerID, r.ETASource, want, res.Body)
			}
		}
	})
}
