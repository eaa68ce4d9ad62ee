package citdesk_test

import (
	"strings"
	"testing"
	"time"

	"citdesk"
)

// TestErasureCheck: the policy for erasing a person's record at a records
// request, case by case.
func TestErasureCheck(t *testing.T) {
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	fiveYears := &citdesk.RetentionRule{Kind: citdesk.KindReports, Years: 5}
	old, recent := now.AddDate(-6, 0, 0), now.AddDate(-1, 0, 0)
	for _, tc := range []struct {
		name string
		c    citdesk.ErasureCheck
		want string // "" = allowed
	}{
		{"no reports, no hold", citdesk.ErasureCheck{}, ""},
		{"no reports, reports kept for ever", citdesk.ErasureCheck{ReportsRule: nil}, ""},
		{"legal hold", citdesk.ErasureCheck{Hold: "case 7", ReportsRule: fiveYears}, "legal hold (case 7)"},
		{"reports kept for ever", citdesk.ErasureCheck{Reports: []time.Time{old}}, "keeps for ever"},
		{"report inside its period", citdesk.ErasureCheck{ReportsRule: fiveYears, Reports: []time.Time{old, recent}}, "1 report still inside its retention period (5y): they can be erased from 2034-06-01"},
		{"every report past its period", citdesk.ErasureCheck{ReportsRule: fiveYears, Reports: []time.Time{old}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Check(now)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if citdesk.ErrorCode(err) != citdesk.ECONFLICT || !strings.Contains(citdesk.ErrorMessage(err), tc.want) {
				t.Fatalf("got %v, want a conflict saying %q", err, tc.want)
			}
		})
	}
}
