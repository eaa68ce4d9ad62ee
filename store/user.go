package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"citdesk"
)

// UserService returns the user and sign-in service.
func (db *DB) UserService() citdesk.UserService { return userService{db} }

type userService struct{ db *DB }

const userColumns = `id, agency_id, username, display_name, roles, officer_id, password_hash, failed_logins, locked_until, disabled, created_at, last_signin_at`

func scanUser(row interface{ Scan(...any) error }) (*citdesk.User, error) {
	var u citdesk.User
	var roles string
	var officer, locked, signedIn sql.NullInt64
	var created int64
	if err := row.Scan(&u.ID, &u.AgencyID, &u.Username, &u.DisplayName, &roles, &officer, &u.PasswordHash, &u.FailedLogins, &locked, &u.Disabled, &created, &signedIn); err != nil {
		return nil, err
	}
	u.LastSignIn = fromNullMicros(signedIn)
	for _, r := range strings.Split(roles, ",") {
		if r != "" {
			u.Roles = append(u.Roles, citdesk.Role(r))
		}
	}
	u.OfficerID, u.LockedUntil, u.CreatedAt = fromNullInt(officer), fromNullMicros(locked), fromMicros(created)
	return &u, nil
}

func joinRoles(roles []citdesk.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// hasRole reports whether a stored, comma-joined roles column includes r.
func hasRole(roles string, r citdesk.Role) bool {
	return slices.Contains(strings.Split(roles, ","), string(r))
}

// CreateUser adds a user to the actor's agency. Admins (and operators) only.
func (s userService) CreateUser(ctx context.Context, u *citdesk.User, password string) error {
	actor, err := citdesk.Require(ctx, citdesk.ManageUsers)
	if err != nil {
		return err
	}
	u.AgencyID = actor.AgencyID
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	if err := citdesk.ValidateUsername(u.Username); err != nil {
		return err
	}
	if len(u.Roles) == 0 {
		return citdesk.FieldErrorf("roles", "At least one role is required.")
	}
	if _, err := citdesk.ParseRoles(joinRoles(u.Roles)); err != nil {
		return err
	}
	if u.HasRole(citdesk.RoleOfficer) && u.OfficerID == nil {
		return citdesk.FieldErrorf("officer_id", "A user with the officer role must be linked to an officer record.")
	}
	var agency *citdesk.Agency
	if err := s.db.readTx(ctx, func(tx *Tx) (err error) { agency, err = tx.findAgency(ctx, "id = ?", actor.AgencyID); return }); err != nil {
		return err
	}
	if err := citdesk.ValidatePassword(password, u.Username, agency); err != nil {
		return err
	}
	hash, err := hashPassword(ctx, password, s.db.Argon2)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		if u.OfficerID != nil {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM officers WHERE agency_id = ? AND id = ?`, u.AgencyID, *u.OfficerID).Scan(&n); err != nil {
				return err
			} else if n == 0 {
				return citdesk.FieldErrorf("officer_id", "No officer %d in this agency.", *u.OfficerID)
			}
		}
		u.CreatedAt = tx.now
		id, err := tx.insert(ctx, `INSERT INTO users (agency_id, username, display_name, roles, officer_id, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			u.AgencyID, u.Username, u.DisplayName, joinRoles(u.Roles), nullInt(u.OfficerID), hash, micros(u.CreatedAt))
		if isUniqueViolation(err) {
			// Usernames are unique across every agency this citdesk hosts,
			// so the message must not say whether the name is taken here
			// or in another agency (the admin sees their own users anyway).
			return citdesk.FieldErrorf("username", "That username cannot be used; choose another.")
		} else if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		u.ID, u.PasswordHash = id, hash
		return tx.audit(ctx, actor, "user.create", "user", id, "roles="+joinRoles(u.Roles))
	})
}

// findUserAndAgency finds user id and the agency whose policy governs them.
func (tx *Tx) findUserAndAgency(ctx context.Context, agencyID, id int64) (*citdesk.User, *citdesk.Agency, error) {
	u, err := tx.findUser(ctx, agencyID, id)
	if err != nil {
		return nil, nil, err
	}
	agency, err := tx.findAgency(ctx, "id = ?", agencyID)
	if err != nil {
		return nil, nil, err
	}
	return u, agency, nil
}

