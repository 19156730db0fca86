// @ts-check
// The alert composer, reached by #alerts (supervisors and admins; the API checks the role again): topics, zones,
// a text per language, a preview of the audience and of the SMS segments per language (naming the character that
// forced Unicode), send now or at a time, emergency with a reason; then each alert's live delivery figures and
// failure reasons, and Cancel for a scheduled one. Data goes in through textContent only.

import { whenLabel } from "./callbacks.js";
import { announce, byId, el, setText } from "./dom.js";
import { fallbackWarnings, languageName } from "./languages.js";
import { hasRole } from "./workspace.js";

const enc = encodeURIComponent;
const POLL_MS = 4000;
// Alert channels a resident may choose (issue 22): [code, one, many], as the preview and the figures name them.
const CHANNELS = [
  ["sms", "text", "texts"],
  ["voice", "call", "calls"],
  ["email", "email", "emails"],
];
const dollars = (usd) => `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
const FIGURES = [
  ["queued", "queued"],
  ["waiting_quiet_hours", "waiting for 08:00"],
  ["sent", "sent"],
  ["delivered", "delivered"],
  ["failed", "failed"],
  ["undelivered", "undelivered"],
  ["opted_out", "opted out"],
  ["clicks", "link clicks"],
];

/** An alert with no send time (or one already past) goes out now: it is never "scheduled for Jan 1, 1970". */
export function alertState(alert, now = Date.now()) {
  const at = alert.send_at ? Date.parse(alert.send_at) : Number.NaN;
  if (alert.status === "scheduled" && !Number.isNaN(at) && at > now) return `Scheduled for ${whenLabel(alert.send_at)}`;
  if (alert.status === "scheduled" || alert.status === "sending") return "Sending now";
  return `${alert.status[0].toUpperCase()}${alert.status.slice(1)}`;
}

const plural = (n, one, many) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

export class AlertsPanel {
  constructor({ api, auth }) {
    this.api = api;
    this.auth = auth;
    this.options = null;
    this.previewed = null; // the request the preview was made for: Send needs an up-to-date preview
    this.timer = null;
    window.addEventListener("hashchange", () => this.route());
    const form = byId("alert-form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    form.addEventListener("input", () => this.stale());
    form.addEventListener("change", () => this.stale());
    byId("alert-preview-button").addEventListener("click", () => this.preview());
    byId("import-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.importCsv();
    });
    byId("alert-emergency").addEventListener("change", () => {
      byId("alert-reason-field").hidden = !byId("alert-emergency").checked;
    });
  }

  route() {
    const allowed = hasRole(this.auth.claims, "supervisor");
    byId("nav-alerts").hidden = !allowed;
    const show = location.hash === "#alerts" && allowed && !byId("workspace").hidden;
    byId("alerts-view").hidden = !show;
    if (!show) return this.hide();
    document.body.dataset.tool = "alerts";
    byId("alerts-heading").focus();
    this.load();
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => this.loadList(), POLL_MS);
  }

  hide() {
    window.clearInterval(this.timer);
    this.timer = null;
    byId("alerts-view").hidden = true;
    if (document.body.dataset.tool === "alerts") delete document.body.dataset.tool;
  }

  async load() {
    try {
      if (!this.options) {
        this.options = await this.api.request("/api/alerts/options");
        this.fillOptions();
      }
      await this.loadList();
    } catch (error) {
      if (error.status !== 401) setText(byId("alerts-status"), "Alerts could not be loaded.");
    }
  }

  fillOptions() {
    const { topics, zones, languages } = this.options;
    byId("alert-topics").replaceChildren(
      ...topics.map((topic) => {
        const box = el("input", { type: "checkbox", value: topic.id, "data-topic": "" });
        const label = el("label", {}, box, document.createTextNode(topic.name));
        return label;
      }),
    );
    byId("alert-zones").replaceChildren(...zones.map((z) => el("option", { value: z.id, text: z.name })));
    byId("alert-texts").replaceChildren(
      ...languages.map((code) =>
        el(
          "div",
          { class: "field" },
          el("label", { for: `alert-text-${code}`, text: `${languageName(code)} text` }),
          el("textarea", { id: `alert-text-${code}`, "data-language": code, rows: code === "en" ? 3 : 2, maxlength: 1600 }),
        ),
      ),
    );
  }

  request() {
    const texts = {};
    for (const area of byId("alert-texts").querySelectorAll("textarea")) {
      if (area.value.trim()) texts[area.dataset.language] = area.value.trim();
    }
    const emergency = byId("alert-emergency").checked;
    const sendAt = byId("alert-send-at").value;
    return {
      title: byId("alert-title").value.trim(),
      topics: [...byId("alert-topics").querySelectorAll("input:checked")].map((box) => box.value),
      zones: [...byId("alert-zones").selectedOptions].map((o) => o.value),
      texts,
      emergency,
      emergency_reason: emergency ? byId("alert-reason").value.trim() || null : null,
      send_at: sendAt ? new Date(sendAt).toISOString() : null,
      track_links: byId("alert-track").checked,
      image_url: byId("alert-image").value.trim() || null,
    };
  }

  problem(json) {
    if (!json.title) return ["Give the alert a title.", "alert-title"];
    if (!json.topics.length) return ["Choose at least one topic.", "alert-topics"];
    if (!json.texts.en) return ["Write the English text.", "alert-text-en"];
    if (json.emergency && !json.emergency_reason) return ["Say why this is an emergency.", "alert-reason"];
    if (json.image_url && !/^https:\/\/\S+$/.test(json.image_url)) return ["Give the picture's https address, or leave it empty.", "alert-image"];
    if (json.send_at && new Date(json.send_at) <= new Date()) return ["Choose a time in the future, or leave it empty to send now.", "alert-send-at"];
    return null;
  }

  fail(message, fieldId) {
    setText(byId("alert-error"), message);
    const field = byId(fieldId);
    (field?.querySelector?.("input") || field)?.focus();
  }

  stale() {
    if (!this.previewed) return;
    this.previewed = null;
    byId("alert-send").disabled = true;
    setText(byId("alert-send"), "Send");
    byId("alert-preview").replaceChildren(el("p", { text: "Changed since the preview: preview again before sending." }));
  }

  async preview() {
    setText(byId("alert-error"), "");
    const json = this.request();
    const problem = this.problem(json);
    if (problem) return this.fail(...problem);
    try {
      const preview = await this.api.request("/api/alerts/preview", { method: "POST", json });
      this.showPreview(preview, json);
      this.previewed = JSON.stringify(json);
      byId("alert-send").disabled = preview.audience.total === 0;
      setText(
        byId("alert-send"),
        json.send_at ? `Schedule for ${plural(preview.audience.total, "resident", "residents")}` : `Send to ${plural(preview.audience.total, "resident", "residents")}`,
      );
    } catch (error) {
      this.fail(error.message || "The preview did not work.", "alert-preview-button");
    }
  }

  showPreview(preview, json) {
    const { audience, texts } = preview;
    const byLanguage = Object.entries(audience.by_language)
      .map(([code, n]) => `${languageName(code)} ${n.toLocaleString()}`)
      .join(", ");
    const lines = [el("p", { text: `Audience: ${plural(audience.total, "resident", "residents")}${byLanguage ? ` (${byLanguage})` : ""}.` })];
    const channels = CHANNELS.filter(([code]) => audience.by_channel?.[code]).map(
      ([code, one, many]) => plural(audience.by_channel[code], one, many),
    );
    if (channels.length) lines.push(el("p", { text: `By channel: ${channels.join(", ")}.` }));
    if (preview.cost) {
      const parts = CHANNELS.filter(([code]) => audience.by_channel?.[code]).map(
        ([code, , many]) => `${many} ${dollars(preview.cost.by_channel[code] ?? 0)}`,
      );
      const picture = preview.cost.image ? " Texts go as MMS because of the picture." : "";
      lines.push(el("p", { text: `Estimated cost at list prices: ${dollars(preview.cost.total_usd)} (${parts.join(", ")}).${picture}` }));
    }
    for (const [code, info] of Object.entries(texts)) {
      lines.push(el("p", { text: `${languageName(code)}: ${plural(info.segments, "segment", "segments")}, ${info.encoding}, ${info.characters} characters.` }));
      if (info.encoding === "UCS-2" && info.forced_by?.length) {
        lines.push(
          el("p", {
            class: "alert-warning",
            text: `${languageName(code)} is sent as Unicode (fewer characters per segment, so it costs more) because of: ${info.forced_by.map((c) => `“${c}”`).join(" ")}.`,
          }),
        );
      }
    }
    // Before sending: who will get a language they did not choose, and a machine translation offered for review
    // (the draft makes the preview stale: a person must read it, preview again and send).
    lines.push(
      ...fallbackWarnings(preview, {
        api: this.api,
        texts: json.texts,
        boxPrefix: "alert-text",
        status: byId("alert-translate-status"),
        onDraft: () => this.stale(),
      }),
    );
    byId("alert-preview").replaceChildren(...lines);
  }

  async send() {
    const json = this.request();
    const problem = this.problem(json);
    if (problem) return this.fail(...problem);
    if (this.previewed !== JSON.stringify(json)) return this.fail("Preview the audience first.", "alert-preview-button");
    byId("alert-send").disabled = true;
    try {
      const { alert } = await this.api.request("/api/alerts", { method: "POST", json });
      this.reset();
      const state = alertState(alert);
      const message = state.startsWith("Scheduled") ? `“${alert.title}” is ${state[0].toLowerCase()}${state.slice(1)}.` : `“${alert.title}”: sending now.`;
      setText(byId("alerts-status"), message);
      announce(message);
      this.loadList();
    } catch (error) {
      byId("alert-send").disabled = false;
      this.fail(error.message || "The alert was not sent.", "alert-title");
    }
  }

  reset() {
    byId("alert-form").reset();
    byId("alert-reason-field").hidden = true;
    this.previewed = null;
    byId("alert-send").disabled = true;
    setText(byId("alert-send"), "Send");
    byId("alert-preview").replaceChildren();
    setText(byId("alert-error"), "");
  }

  async loadList() {
    try {
      const { alerts } = await this.api.request("/api/alerts");
      // The list carries no figures: fetch each recent one (live figures while sending).
      const recent = await Promise.all(
        alerts.slice(0, 10).map((a) => this.api.request(`/api/alerts/${enc(a.alert_id)}`).then((r) => r.alert).catch(() => a)),
      );
      this.render([...recent, ...alerts.slice(10)]);
      if (!alerts.length) setText(byId("alerts-status"), "No alerts yet.");
    } catch (error) {
      if (error.status !== 401) setText(byId("alerts-status"), "Alerts could not be loaded.");
    }
  }

  render(alerts) {
    byId("alert-list").replaceChildren(
      ...alerts.map((alert) => {
        const heading = el("h4", { class: "notice-title", text: alert.title });
        const status = alertState(alert);
        const details = el("p", {
          class: "help",
          text: `${status} · ${alert.emergency ? `Emergency (${alert.emergency_reason})` : "Not an emergency"} · created ${whenLabel(alert.created_at)} · audience ${(alert.audience_total ?? 0).toLocaleString()}`,
        });
        const item = el("li", { class: "notice", "data-alert-id": alert.alert_id }, heading, details);
        if (alert.figures) {
          item.append(
            el(
              "ul",
              { class: "alert-figures", "aria-label": `Delivery of ${alert.title}` },
              ...FIGURES.map(([key, label]) => el("li", { text: `${(alert.figures[key] ?? 0).toLocaleString()} ${label}` })),
            ),
          );
          // The list above counts every channel; calls and emails also get their own line.
          for (const [code, , many] of CHANNELS.slice(1)) {
            const figures = alert.figures_by_channel?.[code] || {};
            if (!Object.values(figures).some((n) => n)) continue;
            const counted = FIGURES.filter(([key]) => figures[key]).map(([key, label]) => `${figures[key].toLocaleString()} ${label}`);
            item.append(el("p", { class: "help", text: `${many[0].toUpperCase()}${many.slice(1)}: ${counted.join(", ")}` }));
          }
          const reasons = Object.entries(alert.failure_reasons || {});
          if (reasons.length) item.append(el("p", { class: "help", text: `Failure reasons (Twilio or SES codes): ${reasons.map(([code, n]) => `${code} × ${n}`).join(", ")}` }));
        }
        if (alert.status === "scheduled") {
          const cancel = el("button", { type: "button", class: "button button-small", text: "Cancel" });
          cancel.setAttribute("aria-label", `Cancel ${alert.title}`);
          cancel.addEventListener("click", () => this.cancel(alert));
          item.append(el("div", { class: "notice-actions" }, cancel));
        }
        return item;
      }),
    );
  }

  async importCsv() {
    const file = byId("import-file").files[0];
    const source = byId("import-source").value.trim();
    setText(byId("import-error"), "");
    byId("import-result").replaceChildren();
    if (!file) return this.importFail("Choose the CSV file.", "import-file");
    if (source.length < 3) return this.importFail("Say where these consents come from.", "import-source");
    if (file.size > 1_000_000) return this.importFail("The file is over 1 MB: split it into smaller files.", "import-file");
    try {
      const result = await this.api.request("/api/subscribers/import", { method: "POST", json: { csv: await file.text(), source } });
      const lines = [
        el("p", { text: `${plural(result.imported, "subscriber", "subscribers")} imported, ${result.already_imported.toLocaleString()} already imported, ${result.skipped_opted_out.toLocaleString()} skipped (they opted out), ${plural(result.errors.length, "row", "rows")} with errors.` }),
      ];
      if (result.errors.length) {
        lines.push(el("ul", { class: "plain-list" }, ...result.errors.slice(0, 50).map((e) => el("li", { text: `Row ${e.row}, ${e.field}: ${e.message}` }))));
      }
      byId("import-result").replaceChildren(...lines);
      byId("import-form").reset();
      this.options = null; // new ZIP codes may have appeared in the zone list
    } catch (error) {
      this.importFail(error.message || "The file could not be imported.", "import-file");
    }
  }

  importFail(message, fieldId) {
    setText(byId("import-error"), message);
    byId(fieldId).focus();
  }

  async cancel(alert) {
    if (!window.confirm(`Cancel “${alert.title}”? Nobody will be sent it.`)) return;
    try {
      await this.api.request(`/api/alerts/${enc(alert.alert_id)}/cancel`, { method: "POST" });
      setText(byId("alerts-status"), `“${alert.title}” was cancelled.`);
    } catch (error) {
      setText(byId("alerts-status"), error.status === 409 ? `“${alert.title}” has already gone out: it cannot be cancelled.` : "It could not be cancelled.");
    }
    this.loadList();
  }
}
