// @ts-check
// The workspace around the open thread: owner and department, who else is viewing or typing, assign, transfer with
// a note, internal notes, labels, snooze, close/reopen, canned replies, export, and the keyboard shortcuts.
// Data from the API goes into the page through textContent only (dom.js), never as HTML.

import { announce, byId, chip, clockTime, el, moveBefore, setText } from "./dom.js";
import { describeInstant, parseLocalInput, snoozePresets, toLocalInput } from "./zoned.js";

const HEARTBEAT_MS = 5000;
const TYPING_WINDOW_MS = 4000;
const SHORTCUTS_KEY = "switchboard.shortcuts";
const enc = encodeURIComponent;

export function rolesOf(claims) {
  const raw = claims?.["cognito:groups"];
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw === "string") return raw.replace(/^\[|\]$/g, "").split(/[\s,]+/).filter(Boolean);
  return [];
}

export function hasRole(claims, role) {
  const order = ["agent", "supervisor", "admin"];
  const mine = rolesOf(claims).map((r) => order.indexOf(r));
  return mine.some((rank) => rank >= order.indexOf(role) && rank >= 0);
}

/** Trigger a download of `blob` as `filename` (an object URL on a temporary link; nothing is shown inline). */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function openDialog(dialog, focus) {
  if (!dialog.open) dialog.showModal();
  (focus || dialog.querySelector("input, select, textarea, button"))?.focus();
}

export class Workspace {
  constructor({ api, auth, view, getThreadId }) {
    this.api = api;
    this.auth = auth;
    this.view = view; // ThreadView: its reply box and thread id
    this.getThreadId = getThreadId;
    this.thread = null;
    this.viewers = [];
    this.staff = new Map();
    this.departments = new Map();
    this.lastTyped = 0;
    this.agencyZone = Intl.DateTimeFormat().resolvedOptions().timeZone; // until the agency's own is known
    this.pendingLabels = [];
    this.heartbeatTimer = null;
    this.running = false;
    this.onRender = null; // (thread) => void: the resident panel shows the same state
    view.staffName = (sub) => {
      const name = this.staffName(sub);
      return name === "you" ? "You" : name;
    };
    this.wire();
  }

  get me() {
    return this.auth.claims?.sub;
  }

  // --- lifecycle -------------------------------------------------------------------------------------------------

  async start() {
    this.running = true;
    const claims = this.auth.claims;
    byId("staff-nav").hidden = false;
    byId("nav-supervisor").hidden = !hasRole(claims, "supervisor");
    byId("nav-reports").hidden = !hasRole(claims, "supervisor");
    byId("nav-admin").hidden = !hasRole(claims, "admin");
    byId("nav-services").hidden = !hasRole(claims, "admin");
    byId("export-thread").hidden = !hasRole(claims, "supervisor");
    this.heartbeatTimer = window.setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    await this.loadDirectory();
  }

  stop() {
    this.running = false;
    window.clearInterval(this.heartbeatTimer);
    byId("staff-nav").hidden = true;
    this.thread = null;
    this.viewers = [];
  }

  async loadDirectory() {
    try {
      const [staff, departments, canned, chat] = await Promise.all([
        this.api.request("/api/staff"),
        this.api.request("/api/departments"),
        this.api.request("/api/canned-replies"),
        this.api.request("/api/webchat/config").catch(() => null), // the agency's time zone
      ]);
      if (chat?.timezone) this.agencyZone = chat.timezone;
      this.staff = new Map(staff.staff.map((s) => [s.sub, s]));
      this.departments = new Map(departments.departments.map((d) => [d.department_id, d]));
      this.fillCanned(canned.canned_replies);
      this.render();
    } catch (error) {
      if (error.status !== 401) announce("Colleagues and departments could not be loaded.");
    }
  }

  fillCanned(replies) {
    this.cannedReplies = replies;
    if (!byId("canned-picker").hidden) this.filterCanned();
  }

  staffName(sub) {
    if (!sub) return "";
    if (sub === this.me) return "you";
    const person = this.staff.get(sub);
    return person ? person.name || person.email : "another agent";
  }

  // --- the open thread -----------------------------------------------------------------------------------------

