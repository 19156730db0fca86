"""Topics, zones and subscribers managed on the agent page (issue 16 item 7), in a real browser at 1366x900
and 360x740: a supervisor creates and renames a topic, uploads a zipped GeoJSON and sees its outline drawn, is
told what is wrong with a bad file, finds a resident by the number they give and opts them out; nothing is
wider than the window, every control is on screen, and axe finds nothing."""

from __future__ import annotations

import io
import json
import secrets
import string
import zipfile
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack
from infra.tools.screenshots import api, eventually, thread_id_of
from tests.e2e.browser import browser_test_marks, new_page
from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean, resident_number, sign_in
from tests.e2e.test_workspace_layout_browser import elements_wider_than_the_window

pytestmark = browser_test_marks()

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}
SIZES = [LAPTOP, PHONE]
SIZE_IDS = ["1366x900", "360x740"]

# An L-shaped neighbourhood: its outline must come out as the same L, not a box.
L_SHAPE = [
    [-122.43, 37.75],
    [-122.41, 37.75],
    [-122.41, 37.76],
    [-122.42, 37.76],
    [-122.42, 37.78],
    [-122.43, 37.78],
    [-122.43, 37.75],
]


def unique(prefix: str) -> str:
    return prefix + "".join(secrets.choice(string.ascii_uppercase) for _ in range(6))


def zipped_zone(zone_id: str, name: str) -> bytes:
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": zone_id, "name": name},
                "geometry": {"type": "Polygon", "coordinates": [L_SHAPE]},
            }
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export/zones.geojson", json.dumps(document))
    return buffer.getvalue()


def open_view(page: Page, local_stack: LocalStack, link: str, heading: str, viewport: dict[str, int]) -> None:
    sign_in(page, local_stack.api_url.rstrip("/") + "/")
    page.locator("#staff-nav").get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_focused()


def assert_fits(page: Page, viewport: dict[str, int], where: str) -> None:
    assert elements_wider_than_the_window(page) == [], where
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], where
    # Every control of the view is within the window's width (reachable by scrolling down, never sideways).
    outside = page.evaluate(
        """() => [...document.querySelectorAll('.tool-view:not([hidden]) :is(button, input, select)')]
          .filter((el) => el.getClientRects().length)
          .filter((el) => {
            const r = el.getBoundingClientRect();
            return r.left < 0 || r.right > innerWidth + 0.5;
          })
          .map((el) => el.id || el.textContent.trim())"""
    )
    assert outside == [], f"{where}: {outside} run off the window"


@pytest.mark.parametrize("viewport", SIZES, ids=SIZE_IDS)
def test_a_supervisor_creates_and_renames_a_topic_and_uploads_zones_seeing_their_outlines(
    chromium: Any, local_stack: LocalStack, viewport: dict[str, int]
) -> None:
    code, zone_id = unique("T"), unique("z").lower()
    with new_page(chromium, viewport) as (page, watch):
        open_view(page, local_stack, "Topics & zones", "Topics and zones", viewport)
        view = page.locator("#audience-view")
        expect(view.locator(".manage-row", has_text="WATER")).to_be_visible()
        assert_axe_clean(page, f"topics and zones at {viewport['width']} px")

        # A code residents could not text is refused, saying why
        view.get_by_label("Code residents text").fill("STOP")
        view.get_by_label("Name", exact=True).fill("Anything")
        view.get_by_role("button", name="Add topic").click()
        expect(page.locator("#topic-error")).to_contain_text("keyword residents already text")
        expect(view.get_by_label("Code residents text")).to_be_focused()

        view.get_by_label("Code residents text").fill(code.lower())
        view.get_by_label("Name", exact=True).fill("Heat warnings")
        view.get_by_role("button", name="Add topic").click()
        row = view.locator(f'.manage-row[data-topic="{code}"]')
        expect(row).to_contain_text("Heat warnings")
        expect(row).to_contain_text("0 subscribers")
        row.get_by_role("button", name="Rename Heat warnings").click()
        rename = row.get_by_label(f"New name for {code}")
        expect(rename).to_be_focused()
        rename.fill("Extreme heat")
        row.get_by_role("button", name="Save").click()
        expect(view.locator(f'.manage-row[data-topic="{code}"]')).to_contain_text("Extreme heat")
        expect(view.locator(".manage-row", has_text="Heat warnings")).to_have_count(0)

        # A bad file says what is wrong; a zipped GeoJSON is drawn as its outline
        view.get_by_label("GeoJSON or .zip file").set_input_files(
            {"name": "zones.zip", "mimeType": "application/zip", "buffer": b"PK\x03\x04 not really"}
        )
        view.get_by_role("button", name="Upload").click()
        expect(page.locator("#zone-upload-error")).to_have_text("The file is not a valid .zip archive.")
        view.get_by_label("GeoJSON or .zip file").set_input_files(
            {"name": "zones.zip", "mimeType": "application/zip", "buffer": zipped_zone(zone_id, "Upper Elm")}
        )
        view.get_by_role("button", name="Upload").click()
        expect(page.locator("#zones-status")).to_have_text("1 zone(s) saved from zones.zip.")
        expect(page.locator("#zone-upload-error")).to_have_text("")
        card = view.locator(f'.zone-card[data-zone="{zone_id}"]')
        expect(card).to_contain_text("Upper Elm")
        outline = card.get_by_role("img", name="Outline of Upper Elm")
        expect(outline).to_be_visible()
        # The L is drawn as an L: the drawn shape is as tall as its box, and its top-right corner is empty.
        drawn = outline.locator("path").evaluate(
            """(path) => {
              const box = path.getBBox();
              const probe = path.ownerSVGElement.createSVGPoint();
              probe.x = box.x + box.width * 0.9; probe.y = box.y + box.height * 0.1;
              const topRight = path.isPointInFill(probe);
              probe.x = box.x + box.width * 0.1; probe.y = box.y + box.height * 0.9;
              const bottomLeft = path.isPointInFill(probe);
              return { width: box.width, height: box.height, topRight, bottomLeft };
            }"""
        )
        assert drawn["height"] == pytest.approx(100, abs=0.2) and drawn["width"] > 30, drawn
        assert drawn["topRight"] is False and drawn["bottomLeft"] is True, drawn
        assert_fits(page, viewport, f"topics and zones at {viewport['width']} px")
        assert_axe_clean(page, f"topics and zones after changes at {viewport['width']} px")

        # A zone is deleted after a confirmation; dismissing it keeps the zone
        page.once("dialog", lambda dialog: dialog.dismiss())
        card.get_by_role("button", name="Delete zone Upper Elm").click()
        expect(card).to_be_visible()
        page.once("dialog", lambda dialog: dialog.accept())
        card.get_by_role("button", name="Delete zone Upper Elm").click()
        expect(page.locator("#zones-status")).to_have_text("Zone Upper Elm deleted.")
        expect(card).to_have_count(0)
        expect(page.locator("#zone-file")).to_be_focused()
        assert_clean(watch)


