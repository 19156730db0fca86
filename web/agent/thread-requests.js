// @ts-check
// Service requests of the open conversation, in the resident panel (issue 21 item 2): the requests linked to the
// thread (the resident's own report or staff's), and a form to make one (service, place, the service's questions)
// or edit one (place, description, answers, status). The server checks the answers against the service's definition
// and answers each problem; they are shown as written. Data goes in through textContent and values only.

import { announce, byId, el, setText } from "./dom.js";

const enc = encodeURIComponent;
const STATUS = { open: "Open", closed: "Closed" };

/**
 * The form controls of a service's questions (GeoReport v2 attributes): a list is a select (one) or checkboxes
 * (several), a number a decimal field, a date and time a datetime-local field, a text a textarea.
 * @param {any} service
 * @param {Record<string, string | string[]>} answers
 * @param {string} prefix ids of the controls start with it
 */
export function attributeFields(service, answers, prefix) {
  const questions = (service?.attributes || []).filter((/** @type {any} */ a) => a.variable !== false);
  questions.sort((/** @type {any} */ a, /** @type {any} */ b) => a.order - b.order);
  return questions.map((/** @type {any} */ attribute) => {
    const id = `${prefix}-${attribute.code}`;
    const words = `${attribute.description}${attribute.required ? " (required)" : ""}`;
    const answer = answers[attribute.code];
    if (attribute.datatype === "multivaluelist") {
      const chosen = new Set(Array.isArray(answer) ? answer : answer ? [answer] : []);
      const boxes = attribute.values.map((/** @type {any} */ value, /** @type {number} */ n) => {
        const box = el("input", { type: "checkbox", id: `${id}-${n}`, value: value.key, "data-code": attribute.code });
        /** @type {HTMLInputElement} */ (box).checked = chosen.has(value.key);
        return el("label", { for: `${id}-${n}` }, box, value.name);
      });
      return el("fieldset", { class: "field" }, el("legend", { text: words }), el("div", { class: "check-list" }, ...boxes));
    }
    let control;
    if (attribute.datatype === "singlevaluelist") {
      control = el(
        "select",
        { id, "data-code": attribute.code },
        el("option", { value: "", text: "Choose…" }),
        ...attribute.values.map((/** @type {any} */ value) => el("option", { value: value.key, text: value.name })),
      );
    } else if (attribute.datatype === "text") {
      control = el("textarea", { id, rows: 2, maxlength: 4000, "data-code": attribute.code });
    } else {
      const type = attribute.datatype === "datetime" ? "datetime-local" : "text";
      const mode = attribute.datatype === "number" ? "decimal" : null;
      control = el("input", { id, type, inputmode: mode, maxlength: 200, autocomplete: "off", "data-code": attribute.code });
    }
    /** @type {HTMLInputElement} */ (control).value = typeof answer === "string" ? answer : "";
    if (attribute.required) control.setAttribute("aria-required", "true");
    const help = attribute.datatype_description ? el("p", { class: "help", id: `${id}-help`, text: attribute.datatype_description }) : null;
    if (help) control.setAttribute("aria-describedby", `${id}-help`);
    return el("div", { class: "field" }, el("label", { for: id, text: words }), control, help);
  });
}

/** The answers in the controls under `root`: one value per code, a list for checkboxes; empty ones left out.
 * @param {HTMLElement} root */
export function answersIn(root) {
  /** @type {Record<string, string | string[]>} */
  const answers = {};
  for (const node of root.querySelectorAll("[data-code]")) {
    const control = /** @type {HTMLInputElement} */ (node);
    const code = control.dataset.code || "";
    if (control.type === "checkbox") {
      if (control.checked) answers[code] = [...(/** @type {string[]} */ (answers[code]) || []), control.value];
    } else if (control.value.trim()) {
      answers[code] = control.value.trim();
    }
  }
  return answers;
}

export class ThreadRequests {
  /** @param {{ api: any, getThreadId: () => string | null }} options */
  constructor({ api, getThreadId }) {
    this.api = api;
    this.getThreadId = getThreadId;
    /** @type {string | null} */
    this.threadId = null;
    /** @type {any[]} */
    this.services = [];
    /** @type {any} the request being edited, or null for a new one */
    this.editing = null;
    this.form = /** @type {HTMLFormElement} */ (byId("thread-request-form"));
    this.service = /** @type {HTMLSelectElement} */ (byId("thread-request-service"));
    byId("thread-request-new").addEventListener("click", () => this.open(null));
    byId("thread-request-cancel").addEventListener("click", () => this.close());
    this.service.addEventListener("change", () => this.showQuestions({}));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
  }

  /** @param {any} thread */
  update(thread) {
    if (thread.thread_id === this.threadId) return;
    this.threadId = thread.thread_id;
    this.close();
    this.load();
  }

  clear() {
    this.threadId = null;
    this.close();
    byId("thread-requests-list").replaceChildren();
  }

