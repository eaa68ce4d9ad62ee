package citdesk

import (
	"context"
	"slices"
)

// Action is something an actor does to one kind of record. Every route of
// the API and the pages names one (web/api/routes.go, web/ui/routes.go),
// and the store decides with the same names, so the permission table below
// is the one place that says who may do what.
type Action string

// The actions, by the records they touch.
const (
	// Accounts and the audit trail.
	OwnAccount   Action = "account.own"    // one's own account: password, sessions, tokens
	OwnFactors   Action = "factors.own"    // add or replace one's own second factors
	ListUsers    Action = "users.list"     // the agency's users
	ManageUsers  Action = "users.manage"   // create, unlock, disable, enable, reset users and their factors
	ListLiaisons Action = "users.liaisons" // the liaisons a referral can be assigned to
	ManageAgency Action = "agency.manage"  // the agency's settings and policy
	ReadAudit    Action = "audit.read"     // the audit trail and its verification
	ReadMetrics  Action = "metrics.read"   // Prometheus metrics on the main listener
	// Service accounts (machine users: the CAD, the AVL feed) and their tokens.
	ListServiceAccounts   Action = "service_accounts.list"
	ManageServiceAccounts Action = "service_accounts.manage" // create, rotate and revoke
	ManageWebhooks        Action = "webhooks.manage"         // webhook subscriptions, deliveries, replay

	// Officers.
	ListOfficers   Action = "officers.list"    // the roster with phones and live positions
	ReadOfficer    Action = "officer.read"     // one officer record
	ManageRoster   Action = "roster.manage"    // officers, training records, roster imports
	ReadTraining   Action = "training.read"    // an officer's training records
	SetDutyStatus  Action = "officer.status"   // an officer's duty status
	ReportPosition Action = "officer.position" // officers' positions from the AVL feed
	ReadStatusLog  Action = "officer.statuses" // an officer's status history
	ReadRosterFigs Action = "roster.figures"   // CIT coverage and the roster summary (aggregates)
	ReadOwnShift   Action = "shift.read"       // the officer's own phone page

	// Calls and dispatch.
	DispatchCalls   Action = "calls.dispatch"   // take calls, recommend, assign, close; the board
	ListCalls       Action = "calls.list"       // every call of the agency
	ReadCall        Action = "call.read"        // one call with its caller details, or an assignment
	MoveAssignment  Action = "assignment.move"  // en route, on scene, cleared
	ReadCallPlans   Action = "call.plans"       // the crisis plans that match a call
	FollowLiveBoard Action = "events.subscribe" // the live event stream (filtered per actor)
	ReadTriage      Action = "triage.read"      // the agency's call-triage protocol
	ManageTriage    Action = "triage.manage"    // replace the triage protocol (a new version)
	// The Mental Health Liaison as a resource (co-response, issue 16).
	SetLiaisonStatus Action = "liaison.status" // a liaison's availability and position
	MoveLiaisonCall  Action = "liaison.move"   // a liaison on a call: en route, on scene, cleared

	// Contact reports.
	StartReport   Action = "report.start"   // begin a report
	ListReports   Action = "reports.list"   // list reports (an officer, their own)
	ReadReport    Action = "report.read"    // one report and its history
	EditReport    Action = "report.edit"    // change, link a person, submit
	ReviewReport  Action = "report.review"  // return or approve; the review queue
	CorrectReport Action = "report.correct" // correct an approved report

	// Persons and crisis plans.
	NamePerson        Action = "person.name"    // create a person record or match one to name on a report
	ReadPerson        Action = "person.read"    // a person's record, contacts and history
	UpdatePerson      Action = "person.update"  // change a person's record
	ErasePerson       Action = "person.erase"   // erase a person's record at a records request, where policy allows (ErasureCheck)
	ReadRepeatContact Action = "persons.repeat" // people with repeated contacts
	ManagePlans       Action = "plans.manage"   // create, change, renew crisis plans; photos; revalidation
	ReadPlan          Action = "plan.read"      // one crisis plan

	// Referrals to the Mental Health Liaison.
	AssignReferral Action = "referral.assign" // open a referral by hand, assign it to a liaison
	WorkReferral   Action = "referral.work"   // list, read, move and note referrals

	// Outcome figures.
	ReadOutcomes  Action = "outcomes.read"  // aggregate figures, dashboards, the monthly report
	DrillOutcomes Action = "outcomes.drill" // the encounters behind a figure
	ImportHistory Action = "history.import" // import history, edit the disposition mapping

	// The map.
	ReadMap Action = "map.read" // the basemap tiles drawn from the agency's imported map

	// Complaints and commendations from the community (issue 16).
	ReadComplaints   Action = "complaints.read"   // list and read them, with the contact and text
	ManageComplaints Action = "complaints.manage" // enter one, link it, review and close it
)