@pytest.mark.parametrize("viewport", SIZES, ids=SIZE_IDS)
def test_a_supervisor_finds_a_subscriber_by_number_and_opts_them_out_on_request(
    chromium: Any, local_stack: LocalStack, viewport: dict[str, int]
) -> None:
    resident = resident_number()
    local_stack.send_inbound(resident, "JOIN WATER")
    local_stack.send_inbound(resident, "94110")
    name = "Rosa " + unique("Q").title()  # staff saved it on the resident's conversation
    token = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    thread_id = eventually(lambda: thread_id_of(local_stack, token, resident))
    assert api(local_stack, "PUT", f"/api/threads/{thread_id}/resident-name", token, {"name": name})[0] == 200
    typed = f"({resident[2:5]}) {resident[5:8]}-{resident[8:]}"  # as the resident says it on the phone
    with new_page(chromium, viewport) as (page, watch):
        open_view(page, local_stack, "Subscribers", "Subscribers", viewport)
        view = page.locator("#subscribers-view")
        assert_axe_clean(page, f"the subscriber page at {viewport['width']} px")

        view.get_by_label("Phone number or name").fill("12")
        view.get_by_role("button", name="Find").click()
        expect(page.locator("#subscriber-status")).to_have_text(
            "Not a phone number; type it as residents would: (202) 555-0143."
        )

        view.get_by_label("Phone number or name").fill(typed)
        view.get_by_role("button", name="Find").click()
        title = page.locator("#subscriber-title")
        expect(title).to_have_text(f"{resident} (SMS)")
        expect(title).to_be_focused()
        expect(page.locator("#subscriber-topics")).to_have_text("Water service")
        expect(page.locator("#subscriber-zones")).to_have_text("ZIP 94110")
        history = page.locator("#subscriber-history tr")
        expect(history).to_have_count(2)
        expect(history.first).to_contain_text("Set zone")
        expect(history.last).to_contain_text("Joined")
        expect(history.last).to_contain_text("By text")
        assert_fits(page, viewport, f"a subscriber at {viewport['width']} px")
        assert_axe_clean(page, f"a subscriber at {viewport['width']} px")

        # Opting out needs to say how the resident asked
        view.get_by_label("Stop", exact=True).select_option("WATER")
        view.get_by_role("button", name="Opt out").click()
        expect(page.locator("#subscriber-optout-error")).to_contain_text("Say how the resident asked")
        expect(view.get_by_label("How they asked")).to_be_focused()
        view.get_by_label("How they asked").fill("Asked at the front desk")
        view.get_by_role("button", name="Opt out").click()
        expect(page.locator("#subscriber-status")).to_have_text(
            "Opted out of Water service. The record names you."
        )
        expect(page.locator("#subscriber-topics")).to_have_text("None")
        expect(page.locator("#subscriber-stopped")).to_have_text("Water service")
        expect(history).to_have_count(3)
        expect(history.first).to_contain_text("Stopped")
        expect(history.first).to_contain_text("By staff: Asked at the front desk")
        assert_fits(page, viewport, f"a subscriber after an opt-out at {viewport['width']} px")
        assert_axe_clean(page, f"a subscriber after an opt-out at {viewport['width']} px")

        # By the name staff saved: the matching residents to choose from, then the same record
        view.get_by_label("Phone number or name").fill(name.split()[1])
        view.get_by_role("button", name="Find").click()
        expect(page.locator("#subscriber-status")).to_have_text("1 resident(s) found. Choose one.")
        expect(page.locator("#subscriber-detail")).to_be_hidden()
        page.locator("#subscriber-matches").get_by_role("button", name=name).click()
        expect(title).to_have_text(f"{resident} (SMS)")
        expect(page.locator("#subscriber-stopped")).to_have_text("Water service")
        assert_fits(page, viewport, f"a subscriber found by name at {viewport['width']} px")
        assert_clean(watch)
