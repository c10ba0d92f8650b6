// The recall list's "select all shown": the header checkbox ticks every enabled row checkbox
// (a row without a consented channel, or already booked, stays disabled), and follows the
// rows (checked, unchecked or mixed). Without JavaScript each row is ticked by hand.
(function () {
  "use strict";
  function init() {
    var all = document.querySelector("input[data-recall-all]");
    if (!all) return;
    var boxes = Array.prototype.slice.call(
      document.querySelectorAll("input[type=checkbox][name=recall]:not([disabled])")
    );
    all.hidden = false;
    all.disabled = boxes.length === 0;
    function follow() {
      var ticked = boxes.filter(function (b) { return b.checked; }).length;
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      follow();
    });
    boxes.forEach(function (b) { b.addEventListener("change", follow); });
    follow();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