  async load() {
    const threadId = this.threadId;
    if (!threadId) return;
    try {
      const { requests } = await this.api.request(`/api/threads/${enc(threadId)}/service-requests`);
      if (threadId !== this.threadId) return;
      this.render(requests);
    } catch (error) {
      if (threadId !== this.threadId) return;
      setText(byId("thread-requests-status"), `Requests could not be loaded: ${error.message || `error ${error.status}`}.`);
    }
  }

  /** @param {any[]} requests */
  render(requests) {
    const items = requests.map((request) => {
      const edit = el("button", { type: "button", class: "button button-quiet button-small", text: `Edit #${request.service_request_id}` });
      edit.addEventListener("click", () => this.open(request));
      const where = request.address || (typeof request.lat === "number" ? `${request.lat}, ${request.long}` : "no place given");
      return el(
        "li",
        {},
        el("span", { text: `#${request.service_request_id} ${request.service_name} · ${STATUS[request.status] || request.status} · ${where}` }),
        " ",
        edit,
      );
    });
    byId("thread-requests-list").replaceChildren(...items);
    byId("thread-requests-none").hidden = items.length > 0;
  }

  async loadServices() {
    const { services } = await this.api.request("/api/services");
    this.services = services;
    this.service.replaceChildren(
      el("option", { value: "", text: "Choose a service…" }),
      ...services.map((/** @type {any} */ s) => el("option", { value: s.service_code, text: s.group ? `${s.service_name} (${s.group})` : s.service_name })),
    );
  }

  /** @param {any} request null: a new request */
  async open(request) {
    this.editing = request;
    setText(byId("thread-request-error"), "");
    try {
      await this.loadServices();
    } catch (error) {
      setText(byId("thread-requests-status"), `The services could not be loaded: ${error.message || `error ${error.status}`}.`);
      return;
    }
    setText(byId("thread-request-heading"), request ? `Edit request #${request.service_request_id}` : "New service request");
    this.service.value = request ? request.service_code : "";
    this.service.disabled = Boolean(request); // a request keeps its service (the city has it under that code)
    /** @type {HTMLInputElement} */ (byId("thread-request-address")).value = request?.address || "";
    /** @type {HTMLTextAreaElement} */ (byId("thread-request-description")).value = request?.description || "";
    byId("thread-request-status-row").hidden = !request;
    /** @type {HTMLSelectElement} */ (byId("thread-request-status")).value = request?.status || "open";
    /** @type {HTMLInputElement} */ (byId("thread-request-notes")).value = "";
    this.showQuestions(request?.attributes || {});
    this.form.hidden = false;
    byId("thread-request-new").hidden = true;
    (request ? byId("thread-request-address") : this.service).focus();
  }

  close() {
    this.form.hidden = true;
    this.editing = null;
    byId("thread-request-new").hidden = false;
  }

  /** @param {Record<string, string | string[]>} answers */
  showQuestions(answers) {
    const service = this.services.find((s) => s.service_code === this.service.value);
    byId("thread-request-attributes").replaceChildren(...attributeFields(service, answers, "thread-request-attr"));
  }

  async save() {
    const threadId = this.threadId;
    if (!threadId) return;
    const error = byId("thread-request-error");
    const editing = this.editing;
    if (!editing && !this.service.value) {
      setText(error, "Choose a service.");
      this.service.focus();
      return;
    }
    const address = /** @type {HTMLInputElement} */ (byId("thread-request-address")).value.trim();
    /** @type {Record<string, any>} */
    const details = {
      address: address || null,
      description: /** @type {HTMLTextAreaElement} */ (byId("thread-request-description")).value.trim() || null,
      attributes: answersIn(byId("thread-request-attributes")),
    };
    if (editing && address === (editing.address || "") && typeof editing.lat === "number") {
      details.lat = editing.lat; // the place did not change: keep its coordinates
      details.long = editing.long;
    }
    try {
      let saved;
      if (editing) {
        const path = `/api/service-requests/${enc(editing.service_request_id)}`;
        saved = await this.api.request(path, { method: "PUT", json: details });
        const status = /** @type {HTMLSelectElement} */ (byId("thread-request-status")).value;
        if (status !== editing.status) {
          const notes = /** @type {HTMLInputElement} */ (byId("thread-request-notes")).value.trim() || null;
          await this.api.request(`${path}/status`, { method: "PUT", json: { status, notes } });
        }
      } else {
        saved = await this.api.request(`/api/threads/${enc(threadId)}/service-requests`, {
          method: "POST",
          json: { service_code: this.service.value, ...details },
        });
      }
      if (threadId !== this.threadId) return;
      const message = editing ? `Request #${saved.service_request_id} saved.` : `Request #${saved.service_request_id} created.`;
      this.close();
      setText(byId("thread-requests-status"), message);
      announce(message);
      byId("thread-request-new").focus();
      await this.load();
    } catch (failure) {
      const problems = failure.data?.problems;
      setText(error, Array.isArray(problems) && problems.length ? `Not saved: ${problems.join("; ")}` : `Not saved: ${failure.message || `error ${failure.status}`}.`);
    }
  }
}
