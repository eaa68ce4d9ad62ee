package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"time"

	"citdesk"
)

// The public side: no sign-in. /cit explains the CIT service and takes a
// non-emergency request for a CIT officer to visit. It never shows anything
// about other requests, and says the same thing whether a request was
// stored or quietly dropped as spam.

type publicView struct {
	AgencyName string
	Agency     publicContact
	Base       string // "" on the single-agency paths, "/a/{slug}" on an agency's own
	Values     citdesk.PublicRequest
	Errors     map[string]string
	Limited    bool
	// The compliment-or-complaint form (public_complaint.go): what was
	// typed, what is wrong with it, and whether the address is over its
	// limit.
	Feedback        citdesk.PublicComplaint
	FeedbackErrors  map[string]string
	FeedbackLimited bool
}

// publicContact is how the public reaches the department, from the
// agency's settings; the empty parts are left out of the page.
type publicContact struct {
	Name, Phone, Address string
	PhoneTel             template.URL // tel: link to the non-emergency number
}

// newPublicView is the view of agency's public page at r's path.
func newPublicView(r *http.Request, agency *citdesk.Agency) publicView {
	v := publicView{AgencyName: agency.Name, Agency: publicContact{Name: agency.Name, Phone: agency.NonEmergencyPhone, Address: agency.Address, PhoneTel: telLink(agency.NonEmergencyPhone)}}
	if slug := r.PathValue("slug"); slug != "" {
		v.Base = "/a/" + url.PathEscape(slug)
	}
	return v
}

// publicAgency is the agency the public pages speak for: the one named in
// the path (/a/{slug}/…), else the one named by Config.PublicAgency, or
// the only agency there is.
func (s *publicPages) publicAgency(r *http.Request) (*citdesk.Agency, error) {
	if slug := r.PathValue("slug"); slug != "" {
		return s.Svc.Agencies.FindAgencyBySlug(r.Context(), slug)
	}
	if s.Cfg.PublicAgency != "" {
		return s.Svc.Agencies.FindAgencyBySlug(r.Context(), s.Cfg.PublicAgency)
	}
	list, err := s.Svc.Agencies.ListAgencies(citdesk.NewContextWithActor(r.Context(), &citdesk.Actor{Remote: s.RemoteAddr(r)}))
	if err != nil {
		return nil, err
	}
	if len(list) != 1 {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "This citdesk serves several agencies; its operator must choose which one the public pages are for (--public-agency).")
	}
	return list[0], nil
}

func (s *publicPages) publicPage(w http.ResponseWriter, r *http.Request) {
	agency, err := s.publicAgency(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "cit", "Crisis Intervention Team", newPublicView(r, agency))
}

// publicRequest takes the form. Spam defences: a hidden field people never
// fill (bots do), a per-address limit, and nothing echoed to the public
// beyond their own form.
func (s *publicPages) publicRequest(w http.ResponseWriter, r *http.Request) {
	agency, err := s.publicAgency(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, citdesk.Errorf(citdesk.EINVALID, "The form could not be read."))
		return
	}
	req := citdesk.PublicRequest{
		Name: r.PostFormValue("name"), Phone: r.PostFormValue("phone"), Address: r.PostFormValue("address"),
		BestTime: r.PostFormValue("best_time"), What: r.PostFormValue("what"),
	}
	view := newPublicView(r, agency)
	view.Values = req
	if r.PostFormValue("website") != "" {
		// Only a bot fills the hidden field: thank it and store nothing.
		http.Redirect(w, r, view.Base+"/cit/thanks", http.StatusSeeOther)
		return
	}
	if view.Errors = req.Validate(); len(view.Errors) > 0 {
		view.Values = req
		s.render(w, r, http.StatusUnprocessableEntity, "cit", "Crisis Intervention Team", view)
		return
	}
	if !s.Limiters.Allow("cit:"+s.RemoteAddr(r), s.Cfg.PublicRequestsPerHour, time.Hour, s.Now()) {
		view.Limited = true
		s.render(w, r, http.StatusTooManyRequests, "cit", "Crisis Intervention Team", view)
		return
	}
	if _, err := s.Svc.Calls.CreatePublicRequest(r.Context(), agency.ID, &req); err != nil {
		if citdesk.ErrorCode(err) == citdesk.EINVALID {
			view.Errors = map[string]string{citdesk.ErrorField(err): citdesk.ErrorMessage(err)}
			s.render(w, r, http.StatusUnprocessableEntity, "cit", "Crisis Intervention Team", view)
			return
		}
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, view.Base+"/cit/thanks", http.StatusSeeOther)
}

func (s *publicPages) publicThanks(w http.ResponseWriter, r *http.Request) {
	agency, err := s.publicAgency(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "cit_thanks", "Request received", newPublicView(r, agency))
}

func (v publicView) publicHeader() (string, string) { return v.AgencyName, v.Base + "/cit" }
