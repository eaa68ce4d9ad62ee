package citdesk

import (
	"encoding/json"
	"errors"
	"time"
)

// Date is a calendar date with no time of day or zone, such as the day a
// course was completed. It is stored and sent as YYYY-MM-DD.
type Date struct {
	t time.Time // midnight UTC
}

// NewDate returns the date year-month-day.
func NewDate(year int, month time.Month, day int) Date {
	return Date{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// DateOf returns the calendar date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return NewDate(y, m, d)
}

// ParseDate parses YYYY-MM-DD. It refuses 0001-01-01, the zero Date,
// which would read as "no date" (found by FuzzParseDate).
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, err
	}
	if t.IsZero() {
		return Date{}, errors.New("date 0001-01-01 cannot be told from no date")
	}
	return Date{t}, nil
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.t.IsZero() }

// String returns YYYY-MM-DD, or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// Time returns midnight at the start of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	y, m, dd := d.t.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc)
}

// AddDate returns d moved by years, months and days, normalised as time.AddDate does.
func (d Date) AddDate(years, months, days int) Date { return Date{d.t.AddDate(years, months, days)} }

// AddMonthsClamped returns d moved by months, clamping to the month's last
// day (Jan 31 + 1 month is Feb 28 or 29, not March).
func (d Date) AddMonthsClamped(months int) Date {
	y, m, day := d.t.Date()
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).AddDate(0, months, 0)
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return NewDate(first.Year(), first.Month(), day)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// DaysUntil returns the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return int(e.t.Sub(d.t).Hours() / 24) }

// MarshalJSON writes "YYYY-MM-DD", or null for the zero date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
