package citdesk

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// PolicySetting is one setting of an agency's Policy that its admin may
// change, with the range it must stay in. The admin's policy page, the
// API (PATCH /api/v1/agency) and the command line (citdesk agency policy)
// all read and check settings through this one list, so a range is
// written once.
type PolicySetting struct {
	Name    string // the JSON name, form field and command-line name
	Label   string
	Help    string
	Section string // the heading it is shown under
	// Unit is what a duration is typed and shown in (time.Second,
	// time.Minute, time.Hour); UnitName says it in words. Zero for
	// settings that are not durations.
	Unit     time.Duration
	UnitName string
	// Min and Max bound a number (in Unit for a duration); MaxLen bounds
	// text, or each word of a list; MaxWords bounds a list of words;
	// Choices lists the allowed words of a choice.
	Min, Max float64
	MaxLen   int
	MaxWords int
	Choices  []string
	field    func(p *Policy) any // a pointer to the setting in p
}

// Kind says how the setting is typed: "number", "text", "choice" or
// "words" (a list of words or phrases, one a line).
func (s PolicySetting) Kind() string {
	switch {
	case s.MaxWords > 0:
		return "words"
	case len(s.Choices) > 0:
		return "choice"
	case s.MaxLen > 0:
		return "text"
	}
	return "number"
}

// Whole reports whether the setting takes whole numbers only.
func (s PolicySetting) Whole() bool {
	switch s.field(&Policy{}).(type) {
	case *int, *time.Duration:
		return true
	}
	return false
}

// Range says the allowed range in words, e.g. "1 to 3,600 seconds".
func (s PolicySetting) Range() string {
	switch s.Kind() {
	case "choice":
		return strings.Join(s.Choices, " or ")
	case "text":
		return fmt.Sprintf("1 to %d characters", s.MaxLen)
	case "words":
		return fmt.Sprintf("1 to %d words or phrases, one a line, each up to %d characters", s.MaxWords, s.MaxLen)
	}
	r := formatNumber(s.Min) + " to " + formatNumber(s.Max)
	if s.UnitName != "" {
		r += " " + s.UnitName
	}
	return r
}

