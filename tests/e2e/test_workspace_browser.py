"""The workspace in a real browser on the local stack: assignment, transfer with an internal note, the
collision warning between two agents (two browser contexts), the keyboard shortcuts, the supervisor and admin
views, and axe on every new view and dialog."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from playwright.sync_api import Browser, Page, expect, sync_playwright
from switchboard.table_keys import STAFF_GSI_PK, THREADS_GSI

from infra.local.seed import DEMO_AGENT2_EMAIL
from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, REGION
from tests.e2e.browser import DESKTOP, PHONE, browser_test_marks, launch_chromium, new_page, thread_action
from tests.e2e.test_agent_browser import (
    assert_axe_clean,
    assert_clean,
    assert_fits_the_screen,
    resident_number,
    resident_texts,
    thread_button,
)

pytestmark = browser_test_marks()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def agent_url(local_stack) -> str:
    return local_stack.api_url.rstrip("/") + "/"


def sign_in_as(page: Page, url: str, email: str) -> None:
    page.goto(url)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_AGENT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Conversations")).to_be_focused()
    expect(page.locator("#threads-loading")).to_be_hidden(timeout=10_000)


def open_thread(page: Page, address: str) -> None:
    thread_button(page, address).click()
    expect(page.get_by_role("heading", name=address)).to_be_visible()
    expect(page.locator("#thread-owner")).not_to_be_empty()


def update_resident_thread(local_stack, address: str, **fields: Any) -> None:
    """Set fields on a resident's thread in the local table, as another part of the system would."""
    table = boto3.resource("dynamodb", endpoint_url=local_stack.moto_url, region_name=REGION).Table(
        local_stack.outputs["TableName"]
    )
    thread_id = table.get_item(Key={"pk": f"ADDR#{address}", "sk": "RESIDENT"})["Item"]["thread_id"]
    table.update_item(
        Key={"pk": f"THREAD#{thread_id}", "sk": "META"},
        UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in fields),
        ExpressionAttributeNames={f"#{name}": name for name in fields},
        ExpressionAttributeValues={f":{name}": value for name, value in fields.items()},
    )


def route_to_water(local_stack, address: str) -> None:
    """What a routing rule would do: put the resident's thread in the water department."""
    update_resident_thread(local_stack, address, department_id="water")


def new_resident(local_stack, text: str) -> str:
    address = resident_number()
    resident_texts(local_stack, address, text)
    local_stack.wait_until_idle()
    return address


def test_assign_then_transfer_with_a_note_reaches_the_colleague(
    chromium, local_stack, agent_url, demo_agents_have_room
):
    address = new_resident(local_stack, "Brown water from the tap on Oak Ave")
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in_as(page, agent_url, DEMO_AGENT_EMAIL)
        open_thread(page, address)
        expect(page.locator("#thread-owner")).to_contain_text("Unassigned")

        page.get_by_role("button", name="Assign to me").click()
        expect(page.locator("#thread-owner")).to_contain_text("Assigned to you")
        expect(page.get_by_role("button", name="Unassign", exact=True)).to_be_visible()

        page.get_by_role("button", name="Transfer").click()
        dialog = page.get_by_role("dialog", name="Transfer conversation")
        expect(dialog).to_be_visible()
        assert_axe_clean(page, "the transfer dialog")
        dialog.get_by_label("Department").select_option(label="Water & Sewer")
        dialog.get_by_label("Agent").select_option(label=f"Sam (demo) ({DEMO_AGENT2_EMAIL})")
        dialog.get_by_label("Internal note (staff only)").fill("Resident on Oak Ave; <b>check</b> the main.")
        dialog.get_by_role("button", name="Transfer").click()

        expect(dialog).to_be_hidden()
        expect(page.locator("#thread-owner")).to_contain_text("Assigned to Sam (demo)")
        expect(page.locator("#thread-owner")).to_contain_text("Department: Water & Sewer")
        expect(page.locator("#message-list .note-body")).to_have_text(
            ["Resident on Oak Ave; <b>check</b> the main."]
        )
        assert page.locator("#message-list .note b").count() == 0  # a note is text, never markup
        # The note is for staff: it sits in the timeline as a note, never as a message to the resident.
        expect(page.locator("#message-list .message")).not_to_contain_text(["Resident on Oak Ave"])
        expect(page.locator("#message-list .message")).to_have_count(1)
        assert_clean(watch)

    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in_as(page, agent_url, DEMO_AGENT2_EMAIL)
        open_thread(page, address)
        expect(page.locator("#thread-owner")).to_contain_text("Assigned to you")
        expect(page.locator("#message-list .note-meta")).to_contain_text(["Transfer note by Dana (demo)"])
        assert_clean(watch)


