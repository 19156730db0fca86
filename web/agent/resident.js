// @ts-check
// The resident panel, the workspace's third pane: who the open conversation is with (name staff can set, number,
// channel, the name and phone a web chat resident gave), where the conversation stands (status, owner, department,
// labels), and what the agency knows of them (GET /api/threads/{id}/resident): language (staff may set it), consent
// and topics with the ledger behind them, their other conversations, callback and reminders, alerts received. At
// 1024 px and wider it sits beside the conversation; narrower, it is a pane of its own behind "Resident details".
// Data goes in through textContent only.

import { announce, byId, chip, clockTime, el, fillAvatar, setAddress, setText } from "./dom.js";
import { channelLabel } from "./inbox.js";

const LEDGER_WORDS = { opt_in: "Subscribed", opt_out: "Unsubscribed", set_zone: "Zone set" };
const SOURCE_WORDS = { keyword: "by text", carrier_error: "carrier refused", signup: "sign-up page", import: "imported", staff: "by staff" };
const STATUS_WORDS = { open: "Open", closed: "Closed", automatic: "Handled automatically" };

/** @param {any} entry one consent ledger entry */
function ledgerLine(entry) {
  const what = LEDGER_WORDS[entry.action] || entry.action;
  const topic = entry.topic === "ALL" ? (entry.action === "set_zone" ? (entry.zones?.join(", ") || entry.zone || "") : "all texts") : entry.topic;
  const source = SOURCE_WORDS[entry.source] || entry.source;
  return `${clockTime(entry.at)} · ${what}: ${topic} (${source}${entry.provenance ? `, ${entry.provenance}` : ""})`;
}

/** @param {any} consent the state beside the ledger */
function consentWords(consent) {
  if (consent.opted_out_all) return "Opted out of everything (STOP); only topics joined since reach them.";
  const stopped = [...consent.stopped_topics, ...consent.suspended_topics];
  return stopped.length ? `Receives texts, except ${stopped.join(", ")}.` : "Receives texts.";
}

const enc = encodeURIComponent;

