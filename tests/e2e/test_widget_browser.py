"""The web chat widget in a real browser: a plain host page on another origin with the one-line snippet.

A resident asks in the widget, an agent answers from the agent page, the answer shows in the widget within
2 s; a reload resumes the conversation; a page on an origin the agency did not list gets no widget and no API.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    browser_test_marks,
    describe_violations,
    launch_chromium,
    new_page,
)
from tests.e2e.test_agent_browser import sign_in
from tests.e2e.widget_hosts import DEMO_SITE_PORT, UNLISTED_HOST_PORT, WIDGET_HOST_PORT

pytestmark = browser_test_marks()

ANSWER_DEADLINE_S = 2.0
# A host page that tries to break the widget: global button and text styles, and its own lang.
HOST_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>County health department</title>
<style>button {{ display: none !important; }} * {{ font: 40px serif !important; }}</style>
</head><body><main><h1>County health department</h1><p>Opening hours and clinics.</p></main>
<script src="{widget}" async></script>
</body></html>"""


def serve_host_page(port: int, widget_url: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            lang = "es" if self.path.startswith("/es") else "en"
            body = HOST_PAGE.format(lang=lang, widget=widget_url).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def host_pages(local_stack) -> Iterator[tuple[str, str]]:
    widget = local_stack.api_url + "/widget.js"
    servers = [serve_host_page(port, widget) for port in (WIDGET_HOST_PORT, UNLISTED_HOST_PORT)]
    yield f"http://127.0.0.1:{WIDGET_HOST_PORT}/", f"http://127.0.0.1:{UNLISTED_HOST_PORT}/"
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def open_widget(page: Page, name: str = "Chat with us") -> None:
    page.get_by_role("button", name=name).click()
    expect(page.get_by_role("dialog")).to_be_visible()


def assert_axe_clean(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe on {where}:\n{describe_violations(violations)}"


def test_resident_asks_agent_answers_within_two_seconds_and_reload_resumes(chromium, local_stack, host_pages):
    allowed, _ = host_pages
    question = f"Where is the flu clinic? <b>#{time.monotonic_ns()}</b>"
    with new_page(chromium, DESKTOP) as (resident, resident_watch), new_page(chromium, DESKTOP) as (agent, _):
        # Given a resident on the agency's site, which has the snippet
        resident.goto(allowed)
        launcher = resident.get_by_role("button", name="Chat with us")
        expect(launcher).to_be_visible()  # the host's `button {display:none}` does not reach it
        assert launcher.evaluate("b => getComputedStyle(b).fontSize") == "16px"  # nor its `* {font: 40px}`
        launcher.click()
        box = resident.get_by_label("Your message")
        expect(box).to_be_focused()

        # When they ask (Enter sends)
        box.fill(question)
        box.press("Enter")
        log = resident.get_by_role("log")
        expect(log.locator(".in")).to_contain_text([question])
        session_id = resident.evaluate(
            "Object.entries(localStorage).find(([k]) => k.startsWith('switchboard-chat:'))[1]"
        )
        session_id = __import__("json").loads(session_id)["token"].split(".")[1]
        address = f"webchat:{session_id}"

        # Then the agent sees it in the same inbox, marked as web chat, and answers
        sign_in(agent, local_stack.api_url + "/")
        row = agent.locator("#thread-list button[data-thread-id]", has_text=address)
        row.wait_for(timeout=10_000)
        expect(row).to_contain_text("Web chat")
        row.click()
        expect(agent.locator("#message-list .message-in .message-body")).to_have_text([question])
        reply = agent.get_by_label("Reply")
        reply.fill("Next to the library, 9 to 5. <i>No appointment</i> needed.")
        expect(resident.get_by_text("An agent is typing…")).to_be_visible(timeout=5_000)
        sent_at = time.monotonic()
        reply.press("Control+Enter")
        answer = log.locator(".out", has_text="Next to the library")
        answer.wait_for(timeout=ANSWER_DEADLINE_S * 1000 + 2000)
        elapsed = time.monotonic() - sent_at
        assert elapsed <= ANSWER_DEADLINE_S, f"the answer took {elapsed:.2f} s to reach the widget"
        # Text stays text on both sides: no element was made from either message
        assert answer.locator("i").count() == 0 and log.locator("b").count() == 0
        expect(log.locator(".in").last).to_contain_text("Read")

        # When the resident reloads, the conversation is still there
        resident.reload()
        resident.get_by_role("button", name="Chat with us").click()
        expect(resident.get_by_role("log").locator(".in, .out")).to_contain_text(
            ["Ask your question here", question, "Next to the library"]
        )
        # And a second tab of the same browser shows the same conversation
        second = resident.context.new_page()
        second.goto(allowed)
        second.get_by_role("button", name="Chat with us").click()
        expect(second.get_by_role("log").locator(".out", has_text="Next to the library")).to_be_visible()
        assert resident_watch.page_errors == []


def test_an_unlisted_origin_gets_no_widget_and_no_api(chromium, local_stack, host_pages):
    _, unlisted = host_pages
    with new_page(chromium, DESKTOP) as (page, _):
        page.goto(unlisted)
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-switchboard-chat]").count() == 0
        # The browser itself refuses the API to this page: no CORS grant for its origin
        refused = page.evaluate(
            """async (url) => {
                try { await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                        body: '{}'}); return false; }
                catch (e) { return true; } }""",
            local_stack.api_url + "/chat/sessions",
        )
        assert refused


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone-360"])
def test_widget_is_keyboard_usable_spanish_and_axe_clean(chromium, host_pages, viewport):
    allowed, _ = host_pages
    with new_page(chromium, viewport) as (page, watch):
        page.goto(allowed + "es")
        launcher = page.get_by_role("button", name="Chatee con nosotros")
        expect(launcher).to_be_visible()
        assert_axe_clean(page, "the host page with the closed widget")
        # Keyboard only: Tab reaches the launcher, Enter opens, focus goes to the message box, Escape closes
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement?.hasAttribute('data-switchboard-chat')"):
                break
        page.keyboard.press("Enter")
        expect(page.get_by_label("Su mensaje")).to_be_focused()
        expect(launcher).to_have_attribute("aria-expanded", "true")
        page.get_by_label("Su mensaje").fill("¿Dónde me vacuno?")
        page.keyboard.press("Enter")
        expect(page.get_by_role("log").locator(".in")).to_contain_text(["¿Dónde me vacuno?"])
        page.get_by_text("Sus datos (opcional)").click()
        assert_axe_clean(page, "the open widget")
        if viewport is PHONE:
            box = page.get_by_role("dialog").bounding_box()
            assert box is not None and box["width"] <= PHONE["width"]
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_be_hidden()
        expect(launcher).to_be_focused()
        assert watch.page_errors == []


def _png(width: int = 2, height: int = 2) -> bytes:
    """A real (tiny) PNG: the server reads the bytes, not the name or the declared type."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xc8\x20\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_a_resident_sends_a_photo_the_agent_sees_it_and_refused_files_say_why(
    chromium, local_stack, host_pages
):
    allowed, _ = host_pages
    with new_page(chromium, DESKTOP) as (resident, watch), new_page(chromium, DESKTOP) as (agent, _):
        resident.goto(allowed)
        open_widget(resident)
        attach = resident.get_by_role("button", name="Attach a photo")
        expect(attach).to_be_visible()
        picker = resident.locator("[data-switchboard-chat] input[type=file]")
        error = resident.get_by_role("alert")

        # Not a photo, too large: refused in the page with a clear message; nothing is uploaded or sent.
        uploads: list[str] = []
        resident.on("request", lambda r: uploads.append(r.url) if "/chat/uploads" in r.url else None)
        picker.set_input_files(files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}])
        expect(error).to_have_text("Only photos can be sent: JPEG, PNG, WebP or HEIC.")
        big = {"name": "huge.png", "mimeType": "image/png", "buffer": b"\0" * (4 * 1024 * 1024 + 1)}
        picker.set_input_files(files=[big])
        expect(error).to_have_text("That photo is too large: the limit is 4 MB and 25 megapixels.")
        assert uploads == []
        # A file that claims to be a photo but is not: the server reads the bytes and refuses it.
        fake = {
            "name": "flood.png",
            "mimeType": "image/png",
            "buffer": b"<svg onload=alert(1)>not a png</svg>",
        }
        picker.set_input_files(files=[fake])
        expect(error).to_have_text("Only photos can be sent: JPEG, PNG, WebP or HEIC.")
        expect(resident.get_by_role("log").locator(".in")).to_have_count(0)

        # A real photo with a caption goes up straight to S3 and shows in the conversation.
        resident.get_by_label("Your message").fill(f"Flooded corner #{time.monotonic_ns()}")
        caption = resident.get_by_label("Your message").input_value()
        picker.set_input_files(files=[{"name": "corner.png", "mimeType": "image/png", "buffer": _png()}])
        log = resident.get_by_role("log")
        expect(log.locator(".in", has_text=caption).locator("img[alt='Your photo']")).to_be_visible(
            timeout=10_000
        )
        expect(attach).to_be_focused()
        assert_axe_clean(resident, "the widget with a photo")

        # The agent sees it in the same thread as a thumbnail.
        stored = "Object.entries(localStorage).find(([k]) => k.startsWith('switchboard-chat:'))[1]"
        session_id = resident.evaluate(f"JSON.parse({stored}).token").split(".")[1]
        sign_in(agent, local_stack.api_url + "/")
        row = agent.locator("#thread-list button[data-thread-id]", has_text=f"webchat:{session_id}")
        row.wait_for(timeout=10_000)
        row.click()
        thumbnail = agent.locator("#message-list .message-in img[alt='Photo from resident']")
        expect(thumbnail).to_be_visible(timeout=10_000)
        assert thumbnail.evaluate("img => img.naturalWidth") == 2
        assert watch.page_errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone-360"])
def test_the_local_demo_site_carries_the_widget_in_english_and_spanish(chromium, local_stack, viewport):
    from infra.local import demo_site

    site = demo_site.serve(local_stack.api_url + "/widget.js", port=DEMO_SITE_PORT)
    try:
        with new_page(chromium, viewport) as (page, watch):
            page.goto(demo_site.origin(DEMO_SITE_PORT) + "/")
            expect(page.get_by_role("heading", name="Demo County public health")).to_be_visible()
            open_widget(page)
            assert_axe_clean(page, "the demo agency website with the widget open")
            page.goto(demo_site.origin(DEMO_SITE_PORT) + "/es")
            open_widget(page, "Chatee con nosotros")
            expect(page.get_by_role("button", name="Adjuntar una foto")).to_be_visible()
            assert watch.page_errors == []
    finally:
        site.shutdown()
        site.server_close()


def test_the_agent_page_shows_the_exact_line_to_paste_and_the_sites_allowed(chromium, local_stack):
    from tests.e2e.widget_hosts import WIDGET_HOST_ORIGIN

    with new_page(chromium, DESKTOP) as (agent, watch):
        sign_in(agent, local_stack.api_url + "/")
        agent.get_by_text("Add web chat to your site").click()
        expect(agent.locator("#webchat-snippet")).to_have_text(
            f'<script src="{local_stack.api_url}/widget.js" async></script>'
        )
        expect(agent.locator("#webchat-origins")).to_contain_text(WIDGET_HOST_ORIGIN)
        assert_axe_clean(agent, "the web chat setup on the agent page")
        assert watch.page_errors == []
