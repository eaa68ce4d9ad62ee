package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"citdesk"
	"citdesk/importer"
	"citdesk/store"
)

func openData(ctx context.Context, name string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet)) (*store.DB, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d dataFlags
	d.register(fs)
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, err
	}
	db, err := d.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	return db, fs, nil
}

// runMigrate is "citdesk migrate [--dry-run]": it applies the pending
// migrations, or with --dry-run lists them and changes nothing.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var dry bool
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var d dataFlags
	d.register(fs)
	fs.BoolVar(&dry, "dry-run", false, "list the migrations that would run, and change nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New("usage: citdesk migrate [--dry-run]")
	}
	if dry {
		pending, err := store.PendingMigrations(ctx, d.dsn())
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			fmt.Fprintln(stdout, "Database is up to date: no migration would run.")
			return nil
		}
		fmt.Fprintf(stdout, "%d migrations would run, in this order:\n", len(pending))
		for _, n := range pending {
			fmt.Fprintln(stdout, "  "+strings.TrimPrefix(n, "migrations/"))
		}
		return nil
	}
	before, err := store.PendingMigrations(ctx, d.dsn())
	if err != nil {
		return err
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "Database is up to date (%s); %d migrations applied now.\n", db.Engine(), len(before))
	return nil
}

// operator returns a context acting as an operator of the agency with slug.
func operator(ctx context.Context, db *store.DB, slug string) (context.Context, *citdesk.Agency, error) {
	if slug == "" {
		return nil, nil, errors.New("--agency SLUG is required")
	}
	a, err := db.AgencyService().FindAgencyBySlug(ctx, slug)
	if err != nil {
		return nil, nil, fmt.Errorf("agency %q: %s", slug, citdesk.ErrorMessage(err))
	}
	return citdesk.NewContextWithActor(ctx, citdesk.OperatorActor(a.ID)), a, nil
}

