package citdesk

import "context"

// MaxTileZoom is the deepest zoom citdesk draws its own map tiles at
// (Leaflet's maxZoom for them): a tile then covers some 75 m.
const MaxTileZoom = 19

// MapTile is one basemap tile drawn from the agency's imported map: a
// 256-pixel PNG, and an entity tag that changes when the picture does.
type MapTile struct {
	PNG  []byte
	ETag string
}

// MapTiles draws basemap tiles (Web Mercator, z/x/y as OpenStreetMap's)
// from each agency's imported OpenStreetMap map, so the board has streets
// on a network with no internet. HasTiles reports whether the agency's map
// can be drawn; Tile returns one tile, transparent where the map has
// nothing, or ENOTFOUND when the agency has no map to draw. Streets are
// public facts: the route's action decides who may ask, and an actor may
// ask only about their own agency.
type MapTiles interface {
	HasTiles(agencyID int64) bool
	Tile(ctx context.Context, agencyID int64, z, x, y int) (*MapTile, error)
}

// CheckTile checks a tile's address: zoom 0 to MaxTileZoom, and x and y
// within the 2^z tiles a side that zoom has. It names the part that is
// wrong.
func CheckTile(z, x, y int) error {
	if z < 0 || z > MaxTileZoom {
		return FieldErrorf("z", "z must be a zoom from 0 to %d.", MaxTileZoom)
	}
	n := 1 << z
	if x < 0 || x >= n {
		return FieldErrorf("x", "x must be from 0 to %d at zoom %d.", n-1, z)
	}
	if y < 0 || y >= n {
		return FieldErrorf("y", "y must be from 0 to %d at zoom %d.", n-1, z)
	}
	return nil
}
