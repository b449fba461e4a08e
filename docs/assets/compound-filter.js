/* 小区与大管家: a filter box over the full list. Without JavaScript the list is all there. */
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
  input.addEventListener("input", function () {
    var q = input.value.replace(/\s+/g, "");
    var shown = 0;
    areas.forEach(function (area) {
      var areaHit = q === "" || (area.getAttribute("data-area") || "").indexOf(q) >= 0;
      var any = false;
      area.querySelectorAll(".kb-compound-list li").forEach(function (li) {
        var hit = areaHit || li.textContent.replace(/\s+/g, "").indexOf(q) >= 0;
        li.hidden = !hit;
        if (hit) { any = true; shown += 1; }
      });
      area.hidden = !(areaHit || any);
    });
    count.textContent = q === "" ? "" : (shown ? "找到 " + shown + " 个小区" : "没有找到。换个字试试，或者打大管家事务所的电话。");
  });
})();
