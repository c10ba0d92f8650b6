/* EESZT Sandbox portal: eID card login / activation through the workstation's card service.
 * No inline script (CSP script-src 'self'); every text comes from data-msg-* attributes the
 * template renders through gettext.
 *
 * Flow: the portal put an IDP challenge into form[data-card-sign][data-challenge]; on
 * submit we POST {challenge, pin} to <card service>/sign with the pairing header, fill the
 * hidden signature/certificate/algorithm fields and submit the form to the portal. The PIN
 * field has no name: it never reaches the portal. */
(function () {
  "use strict";
  var STORAGE_KEY = "eeszt-sandbox.cardservice.pairing";
  var HEADER = "X-Zomanc-Pairing";

  function pairingToken() {
    try { return window.localStorage.getItem(STORAGE_KEY) || ""; } catch (e) { return ""; }
  }
  function pair(token) {
    try { window.localStorage.setItem(STORAGE_KEY, (token || "").trim()); } catch (e) { /* private mode */ }
  }
  function headers(extra) {
    var h = extra || {};
    var token = pairingToken();
    if (token) { h[HEADER] = token; }
    return h;
  }
  function base(url) { return url.replace(/\/$/, ""); }

  function probe(url) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 2500);
    return fetch(base(url) + "/status", {
      method: "GET", mode: "cors", credentials: "omit", cache: "no-store",
      headers: headers(), signal: controller.signal
    }).then(function (resp) {
      clearTimeout(timer);
      return resp.json().catch(function () { return {}; }).then(function (body) {
        if (resp.status === 401) { return { state: "unpaired", message: body.message }; }
        if (!resp.ok) { return { state: "error", message: body.message || ("HTTP " + resp.status) }; }
        return { state: "running", status: body };
      });
    }).catch(function () {
      clearTimeout(timer);
      return { state: "down" };
    });
  }

  function sign(url, challengeB64, pin) {
    return fetch(base(url) + "/sign", {
      method: "POST", mode: "cors", credentials: "omit", cache: "no-store",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify({ challenge: challengeB64, pin: pin })
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) {
        if (!resp.ok) {
          var err = new Error(body.message || ("HTTP " + resp.status));
          err.status = resp.status;
          err.code = body.error;
          throw err;
        }
        return body;
      });
    }, function () {
      var err = new Error("down");
      err.code = "DOWN";
      throw err;
    });
  }

  function init() {
    var box = document.querySelector("[data-card-service]");
    var form = document.querySelector("[data-card-sign]");
    if (!box || !form) { return; }
    var d = box.dataset;
    var status = box.querySelector("[data-card-status]");
    var pairForm = box.querySelector("[data-card-pair]");
    var pinInput = form.querySelector("[data-card-pin]");
    var errorBox = form.querySelector("[data-card-error]");
    var busy = false;

    function say(text, cls) {
      status.textContent = text;
      status.className = "card-service-status" + (cls ? " " + cls : "");
    }
    function fail(text) {
      errorBox.textContent = text;
      errorBox.hidden = !text;
    }
    function refresh() {
      say(d.msgChecking, "");
      probe(d.url).then(function (r) {
        pairForm.hidden = r.state !== "unpaired";
        if (r.state === "running") {
          var s = r.status || {};
          if (s.cardPresent) { say(d.msgRunning + " " + d.msgCard + " " + (s.certificateSubject || s.tokenLabel || ""), "ok"); }
          else { say(d.msgNocard, "warn"); }
        } else if (r.state === "unpaired") {
          say(d.msgUnpaired, "warn");
        } else if (r.state === "down") {
          say(d.msgDown, "bad");
        } else {
          say(d.msgError + " " + (r.message || ""), "warn");
        }
      });
    }

    pairForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      pair(pairForm.elements.token.value);
      pairForm.elements.token.value = "";
      refresh();
    });

    form.addEventListener("submit", function (ev) {
      if (form.elements.signature.value) { return; }  // signed: let it go to the portal
      ev.preventDefault();
      if (busy) { return; }
      var pin = pinInput.value;
      if (!pin) { fail(d.msgPin); pinInput.focus(); return; }
      busy = true;
      fail("");
      say(d.msgSigning, "");
      sign(d.url, form.dataset.challenge, pin).then(function (body) {
        pinInput.value = "";
        form.elements.signature.value = body.signature;
        form.elements.certificate.value = body.certificate;
        form.elements.algorithm.value = body.algorithm;
        form.submit();
      }, function (err) {
        busy = false;
        pinInput.value = "";
        if (err.code === "DOWN") { say(d.msgDown, "bad"); fail(d.msgDown); return; }
        if (err.status === 401) { pairForm.hidden = false; say(d.msgUnpaired, "warn"); fail(d.msgUnpaired); return; }
        fail(d.msgError + " " + err.message);
        refresh();
      });
    });
    refresh();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
