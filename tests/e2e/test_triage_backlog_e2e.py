"""Triage under a backlog on the local stack (issue 17 item 6): 20 residents in crisis text among 2,000
routine texts. Once the burst is stored, "Most urgent first" shows those 20 first, each has exactly one
crisis answer, and a crisis text sent to an idle stack is answered
within 2 s."""

from __future__ import annotations

import secrets
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from infra.local.stack import REGION
from tests.e2e.test_inbox_browser import staff_api

# The longest e2e file by far (about 12 minutes on two cores): handed out first, so that one worker drains
# the backlog while the other runs the rest of the tier (tests/conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.longest]

# Written for this test as residents write, not taken from the scorer's word lists or its labelled set.
CRISIS_TEXTS = [
    "i swallowed all of my sleeping pills an hour ago",
    "I dont want to be alive anymore, going to kill myself tonight",
    "took the whole bottle of my moms pills",
    "im going to jump from the parking garage roof",
    "I'm cutting myself right now and it won't stop",
    "tonight I end my life. sorry for everything",
    "thinking about suicide every day now",
    "I want to die",
    "he's hitting me and says he will kill me",
    "my boyfriend has a gun and says he'll shoot me",
    "someone is breaking in through my back door right now",
    "there's a guy with a knife threatening people at the bus stop",
    "quiero matarme, ya no aguanto",
    "me tomé todas las pastillas",
    "me voy a quitar la vida esta noche",
    "mi esposo me está golpeando ahora mismo",
    "hay un hombre con una pistola afuera de la escuela",
    "I overdosed on my insulin",
    "everyone would be better off if i was dead, i have the rope",
    "i want to kill myself 💊💊",
]

ROUTINE_TEXTS = [
    "When is bulk trash pickup on my street?",
    "The streetlight on Oak and 3rd has been out for a week",
    "Is the water safe to drink after the boil notice?",
    "How do I renew my parking permit?",
    "pothole on Birch is killing my tires",
    "dying to know when the pool opens",
    "Can I get a copy of my water bill?",
    "¿Cuándo recogen la basura en mi calle?",
    "the recycling bin was not emptied this week",
    "where is the nearest cooling center",
]


def _number() -> str:
    return "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))


def _inbound_queue_url(local_stack) -> str:
    return next(
        ref
        for logical_id, (ref, attrs) in local_stack.factory.created.items()
        if logical_id.startswith("InboundQueue") and "Dlq" not in logical_id and "QueueUrl" in attrs
    )


def _drained(local_stack) -> bool:
    sqs = boto3.client("sqs", endpoint_url=local_stack.moto_url, region_name=REGION)
    url = _inbound_queue_url(local_stack)
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return all(int(value) == 0 for value in attributes.values())


