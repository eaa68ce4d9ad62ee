package ui

import (
	"net/http"
	"strconv"

	"citdesk"
)

// The audit page answers an auditor's question — who read or changed this
// person's record, when, from where — from the keyed, chained trail, in one
// search: object_type=person&object_id=N (the "Who saw person" box) lists
// every event on that person, single views and list reads alike, since a
// list read writes one event per person it shows.

type auditView struct {
	Filter  citdesk.AuditFilter
	Events  []auditRow
	Older   int64  // seq to page back from, 0 when this is the last page
	Zone    string // the agency's time zone, which times are shown in
	Chain   string
	Checked int64
	Broken  *citdesk.AuditBreak
}

// auditRow is an event with its time in the agency's zone.
type auditRow struct {
	*citdesk.AuditEvent
	When string
}

const auditPageSize = 100

func (s *auditPages) auditPage(w http.ResponseWriter, r *http.Request) error {
	agency, err := s.AgencyOf(r.Context())
	if err != nil {
		return err
	}
	loc := agency.Location()
	q := r.URL.Query()
	f := citdesk.AuditFilter{ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Action: q.Get("action"), Actor: q.Get("actor"), Remote: q.Get("remote"), Limit: auditPageSize}
	if v := q.Get("person"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 1 {
			return citdesk.FieldErrorf("person", "person must be a person's record number.")
		}
		f.ObjectType, f.ObjectID = "person", v
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return citdesk.FieldErrorf("before", "before must be an event number.")
		}
		f.BeforeSeq = n
	}
	events, err := s.Svc.Audit.ListAudit(r.Context(), f)
	if err != nil {
		return err
	}
	v := auditView{Filter: f, Zone: loc.String()}
	for _, e := range events {
		v.Events = append(v.Events, auditRow{AuditEvent: e, When: e.At.In(loc).Format("2006-01-02 15:04:05 MST")})
	}
	if len(events) == auditPageSize {
		v.Older = events[len(events)-1].Seq
	}
	if q.Get("verify") == "1" {
		v.Broken, v.Checked, err = s.Svc.Audit.VerifyAudit(r.Context())
		if err != nil {
			return err
		}
		v.Chain = "checked"
	}
	s.render(w, r, http.StatusOK, "audit", "Audit trail", v)
	return nil
}
