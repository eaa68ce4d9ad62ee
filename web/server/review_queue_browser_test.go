package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// queueWorld is an agency where sergeant "sgt" supervises officers "ann"
// and "bob", sergeant "sgt2" supervises "cy", and each officer has one
// report awaiting review: ann's (oldest) from a CIT-requested call a CIT
// officer reached, with force used; bob's, officer-initiated, without
// force; cy's last.
type queueWorld struct {
	*env
	ann, bob, cy *citdesk.Encounter
	sgt, sgt2    *citdesk.User
}

func newQueueWorld(t *testing.T, eng storetest.Engine) *queueWorld {
	t.Helper()
	e := newEnv(t, eng, web.Config{})
	w := &queueWorld{env: e}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w.sgt, w.sgt2 = e.user("sgt", citdesk.RoleSupervisor), e.user("sgt2", citdesk.RoleSupervisor)
	e.user("coord", citdesk.RoleCoordinator)
	_, disp := storetest.User(t, e.DB, e.Op, "disp", citdesk.RoleDispatcher)
	officers := e.DB.OfficerService()
	file := func(name string, sup *citdesk.User, fromCall bool, force citdesk.ForceLevel) *citdesk.Encounter {
		t.Helper()
		u := e.user(name, citdesk.RoleOfficer)
		o, err := officers.FindOfficerByID(e.Op, *u.OfficerID)
		must(err)
		o.SupervisorUserID = &sup.ID
		must(officers.UpdateOfficer(e.Op, o))
		ctx := citdesk.NewContextWithActor(context.Background(), citdesk.ActorFor(u, "192.0.2.7"))
		enc := &citdesk.Encounter{OccurredAt: e.Clock.Now().Add(-time.Hour)}
		if fromCall {
			// The officer is CIT certified, so a CIT officer reaches the call.
			must(officers.AddTraining(e.Op, &citdesk.TrainingRecord{OfficerID: o.ID, Kind: citdesk.CourseCITBasic, Title: "CIT", Hours: 40,
				Completed: citdesk.DateOf(e.Clock.Now(), e.Agency.Location()).AddDate(0, 0, -30)}))
			must(officers.SetStatus(ctx, &citdesk.StatusChange{OfficerID: o.ID, Status: citdesk.StatusAvailable}))
			call := &citdesk.Call{Nature: "Suicide threat", Address: "12 Elm St", CITRequested: true}
			must(e.DB.CallService().CreateCall(disp, call))
			a := &citdesk.Assignment{CallID: call.ID, OfficerID: o.ID}
			must(e.DB.CallService().CreateAssignment(disp, a))
			_, err := e.DB.CallService().MoveAssignment(ctx, a.ID, a.Version, citdesk.AssignOnScene)
			must(err)
			enc = &citdesk.Encounter{AssignmentID: &a.ID}
		}
		must(e.DB.EncounterService().StartEncounter(ctx, enc))
		m := 30
		enc.Address, enc.ContactStart, enc.PrimaryProblem, enc.Force = "12 Elm St", citdesk.StartWelfareCheck, citdesk.ProblemMentalIllness, force
		enc.Dispositions, enc.OnSceneMinutes, enc.Narrative = []citdesk.Disposition{citdesk.DispResolvedOnScene}, &m, "Talked it through."
		if force != citdesk.ForceNone {
			enc.Dispositions = []citdesk.Disposition{citdesk.DispVoluntaryTransport}
			handover := 20
			enc.FacilityKind, enc.Facility, enc.HandoverMinutes = citdesk.FacilityKinds[0], "Jefferson County crisis center", &handover
		}
		must(e.DB.EncounterService().UpdateEncounter(ctx, enc))
		got, err := e.DB.EncounterService().SubmitEncounter(ctx, enc.ID, enc.Version)
		must(err)
		e.Clock.Advance(10 * time.Minute)
		return got
	}
	w.ann = file("ann", w.sgt, true, citdesk.ForcePhysical)
	w.bob = file("bob", w.sgt, false, citdesk.ForceNone)
	w.cy = file("cy", w.sgt2, false, citdesk.ForceNone)
	return w
}

