package web

import "net/http"

// dispatchRoutes registers calls, recommendations, assignments, the event
// stream, the live board and the officer's assignment on the phone page.
// The JSON API is in dispatch_api.go, the board in dispatch_board.go, the
// phone section in dispatch_me.go and the event stream in events.go.
func (s *Server) dispatchRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/calls", s.api(s.createCallAPI))
	mux.HandleFunc("GET /api/v1/calls", s.api(s.listCallsAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}", s.api(s.getCallAPI))
	mux.HandleFunc("PATCH /api/v1/calls/{id}", s.api(s.patchCallAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}/recommendations", s.api(s.recommendationsAPI))
	mux.HandleFunc("GET /api/v1/calls/{id}/assignments", s.api(s.listCallAssignmentsAPI))
	mux.HandleFunc("POST /api/v1/calls/{id}/assignments", s.api(s.createAssignmentAPI))
	mux.HandleFunc("GET /api/v1/assignments/{id}", s.api(s.getAssignmentAPI))
	mux.HandleFunc("PATCH /api/v1/assignments/{id}", s.api(s.patchAssignmentAPI))
	mux.HandleFunc("GET /api/v1/events", s.api(s.events))

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
}
