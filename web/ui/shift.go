package ui

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"citdesk"
	"citdesk/web"
)

// errNotAnOfficer answers /me for a user not linked to an officer record.
var errNotAnOfficer = citdesk.Errorf(citdesk.ENOTFOUND,
	"My shift is the page of an officer on the roster, and your account is not linked to one. If you are a CIT officer, ask your CIT coordinator or administrator to link your account to your roster entry.")

// meView is the data of the officer's phone page.
type meView struct {
	Officer  *citdesk.Officer
	Training []*citdesk.TrainingRecord
	Duty     meDuty
}

// meDuty is the officer's duty status and the buttons that change it: the
// part of /me that htmx swaps after a tap.
type meDuty struct {
	Status   citdesk.DutyStatus
	Since    string
	Position string
	Stale    bool
	// StaleIn is how long (ms) until the position shown becomes too old
	// for dispatch to trust, 0 when it has no such moment ahead: app.js
	// redraws the section then, so the officer is told to share it again
	// without an event to say so.
	StaleIn int64
	Buttons []meButton
	Error   string
	Saved   bool
	// Assigned: the status follows an assignment (dispatched, en route, on
	// scene), so the assignment's next step is the button to tap, not one
	// of these.
	Assigned bool
	// Key names the duty row shown (dutyKey), so that app.js redraws the
	// section only for an officer.status event that says otherwise.
	Key string
}

// dutyKey is what the duty section shows of d, as app.js reads it from an
// officer.status event: the status, and the times (Unix milliseconds) it
// began and the position was taken; "" with no duty row.
func dutyKey(d *citdesk.DutyState) string {
	if d == nil {
		return ""
	}
	ms := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	pos := ""
	if d.PositionAt != nil {
		pos = ms(*d.PositionAt)
	}
	return string(d.Status) + "|" + ms(d.Since) + "|" + pos
}

// meButton is one status button.
type meButton struct {
	Status, Label string
	Primary       bool // the likely next tap
	Current       bool // the status the officer is in now
}

// meStatuses are the statuses an officer sets from the phone page; the
// dispatch statuses (dispatched, en route, on scene) follow assignments.
var meStatuses = []citdesk.DutyStatus{citdesk.StatusAvailable, citdesk.StatusBusy, citdesk.StatusOffDuty}

// newMeDuty describes o's duty state at now in the agency's time zone; a
// position older than its policy's StalePosition is too old to trust.
func newMeDuty(o *citdesk.Officer, now time.Time, agency *citdesk.Agency) meDuty {
	loc := agency.Location()
	d := meDuty{Status: citdesk.StatusOffDuty, Position: "No position shared yet.", Stale: true, Key: dutyKey(o.Duty)}
	if o.Duty != nil {
		d.Status = o.Duty.Status
		if !o.Duty.Since.IsZero() {
			d.Since = fmt.Sprintf("Since %s (%s)", o.Duty.Since.In(loc).Format("15:04"), ago(now.Sub(o.Duty.Since)))
		}
		if p := o.Duty.PositionAt; p != nil {
			d.Stale = o.Duty.Stale
			d.Position = fmt.Sprintf("Position shared at %s (%s).", p.In(loc).Format("15:04"), ago(now.Sub(*p)))
			if d.Stale {
				d.Position += " It is too old for dispatch to trust; share your location again."
			} else if d.Status.OnDuty() {
				// A position exactly StalePosition old still counts
				// (citdesk.PositionStale): the redraw comes just after.
				d.StaleIn = p.Add(agency.Policy.StalePosition).Sub(now).Milliseconds() + 1
			}
		}
	}
	switch d.Status {
	case citdesk.StatusDispatched, citdesk.StatusEnRoute, citdesk.StatusOnScene:
		// Setting a status by hand is refused while assigned; the primary
		// button on the page is the assignment's next status.
		d.Assigned = true
		return d
	}
	if d.Status.OnDuty() {
		d.Buttons = []meButton{
			{Status: string(citdesk.StatusAvailable), Label: "Available", Primary: d.Status != citdesk.StatusAvailable, Current: d.Status == citdesk.StatusAvailable},
			{Status: string(citdesk.StatusBusy), Label: "Busy", Primary: d.Status == citdesk.StatusAvailable, Current: d.Status == citdesk.StatusBusy},
			{Status: string(citdesk.StatusOffDuty), Label: "Go off duty"},
		}
	} else {
		d.Buttons = []meButton{{Status: string(citdesk.StatusAvailable), Label: "Go on duty (available)", Primary: true}}
	}
	return d
}

