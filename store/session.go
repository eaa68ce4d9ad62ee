package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"citdesk"
)

// SessionService returns the service that lists and ends a user's own
// sessions and tokens and issues tokens for operators.
func (db *DB) SessionService() citdesk.SessionService { return sessionService{db} }

type sessionService struct{ db *DB }

// ListSessions lists the actor's live sessions and tokens, newest first.
// Expired ones are left out even before FindSession has ended them.
func (s sessionService) ListSessions(ctx context.Context) ([]*citdesk.Session, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var out []*citdesk.Session
	err = s.db.readTx(ctx, func(tx *Tx) error {
		scan := func(row rowScanner) (*citdesk.Session, error) {
			sess := &citdesk.Session{AgencyID: actor.AgencyID, UserID: actor.UserID}
			var created, last, expires int64
			if err := row.Scan(&sess.ID, &sess.Kind, &created, &last, &expires, &sess.Remote); err != nil {
				return nil, err
			}
			sess.CreatedAt, sess.LastSeen, sess.ExpiresAt = fromMicros(created), fromMicros(last), fromMicros(expires)
			return sess, nil
		}
		var err error
		out, err = queryAll(ctx, tx, "list sessions", scan, `SELECT id, kind, created_at, last_seen, expires_at, remote FROM sessions
			WHERE agency_id = ? AND user_id = ? AND ended_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id DESC`,
			actor.AgencyID, actor.UserID, micros(tx.now))
		return err
	})
	return out, err
}

// EndSessionByID ends one of the actor's own sessions or tokens; another
// user's id is "not found", so ids reveal nothing.
func (s sessionService) EndSessionByID(ctx context.Context, id int64) error {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = ? WHERE id = ? AND agency_id = ? AND user_id = ? AND ended_at IS NULL`,
			micros(tx.now), id, actor.AgencyID, actor.UserID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return citdesk.Errorf(citdesk.ENOTFOUND, "No such session.")
		}
		return tx.audit(ctx, actor, "session.end", "session", id, "")
	})
}

// IssueToken opens a bearer token for a user of the operator's agency.
func (s sessionService) IssueToken(ctx context.Context, username string, ttl time.Duration) (*citdesk.Session, string, error) {
	actor, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	if actor.UserID != 0 {
		return nil, "", citdesk.Errorf(citdesk.EFORBIDDEN, "Tokens are issued by an operator at the command line.")
	}
	var sess *citdesk.Session
	var secret string
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		if ttl <= 0 || ttl > agency.Policy.TokenLifetime {
			return citdesk.FieldErrorf("ttl", "The lifetime must be more than zero and at most the agency's token lifetime (%s).", agency.Policy.TokenLifetime)
		}
		u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE agency_id = ? AND username = ?`, actor.AgencyID, strings.ToLower(strings.TrimSpace(username))))
		if errors.Is(err, sql.ErrNoRows) {
			return citdesk.Errorf(citdesk.ENOTFOUND, "No user %q in this agency.", username)
		} else if err != nil {
			return err
		}
		if u.Disabled {
			return citdesk.Errorf(citdesk.ECONFLICT, "User %q is disabled.", u.Username)
		}
		policy := agency.Policy
		policy.TokenLifetime = ttl
		if sess, secret, err = tx.createSession(ctx, u, citdesk.SessionToken, policy, actor.Remote); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "token.issue", "user", u.ID, fmt.Sprintf("session=%d ttl=%s", sess.ID, ttl))
	})
	if err != nil {
		return nil, "", err
	}
	return sess, secret, nil
}

// signInRefusal says why a sign-in must be refused before the usual
// password bookkeeping, or "" when it may go on. ok is whether the
// password was right. The reason goes to the audit trail only; the
// caller answers every refusal alike.
//
// A locked account (too many failures from anywhere) or a throttled
// address (too many failures from there, for any usernames) still lets
// the right password in from an address the user has signed in from
// before: an attacker cannot lock a whole station, or one officer, out.
// A throttled (address, username) pair is refused whatever the password.
func (tx *Tx) signInRefusal(ctx context.Context, u *citdesk.User, ok bool, t citdesk.SignInThrottle, remote string) (string, error) {
	locked := u.Locked(tx.now)
	switch {
	case u.Disabled:
		return "account disabled", nil
	case t.Pair:
		return "too many failures for this username from this address", nil
	case locked && !ok:
		return "account locked; wrong password", nil
	case ok && (locked || t.Address):
		known, err := tx.signedInFrom(ctx, u.ID, remote)
		if err != nil || known {
			return "", err
		}
		if locked {
			return "account locked; right password from an address this user never signed in from", nil
		}
		return "address throttled; right password from an address this user never signed in from", nil
	}
	return "", nil
}

// signedInFrom reports whether user has ever had a session from remote.
func (tx *Tx) signedInFrom(ctx context.Context, userID int64, remote string) (bool, error) {
	if remote == "" {
		return false, nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM sessions WHERE user_id = ? AND remote = ? LIMIT 1) known`, userID, remote).Scan(&n)
	return n > 0, err
}

// endOldestSessions ends u's oldest live browser sessions so that, with
// the one about to open, at most max remain (no limit when max <= 0).
func (tx *Tx) endOldestSessions(ctx context.Context, u *citdesk.User, max int, remote string) error {
	if max <= 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM sessions WHERE user_id = ? AND kind = ? AND ended_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id DESC`,
		u.ID, citdesk.SessionCookie, micros(tx.now))
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := max - 1; i < len(ids); i++ {
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = ? WHERE id = ?`, micros(tx.now), ids[i]); err != nil {
			return err
		}
		if err := tx.audit(ctx, &citdesk.Actor{AgencyID: u.AgencyID, UserID: u.ID, Username: u.Username, Remote: remote}, "session.end", "session", ids[i], "newer sign-in; policy max_sessions"); err != nil {
			return err
		}
	}
	return nil
}
