package loadgen_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"citdesk"
	"citdesk/loadgen"
	"citdesk/store"
	"citdesk/store/storetest"
	"citdesk/web"
	"citdesk/web/server"
)

func TestMain(m *testing.M) {
	if os.Getenv(loadgen.HelloPeerEnv) != "" {
		// Started by the bench as its bare peer (it runs its own binary).
		loadgen.ServeHelloPeer(os.Stdout)
		os.Exit(0)
	}
	storetest.Main(m)
}

// TestRun drives a real server briefly and checks that both scenarios ran
// without errors and cleaned up after themselves.
func TestRun(t *testing.T) {
	db, _ := storetest.Open(t, storetest.SQLite)
	db.Clock = citdesk.SystemClock{} // positions must stay fresh in real time
	_, op := storetest.Agency(t, db, "desoto")
	storetest.User(t, db, op, "dispatcher", citdesk.RoleDispatcher)
	for i, badge := range []string{"1", "2", "3"} {
		o := &citdesk.Officer{Badge: badge, FirstName: "Load", LastName: "Tester" + badge, Active: true}
		if err := db.OfficerService().CreateOfficer(op, o); err != nil {
			t.Fatal(err)
		}
		lat, lon := 38.14+float64(i)*0.001, -90.55
		if err := db.OfficerService().SetStatus(op, &citdesk.StatusChange{OfficerID: o.ID, Status: citdesk.StatusAvailable, Lat: &lat, Lon: &lon}); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	bus, _ := store.NewEventBus(context.Background(), db, log)
	defer bus.Close()
	db.Events = bus
	srv, err := server.New(web.Config{}, web.Services{Agencies: db.AgencyService(), Users: db.UserService(), Sessions: db.SessionService(), MFA: db.MFAService(), Officers: db.OfficerService(),
		Calls: db.CallService(), Audit: db.AuditService(), Events: bus, Ping: db.Ping, Dispatch: db.DispatchService()}, citdesk.SystemClock{}, log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	metrics := httptest.NewServer(srv.Metrics())
	defer metrics.Close()
	rep, err := loadgen.Run(context.Background(), loadgen.Config{URL: ts.URL, Username: "dispatcher", Password: storetest.TestPassword,
		Duration: 500 * time.Millisecond, MaxRequests: 40, Concurrency: 2, Writers: 2, MetricsURL: metrics.URL, BareDir: t.TempDir(),
		SSEClients: 10, SSEChanges: 3}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// Each scenario beside its peer: the bare server, recommendations,
	// the write path, the bare SQLite writer, the live board's streams and
	// the bare server's.
	if len(rep.Scenarios) != 6 {
		t.Fatalf("got %d scenarios", len(rep.Scenarios))
	}
	names := map[string]bool{}
	for _, r := range rep.Ratios {
		names[r.Name] = true
		if r.Value <= 0 && !strings.Contains(r.Name, "SSE") && !strings.Contains(r.Name, "streams") {
			t.Errorf("ratio %s", r)
		}
	}
	for _, want := range []string{"recommendations req/s ÷ bare net/http req/s", "write commits/s (5 per op) ÷ bare SQLite tx/s", "idle RSS after 10 sign-ins (MB)",
		"idle RSS ÷ bare net/http server's", "live board p99, 10 SSE clients (ms)"} {
		if !names[want] {
			t.Errorf("no ratio %q in %v", want, rep.Ratios)
		}
	}
	if rep.IdleRSS < 1<<20 {
		t.Errorf("idle resident memory %d bytes", rep.IdleRSS)
	}
	if rep.PeerIdleRSS < 1<<20 {
		t.Errorf("the bare server's resident memory %d bytes", rep.PeerIdleRSS)
	}
	for _, s := range rep.Scenarios {
		if strings.Contains(s.Name, "SSE clients") {
			// Every stream saw every change: 10 × 3 deliveries. A
			// delivery ahead of the write's response counts 0.
			if s.Requests != 30 || s.Errors != 0 || s.P99 < s.P50 {
				t.Errorf("%s", s)
			}
			continue
		}
		if s.Requests == 0 || s.Errors != 0 || s.P50 <= 0 || s.P99 < s.P50 || s.Requests > 40 {
			t.Errorf("%s", s)
		}
	}
	// Every call it made is closed again and every officer is free.
	open, err := db.CallService().ListCalls(citdesk.NewContextWithActor(context.Background(), citdesk.OperatorActor(1)), citdesk.CallFilter{Open: true})
	if err != nil || len(open) != 0 {
		t.Fatalf("open calls left: %d (%v)", len(open), err)
	}

	// It refuses to load anything but loopback.
	_, err = loadgen.Run(context.Background(), loadgen.Config{URL: "http://192.0.2.10:8080"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("remote URL: %v", err)
	}
}
