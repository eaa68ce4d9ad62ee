package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"citdesk"
	"citdesk/store/storetest"
)

// TestBrowserAddressLookup: a dispatcher types "12 main st" in the new
// call's Address field, moves through the matches with the arrow keys,
// takes one with Enter (which fills the address, latitude and longitude
// and does not submit the form), closes the list with Esc, and creates the
// call at that address; all by keyboard.
func TestBrowserAddressLookup(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	if _, err := d.DB.AddressService().ReplaceAddresses(d.Op, deSotoAddresses()); err != nil {
		t.Fatal(err)
	}
	board := newChrome(t)
	if err := chromedp.Do(board, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	d.chromeLogin(t, board, "disp")
	if err := chromedp.Do(board, chromedp.Navigate(d.Server.URL+"/board"), chromedp.WaitVisible(chromedp.ID("nc-nature")),
		waitJS(`document.getElementById("nc-address").getAttribute("role") === "combobox"`)); err != nil {
		t.Fatalf("open the board: %v", err)
	}
	mark(t, board)
	addr := chromedp.ID("nc-address")
	list := `document.getElementById("nc-address-list")`
	input := `document.getElementById("nc-address")`
	options := `[...document.querySelectorAll("#nc-address-list [role=option]")].map(o => o.textContent)`
	if err := chromedp.Do(board, chromedp.SendKeys(chromedp.ID("nc-nature"), "Person in crisis"+kb.Tab), chromedp.SendKeys(addr, "12 main st"),
		waitJS(`!`+list+`.hidden && `+options+`.length >= 2`)); err != nil {
		t.Fatalf("typing 12 main st shows no matches: %v", err)
	}
	got, err := chromedp.Run(board, chromedp.Evaluate[[]string](options))
	if err != nil || len(got) < 2 || got[0] != "12 N Main St, De Soto" || got[1] != "12 S Main St, De Soto" {
		t.Fatalf("matches %q (%v)", got, err)
	}
	if exp, _ := chromedp.Run(board, chromedp.Evaluate[string](input+`.getAttribute("aria-expanded")`)); exp != "true" {
		t.Errorf("aria-expanded %q with the list open", exp)
	}
	if said, _ := chromedp.Run(board, chromedp.Evaluate[string](`document.getElementById("nc-address-status").textContent`)); !strings.Contains(said, "addresses found") {
		t.Errorf("a screen reader is told %q about the matches", said)
	}
	screenshot(t, board, "lookup-matches")

	// ↓ ↓ ↑ lands on the first match; the field keeps focus.
	active := input + `.getAttribute("aria-activedescendant")`
	for _, step := range []struct{ key, want string }{{kb.ArrowDown, "nc-address-opt-0"}, {kb.ArrowDown, "nc-address-opt-1"}, {kb.ArrowUp, "nc-address-opt-0"}} {
		if err := chromedp.Do(board, chromedp.SendKeys(addr, step.key), waitJS(active+` === "`+step.want+`" && document.getElementById("`+step.want+`").getAttribute("aria-selected") === "true" && document.activeElement === `+input)); err != nil {
			t.Fatalf("after the arrow keys the active match should be %s: %v", step.want, err)
		}
	}
	// Enter takes it: address and location filled, the form not sent.
	if err := chromedp.Do(board, chromedp.SendKeys(addr, kb.Enter), waitJS(list+`.hidden && `+input+`.value === "12 N Main St, De Soto"`)); err != nil {
		t.Fatalf("Enter did not take the match: %v", err)
	}
	lat, _ := chromedp.Run(board, chromedp.Value(chromedp.CSS(`input[name=lat]`)))
	lon, _ := chromedp.Run(board, chromedp.Value(chromedp.CSS(`input[name=lon]`)))
	if lat != fmt.Sprintf("%.6f", siteLat+0.0025) || lon != fmt.Sprintf("%.6f", siteLon) {
		t.Errorf("location filled as %s, %s; want 12 N Main St's", lat, lon)
	}
	noteText, _ := chromedp.Run(board, chromedp.Text(chromedp.ID("nc-location-note")))
	if !strings.Contains(noteText, "From the address list: 12 N Main St, De Soto") {
		t.Errorf("location note %q", noteText)
	}
	if n, _ := chromedp.Run(board, chromedp.Evaluate[int](`document.querySelectorAll("#board-calls li.call").length`)); n != 0 {
		t.Fatalf("Enter on a match submitted the form (%d calls)", n)
	}
	screenshot(t, board, "lookup-chosen")

	// Esc closes the list and keeps what was typed.
	if err := chromedp.Do(board, chromedp.SendKeys(addr, " x"), chromedp.SendKeys(addr, kb.Backspace+kb.Backspace),
		waitJS(`!`+list+`.hidden`), chromedp.SendKeys(addr, kb.Escape), waitJS(list+`.hidden && `+input+`.getAttribute("aria-expanded") === "false"`)); err != nil {
		t.Fatalf("Esc did not close the list: %v", err)
	}
	if v, _ := chromedp.Run(board, chromedp.Value(addr)); v != "12 N Main St, De Soto" {
		t.Errorf("Esc changed the field to %q", v)
	}

	// Create the call: it is stored at the address and location chosen.
	if err := chromedp.Do(board, chromedp.Click(chromedp.CSS(`#new-call button[type=submit]`)),
		waitJS(`document.querySelectorAll("#board-calls li.call").length === 1`)); err != nil {
		t.Fatalf("create the call: %v", err)
	}
	checkMark(t, board, "board")
	calls, err := d.DB.CallService().ListCalls(d.Op, citdesk.CallFilter{Open: true})
	if err != nil || len(calls) != 1 || calls[0].Address != "12 N Main St, De Soto" || calls[0].Lat == nil || fmt.Sprintf("%.6f", *calls[0].Lat) != fmt.Sprintf("%.6f", siteLat+0.0025) {
		t.Fatalf("stored call %+v, %v", calls, err)
	}
}

// TestBrowserMapClickNamesAddress: a click on the board's map fills the
// new call's location and names the nearest address on the agency's list,
// with its distance in feet, and fills the empty Address field with it.
func TestBrowserMapClickNamesAddress(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	if _, err := d.DB.AddressService().ReplaceAddresses(d.Op, deSotoAddresses()); err != nil {
		t.Fatal(err)
	}
	board := newChrome(t)
	if err := chromedp.Do(board, chromedp.EmulateViewport(1366, 900)); err != nil {
		t.Fatalf("viewport: %v", err)
	}
	d.chromeLogin(t, board, "disp")
	if err := chromedp.Do(board, chromedp.Navigate(d.Server.URL+"/board"), chromedp.WaitVisible(chromedp.ID("nc-nature")),
		waitJS(`document.querySelectorAll(".leaflet-marker-icon").length >= 3`)); err != nil {
		t.Fatalf("open the board: %v", err)
	}
	// A point of the map with no marker on it.
	js := `(() => { const m = document.getElementById("board-map"); m.scrollIntoView({block: "center"}); const r = m.getBoundingClientRect();
		for (const [fx, fy] of [[0.3, 0.7], [0.7, 0.3], [0.2, 0.2], [0.8, 0.8], [0.5, 0.9]]) {
			const x = r.left + r.width * fx, y = r.top + r.height * fy, el = document.elementFromPoint(x, y);
			if (el && m.contains(el) && !el.closest(".leaflet-marker-icon, .leaflet-interactive, .leaflet-control")) return JSON.stringify([x, y]);
		}
		return ""; })()`
	spot, err := chromedp.Run(board, chromedp.Evaluate[string](js))
	var xy [2]float64
	if err != nil || json.Unmarshal([]byte(spot), &xy) != nil {
		t.Fatalf("no free point on the map: %q %v", spot, err)
	}
	click := func(x, y float64) (lat, lon float64, latS, lonS, note string) {
		t.Helper()
		if _, err := chromedp.Run(board, chromedp.Evaluate[bool](`(() => { document.getElementById("nc-location-note").textContent = ""; return true; })()`)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(board, chromedp.MouseClickXY(x, y), waitJS(`document.getElementById("nc-location-note").textContent.includes("Nearest address")`)); err != nil {
			note, _ := chromedp.Run(board, chromedp.Text(chromedp.ID("nc-location-note")))
			t.Fatalf("the map click named no address (note %q): %v", note, err)
		}
		latS, _ = chromedp.Run(board, chromedp.Value(chromedp.CSS(`input[name=lat]`)))
		lonS, _ = chromedp.Run(board, chromedp.Value(chromedp.CSS(`input[name=lon]`)))
		if _, err := fmt.Sscan(latS+" "+lonS, &lat, &lon); err != nil {
			t.Fatalf("the click filled lat %q lon %q", latS, lonS)
		}
		note, _ = chromedp.Run(board, chromedp.Text(chromedp.ID("nc-location-note")))
		return lat, lon, latS, lonS, note
	}

	// Far from every address: the nearest is named with its distance, and
	// the Address field stays empty.
	lat, lon, latS, lonS, note := click(xy[0], xy[1])
	want, err := d.DB.Geocoder().Reverse(d.Op, d.Agency.ID, lat, lon)
	if err != nil {
		t.Fatal(err)
	}
	if *want.DistanceM > 150 {
		if !strings.Contains(note, "Map click: the new call's location is set to "+latS+", "+lonS) || !strings.Contains(note, "Nearest address: "+want.Label+", ") ||
			!strings.Contains(note, "too far to be the call's address") {
			t.Errorf("note %q, want the nearest address %q, too far", note, want.Label)
		}
		if v, _ := chromedp.Run(board, chromedp.Value(chromedp.ID("nc-address"))); v != "" {
			t.Errorf("an address %v m away filled the Address field: %q", *want.DistanceM, v)
		}
	}

	// An address right there (added to the list now: the lookup reloads
	// it): a click names it in feet and fills the empty Address field.
	here := append(deSotoAddresses(), citdesk.Address{HouseNumber: "401", Street: "Boyd St", Place: "De Soto", Lat: lat + 0.0001, Lon: lon})
	if _, err := d.DB.AddressService().ReplaceAddresses(d.Op, here); err != nil {
		t.Fatal(err)
	}
	_, _, latS, lonS, note = click(xy[0], xy[1])
	if !strings.Contains(note, "Map click: the new call's location is set to "+latS+", "+lonS) || !strings.Contains(note, "Nearest address: 401 Boyd St, De Soto, ") ||
		!strings.Contains(note, " ft away") {
		t.Errorf("note %q, want 401 Boyd St in feet", note)
	}
	if v, _ := chromedp.Run(board, chromedp.Value(chromedp.ID("nc-address"))); v != "401 Boyd St, De Soto" {
		t.Errorf("the empty Address field was filled with %q, want 401 Boyd St, De Soto", v)
	}
	hint, _ := chromedp.Run(board, chromedp.Text(chromedp.ID("map-hint")))
	if !strings.Contains(hint, "Click the map to set the new call's location") || !strings.Contains(hint, "names the nearest address") {
		t.Errorf("map hint %q", hint)
	}
	screenshot(t, board, "map-click-address")

	// A typed address is kept: a second click only names the nearest one.
	if _, err := chromedp.Run(board, chromedp.Evaluate[bool](`(() => { document.getElementById("nc-address").value = ""; return true; })()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(board, chromedp.SendKeys(chromedp.ID("nc-address"), "behind the gas station"), chromedp.SendKeys(chromedp.ID("nc-address"), kb.Escape),
		chromedp.MouseClickXY(xy[0]+2, xy[1]+2),
		waitJS(`document.getElementById("nc-location-note").textContent.includes("keeps what you typed")`)); err != nil {
		t.Fatalf("a second click: %v", err)
	}
	if v, _ := chromedp.Run(board, chromedp.Value(chromedp.ID("nc-address"))); v != "behind the gas station" {
		t.Errorf("a map click replaced the typed address with %q", v)
	}
}
