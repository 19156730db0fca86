"""`make screenshots`: the agent page's views (inbox, a busy conversation, the resident panel, callbacks, the
alert composer, notices, reports, staff admin, subscribers, topics and zones) and the chat widget in English
and Spanish, desktop and phone, into docs/screenshots/.

Starts the local stack on free ports (as the e2e tests do), seeds the demo agency, builds one busy
conversation (resident texts, an automatic HELP answer, a staff reply, a note, a call that rang and ended,
a transfer, labels and a name), a subscriber, three neighbourhood zones and two booked callbacks, then drives
Debian's chromium through Playwright. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from infra.local import demo_site
from infra.local.seed import seed_demo, seed_demo_catalogue
from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack, LocalStackConfig

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
DESKTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 740}
BUSY_RESIDENT = "+15555550177"
STAFF_PHONE = "+15555550178"
SUBSCRIBER = "+15555550179"
# Three made-up neighbourhoods (GeoJSON [longitude, latitude]) for the zones page.
DEMO_ZONES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"id": "elm-park", "name": "Elm Park"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [-122.42, 37.76],
                        [-122.40, 37.76],
                        [-122.40, 37.78],
                        [-122.42, 37.78],
                        [-122.42, 37.76],
                    ],
                    [
                        [-122.415, 37.765],
                        [-122.41, 37.765],
                        [-122.41, 37.77],
                        [-122.415, 37.77],
                        [-122.415, 37.765],
                    ],
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"id": "riverside", "name": "Riverside"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [-122.40, 37.75],
                        [-122.37, 37.745],
                        [-122.36, 37.755],
                        [-122.375, 37.765],
                        [-122.39, 37.77],
                        [-122.40, 37.765],
                        [-122.40, 37.75],
                    ]
                ],
            },
        },
        {
            "type": "Feature",
            "properties": {"id": "old-town", "name": "Old Town"},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [
                    [
                        [
                            [-122.44, 37.74],
                            [-122.42, 37.74],
                            [-122.425, 37.755],
                            [-122.44, 37.75],
                            [-122.44, 37.74],
                        ]
                    ],
                    [[[-122.445, 37.757], [-122.438, 37.757], [-122.438, 37.762], [-122.445, 37.757]]],
                ],
            },
        },
    ],
}


def api(stack: LocalStack, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(stack.api_url + path, data=data, method=method)  # noqa: S310 - 127.0.0.1
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - 127.0.0.1
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, None


def eventually(check: Callable[[], Any], timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (value := check()):
        if time.monotonic() > deadline:
            raise TimeoutError("the local stack did not get there in time")
        time.sleep(0.1)
    return value


def thread_id_of(stack: LocalStack, token: str, address: str) -> str | None:
    threads = api(stack, "GET", "/api/threads?limit=100", token)[1]["threads"]
    return next((t["thread_id"] for t in threads if t["resident"]["address"] == address), None)


def build_busy_thread(stack: LocalStack, token: str, address: str = BUSY_RESIDENT) -> str:
    """One conversation with every kind of timeline entry; returns its thread id."""
    stack.send_inbound(address, "Hi, the water on Elm St has been brown since this morning. Is it safe?")
    thread_id = eventually(lambda: thread_id_of(stack, token, address))
    stack.send_inbound(address, "HELP")  # answered automatically by the keyword flow
    eventually(lambda: len(api(stack, "GET", f"/api/threads/{thread_id}", token)[1]["messages"]) >= 3)
    api(
        stack,
        "POST",
        f"/api/threads/{thread_id}/messages",
        token,
        {
            "body": "Thanks for telling us. Please "
            "do not drink it for now; we are sending the water team. Can we call you?"
        },
    )
    stack.send_inbound(address, "Yes please, any time today.")
    api(stack, "POST", f"/api/threads/{thread_id}/notes", token, {"body": "Third report from Elm St today."})
    api(stack, "PUT", "/api/calls/phone", token, {"phone": STAFF_PHONE})
    api(stack, "POST", f"/api/calls/threads/{thread_id}", token)

    def call_ended() -> bool:
        notes = api(stack, "GET", f"/api/threads/{thread_id}/notes", token)[1]["notes"]
        return any(n["kind"] == "call" and "ended" in n["body"] for n in notes)

    eventually(call_ended)
    api(stack, "PUT", f"/api/threads/{thread_id}/resident-name", token, {"name": "Ana López"})
    api(stack, "PUT", f"/api/threads/{thread_id}/labels", token, {"labels": ["water quality", "elm st"]})
    transfer = {"department_id": "water", "note": "Spoke to Ana: brown water since 7 am, two neighbours too."}
    api(stack, "POST", f"/api/threads/{thread_id}/transfer", token, transfer)
    api(stack, "POST", f"/api/threads/{thread_id}/assign", token, {})
    return thread_id


def seed_management_pages(stack: LocalStack, token: str) -> None:
    """What the management views show: zones, a subscriber with a ledger, and callbacks booked ahead."""
    status, _ = api(stack, "PUT", "/api/zones", token, DEMO_ZONES)
    assert status == 200, status
    for body in ("JOIN WATER", "94110", "JOIN STORM"):
        stack.send_inbound(SUBSCRIBER, body)
    stack.wait_until_idle()
    # Booked as the CALLBACK flow books them, without a workflow: the view shows them waiting for their day.
    import boto3
    from callbacks.dal.callback_table import BookingTable  # on sys.path once the stack has started
    from callbacks.models.callbacks import CallbackStart

    from infra.local.stack import REGION

    table = boto3.resource("dynamodb", endpoint_url=stack.moto_url, region_name=REGION).Table(
        stack.outputs["TableName"]
    )
    zone = ZoneInfo("America/New_York")  # the demo agency's time zone
    today = dt.datetime.now(zone).date()
    for days, hour, minute in ((1, 9, 30), (1, 14, 0), (3, 10, 15)):
        local = dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, minute), zone)
        slot = local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        start = CallbackStart(
            callback_id="cb-" + secrets.token_hex(8),
            thread_id=str(thread_id_of(stack, token, SUBSCRIBER)),
            department="general",
            slot_at=slot,
            remind_at=slot,
        )
        BookingTable(table).reserve(start, roster_size=100, now=slot)


# The tool views, each shot at both sizes after the busy conversation.
VIEWS = (
    ("callbacks", "#callbacks", None),
    ("alert-composer", "#alerts", None),
    ("notices", "#notices", ".schedule-builder"),  # the schedule in words and its next send times
    ("reports", "#reports", None),
    ("staff-admin", "#admin", None),
    ("topics-zones", "#audience", None),
    ("alert-replies", "#alert-replies", None),
    ("reminders", "#reminders", None),
    ("feedback", "#feedback", None),
    ("service-requests", "#requests", None),
    ("services", "#services", None),
    ("supervisor", "#supervisor", None),
)


def capture(stack: LocalStack, thread_id: str, out: Path = OUT) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    base = stack.api_url.rstrip("/") + "/"
    shots: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)

        def page_at(viewport: ViewportSize) -> Any:
            context = browser.new_context(viewport=viewport)
            context.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(("http://127.0.0.1", "blob:", "data:"))
                    else route.abort()
                ),
            )
            page = context.new_page()
            page.goto(base)
            page.get_by_label("Email", exact=True).fill(DEMO_AGENT_EMAIL)
            page.get_by_label("Password", exact=True).fill(DEMO_AGENT_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.locator("#threads-loading").wait_for(state="hidden")
            return page

        def shoot(page: Any, name: str, hash_: str, scroll_to: str | None = None) -> None:
            page.evaluate("hash => { location.hash = hash; }", hash_)
            page.wait_for_timeout(1500)
            if scroll_to:
                page.locator(scroll_to).evaluate("node => node.scrollIntoView({block: 'start'})")
            path = out / f"{name}.png"
            page.screenshot(path=str(path))
            shots.append(path)

        def find_subscriber(page: Any) -> None:
            page.locator("#subscriber-query").fill("(555) 555-0179")
            page.locator("#subscriber-find button[type=submit]").click()
            page.locator("#subscriber-title").wait_for(state="visible")

        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page = page_at(viewport)
            shoot(page, f"{size}-inbox", "#inbox")
            shoot(page, f"{size}-busy-thread", f"#thread/{thread_id}")
            if size == "phone":  # at 1366 px the resident panel is the busy thread's third pane
                page.get_by_role("button", name="More actions").click()
                page.get_by_role("button", name="Resident details").click()
                shoot(page, f"{size}-resident-panel", f"#thread/{thread_id}")
            for name, hash_, scroll_to in VIEWS:
                shoot(page, f"{size}-{name}", hash_, scroll_to)
            page.evaluate("location.hash = '#subscribers'")
            find_subscriber(page)
            shoot(page, f"{size}-subscriber", "#subscribers")
        for language in ("en", "es"):
            widget = browser.new_context(viewport=PHONE).new_page()
            widget.goto(f"{demo_site.origin()}/{'es' if language == 'es' else ''}")
            widget.locator("[data-switchboard-chat]").locator("button.launch").click()
            widget.wait_for_timeout(1000)
            widget.screenshot(path=str(out / f"phone-widget-{language}.png"))
            shots.append(out / f"phone-widget-{language}.png")
        browser.close()
    return shots


def main() -> int:
    config = LocalStackConfig.on_free_ports()
    config.parameters["ChatAllowedOrigins"] = demo_site.origin()
    with contextlib.ExitStack() as cleanup:  # stopped last-started first, whatever fails
        stack = LocalStack(config).start()
        cleanup.callback(stack.stop)
        site = demo_site.serve(f"{stack.api_url}/widget.js")
        cleanup.callback(site.server_close)
        cleanup.callback(site.shutdown)
        seed_demo(stack)
        seed_demo_catalogue(stack)
        token = stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
        thread_id = build_busy_thread(stack, token)
        seed_management_pages(stack, token)
        for path in capture(stack, thread_id):
            print(path.relative_to(OUT.parents[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
