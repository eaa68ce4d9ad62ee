package citdesk

import (
	"testing"
)

// mustDate parses YYYY-MM-DD or fails the test.
func mustDate(tb testing.TB, s string) Date {
	tb.Helper()
	d, err := ParseDate(s)
	if err != nil {
		tb.Fatalf("ParseDate(%q): %v", s, err)
	}
	return d
}

// course is a training record in a test table: kind, completion date, hours.
type course struct {
	kind  CourseKind
	date  string
	hours float64
}

func basicCourse(date string) course          { return course{CourseCITBasic, date, 40} }
func inService(date string, h float64) course { return course{CourseCITInService, date, h} }

func TestDeriveCITStatus(t *testing.T) {
	def := DefaultPolicy() // 8 hours in 24 months, 24 months' grace, 60 days' warning
	// small: 4 hours in 12 months, 12 months' grace, 30 days' warning.
	small := def
	small.RefresherHours, small.RefresherMonths, small.GraceMonths, small.ExpiringDays = 4, 12, 12, 30
	// shortGrace: the default refresher rule after only 6 months' grace.
	shortGrace := def
	shortGrace.GraceMonths = 6
	// monthly: 4 hours in the last month, no grace, no warning window, to
	// show the clamping of the window at month ends.
	monthly := def
	monthly.RefresherHours, monthly.RefresherMonths, monthly.GraceMonths, monthly.ExpiringDays = 4, 1, 0, 0
	// noGrace: the default refresher rule with no grace period.
	noGrace := def
	noGrace.GraceMonths = 0

	// A basic course on 2022-03-15 with the default policy: grace ends
	// 2022-03-15 + 24 months = 2024-03-15, so the last grace day is 2024-03-14.
	const basic = "2022-03-15"

	tests := []struct {
		name    string
		courses []course
		policy  Policy
		today   string
		status  CITStatus
		until   string // "" for the zero date
		reason  string // checked exactly when not ""
	}{
		// Not trained.
		{name: "no records", policy: def, today: "2025-01-10", status: CITNotTrained,
			reason: "The 40-hour CIT course is not on record."},
		{name: "awareness and refreshers only",
			courses: []course{{CourseMHAwareness, "2024-01-01", 8}, inService("2024-02-01", 8)},
			policy:  def, today: "2025-01-10", status: CITNotTrained},
		{name: "basic course dated after today",
			courses: []course{basicCourse("2025-02-01")},
			policy:  def, today: "2025-01-10", status: CITNotTrained},

		// Grace period edges, basic 2022-03-15, last grace day 2024-03-14.
		{name: "grace, far from its end",
			// 2023-01-01 → 2024-03-14 is 365 + 31 + 29 + 13 = 438 days > 60.
			courses: []course{basicCourse(basic)}, policy: def, today: "2023-01-01",
			status: CITCertified, until: "2024-03-14",
			reason: "In grace period after the 40-hour course (2022-03-15) through 2024-03-14."},
		{name: "grace, the day before its last day",
			courses: []course{basicCourse(basic)}, policy: def, today: "2024-03-13",
			status: CITExpiring, until: "2024-03-14"},
		{name: "grace, its last day",
			courses: []course{basicCourse(basic)}, policy: def, today: "2024-03-14",
			status: CITExpiring, until: "2024-03-14",
			reason: "In grace period after the 40-hour course (2022-03-15) through 2024-03-14. Complete 8.0 more refresher hours by 2024-03-15 to stay current."},
		{name: "grace end day, no refreshers",
			courses: []course{basicCourse(basic)}, policy: def, today: "2024-03-15",
			status: CITLapsed, until: "2024-03-14",
			reason: "Lapsed on 2024-03-15: 0.0 of 8 refresher hours in the last 24 months; complete 8.0 more to be current again."},
		{name: "the day after grace end",
			courses: []course{basicCourse(basic)}, policy: def, today: "2024-03-16",
			status: CITLapsed, until: "2024-03-14"},

		// Refresher hours just under and exactly at the policy.
		{name: "7.5 hours is under the policy",
			// Lapsed since grace ended: the hours never reached 8 after it.
			courses: []course{basicCourse(basic), inService("2023-06-01", 4), inService("2024-06-01", 3.5)},
			policy:  def, today: "2025-01-10", status: CITLapsed, until: "2024-03-14",
			reason: "Lapsed on 2024-03-15: 7.5 of 8 refresher hours in the last 24 months; complete 0.5 more to be current again."},
		{name: "8 hours meets the policy",
			// 2023-06-01 ages out on 2025-06-01, leaving 4: Until 2025-05-31,
			// 21 + 28 + 31 + 30 + 31 = 141 days away.
			courses: []course{basicCourse(basic), inService("2023-06-01", 4), inService("2024-06-01", 4)},
			policy:  def, today: "2025-01-10", status: CITCertified, until: "2025-05-31",
			reason: "Current: 8.0 refresher hours in the last 24 months; holds through 2025-05-31."},
		{name: "ten 0.8-hour sessions sum to 8",
			// 0.8 added ten times is 7.999999999999999 in float64. The first
			// ages out 2025-01-01.
			courses: []course{basicCourse(basic),
				inService("2023-01-01", 0.8), inService("2023-02-01", 0.8), inService("2023-03-01", 0.8),
				inService("2023-04-01", 0.8), inService("2023-05-01", 0.8), inService("2023-06-01", 0.8),
				inService("2023-07-01", 0.8), inService("2023-08-01", 0.8), inService("2023-09-01", 0.8),
				inService("2023-10-01", 0.8)},
			policy: def, today: "2024-06-01", status: CITCertified, until: "2024-12-31"},

		// A record ageing out of the window (D − 24 months, D]: 2023-06-01
		// counts through 2025-05-31 and not on 2025-06-01.
		{name: "the day before the last day before age-out",
			courses: []course{basicCourse(basic), inService("2023-06-01", 4), inService("2024-06-01", 4)},
			policy:  def, today: "2025-05-30", status: CITExpiring, until: "2025-05-31"},
		{name: "the last day a record counts",
			courses: []course{basicCourse(basic), inService("2023-06-01", 4), inService("2024-06-01", 4)},
			policy:  def, today: "2025-05-31", status: CITExpiring, until: "2025-05-31",
			reason: "Current: 8.0 refresher hours in the last 24 months; holds through 2025-05-31. Complete 4.0 more refresher hours by 2025-06-01 to stay current."},
		{name: "the day a record ages out",
			courses: []course{basicCourse(basic), inService("2023-06-01", 4), inService("2024-06-01", 4)},
			policy:  def, today: "2025-06-01", status: CITLapsed, until: "2025-05-31",
			reason: "Lapsed on 2025-06-01: 4.0 of 8 refresher hours in the last 24 months; complete 4.0 more to be current again."},
		{name: "a record ages out but enough remain",
			// 12 hours on 2025-05-31, 8 on 2025-06-01; 2024-06-01 ages out on
			// 2026-06-01 leaving 4, so Until 2026-05-31.
			courses: []course{basicCourse(basic), inService("2023-06-01", 4), inService("2024-06-01", 4), inService("2025-01-15", 4)},
			policy:  def, today: "2025-06-01", status: CITCertified, until: "2026-05-31"},

		// The expiring window, basic 2024-05-01: last grace day 2026-04-30.
		{name: "61 days before Until is certified",
			// 2026-02-28 → 2026-03-31 is 31 days, → 2026-04-30 is 61.
			courses: []course{basicCourse("2024-05-01")}, policy: def, today: "2026-02-28",
			status: CITCertified, until: "2026-04-30"},
		{name: "60 days before Until is expiring",
			// 2026-03-01 → 2026-03-31 is 30 days, → 2026-04-30 is 60.
			courses: []course{basicCourse("2024-05-01")}, policy: def, today: "2026-03-01",
			status: CITExpiring, until: "2026-04-30"},

		// Records dated after today are ignored.
		{name: "future refresher does not count",
			courses: []course{basicCourse(basic), inService("2023-06-01", 4), inService("2024-06-01", 3.5), inService("2025-02-01", 1)},
			policy:  def, today: "2025-01-10", status: CITLapsed, until: "2024-03-14"},
		{name: "future retake does not restart grace",
			courses: []course{basicCourse(basic), basicCourse("2025-02-01")},
			policy:  def, today: "2024-03-14", status: CITExpiring, until: "2024-03-14"},

		// A retake restarts the grace period and the count of hours.
		{name: "retake restarts grace",
			// Without the retake, 2020-06-01's 8 hours would hold through
			// 2022-05-31; the retake's grace runs through 2023-08-31.
			courses: []course{basicCourse("2019-01-01"), inService("2020-06-01", 8), basicCourse("2021-09-01")},
			policy:  def, today: "2022-01-01", status: CITCertified, until: "2023-08-31",
			reason: "In grace period after the 40-hour course (2021-09-01) through 2023-08-31."},
		{name: "hours before the retake or on its day do not count",
			// 6 months' grace after 2022-01-01 ends 2022-07-01. The window
			// (2020-08-01, 2022-08-01] holds 16 hours, none after the retake.
			courses: []course{basicCourse("2019-01-01"), inService("2021-06-01", 8), basicCourse("2022-01-01"), inService("2022-01-01", 8)},
			policy:  shortGrace, today: "2022-08-01", status: CITLapsed, until: "2022-06-30"},

		// Refresher hours earned in grace extend it.
		{name: "refresher hours extend grace",
			// Grace through 2026-04-30; 2025-06-01 ages out 2027-06-01.
			courses: []course{basicCourse("2024-05-01"), inService("2025-06-01", 8)},
			policy:  def, today: "2025-07-01", status: CITCertified, until: "2027-05-31",
			reason: "In grace period after the 40-hour course (2024-05-01) through 2026-04-30; 8.0 refresher hours in the last 24 months keep it through 2027-05-31."},

		// Lapsed, current again, lapsed again: Until is the latest run's end.
		// Basic 2020-01-01 (grace through 2021-12-31); 2021-06-01 counts
		// through 2023-05-31; 2024-01-01 counts through 2025-12-31.
		{name: "lapsed between refreshers",
			courses: []course{basicCourse("2020-01-01"), inService("2021-06-01", 8), inService("2024-01-01", 8)},
			policy:  def, today: "2023-09-01", status: CITLapsed, until: "2023-05-31"},
		{name: "current again",
			courses: []course{basicCourse("2020-01-01"), inService("2021-06-01", 8), inService("2024-01-01", 8)},
			policy:  def, today: "2024-01-01", status: CITCertified, until: "2025-12-31"},
		{name: "lapsed again",
			courses: []course{basicCourse("2020-01-01"), inService("2021-06-01", 8), inService("2024-01-01", 8)},
			policy:  def, today: "2026-02-01", status: CITLapsed, until: "2025-12-31",
			reason: "Lapsed on 2026-01-01: 0.0 of 8 refresher hours in the last 24 months; complete 8.0 more to be current again."},
		{name: "never certified without grace",
			courses: []course{basicCourse("2024-01-01")},
			policy:  noGrace, today: "2024-06-01", status: CITLapsed, until: "",
			reason: "Not current: 0.0 of 8 refresher hours in the last 24 months; complete 8.0 more to be current."},

		// Feb 29 and month ends.
		{name: "basic on Feb 29, last grace day",
			// 2024-02-29 + 24 months clamps to 2026-02-28: grace through 2026-02-27.
			courses: []course{basicCourse("2024-02-29")}, policy: def, today: "2026-02-27",
			status: CITExpiring, until: "2026-02-27"},
		{name: "basic on Feb 29, clamped grace end",
			courses: []course{basicCourse("2024-02-29")}, policy: def, today: "2026-02-28",
			status: CITLapsed, until: "2026-02-27"},
		{name: "refresher on Feb 29, well before age-out",
			// (D − 24 months, D] for D = 2026-02-28 is (2024-02-28, 2026-02-28],
			// which holds 2024-02-29; for 2026-03-01 it is (2024-03-01, …].
			// So Until 2026-02-28: 30 + 31 + 28 = 89 days after 2025-12-01.
			courses: []course{basicCourse("2020-01-01"), inService("2024-02-29", 8)},
			policy:  def, today: "2025-12-01", status: CITCertified, until: "2026-02-28"},
		{name: "refresher on Feb 29, its last day",
			courses: []course{basicCourse("2020-01-01"), inService("2024-02-29", 8)},
			policy:  def, today: "2026-02-28", status: CITExpiring, until: "2026-02-28"},
		{name: "refresher on Feb 29, aged out",
			courses: []course{basicCourse("2020-01-01"), inService("2024-02-29", 8)},
			policy:  def, today: "2026-03-01", status: CITLapsed, until: "2026-02-28"},
		{name: "one-month window: Jan 28 ages out Feb 28",
			// (2023-01-28, 2023-02-28] excludes 2023-01-28; 2023-02-27's
			// window (2023-01-27, 2023-02-27] holds it.
			courses: []course{basicCourse("2023-01-01"), inService("2023-01-28", 4)},
			policy:  monthly, today: "2023-02-28", status: CITLapsed, until: "2023-02-27"},
		{name: "one-month window: Jan 30 counts through Feb 28",
			// 2023-02-28 − 1 month is 2023-01-28 < 2023-01-30; with no warning
			// window Until today is expiring (0 ≤ 0 days).
			courses: []course{basicCourse("2023-01-01"), inService("2023-01-30", 4)},
			policy:  monthly, today: "2023-02-28", status: CITExpiring, until: "2023-02-28"},
		{name: "one-month window: Jan 30 aged out on Mar 1",
			courses: []course{basicCourse("2023-01-01"), inService("2023-01-30", 4)},
			policy:  monthly, today: "2023-03-01", status: CITLapsed, until: "2023-02-28"},

		// A custom policy: 4 hours in 12 months, 12 months' grace, 30 days'
		// warning. Basic 2023-01-31: grace ends 2024-01-31, last day
		// 2024-01-30. 2 hours on 2023-11-15 (counts through 2024-11-14) and 2
		// on 2024-02-29 (counts through 2025-02-28).
		{name: "custom: last grace day",
			courses: []course{basicCourse("2023-01-31"), inService("2023-11-15", 2), inService("2024-02-29", 2)},
			policy:  small, today: "2024-01-30", status: CITExpiring, until: "2024-01-30"},
		{name: "custom: grace end, 2 of 4 hours",
			courses: []course{basicCourse("2023-01-31"), inService("2023-11-15", 2), inService("2024-02-29", 2)},
			policy:  small, today: "2024-01-31", status: CITLapsed, until: "2024-01-30",
			reason: "Lapsed on 2024-01-31: 2.0 of 4 refresher hours in the last 12 months; complete 2.0 more to be current again."},
		{name: "custom: current again on Feb 29",
			// 4 hours; 2023-11-15 ages out 2024-11-15: Until 2024-11-14,
			// 259 days after 2024-02-29.
			courses: []course{basicCourse("2023-01-31"), inService("2023-11-15", 2), inService("2024-02-29", 2)},
			policy:  small, today: "2024-02-29", status: CITCertified, until: "2024-11-14",
			reason: "Current: 4.0 refresher hours in the last 12 months; holds through 2024-11-14."},
		{name: "custom: 31 days before Until",
			courses: []course{basicCourse("2023-01-31"), inService("2023-11-15", 2), inService("2024-02-29", 2)},
			policy:  small, today: "2024-10-14", status: CITCertified, until: "2024-11-14"},
		{name: "custom: 30 days before Until",
			courses: []course{basicCourse("2023-01-31"), inService("2023-11-15", 2), inService("2024-02-29", 2)},
			policy:  small, today: "2024-10-15", status: CITExpiring, until: "2024-11-14"},
		{name: "custom: aged out",
			courses: []course{basicCourse("2023-01-31"), inService("2023-11-15", 2), inService("2024-02-29", 2)},
			policy:  small, today: "2024-11-15", status: CITLapsed, until: "2024-11-14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var records []*TrainingRecord
			for _, c := range tt.courses {
				records = append(records, &TrainingRecord{Kind: c.kind, Completed: mustDate(t, c.date), Hours: c.hours})
			}
			records = append(records, nil) // a nil entry is skipped
			got := DeriveCITStatus(records, tt.policy, mustDate(t, tt.today))
			if got.Status != tt.status {
				t.Errorf("status = %s, want %s (reason %q)", got.Status, tt.status, got.Reason)
			}
			if got.Until.String() != tt.until {
				t.Errorf("until = %q, want %q (reason %q)", got.Until, tt.until, got.Reason)
			}
			if tt.reason != "" && got.Reason != tt.reason {
				t.Errorf("reason = %q\nwant     %q", got.Reason, tt.reason)
			}
			if got.Reason == "" {
				t.Error("reason is empty")
			}
		})
	}
}

