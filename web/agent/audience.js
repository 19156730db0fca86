// @ts-check
// Who the agency texts, managed on the page (supervisors and admins; the API checks the role again):
// #audience: topics created and renamed (a rename keeps every subscriber), zones listed with their outlines drawn as
// inline SVG from the server's path data (no map tiles), and zone files uploaded.
// #subscribers: a resident found by the number they give (or a name saved on their conversation), their topics,
// zones, language and consent ledger, and an opt-out recorded on their request.
// Data goes in through textContent only; SVG path data is set as an attribute of an element built here.

import { whenLabel } from "./callbacks.js";
import { announce, byId, chip, el, setText } from "./dom.js";
import { LANGUAGE_NAMES } from "./languages.js";
import { hasRole } from "./workspace.js";

const SVG = "http://www.w3.org/2000/svg";
const PHONE_SHAPE = /^[+\d(][\d\s().\-/]*$/;
const ACTIONS = { opt_in: "Joined", opt_out: "Stopped", set_zone: "Set zone" };
const SOURCES = { keyword: "By text", carrier_error: "Carrier opt-out", signup: "Sign-up page", import: "Imported", staff: "By staff" };

/** A view reached by its hash, for supervisors: shows and hides itself like the other tool views. */
class SupervisorView {
  /** @param {{ api: any, auth: any, name: string }} options */
  constructor({ api, auth, name }) {
    this.api = api;
    this.auth = auth;
    this.name = name;
    window.addEventListener("hashchange", () => this.route());
  }

  route() {
    const allowed = hasRole(this.auth.claims, "supervisor");
    byId(`nav-${this.name}`).hidden = !allowed;
    const show = location.hash === `#${this.name}` && allowed && !byId("workspace").hidden;
    byId(`${this.name}-view`).hidden = !show;
    if (!show) return this.hide();
    document.body.dataset.tool = this.name;
    byId(`${this.name}-heading`).focus();
    this.load();
  }

  hide() {
    byId(`${this.name}-view`).hidden = true;
    if (document.body.dataset.tool === this.name) delete document.body.dataset.tool;
  }

  load() {}
}

/** What an API refusal says, for the person who made it. */
function refusal(error, fallback) {
  if (error.status === 422) return fallback;
  return error.message && error.status >= 400 && error.status < 500 ? capitalised(error.message) : fallback;
}

function capitalised(text) {
  return text ? text[0].toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? "" : ".") : text;
}

function zoneLabel(zone, zoneNames) {
  if (zone.startsWith("zip:")) return `ZIP ${zone.slice(4)}`;
  return zoneNames.get(zone) || zone.replace(/^area:/, "");
}

