package dispatch

import (
	"context"
	"time"

	"citdesk"
)

// Service reads what dispatch needs from the records, each answer from one
// consistent snapshot (one read transaction), and leaves the ranking to the
// pure code of this package. It lives here rather than in package citdesk
// because its values (State, Result) are dispatch types and dispatch
// imports citdesk, as outcomes.Service does.
type Service interface {
	// State returns the agency's dispatch state now: officers on duty,
	// open calls with their crisis-plan flags, active assignments and
	// today's workload. citdesk.CallReadRoles only.
	State(ctx context.Context) (*State, error)
	// StateForCall is State with call callID selected, as the board shows
	// it: the call, all its assignments, its plan flag and, while it is
	// open, its recommendation. citdesk.DispatchRoles only. When the call
	// does not exist the error is ENOTFOUND and the state is still
	// returned, so the board can be shown without the panel.
	StateForCall(ctx context.Context, callID int64) (*State, *CallPanel, error)
	// RecommendForCall returns call callID, without its caller's details
	// as the board shows it, and the officers to send to it, ranked.
	// citdesk.DispatchRoles only.
	RecommendForCall(ctx context.Context, callID int64) (*citdesk.Call, Result, error)
}

// State is what the recommender and the board need to know about an
// agency at one moment. It is read per request: the board is a few dozen
// officers, and reading fresh means two replicas never disagree.
type State struct {
	Agency *citdesk.Agency
	// Now is when the state was read; recommendations are made as of Now.
	Now      time.Time
	Officers []*citdesk.Officer            // on duty, with CIT standing and duty state
	Open     []*citdesk.Call               // open calls in queue order (citdesk.SortQueue)
	Active   map[int64]*citdesk.Assignment // officer id → their active assignment
	Calls    map[int64]*citdesk.Call       // open calls and any call an officer is on
	Today    map[int64]int                 // officer id → assignments since local midnight
	// PlanOnFile marks the open calls that match a current crisis plan.
	// Only the flag is read, never a plan, so it leaves no audit event; it
	// stays empty for actors who may not see plan flags.
	PlanOnFile map[int64]bool
	// CrisisLine marks the open calls the crisis line holds: their
	// transfer to 988 or mobile crisis is recorded and accepted, not
	// returned (citdesk.QueueAlert does not alert for them). Read for the
	// board only; empty in the state recommendations are made from.
	CrisisLine map[int64]bool
	// Roads estimates travel on the agency's road map, when it has one
	// (citdesk map import); nil means the straight line.
	Roads RouteEstimator
	// Liaisons are the agency's liaisons who have set a status, each with
	// the call they are on (issue 16: co-response).
	Liaisons []*citdesk.LiaisonDuty
}

// NewState returns an empty state of agency read at now, ready to fill.
func NewState(agency *citdesk.Agency, now time.Time) *State {
	return &State{Agency: agency, Now: now, Active: map[int64]*citdesk.Assignment{}, Calls: map[int64]*citdesk.Call{},
		Today: map[int64]int{}, PlanOnFile: map[int64]bool{}, CrisisLine: map[int64]bool{}}
}

// Units turns the state into the recommender's units, one per officer on
// duty, with the call each is on and their workload today.
func (st *State) Units() []Unit {
	units := make([]Unit, 0, len(st.Officers))
	for _, o := range st.Officers {
		u := NewUnit(o)
		if a := st.Active[o.ID]; a != nil {
			u.CallID = a.CallID
			if c := st.Calls[a.CallID]; c != nil {
				u.CallNature, u.CallEmergency = c.Nature, c.Emergency
			}
		}
		u.AssignmentsToday = st.Today[o.ID]
		units = append(units, u)
	}
	return units
}

// ActiveByCall groups the active assignments by call, for the board's list.
func (st *State) ActiveByCall() map[int64][]*citdesk.Assignment {
	out := map[int64][]*citdesk.Assignment{}
	for _, a := range st.Active {
		out[a.CallID] = append(out[a.CallID], a)
	}
	return out
}

// Recommend ranks the officers of the state for call c as of st.Now, with
// prior the officers who met the call's person before (see
// Target.PriorContact) and the agency's liaison programme in the fallback.
// Officers is never nil, so it encodes as [] rather than null.
func (st *State) Recommend(c *citdesk.Call, prior []int64) Result {
	return st.RecommendUnits(c, prior, st.Units(), st.Now)
}

// RecommendUnits is Recommend over units made from the state beforehand
// (Units, less any who can take part in no list), as of now: a state kept
// in memory makes its units once and answers many calls from them.
func (st *State) RecommendUnits(c *citdesk.Call, prior []int64, units []Unit, now time.Time) Result {
	target, opt := st.request(c, prior)
	return st.finish(c, Recommend(target, units, now, st.Agency.Policy, opt))
}

// RecommendPrepared is RecommendUnits over units prepared beforehand
// (Prepare), which answers a call with a location by visiting only the
// nearest units: what a state kept in memory answers from.
func (st *State) RecommendPrepared(c *citdesk.Call, prior []int64, units *Prepared, now time.Time) Result {
	target, opt := st.request(c, prior)
	return st.finish(c, units.Recommend(target, now, st.Agency.Policy, opt))
}

// request returns the target and options of a recommendation for call c.
func (st *State) request(c *citdesk.Call, prior []int64) (Target, Options) {
	target := TargetFromCall(c)
	target.PriorContact = prior
	opt := Options{Roads: st.Roads}
	if name := st.Agency.Policy.LiaisonProgram; name != "" {
		opt.Liaison = &Liaison{Name: name}
	}
	return target, opt
}

// finish completes the ranking res for call c: the officers encode as []
// rather than null, and the response paths are added beside them.
func (st *State) finish(c *citdesk.Call, res Result) Result {
	if res.Officers == nil {
		res.Officers = []Recommendation{}
	}
	res.Responses = st.Responses(c, res)
	return res
}

// CallPanel is one call selected on the board with everything its panel
// shows.
type CallPanel struct {
	Call *citdesk.Call
	// Assignments are every officer sent to the call, cleared ones too,
	// oldest first.
	Assignments []*citdesk.Assignment
	// PlanOnFile reports that the open call matches a current crisis plan.
	PlanOnFile bool
	// NeedReason reports that sending a non-CIT officer now needs a reason
	// (citdesk.NoCITReasonRequired).
	NeedReason bool
	// Result ranks the officers to send; zero for a closed call.
	Result Result
	// Liaisons are the liaisons sent to the call (co-response), oldest
	// first.
	Liaisons []*citdesk.CallLiaison
}
