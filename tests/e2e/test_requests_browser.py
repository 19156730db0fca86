"""The service requests section in a real browser (issue 21 item 6): requests drawn as focusable points with
text labels over the agency's zone outlines (inline SVG, no tiles), the same requests as a table, a status
filter, closing a request from the list (the resident is texted), a CSV download; axe clean at 1366x900 and
360x740."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from playwright.sync_api import expect
from servicerequests.dal.requests_table import RequestsTable
from servicerequests.models.requests import ServiceRequestRecord
from switchboard.clock import utc_now_iso

from infra.local.stack import LocalStack
from tests.e2e import test_agent_browser
from tests.e2e.browser import PHONE, browser_test_marks, new_page
from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean, sign_in
from tests.e2e.test_consent_e2e import bodies_to, eventually, resident, table
from tests.e2e.test_inbox_browser import staff_api

pytestmark = browser_test_marks()
chromium = test_agent_browser.chromium  # the same module-scoped browser fixture
WIDE = {"width": 1366, "height": 900}
SQUARE = [[-122.42, 37.76], [-122.40, 37.76], [-122.40, 37.78], [-122.42, 37.78], [-122.42, 37.76]]


@pytest.fixture
def requests_on_a_map(local_stack: LocalStack):  # type: ignore[no-untyped-def]
    """Two located requests inside a zone and one without a place; the zone is removed afterwards."""
    api = staff_api(local_stack)
    zone_id = "sr-map-" + secrets.token_hex(3)
    zones: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Map Park", "id": zone_id},
                "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
            }
        ],
    }
    base = local_stack.api_url.rstrip("/")
    assert api.put(f"{base}/api/zones", json=zones, timeout=10).status_code == 200
    store = RequestsTable(table(local_stack))
    number = resident()
    ids = []
    for lat, long, address in (
        (37.765, -122.415, "12 Oak St"),
        (37.775, -122.405, None),
        (None, None, "Town Hall"),
    ):
        request_id = store.next_id()
        now = utc_now_iso()
        store.create(
            ServiceRequestRecord(
                service_request_id=request_id,
                service_code="POT",
                service_name="Pothole",
                requested_datetime=now,
                updated_datetime=now,
                lat=lat,
                long=long,
                address=address,
                resident=number,
                source="sms",
            )
        )
        ids.append(request_id)
    yield ids, number
    api.delete(f"{base}/api/zones/{zone_id}", timeout=10)


def test_requests_are_drawn_over_the_zones_and_closed_from_the_list(
    chromium, local_stack: LocalStack, requests_on_a_map
) -> None:
    (first, second, unplaced), number = requests_on_a_map
    with new_page(chromium, WIDE) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        page.get_by_role("link", name="Requests").click()
        expect(page.get_by_role("heading", name="Service requests")).to_be_focused()
        view = page.locator("#requests-view")
        expect(view.locator(".sr-zone")).not_to_have_count(0)
        point = view.get_by_role("img", name=f"Request {first}, Pothole, Open, 12 Oak St")
        expect(point).to_contain_text(f"#{first}")  # a visible text label beside the point
        expect(view.get_by_role("img", name=f"Request {second}, Pothole, Open")).to_be_visible()
        assert view.get_by_role("img", name=f"Request {unplaced},").count() == 0  # no place: table only
        point.focus()
        expect(point).to_be_focused()
        row = view.get_by_role("row", name=f"#{unplaced}")
        expect(row).to_contain_text("Town Hall")
        assert_axe_clean(page, "the requests section at 1366x900")

        view.get_by_role("button", name=f"Close request {first}").click()
        expect(view.get_by_role("img", name=f"Request {first}, Pothole, Closed, 12 Oak St")).to_be_visible()
        eventually(
            lambda: [b for b in bodies_to(local_stack, number) if f"#{first} (Pothole) is closed" in b]
        )
        view.get_by_label("Status").select_option("open")
        expect(view.get_by_role("row", name=f"#{first}")).to_have_count(0)
        expect(view.get_by_role("row", name=f"#{second}")).to_have_count(1)

        with page.expect_download() as download:
            view.get_by_role("button", name="Download CSV").click()
        path = download.value.path()
        csv_text = open(path, encoding="utf-8").read()  # noqa: PTH123 - playwright's temp file
        assert csv_text.startswith("service_request_id,") and f"{second}," in csv_text
        assert number not in csv_text
        assert_clean(watch)


def test_the_requests_section_fits_a_phone(chromium, local_stack: LocalStack, requests_on_a_map) -> None:
    (first, _second, _unplaced), _number = requests_on_a_map
    with new_page(chromium, PHONE) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        page.goto(local_stack.api_url.rstrip("/") + "/#requests")
        view = page.locator("#requests-view")
        expect(view.get_by_role("img", name=f"Request {first}, Pothole")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert_axe_clean(page, "the requests section at 360x740")
        assert_clean(watch)
