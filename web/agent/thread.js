// @ts-check
// The open thread: one timeline, oldest to newest, of resident messages, staff replies, automatic replies, internal
// notes, transfers, assignment changes and calls (a call is one entry that updates as it rings, connects and ends);
// delivery status of replies; MMS photos through blob: URLs (the API wants the Bearer token, which an <img src>
// cannot send); and the reply composer.

import { clockTime, el, fillAvatar, icon, moveBefore, prefersReducedMotion, setAddress, setText } from "./dom.js";
import { channelLabel } from "./inbox.js";
import { MAX_REPLY_LENGTH, segmentHint } from "./segments.js";

// Only raster formats an <img> decodes without running anything; the Blob is re-typed so nothing is sniffed.
const SHOWN_IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp"]);

const STATUS_LABELS = {
  accepted: "Accepted",
  queued: "Queued",
  sending: "Sending",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
  failed: "Failed",
  undelivered: "Not delivered",
};

// Refused because the resident opted out: by our sender ("opted_out") or by Twilio (21610, e.g. after STOP).
const OPTED_OUT_CODES = new Set(["opted_out", "21610"]);

export function statusText(message) {
  if (OPTED_OUT_CODES.has(String(message.error_code))) return `Not sent: the resident opted out (${message.error_code})`;
  const label = STATUS_LABELS[message.status] || message.status || "Unknown";
  return message.error_code ? `${label} (error ${message.error_code})` : label;
}

function statusClass(status) {
  if (status === "failed" || status === "undelivered") return "status status-failed";
  if (status === "delivered" || status === "read") return "status status-delivered";
  return "status status-pending";
}

function compareEntries(a, b) {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.key < b.key ? -1 : 1;
}

/** Replies the system sent by itself (keyword answers, workflow texts): never shown as a person's. */
export function isAutomatic(message) {
  if (message.direction !== "out") return false;
  if (typeof message.automatic === "boolean") return message.automatic;
  return message.author === "switchboard" || String(message.author || "").startsWith("workflow:");
}

const CALL_START = /^Call: started/;
const second = (at) => String(at).slice(0, 19); // Twilio reports progress to the second

/** Where a call step sits in a call's life, for steps reported within the same second. */
function callRank(body) {
  if (CALL_START.test(body)) return 0;
  const resident = /^Call: the resident/.test(body) ? 2 : 0; // the second leg, after the staff phone
  // The resident's leg ends inside the staff leg (the parent call), which ends last.
  if (/ended|not answer|busy|could not|cancel|failed/.test(body)) return resident ? 9 : 10;
  if (/answered/.test(body)) return 3 + resident;
  return 1 + resident; // ringing, dialling
}

function compareSteps(a, b) {
  if (second(a.created_at) !== second(b.created_at)) return second(a.created_at) < second(b.created_at) ? -1 : 1;
  return callRank(a.body) - callRank(b.body);
}

/** Staff-only notes as timeline entries: a click-to-call's progress notes fold into one call entry (each step
 * belongs to the latest call its author started at or before that second). */
export function noteEntries(notes) {
  const entries = [];
  const calls = [];
  const steps = notes.filter((n) => n.kind === "call").sort(compareSteps);
  for (const note of steps) {
    let call = CALL_START.test(note.body) ? null : calls.findLast((c) => c.author_sub === note.author_sub);
    if (!call) {
      call = { kind: "call", key: `c:${note.note_id}`, at: note.created_at, author_sub: note.author_sub, author_email: note.author_email, steps: [] };
      calls.push(call);
      entries.push(call);
    }
    call.steps.push(note);
  }
  for (const note of notes) {
    // A resident's call (ivr_call) is rewritten as it goes: its key names how far, so the row is drawn anew.
    const key = note.kind === "ivr_call" ? `n:${note.note_id}:${(note.path || []).length}` : `n:${note.note_id}`;
    if (note.kind !== "call") entries.push({ kind: note.kind || "note", key, at: note.created_at, note });
  }
  return entries;
}

