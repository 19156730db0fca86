// @ts-check
// Reminders, reached by #reminders: each record's state (planned, sent, done, completed...) and its planned
// texts; Complete stops a record's reminders; supervisors upload a CSV of records. Data goes in through
// textContent only.

import { whenLabel } from "./callbacks.js";
import { announce, byId, el, setText } from "./dom.js";
import { hasRole } from "./workspace.js";

const enc = encodeURIComponent;
const STATUS = {
  planned: "Planned",
  finished: "All reminders sent",
  done: "Stopped: the resident replied DONE",
  completed: "Stopped: marked complete",
  replaced: "Replaced by a newer due date",
  failed: "Failed: see the workflow history",
};
const SEND_STATUS = { pending: "planned", sent: "sent", skipped_opted_out: "not sent (opted out)", deferred: "waiting for the end of quiet hours", cancelled: "cancelled" };

export class RemindersPanel {
  constructor({ api, auth }) {
    this.api = api;
    this.auth = auth;
    window.addEventListener("hashchange", () => this.route());
    byId("reminder-upload").addEventListener("submit", (event) => {
      event.preventDefault();
      this.upload();
    });
  }

  route() {
    const show = location.hash === "#reminders" && !byId("workspace").hidden;
    byId("reminders-view").hidden = !show;
    if (!show) return this.hide();
    document.body.dataset.tool = "reminders";
    byId("reminder-upload").hidden = !hasRole(this.auth.claims, "supervisor");
    byId("reminders-heading").focus();
    this.load();
  }

  hide() {
    byId("reminders-view").hidden = true;
    if (document.body.dataset.tool === "reminders") delete document.body.dataset.tool;
  }

  async load() {
    try {
      const [{ records }, { plans }] = await Promise.all([this.api.request("/api/reminders/records"), this.api.request("/api/reminders/plans")]);
      setText(byId("reminder-kinds"), plans.map((p) => p.kind).join(", "));
      this.render(records);
      setText(byId("reminders-status"), records.length ? "" : "No reminder records yet.");
    } catch (error) {
      if (error.status !== 401) setText(byId("reminders-status"), "Reminders could not be loaded.");
    }
  }

  render(records) {
    byId("reminder-list").replaceChildren(
      ...records.map((record) => {
        const who = `${record.name || "Resident"} (…${record.phone_last4})`;
        const heading = el("h3", { class: "notice-title", text: `${who}: ${record.kind.replaceAll("_", " ")} due ${record.due_date}` });
        const state = el("p", { class: "help", text: `${STATUS[record.status] || record.status}${record.next_send_at ? ` · next reminder ${whenLabel(record.next_send_at)}` : ""}` });
        const sends = el(
          "ul",
          { class: "alert-figures", "aria-label": `Reminders for ${who}` },
          ...record.sends.map((send) => el("li", { text: `${whenLabel(send.at)}: ${SEND_STATUS[send.status] || send.status}` })),
        );
        const item = el("li", { class: "notice" }, heading, state, sends);
        if (record.status === "planned") {
          const button = el("button", { type: "button", class: "button button-small", text: "Complete" });
          button.setAttribute("aria-label", `Complete: no more reminders for ${who}`);
          button.addEventListener("click", () => this.complete(record, who));
          item.append(el("div", { class: "notice-actions" }, button));
        }
        return item;
      }),
    );
  }

  async complete(record, who) {
    try {
      await this.api.request(`/api/reminders/records/${enc(record.record_id)}/complete`, { method: "POST" });
      announce(`No more reminders for ${who}.`);
    } catch {
      announce("That did not work. Try again.");
    }
    this.load();
  }

  async upload() {
    const file = byId("reminder-file").files[0];
    setText(byId("reminder-upload-error"), "");
    byId("reminder-upload-result").replaceChildren();
    if (!file) {
      setText(byId("reminder-upload-error"), "Choose the CSV file.");
      byId("reminder-file").focus();
      return;
    }
    try {
      const result = await this.api.request("/api/reminders/records", { method: "POST", json: { csv: await file.text() } });
      const lines = [el("p", { text: `${result.planned} planned, ${result.already_planned} already planned, ${result.replaced} replaced by a new due date, ${result.errors.length} rows with errors.` })];
      if (result.errors.length) lines.push(el("ul", { class: "plain-list" }, ...result.errors.slice(0, 50).map((e) => el("li", { text: `Row ${e.row}, ${e.field}: ${e.message}` }))));
      byId("reminder-upload-result").replaceChildren(...lines);
      byId("reminder-upload").reset();
      this.load();
    } catch (error) {
      setText(byId("reminder-upload-error"), error.message || "The file could not be uploaded.");
    }
  }
}
