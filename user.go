package citdesk

import (
	"context"
	_ "embed"
	"slices"
	"strings"
	"time"
	"unicode"
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
	RoleSupervisor  Role = "supervisor"  // a sergeant: reviews the reports of the officers they supervise
	RoleLiaison     Role = "liaison"     // referrals made to them
	RoleAnalyst     Role = "analyst"     // outcome figures
	RoleMetrics     Role = "metrics"     // a monitoring system reading /metrics, nothing else
)

// Roles lists every role in display order: what an admin's user pages
// offer and ParseRoles accepts.
var Roles = []Role{RoleAdmin, RoleDispatcher, RoleOfficer, RoleSupervisor, RoleCoordinator, RoleLiaison, RoleAnalyst, RoleMetrics}

// ParseRoles parses a comma-separated list of roles such as "dispatcher,officer".
func ParseRoles(s string) ([]Role, error) {
	var roles []Role
	for _, part := range strings.Split(s, ",") {
		r := Role(strings.TrimSpace(part))
		if r == "" {
			continue
		}
		if !slices.Contains(Roles, r) {
			names := make([]string, len(Roles))
			for i, known := range Roles {
				names[i] = string(known)
			}
			return nil, FieldErrorf("roles", "Unknown role %q; roles are %s.", r, strings.Join(names, ", "))
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
	// LastSignIn is when the user last signed in with their password
	// (and second factor); nil when they never have.
	LastSignIn *time.Time `json:"last_signin_at,omitempty"`
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
// 8 characters, not a commonly used password, nothing guessable from
// context (the username, the agency's name, slug or city), no control
// characters, and no composition rules. Spaces are allowed, but a
// password of only whitespace or of one repeated character is refused:
// both pass a length check and fall to the first guesses. Every path that
// sets a password calls this one function; agency may be nil.
func ValidatePassword(password, username string, agency *Agency) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return FieldErrorf("password", "Password must be valid UTF-8 text.")
	case strings.ContainsFunc(password, unicode.IsControl):
		return FieldErrorf("password", "Password must not contain control characters such as tabs or line breaks.")
	case n < 8:
		return FieldErrorf("password", "Password must be at least 8 characters.")
	case n > 256:
		return FieldErrorf("password", "Password must be at most 256 characters.")
	case strings.TrimSpace(password) == "":
		return FieldErrorf("password", "Password must not be only spaces.")
	case oneRepeatedRune(password):
		return FieldErrorf("password", "Password must not be one character repeated.")
	case commonPasswords[strings.ToLower(password)]:
		return FieldErrorf("password", "That password is on a list of commonly used passwords; choose another.")
	case username != "" && strings.EqualFold(password, username):
		return FieldErrorf("password", "Password must not be the username.")
	case agency != nil && guessableFrom(password, agency.Name, agency.Slug, agency.City):
		return FieldErrorf("password", "Password must not be the agency's name, slug or city.")
	}
	return nil
}

func oneRepeatedRune(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	return strings.Trim(s, string(first)) == ""
}

// guessableFrom reports whether password is one of words once case,
// spaces and punctuation are ignored, alone or followed by digits
// ("De Soto", "desoto2024").
func guessableFrom(password string, words ...string) bool {
	p := strings.TrimRightFunc(lettersAndDigits(password), unicode.IsDigit)
	for _, w := range words {
		if w := lettersAndDigits(w); w != "" && (p == w || lettersAndDigits(password) == w) {
			return true
		}
	}
	return false
}

// lettersAndDigits lower-cases s and keeps only its letters and digits.
func lettersAndDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
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
	// ListSupervisors lists the agency's active supervisors (id and names
	// only), for a coordinator or admin naming an officer's supervisor.
	ListSupervisors(ctx context.Context) ([]*User, error)
	// SetPassword sets a user's password: the actor's own, or anyone's in
	// the agency for an admin (a reset). Every session of that user ends.
	SetPassword(ctx context.Context, userID int64, password string) error
	// ChangePassword changes the actor's own password after checking the
	// current one; the actor's other sessions and tokens end.
	ChangePassword(ctx context.Context, current, password string) error
	// SetUserDisabled disables or enables a user of the agency (admin
	// only, never oneself). Disabling ends every session and token at once.
	SetUserDisabled(ctx context.Context, userID int64, disabled bool) error
	// UnlockUser clears a lockout (admin only).
	UnlockUser(ctx context.Context, userID int64) error
	// SetUserRoles replaces a user's roles (admin only; CheckRoles and
	// CheckRoleChange decide) and returns the user as changed.
	SetUserRoles(ctx context.Context, userID int64, roles []Role) (*User, error)

	// Authenticate checks a username and password, counts failures towards
	// the lockout, records the attempt in the audit trail, and on success
	// opens a session of the given kind and returns it with its secret.
	// A user with a second factor, or whose agency requires one, must also
	// give a code (NewContextWithSecondFactor); without it the error is
	// EMFAREQUIRED or EMFAENROL, a *SignInChallenge for a cookie sign-in.
	// Usernames are unique across the whole citdesk (a county dispatch
	// centre may host several agencies), so no agency is named at sign-in.
	// An unknown user, a wrong password, a disabled, locked or throttled
	// account all get the same EUNAUTHORIZED error; the audit trail says
	// which it was. A locked account, or an address the caller marked as
	// throttled (WithSignInThrottle), still lets the right password in
	// from an address the user has signed in from before.
	Authenticate(ctx context.Context, username, password, kind string) (*User, *Session, string, error)
	// FindSession returns the live session for a secret and marks it used,
	// or EUNAUTHORIZED when it is unknown, expired or idle too long.
	FindSession(ctx context.Context, secret string) (*User, *Session, error)
	// EndSession ends the session for a secret server-side.
	EndSession(ctx context.Context, secret string) error
}

// SessionService lists and ends the signed-in actor's own sessions and
// tokens, and issues tokens for operators at the command line.
type SessionService interface {
	// ListSessions lists the actor's live cookie sessions and tokens,
	// newest first.
	ListSessions(ctx context.Context) ([]*Session, error)
	// EndSessionByID ends one of the actor's own sessions or tokens.
	EndSessionByID(ctx context.Context, id int64) error
	// IssueToken opens a bearer token for a user of the actor's agency
	// that lasts ttl (at most the agency's token lifetime) and returns it
	// with its secret. Operators only: it is how a server's operator gives
	// a system its token without a password.
	IssueToken(ctx context.Context, username string, ttl time.Duration) (*Session, string, error)
}

// SignInThrottle says what the web layer's counters know about a sign-in
// attempt before the password is checked.
type SignInThrottle struct {
	// Pair: too many failures for this username from this address lately;
	// the attempt is refused whatever the password.
	Pair bool
	// Address: too many failures from this address across usernames
	// lately; only a user who has signed in from this address before gets
	// in, and only with the right password.
	Address bool
}

type signInThrottleKey struct{}

// WithSignInThrottle returns a context that carries t for Authenticate.
func WithSignInThrottle(ctx context.Context, t SignInThrottle) context.Context {
	return context.WithValue(ctx, signInThrottleKey{}, t)
}

// SignInThrottleFrom returns the throttle in ctx (none when absent).
func SignInThrottleFrom(ctx context.Context) SignInThrottle {
	t, _ := ctx.Value(signInThrottleKey{}).(SignInThrottle)
	return t
}
