// The workspace around the open thread: owner and department, who else is viewing or typing, assign, transfer with
// a note, internal notes, labels, snooze, close/reopen, canned replies, export, and the keyboard shortcuts.
// Data from the API goes into the page through textContent only (dom.js), never as HTML.

import { announce, byId, clockTime, el, setText } from "./dom.js";

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
    this.heartbeatTimer = null;
    this.running = false;
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
    byId("nav-admin").hidden = !hasRole(claims, "admin");
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
      const [staff, departments, canned] = await Promise.all([
        this.api.request("/api/staff"),
        this.api.request("/api/departments"),
        this.api.request("/api/canned-replies"),
      ]);
      this.staff = new Map(staff.staff.map((s) => [s.sub, s]));
      this.departments = new Map(departments.departments.map((d) => [d.department_id, d]));
      this.fillCanned(canned.canned_replies);
      this.render();
    } catch (error) {
      if (error.status !== 401) announce("Colleagues and departments could not be loaded.");
    }
  }

  fillCanned(replies) {
    const select = byId("canned-select");
    const options = [el("option", { value: "", text: "Choose…" })];
    for (const reply of replies) options.push(el("option", { value: reply.canned_id, text: reply.title }));
    select.replaceChildren(...options);
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
    byId("note-list").replaceChildren();
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
    setText(byId("assign-toggle"), t.assignee === this.me ? "Unassign" : "Assign to me");
    setText(byId("close-toggle"), t.status === "closed" ? "Reopen" : "Close");
    this.renderPresence();
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

  async loadNotes() {
    const threadId = this.getThreadId();
    if (!threadId) return;
    try {
      const { notes } = await this.api.request(`/api/threads/${enc(threadId)}/notes`);
      if (threadId !== this.getThreadId()) return;
      const items = notes.map((note) =>
        el(
          "li",
          { class: `note note-${note.kind === "transfer" ? "transfer" : "plain"}` },
          el("p", { class: "note-meta", text: `${{ transfer: "Transfer note", call: "Call" }[note.kind] || "Note"} by ${this.staffName(note.author_sub) || note.author_email} · ${clockTime(note.created_at)}` }),
          el("p", { class: "note-body", text: note.body }),
        ),
      );
      byId("note-list").replaceChildren(...items);
      setText(byId("notes-summary"), `Internal notes (staff only): ${notes.length}`);
    } catch {
      setText(byId("notes-summary"), "Internal notes (staff only): could not be loaded");
    }
  }

  /** Run an action on the open thread; the answer is the thread's new workspace state. */
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
    const agents = byId("transfer-agent");
    agents.replaceChildren(
      el("option", { value: "", text: "Nobody: the department’s queue" }),
      ...[...this.staff.values()]
        .filter((s) => s.sub !== this.me)
        .map((s) => el("option", { value: s.sub, text: s.name ? `${s.name} (${s.email})` : s.email })),
    );
    byId("transfer-note").value = "";
    byId("transfer-override").value = "";
    byId("transfer-override-field").hidden = true;
    setText(byId("transfer-error"), "");
    this.transferTakeOver = null;
    openDialog(byId("transfer-dialog"), departments);
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
      byId("notes-panel").open = true;
      announce("Note saved.");
      this.loadNotes();
    } catch (error) {
      this.dialogError("note", error.message || "The note was not saved.");
    }
  }

  openLabels() {
    if (!this.thread) return;
    byId("labels-text").value = (this.thread.labels || []).join(", ");
    setText(byId("labels-error"), "");
    openDialog(byId("labels-dialog"), byId("labels-text"));
  }

  async submitLabels() {
    const labels = byId("labels-text").value.split(",").map((l) => l.trim()).filter(Boolean);
    try {
      await this.act("labels", { method: "PUT", json: { labels }, done: "Labels saved." });
      byId("labels-dialog").close();
    } catch (error) {
      this.dialogError("labels", error.status === 422 ? "A label has a character that is not allowed, or there are more than 10." : error.message);
    }
  }

  openSnooze() {
    if (!this.thread) return;
    const inOneHour = new Date(Date.now() + 3600_000 - new Date().getTimezoneOffset() * 60_000);
    byId("snooze-at").value = inOneHour.toISOString().slice(0, 16);
    setText(byId("snooze-error"), "");
    openDialog(byId("snooze-dialog"), byId("snooze-at"));
  }

  async submitSnooze(clear = false) {
    let until = null;
    if (!clear) {
      const local = new Date(byId("snooze-at").value);
      if (Number.isNaN(local.getTime())) return this.dialogError("snooze", "Choose a date and time.", byId("snooze-at"));
      until = local.toISOString();
    }
    try {
      await this.act("snooze", { method: "PUT", json: { until }, done: clear ? "Conversation woken." : "Conversation snoozed." });
      byId("snooze-dialog").close();
    } catch (error) {
      this.dialogError("snooze", error.message || "The snooze was not saved.");
    }
  }

  async insertCanned() {
    const cannedId = byId("canned-select").value;
    const threadId = this.getThreadId();
    if (!cannedId || !threadId) return;
    try {
      const { body } = await this.api.request(`/api/threads/${enc(threadId)}/canned-replies/${enc(cannedId)}`);
      const box = byId("reply-text");
      const start = box.selectionStart ?? box.value.length;
      box.setRangeText(body, start, box.selectionEnd ?? start, "end");
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.focus();
    } catch (error) {
      if (error.status !== 401) announce("The canned reply could not be inserted.");
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
    const buttons = [...document.querySelectorAll("#thread-list button[data-thread-id]")];
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
    byId("transfer-agent").addEventListener("change", () => {
      byId("transfer-override-field").hidden = true; // a cap override is for the agent it was asked about
    });
    byId("note-open").addEventListener("click", () => this.openNote());
    byId("labels-open").addEventListener("click", () => this.openLabels());
    byId("snooze-open").addEventListener("click", () => this.openSnooze());
    byId("export-thread").addEventListener("click", () => this.exportThread());
    byId("canned-insert").addEventListener("click", () => this.insertCanned());
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
    for (const button of document.querySelectorAll("dialog .dialog-cancel")) {
      button.addEventListener("click", () => button.closest("dialog").close());
    }
    document.addEventListener("keydown", (event) => this.onKey(event));
    this.wireToolbar(byId("tool-row"));
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
