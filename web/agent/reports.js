// @ts-check
// The Reports section (#reports, supervisors): figures for a period, department, channel and agent, from
// GET /api/reports (counted as data arrived; docs/architecture.md "Reports"). Each chart is hand-drawn inline SVG
// (no library, no CDN) with a table view of the same numbers for screen readers, and each table downloads as CSV
// from GET /api/reports/csv/<table>. Data goes in through textContent and SVG attributes only.

import { byId, el, setText } from "./dom.js";
import { download } from "./workspace.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 40 };

/** An SVG element with plain attributes (numbers and class names from this file, never resident text). */
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/** Seconds as a person reads them: 4 min, 2.5 h, 3.1 days. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

function percent(value) {
  return value === null || value === undefined ? "–" : `${Math.round(value * 1000) / 10}%`;
}

function dollars(value) {
  if (value === null || value === undefined) return "–";
  return value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

function niceMax(value) {
  if (value <= 5) return 5;
  const power = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / power) * power;
}

/** Bars (grouped when several series): one group per row, `series` = column indexes. */
function barChart(table, series, labelColumn = 0) {
  const rows = table.rows;
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(0, ...rows.flatMap((row) => series.map((i) => Number(row[i]) || 0))));
  const group = innerW / Math.max(1, rows.length);
  const bar = Math.max(1, (group * 0.8) / series.length);
  const chart = svg("g", { transform: `translate(${PAD.left},${PAD.top})` });
  chart.append(svg("line", { x1: 0, y1: innerH, x2: innerW, y2: innerH, class: "chart-axis" }));
  chart.append(svg("text", { x: -6, y: 4, class: "chart-tick", "text-anchor": "end" }, max));
  chart.append(svg("text", { x: -6, y: innerH, class: "chart-tick", "text-anchor": "end" }, 0));
  rows.forEach((row, r) => {
    series.forEach((column, s) => {
      const value = Number(row[column]) || 0;
      const h = (value / max) * innerH;
      const x = r * group + group * 0.1 + s * bar;
      chart.append(svg("rect", { x, y: innerH - h, width: bar, height: h, class: `chart-series-${s}` }));
    });
    const every = Math.ceil(rows.length / 8);
    if (r % every === 0) {
      const label = String(row[labelColumn]);
      chart.append(
        svg("text", { x: r * group + group / 2, y: innerH + 16, class: "chart-tick", "text-anchor": "middle" },
          label.length > 10 ? label.slice(5) : label),
      );
    }
  });
  return chart;
}

/** Lines over the rows in order (a time series), `series` = column indexes. */
function lineChart(table, series) {
  const rows = table.rows;
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(0, ...rows.flatMap((row) => series.map((i) => Number(row[i]) || 0))));
  const step = innerW / Math.max(1, rows.length - 1);
  const chart = svg("g", { transform: `translate(${PAD.left},${PAD.top})` });
  chart.append(svg("line", { x1: 0, y1: innerH, x2: innerW, y2: innerH, class: "chart-axis" }));
  chart.append(svg("text", { x: -6, y: 4, class: "chart-tick", "text-anchor": "end" }, max));
  chart.append(svg("text", { x: -6, y: innerH, class: "chart-tick", "text-anchor": "end" }, 0));
  series.forEach((column, s) => {
    const points = rows.map((row, r) => `${r * step},${innerH - ((Number(row[column]) || 0) / max) * innerH}`);
    chart.append(svg("polyline", { points: points.join(" "), class: `chart-line chart-series-${s}` }));
  });
  const every = Math.ceil(rows.length / 6);
  rows.forEach((row, r) => {
    if (r % every === 0) {
      chart.append(svg("text", { x: r * step, y: innerH + 16, class: "chart-tick", "text-anchor": "middle" },
        String(row[0]).slice(5)));
    }
  });
  return chart;
}

