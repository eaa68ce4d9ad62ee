package store

import (
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
