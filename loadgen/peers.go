package loadgen

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"citdesk/store"
)

// Each of citdesk's figures is measured beside a peer in the same run, on
// the same machine and with the same client, so the ratio means something
// on a machine whose absolute speed drifts (issue 12).

// Ratio is one of citdesk's figures over its peer's, with the target.
type Ratio struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Target string  `json:"target"`
	Holds  bool    `json:"holds"`
}

// String formats the ratio on one line.
func (r Ratio) String() string {
	verdict := "holds"
	if !r.Holds {
		verdict = "DOES NOT HOLD"
	}
	return fmt.Sprintf("%-48s %8.3f   target %-26s %s", r.Name, r.Value, r.Target, verdict)
}

// helloServer starts a bare net/http server on loopback that answers every
// request "hello world": the most a Go HTTP server does on this machine.
func helloServer() (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("hello world"))
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// bareSQLite opens a bare SQLite writer: the same driver and pragmas as
// citdesk's (store.SQLiteDSN), one connection, in a fresh file under dir.
// Its operation commits one row per transaction; done closes it and removes the file.
func bareSQLite(ctx context.Context, dir string) (op func(ctx context.Context, worker, i int) (func(), error), done func(), err error) {
	tmp, err := os.MkdirTemp(dir, "citdesk-bench-")
	if err != nil {
		return nil, nil, err
	}
	db, err := sql.Open("sqlite", store.SQLiteDSN(filepath.Join(tmp, "bare.db"), true))
	if err != nil {
		os.RemoveAll(tmp)
		return nil, nil, err
	}
	done = func() {
		db.Close()
		os.RemoveAll(tmp)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE rows (id INTEGER PRIMARY KEY AUTOINCREMENT, agency_id BIGINT NOT NULL, nature TEXT NOT NULL, at BIGINT NOT NULL)`); err != nil {
		done()
		return nil, nil, err
	}
	op = func(ctx context.Context, worker, i int) (func(), error) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO rows (agency_id, nature, at) VALUES (?, ?, ?)`, 1, "Welfare check", time.Now().UnixMicro()); err != nil {
			tx.Rollback()
			return nil, err
		}
		return nil, tx.Commit()
	}
	return op, done, nil
}

// residentBytes reads process_resident_memory_bytes from a Prometheus
// metrics URL (citdesk serve's --metrics-addr).
func residentBytes(ctx context.Context, metricsURL string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", metricsURL, nil)
	if err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", metricsURL, res.Status)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_resident_memory_bytes "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int64(f), err
		}
	}
	return 0, fmt.Errorf("%s has no process_resident_memory_bytes", metricsURL)
}

// signIns signs in n more times, one after another, as n people starting
// their shift would.
func (c *client) signIns(ctx context.Context, username, password string, n int) error {
	for range n {
		other := &client{base: c.base, http: c.http}
		if err := other.signIn(ctx, username, password); err != nil {
			return err
		}
	}
	return nil
}

// HelloPeerEnv, set in the environment of citdesk's own binary, makes
// `citdesk bench` serve the bare net/http peer (ServeHelloPeer) instead
// of running the benchmark: the peer of the idle-memory row, in a process
// of its own.
const HelloPeerEnv = "CITDESK_BENCH_HELLO_PEER"

// ServeHelloPeer serves hello world on a loopback port, prints the
// address on stdout, and serves until the process is killed.
func ServeHelloPeer(stdout io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, ln.Addr().String())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("hello world"))
	}), ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// bareIdleRSS starts this same binary as the bare net/http peer, sends it
// ten requests, and reads its resident memory two seconds later. Being
// citdesk's binary, the peer's memory includes what citdesk's code costs
// before it does anything (its size, its packages' start-up).
func bareIdleRSS(ctx context.Context) (int64, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := exec.CommandContext(ctx, exe, "bench")
	cmd.Env = append(os.Environ(), HelloPeerEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("bare peer's address: %w", err)
	}
	c := &client{base: "http://" + strings.TrimSpace(addr), http: &http.Client{Timeout: 10 * time.Second}}
	for range 10 {
		if err := c.get(ctx, "/", nil); err != nil {
			return 0, err
		}
	}
	time.Sleep(2 * time.Second)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", cmd.Process.Pid)
}
