// @ts-check
// Recurring notices, reached by #notices (supervisors and admins; the API checks the role again): a topic, optional
// zones, a text per language and an EventBridge Scheduler rate/cron schedule in a time zone. Each time one is due the
// server turns it into an alert, so consent and quiet hours apply as for any alert. Data goes in through textContent.

import { whenLabel } from "./callbacks.js";
import { announce, byId, el, setText } from "./dom.js";
import { fallbackWarnings, languageName } from "./languages.js";
import { ScheduleBuilder, choiceOf, describe } from "./schedule-builder.js";
import { hasRole } from "./workspace.js";

const enc = encodeURIComponent;

export class NoticesPanel {
  constructor({ api, auth }) {
    this.api = api;
    this.auth = auth;
    this.options = null;
    this.editing = null;
    window.addEventListener("hashchange", () => this.route());
    byId("notice-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    byId("notice-cancel").addEventListener("click", () => this.resetForm());
    byId("notice-check-languages").addEventListener("click", () => this.checkLanguages());
    this.schedule = new ScheduleBuilder();
  }

  route() {
    const allowed = hasRole(this.auth.claims, "supervisor");
    byId("nav-notices").hidden = !allowed;
    const show = location.hash === "#notices" && allowed && !byId("workspace").hidden;
    byId("notices-view").hidden = !show;
    if (!show) {
      if (document.body.dataset.tool === "notices") delete document.body.dataset.tool;
      return;
    }
    document.body.dataset.tool = "notices";
    byId("notices-heading").focus();
    this.load();
  }

  hide() {
    byId("notices-view").hidden = true;
    if (document.body.dataset.tool === "notices") delete document.body.dataset.tool;
  }

  async load() {
    try {
      if (!this.options) {
        this.options = await this.api.request("/api/notices/options");
        this.fillOptions();
        this.resetForm();
      }
      const { notices } = await this.api.request("/api/notices");
      this.render(notices);
      setText(byId("notices-status"), notices.length ? "" : "No recurring notices yet.");
    } catch (error) {
      if (error.status !== 401) setText(byId("notices-status"), "Notices could not be loaded.");
    }
  }

  fillOptions() {
    const { topics, zones, languages } = this.options;
    byId("notice-topic").replaceChildren(...topics.map((t) => el("option", { value: t.id, text: t.name })));
    byId("notice-zones").replaceChildren(...zones.map((z) => el("option", { value: z.id, text: z.name })));
    byId("notice-texts").replaceChildren(
      ...languages.map((code) =>
        el(
          "div",
          { class: "field" },
          el("label", { for: `notice-text-${code}`, text: `${languageName(code)} text` }),
          el("textarea", { id: `notice-text-${code}`, "data-language": code, rows: code === "en" ? 3 : 2, maxlength: 1600 }),
        ),
      ),
    );
  }

  topicName(id) {
    return this.options?.topics.find((t) => t.id === id)?.name || id;
  }

  render(notices) {
    byId("notice-list").replaceChildren(
      ...notices.map((notice) => {
        const paused = notice.state === "DISABLED";
        const heading = el("h3", { class: "notice-title", text: notice.title });
        const details = el("p", {
          class: "help",
          text: `${this.topicName(notice.topic)}${notice.zones.length ? ` · ${notice.zones.length} zone(s)` : ""} · ${this.scheduleWords(notice.schedule)} (${notice.timezone}) · ${paused ? "Paused" : "Active"} · last sent ${notice.last_fired_at ? whenLabel(notice.last_fired_at) : "never"} · sent ${notice.fired_count} time(s)`,
        });
        const actions = el(
          "div",
          { class: "notice-actions" },
          this.button("Edit", notice, () => this.edit(notice)),
          this.button(paused ? "Resume" : "Pause", notice, () => this.setState(notice, paused ? "resume" : "pause")),
          this.button("Delete", notice, () => this.remove(notice)),
        );
        return el("li", { class: "notice" }, heading, details, actions);
      }),
    );
  }

  scheduleWords(expression) {
    const choice = choiceOf(expression);
    return choice ? describe(choice) : expression;
  }

  button(label, notice, onClick) {
    const button = el("button", { type: "button", class: "button button-small", text: label });
    button.setAttribute("aria-label", `${label} ${notice.title}`);
    button.addEventListener("click", onClick);
    return button;
  }

  resetForm() {
    this.editing = null;
    byId("notice-form").reset();
    for (const area of byId("notice-texts").querySelectorAll("textarea")) area.value = "";
    byId("notice-timezone").value = this.options?.timezone || "America/New_York";
    this.schedule.reset();
    setText(byId("notice-form-heading"), "New notice");
    setText(byId("notice-submit"), "Create notice");
    setText(byId("notice-error"), "");
    byId("notice-cancel").hidden = true;
  }

  edit(notice) {
    this.editing = notice.notice_id;
    byId("notice-title").value = notice.title;
    byId("notice-topic").value = notice.topic;
    for (const option of byId("notice-zones").options) option.selected = notice.zones.includes(option.value);
    for (const area of byId("notice-texts").querySelectorAll("textarea")) area.value = notice.texts[area.dataset.language] || "";
    byId("notice-timezone").value = notice.timezone;
    this.schedule.load(notice.schedule);
    setText(byId("notice-form-heading"), `Edit “${notice.title}”`);
    setText(byId("notice-submit"), "Save changes");
    byId("notice-cancel").hidden = false;
    byId("notice-title").focus();
  }

  request() {
    /** @type {Record<string, string>} */
    const texts = {};
    for (const area of byId("notice-texts").querySelectorAll("textarea")) {
      if (area.value.trim()) texts[area.dataset.language] = area.value.trim();
    }
    return {
      title: byId("notice-title").value.trim(),
      topic: byId("notice-topic").value,
      zones: [...byId("notice-zones").selectedOptions].map((o) => o.value),
      texts,
      schedule: byId("notice-schedule").value.trim(),
      timezone: byId("notice-timezone").value.trim(),
    };
  }

  /** Before saving: who among the topic's subscribers today will get a language they did not choose. */
  async checkLanguages() {
    const json = this.request();
    const box = byId("notice-languages");
    if (!json.texts.en) {
      setText(byId("notice-error"), "Write the English text.");
      byId("notice-text-en").focus();
      return;
    }
    try {
      const preview = await this.api.request("/api/alerts/preview", {
        method: "POST",
        json: { topics: [json.topic], zones: json.zones, texts: json.texts },
      });
      const warnings = fallbackWarnings(preview, {
        api: this.api,
        texts: json.texts,
        boxPrefix: "notice-text",
        status: byId("notice-translate-status"),
        onDraft: () => box.replaceChildren(el("p", { text: "A text changed: check the languages again before saving." })),
      });
      box.replaceChildren(
        ...(warnings.length ? warnings : [el("p", { text: "Every subscriber of this topic gets a text in their own language." })]),
      );
    } catch (error) {
      setText(byId("notice-error"), error.message || "The languages could not be checked.");
    }
  }

  async save() {
    const json = this.request();
    const problem = !json.title
      ? ["Give the notice a title.", "notice-title"]
      : !json.texts.en
        ? ["Write the English text.", "notice-text-en"]
        : this.schedule.problem();
    if (problem) {
      setText(byId("notice-error"), problem[0]);
      byId(problem[1]).focus();
      return;
    }
    const editing = this.editing;
    try {
      await this.api.request(editing ? `/api/notices/${enc(editing)}` : "/api/notices", {
        method: editing ? "PUT" : "POST",
        json,
      });
      this.resetForm();
      announce(editing ? "Notice saved." : "Notice created. It will go out on its schedule.");
      this.load();
    } catch (error) {
      setText(
        byId("notice-error"),
        error.status === 422
          ? "Check the schedule (rate or cron, at most hourly), the time zone (like America/Chicago) and the texts."
          : error.message || "The notice could not be saved.",
      );
    }
  }

  async setState(notice, action) {
    try {
      await this.api.request(`/api/notices/${enc(notice.notice_id)}/${action}`, { method: "POST" });
      announce(action === "pause" ? `${notice.title} paused.` : `${notice.title} resumed.`);
    } catch {
      announce("The notice could not be changed.");
    }
    this.load();
  }

  async remove(notice) {
    if (!window.confirm(`Delete the notice “${notice.title}”? It will not be sent again.`)) return;
    try {
      await this.api.request(`/api/notices/${enc(notice.notice_id)}`, { method: "DELETE", as: "none" });
      announce(`${notice.title} deleted.`);
    } catch {
      announce("The notice could not be deleted.");
    }
    if (this.editing === notice.notice_id) this.resetForm();
    this.load();
  }
}
