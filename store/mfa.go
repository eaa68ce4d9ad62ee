package store

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"citdesk"
)

// MFAService returns the second-factor service.
func (db *DB) MFAService() citdesk.MFAService { return mfaService{db} }

type mfaService struct{ db *DB }

// Lifetimes of a pending sign-in: long enough to find the phone, or to
// install an authenticator app when enrolling; a ceremony is one tap.
const (
	signinChallengeLife = 5 * time.Minute
	enrolChallengeLife  = 15 * time.Minute
	ceremonyLife        = 5 * time.Minute
	challengeAttempts   = 5 // wrong codes before a pending sign-in must start again
)

var (
	errBadSecondFactor = citdesk.Errorf(citdesk.EUNAUTHORIZED, "Wrong username, password or code.")
	errChallengeGone   = citdesk.Errorf(citdesk.EUNAUTHORIZED, "Your sign-in has expired; enter your username and password again.")
	errCeremonyGone    = citdesk.Errorf(citdesk.EINVALID, "That passkey request has expired; try again.")
)

// factorAEAD returns AES-256-GCM under FactorKey (or this process's stand-in).
func (db *DB) factorAEAD() (cipher.AEAD, error) {
	key := db.FactorKey
	if key == nil {
		db.keyOnce.Do(func() {
			k := make([]byte, 32)
			if _, err := rand.Read(k); err == nil {
				db.ephemeralKey = k
			}
		})
		key = db.ephemeralKey
	}
	if len(key) != 32 {
		return nil, errors.New("the MFA key must be 32 bytes")
	}
	return newAEAD(key)
}

// seal encrypts secret with the factor key, bound to label ("totp:7",
// "webhook:3") as authenticated data, so a sealed value copied to another
// row does not open. TOTP secrets and webhook keys are sealed this way;
// sealAEAD (fieldkeys.go) is the one seal every encrypted value uses.
func (db *DB) seal(label string, secret []byte) (string, error) {
	aead, err := db.factorAEAD()
	if err != nil {
		return "", err
	}
	sealed, err := sealAEAD(aead, label, secret)
	if err != nil {
		return "", err
	}
	return "v1:" + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// unseal opens what seal made for label; what names the secret in errors.
func (db *DB) unseal(label, what, s string) ([]byte, error) {
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(s, "v1:"))
	if err != nil || !strings.HasPrefix(s, "v1:") {
		return nil, errors.New("malformed " + what)
	}
	aead, err := db.factorAEAD()
	if err != nil {
		return nil, err
	}
	secret, err := openAEAD(aead, label, raw)
	if err != nil {
		return nil, errors.New(what + " does not open with this MFA key (was --mfa-key-file changed?)")
	}
	return secret, nil
}

// sealSecret encrypts a TOTP secret for one user.
func (db *DB) sealSecret(userID int64, secret []byte) (string, error) {
	return db.seal("totp:"+strconv.FormatInt(userID, 10), secret)
}

func (db *DB) openSecret(userID int64, s string) ([]byte, error) {
	return db.unseal("totp:"+strconv.FormatInt(userID, 10), "TOTP secret", s)
}

func recoveryHash(code string) string {
	sum := sha256.Sum256([]byte("citdesk-recovery:" + citdesk.NormalizeRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}

// mfaStatus reads a user's factors.
func mfaStatus(ctx context.Context, tx *Tx, userID int64) (*citdesk.MFAStatus, error) {
	st := &citdesk.MFAStatus{Passkeys: []*citdesk.Passkey{}}
	var secret string
	err := tx.QueryRowContext(ctx, `SELECT secret FROM mfa_totp WHERE user_id = ?`, userID).Scan(&secret)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read totp: %w", err)
	}
	st.TOTP = secret != ""
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&st.RecoveryCodesLeft); err != nil {
		return nil, fmt.Errorf("count recovery codes: %w", err)
	}
	st.Passkeys, err = listPasskeys(ctx, tx, userID)
	return st, err
}

func listPasskeys(ctx context.Context, tx *Tx, userID int64) ([]*citdesk.Passkey, error) {
	out, err := queryAll(ctx, tx, "read passkeys", scanPasskey, `SELECT id, name, credential_id, credential, created_at, last_used_at FROM mfa_passkeys WHERE user_id = ? ORDER BY id`, userID)
	if out == nil && err == nil {
		out = []*citdesk.Passkey{}
	}
	return out, err
}

