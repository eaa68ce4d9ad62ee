package outcomes

import (
	"context"

	"citdesk"
)

// Service gives an agency's outcome figures over the agency's encounters
// and referrals, imported history included. NewCachedService implements it
// over a store's Loader. It lives here rather than beside the other service
// interfaces in package citdesk because its values are this package's
// types.
type Service interface {
	// Report computes every measure for the actor's agency over the local
	// dates from to to, inclusive (a zero date leaves that end open; both
	// zero is all time, undated history included), by month and with the
	// CIT split. citdesk.OutcomeRoles only.
	Report(ctx context.Context, from, to citdesk.Date) (Report, error)
	// Dashboard is Report for the dashboard page: the same report, the
	// monthly CIT split of its encounter measures, and, for a closed range,
	// the report of the period of equal length just before it, all from
	// one snapshot of the records. citdesk.OutcomeRoles only.
	Dashboard(ctx context.Context, from, to citdesk.Date) (*Dashboard, error)
	// Behind lists the encounters behind one figure of Report (see the
	// function Behind): measure, group (GroupAll, GroupCIT, GroupNonCIT)
	// and month ("YYYY-MM" or ""). citdesk.OutcomeDrillRoles only.
	Behind(ctx context.Context, from, to citdesk.Date, measure, group, month string) ([]DrillRow, error)
	// Public returns the public dashboard of agency agencyID: every
	// measure by quarter over all time, suppressed (see ComputePublic).
	// It needs no sign-in and returns aggregates only, never a record.
	Public(ctx context.Context, agencyID int64) ([]PublicMeasure, error)
	// Places counts the actor's agency's crisis calls received over the
	// local dates from to to (as Report reads them) by grid cell of about
	// cellMeters (see CountPlaces). citdesk.OutcomeRoles only.
	Places(ctx context.Context, from, to citdesk.Date, cellMeters int) (Places, error)
	// PublicPlaces is the public map of agency agencyID: its crisis calls
	// over the public dashboard's range by PublicCellMeters cells, small
	// counts left off (see PublishPlaces). No sign-in; aggregates only.
	PublicPlaces(ctx context.Context, agencyID int64) (PublicPlaces, error)
}

// Dashboard is what the dashboard page shows for a range.
type Dashboard struct {
	Report Report
	// Split is each encounter measure by month for each side of the CIT
	// split (see SplitByMonth).
	Split map[string]Split
	// Previous is the report for PreviousFrom–PreviousTo, the days of equal
	// number just before the range; nil when the range is open at either end.
	Previous                 *Report
	PreviousFrom, PreviousTo citdesk.Date
}

// PreviousPeriod returns the period of equal length just before from–to
// (inclusive), or zero dates when either end is open.
func PreviousPeriod(from, to citdesk.Date) (citdesk.Date, citdesk.Date) {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return citdesk.Date{}, citdesk.Date{}
	}
	days := from.DaysUntil(to) + 1
	return from.AddDate(0, 0, -days), from.AddDate(0, 0, -1)
}
