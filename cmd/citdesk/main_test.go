package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
)

func TestMain(m *testing.M) {
	storetest.Main(m)
}

// syncBuffer is a bytes.Buffer safe for a server goroutine to write while
// the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// cli runs citdesk commands against one database.
type cli struct {
	t    *testing.T
	data []string // --data DIR or --db URL
	dsn  string   // what store.Open takes
}

// newCLI makes an empty database on engine e: a temporary --data
// directory for SQLite, a fresh database for PostgreSQL.
func newCLI(t *testing.T, e storetest.Engine) *cli {
	t.Helper()
	key, fieldKey := storetest.AuditKeyFile(t), storetest.FieldKeyFile(t)
	if e == storetest.SQLite {
		dir := t.TempDir()
		return &cli{t: t, data: []string{"--data", dir, "--audit-key-file", key, "--field-key-file", fieldKey}, dsn: filepath.Join(dir, "citdesk.db")}
	}
	dsn := storetest.DSN(t, e)
	return &cli{t: t, data: []string{"--db", dsn, "--audit-key-file", key, "--field-key-file", fieldKey}, dsn: dsn}
}

// run runs citdesk with args, the data flags added after the sub-command
// words (words before the first flag), and stdin.
func (c *cli) run(stdin string, args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	i := 0
	for i < len(args) && !strings.HasPrefix(args[i], "-") && i < 2 {
		i++
	}
	full := append(append(append([]string{}, args[:i]...), c.data...), args[i:]...)
	var out, errOut bytes.Buffer
	err = run(context.Background(), full, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// ok runs a command that must succeed and returns its output.
func (c *cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(stdin, args...)
	if err != nil {
		c.t.Fatalf("citdesk %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// open opens the CLI's database directly, to check what a command did.
func (c *cli) open() *store.DB {
	c.t.Helper()
	db, err := store.Open(context.Background(), c.dsn, storetest.KeyOption())
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { db.Close() })
	return db
}

func TestVersionAndUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"version"}, nil, &out, &errOut); err != nil || !strings.HasPrefix(out.String(), "citdesk ") {
		t.Errorf("citdesk version: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), nil, nil, &out, &errOut); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut.String(), "Usage:") {
		t.Errorf("citdesk with no command: %v, stderr %q", err, errOut.String())
	}
	errOut.Reset()
	if err := run(context.Background(), []string{"frobnicate"}, nil, &out, &errOut); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("citdesk frobnicate: %v", err)
	}
}

func TestAgencyUserAudit(t *testing.T) {
	const password = "a long enough password"
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		out := c.ok("", "migrate")
		if !strings.Contains(out, "up to date") {
			t.Errorf("migrate: %q", out)
		}
		// Optional second factor, so amy signs in below with the password alone.
		out = c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--timezone", "America/Chicago", "--mfa", "optional")
		if !strings.Contains(out, "Agency desoto (De Soto PD) created") {
			t.Errorf("agency add: %q", out)
		}
		// What the public page gives (issue 15): set, and a bad number refused.
		out = c.ok("", "agency", "set", "desoto", "--non-emergency-phone", "(636) 586-3326", "--address", "17 Boyd St, De Soto, MO 63020")
		if !strings.Contains(out, `non-emergency "(636) 586-3326"`) || !strings.Contains(out, `address "17 Boyd St, De Soto, MO 63020"`) || !strings.Contains(out, "De Soto PD") {
			t.Errorf("agency set: %q", out)
		}
		if _, _, err := c.run("", "agency", "set", "desoto", "--non-emergency-phone", "call us"); err == nil || !strings.Contains(err.Error(), "digits") {
			t.Errorf("agency set with a bad number: %v", err)
		}

		for _, tc := range []struct {
			name, stdin string
			args        []string
			want        string // fragment of the error
		}{
			{"bad time zone", "", []string{"agency", "add", "mars", "--name", "Mars PD", "--timezone", "Mars/Olympus_Mons"}, "Unknown time zone \"Mars/Olympus_Mons\""},
			{"no time zone", "", []string{"agency", "add", "mars", "--name", "Mars PD"}, "Time zone is required"},
			{"agency twice", "", []string{"agency", "add", "desoto", "--name", "De Soto PD", "--timezone", "America/Chicago"}, "desoto"},
			{"short password", "short\n", []string{"user", "add", "--agency", "desoto", "--username", "bob", "--role", "analyst"}, "at least 8 characters"},
			{"common password", "password123\n", []string{"user", "add", "--agency", "desoto", "--username", "bob", "--role", "analyst"}, "commonly used"},
			{"no password", "", []string{"user", "add", "--agency", "desoto", "--username", "bob", "--role", "analyst"}, "standard input"},
			{"unknown role", password + "\n", []string{"user", "add", "--agency", "desoto", "--username", "bob", "--role", "chief"}, "chief"},
			{"unknown agency", password + "\n", []string{"user", "add", "--agency", "nowhere", "--username", "bob", "--role", "analyst"}, "nowhere"},
			{"no agency", password + "\n", []string{"user", "add", "--username", "bob", "--role", "analyst"}, "--agency"},
			{"officer without badge", password + "\n", []string{"user", "add", "--agency", "desoto", "--username", "bob", "--role", "officer"}, "officer"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out, errOut, err := c.run(tc.stdin, tc.args...)
				if err == nil {
					t.Fatalf("citdesk %s succeeded: %s", strings.Join(tc.args, " "), out)
				}
				if !strings.Contains(err.Error(), tc.want) {
					t.Errorf("error %q does not say %q (stderr %q)", err, tc.want, errOut)
				}
			})
		}

		out = c.ok(password+"\n", "user", "add", "--agency", "desoto", "--username", "amy", "--role", "analyst,dispatcher")
		if !strings.Contains(out, "User amy created") {
			t.Errorf("user add: %q", out)
		}
		if strings.Contains(out, password) {
			t.Errorf("user add prints the password")
		}
		out = c.ok("", "audit", "verify")
		if !regexp.MustCompile(`Audit trail intact: [1-9]\d* events verified`).MatchString(out) {
			t.Errorf("audit verify: %q", out)
		}

		db := c.open()
		u, _, _, err := db.UserService().Authenticate(context.Background(), "amy", password, citdesk.SessionToken)
		if err != nil {
			t.Fatalf("amy cannot sign in with the password given on stdin: %v", err)
		}
		if !u.HasRole(citdesk.RoleAnalyst) || !u.HasRole(citdesk.RoleDispatcher) || u.HasRole(citdesk.RoleAdmin) {
			t.Errorf("amy's roles = %v, want analyst and dispatcher", u.Roles)
		}
		ctx := citdesk.NewContextWithActor(context.Background(), citdesk.OperatorActor(u.AgencyID))
		users, err := db.UserService().ListUsers(ctx)
		if err != nil || len(users) != 1 {
			t.Errorf("users after the refused commands: %d (%v), want only amy", len(users), err)
		}

		// Lock amy out, then unlock her from the command line.
		for range 5 {
			db.UserService().Authenticate(context.Background(), "amy", "wrong password", citdesk.SessionToken)
		}
		if _, _, _, err := db.UserService().Authenticate(context.Background(), "amy", password, citdesk.SessionToken); citdesk.ErrorCode(err) != citdesk.EUNAUTHORIZED {
			t.Fatalf("after 5 failures: %v, want refused (locked, answered like a wrong password)", err)
		}
		out = c.ok("", "user", "unlock", "--agency", "desoto", "--username", "amy")
		if !strings.Contains(out, "unlocked") {
			t.Errorf("user unlock: %q", out)
		}
		if _, _, _, err := db.UserService().Authenticate(context.Background(), "amy", password, citdesk.SessionToken); err != nil {
			t.Errorf("after unlock: %v", err)
		}
		if out := c.ok("", "audit", "verify"); !strings.Contains(out, "intact") {
			t.Errorf("audit verify after sign-ins: %q", out)
		}
	})
}