func scanPasskey(row rowScanner) (*citdesk.Passkey, error) {
	var p citdesk.Passkey
	var credID, cred string
	var created int64
	var used sql.NullInt64
	if err := row.Scan(&p.ID, &p.Name, &credID, &cred, &created, &used); err != nil {
		return nil, err
	}
	var err error
	if p.CredentialID, err = base64.RawURLEncoding.DecodeString(credID); err != nil {
		return nil, fmt.Errorf("passkey %d: %w", p.ID, err)
	}
	p.Credential, p.CreatedAt, p.LastUsedAt = []byte(cred), fromMicros(created), fromNullMicros(used)
	return &p, nil
}

// checkCode checks a TOTP code (six digits) or a recovery code of u, and
// uses it up: the TOTP step is remembered, the recovery code marked used.
// It says which kind matched, for the audit trail.
func checkCode(ctx context.Context, tx *Tx, u *citdesk.User, code string) (bool, string, error) {
	if citdesk.LooksLikeTOTP(code) {
		var enc string
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT secret, last_step FROM mfa_totp WHERE user_id = ?`+tx.db.dialect.forUpdate, u.ID).Scan(&enc, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return false, "", nil
		} else if err != nil {
			// Not "no factor": a failed read (a lock timeout, a
			// deadlock) must not count as a wrong code.
			return false, "", err
		} else if enc == "" {
			return false, "", nil
		}
		secret, err := tx.db.openSecret(u.ID, enc)
		if err != nil {
			return false, "", err
		}
		step, ok := citdesk.VerifyTOTP(secret, code, tx.now, last)
		if !ok {
			return false, "", nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE mfa_totp SET last_step = ? WHERE user_id = ?`, step, u.ID)
		return err == nil, "totp", err
	}
	res, err := tx.ExecContext(ctx, `UPDATE mfa_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`, micros(tx.now), u.ID, recoveryHash(code))
	if err != nil {
		return false, "", err
	}
	n, err := res.RowsAffected()
	return n == 1, "recovery code", err
}

// issueRecoveryCodes replaces u's recovery codes with ten new ones.
func issueRecoveryCodes(ctx context.Context, tx *Tx, u *citdesk.User) ([]string, error) {
	codes, err := citdesk.NewRecoveryCodes()
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = ?`, u.ID); err != nil {
		return nil, err
	}
	for _, c := range codes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mfa_recovery_codes (agency_id, user_id, code_hash, created_at) VALUES (?, ?, ?, ?)`, u.AgencyID, u.ID, recoveryHash(c), micros(tx.now)); err != nil {
			return nil, fmt.Errorf("insert recovery code: %w", err)
		}
	}
	return codes, nil
}

