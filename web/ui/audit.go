package ui

import (
	"net/http"
	"strconv"

	"citdesk"
)

// The audit page answers an auditor's question — who read or changed this
// person's record, when, from where — from the hash-chained trail.

type auditView struct {
	Filter  citdesk.AuditFilter
	Events  []*citdesk.AuditEvent
	Older   int64 // seq to page back from, 0 when this is the last page
	Chain   string
	Checked int64
	Broken  *citdesk.AuditBreak
}

const auditPageSize = 100

func (s *auditPages) auditPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := citdesk.RequireRole(r.Context(), citdesk.RoleAdmin); err != nil {
		return err
	}
	q := r.URL.Query()
	f := citdesk.AuditFilter{ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Action: q.Get("action"), Actor: q.Get("actor"), Limit: auditPageSize}
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
	v := auditView{Filter: f, Events: events}
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
