package api

import (
	"net/http"

	"citdesk"
	"citdesk/web"
)

// The agency's service accounts (issue 11): machine users with scopes,
// whose tokens an admin creates, rotates and revokes. A new token's
// secret is in the answer that creates it and nowhere else.

type createServiceAccountRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

type serviceAccountCreated struct {
	ServiceAccount *citdesk.ServiceAccount `json:"service_account"`
	Token          string                  `json:"token"`
}

type serviceTokenCreated struct {
	ServiceToken *citdesk.ServiceToken `json:"service_token"`
	Token        string                `json:"token"`
}

func (s *serviceAccountAPI) list(w http.ResponseWriter, r *http.Request) error {
	accounts, err := s.Svc.ServiceAccounts.ListServiceAccounts(r.Context())
	if err != nil {
		return err
	}
	if accounts == nil {
		accounts = []*citdesk.ServiceAccount{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"service_accounts": accounts})
	return nil
}

func (s *serviceAccountAPI) create(w http.ResponseWriter, r *http.Request) error {
	var req createServiceAccountRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	scopes, err := citdesk.ParseScopes(req.Scopes...)
	if err != nil {
		return err
	}
	sa, secret, err := s.Svc.ServiceAccounts.CreateServiceAccount(r.Context(), req.Name, scopes)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, serviceAccountCreated{ServiceAccount: sa, Token: secret})
	return nil
}

func (s *serviceAccountAPI) rotate(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	tok, secret, err := s.Svc.ServiceAccounts.RotateServiceToken(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, serviceTokenCreated{ServiceToken: tok, Token: secret})
	return nil
}

func (s *serviceAccountAPI) revokeToken(w http.ResponseWriter, r *http.Request) error {
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
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *serviceAccountAPI) revoke(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Svc.ServiceAccounts.RevokeServiceAccount(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
