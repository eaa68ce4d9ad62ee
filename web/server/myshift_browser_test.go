package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"citdesk"
	"citdesk/store/storetest"
)

// TestBrowserTapDuringRedraw: the officer presses On scene on My shift
// just as the event stream redraws the assignment (the dispatcher edits
// the call). The redraw waits for the release, so the tap counts as
// tapped. Before, the redraw swapped the buttons between the press and the
// release: a mouse click was lost (the button pressed was gone), and a
// touch landed on whatever the redraw put under the finger — when the
// redraw dropped the notice above the buttons, that was Clear, and the
// officer was cleared from the call instead.
func TestBrowserTapDuringRedraw(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	browser := newChrome(t)
	for _, how := range []string{"mouse", "touch"} {
		t.Run(how, func(t *testing.T) {
			c := d.newCall(t, true)
			path := fmt.Sprintf("/api/v1/calls/%d", c.ID)
			res := d.as(t, "disp", "POST", "/calls/{id}/assignments", path+"/assignments", map[string]any{"officer_id": d.near})
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("assign: %d %s", res.StatusCode, res.Body)
			}
			var a citdesk.Assignment
			res.JSON(t, &a)
			apath := fmt.Sprintf("/api/v1/assignments/%d", a.ID)
			t.Cleanup(func() { // free the officer for the next run
				var now citdesk.Assignment
				d.as(t, "disp", "GET", "/assignments/{id}", apath, nil).JSON(t, &now)
				if now.Status.Active() {
					d.as(t, "disp", "PATCH", "/assignments/{id}", apath, map[string]any{"status": citdesk.AssignCleared}, "If-Match", fmt.Sprintf(`"%d"`, now.Version))
				}
			})
			phone := newTab(t, browser)
			if how == "touch" {
				if err := chromedp.Do(phone, chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
					t.Fatalf("phone viewport: %v", err)
				}
			}
			d.chromeLogin(t, phone, "near")
			const button = `#assignment form.assignment-actions button.primary`
			if err := chromedp.Do(phone, chromedp.Navigate(d.Server.URL+"/me"),
				waitJS(formReady(button)),
				waitJS(`document.querySelector("#assignment").dataset.live === "open"`),
			); err != nil {
				t.Fatalf("My shift: %v", err)
			}
			// En route, tapped at leisure. Its answer shows a notice above
			// the buttons, which the redraw below takes away, moving the
			// buttons up.
			ready := waitJS(`document.querySelector("#assignment .badge.st-en_route") && ` + formReady(button))
			if err := chromedp.Do(phone, liveClick(button), ready); err != nil {
				t.Fatalf("en route: %v", err)
			}
			xy, err := chromedp.Run(phone, chromedp.Evaluate[[]float64](`(() => {
				const b = document.querySelector(`+strconv.Quote(button)+`);
				b.scrollIntoView({block: "center"});
				b.dataset.pressed = "1";
				const r = b.getBoundingClientRect();
				return [r.left + r.width / 2, r.top + r.height / 2];
			})()`))
			if err != nil {
				t.Fatalf("find the button: %v", err)
			}
			press, release := pressAt(how, xy[0], xy[1])
			if err := chromedp.Do(phone, press); err != nil {
				t.Fatalf("press: %v", err)
			}

			// The dispatcher adds a note while the finger is down: the
			// page hears call.updated and reloads the assignment.
			got := d.as(t, "disp", "GET", "/calls/{id}", path, nil)
			if res := d.as(t, "disp", "PATCH", "/calls/{id}", path, map[string]any{"notes": "Caller says he put the knife down."}, "If-Match", got.Header.Get("ETag")); res.StatusCode != http.StatusOK {
				t.Fatalf("edit the call: %d %s", res.StatusCode, res.Body)
			}
			// Wait until the reload has come back: held for the release
			// (the fix), or swapped in over the pressed button (the bug).
			if err := chromedp.Do(phone, waitJS(`document.querySelector("#assignment").dataset.redrawHeld === "1" || !document.querySelector(`+strconv.Quote(button)+`)?.dataset.pressed`)); err != nil {
				t.Fatalf("the assignment was not reloaded on call.updated: %v", err)
			}
			if err := chromedp.Do(phone, release,
				waitJS(`document.querySelector("#assignment .badge.st-on_scene")`),
			); err != nil {
				state, _ := chromedp.Run(phone, chromedp.Evaluate[string](`document.querySelector("#assignment").innerText.slice(0, 200)`))
				d.as(t, "disp", "GET", "/assignments/{id}", apath, nil).JSON(t, &a)
				t.Fatalf("the tap on On scene made during the redraw did not count (%v): the assignment is %s; the section shows: %s", err, a.Status, state)
			}
			d.as(t, "disp", "GET", "/assignments/{id}", apath, nil).JSON(t, &a)
			if a.Status != citdesk.AssignOnScene {
				t.Errorf("assignment status %q, want %q", a.Status, citdesk.AssignOnScene)
			}
			// The note the redraw was for shows after the tap.
			if err := chromedp.Do(phone, waitJS(`document.querySelector("#assignment .notes")?.textContent.includes("knife down")`)); err != nil {
				t.Errorf("the call's new note does not show: %v", err)
			}
		})
	}
}

