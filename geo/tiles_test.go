package geo

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	stdmaps "maps"
	"math"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
)

var (
	monacoOnce sync.Once
	monacoMap  *Map
	monacoErr  error
)

// monaco imports the Monaco extract alone, once per test binary.
func monaco(tb testing.TB) *Map {
	tb.Helper()
	monacoOnce.Do(func() {
		monacoMap, _, monacoErr = ImportOSM(context.Background(), osmDir+"monaco.osm.pbf", nil)
	})
	if monacoErr != nil {
		tb.Fatal(monacoErr)
	}
	return monacoMap
}

// Quai Antoine 1er, on the port of Monaco.
const quaiLat, quaiLon = 43.7329221, 7.4257905

// opaque counts the pixels of img that are not transparent, and those
// that are the colour of a minor road's fill (white).
func opaque(img image.Image) (n, white int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a != 0 {
				n++
			}
			if r == 0xffff && g == 0xffff && bl == 0xffff && a == 0xffff {
				white++
			}
		}
	}
	return n, white
}

// TestMonacoTiles: the import keeps Monaco's roads, paths, parks and
// boundary for drawing; a tile over the port at a street zoom has roads on
// it (white minor-road pixels, and casing) and survives PNG, while a tile
// far from Monaco, or the world at zoom 0, draws nothing (the empty
// transparent tile); at zoom 12 the port's tile is still drawn.
func TestMonacoTiles(t *testing.T) {
	m := monaco(t)
	bm := m.Basemap
	counts := map[DrawClass]int{}
	for _, c := range bm.class {
		counts[c]++
	}
	if counts[DrawMinor] < 50 || counts[DrawPath] < 50 || counts[DrawPrimary] == 0 || counts[DrawPark] == 0 || counts[DrawBoundary] == 0 {
		t.Fatalf("basemap ways by class: %v", counts)
	}
	for _, z := range []int{14, 16, 18} {
		x, y := TileAt(quaiLat, quaiLon, z)
		img := bm.DrawTile(z, x, y)
		if img == nil {
			t.Fatalf("z%d: no tile over the port", z)
		}
		n, white := opaque(img)
		if n < TileSize*TileSize/10 || white < 200 {
			t.Fatalf("z%d %d/%d: %d opaque pixels, %d road pixels", z, x, y, n, white)
		}
		// Encoded and decoded, it is still the same picture.
		dec, err := png.Decode(bytes.NewReader(EncodeTile(img)))
		if err != nil {
			t.Fatal(err)
		}
		if n2, w2 := opaque(dec); n2 != n || w2 != white {
			t.Fatalf("z%d after PNG: %d opaque, %d white; before %d, %d", z, n2, w2, n, white)
		}
	}
	// Far away (Paris) and at the edge of the world: nothing to draw.
	// The world at zoom 0 holds Monaco, but nothing of it is drawn that far out.
	for _, tc := range [][3]int{{16, 0, 0}, {16, 33198, 22539}, {0, 0, 0}} {
		img := bm.DrawTile(tc[0], tc[1], tc[2])
		if img != nil {
			t.Fatalf("tile %v far from Monaco was drawn", tc)
		}
	}
	empty, err := png.Decode(bytes.NewReader(EncodeTile(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := opaque(empty); n != 0 || empty.Bounds().Dx() != TileSize {
		t.Fatalf("the empty tile has %d opaque pixels, %v", n, empty.Bounds())
	}
	// At zoom 12 residential streets are left out, so the port's tile
	// has fewer road pixels than at 16 but is still drawn.
	x, y := TileAt(quaiLat, quaiLon, 12)
	if img := bm.DrawTile(12, x, y); img == nil {
		t.Fatal("z12: no tile")
	}
}

// TestMapFileBasemap: the basemap survives the map file, and a map file
// of format 1 (before the basemap) still loads, without one.
func TestMapFileBasemap(t *testing.T) {
	m := monaco(t)
	var buf bytes.Buffer
	if err := WriteMap(&buf, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadMap(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	a, b := m.Basemap, got.Basemap
	if !slices.Equal(a.class, b.class) || !slices.Equal(a.start, b.start) || !slices.Equal(a.lat, b.lat) || !slices.Equal(a.lon, b.lon) {
		t.Fatalf("basemap read back differs: %d ways, %d points; wrote %d, %d", len(b.class), len(b.lat), len(a.class), len(a.lat))
	}
	x, y := TileAt(quaiLat, quaiLon, 16)
	if !bytes.Equal(EncodeTile(a.DrawTile(16, x, y)), EncodeTile(b.DrawTile(16, x, y))) {
		t.Fatal("the read map draws a different tile")
	}

	// Format 1: the same sections without the basemap's count.
	old := *m
	old.Basemap = nil
	buf.Reset()
	if err := WriteMap(&buf, &old); err != nil {
		t.Fatal(err)
	}
	body := bytes.Clone(buf.Bytes()[:buf.Len()-8]) // less the count of ways (0) and the checksum
	copy(body, mapMagicV1)
	v1 := binary.LittleEndian.AppendUint32(body, crc32.Checksum(body, castagnoli))
	got, err = ReadMap(v1)
	if err != nil {
		t.Fatalf("a format 1 map: %v", err)
	}
	if got.Basemap != nil || got.Roads.NodeCount() != m.Roads.NodeCount() || len(got.Addresses) != len(m.Addresses) {
		t.Fatalf("format 1 read as basemap %v, %d nodes, %d addresses", got.Basemap, got.Roads.NodeCount(), len(got.Addresses))
	}
	// A basemap way of an unknown class is refused.
	buf.Reset()
	if err := WriteMap(&buf, m); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	bad := bytes.Clone(data[:len(data)-4])
	// The first way's class is right after the count of ways; find it
	// from the end: the tail is the ways, whose size we know.
	tail := 4
	for i := range a.class {
		tail += 1 + 8 + 8*int(a.start[i+1]-a.start[i])
	}
	bad[len(bad)-tail+4] = 0xee
	bad = binary.LittleEndian.AppendUint32(bad, crc32.Checksum(bad, castagnoli))
	if _, err := ReadMap(bad); !errors.Is(err, ErrBadMap) {
		t.Fatalf("a way of class 0xee: got %v, want ErrBadMap", err)
	}
}

// TestTileCache: a second request for a tile is answered from the cache
// without drawing it again; the cache keeps within its bytes, dropping the
// least recently used tile first.
func TestTileCache(t *testing.T) {
	m := monaco(t)
	c := NewTileCache(1 << 20)
	x, y := TileAt(quaiLat, quaiLon, 16)
	first := c.Tile(1, m, 16, x, y)
	if c.Renders() != 1 || len(first.PNG) == 0 || first.ETag == "" {
		t.Fatalf("first: %d renders, %d bytes, etag %q", c.Renders(), len(first.PNG), first.ETag)
	}
	second := c.Tile(1, m, 16, x, y)
	if c.Renders() != 1 || !bytes.Equal(first.PNG, second.PNG) || first.ETag != second.ETag {
		t.Fatalf("second: %d renders", c.Renders())
	}
	// Another agency's copy of the same map is its own entry.
	c.Tile(2, m, 16, x, y)
	if c.Renders() != 2 {
		t.Fatalf("another agency: %d renders", c.Renders())
	}
	// A small cache holds only the latest few tiles.
	small := NewTileCache(3 * int64(len(first.PNG)))
	for dx := range 6 {
		small.Tile(1, m, 16, x+dx-3, y)
	}
	if small.Bytes() > 3*int64(len(first.PNG)) {
		t.Fatalf("the cache holds %d bytes, over its %d", small.Bytes(), 3*len(first.PNG))
	}
	before := small.Renders()
	small.Tile(1, m, 16, x+2, y) // the latest: still there
	if small.Renders() != before {
		t.Fatal("the latest tile was dropped")
	}
	small.Tile(1, m, 16, x-3, y) // the oldest: gone
	if small.Renders() != before+1 {
		t.Fatal("the oldest tile was kept past the bound")
	}

	// Many at once (run with -race): every answer is the tile asked for.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				dx := (g + i) % 5
				got := small.Tile(1, m, 16, x+dx, y)
				want := EncodeTile(m.Basemap.DrawTile(16, x+dx, y))
				if !bytes.Equal(got.PNG, want) {
					t.Errorf("tile %d: another tile's picture", x+dx)
					return
				}
			}
		})
	}
	wg.Wait()
	if small.Bytes() > 3*int64(len(first.PNG)) {
		t.Fatalf("after the rush the cache holds %d bytes", small.Bytes())
	}
}

// BenchmarkTile measures drawing and encoding one tile of Monaco at the
// zooms a dispatcher uses (cold), and answering it from the cache (warm);
// and cold tiles of Liechtenstein, whose forests and river are
// multipolygons.
func BenchmarkTile(b *testing.B) {
	m := monaco(b)
	for _, z := range []int{13, 15, 17} {
		cx, cy := TileAt(quaiLat, quaiLon, z)
		b.Run("cold/z"+strconv.Itoa(z), func(b *testing.B) {
			i := 0
			for b.Loop() {
				// A 3×3 block around the port, as a pan draws.
				x, y := cx+i%3-1, cy+(i/3)%3-1
				EncodeTile(m.Basemap.DrawTile(z, x, y))
				i++
			}
		})
		b.Run("cached/z"+strconv.Itoa(z), func(b *testing.B) {
			c := NewTileCache(64 << 20)
			c.Tile(1, m, z, cx, cy)
			for b.Loop() {
				c.Tile(1, m, z, cx, cy)
			}
		})
	}
	// Liechtenstein's capital, Vaduz: forests, boundaries and the Rhine
	// as multipolygons, at the zoom that shows the whole country and at a
	// town's.
	li := testMap(b, "liechtenstein")
	for _, z := range []int{11, 14} {
		cx, cy := TileAt(47.141, 9.521, z)
		b.Run("cold/liechtenstein/z"+strconv.Itoa(z), func(b *testing.B) {
			i := 0
			for b.Loop() {
				EncodeTile(li.Basemap.DrawTile(z, cx+i%3-1, cy+(i/3)%3-1))
				i++
			}
		})
	}
}

// pixelAt is the tile at zoom z holding (lat, lon) and the pixel in it.
func pixelAt(lat, lon float64, z int) (x, y, px, py int) {
	n := math.Exp2(float64(z)) * TileSize
	la := lat * math.Pi / 180
	fx := (lon + 180) / 360 * n
	fy := (1 - math.Log(math.Tan(la)+1/math.Cos(la))/math.Pi) / 2 * n
	return int(fx) / TileSize, int(fy) / TileSize, int(fx) % TileSize, int(fy) % TileSize
}

// TestMultipolygonsAndBoundaries: a park drawn as a multipolygon whose
// outer ring is two ways (one against the other's direction) and whose
// inner ring is a hole is filled around the hole and not in it; a state
// boundary's way is drawn as a line; a city boundary (admin_level 8) and
// a ring the extract cuts open are not drawn.
func TestMultipolygonsAndBoundaries(t *testing.T) {
	nodes := map[int][2]float64{
		1: {0.001, 0.001}, 2: {0.011, 0.001}, 3: {0.011, 0.011}, 4: {0.001, 0.011}, // the park's corners
		5: {0.005, 0.005}, 6: {0.007, 0.005}, 7: {0.007, 0.007}, 8: {0.005, 0.007}, // the hole
		9: {0.02, 0.02}, 10: {0.02, 0.03}, // a road, and a half ring cut open
	}
	path := osmXML(t, nodes, [][]string{
		{"1", "2", "3"},           // 100: the park's west and north sides
		{"1", "4", "3"},           // 101: its south and east sides, the other way round
		{"5", "6", "7", "8", "5"}, // 102: the hole
		{"9", "10", "highway=residential"},
		{"9", "10"}, // 104: half a ring
	})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rels := ` <relation id="1" version="1"><member type="way" ref="100" role="outer"/><member type="way" ref="101" role="outer"/><member type="way" ref="102" role="inner"/><tag k="type" v="multipolygon"/><tag k="leisure" v="park"/></relation>
 <relation id="2" version="1"><member type="way" ref="104" role="outer"/><tag k="type" v="multipolygon"/><tag k="natural" v="water"/></relation>
 <relation id="3" version="1"><member type="way" ref="100" role="outer"/><tag k="type" v="boundary"/><tag k="boundary" v="administrative"/><tag k="admin_level" v="4"/></relation>
 <relation id="4" version="1"><member type="way" ref="103" role="outer"/><tag k="type" v="boundary"/><tag k="boundary" v="administrative"/><tag k="admin_level" v="8"/></relation>
</osm>
`
	if err := os.WriteFile(path, bytes.Replace(data, []byte("</osm>\n"), []byte(rels), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	m := mustImport(t, path)
	counts := map[DrawClass]int{}
	for _, c := range m.Basemap.class {
		counts[c]++
	}
	want := map[DrawClass]int{DrawPark: 1, DrawParkHole: 1, DrawBoundary: 1, DrawMinor: 1}
	if !stdmaps.Equal(counts, want) {
		t.Fatalf("basemap ways by class %v, want %v", counts, want)
	}
	const z = 14
	x, y, _, _ := pixelAt(0.006, 0.006, z)
	img := m.Basemap.DrawTile(z, x, y)
	if img == nil {
		t.Fatal("no tile over the park")
	}
	at := func(lat, lon float64) color.RGBA {
		tx, ty, px, py := pixelAt(lat, lon, z)
		if tx != x || ty != y {
			t.Fatalf("%v, %v is not on the tile", lat, lon)
		}
		return img.RGBAAt(px, py)
	}
	park := drawStyles[DrawPark].fill
	if c := at(0.003, 0.003); c != park {
		t.Errorf("in the park: %v, want %v", c, park)
	}
	if c := at(0.006, 0.006); c.A != 0 {
		t.Errorf("in the hole: %v, want nothing", c)
	}
	// The boundary runs along the park's west side (lon 0.001).
	if c := at(0.006, 0.001); c == park || c.A == 0 {
		t.Errorf("on the state boundary: %v", c)
	}
}