def _set_cap_above_load(
    local_stack, email: str, room: int
) -> tuple[Any, dict[str, Any], dict[str, Any] | None, int]:
    """Set a demo account's cap to `room` above the open conversations it holds now (earlier tests in the
    same local stack may have given it some). The table, the presence key, the presence item as it was (to
    put back), and the cap."""
    table = boto3.resource("dynamodb", endpoint_url=local_stack.moto_url, region_name=REGION).Table(
        local_stack.outputs["TableName"]
    )
    profiles = table.query(
        IndexName=THREADS_GSI,
        KeyConditionExpression=Key("gsi1pk").eq(STAFF_GSI_PK) & Key("gsi1sk").eq(email),
    )["Items"]
    sub = str(profiles[0]["sub"])
    held = table.query(
        IndexName="by_assignee",
        KeyConditionExpression=Key("assignee").eq(sub) & Key("status").eq("open"),
    )["Items"]
    key = {"pk": f"STAFF#{sub}", "sk": "PRESENCE"}
    before = table.get_item(Key=key).get("Item")
    cap = len(held) + room
    presence = (before or {}).get("presence", "away")  # away: nothing is auto-assigned meanwhile
    table.put_item(Item={**(before or {}), **key, "sub": sub, "presence": presence, "cap": cap})
    return table, key, before, cap


def _put_back(table: Any, key: dict[str, Any], before: dict[str, Any] | None) -> None:
    if before:
        table.put_item(Item=before)
    else:
        table.delete_item(Key=key)


def _give_sam_a_cap_of_one_more(local_stack) -> tuple[Any, dict[str, Any], dict[str, Any] | None, int]:
    return _set_cap_above_load(local_stack, DEMO_AGENT2_EMAIL, 1)


@pytest.fixture
def demo_agents_have_room(local_stack) -> Iterator[None]:
    """Tests that assign conversations to the demo accounts by hand: earlier tests on the same local stack
    may have left Dana and Sam at the default cap of six open conversations, and an assignment past the cap
    is (rightly) refused. Room for five more each while the test runs; the caps are put back after."""
    emails = (DEMO_AGENT_EMAIL, DEMO_AGENT2_EMAIL)
    saved = [_set_cap_above_load(local_stack, email, 5)[:3] for email in emails]
    try:
        yield
    finally:
        for table, key, before in saved:
            _put_back(table, key, before)


def test_a_transfer_past_the_agents_cap_is_refused_and_a_supervisor_overrides_it_with_a_reason(
    chromium, local_stack, agent_url
):
    first = new_resident(local_stack, "Street light out on Pine St")
    second = new_resident(local_stack, "Another light out on Pine St")
    table, key, before, cap = _give_sam_a_cap_of_one_more(local_stack)
    try:
        with new_page(chromium, DESKTOP) as (page, watch):
            sign_in_as(page, agent_url, DEMO_AGENT_EMAIL)
            dialog = page.get_by_role("dialog", name="Transfer conversation")
            for address in (first, second):
                open_thread(page, address)
                page.get_by_role("button", name="Transfer").click()
                dialog.get_by_label("Agent").select_option(label=f"Sam (demo) ({DEMO_AGENT2_EMAIL})")
                dialog.get_by_label("Internal note (staff only)").fill("Streetlights: Sam has the list")
                dialog.get_by_role("button", name="Transfer").click()
                if address == first:
                    expect(dialog).to_be_hidden()
                    expect(page.locator("#thread-owner")).to_contain_text("Assigned to Sam (demo)")
            # The second is past Sam's cap: refused, nothing changed, and a supervisor is asked for a reason.
            expect(dialog.locator("#transfer-error")).to_contain_text(f"their cap is {cap}")
            expect(page.locator("#thread-owner")).to_contain_text("Unassigned")
            reason = dialog.get_by_label("Reason to go past their cap", exact=False)
            expect(reason).to_be_focused()
            assert_axe_clean(page, "the transfer dialog asking for an override reason")
            reason.fill("Sam is the only one who knows the streetlight contractor")
            dialog.get_by_role("button", name="Transfer").click()
            expect(dialog).to_be_hidden()
            expect(page.locator("#thread-owner")).to_contain_text("Assigned to Sam (demo)")

            page.get_by_role("link", name="Audit", exact=True).click()
            expect(page.locator("#audit-rows")).to_contain_text(
                "Sam is the only one who knows the streetlight contractor"
            )
            assert_clean(watch)
    finally:
        _put_back(table, key, before)


