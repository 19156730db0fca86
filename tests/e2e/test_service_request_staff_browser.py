"""Staff make and edit a service request from a conversation in a real browser (issue 21 item 2): the resident
panel's "New service request" (service, place, the service's questions; a missing required answer is named),
the request listed under the thread, an edit that closes it (the resident is texted); axe clean with the form
open at 1366x900 and at 360x740, where the form fits without sideways scrolling."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from infra.local.stack import LocalStack
from tests.e2e import test_agent_browser
from tests.e2e.browser import PHONE, browser_test_marks, new_page, thread_action
from tests.e2e.test_agent_browser import (
    assert_axe_clean,
    assert_clean,
    resident_number,
    resident_texts,
    sign_in,
    thread_button,
)
from tests.e2e.test_consent_e2e import bodies_to, eventually
from tests.e2e.test_inbox_browser import staff_api

pytestmark = browser_test_marks()
chromium = test_agent_browser.chromium  # the same module-scoped browser fixture
WIDE = {"width": 1366, "height": 900}


@pytest.fixture
def streetlight(local_stack: LocalStack) -> Iterator[dict[str, Any]]:
    """A service with a required list question, a multi-choice one and a number; removed after."""
    api = staff_api(local_stack)
    code = "LIGHT" + secrets.token_hex(2).upper()
    service = {
        "service_code": code,
        "service_name": f"Streetlight out {code[-4:]}",
        "group": "Streets",
        "keywords": ["streetlight", "lamp"],
        "department": None,
        "attributes": [
            {
                "code": "STATE",
                "datatype": "singlevaluelist",
                "required": True,
                "order": 1,
                "description": "Is the light off or flickering?",
                "values": [{"key": "off", "name": "Off"}, {"key": "flicker", "name": "Flickering"}],
            },
            {
                "code": "NEAR",
                "datatype": "multivaluelist",
                "required": False,
                "order": 2,
                "description": "What is nearby?",
                "values": [{"key": "school", "name": "A school"}, {"key": "park", "name": "A park"}],
            },
            {
                "code": "POLE",
                "datatype": "number",
                "required": False,
                "order": 3,
                "description": "Pole number",
                "datatype_description": "The number painted on the pole",
            },
        ],
    }
    base = local_stack.api_url.rstrip("/")
    assert api.put(f"{base}/api/services/{code}", json=service, timeout=10).status_code == 200
    yield service
    api.delete(f"{base}/api/services/{code}", timeout=10)


def open_thread(page: Any, address: str) -> None:
    thread_button(page, address).click()
    expect(page.get_by_role("heading", name=address)).to_be_visible()


def test_staff_make_a_request_from_the_thread_and_close_it(
    chromium: Any, local_stack: LocalStack, streetlight: dict[str, Any]
) -> None:
    address = resident_number()
    resident_texts(local_stack, address, "The lamp outside my house is out")
    name = streetlight["service_name"]
    with new_page(chromium, WIDE) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        open_thread(page, address)
        panel = page.locator("#thread-requests")
        expect(panel.get_by_text("No service request from this conversation.")).to_be_visible()
        panel.get_by_role("button", name="New service request").click()
        form = page.locator("#thread-request-form")
        expect(form.get_by_label("Service")).to_be_focused()
        form.get_by_label("Service").select_option(label=f"{name} (Streets)")
        expect(form.get_by_label("Is the light off or flickering? (required)")).to_be_visible()
        form.get_by_label("Where").fill("Oak and 3rd")
        form.get_by_label("A school").check()
        assert_axe_clean(page, "the new service request form at 1366x900")

        # A required question left unanswered is named, and nothing is made
        form.get_by_role("button", name="Save request").click()
        expect(form.get_by_role("alert")).to_contain_text("STATE: required")

        form.get_by_label("Is the light off or flickering? (required)").select_option("off")
        form.get_by_label("Pole number").fill("1234")
        form.get_by_role("button", name="Save request").click()
        expect(panel.get_by_role("status")).to_contain_text("created")
        request_id = panel.get_by_role("status").inner_text().split("#")[1].split(" ")[0]
        item = panel.get_by_role("listitem").filter(has_text=f"#{request_id} {name}")
        expect(item).to_contain_text("Open · Oak and 3rd")

        # Edit: the answers come back in the form; closing it texts the resident
        item.get_by_role("button", name=f"Edit #{request_id}").click()
        expect(form.get_by_label("Is the light off or flickering? (required)")).to_have_value("off")
        expect(form.get_by_label("A school")).to_be_checked()
        expect(form.get_by_label("Pole number")).to_have_value("1234")
        form.get_by_label("Status", exact=True).select_option("closed")
        form.get_by_label("Status note (the resident is texted about a change)").fill("Fixed today")
        form.get_by_role("button", name="Save request").click()
        expect(panel.get_by_role("status")).to_have_text(f"Request #{request_id} saved.")
        expect(panel.get_by_role("listitem").filter(has_text=f"#{request_id}")).to_contain_text("Closed")
        eventually(
            lambda: [b for b in bodies_to(local_stack, address) if f"#{request_id}" in b and "closed" in b]
        )
        assert_clean(watch)


def test_the_request_form_fits_a_phone(
    chromium: Any, local_stack: LocalStack, streetlight: dict[str, Any]
) -> None:
    address = resident_number()
    resident_texts(local_stack, address, "Lamp out again")
    with new_page(chromium, PHONE) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        open_thread(page, address)
        thread_action(page, "Resident details").click()  # in the overflow menu at this width
        expect(page.get_by_role("heading", name="Resident", exact=True)).to_be_focused()
        page.get_by_role("button", name="New service request").click()
        form = page.locator("#thread-request-form")
        form.get_by_label("Service").select_option(label=f"{streetlight['service_name']} (Streets)")
        expect(form.get_by_label("Pole number")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert_axe_clean(page, "the new service request form at 360x740")
        assert_clean(watch)