export class AudiencePanel extends SupervisorView {
  constructor({ api, auth }) {
    super({ api, auth, name: "audience" });
    byId("topic-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.createTopic();
    });
    byId("zone-upload").addEventListener("submit", (event) => {
      event.preventDefault();
      this.uploadZones();
    });
  }

  async load() {
    await Promise.all([this.loadTopics(), this.loadZones()]);
  }

  async loadTopics() {
    try {
      const { topics } = await this.api.request("/api/topics");
      this.renderTopics(topics);
      setText(byId("topics-status"), topics.length ? `${topics.length} topic(s).` : "No topics yet: add the first one below.");
    } catch (error) {
      if (error.status !== 401) setText(byId("topics-status"), "Topics could not be loaded.");
    }
  }

  renderTopics(topics) {
    byId("topic-list").replaceChildren(
      ...topics.map((topic) => {
        const name = el("span", { class: "manage-name", text: topic.name });
        const code = el("span", { class: "code-chip", text: topic.code });
        const count = el("span", { class: "manage-meta", text: `${topic.subscribers} subscriber${topic.subscribers === 1 ? "" : "s"}` });
        const rename = el("button", { type: "button", class: "button button-small", "aria-label": `Rename ${topic.name}`, text: "Rename" });
        const row = el("li", { class: "manage-row", "data-topic": topic.code }, el("div", { class: "manage-main" }, name, code, count), rename);
        rename.addEventListener("click", () => this.startRename(row, topic));
        return row;
      }),
    );
  }

  startRename(row, topic) {
    const id = `rename-${topic.code}`;
    const input = el("input", { id, maxlength: "60", autocomplete: "off", required: true });
    input.value = topic.name;
    const save = el("button", { type: "submit", class: "button button-primary button-small", text: "Save" });
    const cancel = el("button", { type: "button", class: "button button-small", text: "Cancel" });
    const error = el("p", { class: "form-error", role: "alert" });
    const form = el(
      "form",
      { class: "form form-inline rename-form", novalidate: true },
      el("div", { class: "field" }, el("label", { for: id, text: `New name for ${topic.code}` }), input),
      save,
      cancel,
      error,
    );
    cancel.addEventListener("click", () => {
      this.loadTopics();
      byId("topics-heading").focus();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = input.value.trim();
      if (name.length < 2) return setText(error, "Give the topic a name of 2 to 60 characters.");
      try {
        await this.api.request(`/api/topics/${encodeURIComponent(topic.code)}`, { method: "PUT", json: { name } });
        announce(`Topic ${topic.code} renamed to ${name}. Its subscribers stay.`);
        await this.loadTopics();
      } catch (failure) {
        setText(error, refusal(failure, "The topic could not be renamed."));
      }
    });
    row.replaceChildren(form);
    input.focus();
    input.select();
  }

  async createTopic() {
    const code = byId("topic-code");
    const name = byId("topic-name");
    const error = byId("topic-error");
    for (const input of [code, name]) input.removeAttribute("aria-invalid");
    const fail = (message, input) => {
      setText(error, message);
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
    };
    if (!/^[A-Za-z][A-Za-z0-9]{1,19}$/.test(code.value.trim())) return fail("Give a code of 2 to 20 letters or digits, starting with a letter.", code);
    if (name.value.trim().length < 2) return fail("Give the topic a name of 2 to 60 characters.", name);
    try {
      const topic = await this.api.request("/api/topics", { method: "POST", json: { code: code.value.trim(), name: name.value.trim() } });
      setText(error, "");
      code.value = "";
      name.value = "";
      announce(`Topic ${topic.name} added. Residents join it by texting JOIN ${topic.code}.`);
      await this.loadTopics();
    } catch (failure) {
      fail(refusal(failure, "The topic could not be added."), failure.status === 409 || failure.status === 400 ? code : null);
    }
  }

  async loadZones() {
    try {
      const { zones } = await this.api.request("/api/zones");
      this.renderZones(zones);
      setText(byId("zones-status"), zones.length ? `${zones.length} zone(s).` : "No zones yet: upload a GeoJSON file above.");
    } catch (error) {
      if (error.status !== 401) setText(byId("zones-status"), "Zones could not be loaded.");
    }
  }

  /** @param {any} zone */
  async deleteZone(zone) {
    if (!window.confirm(`Delete the zone “${zone.name}”? Alerts can no longer be sent to it; its subscribers keep their other zones.`)) return;
    try {
      await this.api.request(`/api/zones/${encodeURIComponent(zone.zone_id)}`, { method: "DELETE", as: "none" });
      await this.loadZones();
      const message = `Zone ${zone.name} deleted.`;
      setText(byId("zones-status"), message);
      announce(message);
      byId("zone-file").focus();
    } catch (error) {
      if (error.status !== 401) setText(byId("zones-status"), `Zone ${zone.name} was not deleted: try again.`);
    }
  }

  renderZones(zones) {
    const sorted = [...zones].sort((a, b) => a.name.localeCompare(b.name));
    byId("zone-list").replaceChildren(
      ...sorted.map((zone) => {
        const svg = document.createElementNS(SVG, "svg");
        svg.setAttribute("viewBox", zone.outline.view_box);
        svg.setAttribute("class", "zone-outline");
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", `Outline of ${zone.name}`);
        const path = document.createElementNS(SVG, "path");
        path.setAttribute("d", zone.outline.path); // numbers the server computed from the stored polygon
        path.setAttribute("fill-rule", "evenodd");
        path.setAttribute("vector-effect", "non-scaling-stroke");
        svg.append(path);
        const name = el("span", { class: "zone-name", text: zone.name });
        const meta = el("span", { class: "manage-meta", text: `${zone.zone_id} · ${zone.vertices} points` });
        const remove = el("button", { type: "button", class: "button button-quiet button-small zone-delete", text: "Delete" });
        remove.setAttribute("aria-label", `Delete zone ${zone.name}`);
        remove.addEventListener("click", () => this.deleteZone(zone));
        return el("li", { class: "zone-card", "data-zone": zone.zone_id }, svg, name, meta, remove);
      }),
    );
  }

  async uploadZones() {
    const input = /** @type {HTMLInputElement} */ (byId("zone-file"));
    const error = byId("zone-upload-error");
    const problems = byId("zone-upload-problems");
    problems.replaceChildren();
    input.removeAttribute("aria-invalid");
    const file = input.files?.[0];
    const fail = (message) => {
      setText(error, message);
      input.setAttribute("aria-invalid", "true");
      input.focus();
    };
    if (!file) return fail("Choose a GeoJSON or .zip file.");
    if (file.size > 1_500_000) return fail("The file is larger than 1.5 MB. Simplify the shapes or upload fewer zones at a time.");
    setText(error, "");
    setText(byId("zones-status"), "Uploading…");
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      let binary = "";
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      const { zones } = await this.api.request("/api/zones/upload", { method: "POST", json: { file_name: file.name, content_base64: btoa(binary) } });
      input.value = "";
      announce(`${zones.length} zone(s) saved.`);
      await this.loadZones();
      setText(byId("zones-status"), `${zones.length} zone(s) saved from ${file.name}.`);
    } catch (failure) {
      setText(byId("zones-status"), "");
      fail(refusal(failure, "The file could not be uploaded."));
      const list = Array.isArray(failure.data?.problems) ? failure.data.problems : [];
      problems.replaceChildren(...list.map((problem) => el("li", { text: String(problem) })));
    }
  }
}

