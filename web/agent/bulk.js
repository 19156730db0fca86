// @ts-check
// Bulk actions on the conversation list: select several (a checkbox on each row, x on a focused row, Shift to take
// every row since the last one), then assign to me, add a label, transfer to a department, or close. Each thread goes
// through its own route, so the one authorization rule (the staff gate, department scope) and the audit log apply
// per thread exactly as for one; the bar then says how many were done and which were refused and why.

import { announce, byId, el, setText } from "./dom.js";

const enc = encodeURIComponent;

/** @param {any} error */
function refusal(error) {
  if (error?.status === 403) return "not in your departments";
  if (error?.status === 409 && error?.data?.error === "take_over_required") return "held by a colleague";
  if (error?.status === 409) return error.message || "not possible now";
  if (error?.status === 404) return "no longer exists";
  return error?.message || `error ${error?.status ?? "?"}`;
}

export class BulkActions {
  /**
   * @param {{ api: any, list: any, departments: () => Map<string, any>, onDone: () => void }} options
   */
  constructor({ api, list, departments, onDone }) {
    this.api = api;
    this.list = list;
    this.departments = departments;
    this.onDone = onDone;
    this.busy = false;
    this.lastResult = ""; // what the last action did, kept in view until the selection changes
    this.bar = byId("bulk-bar");
    list.onCheck = (/** @type {Set<string>} */ checked, /** @type {boolean} */ byUser) => this.render(checked, byUser);
    byId("bulk-clear").addEventListener("click", () => {
      this.lastResult = "";
      this.list.uncheckAll();
      this.list.focusThread(this.list.tabStopId);
    });
    byId("bulk-assign").addEventListener("click", () => this.run("assigned to you", () => ["assign", {}]));
    byId("bulk-close").addEventListener("click", () => this.run("closed", () => ["close", undefined]));
    this.toggleForm("bulk-label-open", "bulk-label-form", "bulk-label");
    this.toggleForm("bulk-transfer-open", "bulk-transfer-form", "bulk-department");
    byId("bulk-label-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const label = /** @type {HTMLInputElement} */ (byId("bulk-label")).value.trim();
      if (!label) return this.say("Write the label to add.");
      this.run(`labelled “${label}”`, (id) => {
        const labels = [...new Set([...(this.list.get(id)?.labels || []), label])];
        return ["labels", { labels }, "PUT"];
      });
    });
    byId("bulk-transfer-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const department = /** @type {HTMLSelectElement} */ (byId("bulk-department")).value;
      const note = /** @type {HTMLInputElement} */ (byId("bulk-note")).value.trim();
      if (!department) return this.say("Choose a department.");
      if (!note) return this.say("Write a note for whoever picks these up.");
      const name = this.departments().get(department)?.name || department;
      this.run(`transferred to ${name}`, () => ["transfer", { department_id: department, note }]);
    });
  }

  /** @param {string} buttonId @param {string} formId @param {string} focusId */
  toggleForm(buttonId, formId, focusId) {
    const button = byId(buttonId);
    button.addEventListener("click", () => {
      const form = byId(formId);
      const show = form.hidden;
      for (const other of ["bulk-label", "bulk-transfer"]) {
        byId(`${other}-form`).hidden = true;
        byId(`${other}-open`).setAttribute("aria-expanded", "false");
      }
      form.hidden = !show;
      button.setAttribute("aria-expanded", String(show));
      if (show && formId === "bulk-transfer-form") this.fillDepartments();
      if (show) byId(focusId).focus();
    });
  }

  fillDepartments() {
    const select = byId("bulk-department");
    const options = [...this.departments().values()].map((d) => el("option", { value: d.department_id, text: d.name || d.department_id }));
    select.replaceChildren(el("option", { value: "", text: "Choose…" }), ...options);
  }

  /** @param {Set<string>} checked @param {boolean} [byUser] the agent changed the selection (not a refresh) */
  render(checked, byUser = false) {
    const count = checked.size;
    if (byUser && !this.busy && this.lastResult) {
      this.lastResult = "";
      setText(byId("bulk-status"), "");
    }
    this.bar.hidden = count === 0 && !this.lastResult;
    setText(byId("bulk-count"), count === 1 ? "1 conversation selected" : `${count} conversations selected`);
    for (const id of ["bulk-assign", "bulk-label-open", "bulk-transfer-open", "bulk-close"]) {
      /** @type {HTMLButtonElement} */ (byId(id)).disabled = count === 0;
    }
    if (count === 0) for (const form of ["bulk-label-form", "bulk-transfer-form"]) byId(form).hidden = true;
  }

  /** @param {string} text */
  say(text) {
    setText(byId("bulk-status"), text);
    announce(text);
  }

  /** @param {string} threadId */
  nameOf(threadId) {
    const thread = this.list.get(threadId);
    return thread?.resident_name || thread?.resident?.address || "a conversation";
  }

  /**
   * One request per selected thread, one at a time (a colleague's concurrent change shows as that thread's refusal).
   * @param {string} done what happened to each, in words ("closed")
   * @param {(threadId: string) => [string, any, string?]} request the thread route's last segment, body, method
   */
  async run(done, request) {
    if (this.busy) return;
    const ids = [...this.list.checked];
    if (!ids.length) return;
    this.busy = true;
    this.say(`Working on ${ids.length}…`);
    /** @type {string[]} */
    const ok = [];
    /** @type {string[]} */
    const refused = [];
    for (const id of ids) {
      const [action, json, method = "POST"] = request(id);
      try {
        await this.api.request(`/api/threads/${enc(id)}/${action}`, { method, json });
        ok.push(id);
      } catch (error) {
        if (error?.status === 401) break;
        refused.push(`${this.nameOf(id)} (${refusal(error)})`);
      }
    }
    const summary = `${ok.length} of ${ids.length} ${done}.`;
    this.lastResult = refused.length ? `${summary} Not done: ${refused.join("; ")}.` : summary;
    // The refused stay selected, to try something else with them.
    for (const id of ok) this.list.check(id, false);
    this.busy = false;
    for (const form of ["bulk-label-form", "bulk-transfer-form"]) byId(form).hidden = true;
    this.render(this.list.checked);
    this.say(this.lastResult);
    this.onDone();
  }
}
