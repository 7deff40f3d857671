// Draws Chartivo charts with Chart.js (served by the app; no CDN). The numbers come from
// the server already exact: `values` are for plotting, `display` strings are what people
// read (tooltips, totals), identical to the CSV.
(function () {
  "use strict";

  var PALETTE = ["#4f46e5", "#0891b2", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#db2777",
    "#0d9488", "#65a30d", "#ea580c", "#2563eb", "#9333ea"];

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function seriesLabel(s) {
    return s.currency ? s.name + " (" + s.currency + ")" : s.name;
  }

  // An HTML tooltip (not drawn on the canvas) so that its text is real, readable text.
  function htmlTooltip(container) {
    return function (context) {
      var tip = container.querySelector(".chart-tooltip");
      if (!tip) return;
      var model = context.tooltip;
      if (!model || model.opacity === 0) { tip.hidden = true; return; }
      tip.textContent = "";
      var title = document.createElement("div");
      title.className = "tooltip-title";
      title.textContent = (model.title || []).join(" ");
      tip.appendChild(title);
      (model.dataPoints || []).forEach(function (point) {
        var row = document.createElement("div");
        row.className = "tooltip-row";
        var payload = point.dataset.chartivo;
        row.textContent = seriesLabel(payload) + ": " + payload.display[point.dataIndex];
        tip.appendChild(row);
      });
      tip.hidden = false;
      var frame = context.chart.canvas.getBoundingClientRect();
      var host = container.getBoundingClientRect();
      // Right of the point, or left of it where the right would run off the card.
      var x = frame.left - host.left + model.caretX;
      var left = x + 12 + tip.offsetWidth <= host.width ? x + 12 : x - 12 - tip.offsetWidth;
      tip.style.left = Math.max(0, left) + "px";
      tip.style.top = (frame.top - host.top + model.caretY) + "px";
    };
  }

  function datasets(chartData, type) {
    return chartData.series.map(function (s, i) {
      var colour = PALETTE[i % PALETTE.length];
      return {
        label: seriesLabel(s),
        data: s.values,
        chartivo: s,
        borderColor: colour,
        backgroundColor: type === "bar" ? colour : colour + "22",
        fill: false,
        // Monotone curves never overshoot: a quiet day is drawn at zero, not below it.
        cubicInterpolationMode: "monotone",
        pointRadius: chartData.labels.length > 60 ? 0 : 2,
        pointHoverRadius: 5,
        yAxisID: s.kind === "count" ? "count" : "amount",
      };
    });
  }

  // One currency at a time: amounts in different currencies share no scale (¥10,000 is
  // about $65), so the chart draws the chosen currency's series and the page offers the
  // others in the currency switcher. Counts without a currency have the code "".
  function inCurrency(chartData, currency) {
    if (!chartData || currency == null) return chartData;
    return {
      labels: chartData.labels,
      series: chartData.series.filter(function (s) { return s.currency === currency; }),
    };
  }

  function firstCurrency(payload) {
    return payload && payload.currencies && payload.currencies.length ? payload.currencies[0] : null;
  }

  function draw(canvas, chartData, type, existing) {
    if (existing) existing.destroy();
    if (!chartData || !chartData.series.length) return null;
    var kinds = {};
    chartData.series.forEach(function (s) { kinds[s.kind] = true; });
    var scales = { x: { ticks: { maxRotation: 0, autoSkip: true } } };
    if (kinds.amount) scales.amount = { type: "linear", position: "left", beginAtZero: true };
    if (kinds.count) scales.count = { type: "linear", position: kinds.amount ? "right" : "left", beginAtZero: true, ticks: { precision: 0 } };
    return new window.Chart(canvas, {
      type: type === "bar" ? "bar" : "line",
      data: { labels: chartData.labels, datasets: datasets(chartData, type) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: true, position: "bottom" },
          tooltip: { enabled: false, external: htmlTooltip(canvas.closest("section, .chart-card")) },
        },
        scales: scales,
      },
    });
  }

  function statusText(payload) {
    if (payload.state === "empty") return null;
    if (payload.state === "ready") return "";
    return payload.message || "";
  }

  function renderStatus(box, payload) {
    if (!box) return;
    box.textContent = "";
    if (payload.state === "empty") {
      var strong = document.createElement("p");
      strong.className = "no-data";
      var bold = document.createElement("strong");
      bold.textContent = "No Data";
      strong.appendChild(bold);
      var hint = document.createElement("p");
      hint.textContent = "Check that the date range covers a period with activity in your Stripe account.";
      box.appendChild(strong); box.appendChild(hint);
      return;
    }
    var text = statusText(payload);
    if (text) { var p = document.createElement("p"); p.textContent = text; box.appendChild(p); }
    if (payload.warning) { var w = document.createElement("p"); w.className = "state-error"; w.textContent = payload.warning; box.appendChild(w); }
  }

  function setupChartPage() {
    var section = document.getElementById("chart");
    var canvas = document.getElementById("chart-canvas");
    if (!section || !canvas || !window.Chart) return;
    var payload = readJson("chart-payload");
    var type = section.dataset.chartType;
    var title = document.querySelector("h1") ? document.querySelector("h1").textContent : "Chart";
    var currency = firstCurrency(payload);
    var chart = null;

    function redraw() {
      chart = draw(canvas, inCurrency(payload.chart, currency), type, chart);
      canvas.setAttribute("aria-label", title + (currency ? " in " + currency : "") +
        ": every figure is in the table Figures by period");
    }

    var switcher = document.getElementById("currency-switcher");
    if (switcher) {
      switcher.addEventListener("change", function (event) {
        if (event.target.name !== "currency") return;
        currency = event.target.value;
        redraw();
      });
    }
    redraw();

    if (payload.state === "syncing") {
      var poll = function () {
        fetch(section.dataset.url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (next) {
          if (next.state !== "syncing") {
            // Synced: the page's totals, tables and currency switcher come from the server.
            window.location.reload();
            return;
          }
          payload = next;
          if ((next.currencies || []).indexOf(currency) < 0) currency = firstCurrency(next);
          redraw();
          renderStatus(document.getElementById("chart-status"), next);
          window.setTimeout(poll, 3000);
        }).catch(function () { window.setTimeout(poll, 5000); });
      };
      window.setTimeout(poll, 3000);
    }
  }

  // Home cards: the main series' trend, small and without axes; the card's text holds
  // the figures.
  function setupSparklines() {
    document.querySelectorAll("canvas.sparkline").forEach(function (canvas) {
      var trend = readJson(canvas.dataset.trendId);
      if (!trend || !window.Chart) return;
      new window.Chart(canvas, {
        type: "line",
        data: { labels: trend.labels, datasets: [{ data: trend.values, borderColor: PALETTE[0], backgroundColor: PALETTE[0] + "22", pointRadius: 0, borderWidth: 2, fill: true, cubicInterpolationMode: "monotone" }] },
        options: { responsive: true, maintainAspectRatio: false, animation: false, events: [],
          plugins: { legend: { display: false }, tooltip: { enabled: false } },
          scales: { x: { display: false }, y: { display: false, beginAtZero: true } } },
      });
    });
  }

  function setupNewChart() {
    var form = document.getElementById("chart-form");
    if (!form) return;
    var catalogue = readJson("chart-catalogue") || {};
    var measure = form.querySelector("[name=measure]");
    var breakdown = form.querySelector("[name=breakdown]");
    var range = form.querySelector("[name=range_preset]");
    var custom = document.getElementById("custom-range");
    var canvas = document.getElementById("preview-canvas");
    var status = document.getElementById("preview-status");
    var nameInput = form.querySelector("[name=name]");
    var chart = null;
    var pending = null;

    function metric() { var c = form.querySelector("[name=metric]:checked"); return c ? c.value : null; }

    function fill(select, options, keepBlank) {
      var current = select.value;
      select.textContent = "";
      if (keepBlank) select.appendChild(new Option("None", ""));
      options.forEach(function (o) { select.appendChild(new Option(o[1], o[0])); });
      var values = Array.prototype.map.call(select.options, function (o) { return o.value; });
      select.value = values.indexOf(current) >= 0 ? current : values[0];
    }

    function syncOptions() {
      var m = metric();
      if (!m || !catalogue[m]) return;
      fill(measure, catalogue[m].measures, false);
      fill(breakdown, catalogue[m].breakdowns, true);
      breakdown.disabled = catalogue[m].breakdowns.length === 0;
      if (nameInput && !nameInput.dataset.touched) {
        var label = form.querySelector("label[for=metric-" + m + "]");
        nameInput.placeholder = label ? label.textContent : "";
      }
    }

    function syncCustom() { if (custom) custom.hidden = range.value !== "custom"; }

    function refresh() {
      if (!metric()) return;
      var params = new URLSearchParams(new FormData(form));
      params.delete("csrfmiddlewaretoken");
      if (pending) pending.abort();
      pending = new AbortController();
      status.textContent = "Loading preview…";
      fetch(form.dataset.previewUrl + "?" + params.toString(), { credentials: "same-origin", signal: pending.signal })
        .then(function (r) { return r.json(); })
        .then(function (payload) {
          renderStatus(status, payload);
          var type = (form.querySelector("[name=chart_type]:checked") || {}).value || "line";
          var currency = firstCurrency(payload);
          var others = (payload.currencies || []).length - 1;
          if (currency && others > 0) {
            var note = document.createElement("p");
            note.textContent = "Preview in " + currency + "; the saved chart switches between " +
              (others + 1) + " currencies.";
            status.appendChild(note);
          }
          chart = draw(canvas, inCurrency(payload.chart, currency), type, chart);
          if (!payload.chart && chart) { chart.destroy(); chart = null; }
        })
        .catch(function (error) { if (error.name !== "AbortError") status.textContent = "The preview could not be loaded."; });
    }

    if (nameInput) nameInput.addEventListener("input", function () { nameInput.dataset.touched = "1"; });
    form.addEventListener("change", function (event) {
      if (event.target.name === "metric") syncOptions();
      if (event.target.name === "range_preset") syncCustom();
      refresh();
    });
    syncOptions();
    syncCustom();
    if (metric()) refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupChartPage();
    setupSparklines();
    setupNewChart();
  });
})();
