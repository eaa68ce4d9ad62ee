package server_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/importer"
	"citdesk/web"
)

// auditDetails returns the details of the agency's audit events with
// action, oldest first.
func (e *env) auditDetails(t *testing.T, action string) []string {
	t.Helper()
	events, err := e.DB.AuditService().ListAudit(e.Op, citdesk.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Actor == "operator" { // the test's own set-up
			continue
		}
		out = append(out, events[i].Actor+": "+events[i].Detail)
	}
	return out
}

// fieldErrorOn reports whether a page shows message fragment msg in the
// field error with id.
func fieldErrorOn(body, id, msg string) bool {
	re := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)</p>`)
	m := re.FindStringSubmatch(body)
	return m != nil && strings.Contains(m[1], msg)
}

// TestAdminUsersPage is issue 15's admin at /admin/users: adding a user
// with roles (a password given, or one generated and shown once), bad
// input refused at its field, roles changed, an admin's own admin role and
// account kept, each change audited, and the last sign-in shown.
func TestAdminUsersPage(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("root", citdesk.RoleAdmin)
		b := e.browser()
		b.login("root")

		page := b.get("/admin/users")
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `<span class="nav-label" id="nav-admin">Admin</span>`) {
			t.Fatalf("GET /admin/users: %d, admin nav section missing", page.StatusCode)
		}
		for _, r := range citdesk.Roles {
			if !strings.Contains(page.Body, `name="roles" value="`+string(r)+`"`) {
				t.Errorf("the create form has no checkbox for role %s", r)
			}
		}
		if !strings.Contains(page.Body, `<td class="last-signin">`) || strings.Contains(page.Body, `data-username="root"><td>root</td><td>root</td>`) && !regexp.MustCompile(`(?s)data-username="root".*?class="last-signin">[A-Z][a-z]{2} \d`).MatchString(page.Body) {
			t.Errorf("root's last sign-in is not shown")
		}

		// Refusals, each at its field, nothing created.
		for _, tc := range []struct {
			form        url.Values
			field, want string
		}{
			{url.Values{"username": {"Bad Name"}, "roles": {"dispatcher"}, "password": {"a long new password"}}, "new-username-error", "lower-case"},
			{url.Values{"username": {"nora"}, "password": {"a long new password"}}, "new-roles-error", "At least one role"},
			{url.Values{"username": {"nora"}, "roles": {"pilot"}, "password": {"a long new password"}}, "new-roles-error", "Unknown role"},
			{url.Values{"username": {"nora"}, "roles": {"officer"}, "password": {"a long new password"}}, "new-officer_id-error", "officer record"},
			{url.Values{"username": {"nora"}, "roles": {"dispatcher"}, "password": {"short"}}, "new-password-error", "at least 8"},
		} {
			res := b.form("/admin/users", tc.form)
			if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrorOn(res.Body, tc.field, tc.want) {
				t.Errorf("create %v: %d, want 422 with %q at %s", tc.form, res.StatusCode, tc.want, tc.field)
			}
		}
		if got := e.auditDetails(t, "user.create"); len(got) != 0 {
			t.Errorf("refused creates were written: %v", got)
		}

		// Created with roles and a given password.
		res := b.form("/admin/users", url.Values{"username": {"nora"}, "display_name": {"Nora Hale"}, "roles": {"dispatcher", "analyst"}, "password": {"a long new password"}})
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "User nora created.") || strings.Contains(res.Body, `id="generated-password"`) {
			t.Fatalf("create nora: %d", res.StatusCode)
		}
		if r := e.do("POST", "/api/v1/tokens", "", tokenBody("nora", "a long new password")); r.StatusCode != http.StatusCreated {
			t.Errorf("nora signs in with her password: %d", r.StatusCode)
		}
		// Created with a generated password, shown once.
		res = b.form("/admin/users", url.Values{"username": {"omar"}, "roles": {"liaison"}})
		m := regexp.MustCompile(`<code class="password">([^<]+)</code>`).FindStringSubmatch(res.Body)
		if res.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("create omar with a generated password: %d", res.StatusCode)
		}
		if r := e.do("POST", "/api/v1/tokens", "", tokenBody("omar", m[1])); r.StatusCode != http.StatusCreated {
			t.Errorf("omar signs in with the generated password: %d", r.StatusCode)
		}
		if again := b.get("/admin/users"); strings.Contains(again.Body, m[1]) {
			t.Error("the generated password is shown again")
		}
		if got := e.auditDetails(t, "user.create"); len(got) != 2 || got[0] != "root: roles=dispatcher,analyst" || got[1] != "root: roles=liaison" {
			t.Errorf("user.create events: %v", got)
		}

		// Roles changed on the page, in effect at once.
		nora := e.findUser(t, "nora")
		if r := b.form(fmt.Sprintf("/admin/users/%d/roles", nora.ID), url.Values{"roles": {"coordinator", "dispatcher"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("change nora's roles: %d %s", r.StatusCode, r.Body)
		}
		if u := e.findUser(t, "nora"); fmt.Sprint(u.Roles) != "[dispatcher coordinator]" {
			t.Errorf("nora's roles: %v", u.Roles)
		}
		if got := e.auditDetails(t, "user.roles"); len(got) != 1 || got[0] != "root: dispatcher,analyst → dispatcher,coordinator" {
			t.Errorf("user.roles events: %v", got)
		}
		// No roles at all: refused at that user's roles.
		res = b.form(fmt.Sprintf("/admin/users/%d/roles", nora.ID), url.Values{})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrorOn(res.Body, fmt.Sprintf("roles-%d-error", nora.ID), "At least one role") {
			t.Errorf("no roles: %d", res.StatusCode)
		}

		// The admin's own admin role and account stay.
		root := e.findUser(t, "root")
		res = b.form(fmt.Sprintf("/admin/users/%d/roles", root.ID), url.Values{"roles": {"dispatcher"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrorOn(res.Body, fmt.Sprintf("roles-%d-error", root.ID), "You cannot remove your own admin role") {
			t.Errorf("self-demotion on the page: %d", res.StatusCode)
		}
		res = b.form(fmt.Sprintf("/admin/users/%d/disable", root.ID), nil)
		if res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "You cannot disable your own account") {
			t.Errorf("disabling oneself: %d", res.StatusCode)
		}
		if u := e.findUser(t, "root"); !u.HasRole(citdesk.RoleAdmin) || u.Disabled {
			t.Errorf("root after refusals: %+v", u)
		}
		if got := e.auditDetails(t, "user.roles"); len(got) != 1 {
			t.Errorf("refused role changes were audited as changes: %v", got)
		}

		// A non-admin gets 403.
		nb := e.browser()
		if r := nb.form("/login", url.Values{"username": {"nora"}, "password": {"a long new password"}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("nora signs in: %d", r.StatusCode)
		}
		if r := nb.form("/admin/users", url.Values{"username": {"pat"}, "roles": {"admin"}, "password": {"a long new password"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("a dispatcher creates a user: %d", r.StatusCode)
		}
		if r := nb.form(fmt.Sprintf("/admin/users/%d/roles", nora.ID), url.Values{"roles": {"admin"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("a dispatcher makes herself admin: %d", r.StatusCode)
		}
		// Her sign-in shows on the list.
		if !regexp.MustCompile(`(?s)data-username="nora".*?class="last-signin">[A-Z][a-z]{2} \d`).MatchString(b.get("/admin/users").Body) {
			t.Error("nora's last sign-in is not shown after she signed in")
		}
	})
}

// findUser returns the user called name, read as an operator.
func (e *env) findUser(t *testing.T, name string) *citdesk.User {
	t.Helper()
	var admin *citdesk.User
	users, err := e.DB.UserService().ListUsers(e.Op)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Username == name {
			admin = u
		}
	}
	if admin == nil {
		t.Fatalf("no user %s", name)
	}
	return admin
}

// TestAdminUsersAPI: PATCH /api/v1/users/{id} changes roles; bad roles,
// self-demotion and a non-admin are refused.
func TestAdminUsersAPI(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		root := e.user("root", citdesk.RoleAdmin)
		amy := e.user("amy", citdesk.RoleDispatcher)
		tok, amyTok := e.token("root"), e.token("amy")
		patch := func(token string, id int64, body any) response {
			res := e.do("PATCH", fmt.Sprintf("/api/v1/users/%d", id), token, body)
			checkOpenAPI(t, "PATCH", "/users/{id}", res)
			return res
		}
		res := patch(tok, amy.ID, map[string]any{"roles": []string{"dispatcher", "officer"}})
		wantProblem(t, res, http.StatusUnprocessableEntity, "roles")
		wantProblem(t, patch(tok, amy.ID, map[string]any{"roles": []string{"wizard"}}), http.StatusUnprocessableEntity, "roles")
		wantProblem(t, patch(tok, amy.ID, map[string]any{"roles": []string{}}), http.StatusUnprocessableEntity, "roles")
		wantProblem(t, patch(tok, amy.ID, map[string]any{}), http.StatusUnprocessableEntity, "roles")
		wantProblem(t, patch(tok, amy.ID, map[string]any{"roles": []string{"analyst"}, "username": "x"}), http.StatusUnprocessableEntity, "username")
		p := wantProblem(t, patch(tok, root.ID, map[string]any{"roles": []string{"analyst"}}), http.StatusUnprocessableEntity, "roles")
		if !strings.Contains(p.Detail, "your own admin role") {
			t.Errorf("self-demotion: %q", p.Detail)
		}
		wantProblem(t, patch(amyTok, amy.ID, map[string]any{"roles": []string{"admin"}}), http.StatusForbidden, "")
		wantProblem(t, patch(tok, 999999, map[string]any{"roles": []string{"analyst"}}), http.StatusNotFound, "")

		res = patch(tok, amy.ID, map[string]any{"roles": []string{"analyst", "dispatcher"}})
		var u citdesk.User
		res.JSON(t, &u)
		if res.StatusCode != http.StatusOK || fmt.Sprint(u.Roles) != "[dispatcher analyst]" {
			t.Fatalf("change amy's roles: %d %s", res.StatusCode, res.Body)
		}
		// In effect on her next request: her token now reads outcomes.
		if r := e.do("GET", "/api/v1/outcomes", amyTok, nil); r.StatusCode != http.StatusOK {
			t.Errorf("amy as analyst: %d", r.StatusCode)
		}
		// Every role can be given, the supervisor's included, and the
		// answer still matches the API document.
		sam := e.user("sam", citdesk.RoleOfficer)
		if r := patch(tok, sam.ID, map[string]any{"roles": []string{"officer", "supervisor"}}); r.StatusCode != http.StatusOK {
			t.Errorf("make sam a supervisor too: %d %s", r.StatusCode, r.Body)
		}
		// Keeping one's admin role while adding others is fine.
		if r := patch(tok, root.ID, map[string]any{"roles": []string{"admin", "dispatcher"}}); r.StatusCode != http.StatusOK {
			t.Errorf("root adds a role: %d %s", r.StatusCode, r.Body)
		}
		if got := e.auditDetails(t, "user.roles"); len(got) != 3 || got[0] != "root: dispatcher → dispatcher,analyst" || got[1] != "root: officer → officer,supervisor" {
			t.Errorf("user.roles events: %v", got)
		}
		// The list shows the last sign-in.
		res = e.do("GET", "/api/v1/users", tok, nil)
		checkOpenAPI(t, "GET", "/users", res)
		if !strings.Contains(res.Body, `"last_signin_at"`) {
			t.Errorf("GET /api/v1/users has no last_signin_at: %s", res.Body)
		}
	})
}

// TestAdminAgencyAPI: GET and PATCH /api/v1/agency, each refusal naming
// its field, the change audited and in effect on the public page.
func TestAdminAgencyAPI(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("root", citdesk.RoleAdmin)
		e.user("amy", citdesk.RoleDispatcher)
		tok, amyTok := e.token("root"), e.token("amy")
		patch := func(token string, body any) response {
			res := e.do("PATCH", "/api/v1/agency", token, body)
			checkOpenAPI(t, "PATCH", "/agency", res)
			return res
		}
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"timezone": "Mars/Olympus_Mons"}, "timezone"},
			{map[string]any{"timezone": "Local"}, "timezone"},
			{map[string]any{"timezone": ""}, "timezone"},
			{map[string]any{"units": "furlongs"}, "units"},
			{map[string]any{"name": " "}, "name"},
			{map[string]any{"non_emergency_phone": "call us"}, "non_emergency_phone"},
			{map[string]any{"policy": map[string]any{"emergency_alert": 0}}, "policy.emergency_alert"},
			{map[string]any{"policy": map[string]any{"emergency_alert": int64(2 * time.Hour)}}, "policy.emergency_alert"},
			{map[string]any{"policy": map[string]any{"lockout_attempts": 0}}, "policy.lockout_attempts"},
			{map[string]any{"policy": map[string]any{"session_idle": int64(5 * time.Hour)}}, "policy.session_idle"},
			{map[string]any{"policy": map[string]any{"units": "furlongs"}}, "policy.units"},
			{map[string]any{"policy": map[string]any{"mfa": "sometimes"}}, "policy.mfa"},
			{map[string]any{"policy": map[string]any{"warp": 9}}, "policy.warp"},
			{map[string]any{"policy": map[string]any{"road_factor": "far"}}, "policy.road_factor"},
		} {
			wantProblem(t, patch(tok, tc.body), http.StatusUnprocessableEntity, tc.field)
		}
		// Every wrong setting at once, and nothing half-written.
		p := wantProblem(t, patch(tok, map[string]any{"name": "New name", "timezone": "Nowhere/Here", "policy": map[string]any{"lockout_attempts": 99, "repeat_contact_min": 1}}), http.StatusUnprocessableEntity, "policy.lockout_attempts")
		if len(p.Errors) != 3 || p.Errors[2].Field != "timezone" {
			t.Errorf("errors: %+v", p.Errors)
		}
		wantProblem(t, patch(amyTok, map[string]any{"non_emergency_phone": "(636) 586-3326"}), http.StatusForbidden, "")
		if got := e.auditDetails(t, "agency.settings"); len(got) != 0 {
			t.Errorf("refused changes were written: %v", got)
		}

		res := patch(tok, map[string]any{"non_emergency_phone": "(636) 586-3326", "timezone": "America/Denver", "units": "metric",
			"policy": map[string]any{"emergency_alert": int64(90 * time.Second), "lockout_attempts": 4}})
		var a citdesk.Agency
		res.JSON(t, &a)
		if res.StatusCode != http.StatusOK || a.NonEmergencyPhone != "(636) 586-3326" || a.TimeZone != "America/Denver" || a.Policy.Units != "metric" ||
			a.Policy.EmergencyAlert != 90*time.Second || a.Policy.LockoutAttempts != 4 || a.Policy.SessionIdle != 30*time.Minute || a.Name != e.Agency.Name {
			t.Fatalf("PATCH: %d %s", res.StatusCode, res.Body)
		}
		res = e.do("GET", "/api/v1/agency", amyTok, nil)
		checkOpenAPI(t, "GET", "/agency", res)
		if !strings.Contains(res.Body, `"timezone":"America/Denver"`) {
			t.Errorf("GET /api/v1/agency as a dispatcher: %d %s", res.StatusCode, res.Body)
		}
		if cit := e.do("GET", "/cit", "", nil); !strings.Contains(cit.Body, "(636) 586-3326") {
			t.Error("the public page does not show the new non-emergency number")
		}
		if got := e.auditDetails(t, "agency.settings"); len(got) != 1 || got[0] != "root: non_emergency_phone; timezone America/Chicago→America/Denver; units imperial→metric" {
			t.Errorf("agency.settings events: %v", got)
		}
		if got := e.auditDetails(t, "agency.policy"); len(got) != 1 || got[0] != "root: lockout_attempts 5→4; emergency_alert 60→90 seconds; units imperial→metric" {
			t.Errorf("agency.policy events: %v", got)
		}
	})
}

// TestAdminAgencyAndPolicyPages: the settings and policy forms refuse bad
// input at each field (all at once) and save good input, audited; a
// changed alert threshold changes the board's alert.
func TestAdminAgencyAndPolicyPages(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("root", citdesk.RoleAdmin, citdesk.RoleDispatcher)
		e.user("amy", citdesk.RoleDispatcher)
		b := e.browser()
		b.login("root")

		if r := b.get("/admin/agency"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, `value="America/Chicago"`) {
			t.Fatalf("GET /admin/agency: %d", r.StatusCode)
		}
		res := b.form("/admin/agency", url.Values{"name": {""}, "non_emergency_phone": {"call us"}, "address": {"1 Main St"}, "timezone": {"America/Springfield"}, "units": {"imperial"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrorOn(res.Body, "name-error", "name") || !fieldErrorOn(res.Body, "timezone-error", "") {
			t.Errorf("blank name, bad zone: %d", res.StatusCode)
		}
		res = b.form("/admin/agency", url.Values{"name": {"De Soto PD"}, "non_emergency_phone": {"call us"}, "address": {"1 Main St"}, "timezone": {"America/Springfield"}, "units": {"leagues"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrorOn(res.Body, "non_emergency_phone-error", "digits") ||
			!fieldErrorOn(res.Body, "timezone-error", `Unknown time zone &#34;America/Springfield&#34;`) || !fieldErrorOn(res.Body, "units-error", "imperial or metric") {
			t.Errorf("bad phone, zone and units, each at its field: %d\n%s", res.StatusCode, res.Body)
		}
		res = b.form("/admin/agency", url.Values{"name": {"De Soto Police Department"}, "non_emergency_phone": {"(636) 586-3326"}, "address": {"17 Boyd St"}, "timezone": {"America/Chicago"}, "units": {"metric"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save settings: %d %s", res.StatusCode, res.Body)
		}
		if got := e.auditDetails(t, "agency.settings"); len(got) != 1 || got[0] != "root: name; non_emergency_phone; address; units imperial→metric" {
			t.Errorf("agency.settings events: %v", got)
		}

		// Policy: every wrong field at once, nothing saved.
		form := url.Values{}
		a, _ := e.DB.AgencyService().FindAgencyByID(e.Op, e.Agency.ID)
		for _, set := range citdesk.PolicySettings {
			form.Set(set.Name, set.Value(a.Policy.Normalized()))
		}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("emergency_alert", "0")
		bad.Set("lockout_attempts", "many")
		bad.Set("session_idle", "500")
		bad.Set("road_factor", "NaN")
		bad.Set("liaison_program", "")
		res = b.form("/admin/policy", bad)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "5 settings need fixing") ||
			!fieldErrorOn(res.Body, "emergency_alert-error", "from 1 to 3,600 seconds") || !fieldErrorOn(res.Body, "lockout_attempts-error", "whole number") ||
			!fieldErrorOn(res.Body, "session_idle-error", "1 to 120 minutes") || !fieldErrorOn(res.Body, "road_factor-error", "1 to 3") ||
			!fieldErrorOn(res.Body, "liaison_program-error", "1 to 80 characters") {
			t.Errorf("bad policy: %d\n%s", res.StatusCode, res.Body)
		}
		if got := e.auditDetails(t, "agency.policy"); len(got) != 0 {
			t.Errorf("a refused policy was written: %v", got)
		}

		// An emergency has waited two minutes: with the 60-second default
		// the board alerts; at five minutes it does not, yet.
		_, disp := e.userCtx(t, "amy")
		call := &citdesk.Call{Source: citdesk.Source911, Emergency: true, Nature: "Suicide threat", Address: "100 Main St"}
		if err := e.DB.CallService().CreateCall(disp, call); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(2 * time.Minute)
		const alert = "emergency waiting with no officer sent"
		if r := b.get("/board"); !strings.Contains(r.Body, alert) || !strings.Contains(r.Body, `data-alert-after="60"`) {
			t.Errorf("the board does not alert after 2 min at the 60 s default")
		}
		form.Set("emergency_alert", "300")
		if r := b.form("/admin/policy", form); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save policy: %d %s", r.StatusCode, r.Body)
		}
		if r := b.get("/board"); strings.Contains(r.Body, alert) || !strings.Contains(r.Body, `data-alert-after="300"`) {
			t.Errorf("the board still alerts at a 300 s threshold after 2 min")
		}
		if got := e.auditDetails(t, "agency.policy"); len(got) != 1 || got[0] != "root: emergency_alert 60→300 seconds" {
			t.Errorf("agency.policy events: %v", got)
		}
		if r := b.get("/admin/policy"); !strings.Contains(r.Body, `id="emergency_alert" name="emergency_alert" value="300"`) {
			t.Errorf("the policy page does not show the saved value")
		}

		// Non-admins are refused.
		nb := e.browser()
		nb.login("amy")
		for _, path := range []string{"/admin/agency", "/admin/policy"} {
			if r := nb.get(path); r.StatusCode != http.StatusForbidden {
				t.Errorf("GET %s as a dispatcher: %d", path, r.StatusCode)
			}
			if r := nb.form(path, form); r.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s as a dispatcher: %d", path, r.StatusCode)
			}
		}
	})
}

