package geo

import (
	"math"
	"slices"

	"github.com/paulmach/osm"
)

// Basemap is what the import keeps for drawing the map: the ways of
// roads, paths, waterways and the coast as polylines, and water and parks
// as areas (closed ways), each with its class. It is built once and then
// only read.
type Basemap struct {
	class []DrawClass
	start []int32 // CSR: the points of way i are start[i]:start[i+1]
	lat   []int32 // 1e-7 degrees
	lon   []int32
	// Derived at load: each way's bounding box and a grid of the ways by
	// the cells they cross.
	box  []box
	grid wayGrid
	all  box
}

// DrawClass is what kind of thing a basemap way is, which decides how it
// is drawn and from which zoom.
type DrawClass uint8

// The basemap's classes, drawn in this order (areas first, the most
// important roads last, so they lie on top).
const (
	DrawWater     DrawClass = iota + 1 // area: lake, reservoir, riverbank
	DrawWaterHole                      // a hole in water: an island
	DrawPark                           // area: park, grass, wood, forest
	DrawParkHole                       // a hole in a park
	DrawWaterway
	DrawCoast
	DrawBoundary // an administrative boundary: country, state, county
	DrawPath     // footway, pedestrian street, path, steps, cycleway, track
	DrawService
	DrawMinor // residential, unclassified, living street
	DrawTertiary
	DrawSecondary
	DrawPrimary
	DrawTrunk
	DrawMotorway
	drawClasses
)

// IsArea reports whether ways of class c are filled areas (or holes in
// them), not lines.
func (c DrawClass) IsArea() bool { return c >= DrawWater && c <= DrawParkHole }

// hole is the class of a hole in an area of class c.
func (c DrawClass) hole() DrawClass { return c + 1 }

// isHole reports whether c is a hole in an area.
func (c DrawClass) isHole() bool { return c == DrawWaterHole || c == DrawParkHole }

var highwayDraw = map[string]DrawClass{
	"motorway": DrawMotorway, "motorway_link": DrawMotorway, "trunk": DrawTrunk, "trunk_link": DrawTrunk,
	"primary": DrawPrimary, "primary_link": DrawPrimary, "secondary": DrawSecondary, "secondary_link": DrawSecondary,
	"tertiary": DrawTertiary, "tertiary_link": DrawTertiary, "unclassified": DrawMinor, "residential": DrawMinor,
	"living_street": DrawMinor, "road": DrawMinor, "service": DrawService,
	"pedestrian": DrawPath, "footway": DrawPath, "path": DrawPath, "steps": DrawPath, "cycleway": DrawPath,
	"track": DrawPath, "bridleway": DrawPath,
}

// drawClassOf says how way tags t are drawn, if at all. closed says the
// way's first and last nodes are the same (only such a way is an area).
func drawClassOf(t osm.Tags, closed bool) (DrawClass, bool) {
	if c, ok := highwayDraw[t.Find("highway")]; ok {
		if t.Find("area") == "yes" {
			return 0, false
		}
		return c, true
	}
	if t.Find("natural") == "coastline" {
		return DrawCoast, true
	}
	switch t.Find("waterway") {
	case "river", "stream", "canal":
		return DrawWaterway, true
	case "riverbank", "dock":
		if closed {
			return DrawWater, true
		}
	}
	if !closed {
		return 0, false
	}
	if t.Find("natural") == "water" || t.Find("landuse") == "reservoir" || t.Find("landuse") == "basin" {
		return DrawWater, true
	}
	switch t.Find("leisure") {
	case "park", "garden", "playground", "pitch", "golf_course":
		return DrawPark, true
	}
	switch t.Find("landuse") {
	case "grass", "forest", "meadow", "recreation_ground", "village_green", "cemetery":
		return DrawPark, true
	}
	if n := t.Find("natural"); n == "wood" || n == "scrub" {
		return DrawPark, true
	}
	return 0, false
}

// WayCount is the number of ways the basemap draws.
func (b *Basemap) WayCount() int {
	if b == nil {
		return 0
	}
	return len(b.class)
}

// add appends one way of class c; points are (lat, lon) pairs.
func (b *Basemap) add(c DrawClass, lat, lon []int32) {
	if len(b.start) == 0 {
		b.start = append(b.start, 0)
	}
	b.class = append(b.class, c)
	b.lat = append(b.lat, lat...)
	b.lon = append(b.lon, lon...)
	b.start = append(b.start, int32(len(b.lat)))
}

type box struct{ minLat, minLon, maxLat, maxLon int32 }

func (a box) overlaps(o box) bool {
	return a.minLat <= o.maxLat && o.minLat <= a.maxLat && a.minLon <= o.maxLon && o.minLon <= a.maxLon
}

