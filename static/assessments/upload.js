// Upload a treadmill video from the visit page: drag and drop, transfer progress, then go to the result.
(function () {
  "use strict";
  var form = document.querySelector(".upload-form");
  if (!form) return;
  var input = form.querySelector("input[type=file]");
  var zone = form.querySelector(".dropzone");
  var nameOut = form.querySelector(".file-name");
  var box = form.querySelector(".upload-progress");
  var bar = form.querySelector("progress");
  var text = form.querySelector(".upload-progress-text");
  var error = form.querySelector(".upload-error");
  var button = form.querySelector("button[type=submit]");
  var maxBytes = parseInt(form.dataset.maxBytes, 10);

  function showName() {
    var f = input.files[0];
    nameOut.textContent = f ? f.name + " (" + (f.size / 1048576).toFixed(1) + " MB)" : "";
  }
  function fail(message) {
    error.textContent = message;
    error.hidden = false;
    button.disabled = false;
  }

  input.addEventListener("change", showName);
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      showName();
    }
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    error.hidden = true;
    var file = input.files[0];
    if (!file) return fail("Choose a video file to upload.");
    if (file.size > maxBytes) return fail("This file is larger than the " + Math.round(maxBytes / 1048576) + " MB limit. Trim the clip to 10-20 seconds.");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    xhr.upload.addEventListener("progress", function (ev) {
      if (!ev.lengthComputable) return;
      var pct = Math.round((ev.loaded / ev.total) * 100);
      bar.value = pct;
      text.textContent = pct + "% uploaded";
    });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (ignore) {}
      if (xhr.status === 201 && body.url) {
        text.textContent = "Uploaded. Starting the analysis…";
        window.location.assign(body.url);
      } else {
        box.hidden = true;
        fail(body.error || "The upload failed (HTTP " + xhr.status + "). Please try again.");
      }
    });
    xhr.addEventListener("error", function () { box.hidden = true; fail("The connection was lost during the upload. Please try again."); });
    box.hidden = false;
    button.disabled = true;
    xhr.send(new FormData(form));
  });
})();
