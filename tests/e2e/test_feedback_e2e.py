"""The feedback survey on the local stack (issue 18): staff close a conversation, the resident gets the survey
by SMS through the local Twilio, texts back "4", and the rating is stored while the thread stays closed."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from switchboard import i18n

from infra.local.stack import REGION
from tests.e2e.test_agent_browser import resident_number, resident_texts
from tests.e2e.test_feedback_browser import daytime_agency
from tests.e2e.test_inbox_browser import staff_api

pytestmark = [pytest.mark.e2e]
_ = daytime_agency  # the fixture this module uses by name


def eventually(probe: Callable[[], Any], timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout_s} s")


def test_close_sends_the_survey_and_a_4_is_stored_without_reopening(local_stack, daytime_agency) -> None:
    table = boto3.resource("dynamodb", endpoint_url=local_stack.moto_url, region_name=REGION).Table(
        local_stack.outputs["TableName"]
    )
    address = resident_number()
    resident_texts(local_stack, address, "Is the library open late on Thursday?")
    thread_id = eventually(
        lambda: (table.get_item(Key={"pk": f"ADDR#{address}", "sk": "RESIDENT"}).get("Item") or {}).get(
            "thread_id"
        )
    )
    staff = staff_api(local_stack)
    base = staff.base  # type: ignore[attr-defined]
    reply = staff.post(f"{base}/api/threads/{thread_id}/messages", json={"body": "Until 8 pm."}, timeout=10)
    assert reply.status_code == 202, reply.text
    closed = staff.post(f"{base}/api/threads/{thread_id}/close", json={}, timeout=10)
    assert closed.status_code == 200, closed.text

    survey = i18n.say("feedback.survey", "en", agency=local_stack_agency(staff))
    sent = eventually(lambda: [m for m in local_stack.twilio.messages_to(address) if m["body"] == survey])
    assert len(sent) == 1

    resident_texts(local_stack, address, "4")
    today = datetime.now(UTC).date().isoformat()

    def rating() -> list[dict[str, Any]]:
        answer = staff.get(f"{base}/api/feedback/ratings", params={"from": today, "to": today}, timeout=10)
        assert answer.status_code == 200, answer.text
        return [r for r in answer.json()["ratings"] if r["thread_id"] == thread_id]

    [stored] = eventually(rating)
    assert stored["rating"] == 4 and stored["channel"] == "sms"
    thread = staff.get(f"{base}/api/threads/{thread_id}", timeout=10).json()["thread"]
    assert thread["status"] == "closed"
    assert [m["body"] for m in thread_messages(staff, base, thread_id)][-2:] == [
        "4",
        i18n.say("feedback.thanks", "en", agency=local_stack_agency(staff)),
    ]


def local_stack_agency(staff: Any) -> str:
    """The agency's name as residents see it (the admin setting, else the stack's parameter)."""
    settings = staff.get(f"{staff.base}/api/admin/settings", timeout=10)
    name = settings.json().get("agency_name") if settings.status_code == 200 else None
    return str(name or "Switchboard")


def thread_messages(staff: Any, base: str, thread_id: str) -> list[dict[str, Any]]:
    return list(staff.get(f"{base}/api/threads/{thread_id}", timeout=10).json()["messages"])
