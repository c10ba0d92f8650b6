// The reminder SMS editor (Beállítások / Emlékeztetők): counts the SMS as the owner types —
// characters, GSM-7 or UCS-2, segments, and which characters force UCS-2 — and puts the
// accent-free variant into the field. The rules are messaging/sms.py's (sms_segments,
// sms_accent_free) and reminders/sms_text.py's (sms_fill, sms_compose), mirrored here line by
// line; zomanc/reminders/tests/test_sms_editor_js.py runs this file in Chromium and compares
// it with the Python on every BMP character and on the segment boundaries. Change both or
// neither. Without JavaScript the page shows the server's count and the button asks the
// server for the variant.
(function () {
  "use strict";

  var GSM7_BASIC = new Set(Array.from(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
  ));
  var GSM7_EXTENSION = new Set(Array.from("\f^{}\\[~]|€"));
  var PUNCTUATION = {
    "„": '"', "”": '"', "“": '"', "»": '"', "«": '"',
    "‘": "'", "’": "'", "‚": "'",
    "–": "-", "—": "-", "…": "...",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " "
  };
  var NEAREST_GSM = { "ő": "ö", "Ő": "Ö", "ű": "ü", "Ű": "Ü" };
  var COMBINING = /^\p{M}$/u;  // Python: unicodedata.combining(c) != 0 (checked per character)

  function isGsm7(text) {
    return Array.from(text).every(function (c) {
      return GSM7_BASIC.has(c) || GSM7_EXTENSION.has(c);
    });
  }

  function isAscii(text) {
    return Array.from(text).every(function (c) { return c.codePointAt(0) < 128; });
  }

  // sms_segments: {encoding, segments, units, per_segment, remaining}
  function segments(text) {
    var gsm = isGsm7(text);
    var single = gsm ? 160 : 70;
    var multi = gsm ? 153 : 67;
    var sizes = Array.from(text).map(function (c) {
      if (gsm) return GSM7_EXTENSION.has(c) ? 2 : 1;
      return c.codePointAt(0) > 0xffff ? 2 : 1;
    });
    var encoding = gsm ? "GSM-7" : "UCS-2";
    var units = sizes.reduce(function (a, b) { return a + b; }, 0);
    if (units === 0) return count(encoding, 0, 0, single, single);
    if (units <= single) return count(encoding, 1, units, single, single - units);
    var parts = 1, used = 0;
    sizes.forEach(function (size) {
      if (used + size > multi) { parts += 1; used = 0; }  // a character is never split
      used += size;
    });
    return count(encoding, parts, units, multi, multi - used);
  }

  function count(encoding, parts, units, perSegment, remaining) {
    return {
      encoding: encoding, segments: parts, units: units,
      per_segment: perSegment, remaining: remaining
    };
  }

  // sms_accent_free(text, keep_gsm_accents)
  function accentFree(text, keepGsmAccents) {
    var out = [];
    Array.from(text).forEach(function (original) {
      var ch = Object.prototype.hasOwnProperty.call(PUNCTUATION, original)
        ? PUNCTUATION[original] : original;
      if (keepGsmAccents) {
        if (Object.prototype.hasOwnProperty.call(NEAREST_GSM, ch)) ch = NEAREST_GSM[ch];
        if (isGsm7(ch)) { out.push(ch); return; }
      }
      if (isAscii(ch) && isGsm7(ch)) { out.push(ch); return; }
      if (Array.from(ch).length > 1) { out.push(ch); return; }  // "…" became "..."
      var base = Array.from(ch.normalize("NFD")).filter(function (c) {
        return !COMBINING.test(c);
      }).join("");
      out.push(base && isGsm7(base) ? base : "?");
    });
    return out.join("");
  }

  function questionMarks(text) { return text.split("?").length - 1; }

  // sms_text.sms_gsm_value
  function gsmValue(value) {
    var plain = accentFree(value, true);
    return questionMarks(plain) === questionMarks(value) ? plain : value;
  }

  // sms_text.sms_fill: {{ and }} are braces, a known {name} its value, the rest as written.
  function fill(text, values) {
    return text.replace(/\{\{|\}\}|\{([^{}]*)\}/g, function (token, name) {
      if (token === "{{" || token === "}}") return token.charAt(0);
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : token;
    });
  }

  // sms_text.sms_compose
  function compose(body, values, optoutLine) {
    if (isGsm7(body)) {
      var plain = {};
      Object.keys(values).forEach(function (name) { plain[name] = gsmValue(values[name]); });
      values = plain;
      optoutLine = gsmValue(optoutLine);
    }
    var text = fill(body, values);
    return hasLink(body) ? text : text + " " + optoutLine;
  }

  // sms_text.SMS_LINK_NAMES and sms_has_link: a placeholder of the short link, as fill reads
  // it ("{{link}}" is text).
  var LINK_NAMES = ["link", "confirm_link", "reschedule_link", "cancel_link"];
  function hasLink(text) {
    var re = /\{\{|\}\}|\{([^{}]*)\}/g, match;
    while ((match = re.exec(text)) !== null) {
      if (match[1] !== undefined && LINK_NAMES.indexOf(match[1]) !== -1) return true;
    }
    return false;
  }

  // sms_text.sms_forcing_chars and sms_char_shown
  function forcing(text) {
    var found = [];
    Array.from(text).forEach(function (c) {
      if (!GSM7_BASIC.has(c) && !GSM7_EXTENSION.has(c) && found.indexOf(c) === -1) {
        found.push(c);
      }
    });
    return found.map(function (c) {
      if (/^[\p{C}\p{Z}]$/u.test(c)) {
        return "U+" + c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
      }
      return c;
    });
  }

  // Python's str.strip() (str.isspace), not String.trim(): they differ on \x1c-\x1f, \x85
  // and \ufeff, and the save strips with Python.
  var SPACE = "[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  var STRIP = new RegExp("^" + SPACE + "+|" + SPACE + "+$", "g");

  // sms_text.sms_draft_text: what the page counts — the text as it would be sent with the
  // preview's appointment (the template with \n line ends and stripped, as the save stores it).
  function sentText(body, data) {
    body = body.replace(/\r\n?/g, "\n").replace(STRIP, "");
    if (!data) return body;
    return compose(body, data.values, data.optout);
  }

  window.zomancSms = {
    isGsm7: isGsm7, segments: segments, accentFree: accentFree, gsmValue: gsmValue,
    fill: fill, compose: compose, hasLink: hasLink, forcing: forcing, sentText: sentText
  };

  function init() {
    var card = document.querySelector("[data-sms-editor]");
    if (!card) return;
    var field = card.querySelector("textarea[data-sms-body]");
    var counter = card.querySelector("[data-sms-count]");
    var script = document.getElementById("sms-values");
    if (!field || !counter || !script) return;
    var data = JSON.parse(script.textContent);
    var timer = null;

    function show() {
      var text = sentText(field.value, data);
      var result = segments(text);
      var chars = forcing(text);
      counter.querySelector("[data-sms-units]").textContent = String(result.units);
      counter.querySelector("[data-sms-encoding]").textContent = result.encoding;
      counter.querySelector("[data-sms-segments]").textContent = String(result.segments);
      counter.querySelector("[data-sms-per]").textContent = String(result.per_segment);
      var ucs2 = result.encoding === "UCS-2";
      var letters = chars.some(function (c) { return /^\p{L}$/u.test(c); });
      counter.querySelector("[data-sms-ucs2]").hidden = !ucs2;
      counter.querySelector("[data-sms-why-letters]").hidden = !letters;
      counter.querySelector("[data-sms-why-other]").hidden = letters;
      counter.querySelector("[data-sms-chars]").textContent = chars.join(", ");
    }

    // The counter is a polite live region: it is updated when typing pauses, so a screen
    // reader reads the new count once, not after every key.
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(show, 300);
    });
    var button = card.querySelector("[data-sms-accent-free]");
    if (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();  // without JavaScript the server makes the same variant
        field.value = accentFree(field.value, false);
        window.clearTimeout(timer);
        show();
      });
    }
    show();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
