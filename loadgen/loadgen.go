// Package loadgen is citdesk's load generator: it drives a running citdesk
// over its JSON API the way a busy dispatch centre would and reports
// requests per second and latency quantiles for the recommendation
// endpoint and for the call-create + assign write path, each beside a peer
// measured in the same run (a bare net/http server, a bare SQLite writer),
// with the ratios and whether issue 12's targets hold.
//
// It only targets loopback addresses unless told otherwise, its loops are
// bounded in both time and count, and it cleans up after itself: every
// call it creates is assigned, cleared and closed.
package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Config says what to run.
type Config struct {
	URL         string        // base URL of the server, e.g. http://127.0.0.1:8080
	Username    string        // a dispatcher
	Password    string        //
	Duration    time.Duration // how long each scenario runs
	MaxRequests int           // a hard cap per scenario
	Concurrency int           // parallel readers (recommendations and the bare server)
	Writers     int           // parallel writers (create call + assign, and the bare SQLite writer)
	AllowRemote bool          // permit a non-loopback URL (your own staging server)
	// MetricsURL is citdesk's Prometheus metrics (serve --metrics-addr),
	// read for the resident memory; "" skips it.
	MetricsURL string
	// BareDir is where the bare SQLite writer's file goes: put it on the
	// same disk as citdesk's database. "" is the system's temporary
	// directory.
	BareDir string
	// SSEClients is how many event streams the live board scenario opens
	// (all with one token, as one dispatcher's many screens would); 0
	// skips the scenario. SSEChanges is how many calls it creates while
	// they listen.
	SSEClients int
	SSEChanges int
}

// Report is one run's figures: each scenario, and the ratios to the peers.
type Report struct {
	Scenarios []Stats `json:"scenarios"`
	Ratios    []Ratio `json:"ratios"`
	// IdleRSS is citdesk's resident memory after its start and ten
	// sign-ins, before any load; 0 when it could not be read.
	IdleRSS int64 `json:"idle_rss_bytes"`
	// PeerIdleRSS is a bare net/http server's, in its own process, after
	// as many requests; 0 when it could not be measured.
	PeerIdleRSS int64 `json:"peer_idle_rss_bytes"`
}

// Stats are one scenario's figures.
type Stats struct {
	Name       string        `json:"name"`
	Requests   int           `json:"requests"`
	Errors     int           `json:"errors"`
	Elapsed    time.Duration `json:"elapsed"`
	PerSecond  float64       `json:"per_second"`
	P50        time.Duration `json:"p50"`
	P90        time.Duration `json:"p90"`
	P99        time.Duration `json:"p99"`
	Max        time.Duration `json:"max"`
	FirstError string        `json:"first_error,omitempty"`
}

// String formats the figures on one line.
func (s Stats) String() string {
	line := fmt.Sprintf("%-28s %7d req  %8.1f req/s  p50 %7s  p90 %7s  p99 %7s  max %7s  errors %d",
		s.Name, s.Requests, s.PerSecond, round(s.P50), round(s.P90), round(s.P99), round(s.Max), s.Errors)
	if s.FirstError != "" {
		line += " (first: " + s.FirstError + ")"
	}
	return line
}

func round(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(10 * time.Microsecond)
}

