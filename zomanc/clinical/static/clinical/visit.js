/* The visit screen (issue 12), loaded by the pages that show the entry box or a tooth chart.

   1. The text boxes of an open visit save themselves while typed: 1.2 s after the last
      keystroke the notes form is posted to its autosave URL; the state beside the button
      reads "mentve 10:42", or "nincs mentve, újrapróbálás…" while a failed save (server
      down, connection lost) is retried with growing pauses. A refusal the server explains
      (too long, visit closed) is shown and not retried. Leaving the page with unsaved text
      asks first (beforeunload), and text typed but not yet saved survives the entry box
      being re-drawn by another action (command line, diagnosis…): it is put back and saved.
   2. "Ellátás lezárása" submits the boxes with the closing (the button belongs to the notes
      form); with the anamnesis and the status both empty it asks that one question instead
      of the usual one and tells the server the answer (confirm_empty).
   3. A click (or Enter) on a tooth loads its history beside the chart and, in the entry box,
      fills the procedure row's tooth field.
   4. Under the chart, the "plan from the chart" form (plans) collects several teeth: a click
      adds the tooth to its teeth field (input[data-chart-teeth]) or takes it out again, and
      the teeth listed there are marked on the chart (.tooth-picked), also when typed.
   Every text shown comes from the page (data-msg-*) or the server: translated there. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 1200;
  var RETRY_MS = [2000, 4000, 8000, 15000, 30000];
  var carried = null; // {visitId, values} of unsaved text across an htmx swap

  function boxes(form) {
    return Array.prototype.slice.call(form.querySelectorAll("textarea[name]"));
  }

  function state(form) {
    if (!form._autosave) {
      var saved = {};
      var unsaved = form.dataset.unsaved === "1";
      boxes(form).forEach(function (box) {
        saved[box.name] = unsaved ? null : box.value;
      });
      form._autosave = { saved: saved, timer: null, inFlight: false, again: false, attempt: 0 };
    }
    return form._autosave;
  }

  function isDirty(form) {
    var st = state(form);
    return boxes(form).some(function (box) {
      return st.saved[box.name] !== box.value;
    });
  }

  function show(form, key, text) {
    var label = form.querySelector(".autosave-state");
    if (!label) return;
    label.dataset.state = key;
    var fallback = label.dataset["msg" + key.charAt(0).toUpperCase() + key.slice(1)] || "";
    label.textContent = text || fallback;
  }

  function schedule(form, delay) {
    var st = state(form);
    if (st.timer) clearTimeout(st.timer);
    st.timer = setTimeout(function () {
      st.timer = null;
      save(form);
    }, delay);
  }

  function save(form) {
    var st = state(form);
    if (!form.isConnected) return;
    if (st.inFlight) {
      st.again = true;
      return;
    }
    if (!isDirty(form)) return;
    var sent = {};
    boxes(form).forEach(function (box) {
      sent[box.name] = box.value;
    });
    st.inFlight = true;
    show(form, "saving");
    fetch(form.dataset.autosaveUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      redirect: "manual", // a login redirect is a failed save, not a success
      headers: { "X-Requested-With": "fetch", Accept: "application/json" },
    })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!json) throw new Error("status " + response.status);
        return response.json().then(function (body) {
          return { ok: response.ok, status: response.status, body: body };
        });
      })
      .then(function (answer) {
        st.inFlight = false;
        if (answer.ok && answer.body.saved) {
          st.attempt = 0;
          Object.keys(sent).forEach(function (name) {
            st.saved[name] = sent[name];
          });
          if (isDirty(form)) {
            show(form, "dirty");
            schedule(form, DEBOUNCE_MS);
          } else {
            show(form, "saved", answer.body.label);
          }
        } else if (answer.status >= 500) {
          retry(form);
        } else {
          show(form, "failed", answer.body.label); // the server's reason; typing again retries
        }
        if (st.again) {
          st.again = false;
          schedule(form, 0);
        }
      })
      .catch(function () {
        st.inFlight = false;
        st.again = false;
        retry(form);
      });
  }

  function retry(form) {
    var st = state(form);
    var pause = RETRY_MS[Math.min(st.attempt, RETRY_MS.length - 1)];
    st.attempt += 1;
    show(form, "retry");
    schedule(form, pause);
  }

  function initNotes(root) {
    var forms = (root || document).querySelectorAll("form.notes[data-autosave-url]");
    Array.prototype.forEach.call(forms, function (form) {
      if (form.dataset.autosaveReady) return;
      form.dataset.autosaveReady = "1";
      state(form);
      if (carried && carried.visitId === form.dataset.visitId) {
        boxes(form).forEach(function (box) {
          if (box.name in carried.values) box.value = carried.values[box.name];
        });
      }
      form.addEventListener("input", function () {
        show(form, "dirty");
        schedule(form, DEBOUNCE_MS);
      });
      if (isDirty(form)) {
        show(form, "dirty");
        schedule(form, 300);
      }
    });
    carried = null;
  }

  function liveNotes() {
    return Array.prototype.slice.call(document.querySelectorAll("form.notes[data-autosave-url]"));
  }

  // Unsaved text is carried over when htmx re-draws the entry box.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    liveNotes().forEach(function (form) {
      if (!target || !target.contains(form)) return;
      var st = state(form);
      if (st.timer) clearTimeout(st.timer);
      st.timer = null;
      if (isDirty(form)) {
        var values = {};
        boxes(form).forEach(function (box) {
          if (st.saved[box.name] !== box.value) values[box.name] = box.value;
        });
        carried = { visitId: form.dataset.visitId, values: values };
      }
    });
  });
  document.addEventListener("htmx:afterSettle", function () {
    initNotes(document);
  });
  document.addEventListener("DOMContentLoaded", function () {
    initNotes(document);
  });

  window.addEventListener("beforeunload", function (evt) {
    var pending = liveNotes().some(function (form) {
      return isDirty(form) || state(form).inFlight;
    });
    if (pending) {
      evt.preventDefault();
      evt.returnValue = "";
    }
  });

  // Closing: the one question, the empty-notes one when anamnesis and status are empty.
  document.addEventListener("htmx:confirm", function (evt) {
    var button = evt.detail.elt;
    if (!button || !button.matches || !button.matches("button.close-visit")) return;
    var form = button.form;
    var anamnesis = form && form.querySelector("[name=anamnesis]");
    var status = form && form.querySelector("[name=status_text]");
    if (!anamnesis || !status || anamnesis.value.trim() || status.value.trim()) return;
    evt.preventDefault();
    if (window.confirm(button.dataset.confirmEmpty)) {
      button.dataset.emptyConfirmed = "1";
      evt.detail.issueRequest(true);
    }
  });
  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.dataset && elt.dataset.emptyConfirmed === "1") {
      delete elt.dataset.emptyConfirmed;
      evt.detail.parameters.confirm_empty = "1";
    }
    if (elt && elt.matches && elt.matches("button.close-visit") && elt.form) {
      var st = state(elt.form);
      if (st.timer) clearTimeout(st.timer); // the closing carries the text itself
      st.timer = null;
    }
  });

  // The tooth chart.
  function toothSelect(tooth) {
    var figure = tooth.closest("figure.chart[data-tooth-history-url]");
    if (!figure) return;
    Array.prototype.forEach.call(figure.querySelectorAll(".tooth-selected"), function (other) {
      other.classList.remove("tooth-selected");
      other.setAttribute("aria-pressed", "false");
    });
    tooth.classList.add("tooth-selected");
    tooth.setAttribute("aria-pressed", "true");
    var number = tooth.getAttribute("data-tooth");
    var block = figure.closest(".chart-block");
    var panel = block && block.querySelector(".tooth-history");
    if (panel && window.htmx) {
      var url = figure.dataset.toothHistoryUrl + "?fog=" + encodeURIComponent(number);
      window.htmx.ajax("GET", url, { target: panel, swap: "innerHTML" });
    }
    var picker = block && block.querySelector("input[data-chart-teeth]");
    if (picker) {
      var teeth = pickedTeeth(picker);
      var at = teeth.indexOf(number);
      if (at >= 0) {
        teeth.splice(at, 1); // taken out again: not shown as chosen either
        tooth.classList.remove("tooth-selected");
        tooth.setAttribute("aria-pressed", "false");
      } else {
        teeth.push(number);
      }
      picker.value = teeth.join(" ");
      markPicked(picker);
    }
    var box = tooth.closest("#entry-box");
    if (box) {
      var fields = box.querySelectorAll(
        "form.procedure-form input[name=tooth], form.planned-treatment input[name=tooth]"
      );
      Array.prototype.forEach.call(fields, function (field) {
        field.value = number;
      });
    }
  }

  function pickedTeeth(input) {
    return input.value.split(/[\s,;]+/).filter(function (word) {
      return word !== "";
    });
  }

  function markPicked(input) {
    var block = input.closest(".chart-block");
    if (!block) return;
    var teeth = pickedTeeth(input);
    Array.prototype.forEach.call(block.querySelectorAll(".odontogram g.tooth"), function (tooth) {
      tooth.classList.toggle("tooth-picked", teeth.indexOf(tooth.getAttribute("data-tooth")) >= 0);
    });
  }

  document.addEventListener("input", function (evt) {
    var target = evt.target;
    if (target && target.matches && target.matches("input[data-chart-teeth]")) markPicked(target);
  });
  document.addEventListener("htmx:afterSettle", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-chart-teeth]"), markPicked);
  });

  function toothOf(evt) {
    var target = evt.target;
    return target && target.closest ? target.closest(".odontogram g.tooth") : null;
  }

  document.addEventListener("click", function (evt) {
    var tooth = toothOf(evt);
    if (tooth) toothSelect(tooth);
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Enter" && evt.key !== " ") return;
    var tooth = toothOf(evt);
    if (!tooth) return;
    evt.preventDefault();
    toothSelect(tooth);
  });
})();
