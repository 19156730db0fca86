"""The Open311 client on moto against the local city endpoint (issue 21 item 5): an admin points services at a
city (the key never comes back); a report made by text is POSTed there through CityForwardQueue, once; a
city that fails (400, 500, a timeout) gets the job again later and, after five deliveries, the job is in
the dead-letter queue; a batch city's token is polled until it yields an id; the city closing the request,
and reopening it later, is texted to the resident once each, however often the city is polled."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from servicerequests.dal.city_table import CityTable
from servicerequests.dal.requests_table import RequestsTable
from servicerequests.integrations.forward_queue import SqsCityForwardQueue
from servicerequests.models.requests import ServiceRequestRecord
from switchboard.clock import utc_now_iso

from infra.local.open311_city import LocalCity
from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_consent import RESIDENT
from tests.integration.test_open311 import ADMIN, AGENT
from tests.integration.test_service_request_intake import replies, seed, text

CLOSED_TEXT = "Switchboard: Your request #1001 (Graffiti) is closed. Note: Cleaned on Tuesday"


@pytest.fixture
def city() -> Iterator[LocalCity]:
    local = LocalCity("127.0.0.1", 0, timeout_delay_s=1.0).start()
    yield local
    local.stop()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries at once and a short timeout, read by CityForwardFn at its cold start (the fixture after)."""
    monkeypatch.setenv("CITY_RETRY_BASE_S", "0")
    monkeypatch.setenv("CITY_TIMEOUT_S", "0.3")


def link(agent_api: Any, context: LambdaContext, city: LocalCity, target: str = "_all") -> None:
    body = {"endpoint": city.url, "api_key": city.api_key, "jurisdiction_id": "demo.gov"}
    event = api_event("PUT", f"/api/open311/city/{target}", body=body, claims=ADMIN)
    status, view = call(agent_api, context, event)
    assert status == 200 and "api_key" not in view


def receive(aws: Aws, name: str = "CityForwardQueue") -> dict[str, Any]:
    """What the event source would deliver: the messages now visible, with their receive counts."""
    response = aws.sqs.receive_message(
        QueueUrl=aws.queue_urls[name],
        MaxNumberOfMessages=10,
        MessageSystemAttributeNames=["All"],
        VisibilityTimeout=60,
    )
    records = []
    for message in response.get("Messages", []):
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {
                    "ApproximateReceiveCount": message["Attributes"]["ApproximateReceiveCount"],
                    "SentTimestamp": message["Attributes"]["SentTimestamp"],
                    "SenderId": "AIDAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": message["Attributes"][
                        "ApproximateFirstReceiveTimestamp"
                    ],
                },
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:switchboard-CityForwardQueue",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


def report_by_text(aws: Aws, inbound_consumer: Any, context: LambdaContext) -> None:
    for n, body in enumerate(["REPORT", "1", "120 Elm Street", "SKIP", "NO"], start=1):
        text(inbound_consumer, context, body, n)
    assert replies(aws)[-1].startswith("Switchboard: Request #1001 created (Graffiti).")


def test_an_admin_links_a_city_and_the_key_never_comes_back(
    aws: Aws, agent_api: Any, context: LambdaContext, city: LocalCity
) -> None:
    link(agent_api, context, city, "POT")
    status, listed = call(agent_api, context, api_event("GET", "/api/open311/city", claims=ADMIN))
    assert status == 200 and [entry["target"] for entry in listed["links"]] == ["POT"]
    assert city.api_key not in json.dumps(listed) and listed["links"][0]["has_api_key"] is True
    # The key leaves only for the city, over https (plain http only to this machine).
    for endpoint in ("http://city.example.gov/open311/v2", "https://user:pw@city.example.gov", "ftp://x"):
        event = api_event(
            "PUT", "/api/open311/city/_all", body={"endpoint": endpoint, "api_key": "k"}, claims=ADMIN
        )
        assert call(agent_api, context, event)[0] == 422
    assert call(agent_api, context, api_event("GET", "/api/open311/city", claims=AGENT))[0] == 403
    assert call(agent_api, context, api_event("DELETE", "/api/open311/city/POT", claims=ADMIN))[0] == 204
    assert call(agent_api, context, api_event("DELETE", "/api/open311/city/POT", claims=ADMIN))[0] == 404