// Run runs the scenarios and their peers and returns the figures.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = 100000
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.Writers <= 0 {
		cfg.Writers = 4
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("bad --url %q", cfg.URL)
	}
	if !cfg.AllowRemote && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%s is not a loopback address; load only your own server (use --allow-remote for your own staging host)", u.Hostname())
	}
	transport := func() *http.Client {
		return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: max(cfg.Concurrency, cfg.Writers) * 2}}
	}
	c := &client{base: cfg.URL + "/api/v1", http: transport()}
	if err := c.signIn(ctx, cfg.Username, cfg.Password); err != nil {
		return nil, err
	}
	rep := &Report{}
	// Idle memory: after the start and ten sign-ins (each hashes a
	// password with argon2id), before any load.
	if cfg.MetricsURL != "" {
		if err := c.signIns(ctx, cfg.Username, cfg.Password, 9); err != nil {
			return nil, err
		}
		// The server gives argon2's memory back a second after the last
		// hash of a burst; idle means after that (with time to spare on a
		// busy machine).
		time.Sleep(3 * time.Second)
		if rep.IdleRSS, err = residentBytes(ctx, cfg.MetricsURL); err != nil {
			fmt.Fprintf(progress, "resident memory not read: %v\n", err)
		} else {
			fmt.Fprintf(progress, "idle resident memory after 10 sign-ins: %.1f MB\n", float64(rep.IdleRSS)/1e6)
		}
	}
	officers, centre, err := c.setup(ctx)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "%d officers available; %d readers, %d writers; %s per scenario\n", len(officers), cfg.Concurrency, cfg.Writers, cfg.Duration)

	// The peer of the read path: a bare net/http hello world, driven by
	// the same kind of client with as many clients.
	helloURL, stop, err := helloServer()
	if err != nil {
		return nil, err
	}
	bare := &client{base: helloURL, http: transport()}
	hello := measure(ctx, "bare net/http hello (GET)", cfg, func(ctx context.Context, worker, i int) (func(), error) {
		return nil, bare.get(ctx, "/", nil)
	})
	stop()
	fmt.Fprintln(progress, hello)

	// Scenario 1: recommendations for a handful of open calls.
	var calls []int64
	for i := 0; i < 8; i++ {
		id, _, err := c.createCall(ctx, centre, i)
		if err != nil {
			return nil, err
		}
		calls = append(calls, id)
	}
	rec := measure(ctx, "recommendations (GET)", cfg, func(ctx context.Context, worker, i int) (func(), error) {
		return nil, c.get(ctx, "/calls/"+strconv.FormatInt(calls[i%len(calls)], 10)+"/recommendations", nil)
	})
	fmt.Fprintln(progress, rec)
	for _, id := range calls {
		c.closeCall(ctx, id)
	}
	rep.Scenarios = append(rep.Scenarios, hello, rec)
	if hello.PerSecond > 0 {
		r := rec.PerSecond / hello.PerSecond
		rep.Ratios = append(rep.Ratios, Ratio{Name: "recommendations req/s ÷ bare net/http req/s", Value: r, Target: "≥ 0.30", Holds: r >= 0.30})
	}
	rep.Ratios = append(rep.Ratios, Ratio{Name: "recommendations p99 (ms)", Value: ms(rec.P99), Target: "≤ 5 ms", Holds: rec.P99 <= 5*time.Millisecond})

	// Scenario 2: the write path. Each client owns one officer so clients
	// do not fight over the same one (that is what the 409 test is for).
	writers := min(cfg.Writers, len(officers))
	if writers == 0 {
		return rep, errors.New("no available officer with a fresh position to assign; put some on duty first (the demo does)")
	}
	wcfg := cfg
	wcfg.Concurrency = writers
	createAssign := func(ctx context.Context, worker, i int) (func(), error) {
		id, _, err := c.createCall(ctx, centre, i)
		if err != nil {
			return nil, err
		}
		closeCall := func() { c.closeCall(context.WithoutCancel(ctx), id) }
		aid, etag, err := c.assign(ctx, id, officers[worker])
		if err != nil {
			return closeCall, err
		}
		// Clearing and closing free the officer again; they are not part
		// of the timed path.
		return func() {
			c.clear(context.WithoutCancel(ctx), aid, etag)
			closeCall()
		}, nil
	}
	// The peer of the write path: bare SQLite, one row per transaction,
	// as many writers, in turns with citdesk's (writeRounds each).
	bareOp, closeBare, err := bareSQLite(ctx, cfg.BareDir)
	if err != nil {
		return rep, fmt.Errorf("bare SQLite writer: %w", err)
	}
	writeRec := &recording{name: "create call + assign (POST×2)"}
	bareRec := &recording{name: "bare SQLite writer (1 row/tx)"}
	interleave(ctx, wcfg, writeRounds, writeRec, bareRec, createAssign, bareOp)
	closeBare()
	write, bareWrite := writeRec.stats(), bareRec.stats()
	fmt.Fprintln(progress, write)
	fmt.Fprintln(progress, bareWrite)
	rep.Scenarios = append(rep.Scenarios, write, bareWrite)
	if bareWrite.PerSecond > 0 {
		// The operations per second count the whole loop, clean-up
		// included: commitsPerOp write transactions an operation.
		r := commitsPerOp * write.PerSecond / bareWrite.PerSecond
		rep.Ratios = append(rep.Ratios, Ratio{Name: "write commits/s (5 per op) ÷ bare SQLite tx/s", Value: r, Target: "≥ 0.7 (SQLite)", Holds: r >= 0.7})
	}
	rep.Ratios = append(rep.Ratios,
		Ratio{Name: "create call + assign ops/s", Value: write.PerSecond, Target: "≥ 500", Holds: write.PerSecond >= 500},
		Ratio{Name: "create call + assign p99 (ms)", Value: ms(write.P99), Target: "≤ 15 ms", Holds: write.P99 <= 15*time.Millisecond})
	if rep.IdleRSS > 0 {
		mb := float64(rep.IdleRSS) / 1e6
		rep.Ratios = append(rep.Ratios, Ratio{Name: "idle RSS after 10 sign-ins (MB)", Value: mb, Target: "≤ 40 MB", Holds: mb <= 40})
		// The peer: a bare net/http server in a process of its own.
		if peer, err := bareIdleRSS(ctx); err != nil {
			fmt.Fprintf(progress, "bare net/http server's resident memory not measured: %v\n", err)
		} else {
			rep.PeerIdleRSS = peer
			fmt.Fprintf(progress, "bare net/http server's resident memory after 10 requests: %.1f MB\n", float64(peer)/1e6)
			rep.Ratios = append(rep.Ratios, Ratio{Name: "idle RSS ÷ bare net/http server's", Value: float64(rep.IdleRSS) / float64(peer), Target: "pocketbase 25 MB; citdesk ≤ 40", Holds: mb <= 40})
		}
	}

	// Scenario 3: the live board's event streams.
	if cfg.SSEClients > 0 {
		if cfg.SSEChanges <= 0 {
			cfg.SSEChanges = 20
		}
		live, created, err := c.liveBoard(ctx, cfg.SSEClients, cfg.SSEChanges, centre, func(s string) { fmt.Fprintln(progress, s) })
		for _, id := range created {
			c.closeCall(context.WithoutCancel(ctx), id)
		}
		if err != nil {
			return rep, fmt.Errorf("live board: %w", err)
		}
		fmt.Fprintln(progress, live.Stats)
		rep.Scenarios = append(rep.Scenarios, live.Stats)
		// The peer: as many streams on a bare net/http server, the same
		// client, in the same run.
		bare, err := bareBoard(ctx, cfg.SSEClients, cfg.SSEChanges, func(s string) { fmt.Fprintln(progress, s) })
		if err != nil {
			return rep, fmt.Errorf("bare event streams: %w", err)
		}
		fmt.Fprintln(progress, bare.Stats)
		rep.Scenarios = append(rep.Scenarios, bare.Stats)
		rep.Ratios = append(rep.Ratios, Ratio{Name: fmt.Sprintf("live board p99, %d SSE clients (ms)", live.Clients), Value: ms(live.P99),
			Target: "≤ 250 ms at 5,000", Holds: live.Clients >= 5000 && live.P99 <= 250*time.Millisecond && live.Missed == 0})
		if bare.P99 > 0 {
			rep.Ratios = append(rep.Ratios, Ratio{Name: "live board p99 ÷ bare net/http streams' p99", Value: float64(live.P99) / float64(bare.P99), Target: "(no target)", Holds: true})
		}
	}
	return rep, nil
}

