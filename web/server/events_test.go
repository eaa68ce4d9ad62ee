package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
	"citdesk/web"
	"citdesk/web/server"
)

// sseMessage is one server-sent event as a client reads it.
type sseMessage struct {
	Type string
	Data string
}

// payload decodes the event's data line.
func (m sseMessage) payload(t *testing.T) (objectID int64, payload map[string]any) {
	t.Helper()
	var d struct {
		ObjectID int64          `json:"object_id"`
		Payload  map[string]any `json:"payload"`
	}
	if err := json.Unmarshal([]byte(m.Data), &d); err != nil {
		t.Fatalf("event data %q: %v", m.Data, err)
	}
	return d.ObjectID, d.Payload
}

// sseClient reads an event stream in the background.
type sseClient struct {
	C          chan sseMessage // closed when the stream ends
	heartbeats chan struct{}
	res        *http.Response
}

// openEvents opens GET /api/v1/events on base with a bearer token and
// returns once the response headers arrived (the subscription is live).
func openEvents(t *testing.T, base, token string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("events: %d %s", res.StatusCode, b)
	}
	for h, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	c := &sseClient{C: make(chan sseMessage, 4096), heartbeats: make(chan struct{}, 100), res: res}
	go func() {
		defer close(c.C)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var m sseMessage
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m.Type != "" {
					c.C <- m
				}
				m = sseMessage{}
			case strings.HasPrefix(line, ": heartbeat"):
				select {
				case c.heartbeats <- struct{}{}:
				default:
				}
			case strings.HasPrefix(line, "event: "):
				m.Type = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				m.Data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return c
}

// next returns the next event, failing after a few seconds.
func (c *sseClient) next(t *testing.T) sseMessage {
	t.Helper()
	select {
	case m, ok := <-c.C:
		if !ok {
			t.Fatal("event stream ended")
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return sseMessage{}
}

// none checks that no event arrives for a moment.
func (c *sseClient) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case m, ok := <-c.C:
		if ok {
			t.Fatalf("unexpected event %s %s", m.Type, m.Data)
		}
	case <-time.After(d):
	}
}

// TestEventsEachChangeOnceToEverySubscriber makes N changes with three
// dispatchers watching: each sees every change exactly once, in order. An
// officer sees only their own, and another agency nothing.
func TestEventsEachChangeOnceToEverySubscriber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		d := newDispatchEnv(t, e)
		d.env.user("disp2", citdesk.RoleDispatcher)
		d.env.user("disp3", citdesk.RoleDispatcher)
		d.tok["disp2"], d.tok["disp3"] = d.token("disp2"), d.token("disp3")
		var subs []*sseClient
		for _, name := range []string{"disp", "disp2", "disp3"} {
			subs = append(subs, openEvents(t, d.Server.URL, d.tok[name]))
		}
		officer := openEvents(t, d.Server.URL, d.tok["near"])
		other := openEvents(t, d.Server.URL, d.tok["hb-disp"])

		const n = 8
		var want []string // event type and object id, in order
		var firstCall callBody
		for i := range n {
			c := d.newCall(t, false)
			if i == 0 {
				firstCall = c
			}
			want = append(want, fmt.Sprintf("call.created %d", c.ID))
		}
		res := d.do("POST", fmt.Sprintf("/api/v1/calls/%d/assignments", firstCall.ID), d.tok["disp"], map[string]any{"officer_id": d.near})
		var a assignmentBody
		res.JSON(t, &a)
		want = append(want, fmt.Sprintf("assignment %d", a.ID), fmt.Sprintf("officer.status %d", d.near), fmt.Sprintf("call.updated %d", firstCall.ID))
		res = d.do("PATCH", fmt.Sprintf("/api/v1/assignments/%d", a.ID), d.tok["near"], map[string]string{"status": "on_scene"}, "If-Match", `"1"`)
		if res.StatusCode != 200 {
			t.Fatalf("move: %d %s", res.StatusCode, res.Body)
		}
		want = append(want, fmt.Sprintf("assignment %d", a.ID), fmt.Sprintf("officer.status %d", d.near), fmt.Sprintf("call.updated %d", firstCall.ID))

		for i, s := range subs {
			seen := map[string]bool{}
			for j, w := range want {
				m := s.next(t)
				id, payload := m.payload(t)
				got := fmt.Sprintf("%s %d", m.Type, id)
				if got != w {
					t.Fatalf("subscriber %d, event %d: %s, want %s", i, j, got, w)
				}
				if seen[m.Data] {
					t.Fatalf("subscriber %d got %s twice", i, m.Data)
				}
				seen[m.Data] = true
				if strings.HasPrefix(m.Type, "call.") && (payload["nature"] != "Suicide threat" || strings.Contains(m.Data, "Jo Caller") || strings.Contains(m.Data, "knife")) {
					t.Fatalf("call event payload %s", m.Data)
				}
			}
			s.none(t, 100*time.Millisecond)
		}

		// The officer: their assignment and status twice, and that the call
		// changed (without details); no other call's creation.
		var types []string
		for range 6 {
			m := officer.next(t)
			types = append(types, m.Type)
			if m.Type == "call.updated" {
				// The call's version, and nothing of what it says.
				var ev struct {
					Payload map[string]any `json:"payload"`
				}
				if err := json.Unmarshal([]byte(m.Data), &ev); err != nil || len(ev.Payload) != 1 || ev.Payload["version"] == nil {
					t.Fatalf("officer sees more of the call than its version: %s (%v)", m.Data, err)
				}
			}
		}
		if got := strings.Join(types, ","); got != "assignment,officer.status,call.updated,assignment,officer.status,call.updated" {
			t.Fatalf("officer's events: %s", got)
		}
		officer.none(t, 100*time.Millisecond)
		other.none(t, 50*time.Millisecond)
	})
}