// countFailure counts a wrong second factor towards u's lockout, as a
// wrong password is counted, so a known password does not allow guessing
// six-digit codes for ever.
func countFailure(ctx context.Context, tx *Tx, u *citdesk.User, p citdesk.Policy) error {
	failed := u.FailedLogins + 1
	var lockedUntil sql.NullInt64
	if p.LockoutAttempts > 0 && failed >= p.LockoutAttempts {
		lockedUntil = sql.NullInt64{Int64: micros(tx.now.Add(p.LockoutDuration)), Valid: true}
		failed = 0
	}
	_, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?`, failed, lockedUntil, u.ID)
	return err
}

func newChallenge(ctx context.Context, tx *Tx, u *citdesk.User, purpose string, enrol bool, life time.Duration, data string) (string, error) {
	secret, err := newSecret()
	if err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO mfa_challenges (agency_id, user_id, secret_hash, purpose, enrol, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.AgencyID, u.ID, secretHash(secret), purpose, enrol, data, micros(tx.now), micros(tx.now.Add(life)))
	if err != nil {
		return "", fmt.Errorf("insert challenge: %w", err)
	}
	return secret, nil
}

// recordStepUp notes that a session has just proved password and second
// factor (at sign-in or at a step-up).
func recordStepUp(ctx context.Context, tx *Tx, sessionID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM session_step_ups WHERE session_id = ?`, sessionID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO session_step_ups (session_id, at) VALUES (?, ?)`, sessionID, micros(tx.now))
	return err
}

// secondFactor is Authenticate's second step, run once the password is
// right and the account is usable: it returns the error that ends the
// sign-in (a second factor or enrolment is owed, or the code is wrong),
// or nil to open the session. A browser sign-in that owes a factor gets a
// pending challenge to finish on the next page.
func secondFactor(ctx context.Context, tx *Tx, u *citdesk.User, p citdesk.Policy, kind string, event *citdesk.AuditEvent) (error, error) {
	st, err := mfaStatus(ctx, tx, u.ID)
	if err != nil {
		return nil, err
	}
	code := citdesk.SecondFactorFromContext(ctx)
	var owed *citdesk.Error
	enrol := false
	switch {
	case !st.Enrolled() && !p.MFAMandatory():
		return nil, nil
	case !st.Enrolled():
		enrol = true
		owed = citdesk.Errorf(citdesk.EMFAENROL, "Your agency requires a second factor and you have none yet: sign in on the web to set one up.")
		event.Detail = "password right; second factor enrollment required"
	case code == "":
		owed = citdesk.Errorf(citdesk.EMFAREQUIRED, "This account has a second factor: send the code from the authenticator app (or a recovery code) as otp.")
		event.Detail = "password right; second factor required"
	default:
		ok, how, err := checkCode(ctx, tx, u, code)
		if err != nil {
			return nil, err
		}
		if !ok {
			event.Outcome, event.Detail = citdesk.OutcomeFailure, "wrong second factor"
			return errBadSecondFactor, countFailure(ctx, tx, u, p)
		}
		event.Detail = kind + "; " + how
		return nil, nil
	}
	event.Outcome = citdesk.OutcomeFailure
	if kind != citdesk.SessionCookie {
		return owed, nil
	}
	life := signinChallengeLife
	if enrol {
		life = enrolChallengeLife
	}
	secret, err := newChallenge(ctx, tx, u, "signin", enrol, life, "")
	if err != nil {
		return nil, err
	}
	return &citdesk.SignInChallenge{Err: owed, Secret: secret}, nil
}

// Status returns the actor's second factors.
func (s mfaService) Status(ctx context.Context) (*citdesk.MFAStatus, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var st *citdesk.MFAStatus
	err = s.db.readTx(ctx, func(tx *Tx) error {
		if st, err = mfaStatus(ctx, tx, actor.UserID); err != nil {
			return err
		}
		a, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		st.Required = a.Policy.MFAMandatory()
		return nil
	})
	return st, err
}

// offerTOTP stores a new secret on offer for u and returns it.
func offerTOTP(ctx context.Context, tx *Tx, u *citdesk.User, issuer string) (*citdesk.TOTPEnrolment, error) {
	secret, err := citdesk.NewTOTPSecret()
	if err != nil {
		return nil, err
	}
	enc, err := tx.db.sealSecret(u.ID, secret)
	if err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE mfa_totp SET pending = ?, updated_at = ? WHERE user_id = ?`, enc, micros(tx.now), u.ID)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mfa_totp (user_id, agency_id, pending, updated_at) VALUES (?, ?, ?, ?)`, u.ID, u.AgencyID, enc, micros(tx.now)); err != nil {
			return nil, fmt.Errorf("insert totp: %w", err)
		}
	}
	return &citdesk.TOTPEnrolment{Secret: citdesk.EncodeTOTPSecret(secret), URL: citdesk.TOTPURL(issuer, u.Username, secret)}, nil
}

// confirmTOTP checks code against u's secret on offer and, when right,
// makes it u's TOTP and issues recovery codes. A wrong code returns nil
// codes and no error.
func confirmTOTP(ctx context.Context, tx *Tx, u *citdesk.User, code string) ([]string, error) {
	var pending string
	err := tx.QueryRowContext(ctx, `SELECT pending FROM mfa_totp WHERE user_id = ?`, u.ID).Scan(&pending)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && pending == "") {
		return nil, citdesk.Errorf(citdesk.ECONFLICT, "Start setting up the authenticator app first.")
	} else if err != nil {
		return nil, err
	}
	secret, err := tx.db.openSecret(u.ID, pending)
	if err != nil {
		return nil, err
	}
	step, ok := citdesk.VerifyTOTP(secret, code, tx.now, 0)
	if !ok {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE mfa_totp SET secret = pending, pending = '', last_step = ?, confirmed_at = ?, updated_at = ? WHERE user_id = ?`,
		step, micros(tx.now), micros(tx.now), u.ID); err != nil {
		return nil, err
	}
	return issueRecoveryCodes(ctx, tx, u)
}

