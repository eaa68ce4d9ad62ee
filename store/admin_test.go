package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// auditOf returns "actor: detail" of each of the agency's events with
// action, oldest first, leaving out the operator's set-up.
func auditOf(t *testing.T, db *store.DB, op context.Context, action string) []string {
	t.Helper()
	events, err := db.AuditService().ListAudit(op, citdesk.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range slices.Backward(events) {
		if ev.Actor != "operator" {
			out = append(out, ev.Actor+": "+ev.Detail)
		}
	}
	return out
}

// TestDispositionMapPerAgency (issue 15): the mapping the admin edits is
// the agency's own: another agency's admin neither reads nor replaces it,
// a coordinator may edit it (as they import history), and each save is
// audited with who saved how many dispositions.
func TestDispositionMapPerAgency(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		_, op := storetest.Agency(t, db, "desoto")
		_, opB := storetest.Agency(t, db, "hillsboro")
		_, admin := storetest.User(t, db, op, "root", citdesk.RoleAdmin)
		_, coord := storetest.User(t, db, op, "coord", citdesk.RoleCoordinator)
		_, adminB := storetest.User(t, db, opB, "rootb", citdesk.RoleAdmin)
		hs := db.HistoryService()
		if err := hs.SaveDispositionMap(admin, "seattle-crisis", map[string]string{"Subject Arrested": "arrest", "Crisis Clinic": "referred_to_liaison"}); err != nil {
			t.Fatal(err)
		}
		if err := hs.SaveDispositionMap(adminB, "seattle-crisis", map[string]string{"Booked": "arrest"}); err != nil {
			t.Fatal(err)
		}
		a, _, err := hs.DispositionMap(admin, "seattle-crisis")
		b, _, errB := hs.DispositionMap(adminB, "seattle-crisis")
		if err != nil || errB != nil || len(a) != 2 || len(b) != 1 || b["Booked"] != "arrest" {
			t.Fatalf("desoto's %v (%v), hillsboro's %v (%v)", a, err, b, errB)
		}
		if err := hs.SaveDispositionMap(coord, "seattle-crisis", map[string]string{"Subject Arrested": "citation"}); err != nil {
			t.Fatalf("a coordinator saves the mapping: %v", err)
		}
		if a, _, _ := hs.DispositionMap(admin, "seattle-crisis"); len(a) != 1 || a["Subject Arrested"] != "citation" {
			t.Errorf("after the coordinator's save: %v", a)
		}
		if b, _, _ := hs.DispositionMap(adminB, "seattle-crisis"); len(b) != 1 || b["Booked"] != "arrest" {
			t.Errorf("hillsboro's mapping changed with desoto's: %v", b)
		}
		if got := auditOf(t, db, op, "dispositions.save"); !slices.Equal(got, []string{"root: seattle-crisis: 2 dispositions", "coord: seattle-crisis: 1 dispositions"}) {
			t.Errorf("desoto's dispositions.save events: %v", got)
		}
	})
}

// TestSetUserRoles: roles replaced and audited; unknown or no roles, the
// officer role without an officer record, and an admin's own admin role
// refused at the field roles, with nothing written.
func TestSetUserRoles(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		_, op := storetest.Agency(t, db, "desoto")
		_, opB := storetest.Agency(t, db, "hillsboro")
		root, admin := storetest.User(t, db, op, "root", citdesk.RoleAdmin)
		amy, _ := storetest.User(t, db, op, "amy", citdesk.RoleDispatcher)
		_, disp := storetest.User(t, db, op, "dan", citdesk.RoleDispatcher)
		other, _ := storetest.User(t, db, opB, "zed", citdesk.RoleAnalyst)
		us := db.UserService()
		for _, tc := range []struct {
			who   context.Context
			id    int64
			roles []citdesk.Role
			code  string
		}{
			{admin, amy.ID, nil, citdesk.EINVALID},
			{admin, amy.ID, []citdesk.Role{"wizard"}, citdesk.EINVALID},
			{admin, amy.ID, []citdesk.Role{citdesk.RoleOfficer}, citdesk.EINVALID},
			{admin, root.ID, []citdesk.Role{citdesk.RoleDispatcher}, citdesk.EINVALID},
			{disp, amy.ID, []citdesk.Role{citdesk.RoleAdmin}, citdesk.EFORBIDDEN},
			{admin, other.ID, []citdesk.Role{citdesk.RoleAdmin}, citdesk.ENOTFOUND},
		} {
			_, err := us.SetUserRoles(tc.who, tc.id, tc.roles)
			if citdesk.ErrorCode(err) != tc.code || tc.code == citdesk.EINVALID && citdesk.ErrorField(err) != "roles" {
				t.Errorf("roles %v for user %d: %v, want %s", tc.roles, tc.id, err, tc.code)
			}
		}
		if got := auditOf(t, db, op, "user.roles"); len(got) != 0 {
			t.Errorf("refused changes audited: %v", got)
		}
		u, err := us.SetUserRoles(admin, amy.ID, []citdesk.Role{citdesk.RoleAnalyst, citdesk.RoleDispatcher, citdesk.RoleAnalyst})
		if err != nil || !slices.Equal(u.Roles, []citdesk.Role{citdesk.RoleDispatcher, citdesk.RoleAnalyst}) {
			t.Fatalf("SetUserRoles: %v %v", u, err)
		}
		if u, _ := us.FindUserByID(admin, amy.ID); !slices.Equal(u.Roles, []citdesk.Role{citdesk.RoleDispatcher, citdesk.RoleAnalyst}) {
			t.Errorf("stored roles: %v", u.Roles)
		}
		if got := auditOf(t, db, op, "user.roles"); !slices.Equal(got, []string{"root: dispatcher → dispatcher,analyst"}) {
			t.Errorf("user.roles events: %v", got)
		}
	})
}

