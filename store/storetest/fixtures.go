package storetest

import (
	"context"
	"testing"

	"citdesk"
	"citdesk/store"
)

// Agency creates an agency with the given slug in America/Chicago and
// returns it with an operator context for it. Its MFA policy is optional,
// so tests sign in with a password alone unless a user enrols a second
// factor (AgencyMFA makes one that requires it).
func Agency(tb testing.TB, db *store.DB, slug string) (*citdesk.Agency, context.Context) {
	tb.Helper()
	return AgencyMFA(tb, db, slug, citdesk.MFAOptional)
}

// AgencyMFA is Agency with the given MFA policy.
func AgencyMFA(tb testing.TB, db *store.DB, slug, mfa string) (*citdesk.Agency, context.Context) {
	tb.Helper()
	p := citdesk.DefaultPolicy()
	p.MFA = mfa
	a := &citdesk.Agency{Slug: slug, Name: "Test PD " + slug, TimeZone: "America/Chicago", Lat: 38.1395, Lon: -90.5551, Policy: p}
	if err := db.AgencyService().CreateAgency(context.Background(), a); err != nil {
		tb.Fatalf("create agency %s: %v", slug, err)
	}
	return a, citdesk.NewContextWithActor(context.Background(), citdesk.OperatorActor(a.ID))
}

// TestPassword is the password of users made by User.
const TestPassword = "correct horse battery staple"

// User creates a user with roles in the agency of the operator context ctx
// and returns it with a context acting as that user.
func User(tb testing.TB, db *store.DB, ctx context.Context, username string, roles ...citdesk.Role) (*citdesk.User, context.Context) {
	tb.Helper()
	u := &citdesk.User{Username: username, DisplayName: username, Roles: roles}
	if u.HasRole(citdesk.RoleOfficer) {
		o := &citdesk.Officer{Badge: "B-" + username, FirstName: "Test", LastName: username, Active: true}
		if err := db.OfficerService().CreateOfficer(ctx, o); err != nil {
			tb.Fatalf("create officer for %s: %v", username, err)
		}
		u.OfficerID = &o.ID
	}
	if err := db.UserService().CreateUser(ctx, u, TestPassword); err != nil {
		tb.Fatalf("create user %s: %v", username, err)
	}
	return u, citdesk.NewContextWithActor(context.Background(), citdesk.ActorFor(u, "192.0.2.1"))
}