// Object is the record an action is on, with what ties the actor to it.
// The store fills in the ties, which only it can know; the rule for each
// action is in permissions.
type Object struct {
	// OfficerID is the officer the record belongs to: the officer record
	// itself, or the officer who wrote a report.
	OfficerID int64
	// SentToCall: a dispatcher sent the actor to the record's call.
	SentToCall bool
	// ReferredToActor: the record's referral is assigned to the actor.
	ReferredToActor bool
	// ReviewedContact: the actor was sent to a call whose reviewed report
	// names this person.
	ReviewedContact bool
	// SupervisorUserID is the user who supervises the record's officer
	// (Officer.SupervisorUserID), 0 when none.
	SupervisorUserID int64
	// UserID is the user the record belongs to (a liaison's status, a
	// liaison sent to a call), 0 when none.
	UserID int64
}

// Permission is one line of the table: roles that may always (within their
// agency), roles that may when Tie holds for the record, and what the tie
// is, in words. Record names the kind of person-level record the action
// reads; a refusal to read one is answered "not found" (so it says nothing
// of whether the record exists) and audited as a denied view of it.
type Permission struct {
	Roles   []Role
	Related []Role
	Tie     func(a *Actor, o Object) bool
	Why     string
	Record  string
	// StepUp: the actor must have proved password and second factor within
	// StepUpWindow (signing in counts) before taking the action.
	StepUp bool
	// Scope is the scope a service account needs for the action; an
	// action without one is never a service account's.
	Scope Scope
}

// ownOfficer: the record is the actor's own officer record, or their report.
func ownOfficer(a *Actor, o Object) bool { return o.OfficerID != 0 && a.IsOfficer(o.OfficerID) }

// ownUser: the record is the actor's own (a liaison's status or call).
func ownUser(a *Actor, o Object) bool { return o.UserID != 0 && o.UserID == a.UserID }

// supervises: the actor is a supervisor and the supervisor of the record's
// officer.
func supervises(a *Actor, o Object) bool {
	return a.UserID != 0 && o.SupervisorUserID == a.UserID && a.HasRole(RoleSupervisor)
}

var (
	officerRole    = []Role{RoleOfficer}
	supervisorRole = []Role{RoleSupervisor}
	liaisonRole    = []Role{RoleLiaison}
	adminRole      = []Role{RoleAdmin}
	signedIn       = Roles
)