// formReady is JavaScript that is true once htmx has taken over the form
// of the button sel (a click before that is a plain form post, which
// reloads the page) and no request or swap is under way.
func formReady(sel string) string {
	return `(!!document.querySelector(` + strconv.Quote(sel) + `)?.closest("form")?.["htmx-internal-data"] && !document.querySelector(".htmx-settling, .htmx-swapping, .htmx-request"))`
}

// pressAt returns the press and the release of a mouse click or of a
// touch at (x, y), to send apart.
func pressAt(how string, x, y float64) (press, release chromedp.Action[chromedp.Void]) {
	if how == "touch" {
		touch := func(typ input.DispatchTouchEventType, points []*input.TouchPoint) chromedp.Action[chromedp.Void] {
			return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: points})
				return err
			})
		}
		one := 1.0
		zero := 0.0
		return touch(input.DispatchTouchEventTypeTouchStart, []*input.TouchPoint{{X: x, Y: y, RadiusX: &one, RadiusY: &one, Force: &one, ID: &zero}}),
			touch(input.DispatchTouchEventTypeTouchEnd, []*input.TouchPoint{})
	}
	return chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(chromedp.MouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1))
}

// TestBrowserMyShiftOtherCalls: an officer's phone hears that some call
// changed whenever any call in the agency does. My shift redraws its
// assignment, which reads the call and its crisis plans again (each read
// an audit event), only for a newer version of the call it shows: an
// edit to another call leaves it alone, and so does the echo of the
// officer's own tap; an edit to the officer's call redraws it.
func TestBrowserMyShiftOtherCalls(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	mine, other := d.newCall(t, true), d.newCall(t, false)
	if res := d.as(t, "disp", "POST", "/calls/{id}/assignments", fmt.Sprintf("/api/v1/calls/%d/assignments", mine.ID), map[string]any{"officer_id": d.near}); res.StatusCode != http.StatusCreated {
		t.Fatalf("assign: %d %s", res.StatusCode, res.Body)
	}
	phone := newPhone(t)
	d.chromeLogin(t, phone, "near")
	if err := chromedp.Do(phone, chromedp.Navigate(d.Server.URL+"/me"),
		waitJS(`document.querySelector("#assignment .my-assignment")?.dataset.callId === "`+fmt.Sprint(mine.ID)+`" && !document.querySelector(".htmx-request")`),
		waitJS(`document.querySelector("#assignment").dataset.live === "open"`),
	); err != nil {
		t.Fatalf("My shift: %v", err)
	}
	// Count the section's redraws, and hear the same events the page does
	// on a stream of the test's own.
	if _, err := chromedp.Run(phone, chromedp.Evaluate[bool](`(() => {
		window.redraws = 0;
		document.addEventListener("htmx:beforeSend", e => { if (e.detail.requestConfig.path === "/me/assignment") window.redraws++; });
		window.heard = [];
		const es = new EventSource("/api/v1/events");
		es.addEventListener("call.updated", e => window.heard.push(JSON.parse(e.data).object_id));
		return new Promise(ok => es.addEventListener("open", () => ok(true)));
	})()`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("listen: %v", err)
	}
	edit := func(c callBody, notes string) {
		t.Helper()
		path := fmt.Sprintf("/api/v1/calls/%d", c.ID)
		got := d.as(t, "disp", "GET", "/calls/{id}", path, nil)
		if res := d.as(t, "disp", "PATCH", "/calls/{id}", path, map[string]any{"notes": notes}, "If-Match", got.Header.Get("ETag")); res.StatusCode != http.StatusOK {
			t.Fatalf("edit call %d: %d %s", c.ID, res.StatusCode, res.Body)
		}
	}
	// heard waits until the test's stream has heard of call c as
	// often as n, then gives the page a second: a redraw would be asked for
	// 100 ms after the page heard it too.
	heard := func(c callBody, n int, what string) {
		t.Helper()
		if err := chromedp.Do(phone, waitJS(`window.heard.filter(id => id === `+fmt.Sprint(c.ID)+`).length >= `+fmt.Sprint(n))); err != nil {
			t.Fatalf("%s was not heard: %v", what, err)
		}
		time.Sleep(time.Second)
	}
	edit(other, "Neighbour called back.")
	heard(other, 1, "the edit to the other call")

	// The officer's own taps: en route, then on scene, which moves the
	// call too. The answer shows the call as the tap left it, and the echo
	// of the tap's call.updated redraws nothing (its notice stays).
	const button = `#assignment form.assignment-actions button.primary`
	for _, st := range []string{"en route", "on scene"} {
		if err := chromedp.Do(phone, waitJS(formReady(button)),
			liveClick(button),
			waitJS(`document.querySelector("#assignment .notice")?.textContent.includes("Status: `+st+`")`)); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	heard(mine, 1, "the echo of the officer's on-scene tap")
	if ok, err := chromedp.Run(phone, chromedp.Evaluate[bool](`!!document.querySelector("#assignment .notice")?.textContent.includes("Status: on scene")`)); err != nil || !ok {
		t.Errorf("the tap's notice was redrawn away by its own echo (%v)", err)
	}

	edit(mine, "Caller says he put the knife down.")
	heard(mine, 2, "the edit to the officer's call")
	if err := chromedp.Do(phone, waitJS(`document.querySelector("#assignment .notes")?.textContent.includes("knife down")`)); err != nil {
		t.Fatalf("the edit to the officer's own call did not redraw the assignment: %v", err)
	}
	n, err := chromedp.Run(phone, chromedp.Evaluate[int](`window.redraws`))
	if err != nil || n != 1 {
		t.Errorf("the assignment was redrawn %d times (%v), want once: for the officer's own call only", n, err)
	}
}

// TestBrowserMyShiftDutyEcho: the officer's own status tap comes back on
// the event stream (officer.status) before or after the tap's answer. The
// duty section asked for the page again on every such echo: a second
// render of the page for nothing and, when the echo came after the tap's
// answer, a redraw without the answer's "Status saved" line, which a
// screen reader is reading. It now redraws only for a status, a "since"
// or a position other than the one it shows: a change made elsewhere,
// here by the dispatcher, still shows without a reload.
func TestBrowserMyShiftDutyEcho(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	phone := newPhone(t)
	d.chromeLogin(t, phone, "near")
	if err := chromedp.Do(phone, chromedp.Navigate(d.Server.URL+"/me"),
		waitJS(`document.querySelector("#duty [data-status]")?.dataset.status === "available" && !document.querySelector(".htmx-request")`),
		waitJS(`document.querySelector("#assignment").dataset.live === "open"`),
	); err != nil {
		t.Fatalf("My shift: %v", err)
	}
	if _, err := chromedp.Run(phone, chromedp.Evaluate[bool](`(() => {
		window.dutyRedraws = 0;
		document.addEventListener("htmx:beforeSend", e => { if (e.detail.requestConfig.verb === "get" && e.detail.target?.id === "duty") window.dutyRedraws++; });
		window.heard = 0;
		const es = new EventSource("/api/v1/events");
		es.addEventListener("officer.status", () => window.heard++);
		return new Promise(ok => es.addEventListener("open", () => ok(true)));
	})()`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("listen: %v", err)
	}
	const busy = `#duty form button[value="busy"]`
	if err := chromedp.Do(phone, waitJS(formReady(busy)), liveClick(busy),
		waitJS(`document.querySelector("#duty [data-status]")?.dataset.status === "busy" && !!document.querySelector("#duty [role=status]")`),
		waitJS(`window.heard >= 1`)); err != nil {
		t.Fatalf("tap Busy: %v", err)
	}
	time.Sleep(time.Second) // a redraw would be asked for 100 ms after the page heard the echo
	ok, err := chromedp.Run(phone, chromedp.Evaluate[bool](`!!document.querySelector("#duty [role=status]")?.textContent.includes("Status saved: Busy")`))
	if err != nil || !ok {
		t.Errorf("the tap's \"Status saved\" line was redrawn away by its own echo (%v)", err)
	}
	if n, err := chromedp.Run(phone, chromedp.Evaluate[int](`window.dutyRedraws`)); err != nil || n != 0 {
		t.Errorf("the duty section was redrawn %d times (%v) for the echo of its own tap, want none", n, err)
	}

	// The dispatcher marks the officer available: that shows.
	path := fmt.Sprintf("/api/v1/officers/%d/status", d.near)
	if res := d.as(t, "disp", "PUT", "/officers/{id}/status", path, map[string]any{"status": "available"}); res.StatusCode != http.StatusOK {
		t.Fatalf("dispatcher sets the status: %d %s", res.StatusCode, res.Body)
	}
	if err := chromedp.Do(phone, waitJS(`document.querySelector("#duty [data-status]")?.dataset.status === "available"`)); err != nil {
		t.Fatalf("the dispatcher's change did not show: %v", err)
	}
	if n, err := chromedp.Run(phone, chromedp.Evaluate[int](`window.dutyRedraws`)); err != nil || n != 1 {
		t.Errorf("the duty section was redrawn %d times (%v), want once: for the dispatcher's change", n, err)
	}
}

// TestBrowserMyShiftPositionGoesStale: the officer's position on My shift
// turns "too old for dispatch to trust" when it does, with no event and
// no reload: the section says when (data-stale-in) and the page redraws
// it then. Before, the page kept saying the position was fine until
// something else redrew it, while dispatch no longer trusted it.
func TestBrowserMyShiftPositionGoesStale(t *testing.T) {
	d := newDispatchEnv(t, storetest.SQLite)
	// The officer's position is 2 s short of the agency's limit.
	d.Clock.Advance(citdesk.DefaultPolicy().StalePosition - 2*time.Second)
	phone := newPhone(t)
	d.chromeLogin(t, phone, "near")
	const position = `document.querySelector("#duty .position")`
	if err := chromedp.Do(phone, chromedp.Navigate(d.Server.URL+"/me"),
		waitJS(`document.querySelector("#assignment").dataset.live === "open"`),
		waitJS(position+`?.dataset.staleIn > 0`)); err != nil {
		t.Fatalf("My shift: %v", err)
	}
	text, err := chromedp.Run(phone, chromedp.Evaluate[string](position+`.textContent`))
	if err != nil || strings.Contains(text, "too old") {
		t.Fatalf("the position before its time: %q (%v)", text, err)
	}
	d.Clock.Advance(3 * time.Second)
	if err := chromedp.Do(phone, waitJSWithin(position+`.textContent.includes("too old for dispatch to trust")`, 10*time.Second)); err != nil {
		text, _ := chromedp.Run(phone, chromedp.Evaluate[string](position+`.textContent`))
		t.Fatalf("the position past its time still reads %q: %v", text, err)
	}
	if has, err := chromedp.Run(phone, chromedp.Evaluate[bool](position+`.hasAttribute("data-stale-in")`)); err != nil || has {
		t.Errorf("a stale position still sets a redraw (%v, %v)", has, err)
	}
}
