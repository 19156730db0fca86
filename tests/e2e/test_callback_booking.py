"""Booking a callback by text on the local stack: CALLBACK offers free slots in business hours, a number books
one (starting its workflow), the roster size caps a slot, RESCHEDULE moves it and CALLBACK CANCEL ends it."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, REGION, LocalStack
from tests.e2e.test_callback_workflow import execution, thread_bodies
from tests.e2e.test_local_stack_api import call, eventually, resident

pytestmark = pytest.mark.e2e


def table(stack: LocalStack) -> Any:
    return boto3.resource("dynamodb", endpoint_url=stack.moto_url, region_name=REGION).Table(
        stack.outputs["TableName"]
    )


def text_and_answer(stack: LocalStack, token: str, address: str, body: str, contains: str) -> str:
    status, _ = stack.send_inbound(address, body)
    assert status == 200
    stack.wait_until_idle()
    thread_id = str(
        table(stack).get_item(Key={"pk": f"ADDR#{address}", "sk": "RESIDENT"})["Item"]["thread_id"]
    )
    replies = eventually(lambda: [b for b in thread_bodies(stack, token, thread_id) if contains in b], 30)
    return str(replies[-1])


def offered(answer: str) -> list[str]:
    return re.findall(r"\d\) ([^;]+)", answer)


def active_callback_id(stack: LocalStack, address: str) -> str:
    thread_id = table(stack).get_item(Key={"pk": f"ADDR#{address}", "sk": "RESIDENT"})["Item"]["thread_id"]
    return str(
        table(stack).get_item(Key={"pk": f"CBTHREAD#{thread_id}", "sk": "META"})["Item"]["callback_id"]
    )


@pytest.fixture(scope="module")
def admin(local_stack: LocalStack) -> str:
    token = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    code, _, body = call(local_stack, "GET", "/api/me", token)
    sub = json.loads(body)["sub"]
    code, _, body = call(local_stack, "PUT", "/api/callbacks/roster/general", token, {"staff": [sub]})
    assert code == 200, body
    assert json.loads(body)["staff"] == [sub]
    return token


def test_book_by_number_and_the_roster_caps_a_slot(local_stack: LocalStack, admin: str) -> None:
    stack = local_stack
    ana, ben = resident(), resident()
    offer = text_and_answer(stack, admin, ana, "CALLBACK", "Reply with a number")
    slots = offered(offer)
    assert len(slots) == 3
    assert all(re.search(r"(Mon|Tues|Wednes|Thurs|Fri)day, .* at \d{1,2}:\d{2} (AM|PM)", s) for s in slots)
    assert all(not re.search(r"at (5|6|7|8):\d\d PM|at ([1-8]):\d\d AM", s) for s in slots)  # 9-5 only
    booked = text_and_answer(stack, admin, ana, "2", "booked")
    assert slots[1].strip() in booked
    callback_id = active_callback_id(stack, ana)
    assert execution(stack, callback_id)["status"] == "RUNNING"
    # One staff member on the roster: Ana's slot is no longer offered to Ben.
    ben_slots = offered(text_and_answer(stack, admin, ben, "CALLBACK", "Reply with a number"))
    assert slots[1] not in ben_slots
    assert slots[0] in ben_slots


def test_reschedule_then_cancel(local_stack: LocalStack, admin: str) -> None:
    stack = local_stack
    cy = resident()
    text_and_answer(stack, admin, cy, "CALLBACK", "Reply with a number")
    text_and_answer(stack, admin, cy, "1", "booked")
    first = active_callback_id(stack, cy)
    new_slots = offered(text_and_answer(stack, admin, cy, "RESCHEDULE", "Reply with a number"))
    moved = text_and_answer(stack, admin, cy, "3", "booked")
    assert new_slots[2].strip() in moved
    second = active_callback_id(stack, cy)
    assert second != first
    assert eventually(lambda: execution(stack, first)["status"] == "ABORTED", 30)
    assert execution(stack, second)["status"] == "RUNNING"
    text_and_answer(stack, admin, cy, "callback cancel", "is cancelled")
    assert eventually(lambda: execution(stack, second)["status"] == "ABORTED", 30)
    item = table(stack).get_item(Key={"pk": f"CALLBACK#{second}", "sk": "META"})["Item"]
    assert item["status"] == "cancelled"
    # Nothing left to cancel.
    text_and_answer(stack, admin, cy, "CALLBACK CANCEL", "no callback booked")


def test_a_number_without_an_offer_is_a_message_for_staff(local_stack: LocalStack, admin: str) -> None:
    stack = local_stack
    dee = resident()
    status, _ = stack.send_inbound(dee, "2")
    assert status == 200
    stack.wait_until_idle()
    thread_id = table(stack).get_item(Key={"pk": f"ADDR#{dee}", "sk": "RESIDENT"})["Item"]["thread_id"]
    assert not [b for b in thread_bodies(stack, admin, thread_id) if "booked" in b]


def test_a_spanish_keyword_books_and_cancels_in_spanish(local_stack: LocalStack, admin: str) -> None:
    """LLAMADA is CALLBACK in Spanish (catalogs' keywords.json): the offer, the booking made by a bare number
    and LLAMADA CANCELAR are all answered in Spanish, though the resident never stored a language."""
    stack = local_stack
    eva = resident()
    slots = offered(text_and_answer(stack, admin, eva, "Llamada", "Responda con un número"))
    assert len(slots) == 3
    assert all(re.search(r"(lunes|martes|miércoles|jueves|viernes) \d+ de", s) for s in slots), slots
    booked = text_and_answer(stack, admin, eva, "1", "reservado")
    assert "LLAMADA CANCELAR" in booked and slots[0].strip() in booked
    text_and_answer(stack, admin, eva, "llamada cancelar", "está cancelada")