func TestRefresherAgesOut(t *testing.T) {
	tests := []struct {
		completed string
		months    int
		want      string
	}{
		{"2024-03-15", 24, "2026-03-15"},
		{"2024-02-29", 24, "2026-03-01"}, // 2026-02-28's window still holds Feb 29
		{"2024-02-29", 48, "2028-02-29"}, // a leap year again: no clamp
		{"2023-01-28", 1, "2023-02-28"},
		{"2023-01-29", 1, "2023-03-01"},
		{"2023-01-31", 1, "2023-03-01"},
		{"2024-01-31", 1, "2024-03-01"},
		{"2024-12-31", 2, "2025-03-01"},
		{"2024-03-31", 1, "2024-05-01"}, // April has 30 days
	}
	for _, tt := range tests {
		got := refresherAgesOut(mustDate(t, tt.completed), tt.months)
		if got.String() != tt.want {
			t.Errorf("refresherAgesOut(%s, %d) = %s, want %s", tt.completed, tt.months, got, tt.want)
		}
	}
}

func TestDeriveCITStatusStatusIsCertified(t *testing.T) {
	// Expiring must still count as certified for dispatch.
	records := []*TrainingRecord{{Kind: CourseCITBasic, Completed: mustDate(t, "2024-05-01"), Hours: 40}}
	got := DeriveCITStatus(records, DefaultPolicy(), mustDate(t, "2026-04-30"))
	if got.Status != CITExpiring || !got.Status.Certified() {
		t.Errorf("status = %s, want expiring and certified", got.Status)
	}
}
