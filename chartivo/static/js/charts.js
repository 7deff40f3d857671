// Draws Chartivo charts with Chart.js (served by the app; no CDN). The numbers come from
// the server exact, as integers in minor units: plotted as major units, written with
// ChartivoFormat in the reader's locale style (static/js/format.js).
(function () {
  "use strict";

  // One colour per series value everywhere (the server picks the index: Visa is always 0).
  var PALETTE = ["#4f46e5", "#0891b2", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#db2777",
    "#0d9488", "#65a30d", "#ea580c", "#2563eb", "#9333ea"];
  var OTHER = "#94a3b8";
  var F = window.ChartivoFormat;

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function colourOf(series) {
    return series.colour >= 0 ? PALETTE[series.colour % PALETTE.length] : OTHER;
  }

  function scale(payload) { return Math.pow(10, payload.decimals || 0); }

  function text(payload, minor) { return F.exact(minor, payload.decimals || 0, payload.style); }

  function lastIsSoFar(payload) {
    var marks = payload.marks || [];
    return marks.length > 0 && marks[marks.length - 1] === "so far";
  }

  function withAlpha(hex, alpha) { return hex + alpha; }

  // A shared chart withholds values of too few objects: drawn as a gap, never as 0.
  function plotted(series, divide) {
    var hidden = {};
    (series.hidden || []).forEach(function (i) { hidden[i] = true; });
    return series.values.map(function (v, i) { return hidden[i] ? null : v / divide; });
  }

  function isHidden(series, index) { return (series.hidden || []).indexOf(index) >= 0; }

  function datasets(payload, type) {
    var divide = scale(payload);
    var soFar = lastIsSoFar(payload);
    var last = payload.labels.length - 1;
    var out = payload.series.map(function (s) {
      var colour = colourOf(s);
      var bars = type === "bar";
      return {
        label: s.name,
        data: plotted(s, divide),
        chartivo: { series: s, previous: false },
        borderColor: colour,
        backgroundColor: bars
          ? s.values.map(function (_, i) { return i === last && soFar ? withAlpha(colour, "66") : colour; })
          : withAlpha(colour, type === "area" ? "99" : "22"),
        fill: type === "area" ? (payload.stacked ? "stack" : "origin") : false,
        // Straight segments: a curve through sparse data overshoots (a single dispute
        // drawn as a bell dipping below zero).
        tension: 0,
        borderWidth: 2,
        pointRadius: payload.labels.length > 60 ? 0 : 2,
        pointHoverRadius: 5,
        // The period still in progress is drawn apart: dashed, "so far" in its label.
        segment: { borderDash: function (ctx) { return soFar && ctx.p1DataIndex === last ? [6, 4] : undefined; } },
        stack: payload.stacked ? "current" : undefined,
      };
    });
    var comparison = payload.comparison;
    if (comparison && comparison.series && comparison.series.length) {
      comparison.series.forEach(function (s) {
        var colour = colourOf(s);
        out.push({
          label: s.name + " — " + comparison.label.split(":")[0],
          data: payload.labels.map(function (_, i) { return i < s.values.length && !isHidden(s, i) ? s.values[i] / divide : null; }),
          chartivo: { series: s, previous: true },
          type: "line",
          borderColor: withAlpha(colour, "aa"),
          backgroundColor: "transparent",
          borderDash: [5, 5],
          borderWidth: 2,
          tension: 0,
          fill: false,
          pointRadius: 0,
          pointHoverRadius: 3,
        });
      });
    }
    return out;
  }

  // An HTML tooltip (not drawn on the canvas) so that its text is real, readable text.
  function htmlTooltip(container, getPayload) {
    return function (context) {
      var tip = container.querySelector(".chart-tooltip");
      if (!tip) return;
      var model = context.tooltip;
      if (!model || model.opacity === 0) { tip.hidden = true; return; }
      var payload = getPayload();
      tip.textContent = "";
      var title = document.createElement("div");
      title.className = "tooltip-title";
      title.textContent = (model.title || []).join(" ");
      tip.appendChild(title);
      var index = model.dataPoints && model.dataPoints.length ? model.dataPoints[0].dataIndex : 0;
      var previous = {};
      var comparison = payload.comparison;
      if (comparison && comparison.series) {
        comparison.series.forEach(function (s) { previous[s.key] = isHidden(s, index) ? null : s.values[index]; });
      }
      (model.dataPoints || []).forEach(function (point) {
        var meta = point.dataset.chartivo;
        if (!meta || meta.previous) return;
        var s = meta.series;
        var row = document.createElement("div");
        row.className = "tooltip-row";
        var hidden = isHidden(s, point.dataIndex);
        var line = s.name + ": " + (hidden ? "hidden (" + payload.hidden_note + ")" : text(payload, s.values[point.dataIndex]));
        if (!hidden && previous[s.key] !== undefined && previous[s.key] !== null) {
          var label = comparison.labels[point.dataIndex] || "";
          line += " · " + comparison.label.split(":")[0] + (label ? " (" + label + ")" : "") + ": " +
            text(payload, previous[s.key]) + " · " +
            F.change(s.values[point.dataIndex], previous[s.key], payload.decimals || 0, payload.style);
        }
        row.textContent = line;
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

  function themeColours() {
    var style = getComputedStyle(document.documentElement);
    return { ink: style.getPropertyValue("--muted").trim() || "#6b7280", line: style.getPropertyValue("--line").trim() || "#e5e7eb" };
  }

  function draw(canvas, payload, type, existing) {
    if (existing) existing.destroy();
    if (!payload || !payload.series || !payload.series.length) return null;
    var theme = themeColours();
    var locale = document.documentElement.lang || undefined;
    var host = canvas.closest("section, .chart-card");
    return new window.Chart(canvas, {
      type: type === "bar" ? "bar" : "line",
      data: { labels: payload.labels, datasets: datasets(payload, type) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: true, position: "bottom", labels: { color: theme.ink } },
          tooltip: { enabled: false, external: htmlTooltip(host, function () { return payload; }) },
        },
        scales: {
          x: { stacked: !!payload.stacked, ticks: { maxRotation: 0, autoSkip: true, color: theme.ink }, grid: { color: theme.line } },
          y: {
            stacked: !!payload.stacked,
            beginAtZero: true,
            grid: { color: theme.line },
            ticks: { color: theme.ink, precision: payload.kind === "count" ? 0 : undefined, callback: function (value) { return F.compact(value, locale); } },
          },
        },
      },
    });
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
    if (payload.state !== "ready" && payload.message) {
      var p = document.createElement("p");
      p.className = payload.state === "zero" ? "zero-data" : "";
      p.textContent = payload.message;
      box.appendChild(p);
    }
    if (payload.warning) { var w = document.createElement("p"); w.className = "state-error"; w.textContent = payload.warning; box.appendChild(w); }
  }

  function setupChartPage() {
    var section = document.getElementById("chart");
    var canvas = document.getElementById("chart-canvas");
    if (!section || !canvas || !window.Chart) return;
    var payload = readJson("chart-payload");
    var type = section.dataset.chartType;
    var title = document.querySelector("h1") ? document.querySelector("h1").textContent : "Chart";
    var chart = null;

    function redraw() {
      chart = draw(canvas, payload, type, chart);
      canvas.setAttribute("aria-label", title + (payload.currency ? " in " + payload.currency : "") +
        ": every figure is in the table Figures by period");
    }

    function load(currency) {
      var url = section.dataset.url + (currency ? "&currency=" + encodeURIComponent(currency) : "");
      return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); });
    }

    var switcher = document.getElementById("currency-switcher");
    if (switcher) {
      switcher.addEventListener("change", function (event) {
        if (event.target.name !== "currency") return;
        var wanted = event.target.value;
        load(wanted).then(function (next) {
          if (switcher.querySelector("input:checked").value !== wanted) return;  // a later pick won
          payload = next;
          redraw();
        });
      });
    }
    redraw();

    if (payload.state === "syncing") {
      var poll = function () {
        load(payload.currency).then(function (next) {
          if (next.state !== "syncing") {
            // Synced: the page's totals, tables and currency switcher come from the server.
            window.location.reload();
            return;
          }
          payload = next;
          redraw();
          window.setTimeout(poll, 3000);
        }).catch(function () { window.setTimeout(poll, 5000); });
      };
      window.setTimeout(poll, 3000);
    }
  }

  // A shared dashboard's cards: each drawn as a shared chart is, from the payload it holds.
  function setupSharedCards() {
    if (!window.Chart) return;
    document.querySelectorAll(".shared-card[data-payload]").forEach(function (card) {
      var canvas = card.querySelector("canvas");
      if (canvas) draw(canvas, readJson(card.dataset.payload), card.dataset.chartType, null);
    });
  }

  // The figures table is loaded when it is opened, a page of periods at a time: a year by
  // the hour is thousands of rows nobody reads at once.
  function setupFigureTables() {
    var details = document.querySelector("details.figures[data-url]");
    if (!details) return;
    var host = details.querySelector(".figure-tables-host");
    function show(url) {
      host.setAttribute("aria-busy", "true");
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        host.replaceChildren.apply(host, Array.prototype.slice.call(doc.body.childNodes));
        host.removeAttribute("aria-busy");
        details.dataset.loaded = "1";
      });
    }
    details.addEventListener("toggle", function () {
      if (details.open && !details.dataset.loaded) show(details.dataset.url);
    });
    host.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-figures-page]");
      if (!link) return;
      event.preventDefault();
      show(link.href);
    });
  }

  // Home: small trends without axes; the card's text holds the figures.
  function setupSparklines() {
    document.querySelectorAll("canvas.sparkline").forEach(function (canvas) {
      var trend = readJson(canvas.dataset.trendId);
      if (!trend || !window.Chart) return;
      var values = Array.isArray(trend) ? trend : trend.values;
      var soFar = canvas.dataset.soFar === "1";
      var last = values.length - 1;
      var colour = PALETTE[0];
      new window.Chart(canvas, {
        type: "line",
        data: { labels: values.map(function (_, i) { return i; }), datasets: [{ data: values, borderColor: colour, backgroundColor: colour + "22", pointRadius: 0, borderWidth: 2, fill: true, tension: 0,
          segment: { borderDash: function (ctx) { return soFar && ctx.p1DataIndex === last ? [4, 3] : undefined; } } }] },
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
    var timer = null;

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
      if (nameInput && !nameInput.dataset.touched && !nameInput.value) {
        var label = form.querySelector("label[for=metric-" + m + "]");
        nameInput.placeholder = label ? label.textContent : "";
      }
    }

    function syncCustom() { if (custom) custom.hidden = range.value !== "custom"; }

    // Only the granularities that fit the range can be picked (no one-point charts, at
    // most 744 periods): the preview says which.
    function offerGranularities(fitting, drawnAt) {
      var select = form.querySelector("[name=granularity]");
      if (!select || !fitting.length) return;
      Array.prototype.forEach.call(select.options, function (option) {
        option.disabled = fitting.indexOf(option.value) < 0;
      });
      // The preview is drawn at the nearest one that fits: the form says the same.
      if (fitting.indexOf(select.value) < 0 && drawnAt) select.value = drawnAt;
    }

    function refresh() {
      if (!metric()) return;
      var params = new URLSearchParams(new FormData(form));
      params.delete("csrfmiddlewaretoken");
      if (pending) pending.abort();
      pending = new AbortController();
      status.textContent = "Loading preview…";
      fetch(form.dataset.previewUrl + "?" + params.toString(), { credentials: "same-origin", signal: pending.signal })
        .then(function (r) {
          if (r.status === 429) { timer = window.setTimeout(refresh, 2000); return null; }
          return r.json();
        })
        .then(function (payload) {
          if (!payload) return;
          renderStatus(status, payload);
          offerGranularities(payload.granularities || [], payload.granularity);
          if (payload.note) {
            var why = document.createElement("p");
            why.textContent = payload.note;
            status.appendChild(why);
          }
          var type = (form.querySelector("[name=chart_type]:checked") || {}).value || "line";
          var others = (payload.currencies || []).length - 1;
          if (payload.currency && others > 0) {
            var note = document.createElement("p");
            note.textContent = "Preview in " + payload.currency + "; the saved chart switches between " +
              (others + 1) + " currencies.";
            status.appendChild(note);
          }
          chart = draw(canvas, payload, type, chart);
        })
        .catch(function (error) { if (error.name !== "AbortError") status.textContent = "The preview could not be loaded."; });
    }

    function soon() { window.clearTimeout(timer); timer = window.setTimeout(refresh, 250); }

    if (nameInput) nameInput.addEventListener("input", function () { nameInput.dataset.touched = "1"; });
    form.addEventListener("change", function (event) {
      if (event.target.name === "metric") syncOptions();
      if (event.target.name === "range_preset") syncCustom();
      if (event.target.name !== "name") soon();
    });
    syncOptions();
    syncCustom();
    if (metric()) refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupChartPage();
    setupSharedCards();
    setupFigureTables();
    setupSparklines();
    setupNewChart();
  });
})();
