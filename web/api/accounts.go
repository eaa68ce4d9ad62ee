package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"citdesk"
	"citdesk/web"
)

type tokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	OTP      string `json:"otp"` // a TOTP or recovery code, for users with a second factor
}

type tokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// createToken signs a system in and returns a bearer token.
func (s *accountAPI) createToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		s.Problem(w, r, err)
		return
	}
	if req.Username == "" {
		s.Problem(w, r, citdesk.FieldErrorf("username", "Username is required."))
		return
	}
	if req.Password == "" {
		s.Problem(w, r, citdesk.FieldErrorf("password", "Password is required."))
		return
	}
	if req.OTP != "" {
		r = r.WithContext(citdesk.NewContextWithSecondFactor(r.Context(), req.OTP))
	}
	_, sess, secret, err := s.SignIn(r, req.Username, req.Password, citdesk.SessionToken)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, tokenResponse{Token: secret, ExpiresAt: sess.ExpiresAt})
}

func (s *accountAPI) revokeToken(w http.ResponseWriter, r *http.Request) error {
	c, ok := web.CredentialFrom(r.Context())
	if !ok || c.Kind != citdesk.SessionToken {
		return citdesk.Errorf(citdesk.EINVALID, "Only a bearer token can be revoked here; sign out to end a browser session.")
	}
	if err := s.Svc.Users.EndSession(r.Context(), c.Secret); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type meResponse struct {
	User   *citdesk.User   `json:"user"`
	Agency *citdesk.Agency `json:"agency"`
}

func (s *accountAPI) me(w http.ResponseWriter, r *http.Request) error {
	a := web.SignedIn(r)
	u, err := s.Svc.Users.FindUserByID(r.Context(), a.UserID)
	if err != nil {
		return err
	}
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, meResponse{User: u, Agency: agency})
	return nil
}

func (s *accountAPI) listUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.Svc.Users.ListUsers(r.Context())
	if err != nil {
		return err
	}
	if users == nil {
		users = []*citdesk.User{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"users": users})
	return nil
}

type createUserRequest struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Roles       []string `json:"roles"`
	OfficerID   *int64   `json:"officer_id"`
	Password    string   `json:"password"`
}

func (s *accountAPI) createUser(w http.ResponseWriter, r *http.Request) error {
	var req createUserRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if _, err := citdesk.RequireRole(r.Context(), citdesk.RoleAdmin); err != nil {
		return err
	}
	if err := s.RequireStepUp(r); err != nil {
		return err
	}
	roles, err := citdesk.ParseRoles(strings.Join(req.Roles, ","))
	if err != nil {
		return err
	}
	u := &citdesk.User{Username: req.Username, DisplayName: req.DisplayName, Roles: roles, OfficerID: req.OfficerID}
	if err := s.Svc.Users.CreateUser(r.Context(), u, req.Password); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, u)
	return nil
}

func (s *accountAPI) unlockUser(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := citdesk.RequireRole(r.Context(), citdesk.RoleAdmin); err != nil {
		return err
	}
	if err := s.RequireStepUp(r); err != nil {
		return err
	}
	if err := s.Svc.Users.UnlockUser(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *accountAPI) listAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := citdesk.AuditFilter{ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Action: q.Get("action"), Actor: q.Get("actor")}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return citdesk.FieldErrorf("before", "before must be an event number.")
		}
		f.BeforeSeq = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return citdesk.FieldErrorf("limit", "limit must be a whole number from 1 to 1000.")
		}
		f.Limit = n
	}
	events, err := s.Svc.Audit.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	if events == nil {
		events = []*citdesk.AuditEvent{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"events": events})
	return nil
}
