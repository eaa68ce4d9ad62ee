package store

import (
	"context"

	"citdesk"
)

// SetUserRoles replaces a user's roles (admins only). The rules are the
// root package's: CheckRoles (known roles, at least one) and
// CheckRoleChange (not one's own admin role; the officer role needs an
// officer record), checked against the user as stored under the write
// lock. The change is audited with the roles before and after; it takes
// effect on the user's next request, since every request reads the user.
func (s userService) SetUserRoles(ctx context.Context, userID int64, roles []citdesk.Role) (*citdesk.User, error) {
	actor, err := citdesk.Require(ctx, citdesk.ManageUsers)
	if err != nil {
		return nil, err
	}
	if roles, err = citdesk.CheckRoles(roles); err != nil {
		return nil, err
	}
	var u *citdesk.User
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		if u, err = tx.findUser(ctx, actor.AgencyID, userID); err != nil {
			return err
		}
		if err := citdesk.CheckRoleChange(actor, u, roles); err != nil {
			return err
		}
		before := joinRoles(u.Roles)
		if _, err := tx.ExecContext(ctx, `UPDATE users SET roles = ? WHERE agency_id = ? AND id = ?`, joinRoles(roles), actor.AgencyID, userID); err != nil {
			return err
		}
		u.Roles = roles
		return tx.audit(ctx, actor, "user.roles", "user", userID, before+" → "+joinRoles(roles))
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
