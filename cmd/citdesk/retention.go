package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"citdesk"
	"citdesk/store"
)

const retentionUsage = "usage: citdesk retention show --agency SLUG | citdesk retention set --agency SLUG --kind KIND --keep PERIOD (7y, 90d, 1y30d, or forever)"

// runRetention is "citdesk retention show|set": an agency's retention
// schedules.
func runRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "show" && args[0] != "set") {
		return errors.New(retentionUsage)
	}
	var slug, kind, keep string
	db, fs, err := openData(ctx, "retention "+args[0], args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "agency", "", "agency slug")
		if args[0] == "set" {
			fs.StringVar(&kind, "kind", "", "calls, reports, persons, crisis_plans, complaints, sessions or audit")
			fs.StringVar(&keep, "keep", "", "how long to keep them: 7y, 90d, 1y30d, or forever (no purge)")
		}
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() != 0 {
		return errors.New(retentionUsage)
	}
	op, a, err := operator(ctx, db, slug)
	if err != nil {
		return err
	}
	ret := db.Retention()
	if args[0] == "set" {
		if strings.EqualFold(strings.TrimSpace(keep), "forever") {
			if err := ret.RemoveSchedule(op, a.ID, citdesk.RecordKind(kind)); err != nil {
				return errors.New(citdesk.ErrorMessage(err))
			}
		} else {
			rule, err := citdesk.ParseRetentionRule(kind, keep)
			if err != nil {
				return fmt.Errorf("--%s: %s", citdesk.ErrorField(err), citdesk.ErrorMessage(err))
			}
			if err := ret.SetSchedule(op, a.ID, rule); err != nil {
				return errors.New(citdesk.ErrorMessage(err))
			}
		}
	}
	rules, err := ret.Schedules(ctx, a.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Retention for %s:\n", a.Slug)
	for _, k := range citdesk.RecordKinds {
		period := "for ever"
		for _, r := range rules {
			if r.Kind == k {
				period = r.Period()
			}
		}
		fmt.Fprintf(stdout, "  %-13s %s\n", k, period)
	}
	return nil
}

// runPurge is "citdesk purge [--dry-run]": what serve does each night.
func runPurge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var dry bool
	db, fs, err := openData(ctx, "purge", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&dry, "dry-run", false, "count what is due and change nothing")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() != 0 {
		return errors.New("usage: citdesk purge [--dry-run]")
	}
	results, err := db.Retention().Purge(ctx, dry)
	printPurge(stdout, results, dry)
	return err
}

func printPurge(w io.Writer, results []*citdesk.PurgeResult, dry bool) {
	verb := "deleted"
	if dry {
		verb = "would delete"
	}
	if len(results) == 0 {
		fmt.Fprintln(w, "No retention schedule is set: nothing is purged.")
	}
	for _, r := range results {
		who := r.Agency
		if who == "" {
			who = "(all agencies)"
		}
		var parts []string
		for table, n := range r.Deleted {
			parts = append(parts, fmt.Sprintf("%d %s", n, table))
		}
		if r.Detached > 0 {
			parts = append(parts, fmt.Sprintf("%d reports kept without their person", r.Detached))
		}
		if len(parts) == 0 {
			parts = []string{"nothing due"}
		}
		fmt.Fprintf(w, "%s %s before %s: %s %s\n", who, r.Kind, r.Cutoff.Format("2006-01-02"), verb, strings.Join(parts, ", "))
	}
}

// purgeNightly runs the purge every day at hhmm (UTC) until ctx ends.
func purgeNightly(ctx context.Context, db *store.DB, hhmm string, log *slog.Logger) {
	for {
		next := nextPurge(time.Now(), hhmm)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(next)):
		}
		results, err := db.Retention().Purge(ctx, false)
		if err != nil && ctx.Err() == nil {
			log.Error("retention purge failed", "err", err)
		}
		var n int64
		for _, r := range results {
			n += r.Total()
		}
		log.Info("retention purge", "kinds", len(results), "rows_deleted", n)
	}
}

// nextPurge is the first hhmm (UTC) after now.
func nextPurge(now time.Time, hhmm string) time.Time {
	at, _ := time.Parse("15:04", hhmm)
	now = now.UTC()
	next := time.Date(now.Year(), now.Month(), now.Day(), at.Hour(), at.Minute(), 0, 0, time.UTC)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// personUsage lists the person sub-commands: a records request (export,
// erase) and legal holds.
const personUsage = `usage: citdesk person export --agency SLUG --person N
       citdesk person erase --agency SLUG --person N
       citdesk person hold --agency SLUG --person N --reason TEXT
       citdesk person release --agency SLUG --person N`

// runPerson is "citdesk person export|erase|hold|release": everything
// held about one person as JSON for a records request, erasing it where
// policy allows, and legal holds that keep it whatever the schedules say.
func runPerson(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || !slices.Contains([]string{"export", "erase", "hold", "release"}, args[0]) {
		return errors.New(personUsage)
	}
	verb := args[0]
	var slug, reason string
	var id int64
	db, fs, err := openData(ctx, "person "+verb, args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "agency", "", "agency slug")
		fs.Int64Var(&id, "person", 0, "the person's id")
		fs.Int64Var(&id, "id", 0, "the person's id (the same as --person)")
		if verb == "hold" {
			fs.StringVar(&reason, "reason", "", "why the record is held (a case or request number)")
		}
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() != 0 || id <= 0 {
		return errors.New(personUsage)
	}
	op, a, err := operator(ctx, db, slug)
	if err != nil {
		return err
	}
	ret := db.Retention()
	switch verb {
	case "erase":
		res, err := ret.ErasePerson(op, a.ID, id)
		if err != nil {
			return errors.New(citdesk.ErrorMessage(err))
		}
		var parts []string
		for _, t := range []string{"persons", "crisis_plans", "crisis_plan_photos", "referrals", "referral_notes", "encounter_versions", "complaints_redacted"} {
			if n := res.Deleted[t]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, t))
			}
		}
		fmt.Fprintf(stdout, "Erased person %d of %s: deleted %s; %d reports kept de-identified (no person, narrative or place).\n", id, a.Slug, strings.Join(parts, ", "), res.Detached)
		return nil
	case "hold":
		if err := ret.SetLegalHold(op, a.ID, id, reason); err != nil {
			if f := citdesk.ErrorField(err); f != "" {
				return fmt.Errorf("--%s: %s", f, citdesk.ErrorMessage(err))
			}
			return errors.New(citdesk.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "Person %d of %s is under a legal hold: neither the purge nor an erasure touches their record until it is released.\n", id, a.Slug)
		return nil
	case "release":
		if err := ret.ReleaseLegalHold(op, a.ID, id); err != nil {
			return errors.New(citdesk.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "Legal hold on person %d of %s released.\n", id, a.Slug)
		return nil
	}
	rec, err := ret.ExportPerson(op, a.ID, id)
	if err != nil {
		return errors.New(citdesk.ErrorMessage(err))
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rec)
}
