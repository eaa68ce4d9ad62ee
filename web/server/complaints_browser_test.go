package server_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
	"citdesk/web"
)

// TestBrowserComplaint (issue 16, community dissent): a member of the
// public files a complaint on /cit from a phone, with no account, and
// sees only what happens next; the coordinator finds it on /complaints,
// links it to the officer's report and closes it as sustained; the
// dashboard's complaints figure goes from 0 of 1 to 1 of 1, on the
// report's officer's side of the split, as counted here from the records.
func TestBrowserComplaint(t *testing.T) {
	e := newEnv(t, storetest.SQLite, web.Config{PublicRequestsPerHour: 10})
	_, ofc := storetest.User(t, e.DB, e.Op, "ofc", citdesk.RoleOfficer)
	e.user("coord", citdesk.RoleCoordinator)
	// The officer's report, submitted: the one encounter of the range.
	encs := e.DB.EncounterService()
	rep := &citdesk.Encounter{OccurredAt: e.Clock.Now().Add(-time.Hour)}
	if err := encs.StartEncounter(ofc, rep); err != nil {
		t.Fatal(err)
	}
	minutes := 30
	rep.Address, rep.ContactStart, rep.PrimaryProblem = "12 Elm St", citdesk.StartWelfareCheck, citdesk.ProblemMentalIllness
	rep.Dispositions, rep.OnSceneMinutes, rep.Narrative = []citdesk.Disposition{citdesk.DispResolvedOnScene}, &minutes, "Talked it through."
	if err := encs.UpdateEncounter(ofc, rep); err != nil {
		t.Fatal(err)
	}
	rep, err := encs.SubmitEncounter(ofc, rep.ID, rep.Version)
	if err != nil {
		t.Fatal(err)
	}

	token := e.token("coord")
	complaints := func() (cell, nonCIT [2]int) {
		t.Helper()
		res := e.do("GET", "/api/v1/outcomes", token, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("outcomes: %d %s", res.StatusCode, res.Body)
		}
		var out struct {
			Measures map[string]struct {
				Count, Denominator int
				NonCIT             *struct{ Count, Denominator int } `json:"non_cit"`
			}
		}
		if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
			t.Fatal(err)
		}
		m := out.Measures["complaints"]
		return [2]int{m.Count, m.Denominator}, [2]int{m.NonCIT.Count, m.NonCIT.Denominator}
	}
	if got, _ := complaints(); got != [2]int{0, 1} {
		t.Fatalf("complaints before: %v, want 0 of 1", got)
	}

	// The public, on a phone.
	phone := newPhone(t)
	if err := chromedp.Do(phone, chromedp.Navigate(e.Server.URL+"/cit"), chromedp.WaitVisible(chromedp.ID("fb-what")),
		chromedp.Click(chromedp.ID("fb-kind-complaint")),
		chromedp.SendKeys(chromedp.ID("fb-what"), "The officer shouted at my brother Bartholomew and would not listen."),
		chromedp.SendKeys(chromedp.ID("fb-when-where"), "Last night on Elm St"),
		chromedp.SendKeys(chromedp.ID("fb-contact"), "636-555-0188")); err != nil {
		t.Fatal(err)
	}
	clickAndLoad(t, phone, `form[action="/cit/feedback#feedback"] button[type=submit]`, "send the complaint")
	thanks, err := chromedp.Run(phone, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil || !strings.Contains(thanks, "What happens next") || strings.Contains(thanks, "Bartholomew") {
		t.Fatalf("the answer page: %q %v", thanks, err)
	}
	if loc := chromeLocation(t, phone); loc.Path != "/cit/feedback/thanks" {
		t.Errorf("after sending: %s", loc)
	}
	screenshot(t, phone, "complaint-thanks")

	// The coordinator links it to the report and closes it.
	desk := newChrome(t)
	e.chromeLogin(t, desk, "coord")
	if err := chromedp.Do(desk, chromedp.Navigate(e.Server.URL+"/complaints"), chromedp.WaitVisible(chromedp.CSS("table.complaints"))); err != nil {
		t.Fatal(err)
	}
	list, _ := chromedp.Run(desk, chromedp.Evaluate[string](`document.querySelector("table.complaints").innerText`))
	if !strings.Contains(list, "shouted at my brother") || !strings.Contains(list, "Public form") {
		t.Fatalf("the list: %q", list)
	}
	clickAndLoad(t, desk, `table.complaints tbody tr td:first-child a`, "open the complaint")
	if err := chromedp.Do(desk, chromedp.WaitVisible(chromedp.ID("encounter_id")),
		chromedp.SendKeys(chromedp.ID("encounter_id"), strconv.FormatInt(rep.ID, 10)),
		chromedp.SetValue(chromedp.ID("status"), "closed"),
		chromedp.SetValue(chromedp.ID("disposition"), "sustained")); err != nil {
		t.Fatal(err)
	}
	clickAndLoad(t, desk, `form.complaint-form button[type=submit]`, "save the complaint")
	if err := chromedp.Do(desk, chromedp.WaitVisible(chromedp.ID("complaint-disposition"))); err != nil {
		msg, _ := chromedp.Run(desk, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("no disposition after saving: %v: %q", err, msg)
	}
	page, _ := chromedp.Run(desk, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	for _, want := range []string{"Closed", "Sustained", "#" + strconv.FormatInt(rep.ID, 10), "636-555-0188"} {
		if !strings.Contains(page, want) {
			t.Errorf("the closed complaint's page lacks %q: %q", want, page)
		}
	}
	screenshot(t, desk, "complaint-closed")

	// The figure, counted here: one encounter, by a non-CIT officer (no
	// training), drew the one complaint.
	got, non := complaints()
	if got != [2]int{1, 1} || non != [2]int{1, 1} {
		t.Errorf("complaints after: %v, non-CIT %v; want 1 of 1 on both", got, non)
	}
	if err := chromedp.Do(desk, chromedp.Navigate(e.Server.URL+"/outcomes"), chromedp.WaitVisible(chromedp.ID("m-complaints"))); err != nil {
		t.Fatal(err)
	}
	fig, _ := chromedp.Run(desk, chromedp.Evaluate[string](`document.getElementById("m-complaints").innerText`))
	if !strings.Contains(fig, "1 of 1") {
		t.Errorf("the dashboard's complaints figure: %q, want 1 of 1", fig)
	}
}
