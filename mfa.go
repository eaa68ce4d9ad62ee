package citdesk

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Agency MFA policies (Policy.MFA).
const (
	MFARequired = "required" // every user signs in with a second factor; the default for new agencies
	MFAOptional = "optional" // a second factor is used by those who enrol one (the demo agency)
)

// MFAMandatory reports whether every user of the agency must sign in with a
// second factor. Only the exact value MFAOptional makes it optional, so an
// agency stored before the setting existed, or with a typo, is required.
func (p Policy) MFAMandatory() bool { return p.MFA != MFAOptional }

// TOTP parameters (RFC 6238 as authenticator apps implement it): HMAC-SHA1,
// a 30-second step, six digits, and one step either side accepted for
// clock drift.
const (
	TOTPPeriod = 30 * time.Second
	TOTPDigits = 6
	TOTPSkew   = 1
	// TOTPSecretBytes is the secret's length: 160 bits, as RFC 4226
	// recommends for HMAC-SHA1.
	TOTPSecretBytes = 20
)

// RecoveryCodeCount is how many one-time recovery codes a user gets when
// enrolling a second factor.
const RecoveryCodeCount = 10

// StepUpWindow is how long a step-up (password and second factor entered
// again) allows the sensitive actions that ask for one.
const StepUpWindow = 5 * time.Minute

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new random TOTP secret.
func NewTOTPSecret() ([]byte, error) {
	b := make([]byte, TOTPSecretBytes)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("totp secret: %w", err)
	}
	return b, nil
}

// EncodeTOTPSecret returns secret in the unpadded base32 that people type
// into, and QR codes carry to, authenticator apps.
func EncodeTOTPSecret(secret []byte) string { return base32NoPad.EncodeToString(secret) }

// DecodeTOTPSecret parses base32 as EncodeTOTPSecret writes it, ignoring
// case, spaces and padding.
func DecodeTOTPSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.TrimRight(strings.ReplaceAll(s, " ", ""), "="))
	return base32NoPad.DecodeString(s)
}

// TOTPURL returns the otpauth:// URL an authenticator app reads from the
// enrolment QR code (the Key Uri Format of Google Authenticator).
func TOTPURL(issuer, account string, secret []byte) string {
	v := url.Values{}
	v.Set("secret", EncodeTOTPSecret(secret))
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", fmt.Sprint(TOTPDigits))
	v.Set("period", fmt.Sprint(int(TOTPPeriod/time.Second)))
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: v.Encode()}
	return u.String()
}

// TOTPStep returns the RFC 6238 time step that t falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// HOTP returns the RFC 4226 one-time password of secret at counter with
// the given number of digits (HMAC-SHA1, dynamic truncation).
func HOTP(secret []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// TOTPCode returns the code an authenticator app shows for secret at t.
func TOTPCode(secret []byte, t time.Time) string {
	return HOTP(secret, uint64(TOTPStep(t)), TOTPDigits)
}

// VerifyTOTP checks code against secret at now, one step either side, and
// returns the step it matched. A step at or before lastStep is refused, so
// a code seen once (over a shoulder, in a log) cannot be used again.
func VerifyTOTP(secret []byte, code string, now time.Time, lastStep int64) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != TOTPDigits {
		return 0, false
	}
	step := TOTPStep(now)
	for s := step - TOTPSkew; s <= step+TOTPSkew; s++ {
		if s <= lastStep || s < 0 {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(HOTP(secret, uint64(s), TOTPDigits)), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// recoveryAlphabet leaves out letters and digits that people misread
// (0/o, 1/l/i).
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// NewRecoveryCodes returns RecoveryCodeCount new one-time recovery codes,
// each 12 characters (about 59 bits) written as xxxx-xxxx-xxxx.
func NewRecoveryCodes() ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("recovery code: %w", err)
		}
		var sb strings.Builder
		for j, c := range b {
			if j > 0 && j%4 == 0 {
				sb.WriteByte('-')
			}
			// 256 is not a multiple of 31; the bias (under 1%) costs a
			// fraction of a bit and no attack.
			sb.WriteByte(recoveryAlphabet[int(c)%len(recoveryAlphabet)])
		}
		codes[i] = sb.String()
	}
	return codes, nil
}

