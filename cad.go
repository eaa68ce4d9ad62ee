package citdesk

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// EIDORules say how a call that arrives from the CAD as an EIDO document
// is read for "the caller asked for a CIT officer" and "a mental-health
// call": words or phrases looked for, any case, as whole words, in the
// incident's type (its internal code and text, its registry type, the
// call's local type) and in its notes and comments. Agency policy
// (Policy.EIDO); DefaultEIDORules are what a new agency starts with.
type EIDORules struct {
	CITTypes            []string `json:"cit_types"`
	CITPhrases          []string `json:"cit_phrases"`
	MentalHealthTypes   []string `json:"mental_health_types"`
	MentalHealthPhrases []string `json:"mental_health_phrases"`
}

// DefaultEIDORules: a type or note that names CIT asks for CIT; types and
// notes about suicide, psychiatric or behavioral crises mark a
// mental-health call.
func DefaultEIDORules() EIDORules {
	return EIDORules{
		CITTypes:   []string{"CIT", "crisis intervention team"},
		CITPhrases: []string{"CIT requested", "CIT request", "requests CIT", "requested CIT", "request CIT", "CIT officer", "crisis intervention team"},
		MentalHealthTypes: []string{"mental health", "mental", "psychiatric", "psych", "suicide", "suicidal", "behavioral health",
			"emotionally disturbed", "EDP", "5150", "crisis"},
		MentalHealthPhrases: []string{"mental health", "mental illness", "mentally ill", "psychiatric", "suicide", "suicidal", "hearing voices",
			"off his meds", "off her meds", "off their meds", "off medication", "bipolar", "schizophrenia", "schizophrenic", "psychosis", "psychotic",
			"988", "behavioral health", "emotionally disturbed"},
	}
}

// Clone returns r with lists of its own, so changing one (or decoding
// JSON into it) does not change the rules r was copied from.
func (r EIDORules) Clone() EIDORules {
	for _, l := range r.lists() {
		*l = slices.Clone(*l)
	}
	return r
}

func (r *EIDORules) lists() []*[]string {
	return []*[]string{&r.CITTypes, &r.CITPhrases, &r.MentalHealthTypes, &r.MentalHealthPhrases}
}

// trimmed returns r with each word trimmed of surrounding space.
func (r EIDORules) trimmed() EIDORules {
	r = r.Clone()
	for _, l := range r.lists() {
		for i := range *l {
			(*l)[i] = strings.TrimSpace((*l)[i])
		}
	}
	return r
}

// equal reports whether r and o have the same words in the same order.
func (r EIDORules) equal(o EIDORules) bool {
	return slices.Equal(r.CITTypes, o.CITTypes) && slices.Equal(r.CITPhrases, o.CITPhrases) &&
		slices.Equal(r.MentalHealthTypes, o.MentalHealthTypes) && slices.Equal(r.MentalHealthPhrases, o.MentalHealthPhrases)
}

// Read applies the rules to an incident's types and notes.
func (r EIDORules) Read(types []string, notes string) (citRequested, mentalHealth bool) {
	matches := func(texts []string, phrases []string) bool {
		for _, t := range texts {
			for _, p := range phrases {
				if ContainsPhrase(t, p) {
					return true
				}
			}
		}
		return false
	}
	citRequested = matches(types, r.CITTypes) || matches([]string{notes}, r.CITPhrases)
	mentalHealth = matches(types, r.MentalHealthTypes) || matches([]string{notes}, r.MentalHealthPhrases)
	return citRequested, mentalHealth
}

