// Sortable tables: click (or press Enter on) a column header to sort; again to reverse.
"use strict";
(function () {
  function cellValue(row, index, numeric) {
    const text = row.cells[index] ? row.cells[index].textContent.trim() : "";
    if (!numeric) return text.toLowerCase();
    const number = parseFloat(text.replace(/[^0-9.\-]/g, ""));
    return Number.isNaN(number) ? -Infinity : number;
  }
  function sortBy(table, header, index) {
    const numeric = header.dataset.type === "number";
    const ascending = header.getAttribute("aria-sort") !== "ascending";
    for (const th of table.tHead.rows[0].cells) th.removeAttribute("aria-sort");
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows).filter((r) => !r.querySelector("td.empty"));
    rows.sort((a, b) => {
      const x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
    });
    for (const row of rows) body.appendChild(row);
  }
  for (const table of document.querySelectorAll("table.sortable")) {
    Array.from(table.tHead.rows[0].cells).forEach((header, index) => {
      const button = header.querySelector("button");
      if (button) button.addEventListener("click", () => sortBy(table, header, index));
    });
    table.dataset.sortable = "ready";
  }
})();
