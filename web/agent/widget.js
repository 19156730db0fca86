// @ts-check
/* Switchboard web chat widget. One tag on any page:
 *   <script src="https://<stack>/widget.js" async data-title="…" data-lang="es"></script>
 * Shadow DOM: the host page's styles cannot reach in, ours cannot leak out (open, so axe and assistive tech see it).
 * Everything a resident or an agent wrote is set with textContent, never parsed as HTML.
 * The words come from /chat/i18n/<lang> (one JSON file per language on the server). */
(() => {
  "use strict";
  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  const page = /** @type {any} */ (window); // the flag that stops a second copy of the tag
  if (!script || page.__switchboardChat) return;
  page.__switchboardChat = true;
  const base = new URL(script.src).origin;
  const data = script.dataset;
  const storeKey = "switchboard-chat:" + base;
  const POLL_OPEN_MS = 1000;
  const POLL_CLOSED_MS = 8000;
  // What the server accepts (it checks the bytes again): a photo, at most 4 MiB.
  const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"];
  const MAX_PHOTO = 4 * 1024 * 1024;

  let t = {};
  let token = null;
  let cursor = null;
  let pollTimer = 0;
  let lastTyping = 0;
  let open = false;
  let unseen = 0;
  const shown = new Set();
  const pending = new Map();

  const pickLang = () => {
    const wanted = [data.lang, document.documentElement.lang, ...(navigator.languages || [navigator.language])];
    for (const raw of wanted) {
      const lang = String(raw || "").toLowerCase().split("-")[0];
      if (/^[a-z]{2,3}$/.test(lang)) return lang;
    }
    return "en";
  };

  const el = (tag, attrs = {}, text) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "");

  // Days and times in the resident's language, on the agency's clock (the server says which zone).
  let agencyZone;
  const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const format = (options, value) => {
    try {
      return new Intl.DateTimeFormat(t.lang, options).format(value);
    } catch (_) {
      // an unknown zone or language: the browser's own
      return new Intl.DateTimeFormat(undefined, { ...options, timeZone: options.timeZone === "UTC" ? "UTC" : undefined }).format(value);
    }
  };
  const dayName = (abbr) => {
    const index = DAYS.indexOf(abbr.toLowerCase());
    if (index < 0) return abbr;
    // 1 January 2024 was a Monday.
    return format({ weekday: "short", timeZone: "UTC" }, Date.UTC(2024, 0, 1 + index)).replace(/\.$/, "");
  };
  const clock = (hhmm) => {
    const [h, m] = hhmm.split(":").map(Number);
    return format({ hour: "numeric", minute: "2-digit", timeZone: "UTC" }, Date.UTC(2024, 0, 1, h, m));
  };
  /** "Mon-Fri 08:00-17:00" -> "lun-vie 8:00-17:00" in Spanish; anything else stays as the agency wrote it. */
  const localHours = (text) => {
    const match = /^(\w{3})(?:-(\w{3}))?\s+(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(String(text || "").trim());
    if (!match) return text;
    const days = dayName(match[1]) + (match[2] ? "-" + dayName(match[2]) : "");
    return `${days} ${clock(match[3])}-${clock(match[4])}`;
  };

  const load = () => {
    try {
      const saved = JSON.parse(localStorage.getItem(storeKey) || "null");
      if (saved && saved.token && saved.expires_at * 1000 > Date.now()) return saved;
    } catch (_) {
      /* storage blocked or garbled: a fresh session */
    }
    return null;
  };
  const save = (value) => {
    try {
      if (value) localStorage.setItem(storeKey, JSON.stringify(value));
      else localStorage.removeItem(storeKey);
    } catch (_) {
      /* private mode: the session lives as long as the page */
    }
  };

  async function call(method, path, body) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      mode: "cors",
    });
    if (response.status === 401 && token) {
      token = null;
      save(null);
    }
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: response.status, json };
  }

  async function ensureSession() {
    if (token) return true;
    const { status, json } = await call("POST", "/chat/sessions", {});
    if (status !== 201) {
      showError(status);
      return false;
    }
    token = json.token;
    save({ token: json.token, expires_at: json.expires_at });
    showAvailability(json.availability);
    return true;
  }

  // --- the shadow tree ------------------------------------------------------------------------------------
  const host = el("div", { "data-switchboard-chat": "" });
  const root = host.attachShadow({ mode: "open" });
  const css = `
:host{all:initial}
*{box-sizing:border-box;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.launch{position:fixed;right:16px;bottom:16px;z-index:2147483000;background:#0b4f8a;color:#fff;border:2px solid #fff;
border-radius:24px;padding:12px 18px;font-size:16px;font-weight:600;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.35)}
.launch .count{display:inline-block;min-width:1.4em;margin-left:.4em;background:#fff;color:#0b4f8a;border-radius:1em;padding:0 .3em}
button:focus-visible,textarea:focus-visible,input:focus-visible,summary:focus-visible{outline:3px solid #c75000;outline-offset:2px}
.panel{position:fixed;right:16px;bottom:80px;z-index:2147483000;width:min(380px,calc(100vw - 32px));
height:min(560px,calc(100vh - 104px));display:flex;flex-direction:column;background:#fff;color:#1a1a1a;
border:1px solid #6b6b6b;border-radius:10px;box-shadow:0 4px 18px rgba(0,0,0,.3);font-size:16px;line-height:1.4}
.panel[hidden]{display:none}
.head{display:flex;align-items:center;justify-content:space-between;background:#0b4f8a;color:#fff;padding:8px 12px;border-radius:9px 9px 0 0}
h2{font-size:17px;margin:0}
.x{background:transparent;color:#fff;border:1px solid #fff;border-radius:6px;font-size:15px;padding:4px 10px;cursor:pointer}
.notice{margin:0;padding:8px 12px;background:#fff4d6;color:#3d2c00;font-size:14px}
.notice:empty,.err:empty{display:none}
.log{flex:1;overflow-y:auto;padding:10px 12px;margin:0;list-style:none}
.log>div{margin:0 0 10px;max-width:85%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;overflow-wrap:anywhere}
.in{margin-left:auto!important;background:#e3eefa;color:#10243a}
.out{background:#f1f1f1;color:#1a1a1a}
.who{display:block;font-size:13px;font-weight:600;color:#3b3b3b}
.meta{display:block;font-size:13px;color:#4a4a4a;margin-top:2px}
.typing{margin:0;padding:0 12px;min-height:1.4em;font-size:14px;color:#4a4a4a}
.err{margin:0;padding:6px 12px;color:#9b1c1c;font-size:14px}
form.send{display:flex;gap:8px;padding:8px 12px;border-top:1px solid #c4c4c4}
.attach{background:#fff;color:#0b4f8a;border:2px solid #0b4f8a;padding:6px 10px}
.attach svg{width:22px;height:22px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
@media (max-width:480px){.attach{padding:0;width:44px;flex:none}.attach .label{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.attach svg{display:block;margin:auto}}
@media (min-width:481px){.attach svg{display:none}}
.log img{display:block;max-width:100%;max-height:200px;margin-top:4px;border-radius:6px}
label{font-size:14px;font-weight:600;display:block}
textarea{flex:1;min-width:0;min-height:44px;max-height:120px;resize:vertical;font-size:16px;padding:8px;border:1px solid #6b6b6b;border-radius:6px;color:#1a1a1a}
input[type=text],input[type=email],input[type=tel]{width:100%;font-size:16px;padding:6px;border:1px solid #6b6b6b;border-radius:6px;margin-bottom:6px}
.btn{background:#0b4f8a;color:#fff;border:0;border-radius:6px;padding:8px 14px;font-size:16px;font-weight:600;cursor:pointer;min-height:44px}
details{position:relative;padding:6px 12px;border-top:1px solid #c4c4c4;font-size:14px}
details[open]>form{position:absolute;left:0;right:0;bottom:100%;max-height:min(70vh,420px);overflow-y:auto;padding:10px 12px;
background:#fff;border-top:1px solid #6b6b6b;box-shadow:0 -6px 18px rgba(0,0,0,.2)}
summary{cursor:pointer;font-weight:600;min-height:24px}
.check{display:flex;gap:6px;align-items:center;font-weight:400;margin:4px 0}
.hint,.ok{font-size:13px;color:#3b3b3b;margin:2px 0 6px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;height:100vh;height:100dvh;border-radius:0}.head{border-radius:0}
form.send{padding:6px 8px}textarea{min-height:44px;max-height:88px}.typing:empty{min-height:0}}
`;
  if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function") {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(el("style", {}, css));
  }

  const launch = el("button", { type: "button", class: "launch", "aria-expanded": "false", "aria-controls": "sb-panel" });
  const launchLabel = el("span");
  const count = el("span", { class: "count", hidden: "" });
  launch.append(launchLabel, count);
  const panel = el("section", { id: "sb-panel", class: "panel", role: "dialog", "aria-labelledby": "sb-title", hidden: "" });
  const title = el("h2", { id: "sb-title" });
  const closeBtn = el("button", { type: "button", class: "x" });
  // Not <header>: that would be a second banner landmark on a host page that has its own.
  const header = el("div", { class: "head" });
  header.append(title, closeBtn);
  const notice = el("p", { class: "notice", role: "status" });
  const log = el("div", { class: "log", role: "log", "aria-live": "polite", tabindex: "0" });
  const typing = el("p", { class: "typing", "aria-live": "polite" });
  const error = el("p", { class: "err", role: "alert" });
  const form = el("form", { class: "send", novalidate: "" });
  const inputLabel = el("label", { for: "sb-input", class: "sr" });
  const input = el("textarea", { id: "sb-input", rows: "2", maxlength: "1600", autocomplete: "off" });
  const sendBtn = el("button", { type: "submit", class: "btn" });
  const attachBtn = el("button", { type: "button", class: "btn attach" });
  // On a phone the button is a paperclip (its words stay for screen readers), so the message box keeps its width.
  const clip = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  clip.setAttribute("viewBox", "0 0 24 24");
  clip.setAttribute("aria-hidden", "true");
  clip.setAttribute("focusable", "false");
  const clipPath = document.createElementNS("http://www.w3.org/2000/svg", "path");
  clipPath.setAttribute("d", "M20 11l-8.5 8.5a5 5 0 0 1-7-7L13 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L14 7");
  clip.append(clipPath);
  const attachLabel = el("span", { class: "label" });
  attachBtn.append(clip, attachLabel);
  const fileInput = el("input", { type: "file", accept: PHOTO_TYPES.join(","), hidden: "", tabindex: "-1" });
  form.append(inputLabel, input, attachBtn, fileInput, sendBtn);

  const details = el("details");
  const summary = el("summary");
  const contact = el("form", { novalidate: "" });
  const fields = {};
  for (const [name, type, auto] of [
    ["name", "text", "name"],
    ["email", "email", "email"],
    ["phone", "tel", "tel"],
  ]) {
    const label = el("label", { for: "sb-" + name });
    const field = el("input", { id: "sb-" + name, type, name, autocomplete: auto });
    fields[name] = { label, field };
    contact.append(label, field);
  }
  const textBox = el("input", { id: "sb-text", type: "checkbox", "aria-describedby": "sb-text-hint" });
  const textLabel = el("label", { for: "sb-text", class: "check" });
  const textWords = el("span");
  textLabel.prepend(textBox);
  textLabel.append(textWords);
  const textHint = el("p", { id: "sb-text-hint", class: "hint" });
  const saveBtn = el("button", { type: "submit", class: "btn" });
  const saved = el("p", { class: "ok", role: "status" });
  contact.append(textLabel, textHint, saveBtn, saved);
  details.append(summary, contact);
  panel.append(header, notice, log, typing, error, form, details);
  root.append(launch, panel);

  function applyWords() {
    launchLabel.textContent = data.title || t.open;
    title.textContent = data.title || t.title;
    closeBtn.textContent = t.close;
    log.setAttribute("aria-label", t.messages);
    inputLabel.textContent = t.input;
    sendBtn.textContent = t.send;
    attachLabel.textContent = t.attach;
    fileInput.setAttribute("aria-label", t.attach);
    summary.textContent = t.details;
    for (const name of ["name", "email", "phone"]) fields[name].label.textContent = t[name];
    textWords.textContent = t.text;
    textHint.textContent = t.textHint;
    saveBtn.textContent = t.save;
    if (!log.children.length) log.append(el("div", { class: "out" }, t.intro));
  }

  function showAvailability(availability) {
    if (availability && availability.timezone) agencyZone = availability.timezone;
    if (!availability || availability.open) {
      notice.textContent = "";
      return;
    }
    const when = format(
      { weekday: "long", hour: "numeric", minute: "2-digit", timeZone: agencyZone },
      new Date(availability.next_open),
    );
    notice.textContent = fill(t.closed, { hours: localHours(availability.hours), when });
  }

  function showError(status, json) {
    if (status === 429) error.textContent = t.tooFast;
    else if (status === 400 || status === 422) error.textContent = t.invalid;
    else error.textContent = (json && status === 409 && json.message) || t.error;
  }

  function render(message) {
    if (shown.has(message.id)) return;
    shown.add(message.id);
    const waiting = message.sid && pending.get(message.sid);
    const item = waiting || el("div");
    item.className = message.direction === "in" ? "in" : "out";
    item.textContent = "";
    item.append(el("span", { class: "who" }, message.direction === "in" ? t.you : t.agency));
    item.append(document.createTextNode(message.body));
    for (const media of message.media || []) item.append(photo(media, message.direction === "in"));
    const time = format({ hour: "numeric", minute: "2-digit", timeZone: agencyZone }, new Date(message.created_at));
    item.append(el("span", { class: "meta" }, time));
    if (waiting) pending.delete(message.sid);
    else log.append(item);
    if (message.direction === "out" && !open) {
      unseen += 1;
      count.textContent = String(unseen);
      count.hidden = false;
    }
  }

  // A photo in the conversation: fetched with the session token, shown from a blob: URL.
  function photo(media, mine) {
    const img = el("img", { alt: mine ? t.yourPhoto : t.photo });
    fetch(base + "/chat/media/" + encodeURIComponent(media.media_id), {
      headers: { Authorization: "Bearer " + token },
      credentials: "omit",
      mode: "cors",
    })
      .then((response) => (response.ok ? response.blob() : Promise.reject(response.status)))
      .then((blob) => {
        img.src = URL.createObjectURL(blob);
      })
      .catch(() => img.replaceWith(el("span", { class: "meta" }, t.photoMissing)));
    return img;
  }

  async function sendPhoto(file) {
    error.textContent = "";
    const type = (file.type || "").toLowerCase();
    if (!PHOTO_TYPES.includes(type)) {
      error.textContent = t.photoType;
      return;
    }
    if (file.size > MAX_PHOTO || file.size < 1) {
      error.textContent = t.photoSize;
      return;
    }
    attachBtn.disabled = sendBtn.disabled = true;
    typing.textContent = t.photoSending;
    try {
      if (!(await ensureSession())) return;
      const grant = await call("POST", "/chat/uploads", { content_type: type, size: file.size });
      if (grant.status !== 201) {
        if (grant.status === 400 || grant.status === 413) error.textContent = grant.status === 400 ? t.photoType : t.photoSize;
        else showError(grant.status, grant.json);
        return;
      }
      const upload = new FormData();
      for (const [k, v] of Object.entries(grant.json.fields)) upload.append(k, v);
      upload.append("file", file);
      const stored = await fetch(grant.json.url, { method: "POST", body: upload, credentials: "omit", mode: "cors" });
      if (!stored.ok) {
        error.textContent = t.photoFailed;
        return;
      }
      const body = input.value.trim();
      const clientId = (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random().toString(16).slice(2);
      const { status, json } = await call("POST", "/chat/messages", { body, client_id: clientId, upload_id: grant.json.upload_id });
      if (status !== 202) {
        if (status === 400 || status === 413) error.textContent = status === 400 ? t.photoType : t.photoSize;
        else showError(status, json);
        return;
      }
      const item = el("div", { class: "in" });
      item.append(el("span", { class: "who" }, t.you), document.createTextNode(body || t.photoSent));
      pending.set(json.sid, item);
      log.append(item);
      log.scrollTop = log.scrollHeight;
      input.value = "";
      poll();
    } catch (_) {
      error.textContent = t.photoFailed;
    } finally {
      attachBtn.disabled = sendBtn.disabled = false;
      typing.textContent = "";
      fileInput.value = "";
      attachBtn.focus();
    }
  }

  let readMark = null;
  function showRead(read) {
    const mine = [...log.querySelectorAll(".in")].pop();
    if (readMark && readMark.parentNode !== mine) {
      readMark.remove();
      readMark = null;
    }
    if (!mine) return;
    if (!readMark) {
      readMark = el("span", { class: "meta" });
      mine.append(readMark);
    }
    readMark.textContent = read ? t.read : t.sent;
  }

  async function poll() {
    clearTimeout(pollTimer);
    if (token) {
      try {
        const query = cursor ? "?after=" + encodeURIComponent(cursor) : "";
        const { status, json } = await call("GET", "/chat/messages" + query);
        if (status === 200) {
          const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
          json.messages.forEach(render);
          cursor = json.cursor || cursor;
          typing.textContent = json.agent_typing ? t.typing : "";
          showRead(json.read);
          showAvailability(json.availability);
          if (json.text_to_masked) saved.textContent = fill(t.texting, { phone: json.text_to_masked });
          if (atBottom && json.messages.length) log.scrollTop = log.scrollHeight;
        }
      } catch (_) {
        /* offline for a moment: the next poll tries again */
      }
    }
    pollTimer = setTimeout(poll, open && !document.hidden ? POLL_OPEN_MS : POLL_CLOSED_MS);
  }

  async function send(event) {
    event.preventDefault();
    const body = input.value.trim();
    if (!body) {
      input.focus();
      return;
    }
    error.textContent = "";
    sendBtn.disabled = true;
    try {
      if (!(await ensureSession())) return;
      const clientId = (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random().toString(16).slice(2);
      const { status, json } = await call("POST", "/chat/messages", { body, client_id: clientId });
      if (status !== 202) {
        showError(status, json);
        return;
      }
      const item = el("div", { class: "in" });
      item.append(el("span", { class: "who" }, t.you), document.createTextNode(body));
      pending.set(json.sid, item);
      log.append(item);
      log.scrollTop = log.scrollHeight;
      input.value = "";
      poll();
    } catch (_) {
      showError(0);
    } finally {
      sendBtn.disabled = false;
      input.focus();
    }
  }

  async function saveContact(event) {
    event.preventDefault();
    saved.textContent = "";
    error.textContent = "";
    if (!(await ensureSession())) return;
    const body = { continue_by_text: textBox.checked };
    for (const name of ["name", "email", "phone"]) body[name] = fields[name].field.value.trim() || null;
    const { status, json } = await call("POST", "/chat/contact", body);
    for (const name of ["name", "email", "phone"]) fields[name].field.removeAttribute("aria-invalid");
    if (status === 200) {
      saved.textContent = json.text_to_masked ? fill(t.texting, { phone: json.text_to_masked }) : t.saved;
    } else {
      if (status === 422 && json && Array.isArray(json.detail)) {
        for (const problem of json.detail) {
          const name = (problem.loc || []).slice(-1)[0];
          if (fields[name]) fields[name].field.setAttribute("aria-invalid", "true");
        }
      }
      showError(status, json);
    }
  }

  function setOpen(value) {
    open = value;
    panel.hidden = !value;
    launch.setAttribute("aria-expanded", String(value));
    if (value) {
      unseen = 0;
      count.hidden = true;
      input.focus();
      log.scrollTop = log.scrollHeight;
      poll();
    } else {
      launch.focus();
    }
  }

  launch.addEventListener("click", () => setOpen(!open));
  closeBtn.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setOpen(false);
  });
  form.addEventListener("submit", send);
  attachBtn.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => fileInput.files[0] && sendPhoto(fileInput.files[0]));
  contact.addEventListener("submit", saveContact);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) send(event);
  });
  input.addEventListener("input", () => {
    if (!token || Date.now() - lastTyping < 3000) return;
    lastTyping = Date.now();
    call("POST", "/chat/typing").catch(() => {});
  });
  // Another tab started or ended the session: follow it.
  window.addEventListener("storage", (event) => {
    if (event.key !== storeKey) return;
    const next = load();
    if ((next && next.token) !== token) {
      token = next && next.token;
      poll();
    }
  });
  document.addEventListener("visibilitychange", () => !document.hidden && poll());

  async function start() {
    const lang = pickLang();
    let response = await fetch(base + "/chat/i18n/" + lang, { credentials: "omit" });
    if (!response.ok) response = await fetch(base + "/chat/i18n/en", { credentials: "omit" });
    if (!response.ok) return; // this site is not an allowed origin: no widget at all
    t = await response.json();
    host.setAttribute("lang", t.lang);
    applyWords();
    (document.body || document.documentElement).append(host);
    const session = load();
    token = session && session.token;
    poll();
  }
  start().catch(() => {});
})();
