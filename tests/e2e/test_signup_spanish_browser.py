"""The sign-up page in Spanish on a phone (issue 20): every word on it is Spanish (from the catalog), axe
finds nothing at 360 px, errors are Spanish, and the resident gets a Spanish confirmation that "Sí" answers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.e2e.browser import DESKTOP, PHONE, browser_test_marks, launch_chromium, new_page
from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean, resident_number

pytestmark = browser_test_marks()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def texts_to(local_stack, phone: str, count: int) -> list[str]:
    deadline = time.monotonic() + 30
    while len(bodies := [m["body"] for m in local_stack.twilio.messages_to(phone)]) < count:
        assert time.monotonic() < deadline, bodies
        time.sleep(0.1)
    return bodies


def test_a_spanish_reader_signs_up_on_a_phone_and_si_confirms(chromium: Browser, local_stack) -> None:
    phone = resident_number()
    with new_page(chromium, PHONE) as (page, watch):
        page.goto(local_stack.api_url.rstrip("/") + "/signup.html?lang=es")
        expect(
            page.get_by_role("heading", name="Suscríbase a las alertas por mensaje de texto")
        ).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_label("servicio de agua")).to_be_visible()  # the topic's Spanish name
        expect(page.get_by_label("Idioma de las alertas")).to_have_value("es")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert_axe_clean(page, "the Spanish sign-up page at 360 px")

        page.get_by_role("button", name="Suscribirme").click()
        expect(page.get_by_label("Número de teléfono móvil")).to_be_focused()
        expect(page.locator("#phone-error")).to_have_text(
            "Escriba un número de móvil, por ejemplo +1 202 555 0143."
        )
        expect(page.locator("#topics-error")).to_have_text("Elija al menos un tema.")
        assert_axe_clean(page, "the Spanish sign-up page with errors")

        page.get_by_label("Número de teléfono móvil").fill(phone)
        page.get_by_label("servicio de agua").check()
        page.get_by_label("Código postal").fill("94110")
        page.get_by_role("button", name="Suscribirme").click()
        expect(page.get_by_role("status")).to_have_text(
            "Casi listo: le enviamos un mensaje de texto. Responda SÍ para empezar a recibir alertas."
        )
        assert_axe_clean(page, "the Spanish sign-up page after sending")
        assert_clean(watch)

    [confirmation] = texts_to(local_stack, phone, 1)
    assert "Responda SÍ para recibir alertas de AGUA para el código postal 94110" in confirmation
    local_stack.send_inbound(phone, "Sí")
    assert (
        "Está suscrito a las alertas de AGUA para el código postal 94110"
        in texts_to(local_stack, phone, 2)[1]
    )


def test_choosing_espanol_for_alerts_switches_the_page_and_keeps_the_topics_chosen(
    chromium: Browser, local_stack
) -> None:
    with new_page(chromium, DESKTOP) as (page, watch):
        page.goto(local_stack.api_url.rstrip("/") + "/signup.html?lang=en")
        expect(page.get_by_role("heading", name="Sign up for text alerts")).to_be_visible()
        page.get_by_label("Storm warnings").check()
        page.get_by_label("Language for alerts").select_option("es")
        expect(
            page.get_by_role("heading", name="Suscríbase a las alertas por mensaje de texto")
        ).to_be_visible()
        expect(page.get_by_label("avisos de tormenta")).to_be_checked()
        expect(page.get_by_label("Idioma de las alertas")).to_have_value("es")
        assert_axe_clean(page, "the page switched to Spanish")
        assert_clean(watch)
