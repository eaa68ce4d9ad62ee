// Package ui is citdesk's pages: one file per screen, html/template views
// embedded from templates/ and parsed at start-up, forms that post and
// redirect (htmx makes them quicker), every route registered in Routes.
package ui

import (
	"html/template"
	"net/http"

	"citdesk/web"
)

// handler is what every page handler shares: the core and the parsed
// templates. Each screen's handlers are a small type over it (handlers.go).
type handler struct {
	*web.Core
	pages map[string]*template.Template
}

// Routes parses the templates (a missing or broken one fails here, at
// start-up) and registers every page, screen by screen. Pages behind
// s.page need a signed-in session and show an error page on failure; each
// handler checks the roles its screen is for.
func Routes(mux *http.ServeMux, c *web.Core) error {
	s := &handler{Core: c}
	var err error
	if s.pages, err = s.parseTemplates(); err != nil {
		return err
	}
	signin, mfa, public := &signinPages{s}, &mfaPages{s}, &publicPages{s}
	board, shift := &boardPages{s}, &shiftPages{s}
	roster, report, person, caseload := &rosterPages{s}, &reportPages{s}, &personPages{s}, &caseloadPages{s}
	dashboard, audit := &dashboardPages{s}, &auditPages{s}

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
	mux.HandleFunc("GET /account/security", s.page(mfa.securityPage))
	mux.HandleFunc("POST /account/security/totp", s.page(mfa.beginTOTP))
	mux.HandleFunc("POST /account/security/totp/confirm", s.page(mfa.confirmTOTP))
	mux.HandleFunc("POST /account/security/passkeys/begin", s.page(mfa.passkeyRegisterBegin))
	mux.HandleFunc("POST /account/security/passkeys/finish", s.page(mfa.passkeyRegisterFinish))
	mux.HandleFunc("GET /step-up", s.page(mfa.stepUpPage))
	mux.HandleFunc("POST /step-up", s.page(mfa.stepUp))

	// The public: no sign-in.
	mux.HandleFunc("GET /cit", public.publicPage)
	mux.HandleFunc("POST /cit", public.publicRequest)
	mux.HandleFunc("GET /cit/thanks", public.publicThanks)
	mux.HandleFunc("GET /public/outcomes", public.publicOutcomesPage)

	// The dispatcher's live board; its parts are swapped in by htmx.
	mux.HandleFunc("GET /board", s.page(board.boardPage))
	mux.HandleFunc("GET /board/calls", s.page(board.boardCallsPartial))
	mux.HandleFunc("GET /board/officers", s.page(board.boardOfficersPartial))
	mux.HandleFunc("GET /board/calls/{id}", s.page(board.boardPanelPartial))
	mux.HandleFunc("POST /board/calls", s.page(board.boardCreateCall))
	mux.HandleFunc("POST /board/calls/{id}/assign", s.page(board.boardAssign))
	mux.HandleFunc("POST /board/calls/{id}/close", s.page(board.boardCloseCall))
	mux.HandleFunc("POST /board/assignments/{id}/status", s.page(board.boardMoveAssignment))

	// The officer's phone: status and the current assignment.
	mux.HandleFunc("GET /me", s.page(shift.mePage))
	mux.HandleFunc("POST /me/status", s.page(shift.meStatus))
	mux.HandleFunc("GET /me/assignment", s.page(shift.meAssignment))
	mux.HandleFunc("POST /me/assignment/{id}/status", s.page(shift.meMoveAssignment))

	// The coordinator's roster, training and coverage.
	mux.HandleFunc("GET /roster", s.page(roster.rosterPage))
	mux.HandleFunc("POST /roster/officers", s.page(roster.createOfficerPage))
	mux.HandleFunc("GET /roster/officers/{id}", s.page(roster.officerPage))
	mux.HandleFunc("POST /roster/officers/{id}", s.page(roster.updateOfficerPage))
	mux.HandleFunc("POST /roster/officers/{id}/training", s.page(roster.addTrainingPage))
	mux.HandleFunc("GET /roster/coverage", s.page(roster.coveragePage))
	mux.HandleFunc("GET /roster/import", s.page(roster.importPage))
	mux.HandleFunc("POST /roster/import", s.page(roster.importRosterPage))

	// Contact reports and their review. Autosave answers a fragment, not a
	// page, so it checks the session itself.
	mux.HandleFunc("GET /reports", s.page(report.reportsPage))
	mux.HandleFunc("POST /reports", s.page(report.startReport))
	mux.HandleFunc("GET /reports/new", s.page(report.newReportPage))
	mux.HandleFunc("GET /reports/{id}", s.page(report.reportPage))
	mux.HandleFunc("GET /reports/{id}/edit", s.page(report.reportEditPage))
	mux.HandleFunc("POST /reports/{id}", s.page(report.saveReport))
	mux.HandleFunc("POST /reports/{id}/autosave", report.autosaveReport)
	mux.HandleFunc("POST /reports/{id}/person/search", s.page(report.reportPersonSearch))
	mux.HandleFunc("POST /reports/{id}/person", s.page(report.reportLinkPerson))
	mux.HandleFunc("POST /reports/{id}/review", s.page(report.reviewReport))
	mux.HandleFunc("GET /reports/{id}/correct", s.page(report.reportCorrectPage))
	mux.HandleFunc("POST /reports/{id}/correct", s.page(report.correctReport))
	mux.HandleFunc("GET /review", s.page(report.reviewQueuePage))

	// Persons, repeat contacts and crisis plans.
	mux.HandleFunc("GET /persons/repeat", s.page(person.repeatContactsPage))
	mux.HandleFunc("GET /persons/{id}", s.page(person.personPage))
	mux.HandleFunc("POST /persons/{id}", s.page(person.savePerson))
	mux.HandleFunc("GET /persons/{id}/plans/new", s.page(person.newPlanPage))
	mux.HandleFunc("POST /persons/{id}/plans", s.page(person.createPlan))
	mux.HandleFunc("GET /plans/revalidate", s.page(person.revalidatePage))
	mux.HandleFunc("GET /plans/{id}", s.page(person.planPage))
	mux.HandleFunc("GET /plans/{id}/edit", s.page(person.editPlanPage))
	mux.HandleFunc("POST /plans/{id}", s.page(person.savePlan))
	mux.HandleFunc("POST /plans/{id}/renew", s.page(person.renewPlan))
	mux.HandleFunc("POST /plans/{id}/photo", s.page(person.uploadPlanPhoto))
	mux.HandleFunc("GET /plans/{id}/photo", s.page(person.planPhoto))

	// The liaison's caseload of referrals.
	mux.HandleFunc("GET /caseload", s.page(caseload.caseloadPage))
	mux.HandleFunc("GET /referrals/{id}", s.page(caseload.referralPage))
	mux.HandleFunc("POST /referrals/{id}/status", s.page(caseload.moveReferral))
	mux.HandleFunc("POST /referrals/{id}/notes", s.page(caseload.noteReferral))
	mux.HandleFunc("POST /referrals/{id}/assign", s.page(caseload.assignReferral))

	// Outcome dashboards and the monthly report for the council.
	mux.HandleFunc("GET /outcomes", s.page(dashboard.outcomesPage))
	mux.HandleFunc("GET /outcomes.csv", s.page(dashboard.outcomesCSV))
	mux.HandleFunc("GET /outcomes/encounters", s.page(dashboard.outcomeEncountersPage))
	mux.HandleFunc("GET /outcomes/monthly", s.page(dashboard.monthlyReportPage))
	mux.HandleFunc("GET /outcomes/monthly.pdf", s.page(dashboard.monthlyReportPDF))

	// The auditor's trail.
	mux.HandleFunc("GET /audit", s.page(audit.auditPage))

	mux.HandleFunc("/", s.pageNotFound)
	return nil
}
