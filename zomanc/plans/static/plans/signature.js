// The patient's signature on a canvas, drawn with pointer events (finger, stylus or mouse).
// On submit the drawing goes into the hidden "image" field as a PNG data URL; an empty
// canvas is refused here and again by the server.
(function () {
  "use strict";
  function setup(form) {
    var canvas = form.querySelector("canvas[data-signature]");
    var field = form.querySelector("input[name=image]");
    var clear = form.querySelector("[data-signature-clear]");
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - rect.left) * (canvas.width / rect.width),
        y: (event.clientY - rect.top) * (canvas.height / rect.height),
      };
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var p = point(event);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      drawn = true;
    });
    function stop(event) {
      if (!drawing) return;
      drawing = false;
      if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        field.value = "";
      });
    }
    form.addEventListener("submit", function (event) {
      if (!drawn) {
        event.preventDefault();
        var message = form.querySelector("[data-signature-empty]");
        if (message) message.hidden = false;
        return;
      }
      field.value = canvas.toDataURL("image/png");
    });
  }
  document.querySelectorAll("form[data-signature-form]").forEach(setup);
})();
