/* Zománc: behaviour every page shares (no inline script: CSP).
 *
 * The error summary of a refused form ([data-error-summary], core/_error_summary.html) takes
 * the focus when the page loads or when htmx swaps it in: screen readers announce it and it
 * is scrolled into view, at the top, however long the page. Its links move the focus to the
 * field in error (a fragment link alone only scrolls).
 *
 * Side panels: when htmx loads a page's side panel (an <aside>, e.g. the calendar's
 * appointment panel) its first heading takes the focus, so that a keyboard user goes on from
 * there instead of tabbing past everything between the link and the panel.
 *
 * Toasts: an htmx response may carry <p class="alert alert-ok" data-toast>…</p> (core/_toast.html);
 * it is moved into the page's live region (.toasts in base.html) and leaves after 6 s. */
(function () {
  "use strict";

  function focusSummary(root) {
    var box = (root || document).querySelector("[data-error-summary]");
    if (!box) { return; }
    // Focus without the browser's jump (which would hide the page header above it), then
    // bring it into view only if it is not (an htmx fragment further down the page).
    box.focus({ preventScroll: true });
    box.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("[data-error-link]");
    if (!link) { return; }
    var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) { return; }
    ev.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus();
  });

  function raiseToasts(root) {
    var region = document.querySelector("[data-toasts]");
    if (!region) { return; }
    Array.prototype.forEach.call((root || document).querySelectorAll("[data-toast]"), function (toast) {
      toast.removeAttribute("data-toast");
      toast.classList.add("toast");
      region.appendChild(toast);
      setTimeout(function () { toast.remove(); }, 6000);
    });
  }

  function focusPanel(target) {
    if (!target || target.tagName !== "ASIDE") { return; }
    if (target.querySelector("[data-error-summary]")) { return; }  // the summary goes first
    var heading = target.querySelector("h1, h2, h3");
    if (!heading) { return; }
    if (!heading.hasAttribute("tabindex")) { heading.setAttribute("tabindex", "-1"); }
    heading.focus({ preventScroll: true });
    heading.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("htmx:afterSwap", function (ev) {
    raiseToasts(ev.target);
    focusSummary(ev.target);
    focusPanel(ev.target);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { focusSummary(document); });
  } else {
    focusSummary(document);
  }
})();
