package store_test

import (
	"testing"

	"citdesk"
	"citdesk/store/storetest"
)

// TestRepeatContactsFollowPolicy: the repeat-contacts thresholds left
// unset come from the agency's policy, which an admin may change.
func TestRepeatContactsFollowPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportEnv(t, eng)
		p := r.person(t, r.coord, "Ola", "Twice", citdesk.NewDate(1980, 2, 2), "3 Oak St")
		for i := 0; i < 2; i++ {
			e := r.draft(t, r.officer)
			complete(e)
			e.PersonID = &p.ID
			if err := r.encounters.UpdateEncounter(r.officer, e); err != nil {
				t.Fatal(err)
			}
		}
		count := func() int {
			t.Helper()
			list, err := r.persons.RepeatContacts(r.coord, citdesk.RepeatContactFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		if n := count(); n != 0 {
			t.Fatalf("default policy (3 in 90 days): %d listed", n)
		}
		agency, err := r.db.AgencyService().FindAgencyBySlug(r.op, "desoto")
		if err != nil {
			t.Fatal(err)
		}
		agency.Policy.RepeatContactMin = 2
		if err := r.db.AgencyService().UpdatePolicy(r.op, agency.ID, agency.Policy); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 1 {
			t.Fatalf("policy of 2: %d listed, want 1", n)
		}
		// An explicit filter still wins.
		list, err := r.persons.RepeatContacts(r.coord, citdesk.RepeatContactFilter{MinEncounters: 3})
		if err != nil || len(list) != 0 {
			t.Fatalf("explicit 3: %d, %v", len(list), err)
		}
	})
}
