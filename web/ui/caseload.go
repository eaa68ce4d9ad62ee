package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"citdesk"
	"citdesk/web"
)

type caseloadView struct {
	Open, Closed []*citdesk.Referral
	Coordinator  bool
	Today        citdesk.Date
	Loc          *time.Location
	// Liaison is the signed-in liaison's status and call (co-response);
	// nil for a coordinator.
	Liaison *liaisonView
	Notice  string
}

func (s *caseloadPages) caseloadPage(w http.ResponseWriter, r *http.Request) error {
	return s.showCaseload(w, r, http.StatusOK, "")
}

// showCaseload draws the caseload with status, and errMsg beside the
// liaison's status when a change of it was refused.
func (s *caseloadPages) showCaseload(w http.ResponseWriter, r *http.Request, status int, errMsg string) error {
	list, err := s.Svc.Referrals.ListReferrals(r.Context(), citdesk.ReferralFilter{})
	if err != nil {
		return err
	}
	today, loc, err := s.localDay(r.Context())
	if err != nil {
		return err
	}
	v := caseloadView{Coordinator: web.SignedIn(r).HasRole(citdesk.RoleCoordinator), Today: today, Loc: loc, Notice: queryNotice(r)}
	if v.Liaison, err = s.liaisonViewFor(r); err != nil {
		return err
	}
	if v.Liaison != nil {
		v.Liaison.Error = errMsg
	}
	for _, ref := range list {
		if ref.Status == citdesk.ReferralClosed {
			v.Closed = append(v.Closed, ref)
		} else {
			v.Open = append(v.Open, ref)
		}
	}
	s.render(w, r, status, "caseload", "Caseload", v)
	return nil
}

type referralView struct {
	Ref *citdesk.Referral
	// PersonTel and CallerTel are tap-to-call links for Ref.Contact.
	PersonTel, CallerTel template.URL
	Notes                []*citdesk.ReferralNote
	Next                 []option
	Closing              bool // the only move left is closing: show the survey
	Liaisons             []option
	Coordinator          bool
	Today                citdesk.Date
	Loc                  *time.Location
	Error                string
	Notice               string
}

func (s *caseloadPages) referralPage(w http.ResponseWriter, r *http.Request) error {
	return s.showReferral(w, r, http.StatusOK, "", queryNotice(r))
}

func (s *caseloadPages) showReferral(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	ref, err := s.Svc.Referrals.FindReferralByID(r.Context(), id)
	if err != nil {
		return err
	}
	notes, err := s.Svc.Referrals.ListReferralNotes(r.Context(), id)
	if err != nil {
		return err
	}
	today, loc, err := s.localDay(r.Context())
	if err != nil {
		return err
	}
	v := referralView{Ref: ref, Notes: notes, Coordinator: web.SignedIn(r).HasRole(citdesk.RoleCoordinator), Today: today,
		Loc: loc, Error: errMsg, Notice: notice}
	if c := ref.Contact; c != nil {
		v.PersonTel = telLink(c.Phone)
		if c.Caller != nil {
			v.CallerTel = telLink(c.Caller.Phone)
		}
	}
	v.Next = options(ref.Status.Next(), citdesk.ReferralStatus.Label, func(citdesk.ReferralStatus) bool { return false })
	v.Closing = ref.Status.Outcome()
	if v.Coordinator {
		users, err := s.Svc.Users.ListLiaisons(r.Context())
		if err != nil {
			return err
		}
		for _, u := range users {
			name := u.DisplayName
			if name == "" {
				name = u.Username
			}
			v.Liaisons = append(v.Liaisons, option{Value: strconv.FormatInt(u.ID, 10), Label: name, On: ref.LiaisonUserID != nil && *ref.LiaisonUserID == u.ID})
		}
	}
	s.render(w, r, status, "referral", "Referral: "+ref.PersonName, v)
	return nil
}

// followUpDue reads a referral form's optional follow-up date.
func followUpDue(f url.Values) (*citdesk.Date, error) {
	v := f.Get("follow_up_due")
	if v == "" {
		return nil, nil
	}
	d, err := citdesk.ParseDate(v)
	if err != nil {
		return nil, citdesk.FieldErrorf("follow_up_due", "Give the follow-up date as a date.")
	}
	return &d, nil
}

func (s *caseloadPages) moveReferral(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	f := r.PostForm
	m := citdesk.ReferralMove{Status: citdesk.ReferralStatus(f.Get("status")), Note: f.Get("note")}
	m.Version, _ = strconv.ParseInt(f.Get("version"), 10, 64)
	if m.FollowUpDue, err = followUpDue(f); err != nil {
		return s.showReferral(w, r, http.StatusUnprocessableEntity, citdesk.ErrorMessage(err), "")
	}
	if f.Get("survey") == "yes" && m.Status == citdesk.ReferralClosed {
		sv := &citdesk.Survey{Respondent: f.Get("respondent"), Comment: f.Get("comment")}
		sv.Respect, _ = strconv.Atoi(f.Get("respect"))
		sv.Safety, _ = strconv.Atoi(f.Get("safety"))
		sv.Help, _ = strconv.Atoi(f.Get("help"))
		m.Survey = sv
	}
	if _, err := s.Svc.Referrals.MoveReferral(r.Context(), id, m); err != nil {
		if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.ECONFLICT || code == citdesk.EPRECONDITION {
			return s.showReferral(w, r, web.StatusFor(code), citdesk.ErrorMessage(err), "")
		}
		return err
	}
	http.Redirect(w, r, "/referrals/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Status: "+m.Status.Label()+"."), http.StatusSeeOther)
	return nil
}

func (s *caseloadPages) noteReferral(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	due, err := followUpDue(r.PostForm)
	if err != nil {
		return s.showReferral(w, r, http.StatusUnprocessableEntity, citdesk.ErrorMessage(err), "")
	}
	if _, err := s.Svc.Referrals.AddReferralNote(r.Context(), id, r.PostFormValue("note"), due); err != nil {
		if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.ECONFLICT {
			return s.showReferral(w, r, web.StatusFor(code), citdesk.ErrorMessage(err), "")
		}
		return err
	}
	http.Redirect(w, r, "/referrals/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Note added."), http.StatusSeeOther)
	return nil
}

func (s *caseloadPages) assignReferral(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	uid, _ := strconv.ParseInt(r.PostFormValue("liaison_user_id"), 10, 64)
	if _, err := s.Svc.Referrals.AssignReferral(r.Context(), id, uid); err != nil {
		if citdesk.ErrorCode(err) == citdesk.EINVALID {
			return s.showReferral(w, r, http.StatusUnprocessableEntity, citdesk.ErrorMessage(err), "")
		}
		return err
	}
	http.Redirect(w, r, "/referrals/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Assigned."), http.StatusSeeOther)
	return nil
}
