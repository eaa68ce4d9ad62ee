package citdesk

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Agency is a police department. Every record in citdesk belongs to one, and
// no agency ever sees another's records.
type Agency struct {
	ID       int64   `json:"id"`
	Slug     string  `json:"slug"`
	Name     string  `json:"name"`
	City     string  `json:"city"`     // the jurisdiction's city; passwords may not be it
	TimeZone string  `json:"timezone"` // IANA name, e.g. America/Chicago
	Lat      float64 `json:"lat"`      // the jurisdiction's centre, for maps
	Lon      float64 `json:"lon"`
	// NonEmergencyPhone and Address are what the public page (/cit) gives
	// people to reach the department; empty until set.
	NonEmergencyPhone string `json:"non_emergency_phone"`
	Address           string `json:"address"`
	Policy            Policy `json:"policy"`
}

// AgencySettings are the parts of an agency its admin (or an operator)
// changes after creating it; an empty Name, TimeZone or Units keeps the
// current one, and a nil Policy keeps the current policy.
type AgencySettings struct {
	Name              string `json:"name"`
	NonEmergencyPhone string `json:"non_emergency_phone"`
	Address           string `json:"address"`
	TimeZone          string `json:"timezone"`
	// Units is the policy's Units, set with the agency's other settings.
	Units string `json:"units"`
	// Policy replaces the whole policy when not nil (after Units is
	// applied to it); it must pass Policy.Validate.
	Policy *Policy `json:"policy,omitempty"`
}

// ValidateTimeZone checks an IANA time zone name such as America/Chicago.
// "Local" and "" are refused: they mean the server's zone or UTC, not
// the agency's.
func ValidateTimeZone(name string) error {
	if name == "" {
		return FieldErrorf("timezone", "Time zone is required.")
	}
	if _, err := time.LoadLocation(name); err != nil || name == "Local" {
		return FieldErrorf("timezone", "Unknown time zone %q; use an IANA name such as America/Chicago.", name)
	}
	return nil
}

// Agency text limits.
const (
	maxAgencyName    = 200
	maxAgencyAddress = 300
)

// ValidatePhone checks a phone number as people type one: digits with
// spaces, dashes, dots, parentheses and a leading +, 7 to 15 digits.
func ValidatePhone(field, phone string) error {
	digits := 0
	for i, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || (r == '+' && i == 0):
		default:
			return FieldErrorf(field, "Give the phone number with digits only (spaces, dashes and parentheses are fine).")
		}
	}
	if digits < 7 || digits > 15 {
		return FieldErrorf(field, "A phone number has 7 to 15 digits.")
	}
	return nil
}

// validateContact checks what the public page shows about the agency.
func (a *Agency) validateContact() error {
	if utf8.RuneCountInString(a.Name) > maxAgencyName {
		return FieldErrorf("name", "The name must be at most %d characters.", maxAgencyName)
	}
	if a.NonEmergencyPhone != "" {
		if err := ValidatePhone("non_emergency_phone", a.NonEmergencyPhone); err != nil {
			return err
		}
	}
	if utf8.RuneCountInString(a.Address) > maxAgencyAddress {
		return FieldErrorf("address", "The address must be at most %d characters.", maxAgencyAddress)
	}
	return CheckTextFields(a)
}

// Apply changes a to settings s and checks the result: every wrong
// field is reported at once, and a is left unchanged when one is.
func (a *Agency) Apply(s AgencySettings) error {
	next := *a
	if name := strings.TrimSpace(s.Name); name != "" {
		next.Name = name
	}
	next.NonEmergencyPhone, next.Address = strings.TrimSpace(s.NonEmergencyPhone), strings.TrimSpace(s.Address)
	var c fieldChecks
	if tz := strings.TrimSpace(s.TimeZone); tz != "" {
		c.add(ValidateTimeZone(tz))
		next.TimeZone = tz
	}
	if s.Policy != nil {
		next.Policy = *s.Policy
	}
	next.Policy = next.Policy.Normalized()
	if units := strings.TrimSpace(s.Units); units != "" {
		next.Policy.Units = units
	}
	c.add(next.validateContact())
	c.add(next.Policy.Validate())
	if err := c.err(); err != nil {
		return err
	}
	*a = next
	return nil
}

