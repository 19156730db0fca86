// @ts-check
// Switchboard agent page: entry point. Wires sign-in, the thread list, the open thread and the poller together.
// Modules: dom.js (safe DOM), auth.js (Cognito), api.js (agent API), poller.js (live updates), inbox.js (thread
// list), thread.js (open thread and composer), segments.js (SMS segment hint). No framework, no build step.

import { Api } from "./api.js";
import { Auth, friendlyAuthMessage } from "./auth.js";
import { announce, byId, setText } from "./dom.js";
import { ThreadList } from "./inbox.js";
import { Poller } from "./poller.js";
import { ThreadView } from "./thread.js";
import { AlertRepliesPanel } from "./alert-replies.js";
import { AlertsPanel } from "./alerts.js";
import { RemindersPanel } from "./reminders.js";
import { FeedbackPanel } from "./feedback.js";
import { RequestsPanel } from "./requests.js";
import { ServicesPanel } from "./services.js";
import { CallbackPanel } from "./callbacks.js";
import { CallControls } from "./calls.js";
import { NoticesPanel } from "./notices.js";
import { AudiencePanel, SubscribersPanel } from "./audience.js";
import { ReportsView } from "./reports.js";
import { StaffViews } from "./staff-views.js";
import { Workspace } from "./workspace.js";
import { ResidentPanel } from "./resident.js";
import { ThreadRequests } from "./thread-requests.js";
import { BulkActions } from "./bulk.js";
import { CrisisNotices, TriagePanel, TriageRulesEditor } from "./triage.js";
import { TranslationPanel, TranslationSettingsForm } from "./translation.js";
import { DesktopNotifications, InboxControls, PresenceControl, Sound } from "./views.js";
import { wireWebChat } from "./webchat.js";

const POLL_INTERVAL_MS = 1500;
const COUNTS_EVERY_TICKS = 4; // view counts refresh every ~6 s; the list itself every tick
const THREAD_ID = /^[A-Za-z0-9._:-]{1,200}$/;
// Under 1024 px the workspace shows one pane at a time (app.css uses the same breakpoint).
const PHONE_LAYOUT = window.matchMedia("(max-width: 1023.98px)");

const app = {
  auth: null,
  api: null,
  list: null,
  view: null,
  poller: null,
  controls: null,
  presence: null,
  sound: null,
  generation: 0, // bumped when the view, filters or search change: answers for an older one are dropped
  ticks: 0,
  clockTimer: null,
  reconnectedTimer: null,
};

// ---------------------------------------------------------------------------------------------------------------
// Sign-in

const signin = {
  view: byId("signin-view"),
  error: byId("signin-error"),
  forms: {
    password: byId("signin-form"),
    "new-password": byId("new-password-form"),
    mfa: byId("mfa-form"),
  },
};

function showSignInStep(step) {
  for (const [name, form] of Object.entries(signin.forms)) form.hidden = name !== step;
  setText(byId("signin-heading"), { password: "Sign in", "new-password": "Set a new password", mfa: "Verify it’s you" }[step]);
  signin.forms[step].querySelector("input").focus();
}

function showSignInError(message, field) {
  setText(signin.error, message);
  for (const input of signin.view.querySelectorAll("input")) input.removeAttribute("aria-invalid");
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.focus();
  }
}

/** Run one sign-in step with the submit button marked busy; route the outcome. */
async function runSignInStep(form, action) {
  const submit = form.querySelector("button[type=submit]");
  if (submit.getAttribute("aria-disabled") === "true") return;
  submit.setAttribute("aria-disabled", "true");
  setText(signin.error, "");
  try {
    const challenge = await action();
    if (challenge === null) enterWorkspace();
    else showSignInStep(challenge === "NEW_PASSWORD_REQUIRED" ? "new-password" : "mfa");
  } catch (error) {
    showSignInError(friendlyAuthMessage(error));
    // Put the agent back where the fix goes: the password on a wrong login, else the step's first field.
    const field = form === signin.forms.password ? byId("password") : form.querySelector("input");
    field.focus();
    field.select();
  } finally {
    submit.removeAttribute("aria-disabled");
  }
}