// reorder moves positional arguments after the flags, so
// "agency add desoto --name …" parses like "agency add --name … desoto".
func reorder(args []string, boolFlags ...string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			isBool := false
			for _, b := range boolFlags {
				isBool = isBool || name == b
			}
			if !strings.Contains(a, "=") && !isBool && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

// runAgencyPolicy is "citdesk agency policy SLUG [SETTING=VALUE …]": with
// no settings it lists the agency's policy, each setting with its value and
// allowed range; with some it changes them, checked by the same rules as
// the admin's policy page (citdesk.PolicySettings), and audited.
func runAgencyPolicy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	db, fs, err := openData(ctx, "agency policy", reorder(args), stderr, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() < 1 {
		return errors.New("usage: citdesk agency policy SLUG [SETTING=VALUE …] (durations in the unit the list shows; a word list's words separated by commas)")
	}
	op, a, err := operator(ctx, db, fs.Arg(0))
	if err != nil {
		return err
	}
	p := a.Policy.Normalized()
	if fs.NArg() > 1 {
		var problems []string
		for _, arg := range fs.Args()[1:] {
			name, value, ok := strings.Cut(arg, "=")
			set, known := citdesk.PolicySettingNamed(name)
			if !ok || !known {
				return fmt.Errorf("%q: give SETTING=VALUE, where SETTING is one of those `citdesk agency policy %s` lists", arg, a.Slug)
			}
			if err := set.Set(&p, value); err != nil {
				problems = append(problems, name+": "+citdesk.ErrorMessage(err))
			}
		}
		// Every setting is checked, those that parsed too, before the
		// store's normalizing reads a 0 as "the default".
		for _, fp := range citdesk.FieldErrors(p.Validate()) {
			if !slices.ContainsFunc(problems, func(s string) bool { return strings.HasPrefix(s, fp.Field+": ") }) {
				problems = append(problems, fp.Field+": "+fp.Message)
			}
		}
		if len(problems) == 0 {
			err := db.AgencyService().UpdatePolicy(op, a.ID, p)
			for _, fp := range citdesk.FieldErrors(err) {
				problems = append(problems, fp.Field+": "+fp.Message)
			}
			if err != nil && len(problems) == 0 {
				return errors.New(citdesk.ErrorMessage(err))
			}
		}
		if len(problems) > 0 {
			return errors.New("the policy was not changed:\n  " + strings.Join(problems, "\n  "))
		}
		fmt.Fprintf(stdout, "Policy of %s saved.\n", a.Slug)
	}
	for _, set := range citdesk.PolicySettings {
		value := set.Value(p)
		if set.Kind() == "words" {
			value = strings.ReplaceAll(value, "\n", ", ")
		}
		if set.UnitName != "" {
			value += " " + set.UnitName
		}
		fmt.Fprintf(stdout, "%-26s %-24s (%s)\n", set.Name, value, set.Range())
	}
	return nil
}

func runAgency(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "usage: citdesk agency add SLUG --name NAME --timezone TZ [--city CITY] [--lat N --lon N] [--mfa required|optional] [--non-emergency-phone PHONE] [--address ADDRESS] | citdesk agency set SLUG [--name NAME] [--non-emergency-phone PHONE] [--address ADDRESS] [--timezone TZ] [--units imperial|metric] | citdesk agency policy SLUG [SETTING=VALUE …]"
	if len(args) > 0 && args[0] == "policy" {
		return runAgencyPolicy(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || (args[0] != "add" && args[0] != "set") {
		return errors.New(usage)
	}
	var name, tz, city, mfa, phone, address, units string
	var lat, lon float64
	db, fs, err := openData(ctx, "agency "+args[0], reorder(args[1:]), stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "the agency's name")
		fs.StringVar(&phone, "non-emergency-phone", "", "the non-emergency number the public page gives")
		fs.StringVar(&address, "address", "", "the department's address, shown on the public page")
		fs.StringVar(&tz, "timezone", "", "IANA time zone, e.g. America/Chicago")
		if args[0] == "set" {
			fs.StringVar(&units, "units", "", "distances on the board: imperial (miles and feet) or metric")
		}
		if args[0] == "add" {
			fs.StringVar(&mfa, "mfa", citdesk.MFARequired, "second factor policy: required (every user enrolls TOTP or a passkey) or optional")
			fs.StringVar(&city, "city", "", "the jurisdiction's city (passwords may not be it)")
			fs.Float64Var(&lat, "lat", 0, "latitude of the jurisdiction's center")
			fs.Float64Var(&lon, "lon", 0, "longitude of the jurisdiction's center")
		}
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() != 1 {
		return errors.New(usage)
	}
	if args[0] == "set" {
		// Unset flags keep what is stored.
		op, a, err := operator(ctx, db, fs.Arg(0))
		if err != nil {
			return err
		}
		set := citdesk.AgencySettings{Name: name, NonEmergencyPhone: a.NonEmergencyPhone, Address: a.Address, TimeZone: tz, Units: units}
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "non-emergency-phone":
				set.NonEmergencyPhone = phone
			case "address":
				set.Address = address
			}
		})
		if a, err = db.AgencyService().UpdateSettings(op, a.ID, set); err != nil {
			return errors.New(citdesk.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "Agency %s: %s · non-emergency %q · address %q · %s · %s units.\n", a.Slug, a.Name, a.NonEmergencyPhone, a.Address, a.TimeZone, a.Policy.Units)
		return nil
	}
	if mfa != citdesk.MFARequired && mfa != citdesk.MFAOptional {
		return errors.New("--mfa must be required or optional")
	}
	a := &citdesk.Agency{Slug: fs.Arg(0), Name: name, City: city, TimeZone: tz, Lat: lat, Lon: lon, NonEmergencyPhone: phone, Address: address, Policy: citdesk.DefaultPolicy()}
	a.Policy.MFA = mfa
	if err := db.AgencyService().CreateAgency(ctx, a); err != nil {
		return errors.New(citdesk.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "Agency %s (%s) created with id %d.\n", a.Slug, a.Name, a.ID)
	return nil
}

func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "unlock" && args[0] != "password") {
		return errors.New("usage: citdesk user add --agency SLUG --username NAME --role ROLE[,ROLE] (password on stdin) | citdesk user unlock --agency SLUG --username NAME | citdesk user password --agency SLUG --username NAME (new password on stdin)")
	}
	var slug, username, roleList, badge, display string
	db, _, err := openData(ctx, "user "+args[0], args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "agency", "", "agency slug")
		fs.StringVar(&username, "username", "", "username (unique across this citdesk)")
		fs.StringVar(&roleList, "role", "", "roles, comma-separated: admin, dispatcher, officer, coordinator, liaison, analyst")
		fs.StringVar(&badge, "officer-badge", "", "badge number of the officer record an officer user is linked to")
		fs.StringVar(&display, "display-name", "", "name shown in the application")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	op, _, err := operator(ctx, db, slug)
	if err != nil {
		return err
	}
	switch args[0] {
	case "unlock":
		u, err := userNamed(op, db, slug, username)
		if err != nil {
			return err
		}
		if err := db.UserService().UnlockUser(op, u.ID); err != nil {
			return errors.New(citdesk.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "User %s unlocked.\n", u.Username)
		return nil
	case "password":
		// A lost password, the demo's included: the same rules as every
		// password, audited as user.password by the operator, and every
		// session and token of the user ends.
		u, err := userNamed(op, db, slug, username)
		if err != nil {
			return err
		}
		password, err := readPassword(stdin)
		if err != nil {
			return err
		}
		if err := db.UserService().SetPassword(op, u.ID, password); err != nil {
			return errors.New(citdesk.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "Password of %s changed; their sessions and tokens have ended.\n", u.Username)
		return nil
	}
	roles, err := citdesk.ParseRoles(roleList)
	if err != nil {
		return errors.New(citdesk.ErrorMessage(err))
	}
	u := &citdesk.User{Username: username, DisplayName: display, Roles: roles}
	if badge != "" {
		o, err := db.OfficerService().FindOfficerByBadge(op, badge)
		if err != nil {
			return fmt.Errorf("officer badge %s: %s", badge, citdesk.ErrorMessage(err))
		}
		u.OfficerID = &o.ID
	}
	password, err := readPassword(stdin)
	if err != nil {
		return err
	}
	if err := db.UserService().CreateUser(op, u, password); err != nil {
		return errors.New(citdesk.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "User %s created with roles %s.\n", u.Username, roleList)
	return nil
}

// userNamed returns the user of the operator's agency called username.
func userNamed(op context.Context, db *store.DB, slug, username string) (*citdesk.User, error) {
	users, err := db.UserService().ListUsers(op)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.Username == strings.ToLower(strings.TrimSpace(username)) {
			return u, nil
		}
	}
	return nil, fmt.Errorf("no user %q in agency %s", username, slug)
}

// runToken issues one bearer token for a user, for an operator on the
// server to hand to a system without its password. The token is printed
// once, alone on stdout, so it can be piped; the audit trail records the
// issue (never the token).
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "usage: citdesk token issue --agency SLUG --username NAME [--ttl 1h]"
	if len(args) == 0 || args[0] != "issue" {
		return errors.New(usage)
	}
	var slug, username string
	var ttl time.Duration
	db, fs, err := openData(ctx, "token issue", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "agency", "", "agency slug")
		fs.StringVar(&username, "username", "", "the user the token signs in as")
		fs.DurationVar(&ttl, "ttl", time.Hour, "how long the token lasts (at most the agency's token_lifetime)")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() != 0 || username == "" {
		return errors.New(usage)
	}
	op, _, err := operator(ctx, db, slug)
	if err != nil {
		return err
	}
	sess, secret, err := db.SessionService().IssueToken(op, username, ttl)
	if err != nil {
		return errors.New(citdesk.ErrorMessage(err))
	}
	fmt.Fprintln(stdout, secret)
	fmt.Fprintf(stderr, "Token for %s expires %s.\n", strings.ToLower(username), sess.ExpiresAt.UTC().Format(time.RFC3339))
	return nil
}

// readPassword reads one line from stdin, so passwords never appear in the
// process list or shell history.
func readPassword(stdin io.Reader) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(os.Stderr, "Password: ")
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("give the password on standard input, e.g. `printf '%s\\n' \"$PASSWORD\" | citdesk user add …`")
	}
	return line, nil
}

