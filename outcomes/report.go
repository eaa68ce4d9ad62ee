package outcomes

import (
	"math"
	"time"

	"citdesk"
)

// Unit says how a measure's rate is read.
type Unit string

// The units of a measure.
const (
	UnitCount   Unit = "count"   // a number of things; no denominator, no rate
	UnitPercent Unit = "percent" // a share, shown as a percentage
	UnitPer100  Unit = "per_100" // events per 100 encounters (each encounter counts at most once, so it is a percentage by another name)
)

// Cell is one count over its denominator, with the rate and its Wilson 95%
// interval. Rate, CILow and CIHigh are NaN (JSON null) when Denominator is
// 0, and always for a count measure.
type Cell struct {
	Count       int   `json:"count"`
	Denominator int   `json:"denominator"`
	Rate        Float `json:"rate"`
	CILow       Float `json:"ci_low"`
	CIHigh      Float `json:"ci_high"`
	// Imprecise counts the records left out of the denominator because
	// their time is too coarse for the measure: known only to the month or
	// year for repeat contacts (days between encounters), only to the day
	// or coarser for the 24-hour report deadline. Left out of JSON when 0.
	Imprecise int `json:"imprecise,omitempty"`
}

// newCell returns k of n with its rate and interval; n < 0 makes a count.
func newCell(k, n int) Cell {
	c := Cell{Count: k, Denominator: max(n, 0), Rate: Float(math.NaN()), CILow: Float(math.NaN()), CIHigh: Float(math.NaN())}
	if n > 0 {
		lo, hi := Wilson(k, n, Z95)
		c.Rate, c.CILow, c.CIHigh = Float(float64(k)/float64(n)), Float(lo), Float(hi)
	}
	return c
}

// PeriodCell is a Cell for one month ("2015-07") or quarter ("2015-Q3").
type PeriodCell struct {
	Period string `json:"period"`
	// Partial says the period is cut short: the range starts after it
	// starts, or the range or today ends before it ends. Its figures are
	// the period so far, which a chart must not draw as a whole period.
	Partial bool `json:"partial,omitempty"`
	Cell
}

// Measure is one of the program's measures over the report's range: the
// total, the same by month (or by quarter), and split by whether the
// responding officer was CIT certified, each with its own interval so a
// difference the data cannot carry is visible as overlapping intervals.
type Measure struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Unit  Unit   `json:"unit"`
	Cell
	ByMonth   []PeriodCell `json:"by_month,omitempty"`   // every month of the range, oldest first, when Params.Quarterly is false
	ByQuarter []PeriodCell `json:"by_quarter,omitempty"` // every quarter of the range, when Params.Quarterly is true
	CIT       *Cell        `json:"cit,omitempty"`        // responding officer CIT certified; nil for cit_officer, which is the split
	NonCIT    *Cell        `json:"non_cit,omitempty"`    // responding officer not CIT certified
	// SplitMeaningful says whether the CIT split says anything about how
	// CIT officers do (SplitMeaningful the function, which decides it
	// once): pages show the split only when it does.
	SplitMeaningful bool   `json:"split_meaningful"`
	Sentence        string `json:"sentence"` // the figure in words, for the page and screen readers
}

// DurationStats is the median and 90th percentile of a set of durations,
// in seconds, NaN (null) when Count is 0. Percentiles interpolate linearly
// between the two nearest ranks (R's type 7, numpy's default), so the
// median of an even count is the mean of the middle two.
type DurationStats struct {
	Count         int   `json:"count"`
	MedianSeconds Float `json:"median_seconds"`
	P90Seconds    Float `json:"p90_seconds"`
}

// DurationPeriod is a DurationStats for one month or quarter.
type DurationPeriod struct {
	Period  string `json:"period"`
	Partial bool   `json:"partial,omitempty"` // as PeriodCell's
	DurationStats
}

// Durations is a time measure (response times, hand-over): how long, not
// how often.
type Durations struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	DurationStats
	Invalid   int              `json:"invalid"` // pairs of times in the wrong order, left out
	ByMonth   []DurationPeriod `json:"by_month,omitempty"`
	ByQuarter []DurationPeriod `json:"by_quarter,omitempty"`
	CIT       *DurationStats   `json:"cit,omitempty"`
	NonCIT    *DurationStats   `json:"non_cit,omitempty"`
	Sentence  string           `json:"sentence"`
}

// MeanStats is the mean of Count scores, NaN (null) when Count is 0.
type MeanStats struct {
	Count int   `json:"count"`
	Mean  Float `json:"mean"`
}

// Mean is a survey question's mean score (1–5) and number of answers.
type Mean struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	MeanStats
	CIT      *MeanStats `json:"cit,omitempty"`
	NonCIT   *MeanStats `json:"non_cit,omitempty"`
	Sentence string     `json:"sentence"`
}

// ReasonCount is how many CIT-requested calls got no CIT officer for one
// recorded reason.
type ReasonCount struct {
	Reason string `json:"reason"` // as recorded, trimmed; "not recorded" when blank
	Count  int    `json:"count"`
}

// Report is every measure over one range, as GET /api/v1/outcomes returns it.
type Report struct {
	From      citdesk.Date         `json:"from"` // null when open
	To        citdesk.Date         `json:"to"`
	TimeZone  string               `json:"time_zone"`
	Measures  map[string]Measure   `json:"measures"`
	Durations map[string]Durations `json:"durations"`
	Means     map[string]Mean      `json:"means"`
	// NoCITReasons are the reasons recorded on CIT-requested calls where no
	// CIT officer was dispatched, most frequent first; their counts add up
	// to the count of not dispatched in cit_dispatched.
	NoCITReasons []ReasonCount `json:"no_cit_reasons"`
	// DataFirst and DataLast are the first and last months (or quarters)
	// of the range that hold any record, "" when none does: a chart spans
	// these, not a range that is mostly empty.
	DataFirst string `json:"data_first"`
	DataLast  string `json:"data_last"`
}

// Params are the inputs of Compute besides the records.
type Params struct {
	// From and To bound the range by calendar date in Location, both
	// inclusive; a zero date leaves that end open. With both zero the range
	// is all time and records of unknown date are counted in the totals
	// (never in a month); with either set they are left out, as they cannot
	// be placed in the range.
	From, To citdesk.Date
	// Location is the agency's time zone, for dates and months. nil is UTC.
	Location *time.Location
	// Now is the moment of the report, for deadlines: a report or referral
	// whose deadline is still ahead is neither on time nor late yet. The
	// zero time puts every deadline in the past.
	Now time.Time
	// Quarterly gives ByQuarter (for the public page) instead of ByMonth.
	Quarterly bool
}