export class SubscribersPanel extends SupervisorView {
  constructor({ api, auth }) {
    super({ api, auth, name: "subscribers" });
    /** @type {any} */
    this.subscriber = null;
    this.topicNames = new Map();
    this.zoneNames = new Map();
    byId("subscriber-find").addEventListener("submit", (event) => {
      event.preventDefault();
      this.find();
    });
    byId("subscriber-optout").addEventListener("submit", (event) => {
      event.preventDefault();
      this.optOut();
    });
  }

  async load() {
    try {
      const [{ topics }, { zones }] = await Promise.all([this.api.request("/api/topics"), this.api.request("/api/zones")]);
      this.topicNames = new Map(topics.map((t) => [t.code, t.name]));
      this.zoneNames = new Map(zones.map((z) => [z.zone, z.name]));
    } catch (error) {
      if (error.status !== 401) setText(byId("subscriber-status"), "Topic and zone names could not be loaded; codes are shown.");
    }
  }

  async find() {
    const query = byId("subscriber-query");
    const text = query.value.trim();
    byId("subscriber-matches").replaceChildren();
    query.removeAttribute("aria-invalid");
    if (text.length < 2) {
      query.setAttribute("aria-invalid", "true");
      query.focus();
      return setText(byId("subscriber-status"), "Type a phone number or at least 2 letters of a name.");
    }
    if (PHONE_SHAPE.test(text) || /^(whatsapp|webchat):/i.test(text)) return this.lookup(text);
    setText(byId("subscriber-status"), "Searching…");
    try {
      const page = await this.api.search(text, { status: "any" });
      const people = new Map();
      for (const thread of page.threads || []) {
        const address = thread.resident?.address;
        if (address && !address.startsWith("webchat:") && !people.has(address)) people.set(address, thread.resident_name || address);
      }
      this.showDetail(null);
      if (!people.size) return setText(byId("subscriber-status"), `No resident named “${text}” was found. Try their phone number.`);
      setText(byId("subscriber-status"), `${people.size} resident(s) found. Choose one.`);
      byId("subscriber-matches").replaceChildren(
        ...[...people].map(([address, name]) => {
          const button = el("button", { type: "button", class: "button button-small match-button" }, el("span", { text: name }), el("span", { class: "manage-meta", text: address }));
          button.addEventListener("click", () => this.lookup(address));
          return el("li", {}, button);
        }),
      );
    } catch (error) {
      if (error.status !== 401) setText(byId("subscriber-status"), "The search failed. Try again.");
    }
  }