// ContainsPhrase reports whether phrase occurs in text, any case, as whole
// words: "CIT" is in "CIT requested" and "Mental health - CIT", not in
// "city".
func ContainsPhrase(text, phrase string) bool {
	phrase = strings.TrimSpace(phrase)
	if phrase == "" {
		return false
	}
	lt, lp := strings.ToLower(text), strings.ToLower(phrase)
	for from := 0; from <= len(lt); {
		i := strings.Index(lt[from:], lp)
		if i < 0 {
			return false
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(lt[:i])
		after, _ := utf8.DecodeRuneInString(lt[i+len(lp):])
		if !wordRune(before) && !wordRune(after) {
			return true
		}
		from = i + 1
	}
	return false
}

func wordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// Incident is a call as an outside system (the county CAD) sends it: its
// own incident id, the call's fields it gives, and what the agency's
// rules read from it.
type Incident struct {
	// ID is the sender's incident id (an EIDO's $id): the same id again
	// updates the call it created.
	ID string
	// CallID is set when ID is citdesk's own (a document citdesk wrote,
	// sent back): the call it names.
	CallID int64
	// Call holds what the sender gives: received_at, source, emergency,
	// nature, address, lat/lon, caller name, phone and relationship, the
	// subject's description, the risks it warns of (yes; the others
	// blank), notes.
	Call         Call
	CITRequested bool
	MentalHealth bool
	// UpdatedAt is the sender's time of its last change.
	UpdatedAt time.Time
}

// NewCall returns the call a first sending of in creates.
func (in *Incident) NewCall() *Call {
	c := in.Call
	c.CITRequested = in.CITRequested
	if in.MentalHealth {
		t := true
		c.MentalHealth = &t
	}
	return &c
}

// Apply sets on c what a later sending of the incident may change, and
// reports whether anything changed. The sender's fields replace citdesk's
// when the sender gives them (a blank never erases what a dispatcher
// typed), the caller's relationship and the subject's description too;
// the time received and the source stay as first recorded; a caller's
// request for CIT, once read, stays; a risk the sender warns of becomes
// a yes, and one it does not name keeps citdesk's answer (a warning is
// never cleared by a document that leaves it out); the mental-health
// judgement is citdesk's own. So a document citdesk wrote for c, sent
// back, changes nothing.
func (in *Incident) Apply(c *Call) bool {
	changed := false
	set := func(dst *string, v string) {
		if v = strings.TrimSpace(v); v != "" && *dst != v {
			*dst, changed = v, true
		}
	}
	set(&c.Nature, in.Call.Nature)
	set(&c.Address, in.Call.Address)
	set(&c.CallerName, in.Call.CallerName)
	set(&c.CallerPhone, in.Call.CallerPhone)
	set(&c.Notes, in.Call.Notes)
	set(&c.CallerRelationship, in.Call.CallerRelationship)
	set(&c.SubjectDescription, in.Call.SubjectDescription)
	for _, q := range []struct{ from, to *Risk }{{&in.Call.Risk.Weapons, &c.Risk.Weapons}, {&in.Call.Risk.Violence, &c.Risk.Violence},
		{&in.Call.Risk.SuicideRisk, &c.Risk.SuicideRisk}, {&in.Call.Risk.Substances, &c.Risk.Substances}, {&in.Call.Risk.Medical, &c.Risk.Medical}} {
		if *q.from == RiskYes && *q.to != RiskYes {
			*q.to, changed = RiskYes, true
		}
	}
	if in.Call.Lat != nil && in.Call.Lon != nil && (c.Lat == nil || c.Lon == nil || *c.Lat != *in.Call.Lat || *c.Lon != *in.Call.Lon) {
		lat, lon := *in.Call.Lat, *in.Call.Lon
		c.Lat, c.Lon, changed = &lat, &lon, true
	}
	if c.Emergency != in.Call.Emergency {
		c.Emergency, changed = in.Call.Emergency, true
	}
	if in.CITRequested && !c.CITRequested {
		c.CITRequested, changed = true, true
	}
	return changed
}

// IncidentService takes incidents from the CAD: the first sending of an
// incident creates its call, a later one updates the same call.
type IncidentService interface {
	// ReceiveIncident creates the call of a new incident, or applies a
	// known one (Incident.Apply) to its call, in one transaction, and
	// returns the call and whether it was created. Dispatch permission
	// (the calls:write scope for a service account).
	ReceiveIncident(ctx context.Context, in *Incident) (*Call, bool, error)
	// IncidentID returns the outside incident id of the call that an
	// incident created, or "" for a call taken in citdesk. Call-read
	// permission.
	IncidentID(ctx context.Context, callID int64) (string, error)
	// ExportIncidents calls fn with each call received in [from, to),
	// oldest first, with its assignments and the CAD's incident id ("" for
	// a call taken in citdesk). Each call read is audited (call.export).
	// It returns how many calls there were. Every-call read permission.
	ExportIncidents(ctx context.Context, from, to time.Time, fn func(c *Call, assignments []*Assignment, incidentID string) error) (int, error)
}
