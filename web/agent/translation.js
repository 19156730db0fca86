// @ts-check
// Two-way machine translation in the open conversation (issue 20). A resident's message in another language is
// shown translated, with the original one click away; a reply is previewed in the resident's language (both
// versions and their SMS segments on screen) and sent only when the agent chooses: the translation, or the text
// as written. A message not translated says so and why. A stand-in translator (the local stack) is named as one.
// Resident text is hostile: it goes in through textContent only (dom.js).

import { byId, el, setText } from "./dom.js";
import { segmentHint } from "./segments.js";

export const LANGUAGES = ["en", "es", "vi", "zh", "tl", "ko", "ar", "ru", "fr", "ht"];
const REFETCH_MS = 3000;
const RETRY_MS = 15000;
const FRESH_MS = 60000; // a resident's message this recent may still be in the pipeline's translation step
const SHORT_TEXT_CHARS = 20; // shorter texts are never translated (switchboard.translation)
const MAX_ATTEMPTS = 5; // the server stops trying after this many provider calls

const REASONS = {
  throttled: "the translation service was busy",
  failed: "the translation service did not answer",
  cap_reached: "this month's translation allowance is used up",
  turned_off: "translation is turned off",
  too_long: "the text is too long to translate",
};

/** "es" -> "Spanish" (in the agent's language when the browser knows it). */
export function languageName(code) {
  try {
    const names = new Intl.DisplayNames(["en"], { type: "language" });
    return names.of(code) || code;
  } catch {
    return code;
  }
}

function reasonText(reason) {
  return REASONS[reason] || "the translation service did not answer";
}

export class TranslationPanel {
  /** @param {{ api: any, view: any }} options */
  constructor({ api, view }) {
    this.api = api;
    this.view = view;
    this.state = null; // the last GET …/translations
    this.byMessage = new Map();
    this.seen = new Set(); // the thread's message ids when translations were last fetched
    this.threadId = null;
    this.fetchedAt = 0;
    this.fetching = null;
    this.preview = null; // the shown ReplyPreview and the text it was made from
    this.e = {
      bar: byId("translation-bar"),
      language: byId("thread-language"),
      languageNote: byId("thread-language-note"),
      box: byId("translation-preview"),
      original: byId("translation-original"),
      text: byId("translation-text"),
      heading: byId("translation-heading"),
      hint: byId("translation-hint"),
      mark: byId("translation-stand-in"),
      problem: byId("translation-problem"),
      sendTranslation: byId("send-translation"),
      sendOriginal: byId("send-as-written"),
      cancel: byId("translation-cancel"),
    };
    this.e.language.replaceChildren(
      el("option", { value: "", text: "Not known yet" }),
      ...LANGUAGES.map((code) => el("option", { value: code, text: languageName(code) })),
    );
    this.e.language.addEventListener("change", () => this.setLanguage(this.e.language.value));
    document.addEventListener("resident-language", (event) => {
      const { threadId, from } = /** @type {CustomEvent} */ (event).detail;
      if (from === "translation" || threadId !== this.threadId) return;
      // Set in the resident panel: the server set the conversation's language too; show it.
      this.fetchedAt = 0;
      this.load();
    });
    this.e.sendTranslation.addEventListener("click", () => this.sendTranslation());
    this.e.sendOriginal.addEventListener("click", () => this.sendAsWritten());
    this.e.cancel.addEventListener("click", () => this.hidePreview(true));
    view.afterRender = () => this.onRender();
    view.interceptSend = (body) => this.intercept(body);
  }

  /** Replies go through the preview when the resident's language is not the agents'. */
  needsTranslation() {
    const s = this.state;
    return Boolean(s && s.enabled && s.language && s.language !== s.agent_language);
  }

  onRender() {
    const threadId = this.view.threadId;
    if (threadId !== this.threadId) {
      this.threadId = threadId;
      this.state = null;
      this.byMessage.clear();
      this.seen = new Set();
      this.fetchedAt = 0;
      this.hidePreview(false);
      this.e.bar.hidden = true;
    }
    if (!threadId) return;
    this.decorate();
    if (this.dueForFetch()) this.load();
  }

  /** Ask again for a message not seen at the last fetch, one that may still be being translated (a resident's
   * message from the last minute without a record), or one whose translation failed and may be tried again. */
  dueForFetch() {
    const since = Date.now() - this.fetchedAt;
    if (since < REFETCH_MS) return false;
    const messages = [...this.view.messages.values()];
    if (messages.some((m) => !this.seen.has(m.message_id))) return true;
    const recent = Date.now() - FRESH_MS;
    const inFlight = messages.some((m) => m.direction === "in" && String(m.body || "").trim().length >= SHORT_TEXT_CHARS && !this.byMessage.has(m.message_id) && Date.parse(m.created_at) > recent);
    if (inFlight) return true;
    const retry = [...this.byMessage.values()].some((t) => t.direction === "in" && t.status !== "translated" && (t.reason === "throttled" || t.reason === "failed") && t.attempts < MAX_ATTEMPTS);
    return retry && since > RETRY_MS;
  }