// TestEventsSlowSubscriberDropped: a client that never reads fills its
// connection and then the bus's buffer, and is dropped — its stream ends —
// while the other subscribers get every event without waiting for it.
func TestEventsSlowSubscriberDropped(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	fast := []*sseClient{openEvents(t, d.Server.URL, d.tok["disp"]), openEvents(t, d.Server.URL, d.tok["disp"])}

	// The slow client: a raw connection with small socket buffers at both
	// ends (a second listener on the same handler), which sends its request
	// and then does not read.
	ts := httptest.NewUnstartedServer(d.Server.Config.Handler)
	ts.Listener.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.Listener = smallBuffers{ln}
	ts.Start()
	defer ts.Close()
	dialer := net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := dialer.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/v1/events HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer %s\r\n\r\n", d.tok["disp"])
	br := bufio.NewReader(conn)
	slow, err := http.ReadResponse(br, nil)
	if err != nil || slow.StatusCode != 200 {
		t.Fatalf("slow client: %v %v", slow, err)
	}

	// 8 KiB events fill the slow connection quickly: 100 of them are far
	// more than its socket buffers plus the bus's 64-event buffer.
	const n = 100
	pad := strings.Repeat("x", 8<<10)
	start := time.Now()
	for i := range n {
		payload, _ := json.Marshal(map[string]any{"seq": i, "pad": pad})
		d.Bus.Publish(context.Background(), citdesk.Event{AgencyID: d.Agency.ID, Type: citdesk.EventCallUpdated, ObjectID: int64(i + 1), Payload: payload})
		for _, f := range fast {
			m := f.next(t)
			if id, _ := m.payload(t); id != int64(i+1) {
				t.Fatalf("fast subscriber got event %d, want %d", id, i+1)
			}
		}
	}
	t.Logf("%d events to the fast subscribers in %v", n, time.Since(start))

	// Now read the slow stream: it must end (the handler returned after
	// the bus dropped it) having carried fewer than n events.
	done := make(chan int, 1)
	go func() {
		count := 0
		sc := bufio.NewScanner(slow.Body)
		sc.Buffer(make([]byte, 128<<10), 1<<20)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event: ") {
				count++
			}
		}
		done <- count
	}()
	select {
	case got := <-done:
		if got >= n {
			t.Fatalf("the slow subscriber got all %d events: it was never dropped", got)
		}
		t.Logf("the slow subscriber got %d of %d events before it was dropped", got, n)
	case <-time.After(20 * time.Second):
		t.Fatal("the slow subscriber's stream did not end")
	}

	// The fast ones still receive.
	res := d.do("POST", "/api/v1/calls", d.tok["disp"], map[string]any{"nature": "Welfare check"})
	if res.StatusCode != 201 {
		t.Fatal(res.Body)
	}
	for _, f := range fast {
		if m := f.next(t); m.Type != "call.created" {
			t.Fatalf("after the drop: %s", m.Type)
		}
	}
}

// smallBuffers is a listener whose connections have small send buffers.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

// TestEventsHeartbeatAndLifetime: an idle stream sends heartbeats, and
// ends after its lifetime so the browser reconnects.
func TestEventsHeartbeatAndLifetime(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{EventHeartbeat: 30 * time.Millisecond, EventLifetime: 400 * time.Millisecond})
	e.user("disp", citdesk.RoleDispatcher)
	c := openEvents(t, e.Server.URL, e.token("disp"))
	select {
	case <-c.heartbeats:
	case <-time.After(5 * time.Second):
		t.Fatal("no heartbeat")
	}
	select {
	case _, ok := <-c.C:
		if ok {
			t.Fatal("unexpected event")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream outlived its lifetime")
	}
	res := e.do("GET", "/api/v1/events", "", nil)
	checkOpenAPI(t, "GET", "/events", res)
	wantProblem(t, res, 401, "")

	t.Run("outlives the server's timeouts", func(t *testing.T) {
		e := newEnv(t, storetest.SQLite, web.Config{EventHeartbeat: 50 * time.Millisecond})
		e.user("disp", citdesk.RoleDispatcher)
		ts := httptest.NewUnstartedServer(e.Server.Config.Handler)
		ts.Config.ReadTimeout, ts.Config.WriteTimeout = 150*time.Millisecond, 150*time.Millisecond
		ts.Start()
		t.Cleanup(ts.Close) // after the client's cleanup has hung up
		c := openEvents(t, ts.URL, e.token("disp"))
		deadline := time.After(600 * time.Millisecond)
		for {
			select {
			case <-c.heartbeats:
				continue
			case _, ok := <-c.C:
				if !ok {
					t.Fatal("the stream ended at the server's read or write timeout")
				}
			case <-deadline:
			}
			break
		}
		e.Bus.Publish(context.Background(), citdesk.Event{AgencyID: e.Agency.ID, Type: citdesk.EventCallCreated, ObjectID: 1})
		if m := c.next(t); m.Type != "call.created" {
			t.Fatalf("got %s", m.Type)
		}
	})
}

