package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"citdesk"
)

// RequireStepUp is the one check every sensitive action makes before it
// acts (creating users, changing roles or policy, unlocking, resetting
// factors, exporting the audit): the request's session or token must have
// proved password and second factor within citdesk.StepUpWindow, at
// sign-in or through POST /api/v1/me/step-up (the /step-up page). It
// answers ESTEPUP (403, problem code step_up_required) otherwise.
func (c *Core) RequireStepUp(r *http.Request) error {
	if SignedIn(r) == nil {
		return citdesk.Errorf(citdesk.EUNAUTHORIZED, "You must sign in.")
	}
	cred, ok := CredentialFrom(r.Context())
	if !ok {
		return citdesk.StepUpCurrent(c.Now().Add(-2*citdesk.StepUpWindow), c.Now())
	}
	at, err := c.Svc.MFA.SteppedUpAt(r.Context(), cred.Secret)
	if err != nil {
		return err
	}
	return citdesk.StepUpCurrent(at, c.Now())
}

// WebAuthn returns the passkey relying party for the origin the request
// came to: the RP ID is its host name, the only origin accepted its
// scheme, host and port. A browser binds each passkey to the RP ID it was
// made for, so a look-alike site cannot use one.
func (c *Core) WebAuthn(r *http.Request) (*webauthn.WebAuthn, error) {
	scheme := "http"
	if c.IsTLS(r) {
		scheme = "https"
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	wa, err := webauthn.New(&webauthn.Config{RPID: host, RPDisplayName: "citdesk", RPOrigins: []string{scheme + "://" + r.Host}})
	if err != nil {
		// A browser makes passkeys only for a site name: reached by an IP
		// address, citdesk cannot offer them.
		return nil, citdesk.Errorf(citdesk.EINVALID, "Passkeys need citdesk to be opened by its name (for example https://citdesk.example.org), not by an address such as %s. Use an authenticator app instead.", host)
	}
	return wa, nil
}

// passkeyUser is a user as the WebAuthn library sees one.
type passkeyUser struct {
	u     *citdesk.User
	keys  []*citdesk.Passkey
	creds []webauthn.Credential
}

func newPasskeyUser(u *citdesk.User, keys []*citdesk.Passkey) (*passkeyUser, error) {
	p := &passkeyUser{u: u, keys: keys}
	for _, k := range keys {
		var cred webauthn.Credential
		if err := json.Unmarshal(k.Credential, &cred); err != nil {
			return nil, fmt.Errorf("passkey %d: %w", k.ID, err)
		}
		p.creds = append(p.creds, cred)
	}
	return p, nil
}

// WebAuthnID is the user handle: the user's id, which is not secret and
// is unique across the whole citdesk.
func (p *passkeyUser) WebAuthnID() []byte {
	return []byte("citdesk-user-" + strconv.FormatInt(p.u.ID, 10))
}
func (p *passkeyUser) WebAuthnName() string                       { return p.u.Username }
func (p *passkeyUser) WebAuthnDisplayName() string                { return cmp.Or(p.u.DisplayName, p.u.Username) }
func (p *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return p.creds }

// BeginPasskeyRegistration starts adding a passkey for the signed-in
// actor and returns the options for navigator.credentials.create and the
// ceremony secret to send back with the result.
func (c *Core) BeginPasskeyRegistration(r *http.Request) (*protocol.CredentialCreation, string, error) {
	a := SignedIn(r)
	if a == nil {
		return nil, "", citdesk.Errorf(citdesk.EUNAUTHORIZED, "You must sign in.")
	}
	wa, err := c.WebAuthn(r)
	if err != nil {
		return nil, "", err
	}
	u, err := c.Svc.Users.FindUserByID(r.Context(), a.UserID)
	if err != nil {
		return nil, "", err
	}
	keys, err := c.Svc.MFA.Passkeys(r.Context(), a.UserID)
	if err != nil {
		return nil, "", err
	}
	pu, err := newPasskeyUser(u, keys)
	if err != nil {
		return nil, "", err
	}
	var exclude []protocol.CredentialDescriptor
	for _, cr := range pu.creds {
		exclude = append(exclude, cr.Descriptor())
	}
	opts, session, err := wa.BeginRegistration(pu, webauthn.WithExclusions(exclude), webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred))
	if err != nil {
		return nil, "", fmt.Errorf("begin passkey registration: %w", err)
	}
	data, err := json.Marshal(session)
	if err != nil {
		return nil, "", err
	}
	ceremony, err := c.Svc.MFA.NewCeremony(r.Context(), data)
	return opts, ceremony, err
}

// FinishPasskeyRegistration verifies the browser's attestation (the JSON
// of a PublicKeyCredential) and stores the passkey. It returns recovery
// codes when this is the actor's first second factor.
func (c *Core) FinishPasskeyRegistration(r *http.Request, ceremony, name string, credential []byte) ([]string, error) {
	a := SignedIn(r)
	if a == nil {
		return nil, citdesk.Errorf(citdesk.EUNAUTHORIZED, "You must sign in.")
	}
	data, err := c.Svc.MFA.ChallengeData(r.Context(), ceremony)
	if err != nil {
		return nil, err
	}
	u, err := c.Svc.Users.FindUserByID(r.Context(), a.UserID)
	if err != nil {
		return nil, err
	}
	keys, err := c.Svc.MFA.Passkeys(r.Context(), a.UserID)
	if err != nil {
		return nil, err
	}
	p, err := c.verifyRegistration(r, u, keys, data, credential)
	if err != nil {
		return nil, err
	}
	p.Name = name
	return c.Svc.MFA.AddPasskey(r.Context(), p)
}