  async load() {
    const threadId = this.threadId;
    if (!threadId || this.fetching) return;
    this.fetchedAt = Date.now();
    const asked = new Set(this.view.messages.keys());
    this.fetching = this.api
      .request(`/api/threads/${encodeURIComponent(threadId)}/translations`)
      .then((state) => {
        if (threadId !== this.threadId) return;
        this.state = state;
        this.seen = asked;
        this.byMessage = new Map(state.translations.map((t) => [t.message_id, t]));
        this.showLanguage();
        this.decorate();
      })
      .catch(() => {}) // the conversation works without translations; the next render asks again
      .finally(() => {
        this.fetching = null;
      });
    await this.fetching;
  }

  showLanguage() {
    const s = this.state;
    if (!s) return;
    this.e.bar.hidden = false;
    this.e.language.value = s.language && LANGUAGES.includes(s.language) ? s.language : "";
    let note = s.language_set_by === "staff" ? "set by staff" : s.language ? "detected" : "";
    if (!s.enabled) note = note ? `${note}; translation is off` : "translation is off";
    setText(this.e.languageNote, note ? `(${note})` : "");
  }

  async setLanguage(code) {
    if (!code || !this.threadId) return;
    try {
      const threadId = this.threadId;
      await this.api.request(`/api/threads/${encodeURIComponent(threadId)}/language`, { method: "PUT", json: { language: code } });
      document.dispatchEvent(new CustomEvent("resident-language", { detail: { threadId, language: code, from: "translation" } }));
      this.fetchedAt = 0;
      await this.load();
    } catch {
      setText(this.e.languageNote, "(not saved: try again)");
    }
  }

  decorate() {
    for (const [messageId, record] of this.byMessage) {
      const li = this.view.e.list.querySelector(`li[data-message-id="${CSS.escape(messageId)}"]`);
      if (!li) continue;
      const done = li.dataset.translation;
      const key = `${record.status}:${record.updated_at}`;
      if (done === key) continue;
      li.dataset.translation = key;
      li.querySelector(".translation")?.remove();
      li.append(record.direction === "in" ? this.inboundNode(li, record) : this.outboundNode(li, record));
    }
  }

  inboundNode(li, record) {
    const original = li.querySelector(".message-body");
    if (record.status !== "translated") {
      if (original) original.hidden = false;
      const why = `Not translated: ${reasonText(record.reason)}. The resident's words are shown; it is tried again when the conversation is opened.`;
      return el("p", { class: "translation translation-missing", text: why });
    }
    const id = `translation-${record.message_id}`;
    const from = languageName(record.original_language || "");
    const meta = record.stand_in ? `Translated from ${from} by the local stand-in (not a real translation)` : `Translated from ${from} (machine translation)`;
    const text = el("p", { class: "message-body translation-text", id, lang: record.language, text: record.text });
    const toggle = el("button", { type: "button", class: "button button-quiet button-small translation-toggle", "aria-controls": id, text: "Show original" });
    if (original) {
      original.hidden = true;
      original.setAttribute("lang", record.original_language || "");
      original.id = `original-${record.message_id}`;
      toggle.setAttribute("aria-controls", `${id} ${original.id}`);
    }
    toggle.addEventListener("click", () => {
      const showOriginal = !text.hidden;
      text.hidden = showOriginal;
      if (original) original.hidden = !showOriginal;
      setText(toggle, showOriginal ? "Show translation" : "Show original");
    });
    return el("div", { class: "translation" }, el("p", { class: "translation-meta", text: meta }), text, toggle);
  }

  outboundNode(li, record) {
    const id = `wrote-${record.message_id}`;
    const wrote = el("p", { class: "message-body translation-text", id, lang: record.original_language || "", hidden: true, text: record.original });
    const toggle = el("button", { type: "button", class: "button button-quiet button-small translation-toggle", "aria-controls": id, "aria-expanded": "false", text: "Show what was written" });
    toggle.addEventListener("click", () => {
      wrote.hidden = !wrote.hidden;
      toggle.setAttribute("aria-expanded", String(!wrote.hidden));
      setText(toggle, wrote.hidden ? "Show what was written" : "Hide what was written");
    });
    const to = languageName(record.language);
    const meta = record.stand_in ? `Sent in ${to}, translated by the local stand-in (not a real translation)` : `Sent in ${to} (machine translation)`;
    return el("div", { class: "translation" }, el("p", { class: "translation-meta", text: meta }), toggle, wrote);
  }

  // --- the reply ---------------------------------------------------------------------------------------------

  /** Called by the thread view's Send: true when the preview takes this send over. */
  intercept(body) {
    if (!this.needsTranslation()) return false;
    if (this.preview && this.preview.body === body && this.preview.result.status === "translated") {
      this.sendTranslation();
      return true;
    }
    this.showPreview(body);
    return true;
  }

