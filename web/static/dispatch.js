// citdesk dispatch board (dispatch_board.go): live updates from the event
// stream, the map, and small comforts for a call-taker on the keyboard.
// The board works without this file: forms post and the page reloads.
(function () {
  "use strict";

  var board = document.getElementById("board");
  if (!board || typeof htmx === "undefined") return;
  var live = board.querySelector("[data-live-status]");

  function say(text, ok) {
    if (!live) return;
    live.textContent = text;
    live.classList.toggle("live", !!ok);
  }

  // ---- refreshing the parts ----
  var timers = {};
  function panel() { return document.getElementById("board-panel"); }

  // The panel is not refreshed under the dispatcher's hands: while they
  // are in one of its fields, or typed into one in the last 30 s, the
  // refresh waits (and is retried every few seconds).
  function busy(p) {
    if (!p) return false;
    var a = document.activeElement;
    if (a && p.contains(a) && a.matches("input, select, textarea")) return true;
    return Date.now() - (Number(p.dataset.typedAt) || 0) < 30000;
  }

  function refresh(id) {
    clearTimeout(timers[id]);
    timers[id] = setTimeout(function () {
      var el = document.getElementById(id);
      if (!el || !el.getAttribute("hx-get")) return;
      if (id === "board-panel" && busy(el)) {
        timers[id] = setTimeout(function () { refresh(id); }, 5000);
        return;
      }
      htmx.trigger(el, "refresh");
    }, 150);
  }

  function refreshAll() {
    refresh("board-calls");
    refresh("board-officers");
    refresh("board-panel");
  }

  document.addEventListener("input", function (e) {
    var p = panel();
    if (p && p.contains(e.target)) p.dataset.typedAt = String(Date.now());
  });

  // ---- the event stream ----
  var es = null, down = false;
  function connect() {
    if (typeof EventSource === "undefined") return;
    say("Connecting to live updates…", false);
    es = new EventSource(board.dataset.events);
    es.addEventListener("open", function () {
      say("Live: the board updates by itself.", true);
      if (down) refreshAll(); // catch up on what happened while away
      down = false;
    });
    es.addEventListener("error", function () {
      down = true;
      if (es.readyState === EventSource.CLOSED) {
        say("Live updates stopped. Reload the page (you may need to sign in again).", false);
        setTimeout(connect, 15000);
      } else {
        say("Live updates interrupted; reconnecting…", false);
      }
    });
    es.addEventListener("call.created", function () { refresh("board-calls"); refresh("board-panel"); });
    es.addEventListener("call.updated", function () { refresh("board-calls"); refresh("board-panel"); });
    es.addEventListener("assignment", refreshAll);
    es.addEventListener("officer.status", function () { refresh("board-officers"); refresh("board-panel"); });
  }
  connect();

  // ---- after each swap ----
  function markSelected() {
    var p = panel();
    var id = p ? p.dataset.callId : "";
    board.querySelectorAll("li.call").forEach(function (li) {
      var a = li.querySelector(".call-link");
      if (!a) return;
      if (id && li.dataset.callId === id) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
    });
  }

  document.body.addEventListener("htmx:afterSettle", function () {
    markSelected();
    drawPoints();
  });

  // A call was taken: clear the form for the next one, keyboard ready.
  document.body.addEventListener("citdesk:call-created", function () {
    var f = document.getElementById("new-call");
    if (!f) return;
    f.querySelectorAll("input[type=text], input:not([type]), input[type=tel], textarea").forEach(function (el) { el.value = ""; el.removeAttribute("aria-invalid"); });
    f.querySelectorAll("input[type=radio][value=unknown]").forEach(function (el) { el.checked = true; });
    var cit = f.querySelector("input[name=cit_requested]"); if (cit) cit.checked = false;
    var em = f.querySelector("input[name=emergency]"); if (em) em.checked = true;
    var src = f.querySelector("select[name=source]"); if (src) src.value = "911";
    var alert = f.querySelector(".alert"); if (alert) alert.remove();
    var d = f.querySelector("details"); if (d) d.open = false;
    if (pick) { pick.remove(); pick = null; }
    refresh("board-calls");
    var n = f.querySelector("[name=nature]"); if (n) n.focus();
  });

  // ---- the map ----
  var mapEl = document.getElementById("board-map");
  var map = null, points = null, pick = null, fitted = false;

  function initMap() {
    if (!mapEl || typeof L === "undefined") return;
    mapEl.textContent = "";
    var tiles = mapEl.dataset.tiles;
    var lat = parseFloat(mapEl.dataset.lat), lon = parseFloat(mapEl.dataset.lon);
    map = L.map(mapEl, { attributionControl: !!tiles });
    map.setView([isNaN(lat) ? 0 : lat, isNaN(lon) ? 0 : lon], 13);
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }).addTo(map);
    } else {
      mapEl.classList.add("no-tiles");
    }
    points = L.layerGroup().addTo(map);
    // A click on the map fills the new call's coordinates.
    map.on("click", function (e) {
      var f = document.getElementById("new-call");
      if (!f) return;
      var la = f.querySelector("[data-map-pick=lat]"), lo = f.querySelector("[data-map-pick=lon]");
      if (!la || !lo) return;
      la.value = e.latlng.lat.toFixed(6);
      lo.value = e.latlng.lng.toFixed(6);
      if (pick) pick.remove();
      pick = L.circleMarker(e.latlng, { radius: 11, className: "pt-pick" }).addTo(map);
    });
    drawPoints();
  }

  function label(text) {
    var s = document.createElement("span");
    s.textContent = text; // never HTML: natures and names are typed by people
    return s;
  }

  function drawPoints() {
    if (!map) return;
    points.clearLayers();
    var all = [];
    board.querySelectorAll("[data-map-point]").forEach(function (el) {
      var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
      if (isNaN(lat) || isNaN(lon)) return;
      var kind = el.dataset.mapPoint;
      var m = L.circleMarker([lat, lon], { radius: kind === "call" ? 10 : 7, className: "pt-" + kind });
      m.bindTooltip(label(el.dataset.label || ""));
      if (kind === "call" && el.dataset.callId) {
        m.on("click", function () {
          var id = el.dataset.callId;
          htmx.ajax("GET", "/board/calls/" + id, { target: "#board-panel", swap: "outerHTML" });
          history.pushState({}, "", "/board?call=" + id);
        });
      }
      m.addTo(points);
      all.push([lat, lon]);
    });
    if (!fitted && all.length > 0) {
      map.fitBounds(all, { padding: [24, 24], maxZoom: 15 });
      fitted = true;
    }
  }

  initMap();
  markSelected();
})();
