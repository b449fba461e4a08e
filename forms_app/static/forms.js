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

// 3. Report form: an urgent category (漏水, 电梯运行) answers "紧急吗" with 紧急, until the
//    resident picks an answer themselves. Without this file the server does it for ?category=.
// 4. Report form, 代办: "替家人、邻居反映" relabels 您… as 住户… and shows the resident's fields.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var urgentIds = (form.getAttribute("data-urgent-categories") || "").split(" ");
  var touched = !!document.querySelector(".error-summary");  // re-shown after errors: keep their answer
  function urgentRadio(value) {
    return form.querySelector("input[name='urgent'][value='" + value + "']");
  }
  form.addEventListener("click", function (event) {
    if (event.target.name === "urgent" && event.isTrusted) touched = true;  // their own answer, even unchanged
  });
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.name === "category" && !touched) {
      var radio = urgentRadio(urgentIds.indexOf(input.value) >= 0 ? "yes" : "no");
      if (radio) radio.checked = true;
    }
    if (input.name === "on_behalf") relabel();
  });
  function behalf() {
    var chosen = form.querySelector("input[name='on_behalf']:checked");
    return !!chosen && chosen.value === "y";
  }
  function relabel() {
    var other = behalf();
    var labelled = form.querySelectorAll("[data-self]");
    for (var i = 0; i < labelled.length; i++) {
      labelled[i].textContent = labelled[i].getAttribute(other ? "data-other" : "data-self");
    }
    var fields = document.getElementById("behalf-fields");
    if (fields) fields.hidden = !other;
  }
  relabel();
})();
// 5. A print button (回执, 会商纪要): shown only when this file runs; without it, the browser's own print.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
// 6. The list's 全选 box: ticks or clears every case of the page shown (the bulk change's rows).
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-pick-all]"), function (box) {
    box.addEventListener("change", function () {
      var form = box.closest("form");
      Array.prototype.forEach.call(form.querySelectorAll('input[name="refs"]'), function (pick) { pick.checked = box.checked; });
    });
  });
})();
