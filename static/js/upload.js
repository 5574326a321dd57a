/* The package upload form: drag and drop onto the file field, and a progress bar.
 * Without JavaScript the form posts as usual. With it, the form is sent with
 * XMLHttpRequest so the upload's progress can be shown; the server's answer is
 * followed as a normal navigation would be (the submission page on success,
 * the form with every broken rule otherwise).
 */
(function () {
  "use strict";

  function formatBytes(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }

  function enhance(form) {
    var input = form.querySelector('input[type="file"]');
    var zone = input && input.closest(".form-field");
    var status = form.querySelector("[data-upload-status]");
    var bar = form.querySelector("[data-upload-progress]");
    var button = form.querySelector('button[type="submit"]');
    if (!input || !zone || !bar) return;

    zone.classList.add("drop-zone");
    var hint = document.createElement("p");
    hint.className = "small muted";
    hint.setAttribute("data-drop-label", "");
    hint.textContent = "…or drag the .argent-pkg file onto this box.";
    zone.appendChild(hint);
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("is-dragover");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.remove("is-dragover");
      });
    });
    zone.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      hint.textContent = file
        ? "Selected: " + file.name + " (" + formatBytes(file.size) + ")"
        : "…or drag the .argent-pkg file onto this box.";
    });

    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData) return;
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      bar.hidden = false;
      bar.value = 0;
      button.disabled = true;
      status.textContent = "Uploading…";
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        bar.value = Math.round((e.loaded / e.total) * 100);
        status.textContent =
          e.loaded < e.total
            ? "Uploading… " + formatBytes(e.loaded) + " of " + formatBytes(e.total)
            : "Uploaded. Checking the container, checksums and signature…";
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL !== window.location.href) {
          window.location.assign(xhr.responseURL);
          return;
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        bar.hidden = true;
        status.textContent = "The upload failed: check your connection and try again.";
      });
      xhr.send(new FormData(form));
    });
  }

  document.querySelectorAll("form[data-upload-form]").forEach(enhance);
})();
