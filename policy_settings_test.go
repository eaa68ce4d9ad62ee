package citdesk_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"citdesk"
)

// TestPolicySettingsCoverPolicy: every setting the list names reads and
// writes its own field, the default policy is within every range, and a
// value is written back as it was read.
func TestPolicySettingsCoverPolicy(t *testing.T) {
	p := citdesk.DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatalf("the default policy is out of range: %v", err)
	}
	custom := citdesk.DefaultPolicy()
	rules := citdesk.DefaultEIDORules()
	rules.CITPhrases = []string{"CIT please", "crisis team"}
	custom.EIDO = &rules
	seen := map[string]bool{}
	for _, s := range citdesk.PolicySettings {
		if seen[s.Name] {
			t.Errorf("%s listed twice", s.Name)
		}
		seen[s.Name] = true
		for _, p := range []citdesk.Policy{p, custom} {
			q := p
			if err := s.Set(&q, s.Value(p)); err != nil || q != p {
				t.Errorf("%s: writing back %q changed the policy (%v)", s.Name, s.Value(p), err)
			}
		}
	}
	// Every field of Policy is listed, so a new one gets its range; the
	// EIDO reading rules (a struct of word lists) list by list.
	pt := reflect.TypeOf(citdesk.Policy{})
	for i := range pt.NumField() {
		name, _, _ := strings.Cut(pt.Field(i).Tag.Get("json"), ",")
		if name == "eido" {
			rt := reflect.TypeOf(citdesk.EIDORules{})
			for j := range rt.NumField() {
				if list := "eido." + rt.Field(j).Tag.Get("json"); !seen[list] {
					t.Errorf("EIDORules.%s (%s) is not in PolicySettings", rt.Field(j).Name, list)
				}
			}
			continue
		}
		if !seen[name] {
			t.Errorf("Policy.%s (%s) is not in PolicySettings", pt.Field(i).Name, name)
		}
	}
}