func (tx *Tx) findUser(ctx context.Context, agencyID, id int64) (*citdesk.User, error) {
	return queryUser(ctx, tx, agencyID, id, "")
}

// lockUser reads a user as findUser does, holding the row until the
// transaction ends. A sign-in's verdict rests on the row's lockout and
// failure count: on PostgreSQL, where write transactions run side by side,
// two wrong passwords read at once each counted one failure on the same
// count, so guesses made in parallel were never locked out
// (TestParallelWrongPasswordsLock). On SQLite the writer already holds the
// database. The lock is the one the sign-in's own UPDATE of the row takes
// (NO KEY UPDATE): FOR UPDATE would also hold off every insert naming the
// user, and a new phone's confirmation inserting recovery codes while
// holding the user's second factor deadlocked with a sign-in holding the
// user and waiting for that factor (TestSignInBesideNewPhone).
func lockUser(ctx context.Context, tx *Tx, agencyID, id int64) (*citdesk.User, error) {
	return queryUser(ctx, tx, agencyID, id, tx.db.dialect.forNoKeyUpdate)
}

func queryUser(ctx context.Context, tx *Tx, agencyID, id int64, lock string) (*citdesk.User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE agency_id = ? AND id = ?`+lock, agencyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "User not found.")
	}
	return u, err
}

// FindUserByID returns a user of the actor's agency: any, for an admin;
// otherwise only the actor.
func (s userService) FindUserByID(ctx context.Context, id int64) (*citdesk.User, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if actor.UserID != id && !actor.HasRole(citdesk.RoleAdmin) {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "User not found.")
	}
	var u *citdesk.User
	err = s.db.readTx(ctx, func(tx *Tx) (err error) { u, err = tx.findUser(ctx, actor.AgencyID, id); return })
	return u, err
}

// ListUsers lists the actor's agency's users (admins only).
func (s userService) ListUsers(ctx context.Context) ([]*citdesk.User, error) {
	actor, err := citdesk.Require(ctx, citdesk.ListUsers)
	if err != nil {
		return nil, err
	}
	var users []*citdesk.User
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		var err error
		users, err = queryAll(ctx, tx, "list users", scanUser, `SELECT `+userColumns+` FROM users WHERE agency_id = ? ORDER BY username`, actor.AgencyID)
		if err != nil {
			return err
		}
		// The list names every account, its roles and lock state: one
		// audit event per user listed.
		read := newAuditRead(actor, "user.list")
		for _, u := range users {
			read.record("user", u.ID, "")
		}
		return read.write(ctx, tx)
	})
	return users, err
}

// ListLiaisons lists the active liaisons of the actor's agency with only
// their id, username and display name: coordinators assign referrals to
// them without the user-management rights ListUsers needs.
func (s userService) ListLiaisons(ctx context.Context) ([]*citdesk.User, error) {
	return s.listRoleHolders(ctx, citdesk.ListLiaisons, citdesk.RoleLiaison)
}

// ListSupervisors lists the active supervisors of the actor's agency with
// only their id, username and display name, for whoever keeps the roster.
func (s userService) ListSupervisors(ctx context.Context) ([]*citdesk.User, error) {
	return s.listRoleHolders(ctx, citdesk.ManageRoster, citdesk.RoleSupervisor)
}

// listRoleHolders lists the active users of the actor's agency holding
// role, with id and names only, for an actor who may take act.
func (s userService) listRoleHolders(ctx context.Context, act citdesk.Action, role citdesk.Role) ([]*citdesk.User, error) {
	actor, err := citdesk.Require(ctx, act)
	if err != nil {
		return nil, err
	}
	var out []*citdesk.User
	err = s.db.readTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, username, display_name, roles FROM users WHERE agency_id = ? AND disabled = ? ORDER BY display_name, username`, actor.AgencyID, false)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u := &citdesk.User{AgencyID: actor.AgencyID}
			var roles string
			if err := rows.Scan(&u.ID, &u.Username, &u.DisplayName, &roles); err != nil {
				return err
			}
			if hasRole(roles, role) {
				u.Roles = []citdesk.Role{role}
				out = append(out, u)
			}
		}
		return rows.Err()
	})
	return out, err
}

