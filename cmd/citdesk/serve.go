package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"citdesk"
	"citdesk/backup"
	"citdesk/demo"
	"citdesk/eido"
	"citdesk/store"
	"citdesk/web"
	"citdesk/web/server"
	"citdesk/webhook"
)

// Main is a running citdesk: the database, the event bus and the HTTP
// server, wired together.
type Main struct {
	DB     *store.DB
	Events *store.EventBus
	Server *server.Server
	HTTP   *http.Server
	Log    *slog.Logger
	ln     net.Listener
	// Metrics serves /metrics alone on --metrics-addr, when set.
	Metrics   *http.Server
	metricsLn net.Listener
	// Backups, when set, makes scheduled backups (--backup-every).
	Backups *backup.Schedule
}

type serveConfig struct {
	dataFlags
	addr, tiles, logLevel string
	metricsAddr           string
	publicAgency          string
	demo, trustProxy      bool
	pprof, eidoWarm       bool
	maxBody               int64
	tlsCert, tlsKey       string
	mfaKeyFile            string
	backupEvery           time.Duration
	backupKeep            int
	backupDir             string
	backupKeyFile         string
	purgeAt               string
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c serveConfig
	c.register(fs)
	fs.StringVar(&c.addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "127.0.0.1:9090", "address that serves /metrics without sign-in (keep it private; \"\" for none: the main address then serves /metrics only to a metrics-role bearer token)")
	fs.BoolVar(&c.pprof, "pprof", false, "also serve Go's profiles (/debug/pprof/) on --metrics-addr, to see what holds memory or time")
	fs.BoolVar(&c.eidoWarm, "eido-warm", false, "compile the NENA EIDO schema at start-up even with no CAD linked (it then holds about 30 MB from the start; with a service account that may write calls it is compiled at start-up anyway)")
	fs.BoolVar(&c.demo, "demo", false, "fill an empty database with the invented De Soto PD demo agency; its users' password is $CITDESK_DEMO_PASSWORD (default: generated and printed once)")
	fs.StringVar(&c.tiles, "tiles", "", "map tile URL template, e.g. https://tile.example.org/{z}/{x}/{y}.png (default: no tiles)")
	fs.BoolVar(&c.trustProxy, "trust-proxy", false, "trust X-Forwarded-For/-Proto from a load balancer")
	fs.Int64Var(&c.maxBody, "max-body", 1<<20, "largest request body in bytes")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "TLS certificate file (serve HTTPS directly)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "TLS key file")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.publicAgency, "public-agency", "", "slug of the agency the public pages (/cit) are for (default: the only agency)")
	fs.StringVar(&c.mfaKeyFile, "mfa-key-file", "", "file holding the key that encrypts TOTP secrets; made (0600) on first start (default: mfa.key in --data; every replica needs the same file)")
	fs.DurationVar(&c.backupEvery, "backup-every", 0, "make an encrypted backup this often, e.g. 24h (SQLite only; 0: never)")
	fs.IntVar(&c.backupKeep, "backup-keep", 30, "how many scheduled backups to keep (the newest)")
	fs.StringVar(&c.backupDir, "backup-dir", "", "where scheduled backups go (default: backups in --data; better another disk)")
	backupKeyFlag(fs, &c.backupKeyFile)
	fs.StringVar(&c.purgeAt, "purge-at", "03:00", "time of day (UTC, HH:MM) of the nightly retention purge (see citdesk retention); \"off\" for none")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !c.pprof {
		// Only --pprof serves the heap profile, so without it sampling
		// allocations for one is wasted: its table of call stacks alone
		// holds 1.4 MB once enough stacks are sampled.
		runtime.MemProfileRate = 0
	}
	log, logs := newBufferedLogger(stderr, c.logLevel)
	defer logs.Close()
	m, err := Open(ctx, c, log, stdout)
	if err != nil {
		return err
	}
	defer m.Close()
	return m.Run(ctx, c)
}

