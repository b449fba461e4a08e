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
// 6. The compound list: a box above it finds a compound as residents write it (Arabic digits for Chinese ones, or an alias):
//    options that do not match are hidden, and a single match is chosen. What is typed is folded as
//    core/directory.py name_key folds the names in data-compound-keys. Without this file: the list alone.
(function () {
  "use strict";
  var numerals = "〇一二三四五六七八九";
  function key(text) {
    var s = text.normalize ? text.normalize("NFKC") : text;
    s = s.replace(/[\s\-_·・.,，。、()（）]+/g, "").replace(/[0-9]/g, function (d) { return numerals.charAt(+d); });
    return s.length > 2 ? s.replace(/小区$/, "") : s;
  }
  Array.prototype.forEach.call(document.querySelectorAll("select[data-compound-keys]"), function (select) {
    var keys = JSON.parse(select.getAttribute("data-compound-keys") || "{}");
    var box = document.createElement("div");
    box.className = "finder";
    box.innerHTML = '<label class="finder-label" for="' + select.id + '-find">找不到？输入小区名字（可以写数字，比如“4村”）</label>' +
      '<input class="input w-medium" id="' + select.id + '-find" type="search" autocomplete="off" enterkeyhint="search">' +
      '<p class="hint finder-count" id="' + select.id + '-found" aria-live="polite"></p>';
    select.parentNode.insertBefore(box, select);
    var input = box.querySelector("input"), found = box.querySelector(".finder-count");
    input.addEventListener("input", function () {
      var q = key(input.value), hits = [];
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;
        var hit = q === "" || (keys[option.value] || "").indexOf(q) >= 0 || key(option.text).indexOf(q) >= 0;
        option.hidden = !hit;
        option.disabled = !hit && option.value !== select.value;
        if (hit) hits.push(option);
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (o) { return !o.hidden; });
      });
      if (q !== "" && hits.length === 1) select.value = hits[0].value;
      found.textContent = q === "" ? "" : hits.length === 1 ? "已选好：" + hits[0].text :
        hits.length ? "找到 " + hits.length + " 个小区，请在下面选一个" : "没有找到。换个字试试，或者直接在下面选。";
    });
  });
})();
// 7. 回访: after 没有解决 only "哪里还没有解决？" is asked; the three ratings are put away.
(function () {
  "use strict";
  var form = document.getElementById("followup-form");
  if (!form) return;
  var ratings = document.getElementById("followup-ratings"), label = document.getElementById("comment-label");
  function update() {
    var chosen = form.querySelector("input[name='outcome']:checked");
    var unsolved = !!chosen && chosen.value === "没有解决";
    if (ratings) ratings.hidden = unsolved;
    if (label) label.textContent = label.getAttribute(unsolved ? "data-unsolved" : "data-solved");
  }
  form.addEventListener("change", function (event) { if (event.target.name === "outcome") update(); });
  update();
})();
// 8. The list's 全选 box: ticks or clears every case of the page shown (the bulk change's rows).
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-pick-all]"), function (box) {
    box.addEventListener("change", function () {
      var form = box.closest("form");
      Array.prototype.forEach.call(form.querySelectorAll('input[name="refs"]'), function (pick) { pick.checked = box.checked; });
    });
  });
})();
