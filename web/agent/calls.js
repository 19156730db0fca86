// @ts-check
// Click-to-call (docs/architecture.md, "Click-to-call"). Call, on a conversation or on a callback the agent took,
// asks the server to ring the agent's own phone and then connect the resident from the agency number: the agent never
// sees the resident's number and the resident never sees the agent's. The agent's phone is set in the Callbacks view.
// Messages come from the server's answers and go in through textContent only.

import { announce, byId, el, icon, setText } from "./dom.js";

const enc = encodeURIComponent;
const FOLLOW_MS = 120_000;
const FOLLOW_EVERY_MS = 3000;
const EXPLAINED = new Set([403, 404, 409, 502]); // the server's message says what to do

/** Start a call to a thread's resident; `statusNode` says what happens next. Resolves true once Twilio is ringing. */
export async function callThread(api, threadId, statusNode) {
  setText(statusNode, "Starting the call…");
  let message;
  let ok = false;
  try {
    await api.request(`/api/calls/threads/${enc(threadId)}`, { method: "POST" });
    message = "Your phone will ring now. Answer it and you will be connected to the resident.";
    ok = true;
  } catch (error) {
    message = EXPLAINED.has(error.status) && error.message ? error.message : "The call could not be started. Try again.";
  }
  setText(statusNode, message);
  announce(message);
  return ok;
}

export class CallControls {
  constructor({ api, getThreadId, refreshNotes }) {
    this.api = api;
    this.getThreadId = getThreadId;
    this.refreshNotes = refreshNotes; // the call's progress arrives as staff-only notes in the thread
    this.followTimer = null;
    this.status = el("p", { id: "call-status", class: "help call-status", role: "status" });
    this.button = el("button", { id: "call-resident", type: "button", class: "button button-small" }, icon("phone"), "Call");
    this.button.setAttribute("aria-describedby", "call-status");
    // One more button of the conversation's toolbar: reached with the arrow keys (one Tab stop for the toolbar).
    this.button.tabIndex = -1;
    byId("tool-row").insertBefore(this.button, byId("export-thread"));
    byId("thread-presence").after(this.status);
    this.button.addEventListener("click", () => this.call());
    this.phoneForm = this.buildPhoneForm();
    byId("callbacks-view").append(this.phoneForm);
    window.addEventListener("hashchange", () => this.route());
  }

  route() {
    setText(this.status, "");
    if (location.hash === "#callbacks") this.loadPhone();
  }

  async call() {
    const threadId = this.getThreadId();
    if (!threadId) return;
    this.button.disabled = true;
    try {
      if (await callThread(this.api, threadId, this.status)) this.follow(threadId);
    } finally {
      this.button.disabled = false;
    }
  }

  /** Re-read the thread's notes for a while, so the call's progress shows as Twilio reports it. */
  follow(threadId) {
    window.clearInterval(this.followTimer);
    const until = Date.now() + FOLLOW_MS;
    this.refreshNotes();
    this.followTimer = window.setInterval(() => {
      if (Date.now() > until || this.getThreadId() !== threadId) window.clearInterval(this.followTimer);
      else this.refreshNotes();
    }, FOLLOW_EVERY_MS);
  }

  buildPhoneForm() {
    const input = el("input", {
      id: "call-phone",
      type: "tel",
      name: "phone",
      autocomplete: "tel",
      inputmode: "tel",
      placeholder: "+15555550123",
      "aria-describedby": "call-phone-help call-phone-status",
    });
    const form = el(
      "form",
      { id: "call-phone-form", class: "call-phone", novalidate: true },
      el("h3", { text: "Your phone for calls" }),
      el("p", {
        id: "call-phone-help",
        class: "help",
        text: "When you press Call, Twilio rings this number first, then connects the resident. Residents see the agency's number, never yours. Use the international form: + country code and number.",
      }),
      el("label", { for: "call-phone", text: "Your phone number" }),
      input,
      el("button", { type: "submit", class: "button button-primary", text: "Save phone" }),
      el("p", { id: "call-phone-status", class: "help", role: "status" }),
    );
    input.addEventListener("input", () => {
      input.dataset.edited = "true";
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.savePhone(input.value.trim());
    });
    return form;
  }

  async loadPhone() {
    try {
      const { phone } = await this.api.request("/api/calls/phone");
      const input = byId("call-phone");
      if (input.dataset.edited) return; // never overwrite what the agent is typing
      input.value = phone || "";
      setText(byId("call-phone-status"), phone ? "" : "No phone yet: add one to place calls.");
    } catch (error) {
      if (error.status !== 401) setText(byId("call-phone-status"), "Your phone could not be loaded.");
    }
  }

  async savePhone(phone) {
    const status = byId("call-phone-status");
    const input = byId("call-phone");
    try {
      const saved = await this.api.request("/api/calls/phone", { method: "PUT", json: { phone: phone || null } });
      input.value = saved.phone || "";
      delete input.dataset.edited;
      input.removeAttribute("aria-invalid");
      setText(status, saved.phone ? "Saved. Calls will ring this phone." : "Removed. You cannot place calls until you add one.");
    } catch (error) {
      input.setAttribute("aria-invalid", "true");
      setText(
        status,
        error.status === 422 || error.status === 400
          ? "That is not a phone number in international form, like +15555550123."
          : "The phone could not be saved.",
      );
      input.focus();
    }
  }
}
