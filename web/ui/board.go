package ui

import (
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"citdesk"
	"citdesk/dispatch"
	"citdesk/web"
)

// The live board: open calls, officers on duty, a new-call form, the
// selected call with its recommendation, and a map. Every action is a
// plain form that posts and redirects, so the board works without
// JavaScript; with it, htmx swaps the parts and dispatch.js refreshes them
// from the event stream.

// boardView is the whole board.
type boardView struct {
	Calls []boardCall
	// AlertAfter is the agency's emergency alert threshold in seconds
	// (Policy.EmergencyAlertAfter), for dispatch.js to alert live.
	AlertAfter int
	// Alerts counts the calls alerting as the page was drawn.
	Alerts int
	// Metric: the agency measures in meters and kilometers, not feet and
	// miles (dispatch.js says how far a map click is from an address).
	Metric   bool
	Officers []boardOfficer
	Panel    *boardPanel
	Form     callForm
	Map      boardMap
}

// boardMap configures the map; without a tile URL it draws points on a
// plain background.
type boardMap struct {
	TileURL  string
	Lat, Lon string
}

// boardCall is one open call in the list.
type boardCall struct {
	ID           int64
	Nature       string
	Address      string
	Source       string
	Emergency    bool
	CITRequested bool
	Status       citdesk.CallStatus
	Received     string // local clock time
	ReceivedISO  string
	Waiting      string
	Flags        []flagView
	Assigned     []assignedView
	Lat, Lon     string // empty when the call has no location
	PlanOnFile   bool   // a current crisis plan matches the call (the plan itself is not read)
	// Unsent: no officer is on the call and the crisis line does not hold
	// it; with Emergency, dispatch.js raises the alert once it has waited
	// past the agency's threshold (citdesk.QueueAlert's rule).
	Unsent bool
	// Alert says why the call needs the dispatcher now (citdesk.QueueAlert).
	Alert citdesk.Alert
}

// flagView is one risk answer in words.
type flagView struct {
	Label, Answer string
	Yes           bool
}

// assignedView is an officer on a call, in the list.
type assignedView struct {
	Name   string
	Status citdesk.AssignmentStatus
}

// boardOfficer is one officer on duty.
type boardOfficer struct {
	ID         int64
	Name       string
	CallSign   string
	CIT        citdesk.CITStatus
	Status     citdesk.DutyStatus
	InStatus   string
	CallID     int64
	CallNature string
	Stale      bool
	Lat, Lon   string
}

// boardPanel is the selected call: details, the officers on it, and who
// to send next.
type boardPanel struct {
	Call         *citdesk.Call
	View         boardCall
	MentalHealth string
	Assignments  []panelAssignment
	Recommended  []panelOption
	// Partners are the partner agencies' available CIT officers, when the
	// agency has none to recommend (county mutual aid, board_aid.go).
	Partners    []partnerOption
	NearestNon  []panelOption
	Divertible  []panelOption
	Unavailable []panelOption
	Message     string
	Liaison     string
	NeedReason  bool // CIT was requested and no officer was sent yet
	Error       string
	Field       string
	Notice      string
	Closed      bool
	// Cleared: every officer has cleared and the call waits to be closed.
	Cleared bool
	// CloseNeedsReason: CIT was requested and no CIT officer reached the
	// call, so the close form asks why (citdesk.PrepareClose), offering
	// ReasonChoices with CloseReason preselected from the assignments.
	CloseNeedsReason bool
	CloseReason      string
	CloseReasonText  string
	ReasonChoices    []struct{ Code, Label string }
	// ClosedReason is a closed call's recorded no-CIT reason in words.
	ClosedReason string
	// The call's response: the triage protocol version (0 when not
	// triaged), the responses to choose from (the chosen one selected),
	// the reason for choosing other than the recommended one, and whether
	// it sends no police.
	TriageVersion  int
	Responses      []responseOption
	ResponseReason string
	NoPolice       bool
	// Transfer is the call's transfer to 988 or mobile crisis
	// (board_transfer.go).
	Transfer transferPanel
	// Paths are the response paths as resources (issue 16): each with
	// whether it can go now, who and how soon; the dispatcher chooses one.
	Paths []responsePath
	// Liaisons are the liaisons sent to the call, with their steps.
	Liaisons []panelLiaison
}

