package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"citdesk"
)

// SessionCookie names the browser session cookie.
const SessionCookie = "citdesk_session"

// Credential is the secret the current request signed in with, so sign-out
// can end exactly that session.
type Credential struct {
	Secret string
	Kind   string // citdesk.SessionCookie or citdesk.SessionToken
}

type credentialKey struct{}

func withCredential(ctx context.Context, c Credential) context.Context {
	return context.WithValue(ctx, credentialKey{}, c)
}

// CredentialFrom returns the credential the request signed in with.
func CredentialFrom(ctx context.Context) (Credential, bool) {
	c, ok := ctx.Value(credentialKey{}).(Credential)
	return c, ok
}

// AgencyOf returns the signed-in actor's agency: the one read with the
// session, so a page does not read it again.
func (c *Core) AgencyOf(ctx context.Context) (*citdesk.Agency, error) {
	if a := citdesk.AgencyFromContext(ctx); a != nil {
		return a, nil
	}
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	return c.Svc.Agencies.FindAgencyByID(ctx, actor.AgencyID)
}

// SignedIn returns the signed-in actor, or nil.
func SignedIn(r *http.Request) *citdesk.Actor {
	a := citdesk.ActorFromContext(r.Context())
	if a == nil || a.UserID == 0 {
		return nil
	}
	return a
}

// API wraps an API handler: it must be signed in; an actor who may never
// take act (the permission table's check at the door) gets 403 before the
// handler reads the body; an error the handler returns becomes a
// problem+json response.
func (c *Core) API(act citdesk.Action, h func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := SignedIn(r)
		if a == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="citdesk"`)
			c.Problem(w, r, citdesk.Errorf(citdesk.EUNAUTHORIZED, "Sign in, or send Authorization: Bearer <token>."))
			return
		}
		if !citdesk.MayEver(a, act) {
			c.Problem(w, r, c.Refusal(r, act))
			return
		}
		if p, _ := citdesk.PermissionFor(act); p.StepUp {
			if err := c.RequireStepUp(r); err != nil {
				c.Problem(w, r, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			c.Problem(w, r, err)
		}
	}
}

// Refusal is the answer at the door to an actor who may never take act on
// the route of r. A person-level record (Permission.Record) gets the same
// "not found" the store gives for a record the actor may not see, so the
// answer says nothing of whether it exists, and the refused view goes to
// the audit trail as the store's refusals do; anything else is 403.
func (c *Core) Refusal(r *http.Request, act citdesk.Action) error {
	p, _ := citdesk.PermissionFor(act)
	id, err := PathID(r, "id")
	if a := citdesk.ActorFromContext(r.Context()); p.Record == "" || err != nil || a != nil && a.Service {
		return citdesk.Refuse(a, act)
	}
	if c.Svc.Audit != nil {
		ev := &citdesk.AuditEvent{Action: p.Record + ".view", ObjectType: p.Record, ObjectID: strconv.FormatInt(id, 10), Outcome: citdesk.OutcomeDenied}
		if err := c.Svc.Audit.Record(r.Context(), ev); err != nil {
			return err
		}
	}
	return citdesk.Errorf(citdesk.ENOTFOUND, "Not found.")
}

// SetSessionCookie gives the browser its session: HttpOnly, Secure over
// TLS, SameSite=Lax.
func (c *Core) SetSessionCookie(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: c.IsTLS(r), SameSite: http.SameSiteLaxMode})
}

// ClearSessionCookie removes the browser's session cookie.
func (c *Core) ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.IsTLS(r), SameSite: http.SameSiteLaxMode})
}

// PathID parses a numeric path value; anything else is "not found".
func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, citdesk.Errorf(citdesk.ENOTFOUND, "No such %s.", strings.TrimSuffix(name, "id"))
	}
	return id, nil
}

// Sign-in throttles, counted per process. Past the per-address limit an
// address is not refused outright (a station behind one NAT would be
// locked out by one guesser): the store then lets only users who signed
// in from that address before in, with the right password. Past the
// (address, username) limit that username is refused from that address
// whatever the password. The account lockout in the store (policy
// lockout_attempts) is the per-username throttle across addresses.
const (
	signinFailuresPerAddress = 20
	signinFailuresPerPair    = 10
	signinFailureWindow      = 15 * time.Minute
)

// SignIn signs a user in for a browser session or a bearer token, telling
// the store what the throttles know and counting failures. Every refusal
// is the same EUNAUTHORIZED error; the reason is in the audit trail and
// the log.
func (c *Core) SignIn(r *http.Request, username, password, kind string) (*citdesk.User, *citdesk.Session, string, error) {
	addr := c.RemoteAddr(r)
	addrKey := "signin-failures:" + addr
	pairKey := "signin-failures:" + addr + "\x00" + throttleName(username)
	now := c.Now()
	throttle := citdesk.SignInThrottle{
		Address: c.Limiters.Exhausted(addrKey, signinFailuresPerAddress, signinFailureWindow, now),
		Pair:    c.Limiters.Exhausted(pairKey, signinFailuresPerPair, signinFailureWindow, now),
	}
	ctx := citdesk.WithSignInThrottle(r.Context(), throttle)
	u, sess, secret, err := c.Svc.Users.Authenticate(ctx, username, password, kind)
	if citdesk.ErrorCode(err) == citdesk.EUNAUTHORIZED {
		c.Limiters.Allow(addrKey, signinFailuresPerAddress, signinFailureWindow, now)
		c.Limiters.Allow(pairKey, signinFailuresPerPair, signinFailureWindow, now)
		// The reason (unknown, wrong, locked, throttled) is in the audit
		// trail; the log says a refusal happened and what was throttled.
		c.Log.Info("sign-in refused", "remote", addr, "address_throttled", throttle.Address, "pair_throttled", throttle.Pair)
	}
	return u, sess, secret, err
}

// throttleName is a username as the sign-in throttles key it: as typed at
// sign-in, whatever the case and spacing.
func throttleName(username string) string { return strings.ToLower(strings.TrimSpace(username)) }

// ForgetSignInFailures clears this process's (address, username)
// throttles for a user an admin has just unlocked or given a new password,
// so the person the admin is helping can sign in at once. Other replicas
// forget them when their window ends.
func (c *Core) ForgetSignInFailures(ctx context.Context, userID int64) {
	u, err := c.Svc.Users.FindUserByID(ctx, userID)
	if err != nil {
		return // the unlock itself succeeded; the window ends on its own
	}
	c.Limiters.ForgetSuffix("\x00" + throttleName(u.Username))
}
