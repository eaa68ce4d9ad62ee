// citdesk outcomes dashboard: draws a chart per measure with uPlot from the
// page's JSON data block (#outcomes-data), and again whenever htmx swaps in
// the results for a new date range. Without JavaScript the page shows the
// same figures as sentences and tables.
"use strict";
(function () {
  var plots = [];
  var colours = { total: "#0b57d0", cit: "#146c2e", non_cit: "#a0522d" };

  function monthSeconds(m) {
    var p = m.split("-");
    return Date.UTC(+p[0], +p[1] - 1, 1) / 1000;
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
      var series = [{}, { label: "All", stroke: colours.total, width: 2, points: { show: c.months.length < 40 } }];
      var cols = [xs, c.total];
      if (c.cit && c.non_cit) {
        series.push({ label: "CIT-certified", stroke: colours.cit, width: 2, dash: [1, 0], points: { show: c.months.length < 40 } });
        series.push({ label: "Not CIT certified", stroke: colours.non_cit, width: 2, dash: [6, 4], points: { show: c.months.length < 40 } });
        cols.push(c.cit, c.non_cit);
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