// resumeCeremony sets up the second half of a passkey ceremony for u (whose
// passkeys are keys): the relying party for this request, the user as
// WebAuthn sees it, and the ceremony state kept since it began.
func (c *Core) resumeCeremony(r *http.Request, u *citdesk.User, keys []*citdesk.Passkey, sessionJSON []byte) (*webauthn.WebAuthn, *passkeyUser, webauthn.SessionData, error) {
	var session webauthn.SessionData
	wa, err := c.WebAuthn(r)
	if err != nil {
		return nil, nil, session, err
	}
	pu, err := newPasskeyUser(u, keys)
	if err != nil {
		return nil, nil, session, err
	}
	if err := json.Unmarshal(sessionJSON, &session); err != nil {
		return nil, nil, session, fmt.Errorf("passkey session: %w", err)
	}
	return wa, pu, session, nil
}

func (c *Core) verifyRegistration(r *http.Request, u *citdesk.User, keys []*citdesk.Passkey, sessionJSON, credential []byte) (*citdesk.Passkey, error) {
	wa, pu, session, err := c.resumeCeremony(r, u, keys, sessionJSON)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(bytes.NewReader(credential))
	if err != nil {
		return nil, citdesk.Errorf(citdesk.EINVALID, "The passkey response could not be read.")
	}
	cred, err := wa.CreateCredential(pu, session, parsed)
	if err != nil {
		c.Log.Info("passkey registration refused", "user", u.ID, "err", err)
		return nil, citdesk.Errorf(citdesk.EINVALID, "The passkey could not be verified.")
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return nil, err
	}
	return &citdesk.Passkey{CredentialID: cred.ID, Credential: raw}, nil
}

// BeginPasskeyLogin starts a passkey assertion for u (whose passkeys are
// keys) and returns the options for navigator.credentials.get and the
// ceremony state (JSON) to keep until the answer comes.
func (c *Core) BeginPasskeyLogin(r *http.Request, u *citdesk.User, keys []*citdesk.Passkey) (*protocol.CredentialAssertion, []byte, error) {
	if len(keys) == 0 {
		return nil, nil, citdesk.Errorf(citdesk.ECONFLICT, "This account has no passkey.")
	}
	wa, err := c.WebAuthn(r)
	if err != nil {
		return nil, nil, err
	}
	pu, err := newPasskeyUser(u, keys)
	if err != nil {
		return nil, nil, err
	}
	opts, session, err := wa.BeginLogin(pu)
	if err != nil {
		return nil, nil, fmt.Errorf("begin passkey login: %w", err)
	}
	data, err := json.Marshal(session)
	return opts, data, err
}

// FinishPasskeyLogin verifies a passkey assertion for u against the
// ceremony state and returns the passkey used, its record updated (sign
// count), for the store to keep.
func (c *Core) FinishPasskeyLogin(r *http.Request, u *citdesk.User, keys []*citdesk.Passkey, sessionJSON, assertion []byte) (*citdesk.Passkey, error) {
	wa, pu, session, err := c.resumeCeremony(r, u, keys, sessionJSON)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(bytes.NewReader(assertion))
	if err != nil {
		return nil, citdesk.Errorf(citdesk.EINVALID, "The passkey response could not be read.")
	}
	cred, err := wa.ValidateLogin(pu, session, parsed)
	if err != nil {
		c.Log.Info("passkey assertion refused", "user", u.ID, "err", err)
		return nil, citdesk.Errorf(citdesk.EUNAUTHORIZED, "The passkey could not be verified.")
	}
	for i, k := range keys {
		if bytes.Equal(pu.creds[i].ID, cred.ID) {
			raw, err := json.Marshal(cred)
			if err != nil {
				return nil, err
			}
			return &citdesk.Passkey{ID: k.ID, Name: k.Name, CredentialID: cred.ID, Credential: raw}, nil
		}
	}
	return nil, citdesk.Errorf(citdesk.EUNAUTHORIZED, "The passkey could not be verified.")
}

// PasskeyStepUp verifies a passkey assertion for the signed-in actor and
// records a step-up (the password is checked by the store).
func (c *Core) PasskeyStepUp(ctx context.Context, r *http.Request, password, ceremony string, assertion []byte) error {
	a := SignedIn(r)
	cred, ok := CredentialFrom(ctx)
	if a == nil || !ok {
		return citdesk.Errorf(citdesk.EUNAUTHORIZED, "You must sign in.")
	}
	data, err := c.Svc.MFA.ChallengeData(ctx, ceremony)
	if err != nil {
		return err
	}
	u, err := c.Svc.Users.FindUserByID(ctx, a.UserID)
	if err != nil {
		return err
	}
	keys, err := c.Svc.MFA.Passkeys(ctx, a.UserID)
	if err != nil {
		return err
	}
	p, err := c.FinishPasskeyLogin(r, u, keys, data, assertion)
	if err != nil {
		return err
	}
	if err := c.Svc.MFA.UsePasskey(ctx, p); err != nil {
		return err
	}
	return c.Svc.MFA.StepUp(ctx, cred.Secret, password, "", true)
}
