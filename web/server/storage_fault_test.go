package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// Failure behaviour (issue 14, item 5): while the storage refuses writes,
// citdesk answers a write with 503 storage_unavailable and Retry-After,
// keeps answering the reads it can, reports the cause on /readyz, and
// recovers by itself when the cause goes away, with nothing it
// acknowledged lost. Each test makes a real fault: a full filesystem, a
// database set read-only, a database server cut off.

// faultRun drives one fault: calls acknowledged before it, the fault, then
// the checks during it and after recovery.
type faultRun struct {
	e      *env
	token  string
	acked  []int64 // calls whose creation was answered 201
	cause  string  // the reason /readyz must give
	words  string  // part of it, as a page shows it (HTML escapes the apostrophe)
	reads  bool    // reads are answered during the fault
	page   *browser
	inject func()
	heal   func()
}

func (f *faultRun) createCall(nature string) response {
	f.e.t.Helper()
	return f.e.do("POST", "/api/v1/calls", f.token, map[string]any{"nature": nature, "address": "12 Elm St", "lat": 38.1397, "lon": -90.5551})
}

func (f *faultRun) run(t *testing.T) {
	e := f.e
	e.user("disp", citdesk.RoleDispatcher)
	f.token = e.token("disp")
	f.page = e.browser()
	f.page.login("disp")
	for i := range 5 {
		res := f.createCall(fmt.Sprintf("Welfare check %d", i))
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create call before the fault: %d %s", res.StatusCode, res.Body)
		}
		var c struct{ ID int64 }
		res.JSON(t, &c)
		f.acked = append(f.acked, c.ID)
	}
	if res := e.do("GET", "/readyz", "", nil); res.StatusCode != http.StatusOK {
		t.Fatalf("readyz before the fault: %d %s", res.StatusCode, res.Body)
	}

	f.inject()

	// A write is refused with a clear 503, and nothing of it is kept.
	res := f.createCall("Refused during the fault")
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("create call during the fault: %d %s, want 503", res.StatusCode, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("503 content type %q, want application/problem+json", ct)
	}
	if res.Header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	var p web.Problem
	res.JSON(t, &p)
	if p.Code != citdesk.EUNAVAILABLE || !strings.Contains(p.Detail, f.cause) {
		t.Errorf("problem during the fault: %+v, want code %s naming %q", p, citdesk.EUNAVAILABLE, f.cause)
	}
	// The same on a page: the board's new-call form answers with the
	// message and, where the board can still be read, the call as typed.
	form := f.page.form("/board/calls", url.Values{"nature": {"Refused on the page"}, "address": {"3 Oak St"}})
	if form.StatusCode != http.StatusServiceUnavailable || !strings.Contains(form.Body, f.words) || form.Header.Get("Retry-After") == "" ||
		!strings.HasPrefix(form.Header.Get("Content-Type"), "text/html") {
		t.Errorf("new-call form during the fault: %d %s (Retry-After %q), want a 503 page naming %q:\n%.3000s", form.StatusCode, form.Header.Get("Content-Type"), form.Header.Get("Retry-After"), f.words, form.Body)
	}
	if f.reads && !strings.Contains(form.Body, `value="Refused on the page"`) {
		t.Errorf("the new-call form lost what was typed during the fault")
	}

	// /readyz names the cause, without the driver's text.
	res = e.do("GET", "/readyz", "", nil)
	var ready map[string]string
	res.JSON(t, &ready)
	if res.StatusCode != http.StatusServiceUnavailable || ready["reason"] != f.cause || ready["code"] != citdesk.EUNAVAILABLE || ready["since"] == "" {
		t.Errorf("readyz during the fault: %d %s, want 503 with reason %q", res.StatusCode, res.Body, f.cause)
	}

	if f.reads {
		// Reads go on: the roster and the dispatch board. (Reads of
		// person-level data are audited, so they are writes too and are
		// refused like any other.)
		res = e.do("GET", "/api/v1/officers", f.token, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("list officers during the fault: %d %.300s, want 200", res.StatusCode, res.Body)
		}
		if board := f.page.get("/board"); board.StatusCode != http.StatusOK || !strings.Contains(board.Body, "Welfare check 4") {
			t.Errorf("board during the fault: %d, want 200 listing the calls", board.StatusCode)
		}
	} else {
		// Nothing can be read either, and it says so as clearly.
		res = e.do("GET", "/api/v1/calls", f.token, nil)
		res.JSON(t, &p)
		if res.StatusCode != http.StatusServiceUnavailable || p.Code != citdesk.EUNAVAILABLE {
			t.Errorf("list calls with the database cut off: %d %s, want 503 %s", res.StatusCode, res.Body, citdesk.EUNAVAILABLE)
		}
	}
	if res := e.do("GET", "/healthz", "", nil); res.StatusCode != http.StatusOK {
		t.Errorf("healthz during the fault: %d, want 200 (the process is up)", res.StatusCode)
	}

	f.heal()

	// It recovers by itself: readyz first, then writes. A pool may hold
	// connections the server dropped, each failing once on its next use,
	// so readyz is asked as a load balancer would, a few times.
	for range 25 {
		if res = e.do("GET", "/readyz", "", nil); res.StatusCode == http.StatusOK {
			break
		}
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("readyz after recovery: %d %s, want 200", res.StatusCode, res.Body)
	}
	res = f.createCall("Accepted after recovery")
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create call after recovery: %d %s", res.StatusCode, res.Body)
	}
	var after struct{ ID int64 }
	res.JSON(t, &after)
	// Every call acknowledged before the fault is there, and the refused
	// ones are not.
	for _, id := range append(f.acked, after.ID) {
		if res := e.do("GET", fmt.Sprintf("/api/v1/calls/%d", id), f.token, nil); res.StatusCode != http.StatusOK {
			t.Errorf("call %d after recovery: %d %s", id, res.StatusCode, res.Body)
		}
	}
	res = e.do("GET", "/api/v1/calls", f.token, nil)
	if strings.Contains(res.Body, "Refused") {
		t.Errorf("a refused write was kept: %.500s", res.Body)
	}
	if n := strings.Count(res.Body, `"nature":"Welfare check`); n != len(f.acked) {
		t.Errorf("%d acknowledged calls after recovery, want %d", n, len(f.acked))
	}
}