/** Weekday x hour: a cell per hour, darker for more messages (6 steps, each with AA contrast for its number). */
function heatmap(table) {
  const cell = (WIDTH - PAD.left - PAD.right) / 24;
  const rowH = (HEIGHT - PAD.top - PAD.bottom) / 7;
  const max = Math.max(1, ...table.rows.flatMap((row) => row.slice(1).map(Number)));
  const chart = svg("g", { transform: `translate(${PAD.left},${PAD.top})` });
  table.rows.forEach((row, d) => {
    chart.append(svg("text", { x: -6, y: d * rowH + rowH * 0.7, class: "chart-tick", "text-anchor": "end" }, row[0]));
    row.slice(1).forEach((value, h) => {
      const level = value ? Math.min(5, 1 + Math.floor((Number(value) / max) * 4.999)) : 0;
      chart.append(svg("rect", { x: h * cell, y: d * rowH, width: cell - 1, height: rowH - 1, class: `heat-${level}` }));
    });
  });
  for (let h = 0; h < 24; h += 3) {
    chart.append(svg("text", { x: h * cell + cell / 2, y: 7 * rowH + 16, class: "chart-tick", "text-anchor": "middle" },
      String(h).padStart(2, "0")));
  }
  return chart;
}

const CHARTS = [
  { table: "daily", title: "Conversations per day", draw: (t) => barChart(t, [1, 3]), legend: ["opened", "resolved"] },
  { table: "daily", key: "backlog", title: "Backlog at the end of each day", draw: (t) => lineChart(t, [6]), legend: ["open conversations"] },
  { table: "heatmap", title: "Resident messages by weekday and hour (agency time)", draw: heatmap, legend: [] },
  { table: "durations", title: "First response and resolution times (median and p90, seconds)", draw: (t) => barChart(t, [2, 3]), legend: ["median", "p90"] },
  { table: "unattended", title: "Waiting for a first answer now, by how long", draw: (t) => barChart(t, [1]), legend: ["conversations"] },
  { table: "agents", title: "Per agent: assigned, replies, resolved", draw: (t) => barChart(t, [1, 2, 3]), legend: ["assigned", "replies", "resolved"] },
  { table: "departments", title: "Per department: opened and resolved", draw: (t) => barChart(t, [1, 5]), legend: ["opened", "resolved"] },
  { table: "csat", title: "Resident ratings (1 to 5)", draw: (t) => barChart(t, [1]), legend: ["responses"] },
  { table: "alerts", title: "Alert texts per day", draw: (t) => barChart(t, [1, 2, 3, 4]), legend: ["sent", "delivered", "failed", "opted out"] },
  { table: "subscribers", title: "Subscribers joined and left per topic", draw: (t) => barChart(t, [2, 3]), legend: ["joined", "left"] },
  { table: "calls", title: "Calls to the agency number per day", draw: (t) => barChart(t, [1, 2, 3]), legend: ["answered", "deflected to text", "callbacks booked"] },
];

