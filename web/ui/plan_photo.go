package ui

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"citdesk"
	"citdesk/web"
)

// uploadPlanPhoto takes the optional photo of a crisis plan (coordinator).
func (s *personPages) uploadPlanPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	back := "/plans/" + strconv.FormatInt(id, 10)
	f, _, err := r.FormFile("photo")
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return citdesk.Errorf(citdesk.ETOOLARGE, "The photo is larger than %d MB.", citdesk.MaxPlanPhotoBytes>>20)
	} else if err != nil {
		return citdesk.FieldErrorf("photo", "Choose a photo to upload.")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, citdesk.MaxPlanPhotoBytes+1))
	if err != nil {
		return citdesk.FieldErrorf("photo", "The photo could not be read.")
	}
	clean, err := citdesk.NormalizePlanPhoto(data)
	if err != nil {
		return err
	}
	if err := s.Svc.Plans.SetPlanPhoto(r.Context(), id, clean); err != nil {
		return err
	}
	http.Redirect(w, r, back+"?notice="+url.QueryEscape("Photo saved."), http.StatusSeeOther)
	return nil
}

// planPhoto serves a plan's photo to those who may read the plan.
func (s *personPages) planPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	data, err := s.Svc.Plans.PlanPhoto(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "no-store") // never left in a shared cache
	w.Header().Set("Content-Disposition", "inline")
	w.Write(data)
	return nil
}
