/* 小区与大管家: a filter box over the full list. Without JavaScript the list is all there.
   What is typed is folded as forms_app/core/directory.py name_key folds names (the data-key and
   data-keys attributes): "4村" finds "四村", and an alias finds its compound. */
(function () {
  var holder = document.getElementById("kb-filter");
  if (!holder) return;
  var areas = Array.prototype.slice.call(document.querySelectorAll(".kb-area"));
  holder.innerHTML =
    '<label for="kb-filter-input">输入小区或居民区的名字，快速查找</label>' +
    '<input id="kb-filter-input" type="search" autocomplete="off" enterkeyhint="search">' +
    '<p id="kb-filter-count" class="kb-filter__count" aria-live="polite"></p>';
  holder.hidden = false;
  var input = document.getElementById("kb-filter-input");
  var count = document.getElementById("kb-filter-count");
  var numerals = "〇一二三四五六七八九";
  function key(text) {
    var s = text.normalize ? text.normalize("NFKC") : text;
    s = s.replace(/[\s\-_·・.,，。、()（）]+/g, "").replace(/[0-9]/g, function (d) { return numerals.charAt(+d); });
    return s.length > 2 ? s.replace(/小区$/, "") : s;
  }
  input.addEventListener("input", function () {
    var q = key(input.value);
    var shown = 0;
    areas.forEach(function (area) {
      var areaHit = q === "" || (area.getAttribute("data-key") || "").indexOf(q) >= 0;
      var any = false;
      area.querySelectorAll(".kb-compound-list li").forEach(function (li) {
        var tagged = li.querySelector("[data-keys]");
        var hit = areaHit || li.textContent.replace(/\s+/g, "").indexOf(q) >= 0 ||
          (tagged !== null && tagged.getAttribute("data-keys").indexOf(q) >= 0);
        li.hidden = !hit;
        if (hit) { any = true; shown += 1; }
      });
      area.hidden = !(areaHit || any);
    });
    count.textContent = q === "" ? "" : (shown ? "找到 " + shown + " 个小区" : "没有找到。换个字试试，或者打大管家事务所的电话。");
  });
})();