// SetPassword changes a password: the actor's own, or anyone's for an
// admin. Every other session of that user ends.
func (s userService) SetPassword(ctx context.Context, userID int64, password string) error {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return err
	}
	if actor.UserID != userID && !actor.HasRole(citdesk.RoleAdmin) {
		return citdesk.Errorf(citdesk.EFORBIDDEN, "You may only change your own password.")
	}
	return s.setPassword(ctx, actor, userID, password, 0, "")
}

// setPassword validates and stores a new password, then ends the user's
// sessions but keep (0 for none).
func (s userService) setPassword(ctx context.Context, actor *citdesk.Actor, userID int64, password string, keep int64, detail string) error {
	var u *citdesk.User
	var agency *citdesk.Agency
	if err := s.db.readTx(ctx, func(tx *Tx) (err error) {
		u, agency, err = tx.findUserAndAgency(ctx, actor.AgencyID, userID)
		return err
	}); err != nil {
		return err
	}
	if err := citdesk.ValidatePassword(password, u.Username, agency); err != nil {
		return err
	}
	hash, err := hashPassword(ctx, password, s.db.Argon2)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		// A service account signs in with its tokens only: a password
		// would let it sign in on a page.
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE agency_id = ? AND id = ?
			AND id NOT IN (SELECT user_id FROM service_accounts)`, hash, actor.AgencyID, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return citdesk.Errorf(citdesk.ECONFLICT, "A service account has no password; rotate its token instead.")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = ? WHERE user_id = ? AND id <> ? AND ended_at IS NULL`, micros(tx.now), userID, keep); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "user.password", "user", userID, detail)
	})
}

// ChangePassword changes the actor's own password once the current one
// checks out. The session or token the change came with stays; every
// other one ends, so a thief holding an old session is out.
func (s userService) ChangePassword(ctx context.Context, current, password string) error {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return err
	}
	if actor.UserID == 0 {
		return citdesk.Errorf(citdesk.EFORBIDDEN, "Only a signed-in user has a password to change.")
	}
	var u *citdesk.User
	if err := s.db.readTx(ctx, func(tx *Tx) (err error) { u, err = tx.findUser(ctx, actor.AgencyID, actor.UserID); return }); err != nil {
		return err
	}
	// Outside any transaction: argon2 is slow on purpose.
	ok, err := checkPassword(ctx, current, u.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.db.writeTx(ctx, func(tx *Tx) error {
			return tx.appendAudit(ctx, &citdesk.AuditEvent{AgencyID: actor.AgencyID, UserID: actor.UserID, Actor: actor.Username, Remote: actor.Remote,
				Action: "user.password", ObjectType: "user", ObjectID: strconv.FormatInt(actor.UserID, 10), Outcome: citdesk.OutcomeFailure, Detail: "wrong current password"})
		}); err != nil {
			return err
		}
		return citdesk.FieldErrorf("current", "The current password is wrong.")
	}
	if current == password {
		return citdesk.FieldErrorf("new", "The new password must differ from the current one.")
	}
	err = s.setPassword(ctx, actor, actor.UserID, password, actor.SessionID, "own")
	if citdesk.ErrorField(err) == "password" {
		return &citdesk.Error{Code: citdesk.EINVALID, Field: "new", Message: citdesk.ErrorMessage(err)}
	}
	return err
}

// SetUserDisabled disables or enables a user (admins only). A disabled
// user's sessions and tokens end in the same transaction, and FindSession
// refuses a disabled user's secret besides, so nothing they hold works
// from the next request on.
func (s userService) SetUserDisabled(ctx context.Context, userID int64, disabled bool) error {
	actor, err := citdesk.Require(ctx, citdesk.ManageUsers)
	if err != nil {
		return err
	}
	if disabled && actor.UserID == userID {
		return citdesk.Errorf(citdesk.ECONFLICT, "You cannot disable your own account; ask another admin.")
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET disabled = ? WHERE agency_id = ? AND id = ?`, disabled, actor.AgencyID, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return citdesk.Errorf(citdesk.ENOTFOUND, "User not found.")
		}
		if disabled {
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = ? WHERE agency_id = ? AND user_id = ? AND ended_at IS NULL`, micros(tx.now), actor.AgencyID, userID); err != nil {
				return err
			}
		}
		return tx.audit(ctx, actor, action, "user", userID, "")
	})
}