// TestDiskFull fills the filesystem an SQLite database lives on (a tmpfs
// of its own, mounted for the test) until writes fail with ENOSPC, then
// frees it.
func TestDiskFull(t *testing.T) {
	dir := mountSmallFS(t, "8m")
	db, clock := storetest.OpenDSN(t, filepath.Join(dir, "citdesk.db"))
	e := newEnvForDB(t, db, clock, web.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	filler := filepath.Join(dir, "filler")
	f := &faultRun{e: e, cause: "the database's disk is full", words: "disk is full", reads: true,
		inject: func() { fillDisk(t, filler) },
		heal: func() {
			if err := os.Remove(filler); err != nil {
				t.Fatal(err)
			}
		},
	}
	f.run(t)
}

// mountSmallFS mounts a tmpfs of the given size for the test and returns
// its path; it skips where mounting is not allowed, unless
// CITDESK_REQUIRE_TMPFS=1 (CI runs as root, where it is).
func mountSmallFS(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput()
	if err != nil {
		if os.Getenv("CITDESK_REQUIRE_TMPFS") == "1" {
			t.Fatalf("mount a tmpfs: %v %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs here (%v %s); run as root to test a full disk", err, strings.TrimSpace(string(out)))
	}
	// Registered before the database is opened, so it runs after it is closed.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fillDisk writes path until the filesystem is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		_, err := f.Write(buf)
		if errors.Is(err, syscall.ENOSPC) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	// Fill the last partial block too.
	for {
		if _, err := f.Write(buf[:512]); err != nil {
			break
		}
	}
}

// TestDatabaseReadOnly sets the PostgreSQL database read-only (as a
// standby after a failover is) and drops its connections, so writes fail
// while reads go on; then sets it writable again.
func TestDatabaseReadOnly(t *testing.T) {
	dsn := storetest.DSN(t, storetest.Postgres)
	db, clock := storetest.OpenDSN(t, dsn)
	e := newEnvForDB(t, db, clock, web.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	u, _ := url.Parse(dsn)
	name := strings.TrimPrefix(u.Path, "/")
	base, _ := url.Parse(dsn)
	base.Path = "/postgres" // the test database itself turns read-only
	admin := storetest.Raw(t, base.String())
	set := func(on string) {
		t.Helper()
		for _, q := range []string{
			`ALTER DATABASE ` + name + ` SET default_transaction_read_only = ` + on,
			`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + name + `' AND pid <> pg_backend_pid()`,
		} {
			if _, err := admin.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
	}
	f := &faultRun{e: e, cause: "the database's storage refuses writes (read-only or failing)", words: "refuses writes", reads: true,
		inject: func() {
			set("on")
			// Connections the server kills answer their next use with an
			// error; let the pool meet them before the checked write.
			for range 25 {
				e.do("GET", "/readyz", "", nil)
			}
		},
		heal: func() { set("off") },
	}
	f.run(t)
}

// TestDatabaseUnreachable puts a TCP proxy the test controls between
// citdesk and PostgreSQL, cuts it (every connection closed, new ones
// refused), then lets connections through again.
func TestDatabaseUnreachable(t *testing.T) {
	dsn := storetest.DSN(t, storetest.Postgres)
	u, _ := url.Parse(dsn)
	proxy := startProxy(t, u.Host)
	u.Host = proxy.addr()
	db, clock := storetest.OpenDSN(t, u.String())
	e := newEnvForDB(t, db, clock, web.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f := &faultRun{e: e, cause: "the database cannot be reached", words: "cannot be reached", reads: false,
		inject: proxy.cut,
		heal:   proxy.restore,
	}
	f.run(t)
}

// tcpProxy forwards connections to a database server until cut.
type tcpProxy struct {
	ln       net.Listener
	upstream string
	mu       sync.Mutex
	down     bool
	conns    map[net.Conn]bool
}

func startProxy(t *testing.T, upstream string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, upstream: upstream, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close(); c.Close() }()
		go func() { io.Copy(c, up); up.Close(); c.Close() }()
	}
}

// cut closes every connection through the proxy and refuses new ones.
func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// restore lets new connections through again.
func (p *tcpProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// TestBrowserStorageBanner: the dispatch board says in a banner that
// writes are failing, with the cause, while the disk is full, and takes
// the banner down by itself when space is freed.
func TestBrowserStorageBanner(t *testing.T) {
	dir := mountSmallFS(t, "8m")
	db, clock := storetest.OpenDSN(t, filepath.Join(dir, "citdesk.db"))
	e := newEnvForDB(t, db, clock, web.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.user("disp", citdesk.RoleDispatcher)
	tok := e.token("disp")
	board := newChrome(t)
	e.chromeLogin(t, board, "disp")
	if err := chromedp.Do(board, chromedp.Navigate(e.Server.URL+"/board"), chromedp.WaitReady(chromedp.ID("board"))); err != nil {
		t.Fatalf("open the board: %v", err)
	}
	if hidden, err := chromedp.Run(board, chromedp.Evaluate[bool](`document.getElementById("board-storage").hidden`)); err != nil || !hidden {
		t.Fatalf("storage banner before the fault: hidden=%v %v, want hidden", hidden, err)
	}

	filler := filepath.Join(dir, "filler")
	fillDisk(t, filler)
	if res := e.do("POST", "/api/v1/calls", tok, map[string]any{"nature": "Welfare check", "address": "12 Elm St"}); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("create call on a full disk: %d %s", res.StatusCode, res.Body)
	}
	wait, cancel := context.WithTimeout(board, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(wait, chromedp.WaitVisible(chromedp.ID("board-storage"))); err != nil {
		t.Fatalf("storage banner during the fault: %v", err)
	}
	text, err := chromedp.Run(board, chromedp.Text(chromedp.ID("board-storage")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Writes are failing: the database's disk is full") {
		t.Errorf("storage banner says %q", text)
	}
	screenshot(t, board, "storage-banner")

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	wait2, cancel2 := context.WithTimeout(board, 20*time.Second)
	defer cancel2()
	if err := chromedp.Do(wait2, chromedp.WaitNotVisible(chromedp.ID("board-storage"))); err != nil {
		t.Fatalf("storage banner after space was freed: %v", err)
	}
}
