// citdesk outcomes dashboard: draws a chart per measure with uPlot from the
// page's JSON data block (#outcomes-data), and again whenever htmx swaps in
// the results for a new date range. Without JavaScript the page shows the
// same figures as sentences and tables. The public page uses it too, with
// quarters ("2025-Q3") instead of months. A period marked partial (the
// current month, or one the range cuts) is drawn hollow on a dashed line
// in a series of its own, labelled "so far", so it never reads as a fall.
"use strict";
(function () {
  var plots = [];
  var colours = { total: "#0b57d0", cit: "#146c2e", non_cit: "#a0522d" };

  function monthSeconds(m) {
    var p = m.split("-");
    if (p[1].charAt(0) === "Q") return Date.UTC(+p[0], (+p[1].slice(1) - 1) * 3, 1) / 1000;
    return Date.UTC(+p[0], +p[1] - 1, 1) / 1000;
  }

  // splitPartial returns [whole, soFar]: the values of the whole periods
  // (null at partial ones), and those of the partial periods joined to
  // the whole period beside each, so the dashed line starts where the
  // solid one stops.
  function splitPartial(values, partial) {
    var whole = values.slice(), soFar = values.map(function () { return null; });
    if (!partial) return [whole, null];
    var any = false;
    values.forEach(function (v, i) {
      if (!partial[i]) return;
      any = true;
      whole[i] = null;
      soFar[i] = v;
      if (i > 0 && !partial[i - 1]) soFar[i - 1] = values[i - 1];
      if (i + 1 < values.length && !partial[i + 1]) soFar[i + 1] = values[i + 1];
    });
    return [whole, any ? soFar : null];
  }

  function wholeOnly(values, partial) {
    if (!partial) return values;
    return values.map(function (v, i) { return partial[i] ? null : v; });
  }

  function unitWord(unit) {
    switch (unit) {
      case "percent": return "%";
      case "per_100": return "per 100";
      case "minutes": return "minutes";
    }
    return "count";
  }

  function width(el) {
    return Math.max(260, Math.floor(el.getBoundingClientRect().width) || 320);
  }

  function draw() {
    plots.forEach(function (p) { p.destroy(); });
    plots = [];
    var block = document.getElementById("outcomes-data");
    var results = document.getElementById("outcomes-results");
    if (!block || !results || typeof uPlot === "undefined") return;
    var data;
    try { data = JSON.parse(block.textContent); } catch (e) { return; }
    (data.charts || []).forEach(function (c) {
      var el = results.querySelector('.chart[data-chart="' + c.id + '"]');
      if (!el) return;
      el.textContent = "";
      if (!c.months || c.months.length === 0) {
        el.dataset.points = "0";
        return;
      }
      var xs = c.months.map(monthSeconds);
      var parts = splitPartial(c.total, c.partial);
      // Whole periods have filled points; a period so far is hollow.
      var dots = function (colour) { return { show: c.months.length < 40, fill: colour, stroke: colour }; };
      var series = [{}, { label: "All", stroke: colours.total, width: 2, points: dots(colours.total) }];
      var cols = [xs, parts[0]];
      if (parts[1]) {
        series.push({ label: c.partial_label || "All, so far", stroke: colours.total, width: 2, dash: [3, 4],
          points: { show: true, size: 9, width: 2, fill: "#ffffff", stroke: colours.total,
            // Only the partial periods are hollow; the whole period the
            // dashed line starts from keeps its filled point.
            filter: function () { return c.partial.map(function (p, i) { return p ? i : -1; }).filter(function (i) { return i >= 0; }); } } });
        cols.push(parts[1]);
      }
      if (c.cit && c.non_cit) {
        // The split of a period so far is in the table, not drawn.
        series.push({ label: "CIT-certified", stroke: colours.cit, width: 2, dash: [1, 0], points: dots(colours.cit) });
        series.push({ label: "Not CIT certified", stroke: colours.non_cit, width: 2, dash: [6, 4], points: dots(colours.non_cit) });
        cols.push(wholeOnly(c.cit, c.partial), wholeOnly(c.non_cit, c.partial));
      }
      var opts = {
        width: width(el),
        height: 200,
        series: series,
        scales: { x: { time: true }, y: { range: function (u, min, max) { return [Math.min(0, min), max > 0 ? max * 1.1 : 1]; } } },
        axes: [{}, { label: unitWord(c.unit), size: 56 }],
        legend: { live: false }
      };
      plots.push(new uPlot(opts, cols, el));
      el.dataset.points = String(c.months.length);
      el.dataset.partial = String((c.partial || []).filter(Boolean).length);
      el.dataset.range = data.range;
    });
    results.dataset.drawn = data.range;
    window.citdeskOutcomeDraws = (window.citdeskOutcomeDraws || 0) + 1;
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      plots.forEach(function (p) {
        var el = p.root.parentNode;
        if (el) p.setSize({ width: width(el), height: 200 });
      });
    }, 150);
  });

  document.addEventListener("htmx:afterSettle", function (e) {
    if (document.getElementById("outcomes-results")) draw();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
// ---- Where crisis calls come from (outcomes.Places; web/ui/places.go) ----
// Draws each area of #places-data as a square on #places-map, darker for
// more calls, with its count on hover and focus; the table beside it lists
// the busiest areas for whoever cannot see the map.
(function () {
  var map = null;
  function drawPlaces() {
    var el = document.getElementById("places-map"), block = document.getElementById("places-data");
    if (!el || !block || typeof L === "undefined" || el.dataset.drawn) return;
    var data;
    try { data = JSON.parse(block.textContent); } catch (err) { return; }
    if (map) { map.remove(); map = null; }
    el.textContent = "";
    var tiles = el.dataset.tiles;
    map = L.map(el, { attributionControl: !!tiles, scrollWheelZoom: false });
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }).addTo(map);
      // citdesk's own tiles (GET /api/v1/map/tiles) leave the land to the map's background.
      if (tiles.indexOf("/api/v1/map/tiles/") === 0) el.classList.add("own-tiles");
    } else {
      el.classList.add("no-tiles");
    }
    var most = 1;
    data.cells.forEach(function (c) { most = Math.max(most, c.n); });
    var layer = L.featureGroup().addTo(map);
    data.cells.forEach(function (c) {
      var shade = 0.15 + 0.7 * (c.n / most);
      L.rectangle([[c.b[0], c.b[1]], [c.b[2], c.b[3]]], { color: "#8a1c1c", weight: 1, fillColor: "#c0392b", fillOpacity: shade, className: "place-cell" })
        .bindTooltip(c.w + ": " + c.n.toLocaleString("en-US") + (c.n === 1 ? " crisis call" : " crisis calls"))
        .addTo(layer);
    });
    if (data.cells.length) {
      map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 15 });
    } else {
      map.setView([parseFloat(el.dataset.lat) || 0, parseFloat(el.dataset.lon) || 0], 12);
    }
    el.dataset.drawn = "1";
  }
  document.addEventListener("htmx:afterSettle", drawPlaces);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawPlaces); else drawPlaces();
})();
