"""Issue 16 in a real browser against the local stack: the resident panel (item 3), conversations only keyword
flows answered kept out of the way (item 5), and bulk actions on the list (item 4), at 1366x900, 1024x768 and
360x740: geometry (nothing wider than the window), and axe finds nothing."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from infra.local.stack import LocalStack
from tests.e2e.browser import browser_test_marks, new_page, thread_action
from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean, sign_in, thread_button
from tests.e2e.test_workspace_browser import demo_agents_have_room
from tests.e2e.test_workspace_layout_browser import (
    SIZE_IDS,
    SIZES,
    busy_thread,
    elements_wider_than_the_window,
    open_busy_thread,
)

pytestmark = browser_test_marks()
_ = busy_thread, demo_agents_have_room  # fixtures this module uses by name


def fresh_number() -> str:
    return "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))


def show_resident_panel(page: Page, viewport: dict[str, int]) -> None:
    if viewport["width"] < 1024:
        thread_action(page, "Resident details").click()
        expect(page.get_by_role("heading", name="Resident", exact=True)).to_be_focused()
    expect(page.locator("#resident-pane")).to_be_visible()


def all_view(page: Page, status: str = "open") -> None:
    page.locator("button.view-tab[data-view='all']").click()
    filters = page.locator("details.filters")
    if filters.get_attribute("open") is None:
        filters.locator("summary").click()
    page.locator("#filter-status").select_option(status)


@pytest.mark.parametrize("viewport", SIZES, ids=SIZE_IDS)
def test_the_resident_panel_shows_what_the_agency_knows_and_staff_set_the_language(
    chromium: Any, local_stack: LocalStack, busy_thread: str, viewport: dict[str, int]
) -> None:
    with new_page(chromium, viewport) as (page, watch):
        open_busy_thread(page, local_stack, busy_thread)
        show_resident_panel(page, viewport)
        panel = page.locator("#resident-pane")
        expect(panel.locator("#resident-name")).to_have_text("Ana López")
        expect(panel.locator("#resident-profile")).to_be_visible()
        expect(panel.locator("#resident-consent")).to_have_text("Receives texts.")
        expect(panel.get_by_role("heading", name="Alerts received")).to_be_visible()
        expect(panel.get_by_role("heading", name="Other conversations")).to_be_visible()
        panel.get_by_text("Consent history").click()

        panel.get_by_label("Language of their texts").select_option("es")
        panel.get_by_role("button", name="Save language").click()
        expect(panel.locator("#resident-language-status")).to_have_text("Language saved: Español.")
        # One language per resident: the conversation's translation bar follows, as set by staff.
        expect(page.locator("#thread-language")).to_have_value("es")
        expect(page.locator("#thread-language-note")).to_contain_text("set by staff")

        assert elements_wider_than_the_window(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert_axe_clean(page, f"the resident panel at {viewport['width']} px")
        assert_clean(watch)


def test_a_conversation_only_keyword_flows_answered_waits_for_nobody_and_is_found_by_its_filter(
    chromium: Any, local_stack: LocalStack
) -> None:
    keyword_only, question = fresh_number(), fresh_number()
    local_stack.send_inbound(from_=keyword_only, body="HELP")
    local_stack.send_inbound(from_=question, body="Is the library open on Sunday?")
    with new_page(chromium, SIZES[0]) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        all_view(page)
        expect(thread_button(page, question)).to_be_visible(timeout=10_000)
        expect(thread_button(page, keyword_only)).to_have_count(0)

        page.locator("#filter-status").select_option("automatic")
        row = thread_button(page, keyword_only)
        expect(row).to_be_visible(timeout=10_000)
        expect(row).to_contain_text("Handled automatically")
        expect(row.locator(".unread")).to_be_hidden()
        row.click()
        # The text and its automatic answer are in the timeline, the answer marked automatic, never "You".
        expect(page.locator("#message-list .message-in")).to_contain_text("HELP")
        expect(page.locator("#message-list .message-auto")).to_have_count(1)
        expect(page.locator("#resident-status")).to_have_text("Handled automatically")
        assert_axe_clean(page, "the Handled automatically filter")
        assert_clean(watch)


@pytest.mark.parametrize("viewport", [SIZES[0], SIZES[2]], ids=[SIZE_IDS[0], SIZE_IDS[2]])
def test_bulk_select_labels_assigns_transfers_and_closes_several_and_says_which_were_refused(
    chromium: Any, local_stack: LocalStack, viewport: dict[str, int], demo_agents_have_room: None
) -> None:
    numbers = [fresh_number() for _ in range(3)]
    for n, number in enumerate(numbers):
        local_stack.send_inbound(from_=number, body=f"Pothole number {n} on Main St")
    with new_page(chromium, viewport) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        all_view(page)
        rows = [thread_button(page, number) for number in numbers]
        for row in rows:
            expect(row).to_be_visible(timeout=10_000)

        # A checkbox for the first; keyboard for the second (x on the focused row); Shift+x takes a range.
        page.get_by_role("checkbox", name=re.compile(re.escape(numbers[0]))).check()
        rows[1].focus()
        page.keyboard.press("x")
        expect(page.locator("#bulk-count")).to_have_text("2 conversations selected")
        assert elements_wider_than_the_window(page) == []
        assert_axe_clean(page, f"the bulk bar at {viewport['width']} px")

        page.locator("#bulk-label-open").click()
        page.get_by_label("Label to add").fill("main st")
        page.get_by_role("button", name="Add label").click()
        expect(page.locator("#bulk-status")).to_have_text("2 of 2 labelled “main st”.")
        for row in rows[:2]:
            expect(row.locator(".chip")).to_contain_text(["main st"])

        # Assign to me, then transfer to a department with a note: the same two, still selected by hand again.
        for row in rows[:2]:
            row.focus()
            page.keyboard.press("x")
        page.locator("#bulk-assign").click()
        expect(page.locator("#bulk-status")).to_have_text("2 of 2 assigned to you.")
        for row in rows[:2]:
            row.focus()
            page.keyboard.press("x")
        page.locator("#bulk-transfer-open").click()
        page.get_by_label("Transfer to department").select_option("water")
        page.get_by_label("Note for whoever picks these up").fill("Main St potholes, reported together.")
        page.locator("#bulk-transfer-form").get_by_role("button", name="Transfer").click()
        expect(page.locator("#bulk-status")).to_have_text(re.compile(r"^2 of 2 transferred to "))
        assert_axe_clean(page, f"the bulk result at {viewport['width']} px")

        # One of three is refused (as the staff gate refuses another department's thread): the bar names it.
        for row in rows:
            row.focus()
            page.keyboard.press("x")
        refused_id = rows[2].get_attribute("data-thread-id")

        def forbid(route: Route) -> None:
            route.fulfill(status=403, content_type="application/json", body='{"message": "forbidden"}')

        page.route(f"**/api/threads/{refused_id}/close", forbid)
        page.locator("#bulk-close").click()
        expect(page.locator("#bulk-status")).to_have_text(
            re.compile(rf"^2 of 3 closed\. Not done: .*{numbers[2][-4:]} \(not in your departments\)\.$")
        )
        expect(page.locator("#bulk-count")).to_have_text("1 conversation selected")
        expect(rows[0]).to_have_count(0)  # closed: gone from the open list
        assert_clean(watch)