// UnlockUser clears a lockout (admins only).
func (s userService) UnlockUser(ctx context.Context, userID int64) error {
	actor, err := citdesk.Require(ctx, citdesk.ManageUsers)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE agency_id = ? AND id = ?`, actor.AgencyID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return citdesk.Errorf(citdesk.ENOTFOUND, "User not found.")
		}
		return tx.audit(ctx, actor, "user.unlock", "user", userID, "")
	})
}

// dummyHash is checked when a username is unknown, so a wrong username takes
// as long as a wrong password and does not reveal which accounts exist. It
// is made on first use, not when the program starts.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword(context.Background(), "citdesk-no-such-user", DefaultArgon2)
	return h
})

// withColumns scans extra columns before and after the ones a scan
// function knows, so a joined row can reuse scanUser.
type withColumns struct {
	row           interface{ Scan(...any) error }
	before, after []any
}

func (w withColumns) Scan(dest ...any) error {
	return w.row.Scan(append(append(append([]any{}, w.before...), dest...), w.after...)...)
}

// prefixed qualifies a comma-separated column list with a table alias.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// errBadCredentials is the one answer to every refused sign-in (unknown
// user, wrong password, disabled, locked or throttled account), so the
// answer never tells which usernames exist; the audit trail says which.
var errBadCredentials = citdesk.Errorf(citdesk.EUNAUTHORIZED, "Wrong username or password.")

// Authenticate signs a user in. See citdesk.UserService.
func (s userService) Authenticate(ctx context.Context, username, password, kind string) (*citdesk.User, *citdesk.Session, string, error) {
	remote := ""
	if a := citdesk.ActorFromContext(ctx); a != nil {
		remote = a.Remote
	}
	username = strings.ToLower(strings.TrimSpace(username))
	var u *citdesk.User
	var agency *citdesk.Agency
	err := s.db.readTx(ctx, func(tx *Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, username))
		if err != nil {
			return err
		}
		agency, err = tx.findAgency(ctx, "id = ?", u.AgencyID)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := checkPassword(ctx, password, dummyHash()); err != nil {
			return nil, nil, "", err // the caller left: no attempt was made
		}
		if err := s.db.writeTx(ctx, func(tx *Tx) error {
			return tx.appendAudit(ctx, &citdesk.AuditEvent{Actor: "anonymous", Remote: remote, Action: "signin", ObjectType: "user", Outcome: citdesk.OutcomeFailure, Detail: "unknown username"})
		}); err != nil {
			// A refusal that cannot be recorded is not answered as usual.
			return nil, nil, "", fmt.Errorf("audit a refused sign-in: %w", err)
		}
		return nil, nil, "", errBadCredentials
	} else if err != nil {
		return nil, nil, "", fmt.Errorf("find user: %w", err)
	}
	// The password is checked outside any transaction: argon2 is slow on
	// purpose, and SQLite's writer must not wait on it. A caller that left
	// before its turn made no attempt: nothing is counted or audited.
	ok, err := checkPassword(ctx, password, u.PasswordHash)
	if err != nil {
		return nil, nil, "", err
	}
	policy := agency.Policy
	event := &citdesk.AuditEvent{AgencyID: u.AgencyID, UserID: u.ID, Actor: u.Username, Remote: remote, Action: "signin", ObjectType: "user", ObjectID: strconv.FormatInt(u.ID, 10)}

	throttle := citdesk.SignInThrottleFrom(ctx)

	var session *citdesk.Session
	var secret string
	var result error
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		// Read again, locked: another attempt may have locked the account.
		cur, err := lockUser(ctx, tx, u.AgencyID, u.ID)
		if err != nil {
			return err
		}
		if refusal, err := tx.signInRefusal(ctx, cur, ok, throttle, remote); err != nil {
			return err
		} else if refusal != "" {
			event.Outcome, event.Detail = citdesk.OutcomeFailure, refusal
			result = errBadCredentials
			return tx.appendAudit(ctx, event)
		}
		switch {
		case !ok:
			failed := cur.FailedLogins + 1
			var lockedUntil sql.NullInt64
			event.Outcome, event.Detail = citdesk.OutcomeFailure, "wrong password"
			result = errBadCredentials
			if policy.LockoutAttempts > 0 && failed >= policy.LockoutAttempts {
				lockedUntil = sql.NullInt64{Int64: micros(tx.now.Add(policy.LockoutDuration)), Valid: true}
				failed = 0
				event.Detail = "wrong password; account locked"
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?`, failed, lockedUntil, u.ID); err != nil {
				return err
			}
		default:
			// The second factor (store/mfa.go): owed, wrong, or given.
			if owed, err := secondFactor(ctx, tx, cur, policy, kind, event); err != nil {
				return err
			} else if owed != nil {
				result = owed
				break
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_signin_at = ? WHERE id = ?`, micros(tx.now), u.ID); err != nil {
				return err
			}
			session, secret, err = tx.createSession(ctx, cur, kind, policy, remote)
			if err != nil {
				return err
			}
			if err := recordStepUp(ctx, tx, session.ID); err != nil {
				return err
			}
			event.Outcome = citdesk.OutcomeSuccess
			if event.Detail == "" {
				event.Detail = kind
			}
			u = cur
		}
		return tx.appendAudit(ctx, event)
	})
	if err != nil {
		return nil, nil, "", err
	}
	if result != nil {
		return nil, nil, "", result
	}
	return u, session, secret, nil
}

func (tx *Tx) createSession(ctx context.Context, u *citdesk.User, kind string, p citdesk.Policy, remote string) (*citdesk.Session, string, error) {
	secret, err := newSecret()
	if err != nil {
		return nil, "", err
	}
	life := p.SessionLifetime // a cookie session also ends after a long shift, idle or not
	if life <= 0 {
		life = citdesk.DefaultPolicy().SessionLifetime
	}
	if kind == citdesk.SessionToken {
		life = p.TokenLifetime
	} else if kind != citdesk.SessionCookie {
		return nil, "", fmt.Errorf("unknown session kind %q", kind)
	} else if err := tx.endOldestSessions(ctx, u, p.MaxSessions, remote); err != nil {
		return nil, "", err
	}
	sess := &citdesk.Session{AgencyID: u.AgencyID, UserID: u.ID, Kind: kind, CreatedAt: tx.now, LastSeen: tx.now, ExpiresAt: tx.now.Add(life), Remote: remote}
	sess.ID, err = tx.insert(ctx, `INSERT INTO sessions (agency_id, user_id, kind, secret_hash, created_at, last_seen, expires_at, remote) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		sess.AgencyID, sess.UserID, sess.Kind, secretHash(secret), micros(sess.CreatedAt), micros(sess.LastSeen), micros(sess.ExpiresAt), remote)
	if err != nil {
		return nil, "", fmt.Errorf("insert session: %w", err)
	}
	return sess, secret, nil
}