// userCtx returns user name and a context acting as them.
func (e *env) userCtx(t *testing.T, name string) (*citdesk.User, context.Context) {
	t.Helper()
	u := e.findUser(t, name)
	return u, citdesk.NewContextWithActor(e.Op, citdesk.ActorFor(u, "192.0.2.9"))
}

// TestAdminDispositionsPage: the disposition mapping shown (the defaults
// until one is saved), edited with errors at their rows, exported and
// imported as the import command's CSV, and used by the next import.
func TestAdminDispositionsPage(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("root", citdesk.RoleAdmin)
		e.user("amy", citdesk.RoleAnalyst)
		b := e.browser()
		b.login("root")
		res := b.get("/admin/dispositions")
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Nothing is saved for seattle-crisis yet") || !strings.Contains(res.Body, `value="Subject Arrested"`) {
			t.Fatalf("GET /admin/dispositions: %d", res.StatusCode)
		}

		// Bad rows, each marked.
		res = b.form("/admin/dispositions", url.Values{"source": {"seattle-crisis"}, "rows": {"3"},
			"from_0": {"Taken to jail"}, "to_0": {"arrest"}, "from_1": {"taken  TO jail"}, "to_1": {"citation"}, "from_2": {"Sent home"}, "to_2": {"teleported"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !fieldErrorOn(res.Body, "from_1-error", "mapped already, on row 1") || !fieldErrorOn(res.Body, "to_2-error", "Choose one of citdesk") {
			t.Errorf("bad rows: %d\n%s", res.StatusCode, res.Body)
		}
		if got := e.auditDetails(t, "dispositions.save"); len(got) != 0 {
			t.Errorf("a refused mapping was saved: %v", got)
		}
		res = b.form("/admin/dispositions", url.Values{"source": {"seattle-crisis"}, "rows": {"4"},
			"from_0": {"Subject Arrested"}, "to_0": {"citation"}, "from_1": {"Chronic Complaint"}, "to_1": {""}, "from_2": {""}, "to_2": {""}, "from_3": {"Mobile Crisis Team"}, "to_3": {"referred_to_liaison"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d %s", res.StatusCode, res.Body)
		}
		if got := e.auditDetails(t, "dispositions.save"); len(got) != 1 || got[0] != "root: seattle-crisis: 3 dispositions" {
			t.Errorf("dispositions.save events: %v", got)
		}
		csvRes := b.get("/admin/dispositions.csv?source=seattle-crisis")
		want := "agency disposition,citdesk disposition\nChronic Complaint,\nMobile Crisis Team,referred_to_liaison\nSubject Arrested,citation\n"
		if csvRes.StatusCode != http.StatusOK || csvRes.Body != want {
			t.Errorf("export: %d %q", csvRes.StatusCode, csvRes.Body)
		}
		// The export reads back as the import command's file.
		if m, err := importer.LoadDispositionMap(strings.NewReader(csvRes.Body)); err != nil || len(m) != 3 || m["Subject Arrested"] != "citation" {
			t.Errorf("LoadDispositionMap(export) = %v, %v", m, err)
		}

		// The next import without a file uses the saved mapping.
		file := ",template_id,reported_date,reported_time,occured_date_time,call_type,initial_call_type,final_call_type,disposition,use_of_force_indicator,subject_veteran_indicator,cit_officer_requested,cit_officer_dispatched,cit_officer_arrived,officer_id,officer_gender,officer_race,officer_year_of_birth,officer_years_of_experience,cit_certified_indicator,precinct,sector,beat,officer_bureau_desc,officer_precinct_desc,officer_squad_desc\n" +
			"0,9001,2019-07-19T00:00:00,2020-11-14 02:21:00,2019-07-19 02:00:00,911,-,-,Subject Arrested,N,N,Y,Y,Y,7702,M,White,1985-12-30T00:00:00,1,Y,-,-,-,,,\n"
		imp, err := importer.ImportSeattle(e.Op, e.DB.HistoryService(), strings.NewReader(file), nil, nil)
		if err != nil || imp.Reports != 1 || len(imp.Unmapped) != 0 || imp.SeededMapping {
			t.Fatalf("import with the saved mapping: %+v, %v", imp, err)
		}

		// Upload: a bad file changes nothing; a good one replaces it.
		upload := func(body string) response {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("source", "seattle-crisis")
			fw, _ := mw.CreateFormFile("file", "map.csv")
			fw.Write([]byte(body))
			mw.Close()
			req, _ := http.NewRequest("POST", e.Server.URL+"/admin/dispositions/import", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Origin", e.Server.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			return b.send(req)
		}
		if r := upload("from,to\nTaken to jail,jail\n"); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not a citdesk disposition") {
			t.Errorf("bad upload: %d", r.StatusCode)
		}
		if r := upload("from,to\nTaken to jail,arrest\n"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("upload: %d %s", r.StatusCode, r.Body)
		}
		if r := b.get("/admin/dispositions.csv"); r.Body != "agency disposition,citdesk disposition\nTaken to jail,arrest\n" {
			t.Errorf("after upload: %q", r.Body)
		}

		// An analyst may not.
		nb := e.browser()
		nb.login("amy")
		if r := nb.get("/admin/dispositions"); r.StatusCode != http.StatusForbidden {
			t.Errorf("an analyst: %d", r.StatusCode)
		}
	})
}
