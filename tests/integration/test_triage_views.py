"""'Most urgent first' through the agent API on moto (issue 17 item 3): critical, then high, then normal, each
oldest waiting first, from the urgency index (`by_status_urgency`, as the CDK app defines it)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_inbox_views import AGENT, ME, SUPERVISOR, ids, inbox, thread

LEVELS = {"0": "critical", "1": "high", "2": "normal"}


@pytest.fixture
def backlog(aws: Aws) -> dict[str, list[str]]:
    """Given 24 open threads waiting: every third critical/high/normal, waiting since an order unrelated to
    their level; t024-t026 answered (nobody waits); t027 closed and critical; departments alternate."""
    items = []
    expected: dict[str, list[tuple[str, str]]] = {"0": [], "1": [], "2": []}
    for n in range(28):
        order = str(n % 3)
        waiting = f"2026-11-25T0{n % 7}:{(n * 17) % 60:02d}:00.000000Z"
        fields: dict[str, Any] = {"department_id": "water" if n % 2 == 0 else "health"}
        if n < 24 or n == 27:
            fields |= {"waiting_since": waiting, "triage_order": order, "triage_level": LEVELS[order]}
            if order != "2":
                fields["triage_reasons"] = [
                    {"code": "safety.gas", "text": "smell gas", "start": 2, "end": 11}
                ]
        if n == 27:
            fields["status"] = "closed"
        if n % 4 == 1:
            fields["assignee"] = ME
        items.append(thread(n, **fields))
        if n < 24:
            expected[order].append((waiting, f"t{n:03d}"))
    # The agent works in water: their lists hold water's threads and their own (department scope).
    items.append({"pk": f"STAFF#{ME}", "sk": "PROFILE", "sub": ME, "departments": ["water"]})
    with aws.table.batch_writer() as batch:
        for item in items:
            batch.put_item(Item=item)
    return {order: [t for _, t in sorted(expected[order])] for order in expected}


def test_most_urgent_first_is_critical_then_high_then_normal_each_oldest_waiting_first(
    backlog: dict[str, list[str]], agent_api: Any, context: LambdaContext
) -> None:
    status, body = inbox(agent_api, context, SUPERVISOR, view="all", sort="urgent", limit="100")
    assert status == 200
    assert ids(body) == backlog["0"] + backlog["1"] + backlog["2"]
    first = body["threads"][0]
    assert first["triage_level"] == "critical"
    assert first["triage_reasons"] == [{"code": "safety.gas", "text": "smell gas"}]


def test_pages_walk_the_levels_without_losing_or_repeating_a_thread(
    backlog: dict[str, list[str]], agent_api: Any, context: LambdaContext
) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        query = {"view": "all", "sort": "urgent", "limit": "5", **({"cursor": cursor} if cursor else {})}
        status, body = inbox(agent_api, context, SUPERVISOR, **query)
        assert status == 200
        seen += ids(body)
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == backlog["0"] + backlog["1"] + backlog["2"]


def test_unassigned_and_department_are_filters_on_the_same_order(
    backlog: dict[str, list[str]], agent_api: Any, context: LambdaContext
) -> None:
    everything = backlog["0"] + backlog["1"] + backlog["2"]
    _, body = inbox(agent_api, context, AGENT, view="unassigned", sort="urgent", limit="100")
    # the agent's scope (water, the even ones) is itself a filter on that order
    assert ids(body) == [t for t in everything if int(t[1:]) % 4 != 1 and int(t[1:]) % 2 == 0]
    _, body = inbox(
        agent_api, context, SUPERVISOR, view="all", sort="urgent", department="water", limit="100"
    )
    assert ids(body) == [t for t in everything if int(t[1:]) % 2 == 0]


def test_mine_most_urgent_first_sorts_the_agents_few_threads_in_memory(
    backlog: dict[str, list[str]], agent_api: Any, context: LambdaContext
) -> None:
    everything = backlog["0"] + backlog["1"] + backlog["2"]
    _, body = inbox(agent_api, context, AGENT, view="mine", sort="urgent")
    # Threads nobody waits on (t025, answered) come after those that wait, as in oldest-waiting order.
    assert ids(body) == [t for t in everything if int(t[1:]) % 4 == 1] + ["t025"]


def test_a_normal_thread_waiting_long_rises_above_newer_normal_ones_but_never_above_high(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    # Given a normal thread waiting 6 hours, a newer normal one, and a high one that came in last
    old = {"waiting_since": "2026-11-25T03:00:00.000000Z", "triage_order": "2", "triage_level": "normal"}
    new = {"waiting_since": "2026-11-25T08:30:00.000000Z", "triage_order": "2", "triage_level": "normal"}
    high = {"waiting_since": "2026-11-25T08:59:00.000000Z", "triage_order": "1", "triage_level": "high"}
    for item in (thread(1, **new), thread(2, **old), thread(3, **high)):
        aws.table.put_item(Item=item)
    _, body = inbox(agent_api, context, SUPERVISOR, view="all", sort="urgent")
    assert ids(body) == ["t003", "t002", "t001"]


def test_urgent_is_not_for_status_any(agent_api: Any, context: LambdaContext, aws: Aws) -> None:
    status, _ = inbox(agent_api, context, SUPERVISOR, view="all", sort="urgent", status="any")
    assert status == 400
