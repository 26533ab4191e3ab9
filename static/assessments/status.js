// Live progress on the assessment page: poll the status endpoint, then swap in the result.
(function () {
  "use strict";
  var panel = document.getElementById("status-panel");
  if (!panel) return;
  var running = ["queued", "processing"];
  // Numbers first: once they are in, keep asking until the pictures (keyframes, preview) join them.
  var picturesPending = panel.dataset.picturesPending === "true";
  if (running.indexOf(panel.dataset.status) < 0 && !picturesPending) return;
  var seen = [];
  var numbersShown = running.indexOf(panel.dataset.status) < 0;

  function swapFromPage() {
    fetch(panel.dataset.pageUrl, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["status-panel", "self-check-review", "assessment-body"].forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (fresh && old) old.replaceWith(fresh);
        });
        var newPanel = document.getElementById("status-panel");
        if (newPanel) newPanel.dataset.seen = seen.join(",");
      });
  }

  function tick() {
    fetch(panel.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) {
        var bar = document.getElementById("analysis-progress");
        var text = document.getElementById("analysis-progress-text");
        var label = document.getElementById("status-label");
        if (bar) bar.value = s.progress;
        if (text) text.textContent = s.progress + "%";
        if (label) label.textContent = s.status_label;
        if (seen[seen.length - 1] !== s.progress) seen.push(s.progress);
        panel.dataset.seen = seen.join(",");
        panel.dataset.status = s.status;
        if (running.indexOf(s.status) >= 0) {
          setTimeout(tick, 700);
        } else if (s.pictures_pending) {
          if (!numbersShown) { numbersShown = true; swapFromPage(); }
          setTimeout(tick, 1500);
        } else {
          swapFromPage();
        }
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  tick();
})();
