package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The live board's scenario: many dispatchers' boards follow the event
// stream (GET /api/v1/events) while calls come in. Each change is a call
// created through the API; the delay measured is from the moment its
// response arrived (the write has committed) to the moment each board's
// stream delivered its call.created event. A board that got the event
// before the response counts 0.

// sseResult is the live board scenario's figures.
type sseResult struct {
	Stats
	Clients   int // streams that were open for the whole run
	Missed    int // (client, change) pairs that never saw the event
	Connected time.Duration
}

// sseClient is one board's stream.
type sseClient struct {
	conn net.Conn
	// got[k] is when change k's call.created arrived, in nanoseconds
	// since the run's start; 0 when it has not.
	got []atomic.Int64
}

// streamTarget is an event stream to follow and the change that makes it
// send an event.
type streamTarget struct {
	name    string
	streams string // URL of the stream
	header  string // extra request header lines, each ending "\r\n"
	// change makes change k and returns once it has committed.
	change func(ctx context.Context, k int) error
}

// liveBoard is citdesk's board: the event stream with the bearer token,
// each change a call created. created lists the calls made, for the
// caller to close.
func (c *client) liveBoard(ctx context.Context, clients, changes int, centre point, progress func(string)) (sseResult, []int64, error) {
	var created []int64
	res, err := followStreams(ctx, streamTarget{
		name:    "live board",
		streams: c.base + "/events",
		header:  "Authorization: Bearer " + c.token + "\r\n",
		change: func(ctx context.Context, k int) error {
			id, _, err := c.createCall(ctx, centre, k)
			if err == nil {
				created = append(created, id)
			}
			return err
		},
	}, clients, changes, progress)
	return res, created, err
}

// followStreams opens clients event streams on t, makes changes one after
// another (each waits until every stream has its event, or a timeout), and
// returns the delays over all streams and changes.
func followStreams(ctx context.Context, t streamTarget, clients, changes int, progress func(string)) (res sseResult, err error) {
	u, err := url.Parse(t.streams)
	if err != nil {
		return res, err
	}
	if err := raiseFileLimit(2*clients + 256); err != nil {
		progress(fmt.Sprintf("file limit not raised (%v); opening %d streams may fail", err, clients))
	}
	start := time.Now()
	var phase atomic.Int64 // the change under way, 1-based; 0 before the first
	var received atomic.Int64
	streams := make([]*sseClient, 0, clients)
	var wg sync.WaitGroup
	defer func() {
		for _, s := range streams {
			s.conn.Close()
		}
		wg.Wait()
	}()
	// Open the streams a few hundred at a time, as a shift's boards would
	// come up, and wait for each one's first bytes (the server subscribes
	// before it answers, so an open stream misses nothing after).
	dial := &net.Dialer{Timeout: 10 * time.Second}
	for i := 0; i < clients; i++ {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		conn, err := dial.DialContext(ctx, "tcp", u.Host)
		if err != nil {
			return res, fmt.Errorf("open stream %d of %d: %w", i+1, clients, err)
		}
		s := &sseClient{conn: conn, got: make([]atomic.Int64, changes+1)}
		streams = append(streams, s)
		req := "GET " + u.Path + " HTTP/1.1\r\nHost: " + u.Host + "\r\n" + t.header + "Accept: text/event-stream\r\n\r\n"
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := conn.Write([]byte(req)); err != nil {
			return res, fmt.Errorf("open stream %d of %d: %w", i+1, clients, err)
		}
		br := bufio.NewReaderSize(conn, 1024)
		hres, err := http.ReadResponse(br, nil)
		if err != nil {
			return res, fmt.Errorf("open stream %d of %d: %w", i+1, clients, err)
		}
		if hres.StatusCode != http.StatusOK {
			return res, fmt.Errorf("open stream %d of %d: %s", i+1, clients, hres.Status)
		}
		conn.SetDeadline(time.Time{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer hres.Body.Close()
			s.read(bufio.NewReaderSize(hres.Body, 1024), start, &phase, &received)
		}()
	}
	res.Connected = time.Since(start)
	res.Clients = len(streams)
	progress(fmt.Sprintf("%s: %d event streams open in %s", t.name, len(streams), res.Connected.Round(time.Millisecond)))

	var delays []time.Duration
	for k := 1; k <= changes && ctx.Err() == nil; k++ {
		before := received.Load()
		phase.Store(int64(k))
		err := t.change(ctx, k)
		done := time.Since(start)
		if err != nil {
			res.Errors++
			if res.FirstError == "" {
				res.FirstError = err.Error()
			}
			continue
		}
		// Wait until every stream has it, or five seconds.
		deadline := time.Now().Add(5 * time.Second)
		for received.Load()-before < int64(len(streams)) && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		for _, s := range streams {
			at := s.got[k].Load()
			if at == 0 {
				res.Missed++
				continue
			}
			delays = append(delays, max(0, time.Duration(at)-done))
		}
		// A pause between changes, as calls come in apart.
		time.Sleep(50 * time.Millisecond)
	}
	res.Name = fmt.Sprintf("%s, %d SSE clients", t.name, len(streams))
	res.Requests = len(delays)
	res.Elapsed = time.Since(start)
	if len(delays) > 0 {
		slices.Sort(delays)
		q := func(p float64) time.Duration { return delays[min(len(delays)-1, int(p*float64(len(delays))))] }
		res.P50, res.P90, res.P99, res.Max = q(0.50), q(0.90), q(0.99), delays[len(delays)-1]
	}
	res.Errors += res.Missed
	if res.Missed > 0 && res.FirstError == "" {
		res.FirstError = fmt.Sprintf("%d deliveries not seen within 5 s", res.Missed)
	}
	return res, nil
}

// read follows one stream, noting when each change's call.created event
// arrives. It returns when the connection is closed.
func (s *sseClient) read(br *bufio.Reader, start time.Time, phase, received *atomic.Int64) {
	var event []byte
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case bytes.HasPrefix(line, []byte("event: ")):
			event = append(event[:0], line[len("event: "):]...)
		case bytes.HasPrefix(line, []byte("data: ")):
			if string(event) != "call.created" {
				continue
			}
			// The data is not decoded: the generator shares the machine
			// with the server, and its time is not the server's.
			at := time.Since(start)
			k := phase.Load()
			if k > 0 && int(k) < len(s.got) && s.got[k].CompareAndSwap(0, int64(at)) {
				received.Add(1)
			}
		case len(line) == 0:
			event = event[:0]
		}
	}
}

