// Upload a treadmill video from the visit page (or a self-check from the athlete's portal): choose, drop or record
// it, see the transfer, then go to the result.
// Clips above the form's threshold go over tus 1.0.0 (vendored tus-js-client, server /api/v1/uploads/): sent in
// pieces, they carry on by themselves after a dropped connection. Smaller clips keep the plain form post.
(function () {
  "use strict";
  var form = document.querySelector(".upload-form");
  if (!form) return;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[type=file]"));
  var zone = form.querySelector(".dropzone");
  var nameOut = form.querySelector(".file-name");
  var box = form.querySelector(".upload-progress");
  var bar = form.querySelector("progress");
  var text = form.querySelector(".upload-progress-text");
  var error = form.querySelector(".upload-error");
  var button = form.querySelector("button[type=submit]");
  var maxBytes = parseInt(form.dataset.maxBytes, 10);
  var threshold = parseInt(form.dataset.resumableThreshold, 10);
  var chunkBytes = parseInt(form.dataset.chunkBytes, 10);
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var chosen = null;  // the clip to send: the last one chosen, dropped or recorded

  function choose(file, from) {
    chosen = file || null;
    // One clip at a time: choosing with one control clears the other.
    inputs.forEach(function (other) { if (other !== from) other.value = ""; });
    nameOut.textContent = chosen ? chosen.name + " (" + (chosen.size / 1048576).toFixed(1) + " MB)" : "";
  }
  function fail(message) {
    box.hidden = true;
    error.textContent = message;
    error.hidden = false;
    button.disabled = false;
  }
  function showProgress(sent, total) {
    var pct = total ? Math.floor((sent / total) * 100) : 0;
    bar.value = pct;
    text.textContent = pct + "% uploaded";
  }
  function started(url) {
    text.textContent = "Uploaded. Starting the analysis…";
    window.location.assign(url);
  }

  inputs.forEach(function (input) {
    input.addEventListener("change", function () { choose(input.files[0], input); });
  });
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) {
      inputs[0].files = e.dataTransfer.files;
      choose(inputs[0].files[0], inputs[0]);
    }
  });

  function plainUpload(file) {
    var data = new FormData(form);
    data.delete("video");
    data.append("video", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.upload.addEventListener("progress", function (ev) { if (ev.lengthComputable) showProgress(ev.loaded, ev.total); });
    xhr.addEventListener("load", function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (ignore) {}
      if (xhr.status === 201 && body.url) started(body.url);
      else fail(body.error || "The upload failed (HTTP " + xhr.status + "). Please try again.");
    });
    xhr.addEventListener("error", function () { fail("The connection was lost during the upload. Please try again."); });
    xhr.send(data);
  }

  function reasonOf(err) {
    var response = err && err.originalResponse;
    if (response) {
      try {
        var body = JSON.parse(response.getBody());
        if (body.detail) return body.detail;
      } catch (ignore) {}
      return "The upload failed (HTTP " + response.getStatus() + "). Please try again.";
    }
    return "The connection was lost and could not be resumed. Choose the clip again to carry on where it stopped.";
  }

  function resumableUpload(file) {
    var view = form.querySelector("[name=view]").value;
    var captureFps = form.querySelector("[name=capture_fps]").value.trim();
    var metadata = { view: view, filename: file.name, filetype: file.type || "" };
    // The visit page names its visit; the portal's self-check form has none (the athlete's own record).
    if (form.dataset.selfCheck === "1") metadata.self_check = "1"; else metadata.visit = form.dataset.visit;
    if (captureFps) metadata.capture_fps = captureFps;
    var upload = new window.tus.Upload(file, {
      endpoint: form.dataset.resumableEndpoint,
      chunkSize: chunkBytes,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      headers: { "X-CSRFToken": csrf },
      metadata: metadata,
      // The same clip for another visit, view or rate is another upload, never a resumed one.
      fingerprint: function (f) {
        return Promise.resolve(["stride-tus", metadata.visit, view, captureFps, f.name, f.size, f.lastModified].join("|"));
      },
      removeFingerprintOnSuccess: true,
      onProgress: showProgress,
      onShouldRetry: function (err) {
        var status = err && err.originalResponse ? err.originalResponse.getStatus() : 0;
        var retry = !(status >= 400 && status < 500) || status === 409 || status === 423;
        if (retry) text.textContent = "The connection dropped: resuming…";
        return retry;
      },
      onError: function (err) { fail(reasonOf(err)); },
      onSuccess: function (payload) {
        var url = payload && payload.lastResponse ? payload.lastResponse.getHeader("Assessment-Location") : null;
        if (url) started(url);
        else fail("The clip arrived, but the page could not find its assessment. Reload the visit page.");
      },
    });
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    error.hidden = true;
    var file = chosen;
    if (!file) return fail("Choose or record a video to upload.");
    if (file.size > maxBytes) return fail("This file is larger than the " + Math.round(maxBytes / 1048576) + " MB limit. Trim the clip to 10-20 seconds.");
    box.hidden = false;
    button.disabled = true;
    showProgress(0, file.size);
    if (file.size > threshold && window.tus && window.tus.isSupported) resumableUpload(file);
    else plainUpload(file);
  });
})();
