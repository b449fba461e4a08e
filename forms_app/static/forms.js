// Progressive enhancement only: every form works without this file.
// 1. Move focus to the error summary so screen readers announce it (GOV.UK pattern).
// 2. Clicking a link in the summary focuses the field itself.
(function () {
  "use strict";
  var summary = document.querySelector("[data-autofocus]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var input = document.getElementById(link.getAttribute("href").slice(1));
      if (!input) return;
      event.preventDefault();
      input.scrollIntoView({ block: "center" });
      input.focus({ preventScroll: true });
    });
  }
})();
// 3. A print button (回执, 会商纪要): shown only when this file runs; without it, the browser's own print.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