// NormalizeRecoveryCode returns a recovery code as it is hashed: lower
// case, without dashes or spaces, so "ABCD-efgh jkmn" is accepted.
func NormalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, strings.TrimSpace(code))
}

// LooksLikeTOTP reports whether code is six digits (a TOTP code) rather
// than a recovery code.
func LooksLikeTOTP(code string) bool {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != TOTPDigits {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// StepUpCurrent reports, as an error, whether a session that last proved
// password and second factor at steppedUp may do a sensitive action at
// now: nil within StepUpWindow, ESTEPUP otherwise.
func StepUpCurrent(steppedUp, now time.Time) error {
	if steppedUp.IsZero() || now.Sub(steppedUp) > StepUpWindow || steppedUp.After(now.Add(time.Minute)) {
		return Errorf(ESTEPUP, "Confirm your password and second factor again first (step-up); it lasts %d minutes.", int(StepUpWindow/time.Minute))
	}
	return nil
}

// MFAStatus is which second factors a user has.
type MFAStatus struct {
	TOTP              bool       `json:"totp"`                // a confirmed authenticator app
	Passkeys          []*Passkey `json:"passkeys"`            // registered WebAuthn credentials
	RecoveryCodesLeft int        `json:"recovery_codes_left"` // unused recovery codes
	Required          bool       `json:"required"`            // the agency requires a second factor
}

// Enrolled reports whether the user has any second factor.
func (s *MFAStatus) Enrolled() bool { return s.TOTP || len(s.Passkeys) > 0 }

// Passkey is a WebAuthn credential registered to a user. Credential is the
// WebAuthn library's record (public key, sign count, flags) as JSON; the
// root package does not read it.
type Passkey struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	CredentialID []byte     `json:"-"`
	Credential   []byte     `json:"-"`
	CreatedAt    time.Time  `json:"created_at"`
	LastUsedAt   *time.Time `json:"last_used_at,omitempty"`
}

// TOTPEnrolment is a TOTP secret on offer: shown once, as text and as a QR
// code of URL, until a code from it is confirmed.
type TOTPEnrolment struct {
	Secret string `json:"secret"`      // base32
	URL    string `json:"otpauth_url"` // otpauth://totp/…
}

// SignInChallenge is what a browser sign-in that got the password right
// still owes: a second factor, or enrolling one. Authenticate returns it
// (wrapping an EMFAREQUIRED or EMFAENROL *Error) for a cookie sign-in; the
// sign-in pages keep Secret in a short-lived cookie and finish with
// MFAService.CompleteSignIn.
type SignInChallenge struct {
	Err    *Error
	Secret string
}

// Error implements the error interface.
func (c *SignInChallenge) Error() string { return c.Err.Error() }

// Unwrap gives ErrorCode and ErrorMessage the *Error inside.
func (c *SignInChallenge) Unwrap() error { return c.Err }

// PendingSignIn is an open sign-in challenge as the pages show it.
type PendingSignIn struct {
	User   *User
	Status *MFAStatus
	Enrol  bool // the user has no second factor and must enrol one now
}

type secondFactorKey struct{}

// NewContextWithSecondFactor returns a context carrying the one-time code
// (TOTP or recovery code) offered with a password, for Authenticate. It is
// a context value so the sign-in call keeps its signature.
func NewContextWithSecondFactor(ctx context.Context, code string) context.Context {
	return context.WithValue(ctx, secondFactorKey{}, code)
}

// SecondFactorFromContext returns the code NewContextWithSecondFactor put
// in ctx, or "".
func SecondFactorFromContext(ctx context.Context) string {
	s, _ := ctx.Value(secondFactorKey{}).(string)
	return s
}

// MFAService manages second factors: TOTP with recovery codes, passkeys,
// the second step of a browser sign-in, and step-up. Methods act for the
// actor in ctx unless they say otherwise.
type MFAService interface {
	// Status returns the actor's factors.
	Status(ctx context.Context) (*MFAStatus, error)
	// BeginTOTP makes a new TOTP secret for the actor, replacing any secret
	// on offer; the confirmed one (if any) stays until ConfirmTOTP.
	BeginTOTP(ctx context.Context, issuer string) (*TOTPEnrolment, error)
	// ConfirmTOTP checks a code from the secret on offer, makes it the
	// actor's TOTP and returns ten new recovery codes (the old ones end).
	ConfirmTOTP(ctx context.Context, code string) ([]string, error)
	// AddPasskey stores a passkey whose registration ceremony the web
	// layer has verified, and returns recovery codes when it is the
	// actor's first factor (nil otherwise).
	AddPasskey(ctx context.Context, p *Passkey) ([]string, error)
	// Passkeys returns a user's passkeys, for a WebAuthn ceremony. Only the
	// web layer calls it, for the actor or for a pending sign-in's user.
	Passkeys(ctx context.Context, userID int64) ([]*Passkey, error)
	// ResetFactors removes every second factor of a user of the actor's
	// agency and ends their sessions (admins only, audited).
	ResetFactors(ctx context.Context, userID int64) error

	// StepUp checks the actor's password and second factor (a TOTP or
	// recovery code; passkeyVerified when the web layer has verified a
	// passkey assertion instead) and records the step-up on the session
	// whose secret is given.
	StepUp(ctx context.Context, sessionSecret, password, code string, passkeyVerified bool) error
	// SteppedUpAt returns when the session last proved password and
	// second factor: its sign-in or its last step-up.
	SteppedUpAt(ctx context.Context, sessionSecret string) (time.Time, error)
	// NewCeremony keeps a signed-in actor's WebAuthn ceremony state (JSON)
	// for five minutes and returns the secret that finds it again.
	NewCeremony(ctx context.Context, data []byte) (string, error)
	// SetChallengeData keeps a WebAuthn ceremony's state (JSON) with a
	// pending sign-in (no actor needed).
	SetChallengeData(ctx context.Context, challenge string, data []byte) error
	// ChallengeData returns what NewCeremony or SetChallengeData kept, and
	// clears it so a ceremony is finished at most once. A ceremony belongs
	// to the actor who began it.
	ChallengeData(ctx context.Context, secret string) ([]byte, error)

	// PendingSignIn returns the sign-in challenge behind a secret, or
	// EUNAUTHORIZED when it is unknown, used or expired. No actor needed.
	PendingSignIn(ctx context.Context, challenge string) (*PendingSignIn, error)
	// BeginSignInTOTP offers a TOTP secret to a pending sign-in that must
	// enrol (no actor needed: the challenge proves the password).
	BeginSignInTOTP(ctx context.Context, challenge, issuer string) (*TOTPEnrolment, error)
	// CompleteSignIn finishes a pending sign-in with a TOTP or recovery
	// code (or, passkeyID > 0, a passkey the web layer verified; its
	// updated Credential is stored) and opens a cookie session. Enrolling
	// users give a code from the offered secret and get their recovery
	// codes back. Wrong codes count towards the account's lockout.
	CompleteSignIn(ctx context.Context, challenge, code string, passkey *Passkey) (*SignInResult, error)
	// UsePasskey stores a passkey's updated record (sign count) after an
	// assertion for a step-up.
	UsePasskey(ctx context.Context, p *Passkey) error
}

// SignInResult is a finished browser sign-in.
type SignInResult struct {
	User          *User
	Session       *Session
	Secret        string   // the session cookie's value
	RecoveryCodes []string // set when the user enrolled during this sign-in
}