var errWrongEnrolCode = citdesk.FieldErrorf("code", "That code is not right. Check that the phone's clock is correct and enter the code it shows now.")

// ownWriteTx runs fn in one write transaction with the signed-in actor and
// the actor's own user record: enrolling a second factor or starting a
// ceremony is something one does only to oneself.
func (s mfaService) ownWriteTx(ctx context.Context, fn func(tx *Tx, actor *citdesk.Actor, u *citdesk.User) error) error {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		u, err := tx.findUser(ctx, actor.AgencyID, actor.UserID)
		if err != nil {
			return err
		}
		return fn(tx, actor, u)
	})
}

// BeginTOTP offers the actor a new TOTP secret.
func (s mfaService) BeginTOTP(ctx context.Context, issuer string) (*citdesk.TOTPEnrolment, error) {
	var e *citdesk.TOTPEnrolment
	err := s.ownWriteTx(ctx, func(tx *Tx, _ *citdesk.Actor, u *citdesk.User) (err error) {
		e, err = offerTOTP(ctx, tx, u, issuer)
		return err
	})
	return e, err
}

// ConfirmTOTP makes the secret on offer the actor's TOTP.
func (s mfaService) ConfirmTOTP(ctx context.Context, code string) ([]string, error) {
	var codes []string
	err := s.ownWriteTx(ctx, func(tx *Tx, actor *citdesk.Actor, u *citdesk.User) (err error) {
		if codes, err = confirmTOTP(ctx, tx, u, code); err != nil {
			return err
		} else if codes == nil {
			return errWrongEnrolCode
		}
		return tx.audit(ctx, actor, "mfa.totp.enrol", "user", u.ID, "")
	})
	return codes, err
}

// AddPasskey stores a verified passkey for the actor.
func (s mfaService) AddPasskey(ctx context.Context, p *citdesk.Passkey) ([]string, error) {
	var codes []string
	err := s.ownWriteTx(ctx, func(tx *Tx, actor *citdesk.Actor, u *citdesk.User) (err error) {
		if codes, err = addPasskey(ctx, tx, u, p); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "mfa.passkey.add", "user", u.ID, p.Name)
	})
	return codes, err
}

func addPasskey(ctx context.Context, tx *Tx, u *citdesk.User, p *citdesk.Passkey) ([]string, error) {
	st, err := mfaStatus(ctx, tx, u.ID)
	if err != nil {
		return nil, err
	}
	if p.Name = strings.TrimSpace(p.Name); p.Name == "" {
		p.Name = "Passkey " + strconv.Itoa(len(st.Passkeys)+1)
	}
	if len(p.Name) > 64 {
		return nil, citdesk.FieldErrorf("name", "A passkey name is at most 64 characters.")
	}
	p.CreatedAt = tx.now
	p.ID, err = tx.insert(ctx, `INSERT INTO mfa_passkeys (agency_id, user_id, credential_id, name, credential, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		u.AgencyID, u.ID, base64.RawURLEncoding.EncodeToString(p.CredentialID), p.Name, string(p.Credential), micros(tx.now))
	if isUniqueViolation(err) {
		return nil, citdesk.Errorf(citdesk.ECONFLICT, "That passkey is already registered.")
	} else if err != nil {
		return nil, fmt.Errorf("insert passkey: %w", err)
	}
	if st.Enrolled() {
		return nil, nil
	}
	return issueRecoveryCodes(ctx, tx, u)
}

// Passkeys returns a user's passkeys (for the web layer's ceremonies).
func (s mfaService) Passkeys(ctx context.Context, userID int64) ([]*citdesk.Passkey, error) {
	var out []*citdesk.Passkey
	err := s.db.readTx(ctx, func(tx *Tx) (err error) { out, err = listPasskeys(ctx, tx, userID); return })
	return out, err
}

// UsePasskey stores the actor's passkey record after an assertion.
func (s mfaService) UsePasskey(ctx context.Context, p *citdesk.Passkey) error {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error { return usePasskey(ctx, tx, actor.UserID, p) })
}

func usePasskey(ctx context.Context, tx *Tx, userID int64, p *citdesk.Passkey) error {
	res, err := tx.ExecContext(ctx, `UPDATE mfa_passkeys SET credential = ?, last_used_at = ? WHERE id = ? AND user_id = ?`, string(p.Credential), micros(tx.now), p.ID, userID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return citdesk.Errorf(citdesk.ENOTFOUND, "Passkey not found.")
	}
	return nil
}

// ResetFactors removes a user's second factors (admins only).
func (s mfaService) ResetFactors(ctx context.Context, userID int64) error {
	actor, err := citdesk.Require(ctx, citdesk.ManageUsers)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if _, err := tx.findUser(ctx, actor.AgencyID, userID); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM mfa_totp WHERE user_id = ?`,
			`DELETE FROM mfa_recovery_codes WHERE user_id = ?`,
			`DELETE FROM mfa_passkeys WHERE user_id = ?`,
			`DELETE FROM mfa_challenges WHERE user_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, userID); err != nil {
				return err
			}
		}
		// Their sessions end: whoever holds one signed in with the factors
		// just removed, which may be the reason for the reset.
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL`, micros(tx.now), userID); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "user.mfa.reset", "user", userID, "")
	})
}