function wireSignIn() {
  signin.forms.password.addEventListener("submit", (event) => {
    event.preventDefault();
    const email = byId("email");
    const password = byId("password");
    if (!email.value.trim()) return showSignInError("Enter your email address.", email);
    if (!password.value) return showSignInError("Enter your password.", password);
    runSignInStep(signin.forms.password, () => app.auth.signIn(email.value.trim(), password.value));
  });
  signin.forms["new-password"].addEventListener("submit", (event) => {
    event.preventDefault();
    const first = byId("new-password");
    const second = byId("confirm-password");
    if (!first.value) return showSignInError("Enter a new password.", first);
    if (first.value !== second.value) return showSignInError("The two passwords are not the same.", second);
    runSignInStep(signin.forms["new-password"], () => app.auth.setNewPassword(first.value));
  });
  signin.forms.mfa.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = byId("mfa-code");
    const digits = code.value.replace(/\s/g, "");
    if (!/^\d{6}$/.test(digits)) return showSignInError("Enter the 6 digits from your authenticator app.", code);
    runSignInStep(signin.forms.mfa, () => app.auth.submitMfaCode(digits));
  });
  for (const button of signin.view.querySelectorAll(".start-over")) {
    button.addEventListener("click", () => {
      setText(signin.error, "");
      byId("password").value = "";
      showSignInStep("password");
    });
  }
}

function showSignIn(message = "") {
  byId("workspace").hidden = true;
  byId("sign-out").hidden = true;
  byId("whoami").hidden = true;
  byId("shortcuts-open").hidden = true;
  signin.view.hidden = false;
  for (const input of signin.view.querySelectorAll("input[type=password], #mfa-code")) input.value = "";
  showSignInStep("password");
  setText(signin.error, message);
  document.title = "Sign in · Switchboard agent";
}

// ---------------------------------------------------------------------------------------------------------------
// Workspace

function enterWorkspace({ moveFocus = true } = {}) {
  signin.view.hidden = true;
  byId("workspace").hidden = false;
  byId("sign-out").hidden = false;
  byId("shortcuts-open").hidden = false;
  const email = app.auth.claims.email;
  byId("whoami").hidden = !email;
  setText(byId("whoami"), email ? `Signed in as ${email}` : "");
  byId("whoami").title = email || "";
  app.list.reset();
  app.controls.start();
  app.presence.start();
  app.sound.show();
  app.notifications.show();
  byId("threads-loading").hidden = false;
  // The sign-in form just vanished: put focus somewhere meaningful instead of on <body>.
  if (moveFocus) byId("threads-heading").focus();
  route();
  app.poller.start();
  app.workspace.start();
  app.staffViews.route();
  app.callbacks.route();
  app.alertReplies.route();
  app.alerts.route();
  app.reminders.route();
  app.requests.route();
  app.services.route();
  app.calls.route();
  app.notices.route();
  app.feedback.route();
  app.audience.route();
  app.subscribers.route();
  app.clockTimer = window.setInterval(() => app.list.tickTimes(), 30_000);
  updateTitle();
}

function leaveWorkspace(message) {
  app.poller.stop();
  app.workspace.stop();
  app.staffViews.hide();
  app.callbacks.hide();
  app.alertReplies.hide();
  app.alerts.hide();
  app.reminders.hide();
  app.requests.hide();
  app.services.hide();
  app.notices.hide();
  app.feedback.hide();
  app.audience.hide();
  app.subscribers.hide();
  window.clearInterval(app.clockTimer);
  app.view.close();
  app.view.drafts.clear(); // the next person at this screen must not find this agent's unsent replies
  app.list.reset();
  setConnection("");
  history.replaceState(null, "", location.pathname + location.search);
  showSignIn(message);
}

function signOut() {
  app.auth.signOut();
  leaveWorkspace("");
  announce("You are signed out.");
}

function sessionEnded() {
  if (byId("workspace").hidden) return;
  app.auth.clear();
  leaveWorkspace("Your session has ended. Sign in again to continue.");
}

