// Package api is citdesk's JSON API under /api/v1, for the agency's CAD and
// other systems: one file per resource, every route registered in Routes,
// errors as problem+json, responses checked against openapi.json by the
// tests in web/server.
package api

import (
	"citdesk"
	"citdesk/web"
)

// handler is what every API handler shares: the core. Each resource's
// handlers are a small type over it (handlers.go).
type handler struct {
	*web.Core
}

// Routes registers the whole JSON API under /api/v1, resource by resource.
// Each route names its action in the permission table (access.go):
// s.API answers 401 without a session or token and 403 to whoever may
// never take the action, before the handler reads anything; the store
// decides record by record. Errors are problem+json.
func Routes(mux web.Mux, c *web.Core) {
	s := &handler{Core: c}
	account, call, officer := &accountAPI{s}, &callAPI{s}, &officerAPI{s}
	encounter, person, referral, figure := &encounterAPI{s}, &personAPI{s}, &referralAPI{s}, &figureAPI{s}
	agency := &agencyAPI{s}

	// The API's own description, and signing in for a token.
	mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	mux.HandleFunc("POST /api/v1/tokens", account.createToken)
	mux.HandleFunc("DELETE /api/v1/tokens/current", s.API(citdesk.OwnAccount, account.revokeToken))

	// Accounts and the audit trail.
	mux.HandleFunc("GET /api/v1/me", s.API(citdesk.OwnAccount, account.me))
	mux.HandleFunc("POST /api/v1/me/password", s.API(citdesk.OwnAccount, account.changePassword))
	mux.HandleFunc("GET /api/v1/me/mfa", s.API(citdesk.OwnAccount, account.mfaStatus))
	mux.HandleFunc("POST /api/v1/me/mfa/totp", s.API(citdesk.OwnFactors, account.beginTOTP))
	mux.HandleFunc("POST /api/v1/me/mfa/totp/confirm", s.API(citdesk.OwnFactors, account.confirmTOTP))
	mux.HandleFunc("POST /api/v1/me/step-up", s.API(citdesk.OwnAccount, account.stepUp))
	mux.HandleFunc("GET /api/v1/me/sessions", s.API(citdesk.OwnAccount, account.listSessions))
	mux.HandleFunc("DELETE /api/v1/me/sessions/{id}", s.API(citdesk.OwnAccount, account.endSession))
	mux.HandleFunc("GET /api/v1/users", s.API(citdesk.ListUsers, account.listUsers))
	mux.HandleFunc("POST /api/v1/users", s.API(citdesk.ManageUsers, account.createUser))
	mux.HandleFunc("PATCH /api/v1/users/{id}", s.API(citdesk.ManageUsers, account.patchUser))
	mux.HandleFunc("POST /api/v1/users/{id}/unlock", s.API(citdesk.ManageUsers, account.unlockUser))
	mux.HandleFunc("POST /api/v1/users/{id}/mfa/reset", s.API(citdesk.ManageUsers, account.resetFactors))
	mux.HandleFunc("POST /api/v1/users/{id}/disable", s.API(citdesk.ManageUsers, account.disableUser))
	mux.HandleFunc("POST /api/v1/users/{id}/enable", s.API(citdesk.ManageUsers, account.enableUser))
	mux.HandleFunc("POST /api/v1/users/{id}/password", s.API(citdesk.ManageUsers, account.resetPassword))
	mux.HandleFunc("GET /api/v1/audit", s.API(citdesk.ReadAudit, account.listAudit))
	// The agency's settings and policy: anyone signed in reads them (as
	// GET /api/v1/me shows them); the admin changes them.
	mux.HandleFunc("GET /api/v1/agency", s.API(citdesk.OwnAccount, agency.getAgency))
	mux.HandleFunc("PATCH /api/v1/agency", s.API(citdesk.ManageAgency, agency.patchAgency))

	// Service accounts: the CAD's and AVL feed's scoped tokens.
	service := &serviceAccountAPI{s}
	mux.HandleFunc("GET /api/v1/service-accounts", s.API(citdesk.ListServiceAccounts, service.list))
	mux.HandleFunc("POST /api/v1/service-accounts", s.API(citdesk.ManageServiceAccounts, service.create))
	mux.HandleFunc("DELETE /api/v1/service-accounts/{id}", s.API(citdesk.ManageServiceAccounts, service.revoke))
	mux.HandleFunc("POST /api/v1/service-accounts/{id}/tokens", s.API(citdesk.ManageServiceAccounts, service.rotate))
	mux.HandleFunc("DELETE /api/v1/service-accounts/{id}/tokens/{tokenid}", s.API(citdesk.ManageServiceAccounts, service.revokeToken))

	// Officers: roster, training, duty status, coverage.
	mux.HandleFunc("GET /api/v1/officers", s.API(citdesk.ListOfficers, officer.listOfficersAPI))
	mux.HandleFunc("POST /api/v1/officers", s.API(citdesk.ManageRoster, officer.createOfficerAPI))
	mux.HandleFunc("GET /api/v1/officers/{id}", s.API(citdesk.ReadOfficer, officer.getOfficerAPI))
	mux.HandleFunc("PATCH /api/v1/officers/{id}", s.API(citdesk.ManageRoster, officer.patchOfficerAPI))
	mux.HandleFunc("GET /api/v1/officers/{id}/training", s.API(citdesk.ReadTraining, officer.listTrainingAPI))
	mux.HandleFunc("POST /api/v1/officers/{id}/training", s.API(citdesk.ManageRoster, officer.addTrainingAPI))
	mux.HandleFunc("PUT /api/v1/officers/{id}/status", s.API(citdesk.SetDutyStatus, officer.setStatusAPI))
	mux.HandleFunc("GET /api/v1/officers/{id}/status-history", s.API(citdesk.ReadStatusLog, officer.statusHistoryAPI))
	mux.HandleFunc("GET /api/v1/coverage", s.API(citdesk.ReadRosterFigs, officer.coverageAPI))
	mux.HandleFunc("GET /api/v1/roster/summary", s.API(citdesk.ReadRosterFigs, officer.rosterSummaryAPI))
	mux.HandleFunc("POST /api/v1/positions", s.API(citdesk.ReportPosition, (&positionAPI{s}).report))

	// Calls, recommendations and assignments; the live event stream.
	mux.HandleFunc("POST /api/v1/calls", s.API(citdesk.DispatchCalls, call.createCallAPI))
	mux.HandleFunc("GET /api/v1/calls", s.API(citdesk.ListCalls, call.listCallsAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}", s.API(citdesk.ReadCall, call.getCallAPI))
	mux.HandleFunc("PATCH /api/v1/calls/{id}", s.API(citdesk.DispatchCalls, call.patchCallAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}/recommendations", s.API(citdesk.DispatchCalls, call.recommendationsAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}/assignments", s.API(citdesk.ListCalls, call.listCallAssignmentsAPI))
	mux.HandleFunc("POST /api/v1/calls/{id}/assignments", s.API(citdesk.DispatchCalls, call.createAssignmentAPI))
	mux.HandleFunc("POST /api/v1/calls/{id}/transfer", s.API(citdesk.DispatchCalls, call.recordTransferAPI))
	mux.HandleFunc("POST /api/v1/calls/{id}/transfer/return", s.API(citdesk.DispatchCalls, call.returnTransferAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}/crisis-plans", s.API(citdesk.ReadCallPlans, person.apiPlansForCall))
	// The liaison as a resource: their status, and co-responses.
	liaison := &liaisonAPI{s}
	mux.HandleFunc("GET /api/v1/liaisons/{id}/status", s.API(citdesk.SetLiaisonStatus, liaison.getStatus))
	mux.HandleFunc("PUT /api/v1/liaisons/{id}/status", s.API(citdesk.SetLiaisonStatus, liaison.setStatus))
	mux.HandleFunc("GET /api/v1/calls/{id}/liaisons", s.API(citdesk.DispatchCalls, liaison.list))
	mux.HandleFunc("POST /api/v1/calls/{id}/liaison", s.API(citdesk.DispatchCalls, liaison.assign))
	mux.HandleFunc("PATCH /api/v1/calls/{id}/liaison", s.API(citdesk.MoveLiaisonCall, liaison.move))
	mux.HandleFunc("GET /api/v1/assignments/{id}", s.API(citdesk.ReadCall, call.getAssignmentAPI))
	mux.HandleFunc("PATCH /api/v1/assignments/{id}", s.API(citdesk.MoveAssignment, call.patchAssignmentAPI))
	mux.HandleFunc("GET /api/v1/events", s.API(citdesk.FollowLiveBoard, s.Events))

	// Address lookup for the new-call form: by address, and by a point on the map.
	geocode := &geocodeAPI{s}
	mux.HandleFunc("GET /api/v1/geocode", s.API(citdesk.DispatchCalls, geocode.geocodeAPI))
	mux.HandleFunc("GET /api/v1/geocode/reverse", s.API(citdesk.DispatchCalls, geocode.reverseGeocodeAPI))
	// Basemap tiles drawn from the agency's imported map.
	mux.HandleFunc("GET /api/v1/map/tiles/{z}/{x}/{y}", s.API(citdesk.ReadMap, (&mapAPI{s}).tileAPI))
	// The county CAD: incidents in and calls out as NENA EIDO documents.
	cad := &eidoAPI{s}
	mux.HandleFunc("POST /api/v1/eido", s.API(citdesk.DispatchCalls, cad.receive))
	mux.HandleFunc("GET /api/v1/calls/{id}/eido", s.API(citdesk.ReadCall, cad.export))
	// The call-triage protocol: the questions a call-taker asks and the
	// response they recommend; the admin replaces it with a new version.
	triage := &triageAPI{s}
	mux.HandleFunc("GET /api/v1/triage/protocol", s.API(citdesk.ReadTriage, triage.getProtocol))
	mux.HandleFunc("PUT /api/v1/triage/protocol", s.API(citdesk.ManageTriage, triage.putProtocol))

	// Webhooks to the CAD: subscriptions, deliveries, dead letters.
	hooks := &webhookAPI{s}
	mux.HandleFunc("POST /api/v1/webhooks", s.API(citdesk.ManageWebhooks, hooks.create))
	mux.HandleFunc("GET /api/v1/webhooks", s.API(citdesk.ManageWebhooks, hooks.list))
	mux.HandleFunc("DELETE /api/v1/webhooks/{id}", s.API(citdesk.ManageWebhooks, hooks.delete))
	mux.HandleFunc("GET /api/v1/webhooks/deliveries", s.API(citdesk.ManageWebhooks, hooks.deliveries))
	mux.HandleFunc("POST /api/v1/webhooks/deliveries/{id}/replay", s.API(citdesk.ManageWebhooks, hooks.replay))

	// Contact reports and their review.
	mux.HandleFunc("POST /api/v1/encounters", s.API(citdesk.StartReport, encounter.apiStartEncounter))
	mux.HandleFunc("GET /api/v1/encounters", s.API(citdesk.ListReports, encounter.apiListEncounters))
	mux.HandleFunc("GET /api/v1/encounters/{id}", s.API(citdesk.ReadReport, encounter.apiGetEncounter))
	mux.HandleFunc("PUT /api/v1/encounters/{id}", s.API(citdesk.EditReport, encounter.apiUpdateEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/submit", s.API(citdesk.EditReport, encounter.apiSubmitEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/return", s.API(citdesk.ReviewReport, encounter.apiReturnEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/approve", s.API(citdesk.ReviewReport, encounter.apiApproveEncounter))
	mux.HandleFunc("POST /api/v1/encounters/{id}/corrections", s.API(citdesk.CorrectReport, encounter.apiCorrectEncounter))
	mux.HandleFunc("GET /api/v1/encounters/{id}/history", s.API(citdesk.ReadReport, encounter.apiEncounterHistory))

	// Persons, repeat contacts and crisis plans.
	mux.HandleFunc("POST /api/v1/persons", s.API(citdesk.NamePerson, person.apiCreatePerson))
	mux.HandleFunc("POST /api/v1/persons/match", s.API(citdesk.NamePerson, person.apiMatchPersons))
	mux.HandleFunc("GET /api/v1/persons/{id}", s.API(citdesk.ReadPerson, person.apiGetPerson))
	mux.HandleFunc("PUT /api/v1/persons/{id}", s.API(citdesk.UpdatePerson, person.apiUpdatePerson))
	mux.HandleFunc("DELETE /api/v1/persons/{id}", s.API(citdesk.ErasePerson, person.apiErasePerson))
	mux.HandleFunc("GET /api/v1/repeat-contacts", s.API(citdesk.ReadRepeatContact, person.apiRepeatContacts))
	mux.HandleFunc("POST /api/v1/persons/{id}/crisis-plans", s.API(citdesk.ManagePlans, person.apiCreatePlan))
	mux.HandleFunc("GET /api/v1/persons/{id}/crisis-plans", s.API(citdesk.ManagePlans, person.apiListPlans))
	mux.HandleFunc("GET /api/v1/crisis-plans/revalidate", s.API(citdesk.ManagePlans, person.apiPlansToRevalidate))
	mux.HandleFunc("GET /api/v1/crisis-plans/{id}", s.API(citdesk.ReadPlan, person.apiGetPlan))
	mux.HandleFunc("PUT /api/v1/crisis-plans/{id}", s.API(citdesk.ManagePlans, person.apiUpdatePlan))
	mux.HandleFunc("POST /api/v1/crisis-plans/{id}/renew", s.API(citdesk.ManagePlans, person.apiRenewPlan))

	// Referrals to the Mental Health Liaison.
	mux.HandleFunc("POST /api/v1/referrals", s.API(citdesk.AssignReferral, referral.apiCreateReferral))
	mux.HandleFunc("GET /api/v1/referrals", s.API(citdesk.WorkReferral, referral.apiListReferrals))
	mux.HandleFunc("GET /api/v1/referrals/{id}", s.API(citdesk.WorkReferral, referral.apiGetReferral))
	mux.HandleFunc("POST /api/v1/referrals/{id}/status", s.API(citdesk.WorkReferral, referral.apiMoveReferral))
	mux.HandleFunc("POST /api/v1/referrals/{id}/notes", s.API(citdesk.WorkReferral, referral.apiReferralNote))
	mux.HandleFunc("POST /api/v1/referrals/{id}/assign", s.API(citdesk.AssignReferral, referral.apiAssignReferral))

	// Complaints and commendations from the community (issue 16).
	complaint := &complaintAPI{s}
	mux.HandleFunc("GET /api/v1/complaints", s.API(citdesk.ReadComplaints, complaint.apiListComplaints))
	mux.HandleFunc("POST /api/v1/complaints", s.API(citdesk.ManageComplaints, complaint.apiCreateComplaint))
	mux.HandleFunc("GET /api/v1/complaints/{id}", s.API(citdesk.ReadComplaints, complaint.apiGetComplaint))
	mux.HandleFunc("PATCH /api/v1/complaints/{id}", s.API(citdesk.ManageComplaints, complaint.apiUpdateComplaint))

	// Outcome figures and the encounters behind them.
	mux.HandleFunc("GET /api/v1/outcomes", s.API(citdesk.ReadOutcomes, figure.apiOutcomes))
	mux.HandleFunc("GET /api/v1/outcomes/encounters", s.API(citdesk.DrillOutcomes, figure.apiOutcomeEncounters))
	mux.HandleFunc("GET /api/v1/outcomes/places", s.API(citdesk.ReadOutcomes, figure.apiOutcomePlaces))

	mux.HandleFunc("/api/", s.apiNotFound)
}