  async lookup(address) {
    setText(byId("subscriber-status"), "Looking up…");
    try {
      const subscriber = await this.api.request("/api/subscribers/lookup", { method: "POST", json: { address } });
      byId("subscriber-matches").replaceChildren();
      setText(byId("subscriber-status"), subscriber.history.length ? "" : "This number has never subscribed to anything.");
      this.showDetail(subscriber);
      byId("subscriber-title").focus();
    } catch (error) {
      this.showDetail(null);
      if (error.status !== 401) {
        byId("subscriber-query").setAttribute("aria-invalid", "true");
        setText(byId("subscriber-status"), refusal(error, "The lookup failed. Try again."));
      }
    }
  }

  topicLabel(code) {
    return code === "ALL" ? "All texts" : this.topicNames.get(code) || code;
  }

  showDetail(subscriber) {
    this.subscriber = subscriber;
    byId("subscriber-detail").hidden = !subscriber;
    if (!subscriber) return;
    const { state } = subscriber;
    const title = byId("subscriber-title");
    title.tabIndex = -1;
    setText(title, `${subscriber.address} (${subscriber.channel === "whatsapp" ? "WhatsApp" : "SMS"})`);
    const standing = byId("subscriber-standing");
    standing.replaceChildren(state.opted_out_all ? chip("Opted out of everything", "span") : chip(state.topics.length ? "Subscribed" : "Not subscribed", "span"));
    const chips = (node, codes, label) => node.replaceChildren(...(codes.length ? codes.map((c) => chip(label(c), "span")) : [document.createTextNode("None")]));
    chips(byId("subscriber-topics"), state.topics, (c) => this.topicLabel(c));
    chips(byId("subscriber-stopped"), [...state.stopped_topics, ...state.suspended_topics.map((c) => `${c} (paused by STOP)`)], (c) => this.topicLabel(c));
    chips(byId("subscriber-zones"), state.zones, (z) => zoneLabel(z, this.zoneNames));
    setText(byId("subscriber-language"), state.language ? LANGUAGE_NAMES[state.language] || state.language : "Not given (English)");
    const select = byId("subscriber-optout-topic");
    select.replaceChildren(
      el("option", { value: "ALL", text: "All texts from the agency" }),
      ...state.topics.map((code) => el("option", { value: code, text: this.topicLabel(code) })),
    );
    byId("subscriber-optout").hidden = state.opted_out_all && !state.topics.length;
    setText(byId("subscriber-optout-error"), "");
    byId("subscriber-history").replaceChildren(
      ...(subscriber.history.length
        ? subscriber.history.map((entry) => {
            const how = [SOURCES[entry.source] || entry.source, entry.provenance].filter(Boolean).join(": ");
            const topic = entry.action === "set_zone" ? (entry.zones.length ? entry.zones : [entry.zone]).filter(Boolean).map((z) => zoneLabel(z, this.zoneNames)).join(", ") : this.topicLabel(entry.topic);
            return el("tr", {}, el("td", { text: whenLabel(entry.at) }), el("td", { text: ACTIONS[entry.action] || entry.action }), el("td", { text: topic }), el("td", { text: how }));
          })
        : [el("tr", { class: "table-empty" }, el("td", { colspan: "4", text: "No consent changes recorded." }))]),
    );
  }

  async optOut() {
    if (!this.subscriber) return;
    const reason = byId("subscriber-optout-reason");
    const error = byId("subscriber-optout-error");
    reason.removeAttribute("aria-invalid");
    if (reason.value.trim().length < 3) {
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
      return setText(error, "Say how the resident asked (at least 3 characters): it is kept on the record.");
    }
    const topic = byId("subscriber-optout-topic").value;
    try {
      const subscriber = await this.api.request("/api/subscribers/opt-out", {
        method: "POST",
        json: { address: this.subscriber.address, topic, reason: reason.value.trim() },
      });
      reason.value = "";
      this.showDetail(subscriber);
      setText(byId("subscriber-status"), topic === "ALL" ? "Opted out of all texts. The record names you." : `Opted out of ${this.topicLabel(topic)}. The record names you.`);
      announce("Opt-out recorded.");
    } catch (failure) {
      setText(error, refusal(failure, "The opt-out could not be recorded. Try again."));
    }
  }
}
