package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"citdesk"
)

// ServiceAccountService returns the service of the agency's service
// accounts and their tokens.
func (db *DB) ServiceAccountService() citdesk.ServiceAccountService { return serviceAccounts{db} }

type serviceAccounts struct{ db *DB }

// CreateServiceAccount adds a service account: a users row without roles
// or password, its name and scopes, and its first token.
func (s serviceAccounts) CreateServiceAccount(ctx context.Context, name string, scopes []citdesk.Scope) (*citdesk.ServiceAccount, string, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManageServiceAccounts)
	if err != nil {
		return nil, "", err
	}
	name = strings.ToLower(strings.TrimSpace(name))
	if err := citdesk.ValidateServiceAccountName(name); err != nil {
		return nil, "", err
	}
	if scopes, err = citdesk.ParseScopes(citdesk.JoinScopes(scopes)); err != nil {
		return nil, "", err
	}
	var sa *citdesk.ServiceAccount
	var secret string
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
		if err != nil {
			return err
		}
		sa = &citdesk.ServiceAccount{AgencyID: actor.AgencyID, Name: name, Username: citdesk.ServiceAccountUsername(agency.Slug, name), Scopes: scopes, CreatedAt: tx.now}
		// The password hash is empty: no password ever matches it
		// (checkPassword refuses what is not an argon2id hash).
		sa.ID, err = tx.insert(ctx, `INSERT INTO users (agency_id, username, display_name, roles, password_hash, created_at) VALUES (?, ?, ?, '', '', ?)`,
			actor.AgencyID, sa.Username, "Service account "+name, micros(tx.now))
		if isUniqueViolation(err) {
			return citdesk.FieldErrorf("name", "A service account or user of that name exists; choose another.")
		} else if err != nil {
			return fmt.Errorf("insert service user: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO service_accounts (user_id, agency_id, name, scopes, created_at) VALUES (?, ?, ?, ?, ?)`,
			sa.ID, actor.AgencyID, name, citdesk.JoinScopes(scopes), micros(tx.now)); isUniqueViolation(err) {
			return citdesk.FieldErrorf("name", "A service account of that name exists; choose another.")
		} else if err != nil {
			return fmt.Errorf("insert service account: %w", err)
		}
		tok, sec, err := newServiceToken(ctx, tx, sa)
		if err != nil {
			return err
		}
		sa.Tokens, secret = []*citdesk.ServiceToken{tok}, sec
		return tx.audit(ctx, actor, "service_account.create", "user", sa.ID, "scopes="+citdesk.JoinScopes(scopes)+fmt.Sprintf(" token=%d", tok.ID))
	})
	if err != nil {
		return nil, "", err
	}
	return sa, secret, nil
}

// newServiceToken adds a token to sa in tx and returns it with its secret.
func newServiceToken(ctx context.Context, tx *Tx, sa *citdesk.ServiceAccount) (*citdesk.ServiceToken, string, error) {
	raw, err := newSecret()
	if err != nil {
		return nil, "", err
	}
	secret := citdesk.ServiceTokenPrefix + raw
	tok := &citdesk.ServiceToken{AccountID: sa.ID, Hint: secret[:len(citdesk.ServiceTokenPrefix)+4] + "…", CreatedAt: tx.now}
	tok.ID, err = tx.insert(ctx, `INSERT INTO service_tokens (agency_id, account_id, secret_hash, hint, created_at) VALUES (?, ?, ?, ?, ?)`,
		sa.AgencyID, sa.ID, secretHash(secret), tok.Hint, micros(tx.now))
	if err != nil {
		return nil, "", fmt.Errorf("insert service token: %w", err)
	}
	return tok, secret, nil
}

const serviceAccountColumns = `sa.user_id, sa.agency_id, sa.name, u.username, sa.scopes, sa.created_at, sa.revoked_at`

func scanServiceAccount(row rowScanner) (*citdesk.ServiceAccount, error) {
	var sa citdesk.ServiceAccount
	var scopes string
	var created int64
	var revoked sql.NullInt64
	if err := row.Scan(&sa.ID, &sa.AgencyID, &sa.Name, &sa.Username, &scopes, &created, &revoked); err != nil {
		return nil, err
	}
	for _, sc := range strings.Split(scopes, ",") {
		if sc != "" {
			sa.Scopes = append(sa.Scopes, citdesk.Scope(sc))
		}
	}
	sa.CreatedAt, sa.RevokedAt = fromMicros(created), fromNullMicros(revoked)
	return &sa, nil
}

