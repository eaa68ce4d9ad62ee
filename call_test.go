package citdesk_test

import (
	"testing"
	"time"

	"citdesk"
)

// TestNoCITReasonLabel checks that every recorded reason has words of its
// own, and that "other" reads as a description, not as the form's prompt.
func TestNoCITReasonLabel(t *testing.T) {
	seen := map[string]string{}
	for _, r := range citdesk.NoCITReasons {
		label := citdesk.NoCITReasonLabel(r.Code)
		if label == "" || label == r.Code {
			t.Errorf("NoCITReasonLabel(%q) = %q, want words", r.Code, label)
		}
		if other, ok := seen[label]; ok {
			t.Errorf("%q and %q both read %q", other, r.Code, label)
		}
		seen[label] = r.Code
	}
	for code, want := range map[string]string{
		citdesk.NoCITOther:      "Other",
		citdesk.NoCITNoneOnDuty: "No CIT officer on duty",
		"":                      "",
		"mutual_aid":            "mutual_aid", // imported history's own code
	} {
		if got := citdesk.NoCITReasonLabel(code); got != want {
			t.Errorf("NoCITReasonLabel(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestCallStatusAfterMove(t *testing.T) {
	for _, tc := range []struct {
		from    citdesk.CallStatus
		moved   citdesk.AssignmentStatus
		active  int
		reached bool
		want    citdesk.CallStatus
	}{
		{citdesk.CallPending, citdesk.AssignDispatched, 1, false, citdesk.CallDispatched},
		{citdesk.CallCleared, citdesk.AssignDispatched, 1, true, citdesk.CallDispatched},
		{citdesk.CallOnScene, citdesk.AssignDispatched, 2, true, citdesk.CallOnScene},
		{citdesk.CallDispatched, citdesk.AssignEnRoute, 1, false, citdesk.CallDispatched},
		{citdesk.CallDispatched, citdesk.AssignOnScene, 1, true, citdesk.CallOnScene},
		{citdesk.CallOnScene, citdesk.AssignCleared, 1, true, citdesk.CallOnScene},
		{citdesk.CallOnScene, citdesk.AssignCleared, 0, true, citdesk.CallCleared},
		{citdesk.CallDispatched, citdesk.AssignCleared, 0, false, citdesk.CallPending},
		{citdesk.CallClosed, citdesk.AssignCleared, 0, true, citdesk.CallClosed},
	} {
		if got := tc.from.AfterMove(tc.moved, tc.active, tc.reached); got != tc.want {
			t.Errorf("%s after %s (%d active, reached %v) = %s, want %s", tc.from, tc.moved, tc.active, tc.reached, got, tc.want)
		}
	}
	if !citdesk.CallCleared.Open() || !citdesk.CallCleared.Valid() {
		t.Error("a cleared call is open until closed")
	}
}

func TestPrepareClose(t *testing.T) {
	now := time.Now()
	nonCIT := &citdesk.Assignment{Status: citdesk.AssignCleared, OnSceneAt: &now}
	cit := &citdesk.Assignment{Status: citdesk.AssignCleared, CITCertified: true, OnSceneAt: &now}
	citNotThere := &citdesk.Assignment{Status: citdesk.AssignCleared, CITCertified: true}
	for _, tc := range []struct {
		name        string
		requested   bool
		assignments []*citdesk.Assignment
		reason      string
		wantField   string
		wantReason  string
	}{
		{"not requested", false, nil, citdesk.NoCITTooFar, "", ""},
		{"nobody sent", true, nil, "", "no_cit_reason", ""},
		{"nobody sent, reason", true, nil, citdesk.NoCITNoneOnDuty, "", citdesk.NoCITNoneOnDuty},
		{"non-CIT reached", true, []*citdesk.Assignment{nonCIT}, "", "no_cit_reason", ""},
		{"CIT sent, never arrived", true, []*citdesk.Assignment{citNotThere}, "", "no_cit_reason", ""},
		{"CIT reached", true, []*citdesk.Assignment{nonCIT, cit}, citdesk.NoCITTooFar, "", ""},
		{"reason from the assignment", true, []*citdesk.Assignment{{Status: citdesk.AssignCleared, NoCITReason: citdesk.NoCITTooFar}}, "", "", citdesk.NoCITTooFar},
	} {
		c := &citdesk.Call{CITRequested: tc.requested, NoCITReason: tc.reason}
		err := citdesk.PrepareClose(c, tc.assignments)
		if tc.wantField != "" {
			if e, ok := err.(*citdesk.Error); !ok || e.Field != tc.wantField {
				t.Errorf("%s: %v, want an error on %s", tc.name, err, tc.wantField)
			}
			continue
		}
		if err != nil || c.NoCITReason != tc.wantReason {
			t.Errorf("%s: %v, reason %q, want %q", tc.name, err, c.NoCITReason, tc.wantReason)
		}
	}
	if err := citdesk.PrepareClose(&citdesk.Call{}, []*citdesk.Assignment{{Status: citdesk.AssignOnScene}}); citdesk.ErrorCode(err) != citdesk.ECONFLICT {
		t.Errorf("an officer still on the call: %v", err)
	}
}
