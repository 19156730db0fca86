"""Reports through the real handlers on moto (issue 18 items 3-5): the inbound consumer and the agent API
count as data arrives; GET /api/reports answers from those counts; the transcript export recomputes the same
first response and resolution. Clocks are frozen: messages carry their received_at, the agent API's reply
and close clocks are replaced."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from inbox.logic import agent_inbox

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_consent import inbound_event, seed_topics

SUPERVISOR = {"sub": "sup-1", "email": "s@example.org", "cognito:groups": ["supervisor"]}
AGENT = {"sub": "agent-1", "email": "a@example.org", "cognito:groups": ["agent"]}


@pytest.fixture
def hours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAT_BUSINESS_HOURS", "Mon-Fri 08:00-17:00")
    monkeypatch.setenv("CHAT_TIMEZONE", "America/New_York")


class Clock:
    """The agent API's reply and close times, set by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, agent_api: Any) -> None:
        self.at = "2026-11-23T14:04:00.000000Z"
        defaults = agent_inbox.reply_to_thread.__kwdefaults__
        assert defaults is not None
        monkeypatch.setitem(defaults, "now", lambda: self.at)
        real = agent_api.dependencies()
        workspace = dataclasses.replace(real.workspace, now=self.now)
        frozen = dataclasses.replace(real, workspace=workspace)
        monkeypatch.setattr(agent_api, "dependencies", lambda: frozen)

    def now(self) -> datetime:
        return datetime.fromisoformat(self.at.replace("Z", "+00:00")).astimezone(UTC)


def resident_thread(aws: Aws) -> str:
    item = aws.table.get_item(Key={"pk": "ADDR#+15555550123", "sk": "RESIDENT"})["Item"]
    return str(item["thread_id"])


def report(agent_api: Any, context: LambdaContext, first: str, last: str, **filters: str) -> dict[str, Any]:
    status, body = call(
        agent_api,
        context,
        api_event("GET", "/api/reports", {"from": first, "to": last, **filters}, claims=SUPERVISOR),
    )
    assert status == 200, body
    return dict(body)


