"""The fan-out against moto: the planner's queue messages, the paced sender through the real twilio SDK (an
in-memory carrier underneath), status callbacks moving the figures, and the exactly-once rule under faults:
429s, 500s, a 500 after Twilio created the message, a crash between Twilio and the table, duplicate SQS
deliveries, and STOPs racing the send."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from tests.integration.alerts_support import InMemoryTwilio, add_topics, alerts_call, stop_all, subscribe
from tests.integration.conftest import ALERT_SCHEDULE_GROUP, REGION, Aws, LambdaContext

NOON_NY = datetime(2026, 12, 4, 12, 0, tzinfo=ZoneInfo("America/New_York"))
ELEVEN_PM_NY = datetime(2026, 12, 4, 23, 0, tzinfo=ZoneInfo("America/New_York"))


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def sqs_event(bodies: list[dict[str, Any]], receive_count: int = 1) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{i}-{receive_count}",
                "receiptHandle": "r",
                "body": json.dumps(body),
                "attributes": {
                    "ApproximateReceiveCount": str(receive_count),
                    "SentTimestamp": "1764849600000",
                    "SenderId": "AIDA",
                    "ApproximateFirstReceiveTimestamp": "1764849600000",
                },
                "messageAttributes": {},
                "md5OfBody": "0" * 32,
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:q",
                "awsRegion": REGION,
            }
            for i, body in enumerate(bodies)
        ]
    }


def drain(aws: Aws, queue: str) -> list[dict[str, Any]]:
    bodies = []
    while True:
        messages = aws.sqs.receive_message(QueueUrl=aws.queue_urls[queue], MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            aws.sqs.delete_message(QueueUrl=aws.queue_urls[queue], ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def carrier(alert_sender: Any, monkeypatch: pytest.MonkeyPatch) -> InMemoryTwilio:
    """The sender as wired (its table, limiter, schedules), with Twilio in memory and the clock at noon."""
    from alerts.integrations.alert_sms import TwilioAlertSms

    clock = Clock(NOON_NY)
    twilio = InMemoryTwilio(clock)
    wired = alert_sender.dependencies()
    deps = dataclasses.replace(
        wired,
        sms=TwilioAlertSms(twilio.client, "https://api.example/twilio/status"),
        now=clock,
        sleep=lambda s: None,
    )
    monkeypatch.setattr(alert_sender, "dependencies", lambda: deps)
    twilio.clock_ref = clock  # type: ignore[attr-defined]
    return twilio


@pytest.fixture
def town(aws: Aws) -> list[str]:
    add_topics(aws.table, "WATER", "ROADS")
    residents = [f"+1555555{n:04d}" for n in range(12)]
    for n, address in enumerate(residents):
        subscribe(aws.table, address, ["WATER"], [f"zip:9411{n % 3}"], "es" if n % 4 == 0 else "en")
    return residents


def create(alerts_api: Any, **overrides: Any) -> str:
    body = {
        "title": "Water shut-off",
        "topics": ["WATER"],
        "zones": [],
        "texts": {"en": "Water off until 4 pm.", "es": "Agua cortada hasta las 4."},
        "emergency": False,
        "emergency_reason": None,
        "send_at": None,
        "track_links": False,
    }
    body.update(overrides)
    status, answer = alerts_call(alerts_api, "POST", "/api/alerts", body)
    assert status == 201, answer
    return str(answer["alert"]["alert_id"])


def plan_and_collect(aws: Aws, alert_planner: Any) -> list[dict[str, Any]]:
    plans = drain(aws, "AlertPlanQueue")
    assert alert_planner.handler(sqs_event(plans), LambdaContext()) == {"batchItemFailures": []}
    return drain(aws, "AlertSendQueue")


def send(alert_sender: Any, jobs: list[dict[str, Any]], receive_count: int = 1) -> dict[str, Any]:
    result: dict[str, Any] = {"batchItemFailures": []}
    for start in range(0, len(jobs), 10):
        part = alert_sender.handler(sqs_event(jobs[start : start + 10], receive_count), LambdaContext())
        result["batchItemFailures"] += part["batchItemFailures"]
    return result


def figures(alerts_api: Any, alert_id: str) -> dict[str, Any]:
    status, body = alerts_call(alerts_api, "GET", f"/api/alerts/{alert_id}")
    assert status == 200
    return dict(body["alert"])


def test_send_now_reaches_every_subscriber_once_in_their_language(
    aws: Aws, town: list[str], alerts_api: Any, alert_planner: Any, alert_sender: Any, carrier: InMemoryTwilio
) -> None:
    alert_id = create(alerts_api)
    jobs = plan_and_collect(aws, alert_planner)
    assert len(jobs) == 12
    assert figures(alerts_api, alert_id)["figures"]["queued"] == 12

    assert send(alert_sender, jobs) == {"batchItemFailures": []}

    assert sorted(m.to for m in carrier.messages) == sorted(town)
    assert {m.body for m in carrier.sent_to(town[0])} == {"Agua cortada hasta las 4."}
    assert {m.body for m in carrier.sent_to(town[1])} == {"Water off until 4 pm."}
    alert = figures(alerts_api, alert_id)
    assert alert["status"] == "sent"
    assert alert["audience_total"] == 12
    assert alert["figures"]["sent"] == 12 and alert["figures"]["queued"] == 0
    # The contract: the resident's thread names the last alert (a thread is created for those without one).
    resident = aws.table.get_item(Key={"pk": f"ADDR#{town[0]}", "sk": "RESIDENT"})["Item"]
    thread = aws.table.get_item(Key={"pk": f"THREAD#{resident['thread_id']}", "sk": "META"})["Item"]
    assert thread["last_alert_id"] == alert_id
    assert thread["last_alert_title"] == "Water shut-off"
    assert thread["last_alert_at"].endswith("Z")


def test_status_callbacks_move_figures_forward_only_and_count_failure_reasons(
    aws: Aws,
    town: list[str],
    alerts_api: Any,
    alert_planner: Any,
    alert_sender: Any,
    carrier: InMemoryTwilio,
    status_consumer: Any,
) -> None:
    alert_id = create(alerts_api)
    send(alert_sender, plan_and_collect(aws, alert_planner))
    sids = {m.to: m.sid for m in carrier.messages}

    def callback(address: str, status: str, code: str | None = None) -> dict[str, Any]:
        params = {"MessageSid": sids[address], "MessageStatus": status, "AccountSid": "AC" + "0" * 32}
        if code:
            params["ErrorCode"] = code
        return {"kind": "twilio.status", "received_at": "2026-12-04T17:00:00Z", "params": params}

    events = [callback(a, "sent") for a in town[:6]]
    events += [callback(a, "delivered") for a in town[:4]]
    events += [callback(town[4], "undelivered", "30003"), callback(town[5], "failed", "21610")]
    events += [callback(town[0], "sent"), callback(town[0], "delivered")]  # late and duplicate
    for start in range(0, len(events), 10):
        assert status_consumer.handler(sqs_event(events[start : start + 10]), LambdaContext()) == {
            "batchItemFailures": []
        }

    alert = figures(alerts_api, alert_id)
    assert alert["figures"]["delivered"] == 4
    assert alert["figures"]["undelivered"] == 1
    assert alert["figures"]["opted_out"] == 1  # 21610 reported by the carrier after Twilio accepted it
    assert alert["figures"]["sent"] == 6
    assert alert["failure_reasons"] == {"30003": 1, "21610": 1}
    assert sum(alert["figures"][k] for k in ("queued", "sent", "delivered", "opted_out", "undelivered")) == 12
    from inbox.dal.consent_table import ConsentTable

    assert ConsentTable(aws.table).load_state(town[5]).opted_out_all


def test_duplicate_deliveries_and_a_second_planner_send_once(
    aws: Aws, town: list[str], alerts_api: Any, alert_planner: Any, alert_sender: Any, carrier: InMemoryTwilio
) -> None:
    alert_id = create(alerts_api)
    jobs = plan_and_collect(aws, alert_planner)
    # The plan job delivered again (SQS at least once): nothing more is enqueued.
    plan = {"kind": "alert.plan", "alert_id": alert_id}
    alert_planner.handler(sqs_event([plan]), LambdaContext())
    assert drain(aws, "AlertSendQueue") == []

    send(alert_sender, jobs)
    send(alert_sender, jobs, receive_count=2)
    send(alert_sender, list(reversed(jobs)), receive_count=3)

    assert len(carrier.messages) == 12
    assert carrier.creates == 12
    assert figures(alerts_api, alert_id)["figures"]["sent"] == 12


def test_429s_and_500s_are_retried_with_backoff_and_send_once(
    aws: Aws, town: list[str], alerts_api: Any, alert_planner: Any, alert_sender: Any, carrier: InMemoryTwilio
) -> None:
    create(alerts_api)
    jobs = plan_and_collect(aws, alert_planner)
    carrier.faults = [429, 500, 503, None, 429, 500]  # None: that try succeeds

    assert send(alert_sender, jobs) == {"batchItemFailures": []}

    assert sorted(m.to for m in carrier.messages) == sorted(town)
    assert carrier.creates == 12 + 5


def test_a_500_after_twilio_created_the_message_is_adopted_not_resent(
    aws: Aws, town: list[str], alerts_api: Any, alert_planner: Any, alert_sender: Any, carrier: InMemoryTwilio
) -> None:
    alert_id = create(alerts_api)
    jobs = plan_and_collect(aws, alert_planner)
    carrier.faults = ["500-after-create", "500-after-create"]

    assert send(alert_sender, jobs) == {"batchItemFailures": []}

    assert sorted(m.to for m in carrier.messages) == sorted(town)
    assert figures(alerts_api, alert_id)["figures"]["sent"] == 12


def test_a_crash_between_twilio_and_the_table_never_sends_twice(
    aws: Aws,
    town: list[str],
    alerts_api: Any,
    alert_planner: Any,
    alert_sender: Any,
    carrier: InMemoryTwilio,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from alerts.dal.alerts_table import AlertsTable

    alert_id = create(alerts_api)
    jobs = plan_and_collect(aws, alert_planner)
    deps = alert_sender.dependencies()
    original = AlertsTable.record_sent
    crashes = {"left": 3}

    def crash_after_twilio(self: Any, *args: Any, **kwargs: Any) -> bool:
        if crashes["left"] > 0:
            crashes["left"] -= 1
            raise ConnectionError("the Lambda died here")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AlertsTable, "record_sent", crash_after_twilio)
    first = send(alert_sender, jobs)
    # The consumer crashed mid-batch three times: those records fail and come back.
    assert len(first["batchItemFailures"]) == 3
    assert len(carrier.messages) == 12

    # Redelivered at once, their claims are too fresh to judge: retried later, still nothing sent again.
    again = send(alert_sender, jobs, receive_count=2)
    assert len(again["batchItemFailures"]) == 3
    # After the in-flight window the claims are settled from what Twilio has: adopted, not resent.
    deps.now.moment += timedelta(minutes=5)
    assert send(alert_sender, jobs, receive_count=3) == {"batchItemFailures": []}

    assert len(carrier.messages) == 12
    assert carrier.creates == 12
    alert = figures(alerts_api, alert_id)
    assert alert["figures"]["sent"] == 12 and alert["figures"]["queued"] == 0


def test_a_claim_whose_worker_died_before_twilio_is_sent_after_the_window(
    aws: Aws, town: list[str], alerts_api: Any, alert_planner: Any, alert_sender: Any, carrier: InMemoryTwilio
) -> None:
    alert_id = create(alerts_api)
    jobs = plan_and_collect(aws, alert_planner)
    carrier.faults = [503, 503, 503, 503]  # every attempt of the first resident fails: the claim stays

    first = send(alert_sender, jobs[:1])
    assert len(first["batchItemFailures"]) == 1 and carrier.messages == []
    alert_sender.dependencies().now.moment += timedelta(minutes=5)

    assert send(alert_sender, jobs[:1], receive_count=2) == {"batchItemFailures": []}
    assert len(carrier.messages) == 1
    assert figures(alerts_api, alert_id)["figures"]["sent"] == 1


def test_opted_out_residents_get_nothing_even_in_an_emergency(
    aws: Aws, town: list[str], alerts_api: Any, alert_planner: Any, alert_sender: Any, carrier: InMemoryTwilio
) -> None:
    alert_id = create(alerts_api, emergency=True, emergency_reason="Boil-water order")
    jobs = plan_and_collect(aws, alert_planner)
    # STOP after the plan, before the send: the send-time check wins.
    stop_all(aws.table, town[0])
    stop_all(aws.table, town[1], "stop2")

    send(alert_sender, jobs)

    assert carrier.sent_to(town[0]) == [] and carrier.sent_to(town[1]) == []
    alert = figures(alerts_api, alert_id)
    assert alert["figures"]["opted_out"] == 2 and alert["figures"]["sent"] == 10


def test_twilio_21610_records_an_opt_out_and_is_never_retried(
    aws: Aws, town: list[str], alerts_api: Any, alert_planner: Any, alert_sender: Any, carrier: InMemoryTwilio
) -> None:
    from inbox.dal.consent_table import ConsentTable

    alert_id = create(alerts_api)
    jobs = plan_and_collect(aws, alert_planner)
    carrier.faults = [{"status": 400, "code": 21610}]

    assert send(alert_sender, jobs[:1]) == {"batchItemFailures": []}
    send(alert_sender, jobs[:1], receive_count=2)

    assert carrier.creates == 1
    address = jobs[0]["address"]
    assert ConsentTable(aws.table).load_state(address).opted_out_all
    assert ConsentTable(aws.table).history(address)[0].source == "carrier_error"
    alert = figures(alerts_api, alert_id)
    assert alert["figures"]["opted_out"] == 1
    assert alert["failure_reasons"] == {"21610": 1}


def test_quiet_hours_hold_non_emergencies_until_eight_in_each_residents_zone(
    aws: Aws, town: list[str], alerts_api: Any, alert_planner: Any, alert_sender: Any, carrier: InMemoryTwilio
) -> None:
    # One resident lives in Los Angeles (their own zone): 20:00 there is not yet quiet; 23:00 in New York is.
    aws.table.update_item(
        Key={"pk": f"ADDR#{town[1]}", "sk": "CONSENT"},
        UpdateExpression="SET time_zone = :tz",
        ExpressionAttributeValues={":tz": "America/Los_Angeles"},
    )
    alert_sender.dependencies().now.moment = ELEVEN_PM_NY
    alert_id = create(alerts_api)
    jobs = plan_and_collect(aws, alert_planner)

    assert send(alert_sender, jobs) == {"batchItemFailures": []}

    assert [m.to for m in carrier.messages] == [town[1]]
    alert = figures(alerts_api, alert_id)
    assert alert["figures"]["waiting_quiet_hours"] == 11
    assert alert["status"] == "sending"
    scheduler = boto3.client("scheduler", region_name=REGION)
    [wake] = scheduler.list_schedules(GroupName=ALERT_SCHEDULE_GROUP)["Schedules"]
    schedule = scheduler.get_schedule(GroupName=ALERT_SCHEDULE_GROUP, Name=wake["Name"])
    assert schedule["ScheduleExpression"] == "at(2026-12-05T13:00:00)"  # 08:00 in New York
    wake_job = json.loads(schedule["Target"]["Input"])
    # A duplicate delivery during the night changes nothing.
    send(alert_sender, jobs, receive_count=2)
    assert len(carrier.messages) == 1

    # The schedule fires at 08:00: the wave is enqueued again and goes out.
    alert_sender.dependencies().now.moment = datetime(2026, 12, 5, 8, 0, tzinfo=ZoneInfo("America/New_York"))
    assert alert_planner.handler(sqs_event([wake_job]), LambdaContext()) == {"batchItemFailures": []}
    woken = drain(aws, "AlertSendQueue")
    assert len(woken) == 11
    send(alert_sender, woken)

    assert sorted(m.to for m in carrier.messages) == sorted(town)
    alert = figures(alerts_api, alert_id)
    assert alert["figures"]["waiting_quiet_hours"] == 0 and alert["figures"]["sent"] == 12
    assert alert["status"] == "sent"


def test_emergencies_go_out_in_quiet_hours(
    aws: Aws, town: list[str], alerts_api: Any, alert_planner: Any, alert_sender: Any, carrier: InMemoryTwilio
) -> None:
    alert_sender.dependencies().now.moment = ELEVEN_PM_NY
    create(alerts_api, emergency=True, emergency_reason="Flash flood warning")

    send(alert_sender, plan_and_collect(aws, alert_planner))

    assert len(carrier.messages) == 12


def test_a_cancelled_alert_plans_nothing(
    aws: Aws, town: list[str], alerts_api: Any, alert_planner: Any
) -> None:
    alert_id = create(alerts_api, send_at=(datetime.now(UTC) + timedelta(days=1)).isoformat())
    alerts_call(alerts_api, "POST", f"/api/alerts/{alert_id}/cancel")

    # The schedule fired just before the cancel deleted it.
    alert_planner.handler(sqs_event([{"kind": "alert.plan", "alert_id": alert_id}]), LambdaContext())

    assert drain(aws, "AlertSendQueue") == []


def test_zones_narrow_the_fan_out(aws: Aws, town: list[str], alerts_api: Any, alert_planner: Any) -> None:
    create(alerts_api, zones=["zip:94110"])

    jobs = plan_and_collect(aws, alert_planner)

    assert sorted(j["address"] for j in jobs) == sorted(town[0::3])


def test_nobody_opted_out_is_sent_an_alert_under_concurrency(
    aws: Aws,
    atomic_moto: None,
    alerts_api: Any,
    alert_planner: Any,
    alert_sender: Any,
    carrier: InMemoryTwilio,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from alerts.dal.alerts_table import AlertsTable

    add_topics(aws.table, "WATER")
    residents = [f"+1555556{n:04d}" for n in range(40)]
    for address in residents:
        subscribe(aws.table, address, ["WATER"], ["zip:94110"])
    alert_id = create(alerts_api)
    jobs = plan_and_collect(aws, alert_planner)
    lock = threading.Lock()
    checked_at: dict[str, float] = {}
    stopped_at: dict[str, float] = {}
    original = AlertsTable.consent_item

    def timed_consent_item(self: Any, address: str) -> Any:
        began = time.monotonic()
        with lock:
            checked_at[address] = began
        return original(self, address)

    monkeypatch.setattr(AlertsTable, "consent_item", timed_consent_item)

    # Given every other resident texts STOP while two senders send
    def stop_them() -> None:
        for address in residents[::2]:
            stop_all(aws.table, address, f"stop-{address}")
            with lock:
                stopped_at[address] = time.monotonic()  # committed by now

    outcomes: dict[str, Any] = {}

    def run(name: str, work: Any) -> None:
        # A thread's exception would otherwise vanish and surface later as a wrong figure.
        try:
            outcomes[name] = work()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[name] = error

    workers = [
        threading.Thread(target=run, args=(f"sender{i}", lambda i=i: send(alert_sender, jobs[i::2])))
        for i in range(2)
    ]
    stopper = threading.Thread(target=run, args=("stopper", stop_them))
    for thread in [*workers, stopper]:
        thread.start()
    for thread in [*workers, stopper]:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in [*workers, stopper]), "a sender or the stopper hung"
    assert outcomes["stopper"] is None
    for name in ("sender0", "sender1"):
        assert outcomes[name] == {"batchItemFailures": []}, (name, outcomes[name])

    # Then nobody whose STOP was recorded before their send-time check got anything, and each got one text
    sent_to = [m.to for m in carrier.messages]
    assert len(sent_to) == len(set(sent_to))
    late = [a for a in sent_to if a in stopped_at and stopped_at[a] < checked_at[a]]
    assert late == []
    alert = figures(alerts_api, alert_id)
    assert alert["figures"]["sent"] + alert["figures"]["opted_out"] == 40
    assert alert["figures"]["sent"] == len(sent_to)