def _dead_letters(local_stack) -> int:
    sqs = boto3.client("sqs", endpoint_url=local_stack.moto_url, region_name=REGION)
    return int(
        sqs.get_queue_attributes(
            QueueUrl=local_stack.outputs["InboundDlqUrl"], AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
    )


def _crisis_answers(local_stack, address: str) -> list[str]:
    return [m["body"] for m in local_stack.twilio.messages_to(address) if "988" in m["body"]]


def test_residents_in_crisis_come_first_in_a_backlog_and_are_answered_once(local_stack) -> None:
    routine_residents = [_number() for _ in range(200)]
    crisis_residents = [_number() for _ in CRISIS_TEXTS]
    burst = [
        (routine_residents[i % 200], ROUTINE_TEXTS[i % len(ROUTINE_TEXTS)] + f" ({i})") for i in range(2000)
    ]
    for n, (address, text) in enumerate(zip(crisis_residents, CRISIS_TEXTS, strict=True)):
        burst.insert(50 + n * 100, (address, text))  # spread through the burst, not at its end

    def send(item: tuple[str, str]) -> int:
        address, text = item
        status, _ = local_stack.send_inbound(from_=address, body=text)
        return status

    dead_before = _dead_letters(local_stack)
    with ThreadPoolExecutor(max_workers=8) as senders:
        statuses = list(senders.map(send, burst))
    assert statuses.count(200) == len(burst)

    # A safety limit, not a target: the order and the single answers are what this test checks. Every step
    # added to the pipeline since (311 intake, ratings, reports, translation) made a message slower to store
    # locally (issue 19 tracks the requests per message).
    deadline = time.monotonic() + 1500
    while not _drained(local_stack) and time.monotonic() < deadline:
        time.sleep(1)
    assert _drained(local_stack), "the inbound queue did not drain in 25 minutes"
    # Drained by being stored, not by being dead-lettered: a slow batch is never received again meanwhile
    # (infra/local/pollers.py). A few texts of the burst may still fail five times (a cancelled reports
    # transaction, a thread not found: under investigation, see the stop 16 note) and wait in the DLQ for a
    # replay; they are reported here, and the order and single answers below must hold regardless.
    dead = _dead_letters(local_stack) - dead_before
    if dead:
        warnings.warn(f"{dead} text(s) of the burst were dead-lettered (replayable)", stacklevel=1)

    # Other tests share this stack: read "Most urgent first" until all 20 are seen; every thread before the
    # last of them must be critical, and none of this burst's routine residents may come before it.
    staff = staff_api(local_stack)
    base = staff.base  # type: ignore[attr-defined]
    params: dict[str, object] = {"view": "all", "status": "open", "sort": "urgent", "limit": 50}
    listed: list[dict] = []
    slowest = 0.0
    while not set(crisis_residents) <= {t["resident"]["address"] for t in listed}:
        started = time.monotonic()
        page = staff.get(f"{base}/api/inbox", params=params, timeout=10)
        slowest = max(slowest, time.monotonic() - started)
        assert page.status_code == 200, page.text
        listed += page.json()["threads"]
        params["cursor"] = page.json()["next_cursor"]
        assert params["cursor"] or set(crisis_residents) <= {t["resident"]["address"] for t in listed}
    last = max(i for i, t in enumerate(listed) if t["resident"]["address"] in crisis_residents)
    ahead = listed[: last + 1]
    assert all(t["triage_level"] == "critical" and t["triage_reasons"] for t in ahead)
    assert not {t["resident"]["address"] for t in ahead} & set(routine_residents)
    assert slowest < 2.0
    crisis_threads = [t["thread_id"] for t in ahead if t["resident"]["address"] in crisis_residents]

    assert {address: len(_crisis_answers(local_stack, address)) for address in crisis_residents} == {
        address: 1 for address in crisis_residents
    }
    assert not any(_crisis_answers(local_stack, address) for address in routine_residents)

    # The stack is shared: the tests after this one on it (in any order) see no open thread of this burst.
    _close(local_stack, crisis_threads + _open_threads_of(local_stack, set(routine_residents)))


def _open_threads_of(local_stack, addresses: set[str]) -> list[str]:
    staff = staff_api(local_stack)
    base = staff.base  # type: ignore[attr-defined]
    params: dict[str, object] = {"view": "all", "status": "open", "limit": 50}
    found: list[str] = []
    while True:
        page = staff.get(f"{base}/api/inbox", params=params, timeout=10)
        assert page.status_code == 200, page.text
        found += [t["thread_id"] for t in page.json()["threads"] if t["resident"]["address"] in addresses]
        params["cursor"] = page.json()["next_cursor"]
        if not params["cursor"]:
            return found


def _close(local_stack, thread_ids: list[str]) -> None:
    staff = staff_api(local_stack)
    base = staff.base  # type: ignore[attr-defined]
    for thread_id in thread_ids:
        assert staff.post(f"{base}/api/threads/{thread_id}/close", timeout=10).status_code == 200


def test_a_crisis_text_to_an_idle_stack_is_answered_within_two_seconds(local_stack) -> None:
    address = _number()
    sent_at = time.monotonic()
    assert local_stack.send_inbound(from_=address, body="i took all my pills")[0] == 200
    while not _crisis_answers(local_stack, address) and time.monotonic() - sent_at < 10:
        time.sleep(0.05)
    answered_in = time.monotonic() - sent_at
    assert len(_crisis_answers(local_stack, address)) == 1
    assert answered_in < 2.0, f"answered in {answered_in:.2f} s"
    staff = staff_api(local_stack)
    base = staff.base  # type: ignore[attr-defined]
    found = staff.get(f"{base}/api/inbox/search", params={"q": address}, timeout=10).json()["threads"]
    _close(local_stack, [t["thread_id"] for t in found])
