package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"citdesk"
	"citdesk/web"
)

// The assignment section of the officer's phone page (/me): the call's
// nature, risk flags and caller notes first, a map link, and one-tap
// en route / on scene / cleared. The page loads it with htmx and app.js
// reloads it when the event stream says an assignment changed.

// meAssignmentView is the assignment section.
type meAssignmentView struct {
	A          *citdesk.Assignment
	Call       *citdesk.Call
	Flags      []flagView
	Dispatched string
	MapGeo     template.URL // geo: URI, opens the phone's map app
	MapWeb     template.URL // https link to the coordinates
	Phone      template.URL // tel: link to the caller
	Next       []moveButton
	Plans      []*citdesk.CrisisPlan // current crisis plans matching the call, shown first
	NotOfficer bool
	Error      string
	Notice     string
	// Due are the officer's cleared assignments whose report is not filed
	// yet: each stays here, with a link to start or continue the report,
	// until the report is submitted.
	Due []meReportDue
}

// meReportDue is one report due, as My shift lists it.
type meReportDue struct {
	CallID  int64
	Nature  string
	Cleared string
	Href    string
	Action  string // "Start the report" or "Continue the report"
	Status  string // the begun report's status in words, if any
}

func (s *shiftPages) meAssignment(w http.ResponseWriter, r *http.Request) error {
	return s.renderMeAssignment(w, r, http.StatusOK, "", "")
}

// renderMeAssignment writes the section for the signed-in officer.
func (s *shiftPages) renderMeAssignment(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) error {
	actor := web.SignedIn(r)
	v := meAssignmentView{Error: errMsg, Notice: notice}
	if actor.OfficerID == nil {
		v.NotOfficer = true
		s.writePartial(w, status, partialsPage, "dispatch-me-assignment", v)
		return nil
	}
	active, err := s.Svc.Calls.ListAssignments(r.Context(), citdesk.AssignmentFilter{OfficerID: *actor.OfficerID, Active: true})
	if err != nil {
		return err
	}
	due, err := s.Svc.Calls.ReportsDue(r.Context())
	if err != nil {
		return err
	}
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	for _, d := range due {
		md := meReportDue{CallID: d.CallID, Nature: d.Nature, Cleared: d.ClearedAt.In(agency.Location()).Format("Jan 2 15:04"),
			Href: "/reports/new?assignment_id=" + strconv.FormatInt(d.AssignmentID, 10), Action: "Start the report"}
		if d.EncounterID != nil {
			md.Href, md.Action, md.Status = "/reports/"+strconv.FormatInt(*d.EncounterID, 10)+"/edit", "Continue the report", d.ReportStatus.Label()
		}
		v.Due = append(v.Due, md)
	}
	if len(active) > 0 {
		a := active[0]
		c, err := s.Svc.Calls.FindCallByID(r.Context(), a.CallID)
		if err != nil {
			return err
		}
		v.A, v.Call = a, c
		// A crisis plan matching the call goes at the top of the card. The
		// store audits each view; a plan the officer may not see is simply
		// not shown, and never stops the card from loading.
		if s.Svc.Plans != nil {
			if plans, err := s.Svc.Plans.PlansForCall(r.Context(), c.ID); err == nil {
				v.Plans = plans
			} else if code := citdesk.ErrorCode(err); code != citdesk.EFORBIDDEN && code != citdesk.ENOTFOUND {
				return err
			}
		}
		v.Dispatched = a.DispatchedAt.In(agency.Location()).Format("15:04")
		if since := ago(s.Now().Sub(a.DispatchedAt)); since == "just now" {
			v.Dispatched += " (just now)"
		} else {
			v.Dispatched += " (" + since + " ago)"
		}
		for _, f := range c.Risk.Flags() {
			v.Flags = append(v.Flags, flagView{Label: f.Label, Answer: string(f.Answer), Yes: f.Answer == citdesk.RiskYes})
		}
		// Yes answers first; then unknown; no last.
		rank := map[string]int{"yes": 0, "unknown": 1, "no": 2}
		for i := 1; i < len(v.Flags); i++ {
			for j := i; j > 0 && rank[v.Flags[j].Answer] < rank[v.Flags[j-1].Answer]; j-- {
				v.Flags[j], v.Flags[j-1] = v.Flags[j-1], v.Flags[j]
			}
		}
		v.MapGeo, v.MapWeb = mapLinks(c)
		v.Phone = telLink(c.CallerPhone)
		for _, next := range []citdesk.AssignmentStatus{citdesk.AssignEnRoute, citdesk.AssignOnScene, citdesk.AssignCleared} {
			if a.Status.CanMoveTo(next) {
				v.Next = append(v.Next, moveButton{Status: next, Label: next.Label()})
			}
		}
	}
	s.writePartial(w, status, partialsPage, "dispatch-me-assignment", v)
	return nil
}

// mapLinks returns a geo: URI (the phone's map app) and an https link for
// the call's place. Without coordinates the geo: URI searches the address
// in the phone's own map app, and there is no web link: the address of a
// crisis call is not sent to a third-party site.
func mapLinks(c *citdesk.Call) (template.URL, template.URL) {
	if c.Lat != nil && c.Lon != nil {
		lat, lon := strconv.FormatFloat(*c.Lat, 'f', 6, 64), strconv.FormatFloat(*c.Lon, 'f', 6, 64)
		return template.URL("geo:" + lat + "," + lon + "?q=" + lat + "," + lon),
			template.URL("https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=17/" + lat + "/" + lon)
	}
	if c.Address != "" {
		return template.URL("geo:0,0?q=" + url.QueryEscape(c.Address)), ""
	}
	return "", ""
}

// telLink returns a tel: link for a phone number typed by a call-taker,
// keeping only what a dialler understands.
func telLink(phone string) template.URL {
	var b strings.Builder
	for i, r := range phone {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	if b.Len() < 3 {
		return ""
	}
	return template.URL("tel:" + b.String())
}

func (s *shiftPages) meMoveAssignment(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	a, err := s.Svc.Calls.MoveAssignment(r.Context(), id, version, citdesk.AssignmentStatus(r.PostFormValue("status")))
	if !isHTMX(r) {
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/me", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		code := citdesk.ErrorCode(err)
		if code == citdesk.EINTERNAL {
			return err
		}
		msg := citdesk.ErrorMessage(err)
		if code == citdesk.EPRECONDITION || code == citdesk.ECONFLICT {
			msg += " Here is the latest."
		}
		return s.renderMeAssignment(w, r, web.StatusFor(code), msg, "")
	}
	notice := "Status: " + strings.ToLower(a.Status.Label()) + "."
	if a.Status == citdesk.AssignCleared {
		notice = "Cleared. You are available again; the contact report for this call is due below."
	}
	return s.renderMeAssignment(w, r, http.StatusOK, "", notice)
}
