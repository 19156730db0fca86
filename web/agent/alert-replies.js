// @ts-check
// Replies to alerts, reached by #alert-replies: residents who wrote back after an alert, grouped per alert
// ("212 replies to Water shut-off, Elm St"), and one answer to everyone in a group still waiting (each gets it in
// their own conversation; the server never texts anyone twice for one answer). Data goes in through textContent.

import { whenLabel } from "./callbacks.js";
import { byId, el, setText } from "./dom.js";

const enc = encodeURIComponent;

function answerId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class AlertRepliesPanel {
  constructor({ api }) {
    this.api = api;
    this.alertId = null;
    this.pendingAnswer = null; // {id, body}: resent with the same id after a failure, so nobody gets it twice
    window.addEventListener("hashchange", () => this.route());
    byId("alert-replies-refresh").addEventListener("click", () => this.load());
    byId("alert-group-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.answer();
    });
  }

  route() {
    const show = location.hash === "#alert-replies" && !byId("workspace").hidden;
    byId("alert-replies-view").hidden = !show;
    if (!show) return this.hide();
    document.body.dataset.tool = "alert-replies";
    byId("alert-replies-heading").focus();
    this.load();
  }

  hide() {
    byId("alert-replies-view").hidden = true;
    if (document.body.dataset.tool === "alert-replies") delete document.body.dataset.tool;
  }

  async load() {
    try {
      const { groups } = await this.api.request("/api/alert-replies");
      byId("alert-group-list").replaceChildren(
        ...groups.map((group) => {
          const button = el("button", { type: "button", class: "button button-quiet" });
          setText(button, `${group.threads} ${group.threads === 1 ? "reply" : "replies"} to ${group.title}`);
          button.addEventListener("click", () => this.open(group.alert_id));
          const when = el("span", { class: "help" });
          setText(when, ` · last ${whenLabel(group.last_reply_at)}`);
          return el("li", {}, button, when);
        }),
      );
      setText(byId("alert-replies-status"), groups.length ? "" : "Nobody has replied to an alert yet.");
      if (this.alertId) this.open(this.alertId, { focus: false });
    } catch (error) {
      if (error.status !== 401) setText(byId("alert-replies-status"), "Replies to alerts could not be loaded.");
    }
  }

  async open(alertId, { focus = true } = {}) {
    if (alertId !== this.alertId) {
      this.pendingAnswer = null;
      byId("alert-group-body").value = "";
      setText(byId("alert-group-error"), "");
    }
    this.alertId = alertId;
    const detail = await this.api.request(`/api/alert-replies/${enc(alertId)}`);
    byId("alert-group").hidden = false;
    setText(byId("alert-group-heading"), `${detail.group.threads} ${detail.group.threads === 1 ? "reply" : "replies"} to ${detail.group.title}`);
    setText(byId("alert-group-summary"), `${detail.waiting} still waiting for an answer.`);
    byId("alert-group-threads").replaceChildren(
      ...detail.threads.map((thread) => {
        const link = el("a");
        link.href = `#thread/${enc(thread.thread_id)}`; // an in-page route built from an id, never data
        const waiting = thread.waiting_since && thread.status === "open" ? " · waiting" : "";
        setText(link, `${thread.resident_name || thread.resident.address}: ${thread.last_message_preview}${waiting}`);
        return el("li", {}, link);
      }),
    );
    if (focus) byId("alert-group-heading").focus();
  }

  async answer() {
    const body = byId("alert-group-body").value.trim();
    if (!body) {
      setText(byId("alert-group-error"), "Write the message first.");
      byId("alert-group-body").focus();
      return;
    }
    if (!this.pendingAnswer || this.pendingAnswer.body !== body) this.pendingAnswer = { id: answerId(), body };
    setText(byId("alert-group-error"), "");
    try {
      const result = await this.api.request(`/api/alert-replies/${enc(this.alertId)}/answer`, {
        method: "POST",
        json: { answer_id: this.pendingAnswer.id, body, include_others: byId("alert-group-others").checked },
      });
      this.pendingAnswer = null;
      byId("alert-group-body").value = "";
      const skipped = [
        result.owned_by_others ? `${result.owned_by_others} owned by other agents` : "",
        result.opted_out ? `${result.opted_out} opted out` : "",
        result.not_waiting ? `${result.not_waiting} already answered or closed` : "",
      ].filter(Boolean);
      setText(byId("alert-replies-status"), `Sent to ${result.answered} ${result.answered === 1 ? "resident" : "residents"}.${skipped.length ? ` Not sent: ${skipped.join(", ")}.` : ""}`);
      this.open(this.alertId, { focus: false });
    } catch (error) {
      if (error.status !== 401) setText(byId("alert-group-error"), `Not sent: ${error.message || "try again"}. Sending again reaches nobody twice.`);
    }
  }
}
