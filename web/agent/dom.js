// @ts-check
// Safe DOM building. Resident text is hostile: everything that comes from data goes in through textContent or
// createTextNode, never through innerHTML, insertAdjacentHTML, document.write or an attribute that navigates or runs.

const FORBIDDEN_ATTRIBUTE = /^(on|style$|src$|srcdoc$|href$|action$|formaction$|xlink:href$)/i;

/** Create an element. `props.text` becomes its textContent; `props.class` its className; other props become plain
 * attributes (never event handlers, styles or URLs: those are set by trusted code on the element itself). Children may
 * be nodes or strings; strings become text nodes. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else if (name === "class") node.className = value;
    else if (FORBIDDEN_ATTRIBUTE.test(name)) throw new Error(`el(): attribute ${name} is not set through el()`);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Set text only when it changed, so screen readers and selection are not disturbed by identical rewrites. */
export function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

/** The element with this id (index.html has it, or the page is broken: thrown). Typed `any` by default because the
 * ids name inputs, forms, dialogs and plain elements alike; a caller that wants checking passes the type.
 * @template [T=any]
 * @param {string} id
 * @returns {T}
 */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from index.html`);
  return /** @type {T} */ (/** @type {unknown} */ (node));
}

/** Show a resident address so that a narrow screen wraps it after "whatsapp:" instead of inside the number. */
export function setAddress(node, address) {
  if (node.textContent === address) return;
  const colon = address.indexOf(":");
  if (colon === -1) node.textContent = address;
  else node.replaceChildren(address.slice(0, colon + 1), document.createElement("wbr"), address.slice(colon + 1));
}

/** Move `node` before `reference` without losing focus inside it (moveBefore keeps state where the browser has it). */
export function moveBefore(parent, node, reference) {
  if (node === reference || (node.parentNode === parent && node.nextSibling === reference)) return;
  const focused = /** @type {HTMLElement | null} */ (document.activeElement);
  const hadFocus = focused && node.contains(focused);
  if (typeof parent.moveBefore === "function" && node.parentNode === parent) parent.moveBefore(node, reference);
  else parent.insertBefore(node, reference);
  if (hadFocus && document.activeElement !== focused) focused.focus({ preventScroll: true });
}

export function prefersReducedMotion() {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
}

// Times: the list shows how long ago, the thread shows the clock time (with the day when it was not today).
export function timeAgo(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 7) return `${days} d ago`;
  return new Date(then).toLocaleDateString();
}

export function clockTime(iso, now = new Date()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return date.toDateString() === now.toDateString() ? time : `${date.toLocaleDateString()} ${time}`;
}

/** Announce text politely to screen readers through the page's one live region. */
export function announce(text) {
  const region = byId("announcer");
  // Clearing first makes a repeated identical announcement be read again.
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** One icon from the page's inline sprite (index.html), decorative: screen readers read the text beside it. */
export function icon(name) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS(SVG_NS, "use");
  use.setAttribute("href", `#i-${name}`); // a fragment of this document, never data
  svg.append(use);
  return svg;
}

/** A stable colour index (0-5) for a string, so a resident or a label keeps its colour everywhere. */
export function toneOf(text) {
  let hash = 0;
  for (const char of String(text)) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return String(hash % 6);
}

/** Up to two initials of a name ("Ana María López" -> "AM"); "" when there is no name to take them from. */
export function initials(name) {
  const words = String(name || "").trim().split(/\s+/).filter((w) => /\p{L}/u.test(w));
  return words.slice(0, 2).map((w) => [...w.replace(/^[^\p{L}]+/u, "")][0].toUpperCase()).join("");
}

/** Fill an avatar: the name's initials on a colour of its own, or a person icon when the name is unknown. */
export function fillAvatar(node, name, key) {
  const letters = initials(name);
  node.dataset.tone = toneOf(key || name || "");
  if (letters) {
    node.classList.remove("avatar-icon");
    setText(node, letters);
  } else if (!node.classList.contains("avatar-icon")) {
    node.classList.add("avatar-icon");
    node.replaceChildren(icon("person"));
  }
}

/** A label as a coloured chip (its colour follows its text). */
export function chip(label, tag = "li") {
  return el(tag, { class: "chip", "data-tone": toneOf(label.toLowerCase()), text: label });
}
