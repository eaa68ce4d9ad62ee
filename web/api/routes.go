package api

import (
	"net/http"

	"citdesk/web"
)

// handler serves the JSON API.
type handler struct {
	*web.Core
}

// Routes registers the whole JSON API under /api/v1.
func Routes(mux *http.ServeMux, c *web.Core) {
	s := &handler{Core: c}
	mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	mux.HandleFunc("POST /api/v1/tokens", s.createToken)
	mux.HandleFunc("DELETE /api/v1/tokens/current", s.API(s.revokeToken))
	mux.HandleFunc("GET /api/v1/me", s.API(s.me))
	mux.HandleFunc("GET /api/v1/users", s.API(s.listUsers))
	mux.HandleFunc("POST /api/v1/users", s.API(s.createUser))
	mux.HandleFunc("POST /api/v1/users/{id}/unlock", s.API(s.unlockUser))
	mux.HandleFunc("GET /api/v1/audit", s.API(s.listAudit))
	mux.HandleFunc("POST /api/v1/calls", s.API(s.createCallAPI))
	mux.HandleFunc("GET /api/v1/calls", s.API(s.listCallsAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}", s.API(s.getCallAPI))
	mux.HandleFunc("PATCH /api/v1/calls/{id}", s.API(s.patchCallAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}/recommendations", s.API(s.recommendationsAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}/assignments", s.API(s.listCallAssignmentsAPI))
	mux.HandleFunc("POST /api/v1/calls/{id}/assignments", s.API(s.createAssignmentAPI))
	mux.HandleFunc("GET /api/v1/assignments/{id}", s.API(s.getAssignmentAPI))
	mux.HandleFunc("PATCH /api/v1/assignments/{id}", s.API(s.patchAssignmentAPI))
	mux.HandleFunc("GET /api/v1/events", s.API(s.Events))
	mux.HandleFunc("POST /api/v1/encounters", s.API(s.apiStartEncounter))
	mux.HandleFunc("GET /api/v1/encounters", s.API(s.apiListEncounters))
	mux.HandleFunc("GET /api/v1/encounters/{id}", s.API(s.apiGetEncounter))
	mux.HandleFunc("PUT /api/v1/encounters/{id}", s.API(s.apiUpdateEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/submit", s.API(s.apiSubmitEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/return", s.API(s.apiReturnEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/approve", s.API(s.apiApproveEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/corrections", s.API(s.apiCorrectEncounter))
	mux.HandleFunc("GET /api/v1/encounters/{id}/history", s.API(s.apiEncounterHistory))
	mux.HandleFunc("GET /api/v1/officers", s.API(s.listOfficersAPI))
	mux.HandleFunc("POST /api/v1/officers", s.API(s.createOfficerAPI))
	mux.HandleFunc("GET /api/v1/officers/{id}", s.API(s.getOfficerAPI))
	mux.HandleFunc("PATCH /api/v1/officers/{id}", s.API(s.patchOfficerAPI))
	mux.HandleFunc("GET /api/v1/officers/{id}/training", s.API(s.listTrainingAPI))
	mux.HandleFunc("POST /api/v1/officers/{id}/training", s.API(s.addTrainingAPI))
	mux.HandleFunc("PUT /api/v1/officers/{id}/status", s.API(s.setStatusAPI))
	mux.HandleFunc("GET /api/v1/officers/{id}/status-history", s.API(s.statusHistoryAPI))
	mux.HandleFunc("GET /api/v1/coverage", s.API(s.coverageAPI))
	mux.HandleFunc("GET /api/v1/roster/summary", s.API(s.rosterSummaryAPI))
	mux.HandleFunc("GET /api/v1/outcomes", s.API(s.apiOutcomes))
	mux.HandleFunc("GET /api/v1/outcomes/encounters", s.API(s.apiOutcomeEncounters))
	mux.HandleFunc("POST /api/v1/persons", s.API(s.apiCreatePerson))
	mux.HandleFunc("POST /api/v1/persons/match", s.API(s.apiMatchPersons))
	mux.HandleFunc("GET /api/v1/persons/{id}", s.API(s.apiGetPerson))
	mux.HandleFunc("PUT /api/v1/persons/{id}", s.API(s.apiUpdatePerson))
	mux.HandleFunc("GET /api/v1/repeat-contacts", s.API(s.apiRepeatContacts))
	mux.HandleFunc("POST /api/v1/persons/{id}/crisis-plans", s.API(s.apiCreatePlan))
	mux.HandleFunc("GET /api/v1/persons/{id}/crisis-plans", s.API(s.apiListPlans))
	mux.HandleFunc("GET /api/v1/crisis-plans/revalidate", s.API(s.apiPlansToRevalidate))
	mux.HandleFunc("GET /api/v1/crisis-plans/{id}", s.API(s.apiGetPlan))
	mux.HandleFunc("PUT /api/v1/crisis-plans/{id}", s.API(s.apiUpdatePlan))
	mux.HandleFunc("POST /api/v1/crisis-plans/{id}/renew", s.API(s.apiRenewPlan))
	mux.HandleFunc("GET /api/v1/calls/{id}/crisis-plans", s.API(s.apiPlansForCall))
	mux.HandleFunc("POST /api/v1/referrals", s.API(s.apiCreateReferral))
	mux.HandleFunc("GET /api/v1/referrals", s.API(s.apiListReferrals))
	mux.HandleFunc("GET /api/v1/referrals/{id}", s.API(s.apiGetReferral))
	mux.HandleFunc("POST /api/v1/referrals/{id}/status", s.API(s.apiMoveReferral))
	mux.HandleFunc("POST /api/v1/referrals/{id}/notes", s.API(s.apiReferralNote))
	mux.HandleFunc("POST /api/v1/referrals/{id}/assign", s.API(s.apiAssignReferral))
	mux.HandleFunc("/api/", s.apiNotFound)
}
