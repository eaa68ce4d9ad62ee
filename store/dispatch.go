package store

import (
	"context"
	"fmt"
	"slices"

	"citdesk"
	"citdesk/dispatch"
)

// DispatchService returns the service that reads dispatch state and
// recommends officers, each answer from one read transaction.
func (db *DB) DispatchService() dispatch.Service { return dispatchService{db} }

type dispatchService struct{ db *DB }

// todaysAssignmentsSQL counts each officer's assignments since a time (its
// arguments: agency, time). Grouped by the bare column, SQLite walked the
// agency's every assignment by assignments_officer to skip the sort; the
// unary plus leaves it today's, read by dispatch time (TestTodaysAssignmentsPlan).
const todaysAssignmentsSQL = `SELECT +officer_id, COUNT(*) FROM assignments WHERE agency_id = ? AND dispatched_at >= ? GROUP BY +officer_id`

// dispatchState reads the actor's agency's dispatch state in tx; board
// also reads what only the board shows: which open calls have a crisis
// plan on file, and which the crisis line holds.
func (tx *Tx) dispatchState(ctx context.Context, actor *citdesk.Actor, board bool) (*dispatch.State, error) {
	agency, err := tx.findAgency(ctx, "id = ?", actor.AgencyID)
	if err != nil {
		return nil, err
	}
	st := dispatch.NewState(agency, tx.now)
	st.Roads = tx.db.roadsFor(agency.ID)
	if st.Officers, err = tx.listOfficers(ctx, agency, citdesk.OfficerFilter{OnDuty: true}); err != nil {
		return nil, err
	}
	if st.Liaisons, err = tx.listLiaisonDuty(ctx, agency.ID); err != nil {
		return nil, err
	}
	if st.Open, err = tx.listCalls(ctx, openCallsQuery, agency.ID); err != nil {
		return nil, err
	}
	citdesk.SortQueue(st.Open) // emergencies first, then longest waiting
	ids := make([]int64, 0, len(st.Open))
	for _, c := range st.Open {
		withoutCaller(c)
		st.Calls[c.ID] = c
		ids = append(ids, c.ID)
	}
	active, err := tx.listAssignments(ctx, agency.ID, citdesk.AssignmentFilter{Active: true})
	if err != nil {
		return nil, err
	}
	for _, a := range active {
		st.Active[a.OfficerID] = a
		if _, ok := st.Calls[a.CallID]; !ok {
			// An officer still on a call closed meanwhile (or beyond the
			// open list's limit): the board names the call they are on.
			c, err := tx.findCall(ctx, agency.ID, a.CallID, false)
			if err != nil {
				return nil, err
			}
			withoutCaller(c)
			st.Calls[c.ID] = c
		}
	}
	loc := agency.Location()
	today := citdesk.DateOf(tx.now, loc)
	rows, err := tx.QueryContext(ctx, todaysAssignmentsSQL, agency.ID, micros(today.Time(loc)))
	if err != nil {
		return nil, fmt.Errorf("count today's assignments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var officerID int64
		var n int
		if err := rows.Scan(&officerID, &n); err != nil {
			return nil, err
		}
		st.Today[officerID] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !board {
		return st, nil
	}
	if actor.HasRole(planFlagRoles...) {
		if err := callsWithPlans(ctx, tx, agency.ID, today, ids, st.PlanOnFile); err != nil {
			return nil, err
		}
	}
	st.CrisisLine, err = queryIDSet(ctx, tx, "read the calls the crisis line holds", `SELECT t.call_id FROM call_transfers t
		JOIN calls c ON c.agency_id = t.agency_id AND c.id = t.call_id
		WHERE t.agency_id = ? AND t.outcome = 'accepted' AND c.status IN ('pending', 'dispatched', 'on_scene')`, agency.ID)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// withoutCaller blanks what a call says about its caller and the person:
// name, phone, relationship, the person's description and the notes.
//
// The board is read by every dispatcher every few seconds, and it shows for
// each open call only what dispatch needs at a glance: nature, address,
// risk flags, status, time waiting. Those are about an incident, not about
// a person, so the board's call list is not a person-level read and is not
// audited: auditing it would write one event per open call per refresh per
// dispatcher and drown the trail. So that this stays true whatever a
// template or an API response shows, the state carries no caller details
// at all; the one call a dispatcher opens (StateForCall, the panel with
// the caller's name, phone and notes) is read in full and audited.
func withoutCaller(c *citdesk.Call) {
	c.CallerName, c.CallerPhone, c.CallerRelationship, c.SubjectDescription, c.Notes = "", "", "", "", ""
}

// State implements dispatch.Service.
func (s dispatchService) State(ctx context.Context) (*dispatch.State, error) {
	actor, err := citdesk.Require(ctx, citdesk.ListCalls)
	if err != nil {
		return nil, err
	}
	var st *dispatch.State
	err = s.db.readTx(ctx, func(tx *Tx) (err error) {
		st, err = tx.dispatchState(ctx, actor, true)
		return err
	})
	return st, err
}

// StateForCall implements dispatch.Service.
func (s dispatchService) StateForCall(ctx context.Context, callID int64) (*dispatch.State, *dispatch.CallPanel, error) {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return nil, nil, err
	}
	var (
		st       *dispatch.State
		p        *dispatch.CallPanel
		notFound error
	)
	// A write transaction: the panel shows the caller's details, so the
	// call's read is audited with it.
	err = s.db.writeTx(ctx, func(tx *Tx) error {
		var err error
		if st, err = tx.dispatchState(ctx, actor, true); err != nil {
			return err
		}
		c, err := tx.findCall(ctx, actor.AgencyID, callID, false)
		if citdesk.ErrorCode(err) == citdesk.ENOTFOUND {
			notFound = err
			return nil
		} else if err != nil {
			return err
		}
		if err := tx.audit(ctx, actor, "call.view", "call", c.ID, "dispatch board"); err != nil {
			return err
		}
		if err := loadTransfer(ctx, tx, c); err != nil {
			return err
		}
		p = &dispatch.CallPanel{Call: c}
		if p.Assignments, err = tx.listAssignments(ctx, actor.AgencyID, citdesk.AssignmentFilter{CallID: c.ID}); err != nil {
			return err
		}
		if p.Liaisons, err = tx.listCallLiaisons(ctx, actor.AgencyID, c.ID); err != nil {
			return err
		}
		if c.Status == citdesk.CallClosed {
			return nil
		}
		listed := slices.ContainsFunc(st.Open, func(o *citdesk.Call) bool { return o.ID == c.ID })
		if !listed && actor.HasRole(planFlagRoles...) {
			if err := callsWithPlans(ctx, tx, actor.AgencyID, citdesk.DateOf(tx.now, st.Agency.Location()), []int64{c.ID}, st.PlanOnFile); err != nil {
				return err
			}
		}
		p.PlanOnFile = st.PlanOnFile[c.ID]
		p.NeedReason = citdesk.NoCITReasonRequired(c, len(p.Assignments))
		prior, err := tx.priorContactOfficers(ctx, actor.AgencyID, c.Address)
		if err != nil {
			return err
		}
		p.Result = st.Recommend(c, prior)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return st, p, notFound
}

// RecommendForCall implements dispatch.Service. An open call is answered
// from the agency's dispatch state in memory (dispatchmem.go), without SQL;
// any other from the database. Either way the call comes without its
// caller's details, as on the board.
func (s dispatchService) RecommendForCall(ctx context.Context, callID int64) (*citdesk.Call, dispatch.Result, error) {
	actor, err := citdesk.Require(ctx, citdesk.DispatchCalls)
	if err != nil {
		return nil, dispatch.Result{}, err
	}
	if s.db.keepingDispatch() {
		c, res, ok, err := s.db.recommendFromMemory(ctx, actor, callID)
		if ok || err != nil {
			return c, res, err
		}
	}
	return s.db.recommendFromSQL(ctx, actor, callID)
}

// recommendFromSQL is RecommendForCall read from the database, in one read
// transaction.
func (db *DB) recommendFromSQL(ctx context.Context, actor *citdesk.Actor, callID int64) (*citdesk.Call, dispatch.Result, error) {
	var c *citdesk.Call
	var res dispatch.Result
	err := db.readTx(ctx, func(tx *Tx) error {
		st, err := tx.dispatchState(ctx, actor, false)
		if err != nil {
			return err
		}
		if c, err = tx.findCall(ctx, actor.AgencyID, callID, false); err != nil {
			return err
		}
		withoutCaller(c)
		prior, err := tx.priorContactOfficers(ctx, actor.AgencyID, c.Address)
		if err != nil {
			return err
		}
		res = st.Recommend(c, prior)
		return nil
	})
	if err != nil {
		return nil, dispatch.Result{}, err
	}
	return c, res, nil
}
