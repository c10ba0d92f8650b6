// The invoice issue form: show only the customer fields the chosen customer kind uses.
// Each such field's wrapper lists its kinds in data-customer-kinds; without JavaScript every
// field stays visible and the server ignores those the kind does not use.
(function () {
  "use strict";
  function sync(select) {
    var form = select.form;
    form.querySelectorAll("[data-customer-kinds]").forEach(function (wrapper) {
      var kinds = wrapper.getAttribute("data-customer-kinds").split(" ");
      var shown = kinds.indexOf(select.value) !== -1;
      // A field with an error stays in view, whatever the kind.
      wrapper.hidden = !shown && !wrapper.querySelector(".has-error");
    });
  }
  function init() {
    var select = document.querySelector("form.invoice-issue select[name=customer_kind]");
    if (!select) return;
    select.addEventListener("change", function () { sync(select); });
    sync(select);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
