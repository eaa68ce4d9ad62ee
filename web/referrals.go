package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"citdesk"
)

// referralRoutes registers the liaison's referrals and caseload.
func (s *Server) referralRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/referrals", s.api(s.apiCreateReferral))
	mux.HandleFunc("GET /api/v1/referrals", s.api(s.apiListReferrals))
	mux.HandleFunc("GET /api/v1/referrals/{id}", s.api(s.apiGetReferral))
	mux.HandleFunc("POST /api/v1/referrals/{id}/status", s.api(s.apiMoveReferral))
	mux.HandleFunc("POST /api/v1/referrals/{id}/notes", s.api(s.apiReferralNote))
	mux.HandleFunc("POST /api/v1/referrals/{id}/assign", s.api(s.apiAssignReferral))

	mux.HandleFunc("GET /caseload", s.page(s.caseloadPage))
	mux.HandleFunc("GET /referrals/{id}", s.page(s.referralPage))
	mux.HandleFunc("POST /referrals/{id}/status", s.page(s.moveReferral))
	mux.HandleFunc("POST /referrals/{id}/notes", s.page(s.noteReferral))
	mux.HandleFunc("POST /referrals/{id}/assign", s.page(s.assignReferral))
}

type referralRequest struct {
	EncounterID   int64        `json:"encounter_id"`
	LiaisonUserID *int64       `json:"liaison_user_id"`
	Reason        string       `json:"reason"`
	FollowUpDue   citdesk.Date `json:"follow_up_due"`
}

func (s *Server) apiCreateReferral(w http.ResponseWriter, r *http.Request) error {
	var in referralRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ref := &citdesk.Referral{EncounterID: in.EncounterID, LiaisonUserID: in.LiaisonUserID, Reason: in.Reason, FollowUpDue: in.FollowUpDue}
	if err := s.svc.Referrals.CreateReferral(r.Context(), ref); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ref)
	return nil
}

func (s *Server) apiListReferrals(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := citdesk.ReferralFilter{Status: citdesk.ReferralStatus(q.Get("status")), Open: q.Get("open") == "true", Unassigned: q.Get("unassigned") == "true"}
	list, err := s.svc.Referrals.ListReferrals(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"referrals": list})
	return nil
}

type referralDetail struct {
	Referral *citdesk.Referral       `json:"referral"`
	Notes    []*citdesk.ReferralNote `json:"notes"`
}

func (s *Server) apiGetReferral(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ref, err := s.svc.Referrals.FindReferralByID(r.Context(), id)
	if err != nil {
		return err
	}
	notes, err := s.svc.Referrals.ListReferralNotes(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, referralDetail{Referral: ref, Notes: notes})
	return nil
}

func (s *Server) apiMoveReferral(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var m citdesk.ReferralMove
	if err := decodeJSON(r, &m); err != nil {
		return err
	}
	ref, err := s.svc.Referrals.MoveReferral(r.Context(), id, m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ref)
	return nil
}

type noteRequest struct {
	Note        string        `json:"note"`
	FollowUpDue *citdesk.Date `json:"follow_up_due"`
}

func (s *Server) apiReferralNote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in noteRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ref, err := s.svc.Referrals.AddReferralNote(r.Context(), id, in.Note, in.FollowUpDue)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ref)
	return nil
}

type assignRequest struct {
	LiaisonUserID int64 `json:"liaison_user_id"`
}

func (s *Server) apiAssignReferral(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in assignRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ref, err := s.svc.Referrals.AssignReferral(r.Context(), id, in.LiaisonUserID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ref)
	return nil
}

// ---- Pages ----

type caseloadView struct {
	Open, Closed []*citdesk.Referral
	Coordinator  bool
	Today        citdesk.Date
	Loc          *time.Location
}

func (s *Server) caseloadPage(w http.ResponseWriter, r *http.Request) error {
	list, err := s.svc.Referrals.ListReferrals(r.Context(), citdesk.ReferralFilter{})
	if err != nil {
		return err
	}
	agency := s.agencyOf(r.Context())
	v := caseloadView{Coordinator: signedIn(r).HasRole(citdesk.RoleCoordinator), Today: citdesk.DateOf(s.now(), agency.Location()), Loc: agency.Location()}
	for _, ref := range list {
		if ref.Status == citdesk.ReferralClosed {
			v.Closed = append(v.Closed, ref)
		} else {
			v.Open = append(v.Open, ref)
		}
	}
	s.render(w, r, http.StatusOK, "caseload", "Caseload", v)
	return nil
}

type referralView struct {
	Ref         *citdesk.Referral
	Notes       []*citdesk.ReferralNote
	Next        []option
	Closing     bool // the only move left is closing: show the survey
	Liaisons    []option
	Coordinator bool
	Today       citdesk.Date
	Loc         *time.Location
	Error       string
	Notice      string
}

func (s *Server) referralPage(w http.ResponseWriter, r *http.Request) error {
	return s.showReferral(w, r, http.StatusOK, "", queryNotice(r))
}

func (s *Server) showReferral(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ref, err := s.svc.Referrals.FindReferralByID(r.Context(), id)
	if err != nil {
		return err
	}
	notes, err := s.svc.Referrals.ListReferralNotes(r.Context(), id)
	if err != nil {
		return err
	}
	agency := s.agencyOf(r.Context())
	v := referralView{Ref: ref, Notes: notes, Coordinator: signedIn(r).HasRole(citdesk.RoleCoordinator), Today: citdesk.DateOf(s.now(), agency.Location()),
		Loc: agency.Location(), Error: errMsg, Notice: notice}
	v.Next = options(ref.Status.Next(), citdesk.ReferralStatus.Label, func(citdesk.ReferralStatus) bool { return false })
	v.Closing = ref.Status.Outcome()
	if v.Coordinator {
		users, err := s.svc.Users.ListLiaisons(r.Context())
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

func (s *Server) moveReferral(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
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
	if _, err := s.svc.Referrals.MoveReferral(r.Context(), id, m); err != nil {
		if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.ECONFLICT || code == citdesk.EPRECONDITION {
			return s.showReferral(w, r, statusFor(code), citdesk.ErrorMessage(err), "")
		}
		return err
	}
	http.Redirect(w, r, "/referrals/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Status: "+m.Status.Label()+"."), http.StatusSeeOther)
	return nil
}

func (s *Server) noteReferral(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
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
	if _, err := s.svc.Referrals.AddReferralNote(r.Context(), id, r.PostFormValue("note"), due); err != nil {
		if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.ECONFLICT {
			return s.showReferral(w, r, statusFor(code), citdesk.ErrorMessage(err), "")
		}
		return err
	}
	http.Redirect(w, r, "/referrals/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Note added."), http.StatusSeeOther)
	return nil
}

func (s *Server) assignReferral(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	uid, _ := strconv.ParseInt(r.PostFormValue("liaison_user_id"), 10, 64)
	if _, err := s.svc.Referrals.AssignReferral(r.Context(), id, uid); err != nil {
		if citdesk.ErrorCode(err) == citdesk.EINVALID {
			return s.showReferral(w, r, http.StatusUnprocessableEntity, citdesk.ErrorMessage(err), "")
		}
		return err
	}
	http.Redirect(w, r, "/referrals/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Assigned."), http.StatusSeeOther)
	return nil
}
