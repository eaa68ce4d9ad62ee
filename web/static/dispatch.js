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
  // are in one of its fields, or typed into one of this call's in the last
  // 30 s, the refresh waits (and is retried every few seconds). When they
  // typed is kept here, not on the panel: a refused form's answer replaces
  // the panel with their choices and the reason, and a refresh just after
  // would wipe both. A form that went through forgets it: what they typed
  // was saved, and the refresh shows what became of it.
  var typed = { call: "", at: 0 };
  document.body.addEventListener("htmx:afterRequest", function (e) {
    // The target may be the panel its answer has just replaced. Not
    // detail.successful: a refusal swapped in (data-swap-errors) counts
    // as successful to htmx.
    var t = e.detail.target, s = e.detail.xhr.status;
    if (e.detail.requestConfig.verb !== "get" && s >= 200 && s < 300 && t && t.closest && t.closest("#board-panel")) typed = { call: "", at: 0 };
  });
  function busy(p) {
    if (!p) return false;
    var a = document.activeElement;
    if (a && p.contains(a) && a.matches("input, select, textarea")) return true;
    return typed.call === (p.dataset.callId || "") && Date.now() - typed.at < 30000;
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

  // A refresh that answers while the dispatcher's press is down in the
  // part it redraws waits for the release (app.js, citdeskLive).
  ["board-calls", "board-officers", "board-panel", "board-aid"].forEach(function (id) {
    citdeskLive.region(id, function () { refresh(id); });
  });

  function refreshAll() {
    refresh("board-calls");
    refresh("board-officers");
    refresh("board-panel");
    refresh("board-aid");
  }

  document.addEventListener("input", function (e) {
    var p = panel();
    if (p && p.contains(e.target)) typed = { call: p.dataset.callId || "", at: Date.now() };
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
    // A liaison's status or step changed: the Responses list shows it.
    es.addEventListener("liaison", function () { refresh("board-panel"); });
    // County mutual aid: a request made or answered, ours or a partner's.
    es.addEventListener("mutual_aid", function () { refresh("board-aid"); refresh("board-panel"); });
  }
  connect();

  // ---- storage that refuses writes ----
  // /readyz answers 503 with the cause while the database refuses writes
  // (disk full, unreachable); the banner says so until it answers 200. It
  // is asked every 10 s, at once when the event stream drops, and after
  // any answer of 503.
  var storage = board.querySelector("[data-storage-banner]");
  var storageTimer = null;
  function checkStorage() {
    clearTimeout(storageTimer);
    storageTimer = setTimeout(checkStorage, 10000);
    if (!storage || typeof fetch === "undefined") return;
    fetch("/readyz", { cache: "no-store" }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (res.ok) { storage.hidden = true; return; }
      storage.querySelector("[data-storage-reason]").textContent = res.body.reason || "the database cannot be reached";
      storage.hidden = false;
    }).catch(function () {
      storage.querySelector("[data-storage-reason]").textContent = "citdesk cannot be reached";
      storage.hidden = false;
    });
  }
  checkStorage();
  if (es) es.addEventListener("error", checkStorage);
  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.xhr && e.detail.xhr.status === 503) checkStorage();
  });

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
    // The triage starts again at its first question: answers cleared,
    // the choice of response gone, the fragment fetched afresh.
    var tri = document.getElementById("triage");
    if (tri) {
      tri.querySelectorAll("input[type=radio]").forEach(function (el) { el.checked = false; });
      tri.querySelectorAll("select, input[name=response_reason]").forEach(function (el) { el.remove(); });
      // The form's own request is still in flight (htmx fires this event
      // as its answer arrives) and would swallow one from inside it: ask
      // once its answer has settled.
      document.body.addEventListener("htmx:afterSettle", function () {
        var t = document.getElementById("triage");
        if (t) htmx.trigger(t, "change");
      }, { once: true });
    }
    var cit = f.querySelector("input[name=cit_requested]"); if (cit) cit.checked = false;
    var em = f.querySelector("input[name=emergency]"); if (em) em.checked = true;
    var src = f.querySelector("select[name=source]"); if (src) src.value = "911";
    var alert = f.querySelector(".alert"); if (alert) alert.remove();
    var d = f.querySelector("details"); if (d) d.open = false;
    if (pick) { pick.remove(); pick = null; }
    note("");
    var addr = document.getElementById("nc-address"); if (addr) delete addr.dataset.filled;
    refresh("board-calls");
    var n = f.querySelector("[name=nature]"); if (n) n.focus();
  });

  // ---- waiting times, alerts and their sound ----
  // Each open call carries the time it was received (data-received); the
  // waiting time and the alerts are worked out here every second, so they
  // stay true between refreshes. The rule is citdesk.QueueAlert: an
  // emergency with no officer sent past the agency's threshold
  // (data-alert-after, seconds), or a CIT-requested call with no CIT
  // officer on it (data-no-cit, from the server).
  var alertAfter = Number(board.dataset.alertAfter) || 60;
  var banner = document.getElementById("board-alert");
  var soundBtn = document.getElementById("alert-sound");
  var MUTE_KEY = "citdesk.board.alertSoundMuted";
  var known = {}; // alert keys seen, so only a new alert beeps
  var audio = null, lastBeep = 0;

  function muted() {
    try { return localStorage.getItem(MUTE_KEY) === "1"; } catch (e) { return false; }
  }
  function showSound() {
    if (!soundBtn) return;
    var m = muted();
    soundBtn.hidden = false;
    soundBtn.setAttribute("aria-pressed", m ? "true" : "false");
    soundBtn.textContent = m ? "Alert sound muted" : "Alert sound on";
    soundBtn.title = m ? "Turn the alert sound back on" : "Mute the alert sound (the banner stays)";
  }
  if (soundBtn) {
    soundBtn.addEventListener("click", function () {
      try { localStorage.setItem(MUTE_KEY, muted() ? "0" : "1"); } catch (e) { /* private mode: not remembered */ }
      showSound();
      if (!muted()) beep(); // let the dispatcher hear what it sounds like
    });
    showSound();
  }

  // beep plays two short tones with the Web Audio API (no audio file).
  function beep() {
    if (muted()) return;
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      if (!audio) audio = new AC();
      if (audio.state === "suspended") audio.resume();
      var t = audio.currentTime;
      [0, 0.25].forEach(function (off) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.type = "square";
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, t + off);
        gain.gain.exponentialRampToValueAtTime(0.2, t + off + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + off + 0.18);
        osc.connect(gain).connect(audio.destination);
        osc.start(t + off);
        osc.stop(t + off + 0.2);
      });
      lastBeep = Date.now();
      board.dataset.beeps = String((Number(board.dataset.beeps) || 0) + 1);
    } catch (e) { /* no audio device: the banner still shows */ }
  }

  function waited(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + " s";
    var m = Math.floor(s / 60);
    if (m < 60) return m + " min " + (s % 60) + " s";
    var h = Math.floor(m / 60);
    if (h < 48) return h + " h " + (m % 60) + " min";
    return Math.floor(h / 24) + " days";
  }

  function tick() {
    var now = Date.now(), alerts = [], fresh = false, seen = {};
    board.querySelectorAll("#board-calls li.call").forEach(function (li) {
      var since = Date.parse(li.dataset.received || "");
      if (isNaN(since)) return;
      var w = li.querySelector(".waiting[data-since]");
      if (w) w.textContent = (w.dataset.prefix || "waiting") + " " + waited(now - since);
      var status = li.dataset.status;
      var open = status === "pending" || status === "dispatched" || status === "on_scene";
      var words = [];
      if (open && li.hasAttribute("data-emergency") && li.hasAttribute("data-unsent") && now - since > alertAfter * 1000) {
        words.push("emergency waiting " + waited(now - since) + " with no officer sent");
        seen[li.dataset.callId + ":emergency"] = true;
      }
      if (open && li.hasAttribute("data-no-cit")) {
        words.push("CIT requested, no CIT officer on it");
        seen[li.dataset.callId + ":cit"] = true;
      }
      var marker = li.querySelector("[data-call-alert]");
      if (marker) {
        marker.hidden = words.length === 0;
        marker.textContent = words.length ? "⚠ " + words.join("; ") : "";
      }
      li.classList.toggle("alerting", words.length > 0);
      if (words.length) alerts.push("#" + li.dataset.callId + " " + (li.dataset.nature || "") + ": " + words.join("; "));
    });
    Object.keys(seen).forEach(function (k) { if (!known[k]) fresh = true; });
    known = seen;
    if (banner) {
      banner.hidden = alerts.length === 0;
      var title = banner.querySelector(".board-alert-title"), list = banner.querySelector(".board-alert-list");
      var text = alerts.length ? "⚠ " + alerts.length + (alerts.length === 1 ? " call needs" : " calls need") + " you now" : "";
      // Only touch the live region when the words change, so a screen
      // reader is not told the same thing every second.
      if (title && title.textContent !== text) title.textContent = text;
      if (list) {
        var old = [].map.call(list.children, function (li) { return li.textContent; }).join("\n");
        if (old.replace(/\d+ (s|min|h|days)\b/g, "") !== alerts.join("\n").replace(/\d+ (s|min|h|days)\b/g, "")) {
          list.textContent = "";
          alerts.forEach(function (a) { var li = document.createElement("li"); li.textContent = a; list.appendChild(li); });
        } else {
          [].forEach.call(list.children, function (li, i) { li.textContent = alerts[i]; });
        }
      }
    }
    // A new alert beeps at once; one that stays beeps again each minute.
    if (alerts.length && (fresh || now - lastBeep > 60000)) beep();
  }
  tick();
  setInterval(tick, 1000);
  document.body.addEventListener("htmx:afterSettle", tick);

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
      // citdesk's own tiles (GET /api/v1/map/tiles) leave the land to the map's background.
      if (tiles.indexOf("/api/v1/map/tiles/") === 0) mapEl.classList.add("own-tiles");
    } else {
      mapEl.classList.add("no-tiles");
    }
    points = L.layerGroup().addTo(map);
    // A click on the map fills the new call's coordinates and names the
    // nearest address on the agency's list.
    map.on("click", function (e) {
      var at = setLocation(e.latlng.lat, e.latlng.lng, false);
      if (!at) return;
      var text = "Map click: the new call's location is set to " + at + ".";
      say(text, !!es && es.readyState === 1);
      note(text);
      var mine = ++reverseSeq;
      getJSON("/api/v1/geocode/reverse?lat=" + e.latlng.lat.toFixed(6) + "&lon=" + e.latlng.lng.toFixed(6)).then(function (m) {
        if (mine !== reverseSeq || !m || !m.label) return;
        // The address goes in the Address field only when the click is
        // at it (within about 500 ft) and the field is empty or was filled
        // by an earlier click.
        var addr = document.getElementById("nc-address"), kept = "";
        if (addr && Number(m.distance_m) > NEAR_M) {
          kept = " That is too far to be the call's address: type the address.";
          if (addr.dataset.filled === "auto") { addr.value = ""; delete addr.dataset.filled; }
        } else if (addr && (addr.value.trim() === "" || addr.dataset.filled === "auto")) {
          addr.value = m.label;
          addr.dataset.filled = "auto";
        } else if (addr) {
          kept = " The Address field keeps what you typed.";
        }
        note(text + " Nearest address: " + m.label + ", " + distance(m.distance_m) + " away." + kept);
        if (pick) pick.setTooltipContent(label("New call's location, near " + m.label));
      }).catch(function () { /* no address list: the coordinates stand */ });
    });
    drawPoints();
  }

  // setLocation puts (lat, lon) in the new call's Latitude and Longitude
  // and marks it on the map (centering it when pan); it returns the
  // coordinates as written, or "" when there is no form.
  function setLocation(lat, lon, pan) {
    var f = document.getElementById("new-call");
    if (!f) return "";
    var la = f.querySelector("[data-map-pick=lat]"), lo = f.querySelector("[data-map-pick=lon]");
    if (!la || !lo) return "";
    la.value = Number(lat).toFixed(6);
    lo.value = Number(lon).toFixed(6);
    la.removeAttribute("aria-invalid");
    lo.removeAttribute("aria-invalid");
    if (map) {
      if (pick) pick.remove();
      pick = L.circleMarker([lat, lon], { radius: 11, className: "pt-pick" }).addTo(map);
      pick.bindTooltip(label("New call's location"));
      if (pan) map.panTo([lat, lon]);
    }
    return la.value + ", " + lo.value;
  }

  // note says under the coordinates where the location came from.
  function note(text) {
    var n = document.getElementById("nc-location-note");
    if (n) n.textContent = text;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    });
  }

  // distance says how far in the agency's units (board data-units): feet
  // and miles, or meters and kilometers (as the recommendations do).
  function distance(m) {
    m = Number(m) || 0;
    if (board.dataset.units === "metric") {
      return m < 995 ? Math.max(10, Math.round(m / 10) * 10) + " m" : (m / 1000).toFixed(1) + " km";
    }
    var ft = m / 0.3048;
    return ft < 528 ? Math.max(50, Math.round(ft / 50) * 50) + " ft" : (m / 1609.344).toFixed(1) + " mi";
  }

  // ---- the address lookup: an ARIA 1.2 combobox on the Address field ----
  // Typing asks GET /api/v1/geocode; ↓ and ↑ move through the matches
  // (aria-activedescendant, so focus stays in the field), Enter takes one,
  // Esc closes the list, Tab moves on. Taking a match fills the address
  // and the location. Without JavaScript the field is a plain text field.
  var reverseSeq = 0, NEAR_M = 150;
  function setupLookup() {
    var input = document.getElementById("nc-address"), list = document.getElementById("nc-address-list");
    if (!input || !list || input.dataset.lookup) return;
    input.dataset.lookup = "on";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var hint = document.getElementById("nc-address-hint");
    if (hint) { hint.hidden = false; input.setAttribute("aria-describedby", hint.id); }
    var matches = [], active = -1, seq = 0, timer = null, took = false;
    var status = document.getElementById("nc-address-status"); // read to screen readers only

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function render() {
      list.textContent = "";
      if (!matches.length) { close(); return; }
      matches.forEach(function (m, i) {
        var li = document.createElement("li");
        li.id = "nc-address-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        li.dataset.kind = m.kind;
        li.textContent = m.label;
        if (m.kind !== "address") {
          var k = document.createElement("span");
          k.className = "muted";
          k.textContent = m.kind === "street" ? " · street, no house number" : " · place";
          li.appendChild(k);
        }
        // mousedown, not click: the field keeps focus.
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      if (active >= 0) {
        input.setAttribute("aria-activedescendant", "nc-address-opt-" + active);
        var el = document.getElementById("nc-address-opt-" + active);
        if (el && el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function lookup() {
      var q = input.value.trim(), mine = ++seq;
      if (q.length < 2) { matches = []; render(); return; }
      getJSON("/api/v1/geocode?limit=8&q=" + encodeURIComponent(q)).then(function (ms) {
        if (mine !== seq || document.activeElement !== input) return; // a newer lookup, or the dispatcher moved on
        matches = ms || [];
        active = -1;
        render();
        if (status) status.textContent = matches.length ? matches.length + (matches.length === 1 ? " address found" : " addresses found") + ": ↓ to choose." : "No address found; type the coordinates or click the map.";
      }).catch(function () { matches = []; render(); });
    }
    function choose(i) {
      var m = matches[i];
      if (!m) return;
      close();
      seq++; // an answer still on its way must not reopen the list
      input.value = m.label;
      input.dataset.filled = "lookup";
      var at = setLocation(m.lat, m.lon, true);
      note("From the address list: " + m.label + (m.kind === "street" ? " (the middle of the street: ask for the house number)" : m.kind === "place" ? " (the middle of the place: ask where exactly)" : "") + ", at " + at + ".");
    }
    input.addEventListener("input", function () {
      delete input.dataset.filled;
      clearTimeout(timer);
      timer = setTimeout(lookup, 120);
    });
    input.addEventListener("keydown", function (e) {
      switch (e.key) {
      case "ArrowDown":
        e.preventDefault();
        if (!matches.length) { lookup(); return; }
        active = list.hidden ? 0 : (active + 1) % matches.length;
        render();
        break;
      case "ArrowUp":
        e.preventDefault();
        if (!matches.length) return;
        active = list.hidden || active <= 0 ? matches.length - 1 : active - 1;
        render();
        break;
      case "Enter":
        if (!list.hidden && active >= 0) { e.preventDefault(); took = true; choose(active); }
        break;
      case "Escape":
        if (!list.hidden) { e.preventDefault(); close(); }
        break;
      case "Tab":
        close();
        break;
      }
    });
    // The Enter that took a match must not also send the form: a keypress
    // can arrive on its own (some input methods and automation send one).
    input.addEventListener("keypress", function (e) {
      if (e.key === "Enter" && took) e.preventDefault();
    });
    input.addEventListener("keyup", function (e) { if (e.key === "Enter") took = false; });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }
  setupLookup();
  document.body.addEventListener("htmx:afterSettle", setupLookup);

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
      var text = el.dataset.label || "";
      if (kind === "cit") text += " (CIT officer)"; else if (kind === "officer") text += " (officer)";
      // A marker, not a drawn circle: it has a title and takes keyboard
      // focus (Tab), and Enter or Space on a call opens it.
      var size = kind === "call" ? 22 : 16;
      var m = L.marker([lat, lon], { title: text, alt: text, keyboard: true,
        icon: L.divIcon({ className: "pt pt-" + kind, iconSize: [size, size], html: "" }) });
      m.bindTooltip(label(text));
      var open = null;
      if (kind === "call" && el.dataset.callId) {
        open = function () {
          var id = el.dataset.callId;
          htmx.ajax("GET", "/board/calls/" + id, { target: "#board-panel", swap: "outerHTML" });
          history.pushState({}, "", "/board?call=" + id);
        };
        m.on("click", open);
      }
      m.addTo(points);
      var icon = m.getElement();
      if (icon) {
        icon.setAttribute("aria-label", text + (open ? ": press Enter to open the call" : ""));
        icon.setAttribute("data-point-kind", kind);
        if (!open) icon.setAttribute("role", "img");
        icon.addEventListener("keydown", function (ev) {
          if (open && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); open(); }
        });
      }
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