def test_two_agents_in_one_thread_see_each_other_and_a_reply_to_the_owners_thread_asks_first(
    chromium,
    local_stack,
    agent_url,
    demo_agents_have_room,
):
    address = new_resident(local_stack, "Is the cooling center open late?")
    with (
        new_page(chromium, DESKTOP) as (owner, owner_watch),
        new_page(chromium, DESKTOP) as (other, other_watch),
    ):
        route_to_water(local_stack, address)  # Sam's department: agents open only their departments' threads
        sign_in_as(owner, agent_url, DEMO_AGENT_EMAIL)
        open_thread(owner, address)
        owner.get_by_role("button", name="Assign to me").click()
        expect(owner.locator("#thread-owner")).to_contain_text("Assigned to you")

        sign_in_as(other, agent_url, DEMO_AGENT2_EMAIL)
        # Not in an agent's own views (it is Dana's): Sam finds it by the resident's number.
        other.get_by_label("Search by phone number, name or words").fill(address)
        other.get_by_role("button", name="Search", exact=True).click()
        open_thread(other, address)
        expect(other.locator("#thread-owner")).to_contain_text("Assigned to Dana (demo)")
        expect(other.locator("#thread-presence")).to_contain_text("Dana (demo) is viewing", timeout=8_000)
        expect(owner.locator("#thread-presence")).to_contain_text("Sam (demo) is viewing", timeout=8_000)

        # The owner starts typing: the other agent is told within a heartbeat or two.
        owner.get_by_label("Reply").press_sequentially("We are open until 10", delay=20)
        expect(other.locator("#thread-presence")).to_contain_text("Dana (demo) is typing", timeout=8_000)

        # The other agent tries to answer anyway: asked first; declining sends nothing and keeps the text.
        other.get_by_label("Reply").fill("I can help with that")
        other.get_by_role("button", name="Send").click()
        confirm = other.get_by_role("dialog", name="This conversation belongs to someone else")
        expect(confirm).to_be_visible()
        expect(confirm).to_contain_text("assigned to Dana (demo)")
        assert_axe_clean(other, "the takeover confirmation")
        confirm.get_by_role("button", name="Don’t send").click()
        expect(other.locator("#reply-error")).to_contain_text("Not sent")
        expect(other.get_by_label("Reply")).to_have_value("I can help with that")
        expect(other.locator("#message-list .message-out")).to_have_count(0)

        # Confirming sends it; the thread stays the owner's.
        other.get_by_role("button", name="Send").click()
        confirm.get_by_role("button", name="Send anyway").click()
        expect(other.locator("#message-list .message-out", has_text="I can help with that")).to_have_count(1)
        expect(owner.locator("#message-list .message-out", has_text="I can help with that")).to_have_count(
            1, timeout=5_000
        )
        expect(other.locator("#thread-owner")).to_contain_text("Assigned to Dana (demo)")

        # Taking the thread over asks too; leaving it keeps it Dana's, confirming makes it Sam's.
        other.get_by_role("button", name="Assign to me").click()
        expect(confirm).to_contain_text("Take it over?")
        confirm.get_by_role("button", name="Leave it").click()
        expect(other.locator("#thread-owner")).to_contain_text("Assigned to Dana (demo)")
        other.get_by_role("button", name="Assign to me").click()
        confirm.get_by_role("button", name="Take it over").click()
        expect(other.locator("#thread-owner")).to_contain_text("Assigned to you")
        assert_clean(owner_watch)
        assert_clean(other_watch)


