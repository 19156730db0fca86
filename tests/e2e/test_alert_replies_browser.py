"""Replies to an alert in a real browser on the local stack: residents who wrote back after an alert appear
as one group, a staff member answers the group with one message, each resident gets it once; axe clean, at
360 px."""

from __future__ import annotations

import secrets
import time

from playwright.sync_api import expect
from switchboard.clock import utc_now_iso

from infra.local.stack import DEMO_AGENT_EMAIL
from tests.e2e.browser import DESKTOP, PHONE, browser_test_marks, new_page
from tests.e2e.test_agent_browser import (
    assert_axe_clean,
    assert_clean,
    assert_fits_the_screen,
    resident_number,
    resident_texts,
)
from tests.e2e.test_workspace_browser import sign_in_as, update_resident_thread

pytestmark = browser_test_marks()


def alert_reaches(local_stack, address: str, alert_id: str, title: str) -> None:
    """What the alert sender leaves on a recipient's thread (the alerts data contract), for a resident whose
    thread exists."""
    update_resident_thread(
        local_stack, address, last_alert_id=alert_id, last_alert_title=title, last_alert_at=utc_now_iso()
    )


def test_a_group_of_alert_replies_is_answered_with_one_message(chromium, local_stack):
    alert_id = f"alert{secrets.token_hex(4)}"
    title = f"Water shut-off, Elm St <b>{alert_id}</b>"  # staff-written, still shown as text only
    residents = [resident_number(), resident_number()]
    for address in residents:
        resident_texts(local_stack, address, "Hello")
    local_stack.wait_until_idle()
    for address in residents:
        alert_reaches(local_stack, address, alert_id, title)
        resident_texts(local_stack, address, "Is my block included? <img src=x onerror=alert(1)>")
    local_stack.wait_until_idle()
    url = local_stack.api_url.rstrip("/") + "/"
    answer = f"Elm St water is back by 6 pm ({alert_id})."

    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in_as(page, url, DEMO_AGENT_EMAIL)
        page.get_by_role("link", name="Alert replies").click()
        expect(page.get_by_role("heading", name="Replies to alerts")).to_be_focused()
        group = page.get_by_role("button", name=f"2 replies to {title}")
        expect(group).to_be_visible()
        assert page.locator("#alert-replies-view b, #alert-replies-view img").count() == 0
        group.click()
        expect(page.locator("#alert-group-heading")).to_be_focused()
        expect(page.locator("#alert-group-summary")).to_have_text("2 still waiting for an answer.")
        expect(page.locator("#alert-group-threads a")).to_have_count(2)
        assert_axe_clean(page, "the alert replies view")

        page.get_by_label("Message", exact=True).fill(answer)
        page.get_by_role("button", name="Send to the group").click()
        expect(page.locator("#alert-replies-status")).to_have_text("Sent to 2 residents.")
        expect(page.locator("#alert-group-summary")).to_have_text("0 still waiting for an answer.")
        assert_clean(watch)

    deadline = time.monotonic() + 15
    while True:
        received = {a: [m["body"] for m in local_stack.twilio.messages_to(a)] for a in residents}
        if all(answer in bodies for bodies in received.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert all(bodies.count(answer) == 1 for bodies in received.values()), received

    with new_page(chromium, PHONE) as (page, watch):
        sign_in_as(page, url, DEMO_AGENT_EMAIL)
        page.goto(url + "#alert-replies")
        page.get_by_role("button", name=f"2 replies to {title}").click()
        expect(page.locator("#alert-group-threads a")).to_have_count(2)
        assert_fits_the_screen(page, PHONE)
        assert_axe_clean(page, "the alert replies view at 360 px")
        # From the group to a resident's conversation, where the thread says which alert it answers.
        page.locator("#alert-group-threads a").first.click()
        expect(page.locator("#message-list")).to_contain_text(answer)
        assert_clean(watch)
