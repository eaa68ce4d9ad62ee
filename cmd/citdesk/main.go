// Command citdesk runs the Crisis Intervention Team desk: the web
// application and API (serve), and the operator's commands (migrate,
// agency, user, token, import, demo, audit, backup, restore, retention,
// purge, person, bench, version). Flags may also be given as
// CITDESK_* environment variables (--db as CITDESK_DB, and so on).
package main

import (
	"context"
	"crypto/fips140"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"citdesk/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "citdesk:", err)
		}
		os.Exit(1)
	}
}

const usage = `citdesk — the Crisis Intervention Team desk

Usage:
  citdesk serve [--addr :8080] [--metrics-addr 127.0.0.1:9090] [--data ./citdesk-data | --db postgres://…] [--demo]
        [--backup-every 24h --backup-keep 30 --backup-dir DIR] [--purge-at 03:00|off] [--eido-warm] [--pprof]
  citdesk migrate [--dry-run]
  citdesk agency add SLUG --name NAME --timezone TZ [--city CITY] [--lat N --lon N]
  citdesk agency set SLUG [--name NAME] [--non-emergency-phone P] [--address A] [--timezone TZ] [--units imperial|metric]
  citdesk agency policy SLUG [SETTING=VALUE …]   (lists the policy with each range; changes settings)
  citdesk user add --agency SLUG --username NAME --role ROLE[,ROLE] [--officer-badge B]   (password on stdin)
  citdesk user unlock --agency SLUG --username NAME
  citdesk user password --agency SLUG --username NAME   (new password on stdin; ends their sessions)
  citdesk token issue --agency SLUG --username NAME [--ttl 1h]   (prints one bearer token)
  citdesk service-account add --agency SLUG --name NAME --scopes a,b   (prints its token once)
  citdesk service-account list|rotate|revoke --agency SLUG [--name NAME]
  citdesk import --agency SLUG --format roster FILE
  citdesk import --agency SLUG --format seattle-crisis [--dispositions MAP.csv] FILE
  citdesk import --agency SLUG --format csv --mapping MAP.json [--dry-run] FILE
  citdesk import addresses --agency SLUG FILE.csv   (the address list the board's lookup searches)
  citdesk map import --agency SLUG FILE.osm.pbf|.osm|.osm.bz2   (roads for travel times, addresses for lookup)
  citdesk export --format eido --agency SLUG --from YYYY-MM-DD --to YYYY-MM-DD [--out FILE]   (one EIDO per line)
  citdesk export --format seattle-crisis --agency SLUG --from YYYY-MM-DD --to YYYY-MM-DD [--out FILE]   (de-identified open data)
  citdesk demo [--agency desoto] --encounters N [--seed S]
  citdesk audit verify [--checkpoint FILE]
  citdesk audit checkpoint [--agency SLUG]
  citdesk audit export --format jsonl [--since SEQ]
  citdesk backup --to FILE [--backup-key-file FILE]   (SQLite; key also as $CITDESK_BACKUP_KEY)
  citdesk backup keygen --out FILE
  citdesk restore --from FILE --data DIR [--backup-key-file FILE]
  citdesk retention show --agency SLUG
  citdesk retention set --agency SLUG --kind calls|reports|persons|crisis_plans|complaints|sessions|audit --keep 7y|90d|forever
  citdesk purge [--dry-run]
  citdesk person export --agency SLUG --person N   (JSON, for a records request)
  citdesk person erase --agency SLUG --person N    (where policy allows: no legal hold, no report inside its retention)
  citdesk person hold --agency SLUG --person N --reason TEXT | citdesk person release --agency SLUG --person N
  citdesk keys status
  citdesk keys rotate --new-key-file FILE [--no-reencrypt] | citdesk keys rotate --finish
  citdesk keys reencrypt   (what is still sealed with an older data key, to the current one)
  citdesk bench [--url http://127.0.0.1:8080] [--duration 10s] [--concurrency 8] [--writers 4] [--bare-dir DIR]
        [--sse-clients 5000] [--sse-changes 20]
  citdesk version

Every command that touches data takes --data DIR (SQLite, the default) or
--db postgres://…, --audit-key-file PATH (default: audit.key in --data) and
--field-key-file PATH (default: field.key in --data; or the key in $CITDESK_FIELD_KEY);
flags may also be set as CITDESK_<FLAG> environment
variables (CITDESK_DB, CITDESK_ADDR, CITDESK_DEMO_PASSWORD, …).
`

