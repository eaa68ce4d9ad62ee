package ui

import (
	"html/template"
	"net/http"

	"citdesk/web"
)

// handler serves the pages.
type handler struct {
	*web.Core
	pages map[string]*template.Template
}

// Routes registers every page.
func Routes(mux *http.ServeMux, c *web.Core) error {
	s := &handler{Core: c}
	var err error
	if s.pages, err = s.parseTemplates(); err != nil {
		return err
	}
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /audit", s.page(s.auditPage))
	mux.HandleFunc("GET /cit", s.publicPage)
	mux.HandleFunc("POST /cit", s.publicRequest)
	mux.HandleFunc("GET /cit/thanks", s.publicThanks)
	mux.HandleFunc("POST /plans/{id}/photo", s.page(s.uploadPlanPhoto))
	mux.HandleFunc("GET /plans/{id}/photo", s.page(s.planPhoto))
	mux.HandleFunc("GET /board", s.page(s.boardPage))
	mux.HandleFunc("GET /board/calls", s.page(s.boardCallsPartial))
	mux.HandleFunc("GET /board/officers", s.page(s.boardOfficersPartial))
	mux.HandleFunc("GET /board/calls/{id}", s.page(s.boardPanelPartial))
	mux.HandleFunc("POST /board/calls", s.page(s.boardCreateCall))
	mux.HandleFunc("POST /board/calls/{id}/assign", s.page(s.boardAssign))
	mux.HandleFunc("POST /board/calls/{id}/close", s.page(s.boardCloseCall))
	mux.HandleFunc("POST /board/assignments/{id}/status", s.page(s.boardMoveAssignment))
	mux.HandleFunc("GET /me/assignment", s.page(s.meAssignment))
	mux.HandleFunc("POST /me/assignment/{id}/status", s.page(s.meMoveAssignment))
	mux.HandleFunc("GET /reports", s.page(s.reportsPage))
	mux.HandleFunc("POST /reports", s.page(s.startReport))
	mux.HandleFunc("GET /reports/new", s.page(s.newReportPage))
	mux.HandleFunc("GET /reports/{id}", s.page(s.reportPage))
	mux.HandleFunc("GET /reports/{id}/edit", s.page(s.reportEditPage))
	mux.HandleFunc("POST /reports/{id}", s.page(s.saveReport))
	mux.HandleFunc("POST /reports/{id}/autosave", s.autosaveReport)
	mux.HandleFunc("POST /reports/{id}/person/search", s.page(s.reportPersonSearch))
	mux.HandleFunc("POST /reports/{id}/person", s.page(s.reportLinkPerson))
	mux.HandleFunc("POST /reports/{id}/review", s.page(s.reviewReport))
	mux.HandleFunc("GET /reports/{id}/correct", s.page(s.reportCorrectPage))
	mux.HandleFunc("POST /reports/{id}/correct", s.page(s.correctReport))
	mux.HandleFunc("GET /review", s.page(s.reviewQueuePage))
	mux.HandleFunc("GET /roster", s.page(s.rosterPage))
	mux.HandleFunc("POST /roster/officers", s.page(s.createOfficerPage))
	mux.HandleFunc("GET /roster/officers/{id}", s.page(s.officerPage))
	mux.HandleFunc("POST /roster/officers/{id}", s.page(s.updateOfficerPage))
	mux.HandleFunc("POST /roster/officers/{id}/training", s.page(s.addTrainingPage))
	mux.HandleFunc("GET /roster/coverage", s.page(s.coveragePage))
	mux.HandleFunc("GET /roster/import", s.page(s.importPage))
	mux.HandleFunc("POST /roster/import", s.page(s.importRosterPage))
	mux.HandleFunc("GET /me", s.page(s.mePage))
	mux.HandleFunc("POST /me/status", s.page(s.meStatus))
	mux.HandleFunc("GET /outcomes", s.page(s.outcomesPage))
	mux.HandleFunc("GET /outcomes.csv", s.page(s.outcomesCSV))
	mux.HandleFunc("GET /outcomes/encounters", s.page(s.outcomeEncountersPage))
	mux.HandleFunc("GET /outcomes/monthly", s.page(s.monthlyReportPage))
	mux.HandleFunc("GET /outcomes/monthly.pdf", s.page(s.monthlyReportPDF))
	mux.HandleFunc("GET /public/outcomes", s.publicOutcomesPage)
	mux.HandleFunc("GET /persons/repeat", s.page(s.repeatContactsPage))
	mux.HandleFunc("GET /persons/{id}", s.page(s.personPage))
	mux.HandleFunc("POST /persons/{id}", s.page(s.savePerson))
	mux.HandleFunc("GET /persons/{id}/plans/new", s.page(s.newPlanPage))
	mux.HandleFunc("POST /persons/{id}/plans", s.page(s.createPlan))
	mux.HandleFunc("GET /plans/revalidate", s.page(s.revalidatePage))
	mux.HandleFunc("GET /plans/{id}", s.page(s.planPage))
	mux.HandleFunc("GET /plans/{id}/edit", s.page(s.editPlanPage))
	mux.HandleFunc("POST /plans/{id}", s.page(s.savePlan))
	mux.HandleFunc("POST /plans/{id}/renew", s.page(s.renewPlan))
	mux.HandleFunc("GET /caseload", s.page(s.caseloadPage))
	mux.HandleFunc("GET /referrals/{id}", s.page(s.referralPage))
	mux.HandleFunc("POST /referrals/{id}/status", s.page(s.moveReferral))
	mux.HandleFunc("POST /referrals/{id}/notes", s.page(s.noteReferral))
	mux.HandleFunc("POST /referrals/{id}/assign", s.page(s.assignReferral))
	mux.HandleFunc("/", s.pageNotFound)
	return nil
}
