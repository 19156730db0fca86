// @ts-check
// The thread list: newest activity first, one <button> per thread, keyed by thread_id. A refresh only touches the rows
// whose data changed and only moves rows whose place changed, so keyboard focus and screen-reader position survive it.
// One button is in the Tab order (roving tabindex); arrow keys move between threads, so Tab reaches the open thread
// without walking through every conversation.

import { chip, el, fillAvatar, moveBefore, setAddress, setText, timeAgo } from "./dom.js";
import { reasonsText, setUrgencyBadge, urgencyOrder } from "./triage.js";

export function channelLabel(channel) {
  if (channel === "webchat") return "Web chat";
  return channel === "whatsapp" ? "WhatsApp" : "SMS";
}

function compareActivity(a, b) {
  if (a.last_activity_at !== b.last_activity_at) return a.last_activity_at < b.last_activity_at ? 1 : -1;
  return a.thread_id < b.thread_id ? -1 : 1;
}

/** Oldest waiting first; threads nobody waits on last, newest activity first among them. */
function compareWaiting(a, b) {
  const wa = a.waiting_since || "";
  const wb = b.waiting_since || "";
  if (wa && wb && wa !== wb) return wa < wb ? -1 : 1;
  if (Boolean(wa) !== Boolean(wb)) return wa ? -1 : 1;
  return compareActivity(a, b);
}

/** Most urgent first: critical, then high, then normal, each oldest waiting first (as the server orders them). */
function compareUrgent(a, b) {
  const ua = urgencyOrder(a);
  const ub = urgencyOrder(b);
  if (ua !== ub) return ua - ub;
  return compareWaiting(a, b);
}

const COMPARE = { newest: compareActivity, oldest_waiting: compareWaiting, urgent: compareUrgent };

function waitingLabel(thread) {
  if (thread.status === "automatic") return "Handled automatically";
  return thread.waiting_since ? `waiting ${timeAgo(thread.waiting_since).replace(/ ago$/, "")}` : "";
}

/** What a row shows; a row is rewritten only when this changes. */
function signature(thread) {
  return [
    thread.resident?.address,
    thread.channel,
    thread.last_activity_at,
    thread.last_message_preview,
    thread.last_direction,
    thread.alert_reply_title,
    thread.unread,
    thread.waiting_since,
    thread.status,
    thread.assignee,
    thread.triage_level,
    JSON.stringify(thread.triage_reasons || []),
    thread.resident_name,
    (thread.labels || []).join(","),
  ].join("\u0000");
}

