package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"citdesk/demo"
)

// runDemo is "citdesk demo --agency SLUG --encounters N": it writes N
// invented encounters (with their calls, persons and referrals) to an
// existing agency through the store's bulk path, for load tests and
// screenshots. The same --seed and N give the same records, so running it
// twice adds nothing.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var slug string
	var n int
	var seed uint64
	db, fs, err := openData(ctx, "demo", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "agency", demo.Slug, "agency slug (it must exist: citdesk serve --demo, or citdesk agency add)")
		fs.IntVar(&n, "encounters", 10000, "number of encounters to invent")
		fs.Uint64Var(&seed, "seed", 1, "random seed; the same seed and number give the same encounters")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() != 0 || n <= 0 || n > 5_000_000 {
		return errors.New("usage: citdesk demo --agency SLUG --encounters N (1 to 5,000,000) [--seed S]")
	}
	op, agency, err := operator(ctx, db, slug)
	if err != nil {
		return err
	}
	bar := newProgress(stderr)
	start := time.Now()
	res, err := demo.History(op, db.HistoryService(), db.OfficerService(), agency.Location(), n, seed, db.Clock.Now(),
		func(done int) { bar.update(done, n) })
	bar.done()
	if err != nil {
		return userError(err)
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "Demo history for %s: %d encounters new, %d already there, %d persons added, in %s (%.0f encounters a second).\n",
		agency.Slug, res.Created, res.Unchanged+res.Updated, res.Persons, took.Round(time.Millisecond), float64(n)/took.Seconds())
	for _, r := range res.Rejected {
		fmt.Fprintf(stdout, "rejected: %s: %s\n", r.ExternalID, r.Reason)
	}
	return nil
}
