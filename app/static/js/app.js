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
