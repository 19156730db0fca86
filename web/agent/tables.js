// @ts-check
// A data table that can be filtered and paged: the staff list and the audit log. Rows arrive as data (cells of text
// plus optional action buttons); the table shows one page of the rows that contain every word of the filter. Each cell
// carries its column's name (data-label) so a phone shows every row as a small card. Text goes in through textContent.

import { byId, el, setText } from "./dom.js";

/** @typedef {{ cells: string[], actions?: HTMLElement[] }} TableRow */

export class FilteredTable {
  /**
   * @param {{ prefix: string, columns: string[], pageSize?: number, noun: [string, string] }} options
   *   prefix: the ids' prefix (`${prefix}-rows`, `-filter`, `-prev`, `-next`, `-page`); noun: singular and plural.
   */
  constructor({ prefix, columns, pageSize = 25, noun }) {
    this.body = byId(`${prefix}-rows`);
    this.filter = /** @type {HTMLInputElement} */ (byId(`${prefix}-filter`));
    this.prev = /** @type {HTMLButtonElement} */ (byId(`${prefix}-prev`));
    this.next = /** @type {HTMLButtonElement} */ (byId(`${prefix}-next`));
    this.pageLabel = byId(`${prefix}-page`);
    this.columns = columns;
    this.pageSize = pageSize;
    this.noun = noun;
    /** @type {TableRow[]} */
    this.rows = [];
    this.page = 0;
    this.filter.addEventListener("input", () => {
      this.page = 0;
      this.render();
    });
    this.prev.addEventListener("click", () => this.turn(-1));
    this.next.addEventListener("click", () => this.turn(1));
  }

  /** @param {TableRow[]} rows */
  setRows(rows, { keepPage = false } = {}) {
    this.rows = rows;
    if (!keepPage) this.page = 0;
    this.render();
  }

  matching() {
    const words = this.filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) return this.rows;
    return this.rows.filter((row) => {
      const text = row.cells.join(" ").toLowerCase();
      return words.every((word) => text.includes(word));
    });
  }

  /** @param {number} step */
  turn(step) {
    this.page += step;
    this.render();
    this.body.closest(".table-scroll")?.scrollTo({ top: 0 });
  }

  render() {
    const rows = this.matching();
    const pages = Math.max(1, Math.ceil(rows.length / this.pageSize));
    this.page = Math.min(Math.max(0, this.page), pages - 1);
    const shown = rows.slice(this.page * this.pageSize, (this.page + 1) * this.pageSize);
    const trs = shown.map((row) =>
      el(
        "tr",
        {},
        ...row.cells.map((text, i) => el("td", { "data-label": this.columns[i], text })),
        row.actions ? el("td", { class: "row-actions", "data-label": this.columns[row.cells.length] }, ...row.actions) : null,
      ),
    );
    if (!trs.length) {
      const query = this.filter.value.trim();
      const why = query
        ? `No ${this.noun[1]} match “${query}”. Clear the filter to see all ${this.rows.length}.`
        : `No ${this.noun[1]} to show.`;
      trs.push(el("tr", { class: "table-empty" }, el("td", { colspan: String(this.columns.length), text: why })));
    }
    this.body.replaceChildren(...trs);
    const [one, many] = this.noun;
    const first = rows.length ? this.page * this.pageSize + 1 : 0;
    const last = this.page * this.pageSize + shown.length;
    setText(this.pageLabel, rows.length ? `${first}–${last} of ${rows.length} ${rows.length === 1 ? one : many}` : "");
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
  }
}
