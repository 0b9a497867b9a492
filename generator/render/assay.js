/* Assay: sortable and filterable tables on generated pages. Runs offline, after the vendored
 * tablesort (vendor/tablesort, MIT). Without JavaScript the tables are plain and complete.
 *
 * - Every table with a header row and at least two body rows can be sorted by any column
 *   (click or Enter on a header). Numbers are read as numbers: "−34.7 %", "1,250", "4/5".
 * - A table right after a <div class="assay-index"> marker also gets filters: a text box over
 *   every cell and one drop-down per column named in FILTERABLE (owner, ring, stage, tag,
 *   verdict, ...); cells listing several values ("a, b") offer each value.
 */
(function () {
  "use strict";
  var FILTERABLE = ["owner", "ring", "stage", "tags", "tag", "verdict", "verdicts", "design",
    "outcome", "state", "area", "pass", "year", "patterns", "technique"];

  function number(text) {
    var t = text.replace(/\u2212/g, "-").replace(/[\s\u00a0\u202f,]/g, "");
    var m = t.match(/^([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)(%|\/\d+)?(?:\(|$|[a-z%])/i);
    return m ? String(parseFloat(m[1])) : null;
  }

  function cellValues(text) {
    return text.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function prepare(table) {
    var head = table.tHead || (table.rows.length && table.rows[0].parentNode.tagName === "THEAD" ? table.rows[0].parentNode : null);
    if (!head || !table.tBodies.length || table.tBodies[0].rows.length < 2) return false;
    var rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      for (var j = 0; j < rows[i].cells.length; j++) {
        var cell = rows[i].cells[j];
        var text = cell.textContent.trim();
        var n = number(text);
        if (n !== null) cell.setAttribute("data-sort", n);
        // Figures never wrap: dates, numbers, percentages, intervals (short cells only: a
        // sentence that happens to start with a number still wraps).
        if (text.length <= 40 && (n !== null || /^\d{4}-\d{2}-\d{2}\b/.test(text))) {
          cell.classList.add("assay-nw");
        }
      }
    }
    var ths = head.rows[0].cells;
    for (var k = 0; k < ths.length; k++) {
      ths[k].setAttribute("tabindex", "0");
      ths[k].setAttribute("aria-sort", "none");
      ths[k].addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); this.click(); }
      });
    }
    table.setAttribute("data-assay-sortable", "");
    return true;
  }

  function addFilters(table, marker) {
    var ths = table.tHead.rows[0].cells;
    var bar = document.createElement("div");
    bar.className = "assay-filters";
    bar.setAttribute("role", "search");
    var selects = [];
    var id = "assay-filter-" + Math.random().toString(36).slice(2, 8);
    var text = document.createElement("input");
    text.type = "search";
    text.id = id + "-text";
    text.placeholder = "Filter rows";
    text.setAttribute("aria-label", "Filter rows by any text");
    bar.appendChild(text);
    for (var c = 0; c < ths.length; c++) {
      var name = ths[c].textContent.trim();
      if (FILTERABLE.indexOf(name.toLowerCase()) < 0) continue;
      var values = {};
      var rows = table.tBodies[0].rows;
      for (var r = 0; r < rows.length; r++) {
        if (!rows[r].cells[c]) continue;
        cellValues(rows[r].cells[c].textContent).forEach(function (v) { values[v] = true; });
      }
      var keys = Object.keys(values).sort();
      if (keys.length < 2) continue;
      var label = document.createElement("label");
      var select = document.createElement("select");
      select.setAttribute("data-column", String(c));
      var all = document.createElement("option");
      all.value = "";
      all.textContent = "all";
      select.appendChild(all);
      keys.forEach(function (v) {
        var o = document.createElement("option");
        o.value = v;
        o.textContent = v;
        select.appendChild(o);
      });
      label.appendChild(document.createTextNode(name + " "));
      label.appendChild(select);
      bar.appendChild(label);
      selects.push(select);
    }
    var count = document.createElement("span");
    count.className = "assay-filter-count";
    count.setAttribute("aria-live", "polite");
    bar.appendChild(count);
    function apply() {
      var q = text.value.trim().toLowerCase();
      var rows = table.tBodies[0].rows;
      var shown = 0;
      for (var r = 0; r < rows.length; r++) {
        var ok = !q || rows[r].textContent.toLowerCase().indexOf(q) >= 0;
        for (var s = 0; ok && s < selects.length; s++) {
          var want = selects[s].value;
          var cell = rows[r].cells[Number(selects[s].getAttribute("data-column"))];
          if (want && (!cell || cellValues(cell.textContent).indexOf(want) < 0)) ok = false;
        }
        rows[r].hidden = !ok;
        if (ok) shown++;
      }
      count.textContent = shown === rows.length ? rows.length + " rows" : shown + " of " + rows.length + " rows";
    }
    text.addEventListener("input", apply);
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    marker.appendChild(bar);
    apply();
  }

  function nextTable(marker) {
    for (var el = marker.nextElementSibling; el; el = el.nextElementSibling) {
      if (el.tagName === "TABLE") return el;
      var t = el.querySelector && el.querySelector("table");
      if (t) return t;
      if (/^H[1-6]$/.test(el.tagName)) return null;
    }
    return null;
  }

  // A box that scrolls sideways (a wide table or chart on a phone) must be reachable by
  // keyboard (axe: scrollable-region-focusable).
  function focusableScrollers() {
    var boxes = document.querySelectorAll(".md-typeset__scrollwrap, .md-typeset__table, .assay-forest, .assay-chart");
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i];
      if (b.scrollWidth > b.clientWidth + 1) {
        if (!b.hasAttribute("tabindex")) {
          b.setAttribute("tabindex", "0");
          if (!b.hasAttribute("role")) b.setAttribute("role", "region");
          if (!b.hasAttribute("aria-label")) b.setAttribute("aria-label", "scrollable content");
        }
      } else if (b.getAttribute("aria-label") === "scrollable content") {
        b.removeAttribute("tabindex");
        b.removeAttribute("role");
        b.removeAttribute("aria-label");
      }
    }
  }
  window.addEventListener("resize", focusableScrollers);

  function init() {
    focusableScrollers();
    setTimeout(focusableScrollers, 0);
    // The theme's search overlay is a dialog without a name (axe: aria-dialog-name).
    var dialog = document.querySelector('.md-search[role="dialog"]:not([aria-label])');
    if (dialog) dialog.setAttribute("aria-label", "Search");
    if (typeof window.Tablesort !== "function") return;
    // Only Markdown tables (no class): a class would also switch off the theme's table style.
    var tables = document.querySelectorAll(".md-typeset table:not([class])");
    for (var i = 0; i < tables.length; i++) {
      var t = tables[i];
      if (t.hasAttribute("data-assay-sortable") || !prepare(t)) continue;
      new window.Tablesort(t);
      t.addEventListener("afterSort", function () {
        var ths = this.tHead.rows[0].cells;
        for (var k = 0; k < ths.length; k++) {
          if (!ths[k].hasAttribute("aria-sort")) ths[k].setAttribute("aria-sort", "none");
        }
      });
    }
    var markers = document.querySelectorAll(".md-typeset .assay-index");
    for (var m = 0; m < markers.length; m++) {
      var table = nextTable(markers[m]);
      if (table && table.hasAttribute("data-assay-sortable") && !markers[m].firstChild) {
        addFilters(table, markers[m]);
      }
    }
  }

  // Material's instant navigation swaps pages without a reload: it publishes each new page
  // on document$. Without it (or with another theme), run once the document is ready.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
