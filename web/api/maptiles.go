package api

import (
	"net/http"
	"strconv"
	"strings"

	"citdesk"
	"citdesk/web"
)

// tileAPI answers GET /api/v1/map/tiles/{z}/{x}/{y}.png: one 256-pixel
// basemap tile drawn from the agency's imported map, so the board has
// streets with no internet. The path's last part is the mux's {y}, which
// must end in .png.
func (s *mapAPI) tileAPI(w http.ResponseWriter, r *http.Request) error {
	ys, ok := strings.CutSuffix(r.PathValue("y"), ".png")
	if !ok {
		return citdesk.Errorf(citdesk.ENOTFOUND, "Map tiles are PNG: the path ends in {y}.png.")
	}
	var zxy [3]int
	for i, v := range []string{r.PathValue("z"), r.PathValue("x"), ys} {
		name := [3]string{"z", "x", "y"}[i]
		n, err := strconv.Atoi(v)
		if err != nil {
			return citdesk.FieldErrorf(name, "%s must be a whole number.", name)
		}
		zxy[i] = n
	}
	if err := citdesk.CheckTile(zxy[0], zxy[1], zxy[2]); err != nil {
		return err
	}
	a := web.SignedIn(r)
	if s.Svc.Tiles == nil || a == nil {
		return citdesk.Errorf(citdesk.ENOTFOUND, "This agency has no map: import one with citdesk map import.")
	}
	t, err := s.Svc.Tiles.Tile(r.Context(), a.AgencyID, zxy[0], zxy[1], zxy[2])
	if err != nil {
		return err
	}
	h := w.Header()
	// Private: the tiles are for signed-in users; an hour, then checked
	// again by the tag (a new import changes it).
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("ETag", t.ETag)
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, t.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", "image/png")
	h.Set("Content-Length", strconv.Itoa(len(t.PNG)))
	w.WriteHeader(http.StatusOK)
	w.Write(t.PNG)
	return nil
}
