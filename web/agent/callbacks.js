// @ts-check
// Callback tasks, reached by #callbacks: callbacks whose slot has come ("call Ana back now"), escalated ones for
// supervisors, and the calls an agent is on. Take = the workflow's task token is answered (SendTaskSuccess, on the
// server; the token never reaches the page); then the agent reports Done or No answer. Data goes in through
// textContent only.

import { callThread } from "./calls.js";
import { announce, byId, el, setText } from "./dom.js";
import { loadUpcoming } from "./callbacks-upcoming.js";

const POLL_MS = 5000;
const STATUS_LABELS = { due: "Due now", escalated: "Escalated", in_call: "On the call" };

export function whenLabel(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

export class CallbackPanel {
  constructor({ api, auth }) {
    this.api = api;
    this.auth = auth;
    this.timer = null;
    window.addEventListener("hashchange", () => this.route());
    byId("callbacks-refresh").addEventListener("click", () => this.load());
  }

  route() {
    const show = location.hash === "#callbacks" && !byId("workspace").hidden;
    byId("callbacks-view").hidden = !show;
    if (!show) return this.hide();
    document.body.dataset.tool = "callbacks";
    byId("callbacks-heading").focus();
    this.load();
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => this.load(), POLL_MS);
  }

  hide() {
    window.clearInterval(this.timer);
    this.timer = null;
    byId("callbacks-view").hidden = true;
    if (document.body.dataset.tool === "callbacks") delete document.body.dataset.tool;
  }

  async load() {
    try {
      loadUpcoming(this.api);
      const page = await this.api.request("/api/callbacks/tasks");
      this.render(page.tasks || []);
      setText(byId("callbacks-status"), page.tasks?.length ? "" : "No callbacks are waiting.");
    } catch (error) {
      if (error.status !== 401) setText(byId("callbacks-status"), "Callbacks could not be loaded. Retrying…");
    }
  }

  render(tasks) {
    const list = byId("callback-tasks");
    const me = this.auth.claims?.sub;
    list.replaceChildren(
      ...tasks.map((task) => {
        const heading = el("h3", { class: "callback-title" });
        setText(heading, `${STATUS_LABELS[task.status] || task.status}: ${task.department}`);
        const details = el("p", { class: "help" });
        setText(details, `Slot ${whenLabel(task.slot_at)} · attempt ${task.attempt}`);
        const link = el("a");
        link.href = `#thread/${encodeURIComponent(task.thread_id)}`; // an in-page route built from an id, never data
        setText(link, "Open the conversation");
        const actions = el("div", { class: "callback-actions" });
        const callStatus = el("p", { class: "help", role: "status" });
        if (task.status === "in_call" && task.taken_by === me) {
          actions.append(
            this.button("Call the resident", () => callThread(this.api, task.thread_id, callStatus)),
            this.button("Done", () => this.outcome(task, "done")),
            this.button("No answer", () => this.outcome(task, "no_answer")),
          );
        } else if (task.status !== "in_call") {
          actions.append(this.button("Take", () => this.take(task)));
        }
        return el("li", { class: "callback-task" }, heading, details, link, actions, callStatus);
      }),
    );
  }

  button(label, onClick) {
    const button = el("button", { type: "button", class: "button button-primary" });
    setText(button, label);
    button.addEventListener("click", onClick);
    return button;
  }

  async take(task) {
    try {
      await this.api.request(`/api/callbacks/${encodeURIComponent(task.callback_id)}/take`, { method: "POST" });
      announce("Callback taken. Call the resident, then report the outcome.");
    } catch (error) {
      announce(error.status === 409 ? "Someone else took this callback." : "The callback could not be taken.");
    }
    this.load();
  }

  async outcome(task, outcome) {
    try {
      await this.api.request(`/api/callbacks/${encodeURIComponent(task.callback_id)}/outcome`, {
        method: "POST",
        json: { outcome },
      });
      announce(outcome === "done" ? "Callback marked done." : "No answer recorded.");
    } catch {
      announce("The outcome could not be saved.");
    }
    this.load();
  }
}
