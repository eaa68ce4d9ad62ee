package geo

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"sync"

	"golang.org/x/image/vector"
)

// Basemap tiles: Web Mercator (EPSG:3857), 256 pixels square, addressed
// z/x/y as OpenStreetMap's and Leaflet's are.
const TileSize = 256

// drawStyle is how one class is drawn: its colour, its casing (the darker
// edge under a road; zero alpha for none), its width in pixels at zoom 16
// and the least zoom it is drawn at.
type drawStyle struct {
	fill, casing color.RGBA
	width16      float64
	minZoom      int
}

var drawStyles = [drawClasses]drawStyle{
	DrawWater:     {fill: rgb(0xaa, 0xd3, 0xdf), minZoom: 8},
	DrawWaterHole: {minZoom: 8},
	DrawPark:      {fill: rgb(0xc8, 0xe6, 0xc0), minZoom: 11},
	DrawParkHole:  {minZoom: 11},
	DrawBoundary:  {fill: color.RGBA{0x80, 0x50, 0x90, 0xa0}, width16: 2, minZoom: 4},
	DrawWaterway:  {fill: rgb(0xaa, 0xd3, 0xdf), width16: 3, minZoom: 10},
	DrawCoast:     {fill: rgb(0x6a, 0x9f, 0xc0), width16: 2, minZoom: 5},
	DrawPath:      {fill: rgb(0xf0, 0x90, 0x80), width16: 1.5, minZoom: 15},
	DrawService:   {fill: rgb(0xff, 0xff, 0xff), casing: rgb(0xbb, 0xbb, 0xbb), width16: 4, minZoom: 14},
	DrawMinor:     {fill: rgb(0xff, 0xff, 0xff), casing: rgb(0xaa, 0xaa, 0xaa), width16: 7, minZoom: 12},
	DrawTertiary:  {fill: rgb(0xff, 0xff, 0xff), casing: rgb(0x8f, 0x8f, 0x8f), width16: 9, minZoom: 11},
	DrawSecondary: {fill: rgb(0xf7, 0xfa, 0xbf), casing: rgb(0x70, 0x7d, 0x05), width16: 10, minZoom: 9},
	DrawPrimary:   {fill: rgb(0xfc, 0xd6, 0xa4), casing: rgb(0xa0, 0x6b, 0x00), width16: 11, minZoom: 7},
	DrawTrunk:     {fill: rgb(0xf9, 0xb2, 0x9c), casing: rgb(0xc8, 0x4e, 0x2f), width16: 12, minZoom: 5},
	DrawMotorway:  {fill: rgb(0xe8, 0x92, 0xa2), casing: rgb(0xdc, 0x2a, 0x67), width16: 12, minZoom: 5},
}

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{r, g, b, 0xff} }

// widthAt is a line's width in pixels at zoom z: wider as one zooms in,
// but less than the ground it covers doubles, and never under a pixel.
func (s drawStyle) widthAt(z int) float64 {
	return max(1, s.width16*math.Pow(2, float64(z-16)*0.6))
}

// TileBox is the area tile z/x/y covers, in degrees.
func TileBox(z, x, y int) (south, west, north, east float64) {
	n := math.Exp2(float64(z))
	lonOf := func(x float64) float64 { return x/n*360 - 180 }
	latOf := func(y float64) float64 { return math.Atan(math.Sinh(math.Pi*(1-2*y/n))) * 180 / math.Pi }
	return latOf(float64(y + 1)), lonOf(float64(x)), latOf(float64(y)), lonOf(float64(x + 1))
}

