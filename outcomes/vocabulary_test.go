package outcomes_test

import (
	"slices"
	"testing"

	"citdesk"
	"citdesk/outcomes"
)

// TestForceLevelOf checks that every force level citdesk declares has a
// level here, each its own, and that the two directions round-trip: a
// level added to citdesk and not here would otherwise be read as unknown.
func TestForceLevelOf(t *testing.T) {
	seen := map[outcomes.ForceLevel]citdesk.ForceLevel{}
	for _, f := range citdesk.ForceLevels {
		got := outcomes.ForceLevelOf(f)
		if got == outcomes.ForceUnknown {
			t.Errorf("ForceLevelOf(%q) is unknown", f)
			continue
		}
		if other, ok := seen[got]; ok {
			t.Errorf("ForceLevelOf(%q) = ForceLevelOf(%q) = %d", f, other, got)
		}
		seen[got] = f
		if back := got.Citdesk(); back != f {
			t.Errorf("ForceLevelOf(%q).Citdesk() = %q", f, back)
		}
	}
	for l := outcomes.ForceNone; l <= outcomes.ForceLethal; l++ {
		if back := outcomes.ForceLevelOf(l.Citdesk()); back != l {
			t.Errorf("ForceLevelOf(%d.Citdesk()) = %d", l, back)
		}
	}
	if len(seen) != int(outcomes.ForceLethal-outcomes.ForceNone)+1 {
		t.Errorf("citdesk has %d force levels, outcomes %d", len(seen), outcomes.ForceLethal-outcomes.ForceNone+1)
	}
	if got := outcomes.ForceLevelOf(""); got != outcomes.ForceUnknown {
		t.Errorf(`ForceLevelOf("") = %d, want unknown`, got)
	}
	if got := outcomes.ForceUnknown.Citdesk(); got != "" {
		t.Errorf(`ForceUnknown.Citdesk() = %q, want ""`, got)
	}
}

// TestInjuryOf is TestForceLevelOf for injury levels.
func TestInjuryOf(t *testing.T) {
	seen := map[outcomes.Injury]citdesk.InjuryLevel{}
	for _, i := range citdesk.InjuryLevels {
		got := outcomes.InjuryOf(i)
		if got == outcomes.InjuryUnknown {
			t.Errorf("InjuryOf(%q) is unknown", i)
			continue
		}
		if other, ok := seen[got]; ok {
			t.Errorf("InjuryOf(%q) = InjuryOf(%q) = %d", i, other, got)
		}
		seen[got] = i
		if back := got.Citdesk(); back != i {
			t.Errorf("InjuryOf(%q).Citdesk() = %q", i, back)
		}
	}
	for l := outcomes.InjuryNone; l <= outcomes.InjuryFatal; l++ {
		if back := outcomes.InjuryOf(l.Citdesk()); back != l {
			t.Errorf("InjuryOf(%d.Citdesk()) = %d", l, back)
		}
	}
	if len(seen) != int(outcomes.InjuryFatal-outcomes.InjuryNone)+1 {
		t.Errorf("citdesk has %d injury levels, outcomes %d", len(seen), outcomes.InjuryFatal-outcomes.InjuryNone+1)
	}
	if got := outcomes.InjuryOf(""); got != outcomes.InjuryUnknown {
		t.Errorf(`InjuryOf("") = %d, want unknown`, got)
	}
	if got := outcomes.InjuryUnknown.Citdesk(); got != "" {
		t.Errorf(`InjuryUnknown.Citdesk() = %q, want ""`, got)
	}
}