def test_a_report_by_text_reaches_the_city_once_and_its_closing_is_texted_once(
    aws: Aws,
    agent_api: Any,
    inbound_consumer: Any,
    city_forward: Any,
    city_poll: Any,
    context: LambdaContext,
    city: LocalCity,
) -> None:
    seed(agent_api, context)
    link(agent_api, context, city)
    report_by_text(aws, inbound_consumer, context)

    event = receive(aws)
    assert [json.loads(r["body"]) for r in event["Records"]] == [
        {"kind": "servicerequests.forward", "request_id": "1001"}
    ]
    assert city_forward.handler(event, context) == {"batchItemFailures": []}
    assert city_forward.handler(event, context) == {"batchItemFailures": []}  # delivered twice by SQS
    [form] = city.received
    fields = dict(form)
    assert fields["service_code"] == "GRAF" and fields["address_string"] == "120 Elm Street"
    assert fields["api_key"] == city.api_key and fields["jurisdiction_id"] == "demo.gov"
    assert RESIDENT not in json.dumps(form) and RESIDENT[1:] not in json.dumps(form)
    [city_id] = city.requests
    assert CityTable(aws.table).forwarded("1001")["city_request_id"] == city_id  # type: ignore[index]

    said = len(replies(aws))
    assert city_poll.handler({}, context)["statuses_applied"] == 1  # still open: nothing to tell
    assert len(replies(aws)) == said
    city.set_status(city_id, "closed", "Cleaned on Tuesday")
    city_poll.handler({}, context)
    city_poll.handler({}, context)
    assert replies(aws)[said:] == [CLOSED_TEXT]
    record = RequestsTable(aws.table).get("1001")
    assert record is not None and record.status == "closed" and record.status_notes == "Cleaned on Tuesday"
    watched = CityTable(aws.table).forwarded("1001")
    assert watched is not None and watched["closed_at"]  # closed at the city, still asked about

    # The city reopens it ("not fixed"): the resident is told once, however often the city is polled
    city.set_status(city_id, "open", "Not fixed: more paint found")
    assert city_poll.handler({}, context)["reopened"] == 1
    assert city_poll.handler({}, context)["reopened"] == 0
    assert replies(aws)[said + 1 :] == [
        "Switchboard: Your request #1001 (Graffiti) is open again. Note: Not fixed: more paint found"
    ]
    watched = CityTable(aws.table).forwarded("1001")
    assert watched is not None and "closed_at" not in watched
    # ... and closes it again: told once more
    city.set_status(city_id, "closed", "Cleaned again")
    city_poll.handler({}, context)
    city_poll.handler({}, context)
    assert replies(aws)[said + 2 :] == [
        "Switchboard: Your request #1001 (Graffiti) is closed. Note: Cleaned again"
    ]

    # Closed for longer than the watch: no longer asked about
    aws.table.update_item(
        Key={"pk": "SRCITY", "sk": "1001"},
        UpdateExpression="SET closed_at = :long_ago",
        ExpressionAttributeValues={":long_ago": "2026-01-01T00:00:00.000000Z"},
    )
    calls = len(city.calls)
    assert city_poll.handler({}, context)["retired"] == 1
    assert CityTable(aws.table).forwarded("1001") is None and len(city.calls) == calls


def _request(aws: Aws, request_id: str = "1001", code: str = "POT") -> None:
    now = utc_now_iso()
    RequestsTable(aws.table).create(
        ServiceRequestRecord(
            service_request_id=request_id,
            service_code=code,
            service_name="Pothole",
            requested_datetime=now,
            updated_datetime=now,
            lat=37.76,
            long=-122.4,
            attributes={"SIZE": "big", "SIDES": ["north", "south"]},
            resident=RESIDENT,
            source="sms",
        )
    )
    SqsCityForwardQueue(aws.sqs, aws.queue_urls["CityForwardQueue"])(request_id)


def test_a_failing_city_gets_the_request_again_and_then_it_is_dead_lettered(
    aws: Aws,
    fast_retries: None,
    agent_api: Any,
    city_forward: Any,
    context: LambdaContext,
    city: LocalCity,
) -> None:
    link(agent_api, context, city, "POT")
    _request(aws)
    # A 500, then the city takes it: the second delivery creates the request.
    city.fail_next("500")
    first = receive(aws)
    assert city_forward.handler(first, context) == {
        "batchItemFailures": [{"itemIdentifier": first["Records"][0]["messageId"]}]
    }
    second = receive(aws)  # visible again at once (CITY_RETRY_BASE_S=0)
    assert second["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"
    assert city_forward.handler(second, context) == {"batchItemFailures": []}
    assert dict(city.received[0])["attribute[SIDES][]"] in ("north", "south")
    assert [k for k, _ in city.received[0]].count("attribute[SIDES][]") == 2

    # Another request meets 400, 500, a timeout, 500, 500: five deliveries, then the dead-letter queue.
    _request(aws, "1002")
    city.fail_next("400", "500", "timeout", "503", "502")
    for delivery in range(1, 6):
        event = receive(aws)
        assert event["Records"][0]["attributes"]["ApproximateReceiveCount"] == str(delivery)
        assert len(city_forward.handler(event, context)["batchItemFailures"]) == 1
    assert receive(aws) == {"Records": []}
    dead = aws.sqs.receive_message(QueueUrl=aws.dlq_urls["CityForwardQueue"]).get("Messages", [])
    assert [json.loads(m["Body"])["request_id"] for m in dead] == ["1002"]
    assert len(city.requests) == 1 and CityTable(aws.table).forwarded("1002") is None


def test_a_request_for_a_service_no_city_handles_stays_here(
    aws: Aws, agent_api: Any, city_forward: Any, context: LambdaContext, city: LocalCity
) -> None:
    link(agent_api, context, city, "LEAK")
    _request(aws, "1001", "POT")
    assert city_forward.handler(receive(aws), context) == {"batchItemFailures": []}
    assert city.calls == [] and CityTable(aws.table).forwarded("1001") is None


def test_a_batch_city_token_is_polled_until_it_yields_an_id(
    aws: Aws,
    agent_api: Any,
    city_forward: Any,
    city_poll: Any,
    context: LambdaContext,
    city: LocalCity,
) -> None:
    city.batch, city.token_polls_before_id = True, 1
    link(agent_api, context, city, "POT")
    _request(aws)
    assert city_forward.handler(receive(aws), context) == {"batchItemFailures": []}
    forwarded = CityTable(aws.table).forwarded("1001")
    assert forwarded is not None and forwarded["city_token"] and "city_request_id" not in forwarded
    assert city_poll.handler({}, context)["tokens_resolved"] == 0  # the city has not made it yet
    assert city_poll.handler({}, context)["tokens_resolved"] == 1
    [city_id] = city.requests
    assert CityTable(aws.table).forwarded("1001")["city_request_id"] == city_id  # type: ignore[index]
    # A city that is down is asked again at the next poll; nothing is lost.
    city.set_status(city_id, "closed")
    city.fail_next("500")
    assert city_poll.handler({}, context)["failed_links"] == ["POT"]
    assert city_poll.handler({}, context)["closed"] == 1
    record = RequestsTable(aws.table).get("1001")
    assert record is not None and record.status == "closed"
