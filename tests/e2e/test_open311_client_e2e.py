"""The Open311 client on the local stack (issue 21 item 5): an admin links the city on 127.0.0.1, a resident
reports by text, the request reaches the city through CityForwardQueue (its poller), and the city closing it
comes back by the template's CityPollSchedule (the local scheduler, time accelerated): one text, however
many polls follow; the city reopening it later is one text more."""

from __future__ import annotations

import re

import pytest

from infra.local.stack import DEMO_AGENCY_NAME, DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack
from tests.e2e.test_consent_e2e import bodies_to, eventually, resident
from tests.e2e.test_local_stack_api import call
from tests.integration.test_open311 import DEFINITIONS, SERVICES

pytestmark = pytest.mark.e2e


def polls(stack: LocalStack) -> int:
    """How often the local scheduler fired the template's CityPollSchedule."""
    return sum(1 for group, _name in stack.scheduler.fired if group.endswith("-open311"))


def test_a_report_by_text_reaches_the_city_and_its_closing_is_texted_once(local_stack: LocalStack) -> None:
    stack, city = local_stack, local_stack.city
    admin = stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)  # the demo lead is also admin
    upload = {"services": SERVICES, "definitions": DEFINITIONS, "departments": {"POT": "roads"}}
    assert call(stack, "POST", "/api/services/import", admin, upload)[0] == 200
    link = {"endpoint": city.url, "api_key": city.api_key}
    status, _, body = call(stack, "PUT", "/api/open311/city/GRAF", admin, link)
    assert status == 200 and city.api_key.encode() not in body

    number = resident()
    for said in ("REPORT", "1", "120 Elm Street", "SKIP", "NO"):
        before = len(bodies_to(stack, number))
        assert stack.send_inbound(number, said)[0] == 200
        eventually(lambda: len(bodies_to(stack, number)) > before)  # noqa: B023 - awaited right here
    created = bodies_to(stack, number)[-1]
    assert "created (Graffiti)" in created, created

    form = dict(eventually(lambda: city.received, timeout_s=15)[0])
    assert form["service_code"] == "GRAF" and number[1:] not in str(form)
    [city_id] = city.requests
    city.set_status(city_id, "closed", "Painted over")
    closed = eventually(lambda: [b for b in bodies_to(stack, number) if "is closed" in b], timeout_s=20)
    request_number = re.search(r"#(\d+)", created).group(1)  # type: ignore[union-attr]
    assert closed == [
        f"{DEMO_AGENCY_NAME}: Your request #{request_number} (Graffiti) is closed. Note: Painted over"
    ]
    polls_before = polls(stack)
    # Two more polls (every 5 s here: the local scheduler's floor for a scaled rate()): the closed request is
    # still asked (a city may reopen it), and nothing more is texted.
    eventually(lambda: polls(stack) >= polls_before + 2, timeout_s=20)
    assert [b for b in bodies_to(stack, number) if "is closed" in b] == closed

    # The city reopens it: the poll sees it and the resident is told once
    city.set_status(city_id, "open", "Not fixed yet")
    reopened = eventually(lambda: [b for b in bodies_to(stack, number) if "open again" in b], timeout_s=20)
    polls_after = polls(stack)
    eventually(lambda: polls(stack) >= polls_after + 2, timeout_s=20)  # two more polls tell nothing more
    told = f"{DEMO_AGENCY_NAME}: Your request #{request_number} (Graffiti) is open again. Note: Not fixed yet"
    assert [b for b in bodies_to(stack, number) if "open again" in b] == reopened == [told]