// sessionBySecret returns the id and user of a live session.
func sessionBySecret(ctx context.Context, tx *Tx, secret string) (id, userID int64, err error) {
	err = tx.QueryRowContext(ctx, `SELECT id, user_id FROM sessions WHERE secret_hash = ? AND ended_at IS NULL`, secretHash(secret)).Scan(&id, &userID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, errNoSession
	}
	return id, userID, err
}

// StepUp checks the actor's password and second factor again.
func (s mfaService) StepUp(ctx context.Context, sessionSecret, password, code string, passkeyVerified bool) error {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return err
	}
	var u *citdesk.User
	if err := s.db.readTx(ctx, func(tx *Tx) (err error) { u, err = tx.findUser(ctx, actor.AgencyID, actor.UserID); return }); err != nil {
		return err
	}
	// argon2 outside any transaction, as at sign-in.
	ok, err := checkPassword(ctx, password, u.PasswordHash)
	if err != nil {
		return err
	}
	var result error
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		sessionID, owner, err := sessionBySecret(ctx, tx, sessionSecret)
		if err != nil {
			return err
		} else if owner != actor.UserID {
			return errNoSession
		}
		// Locked: the failure count below must not race another attempt's.
		cur, err := lockUser(ctx, tx, actor.AgencyID, actor.UserID)
		if err != nil {
			return err
		}
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		st, err := mfaStatus(ctx, tx, cur.ID)
		if err != nil {
			return err
		}
		detail := ""
		switch {
		case !ok:
			result, detail = citdesk.Errorf(citdesk.EUNAUTHORIZED, "Wrong password or code."), "wrong password"
		case passkeyVerified:
			detail = "passkey"
		case st.Enrolled() && code == "":
			result, detail = citdesk.Errorf(citdesk.EMFAREQUIRED, "Enter the code from your authenticator app (or a recovery code) too."), "second factor missing"
		case st.Enrolled():
			good, how, err := checkCode(ctx, tx, cur, code)
			if err != nil {
				return err
			}
			if !good {
				result, detail = citdesk.Errorf(citdesk.EUNAUTHORIZED, "Wrong password or code."), "wrong second factor"
			} else {
				detail = how
			}
		case agency.Policy.MFAMandatory():
			result, detail = citdesk.Errorf(citdesk.EMFAENROL, "Your agency requires a second factor; set one up first."), "no second factor"
		default:
			detail = "password only (agency policy optional, no factor enrolled)"
		}
		outcome := citdesk.OutcomeSuccess
		if result != nil {
			outcome = citdesk.OutcomeFailure
			if code := citdesk.ErrorCode(result); code == citdesk.EUNAUTHORIZED {
				if err := countFailure(ctx, tx, cur, agency.Policy); err != nil {
					return err
				}
			}
		} else if err := recordStepUp(ctx, tx, sessionID); err != nil {
			return err
		}
		return tx.appendAudit(ctx, &citdesk.AuditEvent{AgencyID: cur.AgencyID, UserID: cur.ID, Actor: cur.Username, Remote: actor.Remote,
			Action: "stepup", ObjectType: "user", ObjectID: strconv.FormatInt(cur.ID, 10), Outcome: outcome, Detail: detail})
	})
	if err != nil {
		return err
	}
	return result
}