// raiseFileLimit raises this process's open-file limit to at least n
// (up to the hard limit): every stream is a socket. The server needs as
// many; Go raises a program's soft limit to its hard limit at start, so
// citdesk serve has it when the hard limit allows (ulimit -Hn).
func raiseFileLimit(n int) error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return err
	}
	if l.Cur >= uint64(n) {
		return nil
	}
	if l.Max < uint64(n) {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
		return fmt.Errorf("the hard limit is %d files, %d wanted", l.Max, n)
	}
	l.Cur = uint64(n)
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
}

// bareStreams is the live board's peer: a bare net/http server that keeps
// one channel per event stream and, on POST /publish, hands every stream
// the same ready-made event, which each stream's handler writes and
// flushes under a write deadline (what citdesk's streams do, without
// sign-in, filtering, a database or an event bus).
func bareStreams() (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var mu sync.Mutex
	subs := map[chan []byte]struct{}{}
	msg := []byte("event: call.created\ndata: {\"type\":\"call.created\",\"object_id\":1}\n\n")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		ch := make(chan []byte, 64)
		mu.Lock()
		subs[ch] = struct{}{}
		mu.Unlock()
		defer func() {
			mu.Lock()
			delete(subs, ch)
			mu.Unlock()
		}()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		write := func(b []byte) bool {
			rc.SetWriteDeadline(time.Now().Add(15 * time.Second))
			if _, err := w.Write(b); err != nil {
				return false
			}
			return rc.Flush() == nil
		}
		if !write([]byte(": connected\n\n")) {
			return
		}
		for {
			select {
			case <-r.Context().Done():
				return
			case b := <-ch:
				if !write(b) {
					return
				}
			}
		}
	})
	mux.HandleFunc("POST /publish", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		for ch := range subs {
			select {
			case ch <- msg:
			default:
			}
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// bareBoard follows the bare peer's streams, each change a POST /publish.
func bareBoard(ctx context.Context, clients, changes int, progress func(string)) (sseResult, error) {
	base, stop, err := bareStreams()
	if err != nil {
		return sseResult{}, err
	}
	defer stop()
	c := &client{base: base, http: &http.Client{Timeout: 30 * time.Second}}
	return followStreams(ctx, streamTarget{
		name:    "bare net/http streams",
		streams: base + "/events",
		change: func(ctx context.Context, k int) error {
			_, err := c.do(ctx, "POST", "/publish", nil, nil)
			return err
		},
	}, clients, changes, progress)
}