const auditUsage = "usage: citdesk audit verify [--checkpoint FILE] | citdesk audit checkpoint [--agency SLUG] | citdesk audit export --format jsonl [--since SEQ]"

func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(auditUsage)
	}
	switch args[0] {
	case "verify":
		return runAuditVerify(ctx, args[1:], stdout, stderr)
	case "checkpoint":
		return runAuditCheckpoint(ctx, args[1:], stdout, stderr)
	case "export":
		return runAuditExport(ctx, args[1:], stdout, stderr)
	}
	return errors.New(auditUsage)
}

// runAuditVerify is "citdesk audit verify [--checkpoint FILE]": it walks
// the chain with the audit key and, given a checkpoint made earlier by
// "audit checkpoint", fails unless the chain still extends it.
func runAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var checkpoint string
	db, fs, err := openData(ctx, "audit verify", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&checkpoint, "checkpoint", "", "a checkpoint file from `citdesk audit checkpoint`: fail unless the trail still extends it")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() != 0 {
		return errors.New(auditUsage)
	}
	var (
		br *citdesk.AuditBreak
		n  int64
	)
	if checkpoint != "" {
		c, err := readCheckpoint(checkpoint)
		if err != nil {
			return err
		}
		br, n, err = db.AuditService().VerifyAuditCheckpoint(ctx, c)
		if err != nil {
			return err
		}
	} else if br, n, err = db.AuditService().VerifyAudit(ctx); err != nil {
		return err
	}
	if br != nil {
		fmt.Fprintf(stdout, "BROKEN at event %d: %s (%d events before it verified).\n", br.Seq, br.Reason, n)
		return errors.New("audit trail verification failed")
	}
	if checkpoint != "" {
		fmt.Fprintf(stdout, "Audit trail intact: %d events verified; it extends the checkpoint.\n", n)
		return nil
	}
	fmt.Fprintf(stdout, "Audit trail intact: %d events verified.\n", n)
	return nil
}