// responsePath is one response path on the panel's Responses list.
type responsePath struct {
	Value                  citdesk.Response
	Label                  string
	Available, Recommended bool
	Chosen, Police         bool
	ETA                    string // the path's arrival, "" when it sends no one
	Officer, OfficerETA    string
	OfficerID              int64
	OfficerOnCall          bool
	Liaison, LiaisonETA    string
	LiaisonStatus          citdesk.LiaisonStatus
	LiaisonID              int64
	Note                   string
}

// panelLiaison is a liaison sent to the call.
type panelLiaison struct {
	Name, Times string
	Status      citdesk.LiaisonCallStatus
	Finished    bool
}

// panelAssignment is an officer on the selected call, with the moves the
// dispatcher can make for them.
type panelAssignment struct {
	ID       int64
	Version  int64
	Name     string
	Status   citdesk.AssignmentStatus
	Times    string
	CIT      string
	Reason   string
	Next     []moveButton
	Finished bool
}

type moveButton struct {
	Status citdesk.AssignmentStatus
	Label  string
}

// panelOption is one officer the dispatcher may send.
type panelOption struct {
	OfficerID   int64
	Name        string
	CIT         citdesk.CITStatus
	ETA         string
	Reasons     []string
	CanAssign   bool
	NeedsReason bool
	Note        string
	CallID      int64
	// ReasonChoices are the reasons offered when NeedsReason.
	ReasonChoices []struct{ Code, Label string }
}

// callForm is the new-call form with what was typed and what is wrong.
type callForm struct {
	Nature, Address, Lat, Lon                          string
	Source                                             string
	Emergency, CITRequested                            bool
	CallerName, CallerPhone, CallerRelationship, Notes string
	SubjectDescription                                 string
	Risk                                               []riskInput
	Sources                                            []sourceOption
	Error, Field                                       string
	// Triage is the protocol's questions (drawn by the board-triage
	// fragment), or what was answered while they load.
	Triage triageView
}

type riskInput struct {
	Field, Label string
	Answer       citdesk.Risk
}

type sourceOption struct {
	Value, Label string
	Selected     bool
}

// natures are suggestions for the nature field; anything may be typed.
var natures = []string{"Suicide threat", "Suicide attempt", "Person in crisis", "Psychosis / disordered thinking", "Welfare check",
	"Self-harm", "Overdose", "Disturbance", "Missing vulnerable person", "Dementia / wandering"}

// newCallForm returns the form with its defaults: a 911 emergency, every
// risk question unknown until asked.
func newCallForm() callForm {
	f := callForm{Source: string(citdesk.Source911), Emergency: true, Triage: triageView{Loading: true}}
	for _, fl := range (citdesk.RiskScreen{}).Flags() {
		f.Risk = append(f.Risk, riskInput{Field: fl.Field, Label: fl.Label, Answer: citdesk.RiskUnknown})
	}
	return f.withSources()
}

func (f callForm) withSources() callForm {
	f.Sources = nil
	for _, src := range citdesk.CallSources {
		f.Sources = append(f.Sources, sourceOption{Value: string(src), Label: src.Label(), Selected: string(src) == f.Source})
	}
	return f
}

// Natures lists the suggestions, for the template.
func (callForm) Natures() []string { return natures }