  /** Called with every GET /api/threads/{id} page (ThreadView.onPage). */
  update(page) {
    if (!page?.thread) return;
    const changedThread = this.thread?.thread_id !== page.thread.thread_id;
    this.thread = page.thread;
    this.viewers = page.viewers || [];
    this.render();
    if (changedThread) {
      this.loadNotes();
      this.heartbeat();
    }
  }

  closed() {
    this.thread = null;
    this.viewers = [];
  }

  render() {
    const t = this.thread;
    if (!t) return;
    const parts = [];
    parts.push(t.assignee ? `Assigned to ${this.staffName(t.assignee)}` : "Unassigned");
    if (t.department_id) parts.push(`Department: ${this.departments.get(t.department_id)?.name || t.department_id}`);
    if (t.status === "closed") parts.push("Closed");
    if (t.snoozed_until) parts.push(`Snoozed until ${clockTime(t.snoozed_until)}`);
    if (t.labels?.length) parts.push(`Labels: ${t.labels.join(", ")}`);
    const owner = byId("thread-owner");
    setText(owner, parts.join(" · "));
    owner.classList.toggle("owned-by-other", Boolean(t.assignee && t.assignee !== this.me));
    setText(byId("assign-toggle").querySelector("span"), t.assignee === this.me ? "Unassign" : "Assign to me");
    setText(byId("close-toggle").querySelector("span"), t.status === "closed" ? "Reopen" : "Close");
    this.renderPresence();
    this.fitToolbar?.();
    this.onRender?.(t);
  }

  renderPresence() {
    const typing = this.viewers.filter((v) => v.typing).map((v) => this.staffName(v.sub) || v.email);
    const viewing = this.viewers.filter((v) => !v.typing).map((v) => this.staffName(v.sub) || v.email);
    const parts = [];
    if (typing.length) parts.push(`${typing.join(", ")} ${typing.length > 1 ? "are" : "is"} typing a reply`);
    if (viewing.length) parts.push(`${viewing.join(", ")} ${viewing.length > 1 ? "are" : "is"} viewing`);
    const node = byId("thread-presence");
    setText(node, parts.length ? `${parts.join("; ")}.` : "");
    node.classList.toggle("presence-active", parts.length > 0);
  }

  async heartbeat() {
    const threadId = this.getThreadId();
    if (!this.running || !threadId || document.hidden) return;
    const typing = Date.now() - this.lastTyped < TYPING_WINDOW_MS && byId("reply-text").value.length > 0;
    try {
      const answer = await this.api.request(`/api/threads/${enc(threadId)}/presence`, {
        method: "POST",
        json: { typing },
      });
      if (threadId !== this.getThreadId()) return;
      this.viewers = answer.viewers || [];
      this.renderPresence();
    } catch {
      // presence is best effort: the next beat tries again
    }
  }

  /** The thread's notes, transfers, assignment changes and call progress go into the timeline (thread.js). */
  async loadNotes() {
    const threadId = this.getThreadId();
    if (!threadId) return;
    try {
      const { notes } = await this.api.request(`/api/threads/${enc(threadId)}/notes`);
      if (threadId !== this.getThreadId()) return;
      this.view.setNotes(notes);
    } catch (error) {
      if (error.status !== 401 && error.name !== "AbortError") announce("Internal notes could not be loaded.");
    }
  }

  /** Run an action on the open thread; the answer is the thread's new workspace state. */
  /** @param {string} path @param {{ method?: string, json?: object, done?: string }} [options] */
  async act(path, { method = "POST", json = {}, done } = {}) {
    const threadId = this.getThreadId();
    if (!threadId) return null;
    try {
      const state = await this.api.request(`/api/threads/${enc(threadId)}/${path}`, { method, json });
      if (threadId === this.getThreadId() && state && this.thread) {
        Object.assign(this.thread, state);
        this.render();
      }
      if (done) announce(done);
      return state;
    } catch (error) {
      if (error.status !== 401) announce(`That did not work: ${error.message || `error ${error.status}`}.`);
      throw error;
    }
  }

