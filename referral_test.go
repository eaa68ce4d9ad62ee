package citdesk_test

import (
	"testing"

	"citdesk"
)

func TestReferralMoves(t *testing.T) {
	legal := map[citdesk.ReferralStatus][]citdesk.ReferralStatus{
		citdesk.ReferralOpen:            {citdesk.ReferralContacted, citdesk.ReferralUnableToContact},
		citdesk.ReferralContacted:       {citdesk.ReferralConnected, citdesk.ReferralDeclined, citdesk.ReferralUnableToContact},
		citdesk.ReferralConnected:       {citdesk.ReferralClosed},
		citdesk.ReferralDeclined:        {citdesk.ReferralClosed},
		citdesk.ReferralUnableToContact: {citdesk.ReferralClosed},
	}
	for _, from := range citdesk.ReferralStatuses {
		for _, to := range citdesk.ReferralStatuses {
			want := false
			for _, ok := range legal[from] {
				want = want || ok == to
			}
			if got := from.CanMoveTo(to); got != want {
				t.Errorf("%s → %s = %v, want %v", from, to, got, want)
			}
		}
	}
}

func TestSurveyValidate(t *testing.T) {
	ok := citdesk.Survey{Respondent: "family", Respect: 5, Safety: 4, Help: 1}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		s     citdesk.Survey
		field string
	}{
		{"respect 0", citdesk.Survey{Respondent: "person", Respect: 0, Safety: 3, Help: 3}, "respect"},
		{"safety 6", citdesk.Survey{Respondent: "person", Respect: 3, Safety: 6, Help: 3}, "safety"},
		{"help missing", citdesk.Survey{Respondent: "person", Respect: 3, Safety: 3}, "help"},
		{"respondent", citdesk.Survey{Respondent: "neighbour", Respect: 3, Safety: 3, Help: 3}, "respondent"},
	} {
		if got := citdesk.ErrorField(tt.s.Validate()); got != tt.field {
			t.Errorf("%s: field %q, want %q", tt.name, got, tt.field)
		}
	}
}
