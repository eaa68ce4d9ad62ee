package ui

import (
	"net/http"
	"net/url"

	"citdesk"
	"citdesk/web"
)

// The account pages: everyone's own password and sessions (/account), and
// the admin's list of the agency's users (/admin/users) with disable,
// enable, unlock and password reset.

type accountView struct {
	Notice   string
	Error    string
	Sessions []*citdesk.Session
	Current  int64
}

func (s *accountPages) accountPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccount(w, r, http.StatusOK, "")
}

func (s *accountPages) renderAccount(w http.ResponseWriter, r *http.Request, status int, problem string) error {
	sessions, err := s.Svc.Sessions.ListSessions(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, status, "account", "My account", accountView{Notice: queryNotice(r), Error: problem, Sessions: sessions, Current: web.SignedIn(r).SessionID})
	return nil
}

func (s *accountPages) changePassword(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	err := s.Svc.Users.ChangePassword(r.Context(), r.PostFormValue("current"), r.PostFormValue("new"))
	if code := citdesk.ErrorCode(err); code == citdesk.EINVALID {
		return s.renderAccount(w, r, http.StatusUnprocessableEntity, citdesk.ErrorMessage(err))
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/account?notice="+url.QueryEscape("Password changed; your other sessions have ended."), http.StatusSeeOther)
	return nil
}

func (s *accountPages) endSession(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Svc.Sessions.EndSessionByID(r.Context(), id); err != nil {
		return err
	}
	if id == web.SignedIn(r).SessionID {
		s.ClearSessionCookie(w, r)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/account?notice="+url.QueryEscape("Session ended."), http.StatusSeeOther)
	return nil
}

func (s *accountPages) disableUser(w http.ResponseWriter, r *http.Request) error {
	return s.userAction(w, r, "User disabled; their sessions and tokens have ended.", func(id int64) error {
		return s.Svc.Users.SetUserDisabled(r.Context(), id, true)
	})
}

func (s *accountPages) enableUser(w http.ResponseWriter, r *http.Request) error {
	return s.userAction(w, r, "User enabled.", func(id int64) error {
		return s.Svc.Users.SetUserDisabled(r.Context(), id, false)
	})
}

func (s *accountPages) unlockUser(w http.ResponseWriter, r *http.Request) error {
	return s.userAction(w, r, "User unlocked.", func(id int64) error {
		if err := s.Svc.Users.UnlockUser(r.Context(), id); err != nil {
			return err
		}
		s.ForgetSignInFailures(r.Context(), id)
		return nil
	})
}

func (s *accountPages) resetPassword(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	return s.userAction(w, r, "Password reset; that user's sessions and tokens have ended.", func(id int64) error {
		if _, err := citdesk.Require(r.Context(), citdesk.ManageUsers); err != nil {
			return err
		}
		if err := s.Svc.Users.SetPassword(r.Context(), id, r.PostFormValue("password")); err != nil {
			return err
		}
		s.ForgetSignInFailures(r.Context(), id)
		return nil
	})
}

// userAction runs an admin's change to one user and goes back to the list;
// invalid input is shown on the list itself.
func (s *accountPages) userAction(w http.ResponseWriter, r *http.Request, notice string, change func(id int64) error) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = change(id)
	if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.ECONFLICT {
		return s.renderUsers(w, r, web.StatusFor(code), usersView{Error: citdesk.ErrorMessage(err), ErrorUser: id, ErrorField: citdesk.ErrorField(err)})
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/users?notice="+url.QueryEscape(notice), http.StatusSeeOther)
	return nil
}
