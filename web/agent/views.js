// The thread list's controls: views (Mine, Unassigned, My departments, All for supervisors) with their counts,
// search, filters and order; and the top bar's presence and sound toggle. Data goes in through textContent only.

import { byId, el, setText } from "./dom.js";

const VIEW_NAMES = { mine: "Mine", unassigned: "Unassigned", departments: "My departments", all: "All" };

export class InboxControls {
  constructor({ api, onChange, isSupervisor }) {
    this.api = api;
    this.onChange = onChange;
    this.view = "mine";
    this.searchText = "";
    this.tabs = [...document.querySelectorAll("button.view-tab")];
    this.status = byId("filter-status");
    this.channel = byId("filter-channel");
    this.department = byId("filter-department");
    this.label = byId("filter-label");
    this.sort = byId("filter-sort");
    this.searchInput = byId("search-text");
    this.searchClear = byId("search-clear");
    this.listStatus = byId("list-status");
    this.isSupervisor = isSupervisor;
    for (const tab of this.tabs) tab.addEventListener("click", () => this.setView(tab.dataset.view));
    for (const control of [this.status, this.channel, this.department, this.sort]) {
      control.addEventListener("change", () => this.changed());
    }
    this.label.addEventListener("change", () => this.changed());
    byId("search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.searchText = this.searchInput.value.trim();
      this.changed();
    });
    this.searchClear.addEventListener("click", () => {
      this.searchInput.value = "";
      this.searchText = "";
      this.changed();
      this.searchInput.focus();
    });
  }

  start() {
    // Supervisors watch everything open; an agent starts with their own threads.
    this.view = this.isSupervisor() ? "all" : "mine";
    this.searchText = "";
    this.searchInput.value = "";
    for (const tab of this.tabs) tab.setAttribute("aria-pressed", String(tab.dataset.view === this.view));
    byId("view-all-item").hidden = !this.isSupervisor();
    this.status.querySelector('option[value="any"]').hidden = !this.isSupervisor();
    this.api
      .departments()
      .then((body) => {
        this.department.replaceChildren(el("option", { value: "", text: "Any" }));
        for (const d of body.departments || []) {
          this.department.append(el("option", { value: d.department_id, text: d.name || d.department_id }));
        }
      })
      .catch(() => {});
  }

  setView(view) {
    if (view === this.view && !this.searchText) return;
    this.view = view;
    this.searchText = "";
    this.searchInput.value = "";
    if (this.status.value === "any" && view !== "all") this.status.value = "open";
    this.changed();
  }

  changed() {
    for (const tab of this.tabs) tab.setAttribute("aria-pressed", String(tab.dataset.view === this.view && !this.searchText));
    this.searchClear.hidden = !this.searchText;
    this.onChange();
  }

  filters() {
    return {
      status: this.status.value,
      channel: this.channel.value,
      department: this.department.value,
      label: this.label.value.trim(),
      sort: this.sort.value,
    };
  }

  /** The request the list shows: a search, or a view page. */
  fetchPage(cursor) {
    const filters = this.filters();
    if (this.searchText) {
      return this.api.search(this.searchText, { ...filters, status: filters.status === "open" ? "any" : filters.status });
    }
    return this.api.inbox(this.view, filters, cursor);
  }

  describe(count, more) {
    const what = this.searchText ? `Search results for “${this.searchText}”` : VIEW_NAMES[this.view];
    setText(this.listStatus, `${what}: ${count}${more ? "+" : ""} shown`);
  }

  showCounts(body) {
    for (const node of document.querySelectorAll("[data-count]")) {
      const count = body.counts?.[node.dataset.count];
      setText(node, count ? `(${count.count}${count.capped ? "+" : ""})` : "");
    }
  }
}

export class PresenceControl {
  constructor({ api, onChange }) {
    this.api = api;
    this.select = byId("presence");
    this.field = byId("presence-field");
    this.onChange = onChange;
    this.select.addEventListener("change", () => this.set(this.select.value));
  }

  async start() {
    this.field.hidden = false;
    try {
      const state = await this.api.presence();
      this.select.value = state.presence;
    } catch {
      this.select.value = "offline";
    }
  }

  async set(presence) {
    this.select.disabled = true;
    try {
      const state = await this.api.setPresence(presence);
      this.select.value = state.presence;
      this.onChange(state);
    } finally {
      this.select.disabled = false;
    }
  }
}

// An optional chime for new resident messages: off by default, remembered on this device.
export class Sound {
  constructor() {
    this.button = byId("sound-toggle");
    this.enabled = localStorage.getItem("switchboard.sound") === "on";
    this.context = null;
    this.button.addEventListener("click", () => this.toggle());
    this.render();
  }

  show() {
    this.button.hidden = false;
  }

  toggle() {
    this.enabled = !this.enabled;
    localStorage.setItem("switchboard.sound", this.enabled ? "on" : "off");
    this.render();
    if (this.enabled) this.play();
  }

  render() {
    this.button.setAttribute("aria-pressed", String(this.enabled));
    setText(this.button, this.enabled ? "Sound on" : "Sound off");
  }

  play() {
    if (!this.enabled) return;
    try {
      this.context ||= new AudioContext();
      const oscillator = this.context.createOscillator();
      const gain = this.context.createGain();
      oscillator.frequency.value = 880;
      gain.gain.setValueAtTime(0.08, this.context.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.0001, this.context.currentTime + 0.25);
      oscillator.connect(gain).connect(this.context.destination);
      oscillator.start();
      oscillator.stop(this.context.currentTime + 0.25);
    } catch {
      // No audio device: the badge and the announcement still tell the agent.
    }
  }
}
