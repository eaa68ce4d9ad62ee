package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"citdesk"
	"citdesk/geo"
	"citdesk/store"
	"citdesk/store/storetest"
	"citdesk/web"
)

// accessRoles are the people the route table speaks of: one of each role,
// a second officer with no tie to anything, a second supervisor who
// supervises only that second officer, and nobody signed in.
var accessRoles = []string{"anon", "admin", "disp", "ofc", "ofc2", "coord", "liaison", "analyst", "sup", "sup2"}

// routeAccess says who may use one route, as a space-separated list of
// accessRoles ("all" for everyone, anonymous included; "signed-in" for
// every role; "notfound" for the catch-all routes, 404 to everyone). Everyone
// else must be refused: 401 or a redirect to sign-in
// when anonymous, 403 or 404 when signed in. Allowed means not refused: a
// request the test sends may still be invalid (422), stale (409, 412) or
// redirect elsewhere, since the point is who gets past the door; but where
// the permission hangs on a tie to the record (validWrite), the test sends a
// valid request and an allowed role must succeed.
//
// The world behind it: "ofc" was sent by "disp" to call C, wrote report R
// from that assignment naming person P and referring P, submitted it; the
// referral went to "liaison"; P has a crisis plan at C's address; "ofc2"
// has no tie to any of it. "sup" supervises "ofc"; "sup2" supervises "ofc2".
var routeAccess = map[string]string{
	// What belongs to neither audience.
	"GET /healthz":    "all",
	"GET /readyz":     "all",
	"GET /metrics":    "",
	"GET /static/":    "all",
	"GET /{$}":        "signed-in",
	"GET /login":      "all",
	"POST /login":     "all",
	"POST /logout":    "all",
	"/":               "notfound",
	"/api/":           "notfound",
	"GET /cit":        "all",
	"POST /cit":       "all",
	"GET /cit/thanks": "all",
	// Compliments and complaints about a crisis response (issue 16).
	"POST /cit/feedback":                "all",
	"GET /cit/feedback/thanks":          "all",
	"POST /a/{slug}/cit/feedback":       "all",
	"GET /a/{slug}/cit/feedback/thanks": "all",
	"GET /api/v1/complaints":            "admin coord",
	"POST /api/v1/complaints":           "admin coord",
	"GET /api/v1/complaints/{id}":       "admin coord",
	"PATCH /api/v1/complaints/{id}":     "admin coord",
	"GET /complaints":                   "admin coord",
	"POST /complaints":                  "admin coord",
	"GET /complaints/{id}":              "admin coord",
	"POST /complaints/{id}":             "admin coord",
	"GET /public/outcomes":              "all",
	// The public pages of one agency of several (issue 15).
	"GET /a/{slug}/cit":        "all",
	"POST /a/{slug}/cit":       "all",
	"GET /a/{slug}/cit/thanks": "all",
	"GET /a/{slug}/outcomes":   "all",

	// API: signing in, one's own account, users, audit.
	"GET /api/v1/openapi.json":          "all",
	"POST /api/v1/tokens":               "all",
	"DELETE /api/v1/tokens/current":     "signed-in",
	"GET /api/v1/me":                    "signed-in",
	"POST /api/v1/me/password":          "signed-in",
	"GET /api/v1/me/mfa":                "signed-in",
	"POST /api/v1/me/mfa/totp":          "signed-in",
	"POST /api/v1/me/mfa/totp/confirm":  "signed-in",
	"POST /api/v1/me/step-up":           "signed-in",
	"GET /api/v1/me/sessions":           "signed-in",
	"DELETE /api/v1/me/sessions/{id}":   "ofc",
	"POST /api/v1/users/{id}/mfa/reset": "admin",
	"POST /api/v1/users/{id}/disable":   "admin",
	"POST /api/v1/users/{id}/enable":    "admin",
	"POST /api/v1/users/{id}/password":  "admin",
	"GET /api/v1/users":                 "admin",
	"POST /api/v1/users":                "admin",
	"POST /api/v1/users/{id}/unlock":    "admin",
	"GET /api/v1/audit":                 "admin",
	// The admin's users and agency (issue 15).
	"PATCH /api/v1/users/{id}": "admin",
	"GET /api/v1/agency":       "signed-in",
	"PATCH /api/v1/agency":     "admin",
	// The call-triage protocol (issue 16).
	"GET /api/v1/triage/protocol": "admin disp coord",
	"PUT /api/v1/triage/protocol": "admin",
	// Service accounts (issue 11).
	"GET /api/v1/service-accounts":                              "admin",
	"POST /api/v1/service-accounts":                             "admin",
	"DELETE /api/v1/service-accounts/{id}":                      "admin",
	"POST /api/v1/service-accounts/{id}/tokens":                 "admin",
	"DELETE /api/v1/service-accounts/{id}/tokens/{tokenid}":     "admin",
	"GET /admin/service-accounts":                               "admin",
	"POST /admin/service-accounts":                              "admin",
	"POST /admin/service-accounts/{id}/tokens":                  "admin",
	"POST /admin/service-accounts/{id}/tokens/{tokenid}/revoke": "admin",
	"POST /admin/service-accounts/{id}/revoke":                  "admin",
	"POST /api/v1/webhooks":                                     "admin",
	"GET /api/v1/webhooks":                                      "admin",
	"DELETE /api/v1/webhooks/{id}":                              "admin",
	"GET /api/v1/webhooks/deliveries":                           "admin",
	"POST /api/v1/webhooks/deliveries/{id}/replay":              "admin",
	"GET /admin/webhooks":                                       "admin",
	"POST /admin/webhooks":                                      "admin",
	"POST /admin/webhooks/{id}/delete":                          "admin",
	"POST /admin/webhooks/deliveries/{id}/replay":               "admin",

	// API: officers.
	"GET /api/v1/officers":                     "admin disp coord",
	"POST /api/v1/officers":                    "admin coord",
	"GET /api/v1/officers/{id}":                "admin disp coord ofc",
	"PATCH /api/v1/officers/{id}":              "admin coord",
	"GET /api/v1/officers/{id}/training":       "admin coord ofc",
	"POST /api/v1/officers/{id}/training":      "admin coord",
	"PUT /api/v1/officers/{id}/status":         "admin disp ofc",
	"GET /api/v1/officers/{id}/status-history": "admin disp coord ofc",
	"GET /api/v1/coverage":                     "admin coord analyst",
	"GET /api/v1/roster/summary":               "admin coord analyst",
	"POST /api/v1/positions":                   "admin disp",

	// API: calls and dispatch.
	"POST /api/v1/calls":                     "admin disp",
	"GET /api/v1/calls":                      "admin disp coord",
	"GET /api/v1/calls/{id}":                 "admin disp coord ofc",
	"PATCH /api/v1/calls/{id}":               "admin disp",
	"GET /api/v1/calls/{id}/recommendations": "admin disp",
	"GET /api/v1/calls/{id}/assignments":     "admin disp coord",
	"POST /api/v1/calls/{id}/assignments":    "admin disp",
	"GET /api/v1/calls/{id}/crisis-plans":    "disp coord ofc",
	"GET /api/v1/liaisons/{id}/status":       "admin disp liaison",
	"PUT /api/v1/liaisons/{id}/status":       "admin disp liaison",
	"GET /api/v1/calls/{id}/liaisons":        "admin disp",
	"POST /api/v1/calls/{id}/liaison":        "admin disp",
	"PATCH /api/v1/calls/{id}/liaison":       "admin disp liaison",
	"GET /api/v1/geocode":                    "admin disp",
	"GET /api/v1/geocode/reverse":            "admin disp",
	"GET /api/v1/map/tiles/{z}/{x}/{y}":      "signed-in",
	"GET /api/v1/assignments/{id}":           "admin disp coord ofc",
	"PATCH /api/v1/assignments/{id}":         "admin disp ofc",
	"GET /api/v1/events":                     "signed-in",
	"POST /api/v1/eido":                      "admin disp",
	"GET /api/v1/calls/{id}/eido":            "admin disp coord ofc",

	// API and board: 988 and mobile crisis transfers (issue 16).
	"POST /api/v1/calls/{id}/transfer":        "admin disp",
	"POST /api/v1/calls/{id}/transfer/return": "admin disp",
	"POST /board/calls/{id}/transfer":         "admin disp",
	"POST /board/calls/{id}/transfer/return":  "admin disp",

	// API: reports.
	"POST /api/v1/encounters":                  "ofc ofc2",
	"GET /api/v1/encounters":                   "coord ofc ofc2 sup sup2",
	"GET /api/v1/encounters/{id}":              "coord ofc liaison sup",
	"PUT /api/v1/encounters/{id}":              "ofc",
	"POST /api/v1/encounters/{id}/submit":      "ofc",
	"POST /api/v1/encounters/{id}/return":      "coord sup",
	"POST /api/v1/encounters/{id}/approve":     "coord sup",
	"POST /api/v1/encounters/{id}/corrections": "coord",
	"GET /api/v1/encounters/{id}/history":      "coord ofc liaison sup",

	// API: persons and crisis plans.
	"POST /api/v1/persons":                   "coord ofc ofc2",
	"POST /api/v1/persons/match":             "coord ofc ofc2",
	"GET /api/v1/persons/{id}":               "coord liaison",
	"PUT /api/v1/persons/{id}":               "coord",
	"DELETE /api/v1/persons/{id}":            "admin",
	"GET /api/v1/repeat-contacts":            "coord liaison",
	"POST /api/v1/persons/{id}/crisis-plans": "coord",
	"GET /api/v1/persons/{id}/crisis-plans":  "coord",
	"GET /api/v1/crisis-plans/revalidate":    "coord",
	"GET /api/v1/crisis-plans/{id}":          "coord disp ofc liaison",
	"PUT /api/v1/crisis-plans/{id}":          "coord",
	"POST /api/v1/crisis-plans/{id}/renew":   "coord",

	// API: referrals.
	"POST /api/v1/referrals":             "coord",
	"GET /api/v1/referrals":              "coord liaison",
	"GET /api/v1/referrals/{id}":         "coord liaison",
	"POST /api/v1/referrals/{id}/status": "coord liaison",
	"POST /api/v1/referrals/{id}/notes":  "coord liaison",
	"POST /api/v1/referrals/{id}/assign": "coord",

	// API: outcomes.
	"GET /api/v1/outcomes":            "admin coord analyst",
	"GET /api/v1/outcomes/encounters": "admin coord",
	"GET /api/v1/outcomes/places":     "admin coord analyst",

	// Pages: the board and the officer's phone.
	"GET /board":                          "admin disp",
	"GET /board/calls":                    "admin disp",
	"GET /board/officers":                 "admin disp",
	"GET /board/calls/{id}":               "admin disp",
	"POST /board/calls":                   "admin disp",
	"POST /board/calls/{id}/assign":       "admin disp",
	"POST /board/calls/{id}/close":        "admin disp",
	"POST /board/calls/{id}/response":     "admin disp",
	"POST /board/calls/{id}/co-response":  "admin disp",
	"POST /board/triage":                  "admin disp",
	"POST /board/assignments/{id}/status": "admin disp",
	"GET /me":                             "ofc ofc2",
	"POST /me/status":                     "ofc ofc2",
	"GET /me/assignment":                  "signed-in",
	"POST /me/assignment/{id}/status":     "admin disp ofc",

	// Pages: roster.
	"GET /roster":                         "admin coord",
	"POST /roster/officers":               "admin coord",
	"GET /roster/officers/{id}":           "admin coord",
	"POST /roster/officers/{id}":          "admin coord",
	"POST /roster/officers/{id}/training": "admin coord",
	"GET /roster/coverage":                "admin coord analyst",
	"GET /roster/import":                  "admin coord",
	"POST /roster/import":                 "admin coord",

	// Pages: reports.
	"GET /reports":                     "coord ofc ofc2 sup sup2",
	"POST /reports":                    "ofc ofc2",
	"GET /reports/new":                 "ofc ofc2",
	"GET /reports/{id}":                "coord ofc liaison sup",
	"GET /reports/{id}/edit":           "coord ofc liaison sup",
	"POST /reports/{id}":               "ofc",
	"POST /reports/{id}/autosave":      "ofc",
	"POST /reports/{id}/person/search": "ofc",
	"POST /reports/{id}/person":        "ofc",
	"POST /reports/{id}/review":        "coord sup",
	"GET /reports/{id}/correct":        "coord",
	"POST /reports/{id}/correct":       "coord",
	"GET /review":                      "coord sup sup2",

	// Pages: persons and plans.
	"GET /persons/repeat":         "coord liaison",
	"GET /persons/{id}":           "coord liaison",
	"POST /persons/{id}":          "coord",
	"GET /persons/{id}/plans/new": "coord",
	"POST /persons/{id}/plans":    "coord",
	"GET /plans/revalidate":       "coord",
	"GET /plans/{id}":             "coord disp ofc liaison",
	"GET /plans/{id}/edit":        "coord",
	"POST /plans/{id}":            "coord",
	"POST /plans/{id}/renew":      "coord",
	"POST /plans/{id}/photo":      "coord",
	"GET /plans/{id}/photo":       "coord disp ofc liaison",

	// Pages: the liaison's caseload.
	"GET /caseload":               "coord liaison",
	"POST /caseload/status":       "liaison",
	"POST /caseload/liaison-call": "liaison",
	"GET /referrals/{id}":         "coord liaison",
	"POST /referrals/{id}/status": "coord liaison",
	"POST /referrals/{id}/notes":  "coord liaison",
	"POST /referrals/{id}/assign": "coord",

	// Pages: the second factor, one's own account, the admin's users.
	"GET /login/mfa":                         "all",
	"POST /login/mfa":                        "all",
	"POST /login/mfa/passkey/begin":          "all",
	"POST /login/mfa/passkey/finish":         "all",
	"GET /account/security":                  "signed-in",
	"POST /account/security/totp":            "signed-in",
	"POST /account/security/totp/confirm":    "signed-in",
	"POST /account/security/passkeys/begin":  "signed-in",
	"POST /account/security/passkeys/finish": "signed-in",
	"GET /step-up":                           "signed-in",
	"POST /step-up":                          "signed-in",
	"GET /account":                           "signed-in",
	"POST /account/password":                 "signed-in",
	"POST /account/sessions/{id}/end":        "ofc",
	"GET /admin/users":                       "admin",
	"POST /admin/users/{id}/disable":         "admin",
	"POST /admin/users/{id}/enable":          "admin",
	"POST /admin/users/{id}/unlock":          "admin",
	"POST /admin/users/{id}/password":        "admin",
	// The admin's pages (issue 15); the disposition mapping is the history
	// importer's, which coordinators run too.
	"POST /admin/users":               "admin",
	"POST /admin/users/{id}/roles":    "admin",
	"GET /admin/triage":               "admin",
	"POST /admin/triage":              "admin",
	"GET /admin/agency":               "admin",
	"POST /admin/agency":              "admin",
	"GET /admin/policy":               "admin",
	"POST /admin/policy":              "admin",
	"GET /admin/dispositions":         "admin coord",
	"POST /admin/dispositions":        "admin coord",
	"GET /admin/dispositions.csv":     "admin coord",
	"POST /admin/dispositions/import": "admin coord",

	// Pages: outcomes and audit.
	"GET /outcomes":             "admin coord analyst",
	"GET /outcomes.csv":         "admin coord analyst",
	"GET /outcomes/encounters":  "admin coord",
	"GET /outcomes/monthly":     "admin coord analyst",
	"GET /outcomes/monthly.pdf": "admin coord analyst",
	"GET /audit":                "admin",
}

