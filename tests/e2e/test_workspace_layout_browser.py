"""The agent workspace's layout in a real browser, at 1366x900, 1024x768 and 360x740 (issue 16).

Geometry: the conversation timeline gets its share of the window, nothing is wider than the window,
every conversation action is on screen or in the open More menu. The timeline puts every kind of entry in one
time order and folds a call into one entry. axe finds nothing on any view at any size. Desktop notifications
ask first, then tell the agent about new texts while the page is in the background. The chat widget keeps its
conversation tall on a phone and speaks the agency's hours in the resident's language.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack
from infra.tools.screenshots import build_busy_thread
from tests.e2e.browser import browser_test_marks, new_page, thread_action
from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean, sign_in
from tests.e2e.widget_hosts import DEMO_SITE_PORT

pytestmark = browser_test_marks()

LAPTOP = {"width": 1366, "height": 900}
SMALL_LAPTOP = {"width": 1024, "height": 768}
PHONE = {"width": 360, "height": 740}
SIZES = [LAPTOP, SMALL_LAPTOP, PHONE]
SIZE_IDS = ["1366x900", "1024x768", "360x740"]
# The share of the window's height the timeline gets with a conversation open.
TIMELINE_SHARE = {1366: 0.55, 1024: 0.5, 360: 0.5}
ACTIONS = ["Assign to me", "Close", "Transfer", "Add note", "Labels", "Snooze", "Call", "Export CSV"]
# Each view, and the API request whose answer fills it (None: a form only).
VIEWS = {
    "#callbacks": "/api/callbacks/tasks",
    "#alerts": "/api/alerts",
    "#alert-replies": "/api/alert-replies",
    "#reminders": "/api/reminders/plans",
    "#notices": "/api/notices",
    "#subscribers": "/api/topics",
    "#audience": "/api/zones",
    "#reports": "/api/reports?",
    "#admin": "/api/admin/staff",
    "#supervisor": "/api/audit",
}


@pytest.fixture(scope="module")
def busy_thread(local_stack: LocalStack) -> str:
    token = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    address = "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))
    return build_busy_thread(local_stack, token, address)


def open_busy_thread(page: Page, local_stack: LocalStack, thread_id: str) -> None:
    sign_in(page, local_stack.api_url.rstrip("/") + "/")
    page.evaluate("id => { location.hash = `#thread/${id}`; }", thread_id)
    expect(page.locator("#message-list .call .call-state")).to_have_text("Call ended after 42 s")
    expect(page.get_by_role("heading", name="Ana López")).to_be_visible()
    dismiss_crisis_notices(page)


def dismiss_crisis_notices(page: Page) -> None:
    """Crises raised by earlier tests on this local stack put a supervisor's banner above the workspace (up to
    a third of the height, by design). Read and dismissed as a supervisor would, so what is measured is the
    workspace. Two polls of the notices: the first one's answer is drawn by the time the second returns."""
    for _ in range(2):
        with page.expect_response(lambda response: "/api/triage/notices" in response.url, timeout=15_000):
            pass
    banner = page.locator("#crisis-notices")
    if banner.is_visible():
        banner.get_by_role("button", name="Dismiss").click()
        expect(banner).to_be_hidden()


@contextlib.contextmanager
def busy_page(
    chromium: Any, local_stack: LocalStack, thread_id: str, viewport: dict[str, int]
) -> Iterator[Page]:
    """The busy conversation open at this size; no page error or CSP violation by the end."""
    with new_page(chromium, viewport) as (page, watch):
        open_busy_thread(page, local_stack, thread_id)
        yield page
        assert_clean(watch)


