package citdesk

import "strings"

// Who may do what. Each list and rule here is the one the store enforces
// and the pages use to decide what to offer, so the two cannot drift.

// DispatchRoles take calls, ask for recommendations, send officers and set
// any officer's duty status.
var DispatchRoles = []Role{RoleDispatcher, RoleAdmin}

// CallReadRoles see every call and assignment of the agency and the live
// board; anyone else sees only the calls they were sent to.
var CallReadRoles = []Role{RoleDispatcher, RoleAdmin, RoleCoordinator}

// RosterRoles manage the roster, training records and roster imports.
var RosterRoles = []Role{RoleCoordinator, RoleAdmin}

// MeasureRoles see agency-wide roster figures (CIT coverage, the roster
// summary) and the agency's training records behind them.
var MeasureRoles = []Role{RoleCoordinator, RoleAdmin, RoleAnalyst}

// OfficerViewRoles see every officer of the agency (phones and live
// positions included) and any officer's status history; anyone else sees
// only their own. Analysts are not among them: they get aggregates
// (MeasureRoles), not officers' phones and whereabouts.
var OfficerViewRoles = []Role{RoleDispatcher, RoleCoordinator, RoleAdmin}

// ReviewRoles review every contact report: return, approve and correct
// them. A supervisor (RoleSupervisor) returns and approves only the reports
// of the officers they supervise (the ReviewReport tie), and corrects none.
var ReviewRoles = []Role{RoleCoordinator}

// ReferralRoles work liaison referrals: the liaison (their own caseload)
// and the coordinator (all).
var ReferralRoles = []Role{RoleLiaison, RoleCoordinator}

// IsReportingOfficer reports whether a writes report e: the officer who
// filed it, or an operator at the command line (imports, the demo).
func IsReportingOfficer(a *Actor, e *Encounter) bool {
	return a.UserID == 0 || a.IsOfficer(e.OfficerID)
}

// encounterObject is report e as the permission table sees it: its
// officer and that officer's supervisor (which the store read with it).
func encounterObject(e *Encounter) Object {
	return Object{OfficerID: e.OfficerID, SupervisorUserID: e.SupervisorUserID}
}

// CanReadEncounter reports whether a may read report e: the reporting
// officer, a reviewer, the officer's supervisor, an operator, or the
// liaison e's referral is assigned to (referredToActor, which only the
// store can know).
func CanReadEncounter(a *Actor, e *Encounter, referredToActor bool) bool {
	o := encounterObject(e)
	o.ReferredToActor = referredToActor
	return Can(a, ReadReport, o)
}

// SeesNamedPerson reports whether a, who may read report e but not the
// record of the person it names, sees that person's name on it: the
// reporting officer who named them, and a reviewer of e (a supervisor
// deciding on the report must know whom it is about).
func SeesNamedPerson(a *Actor, e *Encounter) bool {
	return IsReportingOfficer(a, e) || Can(a, ReviewReport, encounterObject(e))
}

// CheckEditEncounter says why a may not change report e's contents now
// (EFORBIDDEN: not the reporting officer; ECONFLICT: no longer a draft or
// returned), or nil when a may.
func CheckEditEncounter(a *Actor, e *Encounter) error {
	if !Can(a, EditReport, encounterObject(e)) {
		return Errorf(EFORBIDDEN, "Only the reporting officer changes a report; return it with a comment instead.")
	}
	if !e.Status.Editable() {
		return Errorf(ECONFLICT, "This report is %s and can no longer be edited.", strings.ToLower(e.Status.Label()))
	}
	return nil
}

// CanEditEncounter reports whether a may change report e now: the edit
// button and the autosave.
func CanEditEncounter(a *Actor, e *Encounter) bool { return CheckEditEncounter(a, e) == nil }

// CheckReviewEncounter says why a may not move report e to status to
// (EncounterApproved or EncounterReturned) as its reviewer, or nil when a
// may: a coordinator, or the supervisor of the report's officer, who is
// not the report's own officer, while it awaits review.
func CheckReviewEncounter(a *Actor, e *Encounter, to EncounterStatus) error {
	if !Can(a, ReviewReport, encounterObject(e)) {
		return Errorf(EFORBIDDEN, "You are not allowed to do that.")
	}
	if a.IsOfficer(e.OfficerID) {
		return Errorf(EFORBIDDEN, "Another reviewer must review your own report.")
	}
	if !e.Status.CanMoveTo(to) {
		return Errorf(ECONFLICT, "A %s report cannot be %s; only reports awaiting review can.", strings.ToLower(e.Status.Label()), to)
	}
	return nil
}

// CanReviewEncounter reports whether a may return or approve report e now:
// the review buttons.
func CanReviewEncounter(a *Actor, e *Encounter) bool {
	return CheckReviewEncounter(a, e, EncounterApproved) == nil
}

// CheckCorrectEncounter says why a may not correct report e, or nil when a
// may: a reviewer, once the report is approved (before that its officer
// edits it).
func CheckCorrectEncounter(a *Actor, e *Encounter) error {
	if !Can(a, CorrectReport, encounterObject(e)) {
		return Errorf(EFORBIDDEN, "You are not allowed to do that.")
	}
	if e.Status != EncounterApproved {
		return Errorf(ECONFLICT, "Only approved reports are corrected; a %s report is edited by its officer.", strings.ToLower(e.Status.Label()))
	}
	return nil
}

// CanCorrectEncounter reports whether a may correct report e now: the
// correct button.
func CanCorrectEncounter(a *Actor, e *Encounter) bool { return CheckCorrectEncounter(a, e) == nil }

// NoCITReasonRequired reports whether sending a non-CIT officer to call c
// needs a recorded reason: the caller asked for CIT and no officer has been
// sent yet (priorAssignments counts every assignment to c so far). Only the
// first officer sent answers the request.
func NoCITReasonRequired(c *Call, priorAssignments int) bool {
	return c.CITRequested && priorAssignments == 0
}

// NeedsNoCITReason reports whether sending an officer of CIT standing s to
// call c needs a reason (see NoCITReasonRequired).
func NeedsNoCITReason(c *Call, priorAssignments int, s CITStatus) bool {
	return NoCITReasonRequired(c, priorAssignments) && !s.Certified()
}
