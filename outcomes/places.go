package outcomes

import (
	"cmp"
	"math"
	"slices"
	"strconv"
)

// Where crisis calls come from: citdesk's own calls with a position (the
// call-taker's address or map point), counted by cells of a grid fixed on
// the earth, so the same cell means the same ground in every period and
// every agency. A cell is CellMeters tall; its width in degrees of longitude
// grows with the latitude of its row so that it is about CellMeters wide
// too. The grid is not fitted to the data: a cell's edges never depend on
// which calls fall in it.
//
// Imported history has no positions and is not on the map; calls without a
// position are counted as Unlocated, so a reader sees how much of the
// picture the map is.

// Point is a position in degrees (WGS 84).
type Point struct{ Lat, Lon float64 }

// PlaceCell is one cell of the grid and the calls in it.
type PlaceCell struct {
	South float64 `json:"south"`
	West  float64 `json:"west"`
	North float64 `json:"north"`
	East  float64 `json:"east"`
	Count int     `json:"count"`
}

// Places is the staff map: every cell with at least one call.
type Places struct {
	CellMeters int         `json:"cell_m"`
	Cells      []PlaceCell `json:"cells"`     // most calls first
	Located    int         `json:"located"`   // calls on the map
	Unlocated  int         `json:"unlocated"` // crisis calls with no position
}

// Cell sizes: the staff map's default and bounds, and the public map's,
// which is coarser so that a cell is a neighbourhood, never a block.
const (
	DefaultCellMeters = 500
	MinCellMeters     = 200
	MaxCellMeters     = 5000
	PublicCellMeters  = 1000
)

// metersPerDegree is the length of one degree of latitude (and of longitude
// at the equator), near enough for a grid.
const metersPerDegree = 111_320

type cellKey struct{ row, col int64 }

// cellOf returns the grid cell of p and its bounds.
func cellOf(p Point, cellMeters float64) (cellKey, PlaceCell) {
	latStep := cellMeters / metersPerDegree
	row := int64(math.Floor(p.Lat / latStep))
	mid := (float64(row) + 0.5) * latStep
	lonStep := cellMeters / (metersPerDegree * math.Max(math.Cos(mid*math.Pi/180), 0.01))
	col := int64(math.Floor(p.Lon / lonStep))
	return cellKey{row, col}, PlaceCell{
		South: float64(row) * latStep, North: float64(row+1) * latStep,
		West: float64(col) * lonStep, East: float64(col+1) * lonStep,
	}
}

// CountPlaces counts points by grid cell of cellMeters (clamped to
// MinCellMeters–MaxCellMeters). Points outside the earth's coordinates are
// counted as unlocated, with the unlocated given.
func CountPlaces(points []Point, unlocated, cellMeters int) Places {
	cellMeters = min(max(cellMeters, MinCellMeters), MaxCellMeters)
	out := Places{CellMeters: cellMeters, Unlocated: unlocated, Cells: []PlaceCell{}}
	at := map[cellKey]int{}
	keys := []cellKey{}
	for _, p := range points {
		if math.IsNaN(p.Lat) || math.IsNaN(p.Lon) || math.Abs(p.Lat) > 90 || math.Abs(p.Lon) > 180 {
			out.Unlocated++
			continue
		}
		out.Located++
		k, c := cellOf(p, float64(cellMeters))
		i, ok := at[k]
		if !ok {
			i = len(out.Cells)
			at[k] = i
			out.Cells = append(out.Cells, c)
			keys = append(keys, k)
		}
		out.Cells[i].Count++
	}
	order := make([]int, len(out.Cells))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(out.Cells[b].Count, out.Cells[a].Count); c != 0 {
			return c
		}
		if c := cmp.Compare(keys[a].row, keys[b].row); c != 0 {
			return c
		}
		return cmp.Compare(keys[a].col, keys[b].col)
	})
	sorted := make([]PlaceCell, len(order))
	for i, j := range order {
		sorted[i] = out.Cells[j]
	}
	out.Cells = sorted
	return out
}

// PublicPlaces is the public map: the cells whose counts may be published.
type PublicPlaces struct {
	CellMeters int         `json:"cell_m"`
	Cells      []PlaceCell `json:"cells"`
	// Hidden is how many cells with calls are left off: those with fewer
	// than 11 calls, and those hidden so that one cannot be worked out
	// from a total published elsewhere.
	Hidden int `json:"hidden_areas"`
}

// PublishPlaces returns the cells of p that may be published. The cells
// and their total are one row of a table passed through Suppress, so a
// count from 1 to 10 is never shown and no hidden cell can be worked out
// as the total minus the shown ones (the map publishes no total, but the
// number of located calls could be known from elsewhere). Hidden cells are
// left off the map entirely: even "fewer than 11" would place a crisis
// call in a neighbourhood.
func PublishPlaces(p Places) PublicPlaces {
	out := PublicPlaces{CellMeters: p.CellMeters, Cells: []PlaceCell{}}
	if len(p.Cells) == 0 {
		return out
	}
	t := Table{Rows: []string{"calls"}, Cols: make([]string, len(p.Cells)), Counts: [][]int{make([]int, len(p.Cells))}}
	for i, c := range p.Cells {
		t.Cols[i], t.Counts[0][i] = strconv.Itoa(i), c.Count
	}
	s := Suppress(t)
	for i, c := range p.Cells {
		if s.Cells[0][i].Status == Shown {
			out.Cells = append(out.Cells, c)
		} else {
			out.Hidden++
		}
	}
	return out
}