  async showPreview(body) {
    const threadId = this.threadId;
    const to = languageName(this.state?.language || "");
    this.e.box.hidden = false;
    setText(this.e.heading, `What the resident will receive (${to})`);
    setText(this.e.original, body);
    setText(this.e.text, "Translating…");
    setText(this.e.hint, "");
    setText(this.e.problem, "");
    this.e.mark.hidden = true;
    this.e.sendTranslation.hidden = true;
    let result;
    try {
      result = await this.api.request(`/api/threads/${encodeURIComponent(threadId)}/translation-preview`, { method: "POST", json: { body } });
    } catch {
      result = { status: "not_translated", reason: "failed" };
    }
    if (threadId !== this.threadId) return;
    this.preview = { body, result };
    if (result.status === "not_needed") {
      this.hidePreview(false);
      this.view.send({ direct: true });
      return;
    }
    if (result.status !== "translated") {
      setText(this.e.text, "");
      setText(this.e.problem, `Not translated: ${reasonText(result.reason)}. Nothing was sent. You can send your text as written, or try Send again.`);
      this.e.sendOriginal.focus();
      return;
    }
    setText(this.e.text, result.translation);
    this.e.text.setAttribute("lang", result.language);
    this.e.mark.hidden = !result.stand_in;
    setText(this.e.hint, segmentHint(result.translation, this.view.thread?.channel));
    this.e.sendTranslation.hidden = false;
    this.e.sendTranslation.focus();
  }

  hidePreview(focusReply) {
    this.preview = null;
    this.e.box.hidden = true;
    if (focusReply) this.view.e.reply.focus();
  }

  sendAsWritten() {
    this.hidePreview(false);
    this.view.send({ direct: true });
  }

  async sendTranslation() {
    const preview = this.preview;
    const threadId = this.threadId;
    if (!preview || preview.result.status !== "translated" || !threadId) return;
    if (this.view.e.reply.value !== preview.body) {
      // The agent changed the text after the preview: preview again, so what goes out is what they saw.
      this.showPreview(this.view.e.reply.value);
      return;
    }
    const json = {
      body: preview.body,
      translation: preview.result.translation,
      language: preview.result.language,
      provider: preview.result.provider,
      stand_in: preview.result.stand_in,
    };
    const path = `/api/threads/${encodeURIComponent(threadId)}/translated-replies`;
    this.e.sendTranslation.setAttribute("aria-disabled", "true");
    try {
      let result;
      try {
        result = await this.api.request(path, { method: "POST", json });
      } catch (error) {
        if (error.status !== 409 || error.data?.error === "opted_out" || !this.view.confirmTakeover) throw error;
        if (!(await this.view.confirmTakeover())) {
          setText(this.e.problem, "Not sent. Your text is kept.");
          return;
        }
        result = await this.api.request(path, { method: "POST", json: { ...json, confirm_takeover: true } });
      }
      if (threadId !== this.threadId) return;
      this.byMessage.set(result.translation.message_id, result.translation);
      this.hidePreview(false);
      this.view.acceptSent(threadId, result.message);
    } catch (error) {
      const why = error.data?.error === "opted_out" ? error.data.message : error.message || `error ${error.status}`;
      setText(this.e.problem, `Not sent: ${why}. Your text is kept.`);
    } finally {
      this.e.sendTranslation.removeAttribute("aria-disabled");
    }
  }
}

/** Admins: translation on or off, the monthly character allowance, the staff's language; this month's use. */
export class TranslationSettingsForm {
  /** @param {{ api: any }} options */
  constructor({ api }) {
    this.api = api;
    this.e = {
      form: byId("translation-settings-form"),
      enabled: byId("translation-enabled"),
      cap: byId("translation-cap"),
      language: byId("translation-agent-language"),
      usage: byId("translation-usage"),
      status: byId("translation-settings-status"),
    };
    this.e.language.replaceChildren(...LANGUAGES.map((code) => el("option", { value: code, text: languageName(code) })));
    this.e.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
  }

  async load() {
    try {
      const [settings, usage] = await Promise.all([this.api.request("/api/translation/settings"), this.api.request("/api/translation/usage")]);
      this.show(settings, usage);
      setText(this.e.status, "");
    } catch {
      setText(this.e.status, "The translation settings could not be loaded.");
    }
  }

  show(settings, usage) {
    this.e.enabled.checked = settings.enabled;
    this.e.cap.value = String(settings.monthly_char_cap);
    this.e.language.value = settings.agent_language;
    if (usage) setText(this.e.usage, `Used in ${usage.month} (UTC): ${usage.characters.toLocaleString("en-US")} of ${usage.cap.toLocaleString("en-US")} characters.`);
  }

  async save() {
    const cap = Number(this.e.cap.value);
    if (!Number.isInteger(cap) || cap < 0 || cap > 1_000_000_000) {
      setText(this.e.status, "The allowance is a whole number of characters, from 0 to 1,000,000,000.");
      this.e.cap.focus();
      return;
    }
    setText(this.e.status, "Saving…");
    try {
      const json = { enabled: this.e.enabled.checked, monthly_char_cap: cap, agent_language: this.e.language.value };
      const settings = await this.api.request("/api/translation/settings", { method: "PUT", json });
      const usage = await this.api.request("/api/translation/usage").catch(() => null);
      this.show(settings, usage);
      setText(this.e.status, "Translation settings saved.");
    } catch {
      setText(this.e.status, "The translation settings could not be saved. Try again.");
    }
  }
}
