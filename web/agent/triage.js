// @ts-check
// Urgency (issue 17): the level of what a resident wrote that nobody has answered yet, the words that raised it, and
// a staff override with a reason. The words are the resident's own: hostile text, set with textContent only (dom.js).

import { byId, el, setText } from "./dom.js";

export const LEVEL_LABEL = { critical: "Critical", high: "High", normal: "Normal" };
const ORDER = { critical: 0, high: 1 };
const GROUP_LABEL = {
  self_harm: "self-harm",
  violence: "violence",
  medical: "medical",
  safety: "safety",
  needs: "basic need",
  vulnerable: "vulnerable person",
  distress: "distress",
};

/** 0 critical, 1 high, 2 normal (also a thread nobody has scored). */
export function urgencyOrder(thread) {
  return ORDER[thread.triage_level] ?? 2;
}

function describe(code) {
  const [group, detail = ""] = String(code).split(".");
  return `${GROUP_LABEL[group] || group}: ${detail.replaceAll("_", " ")}`;
}

/** "Why: "took all my pills" (self-harm: method); "my baby" (vulnerable person: infant)". */
export function reasonsText(reasons) {
  const parts = (reasons || []).map((reason) => `“${reason.text}” (${describe(reason.code)})`);
  return parts.length ? `Why: ${parts.join("; ")}` : "";
}

/** Show a level as a badge; a normal level shows nothing (most threads are normal). */
export function setUrgencyBadge(node, level) {
  const shown = level === "critical" || level === "high";
  node.hidden = !shown;
  node.className = shown ? `badge badge-${level}` : "badge";
  setText(node, shown ? LEVEL_LABEL[level] : "");
}

/** The thread pane's urgency line, and the "Urgency" action's dialog (the toolbar's other actions: workspace.js). */
export class TriagePanel {
  constructor({ api, onChanged }) {
    this.api = api;
    this.onChanged = onChanged;
    this.thread = null;
    this.e = {
      level: byId("triage-level"),
      reasons: byId("triage-reasons"),
      override: byId("triage-override-note"),
      open: byId("triage-open"),
      dialog: byId("triage-dialog"),
      form: byId("triage-form"),
      select: byId("triage-level-select"),
      reason: byId("triage-reason"),
      error: byId("triage-error"),
    };
    this.e.open.addEventListener("click", () => this.openDialog());
    this.e.form.addEventListener("submit", (event) => {
      event.preventDefault(); // the dialog closes only when the urgency was saved
      this.save();
    });
  }

  openDialog() {
    if (!this.thread) return;
    this.e.select.value = this.thread.triage_level || "normal";
    this.e.reason.value = "";
    setText(this.e.error, "");
    if (!this.e.dialog.open) this.e.dialog.showModal();
    this.e.select.focus();
  }

  update(page) {
    if (!page?.thread) return;
    const changed = this.thread?.thread_id !== page.thread.thread_id;
    this.thread = page.thread;
    if (changed && this.e.dialog.open) this.e.dialog.close();
    this.render();
  }

  render() {
    const t = this.thread;
    const level = t?.triage_level || "normal";
    setUrgencyBadge(this.e.level, level);
    setText(this.e.reasons, reasonsText(t?.triage_reasons));
    const override = t?.triage_override;
    setText(this.e.override, override ? `Urgency set by staff: ${override.reason}` : "");
    this.e.override.hidden = !override;
  }

  async save() {
    if (!this.thread) return;
    const reason = this.e.reason.value.trim();
    if (reason.length < 3) {
      setText(this.e.error, "Say why (at least 3 characters): it is kept in the audit log.");
      this.e.reason.focus();
      return;
    }
    setText(this.e.error, "");
    try {
      const state = await this.api.request(`/api/threads/${encodeURIComponent(this.thread.thread_id)}/triage`, {
        method: "PUT",
        json: { level: this.e.select.value, reason },
      });
      this.thread = { ...this.thread, ...state };
      this.e.dialog.close();
      this.render();
      // Back to the Urgency button, or to More when the toolbar put it in that (now closed) menu.
      (this.e.open.offsetParent ? this.e.open : byId("more-actions")).focus();
      this.onChanged?.(state);
    } catch {
      setText(this.e.error, "The urgency could not be saved. Try again.");
    }
  }
}

/** The admin's editor of the urgency rules: the JSON of the version in force, saved as the next version. */
export class TriageRulesEditor {
  constructor({ api }) {
    this.api = api;
    this.version = null;
    this.e = {
      form: byId("triage-rules-form"),
      text: byId("triage-rules-text"),
      version: byId("triage-rules-version"),
      status: byId("triage-rules-status"),
    };
    this.e.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    this.oncall = byId("triage-oncall-form") ? new OnCallEditor({ api }) : null;
  }

  async load() {
    this.oncall?.load();
    try {
      this.show(await this.api.request("/api/triage/rules"));
      setText(this.e.status, "");
    } catch {
      setText(this.e.status, "The urgency rules could not be loaded.");
    }
  }

