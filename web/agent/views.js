// @ts-check
// The thread list's controls: views (Mine, Unassigned, My departments, All for supervisors) with their counts,
// search, filters and order; and the top bar's presence and sound toggle. Data goes in through textContent only.

import { announce, byId, el, setText } from "./dom.js";

const VIEW_NAMES = { mine: "Mine", unassigned: "Unassigned", departments: "My departments", all: "All" };
const EMPTY_VIEWS = {
  mine: "Nothing is assigned to you right now. New conversations wait in Unassigned.",
  unassigned: "Nobody is waiting: every open conversation has an owner.",
  departments: "No open conversations in your departments.",
  all: "No conversations yet. New texts from residents appear here.",
};
const PRESENCE_KEY = "switchboard.presence";
const PRESENCES = ["available", "away", "offline"];
const NOTIFY_KEY = "switchboard.notifications";
const CHANNEL_NAMES = { sms: "SMS", whatsapp: "WhatsApp", webchat: "Web chat" };

export class InboxControls {
  constructor({ api, onChange, isSupervisor }) {
    this.api = api;
    this.onChange = onChange;
    this.view = "mine";
    this.searchText = "";
    this.tabs = [...document.querySelectorAll("button.view-tab")].map((b) => /** @type {HTMLButtonElement} */ (b));
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
    byId("threads-empty-reset").addEventListener("click", () => this.resetAll());
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
    const active = this.activeFilters().length;
    setText(byId("filters-active"), active ? String(active) : "");
    byId("filters-active").setAttribute("aria-label", active ? `${active} active` : "");
    this.onChange();
  }

  /** The filters that differ from the defaults, in words ("closed", "on Web chat", ...). */
  activeFilters() {
    const f = this.filters();
    const words = [];
    if (f.status !== "open") words.push({ any: "of any status", automatic: "handled automatically" }[f.status] || f.status);
    if (f.channel) words.push(`on ${CHANNEL_NAMES[f.channel] || f.channel}`);
    if (f.department) words.push(`in ${this.department.selectedOptions[0]?.textContent || f.department}`);
    if (f.label) words.push(`labelled “${f.label}”`);
    return words;
  }

  /** What an empty list means: the search or the filters found nothing, or the view is simply empty. */
  emptyReason() {
    const filters = this.activeFilters();
    if (this.searchText) {
      const within = filters.length ? ` (${filters.join(", ")})` : "";
      return { text: `No conversations match “${this.searchText}”${within}. Try other words or a phone number.`, reset: true };
    }
    if (filters.length) {
      return { text: `No conversations ${filters.join(", ")} in ${VIEW_NAMES[this.view]}.`, reset: true };
    }
    return { text: EMPTY_VIEWS[this.view], reset: false };
  }

  resetAll() {
    this.searchInput.value = "";
    this.searchText = "";
    this.status.value = "open";
    this.channel.value = "";
    this.department.value = "";
    this.label.value = "";
    this.changed();
    this.searchInput.focus();
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
    for (const node of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll("[data-count]"))) {
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

  /** The status shown is the server's; if this person last chose another one on this device, it is put back
   * (signing in does not make an available agent "Offline"). */
  async start() {
    this.field.hidden = false;
    let current = "offline";
    try {
      current = (await this.api.presence()).presence;
    } catch {
      // the server could not say: offline until it can
    }
    this.show(current);
    const chosen = localStorage.getItem(PRESENCE_KEY);
    if (chosen && chosen !== current && PRESENCES.includes(chosen)) {
      await this.set(chosen, { remember: false }).catch(() => {});
    }
  }

  show(presence) {
    this.select.value = presence;
    byId("presence-dot").dataset.presence = presence;
  }

  async set(presence, { remember = true } = {}) {
    this.select.disabled = true;
    if (remember) localStorage.setItem(PRESENCE_KEY, presence);
    try {
      const state = await this.api.setPresence(presence);
      this.select.value = state.presence;
      byId("presence-dot").dataset.presence = state.presence;
      this.onChange(state);
    } finally {
      this.select.disabled = false;
    }
  }
}

/** Opt-in desktop notifications for new resident messages on conversations the agent owns or nobody owns, shown
 * only while the page is in the background. Off until the agent turns them on (and the browser allows them). */
export class DesktopNotifications {
  constructor({ me, onOpen }) {
    this.me = me; // () => the signed-in agent's sub
    this.onOpen = onOpen; // (threadId) => void
    this.button = byId("notify-toggle");
    this.supported = "Notification" in window;
    this.enabled = this.supported && localStorage.getItem(NOTIFY_KEY) === "on" && Notification.permission === "granted";
    this.button.addEventListener("click", () => this.toggle());
    this.render();
  }

  show() {
    this.button.hidden = !this.supported;
  }

  async toggle() {
    if (this.enabled) {
      this.enabled = false;
    } else {
      const permission = Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
      this.enabled = permission === "granted";
      if (!this.enabled) announce("This browser blocks notifications from this page. Allow them in the site settings, then try again.");
    }
    localStorage.setItem(NOTIFY_KEY, this.enabled ? "on" : "off");
    this.render();
    if (this.enabled) announce("Desktop notifications are on for new messages on your and unassigned conversations.");
  }

  render() {
    this.button.setAttribute("aria-pressed", String(this.enabled));
    setText(byId("notify-label"), this.enabled ? "Desktop notifications on" : "Desktop notifications off");
  }

  /** @param {any[]} threads threads with a new inbound message since the last poll */
  notify(threads) {
    if (!this.enabled || Notification.permission !== "granted") return;
    if (!document.hidden && document.hasFocus()) return; // the agent is looking at the page already
    for (const thread of threads) {
      if (thread.assignee && thread.assignee !== this.me()) continue;
      const who = thread.resident_name || thread.resident?.address || "a resident";
      // The preview is resident text: a notification shows it as plain text, never as markup.
      const note = new Notification(`New message from ${who}`, { body: thread.last_message_preview || "", tag: thread.thread_id });
      note.addEventListener("click", () => {
        window.focus();
        this.onOpen(thread.thread_id);
        note.close();
      });
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
    setText(byId("sound-label"), this.enabled ? "Sound on" : "Sound off");
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
