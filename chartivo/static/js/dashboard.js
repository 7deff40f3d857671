// Home: reorder the cards by dragging them or with their Move buttons (the keyboard's
// way; both work without this script too, as plain forms), and widen or narrow a card.
(function () {
  "use strict";

  function csrf(form) {
    var input = form.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function announce(text) {
    var status = document.getElementById("order-status");
    if (status) status.textContent = text;
  }

  function cardName(card) {
    var name = card.querySelector(".chart-card-name");
    return name ? name.textContent : "Chart";
  }

  function syncButtons(grid) {
    var cards = grid.querySelectorAll(".chart-card");
    cards.forEach(function (card, index) {
      var earlier = card.querySelector("[data-move] [name=direction][value=earlier]");
      var later = card.querySelector("[data-move] [name=direction][value=later]");
      if (earlier) earlier.form.querySelector("button").disabled = index === 0;
      if (later) later.form.querySelector("button").disabled = index === cards.length - 1;
    });
  }

  function saveOrder(grid) {
    var ids = Array.prototype.map.call(grid.querySelectorAll(".chart-card"), function (c) { return Number(c.dataset.chartId); });
    var form = grid.querySelector("form");
    return fetch(grid.dataset.orderUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(form) },
      body: JSON.stringify(ids),
    });
  }

  function setupMoves(grid) {
    grid.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches("[data-move]")) return;
      event.preventDefault();
      var card = form.closest(".chart-card");
      var earlier = form.querySelector("[name=direction]").value === "earlier";
      var sibling = earlier ? card.previousElementSibling : card.nextElementSibling;
      if (!sibling) return;
      var button = event.submitter || form.querySelector("button");
      grid.insertBefore(card, earlier ? sibling : sibling.nextElementSibling);
      syncButtons(grid);
      // The focus stays on the button pressed, so that pressing it again moves further.
      if (!button.disabled) button.focus();
      else card.querySelector("[data-move] button:not([disabled])").focus();
      var cards = Array.prototype.slice.call(grid.querySelectorAll(".chart-card"));
      saveOrder(grid).then(function (response) {
        if (!response.ok) throw new Error("not saved");
        announce(cardName(card) + " moved to position " + (cards.indexOf(card) + 1) + " of " + cards.length + ".");
      }).catch(function () { announce("The new order could not be saved."); });
    });
  }

  function setupWidths(grid) {
    grid.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches("[data-width]")) return;
      event.preventDefault();
      var card = form.closest(".chart-card");
      var input = form.querySelector("[name=width]");
      var wide = input.value === "wide";
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrf(form) },
        body: new FormData(form),
      }).then(function (response) {
        if (!response.ok) return;
        card.classList.toggle("wide", wide);
        input.value = wide ? "normal" : "wide";
        var button = form.querySelector("button");
        button.setAttribute("aria-label", (wide ? "Make " : "Make ") + cardName(card) + (wide ? " narrower" : " wider"));
        button.textContent = wide ? "⇤" : "⇥";
        announce(cardName(card) + (wide ? " is wide." : " is normal width."));
      });
    });
  }

  function setupDrag(grid) {
    var dragged = null;
    grid.querySelectorAll(".chart-card").forEach(function (card) { card.draggable = true; });
    grid.addEventListener("dragstart", function (event) {
      dragged = event.target.closest(".chart-card");
      if (!dragged) return;
      dragged.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.chartId);
    });
    grid.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      var over = event.target.closest(".chart-card");
      if (!over || over === dragged) return;
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2 || event.clientX > box.left + box.width / 2;
      grid.insertBefore(dragged, after ? over.nextElementSibling : over);
    });
    grid.addEventListener("dragend", function () {
      if (!dragged) return;
      dragged.classList.remove("dragging");
      var card = dragged;
      dragged = null;
      syncButtons(grid);
      var cards = Array.prototype.slice.call(grid.querySelectorAll(".chart-card"));
      saveOrder(grid).then(function () {
        announce(cardName(card) + " moved to position " + (cards.indexOf(card) + 1) + " of " + cards.length + ".");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var grid = document.getElementById("chart-grid");
    if (!grid) return;
    setupMoves(grid);
    setupWidths(grid);
    setupDrag(grid);
  });
})();
