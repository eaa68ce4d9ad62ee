// Package api is citdesk's JSON API under /api/v1, for the agency's CAD and
// other systems: one file per resource, every route registered in Routes,
// errors as problem+json, responses checked against openapi.json by the
// tests in web/server.
package api

import (
	"net/http"

	"citdesk/web"
)

// handler is what every API handler shares: the core. Each resource's
// handlers are a small type over it (handlers.go).
type handler struct {
	*web.Core
}

// Routes registers the whole JSON API under /api/v1, resource by resource.
// Handlers behind s.API need a session or a bearer token and answer errors
// as problem+json; each checks the roles its resource allows.
func Routes(mux *http.ServeMux, c *web.Core) {
	s := &handler{Core: c}
	account, call, officer := &accountAPI{s}, &callAPI{s}, &officerAPI{s}
	encounter, person, referral, figure := &encounterAPI{s}, &personAPI{s}, &referralAPI{s}, &figureAPI{s}

	// The API's own description, and signing in for a token.
	mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	mux.HandleFunc("POST /api/v1/tokens", account.createToken)
	mux.HandleFunc("DELETE /api/v1/tokens/current", s.API(account.revokeToken))

	// Accounts and the audit trail.
	mux.HandleFunc("GET /api/v1/me", s.API(account.me))
	mux.HandleFunc("GET /api/v1/me/mfa", s.API(account.mfaStatus))
	mux.HandleFunc("POST /api/v1/me/mfa/totp", s.API(account.beginTOTP))
	mux.HandleFunc("POST /api/v1/me/mfa/totp/confirm", s.API(account.confirmTOTP))
	mux.HandleFunc("POST /api/v1/me/step-up", s.API(account.stepUp))
	mux.HandleFunc("GET /api/v1/users", s.API(account.listUsers))
	mux.HandleFunc("POST /api/v1/users", s.API(account.createUser))
	mux.HandleFunc("POST /api/v1/users/{id}/unlock", s.API(account.unlockUser))
	mux.HandleFunc("POST /api/v1/users/{id}/mfa/reset", s.API(account.resetFactors))
	mux.HandleFunc("GET /api/v1/audit", s.API(account.listAudit))

	// Officers: roster, training, duty status, coverage.
	mux.HandleFunc("GET /api/v1/officers", s.API(officer.listOfficersAPI))
	mux.HandleFunc("POST /api/v1/officers", s.API(officer.createOfficerAPI))
	mux.HandleFunc("GET /api/v1/officers/{id}", s.API(officer.getOfficerAPI))
	mux.HandleFunc("PATCH /api/v1/officers/{id}", s.API(officer.patchOfficerAPI))
	mux.HandleFunc("GET /api/v1/officers/{id}/training", s.API(officer.listTrainingAPI))
	mux.HandleFunc("POST /api/v1/officers/{id}/training", s.API(officer.addTrainingAPI))
	mux.HandleFunc("PUT /api/v1/officers/{id}/status", s.API(officer.setStatusAPI))
	mux.HandleFunc("GET /api/v1/officers/{id}/status-history", s.API(officer.statusHistoryAPI))
	mux.HandleFunc("GET /api/v1/coverage", s.API(officer.coverageAPI))
	mux.HandleFunc("GET /api/v1/roster/summary", s.API(officer.rosterSummaryAPI))

	// Calls, recommendations and assignments; the live event stream.
	mux.HandleFunc("POST /api/v1/calls", s.API(call.createCallAPI))
	mux.HandleFunc("GET /api/v1/calls", s.API(call.listCallsAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}", s.API(call.getCallAPI))
	mux.HandleFunc("PATCH /api/v1/calls/{id}", s.API(call.patchCallAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}/recommendations", s.API(call.recommendationsAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}/assignments", s.API(call.listCallAssignmentsAPI))
	mux.HandleFunc("POST /api/v1/calls/{id}/assignments", s.API(call.createAssignmentAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}/crisis-plans", s.API(person.apiPlansForCall))
	mux.HandleFunc("GET /api/v1/assignments/{id}", s.API(call.getAssignmentAPI))
	mux.HandleFunc("PATCH /api/v1/assignments/{id}", s.API(call.patchAssignmentAPI))
	mux.HandleFunc("GET /api/v1/events", s.API(s.Events))

	// Contact reports and their review.
	mux.HandleFunc("POST /api/v1/encounters", s.API(encounter.apiStartEncounter))
	mux.HandleFunc("GET /api/v1/encounters", s.API(encounter.apiListEncounters))
	mux.HandleFunc("GET /api/v1/encounters/{id}", s.API(encounter.apiGetEncounter))
	mux.HandleFunc("PUT /api/v1/encounters/{id}", s.API(encounter.apiUpdateEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/submit", s.API(encounter.apiSubmitEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/return", s.API(encounter.apiReturnEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/approve", s.API(encounter.apiApproveEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/corrections", s.API(encounter.apiCorrectEncounter))
	mux.HandleFunc("GET /api/v1/encounters/{id}/history", s.API(encounter.apiEncounterHistory))

	// Persons, repeat contacts and crisis plans.
	mux.HandleFunc("POST /api/v1/persons", s.API(person.apiCreatePerson))
	mux.HandleFunc("POST /api/v1/persons/match", s.API(person.apiMatchPersons))
	mux.HandleFunc("GET /api/v1/persons/{id}", s.API(person.apiGetPerson))
	mux.HandleFunc("PUT /api/v1/persons/{id}", s.API(person.apiUpdatePerson))
	mux.HandleFunc("GET /api/v1/repeat-contacts", s.API(person.apiRepeatContacts))
	mux.HandleFunc("POST /api/v1/persons/{id}/crisis-plans", s.API(person.apiCreatePlan))
	mux.HandleFunc("GET /api/v1/persons/{id}/crisis-plans", s.API(person.apiListPlans))
	mux.HandleFunc("GET /api/v1/crisis-plans/revalidate", s.API(person.apiPlansToRevalidate))
	mux.HandleFunc("GET /api/v1/crisis-plans/{id}", s.API(person.apiGetPlan))
	mux.HandleFunc("PUT /api/v1/crisis-plans/{id}", s.API(person.apiUpdatePlan))
	mux.HandleFunc("POST /api/v1/crisis-plans/{id}/renew", s.API(person.apiRenewPlan))

	// Referrals to the Mental Health Liaison.
	mux.HandleFunc("POST /api/v1/referrals", s.API(referral.apiCreateReferral))
	mux.HandleFunc("GET /api/v1/referrals", s.API(referral.apiListReferrals))
	mux.HandleFunc("GET /api/v1/referrals/{id}", s.API(referral.apiGetReferral))
	mux.HandleFunc("POST /api/v1/referrals/{id}/status", s.API(referral.apiMoveReferral))
	mux.HandleFunc("POST /api/v1/referrals/{id}/notes", s.API(referral.apiReferralNote))
	mux.HandleFunc("POST /api/v1/referrals/{id}/assign", s.API(referral.apiAssignReferral))

	// Outcome figures and the encounters behind them.
	mux.HandleFunc("GET /api/v1/outcomes", s.API(figure.apiOutcomes))
	mux.HandleFunc("GET /api/v1/outcomes/encounters", s.API(figure.apiOutcomeEncounters))

	mux.HandleFunc("/api/", s.apiNotFound)
}