def elements_wider_than_the_window(page: Page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
          .filter((el) => el.getClientRects().length && el.getBoundingClientRect().width > innerWidth + 0.5)
          .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`)"""
    )


def on_screen(page: Page, box: dict[str, float] | None, viewport: dict[str, int]) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5


@pytest.mark.parametrize("viewport", SIZES, ids=SIZE_IDS)
def test_the_timeline_gets_its_share_and_every_action_is_reachable_without_sideways_scrolling(
    chromium: Any, local_stack: LocalStack, busy_thread: str, viewport: dict[str, int]
) -> None:
    with busy_page(chromium, local_stack, busy_thread, viewport) as page:
        timeline = page.locator("#message-scroller").bounding_box()
        assert timeline is not None
        share = timeline["height"] / viewport["height"]
        assert share >= TIMELINE_SHARE[viewport["width"]], f"the timeline gets {share:.0%} of the height"
        assert elements_wider_than_the_window(page) == []
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"]

        # Every action is on the toolbar, inside the window, or in the More menu once it is open. The longer
        # label of the assign button is measured ("Assign to me", not "Unassign").
        assign = page.locator("#assign-toggle")
        if "Unassign" in assign.inner_text():
            assign.click()
        expect(assign).to_have_text("Assign to me")
        toolbar = page.get_by_role("toolbar", name="Conversation actions")
        more = page.get_by_role("button", name="More actions")
        in_menu = []
        for name in ACTIONS:
            button = toolbar.get_by_role("button", name=name, exact=True)
            if button.count():
                assert on_screen(page, button.bounding_box(), viewport), f"{name} runs off the screen"
            else:
                in_menu.append(name)
        if in_menu:
            more.click()
            menu = page.get_by_role("group", name="More conversation actions")
            for name in in_menu:
                button = menu.get_by_role("button", name=name, exact=True)
                expect(button).to_be_visible()
                assert on_screen(page, button.bounding_box(), viewport), f"{name} in the menu is off screen"
            assert_axe_clean(page, f"the open More menu at {viewport['width']} px")
        if viewport["width"] < 1024:
            assert in_menu, "a phone cannot show every action in one row"


def test_the_timeline_shows_every_kind_of_entry_in_time_order_and_a_call_once(
    chromium: Any, local_stack: LocalStack, busy_thread: str
) -> None:
    with busy_page(chromium, local_stack, busy_thread, LAPTOP) as page:
        entries = page.locator("#message-list > li")
        kinds = entries.evaluate_all(
            """(items) => items.map((li) => {
                 const kinds = ['message-auto', 'message-in', 'message-out', 'note-transfer', 'note-plain',
                   'event', 'call'];
                 const kind = kinds.find((c) => li.classList.contains(c));
                 return [kind, li.querySelector('time').getAttribute('datetime')];
               })"""
        )
        times = [at for _, at in kinds]
        assert times == sorted(times), "the timeline is out of time order"
        order = [kind for kind, _ in kinds]
        # The resident's text, HELP and its automatic answer, the agent's reply (which claimed the thread),
        # the resident again, the note, the call, the transfer, the agent taking it back.
        assert order[:4] == ["message-in", "message-in", "message-auto", "message-out"]
        for kind in ("note-plain", "call", "note-transfer", "event"):
            assert kind in order
        assert order.index("note-plain") < order.index("call") < order.index("note-transfer")
        assert order.count("call") == 1  # one entry, not one per step

        automatic = page.locator("#message-list .message-auto")
        expect(automatic.locator(".message-author")).to_have_text("Automatic reply")
        expect(page.locator("#message-list .message-out:not(.message-auto) .message-author")).to_have_text(
            "You"
        )
        expect(page.locator("#message-list .note-transfer .note-meta")).to_contain_text(
            "Transfer note by You"
        )
        expect(page.locator("#message-list .event").first).to_contain_text("You took this conversation")
        page.locator("#message-list .call summary").click()
        steps = page.locator("#message-list .call .call-steps li")
        expect(steps.first).to_contain_text("Started from the agent page")
        expect(steps.last).to_contain_text("Call ended after 42 s")


@pytest.mark.parametrize("viewport", SIZES, ids=SIZE_IDS)
def test_every_view_is_axe_clean_at_every_size(
    chromium: Any, local_stack: LocalStack, busy_thread: str, viewport: dict[str, int]
) -> None:
    with busy_page(chromium, local_stack, busy_thread, viewport) as page:
        assert_axe_clean(page, f"the open conversation at {viewport['width']} px")
        if viewport["width"] < 1024:
            page.get_by_role("button", name="More actions").click()
            page.get_by_role("button", name="Resident details").click()
            expect(page.get_by_role("heading", name="Resident", exact=True)).to_be_focused()
            assert_axe_clean(page, "the resident panel on its own")
            page.get_by_role("button", name="Back to the conversation").click()
        for dialog, opener in (("Labels", "Labels"), ("Snooze until", "Snooze")):
            thread_action(page, opener).click()
            expect(page.get_by_role("dialog", name=dialog)).to_be_visible()
            assert_axe_clean(page, f"the {dialog} dialog at {viewport['width']} px")
            page.keyboard.press("Escape")
        page.evaluate("location.hash = '#inbox'")
        expect(page.locator("#thread-list")).to_be_visible()
        assert_axe_clean(page, f"the inbox at {viewport['width']} px")
        for view, request in VIEWS.items():
            if request:
                with page.expect_response(lambda r, path=request: path in r.url):
                    page.evaluate("hash => { location.hash = hash; }", view)
                page.evaluate("() => new Promise((done) => requestAnimationFrame(done))")  # rendered
            else:
                page.evaluate("hash => { location.hash = hash; }", view)
            expect(page.locator(f"{view}-view h2").first).to_be_focused()
            assert elements_wider_than_the_window(page) == [], view
            assert_axe_clean(page, f"{view} at {viewport['width']} px")


def test_labels_are_chips_picked_from_those_in_use_and_snooze_offers_presets(
    chromium: Any, local_stack: LocalStack, busy_thread: str
) -> None:
    with busy_page(chromium, local_stack, busy_thread, LAPTOP) as page:
        row = page.locator(f"#thread-list button[data-thread-id='{busy_thread}']")
        expect(row.locator(".chip")).to_have_text(["elm st", "water quality"])

        thread_action(page, "Labels").click()
        dialog = page.get_by_role("dialog", name="Labels")
        dialog.get_by_role("button", name="Remove elm st").click()
        dialog.get_by_label("Add a label").fill("Boil Notice")
        page.keyboard.press("Enter")
        expect(dialog.locator(".chip")).to_have_text(["water quality×", "boil notice×"])
        dialog.get_by_role("button", name="Save labels").click()
        expect(row.locator(".chip")).to_have_text(["boil notice", "water quality"], timeout=5000)
        expect(page.locator("#resident-labels .chip")).to_have_text(["boil notice", "water quality"])
        options = page.locator("#known-labels option").evaluate_all("os => os.map((o) => o.value)")
        assert "water quality" in options

        thread_action(page, "Snooze").click()
        dialog = page.get_by_role("dialog", name="Snooze until")
        presets = dialog.get_by_role("group", name="Quick choices").get_by_role("button")
        expect(presets).to_have_count(3)
        expect(presets.nth(1)).to_contain_text("Tomorrow 08:00")
        expect(dialog).to_contain_text("Times are the agency’s")
        presets.nth(2).click()  # next Monday 08:00
        expect(dialog).to_be_hidden()
        expect(page.locator("#resident-status")).to_contain_text("Snoozed until")


NOTIFICATION_STUB = """
window.__shown = [];
window.Notification = class {
  static permission = 'default';
  static requestPermission() {
    window.Notification.permission = 'granted';
    window.__asked = true;
    return Promise.resolve('granted');
  }
  constructor(title, options) { window.__shown.push([title, options.body]); }
  addEventListener() {}
  close() {}
};
document.hasFocus = () => false;
"""


def test_desktop_notifications_ask_first_then_tell_about_new_texts_in_the_background(
    chromium: Any, local_stack: LocalStack
) -> None:
    with new_page(chromium, LAPTOP) as (page, watch):
        page.add_init_script(NOTIFICATION_STUB)
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        toggle = page.get_by_role("button", name="Desktop notifications off")
        expect(toggle).to_have_attribute("aria-pressed", "false")
        assert page.evaluate("window.__asked === undefined")  # nothing is asked before the agent chooses

        toggle.click()
        expect(page.get_by_role("button", name="Desktop notifications on")).to_have_attribute(
            "aria-pressed", "true"
        )
        assert page.evaluate("window.__asked") is True
        address = "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))
        local_stack.send_inbound(address, "Is the library open on Sunday?")
        deadline = time.monotonic() + 10
        while not page.evaluate("window.__shown.length") and time.monotonic() < deadline:
            page.wait_for_timeout(100)  # polling the page (its CSP forbids wait_for_function's eval)
        title, body = page.evaluate("window.__shown[0]")
        assert title == f"New message from {address}" and body == "Is the library open on Sunday?"
        assert page.evaluate("localStorage.getItem('switchboard.notifications')") == "on"
        assert_clean(watch)


def test_the_widget_keeps_its_conversation_tall_on_a_phone_and_speaks_the_agencys_hours(
    chromium: Any, local_stack: LocalStack
) -> None:
    closed = {
        "open": False,
        "hours": "Mon-Fri 08:00-17:00",
        "timezone": "America/Los_Angeles",
        "next_open": "2026-12-07T08:00:00-08:00",
        "agents_online": False,
    }

    def closed_now(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        route.fulfill(response=response, json={**body, "availability": closed})

    from infra.local import demo_site

    site = demo_site.serve(local_stack.api_url + "/widget.js", port=DEMO_SITE_PORT)
    with contextlib.ExitStack() as cleanup, new_page(chromium, PHONE) as (page, watch):
        cleanup.callback(site.server_close)
        cleanup.callback(site.shutdown)
        page.route("**/chat/sessions", closed_now)
        page.goto(demo_site.origin(DEMO_SITE_PORT) + "/es")
        page.locator("[data-switchboard-chat] button.launch").click()
        panel = page.locator("[data-switchboard-chat] .panel")
        expect(panel).to_be_visible()
        box = page.locator("[data-switchboard-chat] textarea")
        box.fill("Hola")
        page.locator("[data-switchboard-chat] form.send button[type=submit]").click()
        notice = page.locator("[data-switchboard-chat] .notice")
        expect(notice).to_contain_text("lun-vie")
        expect(notice).to_contain_text("8:00")
        expect(notice).to_contain_text(
            "lunes"
        )  # the next opening, on the agency's clock (08:00 Monday there)
        for details_open in (False, True):
            if details_open:
                page.locator("[data-switchboard-chat] summary").click()
            log = page.locator("[data-switchboard-chat] .log").bounding_box()
            whole = panel.bounding_box()
            assert log is not None and whole is not None
            assert log["height"] / whole["height"] >= 0.6, f"details open: {details_open}"
        message_box = box.bounding_box()
        assert message_box is not None and message_box["width"] >= 150
        assert_axe_clean(page, "the Spanish widget on a phone")
        assert watch.page_errors == []


def test_the_status_an_agent_chose_is_put_back_when_the_page_opens_again(
    chromium: Any, local_stack: LocalStack
) -> None:
    token = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)

    def server_presence(value: str | None = None) -> str:
        method, body = ("PUT", json.dumps({"presence": value}).encode()) if value else ("GET", None)
        request = urllib.request.Request(f"{local_stack.api_url}/api/presence", data=body, method=method)  # noqa: S310
        request.add_header("Authorization", f"Bearer {token}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - 127.0.0.1
            return str(json.loads(response.read())["presence"])

    with new_page(chromium, LAPTOP) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        try:
            # Given the agent chose Away, and the server later forgot it (a new session, an admin, a restart)
            page.get_by_label("My status").select_option("away")
            expect(page.locator("#presence-dot")).to_have_attribute("data-presence", "away")
            assert server_presence("offline") == "offline"

            # When the page opens again, the agent's own choice comes back, on the page and on the server
            page.reload()
            expect(page.get_by_label("My status")).to_have_value("away")
            deadline = time.monotonic() + 10
            while server_presence() != "away" and time.monotonic() < deadline:
                page.wait_for_timeout(100)
            assert server_presence() == "away"
        finally:
            page.evaluate("localStorage.removeItem('switchboard.presence')")
            server_presence("offline")  # as the other tests expect the demo agent
        assert_clean(watch)
