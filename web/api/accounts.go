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
	// ReportsDue are the officer's cleared assignments whose report is not
	// filed yet; empty for a user who is not an officer.
	ReportsDue []*citdesk.ReportDue `json:"reports_due"`
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
	due, err := s.Svc.Calls.ReportsDue(r.Context())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, meResponse{User: u, Agency: agency, ReportsDue: due})
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
	if err := s.Svc.Users.UnlockUser(r.Context(), id); err != nil {
		return err
	}
	s.ForgetSignInFailures(r.Context(), id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *accountAPI) listAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := citdesk.AuditFilter{ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Action: q.Get("action"), Actor: q.Get("actor"), Remote: q.Get("remote")}
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

type passwordChange struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

// changePassword changes the caller's own password; the session or token
// it came with stays, every other one ends.
func (s *accountAPI) changePassword(w http.ResponseWriter, r *http.Request) error {
	var req passwordChange
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Current == "" {
		return citdesk.FieldErrorf("current", "The current password is required.")
	}
	if err := s.Svc.Users.ChangePassword(r.Context(), req.Current, req.New); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// sessionView is one of the caller's sessions or tokens: never its secret.
type sessionView struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	ExpiresAt time.Time `json:"expires_at"`
	Remote    string    `json:"remote"`
	Current   bool      `json:"current"`
}

func (s *accountAPI) listSessions(w http.ResponseWriter, r *http.Request) error {
	sessions, err := s.Svc.Sessions.ListSessions(r.Context())
	if err != nil {
		return err
	}
	current := web.SignedIn(r).SessionID
	out := make([]sessionView, 0, len(sessions))
	for _, sess := range sessions {
		out = append(out, sessionView{ID: sess.ID, Kind: sess.Kind, CreatedAt: sess.CreatedAt, LastSeen: sess.LastSeen, ExpiresAt: sess.ExpiresAt, Remote: sess.Remote, Current: sess.ID == current})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"sessions": out})
	return nil
}

func (s *accountAPI) endSession(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Svc.Sessions.EndSessionByID(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *accountAPI) disableUser(w http.ResponseWriter, r *http.Request) error {
	return s.setDisabled(w, r, true)
}

func (s *accountAPI) enableUser(w http.ResponseWriter, r *http.Request) error {
	return s.setDisabled(w, r, false)
}

func (s *accountAPI) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Svc.Users.SetUserDisabled(r.Context(), id, disabled); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type passwordReset struct {
	Password string `json:"password"`
}

// resetPassword sets another user's password (admins): every session and
// token that user holds ends.
func (s *accountAPI) resetPassword(w http.ResponseWriter, r *http.Request) error {
	var req passwordReset
	id, err := decodeWithID(r, &req)
	if err != nil {
		return err
	}
	if err := s.Svc.Users.SetPassword(r.Context(), id, req.Password); err != nil {
		return err
	}
	s.ForgetSignInFailures(r.Context(), id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type userPatch struct {
	Roles []string `json:"roles"`
}

// patchUser changes a user's roles. Users carry no version, so there is
// no If-Match: the roles sent replace the roles stored, whoever changed
// them last.
func (s *accountAPI) patchUser(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	var req userPatch
	if err := web.DecodeJSON(r, &req); err != nil {
		return err
	}
	if req.Roles == nil {
		return citdesk.FieldErrorf("roles", "Give the user's roles, e.g. {\"roles\": [\"dispatcher\"]}.")
	}
	roles := make([]citdesk.Role, len(req.Roles))
	for i, name := range req.Roles {
		roles[i] = citdesk.Role(name)
	}
	u, err := s.Svc.Users.SetUserRoles(r.Context(), id, roles)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, u)
	return nil
}
