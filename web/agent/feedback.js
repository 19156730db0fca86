// @ts-check
// "How are we doing", reached by #feedback (issue 18). Every staff member answers the pulses sent to them
// (1-5 and a free text, anonymous: the one-time token the server issued is kept in this browser until used);
// supervisors send pulses, read results (only from 5 answers), follow up residents' low ratings with words
// and download the ratings as CSV. Data goes in through textContent only.

import { announce, byId, el, setText } from "./dom.js";
import { download, hasRole } from "./workspace.js";

const enc = encodeURIComponent;
const TOKENS = "switchboard-pulse-tokens";

function failure(error) {
  return error.message || (error.status === 0 ? "the connection was lost" : `error ${error.status}`);
}

/** Tokens issued to this person, by pulse id: sessionStorage, so a reload before answering keeps it. */
function tokens() {
  try {
    return JSON.parse(sessionStorage.getItem(TOKENS) || "{}");
  } catch (_) {
    return {};
  }
}

function keepToken(pulseId, token) {
  const all = tokens();
  if (token) all[pulseId] = token;
  else delete all[pulseId];
  sessionStorage.setItem(TOKENS, JSON.stringify(all));
}

export class FeedbackPanel {
  constructor({ api, auth }) {
    this.api = api;
    this.auth = auth;
    window.addEventListener("hashchange", () => this.route());
    byId("pulse-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendPulse();
    });
    byId("ratings-export").addEventListener("submit", (event) => {
      event.preventDefault();
      this.exportRatings();
    });
    const today = new Date().toISOString().slice(0, 10);
    byId("ratings-to").value = today;
    byId("ratings-from").value = new Date(Date.now() - 29 * 86400_000).toISOString().slice(0, 10);
  }

  route() {
    const show = location.hash === "#feedback" && !byId("workspace").hidden;
    byId("feedback-view").hidden = !show;
    if (!show) return this.hide();
    document.body.dataset.tool = "feedback";
    const supervisor = hasRole(this.auth.claims, "supervisor");
    byId("pulse-admin").hidden = !supervisor;
    byId("feedback-heading").focus();
    this.loadOpen();
    if (supervisor) this.loadSupervisor();
  }

  hide() {
    byId("feedback-view").hidden = true;
    if (document.body.dataset.tool === "feedback") delete document.body.dataset.tool;
  }

  // --- answering ---------------------------------------------------------------------------------------------

  async loadOpen() {
    try {
      const { pulses } = await this.api.request("/api/pulse/open");
      for (const pulse of pulses) if (pulse.token) keepToken(pulse.pulse_id, pulse.token);
      const held = tokens();
      const waiting = pulses.filter((pulse) => held[pulse.pulse_id]);
      byId("pulse-open-list").replaceChildren(...waiting.map((pulse) => this.answerForm(pulse, held[pulse.pulse_id])));
      setText(byId("pulse-status"), waiting.length ? "" : "No questions for you right now.");
    } catch (error) {
      if (error.status !== 401) setText(byId("pulse-status"), `Questions could not be loaded: ${failure(error)}.`);
    }
  }

  answerForm(pulse, token) {
    const id = `pulse-${pulse.pulse_id}`;
    const legend = el("legend", { text: pulse.question });
    const choices = el("div", { class: "pulse-choices" });
    for (let score = 1; score <= 5; score += 1) {
      const input = el("input", { type: "radio", name: `${id}-score`, id: `${id}-score-${score}`, value: String(score) });
      choices.append(el("label", { for: `${id}-score-${score}`, class: "pulse-choice" }, input, el("span", { text: String(score) })));
    }
    const group = el("fieldset", { class: "pulse-scale" }, legend, choices, el("p", { class: "help", text: "1 = not manageable at all, 5 = very manageable" }));
    const form = el("form", { class: "form", novalidate: true }, group);
    let text = null;
    if (pulse.text_question) {
      text = el("textarea", { id: `${id}-text`, rows: "3", maxlength: "1000" });
      form.append(el("div", { class: "field" }, el("label", { for: `${id}-text`, text: pulse.text_question }), text));
    }
    const error = el("p", { class: "form-error", role: "alert" });
    form.append(error, el("button", { type: "submit", class: "button", text: "Send anonymously" }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const picked = /** @type {HTMLInputElement | null} */ (form.querySelector(`input[name="${id}-score"]:checked`));
      if (!picked) {
        setText(error, "Please choose a number from 1 to 5.");
        /** @type {HTMLInputElement} */ (form.querySelector("input")).focus();
        return;
      }
      try {
        await this.api.request(`/api/pulse/${enc(pulse.pulse_id)}/answers`, {
          method: "POST",
          json: { token, score: Number(picked.value), text: text ? text.value.trim() : "" },
        });
        keepToken(pulse.pulse_id, null);
        announce("Thank you: your answer was sent anonymously.");
        setText(byId("pulse-status"), "Thank you: your answer was sent anonymously.");
        form.closest("li")?.remove();
      } catch (failed) {
        if (failed.status === 409) keepToken(pulse.pulse_id, null);
        setText(error, failed.status === 409 ? "This question was already answered." : `Not sent: ${failure(failed)}.`);
      }
    });
    return el("li", { class: "notice" }, form);
  }

  // --- supervisors -------------------------------------------------------------------------------------------

  async loadSupervisor() {
    try {
      const [{ departments }, { pulses }, { follow_ups: followUps }] = await Promise.all([
        this.api.request("/api/departments"),
        this.api.request("/api/pulse"),
        this.api.request("/api/feedback/follow-ups"),
      ]);
      const select = byId("pulse-department");
      select.replaceChildren(el("option", { value: "", text: "All staff" }), ...departments.map((d) => el("option", { value: d.department_id, text: d.name })));
      const results = await Promise.all(pulses.slice(0, 10).map((p) => this.api.request(`/api/pulse/${enc(p.pulse_id)}/results`)));
      byId("pulse-results").replaceChildren(...results.map((r) => this.resultItem(r)));
      this.renderFollowUps(followUps);
    } catch (error) {
      if (error.status !== 401) setText(byId("follow-ups-status"), `Could not be loaded: ${failure(error)}.`);
    }
  }

  resultItem(result) {
    const item = el("li", { class: "notice" }, el("h4", { class: "notice-title", text: result.question }));
    if (!result.shown) {
      item.append(el("p", { class: "help", text: `${result.answers} answer${result.answers === 1 ? "" : "s"} so far: results are shown from ${result.minimum} answers, so that nobody can be told apart.` }));
      return item;
    }
    const rows = Object.entries(result.distribution).map(([score, count]) => el("tr", {}, el("th", { scope: "row", text: score }), el("td", { text: String(count) })));
    const table = el(
      "table",
      { class: "data-table" },
      el("caption", { text: `${result.answers} answers, mean ${result.mean}` }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Answer (1-5)" }), el("th", { scope: "col", text: "People" }))),
      el("tbody", {}, ...rows),
    );
    item.append(table);
    if (result.texts && result.texts.length) {
      item.append(el("h5", { text: result.text_question || "Comments" }), el("ul", {}, ...result.texts.map((text) => el("li", { text }))));
    }
    return item;
  }

  renderFollowUps(followUps) {
    const open = followUps.filter((f) => f.state === "open");
    setText(byId("follow-ups-status"), open.length ? "" : "No low ratings waiting for a follow-up.");
    byId("follow-ups").replaceChildren(
      ...open.map((f) => {
        const link = el("a", { href: `#thread/${enc(f.thread_id)}`, text: "Open the conversation" });
        const done = el("button", { type: "button", class: "button button-small", text: "Followed up" });
        done.setAttribute("aria-label", `Followed up: rating ${f.rating} of ${new Date(f.at).toLocaleString()}`);
        done.addEventListener("click", async () => {
          try {
            await this.api.request(`/api/feedback/follow-ups/${enc(f.follow_up_id)}/done`, { method: "POST" });
            announce("Marked as followed up.");
            this.loadSupervisor();
          } catch (error) {
            setText(byId("follow-ups-status"), `Not saved: ${failure(error)}.`);
          }
        });
        return el(
          "li",
          { class: "notice" },
          el("h4", { class: "notice-title", text: `Rated ${f.rating} of 5 on ${new Date(f.at).toLocaleString()}` }),
          el("blockquote", { text: f.words }),
          el("p", { class: "help", text: `Channel: ${f.channel}${f.department ? ` · department ${f.department}` : ""}` }),
          el("div", { class: "notice-actions" }, link, done),
        );
      }),
    );
  }

  async sendPulse() {
    const error = byId("pulse-form-error");
    setText(error, "");
    const question = byId("pulse-question").value.trim();
    if (question.length < 3) {
      setText(error, "Write the question (at least 3 characters).");
      byId("pulse-question").focus();
      return;
    }
    const textQuestion = byId("pulse-text-question").value.trim();
    const department = byId("pulse-department").value;
    try {
      await this.api.request("/api/pulse", {
        method: "POST",
        json: { question, text_question: textQuestion || null, department_id: department || null },
      });
      announce("Pulse sent.");
      this.loadSupervisor();
      this.loadOpen();
    } catch (failed) {
      setText(error, `Not sent: ${failure(failed)}.`);
    }
  }

  async exportRatings() {
    const from = byId("ratings-from").value;
    const to = byId("ratings-to").value;
    const query = `from=${enc(from)}&to=${enc(to)}`;
    try {
      const figures = await this.api.request(`/api/feedback/ratings?${query}`);
      setText(
        byId("ratings-summary"),
        `${figures.sent} surveys sent, ${figures.responses} answered (${figures.response_rate}%), ${figures.satisfaction}% satisfied (4 or 5).`,
      );
      const blob = await this.api.request(`/api/feedback/ratings?${query}&format=csv`, { as: "blob" });
      download(blob, `ratings-${from}-${to}.csv`);
    } catch (failed) {
      setText(byId("ratings-summary"), `Not downloaded: ${failure(failed)}.`);
    }
  }
}
