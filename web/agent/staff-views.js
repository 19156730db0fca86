// @ts-check
// Supervisor and admin views, reached by #supervisor and #admin: the audit log, transcript exports and canned
// replies (supervisors); staff invitations, roles, departments and agency settings (admins). The API checks every
// role again; these views only spare people buttons that would answer 403. Data goes in through textContent only.

import { announce, byId, el, setText } from "./dom.js";
import { FilteredTable } from "./tables.js";
import { download, hasRole } from "./workspace.js";

const ROLES = ["agent", "supervisor", "admin"];
const VIEWS = ["supervisor", "reports", "admin"];
const enc = encodeURIComponent;

function today() {
  return new Date().toISOString().slice(0, 10);
}

function failure(error) {
  return error.message || (error.status === 0 ? "the connection was lost" : `error ${error.status}`);
}

export class StaffViews {
  constructor({ api, auth }) {
    this.api = api;
    this.auth = auth;
    this.departments = [];
    this.auditTable = new FilteredTable({
      prefix: "audit",
      columns: ["When", "Who", "Action", "Conversation", "Details"],
      pageSize: 50,
      noun: ["entry", "entries"],
    });
    this.staffTable = new FilteredTable({
      prefix: "staff",
      columns: ["Email", "Name", "Roles", "Departments", "Status", "Actions"],
      noun: ["staff member", "staff members"],
    });
    this.auditEntries = [];
    this.auditCursor = null;
    /** @type {{ load(): void } | null} the urgency rules editor (triage.js), set by app.js for admins */
    this.triageRules = null;
    this.translationSettings = null; // translation.js, when the page has one
    /** @type {{ show(): Promise<void> } | null} the report figures and charts (reports.js), set by app.js */
    this.reports = null;
    this.wire();
  }

  // --- routing ------------------------------------------------------------------------------------------------

  /** Show the view the hash names, if the signed-in person may see it; otherwise the inbox. */
  route() {
    if (byId("workspace").hidden) return this.hide();
    const name = { "#supervisor": "supervisor", "#reports": "reports", "#admin": "admin" }[location.hash];
    const role = name === "reports" ? "supervisor" : name;
    if (!name || !hasRole(this.auth.claims, role)) return this.hide();
    document.body.dataset.tool = name;
    for (const view of VIEWS) byId(`${view}-view`).hidden = view !== name;
    byId(`${name}-heading`).focus();
    if (name === "supervisor") this.showSupervisor();
    else if (name === "reports") this.showReports();
    else this.showAdmin();
  }

  hide() {
    if (VIEWS.includes(document.body.dataset.tool)) delete document.body.dataset.tool;
    for (const view of VIEWS) byId(`${view}-view`).hidden = true;
  }

  // --- supervisor -----------------------------------------------------------------------------------------------

  showSupervisor() {
    if (!byId("audit-day").value) byId("audit-day").value = today();
    this.loadAudit();
    this.loadCanned();
  }

  showReports() {
    if (!byId("export-from").value) byId("export-from").value = today();
    if (!byId("export-to").value) byId("export-to").value = today();
    this.reports?.show();
  }

  /** One day of the audit log, newest first: 200 entries at a time from the server, filtered and paged here. */
  async loadAudit({ more = false } = {}) {
    const day = byId("audit-day").value || today();
    setText(byId("audit-status"), "Loading…");
    try {
      const query = new URLSearchParams({ day, limit: "200" });
      if (more && this.auditCursor) query.set("cursor", this.auditCursor);
      const { entries, next_cursor: cursor } = await this.api.request(`/api/audit?${query}`);
      this.auditEntries = more ? [...this.auditEntries, ...entries] : entries;
      this.auditCursor = cursor || null;
      byId("audit-more").hidden = !this.auditCursor;
      this.auditTable.setRows(
        this.auditEntries.map((e) => ({
          cells: [
            new Date(e.at).toLocaleString(),
            e.actor_email || e.actor_sub,
            e.action,
            e.thread_id || "",
            Object.entries(e.detail || {}).map(([k, v]) => `${k}: ${v}`).join("; "),
          ],
        })),
        { keepPage: more },
      );
      const count = this.auditEntries.length;
      const what = count ? `${count}${this.auditCursor ? "+" : ""} entr${count === 1 ? "y" : "ies"}` : "No entries";
      setText(byId("audit-status"), `${what} on ${day} (UTC).`);
    } catch (error) {
      setText(byId("audit-status"), `The audit log could not be loaded: ${failure(error)}.`);
    }
  }

