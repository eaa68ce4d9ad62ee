package store

import (
	"citdesk/dispatch"
	"citdesk/geo"
)

// roadsFor returns the agency's road map as the recommender's route
// estimator, or nil when it has none (the recommender then uses the
// straight line).
func (db *DB) roadsFor(agencyID int64) dispatch.RouteEstimator {
	m := db.Maps.Get(agencyID)
	if m == nil || m.Roads == nil || m.Roads.NodeCount() == 0 {
		return nil
	}
	return mapRoads{m.Roads}
}

// mapRoads adapts a geo road graph to dispatch.RouteEstimator: seconds and
// metres from the graph's milliseconds and decimetres.
type mapRoads struct{ r *geo.Roads }

func (m mapRoads) Toward(lat, lon float64) dispatch.Route { return mapRoute{m.r.Toward(lat, lon)} }

type mapRoute struct{ t *geo.Target }

func (r mapRoute) From(lat, lon float64) (seconds, meters float64, ok bool) {
	ms, dm, ok := r.t.From(lat, lon)
	return float64(ms) / 1000, float64(dm) / 10, ok
}

func (r mapRoute) Close() { r.t.Close() }
