package citdesk

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Scope is what a service account (a machine user such as the county CAD
// or AVL system) may do. Each line of the permission table names at most
// one scope (Permission.Scope): a service account may take an action only
// when it holds that scope, so the route's action decides the scope.
type Scope string

// The scopes.
const (
	ScopeCallsWrite     Scope = "calls:write"     // create and update calls (EIDO in), recommend, assign
	ScopeCallsRead      Scope = "calls:read"      // read calls and assignments (EIDO out)
	ScopePositionsWrite Scope = "positions:write" // officers' duty status and positions (AVL)
	ScopeWebhooksAdmin  Scope = "webhooks:admin"  // the agency's webhook subscriptions and deliveries
	ScopeMetrics        Scope = "metrics"         // Prometheus /metrics
)

// Scopes lists every scope in display order.
var Scopes = []Scope{ScopeCallsWrite, ScopeCallsRead, ScopePositionsWrite, ScopeWebhooksAdmin, ScopeMetrics}

// ParseScopes parses scope names (each may itself be a comma-separated
// list, as the command line gives them), refusing unknown ones and an
// empty list.
func ParseScopes(names ...string) ([]Scope, error) {
	var out []Scope
	for _, n := range names {
		for _, part := range strings.Split(n, ",") {
			s := Scope(strings.TrimSpace(part))
			if s == "" {
				continue
			}
			if !slices.Contains(Scopes, s) {
				return nil, FieldErrorf("scopes", "Unknown scope %q; scopes are %s.", s, joinScopes(Scopes, ", "))
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		return nil, FieldErrorf("scopes", "Give at least one scope: %s.", joinScopes(Scopes, ", "))
	}
	return out, nil
}

// JoinScopes joins scopes with commas, as they are stored.
func JoinScopes(scopes []Scope) string { return joinScopes(scopes, ",") }

func joinScopes(scopes []Scope, sep string) string {
	s := make([]string, len(scopes))
	for i, sc := range scopes {
		s[i] = string(sc)
	}
	return strings.Join(s, sep)
}

// ServiceTokenPrefix starts every service-account token, so the web layer
// tells one from a person's bearer token without a database read and a
// leaked token is easy to recognize in a secret scanner.
const ServiceTokenPrefix = "cdsa_"

// ServiceAccount is a machine user of an agency: it signs in only with a
// bearer token, never with a password or on a page, and may do only what
// its scopes allow.
type ServiceAccount struct {
	ID        int64           `json:"id"` // the id of the user record behind it
	AgencyID  int64           `json:"-"`
	Name      string          `json:"name"`
	Username  string          `json:"username"` // in the audit trail
	Scopes    []Scope         `json:"scopes"`
	CreatedAt time.Time       `json:"created_at"`
	RevokedAt *time.Time      `json:"revoked_at,omitempty"`
	Tokens    []*ServiceToken `json:"tokens"`
}

// ServiceToken is one bearer token of a service account. Only a hash of
// the secret is kept; Hint is its first characters, to tell tokens apart.
type ServiceToken struct {
	ID         int64      `json:"id"`
	AccountID  int64      `json:"account_id"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// ValidateServiceAccountName reports whether name can name a service
// account: what a username may be, at most 40 characters (the username is
// made of it and the agency's slug).
func ValidateServiceAccountName(name string) error {
	if err := ValidateUsername(name); err != nil || len(name) > 40 {
		return FieldErrorf("name", "Name must be 2 to 40 lower-case letters, digits, '.', '-' or '_'.")
	}
	return nil
}

// ServiceAccountUsername is the username of the user record behind a
// service account, unique across every agency this citdesk hosts.
func ServiceAccountUsername(agencySlug, name string) string {
	return "svc." + agencySlug + "." + name
}

// ServiceActor returns the actor of a request signed in with a service
// account's token.
func ServiceActor(sa *ServiceAccount, tokenID int64, remote string) *Actor {
	return &Actor{UserID: sa.ID, AgencyID: sa.AgencyID, Username: sa.Username, Remote: remote, SessionID: tokenID,
		Service: true, Scopes: slices.Clone(sa.Scopes)}
}

// ServiceAccountService manages the agency's service accounts and their
// tokens (admins) and signs their requests in.
type ServiceAccountService interface {
	// CreateServiceAccount adds a service account with scopes and returns
	// it with its first token's secret, which is shown once and never
	// again.
	CreateServiceAccount(ctx context.Context, name string, scopes []Scope) (*ServiceAccount, string, error)
	// ListServiceAccounts lists the agency's service accounts with their
	// tokens, newest first.
	ListServiceAccounts(ctx context.Context) ([]*ServiceAccount, error)
	// RotateServiceToken gives a service account a new token and revokes
	// its others in the same transaction; it returns the new secret once.
	RotateServiceToken(ctx context.Context, accountID int64) (*ServiceToken, string, error)
	// RevokeServiceToken revokes one token of a service account.
	RevokeServiceToken(ctx context.Context, accountID, tokenID int64) error
	// RevokeServiceAccount revokes a service account and every token of it.
	RevokeServiceAccount(ctx context.Context, accountID int64) error
	// UseServiceToken signs a request in with a service token: it returns
	// the account and the token, with the agency, and records the use
	// (what, in use: method and path) in the audit trail in the same
	// transaction. An unknown, revoked or disabled one is EUNAUTHORIZED.
	UseServiceToken(ctx context.Context, secret, use string) (*ServiceAccount, *ServiceToken, *Agency, error)
}

// Refuse is the refusal of act to a: for a service account it names the
// scope the action needs, so whoever set the account up knows what to add.
func Refuse(a *Actor, act Action) *Error {
	if a != nil && a.Service {
		if p, ok := permissions[act]; ok && p.Scope != "" {
			return Errorf(EFORBIDDEN, "This service account lacks the scope %q, which this request needs.", p.Scope)
		}
		return Errorf(EFORBIDDEN, "Service accounts may not do that: no scope allows it.")
	}
	return Errorf(EFORBIDDEN, "You are not allowed to do that.")
}