export class ReportsView {
  constructor({ api }) {
    this.api = api;
    this.loadedOptions = false;
    this.query = "";
    byId("report-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.load();
    });
  }

  async show() {
    if (!byId("report-from").value) {
      const now = new Date();
      byId("report-to").value = isoDay(now);
      byId("report-from").value = isoDay(new Date(now.getTime() - 29 * 86400000));
    }
    if (!this.loadedOptions) await this.loadOptions();
    await this.load();
  }

  async loadOptions() {
    try {
      const [{ departments }, { staff }] = await Promise.all([
        this.api.request("/api/departments"),
        this.api.request("/api/staff"),
      ]);
      byId("report-department").replaceChildren(
        el("option", { value: "", text: "All departments" }),
        ...departments.map((d) => el("option", { value: d.department_id, text: d.name })),
      );
      byId("report-agent").replaceChildren(
        el("option", { value: "", text: "All agents" }),
        ...staff.map((s) => el("option", { value: s.sub, text: s.name || s.email })),
      );
      this.names = Object.fromEntries(staff.map((s) => [s.sub, s.name || s.email]));
      this.loadedOptions = true;
    } catch {
      // The filters stay at "all"; the report itself says what failed.
    }
  }

  async load() {
    const params = new URLSearchParams({ from: byId("report-from").value, to: byId("report-to").value });
    for (const [name, id] of [["department", "report-department"], ["channel", "report-channel"], ["agent", "report-agent"]]) {
      if (byId(id).value) params.set(name, byId(id).value);
    }
    this.query = params.toString();
    setText(byId("report-status"), "Loading the report…");
    try {
      const report = await this.api.request(`/api/reports?${params}`);
      this.render(report);
      setText(byId("report-status"), `Report for ${report.filter.from} to ${report.filter.to} (UTC days).`);
    } catch (error) {
      setText(byId("report-status"), `The report could not be loaded: ${error.message || `error ${error.status}`}.`);
    }
  }

  render(report) {
    const f = report.figures;
    const d = report.durations;
    const c = report.csat;
    const cost = report.cost;
    const cards = [
      ["Conversations opened", `${f.opened}`, f.reopened ? `${f.reopened} reopened` : ""],
      ["Resolved", `${f.resolved}`, ""],
      ["First response, median", duration(d.first_response_calendar.median_s),
        `p90 ${duration(d.first_response_calendar.p90_s)}; in business hours ${duration(d.first_response_business.median_s)} (p90 ${duration(d.first_response_business.p90_s)})`],
      ["Resolution, median", duration(d.resolution_calendar.median_s),
        `p90 ${duration(d.resolution_calendar.p90_s)}; in business hours ${duration(d.resolution_business.median_s)} (p90 ${duration(d.resolution_business.p90_s)})`],
      ["Waiting for an answer now", `${f.unattended_now}`,
        f.oldest_waiting_s === null ? "" : `oldest ${duration(f.oldest_waiting_s)}`],
      ["Resident satisfaction", percent(c.satisfaction), `${c.responses} ratings of ${c.sent} surveys (${percent(c.response_rate)} answered)`],
      ["Cost per conversation", dollars(cost.usd_per_conversation),
        `a 311 call costs ${dollars(cost.anchors.usd_per_311_phone_call)}, a text contact ${dollars(cost.anchors.usd_per_text_contact)}`],
      ["Cost per alert recipient", dollars(cost.usd_per_alert_recipient), `${cost.alert_texts} alert texts sent`],
      ["Calls answered", `${f.calls_answered ?? 0}`,
        `${f.calls_deflected ?? 0} moved to text; ${f.calls_callback_booked ?? 0} callbacks booked by phone`],
    ];
    byId("report-figures").replaceChildren(
      ...cards.map(([label, value, note]) =>
        el("div", { class: "report-card" }, el("dt", { text: label }), el("dd", { class: "report-value", text: value }),
          note ? el("dd", { class: "report-note", text: note }) : null),
      ),
    );
    byId("report-cost-basis").textContent = `Costs: ${cost.basis}.`;
    byId("report-charts").replaceChildren(...CHARTS.map((chart, n) => this.chart(report, chart, n)));
  }

  chart(report, spec, n) {
    const table = report.tables[spec.table];
    const id = `report-chart-${n}`;
    const rows = spec.table === "agents" && this.names
      ? table.rows.map((row) => [this.names[row[0]] || row[0], ...row.slice(1)])
      : table.rows;
    const shown = { columns: table.columns, rows };
    const picture = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart", role: "img", "aria-labelledby": `${id}-title` });
    picture.append(svg("title", { id: `${id}-title` }, `${spec.title}. The table view below has every number.`));
    if (rows.length) picture.append(spec.draw(shown));
    const legend = el("ul", { class: "chart-legend" },
      ...spec.legend.map((name, s) => el("li", {}, el("span", { class: `chart-key chart-series-${s}`, "aria-hidden": "true" }), name)));
    const tableView = el("table", { class: "data-table" },
      el("caption", { text: spec.title }),
      el("thead", {}, el("tr", {}, ...shown.columns.map((column) => el("th", { scope: "col", text: column })))),
      el("tbody", {}, ...rows.map((row) => el("tr", {}, ...row.map((cell, i) =>
        i === 0 ? el("th", { scope: "row", text: cell ?? "" }) : el("td", { text: cell ?? "–" }))))),
    );
    const csv = el("button", { type: "button", class: "button button-small", text: "Download CSV" });
    csv.setAttribute("aria-label", `Download ${spec.title} as CSV`);
    csv.addEventListener("click", () => this.downloadCsv(spec.table));
    return el("figure", { class: "report-chart", id },
      el("figcaption", { class: "report-chart-title", text: spec.title }),
      rows.length ? picture : el("p", { class: "help", text: "Nothing to show for this period." }),
      spec.legend.length && rows.length ? legend : null,
      el("details", { class: "report-table" }, el("summary", { text: "Table view" }),
        el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": `${spec.title}, table` }, tableView)),
      csv,
    );
  }

  async downloadCsv(table) {
    try {
      const blob = await this.api.request(`/api/reports/csv/${table}?${this.query}`, { as: "blob" });
      download(blob, `report-${table}.csv`);
    } catch (error) {
      setText(byId("report-status"), `The download failed: ${error.message || `error ${error.status}`}.`);
    }
  }
}
