/* idmesh hosted flow: the device report for the risk check (docs/risk.md). Once per tab:
   a few traits of the browser (hashed per tenant on the server, never stored), the IANA
   timezone and automation hints. No third-party code, our own origin only. */
(function () {
  "use strict";
  var body = document.body;
  var base = body.getAttribute("data-base");
  var csrf = body.getAttribute("data-csrf");
  if (!base || !csrf || !window.fetch) { return; }
  var flag = "idmesh_device_sent:" + base;
  try { if (window.sessionStorage.getItem(flag)) { return; } } catch (e) { /* no storage */ }
  var nav = window.navigator || {};
  var scr = window.screen || {};
  var tz = null;
  try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch (e) { tz = null; }
  var hints = [];
  if (nav.webdriver === true) { hints.push("webdriver"); }
  if (/HeadlessChrome|PhantomJS/.test(nav.userAgent || "")) { hints.push("headless_ua"); }
  if (!nav.languages || nav.languages.length === 0) { hints.push("no_languages"); }
  if (window.outerWidth === 0 && window.outerHeight === 0) { hints.push("zero_outer_size"); }
  var report = {
    timezone: tz,
    hints: hints,
    traits: {
      platform: nav.platform || null,
      language: nav.language || null,
      cores: nav.hardwareConcurrency || null,
      memory: nav.deviceMemory || null,
      touch: nav.maxTouchPoints || 0,
      screen: (scr.width || 0) + "x" + (scr.height || 0) + "x" + (scr.colorDepth || 0),
      ratio: window.devicePixelRatio || 1
    }
  };
  fetch(base + "/device", {
    method: "POST", credentials: "same-origin", body: JSON.stringify(report),
    headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json", "Accept": "application/json" }
  }).then(function (r) {
    if (r.ok) { try { window.sessionStorage.setItem(flag, "1"); } catch (e) { /* no storage */ } }
  }).catch(function () { /* a report is best effort: the flow goes on without it */ });
}());