func TestImportRoster(t *testing.T) {
	roster := filepath.Join("..", "..", "importer", "testdata", "roster-desoto.csv")
	bad := filepath.Join("..", "..", "importer", "testdata", "roster-bad.csv")
	summary := regexp.MustCompile(`(\d+) officers created, (\d+) updated, (\d+) training records added, (\d+) rows rejected`)
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		c.ok("", "agency", "add", "desoto", "--name", "De Soto PD", "--timezone", "America/Chicago")

		out := c.ok("", "import", "--agency", "desoto", "--format", "roster", roster)
		m := summary.FindStringSubmatch(out)
		if m == nil || m[1] != "16" || m[2] != "0" || m[3] == "0" || m[4] != "0" {
			t.Errorf("first import: %q, want 16 created, 0 updated, some training, 0 rejected", out)
		}
		out = c.ok("", "import", "--agency", "desoto", "--format", "roster", roster)
		if m := summary.FindStringSubmatch(out); m == nil || m[1] != "0" || m[2] != "16" || m[3] != "0" || m[4] != "0" {
			t.Errorf("second import: %q, want 0 created, 16 updated, 0 training added", out)
		}

		out = c.ok("", "import", "--agency", "desoto", "--format", "roster", bad)
		rejected := regexp.MustCompile(`(?m)^rejected: line (\d+)`).FindAllStringSubmatch(out, -1)
		if len(rejected) == 0 {
			t.Fatalf("bad roster: no rejected lines reported:\n%s", out)
		}
		lines := map[string]bool{}
		for _, r := range rejected {
			lines[r[1]] = true
		}
		// Line 3 has no badge, line 4 no last name, line 8 too few columns.
		for _, want := range []string{"3", "4", "8"} {
			if !lines[want] {
				t.Errorf("bad roster: line %s not reported as rejected:\n%s", want, out)
			}
		}
		if lines["2"] {
			t.Errorf("bad roster: good line 2 rejected:\n%s", out)
		}

		for _, tc := range []struct {
			name string
			args []string
			want string
		}{
			{"unknown format", []string{"import", "--agency", "desoto", "--format", "eido", roster}, "eido"},
			{"no file", []string{"import", "--agency", "desoto", "--format", "roster", filepath.Join(t.TempDir(), "missing.csv")}, "missing.csv"},
			{"unknown agency", []string{"import", "--agency", "nowhere", "--format", "roster", roster}, "nowhere"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, _, err := c.run("", tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("citdesk %s: %v, want an error about %q", strings.Join(tc.args, " "), err, tc.want)
				}
			})
		}
	})
}

func TestDataFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CITDESK_DATA", dir)
	t.Setenv("CITDESK_DB", "")
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"agency", "add", "desoto", "--name", "De Soto PD", "--timezone", "America/Chicago"}, nil, &out, &errOut)
	if err != nil {
		t.Fatalf("agency add with CITDESK_DATA: %v %s", err, errOut.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "citdesk.db")); err != nil {
		t.Fatalf("CITDESK_DATA not used: %v", err)
	}
	// --data on the command line wins over the environment.
	other := t.TempDir()
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "--data", other}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(other, "citdesk.db")); err != nil {
		t.Errorf("--data did not win over CITDESK_DATA: %v", err)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "citdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.AgencyService().FindAgencyBySlug(context.Background(), "desoto"); err != nil {
		t.Errorf("agency not in the CITDESK_DATA database: %v", err)
	}
	t.Setenv("CITDESK_MAX_BODY", "lots")
	if err := run(context.Background(), []string{"serve", "--data", other}, nil, &out, &errOut); err == nil || !strings.Contains(err.Error(), "CITDESK_MAX_BODY") {
		t.Errorf("a bad CITDESK_MAX_BODY: %v, want an error naming it", err)
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// served is a citdesk serve running in the test process.
type served struct {
	base           string
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	done           chan error
}

// serveKeys holds each test's MFA key file, so a restarted server keeps its key.
var serveKeys sync.Map

func serveKeyFile(t *testing.T) string {
	if v, ok := serveKeys.Load(t.Name()); ok {
		return v.(string)
	}
	p := filepath.Join(t.TempDir(), "mfa.key")
	serveKeys.Store(t.Name(), p)
	return p
}

// startServe runs "citdesk serve" with args on a free address and waits
// until /readyz answers 200.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{base: "http://" + addr, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
		}
	})
	full := append([]string{"serve", "--addr", addr, "--metrics-addr", freeAddr(t)}, args...)
	if !slices.Contains(args, "--data") {
		// On PostgreSQL the MFA key would default to ./citdesk-data in the
		// source tree; keep it with the test (and across its restarts).
		full = append(full, "--mfa-key-file", serveKeyFile(t))
	}
	go func() { s.done <- run(ctx, full, strings.NewReader(""), s.stdout, s.stderr) }()
	client := &http.Client{Timeout: 5 * time.Second}
	// A generous wait, not a speed target: under -race the pure-Go SQLite
	// driver runs some fifteen times slower, and --demo writes a year of
	// history (about 4 s without -race on a busy two-core machine) first.
	const readyWithin = 180 * time.Second
	deadline := time.Now().Add(readyWithin)
	for {
		res, err := client.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("serve ended before it was ready: %v\nstdout: %s\nstderr: %s", err, s.stdout, s.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready after %s: %v\nstderr: %s", readyWithin, err, s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop cancels serve's context, as SIGINT or SIGTERM would, and returns
// what run returned.
func (s *served) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down within 20s of its context ending")
		return nil
	}
}