// TestAgencySettingsAndPolicyRanges: a bad time zone or a setting out of
// its range is refused whole (nothing written); a good change is stored
// and audited with what changed.
func TestAgencySettingsAndPolicyRanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		db, clock := storetest.Open(t, eng)
		agency, op := storetest.Agency(t, db, "desoto")
		_, admin := storetest.User(t, db, op, "root", citdesk.RoleAdmin)
		as := db.AgencyService()
		p := agency.Policy
		p.EmergencyAlert = 2 * time.Hour
		p.RepeatContactMin = 1
		if _, err := as.UpdateSettings(admin, agency.ID, citdesk.AgencySettings{Name: "Renamed", TimeZone: "Mars/Base", Policy: &p}); len(citdesk.FieldErrors(err)) != 3 {
			t.Errorf("bad zone and two settings: %v", err)
		}
		if err := as.UpdatePolicy(admin, agency.ID, p); citdesk.ErrorField(err) != "emergency_alert" {
			t.Errorf("UpdatePolicy out of range: %v", err)
		}
		if a, _ := as.FindAgencyByID(admin, agency.ID); a.Name != agency.Name || a.TimeZone != "America/Chicago" || a.Policy.EmergencyAlert != time.Minute {
			t.Errorf("a refused change was written: %+v", a)
		}
		p.EmergencyAlert, p.RepeatContactMin = 90*time.Second, 4
		a, err := as.UpdateSettings(admin, agency.ID, citdesk.AgencySettings{TimeZone: "America/Denver", Units: citdesk.UnitsMetric, Policy: &p})
		if err != nil || a.TimeZone != "America/Denver" || a.Policy.Units != citdesk.UnitsMetric || a.Policy.RepeatContactMin != 4 {
			t.Fatalf("UpdateSettings: %+v %v", a, err)
		}
		if a, _ := as.FindAgencyByID(admin, agency.ID); a.Location().String() != "America/Denver" || a.Policy.EmergencyAlert != 90*time.Second {
			t.Errorf("stored: %+v", a)
		}
		if got := auditOf(t, db, op, "agency.settings"); !slices.Equal(got, []string{"root: timezone America/Chicago→America/Denver; units imperial→metric"}) {
			t.Errorf("agency.settings: %v", got)
		}
		if got := auditOf(t, db, op, "agency.policy"); !slices.Equal(got, []string{"root: emergency_alert 60→90 seconds; units imperial→metric; repeat_contact_min 3→4"}) {
			t.Errorf("agency.policy: %v", got)
		}

		// The last sign-in is stamped on a sign-in.
		clock.Advance(time.Hour)
		if _, _, _, err := db.UserService().Authenticate(op, "root", storetest.TestPassword, citdesk.SessionCookie); err != nil {
			t.Fatal(err)
		}
		users, _ := db.UserService().ListUsers(admin)
		if len(users) != 1 || users[0].LastSignIn == nil || !users[0].LastSignIn.Equal(clock.Now()) {
			t.Errorf("last sign-in: %+v", users[0].LastSignIn)
		}
	})
}