// commands are the commands by name, but for "user", which reads stdin,
// and "version" and "help".
var commands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"serve":   runServe,
	"migrate": runMigrate,
	"agency":  runAgency,
	"token":   runToken,
	// Service accounts for the CAD and AVL feed (issue 11).
	"service-account": runServiceAccount,
	"export":          runExport,        // EIDO (export.go)
	"import":          runImportCommand, // roster, seattle-crisis, csv (import_history.go)
	"demo":            runDemo,
	"audit":           runAudit,
	"bench":           runBench,
	"backup":          runBackup,
	"restore":         runRestore,
	"retention":       runRetention,
	"purge":           runPurge,
	"person":          runPerson,
	"keys":            runKeys, // field encryption keys (keys.go)
	"map":             runMap,  // OpenStreetMap import (map.go)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	if c, ok := commands[cmd]; ok {
		return c(ctx, rest, stdout, stderr)
	}
	switch cmd {
	case "user":
		return runUser(ctx, rest, stdin, stdout, stderr) // the password comes on stdin
	case "version", "--version", "-v":
		if fips140.Enabled() {
			// Built with GOFIPS140 (or run with GODEBUG=fips140=on).
			fmt.Fprintln(stdout, "citdesk", version, "(FIPS 140-3 mode, Go Cryptographic Module "+fips140.Version()+")")
			return nil
		}
		fmt.Fprintln(stdout, "citdesk", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// dataFlags are the flags every data command shares.
type dataFlags struct {
	data     string
	db       string
	auditKey string
	fieldKey string
}

func (d *dataFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.data, "data", "./citdesk-data", "directory for the embedded SQLite database")
	fs.StringVar(&d.db, "db", "", "PostgreSQL URL (postgres://…); overrides --data")
	fs.StringVar(&d.auditKey, "audit-key-file", "", "file holding the key the audit trail is chained with, kept outside the database (default: audit.key in --data; made on first start, mode 0600)")
	fs.StringVar(&d.fieldKey, "field-key-file", "", "file holding the key that wraps the keys encrypting narratives, crisis plans and contact details, kept outside the database (default: field.key in --data; made on first start, mode 0600; or the key itself in $"+fieldKeyEnv+")")
}

// fieldKeyEnv holds the field key itself (base64), for deployments that
// pass secrets in the environment rather than as files. Never a flag: a
// flag's value is in the process list for every local user to read.
const fieldKeyEnv = "CITDESK_FIELD_KEY"

// loadFieldKey returns the field key: $CITDESK_FIELD_KEY when set (and no
// --field-key-file given), else the key file, made on first start.
func (d *dataFlags) loadFieldKey() (key *store.FieldKey, created string, err error) {
	if v, ok := os.LookupEnv(fieldKeyEnv); ok && d.fieldKey == "" {
		k, err := store.ParseFieldKey(v)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", fieldKeyEnv, err)
		}
		return k, "", nil
	}
	path := d.fieldKeyFile()
	k, made, err := store.LoadFieldKey(path)
	if made {
		created = path
	}
	return k, created, err
}

// fieldKeyFile returns the field key's path: the flag, or field.key in
// the data directory.
func (d *dataFlags) fieldKeyFile() string {
	if d.fieldKey != "" {
		return d.fieldKey
	}
	return filepath.Join(d.data, store.FieldKeyFile)
}

// auditKeyFile returns the audit key's path: the flag, or audit.key in
// the data directory (with PostgreSQL too, so the key never defaults to
// somewhere the database can reach).
func (d *dataFlags) auditKeyFile() string {
	if d.auditKey != "" {
		return d.auditKey
	}
	return filepath.Join(d.data, store.AuditKeyFile)
}

// open loads (or, on first start, makes) the audit key and the field key
// and opens the database with them. A key file made here is removed again
// when the database refuses it (written with another key).
func (d *dataFlags) open(ctx context.Context) (*store.DB, error) {
	path := d.auditKeyFile()
	key, created, err := store.LoadAuditKey(path)
	if err != nil {
		return nil, err
	}
	fkey, fcreated, err := d.loadFieldKey()
	if err == nil {
		var db *store.DB
		if db, err = store.Open(ctx, d.dsn(), store.WithKeys(key, fkey)); err == nil {
			db.OutcomeDir = d.outcomeDir()
			return db, nil
		}
	}
	if created {
		err = errors.Join(err, os.Remove(path))
	}
	if fcreated != "" {
		err = errors.Join(err, os.Remove(fcreated))
	}
	return nil, err
}

// outcomeDir is where the outcome snapshots are kept between runs (on
// either engine: they are a cache of this database, as the data
// directory's keys are its keys).
func (d *dataFlags) outcomeDir() string { return filepath.Join(d.data, "outcomes") }

// dsn returns the database to open: the PostgreSQL URL, or the SQLite file
// in the data directory.
func (d *dataFlags) dsn() string {
	if d.db != "" {
		return d.db
	}
	return filepath.Join(d.data, "citdesk.db")
}

// parseFlags parses args, then fills every flag not given on the command
// line from its CITDESK_* environment variable.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := "CITDESK_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: %w", env, e)
			}
		}
	})
	return err
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