  async exportRange() {
    const from = byId("export-from").value;
    const to = byId("export-to").value;
    const format = byId("export-format").value;
    setText(byId("export-status"), "Preparing the export…");
    try {
      const query = new URLSearchParams({ from, to, format });
      const blob = await this.api.request(`/api/exports?${query}`, { as: "blob" });
      download(blob, `transcripts-${from}-to-${to}.${format}`);
      setText(byId("export-status"), "Downloaded.");
    } catch (error) {
      setText(byId("export-status"), `The export failed: ${failure(error)}.`);
    }
  }

  async loadCanned() {
    try {
      const { canned_replies: replies } = await this.api.request("/api/canned-replies");
      const items = replies.map((reply) => {
        const remove = el("button", { type: "button", class: "button button-small", text: "Delete" });
        remove.setAttribute("aria-label", `Delete canned reply ${reply.title}`);
        remove.addEventListener("click", () => this.deleteCanned(reply.canned_id));
        return el("li", {}, el("strong", { text: reply.title }), " ", el("span", { text: reply.body }), " ", remove);
      });
      byId("canned-list").replaceChildren(...items);
    } catch (error) {
      setText(byId("canned-status"), `Canned replies could not be loaded: ${failure(error)}.`);
    }
  }

  async saveCanned() {
    const id = byId("canned-id").value.trim();
    const json = { title: byId("canned-title").value.trim(), body: byId("canned-body").value };
    try {
      await this.api.request(`/api/canned-replies/${enc(id)}`, { method: "PUT", json });
      setText(byId("canned-status"), "Saved.");
      byId("canned-form").reset();
      this.loadCanned();
    } catch (error) {
      setText(byId("canned-status"), `Not saved: ${failure(error)}.`);
    }
  }

  async deleteCanned(id) {
    try {
      await this.api.request(`/api/canned-replies/${enc(id)}`, { method: "DELETE", as: "none" });
    } catch (error) {
      return setText(byId("canned-status"), `Not deleted: ${failure(error)}.`);
    }
    announce("Canned reply deleted.");
    this.loadCanned();
  }

  // --- admin --------------------------------------------------------------------------------------------------

  async showAdmin() {
    this.triageRules?.load(); // the urgency rules editor (triage.js), when the page has one
    this.translationSettings?.load();
    await this.loadDepartments();
    this.loadStaff();
    this.loadSettings();
  }

  async loadDepartments() {
    try {
      const { departments } = await this.api.request("/api/admin/departments");
      this.departments = departments;
      byId("department-list").replaceChildren(...departments.map((d) => el("li", { text: `${d.name} (${d.department_id})` })));
      this.fillChecks("staff-departments", departments.map((d) => [d.department_id, d.name]), "dept");
    } catch (error) {
      setText(byId("staff-status"), `Departments could not be loaded: ${failure(error)}.`);
    }
  }

  fillChecks(containerId, options, prefix) {
    const container = byId(containerId);
    const checked = new Set([...container.querySelectorAll("input:checked")].map((i) => i.value));
    container.replaceChildren(
      ...options.map(([value, label]) => {
        const id = `${prefix}-${value}`;
        const input = el("input", { type: "checkbox", id, value });
        input.checked = checked.has(value);
        return el("div", { class: "check" }, input, el("label", { for: id, text: label }));
      }),
    );
  }

  async loadStaff() {
    try {
      const { staff } = await this.api.request("/api/admin/staff");
      const names = new Map(this.departments.map((d) => [d.department_id, d.name]));
      this.staffTable.setRows(
        staff.map((member) => {
          const edit = el("button", { type: "button", class: "button button-small", text: "Edit" });
          edit.setAttribute("aria-label", `Edit ${member.email}`);
          edit.addEventListener("click", () => this.editStaff(member));
          const toggle = el("button", {
            type: "button",
            class: "button button-small",
            text: member.enabled ? "Disable" : "Enable",
          });
          toggle.setAttribute("aria-label", `${member.enabled ? "Disable" : "Enable"} ${member.email}`);
          toggle.addEventListener("click", () => this.setEnabled(member, !member.enabled));
          const status = !member.enabled ? "Disabled" : member.status === "FORCE_CHANGE_PASSWORD" ? "Invited" : "Active";
          return {
            cells: [
              member.email,
              member.name || "",
              member.groups.join(", "),
              member.departments.map((d) => names.get(d) || d).join(", "),
              status,
            ],
            actions: [edit, toggle],
          };
        }),
        { keepPage: true },
      );
      setText(byId("staff-list-status"), `${staff.length} staff member${staff.length === 1 ? "" : "s"}.`);
    } catch (error) {
      setText(byId("staff-status"), `Staff could not be loaded: ${failure(error)}.`);
    }
  }

