package ui

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"citdesk"
	"citdesk/web"
)

// The admin's users (/admin/users): the list with each user's roles,
// state and last sign-in; creating a user (with a password the admin
// gives or one generated and shown once); changing roles. Disable,
// enable, unlock and password reset are in account.go.

type usersView struct {
	Notice string
	// Error is a refusal of a change to user ErrorUser (0: the create
	// form), shown at that user's ErrorField.
	Error      string
	ErrorUser  int64
	ErrorField string
	Users      []*citdesk.User
	Self       int64
	Now        time.Time
	Loc        *time.Location
	Roles      []citdesk.Role // every role, in order: the checkboxes
	Officers   []*citdesk.Officer
	// New is the create form: its values and the problem at each field.
	New newUserForm
	// Created is the user just made; Password is the generated password,
	// shown this once and never stored in the clear.
	Created  *citdesk.User
	Password string
}

type newUserForm struct {
	Username, DisplayName, OfficerID string
	Roles                            []citdesk.Role
	Errors                           map[string]string
}

// Checked reports whether role r is ticked on the create form.
func (f newUserForm) Checked(r citdesk.Role) bool {
	for _, x := range f.Roles {
		if x == r {
			return true
		}
	}
	return false
}

func (s *accountPages) usersPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderUsers(w, r, http.StatusOK, usersView{Notice: queryNotice(r)})
}

// renderUsers shows the user list with v's form, notice and errors.
func (s *accountPages) renderUsers(w http.ResponseWriter, r *http.Request, status int, v usersView) error {
	users, err := s.Svc.Users.ListUsers(r.Context())
	if err != nil {
		return err
	}
	officers, err := s.Svc.Officers.ListOfficers(r.Context(), citdesk.OfficerFilter{})
	if err != nil {
		return err
	}
	_, loc, err := s.localDay(r.Context())
	if err != nil {
		return err
	}
	v.Users, v.Officers, v.Self, v.Now, v.Loc, v.Roles = users, officers, web.SignedIn(r).UserID, s.Now(), loc, citdesk.Roles
	s.render(w, r, status, "admin_users", "Users", v)
	return nil
}

// formRoles reads the ticked role checkboxes of a form.
func formRoles(r *http.Request) []citdesk.Role {
	var roles []citdesk.Role
	for _, name := range r.PostForm["roles"] {
		roles = append(roles, citdesk.Role(name))
	}
	return roles
}

// createUser adds a user. A blank password means "generate one": it is
// shown once on the page that answers (never in a URL), for the admin
// to hand over in person.
func (s *accountPages) createUser(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	f := newUserForm{Username: r.PostFormValue("username"), DisplayName: strings.TrimSpace(r.PostFormValue("display_name")),
		OfficerID: r.PostFormValue("officer_id"), Roles: formRoles(r), Errors: map[string]string{}}
	u := &citdesk.User{Username: f.Username, DisplayName: f.DisplayName}
	if f.OfficerID != "" {
		id, err := strconv.ParseInt(f.OfficerID, 10, 64)
		if err != nil || id < 1 {
			f.Errors["officer_id"] = "Choose an officer from the list."
		} else {
			u.OfficerID = &id
		}
	}
	roles, err := citdesk.CheckRoles(f.Roles)
	if err != nil {
		f.Errors["roles"] = citdesk.ErrorMessage(err)
	}
	u.Roles = roles
	password, generated := r.PostFormValue("password"), false
	if password == "" {
		password, generated = citdesk.GeneratePassword(), true
	}
	if len(f.Errors) == 0 {
		err = s.Svc.Users.CreateUser(r.Context(), u, password)
		if field := citdesk.ErrorField(err); citdesk.ErrorCode(err) == citdesk.EINVALID {
			if field == "" {
				field = "username"
			}
			f.Errors[field] = citdesk.ErrorMessage(err)
		} else if err != nil {
			return err
		}
	}
	if len(f.Errors) > 0 {
		return s.renderUsers(w, r, http.StatusUnprocessableEntity, usersView{New: f, Error: "The user was not created; see the form."})
	}
	v := usersView{Created: u, Notice: "User " + u.Username + " created."}
	if generated {
		v.Password = password
	}
	return s.renderUsers(w, r, http.StatusOK, v)
}

// setRoles replaces a user's roles with the ticked checkboxes.
func (s *accountPages) setRoles(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	return s.userAction(w, r, "Roles changed.", func(id int64) error {
		_, err := s.Svc.Users.SetUserRoles(r.Context(), id, formRoles(r))
		return err
	})
}

// LastSignIn says when u last signed in, in the agency's time zone.
func (v usersView) LastSignIn(u *citdesk.User) string {
	if u.LastSignIn == nil {
		return "none recorded"
	}
	return u.LastSignIn.In(v.Loc).Format("Mon 2 Jan 2006 15:04")
}

// Until says until when u is locked out, in the agency's time zone.
func (v usersView) Until(u *citdesk.User) string {
	if u.LockedUntil == nil {
		return ""
	}
	return u.LockedUntil.In(v.Loc).Format("15:04")
}

// ErrorAt returns the refusal to show at user id's field (0: the
// create form's top), or "".
func (v usersView) ErrorAt(id int64, field string) string {
	if v.Error == "" || v.ErrorUser != id || id == 0 {
		return ""
	}
	if field == "roles" || field == "password" {
		if v.ErrorField == field {
			return v.Error
		}
		return ""
	}
	if v.ErrorField == "roles" || v.ErrorField == "password" {
		return ""
	}
	return v.Error
}