func scanServiceToken(row rowScanner) (*citdesk.ServiceToken, error) {
	var t citdesk.ServiceToken
	var created int64
	var used, revoked sql.NullInt64
	if err := row.Scan(&t.ID, &t.AccountID, &t.Hint, &created, &used, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMicros(created), fromNullMicros(used), fromNullMicros(revoked)
	return &t, nil
}

// ListServiceAccounts lists the agency's service accounts and tokens.
func (s serviceAccounts) ListServiceAccounts(ctx context.Context) ([]*citdesk.ServiceAccount, error) {
	actor, err := citdesk.Require(ctx, citdesk.ListServiceAccounts)
	if err != nil {
		return nil, err
	}
	var out []*citdesk.ServiceAccount
	err = s.db.readTx(ctx, func(tx *Tx) error {
		var err error
		out, err = queryAll(ctx, tx, "list service accounts", scanServiceAccount, `SELECT `+serviceAccountColumns+`
			FROM service_accounts sa JOIN users u ON u.id = sa.user_id WHERE sa.agency_id = ? ORDER BY sa.created_at DESC, sa.user_id DESC`, actor.AgencyID)
		if err != nil {
			return err
		}
		tokens, err := queryAll(ctx, tx, "list service tokens", scanServiceToken, `SELECT id, account_id, hint, created_at, last_used_at, revoked_at
			FROM service_tokens WHERE agency_id = ? ORDER BY created_at DESC, id DESC`, actor.AgencyID)
		if err != nil {
			return err
		}
		byID := map[int64]*citdesk.ServiceAccount{}
		for _, sa := range out {
			sa.Tokens = []*citdesk.ServiceToken{}
			byID[sa.ID] = sa
		}
		for _, t := range tokens {
			if sa := byID[t.AccountID]; sa != nil {
				sa.Tokens = append(sa.Tokens, t)
			}
		}
		return nil
	})
	return out, err
}

// findServiceAccount reads service account id of agencyID in tx.
func findServiceAccount(ctx context.Context, tx *Tx, agencyID, id int64) (*citdesk.ServiceAccount, error) {
	sa, err := scanServiceAccount(tx.QueryRowContext(ctx, `SELECT `+serviceAccountColumns+`
		FROM service_accounts sa JOIN users u ON u.id = sa.user_id WHERE sa.agency_id = ? AND sa.user_id = ?`, agencyID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, citdesk.Errorf(citdesk.ENOTFOUND, "No such service account.")
	}
	return sa, err
}

// RotateServiceToken gives the account a new token and revokes the others.
func (s serviceAccounts) RotateServiceToken(ctx context.Context, accountID int64) (*citdesk.ServiceToken, string, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManageServiceAccounts)
	if err != nil {
		return nil, "", err
	}
	var tok *citdesk.ServiceToken
	var secret string
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		sa, err := findServiceAccount(ctx, tx, actor.AgencyID, accountID)
		if err != nil {
			return err
		}
		if sa.RevokedAt != nil {
			return citdesk.Errorf(citdesk.ECONFLICT, "This service account is revoked; create a new one.")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE service_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL`, micros(tx.now), sa.ID); err != nil {
			return err
		}
		if tok, secret, err = newServiceToken(ctx, tx, sa); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "service_account.rotate", "user", sa.ID, fmt.Sprintf("token=%d", tok.ID))
	})
	if err != nil {
		return nil, "", err
	}
	return tok, secret, nil
}

// RevokeServiceToken revokes one token of the account.
func (s serviceAccounts) RevokeServiceToken(ctx context.Context, accountID, tokenID int64) error {
	actor, err := citdesk.Require(ctx, citdesk.ManageServiceAccounts)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		// Revoking a revoked token again changes nothing and succeeds.
		res, err := tx.ExecContext(ctx, `UPDATE service_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE agency_id = ? AND account_id = ? AND id = ?`,
			micros(tx.now), actor.AgencyID, accountID, tokenID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return citdesk.Errorf(citdesk.ENOTFOUND, "No such token.")
		}
		return tx.audit(ctx, actor, "service_token.revoke", "user", accountID, fmt.Sprintf("token=%d", tokenID))
	})
}

// RevokeServiceAccount revokes the account and its tokens, and disables
// the user record behind it.
func (s serviceAccounts) RevokeServiceAccount(ctx context.Context, accountID int64) error {
	actor, err := citdesk.Require(ctx, citdesk.ManageServiceAccounts)
	if err != nil {
		return err
	}
	return s.db.writeTx(ctx, func(tx *Tx) error {
		sa, err := findServiceAccount(ctx, tx, actor.AgencyID, accountID)
		if err != nil {
			return err
		}
		if sa.RevokedAt != nil {
			return citdesk.Errorf(citdesk.ECONFLICT, "This service account is already revoked.")
		}
		for _, q := range []string{
			`UPDATE service_accounts SET revoked_at = ? WHERE user_id = ?`,
			`UPDATE service_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL`,
		} {
			if _, err := tx.ExecContext(ctx, q, micros(tx.now), sa.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = ? WHERE id = ?`, true, sa.ID); err != nil {
			return err
		}
		return tx.audit(ctx, actor, "service_account.revoke", "user", sa.ID, "")
	})
}

