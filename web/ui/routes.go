// Package ui is citdesk's pages: one file per screen, html/template views
// embedded from templates/, checked at start-up and parsed when first served, forms that post and
// redirect (htmx makes them quicker), every route registered in Routes.
package ui

import (
	"citdesk"
	"citdesk/web"
)

// handler is what every page handler shares: the core and the page
// templates. Each screen's handlers are a small type over it (handlers.go).
type handler struct {
	*web.Core
	pages *pageTemplates
}

// Routes parses the templates (a missing or broken one fails here, at
// start-up) and registers every page, screen by screen. Each route names
// its action in the permission table (access.go): s.page sends the
// anonymous to sign in and refuses whoever may never take the action
// before the handler reads anything; the store decides record by record.
func Routes(mux web.Mux, c *web.Core) error {
	s := &handler{Core: c}
	var err error
	if s.pages, err = s.loadTemplates(); err != nil {
		return err
	}
	c.ErrorPage = s.errorPage
	signin, mfa, public := &signinPages{s}, &mfaPages{s}, &publicPages{s}
	board, shift := &boardPages{s}, &shiftPages{s}
	roster, report, person, caseload := &rosterPages{s}, &reportPages{s}, &personPages{s}, &caseloadPages{s}
	dashboard, audit, account, admin := &dashboardPages{s}, &auditPages{s}, &accountPages{s}, &adminPages{s}

	// Signing in, and the home page that leads to each role's work.
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /login", signin.loginPage)
	mux.HandleFunc("POST /login", signin.login)
	mux.HandleFunc("POST /logout", signin.logout)

	// The second factor: the step after the password (or enrolling one),
	// the user's own factors, and step-up before sensitive actions.
	mux.HandleFunc("GET /login/mfa", mfa.secondStepPage)
	mux.HandleFunc("POST /login/mfa", mfa.secondStep)
	mux.HandleFunc("POST /login/mfa/passkey/begin", mfa.passkeySignInBegin)
	mux.HandleFunc("POST /login/mfa/passkey/finish", mfa.passkeySignInFinish)
	mux.HandleFunc("GET /account/security", s.page(citdesk.OwnAccount, mfa.securityPage))
	mux.HandleFunc("POST /account/security/totp", s.page(citdesk.OwnFactors, mfa.beginTOTP))
	mux.HandleFunc("POST /account/security/totp/confirm", s.page(citdesk.OwnFactors, mfa.confirmTOTP))
	mux.HandleFunc("POST /account/security/passkeys/begin", s.page(citdesk.OwnFactors, mfa.passkeyRegisterBegin))
	mux.HandleFunc("POST /account/security/passkeys/finish", s.page(citdesk.OwnFactors, mfa.passkeyRegisterFinish))
	mux.HandleFunc("GET /step-up", s.page(citdesk.OwnAccount, mfa.stepUpPage))
	mux.HandleFunc("POST /step-up", s.page(citdesk.OwnAccount, mfa.stepUp))

	// The public: no sign-in.
	mux.HandleFunc("GET /cit", public.publicPage)
	mux.HandleFunc("POST /cit", public.publicRequest)
	mux.HandleFunc("GET /cit/thanks", public.publicThanks)
	mux.HandleFunc("GET /public/outcomes", public.publicOutcomesPage)
	// The same, per agency, when one citdesk serves several.
	mux.HandleFunc("GET /a/{slug}/cit", public.publicPage)
	mux.HandleFunc("POST /a/{slug}/cit", public.publicRequest)
	mux.HandleFunc("GET /a/{slug}/cit/thanks", public.publicThanks)
	mux.HandleFunc("GET /a/{slug}/outcomes", public.publicOutcomesPage)
	// Compliments and complaints about a crisis response (issue 16).
	mux.HandleFunc("POST /cit/feedback", public.publicComplaint)
	mux.HandleFunc("GET /cit/feedback/thanks", public.publicComplaintThanks)
	mux.HandleFunc("POST /a/{slug}/cit/feedback", public.publicComplaint)
	mux.HandleFunc("GET /a/{slug}/cit/feedback/thanks", public.publicComplaintThanks)

	// The dispatcher's live board; its parts are swapped in by htmx.
	mux.HandleFunc("GET /board", s.page(citdesk.DispatchCalls, board.boardPage))
	mux.HandleFunc("GET /board/calls", s.page(citdesk.DispatchCalls, board.boardCallsPartial))
	mux.HandleFunc("GET /board/officers", s.page(citdesk.DispatchCalls, board.boardOfficersPartial))
	mux.HandleFunc("GET /board/calls/{id}", s.page(citdesk.DispatchCalls, board.boardPanelPartial))
	mux.HandleFunc("POST /board/calls", s.page(citdesk.DispatchCalls, board.boardCreateCall))
	mux.HandleFunc("POST /board/calls/{id}/assign", s.page(citdesk.DispatchCalls, board.boardAssign))
	mux.HandleFunc("POST /board/calls/{id}/close", s.page(citdesk.DispatchCalls, board.boardCloseCall))
	mux.HandleFunc("POST /board/calls/{id}/response", s.page(citdesk.DispatchCalls, board.boardSetResponse))
	mux.HandleFunc("POST /board/calls/{id}/transfer", s.page(citdesk.DispatchCalls, board.boardRecordTransfer))
	mux.HandleFunc("POST /board/calls/{id}/transfer/return", s.page(citdesk.DispatchCalls, board.boardReturnTransfer))
	mux.HandleFunc("POST /board/calls/{id}/co-response", s.page(citdesk.DispatchCalls, board.boardCoRespond))
	mux.HandleFunc("POST /board/triage", s.page(citdesk.DispatchCalls, board.boardTriage))
	mux.HandleFunc("POST /board/assignments/{id}/status", s.page(citdesk.DispatchCalls, board.boardMoveAssignment))
	// County mutual aid: ask a partner for an officer; the requests made
	// and received, and the lender's answer.
	mux.HandleFunc("POST /board/calls/{id}/mutual-aid", s.page(citdesk.DispatchCalls, board.boardRequestAid))
	mux.HandleFunc("GET /board/mutual-aid", s.page(citdesk.DispatchCalls, board.boardAidList))
	mux.HandleFunc("POST /board/mutual-aid/{id}/accept", s.page(citdesk.DispatchCalls, board.boardDecideAid("accept")))
	mux.HandleFunc("POST /board/mutual-aid/{id}/decline", s.page(citdesk.DispatchCalls, board.boardDecideAid("decline")))
	mux.HandleFunc("POST /board/mutual-aid/{id}/cancel", s.page(citdesk.DispatchCalls, board.boardDecideAid("cancel")))

	// The officer's phone: status and the current assignment.
	mux.HandleFunc("GET /me", s.page(citdesk.ReadOwnShift, shift.mePage))
	mux.HandleFunc("POST /me/status", s.page(citdesk.ReadOwnShift, shift.meStatus))
	mux.HandleFunc("GET /me/assignment", s.page(citdesk.ReadOwnShift, shift.meAssignment))
	mux.HandleFunc("POST /me/assignment/{id}/status", s.page(citdesk.MoveAssignment, shift.meMoveAssignment))

	// The coordinator's roster, training and coverage.
	mux.HandleFunc("GET /roster", s.page(citdesk.ManageRoster, roster.rosterPage))
	mux.HandleFunc("POST /roster/officers", s.page(citdesk.ManageRoster, roster.createOfficerPage))
	mux.HandleFunc("GET /roster/officers/{id}", s.page(citdesk.ManageRoster, roster.officerPage))
	mux.HandleFunc("POST /roster/officers/{id}", s.page(citdesk.ManageRoster, roster.updateOfficerPage))
	mux.HandleFunc("POST /roster/officers/{id}/training", s.page(citdesk.ManageRoster, roster.addTrainingPage))
	mux.HandleFunc("GET /roster/coverage", s.page(citdesk.ReadRosterFigs, roster.coveragePage))
	mux.HandleFunc("GET /roster/import", s.page(citdesk.ManageRoster, roster.importPage))
	mux.HandleFunc("POST /roster/import", s.page(citdesk.ManageRoster, roster.importRosterPage))

	// Contact reports and their review. Autosave answers a fragment, not a
	// page, so it checks the session itself.
	mux.HandleFunc("GET /reports", s.page(citdesk.ListReports, report.reportsPage))
	mux.HandleFunc("POST /reports", s.page(citdesk.StartReport, report.startReport))
	mux.HandleFunc("GET /reports/new", s.page(citdesk.StartReport, report.newReportPage))
	mux.HandleFunc("GET /reports/{id}", s.page(citdesk.ReadReport, report.reportPage))
	mux.HandleFunc("GET /reports/{id}/edit", s.page(citdesk.ReadReport, report.reportEditPage))
	mux.HandleFunc("POST /reports/{id}", s.page(citdesk.EditReport, report.saveReport))
	mux.HandleFunc("POST /reports/{id}/autosave", report.autosaveReport)
	mux.HandleFunc("POST /reports/{id}/person/search", s.page(citdesk.EditReport, report.reportPersonSearch))
	mux.HandleFunc("POST /reports/{id}/person", s.page(citdesk.EditReport, report.reportLinkPerson))
	mux.HandleFunc("POST /reports/{id}/review", s.page(citdesk.ReviewReport, report.reviewReport))
	mux.HandleFunc("GET /reports/{id}/correct", s.page(citdesk.CorrectReport, report.reportCorrectPage))
	mux.HandleFunc("POST /reports/{id}/correct", s.page(citdesk.CorrectReport, report.correctReport))
	mux.HandleFunc("GET /review", s.page(citdesk.ReviewReport, report.reviewQueuePage))

	// Persons, repeat contacts and crisis plans.
	mux.HandleFunc("GET /persons/repeat", s.page(citdesk.ReadRepeatContact, person.repeatContactsPage))
	mux.HandleFunc("GET /persons/{id}", s.page(citdesk.ReadPerson, person.personPage))
	mux.HandleFunc("POST /persons/{id}", s.page(citdesk.UpdatePerson, person.savePerson))
	mux.HandleFunc("GET /persons/{id}/plans/new", s.page(citdesk.ManagePlans, person.newPlanPage))
	mux.HandleFunc("POST /persons/{id}/plans", s.page(citdesk.ManagePlans, person.createPlan))
	mux.HandleFunc("GET /plans/revalidate", s.page(citdesk.ManagePlans, person.revalidatePage))
	mux.HandleFunc("GET /plans/{id}", s.page(citdesk.ReadPlan, person.planPage))
	mux.HandleFunc("GET /plans/{id}/edit", s.page(citdesk.ManagePlans, person.editPlanPage))
	mux.HandleFunc("POST /plans/{id}", s.page(citdesk.ManagePlans, person.savePlan))
	mux.HandleFunc("POST /plans/{id}/renew", s.page(citdesk.ManagePlans, person.renewPlan))
	mux.HandleFunc("POST /plans/{id}/photo", s.page(citdesk.ManagePlans, person.uploadPlanPhoto))
	mux.HandleFunc("GET /plans/{id}/photo", s.page(citdesk.ReadPlan, person.planPhoto))

	// The liaison's caseload of referrals.
	mux.HandleFunc("GET /caseload", s.page(citdesk.WorkReferral, caseload.caseloadPage))
	mux.HandleFunc("POST /caseload/status", s.page(citdesk.SetLiaisonStatus, caseload.liaisonStatus))
	mux.HandleFunc("POST /caseload/liaison-call", s.page(citdesk.MoveLiaisonCall, caseload.liaisonMove))
	mux.HandleFunc("GET /referrals/{id}", s.page(citdesk.WorkReferral, caseload.referralPage))
	mux.HandleFunc("POST /referrals/{id}/status", s.page(citdesk.WorkReferral, caseload.moveReferral))
	mux.HandleFunc("POST /referrals/{id}/notes", s.page(citdesk.WorkReferral, caseload.noteReferral))
	mux.HandleFunc("POST /referrals/{id}/assign", s.page(citdesk.AssignReferral, caseload.assignReferral))

	// Outcome dashboards and the monthly report for the council.
	mux.HandleFunc("GET /outcomes", s.page(citdesk.ReadOutcomes, dashboard.outcomesPage))
	mux.HandleFunc("GET /outcomes.csv", s.page(citdesk.ReadOutcomes, dashboard.outcomesCSV))
	mux.HandleFunc("GET /outcomes/encounters", s.page(citdesk.DrillOutcomes, dashboard.outcomeEncountersPage))
	mux.HandleFunc("GET /outcomes/monthly", s.page(citdesk.ReadOutcomes, dashboard.monthlyReportPage))
	mux.HandleFunc("GET /outcomes/monthly.pdf", s.page(citdesk.ReadOutcomes, dashboard.monthlyReportPDF))

	// The auditor's trail.
	mux.HandleFunc("GET /audit", s.page(citdesk.ReadAudit, audit.auditPage))

	// Everyone's own password and sessions; the admin's users.
	mux.HandleFunc("GET /account", s.page(citdesk.OwnAccount, account.accountPage))
	mux.HandleFunc("POST /account/password", s.page(citdesk.OwnAccount, account.changePassword))
	mux.HandleFunc("POST /account/sessions/{id}/end", s.page(citdesk.OwnAccount, account.endSession))
	mux.HandleFunc("GET /admin/users", s.page(citdesk.ListUsers, account.usersPage))
	mux.HandleFunc("POST /admin/users/{id}/disable", s.page(citdesk.ManageUsers, account.disableUser))
	mux.HandleFunc("POST /admin/users/{id}/enable", s.page(citdesk.ManageUsers, account.enableUser))
	mux.HandleFunc("POST /admin/users/{id}/unlock", s.page(citdesk.ManageUsers, account.unlockUser))
	mux.HandleFunc("POST /admin/users/{id}/password", s.page(citdesk.ManageUsers, account.resetPassword))
	mux.HandleFunc("POST /admin/users", s.page(citdesk.ManageUsers, account.createUser))
	mux.HandleFunc("POST /admin/users/{id}/roles", s.page(citdesk.ManageUsers, account.setRoles))

	// The admin's agency settings, policy and disposition mapping. The
	// mapping is the history importer's, so it is behind the action that
	// imports history (admins and coordinators), as the store checks it.
	mux.HandleFunc("GET /admin/agency", s.page(citdesk.ManageAgency, admin.agencyPage))
	mux.HandleFunc("POST /admin/agency", s.page(citdesk.ManageAgency, admin.saveAgency))
	mux.HandleFunc("GET /admin/mutual-aid", s.page(citdesk.ManageAgency, admin.mutualAidPage))
	mux.HandleFunc("POST /admin/mutual-aid", s.page(citdesk.ManageAgency, admin.saveMutualAid))
	mux.HandleFunc("GET /admin/policy", s.page(citdesk.ManageAgency, admin.policyPage))
	mux.HandleFunc("POST /admin/policy", s.page(citdesk.ManageAgency, admin.savePolicy))
	// The call-triage protocol: preview, test bench, editor (issue 16).
	triage := &triagePages{s}
	mux.HandleFunc("GET /admin/triage", s.page(citdesk.ManageTriage, triage.triagePage))
	mux.HandleFunc("POST /admin/triage", s.page(citdesk.ManageTriage, triage.saveTriage))
	mux.HandleFunc("GET /admin/dispositions", s.page(citdesk.ImportHistory, admin.dispositionsPage))
	mux.HandleFunc("POST /admin/dispositions", s.page(citdesk.ImportHistory, admin.saveDispositions))
	mux.HandleFunc("GET /admin/dispositions.csv", s.page(citdesk.ImportHistory, admin.exportDispositions))
	mux.HandleFunc("POST /admin/dispositions/import", s.page(citdesk.ImportHistory, admin.importDispositions))

	// The admin's service accounts: the CAD's and AVL feed's tokens.
	service := &serviceAccountPages{s}
	mux.HandleFunc("GET /admin/service-accounts", s.page(citdesk.ListServiceAccounts, service.listPage))
	mux.HandleFunc("POST /admin/service-accounts", s.page(citdesk.ManageServiceAccounts, service.create))
	mux.HandleFunc("POST /admin/service-accounts/{id}/tokens", s.page(citdesk.ManageServiceAccounts, service.rotate))
	mux.HandleFunc("POST /admin/service-accounts/{id}/tokens/{tokenid}/revoke", s.page(citdesk.ManageServiceAccounts, service.revokeToken))
	mux.HandleFunc("POST /admin/service-accounts/{id}/revoke", s.page(citdesk.ManageServiceAccounts, service.revoke))

	// The admin's webhooks to the CAD: subscriptions, deliveries, dead letters.
	hooks := &webhookPages{s}
	mux.HandleFunc("GET /admin/webhooks", s.page(citdesk.ManageWebhooks, hooks.listPage))
	mux.HandleFunc("POST /admin/webhooks", s.page(citdesk.ManageWebhooks, hooks.create))
	mux.HandleFunc("POST /admin/webhooks/{id}/delete", s.page(citdesk.ManageWebhooks, hooks.delete))
	mux.HandleFunc("POST /admin/webhooks/deliveries/{id}/replay", s.page(citdesk.ManageWebhooks, hooks.replay))

	// Complaints and commendations from the community (issue 16).
	complaints := &complaintPages{s}
	mux.HandleFunc("GET /complaints", s.page(citdesk.ReadComplaints, complaints.complaintsPage))
	mux.HandleFunc("POST /complaints", s.page(citdesk.ManageComplaints, complaints.createComplaint))
	mux.HandleFunc("GET /complaints/{id}", s.page(citdesk.ReadComplaints, complaints.complaintPage))
	mux.HandleFunc("POST /complaints/{id}", s.page(citdesk.ManageComplaints, complaints.updateComplaint))

	mux.HandleFunc("/", s.pageNotFound)
	return nil
}