export class ResidentPanel {
  /**
   * @param {{ api: any, staffName: (sub: string | null | undefined) => string,
   *           departmentName: (id: string) => string, getThreadId: () => string | null,
   *           onChange: (state: object) => void }} options
   */
  constructor({ api, staffName, departmentName, getThreadId, onChange }) {
    this.api = api;
    this.staffName = staffName;
    this.departmentName = departmentName;
    this.getThreadId = getThreadId;
    this.onChange = onChange; // the thread's new state after a rename (the header and list show the name too)
    /** @type {any} */
    this.thread = null;
    this.nameInput = /** @type {HTMLInputElement} */ (byId("resident-name-input"));
    byId("resident-name-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.saveName();
    });
    this.language = /** @type {HTMLSelectElement} */ (byId("resident-language"));
    document.addEventListener("resident-language", (event) => {
      const { threadId, language, from } = /** @type {CustomEvent} */ (event).detail;
      if (from === "resident" || threadId !== this.getThreadId()) return;
      // Set in the conversation's translation bar: the server set the resident's language too, if one of ours.
      if ([...this.language.options].some((o) => o.value === language)) {
        this.language.value = language;
        if (this.profile) this.profile.language = language;
      }
    });
    byId("resident-language-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.saveLanguage();
    });
    /** @type {any} */
    this.profile = null;
    /** @type {(threadId: string) => void} */
    this.openThread = () => {};
  }

  /** @param {any} thread the thread as GET /api/threads/{id} returns it */
  update(thread) {
    const changed = this.thread?.thread_id !== thread.thread_id;
    this.thread = thread;
    byId("resident-empty").hidden = true;
    byId("resident-content").hidden = false;
    const address = thread.resident?.address || "Unknown sender";
    const name = thread.resident_name || "";
    fillAvatar(byId("resident-avatar"), name, address);
    setText(byId("resident-name"), name || "Name not known");
    setAddress(byId("resident-address"), address);
    // Never overwrite what the agent is typing; refresh the field when another conversation opens.
    if (changed || document.activeElement !== this.nameInput) this.nameInput.value = name;
    if (changed) {
      setText(byId("resident-name-status"), "");
      setText(byId("resident-language-status"), "");
      this.loadProfile(thread.thread_id);
    }
    setText(byId("resident-channel"), channelLabel(thread.channel || thread.resident?.channel));
    const status = thread.snoozed_until && thread.status === "open" ? `Snoozed until ${clockTime(thread.snoozed_until)}` : STATUS_WORDS[thread.status] || "Open";
    setText(byId("resident-status"), status);
    setText(byId("resident-assignee"), thread.assignee ? this.staffName(thread.assignee) : "Nobody");
    setText(byId("resident-department"), thread.department_id ? this.departmentName(thread.department_id) : "None");
    setText(byId("resident-started"), thread.created_at ? clockTime(thread.created_at) : "");
    const labels = thread.labels || [];
    byId("resident-labels").replaceChildren(...labels.map((/** @type {string} */ label) => chip(label)));
    byId("resident-no-labels").hidden = labels.length > 0;
  }

  /** What the agency knows of the resident, from every domain (GET /api/threads/{id}/resident). */
  async loadProfile(threadId) {
    byId("resident-profile").hidden = true;
    setText(byId("resident-profile-status"), "Loading what we know of them…");
    try {
      const profile = await this.api.request(`/api/threads/${enc(threadId)}/resident`);
      if (threadId !== this.thread?.thread_id) return;
      this.profile = profile;
      this.renderProfile(profile);
      setText(byId("resident-profile-status"), "");
    } catch (error) {
      if (threadId !== this.thread?.thread_id) return;
      setText(byId("resident-profile-status"), `Their details could not be loaded: ${error.message || `error ${error.status}`}.`);
    }
  }

  /** @param {any} profile */
  renderProfile(profile) {
    byId("resident-profile").hidden = false;
    if (profile.name && !this.thread?.resident_name) {
      setText(byId("resident-name"), profile.name);
      fillAvatar(byId("resident-avatar"), profile.name, profile.address);
    }
    const given = [profile.name_source === "webchat" ? profile.name : "", profile.given_phone, profile.given_email].filter(Boolean);
    byId("resident-given-row").hidden = given.length === 0;
    // Each address as its channel and number ("WhatsApp +1 555…"); a web chat session is just "Web chat".
    const reachable = profile.addresses.map((/** @type {string} */ a) =>
      a.startsWith("webchat:") ? channelLabel("webchat") : a.startsWith("whatsapp:") ? `${channelLabel("whatsapp")} ${a.slice(9)}` : `${channelLabel("sms")} ${a}`,
    );
    setText(byId("resident-addresses"), reachable.join(" · "));
    setText(byId("resident-given"), given.join(" · "));
    const consent = profile.consent;
    setText(byId("resident-topics"), consent.topics.length ? consent.topics.join(", ") : "No topics");
    setText(byId("resident-zones"), consent.zones.length ? consent.zones.map((/** @type {string} */ z) => z.replace(/^zip:/, "ZIP ").replace(/^area:/, "")).join(", ") : "None given");
    setText(byId("resident-consent"), consentWords(consent));
    if (document.activeElement !== this.language) this.language.value = profile.language || "";
    setText(byId("resident-history-count"), String(profile.history.length));
    this.fillList("resident-history", "resident-no-history", profile.history.map((/** @type {any} */ e) => el("li", { text: ledgerLine(e) })));
    this.fillList(
      "resident-conversations",
      "resident-no-conversations",
      profile.conversations.map((/** @type {any} */ c) => {
        const open = el("button", { type: "button", class: "button button-quiet button-small", text: `${channelLabel(c.channel)} · ${STATUS_WORDS[c.status] || c.status} · ${clockTime(c.last_activity_at)}` });
        open.addEventListener("click", () => this.openThread(c.thread_id));
        return el("li", {}, open, el("span", { class: "help", text: c.last_message_preview }));
      }),
    );
    const bookings = [
      ...profile.callbacks.map((/** @type {any} */ c) => el("li", { text: `Callback ${clockTime(c.slot_at)} · ${c.status.replace(/_/g, " ")} · ${this.departmentName(c.department)}` })),
      ...profile.reminders.map((/** @type {any} */ r) => el("li", { text: `Reminder: ${r.kind.replace(/_/g, " ")}, due ${r.due_date}` })),
    ];
    this.fillList("resident-bookings", "resident-no-bookings", bookings);
    this.fillList(
      "resident-alerts",
      "resident-no-alerts",
      profile.alerts.map((/** @type {any} */ a) => el("li", { text: `${a.title}${a.sent_at ? ` · ${clockTime(a.sent_at)}` : ""}${a.status ? ` · ${a.status}` : ""}` })),
    );
  }

  /** @param {string} listId @param {string} emptyId @param {HTMLElement[]} items */
  fillList(listId, emptyId, items) {
    byId(listId).replaceChildren(...items);
    byId(emptyId).hidden = items.length > 0;
  }

  async saveLanguage() {
    const threadId = this.getThreadId();
    const language = this.language.value;
    const status = byId("resident-language-status");
    if (!threadId) return;
    if (!language) {
      setText(status, "Choose a language.");
      return;
    }
    try {
      await this.api.request(`/api/threads/${enc(threadId)}/resident-language`, { method: "PUT", json: { language } });
      if (threadId !== this.getThreadId()) return;
      const chosen = this.language.selectedOptions[0]?.textContent || language;
      setText(status, `Language saved: ${chosen}.`);
      announce(`Language saved: ${chosen}.`);
      if (this.profile) this.profile.language = language;
      // One language per resident: the conversation's translation follows (translation.js listens).
      document.dispatchEvent(new CustomEvent("resident-language", { detail: { threadId, language, from: "resident" } }));
    } catch (error) {
      setText(status, `The language was not saved: ${error.message || `error ${error.status}`}.`);
    }
  }

  clear() {
    this.thread = null;
    this.profile = null;
    byId("resident-empty").hidden = false;
    byId("resident-content").hidden = true;
  }

  /** Under 1024 px: show the panel in place of the conversation, or go back to it. */
  showPane(show) {
    const workspace = byId("workspace");
    const target = show ? "resident" : this.getThreadId() ? "thread" : "list";
    if (workspace.dataset.view === target) return;
    const wasResident = workspace.dataset.view === "resident";
    workspace.dataset.view = target;
    if (show) byId("resident-heading").focus();
    else if (wasResident) byId("resident-open").focus();
  }

  async saveName() {
    const threadId = this.getThreadId();
    if (!threadId) return;
    const name = this.nameInput.value.trim();
    const status = byId("resident-name-status");
    try {
      const state = await this.api.request(`/api/threads/${enc(threadId)}/resident-name`, {
        method: "PUT",
        json: { name },
      });
      if (threadId !== this.getThreadId()) return;
      this.update({ ...this.thread, ...state, resident_name: state.resident_name ?? (name || null) });
      this.onChange(state);
      const message = name ? `Name saved: ${name}.` : "Name removed.";
      setText(status, message);
      announce(message);
    } catch (error) {
      setText(status, `The name was not saved: ${error.message || `error ${error.status}`}.`);
    }
  }
}
