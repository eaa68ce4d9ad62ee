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

// liveBoard opens clients event streams with the bearer token, makes
// changes calls one after another (each waits until every stream has its
// event, or a timeout), and returns the delays over all streams and
// changes. created lists the calls made, for the caller to close.
func (c *client) liveBoard(ctx context.Context, clients, changes int, centre point, progress func(string)) (res sseResult, created []int64, err error) {
	u, err := url.Parse(c.base)
	if err != nil {
		return res, nil, err
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
			return res, nil, ctx.Err()
		}
		conn, err := dial.DialContext(ctx, "tcp", u.Host)
		if err != nil {
			return res, nil, fmt.Errorf("open stream %d of %d: %w", i+1, clients, err)
		}
		s := &sseClient{conn: conn, got: make([]atomic.Int64, changes+1)}
		streams = append(streams, s)
		req := "GET " + u.Path + "/events HTTP/1.1\r\nHost: " + u.Host + "\r\nAuthorization: Bearer " + c.token + "\r\nAccept: text/event-stream\r\n\r\n"
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := conn.Write([]byte(req)); err != nil {
			return res, nil, fmt.Errorf("open stream %d of %d: %w", i+1, clients, err)
		}
		br := bufio.NewReaderSize(conn, 1024)
		hres, err := http.ReadResponse(br, nil)
		if err != nil {
			return res, nil, fmt.Errorf("open stream %d of %d: %w", i+1, clients, err)
		}
		if hres.StatusCode != http.StatusOK {
			return res, nil, fmt.Errorf("open stream %d of %d: %s", i+1, clients, hres.Status)
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
	progress(fmt.Sprintf("%d event streams open in %s", len(streams), res.Connected.Round(time.Millisecond)))

	var delays []time.Duration
	for k := 1; k <= changes && ctx.Err() == nil; k++ {
		before := received.Load()
		phase.Store(int64(k))
		id, _, err := c.createCall(ctx, centre, k)
		done := time.Since(start)
		if err != nil {
			res.Errors++
			if res.FirstError == "" {
				res.FirstError = err.Error()
			}
			continue
		}
		created = append(created, id)
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
	res.Name = fmt.Sprintf("live board, %d SSE clients", len(streams))
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
	return res, created, nil
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
