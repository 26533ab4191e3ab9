// The report's Print button (no inline handlers: the site's CSP allows scripts from static files only).
(function () {
  "use strict";
  var button = document.getElementById("print-report");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
