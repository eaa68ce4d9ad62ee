package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"citdesk"
	"citdesk/store"
	"citdesk/store/storetest"
	"citdesk/web"
	"citdesk/web/server"
)

func TestMain(m *testing.M) {
	storetest.Main(m)
}

// env is a running citdesk on a real database behind a real HTTP server.
type env struct {
	t      *testing.T
	DB     *store.DB
	Clock  *citdesk.FakeClock
	Server *httptest.Server
	Bus    *store.EventBus
	Agency *citdesk.Agency
	Op     context.Context // acts as an operator of Agency
	Routes []string        // every route pattern the server registered
	Tiles  *store.MapTiles // the basemap tiles the server draws
}

// newEnv starts a server on engine e with one agency, "desoto".
func newEnv(t *testing.T, e storetest.Engine, cfg web.Config) *env {
	t.Helper()
	return newEnvWithLog(t, e, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// eachEnv runs test on a fresh env (newEnv with cfg) on each engine, as
// storetest.Each does.
func eachEnv(t *testing.T, cfg web.Config, test func(t *testing.T, e *env)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		test(t, newEnv(t, eng, cfg))
	})
}

// newEnvWithLog is newEnv with the server and the event bus logging to log.
func newEnvWithLog(t *testing.T, e storetest.Engine, cfg web.Config, log *slog.Logger) *env {
	t.Helper()
	db, clock := storetest.Open(t, e)
	return newEnvForDB(t, db, clock, cfg, log)
}

// newEnvForDB is newEnvWithLog on a database the test opened itself (on a
// small filesystem, through a proxy it can cut).
func newEnvForDB(t *testing.T, db *store.DB, clock *citdesk.FakeClock, cfg web.Config, log *slog.Logger) *env {
	t.Helper()
	bus, err := store.NewEventBus(context.Background(), db, log)
	if err != nil {
		t.Fatal(err)
	}
	db.Events = bus
	agency, op := storetest.Agency(t, db, "desoto")
	tiles := store.NewMapTiles(db)
	srv, err := server.New(cfg, web.Services{
		Agencies: db.AgencyService(), Users: db.UserService(), Sessions: db.SessionService(), MFA: db.MFAService(), Officers: db.OfficerService(), Calls: callService(db),
		Audit: db.AuditService(), Events: bus, Ping: db.Ready, Erasure: db.ErasureService(), Dispatch: db.DispatchService(),
		Encounters: db.EncounterService(), Persons: db.PersonService(), Plans: db.CrisisPlanService(), Referrals: db.ReferralService(),
		Outcomes: db.OutcomeService(), Geocoder: db.Geocoder(), Tiles: tiles, History: db.HistoryService(),
		ServiceAccounts: db.ServiceAccountService(), Incidents: db.IncidentService(), Webhooks: db.WebhookService(), Positions: db.PositionService(),
		Triage:     db.TriageService(),
		Complaints: store.NewComplaintService(db),
		Transfers:  store.NewTransferService(db),
		Liaisons:   store.NewLiaisonService(db),
	}, clock, log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { bus.Close(); ts.Close() })
	return &env{t: t, DB: db, Clock: clock, Server: ts, Bus: bus, Agency: agency, Op: op, Routes: srv.Routes(), Tiles: tiles}
}

// user creates a user with roles and returns it.
func (e *env) user(name string, roles ...citdesk.Role) *citdesk.User {
	e.t.Helper()
	u, _ := storetest.User(e.t, e.DB, e.Op, name, roles...)
	return u
}

// token signs name in through the API and returns a bearer token.
func (e *env) token(name string) string {
	e.t.Helper()
	res := e.do("POST", "/api/v1/tokens", "", map[string]string{"username": name, "password": storetest.TestPassword})
	if res.StatusCode != http.StatusCreated {
		e.t.Fatalf("token for %s: %d %s", name, res.StatusCode, res.Body)
	}
	var tok struct{ Token string }
	json.Unmarshal([]byte(res.Body), &tok)
	return tok.Token
}

// response is a finished HTTP exchange.
type response struct {
	StatusCode int
	Header     http.Header
	Body       string
}

// JSON decodes the body into v.
func (r response) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode %q: %v", r.Body, err)
	}
}

// do sends a request with an optional bearer token and JSON body (a
// string is sent as it is).
func (e *env) do(method, path, token string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = strings.NewReader(string(buf))
	}
	req, err := http.NewRequest(method, e.Server.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{StatusCode: res.StatusCode, Header: res.Header, Body: string(b)}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, like a person's browser session seen one request at a time.
type browser struct {
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// form posts a form as a same-origin browser would.
func (b *browser) form(path string, values url.Values) response {
	b.e.t.Helper()
	req, _ := http.NewRequest("POST", b.e.Server.URL+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.Server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.send(req)
}

func (b *browser) get(path string) response {
	b.e.t.Helper()
	req, _ := http.NewRequest("GET", b.e.Server.URL+path, nil)
	return b.send(req)
}

func (b *browser) send(req *http.Request) response {
	res, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{StatusCode: res.StatusCode, Header: res.Header, Body: string(body)}
}

// login signs the browser in as name.
func (b *browser) login(name string) {
	b.e.t.Helper()
	res := b.form("/login", url.Values{"username": {name}, "password": {storetest.TestPassword}})
	if res.StatusCode != http.StatusSeeOther {
		b.e.t.Fatalf("login %s: %d %s", name, res.StatusCode, res.Body)
	}
}