// myOfficer returns the signed-in user's own officer record and the
// agency.
func (s *shiftPages) myOfficer(r *http.Request) (*citdesk.Officer, *citdesk.Agency, error) {
	a := web.SignedIn(r)
	if a.OfficerID == nil {
		return nil, nil, errNotAnOfficer
	}
	o, err := s.Svc.Officers.FindOfficerByID(r.Context(), *a.OfficerID)
	if citdesk.ErrorCode(err) == citdesk.ENOTFOUND {
		return nil, nil, errNotAnOfficer
	} else if err != nil {
		return nil, nil, err
	}
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return nil, nil, err
	}
	return o, agency, nil
}

func (s *shiftPages) mePage(w http.ResponseWriter, r *http.Request) error {
	o, agency, err := s.myOfficer(r)
	if err != nil {
		return err
	}
	return s.renderMe(w, r, http.StatusOK, o, newMeDuty(o, s.Now(), agency))
}

func (s *shiftPages) renderMe(w http.ResponseWriter, r *http.Request, status int, o *citdesk.Officer, duty meDuty) error {
	training, err := s.Svc.Officers.ListTraining(r.Context(), o.ID)
	if err != nil {
		return err
	}
	s.render(w, r, status, "me", "My shift", meView{Officer: o, Training: training, Duty: duty})
	return nil
}

// optionalFloat reads a position the phone sends, which may be blank. NaN
// and Inf parse as floats but are no position (and pass a range check).
func optionalFloat(field, v string) (*float64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, citdesk.FieldErrorf(field, "%s must be a number.", field)
	}
	return &f, nil
}

// meStatus sets the officer's own status from the phone page: a plain form
// post that redirects back, or, from htmx, an answer of just the status
// part to swap in.
func (s *shiftPages) meStatus(w http.ResponseWriter, r *http.Request) error {
	a := web.SignedIn(r)
	if a.OfficerID == nil {
		return errNotAnOfficer
	}
	htmx := r.Header.Get("HX-Request") == "true"
	status := citdesk.DutyStatus(r.PostFormValue("status"))
	var err error = citdesk.FieldErrorf("status", "Choose Available, Busy or Go off duty.")
	for _, st := range meStatuses {
		if status == st {
			err = nil
		}
	}
	c := &citdesk.StatusChange{OfficerID: *a.OfficerID, Status: status}
	if err == nil {
		c.Lat, err = optionalFloat("lat", r.PostFormValue("lat"))
	}
	if err == nil {
		c.Lon, err = optionalFloat("lon", r.PostFormValue("lon"))
	}
	if err == nil {
		err = s.Svc.Officers.SetStatus(r.Context(), c)
	}
	if code := citdesk.ErrorCode(err); code == citdesk.EINTERNAL || code == citdesk.EUNAUTHORIZED {
		return err
	}
	if err == nil && !htmx {
		http.Redirect(w, r, "/me", http.StatusSeeOther)
		return nil
	}
	o, agency, ferr := s.myOfficer(r)
	if ferr != nil {
		return ferr
	}
	duty := newMeDuty(o, s.Now(), agency)
	duty.Saved = err == nil
	if err != nil {
		duty.Error = citdesk.ErrorMessage(err)
	}
	if htmx {
		// htmx swaps only 2xx answers, so a refusal comes back as 200 with
		// the reason in the swapped part, where the officer sees it.
		s.renderPartial(w, r, "me", "me-duty", duty)
		return nil
	}
	return s.renderMe(w, r, web.StatusFor(citdesk.ErrorCode(err)), o, duty)
}
