package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestComplaints takes a complaint from the public form and one by phone,
// links one to a report, closes both, and checks on each engine: the
// contact and text are sealed at rest, every read and change is audited
// (and the trail holds none of the text), only coordinators and admins get
// in, the rules of linking and closing hold, and the outcome figures count
// it against the report's officer.
func TestComplaints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		r := newReportEnv(t, e)
		svc := store.NewComplaintService(r.db)
		agency, err := r.db.AgencyService().FindAgencyBySlug(context.Background(), "desoto")
		must(t, err)
		_, analyst := storetest.User(t, r.db, r.op, "analyst", citdesk.RoleAnalyst)
		_, sup := storetest.User(t, r.db, r.op, "sgt", citdesk.RoleSupervisor)
		_, admin := storetest.User(t, r.db, r.op, "admin", citdesk.RoleAdmin)

		// The public form: nothing comes back.
		pub := &citdesk.PublicComplaint{Kind: "complaint", What: "The officer shouted at my son Peregrine.", WhenWhere: "Tuesday night, Main St", Name: "Hortensia Vale", Contact: "hv@example.org"}
		must(t, svc.CreatePublicComplaint(context.Background(), agency.ID, pub))
		bad := &citdesk.PublicComplaint{Kind: "praise", What: "short"}
		if err := svc.CreatePublicComplaint(context.Background(), agency.ID, bad); citdesk.ErrorField(err) != "kind" {
			t.Errorf("a bad public form: %v, want 422 naming kind", err)
		}
		// By phone, by the coordinator; others may not.
		phone := &citdesk.Complaint{Kind: citdesk.KindCommendation, Source: citdesk.ComplaintPhone, ContactName: "Ottoline Marsh", Contact: "636-555-0111", Text: "Officer was kind and patient with my mother."}
		must(t, svc.CreateComplaint(r.coord, phone))
		for name, ctx := range map[string]context.Context{"analyst": analyst, "supervisor": sup, "officer": r.officer} {
			if _, err := svc.ListComplaints(ctx, citdesk.ComplaintFilter{}); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
				t.Errorf("%s lists complaints: %v, want forbidden", name, err)
			}
			if err := svc.CreateComplaint(ctx, &citdesk.Complaint{Kind: citdesk.KindComplaint, Source: citdesk.ComplaintPhone, Text: "Something happened there."}); citdesk.ErrorCode(err) != citdesk.EFORBIDDEN {
				t.Errorf("%s enters a complaint: %v, want forbidden", name, err)
			}
		}
		if err := svc.CreateComplaint(r.coord, &citdesk.Complaint{Kind: citdesk.KindComplaint, Source: citdesk.ComplaintPublicForm, Text: "Something happened there."}); citdesk.ErrorField(err) != "source" {
			t.Errorf("staff entering a public_form one: %v, want 422 naming source", err)
		}

		list, err := svc.ListComplaints(admin, citdesk.ComplaintFilter{})
		must(t, err)
		if len(list) != 2 {
			t.Fatalf("listed %d, want 2", len(list))
		}
		var fromPublic *citdesk.Complaint
		for _, c := range list {
			if c.Source == citdesk.ComplaintPublicForm {
				fromPublic = c
			}
		}
		if fromPublic == nil || fromPublic.Kind != citdesk.KindComplaint || fromPublic.ContactName != "Hortensia Vale" || fromPublic.Contact != "hv@example.org" ||
			!strings.Contains(fromPublic.Text, "Peregrine") || !strings.Contains(fromPublic.Text, "Tuesday night") || fromPublic.EnteredBy != 0 || fromPublic.Status != citdesk.ComplaintReceived {
			t.Fatalf("the public one read back %+v", fromPublic)
		}

		// Link the public one to a submitted report: its call and officer follow.
		rep := r.submitted(t, r.officer)
		enc := rep.ID
		got, err := svc.UpdateComplaint(r.coord, fromPublic.ID, citdesk.ComplaintChange{EncounterID: &enc, Status: ptr(citdesk.ComplaintUnderReview), Version: fromPublic.Version})
		must(t, err)
		if got.EncounterID != enc || len(got.OfficerIDs) != 1 || got.OfficerIDs[0] != *r.officerUser.OfficerID || got.Status != citdesk.ComplaintUnderReview {
			t.Errorf("linked: %+v", got)
		}
		missing := int64(999999)
		if _, err := svc.UpdateComplaint(r.coord, fromPublic.ID, citdesk.ComplaintChange{EncounterID: &missing, Version: got.Version}); citdesk.ErrorField(err) != "encounter_id" {
			t.Errorf("linking a report that is not there: %v", err)
		}
		if _, err := svc.UpdateComplaint(r.coord, fromPublic.ID, citdesk.ComplaintChange{Status: ptr(citdesk.ComplaintClosed), Version: got.Version}); citdesk.ErrorField(err) != "disposition" {
			t.Errorf("closing without a disposition: %v", err)
		}
		if _, err := svc.UpdateComplaint(r.coord, fromPublic.ID, citdesk.ComplaintChange{Status: ptr(citdesk.ComplaintReceived), Version: got.Version}); citdesk.ErrorField(err) != "status" {
			t.Errorf("moving back to received: %v", err)
		}
		if _, err := svc.UpdateComplaint(r.coord, phone.ID, citdesk.ComplaintChange{Status: ptr(citdesk.ComplaintClosed), Disposition: ptr(citdesk.DispositionSustained), Version: phone.Version}); citdesk.ErrorField(err) != "disposition" {
			t.Errorf("closing a commendation as sustained: %v", err)
		}
		if _, err := svc.UpdateComplaint(r.coord, fromPublic.ID, citdesk.ComplaintChange{Status: ptr(citdesk.ComplaintClosed), Disposition: ptr(citdesk.DispositionSustained), Version: got.Version - 1}); citdesk.ErrorCode(err) != citdesk.EPRECONDITION {
			t.Errorf("a change to a stale version: %v", err)
		}
		got, err = svc.UpdateComplaint(r.coord, fromPublic.ID, citdesk.ComplaintChange{Status: ptr(citdesk.ComplaintClosed), Disposition: ptr(citdesk.DispositionSustained), Version: got.Version})
		must(t, err)
		if got.Status != citdesk.ComplaintClosed || got.Disposition != citdesk.DispositionSustained || got.ClosedAt == nil {
			t.Errorf("closed: %+v", got)
		}
		if _, err := svc.UpdateComplaint(r.coord, fromPublic.ID, citdesk.ComplaintChange{Status: ptr(citdesk.ComplaintClosed), Disposition: ptr(citdesk.DispositionUnfounded), Version: got.Version}); citdesk.ErrorCode(err) != citdesk.ECONFLICT {
			t.Errorf("changing a closed complaint: %v", err)
		}
		// Two staff close the commendation at once from the same version:
		// one wins, the other is told to reload.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = svc.UpdateComplaint(r.coord, phone.ID, citdesk.ComplaintChange{Status: ptr(citdesk.ComplaintClosed), Disposition: ptr(citdesk.DispositionCommendation), Version: phone.Version})
			}()
		}
		wg.Wait()
		if ok := (errs[0] == nil) != (errs[1] == nil); !ok || citdesk.ErrorCode(errs[0])+citdesk.ErrorCode(errs[1]) != citdesk.EPRECONDITION {
			t.Errorf("two closes at once: %v, %v; want one success and one EPRECONDITION", errs[0], errs[1])
		}

		// Audited: the list (one event each), the view, each change; no text.
		_, err = svc.FindComplaint(r.coord, phone.ID)
		must(t, err)
		events, err := r.db.AuditService().ListAudit(r.op, citdesk.AuditFilter{ObjectType: "complaint", Limit: 100})
		must(t, err)
		count := map[string]int{}
		for _, ev := range events {
			count[ev.Action]++
			for _, secret := range []string{"Peregrine", "Hortensia", "hv@example.org", "Ottoline", "636-555-0111", "patient"} {
				if strings.Contains(ev.Detail, secret) {
					t.Errorf("audit event %s holds %q: %s", ev.Action, secret, ev.Detail)
				}
			}
		}
		if count["complaint.create"] != 2 || count["complaint.list"] != 2 || count["complaint.view"] != 1 || count["complaint.update"] != 3 {
			t.Errorf("audit events %v, want 2 creates, 2 list reads, 1 view, 3 updates (the link, the close, the one of two concurrent closes that won)", count)
		}

		// Sealed at rest.
		raw := storetest.Raw(t, r.db.TestDSN())
		rows, err := raw.Query(`SELECT contact_name, contact, body FROM complaints`)
		must(t, err)
		n := 0
		for rows.Next() {
			var name, contact, body string
			must(t, rows.Scan(&name, &contact, &body))
			for _, v := range []string{name, contact, body} {
				if !strings.HasPrefix(v, "enc:v1:") {
					t.Errorf("a complaint column holds %.40q, not sealed", v)
				}
			}
			n++
		}
		rows.Close()
		if n != 2 {
			t.Errorf("%d complaint rows", n)
		}

		// The outcome figures: the report (non-CIT officer) drew one
		// complaint, sustained; the commendation is not linked.
		rpt, err := r.db.OutcomeService().Report(r.coord, citdesk.Date{}, citdesk.Date{})
		must(t, err)
		encs := rpt.Measures["encounters"].Count
		for id, want := range map[string][2]int{"complaints": {1, encs}, "complaints_sustained": {1, encs}, "commendations": {0, encs}, "complaints_received": {1, 0}, "commendations_received": {1, 0}} {
			m := rpt.Measures[id]
			if m.Count != want[0] || m.Denominator != want[1] {
				t.Errorf("%s = %d of %d, want %d of %d", id, m.Count, m.Denominator, want[0], want[1])
			}
		}
		if c := rpt.Measures["complaints"]; c.NonCIT == nil || c.NonCIT.Count != 1 || c.CIT.Count != 0 {
			t.Errorf("complaints split: CIT %+v, non-CIT %+v", c.CIT, c.NonCIT)
		}
	})
}