// DrawTile draws tile z/x/y of the basemap on a transparent ground (the
// page's map gives the land its colour, so the imported area has no
// edge): nil when the tile shows nothing of it (outside the imported
// area, or nothing there is drawn at zoom z), so the cache keeps one
// empty tile for all of those. z, x and y must be a valid tile (citdesk.CheckTile).
func (b *Basemap) DrawTile(z, x, y int) *image.RGBA {
	if b == nil || len(b.class) == 0 {
		return nil
	}
	s, w, n, e := TileBox(z, x, y)
	// A margin of the widest line's half width, so a road just outside the
	// tile still draws its edge inside it.
	mpp := 156543.03 * math.Cos(((s+n)/2)*math.Pi/180) / math.Exp2(float64(z)) // metres a pixel
	pad := 16 * mpp / metersPerDegree
	q := box{toE7(s - pad), toE7(w - pad), toE7(n + pad), toE7(e + pad)}
	if !q.overlaps(b.all) {
		return nil
	}
	var draw [drawClasses]bool
	for c := DrawClass(1); c < drawClasses; c++ {
		draw[c] = z >= drawStyles[c].minZoom
	}
	ways := b.waysIn(q, &draw)
	if len(ways) == 0 {
		return nil
	}
	img := image.NewRGBA(image.Rect(0, 0, TileSize, TileSize))
	p := &tilePainter{img: img, mask: image.NewAlpha(img.Bounds()), z: vector.NewRasterizer(TileSize, TileSize), scale: math.Exp2(float64(z)) * TileSize, ox: float64(x * TileSize), oy: float64(y * TileSize)}

	p.reset()

	byClass := make([][]int32, drawClasses)
	for _, i := range ways {
		byClass[b.class[i]] = append(byClass[b.class[i]], i)
	}
	// Areas, then every road's casing, then the lines by class, the most
	// important last.
	for c := DrawClass(1); c < drawClasses; c++ {
		if c.IsArea() && !c.isHole() && len(byClass[c]) > 0 {
			for _, i := range byClass[c] {
				p.poly(p.points(b, i, nil), false)
			}
			// Holes wound the other way round, so they cancel.
			for _, i := range byClass[c.hole()] {
				p.poly(p.points(b, i, nil), true)
			}
			p.paint(drawStyles[c].fill)
		}
	}
	for c := DrawClass(1); c < drawClasses; c++ {
		st := drawStyles[c]
		if c.IsArea() || st.casing.A == 0 || len(byClass[c]) == 0 {
			continue
		}
		for _, i := range byClass[c] {
			p.stroke(p.points(b, i, nil), st.widthAt(z)+2)
		}
		p.paint(st.casing)
	}
	var pts [][2]float64
	for c := DrawClass(1); c < drawClasses; c++ {
		st := drawStyles[c]
		if c.IsArea() || len(byClass[c]) == 0 {
			continue
		}
		for _, i := range byClass[c] {
			pts = p.points(b, i, pts[:0])
			p.stroke(pts, st.widthAt(z))
		}
		p.paint(st.fill)
	}
	return img
}

// tilePainter draws on one tile: the rasterizer gathers one colour's
// shapes, paint lays them on the image.
type tilePainter struct {
	img           *image.RGBA
	mask          *image.Alpha
	z             *vector.Rasterizer
	scale, ox, oy float64
	src           image.Uniform
	// dirty bounds what was added since the last paint, so paint
	// composites only there.
	dirty [4]float64
}

// project is (lat, lon) in 1e-7 degrees as the tile's pixels.
func (p *tilePainter) project(lat, lon int32) (x, y float64) {
	la := float64(lat) * 1e-7 * math.Pi / 180
	la = max(-1.4844, min(1.4844, la)) // Web Mercator ends at ±85.05°
	x = (float64(lon)*1e-7+180)/360*p.scale - p.ox
	y = (1-math.Log(math.Tan(la)+1/math.Cos(la))/math.Pi)/2*p.scale - p.oy
	return x, y
}

func (p *tilePainter) points(b *Basemap, i int32, out [][2]float64) [][2]float64 {
	for k := b.start[i]; k < b.start[i+1]; k++ {
		x, y := p.project(b.lat[k], b.lon[k])
		out = append(out, [2]float64{x, y})
	}
	return out
}

// poly adds a closed polygon, always wound the same way (the other way
// for a hole): the rasterizer adds up signed coverage, so two
// overlapping shapes wound opposite ways cancel.
func (p *tilePainter) poly(pts [][2]float64, hole bool) {
	if len(pts) < 3 {
		return
	}
	area := 0.0
	for k := range pts {
		a, b := pts[k], pts[(k+1)%len(pts)]
		area += a[0]*b[1] - b[0]*a[1]
	}
	at := func(k int) [2]float64 { return pts[k] }
	if (area > 0) != hole {
		at = func(k int) [2]float64 { return pts[len(pts)-1-k] }
	}
	p.z.MoveTo(float32(at(0)[0]), float32(at(0)[1]))
	for k := 1; k < len(pts); k++ {
		q := at(k)
		p.z.LineTo(float32(q[0]), float32(q[1]))
	}
	for _, q := range pts {
		p.dirty = [4]float64{min(p.dirty[0], q[0]), min(p.dirty[1], q[1]), max(p.dirty[2], q[0]), max(p.dirty[3], q[1])}
	}
	p.z.ClosePath()
}

