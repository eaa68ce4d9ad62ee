package ui

import (
	"citdesk"
)

// Who may do what with officers. The store enforces the rules on changes
// (roster and training: coordinator or admin; status: the officer or a
// dispatcher) and on training records; these add the read rules of the API
// and pages.
var (

	// officerRosterRoles manage the roster, training and imports.
	officerRosterRoles = []citdesk.Role{citdesk.RoleCoordinator, citdesk.RoleAdmin}
	// officerMeasureRoles see agency-wide figures: coverage and the roster summary.
	officerMeasureRoles = []citdesk.Role{citdesk.RoleCoordinator, citdesk.RoleAdmin, citdesk.RoleAnalyst}
)
