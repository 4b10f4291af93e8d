// Background job page: poll the job's JSON status and move the progress bar; reload once the job has finished
// (to show its result, its file or its error). Without JavaScript the page refreshes itself (<noscript> meta).
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-job-status-url");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-job-text]");
  var words = { queued: "Waiting for a worker…", running: "Running…" };
  var delay = 1000;

  function show(state) {
    if (state.total) {
      bar.max = state.total;
      bar.value = state.progress;
      bar.textContent = (state.percent || 0) + "%";
      text.textContent = "Running: " + state.progress + " of " + state.total + " (" + (state.percent || 0) + "%)…";
    } else if (words[state.status]) {
      text.textContent = words[state.status];
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        if (state.finished) { window.location.reload(); return; }
        show(state);
        delay = Math.min(delay * 1.3, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, delay);
})();
