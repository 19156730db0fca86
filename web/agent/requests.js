// @ts-check
// Service requests, reached by #requests (agents see their departments', supervisors all): a map drawn as inline SVG
// over the agency's zone outlines (no tiles, nothing fetched from elsewhere), each located request a focusable point
// with a text label; the same requests as a table (the map's equivalent for screen readers and phones) with Close /
// Reopen; a status filter and a CSV download. Data goes in through textContent and SVG attributes only.

import { announce, byId, el, setText } from "./dom.js";
import { download } from "./workspace.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 400;
const PAD = 16;
const STATUS = { open: "Open", closed: "Closed" };

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @returns {SVGElement}
 */
function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return /** @type {SVGElement} */ (node);
}

/**
 * A plane projection of the box that holds every zone and point: longitude scaled by cos(latitude), so a city keeps
 * its shape; north up.
 * @param {Array<[number, number]>} points [lon, lat]
 */
export function projection(points) {
  if (!points.length) return null;
  let [minLon, minLat, maxLon, maxLat] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon, lat] of points) {
    minLon = Math.min(minLon, lon);
    maxLon = Math.max(maxLon, lon);
    minLat = Math.min(minLat, lat);
    maxLat = Math.max(maxLat, lat);
  }
  const squash = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max((maxLon - minLon) * squash, 1e-6);
  const spanY = Math.max(maxLat - minLat, 1e-6);
  const scale = Math.min((WIDTH - 2 * PAD) / spanX, (HEIGHT - 2 * PAD) / spanY);
  const offsetX = (WIDTH - spanX * scale) / 2;
  const offsetY = (HEIGHT - spanY * scale) / 2;
  /** @param {[number, number]} point */
  return ([lon, lat]) => [offsetX + (lon - minLon) * squash * scale, offsetY + (maxLat - lat) * scale];
}

export class RequestsPanel {
  constructor({ api }) {
    this.api = api;
    this.zones = null;
    window.addEventListener("hashchange", () => this.route());
    byId("requests-filter").addEventListener("change", () => this.load());
    byId("requests-csv").addEventListener("click", () => this.csv());
  }

  route() {
    const show = location.hash === "#requests" && !byId("workspace").hidden;
    byId("requests-view").hidden = !show;
    if (!show) return this.hide();
    document.body.dataset.tool = "requests";
    byId("requests-heading").focus();
    this.load();
  }

  hide() {
    byId("requests-view").hidden = true;
    if (document.body.dataset.tool === "requests") delete document.body.dataset.tool;
  }

  query(format) {
    const status = byId("requests-filter").value;
    return `/api/service-requests?format=${format}${status ? `&status=${encodeURIComponent(status)}` : ""}`;
  }

  async load() {
    try {
      if (!this.zones) this.zones = (await this.api.request("/api/zones?outlines=true")).zones;
      const { features } = await this.api.request(this.query("geojson"));
      this.draw(features);
      this.table(features);
      setText(byId("requests-status"), features.length ? `${features.length} requests.` : "No requests in the last 30 days.");
    } catch (error) {
      if (error.status !== 401) setText(byId("requests-status"), "Requests could not be loaded.");
    }
  }

  draw(features) {
    const located = features.filter((f) => f.geometry);
    const rings = this.zones.flatMap((zone) => (zone.outlines || []).map((ring) => ({ zone, ring })));
    const project = projection([...rings.flatMap((r) => r.ring), ...located.map((f) => f.geometry.coordinates)]);
    const map = byId("requests-map");
    map.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
    const outlines = svg("g", { class: "sr-zones", "aria-hidden": "true" });
    const points = svg("g", { class: "sr-points" });
    if (project) {
      for (const { zone, ring } of rings) {
        const path = svg("polygon", { class: "sr-zone", points: ring.map((p) => project(p).map((n) => n.toFixed(1)).join(",")).join(" ") });
        const name = svg("title");
        name.textContent = zone.name;
        path.append(name);
        outlines.append(path);
      }
      for (const feature of located) {
        const [x, y] = project(feature.geometry.coordinates);
        const p = feature.properties;
        const label = `Request ${p.service_request_id}, ${p.service_name}, ${STATUS[p.status] || p.status}${p.address ? `, ${p.address}` : ""}`;
        const point = svg("g", { class: `sr-point sr-${p.status === "closed" ? "closed" : "open"}`, tabindex: 0, role: "img", "aria-label": label });
        point.append(svg("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 7 }));
        const text = svg("text", { x: (x + 10).toFixed(1), y: (y + 4).toFixed(1), "aria-hidden": "true" });
        text.textContent = `#${p.service_request_id}`;
        point.append(text);
        points.append(point);
      }
    }
    map.replaceChildren(outlines, points);
    setText(byId("requests-map-note"), `${located.length} of ${features.length} requests have a location on the map.`);
  }

  table(features) {
    byId("requests-rows").replaceChildren(
      ...features.map((feature) => {
        const p = feature.properties;
        const next = p.status === "closed" ? "open" : "closed";
        const button = el("button", { type: "button", class: "button button-small", text: next === "closed" ? "Close" : "Reopen" });
        button.setAttribute("aria-label", `${next === "closed" ? "Close" : "Reopen"} request ${p.service_request_id}`);
        button.addEventListener("click", () => this.change(p.service_request_id, next));
        const cell = (label, text) => el("td", { "data-label": label, text });
        return el(
          "tr",
          {},
          el("th", { scope: "row", "data-label": "Request", text: `#${p.service_request_id}` }),
          cell("Service", p.service_name),
          cell("Status", STATUS[p.status] || p.status),
          cell("Place", p.address || (feature.geometry ? "Shared location" : "No location")),
          cell("Made", new Date(p.requested_datetime).toLocaleString()),
          el("td", { "data-label": "Action" }, button),
        );
      }),
    );
  }

  async change(requestId, status) {
    try {
      await this.api.request(`/api/service-requests/${encodeURIComponent(requestId)}/status`, { method: "PUT", json: { status } });
      announce(`Request ${requestId} is ${status === "closed" ? "closed" : "open again"}. The resident is told by text.`);
    } catch {
      announce("That did not work. Try again.");
    }
    await this.load();
    byId("requests-heading").focus();
  }

  async csv() {
    try {
      download(await this.api.request(this.query("csv"), { as: "blob" }), "service-requests.csv");
    } catch {
      setText(byId("requests-status"), "The CSV could not be downloaded.");
    }
  }
}
