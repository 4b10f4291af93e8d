// Scanning with the camera (the Scan page and the scan buttons beside barcode and supplier lot code fields).
// Codes are read by the browser's BarcodeDetector where it exists, else by the vendored ZXing decoder
// (static/vendor, loaded only then). Browsers open a camera only in a secure context (https or localhost);
// elsewhere the page says so and the typed field does the same job. Every page works without this script.
(function () {
  "use strict";
  var script = document.currentScript;
  var zxingSrc = script ? script.getAttribute("data-zxing-src") : null;
  var FORMATS = ["qr_code", "data_matrix", "ean_13", "ean_8", "upc_a", "upc_e", "code_128", "code_39"];
  var INTERVAL = 200; // ms between frames tried
  var zxingLoading = null;

  function cameraProblem() {
    if (!window.isSecureContext) { return "insecure"; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return "unsupported"; }
    return null;
  }

  function loadZXing() {
    if (window.ZXing) { return Promise.resolve(window.ZXing); }
    if (!zxingSrc) { return Promise.reject(new Error("no decoder")); }
    if (!zxingLoading) {
      zxingLoading = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = zxingSrc;
        tag.onload = function () { window.ZXing ? resolve(window.ZXing) : reject(new Error("no decoder")); };
        tag.onerror = function () { zxingLoading = null; reject(new Error("decoder failed to load")); };
        document.head.appendChild(tag);
      });
    }
    return zxingLoading;
  }

  // A function (video) → Promise of the code text in the current frame, or null.
  function nativeDetector() {
    if (!("BarcodeDetector" in window)) { return Promise.resolve(null); }
    return window.BarcodeDetector.getSupportedFormats().then(function (supported) {
      var formats = FORMATS.filter(function (f) { return supported.indexOf(f) !== -1; });
      if (formats.indexOf("qr_code") === -1) { return null; }
      var detector = new window.BarcodeDetector({ formats: formats });
      return function (video) {
        return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      };
    }).catch(function () { return null; });
  }

  function zxingDetector() {
    return loadZXing().then(function (ZXing) {
      var F = ZXing.BarcodeFormat;
      var hints = new Map();
      hints.set(ZXing.DecodeHintType.POSSIBLE_FORMATS, [F.QR_CODE, F.DATA_MATRIX, F.EAN_13, F.EAN_8, F.UPC_A,
        F.UPC_E, F.CODE_128, F.CODE_39]);
      hints.set(ZXing.DecodeHintType.TRY_HARDER, true);
      var reader = new ZXing.MultiFormatReader();
      reader.setHints(hints);
      var canvas = document.createElement("canvas");
      var context = canvas.getContext("2d", { willReadFrequently: true });
      return function (video) {
        var width = video.videoWidth, height = video.videoHeight;
        if (!width || !height) { return Promise.resolve(null); }
        var scale = Math.min(1, 1280 / Math.max(width, height));
        canvas.width = Math.round(width * scale);
        canvas.height = Math.round(height * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        try {
          var source = new ZXing.HTMLCanvasElementLuminanceSource(canvas);
          var result = reader.decodeWithState(new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(source)));
          return Promise.resolve(result ? result.getText() : null);
        } catch (error) { // NotFoundException and friends: no code in this frame
          return Promise.resolve(null);
        }
      };
    });
  }

  function makeDetector() {
    return nativeDetector().then(function (detect) { return detect || zxingDetector(); });
  }

  // One camera session on a <video>: start(onCode, onStatus) → stops itself at the first code read.
  function Camera(video) { this.video = video; this.stream = null; this.timer = null; this.running = false; }

  Camera.prototype.start = function (onCode, onStatus) {
    var self = this;
    var problem = cameraProblem();
    if (problem) { return Promise.reject(new Error(problem)); }
    self.running = true;
    onStatus("Opening the camera…");
    return Promise.all([
      navigator.mediaDevices.getUserMedia({ audio: false, video: { facingMode: { ideal: "environment" } } }),
      makeDetector()
    ]).then(function (parts) {
      var stream = parts[0], detect = parts[1];
      if (!self.running) { stream.getTracks().forEach(function (t) { t.stop(); }); return; }
      self.stream = stream;
      self.video.srcObject = stream;
      self.video.setAttribute("playsinline", "");
      self.video.muted = true;
      return self.video.play().then(function () {
        onStatus("Looking for a code…");
        var busy = false;
        self.timer = window.setInterval(function () {
          if (busy || !self.running) { return; }
          busy = true;
          detect(self.video).then(function (text) {
            busy = false;
            if (text && self.running) { self.stop(); onCode(String(text).trim()); }
          }, function () { busy = false; });
        }, INTERVAL);
      });
    }).catch(function (error) {
      self.stop();
      throw error;
    });
  };

  Camera.prototype.stop = function () {
    this.running = false;
    if (this.timer) { window.clearInterval(this.timer); this.timer = null; }
    if (this.stream) { this.stream.getTracks().forEach(function (t) { t.stop(); }); this.stream = null; }
    this.video.srcObject = null;
  };

  function explain(error) {
    var name = error && (error.name || error.message);
    if (name === "insecure") {
      return "The camera opens only on a secure (https://) page or on localhost. Type the code instead.";
    }
    if (name === "unsupported") { return "This browser cannot open a camera. Type the code instead."; }
    if (name === "NotAllowedError" || name === "SecurityError") {
      return "The camera was not allowed. Allow it in the browser's site settings, or type the code.";
    }
    if (name === "NotFoundError" || name === "OverconstrainedError") {
      return "No camera was found. Type the code instead.";
    }
    return "The camera could not start (" + (name || "unknown error") + "). Type the code instead.";
  }

  window.BatchTrackScanner = { cameraProblem: cameraProblem, Camera: Camera, explain: explain };

  // ---- the Scan page ------------------------------------------------------------------------------
  (function () {
    var page = document.querySelector("[data-scan-page]");
    if (!page) { return; }
    var box = page.querySelector("[data-scan-box]");
    var video = page.querySelector("[data-scan-video]");
    var status = page.querySelector("[data-scan-status]");
    var startButton = page.querySelector("[data-scan-start]");
    var stopButton = page.querySelector("[data-scan-stop]");
    var problem = cameraProblem();
    if (problem) {
      page.querySelector(problem === "insecure" ? "[data-scan-insecure]" : "[data-scan-unsupported]").hidden = false;
      return;
    }
    var camera = new Camera(video);
    var openLabel = startButton.textContent;
    // A problem (no camera, not allowed, failed) is said as a warning, and the button offers to try again.
    function setStatus(text, problem) {
      status.textContent = text;
      status.className = problem ? "flash flash-warning" : "muted";
      startButton.textContent = problem ? "Try again" : openLabel;
      startButton.classList.toggle("secondary", !!problem);  // the typed code is the way forward now
      startButton.classList.toggle("outline", !!problem);
    }
    function start() {
      box.hidden = false; startButton.hidden = true; stopButton.hidden = false;
      camera.start(function (code) {
        setStatus("Read " + code + " — opening…");
        window.location.assign(page.getAttribute("data-scan-url") + "?code=" + encodeURIComponent(code));
      }, setStatus).catch(function (error) {
        box.hidden = true; stopButton.hidden = true; startButton.hidden = false;
        setStatus(explain(error), true);
      });
    }
    startButton.addEventListener("click", start);
    stopButton.addEventListener("click", function () {
      camera.stop(); box.hidden = true; stopButton.hidden = true; startButton.hidden = false; setStatus("");
    });
    window.addEventListener("pagehide", function () { camera.stop(); });
    if (page.hasAttribute("data-scan-wait")) { startButton.hidden = false; } else { start(); }
  })();

  // ---- scan buttons on forms: [data-scan-fill] fills an input, [data-scan-receive] the restock form ----
  (function () {
    var dialog = document.querySelector("[data-scan-dialog]");
    var buttons = document.querySelectorAll("[data-scan-fill], [data-scan-receive]");
    if (!dialog || !buttons.length) { return; }
    var video = dialog.querySelector("[data-scan-video]");
    var status = dialog.querySelector("[data-scan-status]");
    var box = dialog.querySelector("[data-scan-box]");
    var camera = new Camera(video);
    function setStatus(text) { status.textContent = text; }
    function close() { camera.stop(); if (dialog.open) { dialog.close(); } }
    dialog.querySelector("[data-scan-close]").addEventListener("click", close);
    dialog.addEventListener("close", function () { camera.stop(); });

    function open(onCode) {
      setStatus("");
      box.hidden = false;
      if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
      camera.start(function (code) { close(); onCode(code); }, setStatus).catch(function (error) {
        box.hidden = true;
        setStatus(explain(error));
      });
    }

    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        if (button.hasAttribute("data-scan-fill")) {
          var input = document.getElementById(button.getAttribute("data-scan-fill"));
          open(function (code) { input.value = code; input.dispatchEvent(new Event("change", { bubbles: true })); input.focus(); });
        } else {
          open(function (code) { receive(button, code); });
        }
      });
    });
  })();

  // The restock form's "Scan supplier barcode": the supplier lot code (and expiry) from the code; a barcode of
  // another item opens that item's restock form with them filled in.
  function receive(button, code) {
    var form = button.closest("form");
    var note = document.getElementById(button.getAttribute("aria-describedby")) || button;
    var lotInput = form.querySelector("[name=supplier_lot_code]");
    var expiryInput = form.querySelector("[name=expires_at]");
    function say(text) { if (note !== button) { note.textContent = text; } }
    var url = button.getAttribute("data-scan-receive") + "?code=" + encodeURIComponent(code);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.error) { say(answer.error.message); return; }
        var currentId = button.getAttribute("data-item-id");
        var lot = answer.supplier_lot_code || (answer.via === "gs1" ? "" : code);
        var isProduct = (answer.kind === "item" || answer.kind === "sku") && answer.item;
        if (isProduct && String(answer.item.id) !== currentId) {
          var target = new URL(answer.item.restock_url, window.location.href);
          if (answer.supplier_lot_code) { target.searchParams.set("supplier_lot_code", answer.supplier_lot_code); }
          if (answer.expires_on) { target.searchParams.set("expires_at", answer.expires_on); }
          ["quantity", "unit_cost", "supplier_id", "notes"].forEach(function (name) {
            var field = form.querySelector("[name=" + name + "]");
            if (field && field.value) { target.searchParams.set(name, field.value); }
          });
          target.hash = "adjust";
          say("That is the barcode of " + answer.item.name + " — opening its restock form…");
          window.location.assign(target.toString());
          return;
        }
        if (answer.via === "label") {  // one of our own labels (or a label link naming none of your lots)
          say(answer.kind === "lot" ? "That is the label of your lot " + answer.lot.code + ", not a supplier's code."
                                    : "That is a BatchTrack label link, not a supplier's code.");
          return;
        }
        if (isProduct && !answer.supplier_lot_code) {
          say("That is this item's barcode (" + answer.item.name + "). Now scan or type the supplier's lot code.");
          return;
        }
        if (lotInput && lot) { lotInput.value = lot; }
        if (expiryInput && answer.expires_on) { expiryInput.value = answer.expires_on; }
        say("Supplier lot code " + lot + (answer.expires_on ? ", expiry " + answer.expires_on : "") + " filled in.");
      })
      .catch(function () {
        if (lotInput) { lotInput.value = code; }
        say("Supplier lot code " + code + " filled in.");
      });
  }
})();
