package store_test

import (
	"context"
	"testing"
	"time"

	"citdesk"
	"citdesk/store/storetest"
)

func TestPersonMatchingInStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		dob := citdesk.NewDate(1990, 7, 4)
		jon := r.person(t, r.coord, "Jonathan", "Kowalczyk", dob, "1204 Boyd Street")
		r.person(t, r.coord, "Jonathan", "Kowalczyk", citdesk.NewDate(1955, 1, 20), "")
		r.person(t, r.coord, "Maria", "Alvarez", dob, "")

		shown := map[int64]int{} // person id → searches that showed them
		for _, q := range []citdesk.PersonQuery{
			{FirstName: "Jonathon", LastName: "Kowalczik", DOB: dob},           // typos
			{FirstName: "Kowalczyk", LastName: "Jonathan", DOB: dob},           // swapped
			{FirstName: "Jon", LastName: "Kowalczyk", Address: "1204 boyd st"}, // no DOB
		} {
			got, err := r.persons.MatchPersons(r.officer, q)
			must(t, err)
			for _, m := range got {
				shown[m.Person.ID]++
			}
			if len(got) == 0 || got[0].Person.ID != jon.ID {
				t.Fatalf("%+v: matches %v", q, got)
			}
			for _, m := range got {
				if m.Person.DOB == citdesk.NewDate(1955, 1, 20) && !q.DOB.IsZero() {
					t.Errorf("%+v matched the namesake born 1955", q)
				}
			}
		}
		_, err := r.persons.MatchPersons(r.dispatch, citdesk.PersonQuery{LastName: "Kowalczyk"})
		wantCode(t, err, citdesk.EFORBIDDEN)
		_, err = r.persons.MatchPersons(r.liaison, citdesk.PersonQuery{LastName: "Kowalczyk"})
		wantCode(t, err, citdesk.EFORBIDDEN)
		// Each search is one event per candidate shown, on that person, so
		// the person's history names who was shown them; refusals show
		// nothing and record nothing.
		if len(shown) == 0 {
			t.Fatal("no candidates shown")
		}
		for id, want := range shown {
			if n := auditCount(t, r.db, r.op, "person.match", "person", id, ""); n != want {
				t.Errorf("person.match events on person %d = %d, want %d", id, n, want)
			}
		}
		if n := auditCount(t, r.db, r.op, "person.match", "person", 0, ""); n != 0 {
			t.Errorf("person.match events on object 0 = %d, want none", n)
		}
	})
}

