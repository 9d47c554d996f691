(function () {
  "use strict";
  var d = document;
  d.documentElement.classList.add("js");
  var range = d.getElementById("min-score");
  if (!range) return;
  var shown = d.getElementById("min-score-value");
  var rows = Array.prototype.slice.call(d.querySelectorAll("tr.row"));
  var possible = Array.prototype.slice.call(d.querySelectorAll("tr.possible-row"));
  var conflicts = d.getElementById("f-conflicts"), doc = d.getElementById("f-doc"), q = d.getElementById("f-q");
  var current = -1;
  function num(id, n) { var e = d.getElementById(id); if (e) e.textContent = n; }
  function apply() {
    var t = parseFloat(range.value) || 0, nShared = 0, nShown = 0, nPossible = 0;
    var onlyConflicts = conflicts && conflicts.checked, who = doc ? doc.value : "";
    var words = q ? q.value.trim().toLowerCase() : "";
    shown.textContent = t.toFixed(2);
    rows.forEach(function (r) {
      var s = r.getAttribute("data-score");
      var below = s !== null && parseFloat(s) < t;
      r.classList.toggle("below", below);
      if (r.classList.contains("shared") && !below) nShared++;
      var hide = (onlyConflicts && !r.classList.contains("has-conflict")) ||
        (who && (" " + r.getAttribute("data-docs") + " ").indexOf(" " + who + " ") < 0) ||
        (words && r.textContent.toLowerCase().indexOf(words) < 0);
      r.classList.toggle("filtered", hide);
      var note = r.nextElementSibling;
      if (note && note.classList.contains("conflict-note")) note.classList.toggle("filtered", hide);
      if (!hide) nShown++;
    });
    possible.forEach(function (r) {
      var below = parseFloat(r.getAttribute("data-score")) < t;
      r.classList.toggle("below", below);
      if (!below) nPossible++;
    });
    d.querySelectorAll(".hm-marks a[data-score]").forEach(function (a) {
      a.classList.toggle("below", parseFloat(a.getAttribute("data-score")) < t);
    });
    num("n-rows", nShown); num("n-shared", nShared); num("n-possible", nPossible);
  }
  function visible() { return rows.filter(function (r) { return !r.classList.contains("filtered"); }); }
  function go(r) {
    if (!r) return;
    rows.forEach(function (x) { x.classList.remove("current"); });
    r.classList.add("current");
    current = rows.indexOf(r);
    r.focus({ preventScroll: true });
    r.scrollIntoView({ block: "center" });
    if (history.replaceState) history.replaceState(null, "", "#" + r.id);
  }
  function step(dir, pred) {
    var v = visible().filter(pred || function () { return true; });
    if (!v.length) return;
    var i = dir > 0 ? v.findIndex(function (r) { return rows.indexOf(r) > current; })
                    : v.length - 1 - v.slice().reverse().findIndex(function (r) { return rows.indexOf(r) < current; });
    if (i < 0 || i >= v.length) i = dir > 0 ? 0 : v.length - 1;
    go(v[i]);
  }
  d.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (e.key === "Escape") {
      if (q) q.value = "";
      if (conflicts) conflicts.checked = false;
      if (doc) doc.value = "";
      apply(); if (e.target.blur) e.target.blur(); return;
    }
    var typing = tag === "textarea" || tag === "select" ||
      (tag === "input" && /^(text|search|number)$/.test(e.target.type));
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "j") { step(1); e.preventDefault(); }
    else if (e.key === "k") { step(-1); e.preventDefault(); }
    else if (e.key === "c") { step(1, function (r) { return r.classList.contains("has-conflict"); }); e.preventDefault(); }
    else if (e.key === "/" && q) { q.focus(); e.preventDefault(); }
  });
  // heatmap: a click anywhere in a cell goes to the row holding that sentence
  var hm = d.querySelector(".heatmap svg[data-cell]");
  if (hm) {
    var parse = function (s) {
      var m = {};
      (s || "").split(" ").forEach(function (p) { var kv = p.split(":"); if (kv.length === 2) m[kv[0]] = kv[1]; });
      return m;
    };
    var ra = parse(hm.getAttribute("data-rows-a")), rb = parse(hm.getAttribute("data-rows-b"));
    hm.addEventListener("click", function (e) {
      if (e.target.closest && e.target.closest("a")) return;  // an alignment's own link
      var box = hm.getBoundingClientRect(), vb = hm.viewBox.baseVal;
      var x = (e.clientX - box.left) * vb.width / box.width, y = (e.clientY - box.top) * vb.height / box.height;
      var cell = parseFloat(hm.getAttribute("data-cell"));
      var j = Math.floor((x - parseFloat(hm.getAttribute("data-left"))) / cell);
      var i = Math.floor((y - parseFloat(hm.getAttribute("data-top"))) / cell);
      var target = ra[i] || rb[j];
      if (target) go(d.getElementById(target));
    });
  }
  function uncover(r) {  // keep a row reached by a link clear of the sticky page header and table head
    var top = d.querySelector("header.top"), head = r.closest("table") && r.closest("table").tHead;
    var covered = (top ? top.getBoundingClientRect().bottom : 0) + (head ? head.getBoundingClientRect().height : 0);
    var y = r.getBoundingClientRect().top;
    if (y < covered + 4) window.scrollBy(0, y - covered - 8);
  }
  function sync() {  // a row reached by a link (mini-map, heatmap, #hash) is where j/k go on from
    var r = d.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (r && rows.indexOf(r) >= 0) {
      rows.forEach(function (x) { x.classList.remove("current"); });
      r.classList.add("current");
      current = rows.indexOf(r);
      uncover(r);
    }
  }
  window.addEventListener("hashchange", sync);
  sync();
  var params = new URLSearchParams(location.search);
  var m = params.get("min");
  if (m !== null && !isNaN(parseFloat(m))) range.value = m;
  if (params.get("conflicts") && conflicts) conflicts.checked = true;
  if (params.get("doc") && doc) doc.value = params.get("doc");
  if (params.get("q") && q) q.value = params.get("q");
  [range, conflicts, doc, q].forEach(function (e) { if (e) e.addEventListener("input", apply); });
  if (conflicts) conflicts.addEventListener("change", apply);
  if (doc) doc.addEventListener("change", apply);
  apply();
})();