function updateTitle() {
  const unread = app.list.totalUnread();
  document.title = unread > 0 ? `(${unread}) Switchboard agent` : "Switchboard agent";
}

/** One poll: the first page of the current view (or search), its counts now and then, and the open thread's
 * newest messages. */
async function tick() {
  const generation = app.generation;
  const wantCounts = app.ticks % COUNTS_EVERY_TICKS === 0;
  app.ticks += 1;
  const [page, freshInThread, counts] = await Promise.all([
    app.controls.fetchPage(null),
    refreshOpenThread(),
    wantCounts ? app.api.counts(app.controls.filters().status).catch(() => null) : null,
  ]);
  if (counts) app.controls.showCounts(counts);
  if (wantCounts) app.crisis?.poll(); // supervisors: crisis answers sent (triage.js)
  if (generation !== app.generation) return; // the agent switched view meanwhile
  byId("threads-loading").hidden = true;
  const freshThreads = app.list.merge(page, { isFirstPage: true }).filter((t) => t.thread_id !== app.view.threadId);
  app.controls.describe(app.list.threads.size, Boolean(page.more || page.next_cursor));
  announceNew(freshThreads, freshInThread);
  if (freshThreads.length || freshInThread.length) app.sound.play();
  const openOne = freshInThread.length && app.view.thread ? [{ ...app.view.thread, last_message_preview: freshInThread.at(-1).body }] : [];
  app.notifications.notify([...freshThreads, ...openOne]);
  updateTitle();
}

function viewChanged() {
  app.generation += 1;
  app.ticks = 0;
  app.list.reset();
  app.list.sortMode = app.controls.searchText ? "newest" : app.controls.filters().sort;
  byId("threads-loading").hidden = false;
  app.poller.now();
}

async function refreshOpenThread() {
  if (!app.view.isOpen) return [];
  // Notes, transfers and call progress from colleagues and Twilio reach the timeline every other poll.
  if (app.ticks % 2 === 0) app.workspace.loadNotes();
  try {
    return await app.view.refresh();
  } catch (error) {
    if (error.status !== 404) throw error;
    setText(byId("thread-heading"), "Conversation not found");
    return [];
  }
}

function announceNew(threads, messages) {
  const parts = [];
  if (messages.length === 1) parts.push(`New message in this conversation: ${messages[0].body || "a photo"}`);
  else if (messages.length > 1) parts.push(`${messages.length} new messages in this conversation.`);
  if (threads.length === 1) {
    const t = threads[0];
    parts.push(`New message from ${t.resident?.address || "a resident"}: ${t.last_message_preview || ""}`);
  } else if (threads.length > 1) parts.push(`${threads.length} conversations have new messages.`);
  if (parts.length) announce(parts.join(" "));
}

function setConnection(text, kind = "") {
  const node = byId("connection");
  setText(node, text);
  node.className = kind ? `connection connection-${kind}` : "connection";
}

function onHealth(health) {
  window.clearTimeout(app.reconnectedTimer);
  if (!health.ok) {
    const seconds = Math.max(1, Math.round(health.retryInMs / 1000));
    setConnection(`Connection lost. Retrying in ${seconds} s…`, "lost");
  } else if (health.recovered) {
    setConnection("Connected again.", "ok");
    app.reconnectedTimer = window.setTimeout(() => setConnection(""), 4000);
  }
}

// Routing: #thread/<id> opens a thread (so a phone's back gesture returns to the list); anything else is the list.

function threadIdFromHash() {
  const match = /^#thread\/(.+)$/.exec(location.hash);
  if (!match) return null;
  let id;
  try {
    id = decodeURIComponent(match[1]);
  } catch {
    return null;
  }
  return THREAD_ID.test(id) ? id : null;
}

function openThread(threadId) {
  const hash = `#thread/${encodeURIComponent(threadId)}`;
  if (location.hash === hash) route();
  else location.hash = hash;
}

