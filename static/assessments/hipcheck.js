// Manual hip-point check on a midstance keyframe (issue 13): two markers placed by mouse, touch
// (pointer events) or keyboard (arrow keys); the CPD by hand is computed live the way
// MEASUREMENT.md defines it and the points go to the form in image pixels. No inline script or
// style: the page's CSP allows static files only, and positions are set through the CSSOM.
(function () {
  "use strict";
  var root = document.getElementById("hipcheck");
  if (!root) return;
  var image = document.getElementById("hipcheck-image");
  var side = root.getAttribute("data-side");  // stance side of the keyframe
  var markers = { left: document.getElementById("marker-left"), right: document.getElementById("marker-right") };
  var inputs = {
    left: [document.getElementById("left_x"), document.getElementById("left_y")],
    right: [document.getElementById("right_x"), document.getElementById("right_y")]
  };
  var engine = parseFloat(document.getElementById("engine-cpd").getAttribute("data-value"));
  var points = {};
  var lastUsed = "left";

  function naturalSize() {
    return { w: image.naturalWidth || image.width, h: image.naturalHeight || image.height };
  }

  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }

  // CPD for stance side S: atan2(y_swing - y_stance, |x_swing - x_stance|), y down, in degrees.
  function cpd() {
    var stance = points[side], swing = points[side === "left" ? "right" : "left"];
    return Math.atan2(swing.y - stance.y, Math.abs(swing.x - stance.x)) * 180 / Math.PI;
  }

  function show() {
    var size = naturalSize();
    ["left", "right"].forEach(function (hip) {
      var p = points[hip];
      markers[hip].style.left = (100 * p.x / size.w) + "%";
      markers[hip].style.top = (100 * p.y / size.h) + "%";
      inputs[hip][0].value = p.x.toFixed(2);
      inputs[hip][1].value = p.y.toFixed(2);
      markers[hip].setAttribute("aria-valuetext", "x " + Math.round(p.x) + ", y " + Math.round(p.y));
    });
    var value = cpd();
    document.getElementById("manual-cpd").textContent = (value >= 0 ? "+" : "") + value.toFixed(1);
    if (!isNaN(engine)) {
      var diff = engine - value;
      document.getElementById("difference").textContent = (diff >= 0 ? "+" : "") + diff.toFixed(1);
    }
  }

  function move(hip, x, y) {
    var size = naturalSize();
    points[hip] = { x: clamp(x, 0, size.w), y: clamp(y, 0, size.h) };
    lastUsed = hip;
    show();
  }

  function toImage(event) {
    var box = image.getBoundingClientRect(), size = naturalSize();
    return { x: (event.clientX - box.left) * size.w / box.width, y: (event.clientY - box.top) * size.h / box.height };
  }

  function start() {
    var size = naturalSize();
    ["left", "right"].forEach(function (hip, k) {
      var x = parseFloat(inputs[hip][0].value), y = parseFloat(inputs[hip][1].value);
      // A saved read comes back where it was; otherwise the points start either side of the centre.
      points[hip] = isNaN(x) || isNaN(y) ? { x: size.w * (k ? 0.55 : 0.45), y: size.h * 0.5 } : { x: x, y: y };
    });
    show();
    ["left", "right"].forEach(function (hip) {
      var marker = markers[hip];
      marker.addEventListener("pointerdown", function (event) {
        event.preventDefault();
        marker.setPointerCapture(event.pointerId);
        marker.classList.add("dragging");
        marker.focus();
        lastUsed = hip;
      });
      marker.addEventListener("pointermove", function (event) {
        if (!marker.hasPointerCapture(event.pointerId)) return;
        var p = toImage(event);
        move(hip, p.x, p.y);
      });
      marker.addEventListener("pointerup", function (event) {
        marker.releasePointerCapture(event.pointerId);
        marker.classList.remove("dragging");
      });
      marker.addEventListener("focus", function () { lastUsed = hip; });
      marker.addEventListener("keydown", function (event) {
        var step = event.shiftKey ? 10 : 1, p = points[hip];
        var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
        var d = moves[event.key];
        if (!d) return;
        event.preventDefault();
        move(hip, p.x + d[0], p.y + d[1]);
      });
    });
    image.addEventListener("click", function (event) {
      var p = toImage(event);
      move(lastUsed, p.x, p.y);
    });
  }

  if (image.complete && image.naturalWidth) start();
  else image.addEventListener("load", start);
})();