func (w *queueWorld) status(t *testing.T, id int64) citdesk.EncounterStatus {
	t.Helper()
	e, err := w.DB.EncounterService().FindEncounterByID(w.Op, id)
	if err != nil {
		t.Fatal(err)
	}
	return e.Status
}

// TestReviewQueueAccess: the queue shows each reviewer what they review —
// a sergeant their officers' reports, oldest first, with CIT status,
// dispositions and force; the coordinator everyone's — and "approve and
// open next" never opens, or approves, another sergeant's officer's report.
func TestReviewQueueAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, eng storetest.Engine) {
		w := newQueueWorld(t, eng)
		link := func(e *citdesk.Encounter) string { return `href="/reports/` + strconv.FormatInt(e.ID, 10) + `"` }

		sgt := w.browser()
		sgt.login("sgt")
		res := sgt.get("/review")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("sgt's queue: %d", res.StatusCode)
		}
		a, b := strings.Index(res.Body, link(w.ann)), strings.Index(res.Body, link(w.bob))
		if a < 0 || b < 0 || a > b {
			t.Errorf("sgt's queue lists ann's at %d and bob's at %d, want both, oldest (ann's) first", a, b)
		}
		if strings.Contains(res.Body, link(w.cy)) {
			t.Errorf("sgt's queue lists cy's report, which sgt2 reviews")
		}
		if strings.Contains(res.Body, `href="/plans/revalidate"`) {
			t.Errorf("sgt's queue links to crisis plans, which only coordinators keep")
		}
		row := res.Body[a:b]
		for _, want := range []string{"ann", "CIT requested", "CIT officer on scene", "Voluntary transport", "Force used: Physical (hands-on)"} {
			if !strings.Contains(row, want) {
				t.Errorf("ann's row lacks %q: %s", want, row)
			}
		}
		bobRow := res.Body[b:]
		if i := strings.Index(bobRow, "</tr>"); i > 0 {
			bobRow = bobRow[:i]
		}
		for _, want := range []string{"bob", "No CIT request", "Resolved on scene", "No force"} {
			if !strings.Contains(bobRow, want) {
				t.Errorf("bob's row lacks %q: %s", want, bobRow)
			}
		}

		// sgt cannot open, approve or "approve and open next" cy's report.
		cyPath := "/reports/" + strconv.FormatInt(w.cy.ID, 10)
		if res := sgt.get(cyPath); res.StatusCode != http.StatusNotFound {
			t.Errorf("sgt opens cy's report: %d", res.StatusCode)
		}
		for _, action := range []string{"approve", "approve_next"} {
			res := sgt.form(cyPath+"/review", url.Values{"version": {strconv.FormatInt(w.cy.Version, 10)}, "action": {action}})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("sgt's %s of cy's report: %d", action, res.StatusCode)
			}
		}
		if got := w.status(t, w.cy.ID); got != citdesk.EncounterSubmitted {
			t.Errorf("cy's report is %s after sgt's tries", got)
		}

		// sgt2 sees only cy's; the coordinator sees all three.
		sgt2 := w.browser()
		sgt2.login("sgt2")
		res = sgt2.get("/review")
		if !strings.Contains(res.Body, link(w.cy)) || strings.Contains(res.Body, link(w.ann)) || strings.Contains(res.Body, link(w.bob)) {
			t.Errorf("sgt2's queue is not just cy's report")
		}
		coord := w.browser()
		coord.login("coord")
		res = coord.get("/review")
		for _, e := range []*citdesk.Encounter{w.ann, w.bob, w.cy} {
			if !strings.Contains(res.Body, link(e)) {
				t.Errorf("the coordinator's queue lacks report #%d", e.ID)
			}
		}

		// Approve and open next skips what sgt does not review: after bob's,
		// the queue is empty for sgt although cy's still waits.
		res = sgt.form("/reports/"+strconv.FormatInt(w.bob.ID, 10)+"/review", url.Values{"version": {strconv.FormatInt(w.bob.Version, 10)}, "action": {"approve_next"}})
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/reports/"+strconv.FormatInt(w.ann.ID, 10)+"?notice="+url.QueryEscape("Approved. Here is the next report waiting for you.") {
			t.Errorf("approve and open next after bob's: %d to %q, want ann's report", res.StatusCode, loc)
		}
		res = sgt.form("/reports/"+strconv.FormatInt(w.ann.ID, 10)+"/review", url.Values{"version": {strconv.FormatInt(w.ann.Version, 10)}, "action": {"approve_next"}})
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/review?notice=") {
			t.Errorf("approve and open next on the last one: %d to %q, want the queue", res.StatusCode, loc)
		}
		if got := w.status(t, w.cy.ID); got != citdesk.EncounterSubmitted {
			t.Errorf("cy's report is %s after sgt emptied their queue", got)
		}
	})
}

