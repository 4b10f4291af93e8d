// Craft calculators: small progressive touches. The forms work without this file.
(function () {
  "use strict";
  function fieldBox(name) {
    var input = document.querySelector('[name="' + name + '"]');
    return input ? input.closest("div") : null;
  }
  function toggle(name, show) {
    var box = fieldBox(name);
    if (box) { box.classList.toggle("hidden", !show); }
  }
  function soapForm() {
    var lye = document.querySelector('select[name="lye"]');
    var mode = document.querySelector('select[name="amount_mode"]');
    if (!lye || !mode) { return; }
    function update() {
      toggle("koh_purity", lye.value !== "NaOH");
      toggle("naoh_percent", lye.value === "dual");
      toggle("total_oils", mode.value === "percent");
    }
    lye.addEventListener("change", update);
    mode.addEventListener("change", update);
    update();
  }
  function percentTotal() {
    var box = document.querySelector("[data-percent-total]");
    if (!box) { return; }
    var value = box.querySelector("[data-percent-total-value]");
    var inputs = document.querySelectorAll('input[name^="ing_percent-"]');
    function update() {
      var total = 0;
      inputs.forEach(function (input) { var n = parseFloat(input.value); if (!isNaN(n)) { total += n; } });
      value.textContent = (Math.round(total * 100) / 100).toString();
      box.classList.toggle("field-error", Math.abs(total - 100) > 0.01);
    }
    inputs.forEach(function (input) { input.addEventListener("input", update); });
    box.hidden = false;
    update();
  }
  document.addEventListener("DOMContentLoaded", function () { soapForm(); percentTotal(); });
})();
