/* Sozialbericht – progressive enhancement of long tables (no external requests).
   Tables with more than MIN_ROWS body rows get a filter field and sortable column
   headers (click or Enter/Space on the header button; aria-sort says the order).
   Without JavaScript every row stays visible in its original order. */
(function () {
  "use strict";
  var MIN_ROWS = 15;
  var WITHHELD = /^[•–—-]?$/;  /* "•" withheld, "–" missing, empty: always last */
  var NUMBER = /^\(?([+\-−–]?)\s?(\d{1,3}(?:[.\u00a0\u202f ]\d{3})+|\d+)(?:,(\d+))?/;

  function clean(text) {
    return text.replace(/\u00ad/g, "").replace(/\s+/g, " ").trim();
  }

  /* "1.234" → 1234, "11,5 %" → 11.5, "−0,3" → -0.3, "100 % (stabil)" → 100,
     "(40,0 %)" (uncertain, in brackets) → 40; else null */
  function germanNumber(text) {
    var m = NUMBER.exec(text);
    if (!m) return null;
    var value = parseFloat(m[2].replace(/[.\u00a0\u202f ]/g, "") + (m[3] ? "." + m[3] : ""));
    return m[1] && m[1] !== "+" ? -value : value;
  }

  function cellText(row, column) {
    var cell = row.cells[column];
    return cell ? clean(cell.textContent) : "";
  }

  function isNumeric(rows, column) {
    var seen = 0;
    for (var i = 0; i < rows.length; i++) {
      var text = cellText(rows[i], column);
      if (WITHHELD.test(text)) continue;
      if (germanNumber(text) === null) return false;
      seen++;
    }
    return seen > 0;
  }

  var collator = typeof Intl !== "undefined" && Intl.Collator
    ? new Intl.Collator("de", { numeric: true, sensitivity: "base" })
    : { compare: function (a, b) { return a < b ? -1 : a > b ? 1 : 0; } };

  function sortBy(table, column, heads, button) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var th = heads[column];
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var numeric = isNumeric(rows, column);
    var keyed = rows.map(function (row, index) {
      var text = cellText(row, column);
      return { row: row, index: index, empty: WITHHELD.test(text),
               key: numeric ? germanNumber(text) : text };
    });
    keyed.sort(function (a, b) {
      if (a.empty !== b.empty) return a.empty ? 1 : -1;  /* withheld/missing last */
      var order = a.empty ? 0 : numeric ? a.key - b.key : collator.compare(a.key, b.key);
      if (!ascending) order = -order;
      return order || a.index - b.index;
    });
    keyed.forEach(function (item) { body.appendChild(item.row); });
    heads.forEach(function (other) { other.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    button.focus();
  }

  function enhance(table, number) {
    var body = table.tBodies[0];
    var head = table.tHead;
    if (!body || !head || head.rows.length !== 1 || body.rows.length <= MIN_ROWS) return;
    if (table.querySelector("[colspan], [rowspan]")) return;
    var heads = Array.prototype.slice.call(head.rows[0].cells);
    if (heads.length !== body.rows[0].cells.length) return;
    var caption = table.caption ? clean(table.caption.textContent) : "Tabelle";
    if (!table.id) table.id = "tabelle-js-" + number;

    heads.forEach(function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sortieren";
      while (th.firstChild) button.appendChild(th.firstChild);
      var mark = document.createElement("span");
      mark.className = "sortier-zeichen";
      mark.setAttribute("aria-hidden", "true");
      button.appendChild(mark);
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, column, heads, button); });
    });
    table.classList.add("sortierbar");

    var box = table.closest(".tabelle") || table;
    var form = document.createElement("div");
    form.className = "tabellen-filter";
    var id = table.id + "-filter";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = "Zeilen filtern";
    var which = document.createElement("span");
    which.className = "unsichtbar";
    which.textContent = " in der Tabelle „" + caption + "“";
    label.appendChild(which);
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.setAttribute("aria-controls", table.id);
    input.setAttribute("aria-describedby", id + "-status " + id + "-hinweis");
    input.autocomplete = "off";
    var status = document.createElement("p");
    status.className = "filter-status";
    status.id = id + "-status";
    status.setAttribute("aria-live", "polite");
    var hint = document.createElement("p");
    hint.className = "filter-hinweis";
    hint.id = id + "-hinweis";
    hint.textContent = "Ein Klick auf einen Spaltenkopf sortiert die Tabelle.";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(status);
    form.appendChild(hint);
    box.parentNode.insertBefore(form, box);

    var total = body.rows.length;
    function update() {
      var words = clean(input.value).toLowerCase().split(" ").filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(body.rows, function (row) {
        var text = clean(row.textContent).toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !match;
        if (match) shown++;
      });
      status.textContent = words.length
        ? shown + " von " + total + " Zeilen angezeigt"
        : total + " Zeilen";
    }
    input.addEventListener("input", update);
    update();
  }

  function start() {
    var tables = document.querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) enhance(tables[i], i + 1);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
