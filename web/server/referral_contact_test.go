package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// TestReferralContactPageAndAPI: an officer says on the report form that
// the caller was family; the liaison's referral page and
// GET /api/v1/referrals/{id} then show the person's phone and address and
// the caller's name and phone, each view audited; with the agency's
// policy off neither shows them.
func TestReferralContactPageAndAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportAPI(t, eng)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		users, err := r.DB.UserService().ListUsers(r.Op)
		must(err)
		ctxOf := func(name string) context.Context {
			for _, u := range users {
				if u.Username == name {
					return citdesk.NewContextWithActor(context.Background(), citdesk.ActorFor(u, "192.0.2.5"))
				}
			}
			t.Fatalf("no user %s", name)
			return nil
		}
		ofc, disp := ctxOf("ofc"), ctxOf("disp")
		officerID := *citdesk.ActorFromContext(ofc).OfficerID

		// The person, with a phone.
		var p citdesk.Person
		r.call(t, "coord", "POST", "/api/v1/persons", map[string]any{"first_name": "Nora", "last_name": "Quill", "address": "1204 Boyd St", "phone": "(636) 555-0199"}, http.StatusCreated).JSON(t, &p)
		r.call(t, "coord", "POST", "/api/v1/persons", map[string]any{"first_name": "X", "last_name": "Y", "phone": "call me"}, http.StatusUnprocessableEntity)

		// A call from her mother; the officer sent, on scene, cleared.
		must(r.DB.OfficerService().SetStatus(ofc, &citdesk.StatusChange{OfficerID: officerID, Status: citdesk.StatusAvailable}))
		call := &citdesk.Call{Nature: "Welfare check", Address: "1204 Boyd St", CallerName: "Ruth Quill", CallerPhone: "636-555-0142", CallerRelationship: "mother"}
		must(r.DB.CallService().CreateCall(disp, call))
		a := &citdesk.Assignment{CallID: call.ID, OfficerID: officerID}
		must(r.DB.CallService().CreateAssignment(disp, a))
		_, err = r.DB.CallService().MoveAssignment(ofc, a.ID, a.Version, citdesk.AssignOnScene)
		must(err)
		e := &citdesk.Encounter{AssignmentID: &a.ID}
		must(r.DB.EncounterService().StartEncounter(ofc, e))
		e.PersonID = &p.ID
		must(r.DB.EncounterService().UpdateEncounter(ofc, e))

		// The officer's form asks about the caller; "yes" is saved.
		officer := r.browser()
		officer.login("ofc")
		reportPath := "/reports/" + strconv.FormatInt(e.ID, 10)
		if res := officer.get(reportPath + "/edit"); !strings.Contains(res.Body, `name="caller_family"`) {
			t.Fatalf("the report form does not ask whether the caller was family: %d", res.StatusCode)
		}
		form := url.Values{"version": {strconv.FormatInt(e.Version, 10)}, "occurred_at": {e.OccurredAt.In(r.Agency.Location()).Format("2006-01-02T15:04")},
			"address": {"1204 Boyd St"}, "contact_start": {"dispatched_crisis_call"}, "primary_problem": {"mental_illness"}, "weapons": {"none"},
			"force": {"none"}, "injury_person": {"none"}, "injury_officer": {"none"}, "injury_other": {"none"},
			"dispositions": {"resolved_on_scene", "referred_to_liaison"}, "on_scene_minutes": {"30"}, "narrative": {"Her mother called; we talked."},
			"caller_family": {"yes"}, "action": {"submit"}}
		if res := officer.form(reportPath, form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit the report: %d %s", res.StatusCode, res.Body)
		}
		stored, err := r.DB.EncounterService().FindEncounterByID(r.Op, e.ID)
		must(err)
		if !stored.CallerIsFamily() || stored.Status != citdesk.EncounterSubmitted {
			t.Fatalf("stored report: caller family %v, status %s", stored.CallerFamily, stored.Status)
		}

		var refs struct{ Referrals []citdesk.Referral }
		r.call(t, "liaison", "GET", "/api/v1/referrals", nil, http.StatusOK).JSON(t, &refs)
		if len(refs.Referrals) != 1 {
			t.Fatalf("the liaison has %d referrals", len(refs.Referrals))
		}
		refPath := fmt.Sprintf("/referrals/%d", refs.Referrals[0].ID)

		// The API.
		var got struct{ Referral citdesk.Referral }
		r.call(t, "liaison", "GET", "/api/v1"+refPath, nil, http.StatusOK).JSON(t, &got)
		c := got.Referral.Contact
		if c == nil || c.Phone != "(636) 555-0199" || c.Address != "1204 Boyd St" || c.Caller == nil || c.Caller.Phone != "636-555-0142" || c.Caller.Name != "Ruth Quill" {
			t.Fatalf("API contact = %+v", c)
		}

		// The page: tap-to-call links and the caller.
		liaison := r.browser()
		liaison.login("liaison")
		res := liaison.get(refPath)
		for _, want := range []string{`href="tel:6365550199"`, "1204 Boyd St", "Ruth Quill", "mother", `href="tel:6365550142"`, "recorded in the audit trail"} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the referral page lacks %q", want)
			}
		}
		events, err := r.DB.AuditService().ListAudit(r.Op, citdesk.AuditFilter{Action: "referral.contact.view", Limit: 100})
		must(err)
		if len(events) != 4 { // API and page, each on the person and the call
			t.Errorf("%d contact view events, want 4", len(events))
		}

		// Policy off: neither shows it.
		agency, err := r.DB.AgencyService().FindAgencyByID(r.Op, r.Agency.ID)
		must(err)
		agency.Policy.ReferralContact = false
		must(r.DB.AgencyService().UpdatePolicy(r.Op, agency.ID, agency.Policy))
		raw := r.call(t, "liaison", "GET", "/api/v1"+refPath, nil, http.StatusOK)
		if strings.Contains(raw.Body, `"contact"`) || strings.Contains(raw.Body, "555-0199") {
			t.Errorf("with the policy off the API sends contact details: %s", raw.Body)
		}
		res = liaison.get(refPath)
		if res.StatusCode != http.StatusOK || strings.Contains(res.Body, "555-0199") || strings.Contains(res.Body, "Ruth Quill") {
			t.Errorf("with the policy off the page shows contact details (%d)", res.StatusCode)
		}
		events, err = r.DB.AuditService().ListAudit(r.Op, citdesk.AuditFilter{Action: "referral.contact.view", Limit: 100})
		must(err)
		if len(events) != 4 {
			t.Errorf("%d contact view events after views with the policy off, want still 4", len(events))
		}
	})
}