// signInRoutes answer 401 to a wrong or missing password, as they should,
// to anyone; passwordRoutes do so to someone signed in (a step-up, a
// password change without the current one).
var (
	signInRoutes   = map[string]bool{"POST /login": true, "POST /api/v1/tokens": true, "POST /login/mfa": true, "POST /login/mfa/passkey/begin": true, "POST /login/mfa/passkey/finish": true}
	passwordRoutes = map[string]bool{"POST /api/v1/me/step-up": true, "POST /step-up": true, "POST /api/v1/me/password": true, "POST /account/password": true, "POST /api/v1/me/mfa/totp/confirm": true, "POST /account/security/totp/confirm": true}
)

// accessWorld is the world the route table speaks of, on one engine.
type accessWorld struct {
	*env
	browsers map[string]*browser
	ids      map[string]int64
}

func newAccessWorld(t *testing.T, eng storetest.Engine) *accessWorld {
	t.Helper()
	e := newEnv(t, eng, web.Config{})
	// The agency has a map, so the tile route has tiles to give.
	e.DB.Maps = geo.NewMaps()
	e.DB.Maps.Set(e.Agency.ID, monaco(t))
	w := &accessWorld{env: e, browsers: map[string]*browser{}, ids: map[string]int64{}}
	roles := map[string]citdesk.Role{"admin": citdesk.RoleAdmin, "disp": citdesk.RoleDispatcher, "ofc": citdesk.RoleOfficer, "ofc2": citdesk.RoleOfficer,
		"coord": citdesk.RoleCoordinator, "liaison": citdesk.RoleLiaison, "analyst": citdesk.RoleAnalyst,
		"sup": citdesk.RoleSupervisor, "sup2": citdesk.RoleSupervisor}
	users := map[string]*citdesk.User{}
	for _, name := range accessRoles[1:] {
		users[name] = e.user(name, roles[name])
	}
	// The admin's user routes act on someone outside the table, so
	// disabling them signs nobody here out.
	victim := e.user("victim", citdesk.RoleAnalyst)
	w.signIn()
	ofcID := *users["ofc"].OfficerID
	w.ids["officer"], w.ids["user"], w.ids["liaison"] = ofcID, victim.ID, users["liaison"].ID
	// Each officer's supervisor, named by the coordinator.
	for ofc, sup := range map[string]string{"ofc": "sup", "ofc2": "sup2"} {
		w.json(t, "coord", "PATCH", fmt.Sprintf("/api/v1/officers/%d", *users[ofc].OfficerID), map[string]any{"supervisor_user_id": users[sup].ID}, http.StatusOK, nil, "If-Match", `"1"`)
	}
	w.ids["session"] = w.currentSession(t, "ofc")

	// The call, and ofc sent to it.
	var call citdesk.Call
	w.json(t, "disp", "POST", "/api/v1/calls", map[string]any{"nature": "Welfare check", "address": "12 Elm St", "lat": 38.1397, "lon": -90.5551}, http.StatusCreated, &call)
	w.json(t, "ofc", "PUT", fmt.Sprintf("/api/v1/officers/%d/status", ofcID), map[string]any{"status": "available"}, http.StatusOK, nil)
	var a citdesk.Assignment
	w.json(t, "disp", "POST", fmt.Sprintf("/api/v1/calls/%d/assignments", call.ID), map[string]any{"officer_id": ofcID}, http.StatusCreated, &a)
	w.ids["call"], w.ids["assignment"] = call.ID, a.ID

	// A service account with a token, for the admin's routes.
	sa, _, err := e.DB.ServiceAccountService().CreateServiceAccount(e.Op, "cad", []citdesk.Scope{citdesk.ScopeCallsRead})
	if err != nil {
		t.Fatal(err)
	}
	w.ids["service_account"], w.ids["service_token"] = sa.ID, sa.Tokens[0].ID

	// A webhook, and a delivery to it (a call taken after it subscribed).
	hook := &citdesk.Webhook{URL: "http://127.0.0.1:9/hook", Events: []string{citdesk.HookCallCreated}}
	if err := e.DB.WebhookService().CreateWebhook(e.Op, hook, "a secret of sixteen+"); err != nil {
		t.Fatal(err)
	}
	if err := e.DB.CallService().CreateCall(e.Op, &citdesk.Call{Nature: "Welfare check", Address: "1 Oak St"}); err != nil {
		t.Fatal(err)
	}
	deliveries, err := e.DB.WebhookService().ListDeliveries(e.Op, false, 1)
	if err != nil || len(deliveries) != 1 {
		t.Fatalf("the delivery: %v %v", deliveries, err)
	}
	w.ids["webhook"], w.ids["delivery"] = hook.ID, deliveries[0].ID

	// The person with a crisis plan at the call's address.
	var p citdesk.Person
	w.json(t, "coord", "POST", "/api/v1/persons", map[string]any{"first_name": "Dana", "last_name": "Whitley", "dob": "1979-02-03", "address": "12 Elm St"}, http.StatusCreated, &p)
	var plan citdesk.CrisisPlan
	today := citdesk.DateOf(e.Clock.Now(), e.Agency.Location())
	w.json(t, "coord", "POST", fmt.Sprintf("/api/v1/persons/%d/crisis-plans", p.ID), map[string]any{"address": "12 Elm St", "what_helps": "Quiet voice.",
		"consent_date": today.String(), "consented_by": "Dana Whitley"}, http.StatusCreated, &plan)
	w.ids["person"], w.ids["plan"] = p.ID, plan.ID

	// ofc's report from the assignment, naming Dana and referring her.
	var enc citdesk.Encounter
	w.json(t, "ofc", "POST", "/api/v1/encounters", map[string]any{"assignment_id": a.ID}, http.StatusCreated, &enc)
	w.json(t, "ofc", "PUT", fmt.Sprintf("/api/v1/encounters/%d", enc.ID), map[string]any{"version": enc.Version, "person_id": p.ID, "address": "12 Elm St",
		"contact_start": "welfare_check", "primary_problem": "mental_illness", "dispositions": []string{"resolved_on_scene", "referred_to_liaison"},
		"on_scene_minutes": 35, "narrative": "She accepted a referral.", "occurred_at": enc.OccurredAt}, http.StatusOK, &enc)
	w.json(t, "ofc", "POST", fmt.Sprintf("/api/v1/encounters/%d/submit", enc.ID), map[string]any{"version": enc.Version}, http.StatusOK, &enc)
	w.ids["encounter"] = enc.ID
	var refs struct{ Referrals []citdesk.Referral }
	w.json(t, "liaison", "GET", "/api/v1/referrals", nil, http.StatusOK, &refs)
	if len(refs.Referrals) != 1 {
		t.Fatalf("the liaison's caseload: %+v", refs.Referrals)
	}
	w.ids["referral"] = refs.Referrals[0].ID

	// A complaint taken by phone.
	k := &citdesk.Complaint{Kind: citdesk.KindComplaint, Source: citdesk.ComplaintPhone, Text: "The officer would not listen to my brother."}
	if err := store.NewComplaintService(e.DB).CreateComplaint(e.Op, k); err != nil {
		t.Fatal(err)
	}
	w.ids["complaint"] = k.ID

	// A photo on the plan, so reading it is a real read.
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var pngBuf bytes.Buffer
	if err := pngEncode(&pngBuf, img); err != nil {
		t.Fatal(err)
	}
	photo, err := citdesk.NormalizePlanPhoto(pngBuf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	coordCtx := citdesk.NewContextWithActor(context.Background(), citdesk.ActorFor(users["coord"], "192.0.2.1"))
	if err := e.DB.CrisisPlanService().SetPlanPhoto(coordCtx, plan.ID, photo); err != nil {
		t.Fatal(err)
	}
	return w
}

// validWrite is a well-formed request to a route whose permission depends
// on a tie to the record (the report's officer, the officer sent): the
// door lets every officer in, so only a valid request shows whether the
// store refuses one without the tie. Each call prepares a record the
// request can change (a fresh draft, an assignment with a status still
// ahead of it, current versions), so a role the table allows must succeed,
// not merely get past the door. want, when set, says what the record must
// show afterwards.
func (w *accessWorld) validWrite(t *testing.T, pattern string) (body any, headers []string, want func(t *testing.T) string, ok bool) {
	t.Helper()
	version := func(who, path, field string) int64 {
		res := w.send(who, "GET", path, nil)
		var v map[string]any
		res.JSON(t, &v)
		if field != "" {
			v, _ = v[field].(map[string]any)
		}
		n, _ := v["version"].(float64)
		return int64(n)
	}
	id := func(kind string) string { return strconv.FormatInt(w.ids[kind], 10) }
	switch pattern {
	case "PUT /api/v1/officers/{id}/status":
		// A status is set by hand only while off any call: clear ofc's
		// assignment first (the next assignment write sends ofc again).
		w.clearAssignment(t)
		return map[string]any{"status": "available"}, nil, nil, true
	case "PATCH /api/v1/assignments/{id}", "POST /me/assignment/{id}/status", "POST /board/assignments/{id}/status":
		a := w.movableAssignment(t)
		next := map[citdesk.AssignmentStatus]citdesk.AssignmentStatus{citdesk.AssignDispatched: citdesk.AssignEnRoute, citdesk.AssignEnRoute: citdesk.AssignOnScene}[a.Status]
		moved := func(t *testing.T) string {
			var now citdesk.Assignment
			w.json(t, "disp", "GET", "/api/v1/assignments/"+strconv.FormatInt(a.ID, 10), nil, http.StatusOK, &now)
			if now.Status != next {
				return fmt.Sprintf("the assignment is %s, want %s", now.Status, next)
			}
			return ""
		}
		if pattern == "PATCH /api/v1/assignments/{id}" {
			return map[string]any{"status": next}, []string{"If-Match", fmt.Sprintf("%q", strconv.FormatInt(a.Version, 10))}, moved, true
		}
		return url.Values{"status": {string(next)}, "version": {strconv.FormatInt(a.Version, 10)}, "call_id": {strconv.FormatInt(a.CallID, 10)}}, nil, moved, true
	case "PUT /api/v1/liaisons/{id}/status":
		return map[string]any{"status": "available", "lat": 38.14, "lon": -90.55}, nil, nil, true
	case "PATCH /api/v1/calls/{id}/liaison":
		// The liaison on the world's call with a step still ahead: sent
		// (again) when none is, as a co-response.
		var on struct{ Liaisons []citdesk.CallLiaison }
		w.json(t, "disp", "GET", "/api/v1/calls/"+id("call")+"/liaisons", nil, http.StatusOK, &on)
		var l citdesk.CallLiaison
		if n := len(on.Liaisons); n > 0 && on.Liaisons[n-1].Status != citdesk.LiaisonOnScene && on.Liaisons[n-1].Status != citdesk.LiaisonCleared {
			l = on.Liaisons[n-1]
		} else {
			w.json(t, "disp", "PUT", "/api/v1/liaisons/"+id("liaison")+"/status", map[string]any{"status": "available"}, http.StatusOK, nil)
			if n > 0 && on.Liaisons[n-1].Status == citdesk.LiaisonOnScene {
				w.json(t, "disp", "PATCH", "/api/v1/calls/"+id("call")+"/liaison", map[string]any{"status": "cleared"}, http.StatusOK, nil, "If-Match", fmt.Sprintf(`"%d"`, on.Liaisons[n-1].Version))
			}
			w.json(t, "disp", "POST", "/api/v1/calls/"+id("call")+"/liaison", map[string]any{"user_id": w.ids["liaison"], "response_reason": "access test"}, http.StatusCreated, &l)
		}
		next := map[citdesk.LiaisonCallStatus]citdesk.LiaisonCallStatus{citdesk.LiaisonAssigned: citdesk.LiaisonEnRoute, citdesk.LiaisonEnRoute: citdesk.LiaisonOnScene}[l.Status]
		return map[string]any{"status": next}, []string{"If-Match", fmt.Sprintf(`"%d"`, l.Version)}, nil, true
	case "PUT /api/v1/encounters/{id}":
		d := w.freshDraft(t, false)
		return map[string]any{"version": d.Version, "address": "14 Elm St", "occurred_at": d.OccurredAt}, nil, nil, true
	case "POST /api/v1/encounters/{id}/return", "POST /api/v1/encounters/{id}/approve":
		// A fresh report of ofc's, submitted, for each reviewer to act on.
		d := w.freshDraft(t, true)
		w.json(t, "ofc", "POST", fmt.Sprintf("/api/v1/encounters/%d/submit", d.ID), map[string]any{"version": d.Version}, http.StatusOK, &d)
		return map[string]any{"version": d.Version, "comment": "Say more."}, nil, nil, true
	case "POST /api/v1/encounters/{id}/submit":
		d := w.freshDraft(t, true)
		return map[string]any{"version": d.Version}, nil, nil, true
	case "PUT /api/v1/persons/{id}":
		return map[string]any{"first_name": "Dana", "last_name": "Whitley", "version": version("coord", "/api/v1/persons/"+id("person"), "person")}, nil, nil, true
	}
	return nil, nil, nil, false
}

// movableAssignment returns ofc's assignment if a status is still ahead of
// it (dispatched or en route); otherwise it clears that one and has the
// dispatcher send ofc to a new call, and the world's "assignment" becomes
// the new one.
func (w *accessWorld) movableAssignment(t *testing.T) citdesk.Assignment {
	t.Helper()
	var a citdesk.Assignment
	w.json(t, "disp", "GET", "/api/v1/assignments/"+strconv.FormatInt(w.ids["assignment"], 10), nil, http.StatusOK, &a)
	if a.Status == citdesk.AssignDispatched || a.Status == citdesk.AssignEnRoute {
		return a
	}
	w.clearAssignment(t)
	return w.sendAgain(t)
}

// clearAssignment clears ofc's assignment if it is still active.
func (w *accessWorld) clearAssignment(t *testing.T) {
	t.Helper()
	var a citdesk.Assignment
	w.json(t, "disp", "GET", "/api/v1/assignments/"+strconv.FormatInt(w.ids["assignment"], 10), nil, http.StatusOK, &a)
	if a.Status.Active() {
		w.json(t, "disp", "PATCH", "/api/v1/assignments/"+strconv.FormatInt(a.ID, 10), map[string]any{"status": citdesk.AssignCleared}, http.StatusOK, nil,
			"If-Match", fmt.Sprintf("%q", strconv.FormatInt(a.Version, 10)))
	}
}

// sendAgain has the dispatcher send ofc, now off any call, to a new call
// at the crisis plan's address (so the ties the reading routes rely on
// hold again), and makes them the world's "assignment" and "call".
func (w *accessWorld) sendAgain(t *testing.T) citdesk.Assignment {
	t.Helper()
	w.json(t, "ofc", "PUT", fmt.Sprintf("/api/v1/officers/%d/status", w.ids["officer"]), map[string]any{"status": "available"}, http.StatusOK, nil)
	var call citdesk.Call
	w.json(t, "disp", "POST", "/api/v1/calls", map[string]any{"nature": "Welfare check", "address": "12 Elm St", "lat": 38.1397, "lon": -90.5551}, http.StatusCreated, &call)
	var a citdesk.Assignment
	w.json(t, "disp", "POST", fmt.Sprintf("/api/v1/calls/%d/assignments", call.ID), map[string]any{"officer_id": w.ids["officer"]}, http.StatusCreated, &a)
	w.ids["assignment"], w.ids["call"] = a.ID, call.ID
	return a
}

// keepSent sends ofc to a call again when a write left ofc off every call.
func (w *accessWorld) keepSent(t *testing.T) {
	t.Helper()
	var a citdesk.Assignment
	w.json(t, "disp", "GET", "/api/v1/assignments/"+strconv.FormatInt(w.ids["assignment"], 10), nil, http.StatusOK, &a)
	if !a.Status.Active() {
		w.sendAgain(t)
	}
}

// freshDraft starts a new draft report as ofc, complete enough to submit
// when asked, and the world's "draft" becomes it: the writes to a draft
// each get one still open.
func (w *accessWorld) freshDraft(t *testing.T, complete bool) citdesk.Encounter {
	t.Helper()
	var d citdesk.Encounter
	w.json(t, "ofc", "POST", "/api/v1/encounters", map[string]any{"address": "14 Elm St"}, http.StatusCreated, &d)
	if complete {
		w.json(t, "ofc", "PUT", fmt.Sprintf("/api/v1/encounters/%d", d.ID), map[string]any{"version": d.Version, "address": "14 Elm St",
			"contact_start": "welfare_check", "primary_problem": "mental_illness", "dispositions": []string{"resolved_on_scene"},
			"on_scene_minutes": 20, "narrative": "He was calm when we left.", "occurred_at": d.OccurredAt}, http.StatusOK, &d)
	}
	w.ids["draft"] = d.ID
	return d
}

// currentSession returns the id of who's current browser session.
func (w *accessWorld) currentSession(t *testing.T, who string) int64 {
	t.Helper()
	var sessions struct {
		Sessions []struct {
			ID      int64 `json:"id"`
			Current bool  `json:"current"`
		}
	}
	w.json(t, who, "GET", "/api/v1/me/sessions", nil, http.StatusOK, &sessions)
	for _, sess := range sessions.Sessions {
		if sess.Current {
			return sess.ID
		}
	}
	t.Fatalf("%s has no current session", who)
	return 0
}

// signIn gives every role a fresh browser session.
func (w *accessWorld) signIn() {
	for _, name := range accessRoles {
		b := w.browser()
		if name != "anon" {
			b.login(name)
		}
		w.browsers[name] = b
	}
}

// json sends a JSON request as a same-origin browser session and decodes
// the answer into out when out is not nil.
func (w *accessWorld) json(t *testing.T, who, method, path string, body any, want int, out any, headers ...string) response {
	t.Helper()
	res := w.send(who, method, path, body, headers...)
	if res.StatusCode != want {
		t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, who, res.StatusCode, want, res.Body)
	}
	if out != nil {
		res.JSON(t, out)
	}
	return res
}

