/* EESZT card login (no inline script: CSP). Needs eeszt-cardservice.js.
 *
 * form[data-card-login] on submit:
 *   1. probe the local card service (down / unpaired → say so, ask nothing from EESZT);
 *   2. POST to data-challenge-url → {challenge} (the server asks the IDP with the company's
 *      certificate and remembers the nonce);
 *   3. ZomancCardService.sign(challenge, PIN) → {signature, certificate, algorithm};
 *   4. fill the hidden fields and submit the form to the server, which calls CardLogin.
 * The PIN input has no name: it goes to the card service only, never to our server, and is
 * cleared after every attempt. Every text comes from data-msg-* (rendered through gettext). */
(function () {
  "use strict";

  function init() {
    var form = document.querySelector("form[data-card-login]");
    if (!form || !window.ZomancCardService) { return; }
    var d = form.dataset;
    var cs = window.ZomancCardService;
    var pin = form.querySelector("[data-card-pin]");
    var errorBox = form.querySelector("[data-card-error]");
    var button = form.querySelector("button[type=submit]");
    var busy = false;

    // An error looks like one (.errorlist: colour, icon); progress ("Aláírás a kártyával…")
    // is shown in the same place as a plain hint.
    function say(text, progress) {
      errorBox.textContent = text || "";
      errorBox.className = progress ? "help" : "errorlist";
      errorBox.hidden = !text;
    }
    function fail(code, text) { var e = new Error(text || ""); e.code = code; return e; }
    function csrfToken() {
      var input = form.querySelector("input[name=csrfmiddlewaretoken]");
      return input ? input.value : "";
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (busy) { return; }
      var code = (pin.value || "").trim();
      if (!/^[0-9]{4,16}$/.test(code)) { say(d.msgPin); pin.focus(); return; }
      busy = true;
      button.disabled = true;
      say(d.msgWorking, true);
      cs.probe(d.cardserviceUrl).then(function (r) {
        if (r.state === "down") { throw fail("DOWN", d.msgDown); }
        if (r.state === "unpaired") { throw fail("UNPAIRED", d.msgUnpaired); }
        if (r.state !== "running") { throw fail("ERROR", d.msgFailed + " " + (r.message || "")); }
        return fetch(d.challengeUrl, {
          method: "POST", credentials: "same-origin", cache: "no-store",
          headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
        });
      }).then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (body) {
          if (!resp.ok || !body.challenge) {
            throw fail(body.error || "CHALLENGE", d.msgChallenge + " " + (body.message || ("HTTP " + resp.status)));
          }
          return cs.sign(d.cardserviceUrl, body.challenge, code);
        });
      }).then(function (signed) {
        pin.value = "";
        form.elements.signature.value = signed.signature;
        form.elements.certificate.value = signed.certificate;
        form.elements.algorithm.value = signed.algorithm;
        form.submit();  // a programmatic submit does not fire this handler again
      }).catch(function (err) {
        pin.value = "";
        busy = false;
        button.disabled = false;
        if (err && err.code === undefined) {
          say(d.msgDown);  // fetch to the card service failed mid-way: it stopped
        } else {
          say((err && err.message) || d.msgFailed);
        }
      });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
