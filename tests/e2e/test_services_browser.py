"""The service catalogue screen in a real browser (issue 21 item 1): an admin adds a service with keywords, a
department and questions (a required list question, an optional number), edits it, imports a city's
services.json with a service definition (a bad file is refused with the server's problems, nothing saved), and
the Open311 server then lists what was saved; axe clean at 1366x900 and 360x740 (no sideways scrolling)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import expect

from infra.local.stack import LocalStack
from tests.e2e import test_agent_browser
from tests.e2e.browser import PHONE, browser_test_marks, new_page
from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean, sign_in
from tests.e2e.test_inbox_browser import staff_api

pytestmark = browser_test_marks()
chromium = test_agent_browser.chromium  # the same module-scoped browser fixture
WIDE = {"width": 1366, "height": 900}


def open311_service(stack: LocalStack, code: str) -> dict[str, Any] | None:
    services = requests.get(f"{stack.api_url.rstrip('/')}/open311/v2/services.json", timeout=10).json()
    return next((s for s in services if s["service_code"] == code), None)


def test_an_admin_adds_edits_and_imports_services(
    chromium: Any, local_stack: LocalStack, tmp_path: Path
) -> None:
    code = "TREE" + secrets.token_hex(2).upper()
    city_code = "CITY" + secrets.token_hex(2).upper()
    base = local_stack.api_url.rstrip("/")
    services_json = tmp_path / "services.json"
    services_json.write_text(
        json.dumps(
            [
                {
                    "service_code": city_code,
                    "service_name": f"Abandoned car {city_code[-4:]}",
                    "description": "A car left on the street",
                    "metadata": True,
                    "type": "realtime",
                    "keywords": "car,abandoned",
                    "group": "Streets",
                }
            ]
        )
    )
    definition = tmp_path / f"{city_code}.json"
    definition.write_text(
        json.dumps(
            {
                "service_code": city_code,
                "attributes": [
                    {
                        "variable": True,
                        "code": "DAYS",
                        "datatype": "number",
                        "required": True,
                        "datatype_description": None,
                        "order": 1,
                        "description": "How many days has it been there?",
                    }
                ],
            }
        )
    )
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"service_code": "no spaces allowed", "service_name": ""}]))
    try:
        with new_page(chromium, WIDE) as (page, watch):
            sign_in(page, base + "/")
            page.get_by_role("link", name="Services").click()
            view = page.locator("#services-view")
            expect(view.get_by_role("heading", name="Service catalogue")).to_be_focused()
            view.get_by_role("button", name="Add a service").click()
            form = view.locator("#service-form")
            form.get_by_label("Code (letters, digits, . _ -)").fill(code)
            form.get_by_label("Name", exact=True).fill("Fallen tree")
            form.get_by_label("Group").fill("Parks")
            form.get_by_label("Keywords").fill("tree, branch, árbol")
            form.get_by_role("button", name="Add a question").click()
            first = form.get_by_role("group", name="Question 1")
            first.get_by_label("Question asked").fill("Is it blocking the road?")
            first.get_by_label("Code").fill("BLOCKING")
            first.get_by_label("Answer").select_option("singlevaluelist")
            first.get_by_label("Required").check()
            first.get_by_label("Choices").fill("yes = Yes, it blocks the road\nno = No")
            form.get_by_role("button", name="Add a question").click()
            second = form.get_by_role("group", name="Question 2")
            second.get_by_label("Question asked").fill("How tall is it (m)?")
            second.get_by_label("Code").fill("HEIGHT")
            second.get_by_label("Answer").select_option("number")
            expect(second.get_by_label("Choices")).to_be_hidden()
            assert_axe_clean(page, "the service form at 1366x900")
            form.get_by_role("button", name="Save service").click()
            expect(view.locator("#services-status")).to_have_text("Fallen tree saved.")
            row = view.get_by_role("row", name=code)
            expect(row).to_contain_text("tree, branch, árbol")
            expect(row).to_contain_text("2 (1 required)")

            saved = open311_service(local_stack, code)
            assert saved is not None and saved["metadata"] is True and saved["group"] == "Parks"
            definition_doc = requests.get(f"{base}/open311/v2/services/{code}.json", timeout=10).json()
            blocking = definition_doc["attributes"][0]
            assert (blocking["code"], blocking["datatype"], blocking["required"]) == (
                "BLOCKING",
                "singlevaluelist",
                True,
            )
            assert [v["key"] for v in blocking["values"]] == ["yes", "no"]

            # Edit: a list question without choices is refused, in words
            row.get_by_role("button", name="Edit Fallen tree").click()
            expect(form.get_by_label("Code (letters, digits, . _ -)")).to_have_value(code)
            form.get_by_role("group", name="Question 1").get_by_label("Choices").fill("")
            form.get_by_role("button", name="Save service").click()
            refused = "Not saved: Question 1 needs values to choose from."
            expect(form.get_by_role("alert")).to_have_text(refused)
            form.get_by_role("group", name="Question 2").get_by_role("button", name="Remove question").click()
            form.get_by_role("group", name="Question 1").get_by_label("Choices").fill("yes = Yes\nno = No")
            form.get_by_role("button", name="Save service").click()
            expect(view.get_by_role("row", name=code)).to_contain_text("1 (1 required)")

            # Import: a bad services.json saves nothing; the city's file and definition are saved
            importer = view.locator("#services-import-form")
            importer.get_by_label("services.json (Open311 GeoReport v2)").set_input_files(str(bad))
            importer.get_by_role("button", name="Import").click()
            expect(importer.get_by_role("status")).to_contain_text("Nothing imported")
            importer.get_by_label("services.json (Open311 GeoReport v2)").set_input_files(str(services_json))
            importer.get_by_label("Service definitions").set_input_files(str(definition))
            importer.get_by_role("button", name="Import").click()
            expect(importer.get_by_role("status")).to_have_text("Imported 1 services.")
            expect(view.get_by_role("row", name=city_code)).to_contain_text("1 (1 required)")
            assert_clean(watch)

        with new_page(chromium, PHONE) as (page, watch):
            sign_in(page, base + "/")
            page.goto(base + "/#services")
            view = page.locator("#services-view")
            expect(view.get_by_role("row", name=code)).to_be_visible()
            view.get_by_role("button", name="Add a service").click()
            view.get_by_role("button", name="Add a question").click()
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            assert_axe_clean(page, "the service catalogue at 360x740")
            assert_clean(watch)
    finally:
        api = staff_api(local_stack)
        for removed in (code, city_code):
            api.delete(f"{base}/api/services/{removed}", timeout=10)