def test_keyboard_shortcuts_move_assign_close_reply_and_are_documented(
    chromium, local_stack, agent_url, demo_agents_have_room
):
    address = new_resident(local_stack, "Shortcut test: my bin was not collected")
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in_as(page, agent_url, DEMO_AGENT_EMAIL)
        expect(thread_button(page, address)).to_be_visible()

        page.keyboard.press("?")
        help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
        expect(help_dialog).to_be_visible()
        for documented in ("Next conversation", "Reply", "Assign to me", "Close, or reopen"):
            expect(help_dialog).to_contain_text(documented)
        assert_axe_clean(page, "the shortcuts help")
        page.keyboard.press("Escape")
        expect(help_dialog).to_be_hidden()

        # j opens the first conversation (the newest: this resident's), k stays at the top.
        page.evaluate("document.activeElement.blur()")
        page.keyboard.press("j")
        expect(page.get_by_role("heading", name=address)).to_be_visible()
        page.keyboard.press("k")
        expect(page.get_by_role("heading", name=address)).to_be_visible()
        expect(page.locator("#thread-owner")).to_contain_text("Unassigned")

        page.keyboard.press("a")
        expect(page.locator("#thread-owner")).to_contain_text("Assigned to you")
        page.keyboard.press("c")
        expect(page.locator("#thread-owner")).to_contain_text("Closed")
        page.keyboard.press("c")
        expect(page.locator("#thread-owner")).not_to_contain_text("Closed")

        page.keyboard.press("r")
        expect(page.get_by_label("Reply")).to_be_focused()
        page.keyboard.type("jack")  # typing in the reply box is text, not shortcuts
        expect(page.get_by_label("Reply")).to_have_value("jack")
        expect(page.get_by_role("heading", name=address)).to_be_visible()

        # The single-key shortcuts can be turned off (WCAG 2.1.4).
        page.get_by_label("Reply").fill("")
        page.evaluate("document.activeElement.blur()")
        page.keyboard.press("?")
        help_dialog.get_by_label("Single-key shortcuts on").uncheck()
        page.keyboard.press("Escape")
        page.evaluate("document.activeElement.blur()")
        page.keyboard.press("a")
        page.wait_for_timeout(500)
        expect(page.locator("#thread-owner")).to_contain_text("Assigned to you")
        page.evaluate("localStorage.removeItem('switchboard.shortcuts')")
        assert_clean(watch)


def test_supervisor_and_admin_views_are_axe_clean_and_agents_do_not_get_them(
    chromium, local_stack, agent_url
):
    address = new_resident(local_stack, "Audit me")
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in_as(page, agent_url, DEMO_AGENT_EMAIL)
        open_thread(page, address)

        page.get_by_role("link", name="Audit", exact=True).click()
        expect(page.get_by_role("heading", name="Audit log")).to_be_focused()
        # The session's other tests wrote many entries today: filter, and load more until the read shows.
        page.locator("#audit-filter").fill("thread.read")
        more, status = page.locator("#audit-more"), page.locator("#audit-status")
        for _ in range(40):
            # Each page loaded first (the loop once gave up before the first 200 had arrived)
            expect(status).to_contain_text("(UTC).", timeout=15_000)
            if "thread.read" in (page.locator("#audit-rows").text_content() or "") or not more.is_visible():
                break
            more.click()
        expect(page.locator("#audit-rows")).to_contain_text("thread.read")
        expect(page.locator("#audit-rows")).to_contain_text(DEMO_AGENT_EMAIL)
        assert_axe_clean(page, "the supervisor view")
        # The table is there to read (it once rendered 0 px tall), and its filter says what it hid.
        box = page.locator("#audit-table").bounding_box()
        row = page.locator("#audit-rows tr").first.bounding_box()
        assert (
            box is not None and row is not None and row["height"] > 20 and box["height"] > row["height"] + 20
        )
        page.get_by_label("Show only entries with").fill("no-such-action-anywhere")
        expect(page.locator("#audit-rows")).to_contain_text("No entries match “no-such-action-anywhere”")
        page.get_by_label("Show only entries with").fill("thread.read")
        expect(page.locator("#audit-rows tr").first).to_contain_text("thread.read")

        page.get_by_role("link", name="Reports").click()
        expect(page.get_by_role("heading", name="Reports")).to_be_focused()
        assert_axe_clean(page, "the reports view")
        with page.expect_download() as download:
            page.locator("#export-form").get_by_role("button", name="Download").click()
        assert download.value.suggested_filename.endswith(".csv")

        page.get_by_role("link", name="Staff admin").click()
        expect(page.get_by_role("heading", name="Staff administration")).to_be_focused()
        expect(page.locator("#staff-rows")).to_contain_text(DEMO_AGENT2_EMAIL)
        box = page.locator("#staff-rows").bounding_box()
        assert box is not None and box["height"] > 40
        assert_axe_clean(page, "the admin view")

        page.get_by_role("link", name="Inbox").click()
        expect(page.get_by_role("heading", name="Conversations")).to_be_visible()
        assert_clean(watch)

    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in_as(page, agent_url, DEMO_AGENT2_EMAIL)
        expect(page.get_by_role("link", name="Audit", exact=True)).to_be_hidden()
        expect(page.get_by_role("link", name="Staff admin")).to_be_hidden()
        page.goto(agent_url + "#admin")
        expect(page.locator("#admin-view")).to_be_hidden()
        assert_clean(watch)