var errBadServiceToken = citdesk.Errorf(citdesk.EUNAUTHORIZED, "That service-account token is unknown or revoked.")

// UseServiceToken signs a request in with a service token and audits the
// use, in one write transaction: a use that cannot be recorded is refused.
func (s serviceAccounts) UseServiceToken(ctx context.Context, secret, use string) (*citdesk.ServiceAccount, *citdesk.ServiceToken, *citdesk.Agency, error) {
	if !strings.HasPrefix(secret, citdesk.ServiceTokenPrefix) {
		return nil, nil, nil, errBadServiceToken
	}
	remote := ""
	if a := citdesk.ActorFromContext(ctx); a != nil {
		remote = a.Remote
	}
	var sa *citdesk.ServiceAccount
	var tok *citdesk.ServiceToken
	var agency *citdesk.Agency
	err := s.db.writeTx(ctx, func(tx *Tx) error {
		var err error
		tok, err = scanServiceToken(tx.QueryRowContext(ctx, `SELECT id, account_id, hint, created_at, last_used_at, revoked_at FROM service_tokens WHERE secret_hash = ?`, secretHash(secret)))
		if errors.Is(err, sql.ErrNoRows) {
			return errBadServiceToken
		} else if err != nil {
			return err
		}
		var agencyID int64
		var disabled bool
		if err := tx.QueryRowContext(ctx, `SELECT agency_id, disabled FROM users WHERE id = ?`, tok.AccountID).Scan(&agencyID, &disabled); err != nil {
			return err
		}
		if sa, err = findServiceAccount(ctx, tx, agencyID, tok.AccountID); err != nil {
			return err
		}
		if tok.RevokedAt != nil || sa.RevokedAt != nil || disabled {
			return errBadServiceToken
		}
		if agency, err = tx.findAgency(ctx, "id = ?", agencyID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE service_tokens SET last_used_at = ? WHERE id = ?`, micros(tx.now), tok.ID); err != nil {
			return err
		}
		tok.LastUsedAt = &tx.now
		a := citdesk.ServiceActor(sa, tok.ID, remote)
		return tx.audit(ctx, a, "service_token.use", "user", sa.ID, fmt.Sprintf("token=%d %s", tok.ID, use))
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return sa, tok, agency, nil
}

// CADLinked reports whether any agency has a service account, not revoked,
// that may write calls: a CAD that posts EIDO documents. citdesk serve then
// compiles the EIDO schema at start-up, in the background, so the CAD's
// first document after a restart does not wait for it.
func CADLinked(ctx context.Context, db *DB) (bool, error) {
	var linked bool
	err := db.readTx(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM service_accounts WHERE revoked_at IS NULL AND ','||scopes||',' LIKE ?)`,
			"%,"+string(citdesk.ScopeCallsWrite)+",%").Scan(&linked)
	})
	if err != nil {
		return false, fmt.Errorf("look for a CAD's service account: %w", err)
	}
	return linked, nil
}