// wayGrid is a flat grid over the basemap's bounding box whose cells list
// the ways with a segment crossing them.
type wayGrid struct {
	lat0, lon0 int32
	cell       int32 // side, 1e-7 degrees
	w, h       int32
	start      []int32 // CSR: the ways of cell y*w+x
	ways       []int32
}

// finish derives the boxes and the grid after the ways are in.
func (b *Basemap) finish() {
	n := len(b.class)
	b.box = make([]box, n)
	b.all = box{math.MaxInt32, math.MaxInt32, math.MinInt32, math.MinInt32}
	for i := range n {
		bx := box{math.MaxInt32, math.MaxInt32, math.MinInt32, math.MinInt32}
		for k := b.start[i]; k < b.start[i+1]; k++ {
			bx.minLat, bx.maxLat = min(bx.minLat, b.lat[k]), max(bx.maxLat, b.lat[k])
			bx.minLon, bx.maxLon = min(bx.minLon, b.lon[k]), max(bx.maxLon, b.lon[k])
		}
		b.box[i] = bx
		b.all = box{min(b.all.minLat, bx.minLat), min(b.all.minLon, bx.minLon), max(b.all.maxLat, bx.maxLat), max(b.all.maxLon, bx.maxLon)}
	}
	g := &b.grid
	if n == 0 {
		g.w, g.h, g.cell, g.start = 0, 0, 1, []int32{0}
		return
	}
	// About one cell per way, none smaller than 0.002° (some 200 m).
	spanLat, spanLon := float64(b.all.maxLat-b.all.minLat)+1, float64(b.all.maxLon-b.all.minLon)+1
	cell := max(20000, math.Sqrt(spanLat*spanLon/float64(n)))
	g.lat0, g.lon0, g.cell = b.all.minLat, b.all.minLon, int32(cell)
	g.w, g.h = int32(spanLon/cell)+1, int32(spanLat/cell)+1
	each := func(f func(c, way int32)) {
		for i := range n {
			if b.class[i].IsArea() {
				// An area covers its inside too: every cell of its box.
				x0, y0 := g.cellOf(b.box[i].minLat, b.box[i].minLon)
				x1, y1 := g.cellOf(b.box[i].maxLat, b.box[i].maxLon)
				for y := y0; y <= y1; y++ {
					for x := x0; x <= x1; x++ {
						f(y*g.w+x, int32(i))
					}
				}
				continue
			}
			last := int32(-1)
			for k := b.start[i]; k+1 < b.start[i+1]; k++ {
				x0, y0 := g.cellOf(min(b.lat[k], b.lat[k+1]), min(b.lon[k], b.lon[k+1]))
				x1, y1 := g.cellOf(max(b.lat[k], b.lat[k+1]), max(b.lon[k], b.lon[k+1]))
				for y := y0; y <= y1; y++ {
					for x := x0; x <= x1; x++ {
						if c := y*g.w + x; c != last {
							f(c, int32(i))
							last = c
						}
					}
				}
			}
		}
	}
	count := make([]int32, g.w*g.h+1)
	each(func(c, _ int32) { count[c+1]++ })
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	g.start = slices.Clone(count)
	g.ways = make([]int32, count[len(count)-1])
	each(func(c, way int32) {
		g.ways[count[c]] = way
		count[c]++
	})
}

func (g *wayGrid) cellOf(lat, lon int32) (x, y int32) {
	x = min(max((lon-g.lon0)/g.cell, 0), g.w-1)
	y = min(max((lat-g.lat0)/g.cell, 0), g.h-1)
	return x, y
}

// waysIn lists the ways whose box overlaps q and whose class is drawn
// (draw[class]), each once, in the order they were imported.
func (b *Basemap) waysIn(q box, draw *[drawClasses]bool) []int32 {
	if len(b.class) == 0 || !q.overlaps(b.all) {
		return nil
	}
	g := &b.grid
	x0, y0 := g.cellOf(q.minLat, q.minLon)
	x1, y1 := g.cellOf(q.maxLat, q.maxLon)
	var out []int32
	if int(x1-x0+1)*int(y1-y0+1) > len(b.class) {
		// A query over much of the map: every way is cheaper than the cells.
		for i := range b.class {
			if draw[b.class[i]] && b.box[i].overlaps(q) {
				out = append(out, int32(i))
			}
		}
		return out
	}
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			c := y*g.w + x
			for _, i := range g.ways[g.start[c]:g.start[c+1]] {
				if draw[b.class[i]] && b.box[i].overlaps(q) {
					out = append(out, i)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
