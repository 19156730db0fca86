"""Presence, routing rules and auto-assignment against moto: the department a new thread gets, the agent it
goes to, the cap that is never exceeded (also under concurrency), away and offline."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from routing.dal.routing_table import RoutingTable
from routing.logic.assignment import Routing
from routing.models.routing import RoutingRule

from events import load_event
from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_inbox_views import thread

ANA, BEN, CAL = (
    "aaaaaaaa-0000-4000-8000-000000000001",
    "bbbbbbbb-0000-4000-8000-000000000002",
    "cccccccc-0000-4000-8000-000000000003",
)


def staff(sub: str, departments: list[str]) -> dict[str, Any]:
    return {
        "pk": f"STAFF#{sub}",
        "sk": "PROFILE",
        "sub": sub,
        "departments": departments,
        "enabled": True,
        "gsi1pk": "STAFF",
        "gsi1sk": f"{sub}@example.org",
        "email": f"{sub}@example.org",
    }


@pytest.fixture
def routing(aws: Aws) -> Routing:
    with aws.table.batch_writer() as batch:
        for item in (staff(ANA, ["water"]), staff(BEN, ["water", "health"]), staff(CAL, ["health"])):
            batch.put_item(Item=item)
    return Routing(RoutingTable(aws.table))


def queue(aws: Aws, count: int, department: str = "water", start: int = 0) -> list[str]:
    with aws.table.batch_writer() as batch:
        for n in range(start, start + count):
            batch.put_item(
                Item=thread(n, department_id=department, waiting_since=f"2026-11-25T08:{n:02d}:00.000000Z")
            )
    return [f"t{n:03d}" for n in range(start, start + count)]


def assignees(aws: Aws) -> dict[str, list[str]]:
    held: dict[str, list[str]] = {}
    for item in aws.items():
        if item["sk"] == "META" and item.get("assignee"):
            held.setdefault(item["assignee"], []).append(item["thread_id"])
    return held


def test_round_robin_by_load_and_nothing_for_the_away_or_offline(aws: Aws, routing: Routing) -> None:
    routing.set_presence(ANA, "available")
    routing.set_presence(BEN, "available")
    routing.set_presence(CAL, "away")
    ids = queue(aws, 4)
    # Equal load: the one assigned longest ago (never, first) goes first.
    assert [routing.route_thread(t) for t in ids] == [ANA, BEN, ANA, BEN]
    held = assignees(aws)
    assert sorted(len(v) for v in held.values()) == [2, 2] and CAL not in held
    # Away: keeps their threads, gets no new ones.
    routing.set_presence(ANA, "away")
    assert {routing.route_thread(t) for t in queue(aws, 2, start=10)} == {BEN}


def test_the_cap_holds_and_the_rest_waits_in_the_department_queue(aws: Aws, routing: Routing) -> None:
    routing.set_presence(ANA, "available", cap=2)
    ids = queue(aws, 4)
    assert [routing.route_thread(t) for t in ids] == [ANA, ANA, None, None]
    assert routing.presence_of(ANA).load == 2


def test_the_cap_is_never_exceeded_under_concurrent_routing(
    aws: Aws, routing: Routing, atomic_moto: None
) -> None:
    # Given two available agents (cap 6 by default) and 40 queued threads routed by 16 workers at once
    routing.set_presence(ANA, "available")
    routing.set_presence(BEN, "available")
    ids = queue(aws, 40)
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(routing.route_thread, ids))
    held = assignees(aws)
    assert {sub: len(v) for sub, v in held.items()} == {ANA: 6, BEN: 6}


def test_closing_a_thread_frees_a_slot_without_the_closer_knowing_about_presence(
    aws: Aws, routing: Routing
) -> None:
    routing.set_presence(ANA, "available", cap=1)
    first, second = queue(aws, 2)
    assert routing.route_thread(first) == ANA and routing.route_thread(second) is None
    aws.table.update_item(
        Key={"pk": f"THREAD#{first}", "sk": "META"},
        UpdateExpression="SET #s = :c",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":c": "closed"},
    )
    assert routing.route_thread(second) == ANA


def test_going_offline_returns_open_work_to_the_queue_and_hands_it_on(aws: Aws, routing: Routing) -> None:
    routing.set_presence(ANA, "available")
    ids = queue(aws, 3)
    for t in ids:
        routing.route_thread(t)
    routing.set_presence(BEN, "away")
    state = routing.set_presence(ANA, "offline")
    assert state.returned_to_queue == 3 and assignees(aws) == {}
    # Becoming available pulls the oldest waiting queued threads of one's departments.
    state = routing.set_presence(BEN, "available")
    assert state.assigned_now == 3 and sorted(assignees(aws)[BEN]) == ids


def test_rules_choose_the_department_of_a_new_thread_by_keyword_language_and_channel(
    aws: Aws, routing: Routing, inbound_consumer: Any, media: Any, context: LambdaContext, agent_api: Any
) -> None:
    # An admin sets the rules through the API; an agent may not.
    rules = {
        "rules": [
            {"department_id": "health", "language": "es"},
            {"department_id": "water", "keyword": "water"},
            {"department_id": "health", "channel": "whatsapp"},
            {"department_id": "general"},
        ]
    }
    admin = {"sub": "ad", "email": "ad@example.org", "cognito:groups": "[admin]"}
    agent = {"sub": ANA, "email": "a@example.org", "cognito:groups": "[agent]"}
    assert (
        call(agent_api, context, api_event("PUT", "/api/routing/rules", body=rules, claims=agent))[0] == 403
    )
    status, _ = call(agent_api, context, api_event("PUT", "/api/routing/rules", body=rules, claims=admin))
    assert status == 200
    routing.set_presence(BEN, "available")
    # When the sample batch arrives through the inbound consumer
    batch = load_event("sqs/inbound_batch.json")
    assert inbound_consumer.handler(batch, context) == {"batchItemFailures": []}
    threads = [i for i in aws.items() if i["sk"] == "META"]
    assert threads and all(t.get("department_id") in {"health", "water", "general"} for t in threads)
    for t in threads:
        if t.get("department_id") in {"water", "health"}:
            assert t.get("assignee") == BEN


def test_presence_routes(aws: Aws, routing: Routing, agent_api: Any, context: LambdaContext) -> None:
    agent = {"sub": ANA, "email": "a@example.org", "cognito:groups": "[agent]"}
    status, body = call(
        agent_api, context, api_event("PUT", "/api/presence", body={"presence": "away"}, claims=agent)
    )
    assert status == 200 and body["presence"] == "away" and body["cap"] == 6
    assert call(agent_api, context, api_event("GET", "/api/presence", claims=agent))[1]["presence"] == "away"
    assert (
        call(agent_api, context, api_event("PUT", "/api/presence", body={"presence": "busy"}, claims=agent))[
            0
        ]
        == 422
    )
    assert (
        call(
            agent_api,
            context,
            api_event("PUT", "/api/presence", body={"presence": "available", "cap": 9}, claims=agent),
        )[0]
        == 403
    )


def test_rule_matching_is_whole_words_and_in_order() -> None:
    from routing.logic.rules import NewThread, choose_department, detect_language

    rules = [
        RoutingRule(department_id="roads", keyword="pothole"),
        RoutingRule(department_id="water", number="+15550001111"),
    ]
    assert choose_department(rules, NewThread("sms", "A POTHOLE on Elm!", "+15550002222"), None) == "roads"
    assert choose_department(rules, NewThread("sms", "potholes", "+15550002222"), None) is None
    assert choose_department(rules, NewThread("whatsapp", "hi", "whatsapp:+15550001111"), None) == "water"
    assert detect_language("Hola, el agua está sucia por favor") == "es"
    assert detect_language("Is the water safe to drink?") == "en"
    assert detect_language("水是安全的吗") == "zh"
    assert detect_language("ok") is None