// formatNumber writes f without needless decimals and with thousands
// separators in its whole part.
func formatNumber(f float64) string {
	text := strconv.FormatFloat(f, 'f', -1, 64)
	whole, frac, _ := strings.Cut(text, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	if frac != "" {
		out += "." + frac
	}
	return out
}

// Value returns the setting's value in p as it is typed: a duration in
// its unit, a number without needless decimals, text as it is.
func (s PolicySetting) Value(p Policy) string {
	switch v := s.field(&p).(type) {
	case *int:
		return strconv.Itoa(*v)
	case *float64:
		return strconv.FormatFloat(*v, 'f', -1, 64)
	case *time.Duration:
		return strconv.FormatFloat(float64(*v)/float64(s.Unit), 'f', -1, 64)
	case *string:
		return *v
	case *bool:
		if *v {
			return "yes"
		}
		return "no"
	case eidoWords:
		r := v.p.EIDORules()
		return strings.Join(*v.list(&r), "\n")
	}
	return ""
}

// Default is the setting's value in a new agency's policy, as Value
// writes it.
func (s PolicySetting) Default() string { return s.Value(DefaultPolicy()) }

// eidoWords is a word list of the agency's EIDO reading rules, which
// Policy holds behind a pointer (nil: the defaults).
type eidoWords struct {
	p    *Policy
	list func(r *EIDORules) *[]string
}

// splitWords reads a list typed one word or phrase a line (or separated
// by commas, on the command line), leaving out blank lines.
func splitWords(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// Set parses text as the setting's value and stores it in p. It refuses
// text that is not a value of the setting's kind; the range is checked
// by Policy.Validate.
func (s PolicySetting) Set(p *Policy, text string) error {
	text = strings.TrimSpace(text)
	switch v := s.field(p).(type) {
	case eidoWords:
		// The rules are copied before a list changes, and left as they are
		// (nil stays nil: the defaults) when it does not.
		r := p.EIDORules()
		if words := splitWords(text); !slices.Equal(words, *v.list(&r)) {
			r = r.Clone()
			*v.list(&r) = words
			p.EIDO = &r
		}
		return nil
	case *string:
		*v = text
		return nil
	case *bool:
		switch strings.ToLower(text) {
		case "yes":
			*v = true
		case "no":
			*v = false
		default:
			return FieldErrorf(s.Name, "%s must be %s.", s.Label, s.Range())
		}
	case *int:
		n, err := strconv.Atoi(strings.ReplaceAll(text, ",", ""))
		if err != nil {
			return FieldErrorf(s.Name, "%s must be a whole number from %s.", s.Label, s.Range())
		}
		*v = n
	case *float64:
		f, err := strconv.ParseFloat(strings.ReplaceAll(text, ",", ""), 64)
		if err != nil || f != f { // f != f: NaN, which no range check catches
			return FieldErrorf(s.Name, "%s must be a number from %s.", s.Label, s.Range())
		}
		*v = f
	case *time.Duration:
		n, err := strconv.ParseInt(strings.ReplaceAll(text, ",", ""), 10, 64)
		if err != nil || n < -int64(time.Duration(1<<62)/s.Unit) || n > int64(time.Duration(1<<62)/s.Unit) {
			return FieldErrorf(s.Name, "%s must be a whole number of %s from %s.", s.Label, s.UnitName, s.Range())
		}
		*v = time.Duration(n) * s.Unit
	}
	return nil
}

// check reports what is wrong with the setting's value in p, or nil.
func (s PolicySetting) check(p Policy) error {
	var n float64
	switch v := s.field(&p).(type) {
	case *bool:
		return nil // Set takes only yes or no
	case eidoWords:
		r := p.EIDORules()
		return s.checkWords(*v.list(&r))
	case *string:
		if len(s.Choices) > 0 {
			if !slices.Contains(s.Choices, *v) {
				return FieldErrorf(s.Name, "%s must be %s.", s.Label, s.Range())
			}
			return nil
		}
		if l := utf8.RuneCountInString(strings.TrimSpace(*v)); l == 0 || l > s.MaxLen {
			return FieldErrorf(s.Name, "%s must be %s.", s.Label, s.Range())
		}
		return CheckText(s.Name, *v)
	case *int:
		n = float64(*v)
	case *float64:
		n = *v
	case *time.Duration:
		if *v%s.Unit != 0 {
			return FieldErrorf(s.Name, "%s must be a whole number of %s.", s.Label, s.UnitName)
		}
		n = float64(*v / s.Unit)
	}
	if !(n >= s.Min && n <= s.Max) {
		kind := "a number"
		if s.Whole() {
			kind = "a whole number"
		}
		return FieldErrorf(s.Name, "%s must be %s from %s.", s.Label, kind, s.Range())
	}
	return nil
}

// checkWords reports what is wrong with a word list: none at all (an
// empty list would silently stop the reading of every CIT request, so it
// is refused), too many, a blank or too long word, one with a comma, a
// tab or a line break (the form and the command line separate words with
// commas and line breaks),
// or one listed twice (any case: the rules match any case).
func (s PolicySetting) checkWords(words []string) error {
	if len(words) == 0 {
		return FieldErrorf(s.Name, "%s: give at least one word or phrase.", s.Label)
	}
	if len(words) > s.MaxWords {
		return FieldErrorf(s.Name, "%s: at most %d words or phrases, not %d.", s.Label, s.MaxWords, len(words))
	}
	seen := map[string]bool{}
	for i, w := range words {
		w = strings.TrimSpace(w)
		switch {
		case w == "":
			return FieldErrorf(s.Name, "%s: word %d is empty.", s.Label, i+1)
		case utf8.RuneCountInString(w) > s.MaxLen:
			return FieldErrorf(s.Name, "%s: %q is longer than %d characters.", s.Label, w, s.MaxLen)
		case strings.ContainsAny(w, ",\t\r\n"):
			return FieldErrorf(s.Name, "%s: %q has a comma, a tab or a line break; give each word or phrase on a line of its own.", s.Label, w)
		case seen[strings.ToLower(w)]:
			return FieldErrorf(s.Name, "%s: %q is listed twice.", s.Label, w)
		}
		seen[strings.ToLower(w)] = true
		if err := CheckText(s.Name, w); err != nil {
			return err
		}
	}
	return nil
}

// PolicySettings lists every setting of Policy an admin may change, in
// the order the policy page shows them.
var PolicySettings = []PolicySetting{
	{Name: "lockout_attempts", Section: "Sign-in", Label: "Failed sign-ins before a lockout", Min: 1, Max: 20,
		Help: "CJIS asks for at most 5.", field: func(p *Policy) any { return &p.LockoutAttempts }},
	{Name: "lockout_duration", Section: "Sign-in", Label: "Lockout lasts", Unit: time.Minute, UnitName: "minutes", Min: 1, Max: 1440,
		Help: "The right password still gets in from an address the user signed in from before.", field: func(p *Policy) any { return &p.LockoutDuration }},
	{Name: "session_idle", Section: "Sign-in", Label: "Sign out after idle", Unit: time.Minute, UnitName: "minutes", Min: 1, Max: 120,
		Help: "For browser sessions and API tokens. CJIS asks for a session lock after at most 30 minutes.", field: func(p *Policy) any { return &p.SessionIdle }},
	{Name: "session_lifetime", Section: "Sign-in", Label: "A sign-in lasts at most", Unit: time.Hour, UnitName: "hours", Min: 1, Max: 24,
		Help: "People sign in again after a shift, used or not.", field: func(p *Policy) any { return &p.SessionLifetime }},
	{Name: "token_lifetime", Section: "Sign-in", Label: "API tokens last at most", Unit: time.Hour, UnitName: "hours", Min: 1, Max: 720,
		field: func(p *Policy) any { return &p.TokenLifetime }},
	{Name: "max_sessions", Section: "Sign-in", Label: "Browser sessions per user", Min: 0, Max: 20,
		Help: "A new sign-in ends the oldest beyond this; 0 means no limit.", field: func(p *Policy) any { return &p.MaxSessions }},
	{Name: "mfa", Section: "Sign-in", Label: "Second factor", Choices: []string{MFARequired, MFAOptional},
		Help: "required: everyone enrolls an authenticator app or a passkey (CJIS).", field: func(p *Policy) any { return &p.MFA }},

	{Name: "emergency_alert", Section: "Dispatch", Label: "Alert when an emergency waits with no officer sent for", Unit: time.Second, UnitName: "seconds", Min: 1, Max: 3600,
		Help: "The board alerts in words and with a sound. NFPA 1225: 60 seconds. A call that asked for a CIT officer and has none alerts at once.", field: func(p *Policy) any { return &p.EmergencyAlert }},
	{Name: "stale_position", Section: "Dispatch", Label: "Distrust an officer's position after", Unit: time.Minute, UnitName: "minutes", Min: 1, Max: 120,
		Help: "An older position is not used to rank officers by distance.", field: func(p *Policy) any { return &p.StalePosition }},
	{Name: "road_factor", Section: "Dispatch", Label: "Road distance ÷ straight-line distance", Min: 1, Max: 3,
		Help: "Used to estimate travel when there is no road map.", field: func(p *Policy) any { return &p.RoadFactor }},
	{Name: "speed_kmh", Section: "Dispatch", Label: "Average response speed (km/h)", Min: 5, Max: 200,
		field: func(p *Policy) any { return &p.SpeedKMH }},
	{Name: "units", Section: "Agency", Label: "Units of distance", Choices: []string{UnitsImperial, UnitsMetric},
		Help: "imperial: miles and feet; metric: kilometers and meters.", field: func(p *Policy) any { return &p.Units }},

	{Name: "refresher_hours", Section: "CIT certification", Label: "Refresher hours needed", Min: 0, Max: 200,
		field: func(p *Policy) any { return &p.RefresherHours }},
	{Name: "refresher_months", Section: "CIT certification", Label: "…within the last (months)", Min: 1, Max: 120,
		field: func(p *Policy) any { return &p.RefresherMonths }},
	{Name: "grace_months", Section: "CIT certification", Label: "Months after the 40-hour course before refreshers count", Min: 0, Max: 120,
		field: func(p *Policy) any { return &p.GraceMonths }},
	{Name: "expiring_days", Section: "CIT certification", Label: "Warn this many days before a certification lapses", Min: 1, Max: 365,
		field: func(p *Policy) any { return &p.ExpiringDays }},

	{Name: "referral_contact", Section: "Referrals", Label: "Show the liaison how to reach the person", Choices: []string{"yes", "no"},
		Help:  "yes: a referral shows the person's phone and address and, when the caller was family, the caller's contact; each view is audited.",
		field: func(p *Policy) any { return &p.ReferralContact }},

	{Name: "repeat_contact_min", Section: "Repeat contacts", Label: "Contacts that make a repeat contact", Min: 2, Max: 50,
		field: func(p *Policy) any { return &p.RepeatContactMin }},
	{Name: "repeat_contact_days", Section: "Repeat contacts", Label: "…within (days)", Min: 1, Max: 3650,
		field: func(p *Policy) any { return &p.RepeatContactDays }},

	{Name: "eido.cit_types", Section: "Calls from the CAD (EIDO)", Label: "Incident types that ask for a CIT officer", MaxLen: 80, MaxWords: 50,
		Help:  "Looked for, any case and as whole words, in the incident type, the call type and the registry type of a call the CAD sends.",
		field: func(p *Policy) any { return eidoWords{p, func(r *EIDORules) *[]string { return &r.CITTypes }} }},
	{Name: "eido.cit_phrases", Section: "Calls from the CAD (EIDO)", Label: "Words in the notes that ask for a CIT officer", MaxLen: 80, MaxWords: 50,
		Help:  "Looked for, any case and as whole words, in the call's notes and comments.",
		field: func(p *Policy) any { return eidoWords{p, func(r *EIDORules) *[]string { return &r.CITPhrases }} }},
	{Name: "eido.mental_health_types", Section: "Calls from the CAD (EIDO)", Label: "Incident types of a mental-health call", MaxLen: 80, MaxWords: 50,
		field: func(p *Policy) any { return eidoWords{p, func(r *EIDORules) *[]string { return &r.MentalHealthTypes }} }},
	{Name: "eido.mental_health_phrases", Section: "Calls from the CAD (EIDO)", Label: "Words in the notes of a mental-health call", MaxLen: 80, MaxWords: 50,
		field: func(p *Policy) any {
			return eidoWords{p, func(r *EIDORules) *[]string { return &r.MentalHealthPhrases }}
		}},

	{Name: "emergency_detention_label", Section: "Words", Label: "Emergency detention is called", MaxLen: 80,
		Help: "In Missouri: 96-hour civil detention.", field: func(p *Policy) any { return &p.EmergencyDetentionLabel }},
	{Name: "liaison_program", Section: "Words", Label: "The liaison program is called", MaxLen: 80,
		field: func(p *Policy) any { return &p.LiaisonProgram }},
}

// PolicySettingNamed returns the setting called name.
func PolicySettingNamed(name string) (PolicySetting, bool) {
	for _, s := range PolicySettings {
		if s.Name == name {
			return s, true
		}
	}
	return PolicySetting{}, false
}

// Normalized returns p with the settings an agency stored before they
// existed set to what they already read as: a second factor required,
// imperial units, the 60-second emergency alert.
func (p Policy) Normalized() Policy {
	if p.MFA == "" {
		p.MFA = MFARequired
	}
	if p.Units == "" {
		p.Units = UnitsImperial
	}
	if p.EmergencyAlert == 0 {
		p.EmergencyAlert = DefaultPolicy().EmergencyAlert
	}
	if p.EIDO != nil {
		// Words as the rules match them (trimmed), and rules equal to the
		// defaults stored as none, so an agency that never changed them
		// follows the defaults.
		r := p.EIDO.trimmed()
		switch {
		case r.equal(DefaultEIDORules()):
			p.EIDO = nil
		case !r.equal(*p.EIDO):
			p.EIDO = &r
		}
	}
	return p
}

// Validate reports every setting of p outside its range, each at its
// field, or nil when p may be saved.
func (p Policy) Validate() error {
	var c fieldChecks
	for _, s := range PolicySettings {
		c.add(s.check(p))
	}
	return c.err()
}

// PolicyChanges says in words which settings differ from old to p, for
// the audit trail: "emergency_alert 60→90 seconds; units imperial→metric".
func PolicyChanges(old, p Policy) string {
	var parts []string
	for _, s := range PolicySettings {
		a, b := s.Value(old), s.Value(p)
		if a == b {
			continue
		}
		if s.Kind() == "text" {
			parts = append(parts, s.Name+" changed")
			continue
		}
		if s.Kind() == "words" {
			parts = append(parts, s.Name+" "+wordChanges(splitWords(a), splitWords(b)))
			continue
		}
		part := s.Name + " " + a + "→" + b
		if s.UnitName != "" {
			part += " " + s.UnitName
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, "; ")
}

// wordChanges says which words a list gained and lost:
// `+"CIT team" −"CIT officer"`.
func wordChanges(old, new []string) string {
	var parts []string
	for _, w := range new {
		if !slices.Contains(old, w) {
			parts = append(parts, "+"+strconv.Quote(w))
		}
	}
	for _, w := range old {
		if !slices.Contains(new, w) {
			parts = append(parts, "−"+strconv.Quote(w))
		}
	}
	if len(parts) == 0 {
		return "reordered"
	}
	return strings.Join(parts, " ")
}