  editStaff(member) {
    byId("staff-sub").value = member.sub;
    byId("staff-email").value = member.email;
    byId("staff-email").readOnly = true;
    byId("staff-name").value = member.name || "";
    for (const input of byId("staff-roles").querySelectorAll("input")) input.checked = member.groups.includes(input.value);
    for (const input of byId("staff-departments").querySelectorAll("input")) {
      input.checked = member.departments.includes(input.value);
    }
    setText(byId("staff-form-heading"), `Edit ${member.email}`);
    setText(byId("staff-submit"), "Save changes");
    byId("staff-cancel").hidden = false;
    byId("staff-name").focus();
  }

  resetStaffForm() {
    byId("staff-form").reset();
    byId("staff-sub").value = "";
    byId("staff-email").readOnly = false;
    for (const input of byId("staff-roles").querySelectorAll("input")) input.checked = input.value === "agent";
    setText(byId("staff-form-heading"), "Invite staff");
    setText(byId("staff-submit"), "Send invitation");
    byId("staff-cancel").hidden = true;
  }

  async saveStaff() {
    const sub = byId("staff-sub").value;
    const groups = [...byId("staff-roles").querySelectorAll("input:checked")].map((i) => i.value);
    const departments = [...byId("staff-departments").querySelectorAll("input:checked")].map((i) => i.value);
    const name = byId("staff-name").value.trim();
    if (!groups.length) return setText(byId("staff-status"), "Choose at least one role.");
    try {
      if (sub) {
        const json = { groups, departments };
        if (name) json.name = name;
        await this.api.request(`/api/admin/staff/${enc(sub)}`, { method: "PATCH", json });
        setText(byId("staff-status"), "Saved.");
      } else {
        const json = { email: byId("staff-email").value.trim(), groups, departments };
        if (name) json.name = name;
        await this.api.request("/api/admin/staff", { method: "POST", json });
        setText(byId("staff-status"), `Invitation sent to ${json.email}. They set their own password at first sign-in.`);
      }
      this.resetStaffForm();
      this.loadStaff();
    } catch (error) {
      setText(byId("staff-status"), `Not saved: ${failure(error)}.`);
    }
  }

  async setEnabled(member, enabled) {
    try {
      await this.api.request(`/api/admin/staff/${enc(member.sub)}/${enabled ? "enable" : "disable"}`, { method: "POST" });
      setText(byId("staff-status"), `${member.email} is ${enabled ? "enabled" : "disabled"}.`);
      this.loadStaff();
    } catch (error) {
      setText(byId("staff-status"), `Not changed: ${failure(error)}.`);
    }
  }

  async saveDepartment() {
    const id = byId("department-id").value.trim();
    try {
      await this.api.request(`/api/admin/departments/${enc(id)}`, {
        method: "PUT",
        json: { name: byId("department-name").value.trim() },
      });
      byId("department-form").reset();
      announce("Department saved.");
      this.loadDepartments();
    } catch (error) {
      setText(byId("staff-status"), `Department not saved: ${failure(error)}.`);
    }
  }

  async loadSettings() {
    try {
      const settings = await this.api.request("/api/admin/settings");
      byId("agency-name").value = settings.agency_name || "";
      byId("agency-hours").value = settings.agency_hours || "";
    } catch (error) {
      setText(byId("settings-status"), `Settings could not be loaded: ${failure(error)}.`);
    }
  }

  async saveSettings() {
    try {
      await this.api.request("/api/admin/settings", {
        method: "PUT",
        json: { agency_name: byId("agency-name").value, agency_hours: byId("agency-hours").value },
      });
      setText(byId("settings-status"), "Saved.");
    } catch (error) {
      setText(byId("settings-status"), `Not saved: ${failure(error)}.`);
    }
  }

  // --- wiring -------------------------------------------------------------------------------------------------

  wire() {
    this.fillChecks("staff-roles", ROLES.map((r) => [r, r]), "role");
    byId("role-agent").checked = true;
    const forms = {
      "audit-form": () => this.loadAudit(),
      "export-form": () => this.exportRange(),
      "canned-form": () => this.saveCanned(),
      "staff-form": () => this.saveStaff(),
      "department-form": () => this.saveDepartment(),
      "settings-form": () => this.saveSettings(),
    };
    for (const [id, submit] of Object.entries(forms)) {
      byId(id).addEventListener("submit", (event) => {
        event.preventDefault();
        if (!event.target.reportValidity()) return;
        submit();
      });
    }
    byId("staff-cancel").addEventListener("click", () => this.resetStaffForm());
    byId("audit-more").addEventListener("click", () => this.loadAudit({ more: true }));
    window.addEventListener("hashchange", () => this.route());
  }
}
