package ui

import (
	"context"

	"citdesk"
	"citdesk/dispatch"
)

// dispatchRoles take calls, ask for recommendations and send officers.
var dispatchRoles = []citdesk.Role{citdesk.RoleDispatcher, citdesk.RoleAdmin}

// dispatchState is what the recommender and the board need to know about
// the agency right now: officers on duty, the calls they are on, and how
// many calls each had today.
type dispatchState struct {
	agency   *citdesk.Agency
	officers []*citdesk.Officer            // on duty, with CIT standing and duty state
	open     []*citdesk.Call               // open calls, longest waiting first
	active   map[int64]*citdesk.Assignment // officer id → active assignment
	calls    map[int64]*citdesk.Call       // open calls and any call an officer is on
	today    map[int64]int                 // officer id → assignments since local midnight
}

// loadDispatchState reads the state in a handful of queries. It is read
// per request: the board is a few dozen officers, and reading fresh means
// two replicas never disagree.
func (s *handler) loadDispatchState(ctx context.Context) (*dispatchState, error) {
	_, err := citdesk.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	st := &dispatchState{active: map[int64]*citdesk.Assignment{}, calls: map[int64]*citdesk.Call{}, today: map[int64]int{}}
	if st.agency, err = s.AgencyOf(ctx); err != nil {
		return nil, err
	}
	if st.officers, err = s.Svc.Officers.ListOfficers(ctx, citdesk.OfficerFilter{OnDuty: true}); err != nil {
		return nil, err
	}
	open, err := s.Svc.Calls.ListCalls(ctx, citdesk.CallFilter{Open: true, Limit: 1000})
	if err != nil {
		return nil, err
	}
	st.open = open
	for _, c := range open {
		st.calls[c.ID] = c
	}
	active, err := s.Svc.Calls.ListAssignments(ctx, citdesk.AssignmentFilter{Active: true})
	if err != nil {
		return nil, err
	}
	for _, a := range active {
		st.active[a.OfficerID] = a
		if _, ok := st.calls[a.CallID]; !ok {
			if c, err := s.Svc.Calls.FindCallByID(ctx, a.CallID); err == nil {
				st.calls[c.ID] = c
			}
		}
	}
	loc := st.agency.Location()
	midnight := citdesk.DateOf(s.Now(), loc).Time(loc)
	today, err := s.Svc.Calls.ListAssignments(ctx, citdesk.AssignmentFilter{Since: midnight})
	if err != nil {
		return nil, err
	}
	for _, a := range today {
		st.today[a.OfficerID]++
	}
	return st, nil
}

// units turns the state into the recommender's units.
func (st *dispatchState) units() []dispatch.Unit {
	units := make([]dispatch.Unit, 0, len(st.officers))
	for _, o := range st.officers {
		u := dispatch.NewUnit(o)
		if a := st.active[o.ID]; a != nil {
			u.CallID = a.CallID
			if c := st.calls[a.CallID]; c != nil {
				u.CallNature, u.CallEmergency = c.Nature, c.Emergency
			}
		}
		u.AssignmentsToday = st.today[o.ID]
		units = append(units, u)
	}
	return units
}

func (s *handler) recommendFrom(ctx context.Context, st *dispatchState, c *citdesk.Call) (dispatch.Result, error) {
	target := dispatch.TargetFromCall(c)
	prior, err := s.priorContacts(ctx, c)
	if err != nil {
		return dispatch.Result{}, err
	}
	target.PriorContact = prior
	opt := dispatch.Options{}
	if name := st.agency.Policy.LiaisonProgram; name != "" {
		opt.Liaison = &dispatch.Liaison{Name: name}
	}
	res := dispatch.Recommend(target, st.units(), s.Now(), st.agency.Policy, opt)
	if res.Officers == nil {
		res.Officers = []dispatch.Recommendation{}
	}
	return res, nil
}

// priorContacts lists the officers who met call c's person before in an
// encounter that ended without force or arrest — continuity of care, the
// recommender's second key. The person is recognised by the call's
// address (see EncounterService.PriorContactOfficers).
func (s *handler) priorContacts(ctx context.Context, c *citdesk.Call) ([]int64, error) {
	if s.Svc.Encounters == nil {
		return nil, nil
	}
	return s.Svc.Encounters.PriorContactOfficers(ctx, c.ID)
}
