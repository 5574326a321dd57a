/* Argent Marketplace: small progressive enhancements. No dependencies.
 * - [data-copy-target="id"] buttons copy the text of #id to the clipboard.
 * - [data-dismiss="alert"] buttons remove the closest .alert.
 * - [data-js-only] elements are hidden until this script runs.
 * - Escape closes an open screenshot (.lightbox:target) and puts the focus back on its thumbnail;
 *   without this script its Close link does the same.
 */
(function () {
  "use strict";

  function reveal(root) {
    root.querySelectorAll("[data-js-only][hidden]").forEach(function (el) {
      el.hidden = false;
    });
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var ta = document.createElement("textarea");
      ta.value = text;
      ta.setAttribute("readonly", "");
      ta.style.position = "fixed";
      ta.style.opacity = "0";
      document.body.appendChild(ta);
      ta.select();
      try {
        document.execCommand("copy") ? resolve() : reject(new Error("copy failed"));
      } catch (e) {
        reject(e);
      } finally {
        document.body.removeChild(ta);
      }
    });
  }

  document.addEventListener("click", function (event) {
    var copyBtn = event.target.closest("[data-copy-target]");
    if (copyBtn) {
      var source = document.getElementById(copyBtn.getAttribute("data-copy-target"));
      if (!source) return;
      var label = copyBtn.querySelector("[data-copy-label]") || copyBtn;
      var original = label.textContent;
      copyText(source.textContent.trim()).then(
        function () { label.textContent = "Copied"; },
        function () { label.textContent = "Press Ctrl+C"; }
      ).then(function () {
        copyBtn.classList.add("is-copied");
        window.setTimeout(function () {
          label.textContent = original;
          copyBtn.classList.remove("is-copied");
        }, 2000);
      });
      return;
    }
    var closeBtn = event.target.closest("[data-dismiss='alert']");
    if (closeBtn) {
      var alert = closeBtn.closest(".alert");
      if (alert) alert.remove();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector(".lightbox:target");
    if (!open) return;
    var close = open.querySelector("[data-lightbox-close]");
    if (!close) return;
    event.preventDefault();
    var thumb = document.getElementById(close.getAttribute("href").slice(1));
    window.location.hash = close.getAttribute("href");
    if (thumb) thumb.focus();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  } else {
    reveal(document);
  }
  document.addEventListener("htmx:afterSettle", function () { reveal(document); });
})();