// TestDispositionOf checks every citdesk disposition against this
// package's, both ways, and that a whole set comes back in citdesk's
// order.
func TestDispositionOf(t *testing.T) {
	var all outcomes.Dispositions
	for _, d := range citdesk.Dispositions {
		got, ok := outcomes.DispositionOf(d)
		if !ok {
			t.Errorf("DispositionOf(%q) has no disposition", d)
			continue
		}
		if all.Has(got) {
			t.Errorf("DispositionOf(%q) = %v, already taken", d, got)
		}
		all = all.With(got)
		if back := got.Citdesk(); back != d {
			t.Errorf("DispositionOf(%q).Citdesk() = %q", d, back)
		}
	}
	names := outcomes.DispositionNames()
	for _, name := range names {
		d, _ := outcomes.ParseDisposition(name)
		if back, ok := outcomes.DispositionOf(d.Citdesk()); !ok || back != d {
			t.Errorf("DispositionOf(%v.Citdesk()) = %v, %v", d, back, ok)
		}
	}
	if len(names) != len(citdesk.Dispositions) {
		t.Errorf("citdesk has %d dispositions, outcomes %d", len(citdesk.Dispositions), len(names))
	}
	if got := all.Citdesk(); !slices.Equal(got, citdesk.Dispositions) {
		t.Errorf("the full set as citdesk's = %q, want %q", got, citdesk.Dispositions)
	}
	if got := outcomes.Dispositions(0).Citdesk(); got != nil {
		t.Errorf("the unknown set as citdesk's = %q, want none", got)
	}
	if _, ok := outcomes.DispositionOf("prison"); ok {
		t.Error(`DispositionOf("prison") is a disposition`)
	}
}

// TestNoCITReasonOf checks that every recorded reason becomes words and
// the words come back as the code, including the synthesizer's words the
// demo stores.
func TestNoCITReasonOf(t *testing.T) {
	for _, r := range citdesk.NoCITReasons {
		words := outcomes.NoCITReasonOf(r.Code)
		if words == "" || words == r.Code {
			t.Errorf("NoCITReasonOf(%q) = %q, want words", r.Code, words)
		}
		if code, ok := outcomes.NoCITReasonCode(words); !ok || code != r.Code {
			t.Errorf("NoCITReasonCode(%q) = %q, %v, want %q", words, code, ok, r.Code)
		}
	}
	if got := outcomes.NoCITReasonOf(citdesk.NoCITOther); got != "Other" {
		t.Errorf("NoCITReasonOf(other) = %q, want Other", got)
	}
	if got := outcomes.NoCITReasonOf(""); got != "" {
		t.Errorf(`NoCITReasonOf("") = %q, want "" (not recorded)`, got)
	}
	for words, want := range map[string]string{
		"No CIT officer on duty":           citdesk.NoCITNoneOnDuty,
		"All CIT officers on other calls":  citdesk.NoCITNoneAvailable,
		"Nearest CIT officer too far away": citdesk.NoCITTooFar,
	} {
		if code, ok := outcomes.NoCITReasonCode(words); !ok || code != want {
			t.Errorf("NoCITReasonCode(%q) = %q, %v, want %q", words, code, ok, want)
		}
	}
	for _, words := range []string{"", "Caller withdrew the request"} {
		if code, ok := outcomes.NoCITReasonCode(words); ok {
			t.Errorf("NoCITReasonCode(%q) = %q, want none", words, code)
		}
	}
}

// TestReferralConnectedOf checks every referral status, as the status and
// as a closed referral's outcome: only connected_to_care reached care.
func TestReferralConnectedOf(t *testing.T) {
	for _, s := range citdesk.ReferralStatuses {
		want := s == citdesk.ReferralConnected
		if got := outcomes.ReferralConnectedOf(s, ""); got != want {
			t.Errorf("ReferralConnectedOf(%q, \"\") = %v", s, got)
		}
		if got := outcomes.ReferralConnectedOf(citdesk.ReferralClosed, s); got != want {
			t.Errorf("ReferralConnectedOf(closed, %q) = %v", s, got)
		}
	}
}

// TestTriPtr checks the round trip through citdesk's optional yes/no.
func TestTriPtr(t *testing.T) {
	for _, tr := range []outcomes.Tri{outcomes.Unknown, outcomes.Yes, outcomes.No} {
		p := tr.Ptr()
		back := outcomes.TriOfKnown(p != nil && *p, p != nil)
		if back != tr {
			t.Errorf("%v through *bool = %v", tr, back)
		}
	}
	if outcomes.TriOfKnown(true, false) != outcomes.Unknown {
		t.Error("an unknown true is not unknown")
	}
}
