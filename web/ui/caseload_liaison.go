package ui

import (
	"net/http"
	"strconv"

	"citdesk"
	"citdesk/web"
)

// The liaison as a resource on their caseload page (co-response, issue
// 16): their availability, set from a phone with its position when they
// share it, and the call a dispatcher sent them to, with its steps (en
// route, on scene, cleared). The section is redrawn live when the event
// stream says their status or call changed (app.js).

// liaisonView is the liaison's own part of the caseload page.
type liaisonView struct {
	Duty    *citdesk.LiaisonDuty
	Call    *citdesk.CallLiaison
	Buttons []liaisonButton
	Next    []citdesk.LiaisonCallStatus
	Error   string
}

type liaisonButton struct {
	Status citdesk.LiaisonStatus
	On     bool
}

// errNotALiaison answers a status change from someone who is not a liaison.
var errNotALiaison = citdesk.Errorf(citdesk.EFORBIDDEN, "Only a liaison sets a liaison's status here; dispatchers use the board.")

// liaisonViewFor reads the signed-in liaison's status and call.
func (s *caseloadPages) liaisonViewFor(r *http.Request) (*liaisonView, error) {
	a := web.SignedIn(r)
	if !a.HasRole(citdesk.RoleLiaison) || s.Svc.Liaisons == nil {
		return nil, nil
	}
	d, on, err := s.Svc.Liaisons.FindLiaisonDuty(r.Context(), a.UserID)
	if err != nil {
		return nil, err
	}
	v := &liaisonView{Duty: d, Call: on}
	for _, st := range citdesk.LiaisonStatuses {
		v.Buttons = append(v.Buttons, liaisonButton{Status: st, On: st == d.Status})
	}
	if on != nil {
		v.Next = on.Status.Next()
	}
	return v, nil
}

// liaisonStatus sets the signed-in liaison's status, with the position
// their phone shared when it did.
func (s *caseloadPages) liaisonStatus(w http.ResponseWriter, r *http.Request) error {
	a := web.SignedIn(r)
	if !a.HasRole(citdesk.RoleLiaison) {
		return errNotALiaison
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	lat, err := optionalFloat("lat", r.PostFormValue("lat"))
	if err != nil {
		return err
	}
	lon, err := optionalFloat("lon", r.PostFormValue("lon"))
	if err != nil {
		return err
	}
	_, err = s.Svc.Liaisons.SetLiaisonStatus(r.Context(), a.UserID, citdesk.LiaisonStatus(r.PostFormValue("status")), lat, lon)
	return s.afterLiaisonChange(w, r, err)
}

// liaisonMove moves the signed-in liaison on their call to the next step.
func (s *caseloadPages) liaisonMove(w http.ResponseWriter, r *http.Request) error {
	a := web.SignedIn(r)
	if !a.HasRole(citdesk.RoleLiaison) {
		return errNotALiaison
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	callID, err := strconv.ParseInt(r.PostFormValue("call_id"), 10, 64)
	if err != nil {
		return citdesk.FieldErrorf("call_id", "Which call?")
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	_, err = s.Svc.Liaisons.MoveLiaison(r.Context(), callID, version, citdesk.LiaisonCallStatus(r.PostFormValue("status")))
	return s.afterLiaisonChange(w, r, err)
}

// afterLiaisonChange sends the liaison back to their caseload, or shows it
// with the error when the change was refused.
func (s *caseloadPages) afterLiaisonChange(w http.ResponseWriter, r *http.Request, err error) error {
	if err == nil {
		http.Redirect(w, r, "/caseload?notice=Saved.", http.StatusSeeOther)
		return nil
	}
	switch citdesk.ErrorCode(err) {
	case citdesk.EINVALID, citdesk.ECONFLICT, citdesk.EPRECONDITION, citdesk.ENOTFOUND:
	default:
		return err
	}
	return s.showCaseload(w, r, web.StatusFor(citdesk.ErrorCode(err)), citdesk.ErrorMessage(err))
}
