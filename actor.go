package citdesk

import "context"

// Actor is who is doing something: a signed-in user, or an operator at the
// command line. Every service call carries one in its context; the store
// scopes every query to the actor's agency and records the actor in the
// audit trail.
type Actor struct {
	UserID    int64  // 0 for an operator at the command line
	AgencyID  int64  // the only agency whose records the actor can reach
	Username  string // for the audit trail
	Roles     []Role
	OfficerID *int64 // the actor's own officer record, if any
	Remote    string // where the request came from (IP address, or "cli")
	SessionID int64  // the session or token the request came with; 0 at the command line
	// Service: the actor is a service account, which may take only the
	// actions whose scope (Permission.Scope) is among Scopes; roles and
	// ties play no part.
	Service bool
	Scopes  []Scope
}

// HasRole reports whether the actor holds any of roles.
func (a *Actor) HasRole(roles ...Role) bool {
	for _, r := range roles {
		for _, have := range a.Roles {
			if have == r {
				return true
			}
		}
	}
	return false
}

// IsOfficer reports whether the actor is the officer with the given id.
func (a *Actor) IsOfficer(id int64) bool {
	return a.OfficerID != nil && *a.OfficerID == id
}

// IsOperator reports whether a is an operator at the command line
// (OperatorActor), who may do anything within their agency; the public
// form's writer, also without a user, is not.
func (a *Actor) IsOperator() bool {
	return a.UserID == 0 && a.AgencyID != 0 && a.Username == operatorName
}

const operatorName = "operator"

// ActorFor returns the actor for a signed-in user.
func ActorFor(u *User, remote string) *Actor {
	return &Actor{UserID: u.ID, AgencyID: u.AgencyID, Username: u.Username, Roles: u.Roles, OfficerID: u.OfficerID, Remote: remote}
}

// OperatorActor returns an actor for someone at the command line with full
// rights over one agency.
func OperatorActor(agencyID int64) *Actor {
	return &Actor{AgencyID: agencyID, Username: operatorName, Roles: Roles, Remote: "cli"}
}

type actorKey struct{}

// NewContextWithActor returns a context that carries a.
func NewContextWithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor in ctx, or nil.
func ActorFromContext(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

type agencyKey struct{}

// NewContextWithAgency returns a context that carries the actor's agency
// as it was read with the actor's session, so the request need not read
// it again. The agency is shared: nothing may change it.
func NewContextWithAgency(ctx context.Context, a *Agency) context.Context {
	if a == nil {
		return ctx
	}
	return context.WithValue(ctx, agencyKey{}, a)
}

// AgencyFromContext returns the agency in ctx (NewContextWithAgency), or nil.
func AgencyFromContext(ctx context.Context) *Agency {
	a, _ := ctx.Value(agencyKey{}).(*Agency)
	return a
}

// RequireActor returns the actor in ctx, or EUNAUTHORIZED when there is none.
func RequireActor(ctx context.Context) (*Actor, error) {
	a := ActorFromContext(ctx)
	if a == nil || a.AgencyID == 0 {
		return nil, Errorf(EUNAUTHORIZED, "You must sign in.")
	}
	return a, nil
}

// RequireRole returns the actor in ctx when it holds any of roles, and
// EFORBIDDEN (or EUNAUTHORIZED) otherwise.
func RequireRole(ctx context.Context, roles ...Role) (*Actor, error) {
	a, err := RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.HasRole(roles...) {
		return nil, Errorf(EFORBIDDEN, "You are not allowed to do that.")
	}
	return a, nil
}