/** The section rail says which section is shown (aria-current), whichever module shows it. */
function markSection() {
  const hash = location.hash.startsWith("#thread/") || !location.hash ? "#inbox" : location.hash;
  for (const link of document.querySelectorAll(".rail-link")) {
    if (link.getAttribute("href") === hash) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function route() {
  markSection();
  if (byId("workspace").hidden) return;
  // In-page anchors such as the skip link's #main are not routes: leave the view as it is.
  if (!/^(#?|#inbox|#thread\/.*)$/.test(location.hash)) return;
  const threadId = threadIdFromHash();
  const workspace = byId("workspace");
  if (!threadId) {
    const previous = app.view.threadId;
    app.view.close();
    app.resident.clear();
    app.threadRequests.clear();
    app.list.select(null);
    workspace.dataset.view = "list";
    if (previous && PHONE_LAYOUT.matches) app.list.focusThread(previous);
    return;
  }
  app.list.select(threadId);
  workspace.dataset.view = "thread";
  if (threadId !== app.view.threadId) {
    app.view.open(threadId, app.list.get(threadId)).catch((error) => {
      if (error.status === 404) {
        setText(byId("thread-heading"), "Conversation not found");
      } else if (error.status !== 401 && error.name !== "AbortError") {
        setConnection("The conversation could not be loaded. Retrying…", "lost");
      }
    });
  }
  if (PHONE_LAYOUT.matches) byId("thread-heading").focus();
}

async function loadMore() {
  const button = byId("load-more");
  if (!app.list.nextCursor || button.getAttribute("aria-disabled") === "true") return;
  button.setAttribute("aria-disabled", "true");
  try {
    const page = await app.controls.fetchPage(app.list.nextCursor);
    app.list.merge(page, { isFirstPage: false });
    if (button.hidden) {
      const buttons = byId("thread-list").querySelectorAll("button[data-thread-id]");
      buttons[buttons.length - 1]?.focus();
    }
  } catch (error) {
    if (error.status !== 401) setConnection("More conversations could not be loaded. Try again.", "lost");
  } finally {
    button.removeAttribute("aria-disabled");
  }
}

function wireWorkspace() {
  byId("sign-out").addEventListener("click", signOut);
  byId("load-more").addEventListener("click", loadMore);
  byId("back").addEventListener("click", () => {
    location.hash = "#inbox";
  });
  // Under 1024 px the resident panel is a pane of its own, reached from the conversation and left with Back.
  byId("resident-open").addEventListener("click", () => app.resident.showPane(true));
  byId("resident-back").addEventListener("click", () => app.resident.showPane(false));
  window.addEventListener("hashchange", route);
}

// ---------------------------------------------------------------------------------------------------------------
// Boot

async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-store", credentials: "omit" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const config = await response.json();
  if (!config.cognito?.endpoint || !config.cognito?.clientId) throw new Error("config.json: cognito settings missing");
  return config;
}

async function boot() {
  wireSignIn();
  let config;
  try {
    config = await loadConfig();
  } catch {
    showSignIn("This page is not set up correctly (its configuration could not be read). Tell your administrator.");
    for (const input of signin.view.querySelectorAll("input, button")) input.disabled = true;
    return;
  }
  app.auth = new Auth(config.cognito);
  app.api = new Api(config.apiBase || "", app.auth, sessionEnded);
  app.list = new ThreadList({
    list: byId("thread-list"),
    empty: byId("threads-empty"),
    loadMore: byId("load-more"),
    onOpen: openThread,
    emptyReason: () => app.controls.emptyReason(),
  });
  app.bulk = new BulkActions({
    api: app.api,
    list: app.list,
    departments: () => app.workspace.departments,
    onDone: () => app.poller.now(),
  });
  app.view = new ThreadView({
    api: app.api,
    me: () => app.auth.claims.sub,
    onSent: () => app.poller.now(),
    onPage: (page) => {
      app.workspace?.update(page);
      app.triage?.update(page);
    },
    confirmTakeover: () => app.workspace.confirmTakeover(),
    elements: {
      empty: byId("thread-empty"),
      content: byId("thread-content"),
      heading: byId("thread-heading"),
      avatar: byId("thread-avatar"),
      channel: byId("thread-channel"),
      consentFlag: byId("thread-consent-flag"),
      scroller: byId("message-scroller"),
      list: byId("message-list"),
      loadEarlier: byId("load-earlier"),
      form: byId("reply-form"),
      reply: byId("reply-text"),
      count: byId("reply-count"),
      hint: byId("reply-hint"),
      send: byId("send"),
      sendText: byId("send-text"),
      replyError: byId("reply-error"),
    },
  });
  app.triage = new TriagePanel({ api: app.api, onChanged: () => app.poller?.now() });
  app.translation = new TranslationPanel({ api: app.api, view: app.view });
  app.controls = new InboxControls({
    api: app.api,
    onChange: viewChanged,
    isSupervisor: () => (app.auth.claims["cognito:groups"] || []).some((g) => g === "supervisor" || g === "admin"),
  });
  app.presence = new PresenceControl({
    api: app.api,
    onChange: (state) => {
      announce(`Your status is ${state.presence}.`);
      app.poller.now();
    },
  });
  app.sound = new Sound();
  app.notifications = new DesktopNotifications({ me: () => app.auth.claims.sub, onOpen: openThread });
  app.poller = new Poller(tick, { interval: POLL_INTERVAL_MS, onHealth });
  app.workspace = new Workspace({ api: app.api, auth: app.auth, view: app.view, getThreadId: () => app.view.threadId });
  app.resident = new ResidentPanel({
    api: app.api,
    staffName: (sub) => app.workspace.staffName(sub),
    departmentName: (id) => app.workspace.departments.get(id)?.name || id,
    getThreadId: () => app.view.threadId,
    onChange: (state) => {
      if (app.workspace.thread) Object.assign(app.workspace.thread, state);
      if (app.view.thread) app.view.setHeader({ ...app.view.thread, ...state });
      app.poller.now();
    },
  });
  app.resident.openThread = openThread;
  app.threadRequests = new ThreadRequests({ api: app.api, getThreadId: () => app.view.threadId });
  app.workspace.onRender = (thread) => {
    app.resident.update(thread);
    app.threadRequests.update(thread);
  };
  app.staffViews = new StaffViews({ api: app.api, auth: app.auth });
  app.staffViews.triageRules = new TriageRulesEditor({ api: app.api });
  app.staffViews.translationSettings = new TranslationSettingsForm({ api: app.api });
  app.staffViews.reports = new ReportsView({ api: app.api });
  app.crisis = new CrisisNotices({
    api: app.api,
    isSupervisor: () => (app.auth.claims["cognito:groups"] || []).some((g) => g === "supervisor" || g === "admin"),
    openThread,
    announce,
  });
  app.callbacks = new CallbackPanel({ api: app.api, auth: app.auth });
  app.alertReplies = new AlertRepliesPanel({ api: app.api });
  app.alerts = new AlertsPanel({ api: app.api, auth: app.auth });
  app.reminders = new RemindersPanel({ api: app.api, auth: app.auth });
  app.requests = new RequestsPanel({ api: app.api });
  app.services = new ServicesPanel({ api: app.api });
  app.notices = new NoticesPanel({ api: app.api, auth: app.auth });
  app.feedback = new FeedbackPanel({ api: app.api, auth: app.auth });
  app.audience = new AudiencePanel({ api: app.api, auth: app.auth });
  app.subscribers = new SubscribersPanel({ api: app.api, auth: app.auth });
  app.calls = new CallControls({
    api: app.api,
    getThreadId: () => app.view.threadId,
    refreshNotes: () => app.workspace.loadNotes(),
  });
  wireWebChat({
    api: app.api,
    reply: byId("reply-text"),
    channelBadge: byId("thread-channel"),
    currentThreadId: threadIdFromHash,
    setup: {
      details: byId("webchat-setup"),
      snippet: byId("webchat-snippet"),
      copy: byId("webchat-copy"),
      status: byId("webchat-copy-status"),
      origins: byId("webchat-origins"),
      hours: byId("webchat-hours"),
    },
  });
  wireWorkspace();
  if (app.auth.signedIn) enterWorkspace({ moveFocus: false });
  else showSignIn();
}

boot();
