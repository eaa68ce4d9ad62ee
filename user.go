package citdesk

import (
	"context"
	_ "embed"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a user may do. A user may hold several.
type Role string

// The roles.
const (
	RoleAdmin       Role = "admin"       // agency settings, users, unlocking accounts
	RoleDispatcher  Role = "dispatcher"  // calls, recommendations, assignments, any officer's status
	RoleOfficer     Role = "officer"     // own status, own assignments, own reports
	RoleCoordinator Role = "coordinator" // roster, training, report review, crisis plans
	RoleLiaison     Role = "liaison"     // referrals made to them
	RoleAnalyst     Role = "analyst"     // outcome figures
)

// Roles lists every role in display order.
var Roles = []Role{RoleAdmin, RoleDispatcher, RoleOfficer, RoleCoordinator, RoleLiaison, RoleAnalyst}

// ParseRoles parses a comma-separated list of roles such as "dispatcher,officer".
func ParseRoles(s string) ([]Role, error) {
	var roles []Role
	for _, part := range strings.Split(s, ",") {
		r := Role(strings.TrimSpace(part))
		if r == "" {
			continue
		}
		if !slices.Contains(Roles, r) {
			return nil, FieldErrorf("roles", "Unknown role %q; roles are admin, dispatcher, officer, coordinator, liaison, analyst.", r)
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	if len(roles) == 0 {
		return nil, FieldErrorf("roles", "At least one role is required.")
	}
	return roles, nil
}

// User is a person (or a system) who signs in to citdesk.
type User struct {
	ID           int64      `json:"id"`
	AgencyID     int64      `json:"agency_id"`
	Username     string     `json:"username"`
	DisplayName  string     `json:"display_name"`
	Roles        []Role     `json:"roles"`
	OfficerID    *int64     `json:"officer_id,omitempty"` // the officer record of an officer user
	PasswordHash string     `json:"-"`
	FailedLogins int        `json:"-"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
	Disabled     bool       `json:"disabled"`
	CreatedAt    time.Time  `json:"created_at"`
}

// HasRole reports whether u holds any of roles.
func (u *User) HasRole(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(u.Roles, r) {
			return true
		}
	}
	return false
}

// Locked reports whether u is locked out at now.
func (u *User) Locked(now time.Time) bool {
	return u.LockedUntil != nil && now.Before(*u.LockedUntil)
}

//go:embed common-passwords.txt
var commonPasswordList string

var commonPasswords = func() map[string]bool {
	m := make(map[string]bool)
	for _, line := range strings.Split(commonPasswordList, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// ValidatePassword applies the password rules of NIST SP 800-63B: at least
// 8 characters, not a commonly used password, and no composition rules.
func ValidatePassword(password, username string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < 8:
		return FieldErrorf("password", "Password must be at least 8 characters.")
	case n > 256:
		return FieldErrorf("password", "Password must be at most 256 characters.")
	case commonPasswords[strings.ToLower(password)]:
		return FieldErrorf("password", "That password is on a list of commonly used passwords; choose another.")
	case username != "" && strings.EqualFold(password, username):
		return FieldErrorf("password", "Password must not be the username.")
	}
	return nil
}

// ValidateUsername reports whether name can be a username.
func ValidateUsername(name string) error {
	if len(name) < 2 || len(name) > 64 {
		return FieldErrorf("username", "Username must be 2 to 64 characters.")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return FieldErrorf("username", "Username may use lower-case letters, digits, '.', '-' and '_' only.")
		}
	}
	return nil
}

// Session is a signed-in person's cookie session or a system's bearer
// token. Only a hash of the secret is stored.
type Session struct {
	ID        int64     `json:"-"`
	AgencyID  int64     `json:"-"`
	UserID    int64     `json:"-"`
	Kind      string    `json:"kind"` // "cookie" or "token"
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	ExpiresAt time.Time `json:"expires_at"` // absolute end; idle end is LastSeen + policy
	Remote    string    `json:"-"`
	// Agency is the session's agency, read with it by FindSession so a
	// signed-in request knows its agency (name, time zone, policy) without
	// another read.
	Agency *Agency `json:"-"`
}

// Session kinds.
const (
	SessionCookie = "cookie"
	SessionToken  = "token"
)

// UserService manages users and their sign-in. Every method but
// Authenticate and FindSession acts within the agency of the actor in ctx.
type UserService interface {
	// CreateUser adds a user with the given password (validated and hashed).
	CreateUser(ctx context.Context, u *User, password string) error
	FindUserByID(ctx context.Context, id int64) (*User, error)
	ListUsers(ctx context.Context) ([]*User, error)
	// ListLiaisons lists the agency's active liaisons (id and names only),
	// for a coordinator assigning referrals.
	ListLiaisons(ctx context.Context) ([]*User, error)
	SetPassword(ctx context.Context, userID int64, password string) error
	// UnlockUser clears a lockout (admin only).
	UnlockUser(ctx context.Context, userID int64) error

	// Authenticate checks a username and password, counts failures towards
	// the lockout, records the attempt in the audit trail, and on success
	// opens a session of the given kind and returns it with its secret.
	// A user with a second factor, or whose agency requires one, must also
	// give a code (NewContextWithSecondFactor); without it the error is
	// EMFAREQUIRED or EMFAENROL, a *SignInChallenge for a cookie sign-in.
	// Usernames are unique across the whole citdesk (a county dispatch
	// centre may host several agencies), so no agency is named at sign-in.
	Authenticate(ctx context.Context, username, password, kind string) (*User, *Session, string, error)
	// FindSession returns the live session for a secret and marks it used,
	// or EUNAUTHORIZED when it is unknown, expired or idle too long.
	FindSession(ctx context.Context, secret string) (*User, *Session, error)
	// EndSession ends the session for a secret server-side.
	EndSession(ctx context.Context, secret string) error
}