export class ThreadList {
  constructor({ list, empty, loadMore, onOpen, emptyReason }) {
    this.listEl = list;
    this.emptyReason = emptyReason; // () => { text, reset }: why the list is empty, in words
    this.emptyEl = empty;
    this.loadMoreButton = loadMore;
    this.onOpen = onOpen;
    this.threads = new Map();
    this.rows = new Map();
    this.selectedId = null;
    this.tabStopId = null;
    this.nextCursor = null;
    this.loadedPages = 0;
    this.loaded = false;
    this.sortMode = "newest";
    /** @type {Set<string>} */
    this.knownLabels = new Set();
    /** Bulk selection (bulk.js): the checked threads, the last one checked (Shift extends from it), who listens. */
    /** @type {Set<string>} */
    this.checked = new Set();
    /** @type {string | null} */
    this.lastChecked = null;
    /** @type {(checked: Set<string>, byUser: boolean) => void} */
    this.onCheck = () => {};
    this.listEl.addEventListener("change", (event) => {
      const box = /** @type {HTMLInputElement} */ (event.target);
      if (box.matches?.("input.thread-check")) this.check(box.dataset.threadId || "", box.checked, this.shiftHeld);
    });
    this.shiftHeld = false;
    this.listEl.addEventListener("pointerdown", (event) => {
      this.shiftHeld = event.shiftKey;
    });
    this.listEl.addEventListener("focusin", (event) => {
      const button = event.target.closest("button[data-thread-id]");
      if (button) this.setTabStop(button.dataset.threadId);
    });
    this.listEl.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-thread-id]");
      if (button) this.onOpen(button.dataset.threadId);
    });
    this.listEl.addEventListener("keydown", (event) => this.onKeydown(event));
  }

  reset() {
    if (this.checked.size) {
      this.checked.clear();
      this.onCheck(this.checked, false);
    }
    this.threads.clear();
    this.rows.clear();
    this.listEl.replaceChildren();
    this.selectedId = null;
    this.tabStopId = null;
    this.nextCursor = null;
    this.loadedPages = 0;
    this.loaded = false;
    this.renderChrome();
  }

  get(threadId) {
    return this.threads.get(threadId);
  }

  /** Merge one page from GET /api/threads. Returns the threads with a new inbound message since the last merge. */
  merge(page, { isFirstPage }) {
    const fresh = [];
    // With one page shown, the first page is the whole truth: a thread that left the view (assigned elsewhere,
    // transferred, closed) leaves the list too.
    if (isFirstPage && this.loadedPages <= 1) {
      const present = new Set((page.threads || []).map((t) => t.thread_id));
      for (const id of [...this.threads.keys()]) {
        if (!present.has(id)) {
          this.threads.delete(id);
          this.rows.get(id)?.li.remove();
          this.rows.delete(id);
          if (this.checked.delete(id)) this.onCheck(this.checked, false);
        }
      }
    }
    for (const thread of page.threads || []) {
      const before = this.threads.get(thread.thread_id);
      const newInbound =
        thread.last_direction === "in" && (!before || before.last_activity_at !== thread.last_activity_at);
      // Only the newest page can bring news; an older page from "Load more" is history, not a new message.
      if (this.loaded && isFirstPage && newInbound) fresh.push(thread);
      this.threads.set(thread.thread_id, thread);
    }
    // The cursor belongs to the deepest page loaded; refreshing page one must not rewind "Load more".
    if (!isFirstPage || this.loadedPages <= 1) this.nextCursor = page.next_cursor || null;
    if (!isFirstPage) this.loadedPages += 1;
    else if (this.loadedPages === 0) this.loadedPages = 1;
    this.loaded = true;
    this.render();
    return fresh;
  }

  render() {
    const ordered = [...this.threads.values()].sort(COMPARE[this.sortMode] || compareActivity);
    let cursor = this.listEl.firstChild;
    for (const thread of ordered) {
      const row = this.row(thread);
      if (row.li !== cursor) moveBefore(this.listEl, row.li, cursor);
      cursor = row.li.nextSibling;
    }
    this.setTabStop(this.tabStopId);
    this.renderChrome();
    this.rememberLabels();
  }

  /** Every label seen on the list feeds the label pickers' autocomplete (the #known-labels datalist). */
  rememberLabels() {
    const before = this.knownLabels.size;
    for (const thread of this.threads.values()) for (const label of thread.labels || []) this.knownLabels.add(label);
    if (this.knownLabels.size === before) return;
    const list = document.getElementById("known-labels");
    list?.replaceChildren(...[...this.knownLabels].sort().map((label) => el("option", { value: label })));
  }

  /** Make one thread's button the list's Tab stop: the one asked for, else the open one, else the first. */
  setTabStop(threadId) {
    let id = threadId;
    if (!this.rows.has(id)) id = this.rows.has(this.selectedId) ? this.selectedId : null;
    if (id === null) id = this.listEl.querySelector("button[data-thread-id]")?.dataset.threadId ?? null;
    this.tabStopId = id;
    for (const [rowId, row] of this.rows) {
      const tabIndex = rowId === id ? "0" : "-1";
      if (row.button.getAttribute("tabindex") !== tabIndex) row.button.setAttribute("tabindex", tabIndex);
    }
  }

  renderChrome() {
    this.emptyEl.hidden = !this.loaded || this.threads.size > 0;
    if (!this.emptyEl.hidden && this.emptyReason) {
      const { text, reset } = this.emptyReason();
      setText(this.emptyEl.querySelector("p"), text);
      this.emptyEl.querySelector("button").hidden = !reset;
    }
    this.loadMoreButton.hidden = !this.nextCursor;
  }

  row(thread) {
    let row = this.rows.get(thread.thread_id);
    if (!row) {
      row = this.createRow(thread.thread_id);
      this.rows.set(thread.thread_id, row);
    }
    const sig = signature(thread);
    if (row.sig !== sig) {
      row.sig = sig;
      this.fill(row, thread);
    }
    row.button.setAttribute("aria-current", String(thread.thread_id === this.selectedId));
    return row;
  }

  createRow(threadId) {
    const address = el("span", { class: "thread-address" });
    const badge = el("span", { class: "badge" });
    const time = el("time", { class: "thread-time" });
    const preview = el("span", { class: "thread-preview" });
    const waiting = el("span", { class: "thread-waiting" });
    const alert = el("span", { class: "thread-alert" });
    const urgency = el("span", { class: "badge", hidden: true });
    const reasons = el("span", { class: "thread-reasons" });
    const unreadCount = el("span");
    const unread = el("span", { class: "unread" }, unreadCount, el("span", { class: "visually-hidden", text: " unread" }));
    const avatar = el("span", { class: "avatar", "aria-hidden": "true" });
    const chips = el("span", { class: "thread-line chips thread-chips" });
    const button = el(
      "button",
      { type: "button", class: "thread-button", "data-thread-id": threadId },
      avatar,
      el("span", { class: "thread-line" }, urgency, address, time),
      el("span", { class: "thread-line" }, badge, preview, unread),
      el("span", { class: "thread-line" }, waiting, alert),
      el("span", { class: "thread-line" }, reasons),
      chips,
    );
    const check = el("input", { type: "checkbox", class: "thread-check", tabindex: "-1", "data-thread-id": threadId });
    const li = el("li", { class: "thread-item" }, check, button);
    return {
      li, button, check, avatar, address, badge, time, preview, waiting, alert, unread, unreadCount, urgency, reasons, chips, sig: null,
    };
  }

  fill(row, thread) {
    const channel = thread.channel || thread.resident?.channel;
    const address = thread.resident?.address || "Unknown sender";
    // A name staff gave (or a web chat resident typed) reads better than a number; the number stays searchable.
    if (thread.resident_name) setText(row.address, thread.resident_name);
    else setAddress(row.address, address);
    fillAvatar(row.avatar, thread.resident_name, address);
    setText(row.badge, channelLabel(channel));
    row.badge.className = `badge badge-${channel === "whatsapp" || channel === "webchat" ? channel : "sms"}`;
    row.time.setAttribute("datetime", thread.last_activity_at || "");
    setText(row.time, timeAgo(thread.last_activity_at));
    // An answer may be an agent's or an automatic one: the row does not know which, so it never says "You".
    const prefix = thread.last_direction === "out" ? "Sent: " : "";
    setText(row.preview, prefix + (thread.last_message_preview || ""));
    setText(row.waiting, waitingLabel(thread));
    row.waiting.hidden = !row.waiting.textContent;
    setText(row.alert, thread.alert_reply_title ? `Reply to alert: ${thread.alert_reply_title}` : "");
    row.alert.hidden = !thread.alert_reply_title;
    setUrgencyBadge(row.urgency, thread.triage_level);
    setText(row.reasons, reasonsText(thread.triage_reasons));
    row.reasons.hidden = !row.reasons.textContent;
    const unread = Number(thread.unread) || 0;
    row.unread.hidden = unread === 0;
    setText(row.unreadCount, String(unread));
    row.chips.replaceChildren(...(thread.labels || []).map((label) => chip(label, "span")));
    row.check.setAttribute("aria-label", `Select ${thread.resident_name || address}`);
    row.check.checked = this.checked.has(thread.thread_id);
  }

  /** Check or uncheck a thread; `range`: also every thread between it and the last one checked (Shift). */
  check(threadId, on, range = false) {
    const ids = [...this.listEl.querySelectorAll("input.thread-check")].map((box) => /** @type {HTMLElement} */ (box).dataset.threadId || "");
    const from = ids.indexOf(this.lastChecked || "");
    const to = ids.indexOf(threadId);
    const chosen = range && from !== -1 && to !== -1 ? ids.slice(Math.min(from, to), Math.max(from, to) + 1) : [threadId];
    for (const id of chosen) {
      if (on) this.checked.add(id);
      else this.checked.delete(id);
      const box = /** @type {HTMLInputElement | undefined} */ (this.rows.get(id)?.check);
      if (box) box.checked = on;
    }
    this.lastChecked = threadId;
    this.onCheck(this.checked, true);
  }

  /** Uncheck everything (after a bulk action, or Clear). */
  uncheckAll() {
    for (const id of this.checked) {
      const box = /** @type {HTMLInputElement | undefined} */ (this.rows.get(id)?.check);
      if (box) box.checked = false;
    }
    this.checked.clear();
    this.lastChecked = null;
    this.onCheck(this.checked, true);
  }

  /** Refresh the "n min ago" labels without touching anything else. */
  tickTimes() {
    for (const [id, row] of this.rows) {
      const thread = this.threads.get(id);
      if (thread) {
        setText(row.time, timeAgo(thread.last_activity_at));
        setText(row.waiting, waitingLabel(thread));
      }
    }
  }

  select(threadId) {
    this.selectedId = threadId;
    for (const [id, row] of this.rows) row.button.setAttribute("aria-current", String(id === threadId));
    if (threadId) this.setTabStop(threadId);
  }

  totalUnread() {
    let total = 0;
    for (const thread of this.threads.values()) total += Number(thread.unread) || 0;
    return total;
  }

  focusThread(threadId) {
    this.rows.get(threadId)?.button.focus();
  }

  /** Up/Down/Home/End move between threads: the list is one long column of buttons. */
  onKeydown(event) {
    const focused = /** @type {HTMLElement | null} */ (document.activeElement?.closest?.("button[data-thread-id]") || null);
    if (focused && (event.key === "x" || event.key === "X") && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      const id = focused.dataset.threadId || "";
      this.check(id, !this.checked.has(id), event.shiftKey);
      return;
    }
    const keys = ["ArrowDown", "ArrowUp", "Home", "End"];
    if (!keys.includes(event.key)) return;
    const buttons = [...this.listEl.querySelectorAll("button[data-thread-id]")];
    const index = buttons.indexOf(document.activeElement);
    if (index === -1) return;
    event.preventDefault();
    const next = {
      ArrowDown: Math.min(buttons.length - 1, index + 1),
      ArrowUp: Math.max(0, index - 1),
      Home: 0,
      End: buttons.length - 1,
    }[event.key];
    buttons[next].focus();
  }
}
