"""Replies to an alert, grouped, against moto: a resident who writes within the window of an alert sent to
them joins its group once; staff answer everyone still waiting with one message, each in their own thread,
and a retried answer texts nobody twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from inbox.dal.inbox_table import InboxTable
from switchboard.phone import parse_address
from switchboard.table_keys import thread_pk

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_consent import inbound_event
from tests.integration.test_reports import report

ALERT_AT = "2026-11-25T08:00:00.000000Z"
AGENT = {"sub": "aaaaaaaa-0000-4000-8000-00000000000a", "email": "a@example.gov", "cognito:groups": "[agent]"}
OTHER = "bbbbbbbb-0000-4000-8000-00000000000b"
ROADS_AGENT = {
    "sub": "cccccccc-0000-4000-8000-00000000000c",
    "email": "r@example.gov",
    "cognito:groups": "[agent]",
}


def alert_sent(
    aws: Aws, address: str, alert_id: str = "alert1", title: str = "Water shut-off, Elm St"
) -> str:
    """What the alert sender leaves on a recipient's thread (the alerts data contract)."""
    thread_id = InboxTable(aws.table).thread_for_resident(
        parse_address(address), f"t{address[-4:]}", ALERT_AT
    )
    aws.table.update_item(
        Key={"pk": thread_pk(thread_id), "sk": "META"},
        UpdateExpression="SET thread_id = :t, #r = if_not_exists(#r, :r), "
        "created_at = if_not_exists(created_at, :at), department_id = :water, "
        "last_alert_id = :a, last_alert_title = :title, last_alert_at = :at",
        ExpressionAttributeNames={"#r": "resident"},
        ExpressionAttributeValues={
            ":t": thread_id,
            ":r": {"address": address, "channel": "sms"},
            ":at": ALERT_AT,
            ":a": alert_id,
            ":title": title,
            ":water": "water",  # routed to the water department, the agents' (switchboard.access)
        },
    )
    return thread_id


def resident_writes(
    inbound_consumer: Any, context: LambdaContext, address: str, body: str, sid: str, at: str
) -> None:
    event = inbound_event(body, sid, received_at=at)
    envelope = json.loads(event["Records"][0]["body"])
    envelope["params"]["From"] = address
    event["Records"][0]["body"] = json.dumps(envelope)
    assert inbound_consumer.handler(event, context) == {"batchItemFailures": []}


def api(
    agent_api: Any,
    context: LambdaContext,
    method: str,
    path: str,
    body: Any = None,
    claims: dict[str, Any] = AGENT,
) -> tuple[int, Any]:
    return call(agent_api, context, api_event(method, path, body=body, claims=claims))


def outbound_bodies(aws: Aws) -> list[tuple[str, str]]:
    jobs = [json.loads(m["Body"]) for m in aws.queue_messages("OutboundQueue")]
    found = []
    for job in jobs:
        item = aws.table.get_item(Key={"pk": thread_pk(job["thread_id"]), "sk": job["message_sk"]})["Item"]
        found.append((job["thread_id"], item["body"]))
    return found


@pytest.fixture
def group(aws: Aws, inbound_consumer: Any, context: LambdaContext) -> dict[str, str]:
    for claims, department in ((AGENT, "water"), (ROADS_AGENT, "roads")):
        aws.table.put_item(
            Item={
                "pk": f"STAFF#{claims['sub']}",
                "sk": "PROFILE",
                "departments": [department],
                "enabled": True,
            }
        )
    threads = {name: alert_sent(aws, f"+1555555{n:04d}") for n, name in enumerate(["ana", "ben", "cy"])}
    alert_sent(aws, "+15555559999", alert_id="older", title="Boil notice")
    resident_writes(
        inbound_consumer,
        context,
        "+15555550000",
        "Is my street included?",
        "SMana1",
        "2026-11-25T09:00:00.000000Z",
    )
    # A redelivery of Ana's message, and a second message of Cy's: each resident is in the group once.
    resident_writes(
        inbound_consumer,
        context,
        "+15555550000",
        "Is my street included?",
        "SMana1",
        "2026-11-25T09:00:00.000000Z",
    )
    resident_writes(
        inbound_consumer, context, "+15555550002", "How long?", "SMcy1", "2026-11-25T10:00:00.000000Z"
    )
    resident_writes(
        inbound_consumer, context, "+15555550002", "Hello??", "SMcy2", "2026-11-25T10:05:00.000000Z"
    )
    # Ben writes four days later: not a reply to the alert any more.
    resident_writes(
        inbound_consumer, context, "+15555550001", "Unrelated", "SMben1", "2026-11-29T09:00:00.000000Z"
    )
    # Someone who never got the alert.
    resident_writes(
        inbound_consumer, context, "+15555558888", "Pothole", "SMdan1", "2026-11-25T09:30:00.000000Z"
    )
    return threads


def test_replies_within_the_window_are_grouped_under_the_alert_once_each(
    aws: Aws, agent_api: Any, context: LambdaContext, group: dict[str, str]
) -> None:
    status, listing = api(agent_api, context, "GET", "/api/alert-replies")
    assert status == 200
    assert [(g["alert_id"], g["title"], g["threads"]) for g in listing["groups"]] == [
        ("alert1", "Water shut-off, Elm St", 2)
    ]
    status, detail = api(agent_api, context, "GET", "/api/alert-replies/alert1")
    assert status == 200 and detail["waiting"] == 2
    assert {t["thread_id"] for t in detail["threads"]} == {group["ana"], group["cy"]}
    ben = aws.table.get_item(Key={"pk": thread_pk(group["ben"]), "sk": "META"})["Item"]
    assert "alert_reply_id" not in ben
    assert api(agent_api, context, "GET", "/api/alert-replies/nope")[0] == 404