// Policy holds the settings an agency may change. DefaultPolicy gives the
// values a new agency starts with.
type Policy struct {
	// Sign-in.
	LockoutAttempts int           `json:"lockout_attempts"` // failed sign-ins that lock an account
	LockoutDuration time.Duration `json:"lockout_duration"`
	SessionIdle     time.Duration `json:"session_idle"`   // a session or token unused this long ends
	TokenLifetime   time.Duration `json:"token_lifetime"` // API bearer tokens expire after this
	// SessionLifetime is how long a browser session lasts, used or not:
	// people sign in again after a shift (CJIS session lock).
	SessionLifetime time.Duration `json:"session_lifetime"`
	// MaxSessions is how many browser sessions one user may hold at once;
	// signing in ends the oldest beyond it. 0 means no limit.
	MaxSessions int `json:"max_sessions"`
	// MFA is MFARequired or MFAOptional; anything else (an agency stored
	// before the setting existed) reads as required (MFAMandatory).
	MFA string `json:"mfa"`

	// CIT certification: RefresherHours of in-service training within the
	// last RefresherMonths keep it current, once GraceMonths have passed
	// since the 40-hour course. ExpiringDays is the warning window.
	RefresherHours  float64 `json:"refresher_hours"`
	RefresherMonths int     `json:"refresher_months"`
	GraceMonths     int     `json:"grace_months"`
	ExpiringDays    int     `json:"expiring_days"`

	// Dispatch.
	StalePosition time.Duration `json:"stale_position"` // a position older than this is not trusted
	RoadFactor    float64       `json:"road_factor"`    // road distance ÷ straight-line distance
	SpeedKMH      float64       `json:"speed_kmh"`      // average response speed
	// EmergencyAlert is how long an emergency call may wait with no
	// officer sent before the board alerts (NFPA 1225: 60 seconds). An
	// agency stored before the setting existed gets the default.
	EmergencyAlert time.Duration `json:"emergency_alert"`
	// Units is how distances are shown: UnitsImperial (miles and feet, the
	// default for US agencies) or UnitsMetric.
	Units string `json:"units"`

	// Repeat contacts: people with at least RepeatContactMin encounters
	// within RepeatContactDays are listed for the coordinator and liaison.
	RepeatContactMin  int `json:"repeat_contact_min"`
	RepeatContactDays int `json:"repeat_contact_days"`

	// Labels that are agency data, not code.
	EmergencyDetentionLabel string `json:"emergency_detention_label"`
	LiaisonProgram          string `json:"liaison_program"`

	// ReferralContact: a referral shows the liaison the person's phone
	// and address and, when the caller was family, the caller's contact
	// (on by default; an agency stored before the setting existed gets it).
	ReferralContact bool `json:"referral_contact"`
	// EIDO says how calls that arrive from the CAD as EIDO documents are
	// read for "CIT requested" and "mental health" (cad.go); nil means
	// DefaultEIDORules (read it with EIDORules). A pointer keeps Policy
	// comparable.
	EIDO *EIDORules `json:"eido,omitempty"`
}

// EIDORules returns the agency's EIDO reading rules, or the defaults.
func (p Policy) EIDORules() EIDORules {
	if p.EIDO == nil {
		return DefaultEIDORules()
	}
	return *p.EIDO
}

// DefaultPolicy returns the policy a new agency starts with.
func DefaultPolicy() Policy {
	return Policy{
		LockoutAttempts:         5,
		LockoutDuration:         10 * time.Minute,
		SessionIdle:             30 * time.Minute,
		TokenLifetime:           24 * time.Hour,
		SessionLifetime:         12 * time.Hour,
		MaxSessions:             1,
		MFA:                     MFARequired,
		RefresherHours:          8,
		RefresherMonths:         24,
		GraceMonths:             24,
		ExpiringDays:            60,
		StalePosition:           5 * time.Minute,
		RoadFactor:              1.4,
		SpeedKMH:                50,
		EmergencyAlert:          60 * time.Second,
		Units:                   UnitsImperial,
		RepeatContactMin:        3,
		RepeatContactDays:       90,
		EmergencyDetentionLabel: "Emergency detention",
		LiaisonProgram:          "Mental Health Liaison",
		ReferralContact:         true,
	}
}