func TestServe(t *testing.T) {
	const password = "demo password for tests"
	t.Setenv("CITDESK_DEMO_PASSWORD", password)
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		c := newCLI(t, e)
		s := startServe(t, append([]string{"--demo"}, c.data...)...)
		if !strings.Contains(s.stdout.String(), `Demo agency "desoto" created with users admin, dispatcher, officer, coordinator, liaison, analyst, sergeant.`) {
			t.Errorf("serve --demo stdout: %q", s.stdout)
		}
		if strings.Contains(s.stdout.String(), password) {
			t.Errorf("serve prints a password it was given")
		}

		client := &http.Client{Timeout: 5 * time.Second}
		body, _ := json.Marshal(map[string]string{"username": "dispatcher", "password": password})
		res, err := client.Post(s.base+"/api/v1/tokens", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var tok struct{ Token string }
		json.NewDecoder(res.Body).Decode(&tok)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated || tok.Token == "" {
			t.Fatalf("POST /api/v1/tokens as dispatcher: %d", res.StatusCode)
		}
		req, _ := http.NewRequest("GET", s.base+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		res, err = client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var me struct {
			User   citdesk.User
			Agency citdesk.Agency
		}
		json.NewDecoder(res.Body).Decode(&me)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || me.User.Username != "dispatcher" || me.Agency.Slug != "desoto" || me.Agency.TimeZone != "America/Chicago" {
			t.Errorf("GET /api/v1/me: %d %+v", res.StatusCode, me)
		}

		if err := s.stop(t); err != nil {
			t.Errorf("serve returned %v after its context ended, want nil (clean shutdown)\nstderr: %s", err, s.stderr)
		}
		if !strings.Contains(s.stderr.String(), "shutting down") {
			t.Errorf("no shutdown in the log:\n%s", s.stderr)
		}
		if _, err := client.Get(s.base + "/healthz"); err == nil {
			t.Errorf("the server still answers after shutdown")
		}
		if strings.Contains(s.stderr.String(), password) {
			t.Errorf("the log holds the demo password")
		}

		// A second start finds the demo agency and leaves it be; the
		// demo users still sign in, and the audit trail still verifies.
		s2 := startServe(t, append([]string{"--demo"}, c.data...)...)
		if strings.Contains(s2.stdout.String(), "created") {
			t.Errorf("second serve --demo seeded again: %q", s2.stdout)
		}
		if err := s2.stop(t); err != nil {
			t.Errorf("second serve: %v", err)
		}
		if out := c.ok("", "audit", "verify"); !strings.Contains(out, "intact") {
			t.Errorf("audit verify after serve: %q", out)
		}
	})
}