def test_one_answer_reaches_everyone_waiting_once_and_a_retry_sends_nothing_twice(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext, group: dict[str, str]
) -> None:
    answer = {"answer_id": "answer-0001", "body": "Elm St water is back by 6 pm today."}
    status, result = api(agent_api, context, "POST", "/api/alert-replies/alert1/answer", answer)
    assert status == 200
    assert (result["answered"], result["not_waiting"], result["already_answered"]) == (2, 0, 0)
    assert sorted(outbound_bodies(aws)) == sorted(
        [(group["ana"], answer["body"]), (group["cy"], answer["body"])]
    )
    # The same answer again (a retry): nobody is texted twice.
    status, again = api(agent_api, context, "POST", "/api/alert-replies/alert1/answer", answer)
    assert status == 200 and again["answered"] == 0 and again["not_waiting"] == 2
    assert len(outbound_bodies(aws)) == 2
    # The same id for another text is refused.
    reused = {**answer, "body": "Something else"}
    assert api(agent_api, context, "POST", "/api/alert-replies/alert1/answer", reused)[0] == 409

    # Cy writes again and is waiting once more; a thread another agent owns is left to them by default.
    resident_writes(
        inbound_consumer,
        context,
        "+15555550002",
        "Thanks, and tomorrow?",
        "SMcy3",
        "2026-11-25T11:00:00.000000Z",
    )
    aws.table.update_item(
        Key={"pk": thread_pk(group["cy"]), "sk": "META"},
        UpdateExpression="SET assignee = :other",
        ExpressionAttributeValues={":other": OTHER},
    )
    second = {"answer_id": "answer-0002", "body": "Tomorrow is normal service."}
    result = api(agent_api, context, "POST", "/api/alert-replies/alert1/answer", second)[1]
    assert (result["answered"], result["owned_by_others"], result["not_waiting"]) == (0, 1, 1)
    result = api(
        agent_api, context, "POST", "/api/alert-replies/alert1/answer", {**second, "include_others": True}
    )[1]
    assert (result["answered"], result["owned_by_others"]) == (1, 0)
    assert len(outbound_bodies(aws)) == 3

    audit = api(agent_api, context, "GET", "/api/audit", None)
    assert audit[0] == 403  # agents do not read the audit log; the entries are checked through the table
    actions = [i["action"] for i in aws.items() if str(i["pk"]).startswith("AUDIT#")]
    assert actions.count("alert_group.reply") == 4 and actions.count("thread.reply") == 3


def test_a_resident_who_opted_out_is_not_answered(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext, group: dict[str, str]
) -> None:
    resident_writes(
        inbound_consumer, context, "+15555550000", "STOP", "SMana2", "2026-11-25T09:10:00.000000Z"
    )
    before = len(outbound_bodies(aws))  # the STOP confirmation
    answer = {"answer_id": "answer-0003", "body": "Water is back."}
    result = api(agent_api, context, "POST", "/api/alert-replies/alert1/answer", answer)[1]
    assert (result["answered"], result["opted_out"]) == (1, 1)
    assert [body for _, body in outbound_bodies(aws)[before:]] == ["Water is back."]


def test_an_agent_of_another_department_neither_sees_nor_answers_the_group(
    aws: Aws, agent_api: Any, context: LambdaContext, group: dict[str, str]
) -> None:
    status, detail = api(agent_api, context, "GET", "/api/alert-replies/alert1", claims=ROADS_AGENT)
    assert status == 200 and (detail["waiting"], detail["threads"], detail["group"]["threads"]) == (0, [], 0)
    # The list shows a scoped agent only the groups with replies from their departments, counted there.
    status, listing = api(agent_api, context, "GET", "/api/alert-replies", claims=ROADS_AGENT)
    assert status == 200 and listing["groups"] == []
    status, listing = api(agent_api, context, "GET", "/api/alert-replies")  # the water agent
    assert [(g["alert_id"], g["threads"]) for g in listing["groups"]] == [("alert1", 2)]
    answer = {"answer_id": "answer-0009", "body": "Roads crew here."}
    result = api(agent_api, context, "POST", "/api/alert-replies/alert1/answer", answer, ROADS_AGENT)[1]
    assert (result["answered"], result["outside_your_departments"]) == (0, 2)
    assert outbound_bodies(aws) == []


def test_a_group_answer_counts_in_the_reports_as_a_staff_reply_in_each_thread(
    aws: Aws, agent_api: Any, context: LambdaContext, group: dict[str, str]
) -> None:
    today = datetime.now(UTC).date().isoformat()  # the answer's replies are written now

    def figures() -> dict[str, Any]:
        return dict(report(agent_api, context, today, today, department="water")["figures"])

    before = figures()
    # Ana and Cy (the group), and Ben (water, writing days later) wait; the report's "now" is any day's
    assert (before["replies"], before["unattended_now"], before["open_now"]) == (0, 3, 3)
    answer = {"answer_id": "answer-0004", "body": "Elm St water is back by 6 pm today."}
    assert api(agent_api, context, "POST", "/api/alert-replies/alert1/answer", answer)[1]["answered"] == 2
    after = figures()
    assert (after["replies"], after["unattended_now"], after["open_now"]) == (2, 1, 3)
    agents = report(agent_api, context, today, today)["tables"]["agents"]["rows"]
    assert [row[:3] for row in agents if row[0] == AGENT["sub"]] == [[AGENT["sub"], 0, 2]]
