package geo

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"sync"
	"sync/atomic"
)

// Tile is one encoded basemap tile and its entity tag (a digest of the
// PNG, quoted as HTTP wants it).
type Tile struct {
	PNG  []byte
	ETag string
}

// TileAt is the tile at zoom z holding (lat, lon).
func TileAt(lat, lon float64, z int) (x, y int) {
	n := math.Exp2(float64(z))
	la := lat * math.Pi / 180
	fx := (lon + 180) / 360 * n
	fy := (1 - math.Log(math.Tan(la)+1/math.Cos(la))/math.Pi) / 2 * n
	return min(max(int(fx), 0), int(n)-1), min(max(int(fy), 0), int(n)-1)
}

// TileCache keeps drawn tiles in memory, the least recently used dropped
// first once the PNGs exceed its bytes. A tile is keyed by the map it was
// drawn from as well as its agency and address, so a map imported again
// never answers with the old map's tiles (which age out). It is safe for
// concurrent use; two requests for the same missing tile may both draw
// it.
type TileCache struct {
	mu      sync.Mutex
	max     int64
	bytes   int64
	lru     list.List // of *tileEntry, most recent first
	entries map[tileKey]*list.Element
	renders atomic.Int64
}

type tileKey struct {
	agencyID int64
	m        *Map
	z, x, y  int
}

type tileEntry struct {
	key  tileKey
	tile Tile
}

// NewTileCache returns a cache that keeps at most maxBytes of PNG.
func NewTileCache(maxBytes int64) *TileCache {
	return &TileCache{max: maxBytes, entries: map[tileKey]*list.Element{}}
}

// Tile returns tile z/x/y of map m, the agency's, from the cache or drawn
// now. z, x and y must be a valid tile address.
func (c *TileCache) Tile(agencyID int64, m *Map, z, x, y int) Tile {
	k := tileKey{agencyID, m, z, x, y}
	c.mu.Lock()
	if e, ok := c.entries[k]; ok {
		c.lru.MoveToFront(e)
		t := e.Value.(*tileEntry).tile
		c.mu.Unlock()
		return t
	}
	c.mu.Unlock()

	c.renders.Add(1)
	data := EncodeTile(m.Basemap.DrawTile(z, x, y))
	sum := sha256.Sum256(data)
	t := Tile{PNG: data, ETag: `"` + hex.EncodeToString(sum[:12]) + `"`}

	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; ok || int64(len(data)) > c.max {
		return t
	}
	c.entries[k] = c.lru.PushFront(&tileEntry{k, t})
	c.bytes += int64(len(data))
	for c.bytes > c.max {
		e := c.lru.Back()
		old := e.Value.(*tileEntry)
		c.lru.Remove(e)
		delete(c.entries, old.key)
		c.bytes -= int64(len(old.tile.PNG))
	}
	return t
}

// Renders is how many tiles the cache has drawn (each miss).
func (c *TileCache) Renders() int64 { return c.renders.Load() }

// Bytes is the size of the PNGs the cache holds.
func (c *TileCache) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}
