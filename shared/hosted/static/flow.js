/* idmesh hosted flow: progressive enhancement of server-rendered pages. No third-party code,
   no inline scripts; every request goes to our own origin. */
(function () {
  "use strict";
  var body = document.body;
  var base = body.getAttribute("data-base");
  var csrf = body.getAttribute("data-csrf");
  var page = body.getAttribute("data-page");

  function $(sel) { return document.querySelector(sel); }
  function msg(tpl, key) { return tpl ? tpl.getAttribute("data-" + key) || "" : ""; }
  function post(url, data) {
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
    }).then(function (r) { return r.json().then(function (j) { j.status = r.status; return j; }); });
  }

  // Focus each step's title so screen readers start there (WCAG 2.4.3).
  var h1 = $("h1");
  if (h1 && !$("#error")) { h1.focus(); } else if ($("#error")) { $("#error").setAttribute("tabindex", "-1"); $("#error").focus(); }

  // ---- camera helpers ---------------------------------------------------------------------
  function openCamera(video, facing) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject(new Error("no camera"));
    }
    return navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: facing, width: { ideal: 1280 } }
    }).then(function (stream) {
      video.srcObject = stream;
      return video.play().then(function () { return stream; });
    });
  }
  function stopCamera(stream) { if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); } }
  function frameToBlob(video, maxWidth, quality) {
    var w = video.videoWidth, h = video.videoHeight;
    var scale = maxWidth && w > maxWidth ? maxWidth / w : 1;
    var c = document.createElement("canvas");
    c.width = Math.round(w * scale); c.height = Math.round(h * scale);
    c.getContext("2d").drawImage(video, 0, 0, c.width, c.height);
    return new Promise(function (resolve) { c.toBlob(resolve, "image/jpeg", quality); });
  }

  // Image statistics on a small grey copy: brightness, sharpness (mean gradient) and motion
  // against the previous sample. Guidance only: the server checks every capture.
  function Sampler(video) {
    var c = document.createElement("canvas"); c.width = 96; c.height = 72;
    var ctx = c.getContext("2d", { willReadFrequently: true });
    var prev = null;
    this.sample = function () {
      ctx.drawImage(video, 0, 0, 96, 72);
      var d = ctx.getImageData(0, 0, 96, 72).data, n = 96 * 72;
      var grey = new Float32Array(n), sum = 0, grad = 0, motion = 0, i;
      for (i = 0; i < n; i++) { grey[i] = 0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2]; sum += grey[i]; }
      for (i = 1; i < n; i++) { if (i % 96) { grad += Math.abs(grey[i] - grey[i - 1]); } }
      if (prev) { for (i = 0; i < n; i++) { motion += Math.abs(grey[i] - prev[i]); } motion /= n; } else { motion = 255; }
      prev = grey;
      return { brightness: sum / n, sharpness: grad / n, motion: motion };
    };
  }

  // ---- document / selfie capture ----------------------------------------------------------
  function initCapture() {
    var section = $(".camera[data-step]");
    if (!section) { return; }
    var step = section.getAttribute("data-step");
    var video = $("#video"), status = $("#camera-status"), texts = $("#camera-messages");
    var startBtn = $("#camera-start"), takeBtn = $("#camera-take");
    var guide = section.querySelector(".guide");
    var stream = null, timer = null, busy = false;

    function say(text) { status.textContent = text; }
    function send(blob) {
      busy = true; say(msg(texts, "checking"));
      var fd = new FormData();
      fd.append("file", blob, step + ".jpg");
      fd.append("source", "camera");
      return post(base + "/capture/" + step, fd).then(function (res) {
        if (res.ok && res.next) { stopCamera(stream); window.location.assign(res.next); return; }
        say((res.message || "") + " " + (res.retakes_message || ""));
        guide.classList.remove("steady");
        setTimeout(function () { busy = false; }, 1500);
      }).catch(function () { busy = false; say(msg(texts, "denied")); });
    }
    function capture() { frameToBlob(video, 0, 0.92).then(send); }
    function watch() {
      var sampler = new Sampler(video), steadyCount = 0;
      say(msg(texts, "searching"));
      timer = setInterval(function () {
        if (busy || !video.videoWidth) { return; }
        var s = sampler.sample();
        var ok = s.motion < 4 && s.sharpness > 2 && s.brightness > 40 && s.brightness < 235;
        steadyCount = ok ? steadyCount + 1 : 0;
        guide.classList.toggle("steady", steadyCount > 2);
        if (steadyCount >= 6) { steadyCount = 0; say(msg(texts, "steady")); capture(); }
      }, 150);
    }
    startBtn.addEventListener("click", function () {
      startBtn.disabled = true;
      openCamera(video, section.getAttribute("data-facing")).then(function (s) {
        stream = s;
        section.querySelector(".viewport").hidden = false;
        startBtn.hidden = true; takeBtn.hidden = false;
        watch();
      }).catch(function () { startBtn.disabled = false; say(msg(texts, "denied")); });
    });
    takeBtn.addEventListener("click", function () { if (!busy) { capture(); } });
    window.addEventListener("pagehide", function () { clearInterval(timer); stopCamera(stream); });
  }

  // ---- active liveness --------------------------------------------------------------------
  var LEAD_MS = 1200, STEP_MS = 2500, TAIL_MS = 800, FPS = 8;
  function initLiveness() {
    var startBtn = $("#liveness-start");
    if (!startBtn) { return; }
    var video = $("#video"), caption = $("#liveness-caption"), list = $("#liveness-moves");
    var texts = $("#liveness-messages"), stream = null;
    function fail(text) {
      stopCamera(stream); caption.textContent = text;
      startBtn.disabled = false; startBtn.hidden = false; $("#liveness-record").hidden = true;
      $("#liveness-record").disabled = false;
    }
    var recordBtn = $("#liveness-record"), challenge = null;
    // 1. the server's random challenge, shown as a list the user can read first
    startBtn.addEventListener("click", function () {
      startBtn.disabled = true;
      post(base + "/liveness/challenge", new FormData()).then(function (ch) {
        if (!ch.ok) { throw new Error("challenge"); }
        challenge = ch;
        list.innerHTML = "";
        ch.steps.forEach(function (s) {
          var li = document.createElement("li"); li.textContent = s.caption;
          li.setAttribute("data-move", s.move); list.appendChild(li);
        });
        list.hidden = false; startBtn.hidden = true; recordBtn.hidden = false; recordBtn.focus();
      }).catch(function () { fail(msg(texts, "failed")); });
    });
    // 2. the camera, the moves one after the other (captions announced), frames uploaded
    recordBtn.addEventListener("click", function () {
      var ch = challenge;
      recordBtn.disabled = true;
      openCamera(video, "user").then(function (s) {
        stream = s;
        video.parentNode.hidden = false; recordBtn.hidden = true;
        caption.textContent = msg(texts, "get-ready");
        var frames = [], started = performance.now(), total = LEAD_MS + ch.steps.length * STEP_MS + TAIL_MS;
        var items = list.querySelectorAll("li"), shown = -1;
        return new Promise(function (resolve) {
          var timer = setInterval(function () {
            var t = performance.now() - started;
            var idx = Math.floor((t - LEAD_MS) / STEP_MS);
            if (idx >= 0 && idx < ch.steps.length && idx !== shown) {
              if (shown >= 0) { items[shown].removeAttribute("aria-current"); }
              shown = idx; items[idx].setAttribute("aria-current", "step");
              caption.textContent = ch.steps[idx].caption;
            }
            frames.push(frameToBlob(video, 640, 0.85));
            if (t >= total) { clearInterval(timer); resolve(Promise.all(frames)); }
          }, 1000 / FPS);
        });
      }).then(function (blobs) {
        stopCamera(stream);
        caption.textContent = msg(texts, "uploading");
        var fd = new FormData();
        blobs.forEach(function (b, i) { fd.append("file", b, "frame" + i + ".jpg"); });
        return post(base + "/liveness/frames", fd);
      }).then(function (res) {
        if (res.ok && res.next) { window.location.assign(res.next); } else { fail(res.message || msg(texts, "failed")); }
      }).catch(function () { fail(msg(texts, "denied")); });
    });
  }

  // ---- following the session: checking page and the desktop after a handoff ---------------
  function poll(onStatus) {
    function tick() {
      fetch(base + "/status", { credentials: "same-origin", cache: "no-store",
                                headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) { if (onStatus(s) !== false) { setTimeout(tick, 1500); } })
        .catch(function () { setTimeout(tick, 3000); });
    }
    setTimeout(tick, 1000);
  }
  // Server-Sent Events when the browser has them; polling when not, or when the stream
  // fails (the browser reconnects by itself after the server's bounded stream ends).
  function follow(onStatus) {
    if (!window.EventSource) { body.setAttribute("data-follow", "poll"); poll(onStatus); return; }
    var es = new EventSource(base + "/events"), polling = false;
    body.setAttribute("data-follow", "sse");
    es.addEventListener("status", function (e) {
      var s;
      try { s = JSON.parse(e.data); } catch (err) { return; }
      if (onStatus(s) === false) { es.close(); }
    });
    es.addEventListener("closed", function () { es.close(); window.location.assign(base); });
    es.onerror = function () {
      if (es.readyState === EventSource.CLOSED && !polling) {
        polling = true; body.setAttribute("data-follow", "poll"); poll(onStatus);
      }
    };
  }
  function initFollow() {
    if (page === "checking") {
      follow(function (s) { if (s.final) { window.location.assign(base); return false; } });
    }
    if (page === "handoff") {
      var status = $("#handoff-status");
      follow(function (s) {
        if (s.done > 1) { status.textContent = s.message; }
        if (s.status !== "not_started") { window.location.assign(base); return false; }
      });
      var btn = $("#copy-button"), field = $("#copy-url");
      btn.addEventListener("click", function () {
        var done = function () { btn.textContent = btn.getAttribute("data-copied"); };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(done);
        } else { field.select(); document.execCommand("copy"); done(); }
      });
    }
  }

  // ---- the end: tell an embedding page, then return to the tenant -------------------------
  function initDone() {
    if (page !== "done") { return; }
    var title = $("h1"), link = $("#return-link");
    var note = { type: "idmesh:verification.finished", session_id: title.getAttribute("data-session"),
                 status: title.getAttribute("data-status") };
    var origins = (body.getAttribute("data-origins") || "").split(" ").filter(Boolean);
    if (window.parent !== window) { origins.forEach(function (o) { window.parent.postMessage(note, o); }); }
    if (link && link.getAttribute("data-auto") === "true" && window.parent === window) {
      setTimeout(function () { window.location.assign(link.href); }, 2500);
    }
  }

  initCapture();
  initLiveness();
  initFollow();
  initDone();
})();