// TestPersonAccess shows who may see a person, and that every view and
// every refusal is audited.
func TestPersonAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		r.addSecondLiaison(t)
		p := r.person(t, r.coord, "Ann", "Doe", citdesk.Date{}, "")
		unreferred := r.person(t, r.coord, "Bea", "Roe", citdesk.Date{}, "")

		// The officer who files a report about Ann, and refers her.
		e := r.draft(t, r.officer)
		complete(e)
		e.PersonID = &p.ID
		e.Dispositions = []citdesk.Disposition{citdesk.DispResolvedOnScene, citdesk.DispReferredToLiaison}
		must(t, r.encounters.UpdateEncounter(r.officer, e))
		_, err := r.encounters.SubmitEncounter(r.officer, e.ID, e.Version)
		must(t, err)
		refs, err := r.referrals.ListReferrals(r.coord, citdesk.ReferralFilter{Unassigned: true})
		must(t, err)
		if len(refs) != 1 || refs[0].PersonID != p.ID || refs[0].Status != citdesk.ReferralOpen {
			t.Fatalf("referral from submission = %+v", refs)
		}
		// Nobody is assigned yet: neither liaison sees Ann.
		_, err = r.persons.FindPersonByID(r.liaison, p.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = r.referrals.AssignReferral(r.coord, refs[0].ID, r.liaisonUser.ID)
		must(t, err)

		who := map[string]context.Context{"coordinator": r.coord, "officer": r.officer, "liaison": r.liaison, "liaison2": r.liaison2, "other officer": r.other, "dispatcher": r.dispatch}
		for _, tt := range []struct {
			who    string
			person *citdesk.Person
			ok     bool
		}{
			{"coordinator", p, true},
			// Naming Ann on a report grants the officer nothing (the report
			// shows the name; see TestReportFile): the review found an
			// officer could open any person by linking them to a draft.
			{"officer", p, false},
			{"liaison", p, true},
			{"liaison2", p, false},
			{"other officer", p, false},
			{"dispatcher", p, false},
			{"liaison", unreferred, false},
			{"officer", unreferred, false},
			{"coordinator", unreferred, true},
		} {
			before := auditCount(t, r.db, r.op, "person.view", "person", tt.person.ID, "")
			_, err := r.persons.FindPersonByID(who[tt.who], tt.person.ID)
			if tt.ok && err != nil || !tt.ok && citdesk.ErrorCode(err) != citdesk.ENOTFOUND {
				t.Errorf("%s sees %s: %v, want ok=%v", tt.who, tt.person.Name(), err, tt.ok)
			}
			if after := auditCount(t, r.db, r.op, "person.view", "person", tt.person.ID, ""); after != before+1 {
				t.Errorf("%s viewing %s left %d audit events, want 1", tt.who, tt.person.Name(), after-before)
			}
		}
		if n := auditCount(t, r.db, r.op, "person.view", "person", p.ID, citdesk.OutcomeDenied); n < 4 {
			t.Errorf("denied views of Ann audited %d times, want at least 4", n)
		}

		// The person file lists the contact with its outcome, no narrative.
		f, err := r.persons.PersonFile(r.liaison, p.ID)
		must(t, err)
		if len(f.Contacts) != 1 || f.Contacts[0].EncounterID != e.ID || len(f.Contacts[0].Dispositions) != 2 || len(f.Referrals) != 1 {
			t.Fatalf("file = %+v", f)
		}
		_, err = r.persons.PersonFile(r.liaison2, p.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		// The liaison reads the referring report, not another.
		if _, err := r.encounters.FindEncounterByID(r.liaison, e.ID); err != nil {
			t.Errorf("liaison reading the referring report: %v", err)
		}
		_, err = r.encounters.FindEncounterByID(r.liaison2, e.ID)
		wantCode(t, err, citdesk.ENOTFOUND)

		// An officer a dispatcher sends to a call sees the person its
		// reviewed report names, and only once it is reviewed.
		calls := r.db.CallService()
		call := &citdesk.Call{Nature: "Welfare check", Address: "4 Elm St"}
		must(t, calls.CreateCall(r.dispatch, call))
		otherID := *r.otherUser.OfficerID
		must(t, r.db.OfficerService().SetStatus(r.other, &citdesk.StatusChange{OfficerID: otherID, Status: citdesk.StatusAvailable}))
		must(t, calls.CreateAssignment(r.dispatch, &citdesk.Assignment{CallID: call.ID, OfficerID: otherID}))
		onCall := &citdesk.Encounter{CallID: &call.ID, OccurredAt: r.clock.Now()}
		must(t, r.encounters.StartEncounter(r.other, onCall))
		complete(onCall)
		onCall.PersonID = &p.ID
		must(t, r.encounters.UpdateEncounter(r.other, onCall))
		submitted, err := r.encounters.SubmitEncounter(r.other, onCall.ID, onCall.Version)
		must(t, err)
		_, err = r.persons.FindPersonByID(r.other, p.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
		_, err = r.encounters.ApproveEncounter(r.coord, onCall.ID, submitted.Version)
		must(t, err)
		if _, err := r.persons.FindPersonByID(r.other, p.ID); err != nil {
			t.Errorf("officer sent to the call whose reviewed report names Ann: %v", err)
		}
		// The first officer, who named Ann without being sent, still not.
		_, err = r.persons.FindPersonByID(r.officer, p.ID)
		wantCode(t, err, citdesk.ENOTFOUND)
	})
}

// TestRepeatContacts counts encounters in the window at its edges.
func TestRepeatContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		now := r.clock.Now()
		p := r.person(t, r.coord, "Ray", "Frequent", citdesk.Date{}, "")
		q := r.person(t, r.coord, "Sue", "Twice", citdesk.Date{}, "")
		at := func(ago time.Duration, person *citdesk.Person) {
			e := &citdesk.Encounter{OccurredAt: now.Add(-ago), PersonID: &person.ID}
			must(t, r.encounters.StartEncounter(r.officer, e))
		}
		window := 90 * 24 * time.Hour
		at(window, p)             // exactly at the window's start: counts
		at(30*24*time.Hour, p)    // inside
		at(time.Hour, p)          // inside
		at(window+time.Second, q) // just outside
		at(time.Hour, q)
		at(2*time.Hour, q)

		list, err := r.persons.RepeatContacts(r.coord, citdesk.RepeatContactFilter{})
		must(t, err)
		if len(list) != 1 || list[0].Person.ID != p.ID || list[0].Encounters != 3 {
			t.Fatalf("repeat contacts = %+v", list)
		}
		if !list[0].First.Equal(now.Add(-window)) {
			t.Errorf("first contact %v", list[0].First)
		}
		// One microsecond later the oldest falls out of the window.
		r.clock.Advance(time.Microsecond)
		list, err = r.persons.RepeatContacts(r.coord, citdesk.RepeatContactFilter{})
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("after the window moved: %+v", list)
		}
		// A wider window or a lower threshold is configurable.
		list, err = r.persons.RepeatContacts(r.coord, citdesk.RepeatContactFilter{MinEncounters: 2, WindowDays: 91})
		must(t, err)
		if len(list) != 2 || list[0].Encounters != 3 || list[1].Encounters != 3 {
			t.Fatalf("2+ in 91 days = %d people", len(list))
		}
		// A liaison sees only the people referred to them: none yet.
		list, err = r.persons.RepeatContacts(r.liaison, citdesk.RepeatContactFilter{MinEncounters: 2, WindowDays: 91})
		must(t, err)
		if len(list) != 0 {
			t.Fatalf("liaison sees %d unreferred people", len(list))
		}
		_, err = r.persons.RepeatContacts(r.officer, citdesk.RepeatContactFilter{})
		wantCode(t, err, citdesk.EFORBIDDEN)
	})
}
