package citdesk

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Person is someone an officer met: the least identifying data that lets
// repeat contacts be counted, and optional demographics for equity figures.
type Person struct {
	ID            int64    `json:"id"`
	AgencyID      int64    `json:"agency_id"`
	FirstName     string   `json:"first_name"`
	LastName      string   `json:"last_name"`
	DOB           Date     `json:"dob"` // zero when unknown
	Aliases       []string `json:"aliases"`
	Sex           string   `json:"sex"`            // "", female, male, other
	RaceEthnicity string   `json:"race_ethnicity"` // "" or one of RaceEthnicities
	Veteran       *bool    `json:"veteran"`
	Housing       string   `json:"housing"` // "", housed, unstably_housed, unhoused
	Address       string   `json:"address"` // last known, for matching
	// Phone is how the liaison reaches the person; empty when unknown.
	Phone      string    `json:"phone"`
	Source     string    `json:"source"`
	ExternalID string    `json:"external_id,omitempty"`
	CreatedBy  int64     `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Version    int64     `json:"version"`
}

// Name returns "First Last".
func (p *Person) Name() string { return strings.TrimSpace(p.FirstName + " " + p.LastName) }

// NameOnly returns the person as someone without access to the record may
// see it: the id and the name, nothing else. It is what matching shows an
// officer naming a person on a report, and what the report's author sees
// of the person they named; the record itself (birth date, address,
// contacts, history, plan) needs a relationship (see CanReadPerson).
func (p *Person) NameOnly() *Person {
	return &Person{ID: p.ID, AgencyID: p.AgencyID, FirstName: p.FirstName, LastName: p.LastName}
}

// Optional demographic values. Empty means not recorded.
var (
	Sexes           = []string{"female", "male", "other"}
	RaceEthnicities = []string{"american_indian_alaska_native", "asian", "black", "hispanic_latino", "native_hawaiian_pacific_islander", "white", "multiracial", "other"}
	HousingStatuses = []string{"housed", "unstably_housed", "unhoused"}
)

// DemographicLabel returns a demographic value in words.
func DemographicLabel(v string) string {
	switch v {
	case "american_indian_alaska_native":
		return "American Indian or Alaska Native"
	case "hispanic_latino":
		return "Hispanic or Latino"
	case "native_hawaiian_pacific_islander":
		return "Native Hawaiian or Pacific Islander"
	case "unstably_housed":
		return "Unstably housed"
	case "":
		return "Not recorded"
	}
	return encCapitalize(v)
}

// Validate trims p's text and reports the first thing wrong, given today.
func (p *Person) Validate(today Date) error {
	p.FirstName, p.LastName, p.Address = strings.TrimSpace(p.FirstName), strings.TrimSpace(p.LastName), strings.TrimSpace(p.Address)
	p.Phone = strings.TrimSpace(p.Phone)
	if p.Source == "" {
		p.Source = SourceCitdesk
	}
	var aliases []string
	for _, a := range p.Aliases {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(aliases, a) {
			aliases = append(aliases, a)
		}
	}
	p.Aliases = aliases
	if p.Aliases == nil {
		p.Aliases = []string{}
	}
	if err := CheckTextFields(p); err != nil {
		return err
	}
	switch {
	case p.LastName == "":
		return FieldErrorf("last_name", "Last name is required.")
	case p.FirstName == "":
		return FieldErrorf("first_name", "First name is required.")
	case utf8.RuneCountInString(p.FirstName) > 80 || utf8.RuneCountInString(p.LastName) > 80:
		return FieldErrorf("last_name", "Names must be at most 80 characters.")
	case !p.DOB.IsZero() && p.DOB.After(today):
		return FieldErrorf("dob", "Date of birth cannot be in the future.")
	case !p.DOB.IsZero() && p.DOB.Before(NewDate(1900, 1, 1)):
		return FieldErrorf("dob", "Date of birth must be after 1900.")
	case len(p.Aliases) > 10:
		return FieldErrorf("aliases", "At most 10 aliases.")
	case p.Sex != "" && !slices.Contains(Sexes, p.Sex):
		return FieldErrorf("sex", "sex must be empty or one of %s.", strings.Join(Sexes, ", "))
	case p.RaceEthnicity != "" && !slices.Contains(RaceEthnicities, p.RaceEthnicity):
		return FieldErrorf("race_ethnicity", "race_ethnicity must be empty or one of %s.", strings.Join(RaceEthnicities, ", "))
	case p.Housing != "" && !slices.Contains(HousingStatuses, p.Housing):
		return FieldErrorf("housing", "housing must be empty or one of %s.", strings.Join(HousingStatuses, ", "))
	case utf8.RuneCountInString(p.Address) > encMaxAddress:
		return FieldErrorf("address", "Address must be at most %d characters.", encMaxAddress)
	case utf8.RuneCountInString(p.ExternalID) > encMaxExternalID:
		return FieldErrorf("external_id", "external_id must be at most %d characters.", encMaxExternalID)
	}
	if p.Phone != "" {
		if err := ValidatePhone("phone", p.Phone); err != nil {
			return err
		}
	}
	for _, a := range p.Aliases {
		if utf8.RuneCountInString(a) > 160 {
			return FieldErrorf("aliases", "Aliases must be at most 160 characters each.")
		}
	}
	return nil
}

// PersonQuery is what an officer knows about a person when looking for
// an existing record.
type PersonQuery struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	DOB       Date   `json:"dob"`
	Address   string `json:"address"`
}

// PersonMatch is a likely existing record for a query, with a score from
// 0 to 1 and the reasons in words.
type PersonMatch struct {
	Person      *Person    `json:"person"`
	Score       float64    `json:"score"`
	Reasons     []string   `json:"reasons"`
	Encounters  int        `json:"encounters"`
	LastContact *time.Time `json:"last_contact"`
	// NameOnly says Person holds only the id and the name (Person.NameOnly):
	// the actor may name the person on a report but not read the record.
	NameOnly bool `json:"-"`
}

// Thresholds for a likely match: the names must be close, and the total
// (names, date of birth, address) high enough.
const (
	matchMinName  = 0.8
	matchMinScore = 0.65
)

// MatchPerson scores how likely p is the person described by q. It
// returns ok=false when p is not a likely match: names too different, or
// both dates of birth known and clearly different (same name, different
// person).
func MatchPerson(q PersonQuery, p *Person) (score float64, reasons []string, ok bool) {
	name, nameReason := personNameScore(q.FirstName, q.LastName, p.FirstName, p.LastName)
	for _, alias := range p.Aliases {
		first, last := personSplitAlias(alias)
		if s, _ := personNameScore(q.FirstName, q.LastName, first, last); s > name {
			name, nameReason = s, "alias "+alias+" matches"
		}
	}
	if name < matchMinName {
		return 0, nil, false
	}
	reasons = append(reasons, nameReason)
	score = 0.6 * name
	rel := dobRelation(q.DOB, p.DOB)
	if rel == dobDifferent {
		return 0, nil, false
	}
	score += dobScores[rel].score
	reasons = append(reasons, dobScores[rel].reason)
	if q.Address != "" && p.Address != "" && SameAddress(q.Address, p.Address) {
		score += 0.1
		reasons = append(reasons, "same address")
	}
	if score > 1 {
		score = 1
	}
	return score, reasons, score >= matchMinScore
}

// RankMatches scores every candidate against q and returns the likely
// matches, best first, at most limit.
func RankMatches(q PersonQuery, candidates []*Person, limit int) []*PersonMatch {
	var out []*PersonMatch
	for _, p := range candidates {
		if s, reasons, ok := MatchPerson(q, p); ok {
			out = append(out, &PersonMatch{Person: p, Score: s, Reasons: reasons})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Person.ID > out[j].Person.ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// personNameScore compares two names as given and with first and last
// swapped, and says which way matched.
func personNameScore(qFirst, qLast, pFirst, pLast string) (float64, string) {
	qf, ql, pf, pl := NormalizeName(qFirst), NormalizeName(qLast), NormalizeName(pFirst), NormalizeName(pLast)
	if ql == "" {
		return 0, ""
	}
	first := func(a, b string) float64 {
		if a == "" || b == "" {
			return 0.85 // an unknown first name neither helps nor rules out
		}
		if personNickname(a) == personNickname(b) {
			return 1
		}
		return JaroWinkler(a, b)
	}
	direct := 0.4*first(qf, pf) + 0.6*JaroWinkler(ql, pl)
	swapped := 0.97 * (0.4*first(qf, pl) + 0.6*JaroWinkler(ql, pf))
	if swapped > direct {
		return swapped, "first and last names swapped"
	}
	switch {
	case qf == pf && ql == pl:
		return direct, "same name"
	case ql == pl && personNickname(qf) == personNickname(pf):
		return direct, "same name (nickname)"
	}
	return direct, "similar name"
}

func personSplitAlias(alias string) (first, last string) {
	f := strings.Fields(alias)
	switch len(f) {
	case 0:
		return "", ""
	case 1:
		return "", f[0]
	}
	return strings.Join(f[:len(f)-1], " "), f[len(f)-1]
}

type dobRel int

const (
	dobUnknown dobRel = iota
	dobSame
	dobOffByDay
	dobSwapped
	dobYearTypo
	dobDifferent
)

// dobScores is what each relation of two dates of birth (but
// dobDifferent, which rules a match out) adds to a match's score, and why.
var dobScores = map[dobRel]struct {
	score  float64
	reason string
}{
	dobSame:     {0.3, "same date of birth"},
	dobOffByDay: {0.2, "date of birth one day apart"},
	dobSwapped:  {0.2, "day and month of birth swapped"},
	dobYearTypo: {0.15, "same birthday, year one apart"},
	dobUnknown:  {0.12, "date of birth not known on one side"},
}

func dobRelation(a, b Date) dobRel {
	if a.IsZero() || b.IsZero() {
		return dobUnknown
	}
	if a == b {
		return dobSame
	}
	if d := a.DaysUntil(b); d == 1 || d == -1 {
		return dobOffByDay
	}
	ay, am, ad := a.t.Date()
	by, bm, bd := b.t.Date()
	if ay == by && int(am) == bd && ad == int(bm) {
		return dobSwapped
	}
	if am == bm && ad == bd && (ay-by == 1 || by-ay == 1) {
		return dobYearTypo
	}
	return dobDifferent
}

// nameSuffixes are dropped from names before comparing.
var nameSuffixes = map[string]bool{"jr": true, "sr": true, "ii": true, "iii": true, "iv": true}

// NormalizeName lower-cases a name, folds accents (José → jose), drops
// punctuation (O'Brien → obrien) and suffixes such as Jr., and collapses
// spaces.
func NormalizeName(s string) string {
	folded := foldWords(s, func(r rune) bool { return unicode.IsSpace(r) || r == '-' })
	var words []string
	for _, w := range strings.Fields(folded) {
		if !nameSuffixes[w] {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// foldWords lower-cases s, folds accents (accentFold) and keeps letters and
// digits; any other rune becomes a space where sep says it separates words,
// and is dropped where it does not (the ' of O'Brien).
func foldWords(s string, sep func(rune) bool) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := accentFold[r]; ok {
			b.WriteString(f)
		} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		} else if sep(r) {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

var accentFold = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ą': "a", 'æ': "ae",
	'ç': "c", 'ć': "c", 'č': "c", 'ď': "d", 'đ': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ę': "e", 'ě': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'ł': "l", 'ľ': "l",
	'ñ': "n", 'ń': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o", 'œ': "oe",
	'ř': "r", 'ś': "s", 'š': "s", 'ş': "s", 'ß': "ss", 'ť': "t", 'ţ': "t",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u",
	'ý': "y", 'ÿ': "y", 'ź': "z", 'ż': "z", 'ž': "z",
	'\'': "", '’': "", '.': "",
}

// nicknames maps common English nicknames to a canonical given name.
var nicknames = map[string]string{
	"bill": "william", "billy": "william", "will": "william", "willie": "william", "liam": "william",
	"bob": "robert", "bobby": "robert", "rob": "robert", "robbie": "robert",
	"jim": "james", "jimmy": "james", "jamie": "james",
	"mike": "michael", "mikey": "michael", "mick": "michael",
	"dick": "richard", "rick": "richard", "ricky": "richard", "rich": "richard",
	"tom": "thomas", "tommy": "thomas", "tony": "anthony", "joe": "joseph", "joey": "joseph",
	"dan": "daniel", "danny": "daniel", "dave": "david", "chris": "christopher", "matt": "matthew",
	"steve": "steven", "stephen": "steven", "jon": "john", "johnny": "john", "jack": "john",
	"ed": "edward", "eddie": "edward", "ted": "edward", "charlie": "charles", "chuck": "charles",
	"sam": "samuel", "ben": "benjamin", "nick": "nicholas", "alex": "alexander", "andy": "andrew",
	"greg": "gregory", "jeff": "jeffrey", "larry": "lawrence", "pat": "patrick", "ken": "kenneth",
	"liz": "elizabeth", "beth": "elizabeth", "betty": "elizabeth", "lizzie": "elizabeth",
	"kate": "katherine", "katie": "katherine", "kathy": "katherine", "catherine": "katherine", "kathryn": "katherine",
	"peggy": "margaret", "maggie": "margaret", "meg": "margaret", "jen": "jennifer", "jenny": "jennifer",
	"sue": "susan", "susie": "susan", "debbie": "deborah", "deb": "deborah", "patty": "patricia", "trish": "patricia",
	"becky": "rebecca", "vicky": "victoria", "mandy": "amanda", "abby": "abigail", "cindy": "cynthia",
}

func personNickname(n string) string {
	if c, ok := nicknames[n]; ok {
		return c
	}
	return n
}

// JaroWinkler returns the Jaro-Winkler similarity of a and b, from 0
// (nothing alike) to 1 (equal). It forgives the typos people make in
// names: transposed, missing or wrong letters.
func JaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 || len(rb) == 0 {
		return 0
	}
	window := max(len(ra), len(rb))/2 - 1
	if window < 0 {
		window = 0
	}
	matchA, matchB := make([]bool, len(ra)), make([]bool, len(rb))
	matches := 0
	for i := range ra {
		lo, hi := max(0, i-window), min(len(rb)-1, i+window)
		for j := lo; j <= hi; j++ {
			if !matchB[j] && ra[i] == rb[j] {
				matchA[i], matchB[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	transpositions, k := 0, 0
	for i := range ra {
		if !matchA[i] {
			continue
		}
		for !matchB[k] {
			k++
		}
		if ra[i] != rb[k] {
			transpositions++
		}
		k++
	}
	m := float64(matches)
	jaro := (m/float64(len(ra)) + m/float64(len(rb)) + (m-float64(transpositions)/2)/m) / 3
	prefix := 0
	for i := 0; i < min(4, len(ra), len(rb)) && ra[i] == rb[i]; i++ {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

var streetWords = map[string]string{
	"street": "st", "avenue": "ave", "av": "ave", "road": "rd", "drive": "dr", "lane": "ln", "boulevard": "blvd",
	"court": "ct", "place": "pl", "terrace": "ter", "highway": "hwy", "parkway": "pkwy", "circle": "cir",
	"north": "n", "south": "s", "east": "e", "west": "w", "apartment": "apt", "unit": "apt", "suite": "apt", "number": "apt",
}

// AddressKey normalises a street address for comparison: the street line
// (the agency is one town, so city and state are dropped), lower-cased,
// punctuation dropped and common words abbreviated, so "1204 Boyd Street,
// Apt. 3" and "1204 boyd st apt 3" agree.
func AddressKey(s string) string {
	// The street line is the first comma-separated part that starts with a
	// house number ("Apartment 2B, 1200 Vineland Rd"), else the first part.
	parts := strings.Split(s, ",")
	line := parts[0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" && p[0] >= '0' && p[0] <= '9' {
			line = p
			break
		}
	}
	line = strings.ReplaceAll(line, "#", " apt ")
	words := strings.Fields(foldWords(line, func(rune) bool { return true }))
	for i, w := range words {
		if s, ok := streetWords[w]; ok {
			words[i] = s
		}
	}
	return strings.Join(words, " ")
}

// addressStreet drops the unit ("apt 3") from an address key.
func addressStreet(key string) string {
	if i := strings.Index(key, " apt"); i >= 0 {
		return key[:i]
	}
	return key
}

// SameAddress reports whether two addresses name the same place: equal
// keys, or the same street address when only one of them gives a unit.
func SameAddress(a, b string) bool {
	ka, kb := AddressKey(a), AddressKey(b)
	if ka == "" || kb == "" {
		return false
	}
	if ka == kb {
		return true
	}
	sa, sb := addressStreet(ka), addressStreet(kb)
	return sa == sb && (sa == ka || sb == kb)
}

// Repeat contacts: people with at least RepeatContactMin encounters in the
// last RepeatContactDays days.
const (
	DefaultRepeatContactMin  = 3
	DefaultRepeatContactDays = 90
)

// RepeatContactFilter selects the repeat-contacts list. Zero values take
// the defaults above.
type RepeatContactFilter struct {
	MinEncounters int
	WindowDays    int
}

// Normalize fills defaults and checks the bounds.
func (f *RepeatContactFilter) Normalize() error {
	if f.MinEncounters == 0 {
		f.MinEncounters = DefaultRepeatContactMin
	}
	if f.WindowDays == 0 {
		f.WindowDays = DefaultRepeatContactDays
	}
	switch {
	case f.MinEncounters < 2 || f.MinEncounters > 100:
		return FieldErrorf("min", "min must be 2 to 100 encounters.")
	case f.WindowDays < 1 || f.WindowDays > 3660:
		return FieldErrorf("days", "days must be 1 to 3660.")
	}
	return nil
}

// WindowStart returns the first instant inside the window ending at now:
// an encounter exactly WindowDays×24 hours ago still counts.
func (f RepeatContactFilter) WindowStart(now time.Time) time.Time {
	return now.Add(-time.Duration(f.WindowDays) * 24 * time.Hour)
}

// RepeatContact is a person with their encounter count in the window.
type RepeatContact struct {
	Person      *Person   `json:"person"`
	Encounters  int       `json:"encounters"`
	First       time.Time `json:"first"`
	Last        time.Time `json:"last"`
	CurrentPlan bool      `json:"current_plan"`
}

// PersonContact is one earlier encounter with a person, as the person
// page lists it: when, who, and how it ended. No narrative.
type PersonContact struct {
	EncounterID  int64           `json:"encounter_id"`
	OccurredAt   time.Time       `json:"occurred_at"`
	OfficerID    int64           `json:"officer_id"`
	Officer      string          `json:"officer"`
	CITCertified bool            `json:"cit_certified"`
	Status       EncounterStatus `json:"status"`
	Dispositions []Disposition   `json:"dispositions"`
	Force        ForceLevel      `json:"force"`
}

// PersonFile is everything the person page shows.
type PersonFile struct {
	Person     *Person          `json:"person"`
	Contacts   []*PersonContact `json:"contacts"`
	Referrals  []*Referral      `json:"referrals"`
	Plan       *CrisisPlan      `json:"current_plan"` // nil when none is current (or not shown to the caller)
	PlanStatus string           `json:"plan_status"`  // "current", "expired", "none"
}

// PersonService keeps person records. Every read of a person is written
// to the audit trail.
type PersonService interface {
	CreatePerson(ctx context.Context, p *Person) error
	UpdatePerson(ctx context.Context, p *Person) error
	// FindPersonByID returns a person the actor has a reason to see.
	FindPersonByID(ctx context.Context, id int64) (*Person, error)
	// PersonFile returns the person with earlier contacts, referrals and
	// the current crisis plan.
	PersonFile(ctx context.Context, id int64) (*PersonFile, error)
	// MatchPersons returns likely existing records for q, best first.
	MatchPersons(ctx context.Context, q PersonQuery) ([]*PersonMatch, error)
	// RepeatContacts lists people with many encounters in a window.
	RepeatContacts(ctx context.Context, f RepeatContactFilter) ([]*RepeatContact, error)
}

// CrisisPlan is a voluntary, consent-based safety profile that a person
// or their family registers with the coordinator. It is shown to the
// responders of a matching call only while it is current.
type CrisisPlan struct {
	ID                int64     `json:"id"`
	AgencyID          int64     `json:"agency_id"`
	PersonID          int64     `json:"person_id"`
	Address           string    `json:"address"` // where calls about the person come from, usually home
	WhatHelps         string    `json:"what_helps"`
	WhatToAvoid       string    `json:"what_to_avoid"`
	Triggers          string    `json:"triggers"`
	Medications       string    `json:"medications"`
	Contacts          string    `json:"contacts"` // who to call
	PreferredFacility string    `json:"preferred_facility"`
	ConsentDate       Date      `json:"consent_date"`
	ConsentedBy       string    `json:"consented_by"`
	ExpiresOn         Date      `json:"expires_on"` // last day the plan is shown
	CreatedBy         int64     `json:"created_by"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	Version           int64     `json:"version"`

	// Filled when read for a call: the person's name and why it matched.
	HasPhoto   bool   `json:"has_photo"`
	PersonName string `json:"person_name,omitempty"`
	MatchedBy  string `json:"matched_by,omitempty"` // "address" or "person"
}

