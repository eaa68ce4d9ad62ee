package eido

import (
	"html"
	"strings"

	"citdesk"
)

// Who called, about whom, and what the call-taker screened for, in EIDO
// terms (NENA-STA-021.1a):
//
//   - the caller is a person component with the role "Caller", named, with
//     the callback; the caller's relationship to the subject ("mother") is
//     a notes component that the caller's person component references
//     ("notes further describing the person"), its text starting with
//     RelationshipLabel. EIDO's person has no relationship element, so the
//     label is what tells this note from the caller's other notes;
//   - the subject is a person component with the role "Subject" carrying
//     only the call-taker's description (nc:PersonDescriptionText): no
//     name, birth date or link to citdesk's person record, which is more
//     than a CAD needs to send a unit;
//   - each risk the screening answered yes is a caution component.
//     A "no" or "not known" is not written: a caution is a warning, and
//     an absent one reads as "not given", so a later document never
//     clears a warning (Incident.Apply).

// RelationshipLabel starts the note that gives the caller's relationship
// to the subject.
const RelationshipLabel = "Relationship to the subject:"

// riskCaution is how one question of citdesk's risk screening reads as a
// caution: Label is what citdesk writes, Words what it recognizes (any
// case, as whole words) in a caution's type texts from any CAD.
type riskCaution struct {
	field    string
	label    string
	severity string
	words    []string
	answer   func(r *citdesk.RiskScreen) *citdesk.Risk
}

var riskCautions = []riskCaution{
	{"weapons", "Weapons", "high", []string{"weapon", "weapons", "armed", "firearm", "firearms", "gun", "guns", "knife", "knives"},
		func(r *citdesk.RiskScreen) *citdesk.Risk { return &r.Weapons }},
	{"violence", "Violence", "high", []string{"violence", "violent", "assault", "assaultive", "combative"},
		func(r *citdesk.RiskScreen) *citdesk.Risk { return &r.Violence }},
	{"suicide_risk", "Suicide risk", "high", []string{"suicide", "suicidal", "self-harm", "self harm"},
		func(r *citdesk.RiskScreen) *citdesk.Risk { return &r.SuicideRisk }},
	{"substances", "Substances", "normal", []string{"substance", "substances", "drug", "drugs", "alcohol", "intoxicated", "overdose"},
		func(r *citdesk.RiskScreen) *citdesk.Risk { return &r.Substances }},
	{"medical", "Medical need", "normal", []string{"medical", "injury", "injured"},
		func(r *citdesk.RiskScreen) *citdesk.Risk { return &r.Medical }},
}

// hasRole reports whether p has role (the Person Role registry's word).
func hasRole(p *PersonComponent, role string) bool {
	for _, r := range p.Roles {
		if strings.EqualFold(strings.TrimSpace(r), role) {
			return true
		}
	}
	return false
}

// findSubject is the first person whose role is Subject.
func findSubject(d *Document) *PersonComponent {
	for i := range d.Persons {
		if hasRole(&d.Persons[i], "Subject") {
			return &d.Persons[i]
		}
	}
	return nil
}

// readPeople sets on c the caller's relationship, the subject's
// description and the risks the cautions name, and returns the ids of
// the notes it read (the relationship), which are not the call's notes.
func readPeople(d *Document, caller *PersonComponent, c *citdesk.Call) map[string]bool {
	used := map[string]bool{}
	if caller != nil {
		mine := map[string]bool{}
		for _, r := range caller.NotesRefs {
			mine[r.Ref] = true
		}
		for _, n := range d.Notes {
			if !mine[n.ID] || c.CallerRelationship != "" {
				continue
			}
			if rel, ok := strings.CutPrefix(htmlText(n.Comments), RelationshipLabel); ok {
				c.CallerRelationship = strings.TrimSpace(rel)
				used[n.ID] = true
			}
		}
	}
	if s := findSubject(d); s != nil && s.Person != nil {
		var lines []string
		for _, t := range s.Person.Description {
			if v := strings.TrimSpace(t.Value); v != "" {
				lines = append(lines, v)
			}
		}
		c.SubjectDescription = strings.Join(lines, "\n")
	}
	for _, ct := range d.Cautions {
		texts := append([]string{ct.InternalText, ct.CommonRegistry}, ct.SubRegistry...)
		for _, rc := range riskCautions {
			if containsAny(texts, rc.words) {
				*rc.answer(&c.Risk) = citdesk.RiskYes
			}
		}
	}
	return used
}

func containsAny(texts, words []string) bool {
	for _, t := range texts {
		for _, w := range words {
			if citdesk.ContainsPhrase(t, w) {
				return true
			}
		}
	}
	return false
}

// writePeople adds to d the caller's relationship note (referenced from
// caller, which may be nil when the call has no caller component yet: one
// is made), the subject and the cautions of call c. part names a
// component of the call; pro starts one.
func writePeople(d *Document, c *citdesk.Call, inc *IncidentComponent, call *CallComponent, part func(string) string, pro func(string) Prologue, agencyID string) {
	if rel := strings.TrimSpace(c.CallerRelationship); rel != "" {
		n := NotesComponent{Prologue: pro(part("caller-relationship")), Comments: html.EscapeString(RelationshipLabel + " " + rel)}
		d.Notes = append(d.Notes, n)
		caller := -1
		for i := range d.Persons {
			if hasRole(&d.Persons[i], "Caller") {
				caller = i
			}
		}
		if caller < 0 {
			p := PersonComponent{Prologue: pro(part("caller")), Roles: []string{"Caller"}, CallIDs: []string{call.ID}, CallBackRef: call.CallBackRef}
			d.Persons = append(d.Persons, p)
			inc.PersonRefs = append(inc.PersonRefs, Ref{p.ID})
			call.PersonRefs = append(call.PersonRefs, Ref{p.ID})
			caller = len(d.Persons) - 1
		}
		d.Persons[caller].NotesRefs = append(d.Persons[caller].NotesRefs, Ref{n.ID})
	}
	if s := strings.TrimSpace(c.SubjectDescription); s != "" {
		p := PersonComponent{Prologue: pro(part("subject")), Roles: []string{"Subject"}, CallIDs: []string{call.ID},
			Person: &NCPerson{Description: []NCText{{Value: s}}}}
		d.Persons = append(d.Persons, p)
		inc.PersonRefs = append(inc.PersonRefs, Ref{p.ID})
	}
	for _, rc := range riskCautions {
		if *rc.answer(&c.Risk) != citdesk.RiskYes {
			continue
		}
		d.Cautions = append(d.Cautions, CautionComponent{Prologue: pro(part("caution-" + rc.field)), InternalText: rc.label,
			CommonRegistry: rc.label, Severity: rc.severity, Source: agencyID})
	}
}
