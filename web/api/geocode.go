package api

import (
	"net/http"
	"strconv"
	"strings"

	"citdesk"
	"citdesk/web"
)

// Address lookup for the board's new-call form and the agency's CAD: the
// agency's own address list now, OpenStreetMap later (issue 13), behind
// citdesk.Geocoder.

// geocodeAPI answers GET /api/v1/geocode?q=…&limit=…: ranked matches, best
// first, as a JSON array.
func (s *geocodeAPI) geocodeAPI(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > citdesk.MaxGeocodeLimit {
			return citdesk.FieldErrorf("limit", "limit must be a whole number from 1 to %d.", citdesk.MaxGeocodeLimit)
		}
		limit = n
	}
	query, limit, err := citdesk.CheckGeocodeQuery(q.Get("q"), limit)
	if err != nil {
		return err
	}
	g, agency, err := s.geocoder(r)
	if err != nil {
		return err
	}
	matches, err := g.Search(r.Context(), agency, query, limit)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, matches)
	return nil
}

// reverseGeocodeAPI answers GET /api/v1/geocode/reverse?lat=…&lon=…: the
// nearest address and how far it is.
func (s *geocodeAPI) reverseGeocodeAPI(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var pt [2]float64
	for i, name := range []string{"lat", "lon"} {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return citdesk.FieldErrorf(name, "%s is required: decimal degrees, such as %s.", name, map[string]string{"lat": "38.1395", "lon": "-90.5551"}[name])
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return citdesk.FieldErrorf(name, "%s must be decimal degrees, such as %s.", name, map[string]string{"lat": "38.1395", "lon": "-90.5551"}[name])
		}
		pt[i] = f
	}
	if err := citdesk.CheckPoint(pt[0], pt[1]); err != nil {
		return err
	}
	g, agency, err := s.geocoder(r)
	if err != nil {
		return err
	}
	m, err := g.Reverse(r.Context(), agency, pt[0], pt[1])
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, m)
	return nil
}

// geocoder returns the lookup and the actor's agency.
func (s *geocodeAPI) geocoder(r *http.Request) (citdesk.Geocoder, int64, error) {
	a := web.SignedIn(r)
	if s.Svc.Geocoder == nil || a == nil {
		return nil, 0, citdesk.Errorf(citdesk.ENOTFOUND, "Address lookup is not available.")
	}
	return s.Svc.Geocoder, a.AgencyID, nil
}