// readCheckpoint reads a checkpoint file, refusing unknown fields so a
// mistyped file is not taken for an empty checkpoint.
func readCheckpoint(path string) (*citdesk.AuditCheckpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var c citdesk.AuditCheckpoint
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if c.Sig == "" || c.Seq < 0 {
		return nil, fmt.Errorf("checkpoint %s: not a signed checkpoint", path)
	}
	return &c, nil
}

// runAuditCheckpoint is "citdesk audit checkpoint [--agency SLUG]": it
// prints the chain's head as signed JSON, to be kept where the database's
// writers cannot change it (another machine, a ticket, an email).
func runAuditCheckpoint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var slug string
	db, fs, err := openData(ctx, "audit checkpoint", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "agency", "", "label the checkpoint with this agency (it must exist); the chain is the whole citdesk's")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() != 0 {
		return errors.New(auditUsage)
	}
	if slug != "" {
		if _, _, err := operator(ctx, db, slug); err != nil {
			return err
		}
	}
	c, err := db.AuditService().CheckpointAudit(ctx, slug)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(c)
}

// runAuditExport is "citdesk audit export --format jsonl [--since SEQ]":
// every event after SEQ, one JSON object a line, for a SIEM.
func runAuditExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var format string
	var since int64
	db, fs, err := openData(ctx, "audit export", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "jsonl", "output format: jsonl (one JSON event a line)")
		fs.Int64Var(&since, "since", 0, "export the events after this seq (the last seq a previous export gave)")
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if fs.NArg() != 0 || format != "jsonl" || since < 0 {
		return errors.New(auditUsage)
	}
	w := bufio.NewWriter(stdout)
	enc := json.NewEncoder(w)
	if _, err := db.AuditService().ExportAudit(ctx, since, func(e *citdesk.AuditEvent) error { return enc.Encode(e) }); err != nil {
		return err
	}
	return w.Flush()
}

func importRoster(ctx context.Context, db *store.DB, agency *citdesk.Agency, r io.Reader, stdout io.Writer) error {
	res, err := importer.ImportRoster(ctx, db.OfficerService(), r)
	if err != nil {
		return userError(err)
	}
	for _, e := range res.Rejected {
		fmt.Fprintln(stdout, "rejected:", e.Error())
	}
	fmt.Fprintf(stdout, "Roster import for %s: %d officers created, %d updated, %d training records added, %d rows rejected.\n",
		agency.Slug, res.Created, res.Updated, res.TrainingAdded, len(res.Rejected))
	return nil
}