// permissions is the permission table.
var permissions = map[Action]Permission{
	OwnAccount: {Roles: signedIn},
	// Whoever holds a session for a moment (an unattended screen) must not
	// swap in a factor of their own: password and factor again first.
	OwnFactors:   {Roles: signedIn, StepUp: true},
	ListUsers:    {Roles: adminRole},
	ManageUsers:  {Roles: adminRole, StepUp: true},
	ListLiaisons: {Roles: []Role{RoleCoordinator, RoleAdmin}},
	ManageAgency: {Roles: adminRole, StepUp: true},
	ReadAudit:    {Roles: adminRole},
	ReadMetrics:  {Roles: []Role{RoleMetrics}, Scope: ScopeMetrics},
	// A token is a standing credential for a machine: issuing one is as
	// sensitive as creating a user.
	ListServiceAccounts:   {Roles: adminRole},
	ManageServiceAccounts: {Roles: adminRole, StepUp: true},
	ManageWebhooks:        {Roles: adminRole, Scope: ScopeWebhooksAdmin},

	ListOfficers:   {Roles: OfficerViewRoles},
	ReadOfficer:    {Roles: OfficerViewRoles, Related: officerRole, Tie: ownOfficer, Why: "their own officer record"},
	ManageRoster:   {Roles: RosterRoles},
	ReadTraining:   {Roles: RosterRoles, Related: officerRole, Tie: ownOfficer, Why: "their own training"},
	SetDutyStatus:  {Roles: DispatchRoles, Related: officerRole, Tie: ownOfficer, Why: "their own status", Scope: ScopePositionsWrite},
	ReportPosition: {Roles: DispatchRoles, Scope: ScopePositionsWrite},
	ReadStatusLog:  {Roles: OfficerViewRoles, Related: officerRole, Tie: ownOfficer, Why: "their own history"},
	ReadRosterFigs: {Roles: MeasureRoles},
	// Anyone signed in may ask: the page explains to someone not on the
	// roster how to be linked to their officer record.
	ReadOwnShift: {Roles: signedIn},

	DispatchCalls:   {Roles: DispatchRoles, Scope: ScopeCallsWrite},
	ListCalls:       {Roles: CallReadRoles, Scope: ScopeCallsRead},
	ReadCall:        {Roles: CallReadRoles, Related: officerRole, Tie: func(_ *Actor, o Object) bool { return o.SentToCall }, Why: "sent to the call by a dispatcher", Scope: ScopeCallsRead},
	MoveAssignment:  {Roles: DispatchRoles, Related: officerRole, Tie: ownOfficer, Why: "their own assignment", Scope: ScopeCallsWrite},
	ReadCallPlans:   {Roles: []Role{RoleDispatcher, RoleCoordinator}, Related: officerRole, Tie: func(_ *Actor, o Object) bool { return o.SentToCall }, Why: "sent to the call"},
	FollowLiveBoard: {Roles: signedIn},
	// The protocol is agency policy, not person-level data: whoever takes
	// or reads calls may read it (a CAD asking the same questions too);
	// only the admin changes it, as with the agency's other policy.
	ReadTriage:   {Roles: CallReadRoles, Scope: ScopeCallsRead},
	ManageTriage: {Roles: adminRole, StepUp: true},
	// A liaison says whether they can go and marks their own steps on a
	// call, as an officer does; dispatchers may do both for them.
	SetLiaisonStatus: {Roles: DispatchRoles, Related: liaisonRole, Tie: ownUser, Why: "their own status", Scope: ScopePositionsWrite},
	MoveLiaisonCall:  {Roles: DispatchRoles, Related: liaisonRole, Tie: ownUser, Why: "their own call", Scope: ScopeCallsWrite},

	StartReport: {Related: officerRole, Tie: func(a *Actor, _ Object) bool { return a.OfficerID != nil }, Why: "an officer on the roster"},
	ListReports: {Roles: ReviewRoles, Related: []Role{RoleOfficer, RoleSupervisor}, Tie: func(a *Actor, _ Object) bool { return a.OfficerID != nil || a.HasRole(RoleSupervisor) }, Why: "their own reports; a supervisor's officers' reports"},
	ReadReport: {Roles: ReviewRoles, Related: []Role{RoleOfficer, RoleLiaison, RoleSupervisor}, Tie: func(a *Actor, o Object) bool {
		return ownOfficer(a, o) || o.ReferredToActor && a.HasRole(RoleLiaison) || supervises(a, o)
	}, Why: "the report's officer, the liaison it was referred to, or the officer's supervisor", Record: "encounter"},
	EditReport: {Related: officerRole, Tie: ownOfficer, Why: "the report's officer"},
	// Coordinators review every report; a supervisor only those of the
	// officers they supervise.
	ReviewReport:  {Roles: ReviewRoles, Related: supervisorRole, Tie: supervises, Why: "the supervisor of the report's officer"},
	CorrectReport: {Roles: ReviewRoles},

	NamePerson:   {Roles: []Role{RoleCoordinator}, Related: officerRole, Tie: func(a *Actor, _ Object) bool { return a.OfficerID != nil }, Why: "an officer filing a report"},
	ReadPerson:   {Roles: []Role{RoleCoordinator}, Related: []Role{RoleLiaison, RoleOfficer}, Tie: personTie, Why: "referred to the liaison; or named on the reviewed report of a call the officer was sent to", Record: "person"},
	UpdatePerson: {Roles: []Role{RoleCoordinator}, Related: officerRole, Tie: personTie, Why: "an officer who may read the person"},
	// Erasing a record is for the admin who answers records requests, and
	// is irreversible: password and second factor again first.
	ErasePerson:       {Roles: adminRole, StepUp: true},
	ReadRepeatContact: {Roles: ReferralRoles},
	ManagePlans:       {Roles: []Role{RoleCoordinator}},
	ReadPlan:          {Roles: []Role{RoleCoordinator}, Related: []Role{RoleDispatcher, RoleOfficer, RoleLiaison}, Tie: func(a *Actor, o Object) bool { return o.SentToCall || o.ReferredToActor && a.HasRole(RoleLiaison) }, Why: "a dispatcher or officer on a matching open call; the liaison the person is referred to", Record: "crisis_plan"},

	AssignReferral: {Roles: []Role{RoleCoordinator}},
	WorkReferral:   {Roles: []Role{RoleCoordinator}, Related: liaisonRole, Tie: func(_ *Actor, o Object) bool { return o.ReferredToActor }, Why: "the liaison it is assigned to", Record: "referral"},

	ReadOutcomes:  {Roles: OutcomeRoles},
	DrillOutcomes: {Roles: OutcomeDrillRoles},
	ImportHistory: {Roles: HistoryRoles},

	// Streets are public facts; every page with a map may draw them.
	ReadMap: {Roles: signedIn},

	// A complaint names the community member and often officers: the
	// coordinator and the admin only (see ComplaintRoles).
	ReadComplaints:   {Roles: ComplaintRoles, Record: "complaint"},
	ManageComplaints: {Roles: ComplaintRoles},
}

