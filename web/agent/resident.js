// @ts-check
// The resident panel, the workspace's third pane: who the open conversation is with (name staff can set, number,
// channel), where the conversation stands (status, owner, department, labels). At 1024 px and wider it sits beside the
// conversation; narrower, it is a pane of its own behind "Resident details". Data goes in through textContent only.

import { announce, byId, chip, clockTime, fillAvatar, setAddress, setText } from "./dom.js";
import { channelLabel } from "./inbox.js";

const enc = encodeURIComponent;

export class ResidentPanel {
  /**
   * @param {{ api: any, staffName: (sub: string | null | undefined) => string,
   *           departmentName: (id: string) => string, getThreadId: () => string | null,
   *           onChange: (state: object) => void }} options
   */
  constructor({ api, staffName, departmentName, getThreadId, onChange }) {
    this.api = api;
    this.staffName = staffName;
    this.departmentName = departmentName;
    this.getThreadId = getThreadId;
    this.onChange = onChange; // the thread's new state after a rename (the header and list show the name too)
    /** @type {any} */
    this.thread = null;
    this.nameInput = /** @type {HTMLInputElement} */ (byId("resident-name-input"));
    byId("resident-name-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.saveName();
    });
  }

  /** @param {any} thread the thread as GET /api/threads/{id} returns it */
  update(thread) {
    const changed = this.thread?.thread_id !== thread.thread_id;
    this.thread = thread;
    byId("resident-empty").hidden = true;
    byId("resident-content").hidden = false;
    const address = thread.resident?.address || "Unknown sender";
    const name = thread.resident_name || "";
    fillAvatar(byId("resident-avatar"), name, address);
    setText(byId("resident-name"), name || "Name not known");
    setAddress(byId("resident-address"), address);
    // Never overwrite what the agent is typing; refresh the field when another conversation opens.
    if (changed || document.activeElement !== this.nameInput) this.nameInput.value = name;
    if (changed) setText(byId("resident-name-status"), "");
    setText(byId("resident-channel"), channelLabel(thread.channel || thread.resident?.channel));
    const status = thread.status === "closed" ? "Closed" : thread.snoozed_until ? `Snoozed until ${clockTime(thread.snoozed_until)}` : "Open";
    setText(byId("resident-status"), status);
    setText(byId("resident-assignee"), thread.assignee ? this.staffName(thread.assignee) : "Nobody");
    setText(byId("resident-department"), thread.department_id ? this.departmentName(thread.department_id) : "None");
    setText(byId("resident-started"), thread.created_at ? clockTime(thread.created_at) : "");
    const labels = thread.labels || [];
    byId("resident-labels").replaceChildren(...labels.map((/** @type {string} */ label) => chip(label)));
    byId("resident-no-labels").hidden = labels.length > 0;
  }

  clear() {
    this.thread = null;
    byId("resident-empty").hidden = false;
    byId("resident-content").hidden = true;
  }

  /** Under 1024 px: show the panel in place of the conversation, or go back to it. */
  showPane(show) {
    const workspace = byId("workspace");
    const target = show ? "resident" : this.getThreadId() ? "thread" : "list";
    if (workspace.dataset.view === target) return;
    const wasResident = workspace.dataset.view === "resident";
    workspace.dataset.view = target;
    if (show) byId("resident-heading").focus();
    else if (wasResident) byId("resident-open").focus();
  }

  async saveName() {
    const threadId = this.getThreadId();
    if (!threadId) return;
    const name = this.nameInput.value.trim();
    const status = byId("resident-name-status");
    try {
      const state = await this.api.request(`/api/threads/${enc(threadId)}/resident-name`, {
        method: "PUT",
        json: { name },
      });
      if (threadId !== this.getThreadId()) return;
      this.update({ ...this.thread, ...state, resident_name: state.resident_name ?? (name || null) });
      this.onChange(state);
      const message = name ? `Name saved: ${name}.` : "Name removed.";
      setText(status, message);
      announce(message);
    } catch (error) {
      setText(status, `The name was not saved: ${error.message || `error ${error.status}`}.`);
    }
  }
}