var errNoSession = citdesk.Errorf(citdesk.EUNAUTHORIZED, "Your session has ended; sign in again.")

// touchEvery limits how often a session's last-seen time is written:
// idle timeouts are many minutes long, so a write per request would be
// waste (issue 12: at most once a minute).
const touchEvery = time.Minute

// FindSession returns the user behind a live session secret. The answer
// comes from memory when it was read a moment ago (authcache.go).
func (s userService) FindSession(ctx context.Context, secret string) (*citdesk.User, *citdesk.Session, error) {
	if secret == "" {
		return nil, nil, errNoSession
	}
	hash := secretHash(secret)
	now := s.db.now()
	caching := s.db.caching()
	var e *authEntry
	if caching && s.db.auth.watch != nil && s.db.auth.watch.committed(ctx) {
		// A commit reached the SQLite file since the last look, maybe
		// from another process: what is kept may be stale.
		s.db.auth.flush()
	}
	if caching {
		if hit, ok := s.db.auth.get(hash, now); ok {
			copied := *hit // the caller may change what it is given
			e = &copied
		}
	}
	if e == nil {
		gen := s.db.auth.gen.Load()
		var err error
		if e, err = s.db.readSession(ctx, hash); err != nil {
			return nil, nil, err
		}
		e.read = now
		if caching {
			kept := *e
			s.db.auth.put(hash, &kept, gen)
		}
	}
	u, sess, agency := &e.user, &e.sess, &e.agency
	sess.Agency = agency
	policy := agency.Policy
	// The idle timeout applies to bearer tokens as to cookies: a token
	// left unused on a lost laptop must die as a session would.
	idle := policy.SessionIdle > 0 && now.Sub(sess.LastSeen) > policy.SessionIdle
	if !now.Before(sess.ExpiresAt) || idle || u.Disabled {
		_ = s.db.writeTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL`, micros(tx.now), sess.ID)
			return err
		})
		return nil, nil, errNoSession
	}
	if now.Sub(sess.LastSeen) >= touchEvery {
		err := s.db.writeTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, touchSessionSQL, micros(tx.now), sess.ID)
			return err
		})
		switch {
		case citdesk.ErrorCode(err) == citdesk.EUNAVAILABLE:
			// The storage refuses writes (disk full, database failing
			// over): the session was valid when read, so the request goes
			// on and may still be answered from reads; the touch waits
			// for the next request after the storage recovers.
		case err != nil:
			return nil, nil, fmt.Errorf("touch session: %w", err)
		default:
			sess.LastSeen = now
			s.db.auth.touched(hash, now)
		}
	}
	return u, sess, nil
}

// readSession reads a live session by its secret's hash, with its user and
// agency: one query.
func (db *DB) readSession(ctx context.Context, hash string) (*authEntry, error) {
	e := &authEntry{}
	u, sess, agency := &e.user, &e.sess, &e.agency
	db.stats.sessions.Add(1)
	err := db.readTx(ctx, func(tx *Tx) error {
		var created, last, expires int64
		var ended sql.NullInt64
		var policyJSON string
		row := tx.QueryRowContext(ctx, `SELECT s.id, s.agency_id, s.kind, s.created_at, s.last_seen, s.expires_at, s.ended_at, `+prefixed("u.", userColumns)+`, a.slug, a.name, a.city, a.timezone, a.lat, a.lon, a.non_emergency_phone, a.address, a.policy
			FROM sessions s JOIN users u ON u.id = s.user_id AND u.agency_id = s.agency_id JOIN agencies a ON a.id = s.agency_id
			WHERE s.secret_hash = ?`, hash)
		found, err := scanUser(withColumns{row: row,
			before: []any{&sess.ID, &sess.AgencyID, &sess.Kind, &created, &last, &expires, &ended},
			after:  []any{&agency.Slug, &agency.Name, &agency.City, &agency.TimeZone, &agency.Lat, &agency.Lon, &agency.NonEmergencyPhone, &agency.Address, &policyJSON}})
		if errors.Is(err, sql.ErrNoRows) {
			return errNoSession
		} else if err != nil {
			return err
		}
		if ended.Valid {
			return errNoSession
		}
		*u = *found
		sess.UserID = u.ID
		sess.CreatedAt, sess.LastSeen, sess.ExpiresAt = fromMicros(created), fromMicros(last), fromMicros(expires)
		agency.ID = sess.AgencyID
		agency.Policy = citdesk.DefaultPolicy()
		if err := json.Unmarshal([]byte(policyJSON), &agency.Policy); err != nil {
			return fmt.Errorf("agency %d policy: %w", sess.AgencyID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// EndSession ends a session server-side, so its cookie or token is refused
// from then on even if someone kept a copy.
func (s userService) EndSession(ctx context.Context, secret string) error {
	return s.db.writeTx(ctx, func(tx *Tx) error {
		var id, agencyID, userID int64
		err := tx.QueryRowContext(ctx, `SELECT id, agency_id, user_id FROM sessions WHERE secret_hash = ? AND ended_at IS NULL`, secretHash(secret)).Scan(&id, &agencyID, &userID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = ? WHERE id = ?`, micros(tx.now), id); err != nil {
			return err
		}
		actor := citdesk.ActorFromContext(ctx)
		if actor == nil {
			actor = &citdesk.Actor{AgencyID: agencyID, UserID: userID}
		}
		return tx.audit(ctx, actor, "signout", "user", userID, "")
	})
}