// send sends one request as who: a JSON body for the API (an empty
// object unless given), an empty form for pages.
func (w *accessWorld) send(who, method, path string, body any, headers ...string) response {
	b := w.browsers[who]
	var req *http.Request
	if form, ok := body.(url.Values); ok {
		req, _ = http.NewRequest(method, w.Server.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else if strings.HasPrefix(path, "/api/") && method != "GET" && method != "DELETE" {
		if body == nil {
			body = map[string]any{}
		}
		buf, _ := jsonMarshal(body)
		req, _ = http.NewRequest(method, w.Server.URL+path, strings.NewReader(string(buf)))
		req.Header.Set("Content-Type", "application/json")
	} else if method == "POST" {
		req, _ = http.NewRequest(method, w.Server.URL+path, strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req, _ = http.NewRequest(method, w.Server.URL+path, nil)
	}
	req.Header.Set("Origin", w.Server.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if path == "/api/v1/events" {
		// The event stream never ends: take its status and hang up.
		ctx, cancel := context.WithCancel(req.Context())
		defer cancel()
		res, err := b.client.Do(req.WithContext(ctx))
		if err != nil {
			w.t.Fatal(err)
		}
		res.Body.Close()
		return response{StatusCode: res.StatusCode, Header: res.Header}
	}
	return b.send(req)
}

// draftRoutes change a fresh report: they act on the world's "draft" (see
// freshDraft; submitted first for a review), not on the submitted report
// the reading routes use.
var draftRoutes = map[string]bool{"PUT /api/v1/encounters/{id}": true, "POST /api/v1/encounters/{id}/submit": true,
	"POST /api/v1/encounters/{id}/return": true, "POST /api/v1/encounters/{id}/approve": true}

// concrete turns a route pattern into a request against the world's
// records: the method and a path with each {id} filled in.
func (w *accessWorld) concrete(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	var kind string
	switch {
	case strings.Contains(path, "/sessions/"):
		kind = "session"
	case strings.Contains(path, "/service-accounts/"):
		kind = "service_account"
	case strings.Contains(path, "/webhooks/deliveries/"):
		kind = "delivery"
	case strings.Contains(path, "/webhooks/"):
		kind = "webhook"
	case strings.HasPrefix(path, "/admin/users/"):
		kind = "user"
	case strings.HasPrefix(path, "/api/v1/calls/"), strings.HasPrefix(path, "/board/calls/"):
		kind = "call"
	case strings.Contains(path, "/assignment"):
		kind = "assignment"
	case draftRoutes[pattern]:
		kind = "draft"
	case strings.HasPrefix(path, "/api/v1/encounters/"), strings.HasPrefix(path, "/reports/"):
		kind = "encounter"
	case strings.HasPrefix(path, "/api/v1/persons/"), strings.HasPrefix(path, "/persons/"):
		kind = "person"
	case strings.HasPrefix(path, "/api/v1/crisis-plans/"), strings.HasPrefix(path, "/plans/"):
		kind = "plan"
	case strings.Contains(path, "/referrals/"):
		kind = "referral"
	case strings.Contains(path, "/complaints/"):
		kind = "complaint"
	case strings.Contains(path, "/officers/"):
		kind = "officer"
	case strings.Contains(path, "/liaisons/"):
		kind = "liaison"
	case strings.HasPrefix(path, "/api/v1/users/"):
		kind = "user"
	}
	path = strings.ReplaceAll(path, "{id}", strconv.FormatInt(w.ids[kind], 10))
	path = strings.ReplaceAll(path, "{slug}", w.Agency.Slug)
	path = strings.ReplaceAll(path, "{tokenid}", strconv.FormatInt(w.ids["service_token"], 10))
	path = strings.ReplaceAll(path, "{z}/{x}/{y}", "16/34119/23897.png") // Monaco's port
	switch path {
	case "/":
		path = "/no-such-page"
	case "/api/":
		path = "/api/v1/no-such-endpoint"
	case "/static/":
		path = "/static/any/app.css"
	}
	path = strings.TrimSuffix(path, "{$}")
	return method, path
}

// refused reports whether a response turns who away at the door.
func refused(who, path string, res response) bool {
	if who == "anon" && res.StatusCode == http.StatusUnauthorized {
		return true
	}
	// Sent to sign in and come back: refused, whoever asked (a signed-in
	// role is sent there only if its session has ended). Anonymous visitors
	// sent to sign in at all are refused too.
	if loc := res.Header.Get("Location"); res.StatusCode == http.StatusSeeOther && !strings.HasPrefix(path, "/login") && path != "/logout" &&
		(strings.HasPrefix(loc, "/login?next=") || who == "anon" && strings.HasPrefix(loc, "/login")) {
		return true
	}
	return res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusNotFound
}

// TestEveryRouteEveryRole walks every route the server registers, as every
// role and as nobody, against real records on both engines, and checks
// each answer against routeAccess. A route the table does not name fails
// the test, so a new route cannot arrive without saying who may use it.
func TestEveryRouteEveryRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		w := newAccessWorld(t, eng)
		for _, pattern := range w.Routes {
			if _, ok := routeAccess[pattern]; !ok {
				t.Errorf("route %q is not in routeAccess: say who may use it", pattern)
			}
		}
		for pattern := range routeAccess {
			if !slices.Contains(w.Routes, pattern) {
				t.Errorf("routeAccess names %q, which the server does not register", pattern)
			}
		}
		// Routes that end the session or token go last, so they do not
		// sign anyone out for the rest.
		patterns := slices.Clone(w.Routes)
		rank := map[string]int{"DELETE /api/v1/me/sessions/{id}": 1, "POST /account/sessions/{id}/end": 1, "DELETE /api/v1/tokens/current": 2, "POST /logout": 3}
		last := func(p string) bool { return rank[p] > 0 }
		sort.SliceStable(patterns, func(i, j int) bool { return rank[patterns[i]] < rank[patterns[j]] })
		var got strings.Builder
		for _, pattern := range patterns {
			if last(pattern) {
				// These end sessions, and failed step-ups and password
				// checks above count towards each account's lockout: sign
				// everyone in afresh (from a known address, which a lockout
				// lets in) before each.
				w.signIn()
				w.ids["session"] = w.currentSession(t, "ofc")
			}
			var allowed []string
			for _, who := range accessRoles {
				body, headers, check, valid := w.validWrite(t, pattern)
				method, path := w.concrete(pattern) // after validWrite, which may make a fresh record
				res := w.send(who, method, path, body, headers...)
				if res.StatusCode >= 500 {
					t.Errorf("%s as %s: %d: %s", pattern, who, res.StatusCode, res.Body)
					continue
				}
				ok := !refused(who, path, res)
				if (signInRoutes[pattern] || passwordRoutes[pattern] && who != "anon") && res.StatusCode == http.StatusUnauthorized {
					ok = true // the route answered: wrong (here, no) credentials
				}
				if ok {
					allowed = append(allowed, who)
				}
				want := routeAccess[pattern]
				if want == "notfound" {
					if res.StatusCode != http.StatusNotFound {
						t.Errorf("%s (%s %s) as %s: %d, want 404", pattern, method, path, who, res.StatusCode)
					}
					continue
				}
				wantOK := want == "all" || want == "signed-in" && who != "anon" || slices.Contains(strings.Fields(want), who)
				if ok != wantOK {
					t.Errorf("%s (%s %s) as %s: %d %s, want %s", pattern, method, path, who, res.StatusCode, res.Header.Get("Location"), map[bool]string{true: "allowed", false: "refused"}[wantOK])
				}
				if valid {
					w.keepSent(t)
				}
				// A valid write by someone allowed must do what it asks:
				// not merely pass the door and stop at a conflict.
				if valid && wantOK {
					if res.StatusCode/100 != 2 && res.StatusCode != http.StatusSeeOther {
						t.Errorf("%s (%s %s) as %s, a valid write: %d, want success: %s", pattern, method, path, who, res.StatusCode, res.Body)
					} else if check != nil {
						if problem := check(t); problem != "" {
							t.Errorf("%s (%s %s) as %s, a valid write: %s", pattern, method, path, who, problem)
						}
					}
				}
			}
			fmt.Fprintf(&got, "\t%q: %q,\n", pattern, strings.Join(allowed, " "))
		}
		if os.Getenv("CITDESK_PRINT_ROUTE_ACCESS") != "" {
			t.Logf("observed:\n%s", got.String())
		}
	})
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func pngEncode(w io.Writer, img image.Image) error { return png.Encode(w, img) }

// TestOfficerCannotForgeAccess replays the review's findings over HTTP:
// an officer who names a person, or a call, on a draft of their own gains
// nothing by it.
func TestOfficerCannotForgeAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		r := newReportAPI(t, eng)
		var p citdesk.Person
		r.call(t, "coord", "POST", "/api/v1/persons", map[string]any{"first_name": "Dana", "last_name": "Whitley", "dob": "1979-02-03", "address": "12 Elm St"}, http.StatusCreated).JSON(t, &p)
		var plan citdesk.CrisisPlan
		today := citdesk.DateOf(r.Clock.Now(), r.Agency.Location())
		r.call(t, "coord", "POST", fmt.Sprintf("/api/v1/persons/%d/crisis-plans", p.ID), map[string]any{"address": "12 Elm St", "what_helps": "Quiet voice.",
			"consent_date": today.String(), "consented_by": "Dana Whitley"}, http.StatusCreated).JSON(t, &plan)
		ppath := fmt.Sprintf("/api/v1/persons/%d", p.ID)

		// The person: 404 before, and still 404 after naming them on a draft.
		r.call(t, "ofc", "GET", ppath, nil, http.StatusNotFound)
		var e citdesk.Encounter
		r.call(t, "ofc", "POST", "/api/v1/encounters", map[string]any{"person_id": p.ID, "address": "x"}, http.StatusCreated).JSON(t, &e)
		r.call(t, "ofc", "GET", ppath, nil, http.StatusNotFound)
		r.call(t, "ofc", "PUT", ppath, map[string]any{"first_name": "Dana", "last_name": "Whitley", "version": p.Version}, http.StatusNotFound)
		r.call(t, "ofc", "GET", fmt.Sprintf("/api/v1/crisis-plans/%d", plan.ID), nil, http.StatusNotFound)

		// A call the officer was not sent to cannot be named on a report,
		// so the dispatcher's view of that call's plans is not changed by
		// an officer's draft.
		var call citdesk.Call
		r.call(t, "disp", "POST", "/api/v1/calls", map[string]any{"nature": "Disturbance", "address": "90 Oak Ave"}, http.StatusCreated).JSON(t, &call)
		r.call(t, "ofc", "POST", "/api/v1/encounters", map[string]any{"call_id": call.ID, "person_id": p.ID, "address": "90 Oak Ave"}, http.StatusUnprocessableEntity)
		var plans struct{ Plans []citdesk.CrisisPlan }
		r.call(t, "disp", "GET", fmt.Sprintf("/api/v1/calls/%d/crisis-plans", call.ID), nil, http.StatusOK).JSON(t, &plans)
		if len(plans.Plans) != 0 {
			t.Errorf("a call no report names shows %d crisis plans", len(plans.Plans))
		}

		// Matching shows an officer names, not records.
		var m struct {
			Matches []map[string]any
		}
		r.call(t, "ofc", "POST", "/api/v1/persons/match", map[string]any{"first_name": "Dana", "last_name": "Whitley"}, http.StatusOK).JSON(t, &m)
		if len(m.Matches) != 1 {
			t.Fatalf("matches = %+v", m.Matches)
		}
		person, _ := m.Matches[0]["person"].(map[string]any)
		if _, ok := person["dob"]; ok || person["address"] != nil || m.Matches[0]["encounters"] != nil {
			t.Errorf("an officer's match shows more than the name: %v", m.Matches[0])
		}

		// Analysts get figures, not reports or officers.
		r.call(t, "analyst", "GET", "/api/v1/encounters", nil, http.StatusForbidden)
		r.call(t, "analyst", "GET", "/api/v1/officers", nil, http.StatusForbidden)
		r.call(t, "analyst", "GET", "/api/v1/outcomes", nil, http.StatusOK)
	})
}

