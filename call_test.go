package citdesk_test

import (
	"testing"

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
