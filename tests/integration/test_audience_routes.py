"""Topics and subscribers managed on the agent page (issue 16 item 7), through the agent API on moto."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_consent import RESIDENT, inbound_event, ledger, seed_topics, state

SUPERVISOR = {"sub": "sup-1", "email": "s@example.org", "cognito:groups": ["supervisor"]}
AGENT = {"sub": "agent-1", "email": "a@example.org", "cognito:groups": ["agent"]}


def audit_actions(aws: Aws) -> list[dict[str, Any]]:
    return sorted((i for i in aws.items() if str(i["pk"]).startswith("AUDIT#")), key=lambda i: str(i["sk"]))


def test_a_topic_created_on_the_page_is_joinable_and_a_rename_keeps_its_subscribers(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    # Given a supervisor creates a topic on the page
    created = call(
        agent_api,
        context,
        api_event(
            "POST", "/api/topics", body={"code": " heat ", "name": "Heat  warnings"}, claims=SUPERVISOR
        ),
    )
    assert created == (201, {"code": "HEAT", "name": "Heat warnings", "subscribers": 0, "updated_at": None})
    # When a resident texts JOIN HEAT, then the topic is renamed
    inbound_consumer.handler(inbound_event("JOIN HEAT", "SM" + "1" * 32), context)
    assert state(aws)["topics"] == ["HEAT"]
    status, renamed = call(
        agent_api,
        context,
        api_event("PUT", "/api/topics/HEAT", body={"name": "Extreme heat"}, claims=SUPERVISOR),
    )
    # Then the subscription stays, under the new name
    assert status == 200 and renamed["name"] == "Extreme heat" and renamed["subscribers"] == 1
    status, listed = call(agent_api, context, api_event("GET", "/api/topics", claims=SUPERVISOR))
    assert status == 200
    assert [(t["code"], t["name"], t["subscribers"]) for t in listed["topics"]] == [
        ("HEAT", "Extreme heat", 1)
    ]
    assert state(aws)["topics"] == ["HEAT"]
    audits = [(a["action"], a["detail"]) for a in audit_actions(aws) if a["action"].startswith("topic.")]
    assert audits == [
        ("topic.create", {"code": "HEAT", "name": "Heat warnings"}),
        ("topic.rename", {"code": "HEAT", "from": "Heat warnings", "to": "Extreme heat"}),
    ]


def test_topic_codes_residents_could_not_use_are_400_a_second_create_409_an_unknown_rename_404(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    def post(code: str) -> tuple[int, Any]:
        return call(
            agent_api,
            context,
            api_event("POST", "/api/topics", body={"code": code, "name": "X y"}, claims=SUPERVISOR),
        )

    for code in ("STOP", "help", "YES", "DONE", "ALL", "CALLBACK"):
        status, body = post(code)
        assert status == 400 and "keyword residents already text" in body["message"], (code, body)
    for code in ("9LIVES", "W", "TWO WORDS", "WATER!"):
        status, body = post(code)
        assert status == 400 and "2 to 20 letters or digits" in body["message"], (code, body)
    assert post("WATER")[0] == 201
    assert post("water")[0] == 409
    missing = api_event("PUT", "/api/topics/NOPE", body={"name": "Anything"}, claims=SUPERVISOR)
    assert call(agent_api, context, missing)[0] == 404
    assert call(agent_api, context, api_event("GET", "/api/topics", claims=AGENT))[0] == 403
    assert (
        post("ROADS")[0] == 201
        and len(call(agent_api, context, api_event("GET", "/api/topics", claims=SUPERVISOR))[1]["topics"])
        == 2
    )


def test_staff_find_a_subscriber_by_number_and_opt_them_out_with_themselves_as_source(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    seed_topics(aws)
    for n, body in enumerate(["JOIN WATER", "94110", "JOIN STORM"]):
        inbound_consumer.handler(
            inbound_event(body, f"SM{n:032d}", f"2026-11-25T10:0{n}:00.000000Z"), context
        )
    typed = "(555) 555-0123"  # as a resident says it on the phone

    status, found = call(
        agent_api,
        context,
        api_event("POST", "/api/subscribers/lookup", body={"address": typed}, claims=SUPERVISOR),
    )

    assert status == 200
    assert found["address"] == RESIDENT and found["channel"] == "sms"
    assert found["state"]["topics"] == ["STORM", "WATER"] and found["state"]["zones"] == ["zip:94110"]
    assert [(e["action"], e["topic"]) for e in found["history"]] == [
        ("opt_in", "STORM"),
        ("set_zone", "ALL"),
        ("opt_in", "WATER"),
    ]

    # When the resident asks by phone to stop storm warnings
    request = {"address": typed, "topic": "storm", "reason": "asked by phone"}
    status, after = call(
        agent_api, context, api_event("POST", "/api/subscribers/opt-out", body=request, claims=SUPERVISOR)
    )

    assert status == 200
    assert after["state"]["topics"] == ["WATER"] and after["state"]["stopped_topics"] == ["STORM"]
    newest = after["history"][0]
    assert (newest["action"], newest["topic"], newest["source"]) == ("opt_out", "STORM", "staff")
    assert newest["actor_sub"] == "sup-1" and newest["provenance"] == "asked by phone"
    assert [e["source"] for e in ledger(aws)].count("staff") == 1
    assert not any(item["pk"] == "SUBS#STORM" for item in aws.items())  # the fan-out no longer reaches them
    # And then out of everything
    request["topic"] = "ALL"
    status, after = call(
        agent_api, context, api_event("POST", "/api/subscribers/opt-out", body=request, claims=SUPERVISOR)
    )
    assert status == 200 and after["state"]["opted_out_all"] is True
    audits = [a for a in audit_actions(aws) if a["action"].startswith("subscribers.")]
    assert [a["action"] for a in audits] == ["subscribers.read", "subscribers.opt_out", "subscribers.opt_out"]
    assert all(RESIDENT not in str(a) and "5550123" not in str(a) for a in audits)  # hashed, never the number


def test_subscriber_routes_refuse_bad_numbers_unknown_topics_and_agents(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    seed_topics(aws)

    def post(path: str, body: dict[str, Any], claims: dict[str, Any] = SUPERVISOR) -> tuple[int, Any]:
        return call(agent_api, context, api_event("POST", path, body=body, claims=claims))

    status, body = post("/api/subscribers/lookup", {"address": "call me maybe"})
    assert status == 400 and "phone number" in body["message"]
    status, body = post(
        "/api/subscribers/opt-out", {"address": RESIDENT, "topic": "GARBAGE", "reason": "asked"}
    )
    assert status == 404
    assert post("/api/subscribers/opt-out", {"address": RESIDENT, "topic": "WATER", "reason": " "})[0] == 422
    assert post("/api/subscribers/lookup", {"address": RESIDENT}, AGENT)[0] == 403
    assert ledger(aws) == []
