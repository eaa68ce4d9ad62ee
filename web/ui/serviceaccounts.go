package ui

import (
	"net/http"
	"net/url"

	"citdesk"
	"citdesk/web"
)

// The admin's service accounts (/admin/service-accounts): the machine
// users the CAD and the AVL feed sign in as, with their scopes and
// tokens. A new token is shown on the page that made it, once.

type serviceAccountsView struct {
	Notice   string
	Error    string
	Accounts []*citdesk.ServiceAccount
	Scopes   []citdesk.Scope
	// NewToken is a secret just made, with the account it is for.
	NewToken    string
	NewTokenFor string
	// Form holds what was typed when it was refused.
	Name   string
	Chosen map[citdesk.Scope]bool
}

func (s *serviceAccountPages) listPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderList(w, r, http.StatusOK, serviceAccountsView{Notice: queryNotice(r)})
}

func (s *serviceAccountPages) renderList(w http.ResponseWriter, r *http.Request, status int, v serviceAccountsView) error {
	accounts, err := s.Svc.ServiceAccounts.ListServiceAccounts(r.Context())
	if err != nil {
		return err
	}
	v.Accounts, v.Scopes = accounts, citdesk.Scopes
	if v.Chosen == nil {
		v.Chosen = map[citdesk.Scope]bool{}
	}
	s.render(w, r, status, "admin_service_accounts", "Service accounts", v)
	return nil
}

func (s *serviceAccountPages) create(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	name := r.PostFormValue("name")
	v := serviceAccountsView{Name: name, Chosen: map[citdesk.Scope]bool{}}
	for _, sc := range r.PostForm["scope"] {
		v.Chosen[citdesk.Scope(sc)] = true
	}
	scopes, err := citdesk.ParseScopes(r.PostForm["scope"]...)
	var sa *citdesk.ServiceAccount
	var secret string
	if err == nil {
		sa, secret, err = s.Svc.ServiceAccounts.CreateServiceAccount(r.Context(), name, scopes)
	}
	if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.ECONFLICT {
		v.Error = citdesk.ErrorMessage(err)
		return s.renderList(w, r, web.StatusFor(code), v)
	} else if err != nil {
		return err
	}
	// The secret is shown here and never again: the page is not a
	// redirect, and it is not cached (render sends no-store).
	return s.renderList(w, r, http.StatusCreated, serviceAccountsView{NewToken: secret, NewTokenFor: sa.Name})
}

func (s *serviceAccountPages) rotate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	_, secret, err := s.Svc.ServiceAccounts.RotateServiceToken(r.Context(), id)
	if code := citdesk.ErrorCode(err); code == citdesk.ECONFLICT {
		return s.renderList(w, r, http.StatusConflict, serviceAccountsView{Error: citdesk.ErrorMessage(err)})
	} else if err != nil {
		return err
	}
	return s.renderList(w, r, http.StatusCreated, serviceAccountsView{NewToken: secret, NewTokenFor: r.PostFormValue("name")})
}

func (s *serviceAccountPages) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	tokenID, err := web.PathID(r, "tokenid")
	if err != nil {
		return err
	}
	if err := s.Svc.ServiceAccounts.RevokeServiceToken(r.Context(), id, tokenID); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/service-accounts?notice="+url.QueryEscape("Token revoked."), http.StatusSeeOther)
	return nil
}

func (s *serviceAccountPages) revoke(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	err = s.Svc.ServiceAccounts.RevokeServiceAccount(r.Context(), id)
	if code := citdesk.ErrorCode(err); code == citdesk.ECONFLICT {
		return s.renderList(w, r, http.StatusConflict, serviceAccountsView{Error: citdesk.ErrorMessage(err)})
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/service-accounts?notice="+url.QueryEscape("Service account revoked; its tokens no longer work."), http.StatusSeeOther)
	return nil
}