// parseCallForm reads the posted form into a call, keeping what was typed.
func parseCallForm(r *http.Request) (callForm, *citdesk.Call, error) {
	f := newCallForm()
	if err := r.ParseForm(); err != nil {
		return f, nil, citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	v := r.PostForm
	f.Nature, f.Address, f.Lat, f.Lon = v.Get("nature"), v.Get("address"), strings.TrimSpace(v.Get("lat")), strings.TrimSpace(v.Get("lon"))
	f.Source = v.Get("source")
	f.Emergency, f.CITRequested = v.Get("emergency") != "", v.Get("cit_requested") != ""
	f.CallerName, f.CallerPhone, f.CallerRelationship = v.Get("caller_name"), v.Get("caller_phone"), v.Get("caller_relationship")
	f.SubjectDescription, f.Notes = v.Get("subject_description"), v.Get("notes")
	for i := range f.Risk {
		if a := v.Get("risk_" + f.Risk[i].Field); a != "" {
			f.Risk[i].Answer = citdesk.Risk(a)
		}
	}
	f = f.withSources()
	f.Triage.Kept, f.Triage.KeptResponse, f.Triage.KeptReason = triageFormAnswers(v), v.Get("response"), v.Get("response_reason")
	c := &citdesk.Call{Source: citdesk.CallSource(f.Source), Emergency: f.Emergency, Nature: f.Nature, Address: f.Address,
		CallerName: f.CallerName, CallerPhone: f.CallerPhone, CallerRelationship: f.CallerRelationship,
		SubjectDescription: f.SubjectDescription, Notes: f.Notes, CITRequested: f.CITRequested,
		TriageAnswers: f.Triage.Kept, Response: citdesk.Response(f.Triage.KeptResponse), ResponseReason: f.Triage.KeptReason}
	c.Risk = citdesk.RiskScreen{Weapons: f.Risk[0].Answer, Violence: f.Risk[1].Answer, SuicideRisk: f.Risk[2].Answer, Substances: f.Risk[3].Answer, Medical: f.Risk[4].Answer}
	var err error
	if c.Lat, err = optionalCoordinate("lat", f.Lat); err != nil {
		return f, nil, err
	}
	if c.Lon, err = optionalCoordinate("lon", f.Lon); err != nil {
		return f, nil, err
	}
	return f, c, nil
}

// optionalCoordinate reads a latitude or longitude that may be blank,
// refusing what is not a finite number (NaN and Inf parse as floats).
func optionalCoordinate(field, v string) (*float64, error) {
	if v == "" {
		return nil, nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return nil, citdesk.FieldErrorf(field, "Coordinates are decimal degrees, such as 38.1395 and -90.5551.")
	}
	return &x, nil
}

// isHTMX reports whether htmx sent the request (it swaps a part of the page).
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// renderFragment writes one of the board's templates (they hold the
// assignment card too) with status: 412 and 422 answers swap in as well.
func (s *handler) renderFragment(w http.ResponseWriter, status int, name string, data any) {
	s.writePartial(w, status, "board", name, data)
}

func coord(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', 6, 64)
}

// boardCallOf describes call c for the list, with its alert under policy p
// (none while the crisis line holds it: crisisLine).
func (s *boardPages) boardCallOf(c *citdesk.Call, loc *time.Location, p citdesk.Policy, assigned []*citdesk.Assignment, crisisLine bool) boardCall {
	v := boardCall{ID: c.ID, Nature: c.Nature, Address: c.Address, Source: c.Source.Label(), Emergency: c.Emergency, CITRequested: c.CITRequested,
		Status: c.Status, Received: c.ReceivedAt.In(loc).Format("15:04"), ReceivedISO: c.ReceivedAt.UTC().Format(time.RFC3339),
		Waiting: ago(s.Now().Sub(c.ReceivedAt)), Lat: coord(c.Lat), Lon: coord(c.Lon)}
	if c.Lat == nil || c.Lon == nil {
		v.Lat, v.Lon = "", ""
	}
	for _, f := range c.Risk.Flags() {
		if f.Answer == citdesk.RiskNo {
			continue
		}
		v.Flags = append(v.Flags, flagView{Label: f.Label, Answer: string(f.Answer), Yes: f.Answer == citdesk.RiskYes})
	}
	// Yes answers first: they are what the officer must hear.
	slices.SortStableFunc(v.Flags, func(a, b flagView) int {
		if a.Yes == b.Yes {
			return 0
		}
		if a.Yes {
			return -1
		}
		return 1
	})
	for _, a := range assigned {
		if a.Status.Active() {
			v.Assigned = append(v.Assigned, assignedView{Name: a.OfficerName, Status: a.Status})
		}
	}
	v.Unsent = len(v.Assigned) == 0 && !crisisLine
	v.Alert = citdesk.QueueAlert(c, assigned, crisisLine, s.Now(), p)
	return v
}

// statusOrder sorts the officers list: free first, then by how tied up.
var statusOrder = map[citdesk.DutyStatus]int{citdesk.StatusAvailable: 0, citdesk.StatusDispatched: 1, citdesk.StatusEnRoute: 2, citdesk.StatusOnScene: 3, citdesk.StatusBusy: 4}

func (s *boardPages) boardOfficers(st *dispatch.State) []boardOfficer {
	out := make([]boardOfficer, 0, len(st.Officers))
	for _, o := range st.Officers {
		b := boardOfficer{ID: o.ID, Name: o.Name(), CallSign: o.CallSign, CIT: citdesk.CITNotTrained, Status: citdesk.StatusOffDuty}
		if o.CIT != nil {
			b.CIT = o.CIT.Status
		}
		if d := o.Duty; d != nil {
			b.Status, b.Stale = d.Status, d.Stale
			if !d.Since.IsZero() {
				b.InStatus = ago(s.Now().Sub(d.Since))
			}
			if d.Lat != nil && d.Lon != nil {
				b.Lat, b.Lon = coord(d.Lat), coord(d.Lon)
			}
		}
		if a := st.Active[o.ID]; a != nil {
			b.CallID = a.CallID
			if c := st.Calls[a.CallID]; c != nil {
				b.CallNature = c.Nature
			}
		}
		out = append(out, b)
	}
	slices.SortStableFunc(out, func(a, b boardOfficer) int {
		if d := statusOrder[a.Status] - statusOrder[b.Status]; d != 0 {
			return d
		}
		if ac, bc := a.CIT.Certified(), b.CIT.Certified(); ac != bc {
			if ac {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// boardData reads everything the board shows in one read transaction;
// selected is the call in the panel (0 for none).
func (s *boardPages) boardData(ctx context.Context, selected int64) (*boardView, error) {
	var st *dispatch.State
	var panel *dispatch.CallPanel
	var err error
	if selected != 0 {
		st, panel, err = s.Svc.Dispatch.StateForCall(ctx, selected)
		if err != nil && (st == nil || citdesk.ErrorCode(err) != citdesk.ENOTFOUND) {
			return nil, err
		}
	} else if st, err = s.Svc.Dispatch.State(ctx); err != nil {
		return nil, err
	}
	v := s.boardList(st)
	if panel != nil {
		v.Panel = s.panelView(st, panel)
		s.addPartners(ctx, v.Panel, st.Agency.Policy.Metric())
		s.announceRecommendation(ctx, panel)
	}
	return v, nil
}

// announceRecommendation tells the CAD (the recommendation.made webhook,
// with the payload GET /api/v1/calls/{id}/recommendations sends: the call
// and the ranking) when a board first shows a recommendation for an open
// call, and never again for that call.
//
// The rule is once per call, not once per showing: the board redraws the
// panel on every event that touches the call or an officer (the AVL feed
// moves officers many times a minute), on every action, and on each
// dispatcher's reload, and several dispatchers may have it open on
// several replicas. Sending on each draw would send the CAD the same
// recommendation again and again, and a re-ranking on each AVL position
// would still be a flood; so the first showing is sent, keyed by the call
// (WebhookService.NotifyOnce: one delivery per subscription however many
// boards, replicas and restarts), and later showings are not. A CAD that
// wants the ranking as it stands asks the API, which sends the event on
// each request. A failure is logged, not shown: the dispatcher's board
// must not fail because the outbox could not be written.
func (s *boardPages) announceRecommendation(ctx context.Context, panel *dispatch.CallPanel) {
	if s.Svc.Webhooks == nil || panel.Call == nil || panel.Call.Status == citdesk.CallClosed {
		return
	}
	id := panel.Call.ID
	err := s.Svc.Webhooks.NotifyOnce(ctx, citdesk.HookRecommendationMade, "board call "+strconv.FormatInt(id, 10),
		map[string]any{"call_id": id, "recommendation": panel.Result})
	if err != nil {
		s.Log.Error("recommendation.made from the board", "call", id, "err", err)
	}
}

// boardList describes the open calls and the officers on duty.
func (s *boardPages) boardList(st *dispatch.State) *boardView {
	loc := st.Agency.Location()
	byCall := st.ActiveByCall()
	v := &boardView{Form: newCallForm(), AlertAfter: int(st.Agency.Policy.EmergencyAlertAfter() / time.Second), Metric: st.Agency.Policy.Metric(), Map: boardMap{TileURL: s.TileURLFor(st.Agency.ID),
		Lat: strconv.FormatFloat(st.Agency.Lat, 'f', 6, 64), Lon: strconv.FormatFloat(st.Agency.Lon, 'f', 6, 64)}}
	for _, c := range st.Open {
		bc := s.boardCallOf(c, loc, st.Agency.Policy, byCall[c.ID], st.CrisisLine[c.ID])
		bc.PlanOnFile = st.PlanOnFile[c.ID]
		if bc.Alert.Any() {
			v.Alerts++
		}
		v.Calls = append(v.Calls, bc)
	}
	v.Officers = s.boardOfficers(st)
	return v
}

// panelView describes a call with its recommendation.
func (s *boardPages) panelView(st *dispatch.State, cp *dispatch.CallPanel) *boardPanel {
	c, assignments := cp.Call, cp.Assignments
	loc := st.Agency.Location()
	p := &boardPanel{Call: c, View: s.boardCallOf(c, loc, st.Agency.Policy, assignments, st.CrisisLine[c.ID]), Closed: c.Status == citdesk.CallClosed}
	if !p.Closed {
		p.View.PlanOnFile = cp.PlanOnFile
	}
	p.View.Flags = nil
	for _, f := range c.Risk.Flags() {
		p.View.Flags = append(p.View.Flags, flagView{Label: f.Label, Answer: string(f.Answer), Yes: f.Answer == citdesk.RiskYes})
	}
	switch {
	case c.MentalHealth == nil:
		p.MentalHealth = ""
	case *c.MentalHealth:
		p.MentalHealth = "yes"
	default:
		p.MentalHealth = "no"
	}
	onCall := map[int64]bool{}
	for _, a := range assignments {
		pa := panelAssignment{ID: a.ID, Version: a.Version, Name: a.OfficerName, Status: a.Status, CIT: a.CITStatus.Label(), Finished: !a.Status.Active()}
		pa.Times = "Sent " + a.DispatchedAt.In(loc).Format("15:04")
		for _, step := range []struct {
			label string
			at    *time.Time
		}{{"en route", a.EnRouteAt}, {"on scene", a.OnSceneAt}, {"cleared", a.ClearedAt}} {
			if step.at != nil {
				pa.Times += " · " + step.label + " " + step.at.In(loc).Format("15:04")
			}
		}
		if a.NoCITReason != "" {
			pa.Reason = citdesk.NoCITReasonLabel(a.NoCITReason)
			if a.NoCITText != "" {
				pa.Reason += ": " + a.NoCITText
			}
		}
		for _, next := range []citdesk.AssignmentStatus{citdesk.AssignEnRoute, citdesk.AssignOnScene, citdesk.AssignCleared} {
			if a.Status.CanMoveTo(next) {
				pa.Next = append(pa.Next, moveButton{Status: next, Label: next.Label()})
			}
		}
		if a.Status.Active() {
			onCall[a.OfficerID] = true
		}
		p.Assignments = append(p.Assignments, pa)
	}
	if c.TriageVersion != nil {
		p.TriageVersion = *c.TriageVersion
	}
	p.ResponseReason = c.ResponseReason
	p.Responses = responseOptions(c.Response, c.RecommendedResponse)
	for _, l := range cp.Liaisons {
		pl := panelLiaison{Name: l.Name, Status: l.Status, Finished: l.Status == citdesk.LiaisonCleared, Times: "Sent " + l.AssignedAt.In(loc).Format("15:04")}
		for _, step := range []struct {
			label string
			at    *time.Time
		}{{"en route", l.EnRouteAt}, {"on scene", l.OnSceneAt}, {"cleared", l.ClearedAt}} {
			if step.at != nil {
				pl.Times += " · " + step.label + " " + step.at.In(loc).Format("15:04")
			}
		}
		p.Liaisons = append(p.Liaisons, pl)
	}
	p.NoPolice = c.Response != "" && !c.Response.Police()
	p.Transfer = transferPanelOf(c, loc)
	if p.Closed {
		if c.NoCITReason != "" {
			p.ClosedReason = citdesk.NoCITReasonLabel(c.NoCITReason)
			if c.NoCITText != "" {
				p.ClosedReason += ": " + c.NoCITText
			}
		}
		return p
	}
	p.Cleared = c.Status == citdesk.CallCleared
	if c.CITRequested && !citdesk.CITReached(assignments) {
		p.CloseNeedsReason, p.ReasonChoices = true, citdesk.NoCITReasons
		for _, a := range assignments {
			if a.NoCITReason != "" {
				p.CloseReason, p.CloseReasonText = a.NoCITReason, a.NoCITText
				break
			}
		}
	}
	p.NeedReason = cp.NeedReason
	res := cp.Result
	p.Paths = responsePaths(c, res.Responses, st.Agency.Policy.Metric())
	option := func(r dispatch.Recommendation) panelOption {
		o := panelOption{OfficerID: r.OfficerID, Name: r.Name, CIT: r.CITStatus, ETA: boardETA(r, st.Agency.Policy.Metric()), Reasons: r.Reasons,
			CallID: c.ID, ReasonChoices: citdesk.NoCITReasons}
		switch a := st.Active[r.OfficerID]; {
		case onCall[r.OfficerID]:
			o.Note = "Already on this call."
		case a != nil:
			o.Note = "On call #" + strconv.FormatInt(a.CallID, 10) + ": clear that assignment first to divert."
		default:
			o.CanAssign = true
		}
		o.NeedsReason = p.NeedReason && !r.CITStatus.Certified()
		return o
	}
	for _, r := range res.Officers {
		p.Recommended = append(p.Recommended, option(r))
	}
	for _, r := range res.Fallback.NearestNonCIT {
		p.NearestNon = append(p.NearestNon, option(r))
	}
	for _, r := range res.Fallback.DivertibleCIT {
		p.Divertible = append(p.Divertible, option(r.Recommendation))
	}
	for _, r := range res.Fallback.UnavailableCIT {
		p.Unavailable = append(p.Unavailable, option(r.Recommendation))
	}
	p.Message = res.Fallback.Message
	if l := res.Fallback.Liaison; l != nil {
		p.Liaison = l.Name
		if l.Phone != "" {
			p.Liaison += ", " + l.Phone
		}
	}
	return p
}

// responsePaths turns the recommender's response paths into the panel's
// list, in the agency's units.
func responsePaths(c *citdesk.Call, opts []dispatch.ResponseOption, metric bool) []responsePath {
	out := make([]responsePath, 0, len(opts))
	for _, o := range opts {
		rp := responsePath{Value: o.Response, Label: o.Label, Available: o.Available, Recommended: o.Recommended, Chosen: o.Response == c.Response,
			Police: o.Police, Note: o.Note, OfficerOnCall: o.OfficerOnCall}
		if o.Officer != nil || o.Liaison != nil {
			rp.ETA = etaText(o.ETASeconds, nil, metric)
		}
		if r := o.Officer; r != nil {
			rp.Officer, rp.OfficerID = r.Name, r.OfficerID
			if o.OfficerOnCall {
				rp.OfficerETA = "on this call"
			} else {
				rp.OfficerETA = boardETA(*r, metric)
			}
		}
		if l := o.Liaison; l != nil {
			rp.Liaison, rp.LiaisonID, rp.LiaisonStatus = l.Name, l.UserID, l.Status
			rp.LiaisonETA = etaText(l.ETASeconds, l.DistanceM, metric)
		}
		out = append(out, rp)
	}
	return out
}

// boardETA is etaText for a recommended officer, saying "by road" when
// the estimate is a drive on the agency's road map: "about 4 min by road ·
// 1.9 mi".
func boardETA(r dispatch.Recommendation, metric bool) string {
	s := etaText(r.ETASeconds, r.DistanceM, metric)
	if r.ETASource == nil || *r.ETASource != dispatch.ETARoad {
		return s
	}
	if time, dist, ok := strings.Cut(s, " · "); ok {
		return time + " by road · " + dist
	}
	return s + " by road"
}

// etaText says how far an officer is in the agency's units: "about 4 min ·
// 1.9 mi" (imperial, the US default) or "about 4 min · 3.1 km" (metric).
func etaText(eta, dist *int, metric bool) string {
	if eta == nil {
		return "ETA unknown"
	}
	var b strings.Builder
	if *eta < 60 {
		b.WriteString("under 1 min")
	} else {
		b.WriteString("about " + strconv.Itoa(int(math.Round(float64(*eta)/60))) + " min")
	}
	if dist != nil && !metric {
		b.WriteString(" · " + imperialDistance(*dist))
	} else if dist != nil {
		if *dist < 995 {
			b.WriteString(" · " + strconv.Itoa(int(math.Round(float64(*dist)/10))*10) + " m")
		} else {
			b.WriteString(" · " + strconv.FormatFloat(float64(*dist)/1000, 'f', 1, 64) + " km")
		}
	}
	return b.String()
}

// Feet and miles per meter.
const (
	feetPerMeter  = 1 / 0.3048
	metersPerMile = 1609.344
)

// imperialDistance is meters m in feet under a tenth of a mile (to the
// nearest 50 ft), in miles with one decimal beyond.
func imperialDistance(m int) string {
	if ft := float64(m) * feetPerMeter; ft < 528 {
		return strconv.Itoa(max(50, int(math.Round(ft/50))*50)) + " ft"
	}
	return strconv.FormatFloat(float64(m)/metersPerMile, 'f', 1, 64) + " mi"
}

func selectedCall(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.URL.Query().Get("call"), 10, 64)
	return id
}

func (s *boardPages) boardPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.boardData(r.Context(), selectedCall(r))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "board", "Dispatch board", v)
	return nil
}

func (s *boardPages) boardCallsPartial(w http.ResponseWriter, r *http.Request) error {
	return s.boardListPartial(w, r, "board-calls")
}

func (s *boardPages) boardOfficersPartial(w http.ResponseWriter, r *http.Request) error {
	return s.boardListPartial(w, r, "board-officers")
}

// boardListPartial answers htmx with one list of the board, no call selected.
func (s *boardPages) boardListPartial(w http.ResponseWriter, r *http.Request, name string) error {
	v, err := s.boardData(r.Context(), 0)
	if err != nil {
		return err
	}
	s.renderFragment(w, http.StatusOK, name, v)
	return nil
}

// boardPanelPartial answers htmx with the selected call's panel; a browser
// without JavaScript following the link gets the whole board instead.
func (s *boardPages) boardPanelPartial(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if !isHTMX(r) {
		http.Redirect(w, r, "/board?call="+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return nil
	}
	return s.answerPanel(w, r, id, nil, "")
}

// answerPanel shows call id's panel after an action: to htmx the panel
// alone, with the status of err; to a plain form post a redirect to the
// board on success, or the whole board with the error.
func (s *boardPages) answerPanel(w http.ResponseWriter, r *http.Request, id int64, actionErr error, notice string) error {
	return s.answerPanelKeeping(w, r, id, actionErr, notice, nil)
}

// answerPanelKeeping is answerPanel; when the action failed, keep puts
// back into the panel what the dispatcher had chosen in its form, so a
// refused form comes back as they left it.
func (s *boardPages) answerPanelKeeping(w http.ResponseWriter, r *http.Request, id int64, actionErr error, notice string, keep func(*boardPanel)) error {
	if actionErr == nil && !isHTMX(r) {
		target := "/board"
		if id != 0 {
			target += "?call=" + strconv.FormatInt(id, 10)
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return nil
	}
	if code := citdesk.ErrorCode(actionErr); code == citdesk.EINTERNAL || code == citdesk.EFORBIDDEN || code == citdesk.EUNAUTHORIZED {
		return actionErr
	}
	// One read of the dispatch state serves the panel and, without htmx,
	// the whole board around it.
	st, panel, err := s.Svc.Dispatch.StateForCall(r.Context(), id)
	if err != nil {
		return err
	}
	p := s.panelView(st, panel)
	s.addPartners(r.Context(), p, st.Agency.Policy.Metric())
	s.announceRecommendation(r.Context(), panel)
	var v *boardView
	if !isHTMX(r) {
		v = s.boardList(st)
	}
	status := http.StatusOK
	if actionErr != nil {
		status = web.StatusFor(citdesk.ErrorCode(actionErr))
		p.Error, p.Field = citdesk.ErrorMessage(actionErr), citdesk.ErrorField(actionErr)
		if keep != nil {
			keep(p)
		}
	}
	p.Notice = notice
	if v == nil {
		s.renderFragment(w, status, "board-panel", p)
		return nil
	}
	v.Panel = p
	s.render(w, r, status, "board", "Dispatch board", v)
	return nil
}

func (s *boardPages) boardCreateCall(w http.ResponseWriter, r *http.Request) error {
	f, c, err := parseCallForm(r)
	if err == nil {
		err = s.Svc.Calls.CreateCall(r.Context(), c)
	}
	if err != nil {
		// Bad input, or storage that refuses writes (disk full, database
		// failing over): the form comes back as typed with the message,
		// so the call-taker loses nothing and can send it again.
		code := citdesk.ErrorCode(err)
		if code != citdesk.EINVALID && code != citdesk.EUNAVAILABLE {
			return err
		}
		status := web.StatusFor(code)
		if code == citdesk.EUNAVAILABLE {
			w.Header().Set("Retry-After", web.RetryAfter)
		}
		f.Error, f.Field = citdesk.ErrorMessage(err), citdesk.ErrorField(err)
		if isHTMX(r) {
			f.Triage.Swapped = true
			w.Header().Set("HX-Retarget", "#new-call")
			w.Header().Set("HX-Reswap", "outerHTML")
			s.renderFragment(w, status, "board-newcall", f)
			return nil
		}
		v, lerr := s.boardData(r.Context(), 0)
		if lerr != nil {
			return err
		}
		v.Form = f
		s.render(w, r, status, "board", "Dispatch board", v)
		return nil
	}
	if isHTMX(r) {
		w.Header().Set("HX-Push-Url", "/board?call="+strconv.FormatInt(c.ID, 10))
		w.Header().Set("HX-Trigger", "citdesk:call-created")
	}
	return s.answerPanel(w, r, c.ID, nil, "Call taken. Choose an officer below.")
}

func (s *boardPages) boardAssign(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	officerID, _ := strconv.ParseInt(r.PostFormValue("officer_id"), 10, 64)
	a := &citdesk.Assignment{CallID: id, OfficerID: officerID, NoCITReason: r.PostFormValue("no_cit_reason"), NoCITText: r.PostFormValue("no_cit_text")}
	err = s.Svc.Calls.CreateAssignment(r.Context(), a)
	notice := ""
	if err == nil {
		notice = "Sent " + a.OfficerName + "."
	}
	return s.answerPanel(w, r, id, err, notice)
}

func (s *boardPages) boardCloseCall(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	reason, reasonText := r.PostFormValue("no_cit_reason"), r.PostFormValue("no_cit_text")
	_, err = s.Svc.Calls.PatchCall(r.Context(), id, version, func(c *citdesk.Call) {
		c.Status = citdesk.CallClosed
		c.NoCITReason, c.NoCITText = reason, reasonText
		switch r.PostFormValue("mental_health") {
		case "yes":
			yes := true
			c.MentalHealth = &yes
		case "no":
			no := false
			c.MentalHealth = &no
		}
	})
	if err == nil && !isHTMX(r) {
		http.Redirect(w, r, "/board", http.StatusSeeOther)
		return nil
	}
	// A refused close comes back with the dispatcher's answers, not the
	// ones the call had before.
	return s.answerPanelKeeping(w, r, id, err, "Call closed.", func(p *boardPanel) {
		if mh := r.PostFormValue("mental_health"); mh == "yes" || mh == "no" || mh == "" {
			p.MentalHealth = mh
		}
		if p.CloseNeedsReason {
			p.CloseReason, p.CloseReasonText = reason, reasonText
		}
	})
}

func (s *boardPages) boardMoveAssignment(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	callID, _ := strconv.ParseInt(r.PostFormValue("call_id"), 10, 64)
	a, err := s.Svc.Calls.MoveAssignment(r.Context(), id, version, citdesk.AssignmentStatus(r.PostFormValue("status")))
	notice := ""
	if err == nil {
		callID = a.CallID
		notice = a.OfficerName + ": " + strings.ToLower(a.Status.Label()) + "."
	}
	if callID == 0 {
		return err
	}
	return s.answerPanel(w, r, callID, err, notice)
}