// TestTokenIsNotACookie shows that a bearer token put in the session
// cookie opens no page, and that a browser session's secret is not a
// token: each credential works only where it was issued for.
func TestTokenIsNotACookie(t *testing.T) {
	eachEnv(t, web.Config{}, func(t *testing.T, e *env) {
		e.user("admin", citdesk.RoleAdmin)
		tok := e.token("admin")
		req, _ := http.NewRequest("GET", e.Server.URL+"/admin/users", nil)
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: tok})
		res := e.browser().send(req)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("a token in the cookie: %d %q, want sent to sign in", res.StatusCode, res.Header.Get("Location"))
		}
		b := e.browser()
		b.login("admin")
		u, _ := url.Parse(e.Server.URL)
		var secret string
		for _, c := range b.client.Jar.Cookies(u) {
			if c.Name == web.SessionCookie {
				secret = c.Value
			}
		}
		if secret == "" {
			t.Fatal("no session cookie after sign-in")
		}
		if res := e.do("GET", "/api/v1/me", secret, nil); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a browser session's secret as a bearer token: %d, want 401", res.StatusCode)
		}
		if res := e.do("GET", "/api/v1/me", tok, nil); res.StatusCode != http.StatusOK {
			t.Errorf("the token itself: %d", res.StatusCode)
		}
	})
}