// TestPolicyEIDOWords: a word list is typed one a line, checked for empty,
// oversized and duplicate words, changes only its own list, is audited
// word by word, and a list set back to the defaults is stored as none.
func TestPolicyEIDOWords(t *testing.T) {
	s, ok := citdesk.PolicySettingNamed("eido.cit_phrases")
	if !ok || s.Kind() != "words" {
		t.Fatalf("eido.cit_phrases: %v %q", ok, s.Kind())
	}
	if !strings.Contains(s.Default(), "CIT requested\n") {
		t.Errorf("Default() = %q", s.Default())
	}
	p := citdesk.DefaultPolicy()
	if err := s.Set(&p, "CIT please\r\n\n  crisis team  \n"); err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	r := p.EIDORules()
	if strings.Join(r.CITPhrases, "|") != "CIT please|crisis team" || len(r.MentalHealthPhrases) != len(citdesk.DefaultEIDORules().MentalHealthPhrases) {
		t.Errorf("rules after the change: %+v", r)
	}
	if d := citdesk.DefaultEIDORules(); d.CITPhrases[0] != "CIT requested" {
		t.Errorf("the change reached the defaults: %q", d.CITPhrases)
	}
	if cit, _ := r.Read(nil, "Mother asks: CIT please."); !cit {
		t.Error("a new phrase is not read")
	}
	if got := citdesk.PolicyChanges(citdesk.DefaultPolicy(), p); !strings.HasPrefix(got, `eido.cit_phrases +"CIT please" +"crisis team" −"CIT requested"`) {
		t.Errorf("PolicyChanges: %q", got)
	}
	// Back to the defaults: stored as none.
	if err := s.Set(&p, s.Default()); err != nil || p.Normalized().EIDO != nil {
		t.Errorf("set back to the defaults: %v %+v", err, p.Normalized().EIDO)
	}

	long := strings.Repeat("x", 81)
	var words []string
	for i := range 51 {
		words = append(words, fmt.Sprintf("word %d", i))
	}
	many := strings.Join(words, "\n")
	for _, tc := range []struct{ value, msg string }{
		{"", "at least one word"},
		{" \n ", "at least one word"},
		{"CIT\nsend CIT\ncit", `"cit" is listed twice`},
		{"CIT\n" + long, "longer than 80 characters"},
		{many, "at most 50"},
		{"CIT\x00", ""},
	} {
		p := citdesk.DefaultPolicy()
		err := s.Set(&p, tc.value)
		if err == nil {
			err = p.Validate()
		}
		if citdesk.ErrorField(err) != "eido.cit_phrases" || !strings.Contains(citdesk.ErrorMessage(err), tc.msg) {
			t.Errorf("%q: %v, want eido.cit_phrases with %q", tc.value, err, tc.msg)
		}
	}
	// From JSON (the API): an empty or spaced word, a comma.
	for _, tc := range []struct {
		words []string
		msg   string
	}{{[]string{"CIT", " "}, "word 2 is empty"}, {[]string{"CIT, please"}, "comma"}} {
		p := citdesk.DefaultPolicy()
		r := citdesk.DefaultEIDORules()
		r.CITPhrases = tc.words
		p.EIDO = &r
		if err := p.Validate(); citdesk.ErrorField(err) != "eido.cit_phrases" || !strings.Contains(citdesk.ErrorMessage(err), tc.msg) {
			t.Errorf("%q: %v", tc.words, err)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		name, value, field, msg string
	}{
		{"emergency_alert", "0", "emergency_alert", "from 1 to 3,600 seconds"},
		{"emergency_alert", "3601", "emergency_alert", "from 1 to 3,600 seconds"},
		{"emergency_alert", "ten", "emergency_alert", "whole number of seconds"},
		{"lockout_attempts", "0", "lockout_attempts", "whole number from 1 to 20"},
		{"lockout_attempts", "2.5", "lockout_attempts", "whole number"},
		{"session_idle", "121", "session_idle", "1 to 120 minutes"},
		{"road_factor", "NaN", "road_factor", "number from 1 to 3"},
		{"road_factor", "0.5", "road_factor", "number from 1 to 3"},
		{"units", "furlongs", "units", "imperial or metric"},
		{"mfa", "sometimes", "mfa", "required or optional"},
		{"liaison_program", " ", "liaison_program", "1 to 80 characters"},
		{"liaison_program", "a\x00b", "liaison_program", ""},
		{"repeat_contact_min", "1", "repeat_contact_min", "2 to 50"},
	} {
		p := citdesk.DefaultPolicy()
		s, ok := citdesk.PolicySettingNamed(tc.name)
		if !ok {
			t.Fatalf("no setting %s", tc.name)
		}
		err := s.Set(&p, tc.value)
		if err == nil {
			err = p.Validate()
		}
		if citdesk.ErrorField(err) != tc.field || !strings.Contains(citdesk.ErrorMessage(err), tc.msg) {
			t.Errorf("%s=%q: %v, want field %s with %q", tc.name, tc.value, err, tc.field, tc.msg)
		}
	}
	// All wrong fields at once.
	p := citdesk.DefaultPolicy()
	p.LockoutAttempts, p.EmergencyAlert, p.SpeedKMH = 0, 90*time.Millisecond, 1000
	if got := len(citdesk.FieldErrors(p.Validate())); got != 3 {
		t.Errorf("%d problems, want 3: %v", got, p.Validate())
	}
	// In range: accepted.
	p = citdesk.DefaultPolicy()
	p.EmergencyAlert, p.LockoutAttempts, p.Units = 3*time.Second, 3, citdesk.UnitsMetric
	if err := p.Validate(); err != nil {
		t.Errorf("in range: %v", err)
	}
	if got := citdesk.PolicyChanges(citdesk.DefaultPolicy(), p); got != "lockout_attempts 5→3; emergency_alert 60→3 seconds; units imperial→metric" {
		t.Errorf("PolicyChanges: %q", got)
	}
}

func TestAgencyApplyTimeZone(t *testing.T) {
	a := &citdesk.Agency{Slug: "desoto", Name: "De Soto PD", TimeZone: "America/Chicago", Policy: citdesk.DefaultPolicy()}
	for _, tz := range []string{"Mars/Base", "Local", "../../etc/passwd", "America/Chicago\x00"} {
		if err := a.Apply(citdesk.AgencySettings{TimeZone: tz}); citdesk.ErrorField(err) != "timezone" {
			t.Errorf("time zone %q: %v", tz, err)
		}
	}
	if a.TimeZone != "America/Chicago" {
		t.Errorf("a refused Apply changed the agency: %q", a.TimeZone)
	}
	if err := a.Apply(citdesk.AgencySettings{TimeZone: "America/Denver", Units: "metric"}); err != nil || a.TimeZone != "America/Denver" || !a.Policy.Metric() || a.Name != "De Soto PD" {
		t.Errorf("Apply: %v %+v", err, a)
	}
}

func TestRoleRules(t *testing.T) {
	if roles, err := citdesk.CheckRoles([]citdesk.Role{citdesk.RoleAnalyst, citdesk.RoleAdmin, citdesk.RoleAnalyst}); err != nil || len(roles) != 2 || roles[0] != citdesk.RoleAdmin {
		t.Errorf("CheckRoles: %v %v", roles, err)
	}
	for _, bad := range [][]citdesk.Role{nil, {"pilot"}} {
		if _, err := citdesk.CheckRoles(bad); citdesk.ErrorField(err) != "roles" {
			t.Errorf("CheckRoles(%v): %v", bad, err)
		}
	}
	officer := int64(7)
	admin := &citdesk.User{ID: 1, Roles: []citdesk.Role{citdesk.RoleAdmin}}
	me := &citdesk.Actor{UserID: 1, Roles: admin.Roles}
	if err := citdesk.CheckRoleChange(me, admin, []citdesk.Role{citdesk.RoleDispatcher}); citdesk.ErrorField(err) != "roles" || !strings.Contains(citdesk.ErrorMessage(err), "your own admin role") {
		t.Errorf("self-demotion: %v", err)
	}
	if err := citdesk.CheckRoleChange(me, admin, []citdesk.Role{citdesk.RoleAdmin, citdesk.RoleDispatcher}); err != nil {
		t.Errorf("keeping one's admin role: %v", err)
	}
	other := &citdesk.User{ID: 2, Roles: []citdesk.Role{citdesk.RoleAdmin}}
	if err := citdesk.CheckRoleChange(me, other, []citdesk.Role{citdesk.RoleAnalyst}); err != nil {
		t.Errorf("demoting another admin: %v", err)
	}
	if err := citdesk.CheckRoleChange(me, other, []citdesk.Role{citdesk.RoleOfficer}); citdesk.ErrorField(err) != "roles" {
		t.Errorf("officer without a record: %v", err)
	}
	other.OfficerID = &officer
	if err := citdesk.CheckRoleChange(me, other, []citdesk.Role{citdesk.RoleOfficer}); err != nil {
		t.Errorf("officer with a record: %v", err)
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		p := citdesk.GeneratePassword()
		if len(p) != 19 || strings.Count(p, "-") != 3 || strings.ContainsAny(p, "01ilo") {
			t.Fatalf("GeneratePassword() = %q", p)
		}
		if err := citdesk.ValidatePassword(p, "nora", nil); err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		if seen[p] {
			t.Fatalf("%q twice", p)
		}
		seen[p] = true
	}
}