// writeRounds is how many turns the write path and its bare SQLite peer
// take, each a fifth of the duration.
const writeRounds = 5

// commitsPerOp is how many write transactions one create call + assign
// operation commits on the server, each with its audit events and outbox
// rows, its clean-up included: the two timed requests (create, assign),
// then clearing the assignment, reading the call (a read of a call is
// audited, so it commits too) and closing it (PATCH /calls/{id}: the
// audited read and the update in one transaction).
const commitsPerOp = 5

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// measure runs op from cfg.Concurrency workers until the duration or the
// request cap is reached, timing each call. The cleanup op returns runs
// after the timing.
func measure(ctx context.Context, name string, cfg Config, op func(ctx context.Context, worker, i int) (cleanup func(), err error)) Stats {
	r := &recording{name: name}
	r.run(ctx, cfg, cfg.Duration, op)
	return r.stats()
}

// recording collects the timings of one scenario over one or more rounds
// (interleave).
type recording struct {
	name      string
	latencies []time.Duration
	errs      int
	first     string
	elapsed   time.Duration
	next      int // operations begun, over all rounds
}

// run runs op from cfg.Concurrency workers for d or until the request cap
// is reached (counted over all rounds), timing each call.
func (r *recording) run(ctx context.Context, cfg Config, d time.Duration, op func(ctx context.Context, worker, i int) (cleanup func(), err error)) {
	// The duration stops new requests; it never cancels one in flight, so
	// every call the generator makes is also cleaned up.
	deadline := time.Now().Add(d)
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	start := time.Now()
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				mu.Lock()
				if r.next >= cfg.MaxRequests {
					mu.Unlock()
					return
				}
				i := r.next
				r.next++
				mu.Unlock()
				t0 := time.Now()
				cleanup, err := op(ctx, w, i)
				d := time.Since(t0)
				if cleanup != nil {
					cleanup()
				}
				if ctx.Err() != nil {
					return // interrupted: not a server error
				}
				mu.Lock()
				r.latencies = append(r.latencies, d)
				if err != nil {
					r.errs++
					if r.first == "" {
						r.first = err.Error()
					}
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	r.elapsed += time.Since(start)
}

// stats are the figures of all rounds together.
func (r *recording) stats() Stats {
	s := Stats{Name: r.name, Requests: len(r.latencies), Errors: r.errs, Elapsed: r.elapsed, FirstError: r.first}
	if len(r.latencies) > 0 {
		latencies := slices.Sorted(slices.Values(r.latencies))
		q := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
		s.P50, s.P90, s.P99, s.Max = q(0.50), q(0.90), q(0.99), latencies[len(latencies)-1]
		s.PerSecond = float64(len(latencies)) / r.elapsed.Seconds()
	}
	return s
}

// interleave measures two scenarios in turns, rounds times each, a share
// of cfg.Duration a turn, so that a drift in the machine (the disk's sync
// time moves by a third from one minute to the next on a shared host)
// reaches both alike and their ratio holds.
func interleave(ctx context.Context, cfg Config, rounds int, a, b *recording, opA, opB func(ctx context.Context, worker, i int) (cleanup func(), err error)) {
	turn := cfg.Duration / time.Duration(rounds)
	for range rounds {
		a.run(ctx, cfg, turn, opA)
		b.run(ctx, cfg, turn, opB)
	}
}

type client struct {
	base  string
	token string
	http  *http.Client
}

func (c *client) do(ctx context.Context, method, path string, body any, out any, headers ...string) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode >= 300 {
		var p struct{ Detail string }
		json.Unmarshal(b, &p)
		return nil, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, p.Detail)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return res.Header, nil
}

