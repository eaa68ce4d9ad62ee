package store_test

import (
	"context"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

// TestEraseRedactsComplaints: erasing a person takes from the complaints
// about their reports the link to the report, the text (a fixed marker
// instead) and the complainant's contact, and keeps the kind, status,
// disposition and officers the measures count; a complaint about someone
// else is untouched.
func TestEraseRedactsComplaints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		ctx := context.Background()
		r := newReportEnv(t, eng)
		db, ret, svc := r.db, r.db.Retention(), store.NewComplaintService(r.db)
		agency, err := db.AgencyService().FindAgencyBySlug(ctx, "desoto")
		must(t, err)
		carl := r.person(t, r.officer, "Carl", "Moe", citdesk.Date{}, "3 Elm St")
		e := r.draft(t, r.officer)
		complete(e)
		e.PersonID = &carl.ID
		must(t, r.encounters.UpdateEncounter(r.officer, e))
		about := &citdesk.Complaint{Kind: citdesk.KindComplaint, Source: citdesk.ComplaintPhone, ContactName: "Dora Moe", Contact: "636-555-0142", Text: "The officer laughed at my brother Carl while he was crying."}
		other := &citdesk.Complaint{Kind: citdesk.KindComplaint, Source: citdesk.ComplaintLetter, ContactName: "Ida Letter", Contact: "ida@example.org", Text: "A letter about the response on Oak St."}
		must(t, svc.CreateComplaint(r.coord, about))
		must(t, svc.CreateComplaint(r.coord, other))
		enc := e.ID
		linked, err := svc.UpdateComplaint(r.coord, about.ID, citdesk.ComplaintChange{EncounterID: &enc, Status: ptr(citdesk.ComplaintClosed), Disposition: ptr(citdesk.DispositionSustained), Version: about.Version})
		must(t, err)
		if len(linked.OfficerIDs) != 1 {
			t.Fatalf("linked: %+v", linked)
		}

		rule, err := citdesk.ParseRetentionRule("reports", "1y")
		must(t, err)
		must(t, ret.SetSchedule(r.op, agency.ID, rule))
		r.clock.Advance(2 * 365 * 24 * time.Hour)
		res, err := ret.ErasePerson(r.op, agency.ID, carl.ID)
		must(t, err)
		if res.Deleted["complaints_redacted"] != 1 {
			t.Errorf("erasure result %+v, want complaints_redacted=1", res)
		}
		got, err := svc.FindComplaint(r.coord, about.ID)
		must(t, err)
		if got.Text != citdesk.ComplaintErasedText || got.ContactName != "" || got.Contact != "" || got.EncounterID != 0 {
			t.Errorf("the complaint about Carl's report kept %q, %q, %q, report %d", got.Text, got.ContactName, got.Contact, got.EncounterID)
		}
		if got.Kind != citdesk.KindComplaint || got.Status != citdesk.ComplaintClosed || got.Disposition != citdesk.DispositionSustained ||
			len(got.OfficerIDs) != 1 || got.OfficerIDs[0] != linked.OfficerIDs[0] || !got.ReceivedAt.Equal(linked.ReceivedAt) {
			t.Errorf("the erasure took what the measures count: %+v", got)
		}
		if o, err := svc.FindComplaint(r.coord, other.ID); err != nil || o.Text != other.Text || o.Contact != other.Contact {
			t.Errorf("the other complaint changed: %+v, %v", o, err)
		}
	})
}

// TestComplaintRetention: with a complaints schedule, the purge deletes
// closed complaints closed before the cutoff, and keeps open ones however
// old and closed ones inside the period.
func TestComplaintRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		ctx := context.Background()
		r := newReportEnv(t, eng)
		db, ret, svc := r.db, r.db.Retention(), store.NewComplaintService(r.db)
		agency, err := db.AgencyService().FindAgencyBySlug(ctx, "desoto")
		must(t, err)
		if _, err := citdesk.ParseRetentionRule("complaint", "1y"); citdesk.ErrorField(err) != "kind" {
			t.Errorf("a misspelt kind: %v", err)
		}
		rule, err := citdesk.ParseRetentionRule("complaints", "1y")
		must(t, err)
		must(t, ret.SetSchedule(r.op, agency.ID, rule))
		mk := func(close bool) *citdesk.Complaint {
			t.Helper()
			c := &citdesk.Complaint{Kind: citdesk.KindComplaint, Source: citdesk.ComplaintPhone, Text: "Something happened on Main St."}
			must(t, svc.CreateComplaint(r.coord, c))
			if close {
				_, err := svc.UpdateComplaint(r.coord, c.ID, citdesk.ComplaintChange{Status: ptr(citdesk.ComplaintClosed), Disposition: ptr(citdesk.DispositionUnfounded), Version: c.Version})
				must(t, err)
			}
			return c
		}
		old, open := mk(true), mk(false)
		r.clock.Advance(366 * 24 * time.Hour)
		recent := mk(true)
		r.clock.Advance(24 * time.Hour)
		results, err := ret.Purge(ctx, false)
		must(t, err)
		var purged int64
		for _, res := range results {
			if res.Kind == citdesk.KindComplaints {
				purged += res.Deleted["complaints"]
			}
		}
		if purged != 1 {
			t.Errorf("purged %d complaints, want 1", purged)
		}
		if _, err := svc.FindComplaint(r.coord, old.ID); citdesk.ErrorCode(err) != citdesk.ENOTFOUND {
			t.Errorf("the complaint closed over a year ago: %v", err)
		}
		for _, c := range []*citdesk.Complaint{open, recent} {
			if _, err := svc.FindComplaint(r.coord, c.ID); err != nil {
				t.Errorf("complaint %d was purged: %v", c.ID, err)
			}
		}
	})
}
