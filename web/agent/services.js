// @ts-check
// The service catalogue, reached by #services (admins; issue 21 item 1): what residents can report, as a table; a
// form to add or edit a service (code, name, group, department, keywords, and its questions: GeoReport v2 attributes
// of type string, number, datetime, text, singlevaluelist or multivaluelist, required or not); and the import of a
// city's services.json with its service definitions (files read in the browser, checked by the server, which saves
// nothing when any service is bad). Data goes in through textContent and values only.

import { announce, byId, el, setText } from "./dom.js";

const enc = encodeURIComponent;
const DATATYPES = {
  string: "Short text",
  text: "Long text",
  number: "Number",
  datetime: "Date and time",
  singlevaluelist: "One choice from a list",
  multivaluelist: "Several choices from a list",
};
const LISTED = new Set(["singlevaluelist", "multivaluelist"]);

/** What the server said was wrong, in words: a message, a list of problems, or validation details.
 * @param {any} error */
export function problemWords(error) {
  const data = error.data || {};
  if (Array.isArray(data.problems) && data.problems.length) return data.problems.join("; ");
  if (Array.isArray(data.detail) && data.detail.length) {
    return data.detail.map((/** @type {any} */ d) => `${(d.loc || []).slice(1).join(".") || "body"}: ${d.msg || d.type || "not valid"}`).join("; ");
  }
  return error.message || `error ${error.status}`;
}

/** "key = Name" per line -> [{key, name}]; a line without "=" is its own key and name.
 * @param {string} text */
export function parseValues(text) {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.indexOf("=");
      return at === -1 ? { key: line, name: line } : { key: line.slice(0, at).trim(), name: line.slice(at + 1).trim() };
    });
}

let rowCount = 0;