// PlanValidity is how long consent lasts unless the plan says otherwise.
const PlanValidityMonths = 6

// Current reports whether the plan may be shown on day today: consent
// given on or before today and not yet expired.
func (c *CrisisPlan) Current(today Date) bool {
	return !c.ConsentDate.IsZero() && !today.Before(c.ConsentDate) && !today.After(c.ExpiresOn)
}

// Validate trims the plan's text, sets a missing expiry to six months
// after consent, and reports the first thing wrong, given today.
func (c *CrisisPlan) Validate(today Date) error {
	for _, s := range []*string{&c.Address, &c.WhatHelps, &c.WhatToAvoid, &c.Triggers, &c.Medications, &c.Contacts, &c.PreferredFacility, &c.ConsentedBy} {
		*s = strings.TrimSpace(*s)
	}
	if !c.ConsentDate.IsZero() && c.ExpiresOn.IsZero() {
		c.ExpiresOn = c.ConsentDate.AddMonthsClamped(PlanValidityMonths)
	}
	if err := CheckTextFields(c); err != nil {
		return err
	}
	switch {
	case c.ConsentDate.IsZero():
		return FieldErrorf("consent_date", "The date consent was given is required.")
	case c.ConsentDate.After(today):
		return FieldErrorf("consent_date", "Consent cannot be dated in the future.")
	case c.ConsentedBy == "":
		return FieldErrorf("consented_by", "Say who gave consent (the person, or a family member and how related).")
	case !c.ExpiresOn.After(c.ConsentDate):
		return FieldErrorf("expires_on", "The plan must expire after the consent date.")
	case c.ExpiresOn.After(c.ConsentDate.AddMonthsClamped(12)):
		return FieldErrorf("expires_on", "A plan lasts at most 12 months; renew it with fresh consent.")
	case c.WhatHelps == "" && c.WhatToAvoid == "" && c.Triggers == "" && c.Contacts == "":
		return FieldErrorf("what_helps", "Write at least what helps, what to avoid, triggers or who to call.")
	case utf8.RuneCountInString(c.ConsentedBy) > encMaxShort, utf8.RuneCountInString(c.PreferredFacility) > encMaxShort:
		return FieldErrorf("consented_by", "Consented by and preferred facility must be at most %d characters.", encMaxShort)
	case utf8.RuneCountInString(c.Address) > encMaxAddress:
		return FieldErrorf("address", "Address must be at most %d characters.", encMaxAddress)
	}
	for field, s := range map[string]string{"what_helps": c.WhatHelps, "what_to_avoid": c.WhatToAvoid, "triggers": c.Triggers, "medications": c.Medications, "contacts": c.Contacts} {
		if utf8.RuneCountInString(s) > 4000 {
			return FieldErrorf(field, "Each part of the plan must be at most 4000 characters.")
		}
	}
	return nil
}