  toggleAssign() {
    if (!this.thread) return;
    if (this.thread.assignee === this.me) {
      return this.act("assign", { json: { agent_sub: null }, done: "Conversation unassigned." }).catch(() => {});
    }
    const assignToMe = (json) => this.act("assign", { json, done: "Conversation assigned to you." });
    return assignToMe({}).catch(async (error) => {
      if (error.data?.error === "at_capacity") {
        announce(`You already have ${error.data.load} open conversations, your cap is ${error.data.cap}. Close or hand one back first, or ask a supervisor.`);
      }
      // Someone else holds it: taking it over needs a yes (the API refuses without take_over, and audits it).
      if (error.data?.error === "take_over_required" && (await this.confirmTakeover("take"))) {
        return assignToMe({ take_over: true }).catch(() => {});
      }
    });
  }

  toggleClose() {
    if (!this.thread) return;
    const reopen = this.thread.status === "closed";
    return this.act(reopen ? "reopen" : "close", {
      done: reopen ? "Conversation reopened." : "Conversation closed.",
    }).catch(() => {});
  }

  openTransfer() {
    if (!this.thread) return;
    const departments = byId("transfer-department");
    departments.replaceChildren(
      el("option", { value: "", text: "Keep the department" }),
      ...[...this.departments.values()].map((d) => el("option", { value: d.department_id, text: d.name })),
    );
    this.fillTransferAgents();
    byId("transfer-note").value = "";
    byId("transfer-override").value = "";
    byId("transfer-override-field").hidden = true;
    setText(byId("transfer-error"), "");
    this.transferTakeOver = null;
    openDialog(byId("transfer-dialog"), departments);
  }

  /** Only agents of the destination department (the chosen one, else the thread's own) can be picked. */
  fillTransferAgents() {
    const agents = byId("transfer-agent");
    const chosen = byId("transfer-department").value;
    const department = chosen || this.thread?.department_id || "";
    const members = [...this.staff.values()].filter(
      (s) => s.sub !== this.me && (!department || (s.departments || []).includes(department)),
    );
    const name = this.departments.get(department)?.name || department;
    const previous = agents.value;
    agents.replaceChildren(
      el("option", { value: "", text: "Nobody: the department’s queue" }),
      ...members.map((s) => el("option", { value: s.sub, text: s.name ? `${s.name} (${s.email})` : s.email })),
    );
    if (members.some((s) => s.sub === previous)) agents.value = previous;
    setText(
      byId("transfer-agent-help"),
      department
        ? members.length
          ? `Agents in ${name}.`
          : `Nobody else is in ${name}: the conversation waits in its queue.`
        : "Every agent (the conversation has no department).",
    );
    byId("transfer-override-field").hidden = true;
  }

  async submitTransfer() {
    const department = byId("transfer-department").value;
    const agent = byId("transfer-agent").value;
    const note = byId("transfer-note").value.trim();
    if (!department && !agent) return this.dialogError("transfer", "Choose a department, an agent, or both.", byId("transfer-department"));
    if (!note) return this.dialogError("transfer", "Write a note for whoever picks this up.", byId("transfer-note"));
    const json = { note };
    if (department) json.department_id = department;
    if (agent) json.agent_sub = agent;
    if (this.transferTakeOver === this.getThreadId()) json.take_over = true;
    const overrideField = byId("transfer-override-field");
    const reason = byId("transfer-override").value.trim();
    if (!overrideField.hidden) {
      if (reason.length < 3) return this.dialogError("transfer", "Give a reason to go past the cap, or choose someone else.", byId("transfer-override"));
      json.override_reason = reason;
    }
    try {
      await this.act("transfer", { json, done: "Conversation transferred." });
      byId("transfer-dialog").close();
      this.loadNotes();
    } catch (error) {
      if (error.data?.error === "at_capacity") {
        const who = this.staffName(agent) || "This agent";
        const full = `${who} already has ${error.data.load} open conversations; their cap is ${error.data.cap}.`;
        if (hasRole(this.auth.claims, "supervisor")) {
          overrideField.hidden = false;
          return this.dialogError("transfer", `${full} Choose someone else, or give a reason to assign anyway.`, byId("transfer-override"));
        }
        return this.dialogError("transfer", `${full} Choose someone else or their department’s queue.`, byId("transfer-agent"));
      }
      if (error.data?.error === "take_over_required") {
        // Moving a colleague's conversation takes it from them: the second press confirms (and is audited).
        this.transferTakeOver = this.getThreadId();
        const owner = this.staffName(error.data.assignee) || "another agent";
        return this.dialogError("transfer", `It is assigned to ${owner}. Press Transfer again to take it from them.`);
      }
      this.dialogError("transfer", error.message || "The transfer failed.");
    }
  }