// TestBrowserSupervisorWorksQueue: a sergeant, in a real browser, opens
// the review queue, reads each report's CIT status, dispositions and
// force, opens the oldest and approves each with "Approve and open next"
// until the queue says it is empty.
func TestBrowserSupervisorWorksQueue(t *testing.T) {
	w := newQueueWorld(t, storetest.SQLite)
	ctx := newChrome(t)
	w.chromeLogin(t, ctx, "sgt")
	if err := chromedp.Do(ctx, chromedp.Navigate(w.Server.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`nav a[href="/review"]`))); err != nil {
		t.Fatalf("the sergeant's navigation has no review queue: %v", err)
	}
	clickAndLoad(t, ctx, `nav a[href="/review"]`, "open the review queue")
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("table.review-queue tbody tr")].map(r => r.innerText)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || !strings.Contains(rows[0], "ann") || !strings.Contains(rows[1], "bob") {
		t.Fatalf("queue rows %q, want ann's then bob's", rows)
	}
	for _, want := range []string{"CIT requested", "CIT officer on scene", "Force used"} {
		if !strings.Contains(rows[0], want) {
			t.Errorf("ann's row %q lacks %q", rows[0], want)
		}
	}
	screenshot(t, ctx, "review-queue")

	clickAndLoad(t, ctx, `table.review-queue tbody tr:first-child a`, "open the oldest report")
	if loc := chromeLocation(t, ctx); loc.Path != "/reports/"+strconv.FormatInt(w.ann.ID, 10) {
		t.Fatalf("the oldest report link opens %s", loc)
	}
	clickAndLoad(t, ctx, `button[name=action][value=approve_next]`, "approve and open next")
	if loc := chromeLocation(t, ctx); loc.Path != "/reports/"+strconv.FormatInt(w.bob.ID, 10) {
		t.Fatalf("after approving ann's, the browser shows %s, want bob's report", loc)
	}
	if got := textOf(t, ctx, "#report-status"); got != "Awaiting review" {
		t.Errorf("bob's report reads %q", got)
	}
	if got := textOf(t, ctx, ".notice"); !strings.Contains(got, "Approved") {
		t.Errorf("notice after approving reads %q", got)
	}
	screenshot(t, ctx, "review-next")
	clickAndLoad(t, ctx, `button[name=action][value=approve_next]`, "approve the last and open next")
	if loc := chromeLocation(t, ctx); loc.Path != "/review" {
		t.Fatalf("after the last report the browser shows %s, want the queue", loc)
	}
	if got := textOf(t, ctx, ".notice"); !strings.Contains(got, "queue is empty") {
		t.Errorf("the queue's notice reads %q", got)
	}
	if got := textOf(t, ctx, "main"); !strings.Contains(got, "Nothing to review") {
		t.Errorf("the emptied queue reads %q", got)
	}
	screenshot(t, ctx, "review-empty")
	for _, e := range []*citdesk.Encounter{w.ann, w.bob} {
		if got := w.status(t, e.ID); got != citdesk.EncounterApproved {
			t.Errorf("report #%d is %s, want approved", e.ID, got)
		}
	}
	if got := w.status(t, w.cy.ID); got != citdesk.EncounterSubmitted {
		t.Errorf("sgt2's officer's report is %s", got)
	}
}
