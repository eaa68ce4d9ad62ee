package citdesk

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// PublicRequest is a member of the public asking, through the public web
// form, for a CIT officer to visit. It is not an emergency: the form says
// to call 911 or 988 for that. It becomes a pending, non-emergency call
// with source online_request.
type PublicRequest struct {
	Name     string // who is asking
	Phone    string // how to reach them
	Address  string // where the visit should be
	BestTime string // when to come or call
	What     string // what is happening, in their words
}

// Validate checks every field and returns a message per wrong field (by
// form field name), so the form can show them all at once.
func (r *PublicRequest) Validate() map[string]string {
	r.Name, r.Phone, r.Address = strings.TrimSpace(r.Name), strings.TrimSpace(r.Phone), strings.TrimSpace(r.Address)
	r.BestTime, r.What = strings.TrimSpace(r.BestTime), strings.TrimSpace(r.What)
	errs := map[string]string{}
	check := func(field, value, label string, required bool, max int) {
		switch {
		case required && value == "":
			errs[field] = label + " is required."
		case utf8.RuneCountInString(value) > max:
			errs[field] = label + " is too long (at most " + strconv.Itoa(max) + " characters)."
		case strings.ContainsAny(value, "<>") && field != "what":
			errs[field] = label + " cannot contain < or >."
		}
	}
	check("name", r.Name, "Your name", true, 100)
	check("phone", r.Phone, "A phone number", true, 30)
	check("address", r.Address, "The address", true, 200)
	check("best_time", r.BestTime, "Best time", false, 100)
	check("what", r.What, "What is happening", true, 2000)
	if _, bad := errs["phone"]; !bad && r.Phone != "" {
		digits := 0
		for _, c := range r.Phone {
			switch {
			case c >= '0' && c <= '9':
				digits++
			case strings.ContainsRune(" +-().ext", c):
			default:
				errs["phone"] = "A phone number may hold only digits, spaces and + - ( ) ."
			}
		}
		if _, bad := errs["phone"]; !bad && (digits < 7 || digits > 15) {
			errs["phone"] = "Give a phone number with 7 to 15 digits, e.g. 636-555-0123."
		}
	}
	if _, bad := errs["what"]; !bad && utf8.RuneCountInString(r.What) < 10 {
		errs["what"] = "Tell us a little more about what is happening (at least 10 characters)."
	}
	return errs
}

// Call returns the pending non-emergency call a valid request becomes.
func (r *PublicRequest) Call() *Call {
	notes := "Requested online. What is happening: " + r.What
	if r.BestTime != "" {
		notes += "\nBest time: " + r.BestTime
	}
	return &Call{
		Source: SourceOnlineRequest, Emergency: false, Nature: "CIT visit requested online",
		Address: r.Address, CallerName: r.Name, CallerPhone: r.Phone, CallerRelationship: "requester (online)",
		CITRequested: true, Notes: notes,
		Risk: RiskScreen{Weapons: RiskUnknown, Violence: RiskUnknown, SuicideRisk: RiskUnknown, Substances: RiskUnknown, Medical: RiskUnknown},
	}
}
