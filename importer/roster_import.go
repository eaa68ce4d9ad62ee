package importer

import (
	"context"
	"fmt"
	"io"
	"slices"

	"citdesk"
)

// RosterResult is what ImportRoster did with a roster file.
type RosterResult struct {
	Created       int        // officers added to the roster
	Updated       int        // officers already on it (same badge) whose fields were saved again
	TrainingAdded int        // training records added; ones already on record are not counted
	Rejected      []RowError // rows, or parts of rows, that were not saved, by line
}

// ImportRoster reads a roster CSV with ParseRoster and saves it through
// officers, acting as the actor in ctx (a coordinator or admin): each good
// row creates the officer or, keyed on badge number, updates the one
// already there, and adds the row's training unless the same training is
// on record, so importing a file twice changes nothing the second time.
// The command line and the roster upload page both import through here.
//
// A row is saved whole or not at all: the officer and its training go to
// the store in one transaction, so a row the store refuses (a future
// completion date, say) leaves no officer and no training behind. It is
// reported in Rejected with its line, like a row ParseRoster refuses, and
// the other rows are still saved. err is non-nil when the file as a whole cannot be used
// (see ParseRoster) or the store fails in a way no row can explain, such as
// the actor not being allowed to change the roster; rows before that one
// stay saved, and saving them again is harmless.
func ImportRoster(ctx context.Context, officers citdesk.OfficerService, r io.Reader) (RosterResult, error) {
	var res RosterResult
	rows, rowErrs, err := ParseRoster(r)
	if err != nil {
		return res, err
	}
	res.Rejected = rowErrs
	reject := func(line int, err error) error {
		switch citdesk.ErrorCode(err) {
		case citdesk.EINVALID, citdesk.ECONFLICT, citdesk.ENOTFOUND, citdesk.EPRECONDITION:
			res.Rejected = append(res.Rejected, RowError{Line: line, Column: citdesk.ErrorField(err), Reason: citdesk.ErrorMessage(err)})
			return nil
		}
		return fmt.Errorf("roster line %d: %w", line, err)
	}
	for _, row := range rows {
		o := row.Officer
		created, added, err := officers.UpsertOfficerByBadge(ctx, &o, row.Training)
		if err != nil {
			if err := reject(row.Line, err); err != nil {
				return res, err
			}
			continue
		}
		if created {
			res.Created++
		} else {
			res.Updated++
		}
		res.TrainingAdded += added
	}
	slices.SortStableFunc(res.Rejected, func(a, b RowError) int { return a.Line - b.Line })
	return res, nil
}
