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
    var timer = null, down = false;
    function reload() {
      clearTimeout(timer);
      timer = setTimeout(function () { htmx.ajax("GET", url, { target: section, swap: "innerHTML" }); }, 100);
    }
    var es = new EventSource("/api/v1/events");
    es.addEventListener("assignment", function (ev) {
      // Skip the echo of a move this page just made: it shows already.
      try {
        var p = JSON.parse(ev.data).payload;
        var shown = section.querySelector("[data-assignment-id]");
        if (p && shown && String(p.id) === shown.dataset.assignmentId && p.status === shown.dataset.assignmentStatus) return;
      } catch (err) { /* reload anyway */ }
      reload();
    });
    es.addEventListener("call.updated", reload);
    // An assignment moves the officer's duty status too: refresh the
    // status part of the page from the page itself.
    es.addEventListener("officer.status", function () {
      if (document.getElementById("duty")) htmx.ajax("GET", location.pathname, { target: "#duty", select: "#duty", swap: "outerHTML" });
    });
    es.addEventListener("open", function () { if (down) reload(); down = false; });
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
    es.addEventListener("liaison", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        htmx.ajax("GET", "/caseload", { target: "#liaison-duty", select: "#liaison-duty", swap: "outerHTML" });
      }, 100);
    });
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