export class ServicesPanel {
  /** @param {{ api: any }} options */
  constructor({ api }) {
    this.api = api;
    /** @type {any[]} */
    this.services = [];
    /** @type {string | null} the code of the service being edited */
    this.editing = null;
    this.form = /** @type {HTMLFormElement} */ (byId("service-form"));
    window.addEventListener("hashchange", () => this.route());
    byId("service-add").addEventListener("click", () => this.open(null));
    byId("service-cancel").addEventListener("click", () => this.close());
    byId("service-question-add").addEventListener("click", () => this.addQuestion(null));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    byId("services-import-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.importFiles();
    });
  }

  route() {
    const show = location.hash === "#services" && !byId("workspace").hidden;
    byId("services-view").hidden = !show;
    if (!show) return this.hide();
    document.body.dataset.tool = "services";
    byId("services-heading").focus();
    this.load();
  }

  hide() {
    byId("services-view").hidden = true;
    if (document.body.dataset.tool === "services") delete document.body.dataset.tool;
  }

  async load() {
    try {
      const [{ services }, departments] = await Promise.all([this.api.request("/api/services"), this.api.departments()]);
      this.services = services;
      this.fillDepartments(departments.departments || departments);
      this.table();
      setText(byId("services-status"), services.length ? `${services.length} services.` : "No services yet: add one or import a city's catalogue.");
    } catch (error) {
      if (error.status !== 401) setText(byId("services-status"), `The catalogue could not be loaded: ${problemWords(error)}.`);
    }
  }

  /** @param {any[]} departments */
  fillDepartments(departments) {
    for (const id of ["service-department", "services-import-department"]) {
      const select = /** @type {HTMLSelectElement} */ (byId(id));
      const chosen = select.value;
      select.replaceChildren(
        el("option", { value: "", text: "None" }),
        ...departments.map((/** @type {any} */ d) => el("option", { value: d.department_id || d.id, text: d.name || d.department_id || d.id })),
      );
      select.value = chosen;
    }
  }

  table() {
    const rows = this.services.map((service) => {
      const edit = el("button", { type: "button", class: "button button-small", text: "Edit", "aria-label": `Edit ${service.service_name}` });
      edit.addEventListener("click", () => this.open(service));
      const remove = el("button", { type: "button", class: "button button-quiet button-small", text: "Delete", "aria-label": `Delete ${service.service_name}` });
      remove.addEventListener("click", () => this.remove(service));
      const questions = service.attributes.filter((/** @type {any} */ a) => a.variable !== false);
      return el(
        "tr",
        {},
        el("td", { text: service.service_code }),
        el("th", { scope: "row", text: service.service_name }),
        el("td", { text: service.group || "" }),
        el("td", { text: service.department || "None" }),
        el("td", { text: service.keywords.join(", ") }),
        el("td", { text: `${questions.length} (${questions.filter((/** @type {any} */ a) => a.required).length} required)` }),
        el("td", {}, el("div", { class: "form-buttons" }, edit, remove)),
      );
    });
    byId("services-rows").replaceChildren(...rows);
  }

  /** @param {any} service null: a new one */
  open(service) {
    this.editing = service ? service.service_code : null;
    setText(byId("service-form-heading"), service ? `Edit ${service.service_name}` : "Add a service");
    setText(byId("service-error"), "");
    const code = /** @type {HTMLInputElement} */ (byId("service-code"));
    code.value = service?.service_code || "";
    code.readOnly = Boolean(service); // the code is the service's key (and the city's)
    /** @type {HTMLInputElement} */ (byId("service-name")).value = service?.service_name || "";
    /** @type {HTMLInputElement} */ (byId("service-group")).value = service?.group || "";
    /** @type {HTMLTextAreaElement} */ (byId("service-description")).value = service?.description || "";
    /** @type {HTMLSelectElement} */ (byId("service-department")).value = service?.department || "";
    /** @type {HTMLInputElement} */ (byId("service-keywords")).value = (service?.keywords || []).join(", ");
    byId("service-questions").replaceChildren();
    for (const attribute of service?.attributes || []) this.addQuestion(attribute);
    this.form.hidden = false;
    byId("service-add").hidden = true;
    (service ? byId("service-name") : code).focus();
  }

  close() {
    this.form.hidden = true;
    this.editing = null;
    byId("service-add").hidden = false;
  }

  /** One question's fields, in a fieldset of its own. @param {any} attribute null: a blank one */
  addQuestion(attribute) {
    rowCount += 1;
    const id = `service-q${rowCount}`;
    const datatype = el("select", { id: `${id}-type`, "data-field": "datatype" }, ...Object.entries(DATATYPES).map(([value, text]) => el("option", { value, text })));
    /** @type {HTMLSelectElement} */ (datatype).value = attribute?.datatype || "string";
    const required = el("input", { type: "checkbox", id: `${id}-required`, "data-field": "required" });
    /** @type {HTMLInputElement} */ (required).checked = Boolean(attribute?.required);
    const values = el("textarea", { id: `${id}-values`, rows: 3, "data-field": "values", "aria-describedby": `${id}-values-help` });
    /** @type {HTMLTextAreaElement} */ (values).value = (attribute?.values || []).map((/** @type {any} */ v) => `${v.key} = ${v.name}`).join("\n");
    const valuesField = el(
      "div",
      { class: "field" },
      el("label", { for: `${id}-values`, text: "Choices" }),
      values,
      el("p", { class: "help", id: `${id}-values-help`, text: 'One per line: "key = What the resident reads".' }),
    );
    const showValues = () => {
      valuesField.hidden = !LISTED.has(/** @type {HTMLSelectElement} */ (datatype).value);
    };
    datatype.addEventListener("change", showValues);
    showValues();
    const questionCode = el("input", { id: `${id}-code`, maxlength: 64, autocomplete: "off", "data-field": "code" });
    /** @type {HTMLInputElement} */ (questionCode).value = attribute?.code || "";
    const question = el("input", { id: `${id}-description`, maxlength: 500, autocomplete: "off", "data-field": "description" });
    /** @type {HTMLInputElement} */ (question).value = attribute?.description || "";
    const remove = el("button", { type: "button", class: "button button-quiet button-small", text: "Remove question" });
    const fieldset = el(
      "fieldset",
      { class: "field service-question", "data-variable": attribute?.variable === false ? "false" : "true" },
      el("legend", { text: `Question ${byId("service-questions").children.length + 1}` }),
      el("div", { class: "field" }, el("label", { for: `${id}-description`, text: "Question asked" }), question),
      el("div", { class: "field" }, el("label", { for: `${id}-code`, text: "Code" }), questionCode),
      el("div", { class: "field" }, el("label", { for: `${id}-type`, text: "Answer" }), datatype),
      el("div", { class: "check" }, required, el("label", { for: `${id}-required`, text: "Required" })),
      valuesField,
      remove,
    );
    remove.addEventListener("click", () => {
      fieldset.remove();
      byId("service-question-add").focus();
    });
    byId("service-questions").append(fieldset);
    if (!attribute) question.focus();
  }

  /** The service as the form says. */
  serviceInForm() {
    const value = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (byId(id)).value.trim();
    const attributes = [...byId("service-questions").querySelectorAll("fieldset")].map((fieldset, order) => {
      const field = (/** @type {string} */ name) => /** @type {HTMLInputElement} */ (fieldset.querySelector(`[data-field="${name}"]`));
      const datatype = field("datatype").value;
      return {
        variable: fieldset.getAttribute("data-variable") !== "false",
        code: field("code").value.trim(),
        datatype,
        required: field("required").checked,
        order: order + 1,
        description: field("description").value.trim(),
        values: LISTED.has(datatype) ? parseValues(field("values").value) : [],
      };
    });
    return {
      service_code: value("service-code"),
      service_name: value("service-name"),
      group: value("service-group"),
      description: value("service-description"),
      department: value("service-department") || null,
      keywords: value("service-keywords").split(","),
      attributes,
    };
  }

  async save() {
    const service = this.serviceInForm();
    const error = byId("service-error");
    if (!service.service_code || !service.service_name) {
      setText(error, "A service needs a code and a name.");
      return;
    }
    const problems = service.attributes.flatMap((attribute, n) => {
      const found = [];
      if (!attribute.code || !attribute.description) found.push(`Question ${n + 1} needs a code and the question asked.`);
      if (LISTED.has(attribute.datatype) && !attribute.values.length) found.push(`Question ${n + 1} needs values to choose from.`);
      return found;
    });
    if (problems.length) {
      setText(error, `Not saved: ${problems.join(" ")}`);
      return;
    }
    try {
      await this.api.request(`/api/services/${enc(service.service_code)}`, { method: "PUT", json: service });
      const message = `${service.service_name} saved.`;
      this.close();
      setText(byId("services-status"), message);
      announce(message);
      byId("service-add").focus();
      await this.load();
      setText(byId("services-status"), message);
    } catch (failure) {
      setText(error, `Not saved: ${problemWords(failure)}.`);
    }
  }

  /** @param {any} service */
  async remove(service) {
    if (!window.confirm(`Delete ${service.service_name}? Residents will no longer be offered it.`)) return;
    try {
      await this.api.request(`/api/services/${enc(service.service_code)}`, { method: "DELETE", as: "none" });
      await this.load();
      const message = `${service.service_name} deleted.`;
      setText(byId("services-status"), message);
      announce(message);
      byId("service-add").focus();
    } catch (failure) {
      setText(byId("services-status"), `Not deleted: ${problemWords(failure)}.`);
    }
  }

  /** services.json and the definitions (one JSON file each, or one file holding a list of them). */
  async importFiles() {
    const status = byId("services-import-status");
    const servicesFile = /** @type {HTMLInputElement} */ (byId("services-import-services")).files?.[0];
    if (!servicesFile) {
      setText(status, "Choose the city's services.json.");
      return;
    }
    try {
      const services = JSON.parse(await servicesFile.text());
      /** @type {Record<string, any>} */
      const definitions = {};
      for (const file of /** @type {HTMLInputElement} */ (byId("services-import-definitions")).files || []) {
        const parsed = JSON.parse(await file.text());
        for (const definition of Array.isArray(parsed) ? parsed : [parsed]) definitions[definition.service_code] = definition;
      }
      const department = /** @type {HTMLSelectElement} */ (byId("services-import-department")).value;
      const departments = department ? Object.fromEntries(services.map((/** @type {any} */ s) => [s.service_code, department])) : {};
      const result = await this.api.request("/api/services/import", { method: "POST", json: { services, definitions, departments } });
      const message = `Imported ${result.imported} services.`;
      setText(status, message);
      announce(message);
      await this.load();
    } catch (failure) {
      setText(status, failure instanceof SyntaxError ? "A file is not JSON." : `Nothing imported: ${problemWords(failure)}.`);
    }
  }
}
