// citdesk's small script: pages work without it; it adds live updates.
"use strict";

// ---- My shift: share position (officers_me.go) ----
// Progressive enhancement: the status forms carry hidden lat/lon fields
// that stay blank unless the officer lets the browser share a position.
// Nothing asks for permission until the officer taps "Share my location";
// when permission was granted before, the position is watched at once.
(function () {
  var last = null;
  function fill(root) {
    if (!last) return;
    (root || document).querySelectorAll('input[data-geo="lat"]').forEach(function (el) { el.value = last.lat; });
    (root || document).querySelectorAll('input[data-geo="lon"]').forEach(function (el) { el.value = last.lon; });
  }
  function say(text) {
    var s = document.querySelector("[data-geo-status]");
    if (s) s.textContent = text;
  }
  function watch() {
    navigator.geolocation.watchPosition(function (p) {
      last = { lat: p.coords.latitude.toFixed(6), lon: p.coords.longitude.toFixed(6) };
      fill(document);
      say("Location shared with your next status change.");
    }, function () {
      say("Location not available; your status still works without it.");
    }, { enableHighAccuracy: true, maximumAge: 30000, timeout: 20000 });
  }
  function init() {
    var box = document.querySelector(".geo-share");
    if (!box || !("geolocation" in navigator)) return;
    box.hidden = false;
    var btn = box.querySelector("[data-geo-share]");
    btn.addEventListener("click", function () { say("Asking for your location…"); watch(); });
    if (navigator.permissions && navigator.permissions.query) {
      navigator.permissions.query({ name: "geolocation" }).then(function (st) {
        if (st.state === "granted") watch();
      }).catch(function () {});
    }
    // htmx swaps in new status forms: fill their hidden fields too.
    document.body.addEventListener("htmx:afterSettle", function () { fill(document); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
// ---- end My shift ----

// ---- Live regions: a redraw never eats a tap ----
// Parts of a page redraw themselves when the event stream says something
// changed: the assignment and the duty status on My shift, the dispatch
// board's lists and panel. A tap is a press and a release; a redraw
// between the two swaps the pressed button for a new one, and the browser
// then makes no click of either, so the officer's "On scene" or the
// dispatcher's "Assign" does nothing. So, for a region registered here:
// - a redraw (a GET) that answers while a press is down inside it is held,
//   and asked for again once the press is up (the region says so with
//   data-redraw-held while it waits);
// - a redraw asked for before the region's own form was sent, or that
//   answers while the form is on its way, is dropped: the form's answer
//   shows the region as it is after the form (its message included, which
//   a late redraw would wipe).
// Pages work without this (and without JavaScript); it only keeps taps.
window.citdeskLive = (function () {
  var regions = {}; // id → function that redraws it again
  var held = {};    // id → a redraw waits for the press to end
  var sending = {}; // id → forms sent into it and not yet answered
  var formSent = {}; // id → when (in sends) its last form was sent
  var sends = 0;     // requests sent so far, in order
  var pressed = null, pressTimer = null;

  function regionOf(el) {
    for (; el && el.nodeType === 1; el = el.parentElement) {
      if (el.id && regions[el.id]) return el.id;
    }
    return "";
  }
  function down(e) {
    pressed = e.target;
    // A press held this long is not a tap: let the redraws through.
    clearTimeout(pressTimer);
    pressTimer = setTimeout(up, 5000);
  }
  function up() {
    if (!pressed) return;
    pressed = null;
    clearTimeout(pressTimer);
    // The click that follows the release goes first.
    setTimeout(function () {
      Object.keys(held).forEach(function (id) {
        delete held[id];
        var el = document.getElementById(id);
        if (el) delete el.dataset.redrawHeld;
        if (!sending[id]) regions[id]();
      });
    }, 0);
  }
  document.addEventListener("pointerdown", down, true);
  document.addEventListener("pointerup", up, true);
  document.addEventListener("pointercancel", up, true);

  // beforeSend, not beforeRequest: a request cancelled before it is sent
  // would never be answered, and its region would wait for it for good.
  document.addEventListener("htmx:beforeSend", function (e) {
    var id = regionOf(e.detail.target);
    if (!id) return;
    e.detail.xhr.citdeskSent = ++sends;
    if (e.detail.requestConfig.verb === "get") return;
    formSent[id] = sends;
    sending[id] = (sending[id] || 0) + 1;
    // The answer may go elsewhere (HX-Retarget: a refused new call goes
    // back to its form): remember which region waits for it.
    e.detail.xhr.citdeskSending = id;
    if (held[id]) {
      delete held[id];
      var el = document.getElementById(id);
      if (el) delete el.dataset.redrawHeld;
    }
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var id = e.detail.xhr && e.detail.xhr.citdeskSending;
    if (id && sending[id]) sending[id]--;
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var t = e.detail.target;
    if (!t || !t.id || !regions[t.id] || e.detail.requestConfig.verb !== "get") return;
    if (sending[t.id] || (e.detail.xhr.citdeskSent || 0) < (formSent[t.id] || 0)) {
      e.detail.shouldSwap = false;
      return;
    }
    if (pressed && t.contains(pressed)) {
      e.detail.shouldSwap = false;
      held[t.id] = true;
      t.dataset.redrawHeld = "1";
    }
  });

  return {
    // region registers the element with this id as live: redraw redraws
    // it (with its own delay and checks) when a held redraw is due.
    region: function (id, redraw) { regions[id] = redraw; },
    // sending says whether a form into the region is on its way.
    sending: function (id) { return (sending[id] || 0) > 0; }
  };
})();
// ---- end Live regions ----

// ---- Dispatch: error answers and the live assignment on My shift (dispatch_*.go) ----
(function () {
  // htmx leaves 4xx and 5xx answers unswapped. Forms marked
  // data-swap-errors answer a conflict (409), a stale version (412), bad
  // input (422) or storage refusing writes (503) with the part to show,
  // message included, so swap it.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var s = e.detail.xhr.status;
    if ((s === 409 || s === 412 || s === 422 || s === 503) && e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("[data-swap-errors]")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });

  // My shift: reload the assignment section when the event stream says one
  // of mine changed, so a new assignment shows without a reload.
  function init() {
    var section = document.getElementById("assignment");
    if (!section || !section.getAttribute("hx-get") || typeof EventSource === "undefined" || typeof htmx === "undefined") return;
    var url = section.getAttribute("hx-get");
    var down = false;
    // later(id, redraw) returns a reload for region id: reload(stillNeeded)
    // redraws 100 ms from now, unless every reason given meanwhile says by
    // then that what it was for shows already (stillNeeded returns false);
    // no reason means redraw. The events of a tap here come back before
    // the tap's own answer, so this is looked at when the timer fires, and
    // after any form into the region on its way is answered.
    function later(id, redraw) {
      var timer = null, reasons = [];
      function fire() {
        if (citdeskLive.sending(id)) { timer = setTimeout(fire, 100); return; }
        var r = reasons;
        reasons = [];
        if (r.some(function (f) { return !f || f(); })) redraw();
      }
      return function (stillNeeded) {
        reasons.push(typeof stillNeeded === "function" ? stillNeeded : null);
        clearTimeout(timer);
        timer = setTimeout(fire, 100);
      };
    }
    var reload = later("assignment", function () { htmx.ajax("GET", url, { target: section, swap: "innerHTML" }); });
    var es = new EventSource("/api/v1/events");
    es.addEventListener("assignment", function (ev) {
      // Skip the echo of a move this page made (or an older one): the
      // section shows that version of the assignment, or a newer one.
      var p = null;
      try { p = JSON.parse(ev.data).payload; } catch (err) { /* reload anyway */ }
      reload(p && function () {
        var shown = section.querySelector("[data-assignment-id]");
        return !(shown && String(p.id) === shown.dataset.assignmentId && p.version <= Number(shown.dataset.assignmentVersion || 0));
      });
    });
    // Officers hear of every call that changes (its version, without its
    // details): redraw only for a call this section shows, in a version
    // newer than the one shown. Each redraw reads the call and its crisis
    // plans again, and each of those reads is an audit event: a call
    // elsewhere in the county is no cause for one, nor is the echo of a
    // tap here, whose answer shows the call as the tap left it (and keeps
    // its "Status: …" notice).
    es.addEventListener("call.updated", function (ev) {
      var e = null;
      try { e = JSON.parse(ev.data); } catch (err) { /* reload anyway */ }
      reload(e && function () {
        var shown = section.querySelector('[data-call-id="' + e.object_id + '"]');
        if (!shown) return false;
        var have = Number(shown.dataset.callVersion || 0);
        return !(have && e.payload && e.payload.version <= have);
      });
    });
    // The officer's duty status moves with their taps, their assignments
    // and the dispatcher: refresh the status part of the page from the
    // page itself, unless the event says what it shows already (data-duty,
    // dutyKey in shift.go: status, since, position time). The echo of a
    // tap here is no cause: the tap's answer shows it, with the "Status
    // saved" line a screen reader is reading.
    var reloadDuty = later("duty", function () {
      if (document.getElementById("duty")) htmx.ajax("GET", location.pathname, { target: "#duty", select: "#duty", swap: "outerHTML" });
    });
    function ms(t) { return t ? String(Date.parse(t)) : ""; }
    es.addEventListener("officer.status", function (ev) {
      var d = null;
      try { d = JSON.parse(ev.data).payload.duty; } catch (err) { /* reload anyway */ }
      reloadDuty(d && function () {
        var shown = document.getElementById("duty");
        return !(shown && shown.dataset.duty === d.status + "|" + ms(d.since) + "|" + ms(d.position_at));
      });
    });
    // The position shown turns too old for dispatch to trust with time,
    // and no event says so: redraw the duty section when it does
    // (data-stale-in: ms from when the section was drawn), so the officer
    // is told to share it again.
    var staleTimer = null;
    function watchStale() {
      var p = document.querySelector("#duty [data-stale-in]");
      clearTimeout(staleTimer);
      if (!p) return;
      if (!p.dataset.staleAt) p.dataset.staleAt = String(Date.now() + Number(p.dataset.staleIn));
      staleTimer = setTimeout(function () { reloadDuty(); }, Math.max(0, Number(p.dataset.staleAt) - Date.now()) + 250);
    }
    watchStale();
    document.body.addEventListener("htmx:afterSettle", watchStale);
    citdeskLive.region("assignment", reload);
    citdeskLive.region("duty", reloadDuty);
    // data-live="open": the section is listening (tests wait for it).
    es.addEventListener("open", function () { if (down) { reload(); reloadDuty(); } down = false; section.dataset.live = "open"; });
    es.addEventListener("error", function () { down = true; });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
// ---- end Dispatch ----
// ---- Caseload: the liaison's co-response section (caseload_liaison.go) ----
// Redraw the liaison's status and call from the page itself when the
// event stream says either changed, so a dispatcher's co-response shows at
// once. Without the script, the page shows it on the next load.
(function () {
  function init() {
    var section = document.getElementById("liaison-duty");
    if (!section || typeof EventSource === "undefined" || typeof htmx === "undefined") return;
    var es = new EventSource("/api/v1/events");
    var timer = null;
    function reload() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        htmx.ajax("GET", "/caseload", { target: "#liaison-duty", select: "#liaison-duty", swap: "outerHTML" });
      }, 100);
    }
    es.addEventListener("liaison", reload);
    citdeskLive.region("liaison-duty", reload);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
// ---- end Caseload ----
// ---- Contact reports (issue 5) ----
// Show only the follow-up questions that apply (data-show-if="field:v1,v2");
// without this script every question shows, and the server ignores the
// answers that do not apply. Point at the field a server error names.
(function () {
  function applies(form, rule) {
    var parts = rule.split(":"), name = parts[0], vals = (parts[1] || "").split(",");
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if (el.type === "checkbox" || el.type === "radio") { if (el.checked && vals.indexOf(el.value) >= 0) return true; }
      else if (vals.indexOf(el.value) >= 0) return true;
    }
    return false;
  }
  function update(form) {
    var deps = form.querySelectorAll("[data-show-if]");
    for (var i = 0; i < deps.length; i++) deps[i].hidden = !applies(form, deps[i].getAttribute("data-show-if"));
  }
  function init() {
    var forms = document.querySelectorAll("form.report-form");
    for (var i = 0; i < forms.length; i++) {
      (function (form) {
        update(form);
        form.addEventListener("change", function () { update(form); });
      })(forms[i]);
    }
    // Every field the server found wrong carries its message beside it
    // (.field-error[data-error-for]): mark each field invalid, show the
    // follow-up it sits in, and focus the first one on the page.
    var first = null;
    var marks = document.querySelectorAll("[data-error-for]");
    for (var k = 0; k < marks.length; k++) {
      // The field is looked for where its message is: the person panel
      // has an "address" of its own.
      var root = marks[k].closest("form") || marks[k].closest("section") || document;
      var el = mark(marks[k].getAttribute("data-error-for"), marks[k].id, root);
      if (el && !first) first = el;
    }
    // A form naming one wrong field without a message beside it (the
    // crisis plan form) points at that field.
    var errForms = document.querySelectorAll("form[data-error-field]");
    for (var j = 0; j < errForms.length && !first; j++) {
      var field = errForms[j].getAttribute("data-error-field");
      if (field) first = mark(field, "form-error", errForms[j]);
    }
    if (first) first.focus();
    // A link in the error summary moves the focus to its field.
    document.querySelectorAll("[data-error-link]").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        var msg = document.getElementById(a.getAttribute("data-error-link") + "-error");
        var el = msg && fieldOf(a.getAttribute("data-error-link"), msg.closest("form") || msg.closest("section") || document);
        if (el) { ev.preventDefault(); el.scrollIntoView({ block: "center" }); el.focus(); }
      });
    });
  }
  function fieldOf(name, root) {
    return root.querySelector('[name="' + name + '"]:not([type=hidden])') || root.querySelector("input:not([type=hidden]), button");
  }
  // mark flags every control named name invalid, described by the message
  // with id describedBy, and returns the first one.
  function mark(name, describedBy, root) {
    var els = (root || document).querySelectorAll('[name="' + name + '"]:not([type=hidden])');
    // A problem with no control of its own (the person to link) points at
    // the first control beside it.
    if (!els.length && root && root !== document) els = root.querySelectorAll("input:not([type=hidden]), select, textarea, button");
    for (var i = 0; i < els.length; i++) {
      var box = els[i].closest("[data-show-if]");
      if (box) box.hidden = false;
      els[i].setAttribute("aria-invalid", "true");
      if (describedBy && document.getElementById(describedBy)) els[i].setAttribute("aria-describedby", describedBy);
    }
    return els[0] || null;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
// ---- end Contact reports ----