  dialogError(name, message, field) {
    setText(byId(`${name}-error`), message);
    field?.focus();
  }

  openNote() {
    if (!this.thread) return;
    byId("note-text").value = "";
    setText(byId("note-error"), "");
    openDialog(byId("note-dialog"), byId("note-text"));
  }

  async submitNote() {
    const body = byId("note-text").value.trim();
    if (!body) return this.dialogError("note", "Write the note first.", byId("note-text"));
    try {
      await this.api.request(`/api/threads/${enc(this.getThreadId())}/notes`, { method: "POST", json: { body } });
      byId("note-dialog").close();
      announce("Note saved.");
      await this.loadNotes();
      this.view.scrollToEnd();
    } catch (error) {
      this.dialogError("note", error.message || "The note was not saved.");
    }
  }

  // --- labels: chips with an autocomplete of the labels in use -------------------------------------------------

  openLabels() {
    if (!this.thread) return;
    this.pendingLabels = [...(this.thread.labels || [])];
    byId("labels-text").value = "";
    setText(byId("labels-error"), "");
    this.renderLabelChips();
    openDialog(byId("labels-dialog"), byId("labels-text"));
  }

  renderLabelChips() {
    const chips = this.pendingLabels.map((label) => {
      const remove = el("button", { type: "button", class: "chip-remove", "aria-label": `Remove ${label}`, text: "×" });
      remove.addEventListener("click", () => {
        this.pendingLabels = this.pendingLabels.filter((l) => l !== label);
        this.renderLabelChips();
        byId("labels-text").focus();
      });
      const item = chip(label);
      item.append(remove);
      return item;
    });
    byId("labels-chips").replaceChildren(...chips);
    byId("labels-none").hidden = chips.length > 0;
  }

  addLabel() {
    const input = byId("labels-text");
    const label = input.value.trim().replace(/\s+/g, " ").toLowerCase(); // labels are kept in lower case
    if (!label) return;
    if (!/^[\p{L}\p{N}_][\p{L}\p{N}_ .:/-]{0,31}$/u.test(label)) {
      return this.dialogError("labels", "Up to 32 letters, digits, spaces and . : / - (starting with a letter or digit).", input);
    }
    if (this.pendingLabels.length >= 10) return this.dialogError("labels", "Up to 10 labels.", input);
    if (!this.pendingLabels.some((l) => l.toLowerCase() === label.toLowerCase())) this.pendingLabels.push(label);
    input.value = "";
    setText(byId("labels-error"), "");
    this.renderLabelChips();
  }

  async submitLabels() {
    if (byId("labels-text").value.trim()) this.addLabel(); // typed but not yet added: the agent meant it
    try {
      await this.act("labels", { method: "PUT", json: { labels: this.pendingLabels }, done: "Labels saved." });
      byId("labels-dialog").close();
    } catch (error) {
      this.dialogError("labels", error.status === 422 ? "A label has a character that is not allowed, or there are more than 10." : error.message);
    }
  }

  // --- snooze: presets on the agency's clock, or a chosen time -----------------------------------------------

  openSnooze() {
    if (!this.thread) return;
    const zone = this.agencyZone;
    const now = Date.now();
    setText(byId("snooze-zone"), `Times are the agency’s (${zone}).`);
    byId("snooze-presets").replaceChildren(
      ...snoozePresets(now, zone).map((preset) => {
        const button = el(
          "button",
          { type: "button", class: "button button-quiet", "data-preset": preset.id },
          el("span", { text: preset.label }),
          el("span", { class: "preset-when", text: describeInstant(preset.at, zone) }),
        );
        button.addEventListener("click", () => this.snoozeUntil(preset.at));
        return button;
      }),
    );
    byId("snooze-at").value = toLocalInput(now + 3600_000, zone);
    setText(byId("snooze-error"), "");
    openDialog(byId("snooze-dialog"), byId("snooze-presets").querySelector("button"));
  }

