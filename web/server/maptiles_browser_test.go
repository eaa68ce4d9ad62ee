package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/geo"
	"citdesk/store/storetest"
)

// tilesDrawn is JavaScript that counts the map's loaded tiles from
// citdesk's own tile route and, of those, the ones with streets on them
// (pixels drawn; the tiles are same-origin, so a canvas may read them),
// and lists any tile from anywhere else.
const tilesDrawn = `(() => {
  const imgs = [...document.querySelectorAll("%s img.leaflet-tile")];
  const own = imgs.filter(i => new URL(i.src).pathname.startsWith("/api/v1/map/tiles/") && i.complete && i.naturalWidth === 256);
  const drawn = own.filter(i => {
    const c = document.createElement("canvas"); c.width = c.height = 256;
    const g = c.getContext("2d"); g.drawImage(i, 0, 0);
    const d = g.getImageData(0, 0, 256, 256).data;
    let n = 0; for (let k = 3; k < d.length; k += 4) if (d[k]) n++;
    return n > 1000;
  });
  const foreign = imgs.filter(i => new URL(i.src).origin !== location.origin).map(i => i.src);
  return own.length + " " + drawn.length + " " + foreign.length;
})()`

// TestBrowserOwnTiles: with the Monaco map imported and no external tile
// server, the board's map loads its tiles from /api/v1/map/tiles (with
// the dispatcher's session) and shows Monaco's streets on them; nothing
// comes from elsewhere. The outcomes dashboard's map of crisis calls
// does the same for an analyst.
func TestBrowserOwnTiles(t *testing.T) {
	m := monaco(t)
	d := newDispatchEnv(t, storetest.SQLite)
	d.DB.Maps = geo.NewMaps()
	d.DB.Maps.Set(d.Agency.ID, m)
	// Every officer in Monaco: the board fits its map to them.
	for id, p := range map[int64][2]float64{d.near: {condamineLat, condamLon}, d.far: {larvottoLat, larvottoLon}, d.plain: {quaiLat, quaiLon}} {
		lat, lon := p[0], p[1]
		if err := d.DB.OfficerService().SetStatus(d.Op, &citdesk.StatusChange{OfficerID: id, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
			t.Fatal(err)
		}
	}
	board := newChrome(t)
	if err := chromedp.Do(board, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	d.chromeLogin(t, board, "disp")
	if err := chromedp.Do(board, chromedp.Navigate(d.Server.URL+"/board"), chromedp.WaitVisible(chromedp.ID("board-map"))); err != nil {
		t.Fatalf("open the board: %v", err)
	}
	tiles, err := chromedp.Run(board, chromedp.Evaluate[string](`document.getElementById("board-map").dataset.tiles + (document.getElementById("board-map").classList.contains("own-tiles") ? "" : " (not own-tiles)")`))
	if err != nil || tiles != "/api/v1/map/tiles/{z}/{x}/{y}.png" {
		t.Fatalf("the board's tile URL %q (%v)", tiles, err)
	}
	js := strings.Replace(tilesDrawn, "%s", "#board-map", 1)
	if err := chromedp.Do(board, waitJS(`(`+js+`).split(" ")[1] > 0`)); err != nil {
		got, _ := chromedp.Run(board, chromedp.Evaluate[string](js))
		srcs, _ := chromedp.Run(board, chromedp.Evaluate[string](`[...document.querySelectorAll("#board-map img.leaflet-tile")].map(i => i.src).join(" ")`))
		screenshot(t, board, "fail")
		t.Logf("srcs %s", srcs)
		t.Fatalf("no tile with streets loaded (own, with streets, foreign: %s): %v", got, err)
	}
	got, err := chromedp.Run(board, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatal(err)
	}
	var own, drawn, foreign int
	if _, err := fmt.Sscan(got, &own, &drawn, &foreign); err != nil || own < 4 || foreign != 0 {
		t.Fatalf("tiles: %s own, with streets, foreign (%v)", got, err)
	}
	if d.Tiles.Renders() < int64(own) {
		t.Errorf("%d tiles loaded but only %d drawn", own, d.Tiles.Renders())
	}
	screenshot(t, board, "own-tiles")

	// Crisis calls at the port: the outcomes dashboard maps them on the
	// same tiles.
	_, disp := d.userCtx(t, "disp")
	for range 3 {
		lat, lon := quaiLat, quaiLon
		if err := d.DB.CallService().CreateCall(disp, &citdesk.Call{Nature: "Suicide threat", Address: "6 Quai Antoine 1er", Lat: &lat, Lon: &lon, CITRequested: true}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := newTab(t, board)
	d.chromeLogin(t, ctx, "analyst")
	if err := chromedp.Do(ctx, chromedp.Navigate(d.Server.URL+"/outcomes"), chromedp.WaitVisible(chromedp.ID("places-map")),
		chromedp.ScrollIntoView(chromedp.ID("places-map")), waitJS(`document.getElementById("places-map").dataset.drawn`)); err != nil {
		t.Fatalf("the map of crisis calls: %v", err)
	}
	if tiles, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("places-map").dataset.tiles`)); err != nil || tiles != "/api/v1/map/tiles/{z}/{x}/{y}.png" {
		t.Fatalf("the outcomes map's tile URL %q (%v)", tiles, err)
	}
	js = strings.Replace(tilesDrawn, "%s", "#places-map", 1)
	if err := chromedp.Do(ctx, waitJS(`(`+js+`).split(" ")[1] > 0`)); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		t.Fatalf("the outcomes map: no tile with streets (own, with streets, foreign: %s): %v", got, err)
	}
	screenshot(t, ctx, "outcomes-own-tiles")
}
