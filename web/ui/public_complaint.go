package ui

import (
	"net/http"
	"time"

	"citdesk"
)

// The public's compliments and complaints about a crisis response (issue
// 16), the second form on /cit. The same defences as the request form: a
// hidden field bots fill, a per-address limit of its own, no account; the
// answer is the same whether the form was stored or quietly dropped, and
// nothing the public wrote, or anyone else did, is ever shown back.

// publicComplaint takes the form.
func (s *publicPages) publicComplaint(w http.ResponseWriter, r *http.Request) {
	agency, err := s.publicAgency(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, citdesk.Errorf(citdesk.EINVALID, "The form could not be read."))
		return
	}
	f := citdesk.PublicComplaint{Kind: r.PostFormValue("kind"), What: r.PostFormValue("what"), WhenWhere: r.PostFormValue("when_where"),
		Name: r.PostFormValue("name"), Contact: r.PostFormValue("contact")}
	view := newPublicView(r, agency)
	if r.PostFormValue("website") != "" {
		// Only a bot fills the hidden field: thank it and store nothing.
		http.Redirect(w, r, view.Base+"/cit/feedback/thanks", http.StatusSeeOther)
		return
	}
	errs := f.Validate()
	view.Feedback = f
	if len(errs) > 0 {
		view.FeedbackErrors = errs
		s.render(w, r, http.StatusUnprocessableEntity, "cit", "Crisis Intervention Team", view)
		return
	}
	if !s.Limiters.Allow("cit-feedback:"+s.RemoteAddr(r), s.Cfg.PublicRequestsPerHour, time.Hour, s.Now()) {
		view.FeedbackLimited = true
		s.render(w, r, http.StatusTooManyRequests, "cit", "Crisis Intervention Team", view)
		return
	}
	ctx := citdesk.NewContextWithActor(r.Context(), &citdesk.Actor{AgencyID: agency.ID, Username: "public", Remote: s.RemoteAddr(r)})
	if err := s.Svc.Complaints.CreatePublicComplaint(ctx, agency.ID, &f); err != nil {
		if citdesk.ErrorCode(err) == citdesk.EINVALID {
			view.FeedbackErrors = map[string]string{citdesk.ErrorField(err): citdesk.ErrorMessage(err)}
			s.render(w, r, http.StatusUnprocessableEntity, "cit", "Crisis Intervention Team", view)
			return
		}
		s.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, view.Base+"/cit/feedback/thanks", http.StatusSeeOther)
}

// publicComplaintThanks says what happens next, and nothing else.
func (s *publicPages) publicComplaintThanks(w http.ResponseWriter, r *http.Request) {
	agency, err := s.publicAgency(r)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "cit_feedback_thanks", "Thank you", newPublicView(r, agency))
}