func (c *client) get(ctx context.Context, path string, out any) error {
	_, err := c.do(ctx, "GET", path, nil, out)
	return err
}

func (c *client) signIn(ctx context.Context, username, password string) error {
	var tok struct{ Token string }
	if _, err := c.do(ctx, "POST", "/tokens", map[string]string{"username": username, "password": password}, &tok); err != nil {
		return fmt.Errorf("sign in as %s: %w", username, err)
	}
	c.token = tok.Token
	return nil
}

type point struct{ Lat, Lon float64 }

// setup finds the agency's centre and the available officers with a
// fresh position.
func (c *client) setup(ctx context.Context) ([]int64, point, error) {
	var me struct {
		Agency struct{ Lat, Lon float64 }
	}
	if err := c.get(ctx, "/me", &me); err != nil {
		return nil, point{}, err
	}
	var list struct {
		Officers []struct {
			ID   int64 `json:"id"`
			Duty *struct {
				Status string `json:"status"`
				Stale  bool   `json:"position_stale"`
			} `json:"duty"`
		} `json:"officers"`
	}
	if err := c.get(ctx, "/officers?on_duty=true", &list); err != nil {
		return nil, point{}, err
	}
	var ids []int64
	for _, o := range list.Officers {
		if o.Duty != nil && o.Duty.Status == "available" {
			ids = append(ids, o.ID)
		}
	}
	return ids, point{me.Agency.Lat, me.Agency.Lon}, nil
}

func (c *client) createCall(ctx context.Context, centre point, i int) (int64, int64, error) {
	lat := centre.Lat + float64(i%7-3)*0.003
	lon := centre.Lon + float64(i%5-2)*0.004
	var call struct {
		ID      int64 `json:"id"`
		Version int64 `json:"version"`
	}
	_, err := c.do(ctx, "POST", "/calls", map[string]any{
		"source": "911", "emergency": false, "nature": "Welfare check (load test)", "address": "Load test " + strconv.Itoa(i),
		"lat": lat, "lon": lon, "cit_requested": false,
	}, &call)
	return call.ID, call.Version, err
}

func (c *client) assign(ctx context.Context, callID, officerID int64) (int64, string, error) {
	var a struct {
		ID int64 `json:"id"`
	}
	h, err := c.do(ctx, "POST", "/calls/"+strconv.FormatInt(callID, 10)+"/assignments", map[string]any{"officer_id": officerID}, &a)
	if err != nil {
		return 0, "", err
	}
	return a.ID, h.Get("ETag"), nil
}

func (c *client) clear(ctx context.Context, assignmentID int64, etag string) error {
	_, err := c.do(ctx, "PATCH", "/assignments/"+strconv.FormatInt(assignmentID, 10), map[string]string{"status": "cleared"}, nil, "If-Match", etag)
	return err
}

func (c *client) closeCall(ctx context.Context, id int64) {
	var call struct {
		Version int64 `json:"version"`
	}
	h, err := c.do(ctx, "GET", "/calls/"+strconv.FormatInt(id, 10), nil, &call)
	if err != nil {
		return
	}
	etag := h.Get("ETag")
	if etag == "" {
		etag = `"` + strconv.FormatInt(call.Version, 10) + `"`
	}
	c.do(ctx, "PATCH", "/calls/"+strconv.FormatInt(id, 10), map[string]any{"status": "closed", "mental_health": false}, nil, "If-Match", etag)
}