// stroke adds a line of width w along pts: a rectangle for each segment
// and an octagon at each point, for round joins and ends.
func (p *tilePainter) stroke(pts [][2]float64, w float64) {
	h := w / 2
	lo, hi := -h-1, TileSize+h+1 // beyond these, nothing drawn shows
	off := func(a [2]float64) (l, r, u, d bool) { return a[0] < lo, a[0] > hi, a[1] < lo, a[1] > hi }
	quad := make([][2]float64, 4)
	oct := make([][2]float64, 8)
	for k, a := range pts {
		al, ar, au, ad := off(a)
		if h >= 1 && !al && !ar && !au && !ad {
			for j := range 8 {
				t := float64(j) * math.Pi / 4
				oct[j] = [2]float64{a[0] + h*math.Cos(t), a[1] + h*math.Sin(t)}
			}
			p.poly(oct, false)
		}
		if k+1 == len(pts) {
			continue
		}
		b := pts[k+1]
		bl, br, bu, bd := off(b)
		if al && bl || ar && br || au && bu || ad && bd {
			continue // both ends beyond the same side of the tile
		}
		dx, dy := b[0]-a[0], b[1]-a[1]
		l := math.Hypot(dx, dy)
		if l < 1e-9 {
			continue
		}
		nx, ny := -dy/l*h, dx/l*h
		quad[0], quad[1] = [2]float64{a[0] + nx, a[1] + ny}, [2]float64{b[0] + nx, b[1] + ny}
		quad[2], quad[3] = [2]float64{b[0] - nx, b[1] - ny}, [2]float64{a[0] - nx, a[1] - ny}
		p.poly(quad, false)
	}
}

// paint lays what the rasterizer gathered on the tile in colour c.
func (p *tilePainter) paint(c color.RGBA) {
	r := image.Rect(int(math.Floor(max(p.dirty[0], -1))), int(math.Floor(max(p.dirty[1], -1))),
		int(math.Ceil(min(p.dirty[2], TileSize+1))), int(math.Ceil(min(p.dirty[3], TileSize+1)))).Intersect(p.img.Bounds())
	if !r.Empty() {
		// The rasterizer's quick path fills an alpha mask; the standard
		// library's then lays the colour through it, only where it may
		// have covered.
		p.z.DrawOp = draw.Src
		p.z.Draw(p.mask, p.mask.Bounds(), image.Opaque, image.Point{})
		p.src.C = c
		draw.DrawMask(p.img, r, &p.src, image.Point{}, p.mask, r.Min, draw.Over)
	}
	p.reset()
}

// reset empties the rasterizer for the next colour.
func (p *tilePainter) reset() {
	p.z.Reset(TileSize, TileSize)
	p.dirty = [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
}

// EncodeTile encodes a drawn tile as PNG; a nil tile is the empty,
// transparent one.
func EncodeTile(img *image.RGBA) []byte {
	if img == nil {
		return emptyTilePNG
	}
	var buf bytes.Buffer
	if err := tileEncoder.Encode(&buf, img); err != nil {
		panic(err) // a bytes.Buffer does not fail
	}
	return buf.Bytes()
}

// tileEncoder favours speed, and reuses its buffers across tiles.
var tileEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &encoderPool{}}

type encoderPool struct{ p sync.Pool }

func (e *encoderPool) Get() *png.EncoderBuffer {
	b, _ := e.p.Get().(*png.EncoderBuffer)
	return b
}

func (e *encoderPool) Put(b *png.EncoderBuffer) { e.p.Put(b) }

// emptyTilePNG is the transparent tile, encoded once.
var emptyTilePNG = func() []byte {
	var buf bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, TileSize, TileSize))
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}()