// Distance units an agency may choose (Policy.Units).
const (
	UnitsImperial = "imperial" // miles and feet
	UnitsMetric   = "metric"   // kilometers and meters
)

// Metric reports whether distances are shown in kilometers and meters;
// anything but UnitsMetric (an agency stored before the setting existed)
// reads as imperial, the US default.
func (p Policy) Metric() bool { return p.Units == UnitsMetric }

// EmergencyAlertAfter is how long an emergency call may wait unassigned
// before the board alerts: the policy's value, or 60 seconds when unset.
func (p Policy) EmergencyAlertAfter() time.Duration {
	if p.EmergencyAlert <= 0 {
		return DefaultPolicy().EmergencyAlert
	}
	return p.EmergencyAlert
}

// Location returns the agency's time zone, or UTC when it cannot be loaded.
// time.LoadLocation reads and parses the zone's file each time, which was a
// quarter of a recommendation request's time (issue 12), so each zone is
// loaded once.
func (a *Agency) Location() *time.Location {
	if loc, ok := locations.Load(a.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(a.TimeZone)
	if err != nil {
		return time.UTC // not kept: the zone's file may yet appear
	}
	locations.Store(a.TimeZone, loc)
	return loc
}

// locations holds the time zones loaded, by name.
var locations sync.Map

var slugPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)

// Validate reports the first thing wrong with a new agency.
func (a *Agency) Validate() error {
	if !slugPattern.MatchString(a.Slug) {
		return FieldErrorf("slug", "Slug must be 2 to 40 lower-case letters, digits or dashes, starting with a letter.")
	}
	if a.Name == "" {
		return FieldErrorf("name", "Name is required.")
	}
	if err := ValidateTimeZone(a.TimeZone); err != nil {
		return err
	}
	if a.Lat < -90 || a.Lat > 90 {
		return FieldErrorf("lat", "Latitude must be between -90 and 90.")
	}
	if a.Lon < -180 || a.Lon > 180 {
		return FieldErrorf("lon", "Longitude must be between -180 and 180.")
	}
	return a.validateContact()
}

// AgencyService manages agencies. Creating one is an operator's job (the
// command line); people only ever see their own.
type AgencyService interface {
	CreateAgency(ctx context.Context, a *Agency) error
	FindAgencyByID(ctx context.Context, id int64) (*Agency, error)
	FindAgencyBySlug(ctx context.Context, slug string) (*Agency, error)
	ListAgencies(ctx context.Context) ([]*Agency, error)
	UpdatePolicy(ctx context.Context, agencyID int64, p Policy) error
	// UpdateSettings changes the agency's name, non-emergency number and
	// address (admin of that agency after a step-up, or an operator).
	UpdateSettings(ctx context.Context, agencyID int64, s AgencySettings) (*Agency, error)
}

// SettingsChanges says in words which of an agency's settings differ from
// old to a, for the audit trail: "name; timezone America/Chicago→America/Denver".
// The phone and address are named, not quoted.
func SettingsChanges(old, a *Agency) string {
	var parts []string
	if old.Name != a.Name {
		parts = append(parts, "name")
	}
	if old.NonEmergencyPhone != a.NonEmergencyPhone {
		parts = append(parts, "non_emergency_phone")
	}
	if old.Address != a.Address {
		parts = append(parts, "address")
	}
	if old.TimeZone != a.TimeZone {
		parts = append(parts, "timezone "+old.TimeZone+"→"+a.TimeZone)
	}
	if old.Policy.Units != a.Policy.Units {
		parts = append(parts, "units "+old.Policy.Units+"→"+a.Policy.Units)
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, "; ")
}
