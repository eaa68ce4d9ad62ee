package store_test

import (
	"strconv"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// referredFromCall files, as the officer, a report from a call whose
// caller is callerName at callerPhone, naming person p and referring them
// to the liaison, with callerFamily as the report's answer, and returns
// the referral's id and the call's.
func (r *reportEnv) referredFromCall(t *testing.T, p *citdesk.Person, callerName, callerPhone string, callerFamily *bool) (referralID, callID int64) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ofc := *r.officerUser.OfficerID
	must(r.db.OfficerService().SetStatus(r.officer, &citdesk.StatusChange{OfficerID: ofc, Status: citdesk.StatusAvailable}))
	call := &citdesk.Call{Nature: "Welfare check", Address: "1204 Boyd St", CallerName: callerName, CallerPhone: callerPhone, CallerRelationship: "mother"}
	must(r.db.CallService().CreateCall(r.dispatch, call))
	a := &citdesk.Assignment{CallID: call.ID, OfficerID: ofc}
	must(r.db.CallService().CreateAssignment(r.dispatch, a))
	moved, err := r.db.CallService().MoveAssignment(r.officer, a.ID, a.Version, citdesk.AssignOnScene)
	must(err)
	_, err = r.db.CallService().MoveAssignment(r.officer, a.ID, moved.Version, citdesk.AssignCleared)
	must(err)
	e := &citdesk.Encounter{AssignmentID: &a.ID}
	must(r.encounters.StartEncounter(r.officer, e))
	complete(e)
	e.PersonID, e.CallerFamily = &p.ID, callerFamily
	e.Dispositions = []citdesk.Disposition{citdesk.DispResolvedOnScene, citdesk.DispReferredToLiaison}
	must(r.encounters.UpdateEncounter(r.officer, e))
	_, err = r.encounters.SubmitEncounter(r.officer, e.ID, e.Version)
	must(err)
	refs, err := r.referrals.ListReferrals(r.coord, citdesk.ReferralFilter{PersonID: &p.ID})
	must(err)
	for _, ref := range refs {
		if ref.EncounterID == e.ID {
			return ref.ID, call.ID
		}
	}
	t.Fatalf("no referral for report #%d", e.ID)
	return 0, 0
}

// auditDetails returns the details of the events of action on object
// objectType id.
func auditDetails(t *testing.T, r *reportEnv, action, objectType string, id int64) []string {
	t.Helper()
	events, err := r.db.AuditService().ListAudit(r.op, citdesk.AuditFilter{Action: action, ObjectType: objectType, ObjectID: strconv.FormatInt(id, 10), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		out = append(out, e.Detail)
	}
	return out
}

// TestReferralContact: the liaison's referral carries the person's phone
// and address and, when the report says the caller was family, the
// caller's name and phone from the call, each view audited naming what was
// read; without the family answer no caller; with the agency's policy off,
// no contact at all and nothing audited as read.
func TestReferralContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		p := r.person(t, r.coord, "Nora", "Quill", citdesk.NewDate(1988, 4, 2), "1204 Boyd St")
		p.Phone = "(636) 555-0199"
		if err := r.persons.UpdatePerson(r.coord, p); err != nil {
			t.Fatal(err)
		}
		yes, no := true, false
		refID, callID := r.referredFromCall(t, p, "Ruth Quill", "636-555-0142", &yes)

		ref, err := r.referrals.FindReferralByID(r.liaison, refID)
		if err != nil {
			t.Fatal(err)
		}
		c := ref.Contact
		if c == nil || c.Phone != "(636) 555-0199" || c.Address != "1204 Boyd St" {
			t.Fatalf("the liaison's contact = %+v, want the person's phone and address", c)
		}
		if c.Caller == nil || c.Caller.Name != "Ruth Quill" || c.Caller.Phone != "636-555-0142" || c.Caller.Relationship != "mother" {
			t.Fatalf("caller = %+v, want the family caller's contact", c.Caller)
		}
		details := auditDetails(t, r, "referral.contact.view", "person", p.ID)
		if len(details) != 1 || !strings.Contains(details[0], "phone") || !strings.Contains(details[0], "address") {
			t.Errorf("person contact events %q, want one naming phone and address", details)
		}
		details = auditDetails(t, r, "referral.contact.view", "call", callID)
		if len(details) != 1 || !strings.Contains(details[0], "caller name") || !strings.Contains(details[0], "caller phone") {
			t.Errorf("call contact events %q, want one naming the caller's name and phone", details)
		}

		// The coordinator's view is audited too, as their own.
		if ref, err := r.referrals.FindReferralByID(r.coord, refID); err != nil || ref.Contact == nil {
			t.Fatalf("coordinator's referral contact %v (%v)", ref, err)
		}
		if n := len(auditDetails(t, r, "referral.contact.view", "person", p.ID)); n != 2 {
			t.Errorf("%d person contact events after the coordinator's view, want 2", n)
		}
		// The list carries no contact details.
		list, err := r.referrals.ListReferrals(r.liaison, citdesk.ReferralFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range list {
			if l.Contact != nil {
				t.Errorf("listed referral #%d carries contact details", l.ID)
			}
		}

		// A caller who was not family: the person only, and no call event.
		q := r.person(t, r.coord, "Owen", "Marsh", citdesk.NewDate(1979, 1, 5), "88 Oak Ave")
		ref2ID, call2ID := r.referredFromCall(t, q, "Pat Neighbor", "636-555-0111", &no)
		ref2, err := r.referrals.FindReferralByID(r.liaison, ref2ID)
		if err != nil {
			t.Fatal(err)
		}
		if ref2.Contact == nil || ref2.Contact.Address != "88 Oak Ave" || ref2.Contact.Caller != nil {
			t.Errorf("contact without a family caller = %+v", ref2.Contact)
		}
		if n := len(auditDetails(t, r, "referral.contact.view", "call", call2ID)); n != 0 {
			t.Errorf("%d call contact events for a caller not shown", n)
		}

		// Policy off: nothing shown, nothing audited as read.
		agency, err := r.db.AgencyService().FindAgencyByID(r.op, citdesk.ActorFromContext(r.op).AgencyID)
		if err != nil {
			t.Fatal(err)
		}
		if !agency.Policy.ReferralContact {
			t.Fatalf("the default policy hides the referral contact")
		}
		agency.Policy.ReferralContact = false
		if err := r.db.AgencyService().UpdatePolicy(r.op, agency.ID, agency.Policy); err != nil {
			t.Fatal(err)
		}
		ref, err = r.referrals.FindReferralByID(r.liaison, refID)
		if err != nil {
			t.Fatal(err)
		}
		if ref.Contact != nil {
			t.Errorf("with the policy off the referral shows %+v", ref.Contact)
		}
		if n := len(auditDetails(t, r, "referral.contact.view", "person", p.ID)); n != 2 {
			t.Errorf("%d person contact events after a view with the policy off, want still 2", n)
		}
	})
}
