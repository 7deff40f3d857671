// Chartivo: the profile menu and the Integrations card's live sync state. No inline
// scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  function setupProfileMenu() {
    var button = document.querySelector(".profile-button");
    var menu = document.getElementById("profile-menu");
    if (!button || !menu) return;
    function open(focusFirst) {
      menu.hidden = false;
      button.setAttribute("aria-expanded", "true");
      if (focusFirst) { var first = menu.querySelector("a, button"); if (first) first.focus(); }
    }
    function close(returnFocus) {
      menu.hidden = true;
      button.setAttribute("aria-expanded", "false");
      if (returnFocus) button.focus();
    }
    button.addEventListener("click", function (event) {
      if (menu.hidden) open(event.detail === 0); else close(false);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !menu.hidden) close(true);
    });
    document.addEventListener("click", function (event) {
      if (!menu.hidden && !menu.contains(event.target) && !button.contains(event.target)) close(false);
    });
    menu.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !menu.contains(event.relatedTarget) && event.relatedTarget !== button) close(false);
    });
  }

  function formatEta(seconds) {
    if (seconds == null) return "";
    if (seconds < 90) return "about " + Math.max(1, Math.round(seconds)) + " s left";
    return "about " + Math.round(seconds / 60) + " min left";
  }

  // The Integrations card follows the first sync in place: the page never reloads, so
  // the green banner and anything typed stay until the user leaves. The progress bar
  // moves silently; a change of state ("Synced", an error) is announced once.
  function setupSyncStatus() {
    document.querySelectorAll(".connection[data-status-url]").forEach(followSync);
  }
  function followSync(box) {
    if (box.dataset.state !== "syncing") return;
    var target = box.querySelector(".sync-state");
    var announcer = document.getElementById("sync-announcer");
    function syncing(s) {
      var label = target.querySelector(".state-syncing");
      var bar = target.querySelector("progress");
      if (label) label.textContent = "Syncing… " + s.percent + "%";
      var eta = target.querySelector(".eta");
      if (eta) eta.textContent = formatEta(s.eta_seconds);
      if (bar) bar.value = s.percent;
    }
    function finished(s) {
      // The card keeps its height, so that what is below it (Save, Remove) stays put
      // under the pointer whatever the width of the screen and the wrapping of the text.
      target.style.minHeight = target.getBoundingClientRect().height + "px";
      target.textContent = "";
      var span = document.createElement("span");
      var words;
      if (s.state === "error") {
        span.className = "state-error";
        span.textContent = words = s.error;
      } else {
        span.className = "state-synced";
        var time = document.createElement("time");
        time.setAttribute("datetime", s.last_synced_at || new Date().toISOString());
        time.setAttribute("data-relative", "");
        time.textContent = "just now";
        span.appendChild(document.createTextNode("Synced "));
        span.appendChild(time);
        words = "The first sync has finished: your charts are ready.";
      }
      target.appendChild(span);
      box.dataset.state = s.state;
      if (announcer) announcer.textContent = words;
    }
    function poll() {
      fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.state === "syncing") { syncing(s); window.setTimeout(poll, 2000); }
          else finished(s);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 2000);
  }

  // Destroying something asks first, in a dialog that names what goes: a form with
  // data-confirm="dialog-id" opens that dialog instead of submitting; the dialog's own
  // form (or its confirm button) does the deed. Without this script the form leads to a
  // page that asks the same.
  function setupConfirmations() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var id = form.getAttribute("data-confirm");
      if (!id || form.dataset.confirmed) return;
      if (form.hasAttribute("data-confirm-if-filled")) {
        var field = form.querySelector(form.getAttribute("data-confirm-if-filled"));
        if (!field || !field.value.trim()) return;
      }
      var dialog = document.getElementById(id);
      if (!dialog || !dialog.showModal) return;
      event.preventDefault();
      dialog.returnFocusTo = event.submitter || form.querySelector("button");
      dialog.confirmForm = form;
      dialog.showModal();
    });
    document.querySelectorAll("dialog").forEach(function (dialog) {
      dialog.addEventListener("click", function (event) {
        if (event.target.closest("[data-close]")) dialog.close();
        var confirm = event.target.closest("[data-confirm-submit]");
        if (confirm && dialog.confirmForm) {
          dialog.confirmForm.dataset.confirmed = "1";
          dialog.close();
          dialog.confirmForm.requestSubmit();
        }
      });
      dialog.addEventListener("close", function () {
        if (dialog.returnFocusTo && document.contains(dialog.returnFocusTo)) dialog.returnFocusTo.focus();
      });
    });
  }

  // Range forms: the From and To dates only for a custom range.
  function setupRangeForms() {
    document.querySelectorAll("select[data-custom-toggle]").forEach(function (select) {
      var form = select.form;
      function sync() {
        form.querySelectorAll(".custom-dates").forEach(function (el) { el.hidden = select.value !== "custom"; });
      }
      select.addEventListener("change", sync);
      sync();
    });
  }

  // Time zone fields: the list of IANA zones (searchable, any case: the server accepts
  // "europe/paris"), with the browser's own zone offered in one click.
  // Chromium names some zones by the old identifiers its ICU keeps (a person in India is
  // told "Asia/Calcutta"); the list offers, and the charts show, today's IANA names.
  var RENAMED_ZONES = {
    "Asia/Calcutta": "Asia/Kolkata", "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon", "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Europe/Kiev": "Europe/Kyiv", "Atlantic/Faeroe": "Atlantic/Faroe",
    "America/Godthab": "America/Nuuk", "Africa/Asmera": "Africa/Asmara",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Louisville": "America/Kentucky/Louisville",
    "Pacific/Enderbury": "Pacific/Kanton", "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk", "Etc/UTC": "UTC", "Etc/GMT": "UTC", "GMT": "UTC"
  };

  function setupZoneFields() {
    var own;
    try { own = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { own = ""; }
    if (!own) return;
    own = RENAMED_ZONES[own] || own;
    document.querySelectorAll("input[list=time-zones]").forEach(function (input) {
      if (input.value === own) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link-button zone-suggestion";
      button.textContent = "Use my time zone (" + own + ")";
      button.addEventListener("click", function () {
        input.value = own;
        input.dispatchEvent(new Event("change", { bubbles: true }));
        button.remove();
        input.focus();
      });
      input.insertAdjacentElement("afterend", button);
    });
  }

  // Keeps "Synced 5 minutes ago" true while a page stays open, in the words of the
  // server's `ago` filter (chartivo/charts/templatetags/relative_time.py).
  function wordsAgo(seconds) {
    var units = [[86400, "day"], [3600, "hour"], [60, "minute"]];
    for (var i = 0; i < units.length; i++) {
      if (seconds >= units[i][0]) {
        var count = Math.floor(seconds / units[i][0]);
        return count + " " + units[i][1] + (count === 1 ? "" : "s") + " ago";
      }
    }
    return "just now";
  }

  function setupRelativeTimes() {
    window.setInterval(function () {
      document.querySelectorAll("time[data-relative]").forEach(function (time) {
        var then = Date.parse(time.getAttribute("datetime"));
        if (!isNaN(then)) time.textContent = wordsAgo(Math.max(0, (Date.now() - then) / 1000));
      });
    }, 30000);
  }

  // Home's "Print or save as PDF": the print stylesheet lays its figures on one page.
  function setupPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // An alert rule's Value means nothing for "is unusual" and "is unusually high" (their
  // range comes from the figure's own history): the field is hidden while one is chosen.
  function setupAlertConditions() {
    var condition = document.getElementById("id_condition");
    var threshold = document.getElementById("id_threshold");
    if (!condition || !threshold || !threshold.closest(".field")) return;
    var field = threshold.closest(".field");
    var show = function () { field.hidden = /^unusual/.test(condition.value); };
    condition.addEventListener("change", show);
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupPrint();
    setupAlertConditions();
    setupProfileMenu();
    setupSyncStatus();
    setupConfirmations();
    setupRangeForms();
    setupZoneFields();
    setupRelativeTimes();
  });
})();