def test_first_response_excludes_the_automatic_reply_and_the_export_recomputes_the_same_figures(
    aws: Aws, inbound_consumer: Any, agent_api: Any, context: LambdaContext, hours: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # Given a resident's HELP on Monday 09:00:00 New York time, answered automatically 1 ms later
    clock = Clock(monkeypatch, agent_api)
    assert inbound_consumer.handler(
        inbound_event("HELP", "SM" + "1" * 32, "2026-11-23T14:00:00.000000Z"), context
    ) == {"batchItemFailures": []}
    thread_id = resident_thread(aws)
    # When the agent replies at 09:04:00 and closes at 09:30:00
    path = f"/api/threads/{thread_id}"
    assert (
        call(
            agent_api,
            context,
            api_event("POST", f"{path}/messages", body={"body": "Hello"}, claims=SUPERVISOR),
        )[0]
        == 202
    )
    clock.at = "2026-11-23T14:30:00.000000Z"
    assert call(agent_api, context, api_event("POST", f"{path}/close", body={}, claims=SUPERVISOR))[0] == 200

    # Then the first response is 240 s (the automatic reply does not count) and the resolution 1,800 s
    body = report(agent_api, context, "2026-11-23", "2026-11-23")
    assert body["durations"]["first_response_calendar"] == {"count": 1, "median_s": 240, "p90_s": 240}
    assert body["durations"]["first_response_business"]["median_s"] == 240
    assert body["durations"]["resolution_calendar"] == {"count": 1, "median_s": 1_800, "p90_s": 1_800}
    assert (body["figures"]["opened"], body["figures"]["resolved"], body["figures"]["replies"]) == (1, 1, 1)

    # And the transcript export gives the same numbers, recomputed from its rows
    status, export = call(
        agent_api, context, api_event("GET", f"{path}/export", {"format": "json"}, claims=SUPERVISOR)
    )
    assert status == 200
    rows = export["rows"] if isinstance(export, dict) else export
    messages = [r for r in rows if r["kind"] == "message"]
    first_in = min(
        datetime.fromisoformat(r["created_at"].replace("Z", "+00:00"))
        for r in messages
        if r["direction"] == "in"
    )
    automatic = [r for r in messages if r["direction"] == "out" and r["author"] == "switchboard"]
    assert automatic, "the HELP answer is in the transcript"
    first_staff = min(
        datetime.fromisoformat(r["created_at"].replace("Z", "+00:00"))
        for r in messages
        if r["direction"] == "out" and r["author"] != "switchboard"
    )
    assert (first_staff - first_in).total_seconds() == body["durations"]["first_response_calendar"][
        "median_s"
    ]
    closed_at = aws.table.get_item(Key={"pk": f"THREAD#{thread_id}", "sk": "META"})["Item"]["closed_at"]
    resolution = datetime.fromisoformat(closed_at.replace("Z", "+00:00")) - first_in
    assert resolution.total_seconds() == body["durations"]["resolution_calendar"]["median_s"]


def test_friday_1650_answered_monday_0820_in_calendar_and_business_hours(
    aws: Aws, inbound_consumer: Any, agent_api: Any, context: LambdaContext, hours: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    clock = Clock(monkeypatch, agent_api)
    event = inbound_event("Water is brown", "SM" + "2" * 32, "2026-11-20T21:50:00.000000Z")  # Fri 16:50
    for _ in range(2):  # SQS delivers it twice: counted once
        assert inbound_consumer.handler(event, context) == {"batchItemFailures": []}
    thread_id = resident_thread(aws)
    clock.at = "2026-11-23T13:20:00.000000Z"  # Mon 08:20
    reply = api_event("POST", f"/api/threads/{thread_id}/messages", body={"body": "On it"}, claims=SUPERVISOR)
    assert call(agent_api, context, reply)[0] == 202

    body = report(agent_api, context, "2026-11-20", "2026-11-23")
    assert body["durations"]["first_response_calendar"]["median_s"] == 228_600
    assert body["durations"]["first_response_business"]["median_s"] == 1_800
    assert body["figures"]["messages_in"] == 1
    assert body["figures"]["opened"] == 1
    daily = {row[0]: row for row in body["tables"]["daily"]["rows"]}
    assert daily["2026-11-20"][1] == 1 and daily["2026-11-23"][5] == 1  # opened Friday, answered Monday
    heat = body["tables"]["heatmap"]["rows"]
    assert heat[4][0] == "Fri" and heat[4][1 + 16] == 1


def test_a_resident_writing_to_a_closed_conversation_reopens_it_and_its_next_close_is_a_second_resolution(
    aws: Aws, inbound_consumer: Any, agent_api: Any, context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch, agent_api)
    inbound_consumer.handler(
        inbound_event("Pothole", "SM" + "3" * 32, "2026-11-23T14:00:00.000000Z"), context
    )
    thread_id = resident_thread(aws)
    close = api_event("POST", f"/api/threads/{thread_id}/close", body={}, claims=SUPERVISOR)
    clock.at = "2026-11-23T14:10:00.000000Z"
    assert call(agent_api, context, close)[0] == 200
    inbound_consumer.handler(
        inbound_event("Still there", "SM" + "4" * 32, "2026-11-23T15:00:00.000000Z"), context
    )
    clock.at = "2026-11-23T15:05:00.000000Z"
    assert call(agent_api, context, close)[0] == 200

    figures = report(agent_api, context, "2026-11-23", "2026-11-23")["figures"]
    assert (figures["opened"], figures["reopened"], figures["resolved"]) == (1, 1, 2)


def test_subscriber_growth_per_topic_comes_from_the_consent_ledger(
    aws: Aws, inbound_consumer: Any, agent_api: Any, context: LambdaContext
) -> None:
    seed_topics(aws)
    for n, body in enumerate(["JOIN WATER", "94110", "STOP"]):
        inbound_consumer.handler(
            inbound_event(body, f"SM{n:032d}", f"2026-11-25T10:0{n}:00.000000Z"), context
        )
        inbound_consumer.handler(
            inbound_event(body, f"SM{n:032d}", f"2026-11-25T10:0{n}:00.000000Z"), context
        )
    rows = report(agent_api, context, "2026-11-25", "2026-11-25")["tables"]["subscribers"]["rows"]
    assert rows == [["WATER", "2026-11-25", 1, 1, 0]]


def test_reports_are_for_supervisors_and_download_as_csv(
    aws: Aws, inbound_consumer: Any, agent_api: Any, context: LambdaContext
) -> None:
    inbound_consumer.handler(inbound_event("Hi", "SM" + "5" * 32, "2026-11-23T14:00:00.000000Z"), context)
    query = {"from": "2026-11-23", "to": "2026-11-23"}
    assert call(agent_api, context, api_event("GET", "/api/reports", query, claims=AGENT))[0] == 403
    response = agent_api.handler(
        api_event("GET", "/api/reports/csv/daily", query, claims=SUPERVISOR), context
    )
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("text/csv")
    assert "attachment" in response["headers"]["Content-Disposition"]
    lines = response["body"].splitlines()
    assert lines[0].startswith("day,opened,reopened,resolved")
    assert lines[1].startswith("2026-11-23,1,0,0,1,0")
    bad = api_event("GET", "/api/reports", {"from": "2026-01-01", "to": "2026-12-01"}, claims=SUPERVISOR)
    assert call(agent_api, context, bad)[0] == 400
    assert call(agent_api, context, api_event("GET", "/api/reports/csv/nope", query, claims=SUPERVISOR))[
        0
    ] in (400, 404, 422)


def test_open_and_waiting_now_follow_the_inbox_through_the_real_handlers(
    aws: Aws, inbound_consumer: Any, agent_api: Any, context: LambdaContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch, agent_api)

    def now() -> tuple[int, int]:
        figures = report(agent_api, context, "2026-11-23", "2026-11-23")["figures"]
        inbox = aws.table.get_item(Key={"pk": f"THREAD#{thread_id}", "sk": "META"})["Item"]
        # the inbox's own view of the same conversation agrees
        waits = inbox.get("status") == "open" and "waiting_since" in inbox
        inbox_now = (int(inbox["status"] == "open"), int(waits))
        assert (figures["open_now"], figures["unattended_now"]) == inbox_now
        return figures["open_now"], figures["unattended_now"]

    first = inbound_event("Pothole", "SM" + "6" * 32, "2026-11-23T14:00:00.000000Z")
    inbound_consumer.handler(first, context)
    thread_id = resident_thread(aws)
    assert now() == (1, 1)
    path = f"/api/threads/{thread_id}"
    reply = api_event("POST", f"{path}/messages", body={"body": "On it"}, claims=SUPERVISOR)
    assert call(agent_api, context, reply)[0] == 202
    assert now() == (1, 0)
    inbound_consumer.handler(inbound_event("Thanks", "SM" + "7" * 32, "2026-11-23T14:10:00.000000Z"), context)
    # a redelivery of the same message changes nothing
    inbound_consumer.handler(inbound_event("Thanks", "SM" + "7" * 32, "2026-11-23T14:10:00.000000Z"), context)
    assert now() == (1, 1)
    clock.at = "2026-11-23T14:20:00.000000Z"
    assert call(agent_api, context, api_event("POST", f"{path}/close", body={}, claims=SUPERVISOR))[0] == 200
    assert now() == (0, 0)
    assert call(agent_api, context, api_event("POST", f"{path}/reopen", body={}, claims=SUPERVISOR))[0] == 200
    assert now() == (1, 1)  # reopened by staff: the resident's "Thanks" is still unanswered
    daily = report(agent_api, context, "2026-11-23", "2026-11-23")["tables"]["daily"]["rows"]
    # The backlog at the day's end: closed then (the reopening is today, by the middleware's real clock)
    assert daily[0][6] == 0
    # One agent's report reads that agent's day cells by key: the supervisor's reply is theirs, and so is the
    # "Thanks" that came after their reply took the conversation (the "Pothole" before it was nobody's)
    mine = report(agent_api, context, "2026-11-23", "2026-11-23", agent=str(SUPERVISOR["sub"]))["figures"]
    assert (mine["replies"], mine["messages_in"]) == (1, 1)


def test_the_waiting_read_on_dynamodb_keeps_only_the_waits_newer_than_asked(aws: Aws) -> None:
    # The recent read asks DynamoDB for sort keys after `newer_than` (instant#thread): an item that began
    # exactly then is out, one a microsecond later is in, and the older ones are not returned at all.
    from reports.dal.report_table import ReportTable
    from switchboard.report_keys import waiting_pk, waiting_sk

    since = [
        "2026-11-29T11:59:59.999999Z",
        "2026-11-29T12:00:00.000000Z",
        "2026-11-29T12:00:00.000001Z",
        "2026-11-30T09:00:00.000000Z",
    ]
    for n, at in enumerate(since):
        aws.table.put_item(Item={"pk": waiting_pk("*", None), "sk": waiting_sk(at, f"t{n}"), "since": at})
    reader = ReportTable(aws.table)
    recent = reader.waiting_since(
        "*", None, newer_than="2026-11-29T12:00:00.000000Z", oldest_first=False, limit=2000
    )
    assert recent == ["2026-11-30T09:00:00.000000Z", "2026-11-29T12:00:00.000001Z"]
    assert reader.waiting_since("*", None, newer_than=None, oldest_first=True, limit=2) == since[:2]


def test_sealing_on_dynamodb_a_late_event_and_a_redelivery(aws: Aws) -> None:
    # The sealed days' protocol against moto's DynamoDB: summaries put under their condition beside the day
    # versions in RPTS#{scope}, read back as Binary, re-sealed after a late event; a redelivery moves nothing.
    from boto3.dynamodb.conditions import Key
    from reports.dal.report_table import ReportTable
    from reports.logic.recorder import Dims, ReportRecorder
    from reports.logic.report import ReportFilter, build_report
    from switchboard.report_keys import sealed_pk

    from tests.unit.test_reports import HOURS, NOW, NY

    table = ReportTable(aws.table)
    recorder = ReportRecorder(table, HOURS, NY)
    water = Dims("water", "sms", "agent-1")
    recorder.message_received("t1", "SM1", "2026-11-23T14:00:00.000000Z", water)  # Mon 09:00 EST
    recorder.staff_replied("t1", "m1", "2026-11-23T14:04:00.000000Z", water)  # 240 s
    monday = ReportFilter(datetime(2026, 11, 23).date(), datetime(2026, 11, 23).date())

    def sealed_items() -> dict[str, int]:
        items = aws.table.query(KeyConditionExpression=Key("pk").eq(sealed_pk("*")))["Items"]
        return {str(i["sk"]): int(i["v"]) for i in items if str(i["sk"]).startswith("2026-11-23")}

    first = build_report(table, monday, NOW)
    assert sealed_items() == {"2026-11-23#S": 2, "2026-11-23#V": 2}
    second = build_report(table, monday, NOW)  # from the summary
    assert second["figures"] == first["figures"] and second["durations"] == first["durations"]
    assert second["durations"]["first_response_calendar"]["median_s"] == 240
    # A redelivered message moves no version: the summary stays in use
    recorder.message_received("t1", "SM1", "2026-11-23T14:00:00.000000Z", water)
    assert sealed_items() == {"2026-11-23#S": 2, "2026-11-23#V": 2}
    # A late message of Monday moves its version; the next report counts it and seals Monday again
    recorder.message_received("t2", "SM2", "2026-11-23T20:00:00.000000Z", Dims("water", "sms", None))
    late = build_report(table, monday, NOW)
    assert (late["figures"]["messages_in"], late["figures"]["opened"]) == (2, 2)
    assert sealed_items() == {"2026-11-23#S": 3, "2026-11-23#V": 3}
    assert build_report(table, monday, NOW)["figures"] == late["figures"]