// CrisisPlanService keeps crisis plans. Only the coordinator writes them;
// a plan is read by those with a reason — the coordinator, the dispatcher
// and assigned officer of a matching open call, the liaison a person is
// referred to — and every read is audited.
type CrisisPlanService interface {
	CreateCrisisPlan(ctx context.Context, c *CrisisPlan) error
	UpdateCrisisPlan(ctx context.Context, c *CrisisPlan) error
	// RenewCrisisPlan records fresh consent: a new consent date and expiry.
	RenewCrisisPlan(ctx context.Context, id, version int64, consent Date, consentedBy string) (*CrisisPlan, error)
	FindCrisisPlanByID(ctx context.Context, id int64) (*CrisisPlan, error)
	ListCrisisPlans(ctx context.Context, personID int64) ([]*CrisisPlan, error)
	// CurrentPlanForPerson returns the person's current plan, or ENOTFOUND.
	CurrentPlanForPerson(ctx context.Context, personID int64) (*CrisisPlan, error)
	// PlansForCall returns the current plans matching an open call's
	// address or named person, for its dispatcher or assigned officer.
	PlansForCall(ctx context.Context, callID int64) ([]*CrisisPlan, error)
	// CallsWithPlans says which of the given calls have a current plan on
	// file, without reading any plan: the flag the dispatch board shows.
	CallsWithPlans(ctx context.Context, callIDs []int64) (map[int64]bool, error)
	// PlansToRevalidate lists plans that have expired, or expire within
	// 30 days, with no newer current plan for the same person.
	PlansToRevalidate(ctx context.Context) ([]*CrisisPlan, error)
	// SetPlanPhoto stores the plan's optional photo (coordinator), already
	// checked and stripped of metadata by NormalizePlanPhoto.
	SetPlanPhoto(ctx context.Context, planID int64, jpeg []byte) error
	// PlanPhoto returns the plan's photo (JPEG) to whoever may read the
	// plan; each view is audited.
	PlanPhoto(ctx context.Context, planID int64) ([]byte, error)
}
