package store

import (
	"context"

	"citdesk"
	"citdesk/dispatch"
	"citdesk/geo"
)

// roadsFor returns the agency's road map as the recommender's route
// estimator, or nil when the process keeps no maps (db.Maps unset: tests,
// tools). It looks the map up when a call is ranked, not when the
// dispatch state is read, so a state kept in memory uses the map the
// process has now; with no map for the agency, Toward returns nil and the
// recommender uses the straight line.
func (db *DB) roadsFor(agencyID int64) dispatch.RouteEstimator {
	if db.Maps == nil {
		return nil
	}
	return agencyRoads{db: db, agencyID: agencyID}
}

// agencyRoads adapts an agency's geo road graph to
// dispatch.RouteEstimator: seconds and metres from the graph's
// milliseconds and decimetres.
type agencyRoads struct {
	db       *DB
	agencyID int64
}

func (a agencyRoads) Toward(lat, lon float64) dispatch.Route {
	m := a.db.Maps.Get(a.agencyID)
	if m == nil || m.Roads == nil || m.Roads.NodeCount() == 0 {
		return nil
	}
	return mapRoute{m.Roads.Toward(lat, lon)}
}

type mapRoute struct{ t *geo.Target }

func (r mapRoute) From(lat, lon float64) (seconds, meters float64, ok bool) {
	ms, dm, ok := r.t.From(lat, lon)
	return float64(ms) / 1000, float64(dm) / 10, ok
}

func (r mapRoute) Close() { r.t.Close() }

// tileCacheBytes bounds the PNGs the tile cache keeps: some 1,000 to 3,000
// tiles of streets (20–70 KB each), far more of empty ones, for all
// agencies together.
const tileCacheBytes = 64 << 20

// NewMapTiles returns the drawer of the agencies' basemap tiles from
// db.Maps, with its own cache in memory: make one per process. (A
// function, not a DB method: DB has methods enough.)
func NewMapTiles(db *DB) *MapTiles {
	return &MapTiles{db: db, cache: geo.NewTileCache(tileCacheBytes)}
}

// MapTiles is citdesk.MapTiles over the maps the process holds: it looks
// the agency's map up at each request, so a map set after start-up (a
// test, a reload) is drawn at once.
type MapTiles struct {
	db    *DB
	cache *geo.TileCache
}

func (t *MapTiles) basemap(agencyID int64) *geo.Map {
	m := t.db.Maps.Get(agencyID)
	if m == nil || m.Basemap == nil {
		return nil
	}
	return m
}

// HasTiles reports whether the agency has a map with a basemap to draw
// (citdesk.MapTiles).
func (t *MapTiles) HasTiles(agencyID int64) bool { return t.basemap(agencyID) != nil }

// Tile returns tile z/x/y of the agency's map (citdesk.MapTiles).
func (t *MapTiles) Tile(ctx context.Context, agencyID int64, z, x, y int) (*citdesk.MapTile, error) {
	if err := citdesk.CheckTile(z, x, y); err != nil {
		return nil, err
	}
	m := t.db.Maps.Get(agencyID)
	if m == nil {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "This agency has no map: import one with citdesk map import.")
	}
	if m.Basemap == nil {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "This agency's map was imported by an older citdesk that kept no streets to draw: import it again with citdesk map import.")
	}
	tile := t.cache.Tile(agencyID, m, z, x, y)
	return &citdesk.MapTile{PNG: tile.PNG, ETag: tile.ETag}, nil
}

// Renders is how many tiles have been drawn, each a miss of the cache.
func (t *MapTiles) Renders() int64 { return t.cache.Renders() }
