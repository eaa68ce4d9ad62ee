package api

import (
	"net/http"

	"citdesk"
	"citdesk/web"
)

type referralRequest struct {
	EncounterID   int64        `json:"encounter_id"`
	LiaisonUserID *int64       `json:"liaison_user_id"`
	Reason        string       `json:"reason"`
	FollowUpDue   citdesk.Date `json:"follow_up_due"`
}

func (s *referralAPI) apiCreateReferral(w http.ResponseWriter, r *http.Request) error {
	var in referralRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	ref := &citdesk.Referral{EncounterID: in.EncounterID, LiaisonUserID: in.LiaisonUserID, Reason: in.Reason, FollowUpDue: in.FollowUpDue}
	if err := s.Svc.Referrals.CreateReferral(r.Context(), ref); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, ref)
	return nil
}

func (s *referralAPI) apiListReferrals(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := citdesk.ReferralFilter{Status: citdesk.ReferralStatus(q.Get("status")), Open: q.Get("open") == "true", Unassigned: q.Get("unassigned") == "true"}
	list, err := s.Svc.Referrals.ListReferrals(r.Context(), f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"referrals": list})
	return nil
}

type referralDetail struct {
	Referral *citdesk.Referral       `json:"referral"`
	Notes    []*citdesk.ReferralNote `json:"notes"`
}

func (s *referralAPI) apiGetReferral(w http.ResponseWriter, r *http.Request) error {
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
	web.WriteJSON(w, http.StatusOK, referralDetail{Referral: ref, Notes: notes})
	return nil
}

func (s *referralAPI) apiMoveReferral(w http.ResponseWriter, r *http.Request) error {
	var m citdesk.ReferralMove
	id, err := decodeWithID(r, &m)
	if err != nil {
		return err
	}
	ref, err := s.Svc.Referrals.MoveReferral(r.Context(), id, m)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, ref)
	return nil
}

type noteRequest struct {
	Note        string        `json:"note"`
	FollowUpDue *citdesk.Date `json:"follow_up_due"`
}

func (s *referralAPI) apiReferralNote(w http.ResponseWriter, r *http.Request) error {
	var in noteRequest
	id, err := decodeWithID(r, &in)
	if err != nil {
		return err
	}
	ref, err := s.Svc.Referrals.AddReferralNote(r.Context(), id, in.Note, in.FollowUpDue)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, ref)
	return nil
}

type assignRequest struct {
	LiaisonUserID int64 `json:"liaison_user_id"`
}

func (s *referralAPI) apiAssignReferral(w http.ResponseWriter, r *http.Request) error {
	var in assignRequest
	id, err := decodeWithID(r, &in)
	if err != nil {
		return err
	}
	ref, err := s.Svc.Referrals.AssignReferral(r.Context(), id, in.LiaisonUserID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, ref)
	return nil
}
