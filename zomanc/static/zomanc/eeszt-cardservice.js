/* Zománc card service client (no inline script: CSP). Used by the EESZT settings page
 * (checklist step 2–4) and, later, the EESZT login page.
 *
 *   window.ZomancCardService.probe(url)          -> {state: "running"|"unpaired"|"down"|"error", status?, message?}
 *   window.ZomancCardService.sign(url, challengeB64, pin) -> {signature, certificate, algorithm}
 *   window.ZomancCardService.pair(token) / .pairingToken()
 *
 * Elements with [data-cardservice] are filled in automatically; every text shown comes from
 * the element's data-msg-* attributes, which the template renders through gettext. */
(function () {
  "use strict";
  var STORAGE_KEY = "zomanc.cardservice.pairing";
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

  function probe(url) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 2500);
    return fetch(url.replace(/\/$/, "") + "/status", {
      method: "GET", mode: "cors", credentials: "omit", cache: "no-store",
      // No targetAddressSpace: Chromium's Local Network Access calls the card service's
      // 127.0.0.1 "loopback" and blocks a request declared "local" (the LAN) as a mismatch;
      // left out, the browser classifies the address itself.
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
      // Connection refused / blocked: the service is not running on this machine.
      return { state: "down" };
    });
  }

  function sign(url, challengeB64, pin) {
    return fetch(url.replace(/\/$/, "") + "/sign", {
      method: "POST", mode: "cors", credentials: "omit", cache: "no-store",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify({ challenge: challengeB64, pin: pin })
    }).then(function (resp) {
      return resp.json().then(function (body) {
        if (!resp.ok) { var err = new Error(body.message || ("HTTP " + resp.status)); err.code = body.error; throw err; }
        return body;
      });
    });
  }

  /* Fills the box in from a probe. `attempt` is true right after the user submitted a pairing
   * code: if the service still answers "unpaired", the code was wrong — say so beside the
   * field (the plain "not paired" text again would look like nothing happened) and forget it.
   * Whatever needs a paired, running service ([data-cardservice-needs-running]: the PIN box)
   * is shown only then. */
  function render(box, attempt) {
    var d = box.dataset;
    var msg = box.querySelector("[data-cardservice-message]");
    var form = box.querySelector("[data-cardservice-pair]");
    var pairError = box.querySelector("[data-cardservice-pair-error]");
    var input = form && form.elements.token;
    var item = document.querySelector("[data-cardservice-check]");
    var itemState = item && item.querySelector("[data-cardservice-state]");
    var dependants = document.querySelectorAll("[data-cardservice-needs-running]");
    function show(text, state, showForm, running) {
      if (msg) { msg.textContent = text; }
      if (form) { form.hidden = !showForm; }
      if (item) { item.className = "check-" + state; }
      if (itemState) { itemState.textContent = d["state" + state.charAt(0).toUpperCase() + state.slice(1)] || state; }
      Array.prototype.forEach.call(dependants, function (el) { el.hidden = !running; });
    }
    function pairFailed(text) {
      if (pairError) { pairError.textContent = text || ""; pairError.hidden = !text; }
      if (input) {
        if (text) { input.setAttribute("aria-invalid", "true"); input.focus(); }
        else { input.removeAttribute("aria-invalid"); }
      }
    }
    return probe(d.url).then(function (r) {
      if (r.state === "unpaired") {
        show(d.msgUnpaired, "warning", true, false);
        if (attempt) { pair(""); pairFailed(d.msgWrongToken); }
        return r;
      }
      pairFailed("");
      if (r.state === "running") {
        var s = r.status || {};
        var prefix = attempt ? d.msgPaired + " " : "";
        if (s.cardPresent) { show(prefix + d.msgRunning + " " + d.msgCard + " " + (s.certificateSubject || s.tokenLabel || ""), "done", false, true); }
        else { show(prefix + d.msgNocard, "warning", false, true); }
      } else if (r.state === "down") {
        show(d.msgDown, "missing", false, false);
      } else {
        show(d.msgError + " " + (r.message || ""), "warning", false, false);
      }
      return r;
    });
  }

  function init() {
    var boxes = document.querySelectorAll("[data-cardservice]");
    Array.prototype.forEach.call(boxes, function (box) {
      var form = box.querySelector("[data-cardservice-pair]");
      if (form) {
        form.addEventListener("submit", function (ev) {
          ev.preventDefault();
          var token = (form.elements.token.value || "").trim();
          var pairError = box.querySelector("[data-cardservice-pair-error]");
          if (!token) {
            if (pairError) { pairError.textContent = box.dataset.msgEmptyToken; pairError.hidden = false; }
            form.elements.token.setAttribute("aria-invalid", "true");
            form.elements.token.focus();
            return;
          }
          pair(token);
          form.elements.token.value = "";
          render(box, true);
        });
      }
      render(box, false);
    });
  }

  window.ZomancCardService = { probe: probe, sign: sign, pair: pair, pairingToken: pairingToken };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
