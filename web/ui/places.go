package ui

import (
	"context"
	"fmt"
	"math"

	"citdesk"
	"citdesk/outcomes"
)

// Where crisis calls come from, on the outcomes dashboard and the public
// one: the cells of outcomes.Places drawn on a map (web/static/outcomes.js
// reads the placesView as JSON), and the busiest of them listed in a table
// for whoever cannot see the map.

// placesView is the map section of an outcomes page.
type placesView struct {
	TileURL  string         `json:"-"`
	Lat, Lon float64        `json:"-"` // the agency's centre: the map's view without cells
	CellM    int            `json:"cell_m"`
	Cells    []placeCellRow `json:"cells"`
	Top      []placeCellRow `json:"-"` // the busiest cells, for the table
	Located  string         `json:"-"` // with thousands separators
	Without  string         `json:"-"` // crisis calls with no position, "" for none
	Hidden   int            `json:"-"` // public: areas left off
	Public   bool           `json:"-"`
}

type placeCellRow struct {
	Bounds [4]float64 `json:"b"` // south, west, north, east
	Count  int        `json:"n"`
	Where  string     `json:"w"` // "around 1204 Boyd St", or the centre's coordinates
}

// placesTableRows is how many of the busiest cells the table lists.
const placesTableRows = 10

// newPlacesView builds the section from the cells. Staff tables name the
// address nearest each busy cell's centre (when the agency has an address
// list); the public one gives coordinates only, so that no house is named.
func newPlacesView(ctx context.Context, geo citdesk.Geocoder, agency *citdesk.Agency, tiles string, cellM int, cells []outcomes.PlaceCell, public bool) placesView {
	v := placesView{TileURL: tiles, Lat: agency.Lat, Lon: agency.Lon, CellM: cellM, Public: public, Cells: make([]placeCellRow, len(cells))}
	for i, c := range cells {
		lat, lon := (c.South+c.North)/2, (c.West+c.East)/2
		row := placeCellRow{Bounds: [4]float64{c.South, c.West, c.North, c.East}, Count: c.Count, Where: fmt.Sprintf("%.3f, %.3f", lat, lon)}
		if !public && geo != nil && i < placesTableRows {
			// The nearest address within the cell, if there is one.
			if m, err := geo.Reverse(ctx, agency.ID, lat, lon); err == nil && m != nil && m.DistanceM != nil && *m.DistanceM <= float64(cellM)*math.Sqrt2/2 {
				row.Where = "around " + m.Label
			}
		}
		v.Cells[i] = row
	}
	v.Top = v.Cells[:min(len(v.Cells), placesTableRows)]
	return v
}