  show(view) {
    this.version = view.version;
    const { version: _version, ...rules } = view.rules; // the version is the server's to give
    this.e.text.value = JSON.stringify(rules, null, 2);
    const by = view.shipped ? "the rules shipped with Switchboard" : `saved ${view.updated_at || ""}`;
    setText(this.e.version, `Version ${view.version} (${by}).`);
  }

  async save() {
    let rules;
    try {
      rules = JSON.parse(this.e.text.value);
    } catch {
      setText(this.e.status, "The rules are not valid JSON. Check commas, quotes and brackets.");
      this.e.text.focus();
      return;
    }
    setText(this.e.status, "Saving…");
    try {
      const view = await this.api.request("/api/triage/rules", {
        method: "PUT",
        json: { based_on_version: this.version, rules },
      });
      this.show(view);
      setText(this.e.status, `Saved as version ${view.version}. Open conversations are being re-scored.`);
    } catch (error) {
      const problems = error?.data?.problems;
      if (error?.status === 409) setText(this.e.status, "Someone saved the rules meanwhile. Reload them, then edit.");
      else if (problems?.length) setText(this.e.status, `Not saved: ${problems.slice(0, 3).join("; ")}`);
      else setText(this.e.status, "The rules could not be saved. Try again.");
    }
  }
}

/** The admin's on-call number: texted a link to the conversation when a crisis is flagged (empty: nobody). */
export class OnCallEditor {
  constructor({ api }) {
    this.api = api;
    this.e = {
      form: byId("triage-oncall-form"),
      number: byId("triage-oncall-number"),
      status: byId("triage-oncall-status"),
    };
    this.e.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    // What an admin types before the current number arrives is theirs: the late answer must not replace it.
    this.edited = false;
    this.e.number.addEventListener("input", () => {
      this.edited = true;
    });
  }

  async load() {
    try {
      const view = await this.api.request("/api/triage/oncall");
      if (!this.edited) this.e.number.value = view.number || "";
      setText(this.e.status, "");
    } catch {
      setText(this.e.status, "The on-call number could not be loaded.");
    }
  }

  async save() {
    setText(this.e.status, "Saving…");
    try {
      // The text links to this page: the address the admin is using is the one staff open.
      const page_url = `${location.origin}${location.pathname}`;
      const view = await this.api.request("/api/triage/oncall", {
        method: "PUT",
        json: { number: this.e.number.value.trim() || null, page_url },
      });
      this.e.number.value = view.number || "";
      setText(this.e.status, view.number ? `Saved: ${view.number} is texted when a crisis is flagged.` : "Saved: nobody is texted.");
    } catch (error) {
      if (error?.status === 422) {
        setText(this.e.status, "Not saved: that is not a phone number. Example: (202) 555-0143 or +12025550143.");
        this.e.number.focus();
      } else setText(this.e.status, "The on-call number could not be saved. Try again.");
    }
  }
}

const NOTICE_LOOKBACK_MS = 60 * 60 * 1000; // at sign-in, the crisis answers of the last hour

/** Supervisors: a notice when a resident in crisis got the automatic answer, with a way to open the conversation. */
export class CrisisNotices {
  constructor({ api, isSupervisor, openThread, announce }) {
    this.api = api;
    this.isSupervisor = isSupervisor;
    this.openThread = openThread;
    this.announce = announce;
    this.since = new Date(Date.now() - NOTICE_LOOKBACK_MS).toISOString();
    this.seen = new Set();
    this.e = { region: byId("crisis-notices"), list: byId("crisis-notice-list"), dismiss: byId("crisis-dismiss") };
    this.e.list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-thread-id]");
      if (button) this.openThread(button.dataset.threadId);
    });
    this.e.dismiss.addEventListener("click", () => {
      this.e.list.replaceChildren();
      this.e.region.hidden = true;
    });
  }

  async poll() {
    if (!this.isSupervisor()) return;
    let notices;
    try {
      ({ notices } = await this.api.request(`/api/triage/notices?since=${encodeURIComponent(this.since)}`));
    } catch {
      return; // the next tick tries again
    }
    const fresh = notices.filter((n) => !this.seen.has(`${n.at}|${n.thread_id}`)).reverse();
    for (const notice of fresh) {
      this.seen.add(`${notice.at}|${notice.thread_id}`);
      const what = notice.codes.map(describe).join(", ");
      this.e.list.prepend(
        el(
          "li",
          { class: "crisis-notice" },
          el("span", { text: `A resident in crisis (${what}) got the automatic answer with crisis resources.` }),
          el("button", { type: "button", class: "button button-small", "data-thread-id": notice.thread_id }, "Open conversation"),
        ),
      );
    }
    if (fresh.length) {
      this.e.region.hidden = false;
      this.announce(`A resident in crisis got the automatic answer. ${fresh.length > 1 ? `${fresh.length} new.` : ""}`);
    }
  }
}
