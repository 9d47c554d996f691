(function () {
  "use strict";
  var d = document;
  d.documentElement.classList.add("js");
  var range = d.getElementById("min-score");
  if (!range) return;
  var shown = d.getElementById("min-score-value");
  var count = d.getElementById("min-score-count");
  function apply() {
    var t = parseFloat(range.value) || 0, n = 0;
    shown.textContent = t.toFixed(2);
    d.querySelectorAll("[data-score]").forEach(function (e) {
      var below = parseFloat(e.getAttribute("data-score")) < t;
      e.classList.toggle("below", below);
      if (!below && e.tagName === "TR") n++;
    });
    d.querySelectorAll("[data-max-score]").forEach(function (e) {
      e.classList.toggle("below", parseFloat(e.getAttribute("data-max-score")) < t);
    });
    if (count) count.textContent = n;
  }
  var q = new URLSearchParams(location.search).get("min");
  if (q !== null && !isNaN(parseFloat(q))) range.value = q;
  range.addEventListener("input", apply);
  apply();
})();
