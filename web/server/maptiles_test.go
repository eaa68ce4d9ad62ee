package server_test

import (
	"bytes"
	"fmt"
	"image/png"
	"net/http"
	"testing"

	"citdesk"
	"citdesk/geo"
	"citdesk/store/storetest"
	"citdesk/web"
)

const tileTmpl = "/map/tiles/{z}/{x}/{y}.png"

// TestMapTiles: GET /api/v1/map/tiles/{z}/{x}/{y}.png draws the agency's
// Monaco map for anyone signed in (a token here; the board's session in
// TestBrowserOwnTiles): streets at the port, a transparent tile far away,
// 304 for the tag it sent, 422 naming a bad z, x or y, 401 anonymous, 404
// for an agency with no map; a second request for a tile is answered
// from the cache without drawing it again.
func TestMapTiles(t *testing.T) {
	m := monaco(t)
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		e := newEnv(t, eng, web.Config{})
		e.user("ofc", citdesk.RoleOfficer)
		e.user("analyst", citdesk.RoleAnalyst)
		_, otherOp := storetest.Agency(t, e.DB, "otherville")
		storetest.User(t, e.DB, otherOp, "other-disp", citdesk.RoleDispatcher)
		ofc, analyst, otherTok := e.token("ofc"), e.token("analyst"), e.token("other-disp")
		get := func(tok, path string, headers ...string) response {
			t.Helper()
			res := e.do("GET", "/api/v1"+path, tok, nil, headers...)
			checkOpenAPI(t, "GET", tileTmpl, res)
			return res
		}
		x, y := geo.TileAt(43.7329221, 7.4257905, 16)
		port := fmt.Sprintf("/map/tiles/16/%d/%d.png", x, y)

		// No map yet: 404, with the way to get one.
		if res := get(ofc, port); res.StatusCode != http.StatusNotFound || !bytes.Contains([]byte(res.Body), []byte("citdesk map import")) {
			t.Fatalf("before the map: %d %s", res.StatusCode, res.Body)
		}
		e.DB.Maps = geo.NewMaps()
		e.DB.Maps.Set(e.Agency.ID, m)

		if res := get("", port); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("anonymous: %d", res.StatusCode)
		}
		tiles := e.Tiles
		before := tiles.Renders()
		res := get(ofc, port)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || res.Header.Get("ETag") == "" ||
			res.Header.Get("Cache-Control") != "private, max-age=3600" {
			t.Fatalf("the port: %d %v", res.StatusCode, res.Header)
		}
		img, err := png.Decode(bytes.NewReader([]byte(res.Body)))
		if err != nil {
			t.Fatal(err)
		}
		road := 0
		for py := range 256 {
			for px := range 256 {
				if r, g, b, a := img.At(px, py).RGBA(); r == 0xffff && g == 0xffff && b == 0xffff && a == 0xffff {
					road++
				}
			}
		}
		if road < 200 {
			t.Fatalf("the port's tile has %d road pixels", road)
		}
		if got := tiles.Renders() - before; got != 1 {
			t.Fatalf("first request: %d renders", got)
		}
		// Another role, the same tile: from the cache, the same bytes.
		again := get(analyst, port)
		if again.StatusCode != http.StatusOK || again.Body != res.Body || again.Header.Get("ETag") != res.Header.Get("ETag") {
			t.Fatalf("second request: %d", again.StatusCode)
		}
		if got := tiles.Renders() - before; got != 1 {
			t.Fatalf("second request drew the tile again: %d renders", got)
		}
		if res := get(ofc, port, "If-None-Match", res.Header.Get("ETag")); res.StatusCode != http.StatusNotModified || res.Body != "" {
			t.Fatalf("If-None-Match: %d", res.StatusCode)
		}

		// Far from Monaco (Paris): a transparent tile.
		res = get(ofc, "/map/tiles/16/33198/22539.png")
		img, err = png.Decode(bytes.NewReader([]byte(res.Body)))
		if res.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("far away: %d %v", res.StatusCode, err)
		}
		for py := range 256 {
			for px := range 256 {
				if _, _, _, a := img.At(px, py).RGBA(); a != 0 {
					t.Fatalf("far away: pixel %d,%d is drawn", px, py)
				}
			}
		}

		// Bad addresses: 422 naming the part.
		for path, field := range map[string]string{
			"/map/tiles/20/0/0.png":      "z",
			"/map/tiles/-1/0/0.png":      "z",
			"/map/tiles/z/0/0.png":       "z",
			"/map/tiles/3/8/0.png":       "x",
			"/map/tiles/3/-1/0.png":      "x",
			"/map/tiles/3/0/8.png":       "y",
			"/map/tiles/3/0/1e3.png":     "y",
			"/map/tiles/16/34119/0x.png": "y",
		} {
			res := get(ofc, path)
			var p struct{ Field string }
			res.JSON(t, &p)
			if res.StatusCode != http.StatusUnprocessableEntity || p.Field != field {
				t.Errorf("%s: %d %s, want 422 on %s", path, res.StatusCode, res.Body, field)
			}
		}
		// Not a PNG path: 404.
		if res := e.do("GET", fmt.Sprintf("/api/v1/map/tiles/16/%d/%d", x, y), ofc, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("without .png: %d", res.StatusCode)
		}
		// The other agency has no map: 404, not Monaco's tiles.
		if res := get(otherTok, port); res.StatusCode != http.StatusNotFound {
			t.Fatalf("another agency: %d", res.StatusCode)
		}
	})
}

// TestTileURLChoice: the board's map uses citdesk's own tiles when the
// agency has a map and no tile server is configured; a configured one
// wins; with neither, no tiles (the plain background).
func TestTileURLChoice(t *testing.T) {
	m := monaco(t)
	for _, tc := range []struct {
		name, cfg string
		hasMap    bool
		want      string
	}{
		{"own tiles", "", true, `data-tiles="/api/v1/map/tiles/{z}/{x}/{y}.png"`},
		{"a tile server wins", "https://tile.example.org/{z}/{x}/{y}.png", true, `data-tiles="https://tile.example.org/{z}/{x}/{y}.png"`},
		{"neither", "", false, `data-tiles=""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, storetest.SQLite, web.Config{TileURL: tc.cfg})
			e.user("disp", citdesk.RoleDispatcher)
			if tc.hasMap {
				e.DB.Maps = geo.NewMaps()
				e.DB.Maps.Set(e.Agency.ID, m)
			}
			b := e.browser()
			b.login("disp")
			res := b.get("/board")
			if res.StatusCode != http.StatusOK || !bytes.Contains([]byte(res.Body), []byte(tc.want)) {
				t.Fatalf("board: %d, want %s", res.StatusCode, tc.want)
			}
		})
	}
}
