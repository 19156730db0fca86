// @ts-check
// The residents' sign-up page: topics from the agency, a phone number, an optional ZIP, a language, and the
// channels alerts come by (texts, a phone call, email with its address).
// Nothing from the server or the resident is ever written as HTML: text goes through textContent only.
// Every word comes from the server's message catalog (catalogs/<lang>/signup_page.json) in the language the
// resident reads: ?lang=es, else the browser's; choosing a language for alerts switches the page to it too.

const LANGUAGE_NAMES = {
  en: "English",
  es: "Español",
  zh: "中文",
  vi: "Tiếng Việt",
  tl: "Tagalog",
  ko: "한국어",
  ar: "العربية",
  ru: "Русский",
  fr: "Français",
  ht: "Kreyòl ayisyen",
};

/** @type {(id: string) => any} the form's fields, buttons and lists alike */
const byId = (id) => document.getElementById(id);

function setError(input, errorId, message) {
  byId(errorId).textContent = message;
  if (input) input.setAttribute("aria-invalid", message ? "true" : "false");
}

function normalizePhone(raw) {
  let digits = raw.replace(/[\s().-]/g, "");
  if (/^\d{10}$/.test(digits)) digits = "+1" + digits;
  else if (/^1\d{10}$/.test(digits)) digits = "+" + digits;
  return /^\+[1-9]\d{7,14}$/.test(digits) ? digits : null;
}

/** The page's words in the current language; English (the HTML's own words) until they arrive. */
let words = {};
const say = (key, fallback) => words[key] || fallback;

function applyWords(data) {
  words = data.words || {};
  document.documentElement.lang = data.lang || "en";
  for (const node of document.querySelectorAll("[data-word]")) {
    const text = words[node.getAttribute("data-word")];
    if (text) node.textContent = text;
  }
  const agency = data.agency || "";
  if (agency) byId("signup-agency").textContent = say("lead", "Alerts from {agency}, by text message.").replace("{agency}", agency);
  document.title = agency
    ? say("title_agency", "Sign up for text alerts: {agency}").replace("{agency}", agency)
    : say("title", "Sign up for text alerts");
}

function renderTopics(topics) {
  const list = byId("topic-list");
  const checked = new Set([...list.querySelectorAll("input:checked")].map((input) => input.value));
  list.replaceChildren();
  topics.forEach((topic, index) => {
    const id = `topic-${index}`;
    const input = document.createElement("input");
    input.type = "checkbox";
    input.id = id;
    input.name = "topics";
    input.value = topic.code;
    input.checked = checked.has(topic.code);
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = topic.name;
    const item = document.createElement("li");
    item.append(input, label);
    list.append(item);
  });
  byId("topics-loading").hidden = true;
}

function renderLanguages(languages, current) {
  const select = byId("language");
  select.replaceChildren();
  for (const code of languages) {
    const option = document.createElement("option");
    option.value = code;
    option.lang = code;
    option.textContent = LANGUAGE_NAMES[code] || code;
    select.append(option);
  }
  if (languages.includes(current)) select.value = current;
}

function wantedLanguage() {
  const asked = new URLSearchParams(location.search).get("lang") || navigator.language || "en";
  return asked.slice(0, 2).toLowerCase();
}

async function loadPage(lang) {
  try {
    const response = await fetch(`/api/public/topics?lang=${encodeURIComponent(lang)}`, {
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    applyWords(data);
    renderTopics(data.topics || []);
    // The alerts' language is the resident's choice even where the page has no words of its own for it.
    if (!byId("language").options.length) renderLanguages(data.languages || ["en"], lang);
  } catch {
    byId("topics-loading").hidden = false;
    byId("topics-loading").textContent = say("topics_failed", "Topics could not be loaded. Please reload the page.");
  }
}

function validate(form) {
  let firstInvalid = null;
  const phone = normalizePhone(form.phone.value);
  setError(form.phone, "phone-error", phone ? "" : say("phone_invalid", "Enter a mobile number, for example +1 202 555 0143."));
  if (!phone) firstInvalid = form.phone;
  const topics = [...form.querySelectorAll('input[name="topics"]:checked')].map((input) => input.value);
  byId("topics-error").textContent = topics.length ? "" : say("topics_missing", "Choose at least one topic.");
  if (!topics.length) firstInvalid = firstInvalid || form.querySelector('input[name="topics"]');
  const zip = form.zip.value.trim();
  const zipOk = zip === "" || /^\d{5}$/.test(zip);
  setError(form.zip, "zip-error", zipOk ? "" : say("zip_invalid", "Enter a 5-digit ZIP code, or leave it empty."));
  if (!zipOk) firstInvalid = firstInvalid || form.zip;
  const address = form.street_address.value.trim();
  const addressOk = address === "" || address.length >= 3;
  setError(form.street_address, "address-error", addressOk ? "" : say("address_invalid", "Enter a street address, or leave it empty."));
  if (!addressOk) firstInvalid = firstInvalid || form.street_address;
  const channels = [...form.querySelectorAll('input[name="channels"]:checked')].map((input) => input.value);
  byId("channels-error").textContent = channels.length ? "" : say("channels_missing", "Choose at least one way to get alerts.");
  if (!channels.length) firstInvalid = firstInvalid || byId("channel-sms");
  const email = form.email.value.trim();
  const emailOk = channels.includes("email") ? /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(email) : true;
  setError(form.email, "email-error", emailOk ? "" : say("email_invalid", "Enter an email address, for example name@example.org."));
  if (!emailOk) firstInvalid = firstInvalid || form.email;
  const request = { phone, topics, zip_code: zip || null, language: form.language.value, channels };
  if (channels.includes("email")) request.email = email;
  if (address) request.address = address;
  return { firstInvalid, request };
}

async function submit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  byId("signup-error").textContent = "";
  byId("signup-status").textContent = "";
  const { firstInvalid, request } = validate(form);
  if (firstInvalid) {
    firstInvalid.focus();
    return;
  }
  const button = byId("signup-submit");
  button.disabled = true;
  try {
    const response = await fetch("/api/public/signup", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(request),
    });
    if (response.status === 202) {
      form.hidden = true;
      byId("signup-status").textContent = say("sent", "Almost done: we sent you a text. Reply YES to it to start getting alerts.");
      return;
    }
    const problem = response.status === 400 ? await response.json().catch(() => ({})) : {};
    // The server decides what a phone number is (the page only checks its shape): say so at the field.
    if ((problem.fields || []).includes("phone")) {
      setError(form.phone, "phone-error", say("phone_refused", "This is not a mobile number we can text. Check it and try again."));
      form.phone.focus();
    }
    if ((problem.fields || []).includes("email")) {
      setError(form.email, "email-error", say("email_invalid", "Enter an email address, for example name@example.org."));
      form.email.focus();
    }
    if ((problem.fields || []).includes("address")) {
      setError(form.street_address, "address-error",
        say("address_refused", "We could not find this address in our area. Check it, or give a ZIP code instead."));
      form.street_address.focus();
    }
    const messages = {
      400: say("check_form", "Please check the form and try again."),
      429: say("too_many", "Too many sign-ups right now, so no text was sent. Please try again later."),
    };
    byId("signup-error").textContent =
      messages[response.status] || say("unavailable", "Sign-up is not available right now. Please try again later.");
  } catch {
    byId("signup-error").textContent = say("no_connection", "No connection. Please try again.");
  } finally {
    button.disabled = false;
  }
}

byId("signup-form").addEventListener("submit", submit);
byId("language").addEventListener("change", () => loadPage(byId("language").value));
loadPage(wantedLanguage());
