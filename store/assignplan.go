package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"citdesk"
)

// assignmentPlan is what CreateAssignment decides from its reads: the call,
// the officer with their CIT standing and duty state, and whether a no-CIT
// reason is needed (settled on the assignment itself), with the fingerprint
// of the rows those decisions rest on.
type assignmentPlan struct {
	call        *citdesk.Call
	officer     *citdesk.Officer
	fingerprint assignmentPrint
}

// assignmentPrint is what a plan for sending an officer to a call rests on.
// Each part moves whenever anything the plan read moves: a call's version
// on every change of the call, the count of its assignments (the first
// assignment is judged differently), an officer's version on every roster
// change, their duty status, the count of their training records (which
// are only ever added) for their CIT standing, and the agency's policy and
// time zone, which that standing is judged by.
type assignmentPrint struct {
	callVersion, assignments  int64
	officerVersion, trainings int64
	duty, policy, timezone    string
}

// assignmentFingerprint reads, in one statement, the values a plan to send
// officerID to callID rests on, and the officer's standing and duty row as
// a status change reads them (readDuty), so that the write transaction
// need not read them again. A missing call or officer reads as zeros,
// which no plan carries, so the caller plans again and gets its error.
func assignmentFingerprint(ctx context.Context, tx *Tx, agencyID, callID, officerID int64) (assignmentPrint, dutyRead, error) {
	var p assignmentPrint
	var d dutyRead
	var since sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT c.version,
			(SELECT COUNT(*) FROM assignments x WHERE x.agency_id = c.agency_id AND x.call_id = c.id),
			o.version, o.active, d.status, d.since,
			(SELECT COUNT(*) FROM training_records t WHERE t.agency_id = o.agency_id AND t.officer_id = o.id),
			g.policy, g.timezone
		FROM calls c
		JOIN officers o ON o.agency_id = c.agency_id AND o.id = ?
		JOIN agencies g ON g.id = c.agency_id
		LEFT JOIN officer_duty d ON d.agency_id = o.agency_id AND d.officer_id = o.id
		WHERE c.agency_id = ? AND c.id = ?`, officerID, agencyID, callID).
		Scan(&p.callVersion, &p.assignments, &p.officerVersion, &d.active, &d.status, &since, &p.trainings, &p.policy, &p.timezone)
	if errors.Is(err, sql.ErrNoRows) {
		return assignmentPrint{}, dutyRead{}, nil
	}
	p.duty = d.status.String
	d.found, d.since = err == nil, since.Int64
	return p, d, err
}

// planAssignment reads what sending a.OfficerID to a.CallID needs and
// checks it, in tx (a reader's snapshot, or the write transaction itself),
// settling a's CIT standing and no-CIT reason.
func planAssignment(ctx context.Context, tx *Tx, actor *citdesk.Actor, a *citdesk.Assignment) (*assignmentPlan, error) {
	agencyID := actor.AgencyID
	print, _, err := assignmentFingerprint(ctx, tx, agencyID, a.CallID, a.OfficerID)
	if err != nil {
		return nil, err
	}
	agency, err := tx.requestAgency(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	call, err := tx.findCall(ctx, agencyID, a.CallID, false)
	if err != nil {
		return nil, err
	}
	if call.Status == citdesk.CallClosed {
		return nil, citdesk.Errorf(citdesk.ECONFLICT, "This call is closed.")
	}
	officer, err := tx.findOfficerDecorated(ctx, agency, a.OfficerID)
	if citdesk.ErrorCode(err) == citdesk.ENOTFOUND {
		return nil, citdesk.FieldErrorf("officer_id", "No such officer on the roster.")
	} else if err != nil {
		return nil, err
	}
	if !officer.Active {
		return nil, citdesk.FieldErrorf("officer_id", "%s is inactive on the roster.", officer.Name())
	}
	if officer.Duty == nil || !officer.Duty.Status.OnDuty() {
		return nil, citdesk.Errorf(citdesk.ECONFLICT, "%s is off duty.", officer.Name())
	}
	before := int(print.assignments)
	a.CITStatus = officer.CIT.Status
	a.CITCertified = officer.CIT.Status.Certified()
	if citdesk.NeedsNoCITReason(call, before, a.CITStatus) {
		if err := citdesk.ValidateNoCITReason(a.NoCITReason, a.NoCITText); err != nil {
			return nil, err
		}
		if a.NoCITReason != citdesk.NoCITOther {
			a.NoCITText = ""
		}
	} else {
		a.NoCITReason, a.NoCITText = "", ""
	}
	return &assignmentPlan{call: call, officer: officer, fingerprint: print}, nil
}

// movePlan is what MoveAssignment read and checked before its write: the
// assignment at the version the caller saw, its call, and its officer
// with their CIT standing and duty state (for the board's event).
type movePlan struct {
	assignment *citdesk.Assignment
	call       *citdesk.Call
	officer    *citdesk.Officer
}

// planMove reads and checks, in tx, moving assignment id from version to
// status on the actor's behalf.
func planMove(ctx context.Context, tx *Tx, actor *citdesk.Actor, id, version int64, status citdesk.AssignmentStatus) (*movePlan, error) {
	agencyID := actor.AgencyID
	agency, err := tx.requestAgency(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	a, err := tx.findAssignment(ctx, agencyID, id)
	if err != nil {
		return nil, err
	}
	if !citdesk.MayEver(actor, citdesk.DispatchCalls) && !actor.IsOfficer(a.OfficerID) {
		return nil, citdesk.Errorf(citdesk.EFORBIDDEN, "You may only move your own assignments.")
	}
	call, err := tx.findCall(ctx, agencyID, a.CallID, false)
	if err != nil {
		return nil, err
	}
	if a.Version != version {
		return nil, citdesk.Errorf(citdesk.EPRECONDITION, "This assignment changed since you loaded it (it is now %s); reload and try again.", strings.ToLower(a.Status.Label()))
	}
	if !a.Status.CanMoveTo(status) {
		return nil, citdesk.Errorf(citdesk.ECONFLICT, "An assignment that is %s cannot move to %s.", strings.ToLower(a.Status.Label()), strings.ToLower(status.Label()))
	}
	officer, err := tx.findOfficerDecorated(ctx, agency, a.OfficerID)
	if err != nil {
		return nil, err
	}
	return &movePlan{assignment: a, call: call, officer: officer}, nil
}