// SteppedUpAt returns when the actor's session last proved its factors.
func (s mfaService) SteppedUpAt(ctx context.Context, sessionSecret string) (time.Time, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var at sql.NullInt64
	err = s.db.readTx(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT st.at FROM sessions s LEFT JOIN session_step_ups st ON st.session_id = s.id
			WHERE s.secret_hash = ? AND s.user_id = ? AND s.ended_at IS NULL`, secretHash(sessionSecret), actor.UserID).Scan(&at)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, errNoSession
	} else if err != nil || !at.Valid {
		return time.Time{}, err
	}
	return fromMicros(at.Int64), nil
}

// challengeRow is a live row of mfa_challenges.
type challengeRow struct {
	id, agencyID, userID int64
	purpose, data        string
	enrol                bool
	attempts             int
}

func liveChallenge(ctx context.Context, tx *Tx, secret string) (*challengeRow, error) {
	var c challengeRow
	var expires int64
	var ended sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id, agency_id, user_id, purpose, data, enrol, attempts, expires_at, ended_at FROM mfa_challenges WHERE secret_hash = ?`, secretHash(secret)).
		Scan(&c.id, &c.agencyID, &c.userID, &c.purpose, &c.data, &c.enrol, &c.attempts, &expires, &ended)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (ended.Valid || !tx.now.Before(fromMicros(expires)))) {
		return nil, errChallengeGone
	}
	return &c, err
}

func signinChallenge(ctx context.Context, tx *Tx, secret string) (*challengeRow, error) {
	if secret == "" {
		return nil, errChallengeGone
	}
	c, err := liveChallenge(ctx, tx, secret)
	if err == nil && c.purpose != "signin" {
		return nil, errChallengeGone
	}
	return c, err
}

// NewCeremony keeps a signed-in actor's WebAuthn ceremony state.
func (s mfaService) NewCeremony(ctx context.Context, data []byte) (string, error) {
	var secret string
	err := s.ownWriteTx(ctx, func(tx *Tx, _ *citdesk.Actor, u *citdesk.User) (err error) {
		secret, err = newChallenge(ctx, tx, u, "ceremony", false, ceremonyLife, string(data))
		return err
	})
	return secret, err
}

// SetChallengeData keeps a ceremony's state with a pending sign-in.
func (s mfaService) SetChallengeData(ctx context.Context, challenge string, data []byte) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		c, err := signinChallenge(ctx, tx, challenge)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE mfa_challenges SET data = ? WHERE id = ?`, string(data), c.id)
		return err
	})
}

// ChallengeData returns and clears a ceremony's state.
func (s mfaService) ChallengeData(ctx context.Context, secret string) ([]byte, error) {
	var data string
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		c, err := liveChallenge(ctx, tx, secret)
		if err != nil {
			return errCeremonyGone
		}
		if c.purpose == "ceremony" {
			if a := citdesk.ActorFromContext(ctx); a == nil || a.UserID != c.userID {
				return errCeremonyGone
			}
			if _, err := tx.ExecContext(ctx, `UPDATE mfa_challenges SET data = '', ended_at = ? WHERE id = ?`, micros(tx.now), c.id); err != nil {
				return err
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE mfa_challenges SET data = '' WHERE id = ?`, c.id); err != nil {
			return err
		}
		if c.data == "" {
			return errCeremonyGone
		}
		data = c.data
		return nil
	})
	return []byte(data), err
}