  async submitSnooze(clear = false) {
    if (clear) return this.snoozeUntil(null);
    const at = parseLocalInput(byId("snooze-at").value, this.agencyZone);
    if (Number.isNaN(at)) return this.dialogError("snooze", "Choose a date and time.", byId("snooze-at"));
    if (at <= Date.now()) return this.dialogError("snooze", "Choose a time in the future.", byId("snooze-at"));
    return this.snoozeUntil(at);
  }

  async snoozeUntil(at) {
    const until = at === null ? null : new Date(at).toISOString();
    const done = at === null ? "Conversation woken." : `Conversation snoozed until ${describeInstant(at, this.agencyZone)}.`;
    try {
      await this.act("snooze", { method: "PUT", json: { until }, done });
      byId("snooze-dialog").close();
    } catch (error) {
      this.dialogError("snooze", error.message || "The snooze was not saved.");
    }
  }

  // --- saved replies: "/" in an empty reply box, or the bookmark button, opens a searchable list -------------------

  openCanned() {
    if (!this.getThreadId()) return;
    byId("canned-picker").hidden = false;
    byId("canned-open").setAttribute("aria-expanded", "true");
    byId("canned-search").value = "";
    this.filterCanned();
    byId("canned-search").focus();
  }

  closeCanned(returnFocus = true) {
    byId("canned-picker").hidden = true;
    byId("canned-open").setAttribute("aria-expanded", "false");
    if (returnFocus) byId("reply-text").focus();
  }

  filterCanned() {
    const words = byId("canned-search").value.toLowerCase().split(/\s+/).filter(Boolean);
    const matches = (this.cannedReplies || []).filter((reply) => {
      const text = `${reply.title} ${reply.body}`.toLowerCase();
      return words.every((word) => text.includes(word));
    });
    const options = matches.map((reply, index) => {
      const option = el(
        "li",
        { id: `canned-option-${index}`, class: "canned-option", role: "option", "aria-selected": String(index === 0), "data-canned-id": reply.canned_id },
        el("span", { class: "canned-option-title", text: reply.title }),
        el("span", { class: "canned-option-body", text: reply.body }),
      );
      option.addEventListener("click", () => this.insertCanned(reply.canned_id));
      return option;
    });
    byId("canned-options").replaceChildren(...options);
    byId("canned-empty").hidden = options.length > 0;
    this.setActiveCanned(options.length ? 0 : -1);
  }