/** "Call: staff answered; dialling the resident." -> "Staff answered; dialling the resident" */
function callWords(body) {
  const words = String(body).replace(/^Call:\s*/, "").replace(/\.$/, "");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export class ThreadView {
  constructor({ api, elements, onSent, me, onPage, confirmTakeover }) {
    this.api = api;
    this.onPage = onPage; // (page) => void: the workspace reads owner, viewers, labels from every page
    this.confirmTakeover = confirmTakeover; // () => Promise<boolean>: reply to someone else's thread?
    this.e = elements;
    this.onSent = onSent;
    this.me = me; // () => the signed-in agent's sub
    this.threadId = null;
    this.thread = null;
    this.messages = new Map();
    this.notes = []; // staff-only notes (workspace.js loads them): interleaved with the messages
    this.staffName = (sub) => sub; // set by the workspace: a colleague's name for a sub
    this.rows = new Map();
    this.nextCursor = null;
    this.objectUrls = [];
    this.generation = 0;
    this.sending = false;
    this.abort = null;
    this.drafts = new Map(); // unsent text per thread, so switching threads loses nothing
    this.afterRender = null; // () => void: translation.js decorates the rows
    this.interceptSend = null; // (body) => boolean: translation.js previews a reply in the resident's language

    this.e.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    this.e.reply.maxLength = MAX_REPLY_LENGTH;
    this.e.reply.addEventListener("input", () => this.updateComposer());
    this.e.reply.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.e.form.requestSubmit();
      }
    });
    this.e.loadEarlier.addEventListener("click", () => this.loadEarlier());
  }

  get isOpen() {
    return this.threadId !== null;
  }

  /** Open a thread; `summary` (from the list) fills the header before the messages arrive. */
  async open(threadId, summary) {
    this.close();
    this.threadId = threadId;
    this.generation += 1;
    this.abort = new AbortController();
    this.e.empty.hidden = true;
    this.e.content.hidden = false;
    if (summary) this.setHeader(summary);
    else setText(this.e.heading, "Conversation");
    this.e.reply.value = this.drafts.get(threadId) || "";
    this.updateComposer();
    await this.refresh({ initial: true });
  }

  close() {
    if (this.threadId && this.e.reply.value) this.drafts.set(this.threadId, this.e.reply.value);
    else if (this.threadId) this.drafts.delete(this.threadId);
    if (this.abort) this.abort.abort();
    this.abort = null;
    for (const url of this.objectUrls) URL.revokeObjectURL(url);
    this.objectUrls = [];
    this.threadId = null;
    this.thread = null;
    this.messages.clear();
    this.notes = [];
    this.notesShown = false;
    this.rows.clear();
    this.nextCursor = null;
    this.e.list.replaceChildren();
    this.e.loadEarlier.hidden = true;
    this.e.reply.value = "";
    setText(this.e.replyError, "");
    this.e.content.hidden = true;
    this.e.empty.hidden = false;
  }

  setHeader(thread) {
    this.thread = thread;
    const channel = thread.channel || thread.resident?.channel;
    const address = thread.resident?.address || "Unknown sender";
    if (thread.resident_name) setText(this.e.heading, thread.resident_name);
    else setAddress(this.e.heading, address);
    fillAvatar(this.e.avatar, thread.resident_name, address);
    setText(this.e.channel, channelLabel(channel));
    this.e.channel.className = `badge badge-${channel === "whatsapp" || channel === "webchat" ? channel : "sms"}`;
    // A free-text "please stop texting me" (STOP itself is handled by the system): staff decide.
    if (this.e.consentFlag) this.e.consentFlag.hidden = !thread.consent_flag;
    this.updateComposer();
  }

  /** Fetch the newest page and merge it. Returns the inbound messages that are new since the last refresh. */
  async refresh({ initial = false } = {}) {
    if (!this.threadId) return [];
    const generation = this.generation;
    const page = await this.api.getThread(this.threadId);
    if (generation !== this.generation) return [];
    if (page.thread) this.setHeader(page.thread);
    this.onPage?.(page);
    if (initial) this.setCursor(page.next_cursor);
    const stick = initial || this.nearBottom();
    const fresh = this.merge(page.messages || [], { announce: !initial });
    if (stick) this.scrollToEnd(initial);
    return fresh;
  }

  async loadEarlier() {
    if (!this.threadId || !this.nextCursor) return;
    const generation = this.generation;
    const scroller = this.e.scroller;
    const before = scroller.scrollHeight - scroller.scrollTop;
    this.e.loadEarlier.disabled = true;
    try {
      const page = await this.api.getThread(this.threadId, this.nextCursor);
      if (generation !== this.generation) return;
      this.setCursor(page.next_cursor);
      this.merge(page.messages || [], { announce: false });
      scroller.scrollTop = scroller.scrollHeight - before;
    } finally {
      this.e.loadEarlier.disabled = false;
    }
  }

  setCursor(cursor) {
    this.nextCursor = cursor || null;
    this.e.loadEarlier.hidden = !this.nextCursor;
  }

  merge(messages, { announce }) {
    const fresh = [];
    for (const message of messages) {
      if (message.thread_id && message.thread_id !== this.threadId) continue;
      const known = this.messages.has(message.message_id);
      if (!known && announce && message.direction === "in") fresh.push(message);
      this.messages.set(message.message_id, message);
    }
    this.renderTimeline();
    return fresh;
  }

  /** The thread's notes (all of them, as GET .../notes returns them): shown in the timeline in time order. */
  setNotes(notes) {
    const first = !this.notesShown; // the thread just opened: show its end, notes included
    const stick = first || this.nearBottom();
    this.notesShown = true;
    this.notes = notes;
    this.renderTimeline();
    if (stick) this.scrollToEnd(first);
  }

  renderTimeline() {
    const entries = [
      ...[...this.messages.values()].map((message) => ({ kind: "message", key: `m:${message.message_id}`, at: message.created_at, message })),
      ...noteEntries(this.notes),
    ];
    // Notes older than the earliest message loaded wait until "Load earlier" reaches their time.
    const oldest = this.nextCursor ? [...this.messages.values()].reduce((min, m) => (m.created_at < min ? m.created_at : min), "\uffff") : "";
    const shown = entries.filter((entry) => entry.kind === "message" || entry.at >= oldest).sort(compareEntries);
    const keep = new Set(shown.map((entry) => entry.key));
    for (const [key, row] of this.rows) {
      if (!keep.has(key)) {
        row.li.remove();
        this.rows.delete(key);
      }
    }
    let cursor = this.e.list.firstChild;
    for (const entry of shown) {
      const row = this.row(entry);
      if (row.li !== cursor) moveBefore(this.e.list, row.li, cursor);
      cursor = row.li.nextSibling;
    }
    this.afterRender?.();
  }

  row(entry) {
    let row = this.rows.get(entry.key);
    if (!row) {
      row = this.createEntry(entry);
      this.rows.set(entry.key, row);
    }
    if (entry.kind === "call") this.fillCall(row, entry);
    if (row.status) {
      setText(row.status, statusText(entry.message));
      row.status.className = statusClass(entry.message.status);
    }
    return row;
  }

  createEntry(entry) {
    if (entry.kind === "message") return this.createRow(entry.message);
    if (entry.kind === "call") return this.createCall(entry);
    const note = entry.note;
    const who = this.staffName(note.author_sub) || note.author_email || "A colleague";
    const time = el("time", { datetime: note.created_at, text: clockTime(note.created_at) });
    if (note.kind === "assignment") {
      // An assignment change is an event line, not a note: "Dana assigned this to Sam · 10:02"
      const target = note.assignee ? this.staffName(note.assignee) || "a colleague" : "";
      const text = note.assignee ? (note.assignee === note.author_sub ? `${who} took this conversation` : `${who} assigned this to ${target}`) : `${who} unassigned this conversation`;
      const sentence = text.charAt(0).toUpperCase() + text.slice(1);
      return { li: el("li", { class: "event event-assignment", "data-entry": entry.key }, el("span", { class: "event-text" }, icon("assign"), " ", sentence, " · ", time)), status: null };
    }
    if (note.kind === "ivr_call") return this.createResidentCall(entry.key, note, time);
    const transfer = note.kind === "transfer";
    const li = el(
      "li",
      { class: `note ${transfer ? "note-transfer" : "note-plain"}`, "data-entry": entry.key },
      el("p", { class: "note-meta" }, icon(transfer ? "transfer" : "note"), `${transfer ? "Transfer note" : "Internal note"} by ${who} · `, time),
      el("p", { class: "note-body", text: note.body }),
    );
    return { li, status: null };
  }

  createCall(entry) {
    const title = el("p", { class: "call-title" });
    const state = el("p", { class: "call-state", role: "status" });
    const steps = el("ol");
    const li = el(
      "li",
      { class: "call", "data-entry": entry.key },
      icon("phone"),
      title,
      state,
      el("details", { class: "call-steps" }, el("summary", { text: "Every step" }), steps),
    );
    return { li, status: null, title, state, steps, count: 0 };
  }

  /** A resident's call to the agency number: one entry per call, the path it took (the server's words). */
  createResidentCall(key, note, time) {
    const steps = el("ol");
    for (const step of String(note.body).replace(/^Phone call:\s*/, "").replace(/\.$/, "").split("; ")) {
      steps.append(el("li", { text: step.charAt(0).toUpperCase() + step.slice(1) }));
    }
    const li = el(
      "li",
      { class: "call call-resident", "data-entry": key },
      icon("phone"),
      el("p", { class: "call-title" }, "The resident called the agency number · ", time),
      el("p", { class: "call-state", text: callWords(note.body.split("; ").at(-1) || "") }),
      el("details", { class: "call-steps" }, el("summary", { text: "The path taken" }), steps),
    );
    return { li, status: null };
  }

  fillCall(row, entry) {
    if (row.count === entry.steps.length) return;
    row.count = entry.steps.length;
    const who = this.staffName(entry.author_sub) || entry.author_email || "A colleague";
    row.title.replaceChildren(`Call by ${who} · `, el("time", { datetime: entry.at, text: clockTime(entry.at) }));
    setText(row.state, callWords(entry.steps.at(-1).body));
    row.steps.replaceChildren(
      ...entry.steps.map((step) => el("li", {}, el("time", { datetime: step.created_at, text: clockTime(step.created_at) }), ` ${callWords(step.body)}`)),
    );
  }

  createRow(message) {
    const inbound = message.direction === "in";
    const automatic = isAutomatic(message);
    let who = "Resident";
    if (!inbound) who = message.author && message.author === this.me() ? "You" : this.staffName(message.author) || "Agent";
    if (automatic) who = "Automatic reply"; // STOP, HELP, JOIN answers, callback workflow texts
    const li = el(
      "li",
      { class: `message ${inbound ? "message-in" : "message-out"}${automatic ? " message-auto" : ""}`, "data-message-id": message.message_id, "data-entry": `m:${message.message_id}` },
      el(
        "p",
        { class: "message-meta" },
        el("span", { class: "message-author", text: who }),
        el("time", { datetime: message.created_at, text: clockTime(message.created_at) }),
      ),
    );
    if (message.body) li.append(el("p", { class: "message-body", text: message.body }));
    if (message.full_length) {
      // The webhook kept a text too long for the table whole in the media bucket; this is its start.
      const shown = message.body.length.toLocaleString();
      const whole = message.full_length.toLocaleString();
      li.append(el("p", { class: "message-attachment", text: `Long message: the first ${shown} of ${whole} characters are shown.` }));
    }
    for (const media of message.media || []) li.append(this.mediaNode(media, inbound));
    let status = null;
    if (!inbound) {
      status = el("p", { class: "status" });
      li.append(status);
    }
    return { li, status };
  }

  mediaNode(media, inbound) {
    const type = String(media.content_type || "").toLowerCase();
    if (!SHOWN_IMAGE_TYPES.has(type)) {
      return el("p", { class: "message-attachment", text: `Attachment (${type || "unknown type"}) not shown here.` });
    }
    const holder = el("div", { class: "message-media" }, el("p", { class: "media-note", text: "Loading photo…" }));
    const generation = this.generation;
    const threadId = this.threadId;
    this.api
      .media(threadId, media.media_id, this.abort?.signal)
      .then((blob) => {
        if (generation !== this.generation) return;
        const url = URL.createObjectURL(new Blob([blob], { type }));
        this.objectUrls.push(url);
        const img = el("img", { alt: inbound ? "Photo from resident" : "Photo sent to resident", loading: "lazy" });
        img.addEventListener("load", () => {
          if (this.nearBottom(img.height + 120)) this.scrollToEnd();
        });
        img.src = url;
        holder.replaceChildren(img);
      })
      .catch((error) => {
        if (error.name === "AbortError" || generation !== this.generation) return;
        holder.replaceChildren(el("p", { class: "media-note", text: "The photo could not be loaded." }));
      });
    return holder;
  }

  nearBottom(slack = 80) {
    const s = this.e.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < slack;
  }

  scrollToEnd(instant = false) {
    const s = this.e.scroller;
    s.scrollTo({ top: s.scrollHeight, behavior: instant || prefersReducedMotion() ? "auto" : "smooth" });
  }

  updateComposer() {
    const text = this.e.reply.value;
    setText(this.e.count, `${text.length} of ${MAX_REPLY_LENGTH} characters`);
    const channel = this.thread?.channel || this.thread?.resident?.channel;
    setText(this.e.hint, segmentHint(text, channel));
  }

  /** A reply the API accepted (here or through the translation preview): clear the composer, show it. */
  acceptSent(threadId, message) {
    if (threadId !== this.threadId) return;
    this.e.reply.value = "";
    this.drafts.delete(threadId);
    this.updateComposer();
    if (message) this.merge([message], { announce: false });
    this.scrollToEnd();
    this.onSent(threadId);
  }

  /** `direct`: send the text as written, past the translation preview. */
  async send({ direct = false } = {}) {
    if (this.sending || !this.threadId) return;
    const body = this.e.reply.value;
    if (!body.trim()) {
      setText(this.e.replyError, "Write a reply before sending.");
      this.e.reply.focus();
      return;
    }
    if (!direct && this.interceptSend?.(body)) return;
    const threadId = this.threadId;
    const generation = this.generation;
    this.sending = true;
    this.e.send.setAttribute("aria-disabled", "true");
    setText(this.e.sendText, "Sending…");
    setText(this.e.replyError, "");
    try {
      let result;
      try {
        result = await this.api.sendReply(threadId, body);
      } catch (error) {
        // 409 opted_out: the resident texted STOP. Say why and how they can resume; never offer to send anyway.
        if (error.data?.error === "opted_out") throw error;
        // 409: the thread is someone else's. Send only if the agent confirms.
        if (error.status !== 409 || !this.confirmTakeover || generation !== this.generation) throw error;
        if (!(await this.confirmTakeover())) {
          setText(this.e.replyError, "Not sent. Your text is kept.");
          return;
        }
        result = await this.api.sendReply(threadId, body, { confirmTakeover: true });
      }
      if (generation !== this.generation) return;
      this.acceptSent(threadId, result.message);
    } catch (error) {
      if (generation !== this.generation) return;
      if (error.data?.error === "opted_out") {
        setText(this.e.replyError, `Not sent: ${error.data.message} Your text is kept.`);
        return;
      }
      const reason = error.status === 0 ? "the connection was lost" : error.message || `error ${error.status}`;
      setText(this.e.replyError, `Your reply was not sent: ${reason}. Your text is kept; try again.`);
    } finally {
      this.sending = false;
      this.e.send.removeAttribute("aria-disabled");
      setText(this.e.sendText, "Send");
    }
  }
}
