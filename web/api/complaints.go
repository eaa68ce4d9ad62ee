package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"citdesk"
	"citdesk/web"
)

// complaintJSON is a complaint or commendation as the API writes it.
type complaintJSON struct {
	ID          int64                        `json:"id"`
	Kind        citdesk.ComplaintKind        `json:"kind"`
	ReceivedAt  time.Time                    `json:"received_at"`
	Source      citdesk.ComplaintSource      `json:"source"`
	ContactName string                       `json:"contact_name"`
	Contact     string                       `json:"contact"`
	Text        string                       `json:"text"`
	CallID      *int64                       `json:"call_id"`
	EncounterID *int64                       `json:"encounter_id"`
	OfficerIDs  []int64                      `json:"officer_ids"`
	Status      citdesk.ComplaintStatus      `json:"status"`
	Disposition citdesk.ComplaintDisposition `json:"disposition"`
	EnteredBy   *int64                       `json:"entered_by"`
	ClosedBy    *int64                       `json:"closed_by"`
	ClosedAt    *time.Time                   `json:"closed_at"`
	UpdatedAt   time.Time                    `json:"updated_at"`
	Version     int64                        `json:"version"`
}

// idOrNull is id, or nil (JSON null) for 0.
func idOrNull(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func complaintOut(c *citdesk.Complaint) complaintJSON {
	officers := c.OfficerIDs
	if officers == nil {
		officers = []int64{}
	}
	return complaintJSON{ID: c.ID, Kind: c.Kind, ReceivedAt: c.ReceivedAt, Source: c.Source, ContactName: c.ContactName, Contact: c.Contact, Text: c.Text,
		CallID: idOrNull(c.CallID), EncounterID: idOrNull(c.EncounterID), OfficerIDs: officers, Status: c.Status, Disposition: c.Disposition,
		EnteredBy: idOrNull(c.EnteredBy), ClosedBy: idOrNull(c.ClosedBy), ClosedAt: c.ClosedAt, UpdatedAt: c.UpdatedAt, Version: c.Version}
}

func (s *complaintAPI) apiListComplaints(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := citdesk.ComplaintFilter{Status: citdesk.ComplaintStatus(q.Get("status")), Kind: citdesk.ComplaintKind(q.Get("kind"))}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return citdesk.FieldErrorf("limit", "limit must be a number from 1 to 1000.")
		}
		f.Limit = n
	}
	list, err := s.Svc.Complaints.ListComplaints(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]complaintJSON, len(list))
	for i, c := range list {
		out[i] = complaintOut(c)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"complaints": out})
	return nil
}

// complaintRequest is a complaint or commendation staff enter.
type complaintRequest struct {
	Kind        citdesk.ComplaintKind   `json:"kind"`
	Source      citdesk.ComplaintSource `json:"source"`
	ReceivedAt  *time.Time              `json:"received_at"`
	ContactName string                  `json:"contact_name"`
	Contact     string                  `json:"contact"`
	Text        string                  `json:"text"`
}

func (s *complaintAPI) apiCreateComplaint(w http.ResponseWriter, r *http.Request) error {
	var in complaintRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c := &citdesk.Complaint{Kind: in.Kind, Source: in.Source, ContactName: in.ContactName, Contact: in.Contact, Text: in.Text}
	if in.ReceivedAt != nil {
		c.ReceivedAt = *in.ReceivedAt
	}
	if err := s.Svc.Complaints.CreateComplaint(r.Context(), c); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/complaints/"+strconv.FormatInt(c.ID, 10))
	w.Header().Set("ETag", etag(c.Version))
	web.WriteJSON(w, http.StatusCreated, complaintOut(c))
	return nil
}

func (s *complaintAPI) apiGetComplaint(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Svc.Complaints.FindComplaint(r.Context(), id)
	if err != nil {
		return err
	}
	writeVersioned(w, c.Version, complaintOut(c))
	return nil
}

// complaintPatch is a change: each field left out stays as it is.
type complaintPatch struct {
	Status      *citdesk.ComplaintStatus      `json:"status"`
	Disposition *citdesk.ComplaintDisposition `json:"disposition"`
	CallID      *int64                        `json:"call_id"`
	EncounterID *int64                        `json:"encounter_id"`
	OfficerIDs  *[]int64                      `json:"officer_ids"`
}

func (s *complaintAPI) apiUpdateComplaint(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id")
	if err != nil {
		return err
	}
	// A change names the version it was made against, as for officers:
	// 428 without If-Match, 412 when another change came first.
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		writePreconditionRequired(w, citdesk.Errorf(citdesk.EPRECONDITION, "Send If-Match with the record's ETag from GET /api/v1/complaints/{id}."))
		return nil
	}
	version, ok := etagVersion(h)
	if !ok {
		return citdesk.Errorf(citdesk.EPRECONDITION, "If-Match must be the record's ETag, such as \"3\".")
	}
	var in complaintPatch
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.Svc.Complaints.UpdateComplaint(r.Context(), id, citdesk.ComplaintChange{Status: in.Status, Disposition: in.Disposition,
		CallID: in.CallID, EncounterID: in.EncounterID, OfficerIDs: in.OfficerIDs, Version: version})
	if err != nil {
		return err
	}
	writeVersioned(w, c.Version, complaintOut(c))
	return nil
}