def test_a_prepared_answer_is_filled_in_and_the_toolbar_is_one_tab_stop(chromium, local_stack, agent_url):
    address = new_resident(local_stack, "What are your hours?")
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in_as(page, agent_url, DEMO_AGENT_EMAIL)
        open_thread(page, address)

        # "/" in an empty reply box opens the saved replies; typing narrows them, Enter inserts one filled in.
        page.get_by_label("Reply").focus()
        page.keyboard.type("/")
        picker = page.get_by_role("combobox", name="Search saved replies")
        expect(picker).to_be_focused()
        assert_axe_clean(page, "the saved replies picker")
        page.keyboard.type("office")
        expect(page.locator("#canned-options").get_by_role("option")).to_have_count(1)
        page.keyboard.press("Enter")
        expect(page.get_by_label("Reply")).to_have_value(
            "Hi there, we are open Mon-Fri 8am-6pm, Sat 9am-1pm. - Dana (demo), Demo County"
        )
        expect(page.get_by_label("Reply")).to_be_focused()

        # Arrow keys move inside the action toolbar; only one of its buttons is in the Tab order.
        toolbar = page.get_by_role("toolbar", name="Conversation actions")
        assert toolbar.locator("button[tabindex='0']").count() == 1
        toolbar.get_by_role("button", name="Assign to me").focus()
        page.keyboard.press("ArrowRight")
        expect(toolbar.get_by_role("button", name="Close")).to_be_focused()
        page.keyboard.press("End")
        expect(toolbar.get_by_role("button").last).to_be_focused()
        assert_clean(watch)


def test_the_thread_tools_fit_a_phone_and_are_axe_clean(chromium, local_stack, agent_url):
    address = new_resident(local_stack, "Phone-sized check")
    with new_page(chromium, PHONE) as (page, watch):
        sign_in_as(page, agent_url, DEMO_AGENT_EMAIL)
        open_thread(page, address)
        assert_fits_the_screen(page, PHONE)
        assert_axe_clean(page, "the thread tools at 360 px")
        thread_action(page, "Add note").click()
        expect(page.get_by_role("dialog", name="Add an internal note")).to_be_visible()
        assert_axe_clean(page, "the note dialog at 360 px")
        page.get_by_label("Note", exact=True).fill("Called back, no answer")
        page.get_by_role("button", name="Save note").click()
        expect(page.locator("#message-list .note-body")).to_have_text(["Called back, no answer"])
        assert_fits_the_screen(page, PHONE)
        assert_clean(watch)


def test_the_supervisor_and_admin_views_fit_a_phone_and_are_axe_clean(chromium, local_stack, agent_url):
    new_resident(local_stack, "Phone-sized audit")
    with new_page(chromium, PHONE) as (page, watch):
        sign_in_as(page, agent_url, DEMO_AGENT_EMAIL)
        page.get_by_role("link", name="Audit", exact=True).click()
        expect(page.get_by_role("heading", name="Audit log")).to_be_focused()
        expect(page.locator("#audit-rows")).not_to_be_empty()
        assert_fits_the_screen(page, PHONE)
        assert_axe_clean(page, "the supervisor view at 360 px")

        page.get_by_role("link", name="Staff admin").click()
        expect(page.get_by_role("heading", name="Staff administration")).to_be_focused()
        expect(page.locator("#staff-rows")).to_contain_text(DEMO_AGENT2_EMAIL)
        assert_fits_the_screen(page, PHONE)
        assert_axe_clean(page, "the admin view at 360 px")
        assert_clean(watch)
