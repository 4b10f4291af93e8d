// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
    return;
  }
  var button = form.querySelector("button[type=submit]");
  if (button && !form.hasAttribute("data-no-busy")) {
    button.setAttribute("aria-busy", "true");
  }
});
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-print]");
  if (target) { event.preventDefault(); window.print(); }
});
// Label sheet: say when a label's text is cut off by its size (only a browser can measure it).
window.addEventListener("load", function () {
  var note = document.querySelector("[data-label-overflow]");
  var first = document.querySelector(".sheet-label-text");
  if (note && first && first.scrollHeight > first.clientHeight + 1) { note.classList.remove("hidden"); }
});
// Adjust form: show the restock-only fields for a restock, the lot picker for the rest.
(function () {
  var form = document.querySelector("[data-adjust-form]");
  if (!form) { return; }
  var select = form.querySelector("select[name=change_type]");
  if (!select) { return; }
  function sync() {
    var value = select.value;
    form.querySelectorAll("[data-show-for]").forEach(function (el) {
      el.classList.toggle("hidden", el.getAttribute("data-show-for").split(" ").indexOf(value) === -1);
    });
    form.querySelectorAll("[data-hide-for]").forEach(function (el) {
      el.classList.toggle("hidden", el.getAttribute("data-hide-for").split(" ").indexOf(value) !== -1);
    });
  }
  select.addEventListener("change", sync);
  sync();
})();
// Recipe editor: "Add line" copies the last row with the next index (without JS the spare rows still work).
(function () {
  var lines = document.querySelector("[data-lines]");
  var button = document.querySelector("[data-add-line]");
  if (!lines || !button) { return; }
  function isBlank(row) {
    if (row.classList.contains("line-error")) { return false; }
    var item = row.querySelector("select[name$='-item_id']");
    var qty = row.querySelector("input[name$='-quantity']");
    var pct = row.querySelector("input[name$='-percent']");
    return item && !item.value && (!qty || !qty.value) && (!pct || !pct.value);
  }
  // Keep two spare rows in view; the rest appear one by one with "Add line".
  var spare = 0;
  lines.querySelectorAll("[data-line]").forEach(function (row) {
    if (isBlank(row)) { spare += 1; if (spare > 2) { row.classList.add("hidden"); } }
  });
  button.classList.remove("hidden");
  button.addEventListener("click", function () {
    var hidden = lines.querySelector("[data-line].hidden");
    if (hidden) {
      hidden.classList.remove("hidden");
      var select = hidden.querySelector("select");
      if (select) { select.focus(); }
      return;
    }
    var rows = lines.querySelectorAll("[data-line]");
    var last = rows[rows.length - 1];
    if (!last || rows.length >= 200) { return; }
    var next = 0;
    lines.querySelectorAll("[name^='lines-']").forEach(function (el) {
      var match = /^lines-(\d+)-/.exec(el.name);
      if (match) { next = Math.max(next, parseInt(match[1], 10) + 1); }
    });
    var row = last.cloneNode(true);
    row.classList.remove("line-error");
    row.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) { el.setAttribute(attr, value.replace(/^lines-\d+-/, "lines-" + next + "-")); }
      });
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
      if (el.tagName === "SELECT") { el.selectedIndex = 0; }
      else if (el.type === "checkbox") { el.checked = false; }
      else if (el.tagName === "INPUT") { el.value = ""; }
    });
    last.parentNode.appendChild(row);
    var first = row.querySelector("select");
    if (first) { first.focus(); }
  });
})();
// Running timers and batches: keep "elapsed" current without reloading.
(function () {
  var nodes = document.querySelectorAll("[data-elapsed-since]");
  if (!nodes.length) { return; }
  function render() {
    var now = Date.now();
    nodes.forEach(function (el) {
      var start = Date.parse(el.getAttribute("data-elapsed-since"));
      if (isNaN(start)) { return; }
      var minutes = Math.max(0, Math.floor((now - start) / 60000));
      var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
      el.textContent = days ? days + " d " + hours + " h" : hours ? hours + " h " + mins + " min" : mins + " min";
    });
  }
  render();
  window.setInterval(render, 30000);
})();
// Sale form: picking what was sold fills in its retail price, unless a price was typed.
(function () {
  var form = document.querySelector("[data-sale-form]");
  if (!form) { return; }
  var select = form.querySelector("select[name=sku]");
  var price = form.querySelector("input[name=unit_price]");
  if (!select || !price) { return; }
  var filled = price.value;
  select.addEventListener("change", function () {
    var option = select.options[select.selectedIndex];
    var retail = option ? option.getAttribute("data-price") || "" : "";
    if (price.value === "" || price.value === filled) {
      price.value = retail;
      filled = retail;
    }
    price.placeholder = retail ? "retail " + retail : "unit price";
  });
})();
// Phone menu: the toggle opens and closes the main links (without JavaScript they simply stay listed).
(function () {
  var toggle = document.querySelector("[data-nav-toggle]");
  var links = document.getElementById("main-nav");
  if (!toggle || !links) { return; }
  var header = toggle.closest(".topbar");
  if (header) { header.classList.add("nav-collapsible"); }
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var open = !links.classList.contains("open");
    links.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = open ? "Close menu" : "Menu";
  });
})();
// Lists as cards on a phone (table.cards): a cell without its own data-label is labelled by its column's
// header, which the phone stylesheet prints before the value. The first column is the row's name: no label.
(function () {
  document.querySelectorAll("table.cards").forEach(function (table) {
    var heads = [];
    table.querySelectorAll("thead tr:first-child th").forEach(function (th) {
      for (var span = 0; span < (th.colSpan || 1); span++) { heads.push(th.textContent.trim()); }
    });
    table.querySelectorAll("tbody tr, tfoot tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        if (column > 0 && !cell.hasAttribute("data-label") && heads[column] && cell.colSpan === 1) {
          cell.setAttribute("data-label", heads[column]);
        }
        column += cell.colSpan || 1;
      });
    });
  });
})();
// Sign-up: start the time zone at the browser's own instead of UTC (a maker rarely works in UTC and did not
// notice the field); an explicit choice other than UTC is kept.
(function () {
  var select = document.querySelector("select[data-guess-zone]");
  if (!select || select.value !== "UTC" || !window.Intl) { return; }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) { select.value = zone; }
})();
