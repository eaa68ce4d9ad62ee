package citdesk

import (
	"strings"
	"unicode/utf8"
)

// Response is the way a call is answered: the triage protocol
// (package triage) recommends one and the dispatcher chooses one.
type Response string

// The responses.
const (
	ResponseCIT        Response = "cit"         // a CIT-certified officer
	ResponseCoResponse Response = "co_response" // a CIT officer with the Mental Health Liaison
	Response988        Response = "988"         // a transfer to 988 or mobile crisis, no police
	ResponsePatrol     Response = "patrol"      // ordinary patrol
	ResponseEMS        Response = "ems"         // emergency medical services
)

// Responses lists the responses in the order a dispatcher chooses from.
var Responses = []Response{ResponseCIT, ResponseCoResponse, Response988, ResponsePatrol, ResponseEMS}

// Valid reports whether r is a known response.
func (r Response) Valid() bool {
	for _, k := range Responses {
		if r == k {
			return true
		}
	}
	return false
}

// Label returns the response in words.
func (r Response) Label() string {
	switch r {
	case ResponseCIT:
		return "CIT officer"
	case ResponseCoResponse:
		return "Co-response: CIT officer and liaison"
	case Response988:
		return "Transfer to 988 / mobile crisis (no police)"
	case ResponsePatrol:
		return "Patrol"
	case ResponseEMS:
		return "EMS"
	}
	return string(r)
}

// Police reports whether r sends police: a call answered by 988 or mobile
// crisis, or by EMS alone, is answered without police.
func (r Response) Police() bool {
	return r == ResponseCIT || r == ResponseCoResponse || r == ResponsePatrol
}

// ResponseChoices names the responses for a message:
// "cit, co_response, 988, patrol or ems".
func ResponseChoices() string {
	names := make([]string, len(Responses))
	for i, r := range Responses {
		names[i] = string(r)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// maxResponseReason is the longest reason for overriding the triage.
const maxResponseReason = 500

// CheckResponse checks the response chosen for call c against the one its
// triage recommends: choosing another needs a reason (EINVALID naming
// response_reason); following the recommendation keeps none. A call with
// no recommendation (not triaged) may have any response, or none.
func (c *Call) CheckResponse() error {
	c.ResponseReason = strings.TrimSpace(c.ResponseReason)
	switch {
	case c.Response != "" && !c.Response.Valid():
		return FieldErrorf("response", "The response must be one of %s.", ResponseChoices())
	case c.RecommendedResponse != "" && c.Response == "":
		return FieldErrorf("response", "Choose the response (the triage recommends %s).", c.RecommendedResponse.Label())
	case c.RecommendedResponse != "" && c.Response != c.RecommendedResponse && c.ResponseReason == "":
		return FieldErrorf("response_reason", "The triage recommends %s; say why you chose %s instead.", c.RecommendedResponse.Label(), c.Response.Label())
	case utf8.RuneCountInString(c.ResponseReason) > maxResponseReason:
		return FieldErrorf("response_reason", "The reason must be at most %d characters.", maxResponseReason)
	}
	if c.Response == c.RecommendedResponse {
		c.ResponseReason = ""
	}
	return nil
}
