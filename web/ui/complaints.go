package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"citdesk"
	"citdesk/web"
)

// The coordinator's complaints and commendations (issue 16): the list
// with a form to enter one taken by phone, in person, by letter or email,
// and one record's page to link it to its call and report, name the
// officers, and close it with a disposition.

// complaintRow is one line of the list.
type complaintRow struct {
	*citdesk.Complaint
	Excerpt string
}

type complaintsView struct {
	Rows       []complaintRow
	Status     string
	Statuses   []option
	Sources    []option
	CanManage  bool
	Loc        *time.Location
	Error      string
	Field      string
	Entered    citdesk.Complaint // the entry form's values after an error
	ReceivedAt string
}

// complaintWords are the labels of the kinds, sources, statuses and
// dispositions.
var complaintWords = map[string]string{
	"complaint": "Complaint", "commendation": "Commendation",
	"public_form": "Public form", "phone": "Phone", "in_person": "In person", "letter": "Letter", "email": "Email",
	"received": "Received", "under_review": "Under review", "closed": "Closed",
	"sustained": "Sustained", "not_sustained": "Not sustained", "unfounded": "Unfounded", "exonerated": "Exonerated",
}

func complaintWord(s string) string {
	if w, ok := complaintWords[s]; ok {
		return w
	}
	return s
}

func (s *complaintPages) complaintsPage(w http.ResponseWriter, r *http.Request) error {
	return s.showComplaints(w, r, http.StatusOK, nil, citdesk.Complaint{}, "")
}

// showComplaints renders the list, with the entry form's error when
// entering one failed.
func (s *complaintPages) showComplaints(w http.ResponseWriter, r *http.Request, status int, formErr error, entered citdesk.Complaint, receivedAt string) error {
	st := r.URL.Query().Get("status")
	list, err := s.Svc.Complaints.ListComplaints(r.Context(), citdesk.ComplaintFilter{Status: citdesk.ComplaintStatus(st)})
	if err != nil {
		return err
	}
	_, loc, err := s.localDay(r.Context())
	if err != nil {
		return err
	}
	v := complaintsView{Status: st, CanManage: citdesk.MayEver(web.SignedIn(r), citdesk.ManageComplaints), Loc: loc, Entered: entered, ReceivedAt: receivedAt}
	if formErr != nil {
		v.Error, v.Field = citdesk.ErrorMessage(formErr), citdesk.ErrorField(formErr)
	}
	for _, c := range list {
		ex := c.Text
		if rs := []rune(ex); len(rs) > 80 {
			ex = string(rs[:80]) + "…"
		}
		v.Rows = append(v.Rows, complaintRow{Complaint: c, Excerpt: ex})
	}
	v.Statuses = options([]string{"", "received", "under_review", "closed"}, func(x string) string {
		if x == "" {
			return "All"
		}
		return complaintWord(x)
	}, func(x string) bool { return x == st })
	v.Sources = options(citdesk.StaffComplaintSources, func(x citdesk.ComplaintSource) string { return complaintWord(string(x)) },
		func(x citdesk.ComplaintSource) bool { return x == entered.Source })
	s.render(w, r, status, "complaints", "Complaints and commendations", v)
	return nil
}

// createComplaint enters one from the list page's form.
func (s *complaintPages) createComplaint(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	f := r.PostForm
	c := &citdesk.Complaint{Kind: citdesk.ComplaintKind(f.Get("kind")), Source: citdesk.ComplaintSource(f.Get("source")),
		ContactName: f.Get("contact_name"), Contact: f.Get("contact"), Text: f.Get("text")}
	received := f.Get("received_at")
	if received != "" {
		_, loc, err := s.localDay(r.Context())
		if err != nil {
			return err
		}
		t, err := time.ParseInLocation("2006-01-02T15:04", received, loc)
		if err != nil {
			return s.showComplaints(w, r, http.StatusUnprocessableEntity, citdesk.FieldErrorf("received_at", "Give when it was received as a date and time."), *c, received)
		}
		c.ReceivedAt = t
	}
	if err := s.Svc.Complaints.CreateComplaint(r.Context(), c); err != nil {
		if citdesk.ErrorCode(err) == citdesk.EINVALID {
			return s.showComplaints(w, r, http.StatusUnprocessableEntity, err, *c, received)
		}
		return err
	}
	http.Redirect(w, r, "/complaints/"+strconv.FormatInt(c.ID, 10)+"?notice="+url.QueryEscape("Saved."), http.StatusSeeOther)
	return nil
}

type complaintView struct {
	C            *citdesk.Complaint
	Officers     []option
	Dispositions []option
	CanManage    bool
	Loc          *time.Location
	Error        string
	Notice       string
}

