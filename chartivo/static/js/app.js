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

  function setupSyncStatus() {
    var box = document.getElementById("stripe-connection");
    if (!box || box.dataset.state !== "syncing") return;
    var target = box.querySelector(".sync-state");
    function poll() {
      fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.state === "syncing") {
            target.textContent = "";
            var label = document.createElement("span");
            label.className = "state-syncing";
            label.textContent = "Syncing… " + s.percent + "% " + formatEta(s.eta_seconds);
            var bar = document.createElement("progress");
            bar.max = 100; bar.value = s.percent; bar.setAttribute("aria-label", "First sync progress");
            target.appendChild(label); target.appendChild(bar);
            window.setTimeout(poll, 2000);
          } else {
            window.location.reload();
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 2000);
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
    var times = document.querySelectorAll("time[data-relative]");
    if (!times.length) return;
    window.setInterval(function () {
      times.forEach(function (time) {
        var then = Date.parse(time.getAttribute("datetime"));
        if (!isNaN(then)) time.textContent = wordsAgo(Math.max(0, (Date.now() - then) / 1000));
      });
    }, 30000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupProfileMenu();
    setupSyncStatus();
    setupRelativeTimes();
  });
})();