// personTie: a liaison the person is referred to, or an officer sent to a
// call whose reviewed report names the person.
func personTie(a *Actor, o Object) bool {
	return o.ReferredToActor && a.HasRole(RoleLiaison) || o.ReviewedContact && a.OfficerID != nil
}

// Actions lists every action of the permission table.
func Actions() []Action {
	out := make([]Action, 0, len(permissions))
	for act := range permissions {
		out = append(out, act)
	}
	return out
}

// PermissionFor returns the table's line for act.
func PermissionFor(act Action) (Permission, bool) {
	p, ok := permissions[act]
	return p, ok
}

// MayEver reports whether a could take act on some record: the check at
// the door, before any record is read. An operator at the command line
// (Actor.IsOperator) may do anything within their agency.
func MayEver(a *Actor, act Action) bool {
	return may(a, act, func(Permission) bool { return true })
}

// Can reports whether a may take act on record o.
func Can(a *Actor, act Action, o Object) bool {
	return may(a, act, func(p Permission) bool { return p.Tie(a, o) })
}

// may is MayEver and Can: the role checks they share, with tied saying
// whether a related role is enough (at the door, before the record is
// read, it may be; for a record, its tie to a decides).
func may(a *Actor, act Action, tied func(Permission) bool) bool {
	if a == nil {
		return false
	}
	if a.IsOperator() {
		return true
	}
	p, ok := permissions[act]
	if !ok {
		return false
	}
	if a.Service {
		return p.Scope != "" && slices.Contains(a.Scopes, p.Scope)
	}
	if a.HasRole(p.Roles...) {
		return true
	}
	return p.Tie != nil && a.HasRole(p.Related...) && tied(p)
}

// Require returns the actor in ctx when it may ever take act (MayEver),
// EUNAUTHORIZED without an actor and EFORBIDDEN otherwise.
func Require(ctx context.Context, act Action) (*Actor, error) {
	a, err := RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !MayEver(a, act) {
		return nil, Refuse(a, act)
	}
	return a, nil
}