// TestEventsAcrossReplicas runs two servers, each with its own database
// handle and event bus, on one PostgreSQL database: a change made through
// one shows on the other's event stream, both ways.
func TestEventsAcrossReplicas(t *testing.T) {
	dsn := storetest.DSN(t, storetest.Postgres) // skips without CITDESK_TEST_POSTGRES
	clock := citdesk.NewFakeClock(storetest.Epoch)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var servers [2]*httptest.Server
	var dbs [2]*store.DB
	for i := range servers {
		db, err := store.Open(context.Background(), dsn, storetest.KeyOption())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		db.Clock = clock
		db.Argon2 = store.Argon2Params{Memory: 64, Time: 1, Threads: 1}
		bus, err := store.NewEventBus(context.Background(), db, quiet)
		if err != nil {
			t.Fatal(err)
		}
		db.Events = bus
		srv, err := server.New(web.Config{}, web.Services{
			Agencies: db.AgencyService(), Users: db.UserService(), Sessions: db.SessionService(), MFA: db.MFAService(), Officers: db.OfficerService(), Calls: db.CallService(),
			Audit: db.AuditService(), Events: bus, Ping: db.Ready, Dispatch: db.DispatchService(),
		}, clock, quiet)
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv)
		t.Cleanup(func() { bus.Close(); ts.Close() })
		servers[i], dbs[i] = ts, db
	}
	_, op := storetest.Agency(t, dbs[0], "desoto")
	storetest.User(t, dbs[0], op, "disp", citdesk.RoleDispatcher)
	u, _ := storetest.User(t, dbs[0], op, "ofc", citdesk.RoleOfficer)
	tokenOn := func(base string) string {
		b, _ := json.Marshal(map[string]string{"username": "disp", "password": storetest.TestPassword})
		res, err := http.Post(base+"/api/v1/tokens", "application/json", strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var tok struct{ Token string }
		json.NewDecoder(res.Body).Decode(&tok)
		return tok.Token
	}
	tok := tokenOn(servers[0].URL)
	post := func(base, path string, body any) map[string]any {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(string(b)))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != 201 {
			t.Fatalf("POST %s on %s: %d %v", path, base, res.StatusCode, out)
		}
		return out
	}

	// A session made on one replica works on the other: sessions live in
	// the database.
	on0 := openEvents(t, servers[0].URL, tok)
	on1 := openEvents(t, servers[1].URL, tok)

	// The officer comes on duty once both streams are open, so each sees
	// that event first: made before, it could reach replica 1's listener
	// after its stream opened, ahead of the call below.
	lat, lon := siteLat, siteLon
	if err := dbs[0].OfficerService().SetStatus(op, &citdesk.StatusChange{OfficerID: *u.OfficerID, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
		t.Fatal(err)
	}
	for i, c := range []*sseClient{on0, on1} {
		if m := c.next(t); m.Type != "officer.status" {
			t.Fatalf("replica %d saw %s first, want officer.status", i, m.Type)
		}
	}

	call := post(servers[0].URL, "/api/v1/calls", map[string]any{"nature": "Welfare check", "lat": siteLat, "lon": siteLon})
	callID := int64(call["id"].(float64))
	for i, c := range []*sseClient{on0, on1} {
		m := c.next(t)
		if id, _ := m.payload(t); m.Type != "call.created" || id != callID {
			t.Fatalf("replica %d saw %s %d", i, m.Type, id)
		}
	}
	// And the other way: assign through replica 1, seen on replica 0.
	a := post(servers[1].URL, fmt.Sprintf("/api/v1/calls/%d/assignments", callID), map[string]any{"officer_id": *u.OfficerID})
	for i, c := range []*sseClient{on1, on0} {
		var types []string
		for range 3 {
			types = append(types, c.next(t).Type)
		}
		if got := strings.Join(types, ","); got != "assignment,officer.status,call.updated" {
			t.Fatalf("replica %d saw %s after assignment %v", i, got, a["id"])
		}
	}
	on0.none(t, 200*time.Millisecond)
	on1.none(t, 50*time.Millisecond)
}