// PendingSignIn returns a pending browser sign-in.
func (s mfaService) PendingSignIn(ctx context.Context, challenge string) (*citdesk.PendingSignIn, error) {
	var p citdesk.PendingSignIn
	err := s.db.readTx(ctx, func(tx *Tx) error {
		c, err := signinChallenge(ctx, tx, challenge)
		if err != nil {
			return err
		}
		if p.User, err = tx.findUser(ctx, c.agencyID, c.userID); err != nil {
			return err
		}
		p.Status, err = mfaStatus(ctx, tx, c.userID)
		p.Enrol = c.enrol
		return err
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// BeginSignInTOTP offers a TOTP secret to a pending sign-in that enrols.
func (s mfaService) BeginSignInTOTP(ctx context.Context, challenge, issuer string) (*citdesk.TOTPEnrolment, error) {
	var e *citdesk.TOTPEnrolment
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		c, err := signinChallenge(ctx, tx, challenge)
		if err != nil {
			return err
		}
		if !c.enrol {
			return citdesk.Errorf(citdesk.ECONFLICT, "This account already has a second factor.")
		}
		u, err := tx.findUser(ctx, c.agencyID, c.userID)
		if err != nil {
			return err
		}
		e, err = offerTOTP(ctx, tx, u, issuer)
		return err
	})
	return e, err
}

// CompleteSignIn finishes a pending browser sign-in.
func (s mfaService) CompleteSignIn(ctx context.Context, challenge, code string, passkey *citdesk.Passkey) (*citdesk.SignInResult, error) {
	remote := ""
	if a := citdesk.ActorFromContext(ctx); a != nil {
		remote = a.Remote
	}
	var out *citdesk.SignInResult
	var result error
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		c, err := signinChallenge(ctx, tx, challenge)
		if err != nil {
			return err
		}
		// Locked, and the challenge read again under the lock: another
		// code sent at once for the same user (or the same challenge)
		// counts its failure and its attempt after this one's, not on
		// the same counts.
		u, err := lockUser(ctx, tx, c.agencyID, c.userID)
		if err != nil {
			return err
		}
		if c, err = signinChallenge(ctx, tx, challenge); err != nil {
			return err
		}
		agency, err := tx.findAgency(ctx, "id = ?", c.agencyID)
		if err != nil {
			return err
		}
		event := &citdesk.AuditEvent{AgencyID: u.AgencyID, UserID: u.ID, Actor: u.Username, Remote: remote, Action: "signin", ObjectType: "user",
			ObjectID: strconv.FormatInt(u.ID, 10), Outcome: citdesk.OutcomeFailure}
		end := func() error {
			_, err := tx.ExecContext(ctx, `UPDATE mfa_challenges SET ended_at = ? WHERE id = ?`, micros(tx.now), c.id)
			return err
		}
		if u.Disabled || u.Locked(tx.now) {
			event.Detail, result = "second step: account disabled or locked", errChallengeGone
			if err := end(); err != nil {
				return err
			}
			return tx.appendAudit(ctx, event)
		}
		var ok bool
		var how string
		var codes []string
		switch {
		case c.enrol && passkey != nil:
			if codes, err = addPasskey(ctx, tx, u, passkey); err != nil {
				return err
			}
			ok, how = true, "passkey enrolled"
		case c.enrol:
			if codes, err = confirmTOTP(ctx, tx, u, code); err != nil {
				return err
			}
			ok, how = codes != nil, "totp enrolled"
		case passkey != nil:
			if err := usePasskey(ctx, tx, u.ID, passkey); err != nil {
				return err
			}
			ok, how = true, "passkey"
		default:
			if ok, how, err = checkCode(ctx, tx, u, code); err != nil {
				return err
			}
		}
		if !ok {
			event.Detail, result = "wrong second factor", errBadSecondFactor
			if c.enrol {
				result = errWrongEnrolCode
			}
			if err := countFailure(ctx, tx, u, agency.Policy); err != nil {
				return err
			}
			if c.attempts+1 >= challengeAttempts {
				if err := end(); err != nil {
					return err
				}
				result = errChallengeGone
			} else if _, err := tx.ExecContext(ctx, `UPDATE mfa_challenges SET attempts = attempts + 1 WHERE id = ?`, c.id); err != nil {
				return err
			}
			return tx.appendAudit(ctx, event)
		}
		if err := end(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_signin_at = ? WHERE id = ?`, micros(tx.now), u.ID); err != nil {
			return err
		}
		sess, secret, err := tx.createSession(ctx, u, citdesk.SessionCookie, agency.Policy, remote)
		if err != nil {
			return err
		}
		if err := recordStepUp(ctx, tx, sess.ID); err != nil {
			return err
		}
		out = &citdesk.SignInResult{User: u, Session: sess, Secret: secret, RecoveryCodes: codes}
		event.Outcome, event.Detail = citdesk.OutcomeSuccess, "cookie; "+how
		return tx.appendAudit(ctx, event)
	})
	if err != nil {
		return nil, err
	}
	if result != nil {
		return nil, result
	}
	return out, nil
}