// Open opens the database, seeds the demo when asked, and builds the server.
func Open(ctx context.Context, c serveConfig, log *slog.Logger, stdout io.Writer) (*Main, error) {
	if c.backupEvery < 0 || (c.backupEvery > 0 && c.backupEvery < time.Second) {
		return nil, errors.New("--backup-every must be at least 1s (or 0 for no scheduled backups)")
	}
	if _, err := time.Parse("15:04", c.purgeAt); err != nil && c.purgeAt != "off" {
		return nil, fmt.Errorf("--purge-at %q: give a time of day as HH:MM (UTC), or off", c.purgeAt)
	}
	if c.backupKeep < 1 {
		return nil, errors.New("--backup-keep must be at least 1")
	}
	var backupKey *backup.Key
	if c.backupEvery > 0 {
		if store.IsPostgres(c.dsn()) {
			return nil, fmt.Errorf("--backup-every: %w", store.ErrBackupPostgres)
		}
		var err error
		if backupKey, err = loadBackupKey(c.backupKeyFile); err != nil {
			return nil, fmt.Errorf("--backup-every: %w", err)
		}
	}
	db, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	m := &Main{DB: db, Log: log}
	if db.Maps, err = loadMaps(ctx, db, c.data, log); err != nil {
		db.Close()
		return nil, err
	}
	if backupKey != nil {
		dir := cmp.Or(c.backupDir, filepath.Join(c.data, "backups"))
		m.Backups = &backup.Schedule{DB: db, Key: backupKey, Dir: dir, Every: c.backupEvery, Keep: c.backupKeep,
			Opts: backup.Options{Version: version, TempDir: c.data}, Log: log}
	}
	keyFile := c.mfaKeyFile
	if keyFile == "" {
		keyFile = filepath.Join(c.data, "mfa.key")
	}
	if db.FactorKey, err = loadOrCreateKey(keyFile); err != nil {
		db.Close()
		return nil, err
	}
	m.Events, err = store.NewEventBus(ctx, db, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	db.Events = m.Events
	if c.demo {
		// From the environment, never a flag: a flag's value is in the
		// process list for every local user to read.
		password := os.Getenv("CITDESK_DEMO_PASSWORD")
		seededAt := db.Clock.Now()
		res, err := demo.Seed(ctx, demo.Services{Agencies: db.AgencyService(), Users: db.UserService(), Officers: db.OfficerService(), Calls: db.CallService(),
			Encounters: db.EncounterService(), Persons: db.PersonService(), Plans: db.CrisisPlanService(), Referrals: db.ReferralService(),
			Addresses: db.AddressService(), Complaints: store.NewComplaintService(db), Liaisons: store.NewLiaisonService(db)}, password, db.Clock)
		if err != nil {
			m.Close()
			return nil, fmt.Errorf("demo: %w", err)
		}
		if res.Created {
			// A year of invented history, so outcomes, the monthly
			// report, the coverage map and the public page have
			// something to show at once (about two seconds on SQLite).
			start := time.Now()
			loc, err := time.LoadLocation(demo.TimeZone)
			if err != nil {
				m.Close()
				return nil, fmt.Errorf("demo: %w", err)
			}
			hist, shifts, err := demo.SeedHistory(ctx, db.HistoryService(), db.OfficerService(), res.AgencyID, loc, seededAt)
			if err != nil {
				m.Close()
				return nil, fmt.Errorf("demo: %w", err)
			}
			log.Info("demo history written", "encounters", hist.Created, "persons", hist.Persons, "status_changes", shifts, "took", time.Since(start).Round(time.Millisecond).String())
		}
		// The demo's cars report their positions every minute, as a real
		// location feed would, so recommendations keep working.
		go demo.RefreshPositions(ctx, db.OfficerService(), res.AgencyID, time.Minute)
		if res.Created {
			fmt.Fprintf(stdout, "Demo agency %q created with users %s.\n", res.AgencySlug, strings.Join(res.Usernames, ", "))
			if res.GeneratedPassword != "" {
				fmt.Fprintf(stdout, "Their password (shown once): %s\n", res.GeneratedPassword)
			}
		}
	}
	m.Server, err = server.New(web.Config{
		TrustProxy: c.trustProxy, TLS: c.tlsCert != "", MaxBody: c.maxBody, TileURL: c.tiles, Version: version, PublicAgency: c.publicAgency,
	}, web.Services{
		Agencies: db.AgencyService(), Users: db.UserService(), Sessions: db.SessionService(), MFA: db.MFAService(), Officers: db.OfficerService(), Calls: db.CallService(),
		Audit: db.AuditService(), Events: m.Events, Ping: db.Ready, Erasure: db.ErasureService(), Dispatch: db.DispatchService(),
		Encounters: db.EncounterService(), Persons: db.PersonService(), Plans: db.CrisisPlanService(), Referrals: db.ReferralService(),
		Outcomes: db.OutcomeService(), Geocoder: db.Geocoder(), Tiles: store.NewMapTiles(db), History: db.HistoryService(),
		ServiceAccounts: db.ServiceAccountService(), Incidents: db.IncidentService(), Webhooks: db.WebhookService(), Positions: db.PositionService(),
		Triage:     db.TriageService(),
		Complaints: store.NewComplaintService(db),
		Transfers:  store.NewTransferService(db),
		Liaisons:   store.NewLiaisonService(db),
		MutualAid:  store.NewMutualAidService(db),
	}, db.Clock, log)
	if err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// Run serves until ctx ends (SIGINT or SIGTERM), then shuts down cleanly:
// it stops taking connections and gives open requests ten seconds.
func (m *Main) Run(ctx context.Context, c serveConfig) error {
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	m.ln = ln
	m.HTTP = &http.Server{
		Handler:           m.Server,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second, // event streams clear their own deadline
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	m.Log.Info("citdesk listening", "addr", ln.Addr().String(), "engine", m.DB.Engine(), "version", version)
	// The webhook outbox's sender: deliveries written with each change go
	// out from every replica (each claims its own; see WebhookOutbox).
	go (&webhook.Sender{Outbox: m.DB.WebhookOutbox(), Clock: m.DB.Clock, Log: m.Log}).Run(ctx)
	// The EIDO schema is compiled once, at the first EIDO document; with a
	// CAD linked (a service account that may write calls) or when asked,
	// it is compiled now, so the CAD's first document does not wait.
	warm := c.eidoWarm
	if !warm {
		linked, err := store.CADLinked(ctx, m.DB)
		if err != nil {
			m.Log.Warn("EIDO schema compiled at the first document", "err", err)
		}
		warm = linked
	}
	if warm {
		go func() {
			if err := eido.Warm(); err != nil {
				m.Log.Error("EIDO schema", "err", err)
			}
		}()
	}
	// What start-up made and dropped — the migrations, the demo's year of
	// history, the maps' decoding — is garbage now, but the Go runtime
	// would hand it back to the operating system only slowly; an idle
	// server should not hold its start-up's peak, in Go's heap or in
	// SQLite's.
	if err := store.ShrinkSQLite(ctx, m.DB); err != nil {
		m.Log.Warn("return SQLite's start-up memory", "err", err)
	}
	store.ReleaseMemory()
	holdMemory(ctx, m.Log)
	if c.purgeAt != "off" {
		go purgeNightly(ctx, m.DB, c.purgeAt, m.Log)
	}
	if m.Backups != nil {
		m.Log.Info("scheduled backups", "every", m.Backups.Every.String(), "keep", m.Backups.Keep, "dir", m.Backups.Dir)
		go m.Backups.Run(ctx)
	}
	errc := make(chan error, 2)
	if c.metricsAddr != "" {
		mln, err := net.Listen("tcp", c.metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
		m.metricsLn = mln
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Server.Metrics())
		if c.pprof {
			// Profiles name functions and may show data in memory, so
			// only the private metrics listener serves them, and only
			// when asked.
			mux.HandleFunc("GET /debug/pprof/", pprof.Index)
			mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
		}
		m.Metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn)}
		m.Log.Info("metrics listening", "addr", mln.Addr().String())
		go func() { errc <- m.Metrics.Serve(mln) }()
	}
	go func() {
		if c.tlsCert != "" {
			errc <- m.HTTP.ServeTLS(ln, c.tlsCert, c.tlsKey)
		} else {
			errc <- m.HTTP.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	m.Log.Info("shutting down")
	m.Events.Close() // ends event streams so Shutdown need not wait for them
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if m.Metrics != nil {
		if err := m.Metrics.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
	}
	if err := m.HTTP.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// MetricsAddr returns the address the metrics listener listens on, or "".
func (m *Main) MetricsAddr() string {
	if m.metricsLn == nil {
		return ""
	}
	return m.metricsLn.Addr().String()
}

// Addr returns the address the server listens on.
func (m *Main) Addr() string {
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

// Close releases the database and the event bus.
func (m *Main) Close() error {
	if m.Events != nil {
		m.Events.Close()
	}
	return m.DB.Close()
}

var _ citdesk.EventService = (*store.EventBus)(nil)

// loadOrCreateKey reads the 32-byte key that encrypts TOTP secrets, or
// makes one (mode 0600) when the file does not exist. It is kept outside
// the database so a copy of the database alone does not give away anyone's
// authenticator secret.
func loadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) != 32 {
			return nil, fmt.Errorf("MFA key %s: %d bytes, want 32", path, len(b))
		}
		return b, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("MFA key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("MFA key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadOrCreateKey(path) // another replica made it first
	} else if err != nil {
		return nil, fmt.Errorf("MFA key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("MFA key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("MFA key: %w", err)
	}
	return key, nil
}