func (s *complaintPages) complaintPage(w http.ResponseWriter, r *http.Request) error {
	return s.showComplaint(w, r, http.StatusOK, "", queryNotice(r))
}

func (s *complaintPages) showComplaint(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Svc.Complaints.FindComplaint(r.Context(), id)
	if err != nil {
		return err
	}
	_, loc, err := s.localDay(r.Context())
	if err != nil {
		return err
	}
	v := complaintView{C: c, CanManage: citdesk.MayEver(web.SignedIn(r), citdesk.ManageComplaints), Loc: loc, Error: errMsg, Notice: notice}
	named := map[int64]bool{}
	for _, oid := range c.OfficerIDs {
		named[oid] = true
	}
	officers, err := s.Svc.Officers.ListOfficers(r.Context(), citdesk.OfficerFilter{})
	if err != nil {
		return err
	}
	for _, o := range officers {
		if !o.Active && !named[o.ID] {
			continue
		}
		v.Officers = append(v.Officers, option{Value: strconv.FormatInt(o.ID, 10), Label: strings.TrimSpace(o.Rank + " " + o.FirstName + " " + o.LastName + " (" + o.Badge + ")"), On: named[o.ID]})
	}
	ds := citdesk.ComplaintDispositions
	if c.Kind == citdesk.KindCommendation {
		ds = []citdesk.ComplaintDisposition{citdesk.DispositionCommendation}
	}
	v.Dispositions = options(ds, func(d citdesk.ComplaintDisposition) string { return complaintWord(string(d)) }, func(d citdesk.ComplaintDisposition) bool { return d == c.Disposition })
	title := "Complaint"
	if c.Kind == citdesk.KindCommendation {
		title = "Commendation"
	}
	s.render(w, r, status, "complaint", title+" "+strconv.FormatInt(c.ID, 10), v)
	return nil
}

// updateComplaint saves the record page's form: the links and officers,
// and the status with its disposition when closing. Only what the staff
// member changed is sent, compared with the record at the version the
// page was loaded at (its hidden version field; the store refuses any
// other version). So linking a report alone lets the store fill in its
// call and officer, and a linked report since purged does not block a
// change to something else.
func (s *complaintPages) updateComplaint(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return citdesk.Errorf(citdesk.EINVALID, "The form could not be read.")
	}
	f := r.PostForm
	cur, err := s.Svc.Complaints.FindComplaint(r.Context(), id)
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	if version != cur.Version {
		return s.showComplaint(w, r, http.StatusPreconditionFailed, "Someone else changed this record since you loaded it; it is shown as it is now. Make your change again.", "")
	}
	ch := citdesk.ComplaintChange{Version: version}
	for _, p := range []struct {
		field string
		was   int64
		dst   **int64
	}{{"encounter_id", cur.EncounterID, &ch.EncounterID}, {"call_id", cur.CallID, &ch.CallID}} {
		raw := strings.TrimPrefix(strings.TrimSpace(f.Get(p.field)), "#")
		if raw == "" {
			raw = "0"
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return s.showComplaint(w, r, http.StatusUnprocessableEntity, "Give the "+strings.ReplaceAll(strings.TrimSuffix(p.field, "_id"), "encounter", "report")+" as its number.", "")
		}
		if n != p.was {
			*p.dst = &n
		}
	}
	officers := []int64{}
	for _, raw := range f["officer_ids"] {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return s.showComplaint(w, r, http.StatusUnprocessableEntity, "Choose the officers from the list.", "")
		}
		officers = append(officers, n)
	}
	if !sameIDs(officers, cur.OfficerIDs) {
		ch.OfficerIDs = &officers
	}
	if st := citdesk.ComplaintStatus(f.Get("status")); st != "" && st != cur.Status {
		ch.Status = &st
		if st == citdesk.ComplaintClosed {
			d := citdesk.ComplaintDisposition(f.Get("disposition"))
			ch.Disposition = &d
		}
	}
	if _, err := s.Svc.Complaints.UpdateComplaint(r.Context(), id, ch); err != nil {
		if code := citdesk.ErrorCode(err); code == citdesk.EINVALID || code == citdesk.ECONFLICT || code == citdesk.EPRECONDITION {
			return s.showComplaint(w, r, web.StatusFor(code), citdesk.ErrorMessage(err), "")
		}
		return err
	}
	http.Redirect(w, r, "/complaints/"+strconv.FormatInt(id, 10)+"?notice="+url.QueryEscape("Saved."), http.StatusSeeOther)
	return nil
}

// sameIDs reports whether a and b name the same officers, in any order.
func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[int64]int{}
	for _, id := range a {
		seen[id]++
	}
	for _, id := range b {
		if seen[id] == 0 {
			return false
		}
		seen[id]--
	}
	return true
}
