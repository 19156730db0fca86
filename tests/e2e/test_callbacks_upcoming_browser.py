"""The Callbacks view lists upcoming bookings by day in the agency's time zone (issue 16 item 7), in a real
browser at 1366x900 and 360x740: a booking at 23:30 in New York is on its New York day, not on the next UTC
day; nothing is wider than the window; axe finds nothing."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from callbacks.dal.callback_table import BookingTable
from callbacks.models.callbacks import CallbackStart
from playwright.sync_api import expect

from infra.local.stack import REGION, LocalStack
from tests.e2e.browser import browser_test_marks, new_page
from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean, sign_in
from tests.e2e.test_workspace_layout_browser import elements_wider_than_the_window

pytestmark = browser_test_marks()

AGENCY_ZONE = ZoneInfo("America/New_York")  # the local stack's agencyTimeZone


def book(stack: LocalStack, local: dt.datetime) -> str:
    """A booking as the CALLBACK flow writes it (no workflow: its slot must not come during the test)."""
    table = boto3.resource("dynamodb", endpoint_url=stack.moto_url, region_name=REGION).Table(
        stack.outputs["TableName"]
    )
    slot = local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    callback_id = "cb-" + secrets.token_hex(8)
    start = CallbackStart(
        callback_id=callback_id,
        thread_id="t" + secrets.token_hex(8),
        department="general",
        slot_at=slot,
        remind_at=slot,
    )
    assert BookingTable(table).reserve(start, roster_size=1000, now=slot)
    return callback_id


@pytest.mark.parametrize(
    "viewport", [{"width": 1366, "height": 900}, {"width": 360, "height": 740}], ids=["1366x900", "360x740"]
)
def test_upcoming_callbacks_are_grouped_by_the_agencys_day(
    chromium: Any, local_stack: LocalStack, viewport: dict[str, int]
) -> None:
    day = dt.datetime.now(AGENCY_ZONE).date() + dt.timedelta(days=30 + viewport["width"] % 7)
    late = book(local_stack, dt.datetime.combine(day, dt.time(23, 30), AGENCY_ZONE))  # the next day in UTC
    early = book(local_stack, dt.datetime.combine(day, dt.time(9, 15), AGENCY_ZONE))
    with new_page(chromium, viewport) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        page.locator("#staff-nav").get_by_role("link", name="Callbacks").click()
        expect(page.get_by_role("heading", name="Callbacks", exact=True)).to_be_focused()
        heading = f"{day.strftime('%A, %B')} {day.day}"
        group = page.locator(".upcoming-group", has=page.get_by_role("heading", name=heading))
        expect(group.locator(".upcoming-item")).to_have_count(2)
        expect(group.locator(f'[data-callback="{early}"] time')).to_contain_text("09:15")
        expect(group.locator(f'[data-callback="{late}"] time')).to_contain_text("23:30")
        assert group.locator(".upcoming-item").first.get_attribute("data-callback") == early
        assert elements_wider_than_the_window(page) == []
        assert_axe_clean(page, f"the callbacks view at {viewport['width']} px")
        assert_clean(watch)
