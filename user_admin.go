package citdesk

import (
	"crypto/rand"
	"slices"
	"strings"
)

// CheckRoles checks a set of roles as an admin gives them: known roles,
// at least one, each once. It returns them in the order of Roles.
func CheckRoles(roles []Role) ([]Role, error) {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	parsed, err := ParseRoles(strings.Join(names, ","))
	if err != nil {
		return nil, err
	}
	out := make([]Role, 0, len(parsed))
	for _, r := range Roles {
		if slices.Contains(parsed, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// CheckRoleChange says why actor a may not give user u the roles roles
// (already checked by CheckRoles), or nil when a may. An admin cannot
// take away their own admin role: an agency could be left with nobody
// to manage it, and the page they are on would lock them out mid-change.
// An officer user needs an officer record.
func CheckRoleChange(a *Actor, u *User, roles []Role) error {
	if a.UserID == u.ID && u.HasRole(RoleAdmin) && !slices.Contains(roles, RoleAdmin) {
		return FieldErrorf("roles", "You cannot remove your own admin role; ask another admin to do it.")
	}
	if slices.Contains(roles, RoleOfficer) && u.OfficerID == nil {
		return FieldErrorf("roles", "The officer role needs the user's officer record on the roster; create the user with their officer record instead.")
	}
	return nil
}

// passwordAlphabet has no letters or digits that are easily confused
// (0/o, 1/l/i), so a generated password can be read out and typed.
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// GeneratePassword returns a random initial password for an admin to
// hand to a new user: four groups of four from a 31-character alphabet
// (about 79 bits), such as "k7mq-3xvt-p2ra-9dhw".
func GeneratePassword() string {
	var b strings.Builder
	buf := make([]byte, 16)
	for i := 0; i < len(buf); {
		var one [1]byte
		rand.Read(one[:]) // crypto/rand.Read never fails (Go 1.24+)
		// Rejection sampling keeps every character equally likely.
		if int(one[0]) >= 256-256%len(passwordAlphabet) {
			continue
		}
		buf[i] = passwordAlphabet[int(one[0])%len(passwordAlphabet)]
		i++
	}
	for i, c := range buf {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(c)
	}
	return b.String()
}