  setActiveCanned(index) {
    const options = [...byId("canned-options").children];
    const search = byId("canned-search");
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index < 0) return search.removeAttribute("aria-activedescendant");
    search.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  }

  onCannedKey(event) {
    const options = [...byId("canned-options").children];
    const current = options.findIndex((o) => o.getAttribute("aria-selected") === "true");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!options.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.setActiveCanned((current + step + options.length) % options.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (current >= 0) this.insertCanned(options[current].dataset.cannedId);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      this.closeCanned();
    }
  }

  /** The server fills the variables ({resident_name}, {agent_name}, ...) for this thread. */
  async insertCanned(cannedId) {
    const threadId = this.getThreadId();
    if (!cannedId || !threadId) return;
    this.closeCanned(false);
    try {
      const { body } = await this.api.request(`/api/threads/${enc(threadId)}/canned-replies/${enc(cannedId)}`);
      const box = byId("reply-text");
      const start = box.selectionStart ?? box.value.length;
      box.setRangeText(body, start, box.selectionEnd ?? start, "end");
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.focus();
    } catch (error) {
      if (error.status !== 401) announce("The saved reply could not be inserted.");
    }
  }

  async exportThread() {
    const threadId = this.getThreadId();
    if (!threadId) return;
    try {
      const blob = await this.api.request(`/api/threads/${enc(threadId)}/export?format=csv`, { as: "blob" });
      download(blob, `transcript-${threadId}.csv`);
      announce("Transcript downloaded.");
    } catch (error) {
      if (error.status !== 401) announce("The transcript could not be exported.");
    }
  }

  /** Replying to (or taking) someone else's thread: ask first (ThreadView calls this on a 409). */
  confirmTakeover(kind = "reply") {
    const dialog = byId("takeover-dialog");
    const owner = this.staffName(this.thread?.assignee) || "another agent";
    const take = kind === "take";
    setText(byId("takeover-text"), take
      ? `It is assigned to ${owner}. Take it over? It will be yours, and ${owner} will no longer hold it.`
      : `It is assigned to ${owner}. Send your reply anyway? They will still own the conversation.`);
    setText(dialog.querySelector("button[value=send]"), take ? "Take it over" : "Send anyway");
    setText(dialog.querySelector("button[value=cancel]"), take ? "Leave it" : "Don’t send");
    return new Promise((resolve) => {
      dialog.returnValue = "";
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "send"), { once: true });
      openDialog(dialog, dialog.querySelector("button[value=cancel]"));
    });
  }

  // --- keyboard ---------------------------------------------------------------------------------------------------

  shortcutsOn() {
    return localStorage.getItem(SHORTCUTS_KEY) !== "off";
  }

  moveThread(step) {
    const buttons = [...document.querySelectorAll("#thread-list button[data-thread-id]")].map((b) => /** @type {HTMLButtonElement} */ (b));
    if (!buttons.length) return;
    const current = buttons.findIndex((b) => b.dataset.threadId === this.getThreadId());
    const next = buttons[Math.min(buttons.length - 1, Math.max(0, current === -1 ? 0 : current + step))];
    next.focus();
    next.click();
  }

  onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]")) return;
    const target = event.target;
    if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (document.body.dataset.tool) return; // the audit and admin views have their own forms
    if (byId("workspace").hidden || !this.shortcutsOn()) {
      if (event.key === "?" && !byId("workspace").hidden) this.openHelp();
      return;
    }
    const open = Boolean(this.getThreadId());
    const actions = {
      j: () => this.moveThread(1),
      k: () => this.moveThread(-1),
      r: () => open && byId("reply-text").focus(),
      a: () => open && this.toggleAssign(),
      c: () => open && this.toggleClose(),
      t: () => open && this.openTransfer(),
      n: () => open && this.openNote(),
      "?": () => this.openHelp(),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  openHelp() {
    byId("shortcuts-enabled").checked = this.shortcutsOn();
    openDialog(byId("help-dialog"), byId("help-dialog").querySelector("button[type=submit]"));
  }

  // --- wiring -----------------------------------------------------------------------------------------------------

  wire() {
    byId("assign-toggle").addEventListener("click", () => this.toggleAssign());
    byId("close-toggle").addEventListener("click", () => this.toggleClose());
    byId("transfer-open").addEventListener("click", () => this.openTransfer());
    byId("transfer-department").addEventListener("change", () => this.fillTransferAgents());
    byId("transfer-agent").addEventListener("change", () => {
      byId("transfer-override-field").hidden = true; // a cap override is for the agent it was asked about
    });
    byId("note-open").addEventListener("click", () => this.openNote());
    byId("labels-open").addEventListener("click", () => this.openLabels());
    byId("snooze-open").addEventListener("click", () => this.openSnooze());
    byId("export-thread").addEventListener("click", () => this.exportThread());
    byId("canned-open").addEventListener("click", () => (byId("canned-picker").hidden ? this.openCanned() : this.closeCanned()));
    byId("canned-search").addEventListener("input", () => this.filterCanned());
    byId("canned-search").addEventListener("keydown", (event) => this.onCannedKey(event));
    byId("canned-picker").addEventListener("focusout", (event) => {
      if (!byId("canned-picker").hidden && !byId("canned-picker").contains(event.relatedTarget) && event.relatedTarget !== byId("canned-open")) {
        this.closeCanned(false);
      }
    });
    byId("reply-text").addEventListener("keydown", (event) => {
      // "/" at the start of an empty reply opens the saved replies (a "/" anywhere else is just a slash).
      if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !event.target.value.trim()) {
        event.preventDefault();
        this.openCanned();
      }
    });
    byId("shortcuts-open").addEventListener("click", () => this.openHelp());
    byId("shortcuts-enabled").addEventListener("change", (event) => {
      localStorage.setItem(SHORTCUTS_KEY, event.target.checked ? "on" : "off");
    });
    byId("reply-text").addEventListener("input", () => {
      const wasTyping = Date.now() - this.lastTyped < TYPING_WINDOW_MS;
      this.lastTyped = Date.now();
      if (!wasTyping) this.heartbeat(); // tell the others promptly that someone started typing
    });
    const submits = {
      "transfer-form": () => this.submitTransfer(),
      "note-form": () => this.submitNote(),
      "labels-form": () => this.submitLabels(),
      "snooze-form": () => this.submitSnooze(false),
    };
    for (const [id, submit] of Object.entries(submits)) {
      byId(id).addEventListener("submit", (event) => {
        event.preventDefault(); // the dialog closes only when the action succeeded
        submit();
      });
    }
    byId("snooze-clear").addEventListener("click", () => this.submitSnooze(true));
    byId("labels-add").addEventListener("click", () => this.addLabel());
    byId("labels-text").addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter adds the label; Save labels saves them all
        this.addLabel();
      }
    });
    for (const button of document.querySelectorAll("dialog .dialog-cancel")) {
      button.addEventListener("click", () => button.closest("dialog").close());
    }
    document.addEventListener("keydown", (event) => this.onKey(event));
    this.wireToolbar(byId("tool-row"));
    this.wireOverflow();
  }

  /** What does not fit on the action row moves, from the end, into the More menu; Assign and Close (data-keep)
   * always stay. Runs whenever the row's room or a button's label changes, so no action is ever out of reach. */
  wireOverflow() {
    const row = byId("tool-row");
    const menu = byId("more-menu");
    const more = byId("more-actions");
    this.fitToolbar = () => {
      for (const button of [...menu.children]) moveBefore(row, button, null);
      const shown = (b) => !b.hidden && getComputedStyle(b).display !== "none";
      // The rest go first; Assign and Close only when even they do not fit (a very narrow pane).
      const movable = () => {
        const rest = [...row.querySelectorAll("button:not([data-keep])")];
        return rest.length ? rest : [...row.querySelectorAll("button")].slice(1);
      };
      more.hidden = false; // measured with the More button in place, as it will be
      while (row.scrollWidth > row.clientWidth + 1 && movable().length) {
        moveBefore(menu, movable().at(-1), menu.firstChild);
      }
      more.hidden = ![...menu.children].some(shown);
      if (more.hidden) this.closeMenu(false);
      const rowButtons = [...row.querySelectorAll("button")].filter(shown);
      if (!rowButtons.some((b) => b.tabIndex === 0)) rowButtons.forEach((b, i) => (b.tabIndex = i === 0 ? 0 : -1));
      for (const button of menu.children) button.tabIndex = 0;
    };
    new ResizeObserver(() => this.fitToolbar()).observe(row.parentElement);
    more.addEventListener("click", () => (menu.hidden ? this.openMenu() : this.closeMenu(true)));
    menu.addEventListener("click", (event) => {
      if (event.target.closest("button")) this.closeMenu(false);
    });
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        this.closeMenu(true);
      }
    });
    document.addEventListener("pointerdown", (event) => {
      const target = /** @type {Element} */ (event.target);
      if (!menu.hidden && !target.closest(".more")) this.closeMenu(false);
    });
  }

  openMenu() {
    byId("more-menu").hidden = false;
    byId("more-actions").setAttribute("aria-expanded", "true");
    byId("more-menu").querySelector("button:not([hidden])")?.focus();
  }

  closeMenu(returnFocus) {
    byId("more-menu").hidden = true;
    byId("more-actions").setAttribute("aria-expanded", "false");
    if (returnFocus) byId("more-actions").focus();
  }

  /** The actions are one Tab stop (WAI-ARIA toolbar): arrow keys, Home and End move between them. */
  wireToolbar(toolbar) {
    const buttons = () => [...toolbar.querySelectorAll("button")].filter((b) => !b.hidden);
    const focusAt = (index) => {
      const all = buttons();
      const target = all[(index + all.length) % all.length];
      for (const b of all) b.tabIndex = b === target ? 0 : -1;
      target.focus();
    };
    for (const [i, b] of buttons().entries()) b.tabIndex = i === 0 ? 0 : -1;
    toolbar.addEventListener("keydown", (event) => {
      const all = buttons();
      const current = all.indexOf(document.activeElement);
      if (current === -1) return;
      const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: all.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      focusAt(moves[event.key]);
    });
  }
}
